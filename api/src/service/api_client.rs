//! Organization API clients: OAuth 2.0 clients (client-credentials grant, RFC 6749 §4.4)
//! for partner back ends, created, rotated and revoked by who may manage the
//! organization's identity (`manage_identity`: its administrators and network
//! administrators under the default policy), from a login session only.
//!
//! **What a client may do.** Each client acts through its own *service-account person*:
//! a person of its organization with no organization, network or community role and no
//! membership, ever (assigning one a role, inviting it, or the client joining or creating
//! a community is refused). The policy decides for it as for any logged-in person of that
//! organization who holds nothing: it reads what the network shows every logged-in
//! person (public and network communities, their member lists, the directory), never a
//! secret community, never more than its organization's own roles allow. Its scopes
//! (`READ`, `WRITE`, `ADMIN`) limit it further, as for personal access tokens.
//!
//! **Credentials.** The `client_id` is public; the secret is shown once and stored as its
//! SHA-256 (as personal access tokens are). A rotation keeps the previous secret working
//! for `api_client_secret_grace_secs`; tokens issued with it end with it, and a second
//! rotation ends the oldest secret and its tokens at once. Access tokens are sessions of
//! the service account (`origin = 'client'`, the SHA-256 of the secret that obtained them
//! in `session.name`), living `api_client_token_ttl_secs`; revoking the client ends them
//! at once.

use crate::i18n::Message;
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{api_client, enums::RecordStatus, enums::TokenScope, organization, person, session};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, sea_query::Expr,
};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

use super::{
    App,
    audit::{self, AuditRecord, AuditScope},
    sso::providers::ensure_manage,
    validate,
};
use crate::{
    auth::{Actor, CLIENT_ORIGIN, Caller, hash_token, parse_scopes, random_secret},
    error::{ServiceError, ServiceResult},
};

/// Prefix of client ids.
pub const CLIENT_ID_PREFIX: &str = "mlc_";
/// Prefix of client secrets, so that leaked ones are recognisable.
pub const SECRET_PREFIX: &str = "mlcs_";
/// The longest name.
pub const NAME_MAX: usize = 100;
/// The most live (not revoked) clients an organization may hold.
pub const MAX_LIVE_CLIENTS: u64 = 50;
/// The longest `client_id` or `client_secret` looked at; longer ones are refused unread.
pub const CREDENTIAL_MAX: usize = 128;
/// The most live access tokens a client holds: a new one revokes the oldest beyond.
pub const MAX_LIVE_CLIENT_TOKENS: usize = 20;
/// Domain of the service accounts' placeholder e-mail addresses (reserved: RFC 2606).
const SERVICE_ACCOUNT_DOMAIN: &str = "api-clients.invalid";

/// What a new client is asked to be.
#[derive(Debug, Clone)]
pub struct NewApiClient {
    pub organization_id: i32,
    pub name: String,
    pub scopes: Vec<TokenScope>,
}

/// Stored scopes, comma-separated.
fn scopes_text(scopes: &[TokenScope]) -> String {
    scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(",")
}

/// A client's scopes.
pub fn scopes_of(client: &api_client::Model) -> Vec<TokenScope> {
    parse_scopes(&client.scopes)
}

/// Clients are managed from a login session: neither a personal access token nor an API
/// client's token creates, rotates or revokes clients (a leaked token cannot mint
/// itself a successor).
fn from_login_session(caller: &Caller) -> ServiceResult<&Actor> {
    let actor = caller.actor()?;
    if actor.scopes.is_some() || actor.api_client_id.is_some() {
        return Err(ServiceError::forbidden(Message::new("clients-from-session")));
    }
    Ok(actor)
}

/// Refuses when the caller is an API client: `what` is something only people do.
pub fn ensure_person(caller: &Caller, what: &str) -> ServiceResult<()> {
    if caller.viewer.as_ref().is_some_and(|a| a.api_client_id.is_some()) {
        return Err(ServiceError::forbidden(Message::new("client-cannot").arg("what", what)));
    }
    Ok(())
}

/// Refuses (`BAD_USER_INPUT` on `field`) when `person_id` is an API client's service
/// account, which never holds roles or memberships.
pub async fn ensure_not_service_account<C: ConnectionTrait>(db: &C, person_id: i32, field: &str) -> ServiceResult<()> {
    let found = api_client::Entity::find().filter(api_client::Column::PersonId.eq(person_id)).count(db).await?;
    if found > 0 {
        return Err(ServiceError::bad_input(field, Message::new("service-account-no-roles")));
    }
    Ok(())
}

/// The client with this id if the caller may manage it; `NOT_FOUND` otherwise, exactly as
/// for a missing one.
async fn find_managed<C: ConnectionTrait>(
    app: &App,
    db: &C,
    caller: &Caller,
    id: i32,
) -> ServiceResult<api_client::Model> {
    let not_found = || ServiceError::not_found("API client");
    let client = api_client::Entity::find_by_id(id).one(db).await?.ok_or_else(not_found)?;
    match ensure_manage(app, db, caller, client.organization_id).await {
        Ok(()) => Ok(client),
        Err(ServiceError::Forbidden(_)) => Err(not_found()),
        Err(e) => Err(e),
    }
}

/// Creates a client for an organization; returns it with its secret (the only time it
/// exists in clear).
pub async fn create(
    app: &App,
    caller: &Caller,
    input: NewApiClient,
) -> ServiceResult<(api_client::Model, SecretString)> {
    let actor = from_login_session(caller)?;
    let name = validate::required_text("name", &input.name, NAME_MAX)?;
    let mut scopes = input.scopes;
    scopes.sort();
    scopes.dedup();
    if scopes.is_empty() {
        return Err(ServiceError::bad_input("scopes", Message::new("at-least-one-scope")));
    }
    // Nobody grants a scope they do not hold (a login session holds them all).
    if let Some(missing) = scopes.iter().find(|s| !actor.allows(**s)) {
        return Err(ServiceError::forbidden(Message::new("scope-not-held").arg("scope", missing.as_str())));
    }
    let txn = crate::db::begin_write(&app.db).await?;
    let org = organization::Entity::find_by_id(input.organization_id)
        .one(&txn)
        .await?
        .ok_or(ServiceError::not_found("organization"))?;
    ensure_manage(app, &txn, caller, org.id).await?;
    // Clients made at once count one after the other: the organization's row is held
    // until commit (PostgreSQL; SQLite's writers take turns anyway), once the caller is
    // known to manage it.
    organization::Entity::find_by_id(org.id).lock_exclusive().one(&txn).await?;
    if org.status != RecordStatus::Active {
        return Err(ServiceError::forbidden(Message::new("organization-suspended")));
    }
    let live = api_client::Entity::find()
        .filter(api_client::Column::OrganizationId.eq(org.id))
        .filter(api_client::Column::RevokedAt.is_null())
        .count(&txn)
        .await?;
    if live >= MAX_LIVE_CLIENTS {
        return Err(ServiceError::Conflict {
            field: "organizationId".into(),
            message: Message::new("live-clients-max").arg("max", MAX_LIVE_CLIENTS),
        });
    }
    let client_id = format!("{CLIENT_ID_PREFIX}{}", random_secret()?);
    let secret = SecretString::from(format!("{SECRET_PREFIX}{}", random_secret()?));
    let now = Utc::now();
    let account = person::ActiveModel {
        display_name: Set(name.clone()),
        email: Set(format!("{}@{SERVICE_ACCOUNT_DOMAIN}", client_id.to_lowercase())),
        organization_id: Set(Some(org.id)),
        status: Set(RecordStatus::Active),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let text = scopes_text(&scopes);
    let created = api_client::ActiveModel {
        organization_id: Set(org.id),
        person_id: Set(account.id),
        name: Set(name.clone()),
        client_id: Set(client_id.clone()),
        secret_hash: Set(hash_token(secret.expose_secret())),
        previous_secret_hash: Set(None),
        previous_secret_expires_at: Set(None),
        secret_rotated_at: Set(None),
        scopes: Set(text.clone()),
        created_by: Set(Some(actor.person_id)),
        created_at: Set(now),
        revoked_at: Set(None),
        last_used_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        AuditRecord {
            scope: AuditScope::Organization(org.id),
            actor_id: Some(actor.person_id),
            action: "api_client.create",
            target_type: "ApiClient",
            target_id: Some(created.id),
            before: None,
            after: Some(json!({ "clientId": client_id, "name": name, "scopes": text })),
            request_id: caller.request_id.as_deref(),
        },
    )
    .await?;
    txn.commit().await?;
    Ok((created, secret))
}

/// Gives a client a new secret; the current one keeps working for the grace period
/// (`api_client_secret_grace_secs`), and so do its tokens at most that long. A previous
/// secret still in its grace period, and its tokens, end at once.
pub async fn rotate_secret(app: &App, caller: &Caller, id: i32) -> ServiceResult<(api_client::Model, SecretString)> {
    let actor = from_login_session(caller)?;
    let txn = crate::db::begin_write(&app.db).await?;
    let current = find_managed(app, &txn, caller, id).await?;
    if current.revoked_at.is_some() {
        return Err(ServiceError::Conflict { field: "id".into(), message: Message::new("client-revoked") });
    }
    let now = Utc::now();
    let grace_end = now + app.sso.settings.api_client_secret_grace;
    let secret = SecretString::from(format!("{SECRET_PREFIX}{}", random_secret()?));
    let tokens = || {
        session::Entity::update_many()
            .filter(session::Column::PersonId.eq(current.person_id))
            .filter(session::Column::Origin.eq(CLIENT_ORIGIN))
            .filter(session::Column::RevokedAt.is_null())
    };
    // Tokens of any older secret end now; those of the secret being replaced end with it.
    tokens()
        .col_expr(session::Column::RevokedAt, Expr::value(now))
        .filter(session::Column::Name.ne(current.secret_hash.clone()))
        .exec(&txn)
        .await?;
    tokens()
        .col_expr(session::Column::ExpiresAt, Expr::value(grace_end))
        .filter(session::Column::Name.eq(current.secret_hash.clone()))
        .filter(session::Column::ExpiresAt.gt(grace_end))
        .exec(&txn)
        .await?;
    let mut model: api_client::ActiveModel = current.clone().into();
    model.previous_secret_hash = Set(Some(current.secret_hash.clone()));
    model.previous_secret_expires_at = Set(Some(grace_end));
    model.secret_hash = Set(hash_token(secret.expose_secret()));
    model.secret_rotated_at = Set(Some(now));
    let rotated = model.update(&txn).await?;
    audit::record(
        &txn,
        AuditRecord {
            scope: AuditScope::Organization(current.organization_id),
            actor_id: Some(actor.person_id),
            action: "api_client.rotate_secret",
            target_type: "ApiClient",
            target_id: Some(id),
            before: None,
            after: Some(json!({ "clientId": current.client_id, "previousSecretExpiresAt": grace_end })),
            request_id: caller.request_id.as_deref(),
        },
    )
    .await?;
    txn.commit().await?;
    app.sessions.forget_all();
    Ok((rotated, secret))
}

/// Revokes a client: its secrets and every token it holds stop working at once.
pub async fn revoke(app: &App, caller: &Caller, id: i32) -> ServiceResult<api_client::Model> {
    let actor = from_login_session(caller)?;
    let txn = crate::db::begin_write(&app.db).await?;
    let current = find_managed(app, &txn, caller, id).await?;
    if current.revoked_at.is_none() {
        let now = Utc::now();
        api_client::Entity::update_many()
            .col_expr(api_client::Column::RevokedAt, Expr::value(now))
            .filter(api_client::Column::Id.eq(id))
            .exec(&txn)
            .await?;
        session::Entity::update_many()
            .col_expr(session::Column::RevokedAt, Expr::value(now))
            .filter(session::Column::PersonId.eq(current.person_id))
            .filter(session::Column::RevokedAt.is_null())
            .exec(&txn)
            .await?;
        audit::record(
            &txn,
            AuditRecord {
                scope: AuditScope::Organization(current.organization_id),
                actor_id: Some(actor.person_id),
                action: "api_client.revoke",
                target_type: "ApiClient",
                target_id: Some(id),
                before: None,
                after: Some(json!({ "clientId": current.client_id, "name": current.name })),
                request_id: caller.request_id.as_deref(),
            },
        )
        .await?;
    }
    let revoked = api_client::Entity::find_by_id(id).one(&txn).await?.ok_or(ServiceError::not_found("API client"))?;
    txn.commit().await?;
    app.sessions.forget_all();
    Ok(revoked)
}

/// An organization's live clients, oldest first: for who may manage them (`FORBIDDEN`
/// for anyone else).
pub async fn list(app: &App, caller: &Caller, organization_id: i32) -> ServiceResult<Vec<api_client::Model>> {
    caller.actor()?;
    ensure_manage(app, &app.db, caller, organization_id).await?;
    Ok(api_client::Entity::find()
        .filter(api_client::Column::OrganizationId.eq(organization_id))
        .filter(api_client::Column::RevokedAt.is_null())
        .order_by_asc(api_client::Column::Id)
        .all(&app.db)
        .await?)
}

/// The clients with these ids that the caller may manage (the others are absent, as
/// missing ones are): one statement for the clients, one check per organization.
pub async fn find_visible(app: &App, caller: &Caller, ids: &[i32]) -> ServiceResult<HashMap<i32, api_client::Model>> {
    if caller.viewer.is_none() || ids.is_empty() {
        return Ok(HashMap::new());
    }
    let clients =
        api_client::Entity::find().filter(api_client::Column::Id.is_in(ids.iter().copied())).all(&app.db).await?;
    let mut allowed: HashMap<i32, bool> = HashMap::new();
    let mut found = HashMap::new();
    for client in clients {
        let may = match allowed.get(&client.organization_id) {
            Some(may) => *may,
            None => {
                let may = match ensure_manage(app, &app.db, caller, client.organization_id).await {
                    Ok(()) => true,
                    Err(ServiceError::Forbidden(_)) => false,
                    Err(e) => return Err(e),
                };
                allowed.insert(client.organization_id, may);
                may
            }
        };
        if may {
            found.insert(client.id, client);
        }
    }
    Ok(found)
}

/// The client the caller is (through its access token), if any.
pub async fn of_caller(app: &App, caller: &Caller) -> ServiceResult<Option<api_client::Model>> {
    let Some(id) = caller.viewer.as_ref().and_then(|a| a.api_client_id) else { return Ok(None) };
    Ok(api_client::Entity::find_by_id(id).one(&app.db).await?)
}

/// Why `POST /oauth/token` refuses (RFC 6749 §5.2).
#[derive(Debug)]
pub enum GrantError {
    /// Unknown client, wrong or expired secret, revoked client.
    InvalidClient,
    /// A scope the client does not hold, or that does not exist.
    InvalidScope,
    /// The client is known and authenticated but may not be given a token now (its
    /// organization or service account is suspended).
    InvalidGrant,
    /// Anything else (the database): `ServiceError`'s code.
    Service(ServiceError),
}

impl From<ServiceError> for GrantError {
    fn from(e: ServiceError) -> Self {
        Self::Service(e)
    }
}

impl From<sea_orm::DbErr> for GrantError {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::Service(e.into())
    }
}

/// An access token, as `POST /oauth/token` answers it.
#[derive(Debug)]
pub struct Grant {
    pub access_token: SecretString,
    pub expires_at: DateTime<Utc>,
    pub scopes: Vec<TokenScope>,
}

/// Compares two hex digests without stopping at the first difference.
fn same_digest(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The client-credentials grant: authenticates the client by its id and secret (the
/// current one, or the previous one during its grace period) and issues an access token
/// with the scopes asked for (`None`: all of the client's).
pub async fn grant(
    app: &App,
    client_id: &str,
    client_secret: &str,
    requested: Option<Vec<TokenScope>>,
) -> Result<Grant, GrantError> {
    if client_id.len() > CREDENTIAL_MAX || client_secret.len() > CREDENTIAL_MAX {
        return Err(GrantError::InvalidClient);
    }
    let presented = hash_token(client_secret);
    let now = Utc::now();
    let client = api_client::Entity::find()
        .filter(api_client::Column::ClientId.eq(client_id))
        .filter(api_client::Column::RevokedAt.is_null())
        .one(&app.db)
        .await?
        .ok_or(GrantError::InvalidClient)?;
    let current = same_digest(&presented, &client.secret_hash);
    let previous = match (&client.previous_secret_hash, client.previous_secret_expires_at) {
        (Some(hash), Some(until)) if until > now && same_digest(&presented, hash) => Some(until),
        _ => None,
    };
    if !current && previous.is_none() {
        return Err(GrantError::InvalidClient);
    }
    let held = scopes_of(&client);
    let scopes = match requested {
        None => held,
        Some(mut asked) => {
            asked.sort();
            asked.dedup();
            if asked.is_empty() || asked.iter().any(|s| !held.contains(s)) {
                return Err(GrantError::InvalidScope);
            }
            asked
        }
    };
    let mut expires_at = now + app.sso.settings.api_client_token_ttl;
    if let Some(until) = previous {
        expires_at = expires_at.min(until);
    }
    let txn = crate::db::begin_write(&app.db).await?;
    let account = person::Entity::find_by_id(client.person_id).one(&txn).await?.ok_or(GrantError::InvalidClient)?;
    let org =
        organization::Entity::find_by_id(client.organization_id).one(&txn).await?.ok_or(GrantError::InvalidClient)?;
    if account.status != RecordStatus::Active || org.status != RecordStatus::Active {
        return Err(GrantError::InvalidGrant);
    }
    let text = scopes_text(&scopes);
    let (token, _) = crate::auth::issue_token(&txn, client.person_id, CLIENT_ORIGIN, expires_at, |model| {
        model.scopes = Set(Some(text.clone()));
        model.name = Set(Some(presented.clone()));
    })
    .await?;
    api_client::Entity::update_many()
        .col_expr(api_client::Column::LastUsedAt, Expr::value(now))
        .filter(api_client::Column::Id.eq(client.id))
        .exec(&txn)
        .await?;
    bound_tokens(&txn, client.person_id, now).await?;
    txn.commit().await?;
    Ok(Grant { access_token: token, expires_at, scopes })
}

/// Keeps a client's tokens bounded however often it asks for one: its dead tokens
/// (expired or revoked) are deleted, and of its live ones only the
/// [`MAX_LIVE_CLIENT_TOKENS`] newest are kept (the older ones are revoked). Nothing is
/// written when nothing is due (a write to `session` empties every replica's sessions
/// cache on PostgreSQL).
async fn bound_tokens<C: ConnectionTrait>(db: &C, account: i32, now: DateTime<Utc>) -> ServiceResult<()> {
    let tokens: Vec<(i32, Option<DateTime<Utc>>, DateTime<Utc>)> = session::Entity::find()
        .select_only()
        .columns([session::Column::Id, session::Column::RevokedAt, session::Column::ExpiresAt])
        .filter(session::Column::PersonId.eq(account))
        .filter(session::Column::Origin.eq(CLIENT_ORIGIN))
        .order_by_desc(session::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    let (live, dead): (Vec<_>, Vec<_>) =
        tokens.into_iter().partition(|(_, revoked, expires)| revoked.is_none() && *expires > now);
    let dead: Vec<i32> = dead.into_iter().map(|(id, _, _)| id).collect();
    if !dead.is_empty() {
        session::Entity::delete_many().filter(session::Column::Id.is_in(dead)).exec(db).await?;
    }
    let older: Vec<i32> = live.into_iter().skip(MAX_LIVE_CLIENT_TOKENS).map(|(id, _, _)| id).collect();
    if !older.is_empty() {
        session::Entity::update_many()
            .col_expr(session::Column::RevokedAt, Expr::value(now))
            .filter(session::Column::Id.is_in(older))
            .exec(db)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_compare_whole() {
        assert!(same_digest("abc", "abc"));
        assert!(!same_digest("abc", "abd"));
        assert!(!same_digest("abc", "ab"));
    }
}

//! Sessions after a login: the one-time code a front end exchanges for a session token
//! (so no token ever appears in a URL), account-link requests (bound to a browser by a
//! cookie, never carried in a URL), and the person's sessions (list, log out, revoke;
//! an organization's administrators may revoke its people's).

use crate::i18n::Message;
use chrono::{DateTime, Duration, Utc};
use entity::{login_code, organization, person, session};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    sea_query::Expr,
};
use secrecy::SecretString;
use serde_json::json;

use super::{login, providers};
use crate::{
    auth::{self, Caller, hash_token, random_secret},
    error::{ServiceError, ServiceResult},
    service::{
        App,
        audit::{self, AuditRecord, AuditScope},
    },
};

/// How long a front end has to exchange a login's one-time code.
pub const CODE_TTL: Duration = Duration::seconds(60);
/// How long a link request stays usable (start, provider login and confirmation).
pub const LINK_TTL: Duration = Duration::minutes(10);

const PURPOSE_SESSION: &str = "session";
const PURPOSE_LINK: &str = "link";

/// A session token, shown once.
#[derive(Debug)]
pub struct IssuedSession {
    pub token: SecretString,
    pub expires_at: DateTime<Utc>,
}

async fn create_code<C: ConnectionTrait>(
    db: &C,
    purpose: &str,
    person_id: i32,
    organization_id: Option<i32>,
    ttl: Duration,
) -> ServiceResult<String> {
    let code = random_secret()?;
    let now = Utc::now();
    login_code::ActiveModel {
        code_hash: Set(hash_token(&code)),
        purpose: Set(purpose.to_owned()),
        person_id: Set(person_id),
        organization_id: Set(organization_id),
        created_at: Set(now),
        expires_at: Set(now + ttl),
        ..Default::default()
    }
    .insert(db)
    .await?;
    login::purge_codes(db).await?;
    Ok(code)
}

/// Marks a code used if it is unused, unexpired and for `purpose`; returns it.
async fn consume_code<C: ConnectionTrait>(
    db: &C,
    code: &str,
    purpose: &str,
) -> ServiceResult<Option<login_code::Model>> {
    if code.is_empty() || code.len() > 100 {
        return Ok(None);
    }
    let hash = hash_token(code);
    let now = Utc::now();
    let used = login_code::Entity::update_many()
        .col_expr(login_code::Column::UsedAt, Expr::value(now))
        .filter(login_code::Column::CodeHash.eq(&hash))
        .filter(login_code::Column::Purpose.eq(purpose))
        .filter(login_code::Column::UsedAt.is_null())
        .filter(login_code::Column::ExpiresAt.gt(now))
        .exec(db)
        .await?;
    if used.rows_affected != 1 {
        return Ok(None);
    }
    Ok(login_code::Entity::find().filter(login_code::Column::CodeHash.eq(hash)).one(db).await?)
}

/// The one-time code that ends a successful login.
pub async fn create_session_code<C: ConnectionTrait>(db: &C, person_id: i32) -> ServiceResult<String> {
    create_code(db, PURPOSE_SESSION, person_id, None, CODE_TTL).await
}

/// A request to link an identity at an organization's provider to the caller's account:
/// the value of the cookie binding it to the browser (shown once), and the login URL to
/// send that browser to (which carries no code).
#[derive(Debug)]
pub struct LinkRequest {
    pub cookie: String,
    pub login_url: String,
}

/// Starts linking an identity at `slug`'s provider to the caller's account (`POST
/// /auth/{organization}/link`). The request is bound to the caller's session and to
/// the browser that receives the cookie; nothing is linked until that browser logs in
/// at the provider and the person confirms.
///
/// Only a login session may: a personal access token or an API client's token never
/// links an identity (a linked identity would log in as its person with every right,
/// outliving the token and its scopes; an API client's service account would receive
/// the roles the identity's claims map to).
pub async fn start_link(app: &App, caller: &Caller, slug: &str, return_to: &str) -> ServiceResult<LinkRequest> {
    let actor = caller.actor()?;
    if actor.scopes.is_some() || actor.api_client_id.is_some() {
        return Err(ServiceError::forbidden(Message::new("link-from-session")));
    }
    let organization = crate::service::organization::find_by_slug(&app.db, slug)
        .await?
        .filter(|o| o.status == entity::enums::RecordStatus::Active)
        .ok_or(ServiceError::not_found("organization"))?;
    let return_url = login::allowed_return(app, &organization, return_to)
        .ok_or_else(|| ServiceError::bad_input("returnTo", Message::new("return-url-not-allowed")))?;
    let cookie = random_secret()?;
    let now = Utc::now();
    let txn = crate::db::begin_write(&app.db).await?;
    login_code::ActiveModel {
        code_hash: Set(hash_token(&cookie)),
        purpose: Set(PURPOSE_LINK.to_owned()),
        person_id: Set(actor.person_id),
        organization_id: Set(Some(organization.id)),
        session_id: Set(Some(actor.session_id)),
        return_to: Set(Some(return_url.to_string())),
        created_at: Set(now),
        expires_at: Set(now + LINK_TTL),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    login::purge_codes(&txn).await?;
    audit::record(
        &txn,
        AuditRecord {
            scope: AuditScope::Organization(organization.id),
            actor_id: Some(actor.person_id),
            action: "identity.link_requested",
            target_type: "Organization",
            target_id: Some(organization.id),
            before: None,
            after: Some(json!({ "organization": organization.slug })),
            request_id: caller.request_id.as_deref(),
        },
    )
    .await?;
    txn.commit().await?;
    let mut url =
        url::Url::parse(&app.sso.login_url(&organization.slug)).map_err(|e| ServiceError::Internal(e.to_string()))?;
    url.query_pairs_mut().append_pair("return_to", return_url.as_str()).append_pair("link", "true");
    Ok(LinkRequest { cookie, login_url: url.to_string() })
}

/// The live link request (for `organization_id`) that the browser's link cookie names:
/// unused, unexpired, and its session still live.
pub async fn pending_link<C: ConnectionTrait>(
    db: &C,
    cookie: Option<&str>,
    organization_id: i32,
) -> ServiceResult<Option<login_code::Model>> {
    let Some(cookie) = cookie.filter(|c| !c.is_empty() && c.len() <= 100) else { return Ok(None) };
    let now = Utc::now();
    let Some(link) = login_code::Entity::find()
        .filter(login_code::Column::CodeHash.eq(hash_token(cookie)))
        .filter(login_code::Column::Purpose.eq(PURPOSE_LINK))
        .filter(login_code::Column::UsedAt.is_null())
        .filter(login_code::Column::ExpiresAt.gt(now))
        .filter(login_code::Column::OrganizationId.eq(organization_id))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let Some(session_id) = link.session_id else { return Ok(None) };
    let live = session::Entity::find_by_id(session_id)
        // A link started from a token (refused by `start_link`) never completes.
        .filter(session::Column::Origin.is_not_in([crate::auth::PAT_ORIGIN, crate::auth::CLIENT_ORIGIN]))
        .filter(session::Column::RevokedAt.is_null())
        .filter(session::Column::ExpiresAt.gt(now))
        .filter(session::Column::PersonId.eq(link.person_id))
        .one(db)
        .await?
        .is_some();
    Ok(live.then_some(link))
}

/// Records the identity a link request waits to have confirmed, and the hash of the
/// confirmation page's single-use token (a new page replaces an older one).
pub async fn await_confirmation<C: ConnectionTrait>(
    db: &C,
    link_id: i32,
    provider_id: i32,
    subject: &str,
    confirm_hash: &str,
) -> ServiceResult<()> {
    login_code::Entity::update_many()
        .col_expr(login_code::Column::ProviderId, Expr::value(provider_id))
        .col_expr(login_code::Column::Subject, Expr::value(subject))
        .col_expr(login_code::Column::ConfirmHash, Expr::value(confirm_hash))
        .filter(login_code::Column::Id.eq(link_id))
        .filter(login_code::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Uses up a link request; `false` when it already was.
pub async fn finish_link<C: ConnectionTrait>(db: &C, link_id: i32) -> ServiceResult<bool> {
    let used = login_code::Entity::update_many()
        .col_expr(login_code::Column::UsedAt, Expr::value(Utc::now()))
        .filter(login_code::Column::Id.eq(link_id))
        .filter(login_code::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    Ok(used.rows_affected == 1)
}

/// Exchanges a login's one-time code for a session token (`POST /auth/token`).
pub async fn exchange(app: &App, code: &str) -> ServiceResult<IssuedSession> {
    let txn = crate::db::begin_write(&app.db).await?;
    let refused = || ServiceError::bad_input("code", Message::new("code-unknown"));
    let used = consume_code(&txn, code, PURPOSE_SESSION).await?.ok_or_else(refused)?;
    let person = person::Entity::find_by_id(used.person_id).one(&txn).await?.ok_or_else(refused)?;
    if person.status != entity::enums::RecordStatus::Active {
        return Err(ServiceError::forbidden(Message::new("account-disabled")));
    }
    if let Some(organization_id) = person.organization_id {
        let organization = organization::Entity::find_by_id(organization_id).one(&txn).await?;
        if organization.is_none_or(|o| o.status != entity::enums::RecordStatus::Active) {
            return Err(ServiceError::forbidden(Message::new("account-organization-suspended")));
        }
    }
    let (token, expires_at) =
        auth::issue_session(&txn, person.id, auth::OIDC_ORIGIN, app.sso.settings.session_ttl).await?;
    audit::record(
        &txn,
        AuditRecord {
            scope: AuditScope::of_person(person.organization_id),
            actor_id: Some(person.id),
            action: "session.issue",
            target_type: "Person",
            target_id: Some(person.id),
            before: None,
            after: Some(json!({ "origin": auth::OIDC_ORIGIN, "expiresAt": expires_at })),
            request_id: None,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(IssuedSession { token, expires_at })
}

/// The caller's live sessions, newest first.
pub async fn list_mine(app: &App, caller: &Caller) -> ServiceResult<Vec<session::Model>> {
    let actor = caller.actor()?;
    Ok(session::Entity::find()
        .filter(session::Column::PersonId.eq(actor.person_id))
        .filter(session::Column::RevokedAt.is_null())
        // Personal access tokens are listed apart (`Person.personalAccessTokens`).
        .filter(session::Column::Origin.ne(crate::auth::PAT_ORIGIN))
        .filter(session::Column::ExpiresAt.gt(Utc::now()))
        .order_by_desc(session::Column::Id)
        .all(&app.db)
        .await?)
}

async fn revoke_where<C: ConnectionTrait>(db: &C, condition: sea_orm::Condition) -> ServiceResult<u64> {
    let result = session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(condition)
        .filter(session::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

async fn audit_revocation<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
    action: &str,
    (person_id, organization_id): (i32, Option<i32>),
    after: serde_json::Value,
) -> ServiceResult<()> {
    audit::record(
        db,
        AuditRecord {
            scope: AuditScope::of_person(organization_id),
            actor_id: caller.person_id(),
            action,
            target_type: "Person",
            target_id: Some(person_id),
            before: None,
            after: Some(after),
            request_id: caller.request_id.as_deref(),
        },
    )
    .await
}

/// Ends the caller's current session.
pub async fn logout(app: &App, caller: &Caller) -> ServiceResult<()> {
    let actor = caller.actor()?;
    let txn = crate::db::begin_write(&app.db).await?;
    revoke_where(&txn, sea_orm::Condition::all().add(session::Column::Id.eq(actor.session_id))).await?;
    audit_revocation(
        &txn,
        caller,
        "session.logout",
        (actor.person_id, actor.organization_id),
        json!({ "sessionId": actor.session_id }),
    )
    .await?;
    txn.commit().await?;
    app.sessions.forget_all();
    Ok(())
}

/// May the caller end `person_id`'s sessions? Themselves, or whoever manages identity in
/// the person's organization (its administrators, network administrators).
async fn ensure_may_revoke<C: ConnectionTrait>(
    app: &App,
    db: &C,
    caller: &Caller,
    person: &person::Model,
) -> ServiceResult<()> {
    let actor = caller.actor()?;
    if actor.person_id == person.id || actor.network_admin {
        return Ok(());
    }
    // Nobody logs out someone who outranks them: an organization's administrators do
    // not end the sessions of a network administrator or auditor who belongs to it.
    let theirs = policy::resolve::base_roles(db, Some(person.id)).await?;
    if theirs.iter().any(|r| r.kind() == Some(policy::ScopeKind::Network) && !caller.base_roles().contains(r)) {
        return Err(ServiceError::forbidden(Message::new("outranked")));
    }
    match person.organization_id {
        Some(org) => providers::ensure_manage(app, db, caller, org).await,
        None => Err(ServiceError::forbidden(Message::new("sessions-admins"))),
    }
}

/// Revokes one session (the caller's own, or one of a person they manage).
pub async fn revoke(app: &App, caller: &Caller, session_id: i32) -> ServiceResult<session::Model> {
    caller.actor()?;
    let txn = crate::db::begin_write(&app.db).await?;
    let found = session::Entity::find_by_id(session_id).one(&txn).await?.ok_or(ServiceError::not_found("session"))?;
    let person =
        person::Entity::find_by_id(found.person_id).one(&txn).await?.ok_or(ServiceError::not_found("session"))?;
    if ensure_may_revoke(app, &txn, caller, &person).await.is_err() {
        // Other people's sessions are not even acknowledged.
        return Err(ServiceError::not_found("session"));
    }
    revoke_where(&txn, sea_orm::Condition::all().add(session::Column::Id.eq(session_id))).await?;
    audit_revocation(
        &txn,
        caller,
        "session.revoke",
        (person.id, person.organization_id),
        json!({ "sessionId": session_id }),
    )
    .await?;
    let updated = session::Entity::find_by_id(session_id).one(&txn).await?.ok_or(ServiceError::not_found("session"))?;
    txn.commit().await?;
    app.sessions.forget_all();
    Ok(updated)
}

/// Revokes every session of a person; returns how many were live.
pub async fn revoke_all(app: &App, caller: &Caller, person_id: i32) -> ServiceResult<u64> {
    caller.actor()?;
    let txn = crate::db::begin_write(&app.db).await?;
    let person = person::Entity::find_by_id(person_id).one(&txn).await?.ok_or(ServiceError::not_found("person"))?;
    ensure_may_revoke(app, &txn, caller, &person).await?;
    let count = revoke_where(&txn, sea_orm::Condition::all().add(session::Column::PersonId.eq(person_id))).await?;
    audit_revocation(
        &txn,
        caller,
        "session.revoke_all",
        (person_id, person.organization_id),
        json!({ "revoked": count }),
    )
    .await?;
    txn.commit().await?;
    app.sessions.forget_all();
    Ok(count)
}

/// Home-realm discovery: the organizations (and their login URLs) whose providers
/// accept this e-mail's domain.
pub async fn login_options(app: &App, email: &str) -> ServiceResult<Vec<LoginOption>> {
    let email = crate::service::validate::email("email", email)?;
    let domain = email.rsplit_once('@').map(|(_, d)| d.to_owned()).unwrap_or_default();
    let mut options = Vec::new();
    for (provider, organization) in providers::enabled_with_organizations(&app.db).await? {
        if providers::email_domains(&provider).contains(&domain) {
            let login_url = format!("{}?provider={}", app.sso.login_url(&organization.slug), provider.id);
            options.push(LoginOption { provider, organization, login_url });
        }
    }
    Ok(options)
}

/// Where a person with a given e-mail can log in.
#[derive(Debug, Clone)]
pub struct LoginOption {
    pub provider: entity::identity_provider::Model,
    pub organization: organization::Model,
    pub login_url: String,
}

//! Personal access tokens: long-lived bearer tokens a person creates for their own
//! scripts and back-office integrations, limited to scopes (`READ`, `WRITE`, `ADMIN`) on
//! top of what the person may do. Stored like sessions (the SHA-256 of the token only;
//! the token itself is shown once, when it is created), listed apart from them, ended by
//! their expiry, by revocation, or with their person (suspension, `revokePersonSessions`).
//!
//! A token never creates or revokes tokens: that takes a login session, so a leaked
//! token cannot mint itself a wider or longer-lived successor.

use crate::i18n::Message;
use chrono::{DateTime, Duration, Utc};
use entity::{enums::TokenScope, person, session};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, sea_query::Expr,
};
use secrecy::SecretString;
use serde_json::json;

use super::{
    App,
    audit::{self, AuditRecord, AuditScope},
    validate,
};
use crate::{
    auth::{Caller, PAT_ORIGIN},
    error::{ServiceError, ServiceResult},
};

/// The longest life of a token.
pub const MAX_LIFETIME_DAYS: i64 = 366;
/// The most live tokens a person may hold.
pub const MAX_LIVE_TOKENS: u64 = 50;
/// The longest name.
pub const NAME_MAX: usize = 100;

/// What a new token is asked to be.
#[derive(Debug, Clone)]
pub struct NewToken {
    pub name: String,
    pub scopes: Vec<TokenScope>,
    pub expires_at: DateTime<Utc>,
}

fn from_login_session(caller: &Caller) -> ServiceResult<i32> {
    let actor = caller.actor()?;
    if actor.scopes.is_some() {
        return Err(ServiceError::forbidden(Message::new("tokens-from-session")));
    }
    Ok(actor.person_id)
}

/// Creates a token for the caller; returns it with its secret (the only time it exists
/// in clear).
pub async fn create(app: &App, caller: &Caller, input: NewToken) -> ServiceResult<(session::Model, SecretString)> {
    let person_id = from_login_session(caller)?;
    let name = validate::required_text("name", &input.name, NAME_MAX)?;
    let mut scopes = input.scopes;
    scopes.sort();
    scopes.dedup();
    if scopes.is_empty() {
        return Err(ServiceError::bad_input("scopes", Message::new("at-least-one-scope")));
    }
    let now = Utc::now();
    if input.expires_at <= now {
        return Err(ServiceError::bad_input("expiresAt", Message::new("must-be-future")));
    }
    if input.expires_at > now + Duration::days(MAX_LIFETIME_DAYS) {
        return Err(ServiceError::bad_input("expiresAt", Message::new("within-days").arg("days", MAX_LIFETIME_DAYS)));
    }
    let txn = crate::db::begin_write(&app.db).await?;
    // Tokens made at once count one after the other: the person's row is held until
    // commit (PostgreSQL; SQLite's writers take turns anyway).
    person::Entity::find_by_id(person_id).lock_exclusive().one(&txn).await?;
    let live = session::Entity::find()
        .filter(session::Column::PersonId.eq(person_id))
        .filter(session::Column::Origin.eq(PAT_ORIGIN))
        .filter(session::Column::RevokedAt.is_null())
        .filter(session::Column::ExpiresAt.gt(now))
        .count(&txn)
        .await?;
    if live >= MAX_LIVE_TOKENS {
        return Err(ServiceError::Conflict {
            field: "name".into(),
            message: Message::new("live-tokens-max").arg("max", MAX_LIVE_TOKENS),
        });
    }
    let text = scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(",");
    let (secret, id) = crate::auth::issue_token(&txn, person_id, PAT_ORIGIN, input.expires_at, |model| {
        model.name = Set(Some(name.clone()));
        model.scopes = Set(Some(text.clone()));
        model.last_seen_at = Set(None);
    })
    .await?;
    let organization_id = person::Entity::find_by_id(person_id).one(&txn).await?.and_then(|p| p.organization_id);
    audit::record(
        &txn,
        AuditRecord {
            scope: AuditScope::of_person(organization_id),
            actor_id: Some(person_id),
            action: "personal_access_token.create",
            target_type: "Person",
            target_id: Some(person_id),
            before: None,
            after: Some(json!({ "tokenId": id, "name": name, "scopes": text, "expiresAt": input.expires_at })),
            request_id: caller.request_id.as_deref(),
        },
    )
    .await?;
    let created = session::Entity::find_by_id(id).one(&txn).await?.ok_or(ServiceError::not_found("token"))?;
    txn.commit().await?;
    Ok((created, secret))
}

/// Revokes one of the caller's tokens (`NOT_FOUND` for anyone else's, as for a missing one).
pub async fn revoke(app: &App, caller: &Caller, id: i32) -> ServiceResult<session::Model> {
    let person_id = from_login_session(caller)?;
    let not_found = || ServiceError::not_found("personal access token");
    let txn = crate::db::begin_write(&app.db).await?;
    let token = session::Entity::find_by_id(id)
        .filter(session::Column::PersonId.eq(person_id))
        .filter(session::Column::Origin.eq(PAT_ORIGIN))
        .one(&txn)
        .await?
        .ok_or_else(not_found)?;
    if token.revoked_at.is_none() {
        session::Entity::update_many()
            .col_expr(session::Column::RevokedAt, Expr::value(Utc::now()))
            .filter(session::Column::Id.eq(id))
            .exec(&txn)
            .await?;
        let organization_id = person::Entity::find_by_id(person_id).one(&txn).await?.and_then(|p| p.organization_id);
        audit::record(
            &txn,
            AuditRecord {
                scope: AuditScope::of_person(organization_id),
                actor_id: Some(person_id),
                action: "personal_access_token.revoke",
                target_type: "Person",
                target_id: Some(person_id),
                before: None,
                after: Some(json!({ "tokenId": id, "name": token.name })),
                request_id: caller.request_id.as_deref(),
            },
        )
        .await?;
    }
    let revoked = session::Entity::find_by_id(id).one(&txn).await?.ok_or_else(not_found)?;
    txn.commit().await?;
    app.sessions.forget_all();
    Ok(revoked)
}

/// The caller's tokens that are neither revoked nor expired, newest first (for the
/// person themselves only).
pub async fn list_mine(app: &App, caller: &Caller) -> ServiceResult<Vec<session::Model>> {
    let person_id = caller.actor()?.person_id;
    Ok(session::Entity::find()
        .filter(session::Column::PersonId.eq(person_id))
        .filter(session::Column::Origin.eq(PAT_ORIGIN))
        .filter(session::Column::RevokedAt.is_null())
        .filter(session::Column::ExpiresAt.gt(Utc::now()))
        .order_by_desc(session::Column::Id)
        .all(&app.db)
        .await?)
}

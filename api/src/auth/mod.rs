//! Authentication: bearer tokens become an [`Actor`].
//!
//! Tokens are 32 random bytes, shown once; only their SHA-256 is stored. A missing,
//! unknown, expired or revoked token, or the token of a person who or whose
//! organization is suspended, makes the request anonymous.
//!
//! Servers resolve tokens through the [`cache::SessionCache`], so that a token used
//! lately costs no statement.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Duration, Utc};
use entity::{
    api_client,
    enums::{NetworkRoleKind, RecordStatus, TokenScope},
    network_role, organization, person, session,
};
use policy::Role;
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    sea_query::{Expr, ExprTrait, Query},
};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

use crate::error::{ServiceError, ServiceResult};

pub mod cache;
pub mod web;

/// Prefix of Maillage bearer tokens, so that leaked ones are recognisable.
const TOKEN_PREFIX: &str = "mlg_";
/// `session.origin` of sessions opened by a login at an identity provider.
pub const OIDC_ORIGIN: &str = "oidc";

/// The person behind a request, as services see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub person_id: i32,
    pub organization_id: Option<i32>,
    pub network_admin: bool,
    pub session_id: i32,
    /// Roles held everywhere: `person` and network roles.
    pub base_roles: Vec<Role>,
    /// The scopes of the personal access token or API client token the request uses;
    /// `None` for a login session, which may do whatever its person may.
    pub scopes: Option<Vec<TokenScope>>,
    /// The API client whose access token the request uses (`person_id` is then its
    /// service-account person).
    pub api_client_id: Option<i32>,
    /// The organization whose trusted documents are all this caller may run: set for an
    /// API client restricted to them.
    pub trusted_documents_of: Option<i32>,
}

impl Actor {
    /// Whether the token used allows `scope` (a login session allows everything).
    pub fn allows(&self, scope: TokenScope) -> bool {
        self.scopes.as_ref().is_none_or(|scopes| scopes.contains(&scope))
    }
}

/// `session.origin` of personal access tokens.
pub const PAT_ORIGIN: &str = "pat";
/// `session.origin` of the access tokens of API clients (`POST /oauth/token`).
pub const CLIENT_ORIGIN: &str = "client";

/// Reads `session.scopes` (comma-separated); unknown names are dropped, so a scope that
/// no longer exists grants nothing.
pub fn parse_scopes(text: &str) -> Vec<TokenScope> {
    text.split(',').filter_map(|s| TokenScope::parse(s.trim())).collect()
}

/// Who is asking: a person, or nobody.
pub type Viewer = Option<Actor>;

/// Requires a logged-in person.
pub fn require(viewer: &Viewer) -> ServiceResult<&Actor> {
    viewer.as_ref().ok_or(ServiceError::Unauthenticated)
}

/// Hex SHA-256 of a token: what the `session` table stores.
pub fn hash_token(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// 32 random bytes in URL-safe base64 (43 characters): tokens, codes, cookies.
pub fn random_secret() -> ServiceResult<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| ServiceError::Internal(format!("random source: {e}")))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// A new random token.
fn generate_token() -> ServiceResult<SecretString> {
    Ok(SecretString::from(format!("{TOKEN_PREFIX}{}", random_secret()?)))
}

/// Creates a session for `person_id` and returns its token (the only time it exists in
/// clear) with its expiry.
pub async fn issue_session<C: ConnectionTrait>(
    db: &C,
    person_id: i32,
    origin: &str,
    ttl: Duration,
) -> ServiceResult<(SecretString, chrono::DateTime<Utc>)> {
    let expires_at = Utc::now() + ttl;
    let (token, _) = issue_token(db, person_id, origin, expires_at, |_| {}).await?;
    Ok((token, expires_at))
}

/// Creates a session row (a login session or a personal access token, which `more`
/// completes) and returns its token (the only time it exists in clear) and its id.
pub async fn issue_token<C: ConnectionTrait>(
    db: &C,
    person_id: i32,
    origin: &str,
    expires_at: DateTime<Utc>,
    more: impl FnOnce(&mut session::ActiveModel),
) -> ServiceResult<(SecretString, i32)> {
    let token = generate_token()?;
    let now = Utc::now();
    let mut model = session::ActiveModel {
        token_hash: Set(hash_token(token.expose_secret())),
        person_id: Set(person_id),
        origin: Set(origin.to_owned()),
        created_at: Set(now),
        expires_at: Set(expires_at),
        last_seen_at: Set(Some(now)),
        ..Default::default()
    };
    more(&mut model);
    let inserted = session::Entity::insert(model).exec(db).await?;
    Ok((token, inserted.last_insert_id))
}

/// Sessions opened by a login end after this long unused; `last_seen_at` is written at
/// most once per this interval.
const TOUCH_EVERY: Duration = Duration::seconds(60);

/// Whether a bearer token is worth looking up (Maillage's prefix, a sane length).
fn well_formed(token: &str) -> bool {
    token.starts_with(TOKEN_PREFIX) && token.len() <= 200
}

/// Resolves a bearer token to its actor, or `None` when it is not a live session of an
/// active person. Login sessions (`oidc`) also end after `idle` without use. Runs one
/// statement (two when `last_seen_at` is due): servers go through the
/// [`cache::SessionCache`] instead.
pub async fn authenticate<C: ConnectionTrait>(db: &C, token: &str, idle: Duration) -> ServiceResult<Viewer> {
    if !well_formed(token) {
        return Ok(None);
    }
    Ok(resolve(db, SessionKey::Hash(&hash_token(token)), idle, Utc::now()).await?.map(|live| live.actor))
}

/// The actor of session `session_id` if it is still live (not revoked, expired nor idle,
/// its person and organization active): what a signed download link made in that
/// session acts as, so that logging out, or a suspension, ends its links too.
pub async fn authenticate_session<C: ConnectionTrait>(
    db: &C,
    session_id: i32,
    idle: Duration,
) -> ServiceResult<Viewer> {
    Ok(resolve(db, SessionKey::Id(session_id), idle, Utc::now()).await?.map(|live| live.actor))
}

/// How [`resolve`] finds a session.
#[derive(Debug, Clone, Copy)]
enum SessionKey<'a> {
    /// By the hash of its token.
    Hash(&'a str),
    /// By its id.
    Id(i32),
}

/// A live session as [`resolve`] found it: its actor, and what bounds its life.
#[derive(Debug, Clone)]
struct LiveSession {
    actor: Actor,
    expires_at: DateTime<Utc>,
    /// `last_seen_at` as it now stands in the database (after the touch, if one was due).
    last_seen: DateTime<Utc>,
    /// A login session (`oidc`), which ends after the idle limit.
    idle_limited: bool,
}

/// The live session whose token hashes to `token_hash`, touching `last_seen_at` when it
/// is [`TOUCH_EVERY`] old.
async fn resolve<C: ConnectionTrait>(
    db: &C,
    key: SessionKey<'_>,
    idle: Duration,
    now: DateTime<Utc>,
) -> ServiceResult<Option<LiveSession>> {
    // One statement: the live session, its active person, and their network roles
    // (one row per role, or one row with none).
    let query = Query::select()
        .expr_as(Expr::col((session::Entity, session::Column::Id)), "session_id")
        .expr_as(Expr::col((person::Entity, person::Column::Id)), "person_id")
        .expr_as(Expr::col((person::Entity, person::Column::OrganizationId)), "organization_id")
        .expr_as(Expr::col((network_role::Entity, network_role::Column::Role)), "network_role")
        .expr_as(Expr::col((session::Entity, session::Column::LastSeenAt)), "last_seen_at")
        .expr_as(Expr::col((session::Entity, session::Column::ExpiresAt)), "expires_at")
        .expr_as(Expr::col((session::Entity, session::Column::Origin)), "origin")
        .expr_as(Expr::col((session::Entity, session::Column::Scopes)), "scopes")
        .expr_as(Expr::col((api_client::Entity, api_client::Column::Id)), "api_client_id")
        .expr_as(Expr::col((api_client::Entity, api_client::Column::TrustedDocumentsOnly)), "trusted_documents_only")
        .from(session::Entity)
        .inner_join(
            person::Entity,
            Expr::col((person::Entity, person::Column::Id)).equals((session::Entity, session::Column::PersonId)),
        )
        // A suspended organization's people are logged out with it (a person without an
        // organization has only their own status).
        .left_join(
            organization::Entity,
            Expr::col((organization::Entity, organization::Column::Id))
                .equals((person::Entity, person::Column::OrganizationId)),
        )
        // A service-account person is only ever its API client's tokens, and only while
        // the client is not revoked.
        .left_join(
            api_client::Entity,
            Expr::col((api_client::Entity, api_client::Column::PersonId)).equals((person::Entity, person::Column::Id)),
        )
        .cond_where(
            Condition::any()
                .add(
                    Expr::col((api_client::Entity, api_client::Column::Id))
                        .is_null()
                        .and(Expr::col((session::Entity, session::Column::Origin)).ne(CLIENT_ORIGIN)),
                )
                .add(
                    Condition::all()
                        .add(
                            Expr::col((api_client::Entity, api_client::Column::RevokedAt))
                                .is_null()
                                .and(Expr::col((api_client::Entity, api_client::Column::Id)).is_not_null())
                                .and(Expr::col((session::Entity, session::Column::Origin)).eq(CLIENT_ORIGIN)),
                        )
                        // Obtained with the client's current secret, or with the previous
                        // one during its grace: a token of an older secret (even one
                        // granted while a rotation committed) is dead at once.
                        .add(
                            Condition::any()
                                .add(
                                    Expr::col((session::Entity, session::Column::Name))
                                        .equals((api_client::Entity, api_client::Column::SecretHash)),
                                )
                                .add(
                                    Expr::col((session::Entity, session::Column::Name))
                                        .equals((api_client::Entity, api_client::Column::PreviousSecretHash))
                                        .and(
                                            Expr::col((
                                                api_client::Entity,
                                                api_client::Column::PreviousSecretExpiresAt,
                                            ))
                                            .gt(now),
                                        ),
                                ),
                        ),
                ),
        )
        .left_join(
            network_role::Entity,
            Expr::col((network_role::Entity, network_role::Column::PersonId))
                .equals((person::Entity, person::Column::Id)),
        )
        .and_where(match key {
            SessionKey::Hash(token_hash) => Expr::col((session::Entity, session::Column::TokenHash)).eq(token_hash),
            SessionKey::Id(id) => Expr::col((session::Entity, session::Column::Id)).eq(id),
        })
        .and_where(Expr::col((session::Entity, session::Column::RevokedAt)).is_null())
        .and_where(Expr::col((session::Entity, session::Column::ExpiresAt)).gt(now))
        .cond_where(
            Condition::any()
                .add(Expr::col((session::Entity, session::Column::Origin)).ne(OIDC_ORIGIN))
                .add(Expr::col((session::Entity, session::Column::LastSeenAt)).gt(now - idle)),
        )
        .and_where(Expr::col((person::Entity, person::Column::Status)).eq(RecordStatus::Active.as_str()))
        .cond_where(
            Condition::any()
                .add(Expr::col((person::Entity, person::Column::OrganizationId)).is_null())
                .add(Expr::col((organization::Entity, organization::Column::Status)).eq(RecordStatus::Active.as_str())),
        )
        .to_owned();
    let rows = db.query_all_raw(db.get_database_backend().build(&query)).await?;
    let Some(first) = rows.first() else { return Ok(None) };
    let session_id: i32 = first.try_get("", "session_id")?;
    let last_seen: Option<DateTime<Utc>> = first.try_get("", "last_seen_at")?;
    let last_seen = match last_seen {
        Some(seen) if seen >= now - TOUCH_EVERY => seen,
        _ => {
            session::Entity::update_many()
                .col_expr(session::Column::LastSeenAt, Expr::value(now))
                .filter(session::Column::Id.eq(session_id))
                .exec(db)
                .await?;
            now
        }
    };
    let person_id: i32 = first.try_get("", "person_id")?;
    let organization_id: Option<i32> = first.try_get("", "organization_id")?;
    let expires_at: DateTime<Utc> = first.try_get("", "expires_at")?;
    let origin: String = first.try_get("", "origin")?;
    let scopes: Option<String> = first.try_get("", "scopes")?;
    let api_client_id: Option<i32> = first.try_get("", "api_client_id")?;
    let trusted_documents_only: Option<bool> = first.try_get("", "trusted_documents_only")?;
    // A token without scopes (which nothing creates) may do nothing a scope guards.
    let scopes =
        (origin == PAT_ORIGIN || origin == CLIENT_ORIGIN).then(|| parse_scopes(scopes.as_deref().unwrap_or_default()));
    let mut base_roles = vec![Role::Person];
    // An API client's service account holds no network role, whatever a row says.
    for row in rows.iter().filter(|_| api_client_id.is_none()) {
        let role: Option<String> = row.try_get("", "network_role")?;
        if let Some(role) = role.as_deref().and_then(NetworkRoleKind::parse) {
            base_roles.push(Role::Network(role));
        }
    }
    Ok(Some(LiveSession {
        actor: Actor {
            person_id,
            organization_id,
            network_admin: base_roles.contains(&Role::Network(NetworkRoleKind::Admin)),
            session_id,
            base_roles,
            scopes,
            api_client_id,
            trusted_documents_of: if trusted_documents_only == Some(true) { organization_id } else { None },
        },
        expires_at,
        last_seen,
        idle_limited: origin == OIDC_ORIGIN,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_prefixed_and_hashed_to_hex() {
        let a = generate_token().expect("token");
        let b = generate_token().expect("token");
        assert_ne!(a.expose_secret(), b.expose_secret());
        assert!(a.expose_secret().starts_with(TOKEN_PREFIX));
        let hash = hash_token(a.expose_secret());
        assert_eq!(hash.len(), 64);
        assert!(!hash.contains(a.expose_secret()));
    }
}

/// A person as a caller, outside any request: to ask what they may see (a calendar
/// feed, whether a mention reaches them). `None` when there is no such person, or when
/// they or their organization are suspended.
pub async fn caller_of<C: ConnectionTrait>(db: &C, person_id: i32) -> ServiceResult<Option<Caller>> {
    let Some(person) = person::Entity::find_by_id(person_id).one(db).await? else { return Ok(None) };
    if person.status != RecordStatus::Active {
        return Ok(None);
    }
    if let Some(org) = person.organization_id {
        let active =
            organization::Entity::find_by_id(org).one(db).await?.is_some_and(|o| o.status == RecordStatus::Active);
        if !active {
            return Ok(None);
        }
    }
    let mut base_roles = vec![Role::Person];
    let roles = network_role::Entity::find().filter(network_role::Column::PersonId.eq(person.id)).all(db).await?;
    base_roles.extend(roles.into_iter().map(|r| Role::Network(r.role)));
    let network_admin = base_roles.contains(&Role::Network(NetworkRoleKind::Admin));
    Ok(Some(Caller::new(
        Some(Actor {
            person_id: person.id,
            organization_id: person.organization_id,
            network_admin,
            session_id: 0,
            base_roles,
            scopes: None,
            api_client_id: None,
            trusted_documents_of: None,
        }),
        None,
    )))
}

/// Who is calling a service, and the request it belongs to (for the audit trail).
#[derive(Debug, Clone, Default)]
pub struct Caller {
    pub viewer: Viewer,
    pub request_id: Option<std::sync::Arc<crate::service::audit::RequestId>>,
}

impl Caller {
    /// A call made by `viewer` within request `request_id`.
    pub fn new(viewer: Viewer, request_id: Option<std::sync::Arc<crate::service::audit::RequestId>>) -> Self {
        Self { viewer, request_id }
    }

    /// The logged-in actor, or `UNAUTHENTICATED`.
    pub fn actor(&self) -> ServiceResult<&Actor> {
        require(&self.viewer)
    }

    /// The actor's person id, if any.
    pub fn person_id(&self) -> Option<i32> {
        self.viewer.as_ref().map(|a| a.person_id)
    }

    /// Roles held everywhere: `anonymous`, or `person` and network roles.
    pub fn base_roles(&self) -> &[Role] {
        match &self.viewer {
            Some(actor) => &actor.base_roles,
            None => &[Role::Anonymous],
        }
    }
}

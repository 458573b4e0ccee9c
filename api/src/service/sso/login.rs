//! The browser login, step by step:
//!
//! 1. [`start`] (`GET /auth/{organization}/login?return_to=…`): checks `return_to`
//!    against the organization's allowlist, stores a login attempt (state hashed, nonce,
//!    PKCE verifier) bound to the browser by a cookie, and sends the browser to the
//!    provider (authorization code, PKCE S256).
//! 2. [`finish`] (`GET /auth/{organization}/callback`): the attempt must exist, belong
//!    to this organization's callback, be unused, unexpired and from the same browser;
//!    the `iss` parameter must name the provider (RFC 9207); the code is exchanged and the
//!    ID token verified; the person is found by (issuer, subject) or provisioned; roles
//!    the provider grants are re-synchronised; a one-time code goes back to `return_to`.
//!
//! Linking an identity to the account of a logged-in person (`POST
//! /auth/{organization}/link`, see [`super::sessions::start_link`]) is bound to the
//! browser and the session that asked, by an HTTP-only cookie: a login with `link=true`
//! needs that cookie, and its callback attaches nothing. It shows a page naming the
//! identity and the account; only the form posted from it ([`confirm_link`], with a
//! single-use token bound to the same cookie) attaches the identity. A link grants no
//! role: a provider's claim mappings apply to the people of its own organization only.
//!
//! A first login whose e-mail address already belongs to someone provisions nobody
//! (`email_in_use`): that person logs in with their account and links this identity.
//!
//! Every login is audited. Refusals that anyone can cause at will (no provider vouched
//! for an identity: bad state, bad `return_to`, forged `iss`, garbage codes…) are
//! audited at most once a minute per organization and reason, the row counting those
//! not written since (`refusedSincePrevious`); refusals naming no organization are only
//! logged; text from a request or a provider is cut to [`AUDIT_TEXT_MAX`] characters.
//! No secret, token or code is ever written. Pending attempts are capped per address
//! and per organization, and expired ones removed as new ones come.

use std::collections::BTreeSet;

use chrono::{Duration, Utc};
use entity::{
    enums::{OrganizationRoleKind, RecordStatus},
    identity_provider, login_attempt, login_code, organization, organization_role, person, person_identity,
};
use openidconnect::{CsrfToken, Nonce, PkceCodeChallenge, RedirectUrl, Scope, core::CoreAuthenticationFlow};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
    sea_query::{Expr, ExprTrait, Func},
};
use secrecy::ExposeSecret;
use serde_json::json;
use url::Url;

use super::{
    mapping,
    oidc::{Callback, Oidc, VerifiedLogin},
    providers, sessions,
};
use crate::{
    auth::{hash_token, random_secret},
    error::ServiceError,
    service::{
        App,
        audit::{self, AuditRecord, AuditScope},
    },
};

/// How long a login attempt may take.
pub const ATTEMPT_TTL: Duration = Duration::minutes(10);
/// Most pending (unfinished, unexpired) attempts kept per network address: starting
/// another drops the oldest, so nobody is locked out by their own retries.
pub const MAX_PENDING_PER_ADDRESS: u64 = 20;
/// Most pending attempts per organization: beyond, starts are refused
/// (`too_many_login_attempts`) until some finish or expire.
pub const MAX_PENDING_PER_ORGANIZATION: u64 = 1_000;
/// Longest text from a request or a provider written to the audit trail.
pub const AUDIT_TEXT_MAX: usize = 200;
/// Refusals of one reason for one organization make one audit row per this period.
const REFUSAL_WINDOW: std::time::Duration = std::time::Duration::from_secs(60);

/// Why a login was refused. The code goes to the browser (`?error=` on `return_to`, or
/// the error page); the detail goes to the log and the audit trail only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    UnknownOrganization,
    NoProvider,
    ReturnToNotAllowed,
    LinkNeedsLogin,
    ProviderUnreachable,
    MissingState,
    InvalidState,
    ReplayedState,
    ExpiredState,
    BrowserMismatch,
    ProviderError,
    MissingCode,
    ProviderDisabled,
    IssuerMismatch,
    TokenExchangeFailed,
    InvalidIdToken,
    EmailMissing,
    EmailNotAllowed,
    PersonDisabled,
    IdentityLinkedElsewhere,
    EmailInUse,
    TooManyAttempts,
    Internal,
}

impl Refusal {
    /// The code front ends match on.
    pub fn code(self) -> &'static str {
        match self {
            Self::UnknownOrganization => "unknown_organization",
            Self::NoProvider => "no_identity_provider",
            Self::ReturnToNotAllowed => "return_to_not_allowed",
            Self::LinkNeedsLogin => "link_requires_login",
            Self::ProviderUnreachable => "provider_unreachable",
            Self::MissingState => "missing_state",
            Self::InvalidState => "invalid_state",
            Self::ReplayedState => "replayed_state",
            Self::ExpiredState => "expired_login",
            Self::BrowserMismatch => "browser_mismatch",
            Self::ProviderError => "provider_error",
            Self::MissingCode => "missing_code",
            Self::ProviderDisabled => "provider_disabled",
            Self::IssuerMismatch => "issuer_mismatch",
            Self::TokenExchangeFailed => "token_exchange_failed",
            Self::InvalidIdToken => "invalid_id_token",
            Self::EmailMissing => "email_missing",
            Self::EmailNotAllowed => "email_domain_not_allowed",
            Self::PersonDisabled => "person_disabled",
            Self::IdentityLinkedElsewhere => "identity_already_linked",
            Self::EmailInUse => "email_in_use",
            Self::TooManyAttempts => "too_many_login_attempts",
            Self::Internal => "internal_error",
        }
    }

    /// A sentence for people.
    pub fn message(self) -> &'static str {
        match self {
            Self::UnknownOrganization => "No organization of the network has this address.",
            Self::NoProvider => "This organization has no identity provider to log in with.",
            Self::ReturnToNotAllowed => "The address to return to is not on this organization's list of front ends.",
            Self::LinkNeedsLogin => {
                "Linking an account must be started, and confirmed, in the browser of the logged-in person who asked for it."
            }
            Self::ProviderUnreachable => "The identity provider cannot be reached. Try again later.",
            Self::MissingState | Self::InvalidState => "This login was not started here. Start again.",
            Self::ReplayedState => "This login was already used. Start again.",
            Self::ExpiredState => "This login took too long. Start again.",
            Self::BrowserMismatch => "This login was started in another browser. Start again.",
            Self::ProviderError => "The identity provider did not log you in.",
            Self::MissingCode => "The identity provider sent no authorization code.",
            Self::ProviderDisabled => "Logging in through this identity provider is disabled.",
            Self::IssuerMismatch => "The answer did not come from this organization's identity provider.",
            Self::TokenExchangeFailed => "The identity provider refused to complete the login.",
            Self::InvalidIdToken => "The identity provider's answer could not be verified.",
            Self::EmailMissing => "The identity provider did not give an e-mail address.",
            Self::EmailNotAllowed => "Your e-mail domain is not allowed for this organization.",
            Self::PersonDisabled => "Your account is disabled.",
            Self::IdentityLinkedElsewhere => "This identity is already linked to another account.",
            Self::EmailInUse => {
                "This e-mail address already belongs to an account. Log in with that account, then link this identity to it."
            }
            Self::TooManyAttempts => "Too many logins are in progress. Try again in a few minutes.",
            Self::Internal => "Something went wrong on our side.",
        }
    }

    /// Whether anyone can cause this refusal at will, without a provider vouching for
    /// an identity: those are audited at most once a minute per organization and
    /// reason. The others (a verified answer of the provider was refused) are each
    /// audited: they need a real login at the provider.
    fn anyone_can_cause(self) -> bool {
        !matches!(
            self,
            Self::InvalidIdToken
                | Self::EmailMissing
                | Self::EmailNotAllowed
                | Self::EmailInUse
                | Self::PersonDisabled
                | Self::IdentityLinkedElsewhere
                | Self::Internal
        )
    }

    /// The HTTP status of the error page.
    pub fn status(self) -> u16 {
        match self {
            Self::UnknownOrganization | Self::NoProvider => 404,
            Self::LinkNeedsLogin => 401,
            Self::ProviderDisabled | Self::EmailNotAllowed | Self::PersonDisabled | Self::IdentityLinkedElsewhere => {
                403
            }
            Self::EmailInUse => 409,
            Self::TooManyAttempts => 429,
            Self::ProviderUnreachable | Self::TokenExchangeFailed => 502,
            Self::Internal => 500,
            _ => 400,
        }
    }
}

/// A refused login: where the browser may be sent back with `?error=` (when that is
/// known and safe), and the detail for the audit trail.
#[derive(Debug)]
pub struct Refused {
    pub refusal: Refusal,
    pub return_to: Option<String>,
    detail: String,
    provider_id: Option<i32>,
    person_id: Option<i32>,
}

impl Refused {
    fn new(refusal: Refusal, detail: impl Into<String>) -> Self {
        Self { refusal, return_to: None, detail: detail.into(), provider_id: None, person_id: None }
    }

    fn at(mut self, provider_id: i32, return_to: Option<&Url>) -> Self {
        self.provider_id = Some(provider_id);
        self.return_to = return_to.map(Url::to_string);
        self
    }

    /// Where to send the browser: `return_to?error=code`, when known.
    pub fn location(&self) -> Option<String> {
        let mut url = Url::parse(self.return_to.as_deref()?).ok()?;
        url.query_pairs_mut().append_pair("error", self.refusal.code());
        Some(url.to_string())
    }
}

impl From<sea_orm::DbErr> for Refused {
    fn from(err: sea_orm::DbErr) -> Self {
        Self::new(Refusal::Internal, format!("database: {err}"))
    }
}

impl From<ServiceError> for Refused {
    fn from(err: ServiceError) -> Self {
        let detail = match &err {
            ServiceError::Internal(detail) => detail.clone(),
            other => other.to_string(),
        };
        Self::new(Refusal::Internal, detail)
    }
}

/// What `GET /auth/{organization}/login` was given.
#[derive(Debug, Default, Clone)]
pub struct StartParams {
    pub return_to: Option<String>,
    /// Link the identity to the logged-in person whose link request the browser's
    /// link cookie names.
    pub link: bool,
    /// One provider of the organization (the first enabled one when absent).
    pub provider_id: Option<i32>,
    /// The network address the request came from.
    pub client_address: Option<String>,
}

/// Where to send the browser, and the browser-binding cookie to set.
#[derive(Debug)]
pub struct Redirect {
    pub location: String,
    pub browser_cookie: Option<BrowserCookie>,
}

/// The cookie binding one login attempt to the browser that started it: a fresh value
/// per attempt, under a name of its own ([`binding_key`] of its `state`), so that logins
/// started in several tabs each keep theirs.
#[derive(Debug)]
pub struct BrowserCookie {
    pub key: String,
    pub value: String,
}

/// The name suffix of the browser-binding cookie of the attempt with this `state`.
pub fn binding_key(state: &str) -> String {
    hash_token(state).chars().take(16).collect()
}

/// How a callback ends: back to the front end, or (for an account link) on the page
/// where the person confirms the link.
#[derive(Debug)]
pub enum Finished {
    Redirect(Redirect),
    ConfirmLink(LinkConfirmation),
}

/// What the link confirmation page shows, and its single-use token.
#[derive(Debug)]
pub struct LinkConfirmation {
    pub token: String,
    /// The identity: its subject, issuer and provider's name.
    pub subject: String,
    pub issuer: String,
    pub provider_name: String,
    /// The account it would be attached to.
    pub account_name: String,
    pub account_email: String,
    /// Where the form posts (`POST /auth/{organization}/link/confirm`).
    pub confirm_url: String,
    /// Where "cancel" goes (`return_to?error=link_cancelled`).
    pub cancel_url: String,
}

/// Refused logins audited in the current minute, per organization and reason: the first
/// is written, the others counted into the next row.
#[derive(Debug, Default)]
pub struct RefusalLog {
    windows: std::sync::Mutex<std::collections::HashMap<RefusalKind, RefusalWindow>>,
}

/// An organization and a refusal code.
type RefusalKind = (i32, &'static str);
/// When the current minute began, and how many refusals it counted unwritten.
type RefusalWindow = (std::time::Instant, u64);

impl RefusalLog {
    /// `Some(n)`: write a row, `n` refusals of this kind having gone unwritten since
    /// the previous one; `None`: counted, not written.
    fn admit(&self, organization_id: i32, reason: &'static str) -> Option<u64> {
        let Ok(mut windows) = self.windows.lock() else { return Some(0) };
        let now = std::time::Instant::now();
        match windows.get_mut(&(organization_id, reason)) {
            Some((start, count)) if now.duration_since(*start) < REFUSAL_WINDOW => {
                *count += 1;
                None
            }
            Some(entry) => {
                let unwritten = entry.1;
                *entry = (now, 0);
                Some(unwritten)
            }
            None => {
                windows.insert((organization_id, reason), (now, 0));
                Some(0)
            }
        }
    }
}

/// At most [`AUDIT_TEXT_MAX`] characters of a text someone else chose.
pub fn clip(text: &str) -> String {
    if text.chars().count() <= AUDIT_TEXT_MAX {
        return text.to_owned();
    }
    let mut clipped: String = text.chars().take(AUDIT_TEXT_MAX).collect();
    clipped.push('…');
    clipped
}

/// What the provider sent back to the callback.
#[derive(Debug, Default, Clone)]
pub struct CallbackParams {
    pub code: Option<String>,
    pub state: Option<String>,
    pub iss: Option<String>,
    pub error: Option<String>,
}

fn redirect_url(app: &App, organization: &organization::Model) -> Result<RedirectUrl, Refused> {
    RedirectUrl::new(app.sso.callback_url(&organization.slug))
        .map_err(|e| Refused::new(Refusal::Internal, format!("callback URL: {e}")))
}

/// Whether `return_to` may receive the browser after a login: the server's own origin,
/// or a prefix on the organization's `allowedReturnUrls`.
pub fn allowed_return(app: &App, organization: &organization::Model, return_to: &str) -> Option<Url> {
    let url = Url::parse(return_to).ok()?;
    if !matches!(url.scheme(), "http" | "https") || !url.username().is_empty() || url.password().is_some() {
        return None;
    }
    if url.origin() == app.sso.settings.public_url.origin() {
        return Some(url);
    }
    let allowed = organization
        .allowed_return_urls
        .as_ref()
        .and_then(|v| v.as_array())
        .map(|a| a.iter().filter_map(|v| v.as_str()).filter_map(|s| Url::parse(s).ok()).collect::<Vec<_>>())
        .unwrap_or_default();
    allowed.iter().any(|prefix| url_has_prefix(&url, prefix)).then_some(url)
}

/// Same origin, and a path that is the prefix's or below it (`/app` admits `/app/x`,
/// not `/application`).
fn url_has_prefix(url: &Url, prefix: &Url) -> bool {
    if url.origin() != prefix.origin() {
        return false;
    }
    let base = prefix.path();
    let path = url.path();
    base == "/" || path == base || path.starts_with(&format!("{}/", base.trim_end_matches('/')))
}

async fn active_organization<C: ConnectionTrait>(db: &C, slug: &str) -> Result<organization::Model, Refused> {
    if crate::service::validate::slug("organization", slug).is_err() {
        return Err(Refused::new(Refusal::UnknownOrganization, "not an organization slug".to_owned()));
    }
    organization::Entity::find()
        .filter(organization::Column::Slug.eq(slug))
        .filter(organization::Column::Status.eq(RecordStatus::Active))
        .one(db)
        .await?
        .ok_or_else(|| Refused::new(Refusal::UnknownOrganization, format!("no active organization {slug}")))
}

/// Starts a login at the organization's provider. `link_cookie` is the browser's link
/// cookie, needed when `params.link`. The browser-binding cookie is always a fresh
/// value: one planted in the browser is never reused.
pub async fn start(app: &App, slug: &str, params: StartParams, link_cookie: Option<&str>) -> Result<Redirect, Refused> {
    let result = start_inner(app, slug, params, link_cookie).await;
    if let Err(refused) = &result {
        record_refusal(app, slug, refused).await;
    }
    result
}

async fn start_inner(
    app: &App,
    slug: &str,
    params: StartParams,
    link_cookie: Option<&str>,
) -> Result<Redirect, Refused> {
    let db = &app.db;
    let organization = active_organization(db, slug).await?;
    let mut select = identity_provider::Entity::find()
        .filter(identity_provider::Column::OrganizationId.eq(organization.id))
        .filter(identity_provider::Column::Enabled.eq(true));
    if let Some(id) = params.provider_id {
        select = select.filter(identity_provider::Column::Id.eq(id));
    }
    let provider = select
        .order_by_asc(identity_provider::Column::Id)
        .one(db)
        .await?
        .ok_or_else(|| Refused::new(Refusal::NoProvider, "no enabled provider"))?;
    let link = if params.link {
        Some(sessions::pending_link(db, link_cookie, organization.id).await?.ok_or_else(|| {
            Refused::new(Refusal::LinkNeedsLogin, "no link request of this browser").at(provider.id, None)
        })?)
    } else {
        None
    };
    // A link returns where its request said.
    let return_to = match link.as_ref().and_then(|l| l.return_to.clone()) {
        Some(stored) => stored,
        None => params.return_to.unwrap_or_else(|| app.sso.url("/")),
    };
    let return_url = allowed_return(app, &organization, &return_to).ok_or_else(|| {
        Refused::new(Refusal::ReturnToNotAllowed, format!("return_to {return_to}")).at(provider.id, None)
    })?;
    let link_person_id = link.map(|l| l.person_id);
    let now = Utc::now();
    let providers_of_organization: Vec<i32> = identity_provider::Entity::find()
        .select_only()
        .column(identity_provider::Column::Id)
        .filter(identity_provider::Column::OrganizationId.eq(organization.id))
        .into_tuple()
        .all(db)
        .await?;
    let pending = login_attempt::Entity::find()
        .filter(login_attempt::Column::ProviderId.is_in(providers_of_organization))
        .filter(login_attempt::Column::ConsumedAt.is_null())
        .filter(login_attempt::Column::ExpiresAt.gt(now))
        .count(db)
        .await?;
    if pending >= MAX_PENDING_PER_ORGANIZATION {
        return Err(Refused::new(Refusal::TooManyAttempts, format!("{pending} pending attempts")).at(provider.id, None));
    }
    let metadata = app
        .sso
        .oidc
        .metadata(&provider)
        .await
        .map_err(|e| Refused::new(Refusal::ProviderUnreachable, e.to_string()).at(provider.id, None))?;
    let client = Oidc::client(&metadata, &provider.client_id, None, &redirect_url(app, &organization)?);
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request =
        client.authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random);
    for scope in ["email".to_owned(), "profile".to_owned()].into_iter().chain(providers::scopes(&provider)) {
        request = request.add_scope(Scope::new(scope));
    }
    let (location, state, nonce) = request.set_pkce_challenge(challenge).url();
    // Always a fresh value: a value planted in the browser (by a sibling site, or over
    // plain HTTP) must not let its planter finish this login.
    let cookie = random_secret()?;
    let txn = crate::db::begin_write(db).await?;
    login_attempt::ActiveModel {
        state_hash: Set(hash_token(state.secret())),
        browser_hash: Set(hash_token(&cookie)),
        provider_id: Set(provider.id),
        nonce: Set(nonce.secret().clone()),
        pkce_verifier: Set(verifier.secret().clone()),
        return_to: Set(return_url.to_string()),
        link_person_id: Set(link_person_id),
        created_at: Set(now),
        expires_at: Set(now + ATTEMPT_TTL),
        client_address: Set(params.client_address.clone()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    if let Some(address) = &params.client_address {
        // This address's oldest pending attempts beyond the cap are dropped.
        let beyond: Vec<i32> = login_attempt::Entity::find()
            .select_only()
            .column(login_attempt::Column::Id)
            .filter(login_attempt::Column::ClientAddress.eq(address))
            .filter(login_attempt::Column::ConsumedAt.is_null())
            .order_by_desc(login_attempt::Column::Id)
            .offset(MAX_PENDING_PER_ADDRESS)
            .limit(1_000)
            .into_tuple()
            .all(&txn)
            .await?;
        if !beyond.is_empty() {
            login_attempt::Entity::delete_many().filter(login_attempt::Column::Id.is_in(beyond)).exec(&txn).await?;
        }
    }
    // Expired attempts are of no use to anyone: clear them as we go (kept one more
    // lifetime, so that a late callback is told it expired rather than unknown).
    login_attempt::Entity::delete_many()
        .filter(login_attempt::Column::ExpiresAt.lt(now - ATTEMPT_TTL))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    let browser_cookie = BrowserCookie { key: binding_key(state.secret()), value: cookie };
    Ok(Redirect { location: location.to_string(), browser_cookie: Some(browser_cookie) })
}

/// Completes a login at the organization's callback (for an account link: shows the
/// confirmation page, attaches nothing).
pub async fn finish(
    app: &App,
    slug: &str,
    params: CallbackParams,
    browser_cookie: Option<&str>,
    link_cookie: Option<&str>,
) -> Result<Finished, Refused> {
    let result = finish_inner(app, slug, params, browser_cookie, link_cookie).await;
    if let Err(refused) = &result {
        record_refusal(app, slug, refused).await;
    }
    result
}

async fn finish_inner(
    app: &App,
    slug: &str,
    params: CallbackParams,
    browser_cookie: Option<&str>,
    link_cookie: Option<&str>,
) -> Result<Finished, Refused> {
    let db = &app.db;
    let state = params
        .state
        .as_deref()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| Refused::new(Refusal::MissingState, "no state"))?;
    let attempt = login_attempt::Entity::find()
        .filter(login_attempt::Column::StateHash.eq(hash_token(state)))
        .one(db)
        .await?
        .ok_or_else(|| Refused::new(Refusal::InvalidState, "unknown state"))?;
    let provider = identity_provider::Entity::find_by_id(attempt.provider_id)
        .one(db)
        .await?
        .ok_or_else(|| Refused::new(Refusal::InvalidState, "the attempt's provider is gone"))?;
    let organization = organization::Entity::find_by_id(provider.organization_id)
        .one(db)
        .await?
        .ok_or_else(|| Refused::new(Refusal::InvalidState, "the provider's organization is gone"))?;
    if organization.slug != slug {
        // A state from another organization's login at this callback: a mix-up.
        return Err(Refused::new(
            Refusal::InvalidState,
            format!("state of {} at the callback of {slug}", organization.slug),
        )
        .at(provider.id, None));
    }
    if attempt.consumed_at.is_some() {
        return Err(Refused::new(Refusal::ReplayedState, "attempt already used").at(provider.id, None));
    }
    let return_to = Url::parse(&attempt.return_to).ok();
    let refuse = |refusal: Refusal, detail: String| Refused::new(refusal, detail).at(provider.id, return_to.as_ref());
    if attempt.expires_at <= Utc::now() {
        return Err(refuse(Refusal::ExpiredState, "attempt expired".into()));
    }
    if browser_cookie.map(hash_token).as_deref() != Some(attempt.browser_hash.as_str()) {
        return Err(Refused::new(Refusal::BrowserMismatch, "cookie missing or different").at(provider.id, None));
    }
    // Single use, even under concurrent callbacks.
    let consumed = login_attempt::Entity::update_many()
        .col_expr(login_attempt::Column::ConsumedAt, Expr::value(Utc::now()))
        .filter(login_attempt::Column::Id.eq(attempt.id))
        .filter(login_attempt::Column::ConsumedAt.is_null())
        .exec(db)
        .await?;
    if consumed.rows_affected != 1 {
        return Err(Refused::new(Refusal::ReplayedState, "attempt used concurrently").at(provider.id, None));
    }
    if let Some(error) = &params.error {
        return Err(refuse(Refusal::ProviderError, format!("provider error {error}")));
    }
    if !provider.enabled || organization.status != RecordStatus::Active {
        return Err(refuse(Refusal::ProviderDisabled, "provider or organization disabled".into()));
    }
    let code = params.code.filter(|c| !c.is_empty()).ok_or_else(|| refuse(Refusal::MissingCode, "no code".into()))?;
    let metadata =
        app.sso.oidc.metadata(&provider).await.map_err(|e| refuse(Refusal::ProviderUnreachable, e.to_string()))?;
    // RFC 9207: when the provider says it sends `iss`, it must, and it must be its own.
    let iss_advertised = metadata.additional_metadata().authorization_response_iss_parameter_supported == Some(true);
    match params.iss.as_deref() {
        Some(iss) if iss != metadata.issuer().as_str() => {
            return Err(refuse(Refusal::IssuerMismatch, format!("iss {iss} is not {}", metadata.issuer().as_str())));
        }
        None if iss_advertised => {
            return Err(refuse(Refusal::IssuerMismatch, "the provider advertises iss but sent none".into()));
        }
        _ => {}
    }
    let secret = app
        .sso
        .cipher
        .decrypt(&provider.client_secret_encrypted)
        .map_err(|e| refuse(Refusal::Internal, format!("client secret: {e}")))?;
    let verified = app
        .sso
        .oidc
        .complete(
            &provider,
            metadata,
            secret.expose_secret(),
            &redirect_url(app, &organization)?,
            Callback { code, verifier: attempt.pkce_verifier.clone(), nonce: attempt.nonce.clone() },
        )
        .await
        .map_err(|e| {
            use super::oidc::OidcError as E;
            let refusal = match e {
                E::Exchange(_) => Refusal::TokenExchangeFailed,
                E::Keys(_) | E::Discovery(_) | E::BadIssuer => Refusal::ProviderUnreachable,
                E::NoIdToken | E::IdToken(_) => Refusal::InvalidIdToken,
            };
            refuse(refusal, e.to_string())
        })?;
    let mut location = return_to.clone().ok_or_else(|| refuse(Refusal::Internal, "bad stored return_to".into()))?;
    if let Some(person_id) = attempt.link_person_id {
        return prepare_link(app, &organization, &provider, person_id, &verified, link_cookie, location).await;
    }
    let txn = crate::db::begin_write(db).await?;
    let outcome = provision(&txn, &provider, &verified).await.map_err(|r| Refused {
        provider_id: Some(provider.id),
        return_to: return_to.as_ref().map(Url::to_string),
        ..r
    })?;
    let code = sessions::create_session_code(&txn, outcome.person_id).await?;
    location.query_pairs_mut().append_pair("code", &code);
    let action = "login.succeeded";
    audit::record(
        &txn,
        AuditRecord {
            scope: AuditScope::Organization(organization.id),
            actor_id: Some(outcome.person_id),
            action,
            target_type: "Person",
            target_id: Some(outcome.person_id),
            before: None,
            after: Some(json!({
                "organization": organization.slug, "providerId": provider.id, "issuer": provider.issuer,
                "subject": clip(&verified.subject), "provisioned": outcome.created,
                "rolesGranted": outcome.roles_granted, "rolesRevoked": outcome.roles_revoked,
            })),
            request_id: None,
        },
    )
    .await?;
    txn.commit().await?;
    tracing::info!(organization = %organization.slug, person = outcome.person_id, provisioned = outcome.created, "{action}");
    Ok(Finished::Redirect(Redirect { location: location.to_string(), browser_cookie: None }))
}

/// The provider vouched for an identity that a link request asked for: checks that the
/// request is this browser's (its link cookie) and still live, and prepares the
/// confirmation; nothing is attached yet.
async fn prepare_link(
    app: &App,
    organization: &organization::Model,
    provider: &identity_provider::Model,
    person_id: i32,
    verified: &VerifiedLogin,
    link_cookie: Option<&str>,
    return_to: Url,
) -> Result<Finished, Refused> {
    let db = &app.db;
    let refuse = |refusal: Refusal, detail: &str| Refused::new(refusal, detail).at(provider.id, Some(&return_to));
    let link = sessions::pending_link(db, link_cookie, provider.organization_id)
        .await?
        .filter(|l| l.person_id == person_id)
        .ok_or_else(|| refuse(Refusal::LinkNeedsLogin, "the link request of this attempt is not this browser's"))?;
    let existing = person_identity::Entity::find()
        .filter(person_identity::Column::Issuer.eq(&provider.issuer))
        .filter(person_identity::Column::Subject.eq(&verified.subject))
        .one(db)
        .await?;
    if let Some(identity) = existing {
        if identity.person_id != person_id {
            return Err(Refused {
                person_id: Some(person_id),
                ..refuse(
                    Refusal::IdentityLinkedElsewhere,
                    &format!("identity belongs to person {}", identity.person_id),
                )
            });
        }
        // Already this person's: nothing to confirm.
        sessions::finish_link(db, link.id).await?;
        let mut location = return_to.clone();
        location.query_pairs_mut().append_pair("linked", "true");
        return Ok(Finished::Redirect(Redirect { location: location.to_string(), browser_cookie: None }));
    }
    let person = person::Entity::find_by_id(person_id)
        .one(db)
        .await?
        .filter(|p| p.status == RecordStatus::Active)
        .ok_or_else(|| refuse(Refusal::PersonDisabled, "the linking person is gone or suspended"))?;
    let token = random_secret()?;
    sessions::await_confirmation(db, link.id, provider.id, &verified.subject, &hash_token(&token)).await?;
    let mut cancel = return_to.clone();
    cancel.query_pairs_mut().append_pair("error", "link_cancelled");
    Ok(Finished::ConfirmLink(LinkConfirmation {
        token,
        subject: verified.subject.clone(),
        issuer: provider.issuer.clone(),
        provider_name: provider.display_name.clone(),
        account_name: person.display_name,
        account_email: person.email,
        confirm_url: app.sso.url(&format!("/auth/{}/link/confirm", organization.slug)),
        cancel_url: cancel.to_string(),
    }))
}

/// Attaches the identity a link confirmation page showed, when the form comes back from
/// the browser that asked for the link (its cookie), with that page's single-use token,
/// while the session that asked is live. Grants no role.
pub async fn confirm_link(app: &App, slug: &str, token: &str, link_cookie: Option<&str>) -> Result<Redirect, Refused> {
    let result = confirm_link_inner(app, slug, token, link_cookie).await;
    if let Err(refused) = &result {
        record_refusal(app, slug, refused).await;
    }
    result
}

async fn confirm_link_inner(
    app: &App,
    slug: &str,
    token: &str,
    link_cookie: Option<&str>,
) -> Result<Redirect, Refused> {
    let db = &app.db;
    let organization = active_organization(db, slug).await?;
    let link = sessions::pending_link(db, link_cookie, organization.id)
        .await?
        .ok_or_else(|| Refused::new(Refusal::LinkNeedsLogin, "no live link request of this browser"))?;
    let return_to = link.return_to.as_deref().and_then(|r| Url::parse(r).ok());
    let (Some(provider_id), Some(subject), Some(confirm_hash)) =
        (link.provider_id, link.subject.clone(), link.confirm_hash.clone())
    else {
        return Err(Refused::new(Refusal::InvalidState, "nothing to confirm yet"));
    };
    let refuse = |refusal: Refusal, detail: &str| Refused::new(refusal, detail).at(provider_id, return_to.as_ref());
    if token.is_empty() || token.len() > 100 || hash_token(token) != confirm_hash {
        return Err(refuse(Refusal::InvalidState, "the confirmation token does not match"));
    }
    let provider = identity_provider::Entity::find_by_id(provider_id)
        .one(db)
        .await?
        .filter(|p| p.enabled && p.organization_id == organization.id)
        .ok_or_else(|| refuse(Refusal::ProviderDisabled, "the provider is gone or disabled"))?;
    let person = person::Entity::find_by_id(link.person_id)
        .one(db)
        .await?
        .filter(|p| p.status == RecordStatus::Active)
        .ok_or_else(|| refuse(Refusal::PersonDisabled, "the linking person is gone or suspended"))?;
    let txn = crate::db::begin_write(db).await?;
    if !sessions::finish_link(&txn, link.id).await? {
        return Err(refuse(Refusal::ReplayedState, "the link was already confirmed"));
    }
    let existing = person_identity::Entity::find()
        .filter(person_identity::Column::Issuer.eq(&provider.issuer))
        .filter(person_identity::Column::Subject.eq(&subject))
        .one(&txn)
        .await?;
    match existing {
        Some(identity) if identity.person_id != person.id => {
            return Err(Refused {
                person_id: Some(person.id),
                ..refuse(
                    Refusal::IdentityLinkedElsewhere,
                    &format!("identity belongs to person {}", identity.person_id),
                )
            });
        }
        Some(_) => {}
        None => insert_identity(&txn, person.id, &provider, &subject).await?,
    }
    audit::record(
        &txn,
        AuditRecord {
            scope: AuditScope::Organization(organization.id),
            actor_id: Some(person.id),
            action: "identity.link",
            target_type: "Person",
            target_id: Some(person.id),
            before: None,
            after: Some(json!({
                "organization": organization.slug, "providerId": provider.id, "issuer": provider.issuer,
                "subject": clip(&subject), "confirmed": true, "rolesGranted": [],
            })),
            request_id: None,
        },
    )
    .await?;
    txn.commit().await?;
    tracing::info!(organization = %organization.slug, person = person.id, "identity.link");
    let mut location = return_to.clone().ok_or_else(|| refuse(Refusal::Internal, "bad stored return_to"))?;
    location.query_pairs_mut().append_pair("linked", "true");
    Ok(Redirect { location: location.to_string(), browser_cookie: None })
}

/// Who logged in, and what the login changed.
struct Provisioned {
    person_id: i32,
    created: bool,
    roles_granted: Vec<&'static str>,
    roles_revoked: Vec<&'static str>,
}

fn email_domain(email: &str) -> Option<String> {
    email.rsplit_once('@').map(|(_, d)| d.to_lowercase())
}

/// Whether someone other than `except` has this e-mail address.
async fn email_taken(txn: &DatabaseTransaction, email: &str, except: Option<i32>) -> Result<bool, Refused> {
    let mut select = person::Entity::find()
        .filter(ExprTrait::eq(Expr::expr(Func::lower(Expr::col(person::Column::Email))), email.to_lowercase()));
    if let Some(id) = except {
        select = select.filter(person::Column::Id.ne(id));
    }
    Ok(select.one(txn).await?.is_some())
}

/// Finds the person by (issuer, subject), or provisions them in the provider's
/// organization; refreshes their profile and the roles the provider grants.
async fn provision(
    txn: &DatabaseTransaction,
    provider: &identity_provider::Model,
    login: &VerifiedLogin,
) -> Result<Provisioned, Refused> {
    let mapped = mapping::apply(&providers::claim_mappings(provider), &login.claims);
    let identity = person_identity::Entity::find()
        .filter(person_identity::Column::Issuer.eq(&provider.issuer))
        .filter(person_identity::Column::Subject.eq(&login.subject))
        .one(txn)
        .await?;
    let now = Utc::now();
    let domains = providers::email_domains(provider);
    let email = login
        .email
        .as_deref()
        .map(|e| e.trim().to_lowercase())
        .filter(|e| e.contains('@') && crate::service::validate::single_line("email", e).is_ok());
    let email_allowed = |email: &str| domains.is_empty() || email_domain(email).is_some_and(|d| domains.contains(&d));
    let (person, created) = match identity {
        Some(identity) => {
            let person = person::Entity::find_by_id(identity.person_id)
                .one(txn)
                .await?
                .ok_or_else(|| Refused::new(Refusal::Internal, "identity without person"))?;
            let mut touched: person_identity::ActiveModel = identity.into();
            touched.last_login_at = Set(Some(now));
            touched.update(txn).await?;
            (person, false)
        }
        None => {
            let email = email.clone().ok_or_else(|| Refused::new(Refusal::EmailMissing, "no email claim"))?;
            if !email_allowed(&email) || login.email_verified == Some(false) {
                return Err(Refused::new(Refusal::EmailNotAllowed, format!("domain {:?}", email_domain(&email))));
            }
            // Never a second person with someone's address: they log in with their
            // account and link this identity to it.
            if email_taken(txn, &email, None).await? {
                return Err(Refused::new(Refusal::EmailInUse, "the e-mail address belongs to another person"));
            }
            let display_name = mapped
                .display_name
                .clone()
                .or_else(|| login.name.clone())
                .unwrap_or_else(|| email.split('@').next().unwrap_or_default().to_owned());
            let person = person::ActiveModel {
                display_name: Set(crate::service::validate::clean_line(
                    &display_name,
                    crate::service::validate::NAME_MAX,
                )),
                email: Set(email),
                job_title: Set(mapped.job_title.clone()),
                profession: Set(mapped.profession.clone()),
                organization_id: Set(Some(provider.organization_id)),
                status: Set(RecordStatus::Active),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(txn)
            .await?;
            insert_identity(txn, person.id, provider, &login.subject).await?;
            (person, true)
        }
    };
    if person.status != RecordStatus::Active {
        return Err(Refused {
            person_id: Some(person.id),
            ..Refused::new(Refusal::PersonDisabled, "person suspended")
        });
    }
    // The provider speaks for its own organization's people only.
    if !created && person.organization_id == Some(provider.organization_id) {
        let mut profile: person::ActiveModel = person.clone().into();
        if let Some(name) = mapped.display_name.clone().or_else(|| login.name.clone()) {
            profile.display_name = Set(crate::service::validate::clean_line(&name, crate::service::validate::NAME_MAX));
        }
        if let Some(email) = email.filter(|e| email_allowed(e) && login.email_verified != Some(false))
            && email != person.email
            && !email_taken(txn, &email, Some(person.id)).await?
        {
            profile.email = Set(email);
        }
        if mapped.job_title.is_some() {
            profile.job_title = Set(mapped.job_title.clone());
        }
        if mapped.profession.is_some() {
            profile.profession = Set(mapped.profession.clone());
        }
        if profile.is_changed() {
            profile.updated_at = Set(now);
            profile.update(txn).await?;
        }
    }
    // Claim mappings speak for the provider's own organization's people only: a person
    // of another organization who linked this identity gets no role from it (and loses
    // any it granted before).
    let wanted =
        if person.organization_id == Some(provider.organization_id) { mapped.roles.clone() } else { BTreeSet::new() };
    let (roles_granted, roles_revoked) = sync_roles(txn, person.id, provider, &wanted).await?;
    Ok(Provisioned { person_id: person.id, created, roles_granted, roles_revoked })
}

async fn insert_identity(
    txn: &DatabaseTransaction,
    person_id: i32,
    provider: &identity_provider::Model,
    subject: &str,
) -> Result<(), Refused> {
    person_identity::ActiveModel {
        person_id: Set(person_id),
        provider_id: Set(provider.id),
        issuer: Set(provider.issuer.clone()),
        subject: Set(subject.to_owned()),
        created_at: Set(Utc::now()),
        last_login_at: Set(Some(Utc::now())),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// Makes the roles this provider granted in its organization what its claims say now;
/// roles an administrator granted are never touched.
async fn sync_roles(
    txn: &DatabaseTransaction,
    person_id: i32,
    provider: &identity_provider::Model,
    wanted: &BTreeSet<OrganizationRoleKind>,
) -> Result<(Vec<&'static str>, Vec<&'static str>), Refused> {
    // An API client's service account holds no role, ever: a login as it (only an
    // identity linked to it behind the server's back could) is refused.
    match crate::service::api_client::ensure_not_service_account(txn, person_id, "person").await {
        Ok(()) => {}
        Err(ServiceError::BadInput { .. }) => {
            return Err(Refused::new(Refusal::PersonDisabled, "an API client's service account"));
        }
        Err(err) => return Err(err.into()),
    }
    let held = organization_role::Entity::find()
        .filter(organization_role::Column::PersonId.eq(person_id))
        .filter(organization_role::Column::OrganizationId.eq(provider.organization_id))
        .all(txn)
        .await?;
    let mut revoked = Vec::new();
    for role in held.iter().filter(|r| r.provider_id == Some(provider.id) && !wanted.contains(&r.role)) {
        organization_role::Entity::delete_by_id(role.id).exec(txn).await?;
        revoked.push(role.role.as_str());
    }
    let mut granted = Vec::new();
    for role in wanted.iter().filter(|w| !held.iter().any(|h| h.role == **w)) {
        organization_role::ActiveModel {
            person_id: Set(person_id),
            organization_id: Set(provider.organization_id),
            role: Set(*role),
            created_at: Set(Utc::now()),
            provider_id: Set(Some(provider.id)),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        granted.push(role.as_str());
    }
    Ok((granted, revoked))
}

/// Writes a refusal to the audit trail and the log (in its own transaction: the login's
/// own writes were rolled back).
async fn record_refusal(app: &App, slug: &str, refused: &Refused) {
    let (slug, detail) = (clip(slug), clip(&refused.detail));
    tracing::warn!(organization = %slug, reason = refused.refusal.code(), %detail, "login refused");
    // The trail of the organization whose login was refused; a slug that names no
    // organization is anyone's text, and only logged.
    let organization = match crate::service::organization::find_by_slug(&app.db, &slug).await {
        Ok(Some(organization)) => organization,
        _ => return,
    };
    let unwritten = if refused.refusal.anyone_can_cause() {
        let Some(unwritten) = app.sso.refusals.admit(organization.id, refused.refusal.code()) else { return };
        unwritten
    } else {
        0
    };
    let record = AuditRecord {
        scope: AuditScope::Organization(organization.id),
        actor_id: refused.person_id,
        action: "login.refused",
        target_type: "IdentityProvider",
        target_id: refused.provider_id,
        before: None,
        after: Some(json!({
            "organization": slug, "reason": refused.refusal.code(), "detail": detail,
            "refusedSincePrevious": unwritten,
        })),
        request_id: None,
    };
    if let Err(err) = audit::record(&app.db, record).await {
        tracing::error!(%err, "could not audit a refused login");
    }
}

/// Removes expired one-time codes (called as codes are made).
pub async fn purge_codes<C: ConnectionTrait>(db: &C) -> Result<(), sea_orm::DbErr> {
    login_code::Entity::delete_many()
        .filter(login_code::Column::ExpiresAt.lt(Utc::now() - Duration::days(1)))
        .exec(db)
        .await
        .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_prefixes_match_whole_path_segments() {
        let prefix = Url::parse("https://app.example/portal").expect("url");
        for (url, ok) in [
            ("https://app.example/portal", true),
            ("https://app.example/portal/callback?x=1", true),
            ("https://app.example/portals", false),
            ("https://evil.example/portal", false),
            ("http://app.example/portal", false),
            ("https://app.example:444/portal", false),
        ] {
            assert_eq!(url_has_prefix(&Url::parse(url).expect("url"), &prefix), ok, "{url}");
        }
    }
}

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
//! Every login and every refusal is audited; no secret, token or code is.

use std::collections::BTreeSet;

use chrono::{Duration, Utc};
use entity::{
    enums::{OrganizationRoleKind, RecordStatus},
    identity_provider, login_attempt, login_code, organization, organization_role, person, person_identity,
};
use openidconnect::{CsrfToken, Nonce, PkceCodeChallenge, RedirectUrl, Scope, core::CoreAuthenticationFlow};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder, sea_query::Expr,
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
/// The cookie binding a login attempt to the browser that started it.
pub const BROWSER_COOKIE: &str = "maillage_login";

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
            Self::Internal => "internal_error",
        }
    }

    /// A sentence for people.
    pub fn message(self) -> &'static str {
        match self {
            Self::UnknownOrganization => "No organization of the network has this address.",
            Self::NoProvider => "This organization has no identity provider to log in with.",
            Self::ReturnToNotAllowed => "The address to return to is not on this organization's list of front ends.",
            Self::LinkNeedsLogin => "Linking an account needs a fresh link request from a logged-in person.",
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
            Self::Internal => "Something went wrong on our side.",
        }
    }

    /// The HTTP status of the error page.
    pub fn status(self) -> u16 {
        match self {
            Self::UnknownOrganization | Self::NoProvider => 404,
            Self::LinkNeedsLogin => 401,
            Self::ProviderDisabled | Self::EmailNotAllowed | Self::PersonDisabled | Self::IdentityLinkedElsewhere => {
                403
            }
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
    /// Link the identity to the logged-in person who asked for `link_code`.
    pub link: bool,
    pub link_code: Option<String>,
    /// One provider of the organization (the first enabled one when absent).
    pub provider_id: Option<i32>,
}

/// Where to send the browser, and the browser-binding cookie to set.
#[derive(Debug)]
pub struct Redirect {
    pub location: String,
    pub browser_cookie: Option<String>,
}

/// What the provider sent back to the callback.
#[derive(Debug, Default, Clone)]
pub struct CallbackParams {
    pub code: Option<String>,
    pub state: Option<String>,
    pub iss: Option<String>,
    pub error: Option<String>,
}

fn well_formed_cookie(value: &str) -> bool {
    value.len() == 43 && value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
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

/// Starts a login at the organization's provider.
pub async fn start(
    app: &App,
    slug: &str,
    params: StartParams,
    browser_cookie: Option<&str>,
) -> Result<Redirect, Refused> {
    let result = start_inner(app, slug, params, browser_cookie).await;
    if let Err(refused) = &result {
        record_refusal(app, slug, refused).await;
    }
    result
}

async fn start_inner(
    app: &App,
    slug: &str,
    params: StartParams,
    browser_cookie: Option<&str>,
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
    let return_to = params.return_to.unwrap_or_else(|| app.sso.url("/"));
    let return_url = allowed_return(app, &organization, &return_to).ok_or_else(|| {
        Refused::new(Refusal::ReturnToNotAllowed, format!("return_to {return_to}")).at(provider.id, None)
    })?;
    let txn = crate::db::begin_write(db).await?;
    let link_person_id = if params.link {
        let code = params.link_code.as_deref().unwrap_or_default();
        Some(sessions::consume_link_code(&txn, code, organization.id).await?.ok_or_else(|| {
            Refused::new(Refusal::LinkNeedsLogin, "missing, used or expired link code").at(provider.id, None)
        })?)
    } else {
        None
    };
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
    // One binding value per browser, so that logins started in two tabs both work.
    let cookie = match browser_cookie.filter(|c| well_formed_cookie(c)) {
        Some(existing) => existing.to_owned(),
        None => random_secret()?,
    };
    let now = Utc::now();
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
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    // Old attempts are of no use to anyone: clear them as we go.
    login_attempt::Entity::delete_many()
        .filter(login_attempt::Column::ExpiresAt.lt(now - Duration::days(1)))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(Redirect { location: location.to_string(), browser_cookie: Some(cookie) })
}

/// Completes a login at the organization's callback.
pub async fn finish(
    app: &App,
    slug: &str,
    params: CallbackParams,
    browser_cookie: Option<&str>,
) -> Result<Redirect, Refused> {
    let result = finish_inner(app, slug, params, browser_cookie).await;
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
) -> Result<Redirect, Refused> {
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
    let txn = crate::db::begin_write(db).await?;
    let outcome = provision(&txn, &provider, &verified, attempt.link_person_id).await.map_err(|r| Refused {
        provider_id: Some(provider.id),
        return_to: return_to.as_ref().map(Url::to_string),
        ..r
    })?;
    let mut location = return_to.clone().ok_or_else(|| refuse(Refusal::Internal, "bad stored return_to".into()))?;
    let action = if attempt.link_person_id.is_some() {
        location.query_pairs_mut().append_pair("linked", "true");
        "identity.link"
    } else {
        let code = sessions::create_session_code(&txn, outcome.person_id).await?;
        location.query_pairs_mut().append_pair("code", &code);
        "login.succeeded"
    };
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
                "subject": verified.subject, "provisioned": outcome.created,
                "rolesGranted": outcome.roles_granted, "rolesRevoked": outcome.roles_revoked,
            })),
            request_id: None,
        },
    )
    .await?;
    txn.commit().await?;
    tracing::info!(organization = %organization.slug, person = outcome.person_id, provisioned = outcome.created, "{action}");
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

/// Finds the person by (issuer, subject), or provisions them in the provider's
/// organization; refreshes their profile and the roles the provider grants.
async fn provision(
    txn: &DatabaseTransaction,
    provider: &identity_provider::Model,
    login: &VerifiedLogin,
    link_person_id: Option<i32>,
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
    let (person, created) = match (identity, link_person_id) {
        (Some(identity), Some(link)) if identity.person_id != link => {
            return Err(Refused::new(
                Refusal::IdentityLinkedElsewhere,
                format!("identity belongs to person {}", identity.person_id),
            ));
        }
        (Some(identity), _) => {
            let person = person::Entity::find_by_id(identity.person_id)
                .one(txn)
                .await?
                .ok_or_else(|| Refused::new(Refusal::Internal, "identity without person"))?;
            let mut touched: person_identity::ActiveModel = identity.into();
            touched.last_login_at = Set(Some(now));
            touched.update(txn).await?;
            (person, false)
        }
        (None, Some(link)) => {
            let person = person::Entity::find_by_id(link)
                .one(txn)
                .await?
                .ok_or_else(|| Refused::new(Refusal::Internal, "linking person is gone"))?;
            insert_identity(txn, person.id, provider, &login.subject).await?;
            (person, false)
        }
        (None, None) => {
            let email = email.clone().ok_or_else(|| Refused::new(Refusal::EmailMissing, "no email claim"))?;
            if !email_allowed(&email) || login.email_verified == Some(false) {
                return Err(Refused::new(Refusal::EmailNotAllowed, format!("domain {:?}", email_domain(&email))));
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
        if let Some(email) = email.filter(|e| email_allowed(e) && login.email_verified != Some(false)) {
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
    let (roles_granted, roles_revoked) = sync_roles(txn, person.id, provider, &mapped.roles).await?;
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
    tracing::warn!(organization = slug, reason = refused.refusal.code(), detail = %refused.detail, "login refused");
    // The trail of the organization whose login was refused (the network's when the
    // slug names none).
    let scope = match crate::service::organization::find_by_slug(&app.db, slug).await {
        Ok(Some(organization)) => AuditScope::Organization(organization.id),
        _ => AuditScope::Network,
    };
    let record = AuditRecord {
        scope,
        actor_id: refused.person_id,
        action: "login.refused",
        target_type: "IdentityProvider",
        target_id: refused.provider_id,
        before: None,
        after: Some(json!({ "organization": slug, "reason": refused.refusal.code(), "detail": refused.detail })),
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

//! Single sign-on in the schema: identity providers, home-realm discovery, sessions and
//! account linking. The browser login itself is plain HTTP (`/auth/…`).

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{identity_provider, session};
use secrecy::SecretString;

use super::{
    GqlResult, app, caller,
    enums::OrganizationRole,
    ids::{NodeKind, from_global, to_global},
    loaders::{IdLoader, OrganizationById, loader},
    organization::Organization,
};
use crate::{
    error::ServiceError,
    service::sso::{
        identities,
        mapping::{self, ClaimMapping},
        providers::{self, ProviderInput},
        sessions,
    },
};

#[derive(Clone)]
pub struct IdentityProvider(pub identity_provider::Model);

/// An organization's OpenID Connect provider: its people log in through it. The client
/// secret is write-only and never appears here.
#[Object]
impl IdentityProvider {
    /// Global id.
    async fn id(&self) -> ID {
        to_global(NodeKind::IdentityProvider, self.0.id)
    }
    /// The organization whose people log in here; its claims grant roles there only.
    async fn organization(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Organization>> {
        Ok(loader::<IdLoader<OrganizationById>, _>(ctx).load_one(self.0.organization_id).await.gql()?.map(Organization))
    }
    /// Issuer URL (as in the provider's discovery document).
    async fn issuer(&self) -> &str {
        &self.0.issuer
    }
    /// The client id Maillage uses at the provider.
    async fn client_id(&self) -> &str {
        &self.0.client_id
    }
    /// Whether a client secret is stored (it always is; it is never shown).
    async fn has_client_secret(&self) -> bool {
        !self.0.client_secret_encrypted.is_empty()
    }
    /// Scopes asked for besides `openid` (`email` and `profile` are always asked).
    async fn scopes(&self) -> Vec<String> {
        providers::scopes(&self.0)
    }
    /// E-mail domains whose people may be provisioned on first login (empty: any).
    async fn allowed_email_domains(&self) -> Vec<String> {
        providers::email_domains(&self.0)
    }
    /// Rules turning this provider's claims into profile fields and roles in its
    /// organization.
    #[graphql(complexity = "crate::graphql::connection::list_cost(child_complexity)")]
    async fn claim_mappings(&self) -> Vec<ClaimMappingRule> {
        providers::claim_mappings(&self.0).into_iter().map(ClaimMappingRule::from).collect()
    }
    /// The name shown on login buttons.
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }
    /// Whether people may log in through it (`disableIdentityProvider` turns it off).
    async fn enabled(&self) -> bool {
        self.0.enabled
    }
    /// Where a browser starts a login with this provider (add `?return_to=…`).
    async fn login_url(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        let slug = self.organization_slug(ctx).await?;
        Ok(format!("{}?provider={}", app(ctx).sso.login_url(&slug), self.0.id))
    }
    /// The redirect URI to register at the provider for this organization.
    async fn callback_url(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        let slug = self.organization_slug(ctx).await?;
        Ok(app(ctx).sso.callback_url(&slug))
    }
    /// When it was registered.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When it was last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

impl IdentityProvider {
    async fn organization_slug(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        loader::<IdLoader<OrganizationById>, _>(ctx)
            .load_one(self.0.organization_id)
            .await
            .gql()?
            .map(|o| o.slug)
            .ok_or_else(|| ServiceError::not_found("organization"))
            .gql()
    }
}

/// A profile field a claim can fill.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileField {
    /// The person's display name (`Person.displayName`).
    DisplayName,
    /// The person's job title (`Person.jobTitle`).
    JobTitle,
    /// The person's profession (`Person.profession`).
    Profession,
}

impl From<mapping::ProfileField> for ProfileField {
    fn from(value: mapping::ProfileField) -> Self {
        match value {
            mapping::ProfileField::DisplayName => Self::DisplayName,
            mapping::ProfileField::JobTitle => Self::JobTitle,
            mapping::ProfileField::Profession => Self::Profession,
        }
    }
}

impl From<ProfileField> for mapping::ProfileField {
    fn from(value: ProfileField) -> Self {
        match value {
            ProfileField::DisplayName => Self::DisplayName,
            ProfileField::JobTitle => Self::JobTitle,
            ProfileField::Profession => Self::Profession,
        }
    }
}

/// One claim mapping rule: `groups contains "gestionnaires" → MANAGER`, or
/// `job_title → JOB_TITLE`.
#[derive(SimpleObject)]
pub struct ClaimMappingRule {
    /// The claim; dots reach into objects (`realm_access.roles`).
    pub claim: String,
    /// The role is granted when the claim is a list holding this value.
    pub contains: Option<String>,
    /// The role is granted when the claim equals this value.
    pub equals: Option<String>,
    /// The role granted in the provider's organization.
    pub organization_role: Option<OrganizationRole>,
    /// The profile field the claim fills.
    pub profile_field: Option<ProfileField>,
}

impl From<ClaimMapping> for ClaimMappingRule {
    fn from(rule: ClaimMapping) -> Self {
        Self {
            claim: rule.claim,
            contains: rule.contains,
            equals: rule.equals,
            organization_role: rule
                .organization_role
                .as_deref()
                .and_then(entity::enums::OrganizationRoleKind::parse)
                .map(Into::into),
            profile_field: rule.profile_field.map(Into::into),
        }
    }
}

/// One claim mapping rule: give `organizationRole` with `contains` or `equals`, or
/// `profileField` alone.
#[derive(InputObject)]
pub struct ClaimMappingInput {
    /// The claim's name, 1 to 200 characters; dots reach into objects (`realm_access.roles`).
    pub claim: String,
    /// Grants `organizationRole` when the claim is a list holding this value (1 to 200
    /// characters). Give exactly one of `contains` and `equals` with a role.
    pub contains: Option<String>,
    /// Grants `organizationRole` when the claim equals this value (1 to 200 characters).
    pub equals: Option<String>,
    /// The role granted in the provider's organization when the condition holds.
    pub organization_role: Option<OrganizationRole>,
    /// The profile field the claim's value fills (given alone, without a condition).
    pub profile_field: Option<ProfileField>,
}

impl From<ClaimMappingInput> for ClaimMapping {
    fn from(input: ClaimMappingInput) -> Self {
        Self {
            claim: input.claim,
            contains: input.contains,
            equals: input.equals,
            organization_role: input
                .organization_role
                .map(|r| entity::enums::OrganizationRoleKind::from(r).as_str().to_owned()),
            profile_field: input.profile_field.map(Into::into),
        }
    }
}

/// Input of `registerIdentityProvider`.
#[derive(InputObject)]
pub struct RegisterIdentityProviderInput {
    /// Global id of the organization whose people will log in through it.
    pub organization_id: ID,
    /// The issuer URL; discovery runs on it before anything is saved.
    pub issuer: String,
    /// The client id registered at the provider: one line, 1 to 1,000 characters.
    pub client_id: String,
    /// Write-only: stored encrypted, never returned.
    pub client_secret: String,
    /// Extra scopes (`email` and `profile` are always asked).
    pub scopes: Option<Vec<String>>,
    /// E-mail domains (`cisss.example`) whose people may be provisioned on first login, at
    /// most 100; they also route `loginOptions`. None: any domain.
    pub allowed_email_domains: Option<Vec<String>>,
    /// Claim mapping rules (at most 50), applied at each login; none by default.
    pub claim_mappings: Option<Vec<ClaimMappingInput>>,
    /// Defaults to the organization's name.
    pub display_name: Option<String>,
}

/// Input of `updateIdentityProvider`: omitted fields are left as they are.
#[derive(InputObject)]
pub struct UpdateIdentityProviderInput {
    /// Global id of the identity provider.
    pub id: ID,
    /// New issuer URL; discovery runs on it again before anything is saved.
    pub issuer: Option<String>,
    /// New client id: one line, 1 to 1,000 characters.
    pub client_id: Option<String>,
    /// Write-only: replaces the stored secret.
    pub client_secret: Option<String>,
    /// New extra scopes (replaces the list; at most 20).
    pub scopes: Option<Vec<String>>,
    /// New e-mail domains (replaces the list; at most 100).
    pub allowed_email_domains: Option<Vec<String>>,
    /// Claim mapping rules (at most 50), applied at each login. Replaces every rule.
    pub claim_mappings: Option<Vec<ClaimMappingInput>>,
    /// New name for login buttons: one line, 1 to 200 characters.
    pub display_name: Option<String>,
    /// Turn logins through it on or off.
    pub enabled: Option<bool>,
}

/// Input of `disableIdentityProvider`.
#[derive(InputObject)]
pub struct DisableIdentityProviderInput {
    /// Global id of the identity provider.
    pub id: ID,
}

/// Result of the identity provider mutations.
#[derive(SimpleObject)]
pub struct IdentityProviderPayload {
    /// The identity provider as it stands after the change.
    pub identity_provider: IdentityProvider,
}

/// Where a person can log in.
#[derive(SimpleObject)]
pub struct LoginOption {
    /// The organization whose identity provider this is.
    pub organization: Organization,
    /// The provider's name, for the login button.
    pub display_name: String,
    /// Start the login here (add `&return_to=…`).
    pub login_url: String,
}

#[derive(Clone)]
pub struct Session {
    model: session::Model,
    current: bool,
}

/// A login session. Its token is never shown again after it was issued.
#[Object]
impl Session {
    /// Global id (for `revokeSession`).
    async fn id(&self) -> ID {
        to_global(NodeKind::Session, self.model.id)
    }
    /// How it was opened: `oidc` (a login) or `cli` (`maillage token`).
    async fn origin(&self) -> &str {
        &self.model.origin
    }
    /// When the session was opened.
    async fn created_at(&self) -> DateTime<Utc> {
        self.model.created_at
    }
    /// When its token stops working.
    async fn expires_at(&self) -> DateTime<Utc> {
        self.model.expires_at
    }
    /// Last use (to the minute).
    async fn last_seen_at(&self) -> Option<DateTime<Utc>> {
        self.model.last_seen_at
    }
    /// When it was ended (logout or revocation); null while it is live.
    async fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.model.revoked_at
    }
    /// Whether this request uses this session.
    async fn current(&self) -> bool {
        self.current
    }
}

/// Input of `revokeSession`.
#[derive(InputObject)]
pub struct RevokeSessionInput {
    /// Global id of the session (`mySessions`, or `Session.id`).
    pub session_id: ID,
}

/// Result of `revokeSession`.
#[derive(SimpleObject)]
pub struct RevokeSessionPayload {
    /// The session, now ended.
    pub session: Session,
}

/// Input of `revokePersonSessions`.
#[derive(InputObject)]
pub struct RevokePersonSessionsInput {
    /// Global id of the person.
    pub person_id: ID,
}

/// Result of `revokePersonSessions` and `logout`.
#[derive(SimpleObject)]
pub struct RevokedSessionsPayload {
    /// How many live sessions were ended.
    pub revoked_count: u64,
}

/// One of a person's identities at an identity provider.
pub struct LinkedIdentity(pub identities::Linked);

/// Who a person is at an identity provider: (issuer, subject), never an e-mail.
#[Object]
impl LinkedIdentity {
    /// Global id (for `unlinkIdentity`).
    async fn id(&self) -> ID {
        to_global(NodeKind::Identity, self.0.0.id)
    }
    /// The identity provider's issuer URL.
    async fn issuer(&self) -> &str {
        &self.0.0.issuer
    }
    /// The provider's name.
    async fn provider_name(&self) -> &str {
        &self.0.1.display_name
    }
    /// The organization whose provider it is.
    async fn organization(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Organization>> {
        Ok(loader::<IdLoader<OrganizationById>, _>(ctx)
            .load_one(self.0.1.organization_id)
            .await
            .gql()?
            .map(Organization))
    }
    /// When the identity was linked (its first login).
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.0.created_at
    }
    /// When the person last logged in with it.
    async fn last_login_at(&self) -> Option<DateTime<Utc>> {
        self.0.0.last_login_at
    }
}

/// Input of `unlinkIdentity`.
#[derive(InputObject)]
pub struct UnlinkIdentityInput {
    /// Global id of one of the caller's identities (`Person.identities`).
    pub identity_id: ID,
}

/// Result of `unlinkIdentity`.
#[derive(SimpleObject)]
pub struct UnlinkIdentityPayload {
    /// The identities left.
    pub identities: Vec<LinkedIdentity>,
}

impl From<RegisterIdentityProviderInput> for ProviderInput {
    fn from(input: RegisterIdentityProviderInput) -> Self {
        Self {
            issuer: Some(input.issuer),
            client_id: Some(input.client_id),
            client_secret: Some(SecretString::from(input.client_secret)),
            scopes: input.scopes,
            allowed_email_domains: input.allowed_email_domains,
            claim_mappings: input.claim_mappings.map(|rules| rules.into_iter().map(Into::into).collect()),
            display_name: input.display_name,
            enabled: None,
        }
    }
}

impl From<UpdateIdentityProviderInput> for ProviderInput {
    fn from(input: UpdateIdentityProviderInput) -> Self {
        Self {
            issuer: input.issuer,
            client_id: input.client_id,
            client_secret: input.client_secret.map(SecretString::from),
            scopes: input.scopes,
            allowed_email_domains: input.allowed_email_domains,
            claim_mappings: input.claim_mappings.map(|rules| rules.into_iter().map(Into::into).collect()),
            display_name: input.display_name,
            enabled: input.enabled,
        }
    }
}

#[derive(Default)]
pub struct SsoQuery;

/// Queries about logging in.
#[Object]
impl SsoQuery {
    /// Identity providers of an organization (of the caller's own when omitted; of every
    /// organization for network administrators). Administrators only.
    async fn identity_providers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the organization; the caller's own when omitted.")] organization_id: Option<ID>,
    ) -> async_graphql::Result<Vec<IdentityProvider>> {
        let org =
            organization_id.map(|id| from_global("organizationId", NodeKind::Organization, &id)).transpose().gql()?;
        let list = providers::list(app(ctx), caller(ctx), org).await.gql()?;
        Ok(list.into_iter().map(IdentityProvider).collect())
    }

    /// Home-realm discovery: where a person with this e-mail logs in (no login needed).
    #[graphql(complexity = "crate::graphql::connection::list_cost(child_complexity)")]
    async fn login_options(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The person's e-mail address (at most 320 characters; `BAD_USER_INPUT` naming `email` when it is not one). Only its domain is used: the answer lists the enabled providers that accept that domain, and is empty when none does."
        )]
        email: String,
    ) -> async_graphql::Result<Vec<LoginOption>> {
        let options = sessions::login_options(app(ctx), &email).await.gql()?;
        Ok(options
            .into_iter()
            .map(|o| LoginOption {
                organization: Organization(o.organization),
                display_name: o.provider.display_name,
                login_url: o.login_url,
            })
            .collect())
    }

    /// The caller's live sessions, newest first.
    #[graphql(complexity = "crate::graphql::connection::list_cost(child_complexity)")]
    async fn my_sessions(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Session>> {
        let current = caller(ctx).actor().gql()?.session_id;
        let list = sessions::list_mine(app(ctx), caller(ctx)).await.gql()?;
        Ok(list.into_iter().map(|model| Session { current: model.id == current, model }).collect())
    }
}

#[derive(Default)]
pub struct SsoMutation;

/// Mutations about logging in.
#[Object]
impl SsoMutation {
    /// Registers an organization's identity provider (its administrators, or network
    /// administrators). Discovery must succeed and name the same issuer.
    async fn register_identity_provider(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organization, the provider's issuer and client credentials, and its rules.")]
        input: RegisterIdentityProviderInput,
    ) -> async_graphql::Result<IdentityProviderPayload> {
        let org = from_global("organizationId", NodeKind::Organization, &input.organization_id).gql()?;
        let created = providers::register(app(ctx), caller(ctx), org, input.into()).await.gql()?;
        Ok(IdentityProviderPayload { identity_provider: IdentityProvider(created) })
    }

    /// Changes an identity provider.
    async fn update_identity_provider(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The identity provider and the changes; omitted fields are left as they are.")]
        input: UpdateIdentityProviderInput,
    ) -> async_graphql::Result<IdentityProviderPayload> {
        let id = from_global("id", NodeKind::IdentityProvider, &input.id).gql()?;
        let updated = providers::update(app(ctx), caller(ctx), id, input.into()).await.gql()?;
        Ok(IdentityProviderPayload { identity_provider: IdentityProvider(updated) })
    }

    /// Disables an identity provider: nobody can log in through it any more.
    async fn disable_identity_provider(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The identity provider to disable.")] input: DisableIdentityProviderInput,
    ) -> async_graphql::Result<IdentityProviderPayload> {
        let id = from_global("id", NodeKind::IdentityProvider, &input.id).gql()?;
        let updated = providers::disable(app(ctx), caller(ctx), id).await.gql()?;
        Ok(IdentityProviderPayload { identity_provider: IdentityProvider(updated) })
    }

    /// Ends the session this request uses.
    async fn logout(&self, ctx: &Context<'_>) -> async_graphql::Result<RevokedSessionsPayload> {
        sessions::logout(app(ctx), caller(ctx)).await.gql()?;
        Ok(RevokedSessionsPayload { revoked_count: 1 })
    }

    /// Ends one session: one of the caller's own, or of a person of an organization they
    /// administer.
    async fn revoke_session(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The session to end.")] input: RevokeSessionInput,
    ) -> async_graphql::Result<RevokeSessionPayload> {
        let id = from_global("sessionId", NodeKind::Session, &input.session_id).gql()?;
        let model = sessions::revoke(app(ctx), caller(ctx), id).await.gql()?;
        let current = caller(ctx).actor().map(|a| a.session_id == model.id).unwrap_or(false);
        Ok(RevokeSessionPayload { session: Session { model, current } })
    }

    /// Ends every session of a person (an administrator of their organization, a network
    /// administrator, or the person themselves).
    async fn revoke_person_sessions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The person whose sessions to end.")] input: RevokePersonSessionsInput,
    ) -> async_graphql::Result<RevokedSessionsPayload> {
        let person = from_global("personId", NodeKind::Person, &input.person_id).gql()?;
        let revoked_count = sessions::revoke_all(app(ctx), caller(ctx), person).await.gql()?;
        Ok(RevokedSessionsPayload { revoked_count })
    }

    /// Unlinks one of the caller's identities (not the last one: it is how they log in).
    async fn unlink_identity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The identity to unlink.")] input: UnlinkIdentityInput,
    ) -> async_graphql::Result<UnlinkIdentityPayload> {
        let id = from_global("identityId", NodeKind::Identity, &input.identity_id).gql()?;
        identities::unlink(app(ctx), caller(ctx), id).await.gql()?;
        let person = caller(ctx).actor().gql()?.person_id;
        let left = identities::of_person(app(ctx), caller(ctx), person).await.gql()?.unwrap_or_default();
        Ok(UnlinkIdentityPayload { identities: left.into_iter().map(LinkedIdentity).collect() })
    }
}

//! Organization API clients in the schema (see [`crate::service::api_client`]), and
//! `viewer`: who is calling, a person or an API client.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject, Union};
use chrono::{DateTime, Utc};
use entity::api_client;
use secrecy::ExposeSecret;

use super::{
    GqlResult, app, caller, db,
    enums::TokenScope,
    ids::{NodeKind, from_global, to_global},
    organization::Organization,
    person::Person,
};
use crate::{
    error::ServiceError,
    service::{
        api_client::{self as service, NewApiClient},
        organization, person,
    },
};

#[derive(Clone)]
pub struct ApiClient(pub api_client::Model);

/// An organization's API client: a partner back end that obtains access tokens with the
/// OAuth 2.0 client-credentials grant at `POST /oauth/token` (RFC 6749 §4.4). It acts as
/// a service account of its organization that holds no role: never more than any
/// logged-in person of that organization who holds nothing, further limited by its
/// scopes. Its secret is shown once, when it is created or rotated.
#[Object]
impl ApiClient {
    /// Global id.
    pub async fn id(&self) -> ID {
        to_global(NodeKind::ApiClient, self.0.id)
    }
    /// The public client identifier to send to `POST /oauth/token` (`client_id`).
    async fn client_id(&self) -> &str {
        &self.0.client_id
    }
    /// The name its organization gave it.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// What its access tokens may be used for (a token may ask for fewer).
    async fn scopes(&self) -> Vec<TokenScope> {
        service::scopes_of(&self.0).into_iter().map(Into::into).collect()
    }
    /// The organization it acts for.
    async fn organization(&self, ctx: &Context<'_>) -> async_graphql::Result<Organization> {
        organization::find_by_id(db(ctx), self.0.organization_id)
            .await
            .and_then(|o| o.ok_or(ServiceError::not_found("organization")))
            .map(Organization)
            .gql()
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Its last token request; `null` if it never asked for one.
    async fn last_used_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_used_at
    }
    /// Until when the secret it had before its last rotation still works; `null` when
    /// there is none.
    async fn previous_secret_expires_at(&self) -> Option<DateTime<Utc>> {
        self.0.previous_secret_expires_at.filter(|until| *until > Utc::now())
    }
    /// When it was revoked, if it was.
    async fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.0.revoked_at
    }
    /// Whether it may run only its organization's trusted documents (`updateApiClient`).
    async fn trusted_documents_only(&self) -> bool {
        self.0.trusted_documents_only
    }
}

/// Who is calling: the person of a login session or personal access token, or the API
/// client of an access token from `POST /oauth/token`.
#[derive(Union)]
pub enum Viewer {
    Person(Person),
    ApiClient(ApiClient),
}

#[derive(Default)]
pub struct ApiClientQuery;

/// `viewer`.
#[Object]
impl ApiClientQuery {
    /// Who is calling: a `Person` or an `ApiClient`; `null` for an anonymous request.
    async fn viewer(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Viewer>> {
        let caller = caller(ctx);
        let Some(actor) = caller.viewer.as_ref() else { return Ok(None) };
        if actor.api_client_id.is_some() {
            let client = service::of_caller(app(ctx), caller).await.gql()?;
            return Ok(client.map(|c| Viewer::ApiClient(ApiClient(c))));
        }
        Ok(person::find_by_id(db(ctx), actor.person_id).await.gql()?.map(|p| Viewer::Person(Person(p))))
    }
}

/// Input of `createApiClient`.
#[derive(InputObject)]
pub struct CreateApiClientInput {
    /// Global id of the organization it acts for (one the caller may administer).
    pub organization_id: ID,
    /// What it is for (1 to 100 characters, one line), to recognise it later.
    pub name: String,
    /// What its tokens may be used for (at least one; only scopes the caller holds).
    pub scopes: Vec<TokenScope>,
}

/// Result of `createApiClient`.
#[derive(SimpleObject)]
pub struct CreateApiClientPayload {
    /// The client, as it will be listed.
    pub client: ApiClient,
    /// The client secret to send to `POST /oauth/token`. Shown this once only: it is
    /// stored hashed.
    pub client_secret: String,
}

/// Input of `rotateApiClientSecret`.
#[derive(InputObject)]
pub struct RotateApiClientSecretInput {
    /// The client's global id.
    pub id: ID,
}

/// Result of `rotateApiClientSecret`.
#[derive(SimpleObject)]
pub struct RotateApiClientSecretPayload {
    /// The client, with `previousSecretExpiresAt` set.
    pub client: ApiClient,
    /// The new client secret. Shown this once only. The previous one keeps working until
    /// `client.previousSecretExpiresAt`.
    pub client_secret: String,
}

/// Input of `revokeApiClient`.
#[derive(InputObject)]
pub struct RevokeApiClientInput {
    /// The client's global id.
    pub id: ID,
}

/// Result of `revokeApiClient`.
#[derive(SimpleObject)]
pub struct RevokeApiClientPayload {
    /// The client, now revoked.
    pub client: ApiClient,
}

#[derive(Default)]
pub struct ApiClientMutation;

/// Organization API clients.
#[Object]
impl ApiClientMutation {
    /// Creates an API client for an organization (who may administer its identity, from a
    /// login session). At most 50 live clients per organization.
    async fn create_api_client(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organization, the client's name and its scopes.")] input: CreateApiClientInput,
    ) -> async_graphql::Result<CreateApiClientPayload> {
        let organization_id = from_global("organizationId", NodeKind::Organization, &input.organization_id).gql()?;
        let new = NewApiClient {
            organization_id,
            name: input.name,
            scopes: input.scopes.into_iter().map(Into::into).collect(),
        };
        let (model, secret) = service::create(app(ctx), caller(ctx), new).await.gql()?;
        Ok(CreateApiClientPayload { client: ApiClient(model), client_secret: secret.expose_secret().to_owned() })
    }

    /// Gives an API client a new secret; the previous one keeps working for the grace
    /// period (`api_client_secret_grace_secs`, 24 hours by default). `NOT_FOUND` for a
    /// client the caller may not manage.
    async fn rotate_api_client_secret(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which client.")] input: RotateApiClientSecretInput,
    ) -> async_graphql::Result<RotateApiClientSecretPayload> {
        let id = from_global("id", NodeKind::ApiClient, &input.id).gql()?;
        let (model, secret) = service::rotate_secret(app(ctx), caller(ctx), id).await.gql()?;
        Ok(RotateApiClientSecretPayload { client: ApiClient(model), client_secret: secret.expose_secret().to_owned() })
    }

    /// Revokes an API client: its secrets and tokens stop working at once. `NOT_FOUND` for
    /// a client the caller may not manage.
    async fn revoke_api_client(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which client.")] input: RevokeApiClientInput,
    ) -> async_graphql::Result<RevokeApiClientPayload> {
        let id = from_global("id", NodeKind::ApiClient, &input.id).gql()?;
        let model = service::revoke(app(ctx), caller(ctx), id).await.gql()?;
        Ok(RevokeApiClientPayload { client: ApiClient(model) })
    }
}

/// `Organization.apiClients`.
pub async fn of_organization(ctx: &Context<'_>, organization_id: i32) -> async_graphql::Result<Vec<ApiClient>> {
    Ok(service::list(app(ctx), caller(ctx), organization_id).await.gql()?.into_iter().map(ApiClient).collect())
}

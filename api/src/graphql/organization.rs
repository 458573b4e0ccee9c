//! Organizations in the schema: the network's member institutions.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::organization as db;

use super::{
    GqlResult, app, caller,
    connection::{self, Conn},
    db,
    enums::{OrganizationKind, RecordStatus},
    ids::{NodeKind, from_global, to_global},
    loaders::OrganizationCommunities,
};
use crate::{
    error::ServiceError,
    service::organization::{self as service, NewOrganization, OrganizationChanges},
};

#[derive(Clone)]
pub struct Organization(pub db::Model);

/// A member institution of the network (a CISSS, a public-health institute, a community
/// health centre…).
#[Object]
impl Organization {
    /// Global id.
    pub async fn id(&self) -> ID {
        to_global(NodeKind::Organization, self.0.id)
    }
    /// Short unique name used in URLs (`cisss-monteregie-centre`).
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn kind(&self) -> OrganizationKind {
        self.0.kind.into()
    }
    /// Sector of activity (public health, social services…).
    async fn sector(&self) -> Option<&str> {
        self.0.sector.as_deref()
    }
    /// Administrative region (Montérégie, Montréal…).
    async fn region(&self) -> Option<&str> {
        self.0.region.as_deref()
    }
    async fn status(&self) -> RecordStatus {
        self.0.status.into()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Front-end URL prefixes a login may return to, besides this server's own origin.
    async fn allowed_return_urls(&self) -> Vec<String> {
        service::allowed_return_urls(&self.0)
    }
    /// The organization's identity providers (its administrators and network
    /// administrators only). Client secrets are never shown.
    #[graphql(complexity = "crate::graphql::connection::list_cost(child_complexity)")]
    async fn identity_providers(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<super::sso::IdentityProvider>> {
        let list = crate::service::sso::providers::list(super::app(ctx), caller(ctx), Some(self.0.id)).await.gql()?;
        Ok(list.into_iter().map(super::sso::IdentityProvider).collect())
    }
    /// Communities this organization takes part in, among those the viewer may see.
    #[graphql(complexity = "crate::graphql::connection::cost(first, last, child_complexity)")]
    async fn communities(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Conn<super::community::CommunityOrganization>> {
        connection::children::<OrganizationCommunities, _>(
            ctx,
            self.0.id,
            (first, after, last, before),
            |m| m.id,
            super::community::CommunityOrganization,
        )
        .await
    }
}

#[derive(Default)]
pub struct OrganizationQuery;

/// Queries about organizations.
#[Object]
impl OrganizationQuery {
    /// Every organization of the network (the directory is public).
    #[graphql(complexity = "crate::graphql::connection::cost(first, last, child_complexity)")]
    async fn organizations(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Conn<Organization>> {
        let req = connection::page_request(first, after, last, before).gql()?;
        let (page, total) = service::list(db(ctx), &req, connection::wants_count(ctx)).await.gql()?;
        Ok(connection::build(page, total, |m| m.id, Organization))
    }

    /// The organization with this slug (`NOT_FOUND` if none).
    async fn organization(&self, ctx: &Context<'_>, slug: String) -> async_graphql::Result<Organization> {
        service::find_by_slug(db(ctx), &slug)
            .await
            .and_then(|o| o.ok_or(ServiceError::not_found("organization")))
            .map(Organization)
            .gql()
    }
}

/// Input of `createOrganization`.
#[derive(InputObject)]
pub struct CreateOrganizationInput {
    /// 2 to 64 characters of a-z, 0-9 and inner hyphens; unique.
    pub slug: String,
    pub name: String,
    #[graphql(default_with = "OrganizationKind::Other")]
    pub kind: OrganizationKind,
    pub sector: Option<String>,
    pub region: Option<String>,
}

/// Result of `createOrganization`.
#[derive(SimpleObject)]
pub struct CreateOrganizationPayload {
    pub organization: Organization,
}

/// Input of `updateOrganization`: omitted fields are left as they are.
#[derive(InputObject)]
pub struct UpdateOrganizationInput {
    pub id: ID,
    pub name: Option<String>,
    pub kind: Option<OrganizationKind>,
    pub sector: Option<String>,
    pub region: Option<String>,
    /// Suspend or reinstate (network administrators only).
    pub status: Option<RecordStatus>,
    /// Front-end URL prefixes a login may return to (replaces the list). Their origins
    /// may call the API from browsers (CORS) for the whole network, so only network
    /// administrators may change it. `https` only, except on loopback.
    pub allowed_return_urls: Option<Vec<String>>,
}

/// Result of `updateOrganization`.
#[derive(SimpleObject)]
pub struct UpdateOrganizationPayload {
    pub organization: Organization,
}

#[derive(Default)]
pub struct OrganizationMutation;

/// Mutations on organizations.
#[Object]
impl OrganizationMutation {
    /// Adds an organization to the network (network administrators only).
    async fn create_organization(
        &self,
        ctx: &Context<'_>,
        input: CreateOrganizationInput,
    ) -> async_graphql::Result<CreateOrganizationPayload> {
        let new = NewOrganization {
            slug: input.slug,
            name: input.name,
            kind: input.kind.into(),
            sector: input.sector,
            region: input.region,
        };
        let organization = service::create(app(ctx), caller(ctx), new).await.gql()?;
        Ok(CreateOrganizationPayload { organization: Organization(organization) })
    }

    /// Changes an organization (its administrators, or network administrators).
    async fn update_organization(
        &self,
        ctx: &Context<'_>,
        input: UpdateOrganizationInput,
    ) -> async_graphql::Result<UpdateOrganizationPayload> {
        let id = from_global("id", NodeKind::Organization, &input.id).gql()?;
        let changes = OrganizationChanges {
            name: input.name,
            kind: input.kind.map(Into::into),
            sector: input.sector,
            region: input.region,
            status: input.status.map(Into::into),
            allowed_return_urls: input.allowed_return_urls,
        };
        let organization = service::update(app(ctx), caller(ctx), id, changes).await.gql()?;
        Ok(UpdateOrganizationPayload { organization: Organization(organization) })
    }
}

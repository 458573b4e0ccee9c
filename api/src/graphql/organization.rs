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
    translation::{self, Text, Translation, TranslationInput},
};
use crate::service::page::ListOrder;
use crate::{
    error::ServiceError,
    service::organization::{self as service, NewOrganization, OrganizationChanges},
    service::translation::Owner,
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
    /// The participation year and default time allowance of its people (the network's
    /// defaults, 24 h from January 1, until it sets its own).
    async fn participation_settings(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<super::time::ParticipationSettings> {
        Ok(crate::service::time::settings(super::app(ctx), self.0.id).await.gql()?.into())
    }
    /// Hours its people gave to communities in a participation year, per community and
    /// person (communities the viewer may see): for its managers and network
    /// administrators; `NOT_FOUND` for anyone else.
    async fn time_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The calendar year in which the participation year starts.")] year: i32,
    ) -> async_graphql::Result<Option<Vec<super::time::TimeReportLine>>> {
        let rows = crate::service::time::report(super::app(ctx), super::caller(ctx), self.0.id, year).await.gql()?;
        Ok(Some(rows.into_iter().map(Into::into).collect()))
    }
    /// Short unique name used in URLs (`cisss-monteregie-centre`).
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    /// Display name (1 to 200 characters), in the request's language (`Accept-Language`)
    /// when the organization has a translation in it, its own name otherwise.
    async fn name(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        translation::localized(ctx, Text::Name, Owner::Organization, self.0.id, &self.0.translated_into, &self.0.name)
            .await
    }
    /// Its name in each language it was translated into (French, English), by language
    /// (`description` is always null: an organization has none).
    async fn translations(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Translation>> {
        translation::list(ctx, Owner::Organization, self.0.id, &self.0.translated_into).await
    }
    /// What kind of institution it is.
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
    /// Whether the organization takes part in the network or is suspended.
    async fn status(&self) -> RecordStatus {
        self.0.status.into()
    }
    /// When the organization was added to the network.
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
    /// The organization's live API clients (OAuth 2.0 client credentials), oldest first:
    /// for who may manage its identity (its administrators and network administrators;
    /// `FORBIDDEN` for anyone else). Secrets are never shown.
    #[graphql(complexity = "crate::graphql::connection::list_cost(child_complexity)")]
    async fn api_clients(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<super::api_client::ApiClient>> {
        super::api_client::of_organization(ctx, self.0.id).await
    }
    /// Whether requests from its front ends' origins (those of `allowedReturnUrls`) may
    /// run only its trusted documents (a network administrator's decision).
    async fn trusted_documents_required(&self) -> bool {
        self.0.trusted_documents_required
    }
    /// The operations it registered (see `registerTrustedDocuments`), oldest first: for
    /// who may manage its identity (`FORBIDDEN` for anyone else).
    #[graphql(complexity = "crate::graphql::connection::cost(first, last, child_complexity)")]
    async fn trusted_documents(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "How many items to return from the start of the list (after `after` if given): 0 to 100. When neither `first` nor `last` is given, a page holds 20 items. Cannot be combined with `last`; out of range is `BAD_USER_INPUT` naming `first`."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "Returns the items after this cursor (the `cursor` of an edge, or `pageInfo.endCursor`, of this same list). An unreadable cursor is `BAD_USER_INPUT` naming `after`."
        )]
        after: Option<String>,
        #[graphql(
            desc = "How many items to return from the end of the list (before `before` if given): 0 to 100. Cannot be combined with `first`; out of range is `BAD_USER_INPUT` naming `last`."
        )]
        last: Option<i32>,
        #[graphql(
            desc = "Returns the items before this cursor (the `cursor` of an edge, or `pageInfo.startCursor`, of this same list). An unreadable cursor is `BAD_USER_INPUT` naming `before`."
        )]
        before: Option<String>,
    ) -> async_graphql::Result<Conn<super::trusted_document::TrustedDocument>> {
        super::trusted_document::of_organization(ctx, self.0.id, first, after, last, before).await
    }
    /// Communities this organization takes part in, among those the viewer may see.
    #[graphql(complexity = "crate::graphql::connection::cost(first, last, child_complexity)")]
    async fn communities(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "How many items to return from the start of the list (after `after` if given): 0 to 100. When neither `first` nor `last` is given, a page holds 20 items. Cannot be combined with `last`; out of range is `BAD_USER_INPUT` naming `first`."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "Returns the items after this cursor (the `cursor` of an edge, or `pageInfo.endCursor`, of this same list). An unreadable cursor is `BAD_USER_INPUT` naming `after`."
        )]
        after: Option<String>,
        #[graphql(
            desc = "How many items to return from the end of the list (before `before` if given): 0 to 100. Cannot be combined with `first`; out of range is `BAD_USER_INPUT` naming `last`."
        )]
        last: Option<i32>,
        #[graphql(
            desc = "Returns the items before this cursor (the `cursor` of an edge, or `pageInfo.startCursor`, of this same list). An unreadable cursor is `BAD_USER_INPUT` naming `before`."
        )]
        before: Option<String>,
    ) -> async_graphql::Result<Conn<super::community::CommunityOrganization>> {
        connection::children::<OrganizationCommunities, _>(
            ctx,
            self.0.id,
            (first, after, last, before),
            ListOrder::default(),
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
        #[graphql(
            desc = "How many items to return from the start of the list (after `after` if given): 0 to 100. When neither `first` nor `last` is given, a page holds 20 items. Cannot be combined with `last`; out of range is `BAD_USER_INPUT` naming `first`."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "Returns the items after this cursor (the `cursor` of an edge, or `pageInfo.endCursor`, of this same list). An unreadable cursor is `BAD_USER_INPUT` naming `after`."
        )]
        after: Option<String>,
        #[graphql(
            desc = "How many items to return from the end of the list (before `before` if given): 0 to 100. Cannot be combined with `first`; out of range is `BAD_USER_INPUT` naming `last`."
        )]
        last: Option<i32>,
        #[graphql(
            desc = "Returns the items before this cursor (the `cursor` of an edge, or `pageInfo.startCursor`, of this same list). An unreadable cursor is `BAD_USER_INPUT` naming `before`."
        )]
        before: Option<String>,
    ) -> async_graphql::Result<Conn<Organization>> {
        let req = connection::page_request(first, after, last, before, ListOrder::default()).gql()?;
        let (page, total) = service::list(db(ctx), &req, connection::wants_count(ctx)).await.gql()?;
        Ok(connection::build(page, total, ListOrder::default(), |m| m.id, Organization))
    }

    /// The organization with this slug (`NOT_FOUND` if none).
    async fn organization(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organization's slug (`cisss-monteregie-centre`).")] slug: String,
    ) -> async_graphql::Result<Organization> {
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
    /// 2 to 64 characters of a-z, 0-9 and inner hyphens; unique (`CONFLICT` if taken).
    pub slug: String,
    /// Display name: one line, 1 to 200 characters once trimmed.
    pub name: String,
    /// What kind of institution it is (`OTHER` when omitted).
    #[graphql(default_with = "OrganizationKind::Other")]
    pub kind: OrganizationKind,
    /// Sector of activity: one line, at most 200 characters; blank means none.
    pub sector: Option<String>,
    /// Administrative region: one line, at most 200 characters; blank means none.
    pub region: Option<String>,
    /// Its name in other languages (French, English), each language at most once, without
    /// `description`; none by default.
    #[graphql(default)]
    pub translations: Vec<TranslationInput>,
}

/// Result of `createOrganization`.
#[derive(SimpleObject)]
pub struct CreateOrganizationPayload {
    /// The new organization.
    pub organization: Organization,
}

/// Input of `updateOrganization`: omitted fields are left as they are.
#[derive(InputObject)]
pub struct UpdateOrganizationInput {
    /// Global id of the organization.
    pub id: ID,
    /// New display name: one line, 1 to 200 characters once trimmed.
    pub name: Option<String>,
    /// New kind of institution.
    pub kind: Option<OrganizationKind>,
    /// New sector of activity (at most 200 characters); an empty string clears it.
    pub sector: Option<String>,
    /// New administrative region (at most 200 characters); an empty string clears it.
    pub region: Option<String>,
    /// Suspend or reinstate (network administrators only).
    pub status: Option<RecordStatus>,
    /// Front-end URL prefixes a login may return to (replaces the list). Their origins
    /// may call the API from browsers (CORS) for the whole network, so only network
    /// administrators may change it. `https` only, except on loopback.
    pub allowed_return_urls: Option<Vec<String>>,
    /// Its translations (names only, without `description`): replaces them all with the
    /// list given (an empty list removes them all); omitted, they are left as they are.
    pub translations: Option<Vec<TranslationInput>>,
}

/// Result of `updateOrganization`.
#[derive(SimpleObject)]
pub struct UpdateOrganizationPayload {
    /// The organization as changed.
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
        #[graphql(desc = "The new organization.")] input: CreateOrganizationInput,
    ) -> async_graphql::Result<CreateOrganizationPayload> {
        let new = NewOrganization {
            slug: input.slug,
            name: input.name,
            kind: input.kind.into(),
            sector: input.sector,
            region: input.region,
            translations: translation::inputs(input.translations),
        };
        let organization = service::create(app(ctx), caller(ctx), new).await.gql()?;
        Ok(CreateOrganizationPayload { organization: Organization(organization) })
    }

    /// Changes an organization (its administrators, or network administrators).
    async fn update_organization(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organization and the changes; omitted fields are left as they are.")]
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
            translations: input.translations.map(translation::inputs),
        };
        let organization = service::update(app(ctx), caller(ctx), id, changes).await.gql()?;
        Ok(UpdateOrganizationPayload { organization: Organization(organization) })
    }
}

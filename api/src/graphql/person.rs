//! People in the schema, and `me`.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use entity::person as db;

use super::{
    GqlResult, caller,
    community::Membership,
    connection::{self, Conn},
    db,
    enums::RecordStatus,
    ids::{NodeKind, to_global},
    loaders::{EmailVisible, IdLoader, OrganizationById, PersonMembershipsAll, PersonMembershipsShared, loader},
    organization::Organization,
};
use crate::service::page::ListOrder;
use crate::{error::ServiceError, service::person as service};

#[derive(Clone)]
pub struct Person(pub db::Model);

/// A person of the network: nurse, social worker, epidemiologist, manager… People are
/// shown to logged-in viewers only.
#[Object]
impl Person {
    /// Global id.
    pub async fn id(&self) -> ID {
        to_global(NodeKind::Person, self.0.id)
    }
    /// The name shown to others.
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }
    /// E-mail address: shown to the person themselves, to people who share an active
    /// community or an organization with them, and to network administrators; null for
    /// anyone else.
    async fn email(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<&str>> {
        let visible = loader::<EmailVisible, _>(ctx).load_one(self.0.id).await.gql()?.unwrap_or(false);
        Ok(visible.then_some(self.0.email.as_str()))
    }
    /// Job title (from the person's identity provider), if known.
    async fn job_title(&self) -> Option<&str> {
        self.0.job_title.as_deref()
    }
    /// Profession (nurse, social worker…), if known.
    async fn profession(&self) -> Option<&str> {
        self.0.profession.as_deref()
    }
    /// The person's annual time budget in a community: totals and entries for the person,
    /// their own organization's sponsor and managers, network administrators and
    /// auditors; totals only (`entries` null) for the community's animators; null for
    /// anyone else, and where the community is not visible to the viewer.
    async fn time_budget(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the community.")] community_id: ID,
        #[graphql(
            desc = "The calendar year in which the participation year starts (the person's organization sets the day); the current participation year when not given."
        )]
        year: Option<i32>,
    ) -> async_graphql::Result<Option<super::time::TimeBudget>> {
        super::time::time_budget(ctx, self.0.id, &community_id, year).await
    }
    /// The person's home organization.
    async fn organization(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Organization>> {
        let Some(id) = self.0.organization_id else { return Ok(None) };
        Ok(loader::<IdLoader<OrganizationById>, _>(ctx).load_one(id).await.gql()?.map(Organization))
    }
    /// Whether the person takes part in the network or is suspended.
    async fn status(&self) -> RecordStatus {
        self.0.status.into()
    }
    /// When the person was first known to the network.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// The person's identities at identity providers: shown to the person themselves and
    /// to network administrators only (null for anyone else).
    #[graphql(complexity = "crate::graphql::connection::list_cost(child_complexity)")]
    async fn identities(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Vec<super::sso::LinkedIdentity>>> {
        let list = crate::service::sso::identities::of_person(super::app(ctx), caller(ctx), self.0.id).await.gql()?;
        Ok(list.map(|l| l.into_iter().map(super::sso::LinkedIdentity).collect()))
    }
    /// The person's live personal access tokens (neither revoked nor expired), newest
    /// first: shown to the person themselves only (null for anyone else, network
    /// administrators included). Their secrets are never shown again.
    #[graphql(complexity = "crate::graphql::connection::list_cost(child_complexity)")]
    async fn personal_access_tokens(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<Vec<super::access_token::PersonalAccessToken>>> {
        if caller(ctx).person_id() != Some(self.0.id) {
            return Ok(None);
        }
        Ok(Some(super::access_token::mine(ctx).await?))
    }
    /// The occurrences to come in the next 366 days that the person may see and that are
    /// not cancelled, in order of start: shown to the person themselves only (null for
    /// anyone else).
    #[graphql(complexity = "crate::graphql::connection::cost(first, None, child_complexity)")]
    async fn upcoming_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many occurrences to return: 0 to 100 (20 by default).")] first: Option<i32>,
        #[graphql(desc = "Returns the occurrences after this cursor (an edge's `cursor`).")] after: Option<String>,
    ) -> async_graphql::Result<Option<super::event::OccurrenceConnection>> {
        if caller(ctx).person_id() != Some(self.0.id) {
            return Ok(None);
        }
        let now = Utc::now();
        let window = (now, now + chrono::Duration::days(366));
        super::event::upcoming(ctx, window, first, after).await.map(Some)
    }
    /// Communities the person belongs to. A person sees all of their own memberships
    /// (pending requests and invitations too); others see active memberships of the
    /// communities they may see and whose members they may list.
    #[graphql(complexity = "crate::graphql::connection::cost(first, last, child_complexity)")]
    async fn memberships(
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
    ) -> async_graphql::Result<Conn<Membership>> {
        let viewer = &caller(ctx).viewer;
        let sees_all = viewer.as_ref().is_some_and(|a| a.person_id == self.0.id || a.network_admin);
        let args = (first, after, last, before);
        if sees_all {
            connection::children::<PersonMembershipsAll, _>(
                ctx,
                self.0.id,
                args,
                ListOrder::default(),
                |m| m.id,
                Membership,
            )
            .await
        } else {
            connection::children::<PersonMembershipsShared, _>(
                ctx,
                self.0.id,
                args,
                ListOrder::default(),
                |m| m.id,
                Membership,
            )
            .await
        }
    }
}

#[derive(Default)]
pub struct PersonQuery;

/// Queries about people.
#[Object]
impl PersonQuery {
    /// The logged-in person (`UNAUTHENTICATED` without a valid token; `FORBIDDEN` for an
    /// API client, which is no person: see `viewer`).
    async fn me(&self, ctx: &Context<'_>) -> async_graphql::Result<Person> {
        let actor = caller(ctx).actor().gql()?;
        crate::service::api_client::ensure_person(caller(ctx), "use `me`: ask `viewer`").gql()?;
        service::find_by_id(db(ctx), actor.person_id)
            .await
            .and_then(|p| p.ok_or(ServiceError::Unauthenticated))
            .map(Person)
            .gql()
    }
}

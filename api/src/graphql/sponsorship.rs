//! Participating organizations and sponsors in the schema.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};

use super::{
    GqlResult, app, caller,
    community::CommunityOrganization,
    ids::{NodeKind, from_global},
};
use crate::service::sponsorship as service;

/// Input of `addCommunityOrganization` and `removeCommunityOrganization`.
#[derive(InputObject)]
pub struct CommunityOrganizationInput {
    /// Global id of the community.
    pub community_id: ID,
    /// Global id of the organization.
    pub organization_id: ID,
}

/// Input of `setCommunitySponsor`.
#[derive(InputObject)]
pub struct SetCommunitySponsorInput {
    /// Global id of the community.
    pub community_id: ID,
    /// Global id of a participating organization.
    pub organization_id: ID,
    /// A manager of that organization.
    pub person_id: ID,
}

/// Result of the participation mutations.
#[derive(SimpleObject)]
pub struct CommunityOrganizationPayload {
    /// The organization's participation as it stands after the change.
    pub community_organization: CommunityOrganization,
}

fn ids(input: &CommunityOrganizationInput) -> async_graphql::Result<(i32, i32)> {
    Ok((
        from_global("communityId", NodeKind::Community, &input.community_id).gql()?,
        from_global("organizationId", NodeKind::Organization, &input.organization_id).gql()?,
    ))
}

/// Participation mutations.
#[derive(Default)]
pub struct SponsorshipMutation;

#[Object]
impl SponsorshipMutation {
    /// Brings an organization into a community (the community's administrators).
    async fn add_community_organization(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The community and the organization to bring in.")] input: CommunityOrganizationInput,
    ) -> async_graphql::Result<CommunityOrganizationPayload> {
        let (community, organization) = ids(&input)?;
        let saved = service::add_organization(app(ctx), caller(ctx), community, organization).await.gql()?;
        Ok(CommunityOrganizationPayload { community_organization: CommunityOrganization(saved) })
    }

    /// Withdraws an organization (and its sponsor) from a community.
    async fn remove_community_organization(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The community and the organization to withdraw.")] input: CommunityOrganizationInput,
    ) -> async_graphql::Result<CommunityOrganizationPayload> {
        let (community, organization) = ids(&input)?;
        let saved = service::remove_organization(app(ctx), caller(ctx), community, organization).await.gql()?;
        Ok(CommunityOrganizationPayload { community_organization: CommunityOrganization(saved) })
    }

    /// Names the sponsor who backs the community for an organization: a manager of it,
    /// named by its administrators or a network administrator.
    async fn set_community_sponsor(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The community, the organization and the manager who will sponsor.")]
        input: SetCommunitySponsorInput,
    ) -> async_graphql::Result<CommunityOrganizationPayload> {
        let community = from_global("communityId", NodeKind::Community, &input.community_id).gql()?;
        let organization = from_global("organizationId", NodeKind::Organization, &input.organization_id).gql()?;
        let person = from_global("personId", NodeKind::Person, &input.person_id).gql()?;
        let saved = service::set_sponsor(app(ctx), caller(ctx), community, organization, person).await.gql()?;
        Ok(CommunityOrganizationPayload { community_organization: CommunityOrganization(saved) })
    }
}

//! Subgroups in the schema.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use entity::enums::SubgroupRole as Role;

use super::{
    GqlResult, app, caller,
    community::Subgroup,
    enums::{SubgroupKind, SubgroupVisibility},
    ids::{NodeKind, from_global},
};
use crate::service::subgroup::{self as service, NewSubgroup};

/// Roles a person holds in a subgroup.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubgroupRole {
    Lead,
    Member,
}

/// Input of `createSubgroup`.
#[derive(InputObject)]
pub struct CreateSubgroupInput {
    pub community_id: ID,
    pub name: String,
    #[graphql(default)]
    pub description: String,
    #[graphql(default_with = "SubgroupKind::WorkingGroup")]
    pub kind: SubgroupKind,
    #[graphql(default_with = "SubgroupVisibility::Members")]
    pub visibility: SubgroupVisibility,
}

/// Input of `addSubgroupMember`.
#[derive(InputObject)]
pub struct AddSubgroupMemberInput {
    pub subgroup_id: ID,
    pub person_id: ID,
    #[graphql(default_with = "SubgroupRole::Member")]
    pub role: SubgroupRole,
}

/// Result of the subgroup mutations.
#[derive(SimpleObject)]
pub struct SubgroupPayload {
    pub subgroup: Subgroup,
}

/// Subgroup mutations.
#[derive(Default)]
pub struct SubgroupMutation;

#[Object]
impl SubgroupMutation {
    /// Creates a working or interest group in a community; its creator leads it.
    async fn create_subgroup(
        &self,
        ctx: &Context<'_>,
        input: CreateSubgroupInput,
    ) -> async_graphql::Result<SubgroupPayload> {
        let community_id = from_global("communityId", NodeKind::Community, &input.community_id).gql()?;
        let new = NewSubgroup {
            community_id,
            name: input.name,
            description: input.description,
            kind: input.kind.into(),
            visibility: input.visibility.into(),
        };
        let subgroup = service::create(app(ctx), caller(ctx), new).await.gql()?;
        Ok(SubgroupPayload { subgroup: Subgroup(subgroup) })
    }

    /// Adds an active member of the community to a subgroup (its leads, the community's
    /// animators).
    async fn add_subgroup_member(
        &self,
        ctx: &Context<'_>,
        input: AddSubgroupMemberInput,
    ) -> async_graphql::Result<SubgroupPayload> {
        let subgroup_id = from_global("subgroupId", NodeKind::Subgroup, &input.subgroup_id).gql()?;
        let person_id = from_global("personId", NodeKind::Person, &input.person_id).gql()?;
        let role = match input.role {
            SubgroupRole::Lead => Role::Lead,
            SubgroupRole::Member => Role::Member,
        };
        let subgroup = service::add_member(app(ctx), caller(ctx), subgroup_id, person_id, role).await.gql()?;
        Ok(SubgroupPayload { subgroup: Subgroup(subgroup) })
    }
}

//! Subgroups in the schema.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use entity::enums::SubgroupRole as Role;

use super::{
    GqlResult, app, caller,
    community::Subgroup,
    enums::{SubgroupKind, SubgroupVisibility},
    ids::{NodeKind, from_global},
    translation::{self, TranslationInput},
};
use crate::service::subgroup::{self as service, NewSubgroup, SubgroupChanges};

/// Roles a person holds in a subgroup.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubgroupRole {
    /// Leads the subgroup: may add members to it.
    Lead,
    /// Takes part in the subgroup.
    Member,
}

/// Input of `createSubgroup`.
#[derive(InputObject)]
pub struct CreateSubgroupInput {
    /// Global id of the community.
    pub community_id: ID,
    /// Display name: one line, 1 to 200 characters once trimmed.
    pub name: String,
    /// What the subgroup is for: plain text, line breaks allowed, at most 10,000
    /// characters (empty by default).
    #[graphql(default)]
    pub description: String,
    /// Working group (the default) or interest group.
    #[graphql(default_with = "SubgroupKind::WorkingGroup")]
    pub kind: SubgroupKind,
    /// Who can see it and its threads (`MEMBERS`, its own members, by default).
    #[graphql(default_with = "SubgroupVisibility::Members")]
    pub visibility: SubgroupVisibility,
    /// Its name and description in other languages (French, English), each language at
    /// most once; none by default.
    #[graphql(default)]
    pub translations: Vec<TranslationInput>,
}

/// Input of `updateSubgroup`: omitted fields are left as they are.
#[derive(InputObject)]
pub struct UpdateSubgroupInput {
    /// Global id of the subgroup.
    pub subgroup_id: ID,
    /// New display name: one line, 1 to 200 characters once trimmed.
    pub name: Option<String>,
    /// New description: plain text, line breaks allowed, at most 10,000 characters (an
    /// empty string clears it).
    pub description: Option<String>,
    /// New kind: working group or interest group.
    pub kind: Option<SubgroupKind>,
    /// Who can see it and its threads from now on.
    pub visibility: Option<SubgroupVisibility>,
    /// Its name and description in other languages (French, English), each language at
    /// most once: replaces them all with the list given (an empty list removes them all);
    /// omitted, they are left as they are.
    pub translations: Option<Vec<TranslationInput>>,
}

/// Result of `updateSubgroup`.
#[derive(SimpleObject)]
pub struct UpdateSubgroupPayload {
    /// The subgroup as changed.
    pub subgroup: Subgroup,
}

/// Input of `addSubgroupMember`.
#[derive(InputObject)]
pub struct AddSubgroupMemberInput {
    /// Global id of the subgroup.
    pub subgroup_id: ID,
    /// Global id of the person: an active member of the community (`BAD_USER_INPUT`
    /// naming `personId` otherwise).
    pub person_id: ID,
    /// Their role in the subgroup (`MEMBER` by default).
    #[graphql(default_with = "SubgroupRole::Member")]
    pub role: SubgroupRole,
}

/// Result of the subgroup mutations.
#[derive(SimpleObject)]
pub struct SubgroupPayload {
    /// The subgroup.
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
        #[graphql(desc = "The community and the new subgroup.")] input: CreateSubgroupInput,
    ) -> async_graphql::Result<SubgroupPayload> {
        let community_id = from_global("communityId", NodeKind::Community, &input.community_id).gql()?;
        let new = NewSubgroup {
            community_id,
            name: input.name,
            description: input.description,
            kind: input.kind.into(),
            visibility: input.visibility.into(),
            translations: translation::inputs(input.translations),
        };
        let subgroup = service::create(app(ctx), caller(ctx), new).await.gql()?;
        Ok(SubgroupPayload { subgroup: Subgroup(subgroup) })
    }

    /// Changes a subgroup's name, description, kind, visibility or translations (whoever
    /// may create subgroups in its community: its animators). A subgroup the caller may
    /// not see is `NOT_FOUND`, as one that does not exist.
    async fn update_subgroup(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The subgroup and the changes; omitted fields are left as they are.")]
        input: UpdateSubgroupInput,
    ) -> async_graphql::Result<UpdateSubgroupPayload> {
        let id = from_global("subgroupId", NodeKind::Subgroup, &input.subgroup_id).gql()?;
        let changes = SubgroupChanges {
            name: input.name,
            description: input.description,
            kind: input.kind.map(Into::into),
            visibility: input.visibility.map(Into::into),
            translations: input.translations.map(translation::inputs),
        };
        let subgroup = service::update(app(ctx), caller(ctx), id, changes).await.gql()?;
        Ok(UpdateSubgroupPayload { subgroup: Subgroup(subgroup) })
    }

    /// Adds an active member of the community to a subgroup (its leads, the community's
    /// animators).
    async fn add_subgroup_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The subgroup, the person and their role.")] input: AddSubgroupMemberInput,
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

//! Who may see and do what — the interim rules until the casbin `policy` crate decides.
//!
//! Everything that reveals a community goes through [`visible_communities`], a SQL
//! condition, so lists, counts and look-ups by id agree and a secret (MEMBERS) community
//! is indistinguishable from a missing one.

use entity::{
    community,
    enums::{CommunityRole, MembershipStatus, Visibility},
    membership,
};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QuerySelect, QueryTrait, sea_query::SelectStatement};

use crate::{
    auth::{Actor, Viewer},
    error::{ServiceError, ServiceResult},
};

/// Membership statuses that let a person see a secret community: members, people
/// invited to it, and people whose request is pending.
const SEES_SECRET: [MembershipStatus; 3] =
    [MembershipStatus::Active, MembershipStatus::Invited, MembershipStatus::Pending];

/// Community roles that manage a community (edit, archive).
const MANAGERS: [CommunityRole; 3] = [CommunityRole::Founder, CommunityRole::Animator, CommunityRole::Administrator];

/// SQL condition on `community` rows: those whose existence the viewer may know.
pub fn visible_communities(viewer: &Viewer) -> Condition {
    match viewer {
        None => Condition::all().add(community::Column::Visibility.eq(Visibility::Public)),
        Some(actor) if actor.network_admin => Condition::all(),
        Some(actor) => {
            Condition::any().add(community::Column::Visibility.is_in([Visibility::Public, Visibility::Network])).add(
                community::Column::Id.in_subquery(
                    membership::Entity::find()
                        .select_only()
                        .column(membership::Column::CommunityId)
                        .filter(membership::Column::PersonId.eq(actor.person_id))
                        .filter(membership::Column::Status.is_in(SEES_SECRET))
                        .into_query(),
                ),
            )
        }
    }
}

/// SQL condition on `membership` rows: memberships the viewer may see listed on a person.
/// A person sees all their own; others see active memberships of visible communities.
pub fn visible_memberships_of(viewer: &Viewer, person_id: i32) -> Condition {
    let own = viewer.as_ref().is_some_and(|a| a.person_id == person_id || a.network_admin);
    if own {
        return Condition::all();
    }
    Condition::all()
        .add(membership::Column::Status.eq(MembershipStatus::Active))
        .add(membership::Column::CommunityId.in_subquery(visible_community_ids(viewer)))
}

/// Sub-query of the ids of communities the viewer may see.
pub fn visible_community_ids(viewer: &Viewer) -> SelectStatement {
    community::Entity::find()
        .select_only()
        .column(community::Column::Id)
        .filter(visible_communities(viewer))
        .into_query()
}

/// Whether the viewer may read a community's discussions: its active members.
pub fn can_read_content(own: Option<&membership::Model>) -> bool {
    own.is_some_and(|m| m.status == MembershipStatus::Active)
}

/// Whether the viewer may see who the members of a (visible) community are: any
/// logged-in person of the network.
pub fn can_list_members(viewer: &Viewer) -> bool {
    viewer.is_some()
}

/// Whether the actor may edit or archive the community.
pub fn can_manage_community(actor: &Actor, own: Option<&membership::Model>) -> bool {
    actor.network_admin
        || own
            .is_some_and(|m| m.status == MembershipStatus::Active && MANAGERS.iter().any(|r| m.role_set().contains(*r)))
}

/// Refuses unless the actor may post in the community.
pub fn ensure_can_post(community: &community::Model, own: Option<&membership::Model>) -> ServiceResult<()> {
    if !can_read_content(own) {
        return Err(ServiceError::forbidden("only active members of this community may post in it"));
    }
    if community.archived {
        return Err(ServiceError::forbidden("this community is archived: it is read-only"));
    }
    Ok(())
}

//! A person's effective roles in a scope, read from the data (memberships, sponsorships,
//! organization and subgroup roles), and the scope's attributes.
//!
//! This is where the millions of memberships stay: in indexed tables, read per request,
//! never loaded into casbin.

use entity::{
    community, community_organization,
    enums::{MembershipStatus, NetworkRoleKind, OrganizationRoleKind, ParticipationStatus, RecordStatus},
    membership, network_role, organization, organization_role, subgroup, subgroup_member,
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, QueryTrait,
    sea_query::{Expr, ExprTrait},
};

use crate::{
    error::PolicyError,
    vocabulary::{Attrs, Role, Scope},
};

/// The roles everyone has, whatever the scope: `anonymous`, or `person` and network roles.
pub async fn base_roles<C: ConnectionTrait>(db: &C, person_id: Option<i32>) -> Result<Vec<Role>, PolicyError> {
    let Some(person_id) = person_id else { return Ok(vec![Role::Anonymous]) };
    let mut roles = vec![Role::Person];
    let network: Vec<NetworkRoleKind> = network_role::Entity::find()
        .filter(network_role::Column::PersonId.eq(person_id))
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.role)
        .collect();
    roles.extend(network.into_iter().map(Role::Network));
    Ok(roles)
}

/// Roles a membership gives in its community.
pub fn membership_roles(membership: Option<&membership::Model>) -> Vec<Role> {
    match membership {
        Some(m) if m.status == MembershipStatus::Active => {
            let mut roles = vec![Role::CommunityParticipant];
            roles.extend(m.role_set().iter().map(Role::Community));
            roles
        }
        Some(m) if m.status == MembershipStatus::Invited => vec![Role::CommunityInvitee],
        Some(m) if m.status == MembershipStatus::Pending => vec![Role::CommunityApplicant],
        _ => Vec::new(),
    }
}

/// SQL on `community_organization` rows: the participations through which the person is a
/// sponsor *now*. Naming a sponsor is not enough: the participation is active, the
/// organization is active, the person still holds MANAGER or ADMIN there, and the
/// community has not banned them (a ban wins over the sponsor tie). One predicate with
/// correlated sub-queries, shared by every path that asks (single decisions, lists,
/// the community's `viewer_sponsors`, the sponsor's approval key), so that they agree
/// and none costs an extra statement.
pub fn live_sponsorships(person_id: i32) -> Condition {
    let participation = |column: community_organization::Column| Expr::col((community_organization::Entity, column));
    let organization_active = organization::Entity::find()
        .select_only()
        .expr(Expr::val(1))
        .filter(
            Expr::col((organization::Entity, organization::Column::Id))
                .equals((community_organization::Entity, community_organization::Column::OrganizationId)),
        )
        .filter(organization::Column::Status.eq(RecordStatus::Active))
        .into_query();
    let still_manager = organization_role::Entity::find()
        .select_only()
        .expr(Expr::val(1))
        .filter(
            Expr::col((organization_role::Entity, organization_role::Column::OrganizationId))
                .equals((community_organization::Entity, community_organization::Column::OrganizationId)),
        )
        .filter(organization_role::Column::PersonId.eq(person_id))
        .filter(organization_role::Column::Role.is_in([OrganizationRoleKind::Manager, OrganizationRoleKind::Admin]))
        .into_query();
    let banned = membership::Entity::find()
        .select_only()
        .expr(Expr::val(1))
        .filter(
            Expr::col((membership::Entity, membership::Column::CommunityId))
                .equals((community_organization::Entity, community_organization::Column::CommunityId)),
        )
        .filter(membership::Column::PersonId.eq(person_id))
        // Removed (or banned) by the community: the sponsor tie gives them nothing there
        // either, as `setCommunitySponsor` refuses to name them.
        .filter(
            Condition::any()
                .add(membership::Column::Banned.eq(true))
                .add(membership::Column::Status.eq(MembershipStatus::Removed)),
        )
        .into_query();
    Condition::all()
        .add(participation(community_organization::Column::SponsorId).eq(person_id))
        .add(participation(community_organization::Column::Status).eq(ParticipationStatus::Active))
        .add(Expr::exists(organization_active))
        .add(Expr::exists(still_manager))
        .add(Expr::exists(banned).not())
}

/// Whether the person sponsors the community for one of its participating organizations
/// (see [`live_sponsorships`]).
pub async fn is_sponsor<C: ConnectionTrait>(db: &C, person_id: i32, community_id: i32) -> Result<bool, PolicyError> {
    Ok(community_organization::Entity::find()
        .filter(community_organization::Column::CommunityId.eq(community_id))
        .filter(live_sponsorships(person_id))
        .one(db)
        .await?
        .is_some())
}

/// The person's roles in a community they may or may not belong to.
pub async fn community_roles<C: ConnectionTrait>(
    db: &C,
    base: &[Role],
    person_id: Option<i32>,
    community_id: i32,
) -> Result<Vec<Role>, PolicyError> {
    let mut roles = base.to_vec();
    let Some(person_id) = person_id else { return Ok(roles) };
    let own = membership::Entity::find()
        .filter(membership::Column::PersonId.eq(person_id))
        .filter(membership::Column::CommunityId.eq(community_id))
        .one(db)
        .await?;
    roles.extend(membership_roles(own.as_ref()));
    if is_sponsor(db, person_id, community_id).await? {
        roles.push(Role::CommunitySponsor);
    }
    Ok(roles)
}

/// The person's roles in a scope and the scope's attributes; `None` when the scope does
/// not exist.
pub async fn roles_in<C: ConnectionTrait>(
    db: &C,
    base: &[Role],
    person_id: Option<i32>,
    scope: Scope,
) -> Result<Option<(Vec<Role>, Attrs)>, PolicyError> {
    match scope {
        Scope::Network => Ok(Some((base.to_vec(), Attrs::NONE))),
        Scope::Organization(id) => {
            let mut roles = base.to_vec();
            if let Some(person_id) = person_id {
                let held = organization_role::Entity::find()
                    .filter(organization_role::Column::PersonId.eq(person_id))
                    .filter(organization_role::Column::OrganizationId.eq(id))
                    .all(db)
                    .await?;
                roles.extend(held.into_iter().map(|r| Role::Organization(r.role)));
            }
            let exists = entity::organization::Entity::find_by_id(id).one(db).await?.is_some();
            Ok(exists.then_some((roles, Attrs::NONE)))
        }
        Scope::Community(id) => {
            let Some(c) = community::Entity::find_by_id(id).one(db).await? else { return Ok(None) };
            let roles = community_roles(db, base, person_id, id).await?;
            Ok(Some((roles, Attrs::community(c.visibility, c.membership_policy, c.archived))))
        }
        Scope::Subgroup(id) => {
            let Some(s) = subgroup::Entity::find_by_id(id).one(db).await? else { return Ok(None) };
            let Some(c) = community::Entity::find_by_id(s.community_id).one(db).await? else { return Ok(None) };
            let mut roles = community_roles(db, base, person_id, c.id).await?;
            if let Some(person_id) = person_id {
                let held = subgroup_member::Entity::find()
                    .filter(subgroup_member::Column::SubgroupId.eq(id))
                    .filter(subgroup_member::Column::PersonId.eq(person_id))
                    .one(db)
                    .await?;
                roles.extend(held.map(|m| Role::Subgroup(m.role)));
            }
            Ok(Some((roles, Attrs::subgroup(s.visibility, c.archived))))
        }
    }
}

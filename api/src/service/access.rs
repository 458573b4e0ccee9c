//! Who may see and do what: the bridge between services and the `policy` Authorizer.
//!
//! Single decisions go through [`allowed`] / [`ensure`]. Lists cannot ask casbin row by
//! row, so [`visible_communities`] turns the policy's `view` decisions for the viewer's
//! roles into one SQL condition (by visibility, membership policy and state, and by the
//! memberships and sponsorships that grant roles): lists, counts and look-ups by id agree,
//! and a secret community is indistinguishable from a missing one. For that reason rules
//! about `view` apply to every community at once (no per-community override).

use entity::{
    community, community_organization,
    enums::{CommunityRole, MembershipPolicy, MembershipStatus, ParticipationStatus, SubgroupVisibility, Visibility},
    membership, subgroup, subgroup_member,
};
use policy::{Action, Attrs, Authorizer, Object, Question, Role, Scope};
use sea_orm::{
    ColumnTrait, Condition, DbBackend, EntityTrait, QueryFilter, QuerySelect, QueryTrait,
    sea_query::{Expr, ExprTrait, SelectStatement, UnionType},
};

use crate::{
    auth::Caller,
    error::{ServiceError, ServiceResult},
};

const VISIBILITIES: [Visibility; 3] = [Visibility::Public, Visibility::Network, Visibility::Members];
const POLICIES: [MembershipPolicy; 3] =
    [MembershipPolicy::Open, MembershipPolicy::Approval, MembershipPolicy::Invitation];

/// The attributes of a community, as rules test them.
pub fn attrs(c: &community::Model) -> Attrs {
    Attrs::community(c.visibility, c.membership_policy, c.archived)
}

/// The viewer's roles in a community, from their membership and sponsorship.
pub fn community_roles(caller: &Caller, own: Option<&membership::Model>, sponsor: bool) -> Vec<Role> {
    let mut roles = caller.base_roles().to_vec();
    roles.extend(policy::resolve::membership_roles(own));
    if sponsor {
        roles.push(Role::CommunitySponsor);
    }
    roles
}

/// Whether `roles` may do `action` on the community.
pub fn allowed(auth: &Authorizer, roles: &[Role], c: &community::Model, action: Action) -> bool {
    auth.check(&Question { roles, scope: Scope::Community(c.id), object: Object::Community, action, attrs: attrs(c) })
}

/// Refuses with the policy's reason unless `roles` may do `action` on the community.
pub fn ensure(auth: &Authorizer, roles: &[Role], c: &community::Model, action: Action) -> ServiceResult<()> {
    auth.ensure(&Question { roles, scope: Scope::Community(c.id), object: Object::Community, action, attrs: attrs(c) })
        .map_err(ServiceError::from)
}

/// Refuses unless `roles` may do `action` in a scope without attributes (network,
/// organization).
pub fn ensure_in(auth: &Authorizer, roles: &[Role], scope: Scope, action: Action) -> ServiceResult<()> {
    let object = match scope {
        Scope::Network => Object::Network,
        Scope::Organization(_) => Object::Organization,
        Scope::Community(_) => Object::Community,
        Scope::Subgroup(_) => Object::Subgroup,
    };
    auth.ensure(&Question { roles, scope, object, action, attrs: Attrs::NONE }).map_err(ServiceError::from)
}

/// The condition on community attributes under which `roles` may view a community: the
/// policy is asked for every combination of visibility, membership policy and state
/// (cached), and the answers are folded into the simplest SQL.
fn viewable_attrs(auth: &Authorizer, roles: &[Role]) -> Option<Condition> {
    let mut whole_visibilities = Vec::new();
    let mut partial = Condition::any();
    let mut any_partial = false;
    for visibility in VISIBILITIES {
        let mut allowed = Vec::new();
        for policy in POLICIES {
            for archived in [false, true] {
                let question = Question {
                    roles,
                    scope: Scope::Community(0),
                    object: Object::Community,
                    action: Action::View,
                    attrs: Attrs::community(visibility, policy, archived),
                };
                if auth.check(&question) {
                    allowed.push((policy, archived));
                }
            }
        }
        if allowed.len() == POLICIES.len() * 2 {
            whole_visibilities.push(visibility);
        } else {
            for (policy, archived) in allowed {
                any_partial = true;
                partial = partial.add(
                    Condition::all()
                        .add(community::Column::Visibility.eq(visibility))
                        .add(community::Column::MembershipPolicy.eq(policy))
                        .add(community::Column::Archived.eq(archived)),
                );
            }
        }
    }
    if whole_visibilities.len() == VISIBILITIES.len() {
        return Some(Condition::all());
    }
    let mut condition = Condition::any();
    if !whole_visibilities.is_empty() {
        condition = condition.add(community::Column::Visibility.is_in(whole_visibilities));
    }
    if any_partial {
        condition = condition.add(partial);
    }
    (!condition.is_empty()).then_some(condition)
}

/// Which communities the caller may know exist, as SQL: those whose attributes their
/// base roles may view, and those their ties (memberships, sponsorships) let them view.
#[derive(Debug, Clone)]
pub struct VisibleCommunities {
    by_attributes: Option<Condition>,
    by_ties: Condition,
}

impl VisibleCommunities {
    /// The whole condition.
    pub fn condition(&self) -> Condition {
        let mut visible = Condition::any();
        if let Some(attributes) = &self.by_attributes {
            visible = visible.add(attributes.clone());
        }
        visible.add(self.by_ties.clone())
    }

    /// The same rows as two disjoint conditions whose counts add up: one on attributes
    /// alone (an index answers it), and the ties outside those attributes (few rows).
    /// Counting with one OR of sub-queries would scan every community.
    pub fn disjoint_parts(&self) -> Vec<Condition> {
        match &self.by_attributes {
            None => vec![self.by_ties.clone()],
            Some(attributes) if self.by_ties.is_empty() => vec![attributes.clone()],
            Some(attributes) => {
                vec![attributes.clone(), Condition::all().add(attributes.clone().not()).add(self.by_ties.clone())]
            }
        }
    }
}

/// SQL condition on `community` rows: those whose existence the viewer may know.
pub fn visible_communities(auth: &Authorizer, backend: DbBackend, caller: &Caller) -> Condition {
    visibility(auth, backend, caller).condition()
}

/// The communities the caller may know exist, in parts (see [`VisibleCommunities`]).
pub fn visibility(auth: &Authorizer, backend: DbBackend, caller: &Caller) -> VisibleCommunities {
    let base = caller.base_roles();
    let by_attributes = viewable_attrs(auth, base);
    let Some(person_id) = caller.person_id() else {
        return VisibleCommunities { by_attributes, by_ties: Condition::any() };
    };
    // Each tie: the attributes its role may view, and the communities it links to.
    let mut ties: Vec<(Condition, SelectStatement)> = Vec::new();
    let by_status = [
        (MembershipStatus::Active, Role::CommunityParticipant),
        (MembershipStatus::Invited, Role::CommunityInvitee),
        (MembershipStatus::Pending, Role::CommunityApplicant),
    ];
    for (status, role) in by_status {
        let mut roles = base.to_vec();
        roles.push(role);
        if let Some(condition) = viewable_attrs(auth, &roles) {
            let linked = membership::Entity::find()
                .select_only()
                .column(membership::Column::CommunityId)
                .filter(membership::Column::PersonId.eq(person_id))
                .filter(membership::Column::Status.eq(status))
                .into_query();
            ties.push((condition, linked));
        }
    }
    let mut sponsor = base.to_vec();
    sponsor.push(Role::CommunitySponsor);
    if let Some(condition) = viewable_attrs(auth, &sponsor) {
        ties.push((condition, sponsored_by(person_id)));
    }
    let mut by_ties = Condition::any();
    if ties.iter().all(|(condition, _)| condition.is_empty()) {
        // Every tie shows its communities whatever their attributes (the default
        // policy): one `id IN (… UNION …)`, which databases plan as a semi-join, where
        // an OR of sub-queries would make them test every community.
        let mut linked = ties.into_iter().map(|(_, linked)| linked);
        if let Some(mut union) = linked.next() {
            for more in linked {
                union.union(UnionType::Distinct, more);
            }
            by_ties = by_ties.add(match backend {
                // The ties as an array computed once (an InitPlan): PostgreSQL then
                // probes the primary key for these few ids, where its generic plan for
                // `IN (…)` hashes a scan of every community.
                DbBackend::Postgres => Expr::cust_with_exprs(
                    "$1 = ANY(ARRAY($2))",
                    [
                        Expr::col((community::Entity, community::Column::Id)),
                        Expr::SubQuery(None, Box::new(union.into())),
                    ],
                ),
                _ => community::Column::Id.in_subquery(union),
            });
        }
    } else {
        for (condition, linked) in ties {
            // Both: attributes this tie's role may view, and such a tie.
            by_ties = by_ties.add(Condition::all().add(condition).add(community::Column::Id.in_subquery(linked)));
        }
    }
    VisibleCommunities { by_attributes, by_ties }
}

/// Sub-query: communities the person sponsors.
fn sponsored_by(person_id: i32) -> SelectStatement {
    community_organization::Entity::find()
        .select_only()
        .column(community_organization::Column::CommunityId)
        .filter(community_organization::Column::SponsorId.eq(person_id))
        .filter(community_organization::Column::Status.eq(ParticipationStatus::Active))
        .into_query()
}

/// Sub-query of the ids of communities the viewer may see.
pub fn visible_community_ids(auth: &Authorizer, backend: DbBackend, caller: &Caller) -> SelectStatement {
    community::Entity::find()
        .select_only()
        .column(community::Column::Id)
        .filter(visible_communities(auth, backend, caller))
        .into_query()
}

/// SQL condition on `membership` rows: memberships the viewer may see listed on a person.
/// A person sees all their own (network administrators too); others see active
/// memberships of visible communities.
pub fn visible_memberships_of(
    auth: &Authorizer,
    backend: DbBackend,
    caller: &Caller,
    person_id: Option<i32>,
) -> Condition {
    let own = caller.viewer.as_ref().is_some_and(|a| Some(a.person_id) == person_id || a.network_admin);
    if own {
        return Condition::all();
    }
    Condition::all()
        .add(membership::Column::Status.eq(MembershipStatus::Active))
        .add(membership::Column::CommunityId.in_subquery(visible_community_ids(auth, backend, caller)))
}

/// The community roles whose holders may `action` in every subgroup of their community,
/// whatever its visibility, as a bit mask over `membership.roles`.
fn roles_reaching_all_subgroups(auth: &Authorizer, action: Action) -> i64 {
    CommunityRole::ALL
        .into_iter()
        .filter(|r| {
            auth.check(&Question {
                roles: &[Role::CommunityParticipant, Role::Community(*r)],
                scope: Scope::Subgroup(0),
                object: Object::Subgroup,
                action,
                attrs: Attrs::subgroup(SubgroupVisibility::Members, false),
            })
        })
        .fold(0, |mask, r| mask | entity::enums::CommunityRoles::bit_of(r))
}

/// SQL condition on `subgroup` rows: subgroups whose content the viewer may read, once
/// allowed to read their community's (the policy decides for subgroups open to the whole
/// community, subgroup members, and community roles that reach every subgroup).
pub fn readable_subgroups(auth: &Authorizer, caller: &Caller) -> Condition {
    let subgroup_read = |roles: &[Role], visibility| {
        auth.check(&Question {
            roles,
            scope: Scope::Subgroup(0),
            object: Object::Subgroup,
            action: Action::Read,
            attrs: Attrs::subgroup(visibility, false),
        })
    };
    let mut participant = caller.base_roles().to_vec();
    participant.push(Role::CommunityParticipant);
    let mut readable = Condition::any();
    for visibility in [SubgroupVisibility::Community, SubgroupVisibility::Members] {
        if subgroup_read(&participant, visibility) {
            readable = readable.add(subgroup::Column::Visibility.eq(visibility));
        }
    }
    let Some(person_id) = caller.person_id() else { return readable };
    let mut member = caller.base_roles().to_vec();
    member.push(Role::Subgroup(entity::enums::SubgroupRole::Member));
    if subgroup_read(&member, SubgroupVisibility::Members) {
        readable = readable.add(
            subgroup::Column::Id.in_subquery(
                subgroup_member::Entity::find()
                    .select_only()
                    .column(subgroup_member::Column::SubgroupId)
                    .filter(subgroup_member::Column::PersonId.eq(person_id))
                    .into_query(),
            ),
        );
    }
    let mask = roles_reaching_all_subgroups(auth, Action::Read);
    if mask != 0 {
        readable = readable.add(
            subgroup::Column::CommunityId.in_subquery(
                membership::Entity::find()
                    .select_only()
                    .column(membership::Column::CommunityId)
                    .filter(membership::Column::PersonId.eq(person_id))
                    .filter(membership::Column::Status.eq(MembershipStatus::Active))
                    .filter(Expr::col(membership::Column::Roles).bit_and(mask).ne(0))
                    .into_query(),
            ),
        );
    }
    readable
}

/// The caller's standing in a subgroup: their roles there (with the community's) and
/// the subgroup's attributes.
#[derive(Debug, Clone)]
pub struct SubgroupAccess {
    id: i32,
    roles: Vec<Role>,
    attrs: Attrs,
}

impl SubgroupAccess {
    /// Reads it from the data; `None` when the subgroup does not exist.
    pub async fn load<C: sea_orm::ConnectionTrait>(db: &C, caller: &Caller, id: i32) -> ServiceResult<Option<Self>> {
        let resolved =
            policy::resolve::roles_in(db, caller.base_roles(), caller.person_id(), Scope::Subgroup(id)).await?;
        Ok(resolved.map(|(roles, attrs)| Self { id, roles, attrs }))
    }

    fn question(&self, action: Action) -> Question<'_> {
        Question {
            roles: &self.roles,
            scope: Scope::Subgroup(self.id),
            object: Object::Subgroup,
            action,
            attrs: self.attrs,
        }
    }

    /// Whether the policy allows `action` here.
    pub fn can(&self, auth: &Authorizer, action: Action) -> bool {
        auth.check(&self.question(action))
    }

    /// Refuses with the policy's reason unless it allows `action` here.
    pub fn ensure(&self, auth: &Authorizer, action: Action) -> ServiceResult<()> {
        auth.ensure(&self.question(action)).map_err(ServiceError::from)
    }
}

/// What the caller may do in a subgroup: (read, post, manage).
pub async fn subgroup_permissions<C: sea_orm::ConnectionTrait>(
    auth: &Authorizer,
    db: &C,
    caller: &Caller,
    subgroup_id: i32,
) -> ServiceResult<(bool, bool, bool)> {
    Ok(match SubgroupAccess::load(db, caller, subgroup_id).await? {
        Some(access) => {
            (access.can(auth, Action::Read), access.can(auth, Action::Post), access.can(auth, Action::Manage))
        }
        None => (false, false, false),
    })
}

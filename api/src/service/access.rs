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
    enums::{
        CommunityRole, CommunityRoles, MembershipPolicy, MembershipStatus, SubgroupRole, SubgroupVisibility, Visibility,
    },
    membership, subgroup, subgroup_member,
};
use policy::{Action, Attrs, Authorizer, Effect, Object, Question, Role, Scope, ScopeKind};
use sea_orm::{
    ColumnTrait, Condition, DbBackend, EntityTrait, QueryFilter, QuerySelect, QueryTrait,
    sea_query::{Alias, Expr, ExprTrait, SelectStatement, SimpleExpr, UnionType},
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
    attrs_where(|attrs| {
        auth.check(&Question {
            roles,
            scope: Scope::Community(0),
            object: Object::Community,
            action: Action::View,
            attrs,
        })
    })
}

/// The condition on community attributes under which holding `role` forbids viewing a
/// community (a deny on it, or on a role it inherits); `None`: never.
fn view_denied_attrs(auth: &Authorizer, base: &[Role], role: Role) -> Option<Condition> {
    attrs_where(|attrs| {
        let q = Question {
            roles: base,
            scope: Scope::Community(0),
            object: Object::Community,
            action: Action::View,
            attrs,
        };
        auth.effect(role, &q) == Effect::Deny
    })
}

/// The combinations of visibility, membership policy and state for which `holds` is
/// true, folded into the simplest SQL; `None` when there is none.
fn attrs_where(holds: impl Fn(Attrs) -> bool) -> Option<Condition> {
    let mut whole_visibilities = Vec::new();
    let mut partial = Condition::any();
    let mut any_partial = false;
    for visibility in VISIBILITIES {
        let mut allowed = Vec::new();
        for policy in POLICIES {
            for archived in [false, true] {
                if holds(Attrs::community(visibility, policy, archived)) {
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

/// SQL on `community` rows: where the caller may `action` on the time entries of a
/// person to whom they stand in `relation` (roles of `service::time`: owner, approver,
/// organization manager; none for base roles alone), with their base roles and the roles
/// their ties to the community give (membership and its roles, sponsorship) — the
/// single decision's answer, so a deny on any role held wins over the others' allows.
/// Communities with rules of their own are decided one by one.
pub fn time_entry_communities(auth: &Authorizer, caller: &Caller, relation: &[Role], action: Action) -> Condition {
    let ties = TieSource::Lookup(caller.person_id().unwrap_or(-1));
    communities_allowing_with(auth, caller, &ties, Object::TimeEntry, relation, action)
}

/// Which communities the caller may know exist, as SQL: those whose attributes their
/// base roles may view, and those their ties (memberships, sponsorships) let them view.
#[derive(Debug, Clone)]
pub struct VisibleCommunities {
    by_attributes: Option<Condition>,
    by_ties: Condition,
    /// Communities where a role the viewer holds through a tie is denied the view (a
    /// deny wins over the allows of their other roles); `None` in the default policy.
    denied: Option<Condition>,
}

impl VisibleCommunities {
    /// The whole condition.
    pub fn condition(&self) -> Condition {
        let mut visible = Condition::any();
        if let Some(attributes) = &self.by_attributes {
            visible = visible.add(attributes.clone());
        }
        self.except_denied(visible.add(self.by_ties.clone()))
    }

    fn except_denied(&self, condition: Condition) -> Condition {
        match &self.denied {
            Some(denied) => Condition::all().add(condition).add(denied.clone().not()),
            None => condition,
        }
    }

    /// The same rows as two disjoint conditions whose counts add up: one on attributes
    /// alone (an index answers it), and the ties outside those attributes (few rows).
    /// Counting with one OR of sub-queries would scan every community.
    pub fn disjoint_parts(&self) -> Vec<Condition> {
        let parts = match &self.by_attributes {
            None => vec![self.by_ties.clone()],
            Some(attributes) if self.by_ties.is_empty() => vec![attributes.clone()],
            Some(attributes) => {
                vec![attributes.clone(), Condition::all().add(attributes.clone().not()).add(self.by_ties.clone())]
            }
        };
        parts.into_iter().map(|part| self.except_denied(part)).collect()
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
        return VisibleCommunities { by_attributes, by_ties: Condition::any(), denied: None };
    };
    // Each tie: the attributes its role may view, and the communities it links to.
    let mut ties: Vec<(Condition, SelectStatement)> = Vec::new();
    let by_status = [
        (MembershipStatus::Active, Role::CommunityParticipant),
        (MembershipStatus::Invited, Role::CommunityInvitee),
        (MembershipStatus::Pending, Role::CommunityApplicant),
    ];
    let memberships = |statuses: Vec<MembershipStatus>| {
        membership::Entity::find()
            .select_only()
            .column(membership::Column::CommunityId)
            .filter(membership::Column::PersonId.eq(person_id))
            .filter(membership::Column::Status.is_in(statuses))
            .into_query()
    };
    // Statuses whose role may view communities whatever their attributes.
    let mut unconditional = Vec::new();
    for (status, role) in by_status {
        let mut roles = base.to_vec();
        roles.push(role);
        match viewable_attrs(auth, &roles) {
            Some(condition) if condition.is_empty() => unconditional.push(status),
            Some(condition) => ties.push((condition, memberships(vec![status]))),
            None => {}
        }
    }
    if !unconditional.is_empty() {
        // One look-up of the person's memberships in these statuses (one index range),
        // rather than one per status.
        ties.push((Condition::all(), memberships(unconditional)));
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
    VisibleCommunities { by_attributes, by_ties, denied: view_denied_through_ties(auth, base, person_id) }
}

/// Communities where a role the person holds through a tie (membership and its roles,
/// invitation, request, sponsorship) is denied the view; `None` when no rule denies any.
fn view_denied_through_ties(auth: &Authorizer, base: &[Role], person_id: i32) -> Option<Condition> {
    let mut ties: Vec<Role> =
        vec![Role::CommunityParticipant, Role::CommunityInvitee, Role::CommunityApplicant, Role::CommunitySponsor];
    ties.extend(CommunityRole::ALL.map(Role::Community));
    let mut denied = Condition::any();
    for role in ties {
        let Some(attributes) = view_denied_attrs(auth, base, role) else { continue };
        let linked = match role {
            Role::CommunityParticipant => memberships_of(person_id, MembershipStatus::Active, 0),
            Role::CommunityInvitee => memberships_of(person_id, MembershipStatus::Invited, 0),
            Role::CommunityApplicant => memberships_of(person_id, MembershipStatus::Pending, 0),
            Role::CommunitySponsor => sponsored_by(person_id),
            Role::Community(r) => memberships_of(person_id, MembershipStatus::Active, CommunityRoles::bit_of(r)),
            _ => continue,
        };
        denied = denied.add(Condition::all().add(attributes).add(community::Column::Id.in_subquery(linked)));
    }
    (!denied.is_empty()).then_some(denied)
}

/// Sub-query: communities the person sponsors (while the tie holds: see
/// [`policy::resolve::live_sponsorships`]).
fn sponsored_by(person_id: i32) -> SelectStatement {
    community_organization::Entity::find()
        .select_only()
        .column(community_organization::Column::CommunityId)
        .filter(policy::resolve::live_sponsorships(person_id))
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

/// Sub-query of the ids of communities whose content (discussions) the viewer may read:
/// they may see the community and the policy lets them read it.
pub fn readable_community_ids(auth: &Authorizer, backend: DbBackend, caller: &Caller) -> SelectStatement {
    community::Entity::find()
        .select_only()
        .column(community::Column::Id)
        .filter(visible_communities(auth, backend, caller))
        .filter(communities_allowing(auth, caller, Action::Read))
        .into_query()
}

/// SQL condition on `membership` rows: memberships the viewer may see listed on a person
/// or by id. A person sees all their own (network administrators too); others see active
/// memberships of communities the viewer sees and may list the members of.
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
    listed_memberships(auth, backend, caller)
}

/// SQL condition on `membership` rows: others' memberships the viewer may see listed —
/// active memberships of communities the viewer sees and may list the members of.
pub fn listed_memberships(auth: &Authorizer, backend: DbBackend, caller: &Caller) -> Condition {
    // Others' memberships are the community's member list: shown only where the viewer
    // may see the community and list its members (the same decision as
    // `Community.members`, as SQL).
    let listable = community::Entity::find()
        .select_only()
        .column(community::Column::Id)
        .filter(visible_communities(auth, backend, caller))
        .filter(communities_allowing(auth, caller, Action::ListMembers))
        .into_query();
    Condition::all()
        .add(membership::Column::Status.eq(MembershipStatus::Active))
        .add(membership::Column::CommunityId.in_subquery(listable))
}

/// Roles a person may hold in a community through ties to it (their base roles aside).
fn community_tie_roles() -> Vec<Role> {
    let mut roles =
        vec![Role::CommunityParticipant, Role::CommunitySponsor, Role::CommunityInvitee, Role::CommunityApplicant];
    roles.extend(CommunityRole::ALL.map(Role::Community));
    roles
}

/// Where the SQL of a decision finds the caller's ties to the `community` row it decides.
#[derive(Debug, Clone)]
enum TieSource {
    /// Sub-queries on the person's memberships and sponsorships.
    Lookup(i32),
    /// Columns the statement already has: the person's membership row, left joined under
    /// this alias (NULL when there is none), and whether they sponsor the community.
    Joined { membership: &'static str, sponsor: SimpleExpr },
}

/// SQL on `community` rows: the person holds one of `roles` there through a tie.
fn community_holds_any(roles: &[Role], ties: &TieSource) -> Condition {
    let mut held = Condition::any();
    let mask = roles
        .iter()
        .filter_map(|r| match r {
            Role::Community(r) => Some(CommunityRoles::bit_of(*r)),
            _ => None,
        })
        .fold(0, |mask, bit| mask | bit);
    match ties {
        TieSource::Lookup(person_id) => {
            let person_id = *person_id;
            if mask != 0 {
                held = held.add(community::Column::Id.in_subquery(memberships_of(
                    person_id,
                    MembershipStatus::Active,
                    mask,
                )));
            }
            for role in roles {
                let communities = match role {
                    Role::CommunityParticipant => memberships_of(person_id, MembershipStatus::Active, 0),
                    Role::CommunityInvitee => memberships_of(person_id, MembershipStatus::Invited, 0),
                    Role::CommunityApplicant => memberships_of(person_id, MembershipStatus::Pending, 0),
                    Role::CommunitySponsor => sponsored_by(person_id),
                    _ => continue,
                };
                held = held.add(community::Column::Id.in_subquery(communities));
            }
        }
        TieSource::Joined { membership, sponsor } => {
            // `IS NOT NULL` first: with no membership row the comparisons are NULL, and
            // a NULL under the NOT of a deny would drop the row instead of keeping it.
            let alias = Alias::new(*membership);
            let with_status = |status: MembershipStatus| {
                Condition::all()
                    .add(Expr::col((alias.clone(), membership::Column::Status)).is_not_null())
                    .add(Expr::col((alias.clone(), membership::Column::Status)).eq(status.as_str()))
            };
            if mask != 0 {
                held = held.add(
                    with_status(MembershipStatus::Active)
                        .add(Expr::col((alias.clone(), membership::Column::Roles)).bit_and(mask).ne(0)),
                );
            }
            for role in roles {
                let tie = match role {
                    Role::CommunityParticipant => with_status(MembershipStatus::Active),
                    Role::CommunityInvitee => with_status(MembershipStatus::Invited),
                    Role::CommunityApplicant => with_status(MembershipStatus::Pending),
                    Role::CommunitySponsor => Condition::all().add(sponsor.clone()),
                    _ => continue,
                };
                held = held.add(tie);
            }
        }
    }
    held
}

/// One decision of the policy as SQL on `community` rows: allowed iff a role held
/// allows and no role held is denied (see [`decision_sql`]). `None`: never.
fn community_decision_sql(
    auth: &Authorizer,
    caller: &Caller,
    ties: &TieSource,
    extra: &[Role],
    q: &Question<'_>,
) -> Option<Condition> {
    let mut base_allows = false;
    for role in caller.base_roles().iter().chain(extra) {
        match auth.effect(*role, q) {
            Effect::Deny => return None,
            Effect::Allow => base_allows = true,
            Effect::Silent => {}
        }
    }
    if caller.person_id().is_none() {
        return base_allows.then(Condition::all);
    }
    let (mut allowing, mut denying) = (Vec::new(), Vec::new());
    for role in community_tie_roles() {
        match auth.effect(role, q) {
            Effect::Allow => allowing.push(role),
            Effect::Deny => denying.push(role),
            Effect::Silent => {}
        }
    }
    if !base_allows && allowing.is_empty() {
        return None;
    }
    let mut decision = Condition::all();
    if !base_allows {
        decision = decision.add(community_holds_any(&allowing, ties));
    }
    if !denying.is_empty() {
        decision = decision.add(community_holds_any(&denying, ties).not());
    }
    Some(decision)
}

/// SQL on `community` rows: may the caller `action` in communities to which the rules
/// of `scope` apply, by their attributes (visibility, membership policy, state).
fn community_decisions(
    auth: &Authorizer,
    caller: &Caller,
    ties: &TieSource,
    (object, extra): (Object, &[Role]),
    scope: Scope,
    action: Action,
) -> Condition {
    let question = |attrs| Question { roles: caller.base_roles(), scope, object, action, attrs };
    let effects = |attrs| {
        let q = question(attrs);
        caller
            .base_roles()
            .iter()
            .chain(extra)
            .chain(community_tie_roles().iter())
            .map(|r| auth.effect(*r, &q))
            .collect::<Vec<_>>()
    };
    let states: Vec<(MembershipPolicy, bool)> = POLICIES.into_iter().flat_map(|p| [(p, false), (p, true)]).collect();
    let first = Attrs::community(VISIBILITIES[0], POLICIES[0], false);
    let same_everywhere = VISIBILITIES
        .iter()
        .all(|v| states.iter().all(|(p, a)| effects(Attrs::community(*v, *p, *a)) == effects(first)));
    if same_everywhere {
        // The usual case (e.g. `read`: by ties alone): one decision, no attribute tests.
        return community_decision_sql(auth, caller, ties, extra, &question(first)).unwrap_or_else(Condition::any);
    }
    let mut any = Condition::any();
    for visibility in VISIBILITIES {
        let of_visibility = community::Column::Visibility.eq(visibility);
        let first = Attrs::community(visibility, POLICIES[0], false);
        if states.iter().all(|(p, a)| effects(Attrs::community(visibility, *p, *a)) == effects(first)) {
            if let Some(decision) = community_decision_sql(auth, caller, ties, extra, &question(first)) {
                any = any.add(Condition::all().add(of_visibility).add(decision));
            }
            continue;
        }
        for (policy, archived) in states.iter().copied() {
            if let Some(decision) = community_decision_sql(
                auth,
                caller,
                ties,
                extra,
                &question(Attrs::community(visibility, policy, archived)),
            ) {
                any = any.add(
                    Condition::all()
                        .add(of_visibility.clone())
                        .add(community::Column::MembershipPolicy.eq(policy))
                        .add(community::Column::Archived.eq(archived))
                        .add(decision),
                );
            }
        }
    }
    any
}

/// SQL condition on `community` rows: communities where the caller may `action`, as
/// single decisions answer it (rules for communities in general, and each community's
/// own rules), whatever the caller may see.
pub fn communities_allowing(auth: &Authorizer, caller: &Caller, action: Action) -> Condition {
    let ties = TieSource::Lookup(caller.person_id().unwrap_or(-1));
    communities_allowing_with(auth, caller, &ties, Object::Community, &[], action)
}

/// [`communities_allowing`] in a statement that has already joined the caller's ties
/// to each community row: their membership row under the alias `membership` (left
/// joined on the community and the caller) and `sponsor`, true when they sponsor it.
/// The decision then reads those columns instead of looking the ties up again.
pub fn communities_allowing_on_joined_ties(
    auth: &Authorizer,
    caller: &Caller,
    action: Action,
    membership: &'static str,
    sponsor: SimpleExpr,
) -> Condition {
    communities_allowing_with(auth, caller, &TieSource::Joined { membership, sponsor }, Object::Community, &[], action)
}

fn communities_allowing_with(
    auth: &Authorizer,
    caller: &Caller,
    ties: &TieSource,
    object: Object,
    extra: &[Role],
    action: Action,
) -> Condition {
    let overridden = auth.overridden_for(ScopeKind::Community, object, action);
    let general = community_decisions(auth, caller, ties, (object, extra), Scope::Community(0), action);
    if overridden.is_empty() {
        return general;
    }
    let groups = group_by_decision(&general, overridden, |id| {
        community_decisions(auth, caller, ties, (object, extra), Scope::Community(id), action)
    });
    let distinct: Vec<i32> = groups.iter().flat_map(|(_, ids)| ids.iter().copied()).collect();
    let mut allowed =
        Condition::any().add(Condition::all().add(community::Column::Id.is_not_in(distinct)).add(general));
    for (decision, ids) in groups {
        allowed = allowed.add(Condition::all().add(community::Column::Id.is_in(ids)).add(decision));
    }
    allowed
}

/// The scopes with rules of their own, grouped by the SQL decision they give this caller,
/// leaving out those that decide like the general rules. The SQL then has one branch per
/// distinct decision, not one per scope: hundreds of subgroups with rules of their own
/// (anyone may create communities and subgroups) must not make every list's statement
/// grow with them (SQLite refuses an expression tree deeper than 1,000).
fn group_by_decision(
    general: &Condition,
    overridden: Vec<i32>,
    decide: impl Fn(i32) -> Condition,
) -> Vec<(Condition, Vec<i32>)> {
    let general_key = format!("{general:?}");
    let mut groups: Vec<(String, Condition, Vec<i32>)> = Vec::new();
    for id in overridden {
        let decision = decide(id);
        let key = format!("{decision:?}");
        if key == general_key {
            continue;
        }
        match groups.iter_mut().find(|(k, ..)| *k == key) {
            Some((_, _, ids)) => ids.push(id),
            None => groups.push((key, decision, vec![id])),
        }
    }
    groups.into_iter().map(|(_, decision, ids)| (decision, ids)).collect()
}

/// Roles a person may hold in a subgroup through ties to it or its community (their base
/// roles aside).
fn tie_roles() -> Vec<Role> {
    let mut roles = vec![
        Role::CommunityParticipant,
        Role::CommunitySponsor,
        Role::CommunityInvitee,
        Role::CommunityApplicant,
        Role::Subgroup(SubgroupRole::Lead),
        Role::Subgroup(SubgroupRole::Member),
    ];
    roles.extend(CommunityRole::ALL.map(Role::Community));
    roles
}

/// Sub-query: the communities where the person's membership has this status (and, when
/// `mask` is not zero, one of these roles).
fn memberships_of(person_id: i32, status: MembershipStatus, mask: i64) -> SelectStatement {
    let mut select = membership::Entity::find()
        .select_only()
        .column(membership::Column::CommunityId)
        .filter(membership::Column::PersonId.eq(person_id))
        .filter(membership::Column::Status.eq(status));
    if mask != 0 {
        select = select.filter(Expr::col(membership::Column::Roles).bit_and(mask).ne(0));
    }
    select.into_query()
}

/// SQL on `subgroup` rows: the person holds one of `roles` there.
fn holds_any(roles: &[Role], person_id: i32) -> Condition {
    let mut held = Condition::any();
    let mask = roles
        .iter()
        .filter_map(|r| match r {
            Role::Community(r) => Some(CommunityRoles::bit_of(*r)),
            _ => None,
        })
        .fold(0, |mask, bit| mask | bit);
    if mask != 0 {
        held = held.add(subgroup::Column::CommunityId.in_subquery(memberships_of(
            person_id,
            MembershipStatus::Active,
            mask,
        )));
    }
    let groups: Vec<SubgroupRole> = roles
        .iter()
        .filter_map(|r| match r {
            Role::Subgroup(r) => Some(*r),
            _ => None,
        })
        .collect();
    if !groups.is_empty() {
        held = held.add(
            subgroup::Column::Id.in_subquery(
                subgroup_member::Entity::find()
                    .select_only()
                    .column(subgroup_member::Column::SubgroupId)
                    .filter(subgroup_member::Column::PersonId.eq(person_id))
                    .filter(subgroup_member::Column::Role.is_in(groups))
                    .into_query(),
            ),
        );
    }
    for role in roles {
        let communities = match role {
            Role::CommunityParticipant => memberships_of(person_id, MembershipStatus::Active, 0),
            Role::CommunityInvitee => memberships_of(person_id, MembershipStatus::Invited, 0),
            Role::CommunityApplicant => memberships_of(person_id, MembershipStatus::Pending, 0),
            Role::CommunitySponsor => sponsored_by(person_id),
            _ => continue,
        };
        held = held.add(subgroup::Column::CommunityId.in_subquery(communities));
    }
    held
}

/// One decision of the policy as SQL on `subgroup` rows: allowed iff a role held allows
/// and no role held is denied, the roles beyond the base ones being held through ties.
/// `None`: never.
fn decision_sql(auth: &Authorizer, caller: &Caller, q: &Question<'_>) -> Option<Condition> {
    let base = caller.base_roles();
    let mut base_allows = false;
    for role in base {
        match auth.effect(*role, q) {
            Effect::Deny => return None,
            Effect::Allow => base_allows = true,
            Effect::Silent => {}
        }
    }
    let Some(person_id) = caller.person_id() else { return base_allows.then(Condition::all) };
    let (mut allowing, mut denying) = (Vec::new(), Vec::new());
    for role in tie_roles() {
        match auth.effect(role, q) {
            Effect::Allow => allowing.push(role),
            Effect::Deny => denying.push(role),
            Effect::Silent => {}
        }
    }
    if !base_allows && allowing.is_empty() {
        return None;
    }
    let mut decision = Condition::all();
    if !base_allows {
        decision = decision.add(holds_any(&allowing, person_id));
    }
    if !denying.is_empty() {
        decision = decision.add(holds_any(&denying, person_id).not());
    }
    Some(decision)
}

/// SQL on `subgroup` rows: may the caller `action` in subgroups to which the rules of
/// `scope` apply (every subgroup, or one that has rules of its own), whatever their
/// visibility and their community's state.
fn subgroup_decisions(auth: &Authorizer, caller: &Caller, scope: Scope, action: Action) -> Condition {
    let mut any = Condition::any();
    for visibility in [SubgroupVisibility::Community, SubgroupVisibility::Members] {
        let question = |archived| Question {
            roles: caller.base_roles(),
            scope,
            object: Object::Subgroup,
            action,
            attrs: Attrs::subgroup(visibility, archived),
        };
        let effects = |archived| {
            let q = question(archived);
            caller.base_roles().iter().chain(tie_roles().iter()).map(|r| auth.effect(*r, &q)).collect::<Vec<_>>()
        };
        let of_visibility = subgroup::Column::Visibility.eq(visibility);
        if effects(false) == effects(true) {
            if let Some(decision) = decision_sql(auth, caller, &question(false)) {
                any = any.add(Condition::all().add(of_visibility).add(decision));
            }
            continue;
        }
        for archived in [false, true] {
            if let Some(decision) = decision_sql(auth, caller, &question(archived)) {
                let in_state = subgroup::Column::CommunityId.in_subquery(
                    community::Entity::find()
                        .select_only()
                        .column(community::Column::Id)
                        .filter(community::Column::Archived.eq(archived))
                        .into_query(),
                );
                any = any.add(Condition::all().add(of_visibility.clone()).add(in_state).add(decision));
            }
        }
    }
    any
}

/// SQL condition on `subgroup` rows: subgroups whose content the viewer may read, once
/// allowed to read their community's. The same decision as `Subgroup.viewerCan` and
/// `checkAccess`, turned into SQL: the policy's answer for each role (see
/// [`Effect`]) — for subgroups in general and for each subgroup with rules of its own —
/// and each role held through the tie that gives it (membership and its roles,
/// sponsorship, invitation, subgroup membership).
pub fn readable_subgroups(auth: &Authorizer, caller: &Caller) -> Condition {
    let overridden = auth.overridden_for(ScopeKind::Subgroup, Object::Subgroup, Action::Read);
    let general = subgroup_decisions(auth, caller, Scope::Subgroup(0), Action::Read);
    if overridden.is_empty() {
        return general;
    }
    let groups = group_by_decision(&general, overridden, |id| {
        subgroup_decisions(auth, caller, Scope::Subgroup(id), Action::Read)
    });
    let distinct: Vec<i32> = groups.iter().flat_map(|(_, ids)| ids.iter().copied()).collect();
    let mut readable =
        Condition::any().add(Condition::all().add(subgroup::Column::Id.is_not_in(distinct)).add(general));
    for (decision, ids) in groups {
        readable = readable.add(Condition::all().add(subgroup::Column::Id.is_in(ids)).add(decision));
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

//! Policy administration: reading, granting and revoking rules, assigning network and
//! organization roles, explaining decisions, exporting and importing the policy, and
//! reading the audit trail. Every change is audited with its before and after, commits
//! with its audit record, and takes effect on the next request (this process reloads at
//! once; other replicas within a second, see `server::watch_policy`).

use chrono::Utc;
use entity::{
    audit_event,
    enums::{NetworkRoleKind, OrganizationRoleKind},
    network_role, organization_role, person,
};
use policy::{Action, Decision, Object, Question, Role, Rule, Scope, ScopeKind, store};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
};
use serde_json::json;

use super::{
    App, access,
    audit::{self, AuditRecord, AuditScope},
    community as communities, organization as organizations,
    page::{self, Page, PageRequest},
};
use crate::i18n::Message;
use crate::{
    auth::Caller,
    error::{ServiceError, ServiceResult},
};

/// Refuses unless the caller may manage the policy of `scope`: network administrators
/// the network-wide rules, an organization's administrators that organization's, a
/// community's administrators that community's (and its subgroups'). Answers the audit
/// trail its changes go to. A scope the caller may not see is `NOT_FOUND`, as a missing one.
async fn ensure_manage<C: ConnectionTrait>(
    app: &App,
    db: &C,
    caller: &Caller,
    scope: Scope,
) -> ServiceResult<AuditScope> {
    caller.actor()?;
    match scope {
        Scope::Network => access::ensure_in(&app.auth, caller.base_roles(), Scope::Network, Action::ManagePolicy)
            .map(|()| AuditScope::Network),
        Scope::Organization(id) => {
            entity::organization::Entity::find_by_id(id)
                .one(db)
                .await?
                .ok_or(ServiceError::not_found("organization"))?;
            let roles = organizations::roles_in(db, caller, id).await?;
            access::ensure_in(&app.auth, &roles, scope, Action::ManagePolicy).map(|()| AuditScope::Organization(id))
        }
        Scope::Community(id) => {
            communities::authorized(app, db, caller, id, Action::ManagePolicy).await.map(|_| AuditScope::Community(id))
        }
        Scope::Subgroup(id) => {
            let group =
                entity::subgroup::Entity::find_by_id(id).one(db).await?.ok_or(ServiceError::not_found("subgroup"))?;
            // A subgroup of a community the caller may not see is missing, exactly as
            // one that does not exist ("subgroup not found" either way).
            // So is a hidden subgroup of a community they see: they learn that it
            // exists only where the subgroup lists would show it to them.
            match communities::authorized(app, db, caller, group.community_id, Action::ManagePolicy).await {
                Ok(_) => Ok(AuditScope::Community(group.community_id)),
                Err(ServiceError::NotFound { .. }) => Err(ServiceError::not_found("subgroup")),
                Err(e) if !knows(app, caller, scope, true).await? => {
                    tracing::debug!(error = %e, "refused on a subgroup the caller may not know");
                    Err(ServiceError::not_found("subgroup"))
                }
                Err(e) => Err(e),
            }
        }
    }
}

/// Whether the caller may manage the network-wide policy.
fn manages_network_policy(app: &App, caller: &Caller) -> bool {
    app.auth.check(&Question {
        roles: caller.base_roles(),
        scope: Scope::Network,
        object: Object::Network,
        action: Action::ManagePolicy,
        attrs: policy::Attrs::NONE,
    })
}

/// The rules of a scope: network-wide rules (every scope of a kind, and inheritance)
/// when `scope` is `None`, else the rules of that one scope.
pub async fn rules(app: &App, caller: &Caller, scope: Option<Scope>) -> ServiceResult<Vec<Rule>> {
    ensure_manage(app, &app.db, caller, scope.unwrap_or(Scope::Network)).await?;
    let all = app.auth.rules();
    Ok(match scope {
        None => all
            .into_iter()
            .filter(|r| r.domain().is_none_or(|d| Scope::parse_domain(d).is_some_and(|(_, id)| id.is_none())))
            .collect(),
        Some(scope) => {
            let domain = scope.domain();
            all.into_iter().filter(|r| r.domain() == Some(domain.as_str())).collect()
        }
    })
}

/// A permission to grant or revoke.
#[derive(Debug, Clone)]
pub struct PermissionChange {
    pub role: String,
    /// `None`: every scope of the object's kind (network-wide rule).
    pub scope: Option<Scope>,
    pub object: String,
    pub action: String,
    pub allow: bool,
}

fn kind_of(object: Object) -> ScopeKind {
    match object {
        Object::Network => ScopeKind::Network,
        Object::Organization => ScopeKind::Organization,
        Object::Community | Object::TimeEntry => ScopeKind::Community,
        Object::Subgroup => ScopeKind::Subgroup,
    }
}

/// A rule to change, the scope whose administrators may change it, and what it is about.
struct RuleChange {
    rule: Rule,
    authority: Scope,
    object: Object,
    action: Action,
}

fn rule_of(change: &PermissionChange) -> ServiceResult<RuleChange> {
    let role = Role::parse(&change.role).ok_or_else(|| {
        ServiceError::bad_input("role", Message::new("unknown-role").arg("value", change.role.clone()))
    })?;
    let object = Object::parse(&change.object).ok_or_else(|| {
        ServiceError::bad_input("object", Message::new("unknown-object").arg("value", change.object.clone()))
    })?;
    let action = Action::parse(&change.action).ok_or_else(|| {
        ServiceError::bad_input("action", Message::new("unknown-action").arg("value", change.action.clone()))
    })?;
    let (domain, authority) = match change.scope {
        Some(scope) => {
            if scope.kind() != kind_of(object) {
                return Err(ServiceError::bad_input(
                    "object",
                    Message::new("object-not-in-scope").arg("object", object.as_str()),
                ));
            }
            if action == Action::View {
                return Err(ServiceError::bad_input("action", Message::new("view-rules-network-wide")));
            }
            (scope.domain(), scope)
        }
        None => (kind_of(object).pattern().to_owned(), Scope::Network),
    };
    let rule = Rule::permission(role, &domain, object, action, change.allow);
    rule.validate().map_err(|e| ServiceError::from_policy("role", e))?;
    Ok(RuleChange { rule, authority, object, action })
}

/// How many rules one organization, community or subgroup may have of its own: every
/// rule is matched on every decision, and every change reloads the policy everywhere.
pub const MAX_RULES_PER_SCOPE: u64 = 50;

/// Refuses an ALLOW that gives what the caller could not do themselves in that scope
/// (decided by the policy in force, with the caller's own roles there): nobody grants,
/// through any path, what they could not do directly. Network policy managers excepted.
async fn ensure_may_allow<C: ConnectionTrait>(
    app: &App,
    db: &C,
    caller: &Caller,
    change: &RuleChange,
) -> ServiceResult<()> {
    if change.authority == Scope::Network || manages_network_policy(app, caller) {
        return Ok(());
    }
    let held = policy::resolve::roles_in(db, caller.base_roles(), caller.person_id(), change.authority).await?;
    let holds = held.is_some_and(|(roles, attrs)| {
        app.auth.check(&Question {
            roles: &roles,
            scope: change.authority,
            object: change.object,
            action: change.action,
            attrs,
        })
    });
    if holds {
        Ok(())
    } else {
        tracing::info!(rule = %change.rule, "refused: granting what the granter does not hold");
        Err(ServiceError::forbidden(Message::new("grant-beyond-own")))
    }
}

/// How many rules a person who does not manage the network's policy may grant or revoke
/// per minute: every change reloads the policy and empties every decision cache.
pub const MAX_RULE_CHANGES_PER_MINUTE: u64 = 60;

/// Refuses a rule change beyond [`MAX_RULE_CHANGES_PER_MINUTE`], counted in the audit
/// trail (so across every replica). Network policy managers are not limited.
async fn ensure_not_too_often<C: ConnectionTrait>(app: &App, db: &C, caller: &Caller) -> ServiceResult<()> {
    let Some(person_id) = caller.person_id() else { return Ok(()) };
    if manages_network_policy(app, caller) {
        return Ok(());
    }
    let since = Utc::now() - chrono::Duration::minutes(1);
    let recent = audit_event::Entity::find()
        .filter(audit_event::Column::ActorId.eq(person_id))
        .filter(audit_event::Column::Action.is_in(["policy.grant", "policy.revoke"]))
        .filter(audit_event::Column::CreatedAt.gt(since))
        .count(db)
        .await?;
    if recent >= MAX_RULE_CHANGES_PER_MINUTE {
        return Err(ServiceError::RateLimited(
            Message::new("rule-changes-per-minute").arg("max", MAX_RULE_CHANGES_PER_MINUTE),
        ));
    }
    Ok(())
}

/// Refuses a new rule in a scope that already has [`MAX_RULES_PER_SCOPE`] of its own.
///
/// A community and its subgroups share one budget: subgroups are free to create, so a
/// budget per subgroup would not bound what one community's administrators can add to
/// the policy every list is decided by.
async fn ensure_room<C: ConnectionTrait>(db: &C, scope: Scope) -> ServiceResult<()> {
    let community_id = match scope {
        Scope::Network => return Ok(()),
        Scope::Organization(_) => None,
        Scope::Community(id) => Some(id),
        Scope::Subgroup(id) => entity::subgroup::Entity::find_by_id(id).one(db).await?.map(|g| g.community_id),
    };
    let domains = match community_id {
        None => vec![scope.domain()],
        Some(community_id) => {
            let subgroups = entity::subgroup::Entity::find()
                .filter(entity::subgroup::Column::CommunityId.eq(community_id))
                .all(db)
                .await?;
            std::iter::once(Scope::Community(community_id).domain())
                .chain(subgroups.into_iter().map(|g| Scope::Subgroup(g.id).domain()))
                .collect()
        }
    };
    let count = entity::casbin_rule::Entity::find()
        .filter(entity::casbin_rule::Column::Ptype.eq("p"))
        .filter(entity::casbin_rule::Column::V1.is_in(domains))
        .count(db)
        .await?;
    if count >= MAX_RULES_PER_SCOPE {
        return Err(ServiceError::Conflict {
            field: "scopeId".into(),
            message: Message::new("rules-per-scope").arg("max", MAX_RULES_PER_SCOPE),
        });
    }
    Ok(())
}

async fn change_rule(app: &App, caller: &Caller, change: PermissionChange, grant: bool) -> ServiceResult<Rule> {
    let parsed = rule_of(&change)?;
    let txn = crate::db::begin_write(&app.db).await?;
    let trail = ensure_manage(app, &txn, caller, parsed.authority).await?;
    ensure_not_too_often(app, &txn, caller).await?;
    // A scope's administrators govern the roles of their scope, not wider ones: a rule
    // naming a network role there (a DENY on network:ADMIN…) is for network policy
    // managers to write.
    if parsed.authority != Scope::Network
        && Role::parse(&change.role).is_some_and(|r| r.kind() == Some(ScopeKind::Network))
        && !manages_network_policy(app, caller)
    {
        return Err(ServiceError::bad_input("role", Message::new("scope-rule-role").arg("role", change.role.clone())));
    }
    if grant {
        if change.allow {
            ensure_may_allow(app, &txn, caller, &parsed).await?;
        }
        // Rules for one organization no longer decide its suspension (see
        // `organization::update`); such rules left from before can still be revoked.
        if parsed.action == Action::Suspend && parsed.authority != Scope::Network {
            return Err(ServiceError::bad_input("action", Message::new("suspend-network-wide")));
        }
        ensure_room(&txn, parsed.authority).await?;
    }
    let rule = parsed.rule;
    let changed = if grant { store::add(&txn, &rule).await? } else { store::remove(&txn, &rule).await? };
    if !changed {
        return Err(if grant {
            ServiceError::Conflict { field: "action".into(), message: Message::new("rule-exists") }
        } else {
            ServiceError::not_found("rule")
        });
    }
    let text = rule.to_string();
    audit::record(
        &txn,
        AuditRecord {
            scope: trail,
            actor_id: caller.person_id(),
            action: if grant { "policy.grant" } else { "policy.revoke" },
            target_type: "Policy",
            target_id: None,
            before: (!grant).then(|| json!({ "rule": text })),
            after: grant.then(|| json!({ "rule": text })),
            request_id: caller.request_id.as_deref(),
        },
    )
    .await?;
    txn.commit().await?;
    app.auth.reload().await?;
    Ok(rule)
}

/// Adds a rule.
pub async fn grant(app: &App, caller: &Caller, change: PermissionChange) -> ServiceResult<Rule> {
    change_rule(app, caller, change, true).await
}

/// Removes a rule.
pub async fn revoke(app: &App, caller: &Caller, change: PermissionChange) -> ServiceResult<Rule> {
    change_rule(app, caller, change, false).await
}

/// What assigning or revoking a role does, given the row that holds it (if any).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Toggle {
    Insert,
    Delete(i32),
    Unchanged,
}

impl Toggle {
    fn of(existing: Option<i32>, assign: bool) -> Self {
        match (existing, assign) {
            (None, true) => Self::Insert,
            (Some(id), false) => Self::Delete(id),
            _ => Self::Unchanged,
        }
    }
}

/// A network role (no scope) or an organization role to assign or revoke.
async fn change_role(
    app: &App,
    caller: &Caller,
    person_id: i32,
    scope: Option<Scope>,
    role: &str,
    assign: bool,
) -> ServiceResult<()> {
    let txn = crate::db::begin_write(&app.db).await?;
    let target = person::Entity::find_by_id(person_id).one(&txn).await?.ok_or(ServiceError::not_found("person"))?;
    let changed = match scope {
        None => {
            let role = NetworkRoleKind::parse(role)
                .ok_or_else(|| ServiceError::bad_input("role", Message::new("network-roles")))?;
            access::ensure_in(&app.auth, caller.base_roles(), Scope::Network, Action::ManageRoles)?;
            // Told only to who may assign roles (anyone else is FORBIDDEN first).
            if assign {
                super::api_client::ensure_not_service_account(&txn, person_id, "personId").await?;
            }
            let existing = network_role::Entity::find()
                .filter(network_role::Column::PersonId.eq(person_id))
                .filter(network_role::Column::Role.eq(role))
                .one(&txn)
                .await?;
            let toggle = Toggle::of(existing.map(|r| r.id), assign);
            match toggle {
                Toggle::Insert => {
                    network_role::ActiveModel {
                        person_id: Set(person_id),
                        role: Set(role),
                        created_at: Set(Utc::now()),
                        ..Default::default()
                    }
                    .insert(&txn)
                    .await?;
                }
                Toggle::Delete(id) => {
                    network_role::Entity::delete_by_id(id).exec(&txn).await?;
                }
                Toggle::Unchanged => {}
            }
            toggle != Toggle::Unchanged
        }
        Some(Scope::Organization(org)) => {
            let role = OrganizationRoleKind::parse(role)
                .ok_or_else(|| ServiceError::bad_input("role", Message::new("organization-roles")))?;
            entity::organization::Entity::find_by_id(org)
                .one(&txn)
                .await?
                .ok_or(ServiceError::not_found("organization"))?;
            let roles = organizations::roles_in(&txn, caller, org).await?;
            access::ensure_in(&app.auth, &roles, Scope::Organization(org), Action::ManageRoles)?;
            if assign {
                super::api_client::ensure_not_service_account(&txn, person_id, "personId").await?;
            }
            // An organization's administrators manage the roles of its own people only:
            // giving an outsider MANAGER there would let them name that outsider sponsor
            // of any community the organization takes part in. Network administrators
            // may (and revoking stays possible, to clean up).
            let network_admin = caller.viewer.as_ref().is_some_and(|v| v.network_admin);
            if assign && !network_admin && target.organization_id != Some(org) {
                return Err(ServiceError::bad_input("personId", Message::new("not-of-organization")));
            }
            let existing = organization_role::Entity::find()
                .filter(organization_role::Column::PersonId.eq(person_id))
                .filter(organization_role::Column::OrganizationId.eq(org))
                .filter(organization_role::Column::Role.eq(role))
                .one(&txn)
                .await?;
            if assign && let Some(granted) = existing.as_ref().filter(|r| r.provider_id.is_some()) {
                // Held through an identity provider's claims: from now on an administrator
                // grants it, so no login will take it away.
                let mut adopted: organization_role::ActiveModel = granted.clone().into();
                adopted.provider_id = Set(None);
                adopted.update(&txn).await?;
            }
            let adopted = assign && existing.as_ref().is_some_and(|r| r.provider_id.is_some());
            let toggle = Toggle::of(existing.map(|r| r.id), assign);
            match toggle {
                Toggle::Insert => {
                    organization_role::ActiveModel {
                        person_id: Set(person_id),
                        organization_id: Set(org),
                        role: Set(role),
                        created_at: Set(Utc::now()),
                        ..Default::default()
                    }
                    .insert(&txn)
                    .await?;
                }
                Toggle::Delete(id) => {
                    organization_role::Entity::delete_by_id(id).exec(&txn).await?;
                }
                Toggle::Unchanged => {}
            }
            adopted || toggle != Toggle::Unchanged
        }
        Some(_) => {
            return Err(ServiceError::bad_input("scopeId", Message::new("roles-scope")));
        }
    };
    if !changed {
        return Err(ServiceError::Conflict {
            field: "role".into(),
            message: Message::new(if assign { "role-already-held" } else { "role-not-held" }),
        });
    }
    let entry =
        json!({ "personId": person_id, "scope": scope.map_or("network".to_owned(), Scope::domain), "role": role });
    audit::record(
        &txn,
        AuditRecord {
            scope: match scope {
                Some(Scope::Organization(id)) => AuditScope::Organization(id),
                _ => AuditScope::Network,
            },
            actor_id: caller.person_id(),
            action: if assign { "role.assign" } else { "role.revoke" },
            target_type: "Person",
            target_id: Some(person_id),
            before: (!assign).then(|| entry.clone()),
            after: assign.then_some(entry),
            request_id: caller.request_id.as_deref(),
        },
    )
    .await?;
    txn.commit().await?;
    if scope.is_none() {
        // Network roles are part of the authenticated actor.
        app.sessions.forget_all();
    }
    Ok(())
}

/// Assigns a network role (no scope) or an organization role.
pub async fn assign_role(
    app: &App,
    caller: &Caller,
    person_id: i32,
    scope: Option<Scope>,
    role: &str,
) -> ServiceResult<()> {
    change_role(app, caller, person_id, scope, role, true).await
}

/// Revokes a network or organization role.
pub async fn revoke_role(
    app: &App,
    caller: &Caller,
    person_id: i32,
    scope: Option<Scope>,
    role: &str,
) -> ServiceResult<()> {
    change_role(app, caller, person_id, scope, role, false).await
}

/// Whether the caller may know that `scope` exists, answered as `node` does: every
/// organization; a community they may view; a subgroup they see listed in a community
/// whose content they may read. With `listed` false, a subgroup of a community they may
/// view is enough (network auditors).
async fn knows(app: &App, caller: &Caller, scope: Scope, listed: bool) -> ServiceResult<bool> {
    let community = |id| communities::find_with_ties(app, &app.db, caller, communities::Key::Id(id));
    Ok(match scope {
        Scope::Network => true,
        Scope::Organization(id) => organizations::find_by_id(&app.db, id).await?.is_some(),
        Scope::Community(id) => community(id).await?.is_some(),
        Scope::Subgroup(id) if listed => {
            let Some(group) = communities::subgroups_select(app, caller)
                .filter(entity::subgroup::Column::Id.eq(id))
                .one(&app.db)
                .await?
            else {
                return Ok(false);
            };
            community(group.community_id)
                .await?
                .is_some_and(|(c, ties)| access::allowed(&app.auth, &ties.roles(caller), &c, Action::Read))
        }
        Scope::Subgroup(id) => match entity::subgroup::Entity::find_by_id(id).one(&app.db).await? {
            Some(group) => community(group.community_id).await?.is_some(),
            None => false,
        },
    })
}

fn scope_not_found(scope: Scope) -> ServiceError {
    ServiceError::not_found(match scope {
        Scope::Network => "scope",
        Scope::Organization(_) => "organization",
        Scope::Community(_) => "community",
        Scope::Subgroup(_) => "subgroup",
    })
}

/// Explains what the policy answers for a person: the person themselves, people who
/// manage the scope's policy, and network auditors may ask. A scope the caller may not
/// see is `NOT_FOUND` exactly as a missing one, even when asking about oneself.
pub async fn check_access(
    app: &App,
    caller: &Caller,
    person_id: i32,
    scope: Scope,
    object: &str,
    action: &str,
) -> ServiceResult<Decision> {
    let actor = caller.actor()?;
    let object = Object::parse(object)
        .ok_or_else(|| ServiceError::bad_input("object", Message::new("unknown-object").arg("value", object)))?;
    let action = Action::parse(action)
        .ok_or_else(|| ServiceError::bad_input("action", Message::new("unknown-action").arg("value", action)))?;
    let oneself = actor.person_id == person_id;
    let auditor = app.auth.check(&Question {
        roles: caller.base_roles(),
        scope: Scope::Network,
        object: Object::Network,
        action: Action::ReadAudit,
        attrs: policy::Attrs::NONE,
    });
    let mut manager = false;
    if oneself {
        if !knows(app, caller, scope, true).await? {
            return Err(scope_not_found(scope));
        }
    } else if auditor {
        if !knows(app, caller, scope, false).await? {
            return Err(scope_not_found(scope));
        }
    } else {
        // NOT_FOUND for a scope the caller may not see, FORBIDDEN for one they do not manage.
        ensure_manage(app, &app.db, caller, scope).await?;
        manager = true;
    }
    person::Entity::find_by_id(person_id).one(&app.db).await?.ok_or(ServiceError::not_found("person"))?;
    let base = policy::resolve::base_roles(&app.db, Some(person_id)).await?;
    let (roles, attrs) = policy::resolve::roles_in(&app.db, &base, Some(person_id), scope)
        .await?
        .ok_or_else(|| scope_not_found(scope))?;
    let mut decision = app.auth.explain(&Question { roles: &roles, scope, object, action, attrs });
    if manager {
        // A scope's administrators learn the answer and their scope's rules, not the
        // other person's roles beyond it (network roles…).
        if decision.rule.as_deref().is_some_and(|r| r.contains("network:")) || decision.reason.contains("network:") {
            decision.rule = None;
            decision.reason = format!(
                "{} by the network-wide policy (ask a network administrator why)",
                if decision.allowed { "allowed" } else { "denied" }
            );
        } else if !decision.allowed && decision.rule.is_none() {
            decision.reason = format!("no rule allows this person to {action} a {object} in {scope}");
        }
    }
    Ok(decision)
}

/// The whole policy as casbin CSV (network administrators).
pub async fn export(app: &App, caller: &Caller) -> ServiceResult<String> {
    ensure_manage(app, &app.db, caller, Scope::Network).await?;
    Ok(Rule::to_csv(&store::load(&app.db).await?))
}

/// Refuses a policy after which the importing caller, or network administrators, could
/// no longer manage the network's policy: nobody could then repair it through the API.
async fn ensure_still_governable(caller: &Caller, rules: &[Rule]) -> ServiceResult<()> {
    let can_manage = |roles| {
        let q = Question {
            roles,
            scope: Scope::Network,
            object: Object::Network,
            action: Action::ManagePolicy,
            attrs: policy::Attrs::NONE,
        };
        async move { policy::evaluate(rules, &q).await.map(|d| d.allowed) }
    };
    if !can_manage(caller.base_roles()).await? {
        return Err(ServiceError::bad_input("csv", Message::new("import-locks-you-out")));
    }
    if !can_manage(&[Role::Person, Role::Network(NetworkRoleKind::Admin)]).await? {
        return Err(ServiceError::bad_input("csv", Message::new("import-locks-admins-out")));
    }
    Ok(())
}

/// Replaces the whole policy with a casbin CSV file, validated whole first: applied
/// entirely, or not at all (network administrators). Inheritance cycles and policies
/// that would lock the policy's managers out are refused. Returns the number of rules.
pub async fn import(app: &App, caller: &Caller, csv: &str) -> ServiceResult<usize> {
    if csv.len() > 1 << 20 {
        return Err(ServiceError::bad_input("csv", Message::new("policy-too-large")));
    }
    let rules = Rule::parse_csv(csv).map_err(|e| ServiceError::from_policy("csv", e))?;
    for rule in &rules {
        if let Rule::Permission(v) = rule
            && v[3] == Action::View.as_str()
            && rule.domain().and_then(Scope::parse_domain).is_some_and(|(_, id)| id.is_some())
        {
            return Err(ServiceError::bad_input("csv", Message::new("view-rule-in-csv").arg("rule", rule.to_string())));
        }
    }
    if !rules.iter().any(|r| matches!(r, Rule::Permission(_))) {
        return Err(ServiceError::bad_input("csv", Message::new("policy-without-permissions")));
    }
    let txn = crate::db::begin_write(&app.db).await?;
    ensure_manage(app, &txn, caller, Scope::Network).await?;
    ensure_still_governable(caller, &rules).await?;
    let before = Rule::to_csv(&store::load(&txn).await?);
    store::replace_all(&txn, &rules).await?;
    audit::record(
        &txn,
        AuditRecord {
            scope: AuditScope::Network,
            actor_id: caller.person_id(),
            action: "policy.import",
            target_type: "Policy",
            target_id: None,
            before: Some(json!({ "csv": before })),
            after: Some(json!({ "csv": Rule::to_csv(&rules) })),
            request_id: caller.request_id.as_deref(),
        },
    )
    .await?;
    txn.commit().await?;
    app.auth.reload().await?;
    Ok(rules.len())
}

/// Filters of [`audit_events`].
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// One organization's or community's trail; every trail when `None`.
    pub scope: Option<Scope>,
    pub action: Option<String>,
    pub target_type: Option<String>,
    pub target_id: Option<i32>,
    pub actor_id: Option<i32>,
}

/// The audit trail, newest last (network administrators and auditors).
pub async fn audit_events(
    app: &App,
    caller: &Caller,
    filter: &AuditFilter,
    req: &PageRequest,
    want_count: bool,
) -> ServiceResult<(Page<audit_event::Model>, u64)> {
    caller.actor()?;
    let trail = match filter.scope {
        None | Some(Scope::Network) => {
            access::ensure_in(&app.auth, caller.base_roles(), Scope::Network, Action::ReadAudit)?;
            None
        }
        Some(scope @ Scope::Organization(id)) => {
            organizations::find_by_id(&app.db, id).await?.ok_or(ServiceError::not_found("organization"))?;
            let roles = organizations::roles_in(&app.db, caller, id).await?;
            access::ensure_in(&app.auth, &roles, scope, Action::ReadAudit)?;
            Some(AuditScope::Organization(id))
        }
        Some(Scope::Community(id)) => {
            communities::authorized(app, &app.db, caller, id, Action::ReadAudit).await?;
            Some(AuditScope::Community(id))
        }
        Some(Scope::Subgroup(_)) => {
            return Err(ServiceError::bad_input("filter.scopeId", Message::new("audit-scope")));
        }
    };
    let mut select = audit_event::Entity::find();
    if let Some(trail) = trail {
        let (scope_type, scope_id) = trail.columns();
        select = select
            .filter(audit_event::Column::ScopeType.eq(scope_type))
            .filter(audit_event::Column::ScopeId.eq(scope_id));
    }
    if let Some(action) = &filter.action {
        crate::service::validate::single_line("filter.action", action)?;
        select = select.filter(audit_event::Column::Action.eq(action.as_str()));
    }
    if let Some(target_type) = &filter.target_type {
        crate::service::validate::single_line("filter.targetType", target_type)?;
        select = select.filter(audit_event::Column::TargetType.eq(target_type.as_str()));
    }
    if let Some(id) = filter.target_id {
        select = select.filter(audit_event::Column::TargetId.eq(id));
    }
    if let Some(id) = filter.actor_id {
        select = select.filter(audit_event::Column::ActorId.eq(id));
    }
    let page = page::fetch(&app.db, select.clone(), audit_event::Column::Id, req).await?;
    let total = if want_count { page::count(&app.db, select).await? } else { 0 };
    Ok((page, total))
}

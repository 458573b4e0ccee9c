//! Policy administration in the schema: rules, roles, explained decisions, import and
//! export, and the audit trail.

use crate::i18n::Message;
use async_graphql::{Context, Enum, ID, InputObject, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::audit_event;
use policy::{Rule, Scope};

use super::{
    GqlResult, app, caller,
    connection::{self, Conn},
    ids::{NodeKind, from_global, from_global_any, to_global},
    loaders::{PersonById, loader},
    order::{AuditEventOrder, list_order},
    person::Person,
};
use crate::{
    error::ServiceError,
    service::policy_admin::{self as service, AuditFilter, PermissionChange},
};

/// Reads an optional scope id: an organization, community or subgroup; the network
/// when absent.
fn scope(field: &str, id: Option<&ID>) -> Result<Option<Scope>, ServiceError> {
    let Some(id) = id else { return Ok(None) };
    match from_global_any(field, id)? {
        (NodeKind::Organization, n) => Ok(Some(Scope::Organization(n))),
        (NodeKind::Community, n) => Ok(Some(Scope::Community(n))),
        (NodeKind::Subgroup, n) => Ok(Some(Scope::Subgroup(n))),
        _ => Err(ServiceError::bad_input(field, Message::new("scope-id"))),
    }
}

/// One policy line.
#[derive(SimpleObject)]
pub struct PolicyRule {
    /// `p` (permission) or `g` (role inheritance).
    pub ptype: String,
    /// The fields after the type: for `p`, role, scope, object, action, visibility,
    /// membership policy, state and effect; for `g`, the role and the role it inherits.
    pub values: Vec<String>,
    /// The line as casbin CSV.
    pub text: String,
}

impl From<Rule> for PolicyRule {
    fn from(rule: Rule) -> Self {
        Self { ptype: rule.ptype().to_owned(), values: rule.values(), text: rule.to_string() }
    }
}

/// The answer to `checkAccess`.
#[derive(SimpleObject)]
pub struct AccessDecision {
    /// Whether the person may do it.
    pub allowed: bool,
    /// The rule that decided, when one did.
    pub rule: Option<String>,
    /// Why, in a sentence (for a refusal: the roles considered and the conditions).
    pub reason: String,
}

/// Allow or deny.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// The rule permits the action.
    Allow,
    /// The rule forbids the action, whatever other rules allow.
    Deny,
}

/// Input of `grantPermission` and `revokePermission`.
#[derive(InputObject)]
pub struct PermissionInput {
    /// A role as policies name it: `community:ANIMATOR`, `organization:ADMIN`,
    /// `network:AUDITOR`, `subgroup:LEAD`, `person`, `anonymous`.
    pub role: String,
    /// The organization, community or subgroup the rule is for; every scope of the
    /// object's kind when omitted.
    pub scope_id: Option<ID>,
    /// `network`, `organization`, `community` or `subgroup`.
    pub object: String,
    /// `read`, `post`, `invite`, `approve`, …
    pub action: String,
    /// Whether the rule allows (the default) or denies.
    #[graphql(default_with = "Effect::Allow")]
    pub effect: Effect,
}

impl PermissionInput {
    fn change(self) -> Result<PermissionChange, ServiceError> {
        Ok(PermissionChange {
            role: self.role,
            scope: scope("scopeId", self.scope_id.as_ref())?,
            object: self.object,
            action: self.action,
            allow: self.effect == Effect::Allow,
        })
    }
}

/// Result of `grantPermission` and `revokePermission`.
#[derive(SimpleObject)]
pub struct PermissionPayload {
    /// The rule added or removed.
    pub rule: PolicyRule,
    /// The policy generation now in force.
    pub generation: i64,
}

/// Input of `assignRole` and `revokeRole`.
#[derive(InputObject)]
pub struct RoleInput {
    /// Global id of the person.
    pub person_id: ID,
    /// An organization for organization roles (ADMIN, MANAGER, MEMBER); the network
    /// (ADMIN, AUDITOR) when omitted.
    pub scope_id: Option<ID>,
    /// The role's name in that scope: `ADMIN`, `MANAGER`, `MEMBER` (organization) or
    /// `ADMIN`, `AUDITOR` (network); anything else is `BAD_USER_INPUT`.
    pub role: String,
}

/// Result of `assignRole` and `revokeRole`.
#[derive(SimpleObject)]
pub struct RolePayload {
    /// The person whose role changed.
    pub person: Person,
}

/// Input of `importPolicy`.
#[derive(InputObject)]
pub struct ImportPolicyInput {
    /// A whole policy in casbin CSV (as `exportPolicy` gives it).
    pub csv: String,
}

/// Result of `importPolicy`.
#[derive(SimpleObject)]
pub struct ImportPolicyPayload {
    /// How many rules the policy now holds.
    pub rule_count: i32,
    /// The policy generation now in force.
    pub generation: i64,
}

/// Filters of `auditEvents`.
#[derive(InputObject, Default)]
pub struct AuditEventFilter {
    /// `community.create`, `membership.approve`, `policy.grant`…
    pub action: Option<String>,
    /// `Community`, `Membership`, `Policy`…
    pub target_type: Option<String>,
    /// Only events caused by this person (global id).
    pub actor_id: Option<ID>,
    /// One trail: an organization's (for its administrators) or a community's (for its
    /// administrators; its subgroups' changes included). When omitted, every trail
    /// (network administrators and auditors).
    pub scope_id: Option<ID>,
}

/// Something a person or an administrator did, with the state before and after.
pub struct AuditEvent(pub audit_event::Model);

/// Something a person or an administrator did, with the state before and after.
#[Object]
impl AuditEvent {
    /// What was done, as `object.verb`: `community.create`, `membership.approve`,
    /// `policy.grant`…
    async fn action(&self) -> &str {
        &self.0.action
    }
    /// The kind of thing changed: `Community`, `Membership`, `Policy`…
    async fn target_type(&self) -> &str {
        &self.0.target_type
    }
    /// The target's number within its type.
    async fn target_number(&self) -> Option<i32> {
        self.0.target_id
    }
    /// Who did it; null for changes made by the server itself or from the command line.
    async fn actor(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Person>> {
        let Some(id) = self.0.actor_id else { return Ok(None) };
        Ok(loader::<PersonById, _>(ctx).load_one(id).await.gql()?.map(Person))
    }
    /// The target's state before the change, as a JSON object; null for a creation.
    async fn before(&self) -> Option<Json<serde_json::Value>> {
        self.0.before.clone().map(Json)
    }
    /// The target's state after the change, as a JSON object; null for a deletion.
    async fn after(&self) -> Option<Json<serde_json::Value>> {
        self.0.after.clone().map(Json)
    }
    /// The id the server gave the request that made the change (sent back to its client
    /// in the `X-Request-Id` response header).
    async fn request_id(&self) -> Option<&str> {
        self.0.request_id.as_deref()
    }
    /// The `X-Request-Id` the client sent with that request, if any (printable ASCII, at
    /// most 64 characters); chosen by the client, so not unique.
    async fn client_request_id(&self) -> Option<&str> {
        self.0.client_request_id.as_deref()
    }
    /// When the change was made (committed with it).
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// The trail it belongs to: the organization or community it concerns; none for
    /// network-wide changes.
    async fn scope_id(&self) -> Option<ID> {
        let id = self.0.scope_id?;
        match self.0.scope_type.as_str() {
            "organization" => Some(to_global(NodeKind::Organization, id)),
            "community" => Some(to_global(NodeKind::Community, id)),
            _ => None,
        }
    }
}

/// Policy queries.
#[derive(Default)]
pub struct PolicyQuery;

#[Object]
impl PolicyQuery {
    /// The rules of a scope (its overrides), or the network-wide rules when omitted.
    #[graphql(complexity = "crate::graphql::connection::list_cost(child_complexity)")]
    async fn policy_rules(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Global id of an organization, community or subgroup; the network-wide rules when omitted. Any other id is `BAD_USER_INPUT` naming `scopeId`."
        )]
        scope_id: Option<ID>,
    ) -> async_graphql::Result<Vec<PolicyRule>> {
        let scope = scope("scopeId", scope_id.as_ref()).gql()?;
        Ok(service::rules(app(ctx), caller(ctx), scope).await.gql()?.into_iter().map(PolicyRule::from).collect())
    }

    /// What the policy answers for a person, and the rule or condition that decided.
    async fn check_access(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Global id of the person asked about: oneself, or anyone for those who manage the scope (or audit the network)."
        )]
        person_id: ID,
        #[graphql(desc = "Global id of the organization, community or subgroup where the person would act.")]
        scope_id: ID,
        #[graphql(
            desc = "What the person would act on: `network`, `organization`, `community` or `subgroup` (`BAD_USER_INPUT` naming `object` otherwise)."
        )]
        object: String,
        #[graphql(
            desc = "What the person would do, as policies name it: `read`, `post`, `invite`, `approve`… (`BAD_USER_INPUT` naming `action` for an unknown one)."
        )]
        action: String,
    ) -> async_graphql::Result<AccessDecision> {
        let person = from_global("personId", NodeKind::Person, &person_id).gql()?;
        let scope = scope("scopeId", Some(&scope_id)).gql()?.unwrap_or(Scope::Network);
        let d = service::check_access(app(ctx), caller(ctx), person, scope, &object, &action).await.gql()?;
        Ok(AccessDecision { allowed: d.allowed, rule: d.rule, reason: d.reason })
    }

    /// The whole policy as casbin CSV (network administrators).
    async fn export_policy(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        service::export(app(ctx), caller(ctx)).await.gql()
    }

    /// The audit trail, oldest first: every trail for network administrators and
    /// auditors; one organization's or community's (`filter.scopeId`) for those the
    /// policy lets read it (by default its administrators).
    #[graphql(complexity = "crate::graphql::connection::cost(first, last, child_complexity)")]
    #[expect(
        clippy::too_many_arguments,
        reason = "a list field's arguments: its filter, orderBy and the four of Relay"
    )]
    async fn audit_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "How the list is sorted; by default oldest first (by id). A cursor serves only the order it was made in: with another `orderBy` (or none) it is `BAD_USER_INPUT` naming `after` or `before`."
        )]
        order_by: Option<AuditEventOrder>,
        #[graphql(desc = "Narrows the trail; all given filters must match (exact values).")] filter: Option<
            AuditEventFilter,
        >,
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
    ) -> async_graphql::Result<Conn<AuditEvent>> {
        let order = list_order(order_by.as_ref());
        let req = connection::page_request(first, after, last, before, order).gql()?;
        let filter = filter.unwrap_or_default();
        let scope = scope("filter.scopeId", filter.scope_id.as_ref()).gql()?;
        let filter = AuditFilter {
            scope,
            action: filter.action,
            target_type: filter.target_type,
            target_id: None,
            actor_id: filter
                .actor_id
                .as_ref()
                .map(|id| from_global("filter.actorId", NodeKind::Person, id))
                .transpose()
                .gql()?,
        };
        let (page, total) =
            service::audit_events(app(ctx), caller(ctx), &filter, &req, connection::wants_count(ctx)).await.gql()?;
        Ok(connection::build(page, total, order, |m| m.id, AuditEvent))
    }
}

/// Policy mutations.
#[derive(Default)]
pub struct PolicyMutation;

#[Object]
impl PolicyMutation {
    /// Adds a rule: for every scope of a kind (network administrators), or for one
    /// organization (its administrators), community or subgroup (the community's
    /// administrators). Effective on the next request, on every replica.
    async fn grant_permission(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The rule to add.")] input: PermissionInput,
    ) -> async_graphql::Result<PermissionPayload> {
        let rule = service::grant(app(ctx), caller(ctx), input.change().gql()?).await.gql()?;
        Ok(PermissionPayload { rule: rule.into(), generation: app(ctx).auth.generation() })
    }

    /// Removes a rule (same authority as `grantPermission`).
    async fn revoke_permission(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The rule to remove, as it was granted.")] input: PermissionInput,
    ) -> async_graphql::Result<PermissionPayload> {
        let rule = service::revoke(app(ctx), caller(ctx), input.change().gql()?).await.gql()?;
        Ok(PermissionPayload { rule: rule.into(), generation: app(ctx).auth.generation() })
    }

    /// Gives a person a network role (ADMIN, AUDITOR) or an organization role (ADMIN,
    /// MANAGER, MEMBER).
    async fn assign_role(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The person, the scope and the role to give.")] input: RoleInput,
    ) -> async_graphql::Result<RolePayload> {
        role(ctx, input, true).await
    }

    /// Takes a network or organization role back.
    async fn revoke_role(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The person, the scope and the role to take back.")] input: RoleInput,
    ) -> async_graphql::Result<RolePayload> {
        role(ctx, input, false).await
    }

    /// Replaces the whole policy with a casbin CSV file: validated whole, applied
    /// entirely or not at all (network administrators).
    async fn import_policy(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new policy.")] input: ImportPolicyInput,
    ) -> async_graphql::Result<ImportPolicyPayload> {
        let count = service::import(app(ctx), caller(ctx), &input.csv).await.gql()?;
        Ok(ImportPolicyPayload {
            rule_count: i32::try_from(count).unwrap_or(i32::MAX),
            generation: app(ctx).auth.generation(),
        })
    }
}

async fn role(ctx: &Context<'_>, input: RoleInput, assign: bool) -> async_graphql::Result<RolePayload> {
    let person_id = from_global("personId", NodeKind::Person, &input.person_id).gql()?;
    let scope = scope("scopeId", input.scope_id.as_ref()).gql()?;
    let (app, caller) = (app(ctx), caller(ctx));
    if assign {
        service::assign_role(app, caller, person_id, scope, &input.role).await.gql()?;
    } else {
        service::revoke_role(app, caller, person_id, scope, &input.role).await.gql()?;
    }
    let person = crate::service::person::find_by_id(&app.db, person_id)
        .await
        .gql()?
        .ok_or(ServiceError::not_found("person"))
        .gql()?;
    Ok(RolePayload { person: Person(person) })
}

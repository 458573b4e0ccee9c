//! The Authorizer: answers "may these roles do this action on this object in this
//! scope?" with casbin, behind a decision cache.
//!
//! Memberships and role assignments are data: services resolve the person's roles in
//! the scope (see [`crate::resolve`]) and pass them in; casbin holds only the policy
//! templates and role inheritance, so memory grows with the policy, not the members.
//! A decision is over the whole role set: allowed iff some role allows and no role held
//! (inherited ones included) is denied — a deny on one role is not outweighed by another
//! role's allow. Network administrators' administrative actions are decided without the
//! denies written for one scope, so no scope administrator can lock them out.
//! Decisions are cached under (roles, scope kind — or the scope itself when it has its
//! own rules —, attributes, object, action, policy generation): the hot path is one hash
//! lookup; so is each role's [`Effect`], from which lists build their SQL. A reload (after a policy write here, or a newer generation written by another
//! replica) swaps the engine and starts a new cache.

use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, RwLock},
};

use casbin::{CoreApi, DefaultModel, Enforcer, MemoryAdapter, MgmtApi};
use entity::enums::NetworkRoleKind;
use sea_orm::DatabaseConnection;

use crate::{
    error::PolicyError,
    rules::{MODEL, Rule},
    store,
    vocabulary::{Action, Attrs, Object, Role, Scope, ScopeKind},
};

/// Most decisions kept before the cache starts afresh.
const CACHE_LIMIT: usize = 200_000;

/// A question put to the Authorizer.
#[derive(Debug, Clone, Copy)]
pub struct Question<'a> {
    /// The person's effective roles in the scope (see [`crate::resolve`]).
    pub roles: &'a [Role],
    pub scope: Scope,
    pub object: Object,
    pub action: Action,
    pub attrs: Attrs,
}

/// An answer with its reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    /// The rule that decided, as a policy line, when one did.
    pub rule: Option<String>,
    /// Why, in a sentence.
    pub reason: String,
}

/// A refusal. Its message is what the person is told (no roles, no rules: those are
/// the policy's internals); its reason is what `explain` gives, for the log and for
/// `checkAccess`.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct Denied {
    /// "you may not post on this community".
    pub message: String,
    /// The action refused (for the message in the person's language).
    pub action: Action,
    /// What it was refused on.
    pub object: Object,
    /// The rule or condition that decided.
    pub reason: String,
}

/// What one role contributes to a decision: the person is allowed iff one of their
/// roles allows and none of them denies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Effect {
    /// A rule allows this role (itself or by inheritance) and none denies it.
    Allow,
    /// A rule denies this role (itself or by inheritance): whoever holds it is refused.
    Deny,
    /// No rule speaks of this role here.
    Silent,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Key {
    generation: i64,
    roles: u32,
    kind: ScopeKind,
    /// Only for scopes that have rules of their own.
    scope_id: Option<i32>,
    attrs: Attrs,
    object: Object,
    action: Action,
}

/// The rules of one (object, action) pair.
struct Shard {
    /// Every rule of the pair, and every inheritance line.
    all: Enforcer,
    /// The same without the denies written for one scope (`community:42`): what decides
    /// network administrators' administrative actions (see [`Action::is_administrative`]).
    /// `None` when the pair has no such deny.
    administrative: Option<Enforcer>,
}

struct Engine {
    /// One enforcer per (object, action), holding only that pair's rules and every
    /// inheritance line: casbin evaluates its matcher once per rule, so a shard of a
    /// few rules decides much faster than the whole policy would.
    shards: HashMap<(String, String), Shard>,
    generation: i64,
    rules: Vec<Rule>,
    /// Domains that have rules of their own (`community:42`).
    overridden: HashSet<String>,
}

/// Whether a policy line (after its type) is a deny written for one scope.
fn is_scope_deny(values: &[String]) -> bool {
    values.last().is_some_and(|e| e == "deny")
        && values.get(1).and_then(|d| Scope::parse_domain(d)).is_some_and(|(_, id)| id.is_some())
}

/// Whether network administrators' scope-proof decisions apply to these roles and action.
fn immune(roles: &[Role], action: Action) -> bool {
    action.is_administrative() && roles.contains(&Role::Network(NetworkRoleKind::Admin))
}

impl Engine {
    async fn new(rules: Vec<Rule>, generation: i64) -> Result<Self, PolicyError> {
        let model = DefaultModel::from_str(MODEL).await?;
        let mut inheritance = Vec::new();
        let mut by_pair: HashMap<(String, String), Vec<Vec<String>>> = HashMap::new();
        for rule in &rules {
            match rule {
                Rule::Inheritance(a, b) => inheritance.push(vec![a.clone(), b.clone()]),
                Rule::Permission(v) => {
                    if let (Some(object), Some(action)) = (v.get(2), v.get(3)) {
                        by_pair.entry((object.clone(), action.clone())).or_default().push(v.clone());
                    }
                }
            }
        }
        let mut shards = HashMap::with_capacity(by_pair.len());
        for (pair, lines) in by_pair {
            let administrative =
                Action::parse(&pair.1).is_some_and(Action::is_administrative) && lines.iter().any(|v| is_scope_deny(v));
            let administrative = if administrative {
                let kept = lines.iter().filter(|v| !is_scope_deny(v)).cloned().collect();
                Some(enforcer(&model, &inheritance, kept).await?)
            } else {
                None
            };
            let all = enforcer(&model, &inheritance, lines).await?;
            shards.insert(pair, Shard { all, administrative });
        }
        let overridden = rules
            .iter()
            .filter_map(Rule::domain)
            .filter(|d| Scope::parse_domain(d).is_some_and(|(_, id)| id.is_some()))
            .map(str::to_owned)
            .collect();
        Ok(Engine { shards, generation, rules, overridden })
    }

    /// What `role` contributes, with the rule that decided.
    fn effect(&self, role: Role, q: &Question<'_>, immune: bool) -> (Effect, Option<String>) {
        let Some(shard) = self.shards.get(&(q.object.as_str().to_owned(), q.action.as_str().to_owned())) else {
            // No rule names this object and action, so nothing allows it.
            return (Effect::Silent, None);
        };
        let enforcer = match (&shard.administrative, immune) {
            (Some(administrative), true) => administrative,
            _ => &shard.all,
        };
        let request = vec![
            role.name(),
            q.scope.domain(),
            q.scope.kind().pattern().to_owned(),
            q.object.as_str().to_owned(),
            q.action.as_str().to_owned(),
            q.attrs.vis().to_owned(),
            q.attrs.pol().to_owned(),
            q.attrs.arc().to_owned(),
        ];
        match enforcer.enforce_ex(request) {
            Ok((true, rules)) => (Effect::Allow, rules.first().map(|r| format!("p, {}", r.join(", ")))),
            Ok((false, rules)) => match rules.iter().find(|r| r.last().is_some_and(|e| e == "deny")) {
                Some(rule) => (Effect::Deny, Some(format!("p, {}", rule.join(", ")))),
                None => (Effect::Silent, None),
            },
            Err(err) => {
                // Fail closed: an engine error counts as a deny.
                tracing::error!(%err, "policy engine error: denying");
                (Effect::Deny, None)
            }
        }
    }

    /// Decides over the whole role set: allowed iff some role allows and no role the
    /// person holds (inherited ones included) is denied.
    fn decide(&self, q: &Question<'_>) -> Decision {
        let domain = q.scope.domain();
        let mut roles: Vec<Role> = q.roles.iter().copied().filter(|r| r.counts_in(q.scope.kind())).collect();
        roles.sort();
        roles.dedup();
        let immune = immune(&roles, q.action);
        let mut allow: Option<(Role, Option<String>)> = None;
        let mut deny: Option<(Role, Option<String>)> = None;
        for role in &roles {
            match self.effect(*role, q, immune) {
                (Effect::Allow, rule) => {
                    allow.get_or_insert((*role, rule));
                }
                (Effect::Deny, rule) => {
                    deny.get_or_insert((*role, rule));
                }
                (Effect::Silent, _) => {}
            }
        }
        match (deny, allow) {
            (Some((role, rule)), _) => Decision {
                allowed: false,
                reason: match &rule {
                    Some(rule) => format!("denied by rule: {rule}"),
                    None => format!("denied for {}: the policy engine failed", role.name()),
                },
                rule,
            },
            (None, Some((role, rule))) => Decision {
                allowed: true,
                reason: format!("{} may {} this {} in {domain}", role.name(), q.action, q.object),
                rule,
            },
            (None, None) => {
                let names: Vec<String> = roles.iter().map(|r| r.name()).collect();
                Decision {
                    allowed: false,
                    rule: None,
                    reason: format!(
                        "no rule allows [{}] to {} a {} in {domain} (visibility {}, membership policy {}, {})",
                        names.join(", "),
                        q.action,
                        q.object,
                        q.attrs.vis(),
                        q.attrs.pol(),
                        q.attrs.arc()
                    ),
                }
            }
        }
    }
}

async fn enforcer(
    model: &DefaultModel,
    inheritance: &[Vec<String>],
    rules: Vec<Vec<String>>,
) -> Result<Enforcer, PolicyError> {
    let mut shard = Enforcer::new(model.clone(), MemoryAdapter::default()).await?;
    if !inheritance.is_empty() {
        shard.add_grouping_policies(inheritance.to_vec()).await?;
    }
    if !rules.is_empty() {
        shard.add_policies(rules).await?;
    }
    Ok(shard)
}

/// What a policy that is not in force would answer (to check an import before it
/// commits).
pub async fn evaluate(rules: &[Rule], q: &Question<'_>) -> Result<Decision, PolicyError> {
    Ok(Engine::new(rules.to_vec(), 0).await?.decide(q))
}

/// Cache key of one role's effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct RoleKey {
    generation: i64,
    role: u32,
    immune: bool,
    kind: ScopeKind,
    scope_id: Option<i32>,
    attrs: Attrs,
    object: Object,
    action: Action,
}

/// Decides who may do what. Cheap to share (`Arc`).
pub struct Authorizer {
    db: DatabaseConnection,
    engine: RwLock<Arc<Engine>>,
    cache: RwLock<HashMap<Key, bool>>,
    effects: RwLock<HashMap<RoleKey, Effect>>,
    /// Decisions found in `cache`, and not found (for the operators' hit rate).
    hits: std::sync::atomic::AtomicU64,
    misses: std::sync::atomic::AtomicU64,
}

impl std::fmt::Debug for Authorizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authorizer").field("generation", &self.generation()).finish()
    }
}

async fn build_engine(db: &DatabaseConnection) -> Result<Engine, PolicyError> {
    // Read the generation first: if a write lands in between, the next refresh sees a
    // newer generation and reloads again.
    let generation = store::generation(db).await?;
    let rules = store::load(db).await?;
    Engine::new(rules, generation).await
}

/// Inserts into a bounded cache (starts afresh when full).
fn remember<K: std::hash::Hash + Eq, V>(cache: &RwLock<HashMap<K, V>>, key: K, value: V) {
    if let Ok(mut cache) = cache.write() {
        if cache.len() >= CACHE_LIMIT {
            cache.clear();
        }
        cache.insert(key, value);
    }
}

impl Authorizer {
    /// Loads the policy from the database, seeding the default policy into an empty one.
    pub async fn load(db: DatabaseConnection) -> Result<Self, PolicyError> {
        store::seed_if_empty(&db).await?;
        let engine = build_engine(&db).await?;
        Ok(Self {
            db,
            engine: RwLock::new(Arc::new(engine)),
            cache: RwLock::new(HashMap::new()),
            effects: RwLock::new(HashMap::new()),
            hits: std::sync::atomic::AtomicU64::new(0),
            misses: std::sync::atomic::AtomicU64::new(0),
        })
    }

    fn engine(&self) -> Arc<Engine> {
        match self.engine.read() {
            Ok(engine) => engine.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// How many decisions [`Self::check`] found in its cache, and did not, since start.
    pub fn cache_lookups(&self) -> (u64, u64) {
        use std::sync::atomic::Ordering::Relaxed;
        (self.hits.load(Relaxed), self.misses.load(Relaxed))
    }

    /// The generation of the rules in force.
    pub fn generation(&self) -> i64 {
        self.engine().generation
    }

    /// The rules in force.
    pub fn rules(&self) -> Vec<Rule> {
        self.engine().rules.clone()
    }

    /// The ids of the scopes of `kind` that have rules of their own (`subgroup:9`).
    pub fn overridden_for(&self, kind: ScopeKind, object: Object, action: Action) -> Vec<i32> {
        // A scope's own rules only match questions about that scope, this object and this
        // action (see the matcher): a scope whose rules are all about other actions
        // decides this one exactly as every scope of its kind does, and needs no decision
        // of its own. Lists ask per scope only where it can differ.
        let engine = self.engine();
        let mut ids: Vec<i32> = engine
            .rules
            .iter()
            .filter_map(|rule| match rule {
                Rule::Permission(v)
                    if v.get(2).map(String::as_str) == Some(object.as_str())
                        && v.get(3).map(String::as_str) == Some(action.as_str()) =>
                {
                    v.get(1).and_then(|d| Scope::parse_domain(d))
                }
                _ => None,
            })
            .filter(|(k, _)| *k == kind)
            .filter_map(|(_, id)| id)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// Every scope of `kind` that has rules of its own, whatever they are about.
    pub fn overridden(&self, kind: ScopeKind) -> Vec<i32> {
        let mut ids: Vec<i32> = self
            .engine()
            .overridden
            .iter()
            .filter_map(|d| Scope::parse_domain(d))
            .filter(|(k, _)| *k == kind)
            .filter_map(|(_, id)| id)
            .collect();
        ids.sort_unstable();
        ids
    }

    /// Reloads the rules from the database now.
    pub async fn reload(&self) -> Result<(), PolicyError> {
        let engine = Arc::new(build_engine(&self.db).await?);
        tracing::info!(generation = engine.generation, rules = engine.rules.len(), "policy loaded");
        match self.engine.write() {
            Ok(mut current) => *current = engine,
            Err(poisoned) => *poisoned.into_inner() = engine,
        }
        if let Ok(mut cache) = self.cache.write() {
            cache.clear();
        }
        if let Ok(mut effects) = self.effects.write() {
            effects.clear();
        }
        Ok(())
    }

    /// Reloads if another process (or this one) wrote a newer generation; returns
    /// whether it did.
    pub async fn refresh_if_stale(&self) -> Result<bool, PolicyError> {
        let stored = store::generation(&self.db).await?;
        if stored == self.generation() {
            return Ok(false);
        }
        self.reload().await?;
        Ok(true)
    }

    fn scope_id(engine: &Engine, scope: Scope) -> Option<i32> {
        match scope {
            Scope::Network => None,
            Scope::Organization(id) | Scope::Community(id) | Scope::Subgroup(id) => {
                (!engine.overridden.is_empty() && engine.overridden.contains(&scope.domain())).then_some(id)
            }
        }
    }

    /// Whether the question is answered yes (cached).
    pub fn check(&self, q: &Question<'_>) -> bool {
        let engine = self.engine();
        let roles = q.roles.iter().filter(|r| r.counts_in(q.scope.kind())).fold(0u32, |bits, r| bits | 1 << r.index());
        let key = Key {
            generation: engine.generation,
            roles,
            kind: q.scope.kind(),
            scope_id: Self::scope_id(&engine, q.scope),
            attrs: q.attrs,
            object: q.object,
            action: q.action,
        };
        if let Some(allowed) = self.cache.read().ok().and_then(|c| c.get(&key).copied()) {
            self.hits.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            return allowed;
        }
        self.misses.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let allowed = engine.decide(q).allowed;
        remember(&self.cache, key, allowed);
        allowed
    }

    /// What the rules written for every scope of a kind answer, rules written for one
    /// scope (`organization:7`) ignored: for decisions that belong to the network (an
    /// organization's suspension), which no scope-level rule may widen or narrow.
    pub fn check_network_wide(&self, q: &Question<'_>) -> bool {
        // No rule names a negative id (`Rule::validate` refuses them), so only the
        // rules for every scope of the kind match this one.
        let scope = match q.scope {
            Scope::Network => Scope::Network,
            Scope::Organization(_) => Scope::Organization(-1),
            Scope::Community(_) => Scope::Community(-1),
            Scope::Subgroup(_) => Scope::Subgroup(-1),
        };
        self.check(&Question { roles: q.roles, scope, object: q.object, action: q.action, attrs: q.attrs })
    }

    /// What `role` contributes to the decision on `q` (cached): whoever holds a role
    /// whose effect is [`Effect::Deny`] is refused, and otherwise allowed iff one of
    /// their roles has [`Effect::Allow`]. `q.roles` are the other roles held, which
    /// matter only for network administrators' administrative actions. Lists use this
    /// to turn a decision into SQL over the ties that give roles.
    pub fn effect(&self, role: Role, q: &Question<'_>) -> Effect {
        if !role.counts_in(q.scope.kind()) {
            return Effect::Silent;
        }
        let engine = self.engine();
        let immune = immune(q.roles, q.action)
            || (role == Role::Network(NetworkRoleKind::Admin) && q.action.is_administrative());
        let key = RoleKey {
            generation: engine.generation,
            role: role.index(),
            immune,
            kind: q.scope.kind(),
            scope_id: Self::scope_id(&engine, q.scope),
            attrs: q.attrs,
            object: q.object,
            action: q.action,
        };
        if let Some(effect) = self.effects.read().ok().and_then(|c| c.get(&key).copied()) {
            return effect;
        }
        let (effect, _) = engine.effect(role, q, immune);
        remember(&self.effects, key, effect);
        effect
    }

    /// Refuses when the answer is no: with a message that names only the action and
    /// the object, the reason going to the log.
    pub fn ensure(&self, q: &Question<'_>) -> Result<(), Denied> {
        if self.check(q) {
            return Ok(());
        }
        let reason = self.explain(q).reason;
        tracing::info!(%reason, "refused");
        Err(Denied {
            message: format!("you may not {} on this {}", q.action.words(), q.object),
            action: q.action,
            object: q.object,
            reason,
        })
    }

    /// The answer with the rule or condition that decided it (not cached).
    pub fn explain(&self, q: &Question<'_>) -> Decision {
        self.engine().decide(q)
    }
}

#[cfg(test)]
mod tests {
    use entity::enums::{CommunityRole, MembershipPolicy, Visibility};

    use super::*;
    use crate::rules::DEFAULT_POLICY;

    fn with(extra: &str) -> Vec<Rule> {
        Rule::parse_csv(&format!("{DEFAULT_POLICY}\n{extra}\n")).expect("valid policy")
    }

    fn question(roles: &[Role], scope: Scope, action: Action) -> Question<'_> {
        let (object, attrs) = match scope {
            Scope::Network => (Object::Network, Attrs::NONE),
            Scope::Organization(_) => (Object::Organization, Attrs::NONE),
            Scope::Community(_) => {
                (Object::Community, Attrs::community(Visibility::Members, MembershipPolicy::Invitation, false))
            }
            Scope::Subgroup(_) => (Object::Subgroup, Attrs::NONE),
        };
        Question { roles, scope, object, action, attrs }
    }

    #[tokio::test]
    async fn a_deny_on_any_role_held_wins_over_another_roles_allow() {
        let rules = with("p, community:WATCHER, community:3, community, read, *, *, *, deny");
        let watcher = [Role::Person, Role::CommunityParticipant, Role::Community(CommunityRole::Watcher)];
        let d = evaluate(&rules, &question(&watcher, Scope::Community(3), Action::Read)).await.expect("engine");
        assert!(!d.allowed, "{d:?}");
        assert_eq!(d.rule.as_deref(), Some("p, community:WATCHER, community:3, community, read, *, *, *, deny"));
        let elsewhere = evaluate(&rules, &question(&watcher, Scope::Community(4), Action::Read)).await.expect("engine");
        assert!(elsewhere.allowed, "{elsewhere:?}");

        // A deny on an inherited role reaches the roles that inherit it.
        let rules = with("p, community:PARTICIPANT, community:*, community, post, *, *, *, deny");
        let founder = [Role::Person, Role::CommunityParticipant, Role::Community(CommunityRole::Founder)];
        let d = evaluate(&rules, &question(&founder, Scope::Community(3), Action::Post)).await.expect("engine");
        assert!(!d.allowed, "{d:?}");
    }

    #[tokio::test]
    async fn network_administrators_administrative_actions_ignore_scope_denies() {
        let admin = [Role::Person, Role::Network(NetworkRoleKind::Admin)];
        for action in [Action::ManagePolicy, Action::Suspend, Action::ManageIdentity, Action::ReadAudit] {
            let scoped = with(&format!("p, person, organization:1, organization, {action}, *, *, *, deny"));
            let d = evaluate(&scoped, &question(&admin, Scope::Organization(1), action)).await.expect("engine");
            assert!(d.allowed, "{action}: {d:?}");
            let org_admin = [Role::Person, Role::Organization(entity::enums::OrganizationRoleKind::Admin)];
            let d = evaluate(&scoped, &question(&org_admin, Scope::Organization(1), action)).await.expect("engine");
            assert!(!d.allowed, "the deny still binds everyone else: {action}: {d:?}");
            // Kind-wide rules (which only network policy managers write) still bind them.
            let wide = with(&format!("p, network:ADMIN, organization:*, organization, {action}, *, *, *, deny"));
            let d = evaluate(&wide, &question(&admin, Scope::Organization(1), action)).await.expect("engine");
            assert!(!d.allowed, "{action}: {d:?}");
        }
        // Content is not administration: a scope deny on reading binds them too.
        let rules = with("p, person, community:3, community, read, *, *, *, deny");
        let member_admin = [Role::Person, Role::Network(NetworkRoleKind::Admin), Role::CommunityParticipant];
        let d = evaluate(&rules, &question(&member_admin, Scope::Community(3), Action::Read)).await.expect("engine");
        assert!(!d.allowed, "{d:?}");
    }

    #[tokio::test]
    async fn role_effects_agree_with_decisions() {
        let rules = with("p, community:WATCHER, community:*, community, read, *, *, *, deny");
        let engine = Engine::new(rules, 0).await.expect("engine");
        let q = question(&[], Scope::Community(3), Action::Read);
        assert_eq!(engine.effect(Role::CommunityParticipant, &q, false).0, Effect::Allow);
        assert_eq!(engine.effect(Role::Community(CommunityRole::Watcher), &q, false).0, Effect::Deny);
        assert_eq!(engine.effect(Role::Person, &q, false).0, Effect::Silent);
    }
}

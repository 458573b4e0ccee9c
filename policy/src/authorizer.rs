//! The Authorizer: answers "may these roles do this action on this object in this
//! scope?" with casbin, behind a decision cache.
//!
//! Memberships and role assignments are data: services resolve the person's roles in
//! the scope (see [`crate::resolve`]) and pass them in; casbin holds only the policy
//! templates and role inheritance, so memory grows with the policy, not the members.
//! Decisions are cached under (roles, scope kind — or the scope itself when it has its
//! own rules —, attributes, object, action, policy generation): the hot path is one hash
//! lookup. A reload (after a policy write here, or a newer generation written by another
//! replica) swaps the engine and starts a new cache.

use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, RwLock},
};

use casbin::{CoreApi, DefaultModel, Enforcer, MemoryAdapter, MgmtApi};
use sea_orm::DatabaseConnection;

use crate::{
    adapter::SeaOrmAdapter,
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

/// A refusal, with the reason `explain` gives.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{reason}")]
pub struct Denied {
    pub reason: String,
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

struct Engine {
    /// One enforcer per (object, action), holding only that pair's rules and every
    /// inheritance line: casbin evaluates its matcher once per rule, so a shard of a
    /// few rules decides much faster than the whole policy would.
    shards: HashMap<(String, String), Enforcer>,
    generation: i64,
    rules: Vec<Rule>,
    /// Domains that have rules of their own (`community:42`).
    overridden: HashSet<String>,
}

impl Engine {
    fn decide(&self, q: &Question<'_>) -> Decision {
        let domain = q.scope.domain();
        let kind = q.scope.kind().pattern();
        let mut roles: Vec<Role> = q.roles.iter().copied().filter(|r| r.counts_in(q.scope.kind())).collect();
        roles.sort();
        roles.dedup();
        let mut deny: Option<String> = None;
        // No shard: no rule names this object and action, so nothing allows it.
        let shard = self.shards.get(&(q.object.as_str().to_owned(), q.action.as_str().to_owned()));
        for (enforcer, role) in shard.into_iter().flat_map(|e| roles.iter().map(move |r| (e, r))) {
            let request = vec![
                role.name(),
                domain.clone(),
                kind.to_owned(),
                q.object.as_str().to_owned(),
                q.action.as_str().to_owned(),
                q.attrs.vis().to_owned(),
                q.attrs.pol().to_owned(),
                q.attrs.arc().to_owned(),
            ];
            match enforcer.enforce_ex(request) {
                Ok((true, rules)) => {
                    let rule = rules.first().map(|r| format!("p, {}", r.join(", ")));
                    return Decision {
                        allowed: true,
                        reason: format!("{} may {} this {} in {domain}", role.name(), q.action, q.object),
                        rule,
                    };
                }
                Ok((false, rules)) => {
                    if let Some(r) = rules.iter().find(|r| r.last().is_some_and(|e| e == "deny")) {
                        deny.get_or_insert_with(|| format!("p, {}", r.join(", ")));
                    }
                }
                Err(err) => tracing::error!(%err, "policy engine error: denying"),
            }
        }
        let names: Vec<String> = roles.iter().map(|r| r.name()).collect();
        let reason = match &deny {
            Some(rule) => format!("denied by rule: {rule}"),
            None => format!(
                "no rule allows [{}] to {} a {} in {domain} (visibility {}, membership policy {}, {})",
                names.join(", "),
                q.action,
                q.object,
                q.attrs.vis(),
                q.attrs.pol(),
                q.attrs.arc()
            ),
        };
        Decision { allowed: false, rule: deny, reason }
    }
}

/// Decides who may do what. Cheap to share (`Arc`).
pub struct Authorizer {
    db: DatabaseConnection,
    engine: RwLock<Arc<Engine>>,
    cache: RwLock<HashMap<Key, bool>>,
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
    let model = DefaultModel::from_str(MODEL).await?;
    let whole = Enforcer::new(model.clone(), SeaOrmAdapter::new(db.clone())).await?;
    let inheritance = whole.get_grouping_policy();
    let mut by_pair: HashMap<(String, String), Vec<Vec<String>>> = HashMap::new();
    for rule in whole.get_policy() {
        if let (Some(object), Some(action)) = (rule.get(2), rule.get(3)) {
            by_pair.entry((object.clone(), action.clone())).or_default().push(rule);
        }
    }
    let mut shards = HashMap::with_capacity(by_pair.len());
    for (pair, rules) in by_pair {
        let mut shard = Enforcer::new(model.clone(), MemoryAdapter::default()).await?;
        if !inheritance.is_empty() {
            shard.add_grouping_policies(inheritance.clone()).await?;
        }
        shard.add_policies(rules).await?;
        shards.insert(pair, shard);
    }
    let rules = store::load(db).await?;
    let overridden = rules
        .iter()
        .filter_map(Rule::domain)
        .filter(|d| Scope::parse_domain(d).is_some_and(|(_, id)| id.is_some()))
        .map(str::to_owned)
        .collect();
    Ok(Engine { shards, generation, rules, overridden })
}

impl Authorizer {
    /// Loads the policy from the database, seeding the default policy into an empty one.
    pub async fn load(db: DatabaseConnection) -> Result<Self, PolicyError> {
        store::seed_if_empty(&db).await?;
        let engine = build_engine(&db).await?;
        Ok(Self { db, engine: RwLock::new(Arc::new(engine)), cache: RwLock::new(HashMap::new()) })
    }

    fn engine(&self) -> Arc<Engine> {
        match self.engine.read() {
            Ok(engine) => engine.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// The generation of the rules in force.
    pub fn generation(&self) -> i64 {
        self.engine().generation
    }

    /// The rules in force.
    pub fn rules(&self) -> Vec<Rule> {
        self.engine().rules.clone()
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

    /// Whether the question is answered yes (cached).
    pub fn check(&self, q: &Question<'_>) -> bool {
        let engine = self.engine();
        let scope_id = match q.scope {
            Scope::Network => None,
            Scope::Organization(id) | Scope::Community(id) | Scope::Subgroup(id) => {
                (!engine.overridden.is_empty() && engine.overridden.contains(&q.scope.domain())).then_some(id)
            }
        };
        let roles = q.roles.iter().filter(|r| r.counts_in(q.scope.kind())).fold(0u32, |bits, r| bits | 1 << r.index());
        let key = Key {
            generation: engine.generation,
            roles,
            kind: q.scope.kind(),
            scope_id,
            attrs: q.attrs,
            object: q.object,
            action: q.action,
        };
        if let Some(allowed) = self.cache.read().ok().and_then(|c| c.get(&key).copied()) {
            return allowed;
        }
        let allowed = engine.decide(q).allowed;
        if let Ok(mut cache) = self.cache.write() {
            if cache.len() >= CACHE_LIMIT {
                cache.clear();
            }
            cache.insert(key, allowed);
        }
        allowed
    }

    /// Refuses with the reason when the answer is no.
    pub fn ensure(&self, q: &Question<'_>) -> Result<(), Denied> {
        if self.check(q) { Ok(()) } else { Err(Denied { reason: self.explain(q).reason }) }
    }

    /// The answer with the rule or condition that decided it (not cached).
    pub fn explain(&self, q: &Question<'_>) -> Decision {
        self.engine().decide(q)
    }
}

//! The sessions cache: the [`Actor`] a token resolved to, kept in memory so that a
//! request with a token seen recently runs no statement to authenticate.
//!
//! Entries are keyed by the token's SHA-256 (never the token), bounded in number (least
//! recently used go first), and only live sessions are kept: an unknown, expired or
//! revoked token is looked up every time, so random tokens cannot fill the cache nor push
//! real sessions out of it. A cached entry still obeys everything the database would:
//!
//! - its session's expiry and, for login sessions, the idle limit;
//! - `last_seen_at` is written once per [`TOUCH_EVERY`]: an entry that old is resolved
//!   again (and touched) rather than served;
//! - what changes the answer (a logout, a revocation, a network role, a person's or an
//!   organization's status, a person's organization) empties the cache: on the replica
//!   that made the change at once, after its commit ([`SessionCache::forget_all`]); on
//!   the others when PostgreSQL delivers the `maillage_auth` notification that the
//!   database's triggers send at that commit (migration `m0026`), so within a second.
//!   Every writer is covered, the CLI and statements typed by an operator included.
//!
//! On PostgreSQL, entries are served only while this process's listener is known to be
//! connected (see `crate::watch`): a lost listener empties the cache and it is bypassed
//! until the listener is back (and has emptied it again, since notifications may have
//! been missed); the listener proves it is alive every [`HEARTBEAT`] while the cache
//! is in use. Entries are kept at most [`MAX_AGE`] whatever happens. On SQLite, which
//! has no notifications while another process (the CLI, a second server) may write,
//! entries live [`SQLITE_MAX_AGE`].

use std::{
    num::NonZeroUsize,
    sync::{
        Mutex, PoisonError,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration as StdDuration, Instant},
};

use chrono::{DateTime, Duration, Utc};
use lru::LruCache;
use sea_orm::{ConnectionTrait, DbBackend};
use sha2::{Digest, Sha256};
use tokio::sync::Notify;

use super::{Actor, LiveSession, TOUCH_EVERY, Viewer, resolve, well_formed};
use crate::error::ServiceResult;

/// Most sessions kept.
pub const CAPACITY: usize = 10_000;
/// The longest an entry is served on PostgreSQL (a safety net under the notifications).
pub const MAX_AGE: StdDuration = StdDuration::from_secs(60);
/// The longest an entry is served on SQLite, where nothing announces changes.
pub const SQLITE_MAX_AGE: StdDuration = StdDuration::from_secs(1);
/// PostgreSQL: how long a proof that the listener is alive lets the cache serve. A
/// change whose notification is lost with a silently dead connection (no reset, no
/// answer) is served from the cache at most this long: under a second, as promised.
pub const LEASE: StdDuration = StdDuration::from_millis(900);
/// PostgreSQL: how often the listener proves it is alive while the cache is in use, and
/// how long it waits for the answer (two of these fit in a [`LEASE`], so a live
/// connection keeps the cache serving).
pub const HEARTBEAT: StdDuration = StdDuration::from_millis(300);

/// The channel of the notifications that empty the cache.
pub const CHANNEL: &str = "maillage_auth";

type Key = [u8; 32];

#[derive(Debug, Clone)]
struct Entry {
    live: LiveSession,
    cached_at: Instant,
}

#[derive(Debug)]
struct State {
    entries: LruCache<Key, Entry>,
    /// Bumped by every emptying: a look-up that began before one must not store its
    /// answer (it may have read what the change replaced).
    epoch: u64,
}

/// Where a look-up started, to store its answer only if nothing was forgotten since.
#[derive(Debug, Clone, Copy)]
struct Ticket(u64);

/// See the module documentation.
#[derive(Debug)]
pub struct SessionCache {
    state: Mutex<State>,
    max_age: StdDuration,
    /// PostgreSQL: entries are served only while the listener is known to be alive.
    needs_listener: bool,
    /// Milliseconds since `started` until which the listener is known to be alive.
    alive_until: AtomicU64,
    /// Milliseconds since `started` of the last look-up, plus one (0: none yet).
    last_used: AtomicU64,
    started: Instant,
    /// Asks the listener for a proof of life (the cache is in use without one).
    wake: Notify,
}

/// The SHA-256 of a token.
fn digest(token: &str) -> Key {
    Sha256::digest(token.as_bytes()).into()
}

fn hex(key: &Key) -> String {
    key.iter().map(|b| format!("{b:02x}")).collect()
}

impl SessionCache {
    /// A cache for a database of this kind (PostgreSQL: driven by a listener).
    pub fn new(backend: DbBackend) -> Self {
        let needs_listener = backend == DbBackend::Postgres;
        Self::with(if needs_listener { MAX_AGE } else { SQLITE_MAX_AGE }, needs_listener)
    }

    fn with(max_age: StdDuration, needs_listener: bool) -> Self {
        let capacity = NonZeroUsize::new(CAPACITY).unwrap_or(NonZeroUsize::MIN);
        Self {
            state: Mutex::new(State { entries: LruCache::new(capacity), epoch: 0 }),
            max_age,
            needs_listener,
            alive_until: AtomicU64::new(0),
            last_used: AtomicU64::new(0),
            started: Instant::now(),
            wake: Notify::new(),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn millis(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Resolves a bearer token as [`super::authenticate`] does, from the cache when it
    /// holds the token's live session.
    pub async fn authenticate<C: ConnectionTrait>(&self, db: &C, token: &str, idle: Duration) -> ServiceResult<Viewer> {
        if !well_formed(token) {
            return Ok(None);
        }
        let key = digest(token);
        let now = Utc::now();
        if let Some(actor) = self.get(&key, now, idle) {
            return Ok(Some(actor));
        }
        let ticket = self.ticket();
        let Some(live) = resolve(db, super::SessionKey::Hash(&hex(&key)), idle, now).await? else { return Ok(None) };
        let actor = live.actor.clone();
        self.insert(ticket, key, live);
        Ok(Some(actor))
    }

    /// Whether cached entries may be served now.
    fn serving(&self) -> bool {
        !self.needs_listener || self.millis() < self.alive_until.load(Ordering::SeqCst)
    }

    fn get(&self, key: &Key, now: DateTime<Utc>, idle: Duration) -> Option<Actor> {
        self.last_used.store(self.millis().saturating_add(1), Ordering::Relaxed);
        if !self.serving() {
            return None;
        }
        let mut state = self.state();
        let entry = state.entries.get(key)?;
        let live = &entry.live;
        let fresh = entry.cached_at.elapsed() < self.max_age
            && now < live.expires_at
            && now < live.last_seen + TOUCH_EVERY
            && (!live.idle_limited || now < live.last_seen + idle);
        if fresh {
            Some(live.actor.clone())
        } else {
            state.entries.pop(key);
            None
        }
    }

    fn ticket(&self) -> Ticket {
        Ticket(self.state().epoch)
    }

    fn insert(&self, ticket: Ticket, key: Key, live: LiveSession) {
        {
            let mut state = self.state();
            if state.epoch != ticket.0 {
                return;
            }
            state.entries.put(key, Entry { live, cached_at: Instant::now() });
        }
        if !self.serving() {
            self.wake.notify_one();
        }
    }

    /// Forgets every session. Call it after committing a change to what
    /// `authenticate` answers (the triggers tell the other replicas).
    pub fn forget_all(&self) {
        let mut state = self.state();
        state.epoch = state.epoch.wrapping_add(1);
        state.entries.clear();
    }

    /// How many sessions are cached.
    pub fn len(&self) -> usize {
        self.state().entries.len()
    }

    /// Whether no session is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The listener is connected and listening, and every notification sent before now
    /// has been handled: entries may be served for [`LEASE`].
    pub fn listener_alive(&self) {
        self.listener_alive_since(self.clock());
    }

    /// Every notification sent before `asked` (a [`Self::clock`] reading: when the
    /// listener sent the question its answer proves this) has been handled: entries may
    /// be served for [`LEASE`] from then. Counted from the question, not the answer: a
    /// change committed while the question was on its way may be announced after the
    /// answer, on a connection that may die right after it (review 2026-12-01).
    pub fn listener_alive_since(&self, asked: u64) {
        let until = asked.saturating_add(u64::try_from(LEASE.as_millis()).unwrap_or(u64::MAX));
        self.alive_until.fetch_max(until, Ordering::SeqCst);
    }

    /// This cache's clock, for [`Self::listener_alive_since`].
    pub fn clock(&self) -> u64 {
        self.millis()
    }

    /// The listener is lost: notifications may be missed from now on, so nothing cached
    /// is served until it is back.
    pub fn listener_lost(&self) {
        self.alive_until.store(0, Ordering::SeqCst);
        self.forget_all();
    }

    /// Whether the listener should prove it is alive: the cache was used lately.
    pub fn wants_heartbeat(&self) -> bool {
        match self.last_used.load(Ordering::Relaxed) {
            0 => false,
            used => u128::from(self.millis().saturating_add(1).saturating_sub(used)) < self.max_age.as_millis(),
        }
    }

    /// Resolves when an entry was stored while the listener's proof of life had lapsed.
    pub async fn woken(&self) {
        self.wake.notified().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use policy::Role;

    fn live(person_id: i32, expires_in: Duration, seen_ago: Duration, idle_limited: bool) -> LiveSession {
        let now = Utc::now();
        LiveSession {
            actor: Actor {
                person_id,
                organization_id: None,
                network_admin: false,
                session_id: person_id,
                base_roles: vec![Role::Person],
                scopes: None,
                api_client_id: None,
                trusted_documents_of: None,
            },
            expires_at: now + expires_in,
            last_seen: now - seen_ago,
            idle_limited,
        }
    }

    const IDLE: Duration = Duration::minutes(120);

    fn cached(cache: &SessionCache, token: &str, session: LiveSession) {
        let ticket = cache.ticket();
        cache.insert(ticket, digest(token), session);
    }

    #[test]
    fn live_sessions_are_served_until_they_expire() {
        let cache = SessionCache::with(MAX_AGE, false);
        cached(&cache, "mlg_a", live(1, Duration::seconds(30), Duration::zero(), false));
        let now = Utc::now();
        assert_eq!(cache.get(&digest("mlg_a"), now, IDLE).map(|a| a.person_id), Some(1));
        assert!(cache.get(&digest("mlg_b"), now, IDLE).is_none(), "another token");
        assert!(cache.get(&digest("mlg_a"), now + Duration::seconds(31), IDLE).is_none(), "expired");
        assert!(cache.is_empty(), "an expired entry is dropped");
    }

    #[test]
    fn login_sessions_end_after_the_idle_limit_and_every_session_is_touched_each_minute() {
        let cache = SessionCache::with(MAX_AGE, false);
        let idle = Duration::minutes(1);
        cached(&cache, "mlg_login", live(1, Duration::hours(1), Duration::seconds(50), true));
        let now = Utc::now();
        assert!(cache.get(&digest("mlg_login"), now, idle).is_some());
        assert!(cache.get(&digest("mlg_login"), now + Duration::seconds(11), idle).is_none(), "idle");
        // A token of the CLI has no idle limit, but its `last_seen_at` is due to be written.
        cached(&cache, "mlg_cli", live(2, Duration::days(1), Duration::seconds(50), false));
        assert!(cache.get(&digest("mlg_cli"), now, idle).is_some());
        assert!(cache.get(&digest("mlg_cli"), now + Duration::seconds(11), IDLE).is_none(), "touch due");
    }

    #[test]
    fn a_look_up_that_began_before_a_change_is_not_stored() {
        let cache = SessionCache::with(MAX_AGE, false);
        let ticket = cache.ticket();
        cache.forget_all();
        cache.insert(ticket, digest("mlg_a"), live(1, Duration::hours(1), Duration::zero(), false));
        assert!(cache.is_empty());
        cached(&cache, "mlg_a", live(1, Duration::hours(1), Duration::zero(), false));
        assert_eq!(cache.len(), 1);
        cache.forget_all();
        assert!(cache.get(&digest("mlg_a"), Utc::now(), IDLE).is_none());
    }

    #[test]
    fn entries_age_out() {
        let cache = SessionCache::with(StdDuration::from_millis(30), false);
        cached(&cache, "mlg_a", live(1, Duration::hours(1), Duration::zero(), false));
        assert!(cache.get(&digest("mlg_a"), Utc::now(), IDLE).is_some());
        std::thread::sleep(StdDuration::from_millis(40));
        assert!(cache.get(&digest("mlg_a"), Utc::now(), IDLE).is_none());
    }

    #[test]
    fn with_a_listener_entries_are_served_only_while_it_is_known_alive() {
        let cache = SessionCache::with(MAX_AGE, true);
        assert!(!cache.wants_heartbeat(), "not used yet");
        cached(&cache, "mlg_a", live(1, Duration::hours(1), Duration::zero(), false));
        assert!(cache.get(&digest("mlg_a"), Utc::now(), IDLE).is_none(), "no listener yet");
        cache.listener_alive();
        assert!(cache.get(&digest("mlg_a"), Utc::now(), IDLE).is_some());
        cache.listener_lost();
        assert!(cache.is_empty(), "a lost listener empties the cache");
        cached(&cache, "mlg_a", live(1, Duration::hours(1), Duration::zero(), false));
        assert!(cache.get(&digest("mlg_a"), Utc::now(), IDLE).is_none(), "and it is bypassed");
        assert!(cache.wants_heartbeat(), "the cache is in use");
    }

    #[test]
    fn the_cache_is_bounded_and_keyed_by_hash() {
        let cache = SessionCache::with(MAX_AGE, false);
        for i in 0..CAPACITY + 10 {
            cached(&cache, &format!("mlg_{i}"), live(1, Duration::hours(1), Duration::zero(), false));
        }
        assert_eq!(cache.len(), CAPACITY);
        assert!(cache.get(&digest("mlg_0"), Utc::now(), IDLE).is_none(), "the least recently used went first");
        assert_eq!(hex(&digest("mlg_x")), super::super::hash_token("mlg_x"));
    }
}

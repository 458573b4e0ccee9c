//! The background loops that keep this process in step with changes other replicas (or
//! the CLI) make: the policy, the sessions cache, and the front ends' origins (reloaded
//! every few seconds).
//!
//! On PostgreSQL a listener, on a connection of its own, receives the notifications that
//! the database's triggers send at each commit (migration `m0026`): on `maillage_policy`
//! the policy is reloaded, on `maillage_auth` the sessions cache is emptied. The policy
//! generation is still compared every `policy_refresh_ms` (10 s by default) as a safety
//! net, every [`SQLITE_POLICY_POLL`] while the listener is away. When the listener is
//! lost, the sessions cache is bypassed (see [`crate::auth::cache`]) while it reconnects
//! with backoff; once it listens again the cache is emptied and the policy refreshed, as
//! notifications may have been missed. SQLite has no notifications: the policy is
//! polled every `policy_refresh_ms` (250 ms by default) and cached sessions live a
//! second.
//!
//! While the database is down the checks back off (doubling up to [`MAX_BACKOFF`]) and
//! only state changes are logged: one warning when a check starts failing, one line when
//! it recovers. It used to log a warning every 250 ms (review 2026-12-01, L9).

use std::time::Duration;

use sea_orm::{
    DbBackend,
    sqlx::{
        self,
        postgres::{PgListener, PgPoolOptions},
    },
};
use tokio::{sync::watch, time::Instant};

use crate::{auth::cache, service::App};

/// The longest pause between two checks of a failing database.
pub const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// How often the front ends' origins are reloaded while the database answers.
const ORIGINS_EVERY: Duration = Duration::from_secs(5);

/// The default pace of the policy check on PostgreSQL, where notifications do the work.
pub const POSTGRES_POLICY_POLL: Duration = Duration::from_secs(10);
/// The default pace of the policy check on SQLite (and on PostgreSQL while the listener
/// is away).
pub const SQLITE_POLICY_POLL: Duration = Duration::from_millis(250);

/// The channel of the notifications that reload the policy.
pub const POLICY_CHANNEL: &str = "maillage_policy";

/// How often the policy generation is compared: `policy_refresh_ms` when set, otherwise
/// the backend's default.
pub fn policy_poll(backend: DbBackend, policy_refresh_ms: Option<u64>) -> Duration {
    match (policy_refresh_ms, backend) {
        (Some(ms), _) => Duration::from_millis(ms.max(50)),
        (None, DbBackend::Postgres) => POSTGRES_POLICY_POLL,
        (None, _) => SQLITE_POLICY_POLL,
    }
}

/// A periodic check that may fail: when to run it next, and which outcomes to log.
#[derive(Debug, Clone)]
pub struct Backoff {
    every: Duration,
    max: Duration,
    failures: u32,
}

impl Backoff {
    /// A check run every `every` while it succeeds, backing off up to `max` while it fails.
    pub fn new(every: Duration, max: Duration) -> Self {
        Self { every, max: max.max(every), failures: 0 }
    }

    /// Records a failure; `true` for the first of a run (the one to log).
    pub fn failed(&mut self) -> bool {
        self.failures = self.failures.saturating_add(1);
        self.failures == 1
    }

    /// Records a success; `true` when it ends a run of failures (the recovery to log).
    pub fn succeeded(&mut self) -> bool {
        std::mem::replace(&mut self.failures, 0) > 0
    }

    /// Failures in a row.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// The pause before the next check: `every` while healthy, then doubling with each
    /// failure in a row, never more than `max`.
    pub fn delay(&self) -> Duration {
        let factor = 1u32.checked_shl(self.failures.min(31)).unwrap_or(u32::MAX);
        self.every.checked_mul(factor).map_or(self.max, |d| d.min(self.max))
    }
}

/// Runs until the server stops.
pub async fn watch_policy(app: App, policy_refresh_ms: Option<u64>) {
    let backend = app.db.get_database_backend();
    let every = policy_poll(backend, policy_refresh_ms);
    if backend == DbBackend::Postgres {
        let (listening, heard) = watch::channel(false);
        tokio::join!(poll(app.clone(), every, Some(heard)), listen(app, listening));
    } else {
        poll(app, every, None).await;
    }
}

/// Compares the policy generation every `every` (every [`SQLITE_POLICY_POLL`] at most
/// while `listening` says the listener is away, and once at once when it goes away), and
/// reloads the front ends' origins.
async fn poll(app: App, every: Duration, mut listening: Option<watch::Receiver<bool>>) {
    let mut policy = Backoff::new(every, MAX_BACKOFF);
    let mut unheard = Backoff::new(every.min(SQLITE_POLICY_POLL), MAX_BACKOFF);
    let mut origins = Backoff::new(ORIGINS_EVERY, MAX_BACKOFF);
    let mut origins_due = Instant::now() + origins.delay();
    loop {
        pause(&mut listening, &policy, &unheard).await;
        if Instant::now() >= origins_due {
            match app.sso.front_ends.reload(&app.db).await {
                Ok(()) if origins.succeeded() => tracing::info!("front ends' origins: reloaded again"),
                Ok(()) => {}
                Err(err) if origins.failed() => {
                    tracing::warn!(%err, "could not reload the front ends' origins; retrying with backoff")
                }
                Err(err) => tracing::debug!(%err, failures = origins.failures(), "front ends' origins: still failing"),
            }
            origins_due = Instant::now() + origins.delay();
        }
        match app.auth.refresh_if_stale().await {
            Ok(changed) => {
                unheard.succeeded();
                if policy.succeeded() {
                    tracing::info!("policy generation: the database answers again");
                }
                if changed {
                    tracing::info!(generation = app.auth.generation(), "policy changed elsewhere: reloaded");
                }
            }
            Err(err) => {
                unheard.failed();
                if policy.failed() {
                    tracing::warn!(%err, "could not check the policy generation; retrying with backoff")
                } else {
                    tracing::debug!(%err, failures = policy.failures(), "policy generation: still failing")
                }
            }
        }
    }
}

/// Waits until the next check: `policy`'s delay while the listener listens (cut short
/// when it goes away), `unheard`'s while it does not.
async fn pause(listening: &mut Option<watch::Receiver<bool>>, policy: &Backoff, unheard: &Backoff) {
    let Some(heard) = listening.as_mut() else {
        return tokio::time::sleep(policy.delay()).await;
    };
    let is_listening = *heard.borrow_and_update();
    if !is_listening {
        return tokio::time::sleep(unheard.delay()).await;
    }
    let gone = tokio::select! {
        () = tokio::time::sleep(policy.delay()) => false,
        changed = heard.changed() => changed.is_err(),
    };
    if gone {
        *listening = None;
    }
}

/// A pause before listening again after a loss, so a database that drops every new
/// connection is not hammered.
const RELISTEN_PAUSE: Duration = Duration::from_millis(100);

/// PostgreSQL: listens for the notifications, reconnecting with backoff; `listening`
/// tells the poll whether it may keep its slow pace.
async fn listen(app: App, listening: watch::Sender<bool>) {
    let mut backoff = Backoff::new(Duration::from_millis(250), MAX_BACKOFF);
    let mut lost = false;
    loop {
        let listener = match connect(&app).await {
            Ok(listener) => listener,
            Err(err) => {
                if backoff.failed() {
                    tracing::warn!(%err, "cannot listen for changes (cached sessions are bypassed); retrying with backoff");
                } else {
                    tracing::debug!(%err, failures = backoff.failures(), "listener: still failing");
                }
                tokio::time::sleep(backoff.delay()).await;
                continue;
            }
        };
        backoff.succeeded();
        if std::mem::take(&mut lost) {
            tracing::info!("listening for changes again");
        }
        // Notifications sent while nobody listened are lost: start afresh.
        app.sessions.forget_all();
        app.sessions.listener_alive();
        tracing::debug!("listening for changes");
        listening.send_replace(true);
        refresh_policy(&app).await;
        let why = serve(&app, listener).await;
        listening.send_replace(false);
        app.sessions.listener_lost();
        lost = true;
        tracing::warn!(why, "lost the listener: cached sessions are bypassed until it is back");
        tokio::time::sleep(RELISTEN_PAUSE).await;
    }
}

/// The `application_name` of the listener's connection (in `pg_stat_activity`).
pub const LISTENER_NAME: &str = "maillage-listener";

/// A listener on a connection of its own (not one of the pool's), on both channels.
async fn connect(app: &App) -> Result<PgListener, sqlx::Error> {
    let options = app.db.get_postgres_connection_pool().connect_options();
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(10))
        .max_lifetime(None)
        .idle_timeout(None)
        .connect_lazy_with((*options).clone().application_name(LISTENER_NAME));
    let mut listener = PgListener::connect_with(&pool).await?;
    listener.ignore_pool_close_event(true);
    // A lost connection is reported at once: this loop reconnects itself.
    listener.eager_reconnect(false);
    listener.listen_all([cache::CHANNEL, POLICY_CHANNEL]).await?;
    Ok(listener)
}

/// Handles notifications until the connection is lost; returns why.
async fn serve(app: &App, mut listener: PgListener) -> String {
    loop {
        let heartbeat = tokio::select! {
            received = listener.try_recv() => match received {
                Ok(Some(notification)) => {
                    handle(app, notification.channel()).await;
                    app.sessions.listener_alive();
                    false
                }
                Ok(None) => return "the connection was closed".to_owned(),
                Err(err) => return err.to_string(),
            },
            () = app.sessions.woken() => true,
            () = tokio::time::sleep(cache::HEARTBEAT) => app.sessions.wants_heartbeat(),
        };
        if !heartbeat {
            continue;
        }
        // While the cache is in use, prove the connection alive every second: an answer
        // comes after every notification committed before the question.
        let asked = app.sessions.clock();
        match tokio::time::timeout(cache::HEARTBEAT, sqlx::Executor::execute(&mut listener, "SELECT 1")).await {
            Ok(Ok(_)) => {
                while let Some(notification) = listener.next_buffered() {
                    handle(app, notification.channel()).await;
                }
                app.sessions.listener_alive_since(asked);
            }
            Ok(Err(err)) => return err.to_string(),
            Err(_) => return format!("no answer within {:?}", cache::HEARTBEAT),
        }
    }
}

async fn handle(app: &App, channel: &str) {
    match channel {
        cache::CHANNEL => app.sessions.forget_all(),
        POLICY_CHANNEL => refresh_policy(app).await,
        _ => {}
    }
}

async fn refresh_policy(app: &App) {
    match app.auth.refresh_if_stale().await {
        Ok(true) => tracing::info!(generation = app.auth.generation(), "policy changed elsewhere: reloaded"),
        Ok(false) => {}
        // The poll retries.
        Err(err) => tracing::warn!(%err, "could not reload the policy after a notification"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVERY: Duration = Duration::from_millis(250);

    #[test]
    fn healthy_checks_run_at_their_pace() {
        let mut b = Backoff::new(EVERY, MAX_BACKOFF);
        assert_eq!(b.delay(), EVERY);
        assert!(!b.succeeded(), "a success after a success is not a recovery");
        assert_eq!(b.delay(), EVERY);
    }

    #[test]
    fn failures_double_the_pause_up_to_the_cap() {
        let mut b = Backoff::new(EVERY, MAX_BACKOFF);
        let mut delays = Vec::new();
        for _ in 0..12 {
            b.failed();
            delays.push(b.delay());
        }
        assert_eq!(delays[0], EVERY * 2);
        assert_eq!(delays[1], EVERY * 4);
        assert!(delays.windows(2).all(|w| w[0] <= w[1]), "{delays:?}");
        assert_eq!(*delays.last().unwrap_or(&Duration::ZERO), MAX_BACKOFF);
        for _ in 0..100 {
            b.failed();
        }
        assert_eq!(b.delay(), MAX_BACKOFF, "no overflow after many failures");
    }

    #[test]
    fn only_state_changes_are_reported() {
        let mut b = Backoff::new(EVERY, MAX_BACKOFF);
        let reported: Vec<bool> = (0..20).map(|_| b.failed()).collect();
        assert_eq!(reported.iter().filter(|r| **r).count(), 1, "one warning for a run of failures");
        assert!(reported[0]);
        assert!(b.succeeded(), "the recovery is reported");
        assert_eq!(b.delay(), EVERY, "back to the normal pace");
        assert!(!b.succeeded(), "once");
        assert!(b.failed(), "a new outage is reported again");
    }

    #[test]
    fn twenty_seconds_of_outage_give_a_handful_of_checks() {
        // The review counted 20 warnings in 5 s; now: a few checks, one warning.
        let mut b = Backoff::new(EVERY, MAX_BACKOFF);
        let (mut elapsed, mut checks) = (Duration::ZERO, 0);
        while elapsed < Duration::from_secs(20) {
            elapsed += b.delay();
            b.failed();
            checks += 1;
        }
        assert!(checks <= 8, "{checks} checks");
    }
}

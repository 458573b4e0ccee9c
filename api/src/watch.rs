//! The background loop that keeps this process in step with changes other replicas make:
//! the policy (checked every `policy_refresh_ms`) and the front ends' origins (every few
//! seconds).
//!
//! While the database is down the checks back off (doubling up to [`MAX_BACKOFF`]) and
//! only state changes are logged: one warning when a check starts failing, one line when
//! it recovers. It used to log a warning every 250 ms (review 2026-12-01, L9).

use std::time::Duration;

use tokio::time::Instant;

use crate::service::App;

/// The longest pause between two checks of a failing database.
pub const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// How often the front ends' origins are reloaded while the database answers.
const ORIGINS_EVERY: Duration = Duration::from_secs(5);

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
pub async fn watch_policy(app: App, every_ms: u64) {
    let mut policy = Backoff::new(Duration::from_millis(every_ms.max(50)), MAX_BACKOFF);
    let mut origins = Backoff::new(ORIGINS_EVERY, MAX_BACKOFF);
    let mut origins_due = Instant::now() + origins.delay();
    loop {
        tokio::time::sleep(policy.delay()).await;
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
                if policy.succeeded() {
                    tracing::info!("policy generation: the database answers again");
                }
                if changed {
                    tracing::info!(generation = app.auth.generation(), "policy changed elsewhere: reloaded");
                }
            }
            Err(err) if policy.failed() => {
                tracing::warn!(%err, "could not check the policy generation; retrying with backoff")
            }
            Err(err) => tracing::debug!(%err, failures = policy.failures(), "policy generation: still failing"),
        }
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

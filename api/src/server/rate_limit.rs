//! Base rate limits: requests per minute per IP address on `/graphql` and on `/auth/…`,
//! and per logged-in person on `/graphql`. Each limit is a token bucket (GCRA, the
//! `governor` crate) that refills over a minute and allows its whole minute as a burst.
//!
//! The address is the TCP peer's: behind a reverse proxy every request shares the
//! proxy's address, so size `rate_limit_ip_per_minute` for it (the per-person limit
//! still applies to each person).

use std::{net::IpAddr, num::NonZeroU32, time::Duration};

use governor::{
    DefaultKeyedRateLimiter, Quota, RateLimiter,
    clock::{Clock, DefaultClock},
};

use crate::config::Settings;

/// The limiters of one server process.
pub struct RateLimits {
    graphql_ip: DefaultKeyedRateLimiter<IpAddr>,
    graphql_person: DefaultKeyedRateLimiter<i32>,
    auth_ip: DefaultKeyedRateLimiter<IpAddr>,
    clock: DefaultClock,
}

fn per_minute(n: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN))
}

/// Whole seconds to wait before asking again (at least one).
fn retry_after<P: governor::clock::Reference>(
    not_until: &governor::NotUntil<P>,
    clock: &impl Clock<Instant = P>,
) -> u64 {
    let wait: Duration = not_until.wait_time_from(clock.now());
    wait.as_secs().saturating_add(u64::from(wait.subsec_nanos() > 0)).max(1)
}

impl RateLimits {
    /// Limits as configured.
    pub fn new(settings: &Settings) -> Self {
        Self {
            graphql_ip: RateLimiter::keyed(per_minute(settings.rate_limit_ip_per_minute)),
            graphql_person: RateLimiter::keyed(per_minute(settings.rate_limit_person_per_minute)),
            auth_ip: RateLimiter::keyed(per_minute(settings.rate_limit_auth_per_minute)),
            clock: DefaultClock::default(),
        }
    }

    /// Counts a request from `ip` to `/graphql`; `Err(seconds to wait)` when over.
    pub fn graphql_ip(&self, ip: IpAddr) -> Result<(), u64> {
        self.graphql_ip.check_key(&ip).map_err(|n| retry_after(&n, &self.clock))
    }

    /// Counts a request of `person` to `/graphql`.
    pub fn graphql_person(&self, person: i32) -> Result<(), u64> {
        self.graphql_person.check_key(&person).map_err(|n| retry_after(&n, &self.clock))
    }

    /// Counts `n` more requests from `ip` to `/graphql` (the other operations of a
    /// batch), all or none.
    pub fn graphql_ip_n(&self, ip: IpAddr, n: u32) -> Result<(), u64> {
        let Some(n) = NonZeroU32::new(n) else { return Ok(()) };
        match self.graphql_ip.check_key_n(&ip, n) {
            Ok(counted) => counted.map_err(|n| retry_after(&n, &self.clock)),
            // More than a whole minute's allowance: it will never fit.
            Err(_) => Err(60),
        }
    }

    /// Counts `n` requests of `person` to `/graphql` (the operations of a batch), all or
    /// none.
    pub fn graphql_person_n(&self, person: i32, n: u32) -> Result<(), u64> {
        let Some(n) = NonZeroU32::new(n) else { return Ok(()) };
        match self.graphql_person.check_key_n(&person, n) {
            Ok(counted) => counted.map_err(|n| retry_after(&n, &self.clock)),
            Err(_) => Err(60),
        }
    }

    /// Counts a request from `ip` to `/auth/…`.
    pub fn auth_ip(&self, ip: IpAddr) -> Result<(), u64> {
        self.auth_ip.check_key(&ip).map_err(|n| retry_after(&n, &self.clock))
    }

    /// Forgets addresses and people whose buckets are full again, so memory follows
    /// the recent callers, not every caller ever seen.
    pub fn forget_idle(&self) {
        self.graphql_ip.retain_recent();
        self.graphql_person.retain_recent();
        self.auth_ip.retain_recent();
        self.graphql_ip.shrink_to_fit();
        self.graphql_person.shrink_to_fit();
        self.auth_ip.shrink_to_fit();
    }
}

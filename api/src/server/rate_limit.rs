//! Base rate limits: requests per minute per IP address on `/graphql` and on `/auth/…`,
//! and per logged-in person on `/graphql`. Each limit is a token bucket (GCRA, the
//! `governor` crate) that refills over a minute and allows its whole minute as a burst.
//!
//! The address is the TCP peer's: behind a reverse proxy every request shares the
//! proxy's address, so size `rate_limit_ip_per_minute` for it (the per-person limit
//! still applies to each person). An IPv6 address counts by its `/64` network: one
//! subscriber, one host or one virtual machine is usually given a whole `/64`, and could
//! otherwise take a fresh address, and a fresh allowance, for every request. An
//! IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) counts as the IPv4 address.

use std::{
    net::{IpAddr, Ipv6Addr},
    num::NonZeroU32,
    time::Duration,
};

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

/// What the per-address limits count `ip` under: an IPv4 address, or an IPv6 address's
/// `/64` network.
pub fn address_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(Ipv6Addr::from_bits(v6.to_bits() & !u128::from(u64::MAX))),
        },
    }
}

impl RateLimits {
    /// Limits as configured.
    pub fn new(settings: &Settings) -> Self {
        Self::per_minute(
            settings.rate_limit_ip_per_minute,
            settings.rate_limit_person_per_minute,
            settings.rate_limit_auth_per_minute,
        )
    }

    /// Limits of `graphql_ip`, `graphql_person` and `auth_ip` requests a minute.
    fn per_minute(graphql_ip: u32, graphql_person: u32, auth_ip: u32) -> Self {
        Self {
            graphql_ip: RateLimiter::keyed(per_minute(graphql_ip)),
            graphql_person: RateLimiter::keyed(per_minute(graphql_person)),
            auth_ip: RateLimiter::keyed(per_minute(auth_ip)),
            clock: DefaultClock::default(),
        }
    }

    /// Counts a request from `ip` to `/graphql`; `Err(seconds to wait)` when over.
    pub fn graphql_ip(&self, ip: IpAddr) -> Result<(), u64> {
        self.graphql_ip.check_key(&address_key(ip)).map_err(|n| retry_after(&n, &self.clock))
    }

    /// Counts a request of `person` to `/graphql`.
    pub fn graphql_person(&self, person: i32) -> Result<(), u64> {
        self.graphql_person.check_key(&person).map_err(|n| retry_after(&n, &self.clock))
    }

    /// Counts `n` more requests from `ip` to `/graphql` (the other operations of a
    /// batch), all or none.
    pub fn graphql_ip_n(&self, ip: IpAddr, n: u32) -> Result<(), u64> {
        let Some(n) = NonZeroU32::new(n) else { return Ok(()) };
        match self.graphql_ip.check_key_n(&address_key(ip), n) {
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
        self.auth_ip.check_key(&address_key(ip)).map_err(|n| retry_after(&n, &self.clock))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn ipv6_addresses_count_by_their_64_network() {
        assert_eq!(address_key(ip("203.0.113.7")), ip("203.0.113.7"));
        assert_eq!(address_key(ip("::ffff:203.0.113.7")), ip("203.0.113.7"));
        assert_eq!(address_key(ip("2001:db8:1:2:aaaa:bbbb:cccc:dddd")), ip("2001:db8:1:2::"));
        assert_eq!(address_key(ip("2001:db8:1:2::1")), address_key(ip("2001:db8:1:2:ffff::9")));
        assert_ne!(address_key(ip("2001:db8:1:2::1")), address_key(ip("2001:db8:1:3::1")));
        assert_eq!(address_key(ip("::1")), ip("::"));
    }

    #[test]
    fn one_64_network_shares_one_allowance() {
        let limits = RateLimits::per_minute(2, 2, 2);
        // Two requests, each from a fresh address of one /64: the third is refused.
        assert!(limits.graphql_ip(ip("2001:db8::1")).is_ok());
        assert!(limits.graphql_ip(ip("2001:db8::2")).is_ok());
        assert!(limits.graphql_ip(ip("2001:db8::3")).is_err());
        assert!(limits.graphql_ip_n(ip("2001:db8::4"), 1).is_err());
        // Another network has its own.
        assert!(limits.graphql_ip(ip("2001:db8:0:1::1")).is_ok());
        assert!(limits.auth_ip(ip("2001:db8::1")).is_ok());
        assert!(limits.auth_ip(ip("2001:db8::ffff")).is_ok());
        assert!(limits.auth_ip(ip("2001:db8::abcd")).is_err());
    }
}

//! Rate limits.
//!
//! - **`/graphql`: budgets of cost points per minute**, one per logged-in person
//!   (`rate_limit_person_cost_per_minute`) and one per IP address for anonymous requests
//!   (`rate_limit_ip_cost_per_minute`). Each is a token bucket holding at most a minute's
//!   budget and refilling continuously over a minute. An operation is admitted when the
//!   bucket holds its requested cost (see [`crate::graphql::cost`]; at least
//!   [`MIN_CHARGE`]), which is taken at once; after it ran, the bucket gets back what the
//!   answer did not use: the charge is its actual cost, at most the requested one and at
//!   least [`MIN_CHARGE`]. A batch is admitted, and charged, for the sum of its
//!   operations. A logged-in person is charged on their own budget only, so people behind
//!   one address (an office, a proxy) do not share one.
//! - **API clients** (`POST /oauth/token` tokens) have budgets of their own
//!   (`rate_limit_api_client_cost_per_minute`), keyed by client, apart from people's: a
//!   partner back end never spends a person's budget, nor shares one with its
//!   organization's people.
//! - **Bad client credentials at `POST /oauth/token`** count with invalid tokens below.
//! - **Unknown tokens on `/graphql`**: `rate_limit_auth_per_minute` per IP address, like
//!   the login routes; when an address has presented that many invalid tokens in a
//!   minute, its requests with a token are refused before the token is looked up.
//! - **`/auth/…`**: requests per minute per IP address (`rate_limit_auth_per_minute`), a
//!   token bucket of the `governor` crate (GCRA).
//! - **Calendar feeds** (`/calendar/…`): requests per minute (`rate_limit_calendar_per_minute`)
//!   per personal feed, keyed by its person (whatever address asks), and per IP address
//!   for community feeds; unknown feed tokens count with invalid tokens above, so that
//!   feed addresses cannot be guessed at speed.
//!
//! The headers of `/graphql` answers follow draft-ietf-httpapi-ratelimit-headers-06:
//! `RateLimit-Limit` (the budget, in points), `RateLimit-Remaining` (points left after
//! this request), `RateLimit-Reset` (seconds until the bucket is full again) and
//! `RateLimit-Policy` (`{budget};w=60`).
//!
//! State is in memory: each replica has its own budgets (see the README's "Rate limits").
//! The address is the TCP peer's: behind a reverse proxy every anonymous request shares
//! the proxy's address, so size `rate_limit_ip_cost_per_minute` for it. An IPv6
//! address counts by its `/64` network: one subscriber, one host or one virtual machine
//! is usually given a whole `/64`, and could otherwise take a fresh address, and a fresh
//! budget, for every request. An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) counts as
//! the IPv4 address (see [`address_key`]).

use std::{
    collections::HashMap,
    hash::Hash,
    net::{IpAddr, Ipv6Addr},
    num::NonZeroU32,
    sync::{Mutex, PoisonError},
    time::{Duration, Instant},
};

use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use governor::{
    DefaultKeyedRateLimiter, Quota, RateLimiter,
    clock::{Clock, DefaultClock},
};

use crate::config::Settings;

/// The least an operation is charged, whatever it asks for: the work of answering at
/// all (reading and authenticating the request, writing the answer).
pub const MIN_CHARGE: u64 = 50;

/// What admitting an operation of this requested cost takes from a budget.
pub fn hold(requested: usize) -> u64 {
    u64::try_from(requested).unwrap_or(u64::MAX).max(MIN_CHARGE)
}

/// What an operation is finally charged: its actual cost, but at least the fields its
/// document selects (`selected`: asking is work even when the answer is empty, as for a
/// hundred aliased searches that find nothing), at most its requested cost, and at least
/// [`MIN_CHARGE`].
pub fn charge(requested: usize, actual: usize, selected: usize) -> u64 {
    u64::try_from(requested.min(actual.max(selected))).unwrap_or(u64::MAX).max(MIN_CHARGE)
}

/// Who pays for a `/graphql` request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Payer {
    /// A logged-in person.
    Person(i32),
    /// An API client (by its id), whatever token of it is used.
    ApiClient(i32),
    /// An anonymous request, by address.
    Address(IpAddr),
}

/// A budget as its headers tell it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Points per minute.
    pub limit: u64,
    /// Points left now.
    pub remaining: u64,
    /// Whole seconds until the bucket is full again.
    pub reset: u64,
}

impl Budget {
    /// Sets the `RateLimit-*` headers (draft-ietf-httpapi-ratelimit-headers-06).
    pub fn write(&self, headers: &mut HeaderMap) {
        let mut set = |name: &'static str, value: HeaderValue| {
            headers.insert(HeaderName::from_static(name), value);
        };
        set("ratelimit-limit", HeaderValue::from(self.limit));
        set("ratelimit-remaining", HeaderValue::from(self.remaining));
        set("ratelimit-reset", HeaderValue::from(self.reset));
        if let Ok(policy) = HeaderValue::from_str(&format!("{};w=60", self.limit)) {
            set("ratelimit-policy", policy);
        }
    }
}

/// A refusal: the budget now, and whole seconds to wait before the operation would fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused {
    pub budget: Budget,
    pub retry_after: u64,
}

/// One bucket: its level in points at an instant.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    level: f64,
    at: Instant,
}

/// Token buckets by key, each holding at most `capacity` points and refilling
/// `capacity` per minute.
struct Buckets<K> {
    capacity: f64,
    per_second: f64,
    buckets: Mutex<HashMap<K, Bucket>>,
}

/// Whole seconds (rounded up) to gain `missing` points at `per_second`.
fn seconds(missing: f64, per_second: f64) -> u64 {
    if missing <= 0.0 {
        return 0;
    }
    let secs = (missing / per_second).ceil();
    if secs >= 86_400.0 { 86_400 } else { secs as u64 }
}

impl<K: Eq + Hash + Copy> Buckets<K> {
    fn new(per_minute: u64) -> Self {
        let capacity = per_minute.max(1) as f64;
        Self { capacity, per_second: capacity / 60.0, buckets: Mutex::new(HashMap::new()) }
    }

    /// The level of `key`'s bucket at `now` (a new bucket is full).
    fn level(&self, bucket: Option<&Bucket>, now: Instant) -> f64 {
        match bucket {
            None => self.capacity,
            Some(b) => {
                let refill = now.saturating_duration_since(b.at).as_secs_f64() * self.per_second;
                (b.level + refill).min(self.capacity)
            }
        }
    }

    fn budget(&self, level: f64) -> Budget {
        Budget {
            limit: self.capacity as u64,
            remaining: level.max(0.0).floor() as u64,
            reset: seconds(self.capacity - level, self.per_second),
        }
    }

    fn peek(&self, key: K, now: Instant) -> Budget {
        let buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        self.budget(self.level(buckets.get(&key), now))
    }

    /// Takes `points` when the bucket holds them.
    fn take(&self, key: K, points: u64, now: Instant) -> Result<Budget, Refused> {
        let points = points as f64;
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        let level = self.level(buckets.get(&key), now);
        if level >= points {
            let level = level - points;
            buckets.insert(key, Bucket { level, at: now });
            Ok(self.budget(level))
        } else {
            // More than a whole budget never fits: ask to come back in a minute.
            let retry_after = if points > self.capacity { 60 } else { seconds(points - level, self.per_second).max(1) };
            Err(Refused { budget: self.budget(level), retry_after })
        }
    }

    /// Gives back `points` (a negative amount takes more).
    fn give_back(&self, key: K, points: f64, now: Instant) -> Budget {
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        let level = (self.level(buckets.get(&key), now) + points).min(self.capacity);
        buckets.insert(key, Bucket { level, at: now });
        self.budget(level)
    }

    /// Forgets full buckets: they are the same as no bucket.
    fn forget_full(&self, now: Instant) {
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        let capacity = self.capacity;
        buckets.retain(|_, b| self.level(Some(b), now) < capacity);
        buckets.shrink_to_fit();
    }
}

/// The limits of one server process.
pub struct RateLimits {
    person: Buckets<i32>,
    api_client: Buckets<i32>,
    address: Buckets<IpAddr>,
    bad_tokens: Buckets<IpAddr>,
    auth_ip: DefaultKeyedRateLimiter<IpAddr>,
    calendar: DefaultKeyedRateLimiter<FeedKey>,
    clock: DefaultClock,
}

/// Who a calendar feed request is counted against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FeedKey {
    /// A personal feed, by its person.
    Person(i32),
    /// A community feed, by the caller's address.
    Address(IpAddr),
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
        let auth = settings.rate_limit_auth_per_minute;
        Self {
            person: Buckets::new(settings.rate_limit_person_cost_per_minute),
            api_client: Buckets::new(settings.rate_limit_api_client_cost_per_minute),
            address: Buckets::new(settings.rate_limit_ip_cost_per_minute),
            bad_tokens: Buckets::new(u64::from(auth)),
            auth_ip: RateLimiter::keyed(Quota::per_minute(NonZeroU32::new(auth).unwrap_or(NonZeroU32::MIN))),
            calendar: RateLimiter::keyed(Quota::per_minute(
                NonZeroU32::new(settings.rate_limit_calendar_per_minute).unwrap_or(NonZeroU32::MIN),
            )),
            clock: DefaultClock::default(),
        }
    }

    /// `payer`'s budget now.
    pub fn budget(&self, payer: Payer) -> Budget {
        let now = Instant::now();
        match payer {
            Payer::Person(person) => self.person.peek(person, now),
            Payer::ApiClient(client) => self.api_client.peek(client, now),
            Payer::Address(ip) => self.address.peek(address_key(ip), now),
        }
    }

    /// Whether `payer`'s budget holds `points` now (nothing taken).
    pub fn check(&self, payer: Payer, points: u64) -> Result<(), Refused> {
        let now = Instant::now();
        let (budget, per_second, capacity) = match payer {
            Payer::Person(person) => (self.person.peek(person, now), self.person.per_second, self.person.capacity),
            Payer::ApiClient(client) => {
                (self.api_client.peek(client, now), self.api_client.per_second, self.api_client.capacity)
            }
            Payer::Address(ip) => {
                (self.address.peek(address_key(ip), now), self.address.per_second, self.address.capacity)
            }
        };
        if budget.remaining >= points {
            return Ok(());
        }
        let retry_after =
            if points as f64 > capacity { 60 } else { seconds((points - budget.remaining) as f64, per_second).max(1) };
        Err(Refused { budget, retry_after })
    }

    /// Takes `points` (the sum of [`hold`] over the operations of a request) from
    /// `payer`'s budget, or refuses.
    pub fn take(&self, payer: Payer, points: u64) -> Result<Budget, Refused> {
        let now = Instant::now();
        match payer {
            Payer::Person(person) => self.person.take(person, points, now),
            Payer::ApiClient(client) => self.api_client.take(client, points, now),
            Payer::Address(ip) => self.address.take(address_key(ip), points, now),
        }
    }

    /// After the operations ran: gives back what was taken (`held`) beyond what they are
    /// charged (`charged`); the budget afterwards.
    pub fn settle(&self, payer: Payer, held: u64, charged: u64) -> Budget {
        let now = Instant::now();
        let back = held as f64 - charged as f64;
        match payer {
            Payer::Person(person) => self.person.give_back(person, back, now),
            Payer::ApiClient(client) => self.api_client.give_back(client, back, now),
            Payer::Address(ip) => self.address.give_back(address_key(ip), back, now),
        }
    }

    /// Whether `ip` may still present a token (`Err(seconds to wait)` when it presented
    /// too many invalid ones lately).
    pub fn token_allowed(&self, ip: IpAddr) -> Result<(), u64> {
        let budget = self.bad_tokens.peek(address_key(ip), Instant::now());
        if budget.remaining >= 1 { Ok(()) } else { Err(seconds(1.0, self.bad_tokens.per_second).max(1)) }
    }

    /// Counts an invalid token presented by `ip`.
    pub fn token_refused(&self, ip: IpAddr) {
        let _ = self.bad_tokens.take(address_key(ip), 1, Instant::now());
    }

    /// Counts a request from `ip` to `/auth/…`.
    pub fn auth_ip(&self, ip: IpAddr) -> Result<(), u64> {
        self.auth_ip.check_key(&address_key(ip)).map_err(|n| retry_after(&n, &self.clock))
    }

    /// Counts a request to a calendar feed (`Err(seconds to wait)` past the limit).
    pub fn calendar(&self, key: FeedKey) -> Result<(), u64> {
        let key = match key {
            FeedKey::Address(ip) => FeedKey::Address(address_key(ip)),
            person @ FeedKey::Person(_) => person,
        };
        self.calendar.check_key(&key).map_err(|n| retry_after(&n, &self.clock))
    }

    /// Forgets callers whose buckets are full again, so memory follows the recent
    /// callers, not every caller ever seen.
    pub fn forget_idle(&self) {
        let now = Instant::now();
        self.person.forget_full(now);
        self.api_client.forget_full(now);
        self.address.forget_full(now);
        self.bad_tokens.forget_full(now);
        self.auth_ip.retain_recent();
        self.auth_ip.shrink_to_fit();
        self.calendar.retain_recent();
        self.calendar.shrink_to_fit();
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
    fn one_64_network_shares_one_budget() {
        let limits = RateLimits {
            person: Buckets::new(100),
            api_client: Buckets::new(100),
            address: Buckets::new(100),
            bad_tokens: Buckets::new(2),
            auth_ip: RateLimiter::keyed(Quota::per_minute(NonZeroU32::MIN.saturating_add(1))),
            calendar: RateLimiter::keyed(Quota::per_minute(NonZeroU32::MIN)),
            clock: DefaultClock::default(),
        };
        let from = |text: &str| Payer::Address(ip(text));
        // Fresh addresses of one /64 draw on one budget; another network has its own.
        assert!(limits.take(from("2001:db8::1"), 60).is_ok());
        assert!(limits.take(from("2001:db8::2"), 60).is_err());
        assert!(limits.take(from("2001:db8:0:1::1"), 60).is_ok());
        limits.token_refused(ip("2001:db8::1"));
        limits.token_refused(ip("2001:db8::2"));
        assert!(limits.token_allowed(ip("2001:db8::3")).is_err());
        assert!(limits.auth_ip(ip("2001:db8::1")).is_ok());
        assert!(limits.auth_ip(ip("2001:db8::ffff")).is_ok());
        assert!(limits.auth_ip(ip("2001:db8::abcd")).is_err());
        // A person and an API client with the same number have budgets of their own.
        assert!(limits.take(Payer::Person(7), 60).is_ok());
        assert!(limits.take(Payer::ApiClient(7), 60).is_ok());
        assert!(limits.take(Payer::ApiClient(7), 60).is_err());
    }

    #[test]
    fn a_bucket_takes_refuses_refills_and_gives_back() {
        let buckets = Buckets::<u8>::new(600); // 10 points a second
        let start = Instant::now();
        let after = |secs: f64| start + Duration::from_secs_f64(secs);
        assert_eq!(buckets.peek(1, start), Budget { limit: 600, remaining: 600, reset: 0 });
        assert_eq!(buckets.take(1, 500, start), Ok(Budget { limit: 600, remaining: 100, reset: 50 }));
        // 200 do not fit in 100: 10 s to gain the 100 missing.
        let refused = buckets.take(1, 200, start).unwrap_err();
        assert_eq!(refused.retry_after, 10);
        assert_eq!(refused.budget.remaining, 100);
        // Others are not affected.
        assert_eq!(buckets.take(2, 200, start).map(|b| b.remaining), Ok(400));
        // 10 s later it fits.
        assert_eq!(buckets.take(1, 200, after(10.0)).map(|b| b.remaining), Ok(0));
        // What the answer did not use comes back, never beyond the budget.
        assert_eq!(buckets.give_back(1, 150.0, after(10.0)).remaining, 150);
        assert_eq!(buckets.give_back(1, 1_000.0, after(10.0)).remaining, 600);
        // Full again after the reset: forgotten.
        assert_eq!(buckets.peek(2, after(18.0)).reset, 2);
        buckets.forget_full(after(20.0));
        assert_eq!(buckets.buckets.lock().map(|b| b.len()).unwrap_or(9), 0);
        // More than a whole budget never fits.
        assert_eq!(buckets.take(3, 601, start).unwrap_err().retry_after, 60);
    }

    #[test]
    fn an_operation_is_charged_its_actual_cost_within_bounds() {
        assert_eq!(hold(1), MIN_CHARGE);
        assert_eq!(hold(5_000), 5_000);
        assert_eq!(charge(5_000, 120, 10), 120);
        assert_eq!(charge(5_000, 3, 10), MIN_CHARGE);
        // An empty answer is still charged the fields asked for.
        assert_eq!(charge(50_000, 0, 900), 900);
        // Never more than requested, even when a list held more than assumed.
        assert_eq!(charge(400, 900, 10), 400);
    }

    #[test]
    fn headers_follow_the_draft() {
        let mut headers = HeaderMap::new();
        Budget { limit: 1_000, remaining: 250, reset: 45 }.write(&mut headers);
        let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        assert_eq!(get("ratelimit-limit").as_deref(), Some("1000"));
        assert_eq!(get("ratelimit-remaining").as_deref(), Some("250"));
        assert_eq!(get("ratelimit-reset").as_deref(), Some("45"));
        assert_eq!(get("ratelimit-policy").as_deref(), Some("1000;w=60"));
    }
}

//! Rate limits per client address and per API key (GCRA, from `governor`), and
//! the client address itself: the peer, or, behind a trusted proxy, the last
//! address in `X-Forwarded-For` that no trusted proxy added. IPv6 clients are
//! limited per /64, what one subscriber usually holds.
//!
//! Exceeding a limit answers 429 with `Retry-After` and the `RateLimit-*`
//! headers, except for view beacons: beyond a plausible reading rate from one
//! address for one article, they are accepted and not counted, like a robot's.

use std::net::{IpAddr, Ipv6Addr};
use std::num::NonZeroU32;
use std::time::{Duration, Instant};

use actix_web::HttpResponse;
use actix_web::dev::ServiceRequest;
use actix_web::http::header::{self, HeaderValue};
use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota};
use newsdesk_domain::engagement::Client;
use newsdesk_domain::targets::Cidr;

use crate::error::ApiError;

/// The configured limits; zero turns one off.
#[derive(Debug, Clone, Default)]
pub struct LimitConfig {
    /// Requests per second per client address, on every route but operations.
    pub requests_per_second: u32,
    /// Requests per second per API key.
    pub key_requests_per_second: u32,
    /// Searches per second per client address (REST and GraphQL).
    pub searches_per_second: u32,
    /// Failed authentications per minute per client address.
    pub auth_failures_per_minute: u32,
    /// Counted beacons (views, reactions) per minute per client address and article.
    pub beacons_per_minute: u32,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<Cidr>,
}

/// Which limit a request ran into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    Requests,
    Key,
    Search,
    AuthFailures,
}

/// A limit was reached: how long until the next request is allowed.
#[derive(Debug, Clone, Copy)]
pub struct Exceeded {
    pub limit: Limit,
    pub burst: u32,
    pub window: Duration,
    pub retry_after: Duration,
}

impl Exceeded {
    pub fn retry_after_seconds(&self) -> u64 {
        self.retry_after.as_secs_f64().ceil().max(1.0) as u64
    }

    fn detail(&self) -> &'static str {
        match self.limit {
            Limit::Requests => "too many requests from this address",
            Limit::Key => "too many requests with this API key",
            Limit::Search => "too many searches from this address",
            Limit::AuthFailures => "too many failed authentications from this address",
        }
    }

    /// The 429 problem with `Retry-After` and the `RateLimit-*` headers.
    pub fn response(&self) -> HttpResponse {
        let error = newsdesk_domain::Error::new(newsdesk_domain::ErrorKind::RateLimited, self.detail());
        let mut res = ApiError(error).response();
        let h = res.headers_mut();
        let retry = self.retry_after_seconds();
        let mut set = |name: &'static str, v: u64| {
            if let Ok(v) = HeaderValue::from_str(&v.to_string()) {
                h.insert(header::HeaderName::from_static(name), v);
            }
        };
        set("retry-after", retry);
        set("ratelimit-limit", u64::from(self.burst));
        set("ratelimit-remaining", 0);
        set("ratelimit-reset", retry);
        let policy = format!("{};w={}", self.burst, self.window.as_secs().max(1));
        if let Ok(v) = HeaderValue::from_str(&policy) {
            h.insert(header::HeaderName::from_static("ratelimit-policy"), v);
        }
        res
    }

    /// The GraphQL error: `RATE_LIMITED`, with when to retry.
    pub fn to_graphql(&self) -> async_graphql::Error {
        use async_graphql::ErrorExtensions;
        let error = newsdesk_domain::Error::new(newsdesk_domain::ErrorKind::RateLimited, self.detail());
        let retry = self.retry_after_seconds();
        crate::error::to_graphql(error).extend_with(|_, e| e.set("retryAfter", retry))
    }
}

/// Where a client is, as limits count it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientAddr(pub IpAddr);

impl ClientAddr {
    /// The key limits count under: the address, or its /64 for IPv6.
    fn key(self) -> IpAddr {
        match self.0 {
            IpAddr::V6(v6) if v6.to_ipv4_mapped().is_none() => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
            IpAddr::V6(v6) => IpAddr::V4(v6.to_ipv4_mapped().unwrap_or(std::net::Ipv4Addr::UNSPECIFIED)),
            v4 => v4,
        }
    }
}

struct Keyed<K: std::hash::Hash + Eq + Clone> {
    limiter: DefaultKeyedRateLimiter<K>,
    burst: u32,
    window: Duration,
    limit: Limit,
}

impl<K: std::hash::Hash + Eq + Clone> Keyed<K> {
    /// `n` a `window`, refilled evenly: a minute's allowance may be spent at
    /// once, a second's twice over (clients come in bursts).
    fn new(n: u32, window: Duration, limit: Limit) -> Option<Self> {
        let rate = NonZeroU32::new(n)?;
        let (quota, burst) = if window >= Duration::from_secs(60) {
            (Quota::per_minute(rate), n)
        } else {
            let burst = n.saturating_mul(2);
            (Quota::per_second(rate).allow_burst(NonZeroU32::new(burst)?), burst)
        };
        Some(Self { limiter: DefaultKeyedRateLimiter::keyed(quota), burst, window, limit })
    }

    fn check(&self, key: &K) -> Result<(), Exceeded> {
        self.limiter.check_key(key).map_err(|not_until| Exceeded {
            limit: self.limit,
            burst: self.burst,
            window: self.window,
            retry_after: not_until.wait_time_from(self.limiter.clock().now()),
        })
    }

    fn forget_idle(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
    }
}

/// Every limit of a node.
pub struct Limits {
    requests: Option<Keyed<IpAddr>>,
    keys: Option<Keyed<String>>,
    searches: Option<Keyed<IpAddr>>,
    auth_failures: Option<Keyed<IpAddr>>,
    beacons: Option<Keyed<(IpAddr, String)>>,
    /// Addresses out of authentication attempts, until when.
    blocked: moka::sync::Cache<IpAddr, (Instant, Exceeded)>,
    trusted: Vec<Cidr>,
}

const SECOND: Duration = Duration::from_secs(1);
const MINUTE: Duration = Duration::from_secs(60);

impl Limits {
    pub fn new(c: &LimitConfig) -> Self {
        Self {
            requests: Keyed::new(c.requests_per_second, SECOND, Limit::Requests),
            keys: Keyed::new(c.key_requests_per_second, SECOND, Limit::Key),
            searches: Keyed::new(c.searches_per_second, SECOND, Limit::Search),
            auth_failures: Keyed::new(c.auth_failures_per_minute, MINUTE, Limit::AuthFailures),
            beacons: Keyed::new(c.beacons_per_minute, MINUTE, Limit::Requests),
            blocked: moka::sync::Cache::builder().max_capacity(100_000).time_to_live(MINUTE * 10).build(),
            trusted: c.trusted_proxies.clone(),
        }
    }

    /// The client of a request: the peer, or behind trusted proxies the last
    /// address of `X-Forwarded-For` they did not add.
    pub fn client(&self, req: &ServiceRequest) -> ClientAddr {
        let peer = req.peer_addr().map_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED), |a| a.ip());
        let trusted = |ip: IpAddr| self.trusted.iter().any(|c| c.contains(ip));
        if !trusted(peer) {
            return ClientAddr(peer);
        }
        let forwarded = req.headers().get_all("x-forwarded-for").filter_map(|v| v.to_str().ok());
        let hops: Vec<IpAddr> =
            forwarded.flat_map(|v| v.split(',')).filter_map(|h| h.trim().parse::<IpAddr>().ok()).collect();
        ClientAddr(hops.into_iter().rev().find(|ip| !trusted(*ip)).unwrap_or(peer))
    }

    pub fn request(&self, client: ClientAddr) -> Result<(), Exceeded> {
        self.requests.as_ref().map_or(Ok(()), |l| l.check(&client.key()))
    }

    pub fn key(&self, key_name: &str) -> Result<(), Exceeded> {
        self.keys.as_ref().map_or(Ok(()), |l| l.check(&key_name.to_owned()))
    }

    pub fn search(&self, client: Option<ClientAddr>) -> Result<(), Exceeded> {
        match (&self.searches, client) {
            (Some(l), Some(client)) => l.check(&client.key()),
            _ => Ok(()),
        }
    }

    /// Whether this address may still try a token: checked before one is
    /// verified, so that a guesser past the limit learns nothing.
    pub fn may_authenticate(&self, client: ClientAddr) -> Result<(), Exceeded> {
        match self.blocked.get(&client.key()) {
            Some((until, e)) => match until.checked_duration_since(Instant::now()) {
                Some(left) if !left.is_zero() => Err(Exceeded { retry_after: left, ..e }),
                _ => Ok(()),
            },
            None => Ok(()),
        }
    }

    /// A token failed to authenticate: past the limit, the address is refused
    /// until it would be allowed another attempt (the error to answer now).
    pub fn auth_failed(&self, client: ClientAddr) -> Result<(), Exceeded> {
        let Some(l) = &self.auth_failures else { return Ok(()) };
        l.check(&client.key()).inspect_err(|e| {
            self.blocked.insert(client.key(), (Instant::now() + e.retry_after, *e));
        })
    }

    /// Who sent a beacon for the article at `slug`: past a plausible reading
    /// rate from one address, it is answered as usual and not counted (like a
    /// robot's), so that a script cannot buy a place in the rankings.
    pub fn beacon(&self, addr: Option<ClientAddr>, slug: &str, mut client: Client) -> Client {
        if let (Some(l), Some(addr)) = (&self.beacons, addr)
            && l.check(&(addr.key(), slug.to_owned())).is_err()
        {
            client.crawler = true;
        }
        client
    }

    /// Drop the state of clients that are within their limits again.
    pub fn forget_idle(&self) {
        self.requests.iter().for_each(Keyed::forget_idle);
        self.keys.iter().for_each(Keyed::forget_idle);
        self.searches.iter().for_each(Keyed::forget_idle);
        self.auth_failures.iter().for_each(Keyed::forget_idle);
        self.beacons.iter().for_each(Keyed::forget_idle);
    }
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    fn limits(trusted: &[&str]) -> Limits {
        let trusted_proxies = trusted.iter().map(|c| Cidr::parse(c).expect("cidr")).collect();
        Limits::new(&LimitConfig { requests_per_second: 2, trusted_proxies, ..LimitConfig::default() })
    }

    fn client(l: &Limits, peer: &str, forwarded: Option<&str>) -> IpAddr {
        let mut req = TestRequest::default().peer_addr(peer.parse().expect("addr"));
        if let Some(f) = forwarded {
            req = req.insert_header(("x-forwarded-for", f));
        }
        l.client(&req.to_srv_request()).0
    }

    #[test]
    fn forwarded_addresses_count_only_from_trusted_proxies() {
        let none = limits(&[]);
        assert_eq!(client(&none, "198.51.100.7:1000", Some("203.0.113.9")), "198.51.100.7".parse::<IpAddr>().unwrap());
        let lb = limits(&["10.0.0.0/8"]);
        assert_eq!(client(&lb, "10.1.1.1:1000", Some("203.0.113.9")), "203.0.113.9".parse::<IpAddr>().unwrap());
        // A client cannot pose as another by sending the header itself: the
        // last address no trusted proxy added is taken.
        assert_eq!(
            client(&lb, "10.1.1.1:1000", Some("1.2.3.4, 203.0.113.9, 10.2.2.2")),
            "203.0.113.9".parse::<IpAddr>().unwrap()
        );
        assert_eq!(client(&lb, "10.1.1.1:1000", Some("garbage")), "10.1.1.1".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn ipv6_clients_share_their_64_and_limits_answer_when_to_retry() {
        let l = limits(&[]);
        let a = ClientAddr("2001:db8:1:2::1".parse().expect("ip"));
        let b = ClientAddr("2001:db8:1:2:ffff::9".parse().expect("ip"));
        let other = ClientAddr("2001:db8:1:3::1".parse().expect("ip"));
        for _ in 0..2 {
            assert!(l.request(a).is_ok() && l.request(b).is_ok(), "a burst of twice the rate");
        }
        let e = l.request(a).expect_err("fifth from the same /64");
        assert!(e.retry_after > Duration::ZERO && e.retry_after_seconds() >= 1);
        let res = e.response();
        assert_eq!(res.status().as_u16(), 429);
        for h in ["retry-after", "ratelimit-limit", "ratelimit-remaining", "ratelimit-reset", "ratelimit-policy"] {
            assert!(res.headers().contains_key(h), "{h}");
        }
        assert!(l.request(other).is_ok());
    }
}

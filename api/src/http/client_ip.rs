//! The address a request counts against (per-address rate limits, logs): the connecting
//! address, or, when that is one of the `trusted_proxies`, the address the proxies name
//! in `X-Forwarded-For`.
//!
//! Each proxy appends the address it received the request from, so the header reads
//! `client, proxy1, proxy2` and only its right-hand end was written by proxies we trust:
//! it is read from the right, skipping trusted proxies, and the first address that is not
//! one is the client. Whatever a client wrote on the left is ignored, so nobody picks the
//! address they are counted against.

use std::net::{IpAddr, Ipv4Addr};

use actix_web::{
    Error, HttpMessage, HttpRequest,
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    middleware::Next,
    web,
};
use ipnet::IpNet;

/// The trusted proxies, as the middleware reads them (`app_data`).
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(pub Vec<IpNet>);

impl TrustedProxies {
    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client's address for a request that came from `peer` with these
    /// `X-Forwarded-For` values (in order).
    pub fn client(&self, peer: IpAddr, forwarded_for: &[&str]) -> IpAddr {
        let peer = peer.to_canonical();
        if !self.trusts(peer) {
            return peer;
        }
        let mut hops = forwarded_for.iter().flat_map(|v| v.split(',')).map(str::trim).collect::<Vec<_>>();
        hops.reverse();
        let mut client = peer;
        for hop in hops {
            // A hop that is not an address (a proxy writing `unknown`, or garbage) ends the
            // chain we can trust: the last trusted hop's address stands.
            let Some(ip) = parse_hop(hop) else { break };
            client = ip;
            if !self.trusts(ip) {
                break;
            }
        }
        client
    }
}

/// One `X-Forwarded-For` entry: an address, with a port or in brackets as some proxies
/// write them (`192.0.2.1:4711`, `[2001:db8::1]:4711`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    if let Ok(ip) = hop.parse::<IpAddr>() {
        return Some(ip.to_canonical());
    }
    if let Ok(addr) = hop.parse::<std::net::SocketAddr>() {
        return Some(addr.ip().to_canonical());
    }
    hop.strip_prefix('[').and_then(|h| h.strip_suffix(']')).and_then(|h| h.parse::<IpAddr>().ok())
}

/// The client's address, computed once per request.
#[derive(Debug, Clone, Copy)]
struct ClientIp(IpAddr);

/// Middleware: computes the client's address and keeps it in the request's extensions.
pub async fn resolve(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let peer = req.peer_addr().map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |p| p.ip());
    let client = match req.app_data::<web::Data<TrustedProxies>>() {
        Some(trusted) if !trusted.0.is_empty() => {
            // Read byte by byte: a client's bad byte on the left must not drop the
            // addresses the proxies appended on the right.
            let values: Vec<String> = req
                .headers()
                .get_all("x-forwarded-for")
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                .collect();
            let values: Vec<&str> = values.iter().map(String::as_str).collect();
            trusted.client(peer, &values)
        }
        _ => peer.to_canonical(),
    };
    req.extensions_mut().insert(ClientIp(client));
    next.call(req).await
}

/// The address this request counts against (see the module's documentation); the
/// connecting address when the middleware did not run.
pub fn client_ip(req: &HttpRequest) -> IpAddr {
    if let Some(ClientIp(ip)) = req.extensions().get::<ClientIp>() {
        return *ip;
    }
    req.peer_addr().map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |p| p.ip().to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn only_trusted_proxies_name_the_client() {
        let none = TrustedProxies::default();
        let lb = TrustedProxies(vec!["10.0.0.0/8".parse().unwrap(), "2001:db8:ffff::/48".parse().unwrap()]);
        // Without trusted proxies the header is ignored.
        assert_eq!(none.client(ip("10.0.0.1"), &["198.51.100.7"]), ip("10.0.0.1"));
        // From a stranger, the header is ignored too.
        assert_eq!(lb.client(ip("203.0.113.9"), &["198.51.100.7"]), ip("203.0.113.9"));
        // From the load balancer: the last address it did not add itself.
        assert_eq!(lb.client(ip("10.0.0.1"), &["198.51.100.7"]), ip("198.51.100.7"));
        // A client writing its own header cannot choose: the right-hand end counts.
        assert_eq!(lb.client(ip("10.0.0.1"), &["1.2.3.4, 198.51.100.7"]), ip("198.51.100.7"));
        assert_eq!(lb.client(ip("10.0.0.1"), &["1.2.3.4", "198.51.100.7, 10.0.0.2"]), ip("198.51.100.7"));
        // Ports, brackets, IPv4-mapped IPv6.
        assert_eq!(lb.client(ip("::ffff:10.0.0.1"), &["[2001:db8::5]:4711"]), ip("2001:db8::5"));
        assert_eq!(lb.client(ip("10.0.0.1"), &["198.51.100.7:80"]), ip("198.51.100.7"));
        // A bad byte on the left (read lossily) does not hide the appended address.
        assert_eq!(lb.client(ip("10.0.0.1"), &["\u{FFFD}, 198.51.100.7"]), ip("198.51.100.7"));
        // Garbage ends the chain: the proxy's own address stands.
        assert_eq!(lb.client(ip("10.0.0.1"), &["unknown"]), ip("10.0.0.1"));
        assert_eq!(lb.client(ip("10.0.0.1"), &["198.51.100.7, garbage, 10.0.0.3"]), ip("10.0.0.3"));
        // No header: the proxy itself.
        assert_eq!(lb.client(ip("10.0.0.1"), &[]), ip("10.0.0.1"));
    }
}

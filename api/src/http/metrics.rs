//! `GET /metrics`: the Prometheus exposition of [`crate::telemetry`]'s metrics, with the
//! database pool and the authorization cache of this server; and [`observe`], the
//! middleware that opens every request's log span and counts its answer.
//!
//! Who may read `/metrics`: with `metrics_token` set, whoever sends it as
//! `Authorization: Bearer …` (compared in constant time), from anywhere; without it, only
//! callers on loopback whose request did not come through a proxy (no `Forwarded`,
//! `X-Forwarded-For` or `X-Real-IP`): a reverse proxy on the same host would otherwise
//! make every visitor look local. Everyone else gets `401`.

use std::{fmt::Write as _, time::Instant};

use actix_web::{
    HttpMessage as _, HttpRequest, HttpResponse,
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    http::header,
    middleware::Next,
    web,
};
use sea_orm::DbBackend;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use tracing::Instrument as _;

use crate::{service::App, telemetry};

/// Who may read `/metrics`.
pub struct MetricsAccess {
    token: Option<SecretString>,
}

impl MetricsAccess {
    /// `token`: the `metrics_token` setting.
    pub fn new(token: Option<SecretString>) -> Self {
        Self { token }
    }

    fn allows(&self, req: &HttpRequest) -> bool {
        match &self.token {
            Some(token) => {
                let sent = req
                    .headers()
                    .get(header::AUTHORIZATION)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.split_once(' '))
                    .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
                    .map(|(_, token)| token.trim());
                sent.is_some_and(|sent| same_secret(sent, token.expose_secret()))
            }
            None => {
                let proxied =
                    ["forwarded", "x-forwarded-for", "x-real-ip"].iter().any(|name| req.headers().contains_key(*name));
                !proxied && req.peer_addr().is_some_and(|peer| peer.ip().to_canonical().is_loopback())
            }
        }
    }
}

/// Whether two secrets are equal, in a time that depends on neither: their digests are
/// compared, every byte.
fn same_secret(sent: &str, expected: &str) -> bool {
    let (a, b) = (Sha256::digest(sent.as_bytes()), Sha256::digest(expected.as_bytes()));
    a.iter().zip(b.iter()).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}

/// Registers `GET /metrics`.
pub fn routes(cfg: &mut web::ServiceConfig, access: web::Data<MetricsAccess>) {
    cfg.app_data(access).service(web::resource("/metrics").route(web::get().to(scrape)));
}

async fn scrape(req: HttpRequest, access: web::Data<MetricsAccess>, app: web::Data<App>) -> HttpResponse {
    if !access.allows(&req) {
        return HttpResponse::Unauthorized()
            .insert_header((header::WWW_AUTHENTICATE, "Bearer"))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(serde_json::json!({
                "error": "unauthorized",
                "message": crate::i18n::Message::new("http-metrics-need-token").to_string(),
            }));
    }
    let mut body = telemetry::metrics().encode();
    server_gauges(&mut body, &app);
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body)
}

/// The metrics read from this server's state at each scrape: its database pool and its
/// authorization decision cache.
fn server_gauges(out: &mut String, app: &App) {
    let (size, idle) = match app.db.get_database_backend() {
        DbBackend::Postgres => {
            let pool = app.db.get_postgres_connection_pool();
            (pool.size(), pool.num_idle())
        }
        DbBackend::Sqlite => {
            let pool = app.db.get_sqlite_connection_pool();
            (pool.size(), pool.num_idle())
        }
        _ => (0, 0),
    };
    let idle = u32::try_from(idle).unwrap_or(u32::MAX).min(size);
    let (hits, misses) = app.auth.cache_lookups();
    let _ = write!(
        out,
        "# HELP maillage_db_pool_connections Database connections of the pool, by state\n\
         # TYPE maillage_db_pool_connections gauge\n\
         maillage_db_pool_connections{{state=\"in_use\"}} {in_use}\n\
         maillage_db_pool_connections{{state=\"idle\"}} {idle}\n\
         # HELP maillage_authz_cache_lookups_total Authorization decisions looked up in the cache, by result\n\
         # TYPE maillage_authz_cache_lookups_total counter\n\
         maillage_authz_cache_lookups_total{{result=\"hit\"}} {hits}\n\
         maillage_authz_cache_lookups_total{{result=\"miss\"}} {misses}\n",
        in_use = size - idle,
    );
}

/// Longest `traceparent` header read (its version-00 form is 55 characters).
const MAX_TRACEPARENT: usize = 128;

/// The trace id of a W3C `traceparent` header (`00-<32 hex>-<16 hex>-<2 hex>`), when it is
/// well formed and not all zeros.
pub fn trace_id(traceparent: &str) -> Option<&str> {
    if traceparent.len() > MAX_TRACEPARENT {
        return None;
    }
    let mut parts = traceparent.trim().split('-');
    let (version, trace, parent, flags) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    let hex = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    let valid = hex(version, 2)
        && version != "ff"
        && hex(trace, 32)
        && hex(parent, 16)
        && hex(flags, 2)
        && trace.bytes().any(|b| b != b'0')
        && parent.bytes().any(|b| b != b'0')
        // Version 00 has exactly four parts; later versions may add more.
        && (version != "00" || parts.next().is_none());
    valid.then_some(trace)
}

/// Every request: gives it its request id (kept for `/graphql`'s `X-Request-Id` and
/// audit trail), runs it inside a `request` span carrying that id, the client's
/// `X-Request-Id` and the trace id of its `traceparent`, so that every log line written
/// while it runs names them; then counts its answer by route pattern (never the raw
/// path, which the caller chooses).
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let ids = crate::server::request_id(req.request());
    let trace = req.headers().get("traceparent").and_then(|v| v.to_str().ok()).and_then(trace_id).map(str::to_owned);
    let span = tracing::info_span!(
        "request",
        request_id = %ids.id,
        client_request_id = ids.client.as_deref(),
        trace_id = trace.as_deref(),
        method = %req.method(),
        route = tracing::field::Empty,
    );
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    // Exported traces continue the caller's (a well-formed `traceparent` only).
    telemetry::continue_trace(&span, trace.as_ref().and(header("traceparent")), header("tracestate"));
    req.extensions_mut().insert(ids);
    let method = req.method().clone();
    let response = next.call(req).instrument(span.clone()).await?;
    let route = response.request().match_pattern().unwrap_or_else(|| "unmatched".to_owned());
    span.record("route", route.as_str());
    let method = if matches!(method.as_str(), "GET" | "HEAD" | "POST" | "OPTIONS") { method.as_str() } else { "other" };
    telemetry::metrics().http_request(&route, method, response.status().as_u16(), started.elapsed());
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_well_formed_traceparents_give_a_trace_id() {
        let good = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        assert_eq!(trace_id(good), Some("4bf92f3577b34da6a3ce929d0e0e4736"));
        assert_eq!(trace_id("00-00000000000000000000000000000000-00f067aa0ba902b7-01"), None);
        assert_eq!(trace_id("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"), None);
        assert_eq!(trace_id("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"), None, "lower case only");
        assert_eq!(trace_id("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"), None);
        assert_eq!(trace_id(&format!("{good}-extra")), None, "version 00 has four parts");
        assert_eq!(trace_id("00-4bf92f3577b34da6a3ce929d0e0e4736\n-00f067aa0ba902b7-01"), None);
        assert_eq!(trace_id(&"0".repeat(10_000)), None);
    }

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret("a-long-enough-metrics-token", "a-long-enough-metrics-token"));
        assert!(!same_secret("a-long-enough-metrics-toke", "a-long-enough-metrics-token"));
        assert!(!same_secret("", "a-long-enough-metrics-token"));
    }
}

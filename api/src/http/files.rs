//! `GET /files/{versionId}`: the file of a document version, streamed.
//!
//! The caller is the bearer token's person, or the person (and session) a signed link
//! (`Document…downloadUrl`, valid five minutes) was made for — the session must still be
//! live; without either, an anonymous caller. Any `Authorization` header is a credential,
//! as on `/graphql`: one that is not a live bearer token (`Basic`, a token without its
//! scheme, an unknown, expired or revoked token) is `401`, never read as anonymity, and
//! counts against the address's invalid-token limit shared with `/graphql`
//! (`rate_limit_auth_per_minute`; `429` with `Retry-After` past it). Access is checked now, through the same
//! visibility predicate as every other path to a document: a person removed from the
//! community a minute ago gets `404`, like a stranger, like a missing id. A link whose
//! signature does not hold or that has expired is `403`, before anything is looked up, and
//! counts against the same invalid-token limit.
//!
//! The answer is an attachment (`Content-Disposition` with the RFC 6266 / RFC 5987 file
//! name), never sniffed or run by a browser (`X-Content-Type-Options: nosniff`,
//! `Content-Security-Policy: sandbox`), tagged with its SHA-256 (`ETag`), and serves one
//! byte range (`206`; `416` when unsatisfiable) for resumed downloads.

use std::ops::Range;

use actix_web::{
    HttpRequest, HttpResponse,
    body::SizedStream,
    http::{StatusCode, header},
    web,
};

use chrono::Utc;
use serde::Deserialize;

use crate::{
    auth::{self, Caller},
    error::ServiceError,
    graphql::ids::{NodeKind, from_global},
    i18n::Message,
    server::{bearer, rate_limit::RateLimits},
    service::{
        App,
        library::{self, LinkClaims},
    },
};

/// The routes of this module.
pub fn routes(config: &mut web::ServiceConfig) {
    config.route("/files/{version}", web::get().to(download));
}

/// The query string of a signed link.
#[derive(Debug, Deserialize)]
struct LinkQuery {
    expires: Option<i64>,
    session: Option<i32>,
    person: Option<i32>,
    signature: Option<String>,
}

fn refusal(status: StatusCode, message: Message) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .content_type("text/plain; charset=utf-8")
        .body(message.to_string())
}

fn not_found() -> HttpResponse {
    refusal(StatusCode::NOT_FOUND, Message::new("http-not-found"))
}

/// `429` with `Retry-After`, counted in the metrics.
fn too_many(retry_after: u64) -> HttpResponse {
    crate::telemetry::metrics().rate_limited("files");
    let mut response = refusal(StatusCode::TOO_MANY_REQUESTS, Message::new("rate-limited").arg("seconds", retry_after));
    response.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from(retry_after));
    response
}

/// Who asks: the signed link's person, the bearer token's, or nobody.
async fn caller(app: &App, limits: &RateLimits, req: &HttpRequest, version_id: i32) -> Result<Caller, HttpResponse> {
    let query = web::Query::<LinkQuery>::from_query(req.query_string())
        .map_err(|_| refusal(StatusCode::BAD_REQUEST, Message::new("link-malformed")))?
        .into_inner();
    let ip = crate::http::client_ip::client_ip(req);
    if let Some(signature) = query.signature.as_deref() {
        // Bad links count like invalid tokens: nobody tries signatures at will.
        limits.token_allowed(ip).map_err(too_many)?;
        let (Some(expires), Some(session_id), Some(person_id)) = (query.expires, query.session, query.person) else {
            limits.token_refused(ip);
            return Err(refusal(StatusCode::FORBIDDEN, Message::new("link-incomplete")));
        };
        let claims = LinkClaims { version_id, session_id, person_id, expires };
        if !app.library.verify(&claims, signature, Utc::now()) {
            limits.token_refused(ip);
            return Err(refusal(StatusCode::FORBIDDEN, Message::new("link-expired")));
        }
        if session_id == 0 {
            return Ok(Caller::default());
        }
        let viewer = auth::authenticate_session(&app.db, session_id, app.session_idle())
            .await
            .map_err(|_| refusal(StatusCode::SERVICE_UNAVAILABLE, Message::new("try-again-shortly")))?;
        // A session that ended (logout, expiry, suspension) ends its links.
        return match viewer {
            Some(actor) if actor.person_id == person_id => Ok(Caller::new(Some(actor), None)),
            _ => Err(not_found()),
        };
    }
    bearer_caller(app, limits, req).await
}

/// The bearer token's person, or an anonymous caller without an `Authorization` header;
/// any other credential is `401` (and counts against the invalid-token limit).
pub async fn bearer_caller(app: &App, limits: &RateLimits, req: &HttpRequest) -> Result<Caller, HttpResponse> {
    let Some(token) = bearer(req) else { return Ok(Caller::default()) };
    let ip = crate::http::client_ip::client_ip(req);
    limits.token_allowed(ip).map_err(too_many)?;
    // The empty token (a header that is no bearer token) names no session: not looked up.
    let found =
        if token.is_empty() { Ok(None) } else { app.sessions.authenticate(&app.db, token, app.session_idle()).await };
    match found {
        Ok(Some(actor)) => Ok(Caller::new(Some(actor), None)),
        Ok(None) => {
            limits.token_refused(ip);
            Err(HttpResponse::Unauthorized()
                .insert_header((header::WWW_AUTHENTICATE, "Bearer error=\"invalid_token\""))
                .insert_header((header::CACHE_CONTROL, "private, no-store"))
                .body(Message::new("invalid-token").to_string()))
        }
        Err(_) => Err(refusal(StatusCode::SERVICE_UNAVAILABLE, Message::new("try-again-shortly"))),
    }
}

/// A `Range` that no byte of the file satisfies (`416`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unsatisfiable;

/// The byte range a `Range` header asks for within `size` bytes: `Ok(None)` for the
/// whole file (no header, another unit, several ranges, a malformed one: RFC 9110 lets a
/// server ignore them), [`Unsatisfiable`] when it cannot be satisfied.
pub fn requested_range(header: Option<&str>, size: u64) -> Result<Option<Range<u64>>, Unsatisfiable> {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else { return Ok(None) };
    if spec.contains(',') {
        return Ok(None);
    }
    let Some((start, end)) = spec.trim().split_once('-') else { return Ok(None) };
    let (start, end) = (start.trim(), end.trim());
    if start.is_empty() {
        // The last `end` bytes.
        let Ok(suffix) = end.parse::<u64>() else { return Ok(None) };
        if suffix == 0 || size == 0 {
            return Err(Unsatisfiable);
        }
        return Ok(Some(size.saturating_sub(suffix)..size));
    }
    let Ok(start) = start.parse::<u64>() else { return Ok(None) };
    let end = if end.is_empty() {
        None
    } else {
        match end.parse::<u64>() {
            Ok(end) if end >= start => Some(end),
            _ => return Ok(None),
        }
    };
    if start >= size {
        return Err(Unsatisfiable);
    }
    let last = end.map_or(size - 1, |e| e.min(size - 1));
    Ok(Some(start..last + 1))
}

/// `Content-Disposition: attachment` with an ASCII fallback name and the UTF-8 one
/// (RFC 6266, RFC 5987).
pub fn disposition(file_name: &str) -> String {
    let fallback: String = file_name
        .chars()
        .map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' && c != '%' || c == ' ' { c } else { '_' })
        .collect();
    let mut encoded = String::with_capacity(file_name.len() * 3);
    for byte in file_name.bytes() {
        if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

async fn download(
    app: web::Data<App>,
    limits: web::Data<RateLimits>,
    req: HttpRequest,
    path: web::Path<String>,
) -> HttpResponse {
    let global = async_graphql::ID(path.into_inner());
    let Ok(version_id) = from_global("versionId", NodeKind::DocumentVersion, &global) else { return not_found() };
    let caller = match caller(&app, &limits, &req, version_id).await {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let version = match library::readable_version(&app, &app.db, &caller, version_id).await {
        Ok((version, _)) => version,
        Err(ServiceError::NotFound { .. }) => return not_found(),
        Err(ServiceError::Unavailable) => {
            return refusal(StatusCode::SERVICE_UNAVAILABLE, Message::new("try-again-shortly"));
        }
        Err(err) => {
            tracing::error!(error = %err, "download");
            return refusal(StatusCode::INTERNAL_SERVER_ERROR, Message::new("internal"));
        }
    };
    let size = u64::try_from(version.size).unwrap_or(0);
    let etag = format!("\"{}\"", version.sha256);
    // A resumed download of another content gets the whole file.
    let same = req.headers().get(header::IF_RANGE).and_then(|v| v.to_str().ok()).is_none_or(|tag| tag == etag);
    let range_header = req.headers().get(header::RANGE).and_then(|v| v.to_str().ok()).filter(|_| same);
    let range = match requested_range(range_header, size) {
        Ok(range) => range,
        Err(Unsatisfiable) => {
            return HttpResponse::RangeNotSatisfiable()
                .insert_header((header::CONTENT_RANGE, format!("bytes */{size}")))
                .insert_header((header::CACHE_CONTROL, "private, no-store"))
                .finish();
        }
    };
    let (status, bytes) = match &range {
        Some(range) => (StatusCode::PARTIAL_CONTENT, range.clone()),
        None => (StatusCode::OK, 0..size),
    };
    let stream = match library::open(&app, &version, bytes.clone()).await {
        Ok(stream) => stream,
        Err(err) => {
            tracing::error!(error = %err, version = version.id, "download: the blob could not be read");
            return refusal(StatusCode::INTERNAL_SERVER_ERROR, Message::new("internal"));
        }
    };
    let mut response = HttpResponse::build(status);
    response
        .insert_header((header::CONTENT_TYPE, version.content_type.clone()))
        .insert_header((header::CONTENT_DISPOSITION, disposition(&version.file_name)))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CONTENT_SECURITY_POLICY, "sandbox"))
        .insert_header((header::ETAG, etag))
        .insert_header((header::ACCEPT_RANGES, "bytes"))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        // The link carries its signature: not to be passed on.
        .insert_header((header::REFERRER_POLICY, "no-referrer"));
    if range.is_some() {
        response.insert_header((header::CONTENT_RANGE, format!("bytes {}-{}/{size}", bytes.start, bytes.end - 1)));
    }
    response.body(SizedStream::new(bytes.end - bytes.start, stream))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(requested_range(None, 10), Ok(None));
        assert_eq!(requested_range(Some("bytes=0-3"), 10), Ok(Some(0..4)));
        assert_eq!(requested_range(Some("bytes=5-"), 10), Ok(Some(5..10)));
        assert_eq!(requested_range(Some("bytes=-3"), 10), Ok(Some(7..10)));
        assert_eq!(requested_range(Some("bytes=8-100"), 10), Ok(Some(8..10)));
        assert_eq!(requested_range(Some("bytes=10-"), 10), Err(Unsatisfiable));
        assert_eq!(requested_range(Some("bytes=-0"), 10), Err(Unsatisfiable));
        assert_eq!(requested_range(Some("bytes=0-1,3-4"), 10), Ok(None));
        assert_eq!(requested_range(Some("items=0-1"), 10), Ok(None));
        assert_eq!(requested_range(Some("bytes=4-2"), 10), Ok(None));
    }

    #[test]
    fn dispositions_encode_names() {
        assert_eq!(disposition("a b.pdf"), "attachment; filename=\"a b.pdf\"; filename*=UTF-8''a%20b.pdf");
        assert_eq!(
            disposition("procédure \"x\".pdf"),
            "attachment; filename=\"proc_dure _x_.pdf\"; filename*=UTF-8''proc%C3%A9dure%20%22x%22.pdf"
        );
    }
}

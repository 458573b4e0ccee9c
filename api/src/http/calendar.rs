//! Calendar feeds (iCalendar, RFC 5545) that calendar clients subscribe to, with no
//! bearer token (they cannot send one):
//!
//! - `GET /calendar/{token}.ics`: a person's personal feed, every event they may see; the
//!   opaque token (made by `resetCalendarFeed`, stored hashed) is the credential. An
//!   unknown, replaced or suspended person's token is `404`, like any missing page.
//! - `GET /calendar/communities/{slug}.ics`: the PUBLIC-audience events of a community
//!   anyone may see; `404` for any other community (a secret one is not revealed).
//!
//! Both answer `text/calendar; charset=utf-8`; the personal feed is `private, no-store`
//! (its URL is a secret), the community feed may be cached for five minutes.
//!
//! Both are rate-limited (`rate_limit_calendar_per_minute`): a personal feed per its
//! person, a community feed per IP address; past the limit, `429` with `Retry-After`.
//! An address that presented too many unknown feed tokens (counted with the invalid
//! tokens of `/graphql`) is refused before its token is looked up.

use actix_web::{HttpRequest, HttpResponse, http::header, web};

use crate::{
    i18n::Message,
    server::rate_limit::{FeedKey, RateLimits},
    service::{App, calendar},
};

/// Registers the feeds.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/calendar/communities/{file}", web::get().to(community))
        .route("/calendar/{file}", web::get().to(personal));
}

fn not_found() -> HttpResponse {
    HttpResponse::NotFound()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(Message::new("http-not-found").to_string())
}

fn calendar(text: String, cache: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/calendar; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(text)
}

fn failed(err: &crate::error::ServiceError) -> HttpResponse {
    tracing::warn!(error = %err, "calendar feed");
    match err {
        crate::error::ServiceError::Unavailable => {
            HttpResponse::ServiceUnavailable().body(Message::new("unavailable").to_string())
        }
        _ => HttpResponse::InternalServerError().body(Message::new("internal").to_string()),
    }
}

fn too_many(retry_after: u64) -> HttpResponse {
    crate::telemetry::metrics().rate_limited("calendar");
    HttpResponse::TooManyRequests()
        .insert_header((header::RETRY_AFTER, retry_after))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(Message::new("rate-limited").arg("seconds", retry_after).to_string())
}

async fn personal(
    req: HttpRequest,
    file: web::Path<String>,
    app: web::Data<App>,
    limits: web::Data<RateLimits>,
) -> HttpResponse {
    let ip = crate::http::client_ip::client_ip(&req);
    if let Err(retry_after) = limits.token_allowed(ip) {
        return too_many(retry_after);
    }
    let Some(token) = file.strip_suffix(".ics") else { return not_found() };
    let caller = match calendar::feed_caller(&app, token).await {
        Ok(Some(caller)) => caller,
        Ok(None) => {
            limits.token_refused(ip);
            return not_found();
        }
        Err(err) => return failed(&err),
    };
    if let Some(person) = caller.person_id()
        && let Err(retry_after) = limits.calendar(FeedKey::Person(person))
    {
        return too_many(retry_after);
    }
    match calendar::personal_feed(&app, &caller).await {
        Ok(text) => calendar(text, "private, no-store"),
        Err(err) => failed(&err),
    }
}

async fn community(
    req: HttpRequest,
    file: web::Path<String>,
    app: web::Data<App>,
    limits: web::Data<RateLimits>,
) -> HttpResponse {
    if let Err(retry_after) = limits.calendar(FeedKey::Address(crate::http::client_ip::client_ip(&req))) {
        return too_many(retry_after);
    }
    let Some(slug) = file.strip_suffix(".ics") else { return not_found() };
    match calendar::community_feed(&app, slug).await {
        Ok(Some(text)) => calendar(text, "public, max-age=300"),
        Ok(None) => not_found(),
        Err(err) => failed(&err),
    }
}

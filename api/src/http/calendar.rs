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

use actix_web::{HttpResponse, http::header, web};

use crate::service::{App, calendar};

/// Registers the feeds.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/calendar/communities/{file}", web::get().to(community))
        .route("/calendar/{file}", web::get().to(personal));
}

fn not_found() -> HttpResponse {
    HttpResponse::NotFound().insert_header((header::CACHE_CONTROL, "no-store")).body("not found")
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
        crate::error::ServiceError::Unavailable => HttpResponse::ServiceUnavailable().body("unavailable"),
        _ => HttpResponse::InternalServerError().body("internal error"),
    }
}

async fn personal(file: web::Path<String>, app: web::Data<App>) -> HttpResponse {
    let Some(token) = file.strip_suffix(".ics") else { return not_found() };
    match calendar::personal_feed(&app, token).await {
        Ok(Some(text)) => calendar(text, "private, no-store"),
        Ok(None) => not_found(),
        Err(err) => failed(&err),
    }
}

async fn community(file: web::Path<String>, app: web::Data<App>) -> HttpResponse {
    let Some(slug) = file.strip_suffix(".ics") else { return not_found() };
    match calendar::community_feed(&app, slug).await {
        Ok(Some(text)) => calendar(text, "public, max-age=300"),
        Ok(None) => not_found(),
        Err(err) => failed(&err),
    }
}

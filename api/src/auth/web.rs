//! The browser side of single sign-on (plain HTTP, not GraphQL):
//!
//! - `GET /auth/{organization}/login?return_to=URL` sends the browser to the
//!   organization's identity provider;
//! - `GET /auth/{organization}/callback` is where the provider sends it back (one
//!   callback per organization);
//! - `POST /auth/token` with `{"code": "…"}` exchanges the one-time code a front end
//!   received on `return_to` for a session token: `{"token": "…", "expiresAt": "…"}`.
//!
//! No token, code or secret is ever logged here.

use actix_web::{
    HttpRequest, HttpResponse,
    cookie::{Cookie, SameSite, time::Duration as CookieDuration},
    http::header,
    web,
};
use serde::Deserialize;
use serde_json::json;

use crate::{
    error::ServiceError,
    service::{
        App,
        sso::{
            login::{self, BROWSER_COOKIE, CallbackParams, Redirect, Refused, StartParams},
            sessions,
        },
    },
};

/// Registers the routes.
pub fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/auth/token", web::post().to(token))
        .route("/auth/{organization}/login", web::get().to(start))
        .route("/auth/{organization}/callback", web::get().to(callback));
}

#[derive(Debug, Deserialize)]
struct StartQuery {
    return_to: Option<String>,
    link: Option<String>,
    link_code: Option<String>,
    provider: Option<i32>,
}

#[derive(Debug, Deserialize)]
struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    iss: Option<String>,
    error: Option<String>,
}

#[derive(Debug, Deserialize)]
struct TokenRequest {
    code: String,
}

fn browser_cookie(req: &HttpRequest) -> Option<String> {
    req.cookie(BROWSER_COOKIE).map(|c| c.value().to_owned())
}

fn redirect(app: &App, to: Redirect) -> HttpResponse {
    let mut response = HttpResponse::SeeOther();
    response
        .insert_header((header::LOCATION, to.location))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"));
    if let Some(value) = to.browser_cookie {
        let secure = app.sso.settings.public_url.scheme() == "https";
        response.cookie(
            Cookie::build(BROWSER_COOKIE, value)
                .path("/auth/")
                .http_only(true)
                .secure(secure)
                .same_site(SameSite::Lax)
                .max_age(CookieDuration::seconds(login::ATTEMPT_TTL.num_seconds()))
                .finish(),
        );
    }
    response.finish()
}

/// Sends the browser back to its front end with `?error=` when that is known and safe,
/// else shows a short page.
fn refused(refused: &Refused) -> HttpResponse {
    if let Some(location) = refused.location() {
        return HttpResponse::SeeOther()
            .insert_header((header::LOCATION, location))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header((header::REFERRER_POLICY, "no-referrer"))
            .finish();
    }
    let status = actix_web::http::StatusCode::from_u16(refused.refusal.status())
        .unwrap_or(actix_web::http::StatusCode::BAD_REQUEST);
    let page = format!(
        "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>Login refused</title>\
         <h1>Login refused</h1><p>{}</p><p>Error code: <code>{}</code></p></html>",
        refused.refusal.message(),
        refused.refusal.code()
    );
    HttpResponse::build(status)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header(("X-Login-Error", refused.refusal.code()))
        .content_type("text/html; charset=utf-8")
        .body(page)
}

async fn start(
    app: web::Data<App>,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<StartQuery>,
) -> HttpResponse {
    let query = query.into_inner();
    let params = StartParams {
        return_to: query.return_to,
        link: query.link.as_deref() == Some("true"),
        link_code: query.link_code,
        provider_id: query.provider,
    };
    match login::start(&app, &path, params, browser_cookie(&req).as_deref()).await {
        Ok(to) => redirect(&app, to),
        Err(refusal) => refused(&refusal),
    }
}

async fn callback(
    app: web::Data<App>,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<CallbackQuery>,
) -> HttpResponse {
    let query = query.into_inner();
    let params = CallbackParams { code: query.code, state: query.state, iss: query.iss, error: query.error };
    match login::finish(&app, &path, params, browser_cookie(&req).as_deref()).await {
        Ok(to) => redirect(&app, to),
        Err(refusal) => refused(&refusal),
    }
}

async fn token(app: web::Data<App>, body: web::Bytes) -> HttpResponse {
    let Ok(request) = serde_json::from_slice::<TokenRequest>(&body) else {
        return HttpResponse::BadRequest()
            .json(json!({ "error": "invalid_request", "message": "send JSON: {\"code\": \"…\"}" }));
    };
    match sessions::exchange(&app, &request.code).await {
        Ok(issued) => HttpResponse::Ok().insert_header((header::CACHE_CONTROL, "no-store")).json(json!({
            "token": secrecy::ExposeSecret::expose_secret(&issued.token),
            "expiresAt": issued.expires_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        })),
        Err(ServiceError::BadInput { message, .. }) => {
            HttpResponse::BadRequest().json(json!({ "error": "invalid_code", "message": format!("code {message}") }))
        }
        Err(ServiceError::Forbidden(message)) => {
            HttpResponse::Forbidden().json(json!({ "error": "account_disabled", "message": message }))
        }
        Err(err) => {
            tracing::error!(%err, "code exchange failed");
            HttpResponse::InternalServerError().json(json!({ "error": "internal", "message": "internal error" }))
        }
    }
}

//! The browser side of single sign-on (plain HTTP, not GraphQL):
//!
//! - `GET /auth/{organization}/login?return_to=URL` sends the browser to the
//!   organization's identity provider;
//! - `GET /auth/{organization}/callback` is where the provider sends it back (one
//!   callback per organization);
//! - `POST /auth/token` with `{"code": "…"}` exchanges the one-time code a front end
//!   received on `return_to` for a session token: `{"token": "…", "expiresAt": "…"}`;
//! - `POST /auth/{organization}/link` (bearer token, `{"returnTo": "…"}`, sent by the
//!   front end with credentials) starts linking an identity at that organization's
//!   provider to the caller's account: it sets the HTTP-only link cookie and answers
//!   `{"loginUrl": "…"}` (no code in it) for the same browser to open;
//! - `POST /auth/{organization}/link/confirm` is the form of the confirmation page the
//!   callback shows for a link: only it attaches the identity.
//!
//! Cookies are HTTP-only, `Path=/`, and over HTTPS `Secure` with the `__Host-` prefix
//! (no sibling domain can set them). No token, code or secret is ever logged here.

use crate::i18n::Message;
use actix_web::{
    HttpRequest, HttpResponse,
    cookie::{Cookie, SameSite, time::Duration as CookieDuration},
    http::{StatusCode, header},
    web,
};
use serde::Deserialize;
use serde_json::json;

use crate::{
    error::ServiceError,
    service::{
        App,
        sso::{
            login::{self, CallbackParams, Finished, LinkConfirmation, Redirect, Refused, StartParams},
            sessions,
        },
    },
};

/// Registers the routes.
pub fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/auth/token", web::post().to(token))
        .route("/auth/{organization}/login", web::get().to(start))
        .route("/auth/{organization}/callback", web::get().to(callback))
        .route("/auth/{organization}/link", web::post().to(start_link))
        .route("/auth/{organization}/link/confirm", web::post().to(confirm_link));
}

/// Binds a login attempt to the browser that started it (`maillage_login_{key}`, one
/// per attempt, see [`login::binding_key`]).
const LOGIN_COOKIE: &str = "maillage_login";
/// Binds an account link to the browser (and session) that asked for it.
const LINK_COOKIE: &str = "maillage_link";

fn secure(app: &App) -> bool {
    app.sso.settings.public_url.scheme() == "https"
}

/// A cookie's name: with the `__Host-` prefix over HTTPS.
fn cookie_name(app: &App, base: &str) -> String {
    if secure(app) { format!("__Host-{base}") } else { base.to_owned() }
}

fn read_cookie(app: &App, req: &HttpRequest, base: &str) -> Option<String> {
    req.cookie(&cookie_name(app, base)).map(|c| c.value().to_owned())
}

/// An HTTP-only cookie for `/` (what `__Host-` requires), `Secure` over HTTPS. The link
/// cookie is set by a cross-origin request of a front end, so over HTTPS it is
/// `SameSite=None` (browsers keep it only if `Secure`); the login cookie must come
/// back on the provider's top-level redirect, which `Lax` allows.
fn cookie(app: &App, base: &str, value: String, max_age: chrono::Duration, cross_site: bool) -> Cookie<'static> {
    let same_site = if cross_site && secure(app) { SameSite::None } else { SameSite::Lax };
    Cookie::build(cookie_name(app, base), value)
        .path("/")
        .http_only(true)
        .secure(secure(app))
        .same_site(same_site)
        .max_age(CookieDuration::seconds(max_age.num_seconds()))
        .finish()
}

fn client_address(req: &HttpRequest) -> Option<String> {
    Some(crate::http::client_ip::client_ip(req).to_string())
}

#[derive(Debug, Deserialize)]
struct StartQuery {
    return_to: Option<String>,
    link: Option<String>,
    provider: Option<i32>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct LinkRequest {
    return_to: String,
}

#[derive(Debug, Deserialize)]
struct ConfirmForm {
    token: String,
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

fn redirect(app: &App, to: Redirect) -> HttpResponse {
    let mut response = HttpResponse::SeeOther();
    response
        .insert_header((header::LOCATION, to.location))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"));
    if let Some(binding) = to.browser_cookie {
        let name = format!("{LOGIN_COOKIE}_{}", binding.key);
        response.cookie(cookie(app, &name, binding.value, login::ATTEMPT_TTL, false));
    }
    response.finish()
}

/// Text for HTML.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The page where a person confirms an account link: it names the identity and the
/// account; its form posts the single-use token back. It may not be framed (no
/// clickjacking of its button) and runs no script.
fn confirmation_page(confirm: &LinkConfirmation) -> HttpResponse {
    let page = format!(
        "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>Link an identity</title>\
         <h1>Link this identity to your account?</h1>\
         <p>Identity <strong>{subject}</strong> at <strong>{provider}</strong> (<code>{issuer}</code>)</p>\
         <p>Account <strong>{name}</strong> ({email})</p>\
         <p>Once linked, logging in with this identity logs you in to this account. \
         If you did not ask for this, cancel.</p>\
         <form method=\"post\" action=\"{action}\">\
         <input type=\"hidden\" name=\"token\" value=\"{token}\">\
         <button type=\"submit\">Link</button> <a href=\"{cancel}\">Cancel</a></form></html>",
        subject = escape(&confirm.subject),
        provider = escape(&confirm.provider_name),
        issuer = escape(&confirm.issuer),
        name = escape(&confirm.account_name),
        email = escape(&confirm.account_email),
        action = escape(&confirm.confirm_url),
        token = escape(&confirm.token),
        cancel = escape(&confirm.cancel_url),
    );
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ))
        .content_type("text/html; charset=utf-8")
        .body(page)
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
        provider_id: query.provider,
        client_address: client_address(&req),
    };
    match login::start(&app, &path, params, read_cookie(&app, &req, LINK_COOKIE).as_deref()).await {
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
    let key = query.state.as_deref().map(login::binding_key).unwrap_or_default();
    let params = CallbackParams { code: query.code, state: query.state, iss: query.iss, error: query.error };
    let browser = read_cookie(&app, &req, &format!("{LOGIN_COOKIE}_{key}"));
    let link = read_cookie(&app, &req, LINK_COOKIE);
    let metrics = crate::telemetry::metrics();
    match login::finish(&app, &path, params, browser.as_deref(), link.as_deref()).await {
        Ok(Finished::Redirect(to)) => {
            metrics.login("ok");
            redirect(&app, to)
        }
        Ok(Finished::ConfirmLink(confirm)) => {
            metrics.login("link_confirmation");
            confirmation_page(&confirm)
        }
        Err(refusal) => {
            metrics.login(refusal.refusal.code());
            refused(&refusal)
        }
    }
}

fn json_error(status: StatusCode, error: &str, message: &str, field: Option<&str>) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(json!({ "error": error, "message": message, "field": field }))
}

/// `POST /auth/{organization}/link`: the bearer token says who asks; the answer's cookie
/// binds the link to this browser.
async fn start_link(app: web::Data<App>, req: HttpRequest, path: web::Path<String>, body: web::Bytes) -> HttpResponse {
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let viewer = match token {
        Some(token) => match app.sessions.authenticate(&app.db, token, app.sso.settings.session_idle).await {
            Ok(viewer) => viewer,
            Err(err) => {
                tracing::error!(%err, "authentication failed");
                return json_error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    &Message::new("internal").to_string(),
                    None,
                );
            }
        },
        None => None,
    };
    if viewer.is_none() {
        return json_error(StatusCode::UNAUTHORIZED, "unauthenticated", &Message::new("send-bearer").to_string(), None);
    }
    let Ok(request) = serde_json::from_slice::<LinkRequest>(&body) else {
        return json_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            &Message::new("send-json-with").arg("shape", "{\"returnTo\": \"…\"}").to_string(),
            None,
        );
    };
    let caller = super::Caller::new(viewer, None);
    match sessions::start_link(&app, &caller, &path, &request.return_to).await {
        Ok(link) => HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .cookie(cookie(&app, LINK_COOKIE, link.cookie, sessions::LINK_TTL, true))
            .json(json!({ "loginUrl": link.login_url })),
        Err(ServiceError::NotFound { .. }) => json_error(
            StatusCode::NOT_FOUND,
            "unknown_organization",
            &Message::new("unknown-organization-address").to_string(),
            None,
        ),
        Err(ServiceError::BadInput { field, message }) => {
            json_error(StatusCode::BAD_REQUEST, "invalid_request", &format!("{field} {message}"), Some(&field))
        }
        Err(ServiceError::Unauthenticated) => {
            json_error(StatusCode::UNAUTHORIZED, "unauthenticated", &Message::new("send-bearer").to_string(), None)
        }
        Err(ServiceError::Forbidden(message)) => {
            json_error(StatusCode::FORBIDDEN, "forbidden", &message.to_string(), None)
        }
        Err(err) => {
            tracing::error!(%err, "link start failed");
            json_error(StatusCode::INTERNAL_SERVER_ERROR, "internal", &Message::new("internal").to_string(), None)
        }
    }
}

/// `POST /auth/{organization}/link/confirm`: the confirmation page's form.
async fn confirm_link(
    app: web::Data<App>,
    req: HttpRequest,
    path: web::Path<String>,
    form: web::Form<ConfirmForm>,
) -> HttpResponse {
    let link = read_cookie(&app, &req, LINK_COOKIE);
    match login::confirm_link(&app, &path, &form.token, link.as_deref()).await {
        Ok(to) => {
            let mut response = redirect(&app, to);
            // The link is done: its cookie goes.
            let mut gone = cookie(&app, LINK_COOKIE, String::new(), chrono::Duration::zero(), true);
            gone.make_removal();
            if let Err(err) = response.add_cookie(&gone) {
                tracing::warn!(%err, "could not clear the link cookie");
            }
            response
        }
        Err(refusal) => refused(&refusal),
    }
}

async fn token(app: web::Data<App>, body: web::Bytes) -> HttpResponse {
    let Ok(request) = serde_json::from_slice::<TokenRequest>(&body) else {
        return HttpResponse::BadRequest()
            .json(json!({ "error": "invalid_request", "message": Message::new("send-json-with").arg("shape", "{\"code\": \"…\"}").to_string() }));
    };
    match sessions::exchange(&app, &request.code).await {
        Ok(issued) => HttpResponse::Ok().insert_header((header::CACHE_CONTROL, "no-store")).json(json!({
            "token": secrecy::ExposeSecret::expose_secret(&issued.token),
            "expiresAt": issued.expires_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        })),
        Err(ServiceError::BadInput { message, .. }) => {
            HttpResponse::BadRequest().json(json!({ "error": "invalid_code", "message": Message::new("http-parameter-problem").arg("parameter", "code").arg("problem", message).to_string() }))
        }
        Err(ServiceError::Forbidden(message)) => {
            HttpResponse::Forbidden().json(json!({ "error": "account_disabled", "message": message.to_string() }))
        }
        Err(err) => {
            tracing::error!(%err, "code exchange failed");
            HttpResponse::InternalServerError()
                .json(json!({ "error": "internal", "message": Message::new("internal").to_string() }))
        }
    }
}

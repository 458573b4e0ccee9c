//! `POST /oauth/token`: the OAuth 2.0 client-credentials grant (RFC 6749 §4.4) for
//! organization API clients (see [`crate::service::api_client`]).
//!
//! - The request is `application/x-www-form-urlencoded` (anything else is
//!   `invalid_request`), at most [`MAX_BODY`] bytes, each parameter at most once
//!   (RFC 6749 §3.2); unknown parameters are ignored.
//! - The client authenticates with HTTP Basic (`client_secret_basic`, RFC 6749 §2.3.1:
//!   id and secret form-urlencoded, then base64) or in the body (`client_secret_post`),
//!   never both (`invalid_request`). Failure is `401 invalid_client` with
//!   `WWW-Authenticate: Basic`.
//! - `grant_type` must be `client_credentials` (`unsupported_grant_type`); `scope`, when
//!   given, is a space-separated subset of `read write admin` that the client holds
//!   (`invalid_scope`); without it the token gets all of the client's scopes.
//! - The answer is `{access_token, token_type: "Bearer", expires_in, scope}` with
//!   `Cache-Control: no-store` (RFC 6749 §5.1); errors are `{error, error_description}`
//!   (§5.2).
//! - `error_description` is in the language `Accept-Language` asks for, from the message
//!   catalogue, made to fit the characters §5.2 allows (printable ASCII without `"` and
//!   `\`: French loses its accents, see [`crate::i18n::ascii`]); `error` never changes.
//! - Bad credentials count against the presenting address like invalid bearer tokens on
//!   `/graphql` (`rate_limit_auth_per_minute`); past the limit the endpoint answers `429`
//!   with `Retry-After` before looking at any credential.

use actix_web::{
    HttpRequest, HttpResponse,
    http::{StatusCode, header},
    web,
};
use base64::{Engine, engine::general_purpose::STANDARD};
use entity::enums::TokenScope;
use secrecy::ExposeSecret;
use serde_json::json;

use crate::{
    error::ServiceError,
    i18n::{Message, ascii::oauth_description},
    server::rate_limit::RateLimits,
    service::{
        App,
        api_client::{self, GrantError},
    },
};

/// The largest request body read.
pub const MAX_BODY: usize = 4096;

/// Registers `/oauth/token`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/oauth/token").route(web::post().to(token)).default_service(web::to(method_not_allowed)),
    );
}

/// An RFC 6749 §5.2 error answer; the description in the request's language.
fn error(status: StatusCode, code: &str, description: Message) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(json!({ "error": code, "error_description": oauth_description(&description.to_string()) }))
}

fn invalid_request(description: Message) -> HttpResponse {
    error(StatusCode::BAD_REQUEST, "invalid_request", description)
}

fn invalid_client() -> HttpResponse {
    let mut response =
        error(StatusCode::UNAUTHORIZED, "invalid_client", Message::new("oauth-client-authentication-failed"));
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Basic realm=\"maillage\""));
    response
}

async fn method_not_allowed() -> HttpResponse {
    let mut response = error(StatusCode::METHOD_NOT_ALLOWED, "invalid_request", Message::new("oauth-use-post"));
    response.headers_mut().insert(header::ALLOW, header::HeaderValue::from_static("POST"));
    response
}

/// Decodes one form-urlencoded value (`+` is a space).
fn form_decode(value: &str) -> String {
    url::form_urlencoded::parse(format!("v={value}").as_bytes()).next().map(|(_, v)| v.into_owned()).unwrap_or_default()
}

/// The client id and secret of an `Authorization: Basic` header; `Err` when the header
/// is there but is not Basic credentials.
fn basic_credentials(req: &HttpRequest) -> Result<Option<(String, String)>, ()> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else { return Ok(None) };
    let value = value.to_str().map_err(|_| ())?;
    let (scheme, encoded) = value.split_once(' ').ok_or(())?;
    if !scheme.eq_ignore_ascii_case("basic") || encoded.len() > 1024 {
        return Err(());
    }
    let decoded = STANDARD.decode(encoded.trim()).map_err(|_| ())?;
    let decoded = String::from_utf8(decoded).map_err(|_| ())?;
    let (id, secret) = decoded.split_once(':').ok_or(())?;
    Ok(Some((form_decode(id), form_decode(secret))))
}

/// The scopes a `scope` parameter names (`None` when one is unknown).
fn parse_scope(text: &str) -> Option<Vec<TokenScope>> {
    text.split(' ')
        .filter(|s| !s.is_empty())
        .map(|s| match s {
            "read" => Some(TokenScope::Read),
            "write" => Some(TokenScope::Write),
            "admin" => Some(TokenScope::Admin),
            _ => None,
        })
        .collect()
}

/// The form's parameters; `Err` with a description when one is repeated.
fn parameters(body: &[u8]) -> Result<Vec<(String, String)>, Message> {
    let mut params: Vec<(String, String)> = Vec::new();
    for (name, value) in url::form_urlencoded::parse(body) {
        if params.iter().any(|(n, _)| *n == name) {
            return Err(Message::new("oauth-parameter-repeated").arg("parameter", name.into_owned()));
        }
        params.push((name.into_owned(), value.into_owned()));
    }
    Ok(params)
}

fn is_form(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/x-www-form-urlencoded"))
}

async fn token(
    req: HttpRequest,
    body: web::Payload,
    app: web::Data<App>,
    limits: web::Data<RateLimits>,
) -> HttpResponse {
    let ip = crate::http::client_ip::client_ip(&req);
    if let Err(retry_after) = limits.token_allowed(ip) {
        tracing::info!(%ip, "too many bad client credentials");
        let mut response = error(
            StatusCode::TOO_MANY_REQUESTS,
            "temporarily_unavailable",
            Message::new("oauth-too-many-attempts").arg("seconds", retry_after),
        );
        response.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from(retry_after));
        return response;
    }
    if !is_form(&req) {
        return invalid_request(Message::new("oauth-send-form"));
    }
    let bytes = match body.to_bytes_limited(MAX_BODY).await {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(_)) => return invalid_request(Message::new("oauth-body-unreadable")),
        Err(_) => {
            return error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "invalid_request",
                Message::new("oauth-body-too-large").arg("max", MAX_BODY),
            );
        }
    };
    let params = match parameters(&bytes) {
        Ok(params) => params,
        Err(description) => return invalid_request(description),
    };
    let param = |name: &str| params.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
    let in_body = match (param("client_id"), param("client_secret")) {
        (Some(id), Some(secret)) => Some((id.to_owned(), secret.to_owned())),
        _ => None,
    };
    let (client_id, client_secret) = match (basic_credentials(&req), in_body) {
        (Ok(Some(_)), Some(_)) => {
            return invalid_request(Message::new("oauth-one-authentication"));
        }
        (Ok(Some(credentials)), None) | (Ok(None), Some(credentials)) => credentials,
        (Ok(None), None) | (Err(()), _) => {
            limits.token_refused(ip);
            return invalid_client();
        }
    };
    match param("grant_type") {
        None => return invalid_request(Message::new("oauth-grant-type-missing")),
        Some("client_credentials") => {}
        Some(_) => {
            return error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                Message::new("oauth-grant-type-unsupported"),
            );
        }
    }
    let requested = match param("scope").filter(|s| !s.trim().is_empty()) {
        None => None,
        Some(text) => match parse_scope(text) {
            Some(scopes) => Some(scopes),
            None => {
                return error(StatusCode::BAD_REQUEST, "invalid_scope", Message::new("oauth-scope-unknown"));
            }
        },
    };
    match api_client::grant(&app, &client_id, &client_secret, requested).await {
        Ok(grant) => {
            let expires_in = (grant.expires_at - chrono::Utc::now()).num_seconds().max(0);
            let scope = grant.scopes.iter().map(|s| s.as_str().to_lowercase()).collect::<Vec<_>>().join(" ");
            HttpResponse::Ok()
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .insert_header((header::PRAGMA, "no-cache"))
                .json(json!({
                    "access_token": grant.access_token.expose_secret(),
                    "token_type": "Bearer",
                    "expires_in": expires_in,
                    "scope": scope,
                }))
        }
        Err(GrantError::InvalidClient) => {
            limits.token_refused(ip);
            invalid_client()
        }
        Err(GrantError::InvalidScope) => {
            error(StatusCode::BAD_REQUEST, "invalid_scope", Message::new("oauth-scope-not-held"))
        }
        Err(GrantError::InvalidGrant) => {
            error(StatusCode::BAD_REQUEST, "invalid_grant", Message::new("oauth-client-suspended"))
        }
        Err(GrantError::Service(err)) => {
            let status = match err {
                ServiceError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            };
            if status == StatusCode::INTERNAL_SERVER_ERROR {
                tracing::error!(error = %err, "token request failed");
            }
            let code =
                if status == StatusCode::SERVICE_UNAVAILABLE { "temporarily_unavailable" } else { "server_error" };
            error(status, code, Message::new("oauth-try-again-later"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_are_read_write_admin_space_separated() {
        assert_eq!(parse_scope("read  write"), Some(vec![TokenScope::Read, TokenScope::Write]));
        assert_eq!(parse_scope("READ"), None);
        assert_eq!(parse_scope("read,write"), None);
    }

    #[test]
    fn repeated_parameters_are_refused() {
        assert!(parameters(b"grant_type=client_credentials&grant_type=client_credentials").is_err());
        assert_eq!(parameters(b"a=1&b=x+y").map(|p| p.len()), Ok(2));
        assert_eq!(form_decode("a%3Ab+c"), "a:b c");
    }
}

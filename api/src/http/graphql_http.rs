//! GraphQL over HTTP (the GraphQL Foundation's specification, checked in CI by the
//! `graphql-http` audit): which media type answers a request, which status and codes a
//! request error gets, the parameters of a `GET`, and the caching headers of its answer.
//! The endpoint itself (authentication, limits, execution) is `server::graphql_endpoint`.
//!
//! - **Media type**: `application/graphql-response+json` when the client's `Accept`
//!   prefers it (or names nothing we serve), `application/json` when it prefers that,
//!   sends `*/*` or no `Accept` (the specification's rule for legacy clients).
//! - **Request errors** (the query does not parse, does not validate, its variables do
//!   not coerce, it costs too much): nothing ran, so the answer has no `data`; its
//!   status is `400` under `application/graphql-response+json` and `200` under
//!   `application/json`, as the specification asks for each.
//! - **GET**: queries only (a mutation is `405` with `Allow: POST`); the answer carries an
//!   `ETag` (a hash of what was sent) and `If-None-Match` answers `304` with no body.
//!   The tag is weak (`W/"…"`): the answer may be sent gzip- or brotli-compressed, and
//!   RFC 9110 (§8.8.3) lets one strong tag name one representation only, while a weak
//!   tag names every encoding of the same content (and `If-None-Match` compares weakly).

use actix_web::http::header::HeaderValue;
use async_graphql::{ErrorExtensionValues, ServerError};
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// `extensions.code` of a query that does not parse (or a request without a query).
pub const GRAPHQL_PARSE_FAILED: &str = "GRAPHQL_PARSE_FAILED";
/// `extensions.code` of a query that parses but is not valid against the schema
/// (unknown field or argument, wrong type, a variable that does not coerce…).
pub const GRAPHQL_VALIDATION_FAILED: &str = "GRAPHQL_VALIDATION_FAILED";

/// `Cache-Control` of `GET` answers to anonymous requests: public data, which any cache
/// of the client's own may keep but must check again (`ETag`) before every use, so a
/// change of visibility is seen at once; shared caches keep nothing (`private`).
pub const CACHE_ANONYMOUS_GET: &str = "private, no-cache";
/// `Cache-Control` of every other `/graphql` answer: `POST`s, errors, and `GET`s with a
/// bearer token, which hold what one person may see and must not stay on the disk of a
/// shared workstation after the person left.
pub const CACHE_NONE: &str = "private, no-store";
/// What a `/graphql` answer depends on besides its URL and body.
pub const VARY: &str = "Accept, Accept-Encoding, Authorization";

/// The media type of a `/graphql` answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaType {
    /// `application/graphql-response+json`: request errors are `4xx`.
    GraphqlResponse,
    /// `application/json`: every well-formed request is `200`, whatever its errors.
    Json,
}

impl MediaType {
    /// Its `Content-Type`.
    pub const fn content_type(self) -> &'static str {
        match self {
            Self::GraphqlResponse => "application/graphql-response+json",
            Self::Json => "application/json",
        }
    }

    /// Chosen from the request's `Accept` (no allocation): the served type of highest
    /// weight, `application/graphql-response+json` on a tie; `application/json` for
    /// `*/*`, `application/*` or no `Accept` at all; `application/graphql-response+json`
    /// when `Accept` names nothing served (the specification lets the server disregard
    /// it rather than answer `406`).
    pub fn negotiate(accept: Option<&HeaderValue>) -> Self {
        let Some(accept) = accept.and_then(|v| v.to_str().ok()).filter(|v| !v.trim().is_empty()) else {
            return Self::Json;
        };
        let (mut graphql, mut json, mut wildcard) = (0.0f32, 0.0f32, 0.0f32);
        for range in accept.split(',') {
            let mut parts = range.split(';');
            let essence = parts.next().unwrap_or_default().trim();
            let weight = parts
                .filter_map(|p| p.split_once('='))
                .find(|(name, _)| name.trim().eq_ignore_ascii_case("q"))
                .map_or(1.0, |(_, q)| q.trim().parse::<f32>().unwrap_or(0.0));
            let slot = if essence.eq_ignore_ascii_case("application/graphql-response+json") {
                &mut graphql
            } else if essence.eq_ignore_ascii_case("application/json") {
                &mut json
            } else if essence == "*/*" || essence.eq_ignore_ascii_case("application/*") {
                &mut wildcard
            } else {
                continue;
            };
            *slot = slot.max(weight);
        }
        if graphql > 0.0 && graphql >= json {
            Self::GraphqlResponse
        } else if json > 0.0 || wildcard > 0.0 {
            Self::Json
        } else {
            Self::GraphqlResponse
        }
    }

    /// The status of an answer to a request error under this media type.
    pub const fn request_error_status(self) -> actix_web::http::StatusCode {
        match self {
            Self::GraphqlResponse => actix_web::http::StatusCode::BAD_REQUEST,
            Self::Json => actix_web::http::StatusCode::OK,
        }
    }
}

/// The parameters of a `GET /graphql`, URL-encoded; `variables` and `extensions` are
/// JSON text.
#[derive(Debug, Deserialize)]
pub struct GetParams {
    pub query: Option<String>,
    #[serde(rename = "operationName")]
    pub operation_name: Option<String>,
    pub variables: Option<String>,
    pub extensions: Option<String>,
}

impl GetParams {
    /// The GraphQL request these parameters make, or what is wrong with them.
    pub fn into_request(self) -> Result<async_graphql::Request, String> {
        let mut request = async_graphql::Request::new(self.query.unwrap_or_default());
        request.operation_name = self.operation_name.filter(|name| !name.is_empty());
        if let Some(variables) = self.variables.filter(|v| !v.is_empty()) {
            let variables: Option<async_graphql::Variables> =
                serde_json::from_str(&variables).map_err(|err| not_json_in_url("variables", &err))?;
            request.variables = variables.unwrap_or_default();
        }
        if let Some(extensions) = self.extensions.filter(|v| !v.is_empty()) {
            let extensions: Option<async_graphql::Extensions> =
                serde_json::from_str(&extensions).map_err(|err| not_json_in_url("extensions", &err))?;
            request.extensions = extensions.unwrap_or_default();
        }
        Ok(request)
    }
}

/// What is wrong with a `GET` parameter that should hold a JSON object.
fn not_json_in_url(parameter: &'static str, err: &serde_json::Error) -> String {
    crate::i18n::Message::new("http-get-not-json")
        .arg("parameter", parameter)
        .arg("detail", err.to_string())
        .to_string()
}

/// Whether a JSON body holds a batch (an array of requests) rather than one request.
pub fn is_batch(body: &[u8]) -> bool {
    body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[')
}

/// Sets `code` on an error that has none, and says the engine's own message in the
/// request's language ([`crate::i18n::graphql`]).
fn code_if_none(error: &mut ServerError, code: &str) {
    if let Some(said) = crate::i18n::graphql::translate(&error.message, crate::i18n::current()) {
        error.message = said;
    }
    let extensions = error.extensions.get_or_insert_with(ErrorExtensionValues::default);
    if extensions.get("code").is_none() {
        extensions.set("code", code);
    }
}

/// Codes the errors of a query that was refused before it was executed (it did not
/// parse, or the server's own checks refused it): those without a code did not parse.
pub fn code_refusal(error: &mut ServerError) {
    code_if_none(error, GRAPHQL_PARSE_FAILED);
}

/// Codes the errors of an executed query and says whether it was a request error:
/// no data and no error tied to a field means the schema refused it before running
/// anything (validation, variables, operation name, cost). Errors without a code are
/// then `GRAPHQL_VALIDATION_FAILED`; those raised by resolvers, `BAD_USER_INPUT` (the
/// input a field was given, e.g. a value its scalar refuses).
pub fn code_execution(response: &mut async_graphql::Response) -> bool {
    let request_error = response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty());
    let code = if request_error { GRAPHQL_VALIDATION_FAILED } else { "BAD_USER_INPUT" };
    for error in &mut response.errors {
        code_if_none(error, code);
    }
    request_error
}

/// The body of an answer to a request error: its errors, and no `data` (nothing ran);
/// its `extensions` (the cost) when there are any.
#[derive(Serialize)]
pub struct RequestErrors<'a> {
    pub errors: &'a [ServerError],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extensions: Option<&'a std::collections::BTreeMap<String, async_graphql::Value>>,
}

/// The entity tag of an answer: a hash of its media type and body, weak since the same
/// content is sent compressed or not.
pub fn etag(media: MediaType, body: &[u8]) -> String {
    let mut hash = Sha256::new();
    hash.update(media.content_type().as_bytes());
    hash.update([0]);
    hash.update(body);
    let digest = hash.finalize();
    format!("W/\"{}\"", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..18]))
}

/// Whether `If-None-Match` names `etag` (weak comparison, as RFC 9110 asks for it).
pub fn none_match<'a>(if_none_match: Option<&'a HeaderValue>, etag: &'a str) -> bool {
    let Some(value) = if_none_match.and_then(|v| v.to_str().ok()) else { return false };
    let opaque = |tag: &'a str| tag.strip_prefix("W/").unwrap_or(tag);
    value.split(',').map(str::trim).any(|tag| tag == "*" || opaque(tag) == opaque(etag))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn negotiate(accept: &str) -> MediaType {
        MediaType::negotiate(Some(&HeaderValue::from_str(accept).unwrap()))
    }

    #[test]
    fn accept_chooses_the_media_type() {
        assert_eq!(MediaType::negotiate(None), MediaType::Json);
        assert_eq!(negotiate(""), MediaType::Json);
        assert_eq!(negotiate("*/*"), MediaType::Json);
        assert_eq!(negotiate("application/json"), MediaType::Json);
        assert_eq!(negotiate("application/json; charset=utf-8"), MediaType::Json);
        assert_eq!(negotiate("application/graphql-response+json"), MediaType::GraphqlResponse);
        // Apollo Client's and urql's headers.
        assert_eq!(negotiate("application/graphql-response+json,application/json;q=0.9"), MediaType::GraphqlResponse);
        assert_eq!(
            negotiate(
                "application/graphql-response+json, application/graphql+json, application/json, text/event-stream"
            ),
            MediaType::GraphqlResponse
        );
        assert_eq!(negotiate("application/graphql-response+json;q=0.5, application/json"), MediaType::Json);
        assert_eq!(negotiate("application/graphql-response+json;q=0, */*"), MediaType::Json);
        assert_eq!(negotiate("text/html"), MediaType::GraphqlResponse);
    }

    #[test]
    fn if_none_match_compares_weakly() {
        let tag = etag(MediaType::Json, b"{}");
        assert!(tag.starts_with("W/\""), "{tag}");
        assert!(none_match(Some(&HeaderValue::from_str(&tag).unwrap()), &tag));
        let strong = tag.trim_start_matches("W/");
        assert!(none_match(Some(&HeaderValue::from_str(strong).unwrap()), &tag));
        assert!(none_match(Some(&HeaderValue::from_str(&format!("\"x\", {tag}")).unwrap()), &tag));
        assert!(none_match(Some(&HeaderValue::from_static("*")), &tag));
        assert!(!none_match(Some(&HeaderValue::from_static("\"x\"")), &tag));
        assert!(!none_match(None, &tag));
        assert_ne!(tag, etag(MediaType::GraphqlResponse, b"{}"), "the media type is part of the tag");
    }

    #[test]
    fn a_batch_is_an_array() {
        assert!(is_batch(b" \n[{}]"));
        assert!(!is_batch(b"{\"query\":\"{ a }\"}"));
        assert!(!is_batch(b""));
    }
}

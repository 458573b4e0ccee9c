//! The request's language: negotiated from `Accept-Language`, it covers everything the
//! server writes while serving the request (see [`crate::i18n`]). Answers say which
//! language they speak (`Content-Language`) and that it depends on the header (`Vary`).

use actix_web::{
    Error,
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    http::header::{self, HeaderValue},
    middleware::Next,
};

use crate::i18n::{LANGUAGE, negotiate};

/// Runs the rest of the request in the language its `Accept-Language` asks for.
pub async fn negotiate_language(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let asked = req.headers().get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
    let lang = negotiate(asked);
    let mut response = LANGUAGE.scope(lang, next.call(req)).await?;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_LANGUAGE, HeaderValue::from_static(lang.tag()));
    headers.append(header::VARY, HeaderValue::from_static("accept-language"));
    Ok(response)
}

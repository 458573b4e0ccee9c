//! `GET /reports/time.csv?organization=<id>&year=<y>`: an organization's time report as
//! CSV (RFC 4180), for its managers and network administrators.
//!
//! The caller is the bearer token's person: without a token, or with one that is not
//! live, `401`. Anyone the report is not for gets `404`, as for an organization that does
//! not exist; a malformed query is `400`. One header row, then one row per community and
//! person (communities the caller may see), hours as decimals.

use crate::i18n::Message;
use actix_web::{
    HttpRequest, HttpResponse,
    http::{StatusCode, header},
    web,
};
use serde::Deserialize;

use crate::{
    error::ServiceError,
    graphql::ids::{NodeKind, from_global, to_global},
    server::rate_limit::RateLimits,
    service::{App, time},
};

/// The routes of this module.
pub fn routes(config: &mut web::ServiceConfig) {
    config.route("/reports/time.csv", web::get().to(time_csv));
}

#[derive(Debug, Deserialize)]
struct ReportQuery {
    organization: Option<String>,
    year: Option<i32>,
}

fn plain(status: StatusCode, message: &str) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .content_type("text/plain; charset=utf-8")
        .body(message.to_owned())
}

/// A name as a CSV cell that no spreadsheet runs as a formula: one starting with `=`,
/// `+`, `-`, `@`, a tab or a carriage return gets a leading `'` (OWASP's advice on CSV
/// injection). Names come from people and communities, not from the report's reader.
fn cell(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}") } else { text.to_owned() }
}

/// The report as CSV text.
fn to_csv(rows: &[time::ReportRow]) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record([
        "community_id",
        "community",
        "person_id",
        "person",
        "counted_hours",
        "pending_hours",
        "refused_hours",
    ])?;
    for r in rows {
        out.write_record([
            to_global(NodeKind::Community, r.community_id).0,
            cell(&r.community_name),
            to_global(NodeKind::Person, r.person_id).0,
            cell(&r.person_name),
            time::hours(r.counted).to_string(),
            time::hours(r.pending).to_string(),
            time::hours(r.refused).to_string(),
        ])?;
    }
    out.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

async fn time_csv(app: web::Data<App>, limits: web::Data<RateLimits>, req: HttpRequest) -> HttpResponse {
    let caller = match super::files::bearer_caller(&app, &limits, &req).await {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    if caller.viewer.is_none() {
        return HttpResponse::Unauthorized()
            .insert_header((header::WWW_AUTHENTICATE, "Bearer"))
            .insert_header((header::CACHE_CONTROL, "private, no-store"))
            .body(crate::i18n::Message::new("report-needs-token").to_string());
    }
    let Ok(query) = web::Query::<ReportQuery>::from_query(req.query_string()) else {
        return plain(StatusCode::BAD_REQUEST, &Message::new("report-parameters").to_string());
    };
    let (Some(organization), Some(year)) = (query.organization.as_deref(), query.year) else {
        return plain(StatusCode::BAD_REQUEST, &Message::new("report-parameters").to_string());
    };
    let Ok(organization) = from_global("organization", NodeKind::Organization, &async_graphql::ID(organization.into()))
    else {
        return plain(StatusCode::NOT_FOUND, &Message::new("not-found").arg("what", "other").to_string());
    };
    match time::report(&app, &caller, organization, year).await {
        Ok(rows) => match to_csv(&rows) {
            Ok(body) => HttpResponse::Ok()
                .insert_header((header::CACHE_CONTROL, "private, no-store"))
                .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"time-{year}.csv\"")))
                .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
                .content_type("text/csv; charset=utf-8")
                .body(body),
            Err(err) => {
                tracing::error!(%err, "writing a time report");
                plain(StatusCode::INTERNAL_SERVER_ERROR, &Message::new("internal").to_string())
            }
        },
        Err(ServiceError::NotFound { .. }) => {
            plain(StatusCode::NOT_FOUND, &Message::new("not-found").arg("what", "other").to_string())
        }
        Err(ServiceError::BadInput { message, .. }) => plain(
            StatusCode::BAD_REQUEST,
            &Message::new("http-parameter-problem").arg("parameter", "year").arg("problem", message).to_string(),
        ),
        Err(ServiceError::Unauthenticated) => plain(StatusCode::UNAUTHORIZED, &Message::new("log-in").to_string()),
        Err(err) => {
            tracing::error!(%err, "a time report");
            plain(StatusCode::SERVICE_UNAVAILABLE, &Message::new("try-again-shortly").to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn names_that_spreadsheets_would_run_are_defused() {
        for formula in ["=HYPERLINK(\"https://evil.example\")", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(cell(formula), format!("'{formula}"));
        }
        assert_eq!(cell("Soins palliatifs"), "Soins palliatifs");
        assert_eq!(cell("Marie-Ève"), "Marie-Ève");
    }
}

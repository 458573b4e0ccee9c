//! Liveness and readiness for load balancers and orchestrators.
//!
//! - `GET/HEAD /livez`: the process answers; the database is not consulted, so a slow or
//!   locked database never gets a healthy process restarted.
//! - `GET/HEAD /readyz`: the database answers `SELECT 1` within [`READY_WITHIN`], on a
//!   connection of its own: a pool exhausted by slow requests does not make a healthy
//!   database look down (review 2026-12-01, M7).
//! - `GET/HEAD /health`: the same as `/readyz` (kept for existing monitors).

use std::time::Duration;

use actix_web::{HttpResponse, web};
use sea_orm::DatabaseConnection;
use serde_json::json;

use crate::db;

/// How long the readiness check waits for the database.
pub const READY_WITHIN: Duration = Duration::from_secs(2);

/// The readiness check's own connection pool.
pub struct Health {
    reserved: DatabaseConnection,
}

impl Health {
    /// A one-connection pool to the same database as `db`.
    pub fn new(db: &DatabaseConnection) -> Self {
        Self { reserved: db::reserved_pool(db) }
    }
}

/// Registers the three routes, for GET and HEAD.
pub fn routes(cfg: &mut web::ServiceConfig, health: web::Data<Health>) {
    cfg.app_data(health)
        .service(web::resource("/livez").route(web::get().to(live)).route(web::head().to(live)))
        .service(web::resource("/readyz").route(web::get().to(ready)).route(web::head().to(ready)))
        .service(web::resource("/health").route(web::get().to(ready)).route(web::head().to(ready)));
}

async fn live() -> HttpResponse {
    HttpResponse::Ok().insert_header(("Cache-Control", "no-store")).json(json!({ "status": "ok" }))
}

async fn ready(health: web::Data<Health>) -> HttpResponse {
    let outcome = tokio::time::timeout(READY_WITHIN, health.reserved.ping()).await;
    match outcome {
        Ok(Ok(())) => HttpResponse::Ok().insert_header(("Cache-Control", "no-store")).json(json!({ "status": "ok" })),
        Ok(Err(err)) => {
            tracing::error!(error = %err, "readiness: database unreachable");
            unavailable("database unreachable")
        }
        Err(_) => {
            tracing::error!(
                within_ms = READY_WITHIN.as_millis() as u64,
                "readiness: the database did not answer in time"
            );
            unavailable("database not answering")
        }
    }
}

fn unavailable(status: &str) -> HttpResponse {
    HttpResponse::ServiceUnavailable()
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("Retry-After", "5"))
        .json(json!({ "status": status }))
}

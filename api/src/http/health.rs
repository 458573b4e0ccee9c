//! Liveness and readiness for load balancers and orchestrators.
//!
//! - `GET/HEAD /livez`: the process answers; the database is not consulted, so a slow or
//!   locked database never gets a healthy process restarted.
//! - `GET/HEAD /readyz`: the database answers `SELECT 1` within [`READY_WITHIN`], on a
//!   connection of its own: a pool exhausted by slow requests does not make a healthy
//!   database look down (review 2026-12-01, M7); no migration of this binary is
//!   pending on it (a replica started against a database another version migrated
//!   must not take traffic); and the authorization policy is loaded. Otherwise `503`
//!   with `{ "status": "unavailable", "reason": … }`, the reason one of a fixed few
//!   (the detail goes to the log).
//! - `GET/HEAD /health`: the same as `/readyz` (kept for existing monitors).

use std::{sync::Arc, time::Duration};

use actix_web::{HttpResponse, web};
use migration::{Migrator, MigratorTrait};
use policy::Authorizer;
use sea_orm::DatabaseConnection;
use serde_json::json;

use crate::{db, service::App};

/// How long the readiness check waits for the database.
pub const READY_WITHIN: Duration = Duration::from_secs(2);

/// The readiness check's own connection pool.
pub struct Health {
    reserved: DatabaseConnection,
    auth: Arc<Authorizer>,
}

impl Health {
    /// A one-connection pool to the same database as `app`'s, and its Authorizer.
    pub fn new(app: &App) -> Self {
        Self { reserved: db::reserved_pool(&app.db), auth: app.auth.clone() }
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
    let checks = async {
        health.reserved.ping().await?;
        Migrator::get_pending_migrations(&health.reserved).await
    };
    let outcome = tokio::time::timeout(READY_WITHIN, checks).await;
    match outcome {
        Ok(Ok(pending)) if !pending.is_empty() => {
            let names = pending.iter().map(|m| m.name().to_owned()).collect::<Vec<_>>();
            tracing::error!(?names, "readiness: migrations pending: run `maillage migrate up`");
            unavailable("migrations pending")
        }
        Ok(Ok(_)) if health.auth.rules().is_empty() => {
            tracing::error!("readiness: the authorization policy is not loaded");
            unavailable("policy not loaded")
        }
        Ok(Ok(_)) => HttpResponse::Ok().insert_header(("Cache-Control", "no-store")).json(json!({ "status": "ok" })),
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

fn unavailable(reason: &'static str) -> HttpResponse {
    HttpResponse::ServiceUnavailable()
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("Retry-After", "5"))
        .json(json!({ "status": "unavailable", "reason": reason }))
}

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
//!
//! The readiness checks run one at a time and their verdict is kept [`FRESH_FOR`]: a
//! flood of probes (anyone may send them) waits for the check under way and shares its
//! verdict, instead of queueing on the one reserved connection until the orchestrator's
//! own probe times out and takes a healthy replica out of service.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use actix_web::{HttpResponse, web};
use migration::{Migrator, MigratorTrait};
use policy::Authorizer;
use sea_orm::DatabaseConnection;
use serde_json::json;

use crate::{db, i18n::Message, service::App};

/// How long the readiness check waits for the database.
pub const READY_WITHIN: Duration = Duration::from_secs(2);

/// How long a readiness verdict is served to the probes that follow it.
pub const FRESH_FOR: Duration = Duration::from_secs(1);

/// The readiness check's own connection pool, and its last verdict.
pub struct Health {
    reserved: DatabaseConnection,
    auth: Arc<Authorizer>,
    /// When the last check ended and what it found; held while a check runs.
    last: tokio::sync::Mutex<Option<(Instant, Verdict)>>,
    /// Checks run so far.
    checks: AtomicU64,
}

/// What a readiness check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Ready,
    Unavailable(&'static str),
}

impl Health {
    /// A one-connection pool to the same database as `app`'s, and its Authorizer.
    pub fn new(app: &App) -> Self {
        Self::on(db::reserved_pool(&app.db), app.auth.clone())
    }

    fn on(reserved: DatabaseConnection, auth: Arc<Authorizer>) -> Self {
        Self { reserved, auth, last: tokio::sync::Mutex::new(None), checks: AtomicU64::new(0) }
    }

    /// The verdict of a check that ended less than [`FRESH_FOR`] ago, or of one run now
    /// (one at a time: a probe arriving meanwhile waits for it).
    async fn verdict(&self) -> Verdict {
        let mut last = self.last.lock().await;
        if let Some((at, verdict)) = *last
            && at.elapsed() < FRESH_FOR
        {
            return verdict;
        }
        let verdict = self.check().await;
        *last = Some((Instant::now(), verdict));
        verdict
    }

    async fn check(&self) -> Verdict {
        self.checks.fetch_add(1, Ordering::Relaxed);
        let checks = async {
            self.reserved.ping().await?;
            Migrator::get_pending_migrations(&self.reserved).await
        };
        match tokio::time::timeout(READY_WITHIN, checks).await {
            Ok(Ok(pending)) if !pending.is_empty() => {
                let names = pending.iter().map(|m| m.name().to_owned()).collect::<Vec<_>>();
                tracing::error!(?names, "readiness: migrations pending: run `maillage migrate up`");
                Verdict::Unavailable("migrations pending")
            }
            Ok(Ok(_)) if self.auth.rules().is_empty() => {
                tracing::error!("readiness: the authorization policy is not loaded");
                Verdict::Unavailable("policy not loaded")
            }
            Ok(Ok(_)) => Verdict::Ready,
            Ok(Err(err)) => {
                tracing::error!(error = %err, "readiness: database unreachable");
                Verdict::Unavailable("database unreachable")
            }
            Err(_) => {
                tracing::error!(
                    within_ms = READY_WITHIN.as_millis() as u64,
                    "readiness: the database did not answer in time"
                );
                Verdict::Unavailable("database not answering")
            }
        }
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
    match health.verdict().await {
        Verdict::Ready => {
            HttpResponse::Ok().insert_header(("Cache-Control", "no-store")).json(json!({ "status": "ok" }))
        }
        Verdict::Unavailable(reason) => unavailable(reason),
    }
}

/// `503`: `reason` for programs (it never changes with the language), `message` for
/// people, in the request's language.
fn unavailable(reason: &'static str) -> HttpResponse {
    let message = match reason {
        "migrations pending" => Message::new("health-migrations-pending"),
        "policy not loaded" => Message::new("health-policy-not-loaded"),
        "database unreachable" => Message::new("health-database-unreachable"),
        _ => Message::new("health-database-not-answering"),
    };
    HttpResponse::ServiceUnavailable()
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("Retry-After", "5"))
        .json(json!({ "status": "unavailable", "reason": reason, "message": message.to_string() }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A flood of probes runs one check and shares its verdict; a probe after
    /// [`FRESH_FOR`] checks again.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_flood_of_probes_runs_one_check() {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = secrecy::SecretString::from(format!("sqlite://{}/ready.db?mode=rwc", dir.path().display()));
        let database = db::connect_url(&url, 2, None).await.expect("connect");
        db::migrate(&database).await.expect("migrate");
        let auth = Arc::new(Authorizer::load(database.clone()).await.expect("policy"));
        let health = Arc::new(Health::on(db::reserved_pool(&database), auth));
        let mut probes = tokio::task::JoinSet::new();
        for _ in 0..500 {
            let health = health.clone();
            probes.spawn(async move { health.verdict().await });
        }
        let verdicts = probes.join_all().await;
        assert!(verdicts.iter().all(|v| *v == Verdict::Ready), "{verdicts:?}");
        assert_eq!(health.checks.load(Ordering::Relaxed), 1, "500 probes at once, one check");
        tokio::time::sleep(FRESH_FOR).await;
        assert_eq!(health.verdict().await, Verdict::Ready);
        assert_eq!(health.checks.load(Ordering::Relaxed), 2, "a stale verdict is checked again");
        let answer = ready(web::Data::from(health.clone())).await;
        assert_eq!(answer.status(), actix_web::http::StatusCode::OK);
    }
}

//! Faults an operator meets: the PostgreSQL server goes away and comes back. Run against
//! a PostgreSQL server the test starts and stops itself ([`TempPostgres`]), so the shared
//! one is never disturbed. While it is away, requests are answered `503 UNAVAILABLE`
//! quickly (within `db_acquire_timeout_ms`, far from `request_timeout_secs`), with no
//! internal detail, and `/readyz` says `503`; when it is back the server recovers by
//! itself, and every write it acknowledged before is there.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use harness::{TestApp, error_code, postgres::TempPostgres};
use sea_orm::{ConnectionTrait, Database, Statement};
use serde_json::{Value, json};

const CREATE: &str =
    "mutation($input: CreateCommunityInput!) { createCommunity(input: $input) { community { id slug } } }";

fn community(slug: &str) -> Value {
    json!({ "input": {
        "slug": slug, "name": format!("Community {slug}"), "description": "A community of practice.",
        "visibility": "PUBLIC", "membershipPolicy": "OPEN",
    } })
}

/// Words that would tell a client about the server's insides.
const INTERNAL: &[&str] = &["sqlx", "pool", "127.0.0.1", "connection refused", "postgres", "io error", "tcp"];

fn assert_no_detail(body: &str) {
    let lower = body.to_lowercase();
    for word in INTERNAL {
        assert!(!lower.contains(word), "{word:?} leaks in {body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_postgres_outage_is_answered_503_quickly_and_recovered_from_without_losing_writes() {
    if !TempPostgres::available() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI runs the fault tests: PostgreSQL's initdb and pg_ctl must be installed"
        );
        eprintln!("skipped: no PostgreSQL binaries (initdb, pg_ctl) here");
        return;
    }
    let pg = TempPostgres::start();
    let app = TestApp::spawn_on(&pg.url(), |s| {
        s.db_acquire_timeout_ms = 1_000;
        s.request_timeout_secs = 30;
    })
    .await;
    let ana = app.token("ana@network.example", None, true).await;
    assert!(app.ok(Some(&ana), "{ me { id } }", json!({})).await["me"]["id"].is_string());

    // A writer that keeps creating communities through the outage; it remembers the
    // ones acknowledged (200, no error).
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let writing = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let writer = {
        let (acknowledged, writing, base, token) =
            (acknowledged.clone(), writing.clone(), app.base.clone(), ana.clone());
        tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut i = 0;
            while writing.load(std::sync::atomic::Ordering::SeqCst) {
                i += 1;
                let slug = format!("faults-{i}");
                let sent = client
                    .post(format!("{base}/graphql"))
                    .bearer_auth(&token)
                    .json(&json!({ "query": CREATE, "variables": community(&slug) }))
                    .timeout(Duration::from_secs(40))
                    .send()
                    .await;
                if let Ok(response) = sent
                    && response.status().as_u16() == 200
                    && let Ok(body) = response.json::<Value>().await
                    && body.get("errors").is_none()
                    && body["data"]["createCommunity"]["community"]["slug"] == json!(slug)
                {
                    acknowledged.lock().expect("lock").push(slug);
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before_stop = acknowledged.lock().expect("lock").len();
    assert!(before_stop > 0, "writes succeed while the database is up");

    pg.stop_fast();

    // Reads, writes and readiness: 503 UNAVAILABLE, each within about the 1 s acquire
    // timeout (2 s for /readyz), far from the 30 s request timeout.
    let quickly = |started: Instant, what: &str| {
        let took = started.elapsed();
        eprintln!("{what} answered in {took:?} during the outage");
        assert!(took < Duration::from_secs(4), "{what} took {took:?}");
    };
    let started = Instant::now();
    let (status, body) = app.post(Some(&ana), "{ me { id displayName } }", json!({})).await;
    quickly(started, "a read");
    assert_eq!(status, 503, "{body}");
    assert_eq!(error_code(&body), "UNAVAILABLE", "{body}");
    assert_no_detail(&body.to_string());
    let started = Instant::now();
    let response = reqwest::Client::new()
        .post(format!("{}/graphql", app.base))
        .bearer_auth(&ana)
        .json(&json!({ "query": "{ me { id } }" }))
        .send()
        .await
        .expect("send");
    quickly(started, "a read, again");
    assert_eq!(response.status().as_u16(), 503);
    assert_eq!(response.headers().get("retry-after").and_then(|v| v.to_str().ok()), Some("1"), "clients retry");
    let started = Instant::now();
    let (status, body) = app.post(Some(&ana), CREATE, community("during-outage")).await;
    quickly(started, "a write");
    assert_eq!(status, 503, "{body}");
    assert_eq!(error_code(&body), "UNAVAILABLE", "{body}");
    assert_no_detail(&body.to_string());
    let started = Instant::now();
    let (status, body) = app.post(None, "{ community(slug: \"faults-1\") { id } }", json!({})).await;
    quickly(started, "an anonymous read");
    assert_eq!(status, 503, "anonymous: {body}");
    assert_eq!(error_code(&body), "UNAVAILABLE", "{body}");
    let started = Instant::now();
    let (status, body) = app.get("/readyz").await;
    quickly(started, "/readyz");
    assert_eq!(status, 503, "{body}");
    assert_no_detail(&body);
    assert_eq!(app.get("/livez").await.0, 200, "the process itself is fine");

    pg.start_again();

    // The server recovers by itself: no restart, no operator.
    let started = Instant::now();
    loop {
        let (status, _) = app.get("/readyz").await;
        let (me, _) = app.post(Some(&ana), "{ me { id } }", json!({})).await;
        if status == 200 && me == 200 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "did not recover: /readyz {status}, me {me}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    writing.store(false, std::sync::atomic::Ordering::SeqCst);
    writer.await.expect("writer");
    let (status, body) = app.post(Some(&ana), CREATE, community("after-outage")).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.get("errors").is_none(), "{body}");

    // Every acknowledged write is in the database (read on a connection of its own).
    let acknowledged = acknowledged.lock().expect("lock").clone();
    assert!(acknowledged.len() > before_stop, "writes succeed again after the outage");
    let db = Database::connect(pg.url()).await.expect("connect");
    let rows = db
        .query_all_raw(Statement::from_string(db.get_database_backend(), "SELECT slug FROM community"))
        .await
        .expect("communities");
    let stored: std::collections::HashSet<String> =
        rows.iter().map(|row| row.try_get::<String>("", "slug").expect("slug")).collect();
    eprintln!("{} writes acknowledged ({before_stop} before the stop), {} stored", acknowledged.len(), stored.len());
    let lost: Vec<&String> = acknowledged.iter().filter(|slug| !stored.contains(*slug)).collect();
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
    assert!(stored.contains("after-outage"));
    db.close().await.ok();
    app.stop().await;
}

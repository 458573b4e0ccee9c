//! The sessions cache: a token used lately costs no statement, and whatever changes what
//! it stands for (a logout, a revocation, a network role, a person's or an organization's
//! suspension) takes effect on the next request on the server that made the change, and
//! within a second on the others, including servers running as processes of their own
//! (PostgreSQL `LISTEN/NOTIFY`). Policy changes reach other servers the same way, so an
//! idle server no longer polls the policy several times a second.

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use harness::{TestApp, error_code, fixtures, ops};
use sea_orm::ConnectionTrait;
use secrecy::ExposeSecret;
use serde_json::json;

const ME: &str = "{ me { id } }";
const AUDIT: &str = "{ auditEvents { totalCount } }";
const SESSIONS: &str = "{ mySessions { id } }";
const LOGOUT: &str = "mutation { logout { revokedCount } }";
const REVOKE_SESSION: &str =
    "mutation($id: ID!) { revokeSession(input: { sessionId: $id }) { session { revokedAt } } }";
const REVOKE_ALL: &str = "mutation($p: ID!) { revokePersonSessions(input: { personId: $p }) { revokedCount } }";
const REVOKE_ROLE: &str = "mutation($p: ID!, $s: ID, $r: String!) { revokeRole(input: { personId: $p, scopeId: $s, role: $r }) { person { id } } }";
const SUSPEND: &str =
    "mutation($input: UpdateOrganizationInput!) { updateOrganization(input: $input) { organization { id } } }";

/// Whether the tests run on PostgreSQL (the only database that notifies).
fn on_postgres() -> bool {
    std::env::var(harness::PG_ENV).is_ok_and(|url| !url.is_empty())
}

/// On PostgreSQL, waits until `n` servers listen on the app's database (their cache
/// serves only then). Nothing to wait for on SQLite.
async fn listening(app: &TestApp, n: i64) {
    if !app.is_postgres() {
        return;
    }
    let name = app.database_url().expose_secret().rsplit('/').next().unwrap_or_default();
    let name = name.split('?').next().unwrap_or_default();
    let count = format!(
        "SELECT COUNT(*) AS n FROM pg_stat_activity WHERE application_name = '{}' AND datname = '{name}' \
         AND (query LIKE 'LISTEN%' OR query = 'SELECT 1')",
        maillage_api::watch::LISTENER_NAME
    );
    let started = Instant::now();
    loop {
        let statement = sea_orm::Statement::from_string(app.db.get_database_backend(), count.clone());
        let row = app.db.query_one_raw(statement).await.expect("count listeners").expect("a row");
        if row.try_get::<i64>("", "n").expect("n") >= n {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "the servers do not listen");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Each then empties its cache, once.
    tokio::time::sleep(Duration::from_millis(50)).await;
}

/// The statements that look a token up.
fn lookups(app: &TestApp) -> usize {
    app.every_statement().iter().filter(|sql| sql.contains("token_hash")).count()
}

#[tokio::test]
async fn repeated_requests_with_a_token_run_no_authentication_statement() {
    let app = TestApp::spawn().await;
    listening(&app, 1).await;
    let token = app.token("anna@cisss.example", None, false).await;
    // On SQLite cached sessions live one second: a slow machine may need another try.
    for tries in 1..=5 {
        app.ok(Some(&token), ME, json!({})).await;
        // On PostgreSQL the listener proves itself alive before the cache serves.
        tokio::time::sleep(Duration::from_millis(100)).await;
        app.reset_statements();
        for _ in 0..5 {
            app.ok(Some(&token), ME, json!({})).await;
        }
        if lookups(&app) == 0 {
            break;
        }
        assert!(tries < 5, "five requests looked the token up: {:#?}", app.every_statement());
    }
    // An unknown token is looked up every time (and never cached).
    let unknown = "mlg_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    app.reset_statements();
    for _ in 0..3 {
        assert_eq!(app.post(Some(unknown), ME, json!({})).await.0, 401);
    }
    assert_eq!(lookups(&app), 3);
    assert_eq!(app.app.sessions.len(), 1, "only the live session is cached");
}

#[tokio::test]
async fn changes_take_effect_on_the_next_request_of_the_server_that_made_them() {
    let app = TestApp::spawn().await;
    listening(&app, 1).await;
    let admin = app.token("admin@network.example", None, true).await;
    let ok = |token: &str| {
        let token = token.to_owned();
        let app = &app;
        async move {
            let (status, body) = app.post(Some(&token), ME, json!({})).await;
            assert_eq!(status, 200, "{body}");
            // Twice: the second one is served from the cache.
            app.ok(Some(&token), ME, json!({})).await;
        }
    };
    let refused = |token: &str, why: &'static str| {
        let token = token.to_owned();
        let app = &app;
        async move {
            let (status, body) = app.post(Some(&token), ME, json!({})).await;
            assert_eq!((status, error_code(&body)), (401, "UNAUTHENTICATED"), "{why}: {body}");
        }
    };

    // Logging out.
    let first = app.token("anna@cisss.example", None, false).await;
    ok(&first).await;
    app.ok(Some(&first), LOGOUT, json!({})).await;
    refused(&first, "logged out").await;

    // Revoking one of one's sessions from another.
    let second = app.token("anna@cisss.example", None, false).await;
    let third = app.token("anna@cisss.example", None, false).await;
    ok(&second).await;
    let anna = app.ok(Some(&third), ME, json!({})).await["me"]["id"].clone();
    let sessions = app.ok(Some(&third), SESSIONS, json!({})).await["mySessions"].clone();
    let second_id = sessions.as_array().expect("sessions").last().expect("the oldest live session")["id"].clone();
    app.ok(Some(&third), REVOKE_SESSION, json!({ "id": second_id })).await;
    refused(&second, "revoked by its person").await;
    ok(&third).await;

    // An administrator ending every session of a person.
    app.ok(Some(&admin), REVOKE_ALL, json!({ "p": anna })).await;
    refused(&third, "revoked by an administrator").await;

    // Losing a network role.
    let auditor = app.token("otto@cisss.example", None, false).await;
    let otto = app.ok(Some(&auditor), ME, json!({})).await["me"]["id"].clone();
    app.ok(Some(&admin), ops::ASSIGN_ROLE, json!({ "p": otto, "r": "AUDITOR" })).await;
    app.ok(Some(&auditor), AUDIT, json!({})).await;
    app.ok(Some(&auditor), AUDIT, json!({})).await;
    app.ok(Some(&admin), REVOKE_ROLE, json!({ "p": otto, "r": "AUDITOR" })).await;
    assert_eq!(error_code(&app.gql(Some(&auditor), AUDIT, json!({})).await), "FORBIDDEN", "the role is gone");

    // An organization's suspension, and its reactivation.
    let org = fixtures::organization(&app, &admin, "alliance").await;
    let karine = app.token("karine@alliance.example", Some("alliance"), false).await;
    ok(&karine).await;
    app.ok(Some(&admin), SUSPEND, json!({ "input": { "id": org, "status": "SUSPENDED" } })).await;
    refused(&karine, "organization suspended").await;
    app.ok(Some(&admin), SUSPEND, json!({ "input": { "id": org, "status": "ACTIVE" } })).await;
    ok(&karine).await;
}

/// Polls `base` with `token` until the answer is `UNAUTHENTICATED` (or, with `query`,
/// `FORBIDDEN`); fails after a second. Returns how long it took.
async fn refused_within_a_second(base: &str, token: &str, query: &str, code: &str) -> Duration {
    let started = Instant::now();
    loop {
        let (status, body) = post_at(base, token, query).await;
        // Refused by authentication itself (401), not by a resolver.
        if error_code(&body) == code && (status == 401) == (code == "UNAUTHENTICATED") {
            return started.elapsed();
        }
        assert!(started.elapsed() < Duration::from_secs(1), "still not {code} after {:?}: {body}", started.elapsed());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Posts a query to the server at `base`; returns the HTTP status and the body.
async fn post_at(base: &str, token: &str, query: &str) -> (u16, serde_json::Value) {
    let response = reqwest::Client::new()
        .post(format!("{base}/graphql"))
        .bearer_auth(token)
        .json(&json!({ "query": query }))
        .send()
        .await
        .expect("send");
    (response.status().as_u16(), response.json().await.expect("JSON body"))
}

/// Makes sure `base` has `token`'s session cached (two successful requests).
async fn warm(app: &TestApp, base: &str, token: &str, query: &str) {
    for _ in 0..2 {
        let body = app.gql_at(base, Some(token), query, json!({})).await;
        assert!(body.get("errors").is_none(), "{body}");
    }
}

#[tokio::test]
async fn a_suspension_written_behind_the_servers_back_takes_effect_within_a_second() {
    // No mutation suspends a person: an operator does it in the database. On PostgreSQL
    // the database's trigger notifies every server; on SQLite cached sessions live a
    // second.
    let app = TestApp::spawn().await;
    listening(&app, 1).await;
    let token = app.token("anna@cisss.example", None, false).await;
    let me = fixtures::person_id(&app, &token).await;
    warm(&app, &app.base, &token, ME).await;
    app.db
        .execute_unprepared(&format!("UPDATE person SET status = 'SUSPENDED' WHERE id = {me}"))
        .await
        .expect("suspend");
    let took = refused_within_a_second(&app.base, &token, ME, "UNAUTHENTICATED").await;
    println!("the suspension took effect after {took:?}");
}

/// A `maillage` server running as a process of its own on the test app's database.
struct ServerProcess {
    child: Child,
    base: String,
    _dir: tempfile::TempDir,
}

impl ServerProcess {
    fn start(app: &TestApp) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut child = Command::new(env!("CARGO_BIN_EXE_maillage-process"))
            .arg("serve")
            .current_dir(dir.path())
            .env_clear()
            .env("DATABASE_URL", app.database_url().expose_secret())
            .env("MAILLAGE_LISTEN", "127.0.0.1:0")
            .env("MAILLAGE_DATA_DIR", dir.path())
            .env("MAILLAGE_SECRET_KEY", harness::TEST_SECRET_KEY)
            .env("MAILLAGE_LOG", "info")
            .env("MAILLAGE_WORKERS", "1")
            .env("MAILLAGE_MAX_CONNECTIONS", "3")
            .env("MAILLAGE_RATE_LIMIT_IP_COST_PER_MINUTE", "1000000000")
            .env("MAILLAGE_RATE_LIMIT_PERSON_COST_PER_MINUTE", "1000000000")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start a maillage process");
        let stderr = child.stderr.take().expect("stderr");
        let (found, address) = std::sync::mpsc::channel();
        // Reads the log to its end (so the pipe never fills), passing on the address.
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(at) = line.find("serves GraphQL at http://") {
                    let url = &line[at + "serves GraphQL at ".len()..];
                    let base = url.split("/graphql").next().unwrap_or_default().to_owned();
                    let _ = found.send(base);
                }
                if std::env::var_os("SHOW_SERVER_LOG").is_some() {
                    eprintln!("[maillage] {line}");
                }
            }
        });
        let base = match address.recv_timeout(Duration::from_secs(60)) {
            Ok(base) => base,
            Err(_) => {
                let _ = child.kill();
                panic!("the maillage process did not start serving");
            }
        };
        Self { child, base, _dir: dir }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn two_server_processes_see_each_others_changes_within_a_second() {
    if !on_postgres() {
        // Needs PostgreSQL's notifications (set TEST_DATABASE_URL).
        return;
    }
    let app = TestApp::spawn().await;
    let (one, two) = (ServerProcess::start(&app), ServerProcess::start(&app));
    listening(&app, 3).await;
    let (one, two) = (one.base.clone(), two.base.clone());
    let mut took: Vec<(&str, Duration)> = Vec::new();
    let admin = app.token("admin@network.example", None, true).await;
    let id_at = |base: &str, token: &str| {
        let (base, token) = (base.to_owned(), token.to_owned());
        let app = &app;
        async move { app.gql_at(&base, Some(&token), ME, json!({})).await["data"]["me"]["id"].clone() }
    };

    // A logout through one server.
    let anna = app.token("anna@cisss.example", None, false).await;
    warm(&app, &two, &anna, ME).await;
    app.gql_at(&one, Some(&anna), LOGOUT, json!({})).await;
    took.push(("logout", refused_within_a_second(&two, &anna, ME, "UNAUTHENTICATED").await));

    // An administrator revoking someone's sessions.
    let bob = app.token("bob@cisss.example", None, false).await;
    let bob_id = id_at(&one, &bob).await;
    warm(&app, &two, &bob, ME).await;
    let body = app.gql_at(&one, Some(&admin), REVOKE_ALL, json!({ "p": bob_id })).await;
    assert_eq!(body["data"]["revokePersonSessions"]["revokedCount"], 1, "{body}");
    took.push(("revocation", refused_within_a_second(&two, &bob, ME, "UNAUTHENTICATED").await));

    // A network role taken away.
    let otto = app.token("otto@cisss.example", None, false).await;
    let otto_id = id_at(&one, &otto).await;
    let body = app.gql_at(&one, Some(&admin), ops::ASSIGN_ROLE, json!({ "p": otto_id, "r": "AUDITOR" })).await;
    assert!(body.get("errors").is_none(), "{body}");
    // (Granting it reached the other server too.)
    let started = Instant::now();
    while app.gql_at(&two, Some(&otto), AUDIT, json!({})).await.get("errors").is_some() {
        assert!(started.elapsed() < Duration::from_secs(1), "the new role did not reach the other server");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    warm(&app, &two, &otto, AUDIT).await;
    let body = app.gql_at(&one, Some(&admin), REVOKE_ROLE, json!({ "p": otto_id, "r": "AUDITOR" })).await;
    assert!(body.get("errors").is_none(), "{body}");
    took.push(("role removal", refused_within_a_second(&two, &otto, AUDIT, "FORBIDDEN").await));

    // An organization suspended.
    let org = {
        let body = app
            .gql_at(
                &one,
                Some(&admin),
                "mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { organization { id } } }",
                json!({ "input": { "slug": "alliance", "name": "Alliance", "kind": "HEALTH_AND_SOCIAL_SERVICES_CENTRE" } }),
            )
            .await;
        body["data"]["createOrganization"]["organization"]["id"].clone()
    };
    let karine = app.token("karine@alliance.example", Some("alliance"), false).await;
    warm(&app, &two, &karine, ME).await;
    let body = app.gql_at(&one, Some(&admin), SUSPEND, json!({ "input": { "id": org, "status": "SUSPENDED" } })).await;
    assert!(body.get("errors").is_none(), "{body}");
    took.push(("organization suspension", refused_within_a_second(&two, &karine, ME, "UNAUTHENTICATED").await));

    // A person suspended by an operator, in the database: both servers.
    let carl = app.token("carl@cisss.example", None, false).await;
    let carl_id = fixtures::db_id(&id_at(&one, &carl).await);
    warm(&app, &one, &carl, ME).await;
    warm(&app, &two, &carl, ME).await;
    app.db
        .execute_unprepared(&format!("UPDATE person SET status = 'SUSPENDED' WHERE id = {carl_id}"))
        .await
        .expect("suspend");
    took.push(("person suspension (1)", refused_within_a_second(&one, &carl, ME, "UNAUTHENTICATED").await));
    took.push(("person suspension (2)", refused_within_a_second(&two, &carl, ME, "UNAUTHENTICATED").await));

    // Policy: granted through one server, in force on the other; revoked through that
    // other, gone from the first.
    let walt = app.token("walt@cisss.example", None, false).await;
    let create =
        "mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { organization { id } } }";
    let input =
        |slug: &str| json!({ "input": { "slug": slug, "name": slug, "kind": "HEALTH_AND_SOCIAL_SERVICES_CENTRE" } });
    let body = app.gql_at(&two, Some(&walt), create, input("refused")).await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    let rule = json!({ "role": "person", "o": "network", "a": "create_organization" });
    let body = app.gql_at(&one, Some(&admin), ops::GRANT, rule.clone()).await;
    assert!(body.get("errors").is_none(), "{body}");
    let started = Instant::now();
    let mut n = 0;
    loop {
        n += 1;
        let body = app.gql_at(&two, Some(&walt), create, input(&format!("granted-{n}"))).await;
        if body.get("errors").is_none() {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(1), "the grant did not reach the other server: {body}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    took.push(("policy grant", started.elapsed()));
    let body = app.gql_at(&two, Some(&admin), ops::REVOKE, rule).await;
    assert!(body.get("errors").is_none(), "{body}");
    let started = Instant::now();
    loop {
        n += 1;
        let body = app.gql_at(&one, Some(&walt), create, input(&format!("revoked-{n}"))).await;
        if error_code(&body) == "FORBIDDEN" {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(1), "the revocation did not reach the first server: {body}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    took.push(("policy revocation", started.elapsed()));
    for (what, after) in took {
        println!("{what}: seen by the other server after {after:?}");
    }
}

#[tokio::test]
async fn an_idle_server_does_not_poll_the_policy() {
    if !on_postgres() {
        // On SQLite the policy is polled every 250 ms: there is nothing else to learn from.
        return;
    }
    let app = TestApp::spawn().await;
    // Once listening, the server reads the policy generation once.
    listening(&app, 1).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    app.reset_statements();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let log = app.every_statement();
    let policy = log.iter().filter(|sql| sql.contains("policy_state") || sql.contains("casbin_rule")).count();
    assert!(policy <= 1, "{policy} policy statements in 2 s: {log:#?}");
    // Nothing else either, but the front ends' origins reloaded every 5 s.
    assert!(log.len() <= 2, "{log:#?}");
}

#[tokio::test]
async fn a_lost_listener_bypasses_the_cache_until_it_is_back() {
    if !on_postgres() {
        return;
    }
    let app = TestApp::spawn().await;
    listening(&app, 1).await;
    let token = app.token("anna@cisss.example", None, false).await;
    let other = app.token("anna@cisss.example", None, false).await;
    warm(&app, &app.base, &token, ME).await;
    warm(&app, &app.base, &other, ME).await;
    // Run on the PostgreSQL server's own database: one cannot refuse connections to the
    // database one is connected to.
    let admin = sea_orm::Database::connect(std::env::var(harness::PG_ENV).unwrap_or_default()).await.expect("connect");
    let run = |sql: String| {
        let db = &admin;
        async move { db.query_all_raw(sea_orm::Statement::from_string(db.get_database_backend(), sql)).await }
    };
    // The database ends the listener's connection and refuses new ones for a while: no
    // notification reaches the server meanwhile. (Its pool keeps the connections it has.)
    let name = app.database_url().expose_secret().rsplit('/').next().unwrap_or_default();
    let name = name.split('?').next().unwrap_or_default().to_owned();
    run(format!("ALTER DATABASE {name} WITH ALLOW_CONNECTIONS false")).await.expect("refuse connections");
    let ended = run(format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '{}' AND datname = '{name}'",
        maillage_api::watch::LISTENER_NAME
    ))
    .await;
    let reopen = run(format!("ALTER DATABASE {name} WITH ALLOW_CONNECTIONS true"));
    tokio::time::sleep(Duration::from_millis(300)).await;
    app.reset_statements();
    app.ok(Some(&token), ME, json!({})).await;
    let bypassed = lookups(&app);
    // A revocation that no notification announces.
    app.db
        .execute_unprepared(
            "UPDATE session SET revoked_at = CURRENT_TIMESTAMP WHERE id = (SELECT MIN(id) FROM session)",
        )
        .await
        .expect("revoke");
    let (status, _) = app.post(Some(&token), ME, json!({})).await;
    reopen.await.expect("accept connections again");
    assert_eq!(ended.expect("terminate").len(), 1, "one listener");
    assert_eq!(bypassed, 1, "the cache answered without its listener");
    assert_eq!(status, 401, "the revoked token was served from the cache");

    // The listener comes back, and the cache serves again.
    let started = Instant::now();
    loop {
        app.ok(Some(&other), ME, json!({})).await;
        tokio::time::sleep(Duration::from_millis(50)).await;
        app.reset_statements();
        app.ok(Some(&other), ME, json!({})).await;
        if lookups(&app) == 0 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "the cache did not serve again");
    }
}

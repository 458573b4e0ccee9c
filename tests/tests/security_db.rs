//! Regression tests for the database and operations findings of the 2026-12-01 review:
//! M7 (a held lock hung requests and made `/health` report the database down), L6 (NUL
//! bytes were `INTERNAL` on PostgreSQL; bidi overrides and zero-width characters were
//! accepted in names), L10 (`maillage.db` was created world-readable).

use std::time::Duration;

use harness::{PG_ENV, TestApp, error_code, error_field, fixtures, join_all};
use serde_json::{Value, json};

const CREATE_COMMUNITY: &str =
    "mutation($input: CreateCommunityInput!) { createCommunity(input: $input) { community { id } } }";

fn community_input(name: &str, description: &str) -> Value {
    json!({ "input": { "slug": "texte", "name": name, "description": description } })
}

#[tokio::test]
async fn nul_bytes_control_bidi_and_zero_width_characters_are_bad_input_naming_the_field() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin@network.example", None, true).await;
    fixtures::organization(&app, &admin, "cisss-a").await;
    let ana = app.token("ana@cisss-a.example", Some("cisss-a"), false).await;
    let communities = app.count_rows("community").await;

    let names = [
        "nul\u{0}byte",
        "\u{202e}gnp.exe \u{200b}",
        "bell\u{7}",
        "isolate \u{2066}x\u{2069}",
        "zero\u{200d}width",
        "bom\u{feff}",
        "word\u{2060}joiner",
        "line\nbreak",
        "tab\there",
        "c1\u{85}control",
    ];
    for name in names {
        let body = app.gql(Some(&ana), CREATE_COMMUNITY, community_input(name, "")).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{name:?}: {body}");
        assert_eq!(error_field(&body), "name", "{name:?}: {body}");
    }
    for description in ["nul\u{0}byte", "bell\u{7}", "escape \u{1b}[31m"] {
        let body = app.gql(Some(&ana), CREATE_COMMUNITY, community_input("Texte", description)).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{description:?}: {body}");
        assert_eq!(error_field(&body), "description", "{description:?}: {body}");
    }
    assert_eq!(app.count_rows("community").await, communities, "nothing was written");

    // Multi-line text keeps its line breaks and tabs.
    let community = app
        .ok(Some(&ana), CREATE_COMMUNITY, community_input("Texte", "Line one\n\tLine two\r\nLine three"))
        .await["createCommunity"]["community"]["id"]
        .clone();

    // Titles, bodies, search filters, organization fields and reasons.
    let thread = fixtures::thread(&app, &ana, &community, "A thread").await;
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "mutation($input: CreateThreadInput!) { createThread(input: $input) { thread { id } } }",
            json!({ "input": { "communityId": community, "title": "rtl\u{202e}", "body": "b" } }),
            "title",
        ),
        (
            "mutation($input: CreateThreadInput!) { createThread(input: $input) { thread { id } } }",
            json!({ "input": { "communityId": community, "title": "t", "body": "nul\u{0}" } }),
            "body",
        ),
        (
            "mutation($input: CreatePostInput!) { createPost(input: $input) { post { id } } }",
            json!({ "input": { "threadId": thread, "body": "nul\u{0}byte" } }),
            "body",
        ),
        (
            "query($s: String) { communities(filter: { search: $s }) { totalCount } }",
            json!({ "s": "nul\u{0}byte" }),
            "filter.search",
        ),
        (
            "mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { organization { id } } }",
            json!({ "input": { "slug": "org-x", "name": "Org", "kind": "HEALTH_AND_SOCIAL_SERVICES_CENTRE", "region": "Mont\u{200b}érégie" } }),
            "region",
        ),
    ];
    for (query, variables, field) in cases {
        let token = if field == "region" { &admin } else { &ana };
        let body = app.gql(Some(token), query, variables.clone()).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{variables}: {body}");
        assert_eq!(error_field(&body), field, "{variables}: {body}");
    }
}

#[tokio::test]
async fn liveness_and_readiness_answer_get_and_head() {
    let app = TestApp::spawn().await;
    let client = reqwest::Client::new();
    for path in ["/livez", "/readyz", "/health"] {
        let got = client.get(format!("{}{path}", app.base)).send().await.expect("send");
        assert_eq!(got.status().as_u16(), 200, "GET {path}");
        let head = client.head(format!("{}{path}", app.base)).send().await.expect("send");
        assert_eq!(head.status().as_u16(), 200, "HEAD {path}");
    }
}

/// Holds `LOCK TABLE … IN ACCESS EXCLUSIVE MODE` from another connection (as the review
/// did in psql, there on `session`): requests that need the table must fail with a clear
/// code instead of hanging until the lock goes, and neither liveness nor readiness may
/// report the database down while it is up. The table is `person`, which `me` reads:
/// since sessions are cached, a request with a known token no longer reads `session`.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_held_lock_fails_requests_with_a_clear_code_and_readiness_stays_up() {
    let app = TestApp::spawn().await;
    if !app.is_postgres() {
        eprintln!("PostgreSQL only (set {PG_ENV}): table locks do not exist on SQLite");
        return;
    }
    let ana = app.token("ana@network.example", None, false).await;
    assert!(app.ok(Some(&ana), "{ me { id } }", json!({})).await["me"]["id"].is_string());
    // A token the server has not seen: one it has resolved lately is served from its
    // sessions cache without reading `session` (review of 56d8e5f: this test then saw
    // 200s and failed, and the bound it guards went untested).
    let fresh = app.token("ana@network.example", None, false).await;

    use sea_orm::{ConnectionTrait, TransactionTrait};
    let locker = app.db.begin().await.expect("begin");
    locker.execute_unprepared("LOCK TABLE person IN ACCESS EXCLUSIVE MODE").await.expect("lock");

    // More requests than the server has connections (5 in tests), plus an anonymous one.
    let calls = join_all((0..8).map(|_| app.post(Some(&fresh), "{ me { id } }", json!({}))));
    let probes = async {
        // While the authenticated requests wait on the lock, the process is alive and the
        // database answers on the readiness check's own connection.
        tokio::time::sleep(Duration::from_millis(500)).await;
        let (live, _) = app.get("/livez").await;
        let (ready, ready_body) = app.get("/readyz").await;
        let (health, _) = app.get("/health").await;
        (live, ready, ready_body, health)
    };
    let outcome = tokio::time::timeout(Duration::from_secs(40), async { tokio::join!(calls, probes) }).await;
    let (results, (live, ready, ready_body, health)) = outcome.expect("requests hung on the lock");
    locker.rollback().await.expect("unlock");

    assert_eq!(live, 200, "/livez");
    assert_eq!(ready, 200, "/readyz: {ready_body}");
    assert_eq!(health, 200, "/health");
    for (status, body) in &results {
        let code = error_code(body);
        assert!(code == "UNAVAILABLE" || code == "TIMEOUT", "{status} {body}");
        // 503 when the request failed before execution (the whole request timed out or
        // the server was saturated); a GraphQL answer whose field failed otherwise.
        assert!(*status == 503 || (*status == 200 && body["data"].is_null()), "{status} {body}");
    }
    // Once the lock is gone, the same request works again.
    assert!(app.ok(Some(&ana), "{ me { id } }", json!({})).await["me"]["id"].is_string());
}

#[cfg(unix)]
#[tokio::test]
async fn the_embedded_database_and_its_new_data_directory_are_private() {
    use std::os::unix::fs::PermissionsExt;

    use maillage_api::{config::Settings, db, server, service::App};

    if std::env::var("DATABASE_URL").is_ok() {
        eprintln!("DATABASE_URL is set: the embedded database is not used");
        return;
    }
    let root = tempfile::tempdir().expect("temp dir");
    let data_dir = root.path().join("fresh").join("data");
    let config = root.path().join("maillage.toml");
    std::fs::write(
        &config,
        format!(
            "data_dir = {:?}\nlisten = \"127.0.0.1:0\"\nlog = \"warn\"\nworkers = 1\n",
            data_dir.display().to_string()
        ),
    )
    .expect("write config");
    let settings = Settings::load(Some(&config)).expect("settings");
    let sso = settings.sso_context().expect("sso");
    let db = db::connect(&settings, None).await.expect("connect");
    db::migrate(&db).await.expect("migrate");
    let app = App::load(db, sso).await.expect("load");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let running = server::start_on(listener, &settings, app, false).expect("serve");
    let base = format!("http://{}", running.addr);
    let health = reqwest::get(format!("{base}/health")).await.expect("health");
    assert_eq!(health.status().as_u16(), 200);

    let mode = |path: &std::path::Path| std::fs::metadata(path).expect("metadata").permissions().mode() & 0o777;
    assert_eq!(mode(&data_dir), 0o700, "the data directory");
    for file in ["maillage.db", "maillage.db-wal", "maillage.db-shm", "secret.key"] {
        let path = data_dir.join(file);
        assert!(path.exists(), "{file} exists while serving");
        assert_eq!(mode(&path), 0o600, "{file}");
    }
    running.stop().await;

    // A database an earlier version left world-readable is made private at the next start.
    let db_file = data_dir.join("maillage.db");
    std::fs::set_permissions(&db_file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let db = db::connect(&settings, None).await.expect("reconnect");
    assert_eq!(mode(&db_file), 0o600, "an existing world-readable database file");
    db.close().await.expect("close");
}

//! What operators watch, over HTTP against the real server: `/readyz` with its reasons,
//! `/metrics` (who may read it; its exposition read by Prometheus's own parser; the
//! counters that move with real requests; label values a caller cannot multiply), and
//! the CORS preflight of traced and Apollo clients.

use harness::{TestApp, error_code, prometheus};
use sea_orm::{ConnectionTrait, Statement};
use secrecy::SecretString;
use serde_json::{Value, json};

const TOKEN: &str = "metrics-token-for-the-tests-0123";

async fn scrape(app: &TestApp, bearer: Option<&str>, headers: &[(&str, &str)]) -> (u16, String) {
    let mut request = reqwest::Client::new().get(format!("{}/metrics", app.base));
    if let Some(bearer) = bearer {
        request = request.bearer_auth(bearer);
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("send");
    (response.status().as_u16(), response.text().await.expect("body"))
}

#[tokio::test]
async fn readiness_fails_while_a_migration_is_pending_and_recovers() {
    let app = TestApp::spawn().await;
    let (status, body) = app.get("/readyz").await;
    assert_eq!(status, 200, "{body}");
    // As if this binary brought a migration the database has not run yet.
    let backend = app.db.get_database_backend();
    let last = app
        .db
        .query_one_raw(Statement::from_string(
            backend,
            "SELECT version FROM seaql_migrations ORDER BY version DESC LIMIT 1",
        ))
        .await
        .expect("query")
        .expect("a migration")
        .try_get::<String>("", "version")
        .expect("version");
    let applied = app
        .db
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            if app.is_postgres() {
                "SELECT applied_at FROM seaql_migrations WHERE version = $1"
            } else {
                "SELECT applied_at FROM seaql_migrations WHERE version = ?"
            },
            [last.clone().into()],
        ))
        .await
        .expect("query")
        .expect("row")
        .try_get::<i64>("", "applied_at")
        .expect("applied_at");
    let sql = |s: &str| if app.is_postgres() { s.replace('?', "$1") } else { s.to_owned() };
    app.db
        .execute_raw(Statement::from_sql_and_values(
            backend,
            sql("DELETE FROM seaql_migrations WHERE version = ?"),
            [last.clone().into()],
        ))
        .await
        .expect("forget a migration");
    // A verdict is kept a second (a flood of probes shares it): within that, it changes.
    readyz_until(&app, 503).await;
    for path in ["/readyz", "/health"] {
        let (status, body) = app.get(path).await;
        assert_eq!(status, 503, "{path}: {body}");
        let body: Value = serde_json::from_str(&body).expect("JSON");
        assert_eq!(
            body,
            json!({ "status": "unavailable", "reason": "migrations pending", "message": "database migrations are pending" }),
            "no migration name leaks"
        );
    }
    // Liveness does not look at the database: the process is fine.
    assert_eq!(app.get("/livez").await.0, 200);
    let insert = if app.is_postgres() {
        "INSERT INTO seaql_migrations (version, applied_at) VALUES ($1, $2)"
    } else {
        "INSERT INTO seaql_migrations (version, applied_at) VALUES (?, ?)"
    };
    app.db
        .execute_raw(Statement::from_sql_and_values(backend, insert, [last.into(), applied.into()]))
        .await
        .expect("restore");
    readyz_until(&app, 200).await;
    let started = std::time::Instant::now();
    readyz_until(&app, 200).await;
    assert!(started.elapsed() < std::time::Duration::from_millis(500), "a fresh verdict is served at once");
}

#[tokio::test]
async fn metrics_answer_loopback_only_without_a_token() {
    let app = TestApp::spawn().await;
    let (status, body) = scrape(&app, None, &[]).await;
    assert_eq!(status, 200, "the tests call from loopback: {body}");
    assert!(body.contains("maillage_db_pool_connections"), "{body}");
    // Through a reverse proxy on the same host, every caller would look local.
    for header in ["x-forwarded-for", "forwarded", "x-real-ip"] {
        let (status, body) = scrape(&app, None, &[(header, "203.0.113.7")]).await;
        assert_eq!(status, 401, "{header}: {body}");
        assert!(!body.contains("maillage_"), "{body}");
    }
}

#[tokio::test]
async fn metrics_need_the_token_when_one_is_set() {
    let app = TestApp::spawn_with(|s| s.metrics_token = Some(SecretString::from(TOKEN))).await;
    for bearer in [None, Some(""), Some("wrong"), Some(&TOKEN[..TOKEN.len() - 1]), Some(&format!("{TOKEN}x"))] {
        let (status, body) = scrape(&app, bearer, &[]).await;
        assert_eq!(status, 401, "{bearer:?}: {body}");
        assert!(!body.contains("maillage_"), "{body}");
    }
    // Another scheme with the right secret is not the bearer token.
    let (status, _) = scrape(&app, None, &[("authorization", &format!("Basic {TOKEN}"))]).await;
    assert_eq!(status, 401);
    let (status, body) = scrape(&app, Some(TOKEN), &[]).await;
    assert_eq!(status, 200, "{body}");
    // With the token, a proxied scrape is fine.
    let (status, _) = scrape(&app, Some(TOKEN), &[("x-forwarded-for", "203.0.113.7")]).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn metrics_parse_with_prometheus_and_move_with_requests() {
    let Some(python) = prometheus::python() else { return };
    let app = TestApp::spawn_with(|s| s.rate_limit_auth_per_minute = 3).await;
    let read = || async {
        let (status, text) = scrape(&app, None, &[]).await;
        assert_eq!(status, 200, "{text}");
        prometheus::parse(&python, &text)
    };
    let before = read().await;
    let ana = app.token("ana@network.example", None, true).await;
    for _ in 0..3 {
        app.ok(Some(&ana), "query MetricsProbe { me { id } }", json!({})).await;
    }
    // Decided by the Authorizer (its cache looked up).
    let community = harness::fixtures::community(&app, &ana, "metrics-probe", "PUBLIC", "OPEN").await;
    let bob = app.token("bob@network.example", None, false).await;
    app.ok(
        Some(&bob),
        "mutation($input: JoinCommunityInput!) { joinCommunity(input: $input) { membership { id } } }",
        json!({ "input": { "communityId": community } }),
    )
    .await;
    // Refused before running: not valid against the schema.
    let (_, body) = app.post(None, "query MetricsInvalid { noSuchField }", json!({})).await;
    assert_eq!(error_code(&body), "GRAPHQL_VALIDATION_FAILED", "{body}");
    // Runs, with an error.
    let (_, body) = app.post(Some(&ana), "query MetricsMissing { node(id: \"bm9wZQ==\") { id } }", json!({})).await;
    assert!(body["errors"].is_array(), "{body}");
    // A login that comes back for an organization nobody knows.
    let callback = reqwest::get(format!("{}/auth/no-such-organization/callback?code=x&state=y", app.base)).await;
    assert!(callback.is_ok());
    // /auth/… limited to 3 a minute (the callback was one): the fourth is refused.
    let login = format!("{}/auth/no-such-organization/login", app.base);
    let mut refused = 0;
    for _ in 0..5 {
        if reqwest::get(&login).await.expect("send").status().as_u16() == 429 {
            refused += 1;
        }
    }
    assert!(refused >= 2, "{refused}");
    let after = read().await;

    let delta = |name: &str, labels: &[(&str, &str)]| {
        prometheus::value(&after, name, labels) - prometheus::value(&before, name, labels)
    };
    let ops = "maillage_graphql_operations_total";
    assert_eq!(delta(ops, &[("operation", "MetricsProbe"), ("outcome", "ok")]), 3.0);
    assert_eq!(delta("maillage_graphql_operation_duration_seconds_count", &[("operation", "MetricsProbe")]), 3.0);
    assert_eq!(delta("maillage_graphql_cost_charged_count", &[("operation", "MetricsProbe")]), 3.0);
    assert!(delta("maillage_graphql_cost_charged_sum", &[("operation", "MetricsProbe")]) >= 3.0);
    // A name that did not validate is not a label value: a caller making up names cannot
    // grow the metrics.
    assert!(after.iter().all(|s| s.labels.get("operation").and_then(Value::as_str) != Some("MetricsInvalid")));
    assert!(delta(ops, &[("operation", "other"), ("outcome", "refused")]) >= 1.0);
    assert!(delta(ops, &[("operation", "MetricsMissing")]) >= 1.0, "ran, with an error or without");
    assert!(
        delta("maillage_http_requests_total", &[("route", "/graphql"), ("method", "POST"), ("status", "2xx")]) >= 5.0
    );
    assert!(delta("maillage_http_request_duration_seconds_count", &[("route", "/graphql")]) >= 5.0);
    assert!(delta("maillage_rate_limited_total", &[("endpoint", "auth")]) >= 2.0);
    assert!(delta("maillage_logins_total", &[]) >= 1.0, "the callback counts its outcome");
    // The raw path never becomes a label value.
    assert!(
        after.iter().all(|s| s.labels.get("route").and_then(Value::as_str) != Some("/auth/no-such-organization/login"))
    );
    assert!(
        prometheus::value(&after, "maillage_http_requests_total", &[("route", "/auth/{organization}/login")]) >= 5.0
    );
    // The pool and the authorization cache of this server.
    let pool = |state| prometheus::value(&after, "maillage_db_pool_connections", &[("state", state)]);
    assert!(pool("in_use") + pool("idle") >= 1.0);
    let lookups = |samples| {
        prometheus::value(samples, "maillage_authz_cache_lookups_total", &[("result", "hit")])
            + prometheus::value(samples, "maillage_authz_cache_lookups_total", &[("result", "miss")])
    };
    assert!(lookups(&after) > lookups(&before), "the community and the join were authorized");
    // Histograms are histograms to Prometheus (buckets, sum, count).
    assert!(after.iter().any(|s| s.family == "maillage_graphql_operation_duration_seconds" && s.kind == "histogram"));
    assert!(after.iter().any(|s| s.family == "maillage_db_pool_connections" && s.kind == "gauge"));
}

#[tokio::test]
async fn the_cors_preflight_allows_trace_context_and_apollo_headers() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin@network.example", None, true).await;
    let org = harness::fixtures::organization(&app, &admin, "cisss-trace").await;
    app.ok(
        Some(&admin),
        "mutation($input: UpdateOrganizationInput!) { updateOrganization(input: $input) { organization { id } } }",
        json!({ "input": { "id": org, "allowedReturnUrls": ["https://portail.cisss.example/"] } }),
    )
    .await;
    let preflight = |headers: &'static str| {
        reqwest::Client::new()
            .request(reqwest::Method::OPTIONS, format!("{}/graphql", app.base))
            .header("Origin", "https://portail.cisss.example")
            .header("Access-Control-Request-Method", "POST")
            .header("Access-Control-Request-Headers", headers)
            .send()
    };
    let response = preflight(
        "authorization, content-type, traceparent, tracestate, apollographql-client-name, apollographql-client-version",
    )
    .await
    .expect("preflight");
    assert_eq!(response.status().as_u16(), 200, "{:?}", response.headers());
    let allowed = response
        .headers()
        .get("access-control-allow-headers")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    for header in ["traceparent", "tracestate", "apollographql-client-name", "apollographql-client-version"] {
        assert!(allowed.contains(header), "{header} in {allowed}");
    }
    // A header nobody allowed is still refused.
    let response = preflight("x-evil").await.expect("preflight");
    assert!(response.headers().get("access-control-allow-headers").is_none() || response.status().as_u16() >= 400);
    // The request itself, with a trace context, is served.
    let response = reqwest::Client::new()
        .post(format!("{}/graphql", app.base))
        .header("Origin", "https://portail.cisss.example")
        .header("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
        .header("apollographql-client-name", "portail")
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .expect("send");
    assert_eq!(response.status().as_u16(), 200);
}

/// Polls `/readyz` until it answers `status`, for at most 10 s; returns its last body.
async fn readyz_until(app: &TestApp, status: u16) -> String {
    let started = std::time::Instant::now();
    loop {
        let (got, body) = app.get("/readyz").await;
        if got == status {
            return body;
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(10), "/readyz stays {got}: {body}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn readiness_fails_while_no_policy_is_loaded_and_recovers() {
    let app = TestApp::spawn_with(|s| s.policy_refresh_ms = Some(100)).await;
    readyz_until(&app, 200).await;
    // The policy vanishes from the database (a truncated table): every server reloads an
    // empty one, under which nobody may do anything.
    app.db.execute_unprepared("DELETE FROM casbin_rule").await.expect("delete the rules");
    app.db.execute_unprepared("UPDATE policy_state SET generation = generation + 1").await.expect("bump");
    let body: Value = serde_json::from_str(&readyz_until(&app, 503).await).expect("JSON");
    assert_eq!(
        body,
        json!({ "status": "unavailable", "reason": "policy not loaded", "message": "the authorization policy is not loaded" })
    );
    // The default policy written back: ready again, without a restart.
    policy::store::seed_if_empty(&app.db).await.expect("seed");
    app.db.execute_unprepared("UPDATE policy_state SET generation = generation + 1").await.expect("bump");
    readyz_until(&app, 200).await;
}

//! GraphQL over HTTP as a client sees it: the `graphql-http` conformance audit (npm,
//! pinned in `tests/graphql-http/package-lock.json`) against the real server, media types
//! chosen by `Accept`, request errors as `4xx` with their own codes, `GET` for queries
//! with `ETag`/`304`, and batches bounded like the requests they hold.

use std::{path::PathBuf, process::Command, sync::Mutex};

use harness::{TestApp, error_code, fixtures};
use maillage_api::server::MIN_CHARGE;
use reqwest::{StatusCode, header};
use serde_json::{Value, json};

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

/// `tests/graphql-http`: the audit script and its `package.json`.
fn audit_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("graphql-http")
}

static NPM_CI: Mutex<bool> = Mutex::new(false);

/// Installs the audit's npm packages from the lock file if they are missing.
fn ensure_packages() -> Result<(), String> {
    let mut done = NPM_CI.lock().map_err(|_| "npm lock poisoned".to_owned())?;
    if *done || audit_dir().join("node_modules/graphql-http").exists() {
        *done = true;
        return Ok(());
    }
    let output = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(audit_dir())
        .output()
        .map_err(|e| format!("cannot run npm: {e}"))?;
    if !output.status.success() {
        return Err(format!("npm ci failed: {}", String::from_utf8_lossy(&output.stderr)));
    }
    *done = true;
    Ok(())
}

/// Runs the audit against `url`; `None` (with a notice) when Node is missing off CI.
async fn audit(url: String, token: Option<String>) -> Option<Value> {
    let run = tokio::task::spawn_blocking(move || {
        ensure_packages()?;
        let mut command = Command::new("node");
        command.arg(audit_dir().join("audit.mjs")).arg(url);
        if let Some(token) = token {
            command.arg(token);
        }
        let output = command.output().map_err(|e| format!("cannot run node: {e}"))?;
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        if !output.status.success() {
            return Err(format!("the audit failed: {stdout}{}", String::from_utf8_lossy(&output.stderr)));
        }
        Ok(stdout)
    })
    .await
    .expect("audit thread");
    match run {
        Ok(stdout) => {
            println!("{stdout}");
            let line = stdout.lines().find_map(|l| l.strip_prefix("RESULT ")).expect("a RESULT line");
            Some(serde_json::from_str(line).expect("RESULT is JSON"))
        }
        Err(why) => {
            let message = format!("the GraphQL-over-HTTP audit needs Node 20+ and npm (tests/graphql-http): {why}");
            if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
                panic!("{message}");
            }
            eprintln!("NOTICE: skipping: {message}");
            None
        }
    }
}

fn count(result: &Value, level: &str, status: &str) -> u64 {
    result["counts"][level][status].as_u64().unwrap_or(0)
}

#[tokio::test]
async fn the_graphql_http_audit_passes_every_must_and_should() {
    let app = TestApp::spawn().await;
    let token = app.token("ana@cisss.example", None, false).await;
    for token in [None, Some(token)] {
        let who = if token.is_some() { "with a token" } else { "anonymous" };
        let Some(result) = audit(format!("{}/graphql", app.base), token).await else { return };
        println!(
            "graphql-http audit ({who}): MUST {} ok / {} error; SHOULD {} ok / {} warn; MAY {} ok / {} notice",
            count(&result, "MUST", "ok"),
            count(&result, "MUST", "error"),
            count(&result, "SHOULD", "ok"),
            count(&result, "SHOULD", "warn"),
            count(&result, "MAY", "ok"),
            count(&result, "MAY", "notice"),
        );
        assert!(count(&result, "MUST", "ok") >= 13, "{who}: {result:#}");
        let failures = result["failures"].as_array().expect("failures");
        let refused: Vec<&Value> = failures.iter().filter(|f| f["level"] != "MAY").collect();
        assert!(refused.is_empty(), "{who}: MUST or SHOULD audits not passed: {refused:#?}");
        assert!(failures.is_empty(), "{who}: MAY audits not passed: {failures:#?}");
    }
}

/// Posts `body` to `/graphql` with `Accept: accept` (none when `None`).
async fn post_accept(app: &TestApp, accept: Option<&str>, body: Value) -> (StatusCode, String, Value) {
    let mut request = reqwest::Client::new().post(format!("{}/graphql", app.base)).json(&body);
    if let Some(accept) = accept {
        request = request.header(header::ACCEPT, accept);
    }
    let response = request.send().await.expect("send");
    let status = response.status();
    let content_type = response.headers()[header::CONTENT_TYPE].to_str().expect("content type").to_owned();
    (status, content_type, response.json().await.expect("JSON"))
}

#[tokio::test]
async fn accept_chooses_the_media_type() {
    let app = TestApp::spawn().await;
    let query = json!({ "query": "{ __typename }" });
    for (accept, expected) in [
        (Some("application/json"), "application/json"),
        (Some(GRAPHQL_RESPONSE), GRAPHQL_RESPONSE),
        (Some("application/graphql-response+json, application/json;q=0.9"), GRAPHQL_RESPONSE),
        (Some("*/*"), "application/json"),
        (None, "application/json"),
        (Some("text/html"), GRAPHQL_RESPONSE),
    ] {
        let (status, content_type, body) = post_accept(&app, accept, query.clone()).await;
        assert_eq!(status, StatusCode::OK, "{accept:?}");
        assert!(content_type.starts_with(expected), "{accept:?}: {content_type}");
        assert_eq!(body["data"]["__typename"], "Query");
    }
}

#[tokio::test]
async fn request_errors_have_their_codes_no_data_and_400_under_graphql_response_json() {
    let app = TestApp::spawn().await;
    let ana = app.token("ana@cisss.example", None, false).await;
    let wide = (0..120).map(|n| format!("a{n}: __typename")).collect::<Vec<_>>().join(" ");
    let cases = [
        ("syntax error", json!({ "query": "{ communities { " }), "GRAPHQL_PARSE_FAILED"),
        ("no query", json!({ "variables": {} }), "GRAPHQL_PARSE_FAILED"),
        ("unknown field", json!({ "query": "{ nope }" }), "GRAPHQL_VALIDATION_FAILED"),
        (
            "wrong argument type",
            json!({ "query": "{ communities(first: \"ten\") { totalCount } }" }),
            "GRAPHQL_VALIDATION_FAILED",
        ),
        (
            "variable of the wrong type",
            json!({ "query": "query($n: Int) { communities(first: $n) { totalCount } }", "variables": { "n": "ten" } }),
            "GRAPHQL_VALIDATION_FAILED",
        ),
        (
            "missing required variable",
            json!({ "query": "query($id: ID!) { __typename }", "variables": { "id": null } }),
            "GRAPHQL_VALIDATION_FAILED",
        ),
        (
            "unknown operation name",
            json!({ "query": "query A { __typename }", "operationName": "B" }),
            "GRAPHQL_VALIDATION_FAILED",
        ),
        ("too many aliases", json!({ "query": format!("{{ {wide} }}") }), "COST_LIMIT_EXCEEDED"),
        (
            "too costly",
            json!({ "query": "{ communities(first: 100) { nodes { members(first: 100) { nodes { person { memberships(first: 100) { nodes { id } } } } } } } }" }),
            "COST_LIMIT_EXCEEDED",
        ),
    ];
    for (what, body, code) in cases {
        let (status, content_type, reply) = post_accept(&app, Some(GRAPHQL_RESPONSE), body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{what}: {reply}");
        assert!(content_type.starts_with(GRAPHQL_RESPONSE), "{what}: {content_type}");
        assert_eq!(error_code(&reply), code, "{what}: {reply}");
        assert!(reply.get("data").is_none(), "{what}: nothing ran, no data: {reply}");

        // Under the legacy media type the specification keeps 200 for a well-formed request.
        let (status, content_type, reply) = post_accept(&app, Some("application/json"), body).await;
        let expected = if what == "no query" { StatusCode::BAD_REQUEST } else { StatusCode::OK };
        assert_eq!(status, expected, "{what} (application/json): {reply}");
        assert!(content_type.starts_with("application/json"), "{what}: {content_type}");
        assert_eq!(error_code(&reply), code, "{what} (application/json): {reply}");
        assert!(reply.get("data").is_none(), "{what} (application/json): {reply}");
    }

    // Errors raised by resolvers are not request errors: 200, data, and the field named.
    let request = reqwest::Client::new()
        .post(format!("{}/graphql", app.base))
        .bearer_auth(&ana)
        .header(header::ACCEPT, GRAPHQL_RESPONSE)
        .json(&json!({ "query": "{ communities(first: 101) { totalCount } me { id } }" }));
    let response = request.send().await.expect("send");
    assert_eq!(response.status(), StatusCode::OK);
    let reply: Value = response.json().await.expect("JSON");
    assert_eq!(error_code(&reply), "BAD_USER_INPUT", "{reply}");
    assert_eq!(reply["errors"][0]["extensions"]["field"], "first", "{reply}");
    assert!(reply["data"]["me"]["id"].is_string(), "{reply}");
}

/// GETs `/graphql` with these URL parameters and headers.
async fn get(app: &TestApp, params: &[(&str, &str)], headers: &[(&str, &str)]) -> reqwest::Response {
    let mut request = reqwest::Client::new().get(format!("{}/graphql", app.base)).query(params);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.expect("send")
}

fn header_of(response: &reqwest::Response, name: header::HeaderName) -> String {
    response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

#[tokio::test]
async fn get_runs_queries_with_etags_and_never_mutations() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin@network.example", None, true).await;
    fixtures::organization(&app, &admin, "cisss-est").await;
    let query = "query Orgs($first: Int) { organizations(first: $first) { totalCount nodes { slug } } }";
    let params = [("query", query), ("variables", "{\"first\":5}"), ("operationName", "Orgs")];

    let response = get(&app, &params, &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    let etag = header_of(&response, header::ETAG);
    assert!(etag.starts_with("W/\"") && etag.len() > 10, "weak: the answer may be compressed: {etag}");
    assert_eq!(header_of(&response, header::CACHE_CONTROL), "private, no-cache");
    assert!(header_of(&response, header::VARY).contains("Authorization"));
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["data"]["organizations"]["nodes"][0]["slug"], "cisss-est", "{body}");

    // The same answer again: 304, no body.
    let response = get(&app, &params, &[("if-none-match", &etag)]).await;
    assert_eq!(response.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(header_of(&response, header::ETAG), etag);
    assert!(response.bytes().await.expect("body").is_empty());
    // Something changed: a new answer and a new tag.
    fixtures::organization(&app, &admin, "cisss-ouest").await;
    let response = get(&app, &params, &[("if-none-match", &etag)]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_ne!(header_of(&response, header::ETAG), etag);

    // A person's answers stay off shared disks.
    let bearer = format!("Bearer {admin}");
    let response = get(&app, &[("query", "{ me { id } }")], &[("authorization", &bearer)]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header_of(&response, header::CACHE_CONTROL), "private, no-store");
    assert!(!header_of(&response, header::ETAG).is_empty());

    // Mutations are never run over GET, whatever the media type.
    let before = app.count_rows("organization").await;
    let mutation =
        "mutation { createOrganization(input: { slug: \"by-get\", name: \"By GET\" }) { organization { id } } }";
    for accept in [GRAPHQL_RESPONSE, "application/json"] {
        let response = get(&app, &[("query", mutation)], &[("authorization", &bearer), ("accept", accept)]).await;
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED, "{accept}");
        assert_eq!(header_of(&response, header::ALLOW), "POST");
        assert!(header_of(&response, header::ETAG).is_empty());
    }
    assert_eq!(app.count_rows("organization").await, before);

    // Request errors over GET, and other methods.
    let response = get(&app, &[("query", "{ nope }")], &[("accept", GRAPHQL_RESPONSE)]).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(header_of(&response, header::CACHE_CONTROL), "private, no-store");
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(error_code(&body), "GRAPHQL_VALIDATION_FAILED");
    let response = get(&app, &[("query", "{ __typename }"), ("variables", "[1]")], &[]).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let response = reqwest::Client::new().put(format!("{}/graphql", app.base)).send().await.expect("send");
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(header_of(&response, header::ALLOW), "GET, POST");
}

/// Posts a batch; returns the status and the body.
async fn batch(app: &TestApp, token: Option<&str>, operations: Value) -> (StatusCode, Value) {
    let mut request = reqwest::Client::new().post(format!("{}/graphql", app.base)).json(&operations);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("send");
    (response.status(), response.json().await.expect("JSON"))
}

#[tokio::test]
async fn a_batch_answers_each_operation_as_a_request_would() {
    let app = TestApp::spawn().await;
    let ana = app.token("ana@cisss.example", None, false).await;
    let costly = "{ communities(first: 100) { nodes { members(first: 100) { nodes { person { memberships(first: 100) { nodes { id } } } } } } } }";
    let (status, body) = batch(
        &app,
        Some(&ana),
        json!([
            { "query": "{ me { id } }" },
            { "query": "{ nope }" },
            { "query": costly },
            { "query": "query($n: Int) { communities(first: $n) { totalCount } }", "variables": { "n": 101 } },
            { "query": "mutation { createCommunity(input: { slug: \"batched\", name: \"Batched\" }) { community { slug } } }" },
        ]),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let answers = body.as_array().expect("an array of answers");
    assert_eq!(answers.len(), 5);
    assert!(answers[0]["data"]["me"]["id"].is_string(), "{body}");
    assert_eq!(error_code(&answers[1]), "GRAPHQL_VALIDATION_FAILED");
    assert!(answers[1].get("data").is_none());
    assert_eq!(error_code(&answers[2]), "COST_LIMIT_EXCEEDED", "each operation is costed alone: {body}");
    assert_eq!(error_code(&answers[3]), "BAD_USER_INPUT");
    assert_eq!(answers[4]["data"]["createCommunity"]["community"]["slug"], "batched", "{body}");
}

#[tokio::test]
async fn a_batch_is_bounded_and_charged_the_sum_of_its_operations() {
    // A person may spend 6 operations' least charge a minute.
    let app = TestApp::spawn_with(|s| {
        s.max_batch_size = 4;
        s.rate_limit_person_cost_per_minute = 6 * MIN_CHARGE;
        s.rate_limit_ip_cost_per_minute = 2 * MIN_CHARGE;
    })
    .await;
    let ana = app.token("ana@cisss.example", None, false).await;
    let four = Value::Array(vec![json!({ "query": "{ me { id } }" }); 4]);

    let (status, body) = batch(&app, Some(&ana), Value::Array(vec![json!({ "query": "{ __typename }" }); 5])).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(error_code(&body), "COST_LIMIT_EXCEEDED");
    let (status, body) = batch(&app, Some(&ana), json!([])).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");

    // One batch of 4 passes, each with its own cost; a second does not, whole (none of
    // its operations ran).
    let (status, body) = batch(&app, Some(&ana), four.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    for answer in body.as_array().expect("answers") {
        assert_eq!(answer["extensions"]["cost"]["requested"], 2, "{answer}");
    }
    let (status, body) = batch(&app, Some(&ana), four.clone()).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(error_code(&body), "RATE_LIMITED");

    // The person's batches were not charged to the address: an anonymous batch of two
    // from it fits its budget of two operations, a third operation does not.
    let two = Value::Array(vec![json!({ "query": "{ __typename }" }); 2]);
    let (status, body) = batch(&app, None, two.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = batch(&app, None, two).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");

    let off = TestApp::spawn_with(|s| s.max_batch_size = 0).await;
    let (status, body) = batch(&off, None, json!([{ "query": "{ __typename }" }])).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(error_code(&body), "COST_LIMIT_EXCEEDED");
    assert!(body["errors"][0]["message"].as_str().unwrap_or_default().contains("batches"), "{body}");
}

#[tokio::test]
async fn a_batch_runs_within_one_request_timeout() {
    let app = TestApp::spawn_with(|s| s.request_timeout_secs = 1).await;
    // Every connection of the server's pool busy: each operation would wait past the
    // timeout. Five operations with a timeout each would hold the slot five seconds.
    let mut held = Vec::new();
    for _ in 0..5 {
        held.push(sea_orm::TransactionTrait::begin(&app.app.db).await.expect("hold a connection"));
    }
    let started = std::time::Instant::now();
    let (status, body) =
        batch(&app, None, Value::Array(vec![json!({ "query": "{ communities { totalCount } }" }); 5])).await;
    let elapsed = started.elapsed();
    drop(held);
    assert_eq!(status, StatusCode::OK, "{body}");
    let answers = body.as_array().expect("answers");
    assert_eq!(answers.len(), 5);
    for answer in answers {
        assert_eq!(error_code(answer), "TIMEOUT", "{body}");
        assert!(answer.get("data").is_none());
    }
    assert!(elapsed < std::time::Duration::from_secs(4), "one deadline for the whole batch: {elapsed:?}");
}

//! Regression tests for the request bounds of the security review of 2026-12-01
//! (`shared/reviews/security-review-2026-12-01.md`): C1 (nested values crash the
//! process), H4 (cost not bounded), M9 (aliased mutations), L7 (error amplification),
//! M5 (rate limits), L4 (GraphiQL) and L5 (client-chosen request ids). Each drives the
//! real server over HTTP as the review did.

use harness::{TestApp, error_code, fixtures};
use maillage_api::server::MIN_CHARGE;
use proptest::{
    prelude::*,
    strategy::{Strategy, ValueTree},
    test_runner::TestRunner,
};
use sea_orm::TransactionTrait;
use serde_json::{Value, json};

const INTROSPECTION: &str = include_str!("../../api/src/graphql/introspection.graphql");

fn nested(open: &str, close: &str, inner: &str, n: usize) -> String {
    format!("{}{inner}{}", open.repeat(n), close.repeat(n))
}

/// POSTs a raw body with a content type; returns status, headers and the body as JSON
/// (or as a string when it is not JSON).
async fn raw(app: &TestApp, path: &str, body: String, content_type: &str) -> (u16, reqwest::header::HeaderMap, Value) {
    let response = reqwest::Client::new()
        .post(format!("{}{path}", app.base))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("send");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.expect("body");
    (status, headers, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

fn query_body(query: &str) -> String {
    json!({ "query": query }).to_string()
}

async fn still_serving(app: &TestApp) {
    let data = app.ok(None, "{ __typename communities { totalCount } }", json!({})).await;
    assert_eq!(data["__typename"], "Query");
}

// ---------------------------------------------------------------- C1

#[tokio::test]
async fn ten_thousand_nested_brackets_and_braces_are_refused_and_the_server_keeps_serving() {
    let app = TestApp::spawn().await;
    let n = 10_000;
    let cases = [
        // The review's two requests (1,600 and 1,500 levels aborted the process).
        ("review's list", format!("{{ communities(first: {}) {{ totalCount }} }}", nested("[", "]", "1", 1_600))),
        (
            "review's object",
            format!("{{ communities(filter: {}) {{ totalCount }} }}", nested("{search: ", "}", "\"x\"", 1_500)),
        ),
        ("list value", format!("{{ communities(first: {}) {{ totalCount }} }}", nested("[", "]", "1", n))),
        (
            "object value",
            format!("{{ communities(filter: {}) {{ totalCount }} }}", nested("{search: ", "}", "\"x\"", n)),
        ),
        (
            "variable default",
            format!(
                "query($f: CommunityFilterInput = {}) {{ communities(filter: $f) {{ totalCount }} }}",
                nested("{search: ", "}", "\"x\"", n)
            ),
        ),
        ("directive argument", format!("{{ me @include(if: {}) {{ id }} }}", nested("[", "]", "true", n))),
        ("mixed", format!("{{ communities(first: {}) {{ totalCount }} }}", nested("[{a: ", "}]", "1", n / 2))),
        ("selection sets", format!("{{ {} }}", nested("me { ", " }", "id", n))),
    ];
    for (what, query) in &cases {
        let (status, headers, body) = raw(&app, "/graphql", query_body(query), "application/json").await;
        assert_eq!(status, 200, "{what}: {body}");
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{what}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], "query", "{what}");
        assert!(body.get("data").is_none_or(Value::is_null), "{what}: nothing runs");
        assert!(headers.contains_key("x-request-id"));
        // The same body as text/plain (a cross-site "simple" request) never reaches the parser.
        let (status, _, body) = raw(&app, "/graphql", query_body(query), "text/plain").await;
        assert_eq!(status, 415, "{what} as text/plain: {body}");
        still_serving(&app).await;
    }
    // Brackets inside strings, block strings and comments are text, not nesting.
    let quoted = format!(
        "{{ communities(filter: {{ search: \"{}\" }}) {{ totalCount }} }} # {}",
        "[".repeat(150),
        "{".repeat(n)
    );
    let body = app.gql(None, &quoted, json!({})).await;
    assert_ne!(body["errors"][0]["extensions"]["field"], "query", "{body}");
    let block = format!("{{ communities(filter: {{ search: \"\"\"{}\"\"\" }}) {{ totalCount }} }}", "(".repeat(150));
    let body = app.gql(None, &block, json!({})).await;
    assert_ne!(body["errors"][0]["extensions"]["field"], "query", "{body}");
    still_serving(&app).await;
}

#[tokio::test]
async fn graphql_and_token_exchange_accept_only_json() {
    let app = TestApp::spawn().await;
    let body = query_body("{ __typename }");
    for content_type in ["text/plain", "application/x-www-form-urlencoded"] {
        let (status, _, answer) = raw(&app, "/graphql", body.clone(), content_type).await;
        assert_eq!(status, 415, "{content_type}: {answer}");
        assert_eq!(error_code(&answer), "BAD_USER_INPUT");
    }
    // Multipart is for uploads, by logged-in people only: refused from the headers.
    let (status, _, answer) = raw(&app, "/graphql", body.clone(), "multipart/form-data; boundary=x").await;
    assert_eq!(status, 401, "{answer}");
    assert_eq!(error_code(&answer), "UNAUTHENTICATED");
    let (status, _, answer) = raw(&app, "/graphql", body.clone(), "application/json; charset=utf-8").await;
    assert_eq!(status, 200, "{answer}");
    let (status, _, answer) = raw(&app, "/auth/token", json!({ "code": "x" }).to_string(), "text/plain").await;
    assert_eq!(status, 415, "{answer}");
    let (status, _, answer) = raw(&app, "/auth/token", json!({ "code": "x" }).to_string(), "application/json").await;
    assert_eq!(status, 400, "a JSON exchange still reaches the endpoint: {answer}");
}

#[tokio::test]
async fn generated_nested_queries_never_take_the_server_down() {
    let app = TestApp::spawn().await;
    // Openers and fillers mixed at random depths, some closed, some not, some inside
    // strings or comments: a few hundred cases, deterministic.
    let openers = prop::sample::select(vec!["[", "{a: ", "(", "{ me ", "\"", "\"\"\"", "#", "\n"]);
    let strategy = (0usize..4_000, prop::collection::vec(openers, 1..6), any::<bool>(), any::<bool>());
    let mut runner = TestRunner::deterministic();
    for case in 0..300 {
        let (depth, kinds, closed, in_argument) = strategy.new_tree(&mut runner).expect("case").current();
        let mut inner = String::new();
        for i in 0..depth {
            inner.push_str(kinds[i % kinds.len()]);
        }
        if closed {
            for i in (0..depth).rev() {
                inner.push_str(match kinds[i % kinds.len()] {
                    "[" => "]",
                    "{a: " | "{ me " => "}",
                    "(" => ")",
                    other => other,
                });
            }
        }
        let query = if in_argument {
            format!("{{ communities(first: {inner}) {{ totalCount }} }}")
        } else {
            format!("query($v: [Int] = {inner}) {{ __typename }}")
        };
        let (status, _, body) = raw(&app, "/graphql", query_body(&query), "application/json").await;
        assert!(status == 200 || status == 400, "case {case}: {status} {body}");
        assert!(body.get("errors").is_some() || body.get("data").is_some(), "case {case}: a GraphQL answer");
    }
    still_serving(&app).await;
}

// ---------------------------------------------------------------- H4, M9, L7

fn refused_for_cost(body: &Value) {
    assert_eq!(error_code(body), "COST_LIMIT_EXCEEDED", "{body}");
    assert!(body.get("data").is_none_or(Value::is_null), "nothing executes: {body}");
    assert_eq!(body["errors"].as_array().map(Vec::len), Some(1), "{body}");
}

#[tokio::test]
async fn connections_cost_their_page_size_times_their_selection() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin@example.org", None, true).await;
    // The review's fan-out: ten aliases of three nested connections of 100.
    let fan = "communities(first:100){edges{node{members(first:100){edges{node{person{memberships(first:100){edges{node{community{name}}}}}}}}}}}";
    let query = format!("{{ {} }}", (0..10).map(|i| format!("a{i}: {fan}")).collect::<Vec<_>>().join(" "));
    refused_for_cost(&app.gql(Some(&admin), &query, json!({})).await);
    refused_for_cost(&app.gql(Some(&admin), &format!("{{ {fan} }}"), json!({})).await);
    // Two levels of 100 are too much; the page size may come from a variable.
    let two = "query($n: Int) { communities(first: $n) { edges { node { members(first: $n) { edges { node { id roles person { id displayName } } } } } } } }";
    refused_for_cost(&app.gql(Some(&admin), two, json!({ "n": 100 })).await);
    // The default page size counts when `first` is absent; ordinary queries pass.
    app.ok(Some(&admin), two, json!({ "n": 10 })).await;
    app.ok(
        Some(&admin),
        "{ communities { totalCount edges { node { name members { edges { node { id } } } } } } }",
        json!({}),
    )
    .await;
}

#[tokio::test]
async fn the_standard_introspection_query_works_and_introspection_is_costed() {
    let app = TestApp::spawn().await;
    let data = app.ok(None, INTROSPECTION, json!({})).await;
    assert!(data["__schema"]["types"].as_array().is_some_and(|t| t.len() > 20));
    // Twice in one request, or thousands of aliases of it, are refused.
    let twice = INTROSPECTION.replacen("__schema {", "a: __schema { types { name } } b: __schema {", 1);
    refused_for_cost(&app.gql(None, &twice, json!({})).await);
    let aliases =
        (0..6_000).map(|i| format!("a{i}: __schema {{ types {{ name fields {{ name type {{ name }} }} }} }}"));
    refused_for_cost(&app.gql(None, &format!("{{ {} }}", aliases.collect::<Vec<_>>().join(" ")), json!({})).await);
    let deep = "{ __schema { types { fields { type { fields { type { fields { type { fields { name } } } } } } } } } }";
    refused_for_cost(&app.gql(None, deep, json!({})).await);
    still_serving(&app).await;
}

#[tokio::test]
async fn aliases_root_fields_selections_and_depth_are_capped() {
    let app = TestApp::spawn().await;
    let token = app.token("someone@example.org", None, false).await;
    // 101 aliases.
    let aliases = (0..101).map(|i| format!("a{i}: me {{ id }}")).collect::<Vec<_>>().join(" ");
    refused_for_cost(&app.gql(Some(&token), &format!("{{ {aliases} }}"), json!({})).await);
    // 100 are fine.
    let aliases = (0..100).map(|i| format!("a{i}: me {{ id }}")).collect::<Vec<_>>().join(" ");
    let data = app.ok(Some(&token), &format!("{{ {aliases} }}"), json!({})).await;
    assert!(data["a99"]["id"].is_string());
    // The review's `me @include(if: true)` × 20,000 (root fields), and through a fragment.
    let many = "me @include(if: true) { id } ".repeat(20_000);
    refused_for_cost(&app.gql(Some(&token), &format!("{{ {many} }}"), json!({})).await);
    let many = "me { id } ".repeat(101);
    refused_for_cost(&app.gql(Some(&token), &format!("{{ ...F }} fragment F on Query {{ {many} }}"), json!({})).await);
    // Directives: 201 on one field.
    let directives = "@include(if: true) ".repeat(201);
    refused_for_cost(&app.gql(Some(&token), &format!("{{ me {directives} {{ id }} }}"), json!({})).await);
    // Selections: 2,001 fields under one root field.
    let fields = "id ".repeat(2_001);
    refused_for_cost(&app.gql(Some(&token), &format!("{{ me {{ {fields} }} }}"), json!({})).await);
    // Fragments: a chain of 25,000 (`{...a0} fragment a0 on Query {...a1} …`) is refused
    // before any of our walks follows it; 101 unused fragments too; 100 are fine.
    let chain = (0..25_000).map(|i| format!("fragment a{i} on Query {{ ...a{} }}", i + 1)).collect::<String>();
    let body =
        app.gql(None, &format!("{{ ...a0 }} {chain} fragment a25000 on Query {{ __typename }}"), json!({})).await;
    // (async-graphql's own check of spread depth, 32, may answer first.)
    assert!(body["data"].is_null(), "{body}");
    assert!(["COST_LIMIT_EXCEEDED", "BAD_USER_INPUT"].contains(&error_code(&body)), "{body}");
    let unused = (0..101).map(|i| format!("fragment u{i} on Query {{ __typename }}")).collect::<String>();
    refused_for_cost(&app.gql(Some(&token), &format!("{{ me {{ id }} }} {unused}"), json!({})).await);
    let spread = (0..100).map(|i| format!("...u{i} ")).collect::<String>();
    let fine = (0..100).map(|i| format!("fragment u{i} on Query {{ __typename }}")).collect::<String>();
    let data = app.ok(Some(&token), &format!("{{ {spread} }} {fine}"), json!({})).await;
    assert_eq!(data["__typename"], "Query");
    // Depth 17, cheap otherwise.
    let hop = "memberships(first: 1) { edges { node { community { members(first: 1) { edges { node { person { ";
    let deep = format!("{{ me {{ {hop}{hop} id {} }} }}", "} } } } } } } } ".repeat(2));
    let body = app.gql(Some(&token), &deep, json!({})).await;
    assert_eq!(error_code(&body), "COST_LIMIT_EXCEEDED", "{body}");
    assert!(body["errors"][0]["message"].as_str().is_some_and(|m| m.contains("deeper")), "{body}");
    still_serving(&app).await;
}

#[tokio::test]
async fn a_mutation_may_have_at_most_ten_fields() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin@example.org", None, true).await;
    let community = fixtures::community(&app, &admin, "limits", "PUBLIC", "OPEN").await;
    let thread = fixtures::thread(&app, &admin, &community, "Bounds").await;
    let posts = app.count_rows("post").await;
    let fields = |n: usize| {
        (0..n)
            .map(|i| format!("a{i}: createPost(input: {{ threadId: $t, body: $b }}) {{ post {{ id }} }}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let eleven = format!("mutation($t: ID!, $b: String!) {{ {} }}", fields(11));
    let body = app.gql(Some(&admin), &eleven, json!({ "t": thread, "b": "é".repeat(1_000) })).await;
    refused_for_cost(&body);
    assert_eq!(app.count_rows("post").await, posts, "nothing written");
    let ten = format!("mutation($t: ID!, $b: String!) {{ {} }}", fields(10));
    app.ok(Some(&admin), &ten, json!({ "t": thread, "b": "ten" })).await;
    assert_eq!(app.count_rows("post").await, posts + 10);
}

#[tokio::test]
async fn errors_returned_are_capped() {
    let app = TestApp::spawn().await;
    // 100 root fields (the most allowed), each its own error.
    let fields =
        (0..100).map(|i| format!("a{i}: node(id: \"bm90LWFuLWlk{i}\") {{ id }}")).collect::<Vec<_>>().join(" ");
    let body = app.gql(None, &format!("{{ {fields} }}"), json!({})).await;
    let errors = body["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 50, "{body}");
    assert_eq!(errors[49]["extensions"]["code"], "TOO_MANY_ERRORS");
    assert!(errors[49]["message"].as_str().is_some_and(|m| m.starts_with("51 more errors")), "{}", errors[49]);
}

#[tokio::test]
async fn a_request_running_past_the_timeout_is_stopped() {
    let app = TestApp::spawn_with(|s| s.request_timeout_secs = 1).await;
    // Every connection of the server's pool (5 in the harness) busy: a request that needs
    // the database waits for one, past the timeout.
    let mut held = Vec::new();
    for _ in 0..5 {
        held.push(app.app.db.begin().await.expect("hold a connection"));
    }
    let (status, body) = app.post(None, "{ communities { totalCount } }", json!({})).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(error_code(&body), "TIMEOUT", "{body}");
    assert!(body.get("data").is_none());
    drop(held);
    still_serving(&app).await;
}

#[tokio::test]
async fn work_stops_when_the_client_goes_away() {
    let app = TestApp::spawn().await;
    // The request waits for a database connection; its client gives up meanwhile.
    let mut held = Vec::new();
    for _ in 0..5 {
        held.push(app.app.db.begin().await.expect("hold a connection"));
    }
    let gone = reqwest::Client::new()
        .post(format!("{}/graphql", app.base))
        .timeout(std::time::Duration::from_millis(300))
        .json(&json!({ "query": "{ communities { totalCount } }" }))
        .send()
        .await;
    assert!(gone.is_err(), "the client gave up");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    app.reset_statements();
    drop(held);
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    let ran = app.statement_log().into_iter().filter(|sql| sql.contains("community")).count();
    assert_eq!(ran, 0, "the abandoned request did not go on to query communities");
    still_serving(&app).await;
}

#[tokio::test]
async fn abandoned_work_stops_at_the_timeout() {
    // Whatever the client does, nothing runs past the timeout.
    let app = TestApp::spawn_with(|s| s.request_timeout_secs = 1).await;
    // The request waits for a database connection; its client gives up meanwhile, and
    // the connections stay busy past the request's timeout.
    let mut held = Vec::new();
    for _ in 0..5 {
        held.push(app.app.db.begin().await.expect("hold a connection"));
    }
    let gone = reqwest::Client::new()
        .post(format!("{}/graphql", app.base))
        .timeout(std::time::Duration::from_millis(300))
        .json(&json!({ "query": "{ communities { totalCount } }" }))
        .send()
        .await;
    assert!(gone.is_err(), "the client gave up");
    tokio::time::sleep(std::time::Duration::from_millis(1_200)).await;
    app.reset_statements();
    drop(held);
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    let ran = app.statement_log().into_iter().filter(|sql| sql.contains("community")).count();
    assert_eq!(ran, 0, "the abandoned request was dropped at its timeout, before it could query");
    still_serving(&app).await;
}

#[tokio::test]
async fn requests_beyond_the_concurrent_executions_are_turned_away() {
    // No execution slot at all: every request waits `concurrency_wait_ms`, then is told
    // to come back.
    let app = TestApp::spawn_with(|s| {
        s.max_concurrent_requests = 0;
        s.concurrency_wait_ms = 10;
    })
    .await;
    let response = reqwest::Client::new()
        .post(format!("{}/graphql", app.base))
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .expect("send");
    assert_eq!(response.status().as_u16(), 503);
    assert_eq!(response.headers().get("retry-after").and_then(|v| v.to_str().ok()), Some("1"));
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(error_code(&body), "UNAVAILABLE", "{body}");
}

// ---------------------------------------------------------------- M5

/// `{ __typename }` on `/graphql`, or a GET on `/auth/…`; returns the status, the
/// `Retry-After` header and the body.
async fn get_status(url: &str, token: Option<&str>) -> (u16, Option<String>, Value) {
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let mut request = if url.contains("/auth/") {
        client.get(url)
    } else {
        client.post(url).json(&json!({ "query": "{ __typename }" }))
    };
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("send");
    let status = response.status().as_u16();
    let retry = response.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let text = response.text().await.expect("body");
    (status, retry, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

#[tokio::test]
async fn a_burst_from_one_address_is_refused_with_429_and_retry_after() {
    // `{ __typename }` is charged the least charge: 10 of them fit.
    let app = TestApp::spawn_with(|s| {
        s.rate_limit_ip_cost_per_minute = 10 * MIN_CHARGE;
        s.rate_limit_auth_per_minute = 5;
    })
    .await;
    let graphql = format!("{}/graphql", app.base);
    for i in 0..10 {
        let (status, _, body) = get_status(&graphql, None).await;
        assert_eq!(status, 200, "request {i} is within the limit: {body}");
    }
    let (status, retry, body) = get_status(&graphql, None).await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(error_code(&body), "RATE_LIMITED", "{body}");
    let retry: u64 = retry.expect("Retry-After").parse().expect("seconds");
    assert!((1..=60).contains(&retry), "{retry}");
    // /auth/… has its own, lower, budget.
    let login = format!("{}/auth/no-such-organization/login", app.base);
    for i in 0..5 {
        let (status, _, body) = get_status(&login, None).await;
        assert_ne!(status, 429, "request {i} is within the limit: {body}");
    }
    let (status, retry, body) = get_status(&login, None).await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["error"], "rate_limited");
    assert!(retry.is_some());
}

#[tokio::test]
async fn a_person_has_a_budget_of_their_own() {
    let app = TestApp::spawn_with(|s| s.rate_limit_person_cost_per_minute = 5 * MIN_CHARGE).await;
    let token = app.token("busy@example.org", None, false).await;
    let other = app.token("calm@example.org", None, false).await;
    let graphql = format!("{}/graphql", app.base);
    for i in 0..5 {
        let (status, _, body) = get_status(&graphql, Some(&token)).await;
        assert_eq!(status, 200, "request {i}: {body}");
    }
    let (status, retry, body) = get_status(&graphql, Some(&token)).await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(error_code(&body), "RATE_LIMITED");
    assert!(retry.is_some());
    // Others, and anonymous requests from the same address, are not affected.
    assert_eq!(get_status(&graphql, Some(&other)).await.0, 200);
    assert_eq!(get_status(&graphql, None).await.0, 200);
}

#[tokio::test]
async fn normal_use_under_the_default_limits_is_not_throttled() {
    // The documented defaults.
    let app = TestApp::spawn_with(|s| {
        s.rate_limit_ip_cost_per_minute = 100_000;
        s.rate_limit_person_cost_per_minute = 200_000;
        s.rate_limit_auth_per_minute = 30;
    })
    .await;
    let token = app.token("user@example.org", None, false).await;
    let graphql = format!("{}/graphql", app.base);
    for i in 0..60 {
        let (status, _, body) = get_status(&graphql, if i % 2 == 0 { Some(&token) } else { None }).await;
        assert_eq!(status, 200, "request {i}: {body}");
    }
    for i in 0..10 {
        let (status, _, _) = get_status(&format!("{}/auth/nobody/login", app.base), None).await;
        assert_ne!(status, 429, "login {i}");
    }
}

// ---------------------------------------------------------------- L4

#[tokio::test]
async fn graphiql_is_off_unless_enabled() {
    let app = TestApp::spawn_with(|s| s.graphiql = false).await;
    assert_eq!(app.get("/graphiql").await.0, 404);
}

#[tokio::test]
async fn graphiql_when_enabled_pins_its_scripts_and_forbids_framing() {
    let app = TestApp::spawn_with(|s| s.graphiql = true).await;
    let response = reqwest::get(format!("{}/graphiql", app.base)).await.expect("send");
    assert_eq!(response.status().as_u16(), 200);
    let headers = response.headers().clone();
    let page = response.text().await.expect("page");
    let csp = headers.get("content-security-policy").and_then(|v| v.to_str().ok()).expect("a CSP");
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("default-src 'none'"), "{csp}");
    assert_eq!(headers.get("x-frame-options").and_then(|v| v.to_str().ok()), Some("DENY"));
    assert_eq!(headers.get("x-content-type-options").and_then(|v| v.to_str().ok()), Some("nosniff"));
    let external = page.matches("https://unpkg.com/").count();
    assert!(external >= 4, "{page}");
    assert_eq!(page.matches("integrity=\"sha384-").count(), external, "every asset has an integrity hash: {page}");
    for tag in page.split("https://unpkg.com/").skip(1) {
        let package = tag.split('/').next().unwrap_or_default();
        let version = package.rsplit('@').next().unwrap_or_default();
        assert_eq!(version.split('.').count(), 3, "exact version: {package}");
    }
    // The API's own responses are not to be framed or sniffed either.
    let response = reqwest::Client::new()
        .post(format!("{}/graphql", app.base))
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .expect("send");
    assert_eq!(response.headers().get("x-frame-options").and_then(|v| v.to_str().ok()), Some("DENY"));
    assert_eq!(response.headers().get("x-content-type-options").and_then(|v| v.to_str().ok()), Some("nosniff"));
}

// ---------------------------------------------------------------- L5

#[tokio::test]
async fn the_audit_trail_keeps_the_servers_request_id_and_the_clients_apart() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin@example.org", None, true).await;
    let send = |client_id: String| {
        let (base, admin) = (app.base.clone(), admin.clone());
        async move {
            let response = reqwest::Client::new()
                .post(format!("{base}/graphql"))
                .bearer_auth(admin)
                .header("x-request-id", client_id)
                .json(&json!({
                    "query": "mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { organization { id } } }",
                    "variables": { "input": { "slug": format!("org-{}", uuid::Uuid::new_v4().simple()), "name": "Org", "kind": "HEALTH_AND_SOCIAL_SERVICES_CENTRE", "region": "Montérégie" } },
                }))
                .send()
                .await
                .expect("send");
            let id = response.headers().get("x-request-id").and_then(|v| v.to_str().ok()).map(str::to_owned);
            let body: Value = response.json().await.expect("JSON");
            assert!(body.get("errors").is_none(), "{body}");
            id.expect("X-Request-Id")
        }
    };
    // Two requests claiming the same id: each gets its own.
    let first = send("someone-elses-request".to_owned()).await;
    let second = send("someone-elses-request".to_owned()).await;
    assert_ne!(first, "someone-elses-request");
    assert_ne!(first, second);
    // An overlong id is cut to 64 characters.
    let third = send("x".repeat(300)).await;
    let data = app
        .ok(Some(&admin), "{ auditEvents(last: 3) { edges { node { action requestId clientRequestId } } } }", json!({}))
        .await;
    let events: Vec<&Value> =
        data["auditEvents"]["edges"].as_array().expect("edges").iter().map(|e| &e["node"]).collect();
    assert_eq!(events.len(), 3, "{data}");
    assert_eq!(events[0]["requestId"], first.as_str());
    assert_eq!(events[1]["requestId"], second.as_str());
    assert_eq!(events[2]["requestId"], third.as_str());
    assert_eq!(events[0]["clientRequestId"], "someone-elses-request");
    assert_eq!(events[1]["clientRequestId"], "someone-elses-request");
    assert_eq!(events[2]["clientRequestId"], "x".repeat(64).as_str());
}

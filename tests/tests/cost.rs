//! Cost made visible and limited, as a partner's client sees it over HTTP: the cost of
//! every answer in `extensions.cost`, compressed answers (decoded by reqwest's own gzip
//! and brotli decoders), the bound on an answer's size, and budgets of cost points per
//! minute with the `RateLimit-*` headers (draft-ietf-httpapi-ratelimit-headers-06).

use std::time::{Duration, Instant};

use harness::{TestApp, error_code, fixtures};
use maillage_api::server::MIN_CHARGE;
use reqwest::{StatusCode, header::HeaderMap};
use serde_json::{Value, json};

const INTROSPECTION: &str = include_str!("../../api/src/graphql/introspection.graphql");

/// A client that neither asks for nor decodes compressed answers.
fn plain_client() -> reqwest::Client {
    reqwest::Client::builder().no_gzip().no_brotli().build().expect("client")
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
}

impl Answer {
    fn header(&self, name: &str) -> Option<u64> {
        self.headers.get(name).and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok())
    }

    fn remaining(&self) -> u64 {
        self.header("ratelimit-remaining").expect("RateLimit-Remaining")
    }

    fn cost(&self, field: &str) -> u64 {
        self.body["extensions"]["cost"][field].as_u64().unwrap_or_else(|| panic!("cost.{field}: {}", self.body))
    }
}

async fn post(app: &TestApp, token: Option<&str>, body: Value) -> Answer {
    let mut request = plain_client().post(format!("{}/graphql", app.base)).json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("send");
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.expect("body");
    Answer { status, headers, body: serde_json::from_str(&text).unwrap_or(Value::String(text)) }
}

async fn query(app: &TestApp, token: Option<&str>, query: &str) -> Answer {
    post(app, token, json!({ "query": query })).await
}

/// `{ organizations(first: 100) { nodes { id slug name } } }`, `aliases` times.
fn organizations(aliases: usize) -> String {
    let fields: String =
        (0..aliases).map(|n| format!("a{n}: organizations(first: 100) {{ nodes {{ id slug name }} }} ")).collect();
    format!("{{ {fields}}}")
}

#[tokio::test]
async fn every_answer_tells_its_requested_and_actual_cost() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin@network.example", None, true).await;
    for slug in ["cisss-est", "cisss-ouest", "cisss-nord"] {
        fixtures::organization(&app, &admin, slug).await;
    }

    // A page of 10 organizations of 2 fields: 10 × (nodes 1 + 2) + 1 requested; 3
    // returned: organizations 1 + nodes 1 + 3 × 2.
    let answer = query(&app, None, "{ organizations(first: 10) { nodes { slug name } } }").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.body["extensions"]["cost"], json!({ "requested": 31, "actual": 8, "limit": 50_000 }));
    // A larger page asks for more, and costs the same once run.
    let answer = query(&app, None, "{ organizations(first: 100) { nodes { slug name } } }").await;
    assert_eq!((answer.cost("requested"), answer.cost("actual")), (301, 8));

    // Refused for its cost: no data, and what it would have cost.
    let costly = "{ communities(first: 100) { nodes { members(first: 100) { nodes { id person { id name } } } } } }";
    let answer = post(&app, None, json!({ "query": costly })).await;
    assert_eq!(error_code(&answer.body), "COST_LIMIT_EXCEEDED", "{}", answer.body);
    assert!(answer.body.get("data").is_none());
    assert!(answer.cost("requested") > 50_000, "{}", answer.body);
    assert_eq!(answer.cost("actual"), 0);
    assert!(answer.body["errors"][0]["message"].as_str().unwrap_or_default().contains("50000"), "{}", answer.body);

    // Request errors too: one that did not parse asked for nothing.
    let answer = query(&app, None, "{ organizations(").await;
    assert_eq!(error_code(&answer.body), "GRAPHQL_PARSE_FAILED");
    assert_eq!(answer.body["extensions"]["cost"], json!({ "requested": 0, "actual": 0, "limit": 50_000 }));
    let answer = query(&app, None, "{ nope }").await;
    assert_eq!(error_code(&answer.body), "GRAPHQL_VALIDATION_FAILED");
    assert_eq!(answer.cost("actual"), 0);

    // Each operation of a batch has its own.
    let answer = post(
        &app,
        None,
        json!([
            { "query": "{ organizations(first: 1) { nodes { slug } } }" },
            { "query": "{ organizations(first: 2) { nodes { slug } } }" },
        ]),
    )
    .await;
    let answers = answer.body.as_array().expect("answers");
    assert_eq!(answers[0]["extensions"]["cost"], json!({ "requested": 3, "actual": 3, "limit": 50_000 }));
    assert_eq!(answers[1]["extensions"]["cost"], json!({ "requested": 5, "actual": 4, "limit": 50_000 }));
}

#[tokio::test]
async fn answers_are_compressed_for_clients_that_accept_it() {
    let app = TestApp::spawn().await;
    let url = format!("{}/graphql", app.base);
    let body = json!({ "query": INTROSPECTION });

    // No Accept-Encoding: the JSON as it is.
    let response = plain_client().post(&url).json(&body).send().await.expect("send");
    assert!(response.headers().get("content-encoding").is_none());
    let plain = response.bytes().await.expect("body");
    let plain: Value = serde_json::from_slice(&plain).expect("plain JSON");
    assert!(plain["data"]["__schema"]["types"].is_array());
    let plain_len = serde_json::to_vec(&plain).expect("JSON").len();

    for encoding in ["gzip", "br"] {
        // On the wire: compressed, marked so, and much smaller.
        let response =
            plain_client().post(&url).header("accept-encoding", encoding).json(&body).send().await.expect("send");
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers().get("content-encoding").and_then(|v| v.to_str().ok()), Some(encoding));
        let vary = response.headers().get_all("vary").iter().filter_map(|v| v.to_str().ok()).collect::<Vec<_>>();
        assert!(vary.iter().any(|v| v.to_ascii_lowercase().contains("accept-encoding")), "{vary:?}");
        let wire = response.bytes().await.expect("body");
        assert!(serde_json::from_slice::<Value>(&wire).is_err(), "{encoding}: not plain JSON on the wire");
        assert!(wire.len() * 4 < plain_len, "{encoding}: {} bytes for {plain_len}", wire.len());
    }

    // A short answer is not worth compressing: sent as it is, still marked as varying.
    let response = plain_client()
        .post(&url)
        .header("accept-encoding", "gzip, br")
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .expect("send");
    assert!(response.headers().get("content-encoding").is_none());
    assert!(response.headers().get_all("vary").iter().any(|v| v.to_str().is_ok_and(|v| v.contains("accept-encoding"))));
    assert_eq!(response.json::<Value>().await.expect("JSON")["data"]["__typename"], "Query");

    // reqwest's decoders (async-compression) read the same answer, each alone.
    let gzip_only = reqwest::Client::builder().no_brotli().build().expect("client");
    let brotli_only = reqwest::Client::builder().no_gzip().build().expect("client");
    for client in [gzip_only, brotli_only] {
        let decoded: Value = client.post(&url).json(&body).send().await.expect("send").json().await.expect("JSON");
        assert_eq!(decoded, plain);
    }
}

#[tokio::test]
async fn a_get_keeps_its_weak_etag_whatever_the_encoding() {
    let app = TestApp::spawn().await;
    let url = format!("{}/graphql?query={}", app.base, "%7B%20__schema%20%7B%20types%20%7B%20name%20%7D%20%7D%20%7D");
    let get = |encoding: Option<&'static str>, tag: Option<String>| {
        let mut request = plain_client().get(&url);
        if let Some(encoding) = encoding {
            request = request.header("accept-encoding", encoding);
        }
        if let Some(tag) = tag {
            request = request.header("if-none-match", tag);
        }
        request.send()
    };
    let plain = get(None, None).await.expect("send");
    let tag = plain.headers().get("etag").and_then(|v| v.to_str().ok()).expect("ETag").to_owned();
    assert!(tag.starts_with("W/\""), "weak, as the same content is also sent compressed: {tag}");
    let gzip = get(Some("gzip"), None).await.expect("send");
    assert_eq!(gzip.headers().get("content-encoding").and_then(|v| v.to_str().ok()), Some("gzip"));
    assert_eq!(gzip.headers().get("etag").and_then(|v| v.to_str().ok()), Some(tag.as_str()));
    // The tag revalidates under either encoding; the 304 says what it varies on.
    for encoding in [None, Some("gzip"), Some("br")] {
        let response = get(encoding, Some(tag.clone())).await.expect("send");
        assert_eq!(response.status(), StatusCode::NOT_MODIFIED, "{encoding:?}");
        let vary = response.headers().get("vary").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        assert!(vary.contains("Accept-Encoding"), "{vary}");
        assert!(response.bytes().await.expect("body").is_empty());
    }
}

#[tokio::test]
async fn an_answer_larger_than_max_response_bytes_is_refused() {
    let app = TestApp::spawn_with(|s| s.max_response_bytes = 4_000).await;
    // The introspection answer is far larger.
    let answer = post(&app, None, json!({ "query": INTROSPECTION })).await;
    assert_eq!(answer.status, StatusCode::OK, "application/json: a request error is 200");
    assert_eq!(error_code(&answer.body), "RESPONSE_TOO_LARGE", "{}", answer.body);
    assert!(answer.body.get("data").is_none());
    assert!(answer.body["errors"][0]["message"].as_str().unwrap_or_default().contains("4000"));
    assert!(answer.cost("actual") > 100, "it ran, and is charged: {}", answer.body);
    let response = plain_client()
        .post(format!("{}/graphql", app.base))
        .header("accept", "application/graphql-response+json")
        .json(&json!({ "query": INTROSPECTION }))
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);

    // A small answer passes; in a batch, the answers share the bound.
    let answer = query(&app, None, "{ __typename }").await;
    assert_eq!(answer.body["data"]["__typename"], "Query");
    let answer = post(
        &app,
        None,
        json!([{ "query": "{ __typename }" }, { "query": INTROSPECTION }, { "query": "{ __typename }" }]),
    )
    .await;
    let answers = answer.body.as_array().expect("answers");
    assert_eq!(answers[0]["data"]["__typename"], "Query");
    assert_eq!(error_code(&answers[1]), "RESPONSE_TOO_LARGE");
    assert_eq!(answers[2]["data"]["__typename"], "Query");
    assert!(serde_json::to_vec(&answer.body).expect("JSON").len() < 4_000 + 1_000);
}

#[tokio::test]
async fn a_flood_of_costly_queries_is_refused_first_with_headers_that_tell_when() {
    const BUDGET: u64 = 60_000;
    let app = TestApp::spawn_with(|s| s.rate_limit_person_cost_per_minute = BUDGET).await;
    let admin = app.token("admin@network.example", None, true).await;
    for n in 0..10 {
        fixtures::organization(&app, &admin, &format!("org-{n}")).await;
    }
    let ana = app.token("ana@cisss.example", None, false).await;
    let costly = organizations(100);

    // What the budget gains at most since an instant (1,000 points a second), plus one.
    let refill = |since: Instant| (since.elapsed().as_secs_f64() * BUDGET as f64 / 60.0).ceil() as u64 + 1;

    // Headers on every answer; a cheap query costs the least charge.
    let started = Instant::now();
    let first = query(&app, Some(&ana), "{ me { id } }").await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(first.header("ratelimit-limit"), Some(BUDGET));
    assert_eq!(first.headers.get("ratelimit-policy").and_then(|v| v.to_str().ok()), Some("60000;w=60"));
    let full = BUDGET - MIN_CHARGE;
    assert!((full..=full + refill(started)).contains(&first.remaining()), "{}", first.remaining());
    assert_eq!(first.header("ratelimit-reset"), Some(1), "50 points come back in a second");

    // A costly query is admitted on its requested cost and charged its actual cost:
    // 100 × (1 + 1 + 10 × 3).
    let started = Instant::now();
    let answer = query(&app, Some(&ana), &costly).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!((answer.cost("requested"), answer.cost("actual")), (40_100, 3_200));
    let expected = first.remaining() - 3_200;
    assert!((expected..=expected + refill(started)).contains(&answer.remaining()), "{}", answer.remaining());

    // Flooded with it, the person is refused once their budget no longer holds its
    // requested cost…
    let mut refused = None;
    for _ in 0..20 {
        let answer = query(&app, Some(&ana), &costly).await;
        if answer.status == StatusCode::TOO_MANY_REQUESTS {
            refused = Some(answer);
            break;
        }
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    }
    let refused = refused.expect("refused within 20");
    assert_eq!(error_code(&refused.body), "RATE_LIMITED", "{}", refused.body);
    let remaining = refused.remaining();
    assert!(remaining < 40_100, "{remaining}");
    let retry = refused.header("retry-after").expect("Retry-After");
    let needed = (40_100 - remaining) as f64 * 60.0 / BUDGET as f64;
    assert!(retry >= 1 && retry as f64 >= needed && (retry as f64) < needed + 1.0, "{retry} for {needed}");
    // The reset is when the whole budget is back.
    let reset = refused.header("ratelimit-reset").expect("RateLimit-Reset");
    let full = (BUDGET - remaining) as f64 * 60.0 / BUDGET as f64;
    assert!(reset as f64 >= full && (reset as f64) < full + 1.0, "{reset} for {full}");

    // … while cheap queries still pass.
    let cheap = query(&app, Some(&ana), "{ me { id } }").await;
    assert_eq!(cheap.status, StatusCode::OK, "{}", cheap.body);
    assert!(cheap.remaining() <= remaining + refill(started) - MIN_CHARGE);

    // After Retry-After, the costly query fits again. The cheap query spent MIN_CHARGE
    // after the refusal, which Retry-After (rounded up to whole seconds) may not cover:
    // one more second does (1,000 points).
    let before = cheap.remaining();
    let waited = Instant::now();
    tokio::time::sleep(Duration::from_secs(retry + 1)).await;
    let answer = query(&app, Some(&ana), &costly).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    // The budget refilled at its rate meanwhile.
    let gained = answer.remaining() + 3_200 - before;
    let rate = BUDGET as f64 / 60.0 * waited.elapsed().as_secs_f64();
    assert!((gained as f64) <= rate + 2.0 && (gained as f64) >= rate * 0.8, "{gained} for {rate}");
}

/// Asking costs even when nothing is found: an empty answer is charged the fields its
/// query selects, so a hundred aliased lists that find nothing are not nearly free.
#[tokio::test]
async fn an_empty_answer_is_charged_what_its_query_selects() {
    const BUDGET: u64 = 60_000;
    let app = TestApp::spawn_with(|s| s.rate_limit_person_cost_per_minute = BUDGET).await;
    let ana = app.token("ana@cisss.example", None, false).await;
    let refill = |since: Instant| (since.elapsed().as_secs_f64() * BUDGET as f64 / 60.0).ceil() as u64 + 1;
    let empty: String = (0..100)
        .map(|n| format!("a{n}: communities(first: 100, filter: {{ search: \"nothing-matches-{n}\" }}) {{ nodes {{ id slug name }} }} "))
        .collect();
    let first = query(&app, Some(&ana), "{ me { id } }").await;
    let started = Instant::now();
    let answer = query(&app, Some(&ana), &format!("{{ {empty}}}")).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    // Each alias answers `{ nodes: [] }`: 2 points of answer, 5 fields asked for.
    assert_eq!(answer.cost("actual"), 200, "{}", answer.body);
    let expected = first.remaining() - 500;
    assert!((expected..=expected + refill(started)).contains(&answer.remaining()), "{}", answer.remaining());
}

#[tokio::test]
async fn one_persons_flood_does_not_block_others_behind_the_same_address() {
    let app = TestApp::spawn_with(|s| {
        s.rate_limit_person_cost_per_minute = 5 * MIN_CHARGE;
        s.rate_limit_ip_cost_per_minute = 3 * MIN_CHARGE;
    })
    .await;
    let busy = app.token("busy@example.org", None, false).await;
    let calm = app.token("calm@example.org", None, false).await;
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(query(&app, Some(&busy), "{ me { id } }").await.status.as_u16());
    }
    assert_eq!(statuses, [200, 200, 200, 200, 200, 429]);
    // Another person and anonymous callers at the same address (127.0.0.1) each have
    // their own budget.
    let calm_answer = query(&app, Some(&calm), "{ me { id } }").await;
    assert_eq!(calm_answer.status, StatusCode::OK);
    assert_eq!(calm_answer.remaining(), 4 * MIN_CHARGE);
    let mut anonymous = Vec::new();
    for _ in 0..4 {
        anonymous.push(query(&app, None, "{ __typename }").await.status.as_u16());
    }
    assert_eq!(anonymous, [200, 200, 200, 429]);
    // The anonymous flood left the people alone.
    assert_eq!(query(&app, Some(&calm), "{ me { id } }").await.status, StatusCode::OK);
}

#[tokio::test]
async fn an_address_presenting_invalid_tokens_is_slowed_down() {
    let app = TestApp::spawn_with(|s| s.rate_limit_auth_per_minute = 3).await;
    for n in 0..3 {
        let answer = query(&app, Some(&format!("forged-{n}")), "{ __typename }").await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{}", answer.body);
    }
    let answer = query(&app, Some("forged-3"), "{ __typename }").await;
    assert_eq!(answer.status, StatusCode::TOO_MANY_REQUESTS, "{}", answer.body);
    assert!(answer.header("retry-after").is_some());
    // Anonymous requests from the address are not tokens: they go on.
    assert_eq!(query(&app, None, "{ __typename }").await.status, StatusCode::OK);
}

/// Behind a trusted proxy (`trusted_proxies`), a request counts against the address the
/// proxy names in `X-Forwarded-For`: one client's forged tokens slow down that client,
/// not everyone behind the proxy, and a client cannot pick its address by writing the
/// header itself (the proxy appends the real one, which counts). Without trusted
/// proxies, the header is ignored.
#[tokio::test]
async fn behind_a_trusted_proxy_each_client_counts_on_its_own() {
    async fn forged(app: &TestApp, n: u32, forwarded_for: &str) -> StatusCode {
        plain_client()
            .post(format!("{}/graphql", app.base))
            .bearer_auth(format!("forged-{n}"))
            .header("x-forwarded-for", forwarded_for)
            .json(&json!({ "query": "{ __typename }" }))
            .send()
            .await
            .expect("post")
            .status()
    }
    let app = TestApp::spawn_with(|s| {
        s.rate_limit_auth_per_minute = 2;
        s.trusted_proxies = vec!["127.0.0.0/8".parse().expect("network")];
    })
    .await;
    for n in 0..2 {
        assert_eq!(forged(&app, n, "198.51.100.7").await, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(forged(&app, 2, "198.51.100.7").await, StatusCode::TOO_MANY_REQUESTS);
    // The client wrote its own header; the proxy appended the address it saw.
    assert_eq!(forged(&app, 3, "203.0.113.1, 198.51.100.7").await, StatusCode::TOO_MANY_REQUESTS);
    // Another client behind the same proxy has its own count.
    assert_eq!(forged(&app, 4, "198.51.100.8").await, StatusCode::UNAUTHORIZED);

    // No trusted proxy: whatever the header says, it is one address.
    let app = TestApp::spawn_with(|s| s.rate_limit_auth_per_minute = 2).await;
    for n in 0..2 {
        assert_eq!(forged(&app, n, &format!("198.51.100.{n}")).await, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(forged(&app, 2, "198.51.100.99").await, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn front_ends_may_read_their_budget() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin@network.example", None, true).await;
    let org = fixtures::organization(&app, &admin, "cisss-cors").await;
    app.ok(
        Some(&admin),
        "mutation($input: UpdateOrganizationInput!) { updateOrganization(input: $input) { organization { allowedReturnUrls } } }",
        json!({ "input": { "id": org, "allowedReturnUrls": ["https://portail.cisss.example/app"] } }),
    )
    .await;
    let response = plain_client()
        .post(format!("{}/graphql", app.base))
        .header("Origin", "https://portail.cisss.example")
        .bearer_auth(&admin)
        .json(&json!({ "query": "{ me { id } }" }))
        .send()
        .await
        .expect("post");
    let exposed = response
        .headers()
        .get("access-control-expose-headers")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    for name in ["ratelimit-limit", "ratelimit-remaining", "ratelimit-reset", "ratelimit-policy", "retry-after"] {
        assert!(exposed.contains(name), "{name} in {exposed}");
    }
}

#[tokio::test]
async fn a_batch_costing_more_than_a_whole_budget_is_refused_for_its_cost() {
    let app = TestApp::spawn_with(|s| s.rate_limit_ip_cost_per_minute = 60_000).await;
    // Two operations of 40,100 each: 80,200 never fits in 60,000 a minute.
    let costly = organizations(100);
    let answer = post(&app, None, json!([{ "query": costly }, { "query": costly }])).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.body);
    assert_eq!(error_code(&answer.body), "COST_LIMIT_EXCEEDED");
    assert!(answer.body["errors"][0]["message"].as_str().unwrap_or_default().contains("80200"), "{}", answer.body);
    // Nothing was charged: one of them alone passes.
    let answer = post(&app, None, json!([{ "query": costly }])).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.header("ratelimit-limit"), Some(60_000));
}

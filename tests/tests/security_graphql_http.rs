//! Regression tests for an outside attack on GraphQL over HTTP (`/graphql`: `GET`,
//! `POST`, batches, and the bounds checked before a query runs). Each drives the real
//! server over HTTP as the attacker did.
//!
//! Work the server does before a request's timeout can stop it (parsing, checking,
//! validating: plain CPU with no await in it) must be bounded by the request's size, or
//! one small anonymous request holds a worker thread, and every client behind it, for
//! as long as the attacker likes.

use std::time::{Duration, Instant};

use harness::{TestApp, error_code};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A client that gives up after `secs`: a server stuck on an earlier request fails the
/// test instead of hanging it.
fn client(secs: u64) -> reqwest::Client {
    reqwest::Client::builder().timeout(Duration::from_secs(secs)).build().expect("client")
}

async fn post_json(app: &TestApp, body: &Value, secs: u64) -> Result<(StatusCode, Value), String> {
    let response = client(secs)
        .post(format!("{}/graphql", app.base))
        .json(body)
        .send()
        .await
        .map_err(|e| format!("no answer within {secs} s: {e}"))?;
    let status = response.status();
    let body = response.json().await.map_err(|e| format!("not JSON: {e}"))?;
    Ok((status, body))
}

/// `/livez` answers within a second or two: no worker is stuck.
async fn still_serving(app: &TestApp) {
    for _ in 0..4 {
        let response = client(3).get(format!("{}/livez", app.base)).send().await;
        assert!(response.is_ok_and(|r| r.status().is_success()), "the server stopped answering");
    }
    let (status, body) = post_json(app, &json!({ "query": "{ __typename }" }), 3).await.expect("a query answers");
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["data"]["__typename"], "Query", "{body}");
}

/// `fragment F0 { ...F1 ...F1 } fragment F1 { ...F2 ...F2 } … fragment Fn { __typename }`:
/// `fan^levels` selections once spread, in about 40 bytes a level.
fn fanned_fragments(levels: usize, fan: usize) -> String {
    let mut query = String::from("{ ...F0 }");
    for level in 0..levels {
        let spreads = vec![format!("...F{}", level + 1); fan].join(" ");
        query.push_str(&format!(" fragment F{level} on Query {{ {spreads} }}"));
    }
    query.push_str(&format!(" fragment F{levels} on Query {{ __typename }}"));
    query
}

#[tokio::test]
async fn fragments_spread_exponentially_are_refused_at_once_and_the_server_keeps_serving() {
    let app = TestApp::spawn().await;
    // 31 levels (async-graphql's own limit of fragment recursion is 32): 2^31 selections
    // in 1.3 KB, then 3^20 in 1.2 KB. Each of them used to hold a worker thread for hours,
    // past the request timeout, and two of them stopped the whole server.
    for (levels, fan) in [(31, 2), (20, 3)] {
        let query = fanned_fragments(levels, fan);
        assert!(query.len() < 1_500, "{}", query.len());
        for _ in 0..2 {
            let started = Instant::now();
            let (status, body) = post_json(&app, &json!({ "query": query }), 10).await.expect("an answer");
            assert_eq!(status, StatusCode::OK, "{body}");
            assert_eq!(error_code(&body), "COST_LIMIT_EXCEEDED", "{body}");
            assert!(body.get("data").is_none(), "{body}");
            let message = body["errors"][0]["message"].as_str().unwrap_or_default();
            assert!(message.contains("fragments"), "the refusal says why: {message}");
            assert!(started.elapsed() < Duration::from_secs(2), "refused cheaply: {:?}", started.elapsed());
        }
        still_serving(&app).await;
    }

    // Over GET too (the same checks, whatever the method).
    let query = fanned_fragments(31, 2);
    let response = client(10)
        .get(format!("{}/graphql", app.base))
        .query(&[("query", query.as_str())])
        .send()
        .await
        .expect("an answer to GET");
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(error_code(&body), "COST_LIMIT_EXCEEDED", "{body}");

    // Fragments spread as front ends spread them still work: one fragment used in many
    // places, and fragments using fragments.
    let query = format!(
        "{{ {} }} fragment C on Community {{ id name ...S }} fragment S on Community {{ slug visibility }}",
        (0..20).map(|n| format!("c{n}: communities(first: 5) {{ nodes {{ ...C }} }}")).collect::<Vec<_>>().join(" ")
    );
    let (status, body) = post_json(&app, &json!({ "query": query }), 10).await.expect("an answer");
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.get("errors").is_none(), "{body}");
}

/// Two fields answering under one name, each with `n` arguments: async-graphql compares
/// their arguments pairwise (`n²`).
fn many_arguments(n: usize) -> String {
    let arguments = (0..n).map(|i| format!("x{i}: 1")).collect::<Vec<_>>().join(", ");
    format!("{{ a: __typename({arguments}) a: __typename({arguments}) }}")
}

#[tokio::test]
async fn fields_with_thousands_of_arguments_are_refused_at_once() {
    let app = TestApp::spawn().await;
    // 44,000 arguments twice, 1 MB: used to answer after about 20 s of one worker's CPU
    // (quadratic), past the request timeout, which cannot stop work that never awaits.
    let query = many_arguments(44_000);
    assert!(query.len() < maillage_api::server::MAX_BODY_BYTES - 100);
    let started = Instant::now();
    let (status, body) = post_json(&app, &json!({ "query": query }), 30).await.expect("an answer");
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(error_code(&body), "COST_LIMIT_EXCEEDED", "{body}");
    let message = body["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("arguments"), "the refusal says why: {message}");
    // Parsing a megabyte takes a moment in a debug build on a busy machine; the
    // quadratic comparison took ten times more.
    assert!(started.elapsed() < Duration::from_secs(6), "refused cheaply: {:?}", started.elapsed());

    // The same on a directive, and directives on variable definitions count as directives.
    let arguments = (0..1_000).map(|i| format!("x{i}: 1")).collect::<Vec<_>>().join(", ");
    let query = format!("{{ __typename @include(if: true, {arguments}) }}");
    let (_, body) = post_json(&app, &json!({ "query": query }), 20).await.expect("an answer");
    assert_eq!(error_code(&body), "COST_LIMIT_EXCEEDED", "{body}");
    let query = format!("query($a: Int {}) {{ __typename }}", vec!["@skip(if: true)"; 5_000].join(" "));
    let (_, body) = post_json(&app, &json!({ "query": query }), 20).await.expect("an answer");
    assert_eq!(error_code(&body), "COST_LIMIT_EXCEEDED", "{body}");
    let message = body["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("directives"), "{message}");

    // Fields with the arguments they take still work.
    let (status, body) = post_json(
        &app,
        &json!({ "query": "{ a: communities(first: 2, filter: { search: \"x\" }) { totalCount } b: communities(first: 2) { totalCount } }" }),
        10,
    )
    .await
    .expect("an answer");
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.get("errors").is_none(), "{body}");
    still_serving(&app).await;
}

/// The most memory this process has held at once (`VmHWM`), in kB.
#[cfg(target_os = "linux")]
fn peak_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn an_oversized_batch_is_refused_before_its_operations_are_read() {
    let app = TestApp::spawn().await;
    // Just under the 1 MiB body limit: 349,000 empty operations. Each one used to become
    // a whole `async_graphql::Request` before the batch size was looked at: about 300 MB
    // for one request, gigabytes for a few at once.
    let count = (harness_body_limit() - 2) / 3;
    let body = format!("[{}]", vec!["{}"; count].join(","));
    assert!(body.len() <= harness_body_limit());
    let before = peak_kb();
    let answers = harness::join_all((0..4).map(|_| async {
        let response = client(30)
            .post(format!("{}/graphql", app.base))
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await
            .expect("an answer");
        (response.status(), response.json::<Value>().await.expect("JSON"))
    }))
    .await;
    let grown_mb = peak_kb().saturating_sub(before) / 1024;
    for (status, body) in answers {
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(error_code(&body), "COST_LIMIT_EXCEEDED", "{body}");
        let message = body["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(message.contains(&count.to_string()), "the count is still given: {message}");
    }
    // The bodies themselves (4 MB here, as many in the client) and some slack.
    assert!(grown_mb < 100, "four refused batches took {grown_mb} MB more at their peak");

    // Arrays of anything but requests, nested arrays and empty ones are refused as such.
    for (body, code) in [("[1, 2]", "BAD_USER_INPUT"), ("[[{\"query\": \"{ __typename }\"}]]", "BAD_USER_INPUT")] {
        let (status, reply) = app.post_raw(body.to_owned(), "application/json").await;
        assert_eq!(status, 400, "{body}: {reply}");
        assert_eq!(error_code(&reply), code, "{body}: {reply}");
    }
    let (status, reply) = app.post_raw("[]".to_owned(), "application/json").await;
    assert_eq!(status, 400, "{reply}");
    assert_eq!(error_code(&reply), "COST_LIMIT_EXCEEDED", "{reply}");
    // A batch within the limit still runs.
    let batch = json!([{ "query": "{ __typename }" }, { "query": "{ a: __typename }" }]);
    let (status, reply) = app.post_raw(batch.to_string(), "application/json").await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply[1]["data"]["a"], "Query", "{reply}");
}

fn harness_body_limit() -> usize {
    maillage_api::server::MAX_BODY_BYTES
}

/// Log lines written by every server of this test binary.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn operation_names_are_logged_cut_short() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt().with_ansi(false).with_writer(move || writer.clone()).init();
    let app = TestApp::spawn().await;
    // A 500 KB operation name, alone and ten times in a batch: each used to be written
    // whole into the log (a megabyte of log per request, 600 requests a minute for one
    // address under the default limits).
    let name = "A".repeat(500_000);
    let (status, body) =
        post_json(&app, &json!({ "query": "{ __typename }", "operationName": name }), 10).await.expect("an answer");
    assert_eq!(status, StatusCode::OK, "{body}");
    let batch =
        Value::Array(vec![json!({ "query": "query B { __typename }", "operationName": "B".repeat(90_000) }); 10]);
    let (status, body) = post_json(&app, &batch, 10).await.expect("an answer");
    assert_eq!(status, StatusCode::OK, "{body}");
    // A usual name is logged as it is.
    let (_, body) = post_json(&app, &json!({ "query": "query Usual { __typename }", "operationName": "Usual" }), 10)
        .await
        .expect("an answer");
    assert_eq!(body["data"]["__typename"], "Query", "{body}");

    let logs = String::from_utf8_lossy(&captured.0.lock().expect("logs")).into_owned();
    assert!(logs.contains("operation=\"Usual\""), "{logs}");
    let longest = logs.lines().map(str::len).max().unwrap_or(0);
    assert!(longest < 1_000, "a log line of {longest} bytes");
    assert!(logs.len() < 50_000, "{} bytes of log for three requests", logs.len());
}

#[tokio::test]
async fn variables_are_bounded_and_long_enum_lists_cost_no_more_than_their_distinct_values() {
    let app = TestApp::spawn().await;
    // 100 aliases sharing one variable whose `visibility` lists PUBLIC 100,000 times
    // (0.9 MB): every alias read the 100,000 entries again and built a statement with
    // 100,000 parameters, which SQLite refused (`INTERNAL`, "too many SQL variables")
    // after more than a minute of one worker's CPU, past the request timeout, while
    // the pool starved every other request.
    let aliases =
        (0..100).map(|n| format!("a{n}: communities(filter: $f, first: 1) {{ totalCount }}")).collect::<Vec<_>>();
    let query = format!("query($f: CommunityFilterInput) {{ {} }}", aliases.join(" "));
    let filter = json!({ "visibility": vec!["PUBLIC"; 100_000], "stage": vec!["MATURING"; 1_000] });
    let body = json!({ "query": query, "variables": { "f": filter } });
    assert!(body.to_string().len() < maillage_api::server::MAX_BODY_BYTES);
    let started = Instant::now();
    let (status, reply) = post_json(&app, &body, 60).await.expect("an answer");
    assert_eq!(status, StatusCode::OK, "{reply}");
    assert_eq!(error_code(&reply), "BAD_USER_INPUT", "{reply}");
    assert_eq!(reply["errors"][0]["extensions"]["field"], "variables", "{reply}");
    assert!(reply.get("data").is_none(), "nothing ran: {reply}");
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
    // The same in a batch, and under the other media type: a request error, 400.
    let response = client(30)
        .post(format!("{}/graphql", app.base))
        .header("accept", "application/graphql-response+json")
        .json(&body)
        .send()
        .await
        .expect("an answer");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let small = json!({ "query": "{ __typename }" });
    let batch = json!([small, { "query": "query($v: [Int]) { __typename }", "variables": { "v": vec![1; 20_000] } }]);
    let (status, reply) = post_json(&app, &batch, 30).await.expect("an answer");
    assert_eq!(status, StatusCode::OK, "{reply}");
    assert_eq!(reply[0]["data"]["__typename"], "Query", "{reply}");
    assert_eq!(reply[1]["errors"][0]["extensions"]["field"], "variables", "{reply}");
    // Variables within the bound pass.
    let usual = json!({ "f": { "visibility": vec!["PUBLIC"; 9_000], "search": "a" } });
    let (status, reply) = post_json(&app, &json!({ "query": query, "variables": usual }), 60).await.expect("an answer");
    assert_eq!(status, StatusCode::OK, "{reply}");
    assert!(reply.get("errors").is_none(), "{reply}");

    // A long list written in the query itself (each alias its own): each value once in
    // the statement. 40,000 entries used to be 40,000 parameters: `INTERNAL` on SQLite.
    let literal = vec!["PUBLIC"; 40_000].join(", ");
    let query = format!("{{ communities(filter: {{ visibility: [{literal}] }}, first: 1) {{ totalCount }} }}");
    let (status, reply) = post_json(&app, &json!({ "query": query }), 60).await.expect("an answer");
    assert_eq!(status, StatusCode::OK, "{reply}");
    assert!(reply.get("errors").is_none(), "{reply}");
    assert!(reply["data"]["communities"]["totalCount"].is_number(), "{reply}");
    still_serving(&app).await;
}

/// Sends a request head announcing a body of 100 bytes, then one byte a second; returns
/// the status line the server answers with, how long it took and whether the server then
/// closed the connection (within 3 s), or `None` if it had not answered after `give_up`.
async fn dribble(app: &TestApp, path: &str, give_up: Duration) -> Option<(String, Duration, bool)> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = app.base.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address).await.expect("connect");
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{"
    );
    stream.write_all(head.as_bytes()).await.expect("head");
    let started = Instant::now();
    let mut buffer = vec![0u8; 4096];
    while started.elapsed() < give_up {
        match tokio::time::timeout(Duration::from_secs(1), stream.read(&mut buffer)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return Some(("closed".to_owned(), started.elapsed(), true)),
            Ok(Ok(n)) => {
                let text = String::from_utf8_lossy(&buffer[..n]).into_owned();
                let line = text.lines().next().unwrap_or_default().to_owned();
                let elapsed = started.elapsed();
                let mut closed = false;
                while let Ok(read) = tokio::time::timeout(Duration::from_secs(3), stream.read(&mut buffer)).await {
                    if matches!(read, Ok(0) | Err(_)) {
                        closed = true;
                        break;
                    }
                }
                return Some((line, elapsed, closed));
            }
            Err(_) => {
                if stream.write_all(b" ").await.is_err() {
                    return Some(("closed".to_owned(), started.elapsed(), true));
                }
            }
        }
    }
    None
}

#[tokio::test]
async fn a_body_sent_a_byte_at_a_time_does_not_hold_a_connection_forever() {
    // A request's body must arrive within `request_timeout_secs` of its head.
    let app = TestApp::spawn_with(|s| s.request_timeout_secs = 1).await;
    // Each used to stay open as long as a byte came now and then (at least 40 s seen):
    // 600 such requests a minute from one address, never ending, use up the server's
    // connections.
    for path in ["/graphql", "/auth/token"] {
        let answered = dribble(&app, path, Duration::from_secs(15)).await;
        let (line, after, closed) = answered.unwrap_or_else(|| panic!("{path}: still open after 15 s"));
        // `/auth/token` answers a body it could not read as its other unreadable bodies.
        let expected = if path == "/graphql" { "408" } else { " 40" };
        assert!(line.contains(expected), "{path}: {line}");
        assert!(after < Duration::from_secs(4), "{path}: {after:?}");
        assert!(closed, "{path}: the connection, its body unread, is closed");
    }
    still_serving(&app).await;
}

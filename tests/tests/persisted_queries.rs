//! Automatic persisted queries as Apollo Client speaks them (`@apollo/client` 3.14.1 and
//! its persisted-queries link, pinned in `tests/apollo/package-lock.json`), against the
//! real server; and the protocol's refusals over plain HTTP.

use std::{path::PathBuf, process::Command, sync::Mutex};

use harness::{TestApp, error_code, fixtures};
use reqwest::{StatusCode, header};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

fn apollo_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("apollo")
}

static NPM_CI: Mutex<bool> = Mutex::new(false);

/// Runs `tests/apollo/apq.mjs` against `url` (installing its packages from the lock file
/// first if needed); `None` (with a notice) when Node is missing off CI.
async fn apollo(url: String, token: Option<String>) -> Option<Value> {
    let run = tokio::task::spawn_blocking(move || {
        {
            let mut done = NPM_CI.lock().map_err(|_| "npm lock poisoned".to_owned())?;
            if !*done && !apollo_dir().join("node_modules/@apollo/client").exists() {
                let output = Command::new("npm")
                    .args(["ci", "--no-audit", "--no-fund"])
                    .current_dir(apollo_dir())
                    .output()
                    .map_err(|e| format!("cannot run npm: {e}"))?;
                if !output.status.success() {
                    return Err(format!("npm ci failed: {}", String::from_utf8_lossy(&output.stderr)));
                }
            }
            *done = true;
        }
        let mut command = Command::new("node");
        command.arg(apollo_dir().join("apq.mjs")).arg(url);
        if let Some(token) = token {
            command.arg(token);
        }
        let output = command.output().map_err(|e| format!("cannot run node: {e}"))?;
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        if !output.status.success() {
            return Err(format!("Apollo Client failed: {stdout}{}", String::from_utf8_lossy(&output.stderr)));
        }
        Ok(stdout)
    })
    .await
    .expect("node thread");
    match run {
        Ok(stdout) => {
            let line = stdout.lines().find_map(|l| l.strip_prefix("RESULT ")).expect("a RESULT line");
            Some(serde_json::from_str(line).expect("RESULT is JSON"))
        }
        Err(why) => {
            let message = format!("the persisted queries test needs Node 20+ and npm (tests/apollo): {why}");
            if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
                panic!("{message}");
            }
            eprintln!("NOTICE: skipping: {message}");
            None
        }
    }
}

#[tokio::test]
async fn apollo_clients_persisted_queries_link_works_over_post_and_get() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin@network.example", None, true).await;
    fixtures::organization(&app, &admin, "home").await;
    let ana = app.token("ana@home.example", Some("home"), false).await;
    fixtures::community(&app, &ana, "public-cop", "PUBLIC", "OPEN").await;
    for token in [None, Some(ana.clone())] {
        let who = if token.is_some() { "with a token" } else { "anonymous" };
        let Some(result) = apollo(format!("{}/graphql", app.base), token.clone()).await else { return };
        for run in result["runs"].as_array().expect("runs") {
            let name = run["name"].as_str().unwrap_or_default();
            let sent = run["sent"].as_array().expect("sent");
            // Each caller registers their own texts: that the anonymous run registered them
            // first does not tell the person (nor anyone else) anything.
            let expected: Vec<Value> = vec![
                json!({ "withQuery": false, "withHash": true, "codes": ["PERSISTED_QUERY_NOT_FOUND"] }),
                json!({ "withQuery": true, "withHash": true, "codes": [] }),
                json!({ "withQuery": false, "withHash": true, "codes": [] }),
            ];
            let seen: Vec<Value> = sent
                .iter()
                .map(|s| json!({ "withQuery": s["withQuery"], "withHash": s["withHash"], "codes": s["codes"] }))
                .collect();
            assert_eq!(seen, expected, "{who}, {name}: {run:#}");
            if name == "get" {
                // Hash-only requests go as GET; the registration (with the text) as POST.
                for s in sent {
                    let method = if s["withQuery"] == true { "POST" } else { "GET" };
                    assert_eq!(s["method"], method, "{who}: {s}");
                }
                assert_eq!(run["results"][1]["organizations"]["edges"][0]["node"]["slug"], "home", "{run}");
            } else {
                assert_eq!(run["results"][1]["communities"]["totalCount"], 1, "{run}");
                assert_eq!(run["results"][1]["communities"]["edges"][0]["node"]["slug"], "public-cop", "{run}");
            }
        }
    }
}

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

async fn post(app: &TestApp, accept: &str, body: Value) -> (StatusCode, Value) {
    let response = reqwest::Client::new()
        .post(format!("{}/graphql", app.base))
        .header(header::ACCEPT, accept)
        .json(&body)
        .send()
        .await
        .expect("request");
    let status = response.status();
    (status, response.json().await.expect("JSON"))
}

#[tokio::test]
async fn a_hash_stands_only_for_its_own_query() {
    let app = TestApp::spawn().await;
    let query = "{ communities(first: 1) { totalCount } }";
    let hash = sha256_hex(query);
    let persisted = |hash: &str| json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } });

    // Unknown hash: a request error, 200 under application/json, 400 under
    // graphql-response+json, with Apollo's message and the code.
    for (accept, status) in
        [("application/json", StatusCode::OK), ("application/graphql-response+json", StatusCode::BAD_REQUEST)]
    {
        let (got, body) = post(&app, accept, json!({ "extensions": persisted(&hash) })).await;
        assert_eq!(got, status, "{accept}: {body}");
        assert_eq!(error_code(&body), "PERSISTED_QUERY_NOT_FOUND", "{body}");
        assert_eq!(body["errors"][0]["message"], "PersistedQueryNotFound");
        assert!(body.get("data").is_none(), "{body}");
    }
    // Another query under that hash is refused, and does not register it.
    let (_, body) =
        post(&app, "application/json", json!({ "query": "{ __typename }", "extensions": persisted(&hash) })).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    assert!(body["errors"][0]["message"].as_str().unwrap_or_default().contains("sha256Hash"), "{body}");
    let (_, body) = post(&app, "application/json", json!({ "extensions": persisted(&hash) })).await;
    assert_eq!(error_code(&body), "PERSISTED_QUERY_NOT_FOUND", "{body}");
    // Malformed extensions are refused, naming what is wrong.
    for bad in [
        json!({ "persistedQuery": { "version": 2, "sha256Hash": hash } }),
        json!({ "persistedQuery": { "version": 1, "sha256Hash": "nothex" } }),
        json!({ "persistedQuery": "yes" }),
    ] {
        let (_, body) = post(&app, "application/json", json!({ "extensions": bad })).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
        assert!(body["errors"][0]["message"].as_str().unwrap_or_default().starts_with("extensions.persistedQuery"));
    }
    // The right text registers it; then the hash alone runs it, over POST and GET.
    let (_, body) = post(&app, "application/json", json!({ "query": query, "extensions": persisted(&hash) })).await;
    assert_eq!(body["data"]["communities"]["totalCount"], 0, "{body}");
    let (_, body) = post(&app, "application/json", json!({ "extensions": persisted(&hash) })).await;
    assert_eq!(body["data"]["communities"]["totalCount"], 0, "{body}");
    let extensions = persisted(&hash).to_string();
    let response = reqwest::Client::new()
        .get(format!("{}/graphql", app.base))
        .query(&[("extensions", extensions.as_str())])
        .send()
        .await
        .expect("GET");
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().contains_key(header::ETAG));
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["data"]["communities"]["totalCount"], 0, "{body}");

    // A registered mutation still never runs over GET.
    let token = app.token("ana@network.example", None, false).await;
    let mutation = "mutation { logout { __typename } }";
    let mutation_hash = sha256_hex(mutation);
    // Registered by the person over POST (which logs a throwaway session of theirs out).
    let throwaway = app.token("ana@network.example", None, false).await;
    let registered = reqwest::Client::new()
        .post(format!("{}/graphql", app.base))
        .bearer_auth(&throwaway)
        .json(&json!({ "query": mutation, "extensions": persisted(&mutation_hash) }))
        .send()
        .await
        .expect("POST");
    assert_eq!(registered.status(), StatusCode::OK);
    let response = reqwest::Client::new()
        .get(format!("{}/graphql", app.base))
        .bearer_auth(&token)
        .query(&[("extensions", persisted(&mutation_hash).to_string().as_str())])
        .send()
        .await
        .expect("GET");
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED, "{:?}", response.text().await);
    let still = app.ok(Some(&token), "{ me { id } }", json!({})).await;
    assert!(still["me"]["id"].is_string(), "the session was not logged out: {still}");
}

//! Personal access tokens as a partner's back end uses them: created from a login
//! session (the secret shown once), limited by their scopes before anything runs, listed
//! without their secret, ended by revocation, expiry or their person's sessions ending.

use harness::{TestApp, error_code, error_field, fixtures};
use serde_json::{Value, json};

const CREATE: &str = "mutation($input: CreatePersonalAccessTokenInput!) { createPersonalAccessToken(input: $input) { secret token { id name scopes expiresAt lastUsedAt } } }";
const REVOKE: &str = "mutation($id: ID!) { revokePersonalAccessToken(input: { id: $id }) { token { id revokedAt } } }";
const MINE: &str = "{ me { personalAccessTokens { id name scopes lastUsedAt } } }";
const CREATE_THREAD: &str =
    "mutation($c: ID!) { createThread(input: { communityId: $c, title: \"By a token\" }) { thread { id } } }";

fn in_days(days: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::days(days)).to_rfc3339()
}

async fn create(app: &TestApp, token: &str, name: &str, scopes: &[&str]) -> (String, Value) {
    let data = app
        .ok(Some(token), CREATE, json!({ "input": { "name": name, "scopes": scopes, "expiresAt": in_days(30) } }))
        .await;
    let created = &data["createPersonalAccessToken"];
    (created["secret"].as_str().expect("a secret").to_owned(), created["token"].clone())
}

#[tokio::test]
async fn a_token_does_what_its_scopes_allow_and_nothing_more() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin@network.example", None, true).await;
    let ana = app.token("ana@network.example", None, false).await;
    let community = fixtures::community(&app, &ana, "cop", "NETWORK", "OPEN").await;

    let (read, listed) = create(&app, &ana, "Reporting script", &["READ"]).await;
    assert!(read.starts_with("mlg_"), "{read}");
    assert_eq!(listed["scopes"], json!(["READ"]));
    assert!(listed["lastUsedAt"].is_null(), "never used yet: {listed}");
    let (write, _) = create(&app, &ana, "Bot", &["WRITE", "READ", "WRITE"]).await;

    // READ: queries, not mutations; nothing runs, and the refusal says why.
    let me = app.ok(Some(&read), "{ me { id } }", json!({})).await;
    assert!(me["me"]["id"].is_string());
    let body = app.gql(Some(&read), CREATE_THREAD, json!({ "c": community })).await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    assert!(body["errors"][0]["message"].as_str().unwrap_or_default().contains("WRITE"), "{body}");
    assert!(body["data"].is_null(), "nothing ran: {body}");
    // Not through a fragment at the root either, nor as the named operation of several.
    let sneaky = "mutation M { ...F } fragment F on Mutation { createThread(input: { communityId: \"x\", title: \"t\" }) { thread { id } } } query Q { __typename }";
    let body = app.gql(Some(&read), sneaky, json!({})).await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    let threads = app.ok(Some(&ana), "{ community(slug: \"cop\") { threads { totalCount } } }", json!({})).await;
    assert_eq!(threads["community"]["threads"]["totalCount"], 0, "no thread was created");

    // WRITE: community life, not administration.
    let body = app.ok(Some(&write), CREATE_THREAD, json!({ "c": community })).await;
    assert!(body["createThread"]["thread"]["id"].is_string());
    let grant = json!({ "role": "community:WATCHER", "s": community, "o": "community", "a": "post", "e": "DENY" });
    let body = app.gql(Some(&write), harness::ops::GRANT, grant.clone()).await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    // A token never creates or revokes tokens, whatever its scopes.
    let (admin_scoped, admin_listed) = create(&app, &admin, "Admin bot", &["ADMIN"]).await;
    let body = app
        .gql(
            Some(&admin_scoped),
            CREATE,
            json!({ "input": { "name": "x", "scopes": ["ADMIN"], "expiresAt": in_days(1) } }),
        )
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    let body = app.gql(Some(&admin_scoped), REVOKE, json!({ "id": admin_listed["id"] })).await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    // ADMIN: what its person may do, administration included; no more than its person.
    app.ok(Some(&admin_scoped), harness::ops::GRANT, grant.clone()).await;
    let (ana_admin, _) = create(&app, &ana, "Ana admin", &["ADMIN"]).await;
    let network_wide = json!({ "role": "community:WATCHER", "s": null, "o": "community", "a": "post", "e": "DENY" });
    let body = app.gql(Some(&ana_admin), harness::ops::GRANT, network_wide).await;
    assert_eq!(error_code(&body), "FORBIDDEN", "ana administers her community, not the network: {body}");

    // Listed for its person only, without secrets; last use recorded.
    let mine = app.ok(Some(&ana), MINE, json!({})).await;
    let tokens = mine["me"]["personalAccessTokens"].as_array().expect("tokens").clone();
    assert_eq!(tokens.len(), 3, "{mine}");
    assert!(!mine.to_string().contains(&read[4..]), "no secret is ever listed");
    let reporting = tokens.iter().find(|t| t["name"] == "Reporting script").expect("listed");
    assert!(reporting["lastUsedAt"].is_string(), "used: {reporting}");
    let ana_id = app.ok(Some(&ana), "{ me { id } }", json!({})).await["me"]["id"].clone();
    let seen = app
        .ok(
            Some(&admin),
            "query($id: ID!) { node(id: $id) { ... on Person { personalAccessTokens { id } } } }",
            json!({ "id": ana_id }),
        )
        .await;
    assert!(seen["node"]["personalAccessTokens"].is_null(), "not even network administrators: {seen}");
    let sessions = app.ok(Some(&ana), "{ mySessions { origin } }", json!({})).await;
    assert!(sessions["mySessions"].as_array().is_some_and(|s| s.iter().all(|s| s["origin"] != "pat")), "{sessions}");

    // Revoked: 401 at once; someone else's token is not found.
    let body = app.gql(Some(&admin), REVOKE, json!({ "id": reporting["id"] })).await;
    assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
    app.ok(Some(&ana), REVOKE, json!({ "id": reporting["id"] })).await;
    let (status, body) = app.post(Some(&read), "{ me { id } }", json!({})).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(error_code(&body), "UNAUTHENTICATED");
    // Ending all of ana's sessions ends her tokens too.
    app.ok(
        Some(&ana),
        "mutation($p: ID!) { revokePersonSessions(input: { personId: $p }) { revokedCount } }",
        json!({ "p": ana_id }),
    )
    .await;
    let (status, _) = app.post(Some(&write), "{ me { id } }", json!({})).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn token_input_is_validated_and_a_token_expires() {
    let app = TestApp::spawn().await;
    let ana = app.token("ana@network.example", None, false).await;
    for (input, field) in [
        (json!({ "name": " ", "scopes": ["READ"], "expiresAt": in_days(1) }), "name"),
        (json!({ "name": "x".repeat(101), "scopes": ["READ"], "expiresAt": in_days(1) }), "name"),
        (json!({ "name": "ok", "scopes": [], "expiresAt": in_days(1) }), "scopes"),
        (json!({ "name": "ok", "scopes": ["READ"], "expiresAt": in_days(-1) }), "expiresAt"),
        (json!({ "name": "ok", "scopes": ["READ"], "expiresAt": in_days(400) }), "expiresAt"),
    ] {
        let body = app.gql(Some(&ana), CREATE, json!({ "input": input })).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{input}: {body}");
        assert_eq!(error_field(&body), field, "{body}");
    }
    let body =
        app.gql(None, CREATE, json!({ "input": { "name": "x", "scopes": ["READ"], "expiresAt": in_days(1) } })).await;
    assert_eq!(error_code(&body), "UNAUTHENTICATED", "{body}");
    let mine = app.ok(Some(&ana), MINE, json!({})).await;
    assert_eq!(mine["me"]["personalAccessTokens"], json!([]), "nothing was created");

    // Expired: 401.
    let (secret, token) = create(&app, &ana, "Short", &["READ"]).await;
    let id = maillage_api::graphql::ids::from_global_any(
        "id",
        &async_graphql::ID(token["id"].as_str().expect("id").to_owned()),
    )
    .expect("a global id")
    .1;
    sea_orm::ConnectionTrait::execute_unprepared(
        &app.db,
        &format!("UPDATE session SET expires_at = created_at WHERE id = {id}"),
    )
    .await
    .expect("expire it");
    app.app.sessions.forget_all();
    let (status, _) = app.post(Some(&secret), "{ me { id } }", json!({})).await;
    assert_eq!(status, 401);
}

/// The cap on live tokens holds when many are asked for at once (on PostgreSQL each
/// request counts the others' committed tokens: without a lock, all would pass).
#[tokio::test]
async fn the_cap_on_live_tokens_holds_when_many_are_asked_for_at_once() {
    let app = TestApp::spawn().await;
    let ana = app.token("ana@network.example", None, false).await;
    let cap = maillage_api::service::access_token::MAX_LIVE_TOKENS as usize;
    for n in 0..cap - 5 {
        create(&app, &ana, &format!("Token {n}"), &["READ"]).await;
    }
    let mut racing = tokio::task::JoinSet::new();
    for n in 0..12 {
        let (base, token) = (app.base.clone(), ana.clone());
        racing.spawn(async move {
            let input = json!({ "name": format!("Racing {n}"), "scopes": ["READ"], "expiresAt": in_days(30) });
            let response = reqwest::Client::new()
                .post(format!("{base}/graphql"))
                .bearer_auth(token)
                .json(&json!({ "query": CREATE, "variables": { "input": input } }))
                .send()
                .await
                .expect("send");
            response.json::<Value>().await.expect("json")
        });
    }
    let (mut made, mut refused) = (0, 0);
    while let Some(body) = racing.join_next().await {
        let body = body.expect("task");
        if body["data"]["createPersonalAccessToken"]["secret"].is_string() {
            made += 1;
        } else {
            assert_eq!(error_code(&body), "CONFLICT", "{body}");
            refused += 1;
        }
    }
    assert_eq!((made, refused), (5, 7));
    let mine = app.ok(Some(&ana), MINE, json!({})).await;
    assert_eq!(mine["me"]["personalAccessTokens"].as_array().map(Vec::len), Some(cap));
}

//! Trusted documents as an organization uses them: it registers its operations, restricts
//! an API client to them, and a network administrator requires them from its front ends'
//! origins. Where they are enforced, only registered operations run (by hash or in full)
//! and automatic persisted queries register nothing.

use harness::{TestApp, error_code, error_field, fixtures, ops};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const REGISTER: &str = "mutation($input: RegisterTrustedDocumentsInput!) { registerTrustedDocuments(input: $input) { documents { hash query createdAt } } }";
const CREATE_CLIENT: &str = "mutation($input: CreateApiClientInput!) { createApiClient(input: $input) { clientSecret client { id clientId trustedDocumentsOnly } } }";
const UPDATE_CLIENT: &str = "mutation($id: ID!, $only: Boolean!) { updateApiClient(input: { id: $id, trustedDocumentsOnly: $only }) { client { id trustedDocumentsOnly } } }";
const REQUIRE: &str = "mutation($id: ID!, $required: Boolean!) { requireTrustedDocuments(input: { organizationId: $id, required: $required }) { organization { trustedDocumentsRequired } } }";
const LIST: &str = "query($id: ID!) { node(id: $id) { ... on Organization { trustedDocuments(first: 10) { totalCount edges { node { hash } } } } } }";

/// An operation the organization's partner back end runs.
const ORGANIZATIONS: &str = "query Directory { organizations(first: 5) { totalCount } }";
/// One it never registered.
const OTHER: &str = "query Other { organizations(first: 1) { edges { node { slug } } } }";

fn sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

fn by_hash(query: &str) -> Value {
    json!({ "extensions": { "persistedQuery": { "version": 1, "sha256Hash": sha256(query) } } })
}

/// `POST /graphql` with a JSON body, a bearer token and optionally an `Origin`: status and body.
async fn post(app: &TestApp, token: Option<&str>, origin: Option<&str>, body: Value) -> (u16, Value) {
    let mut request = reqwest::Client::new().post(format!("{}/graphql", app.base)).json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(origin) = origin {
        request = request.header("Origin", origin);
    }
    let response = request.send().await.expect("send");
    (response.status().as_u16(), response.json().await.expect("json"))
}

struct Net {
    admin: String,
    alice: String,
    olga: String,
    cisss: Value,
    inspq: Value,
}

/// `cisss` administered by `alice`, `inspq` by `olga`.
async fn network(app: &TestApp) -> Net {
    let admin = app.token("admin@network.example", None, true).await;
    let cisss = fixtures::organization(app, &admin, "cisss").await;
    let inspq = fixtures::organization(app, &admin, "inspq").await;
    let alice = app.token("alice@cisss.example", Some("cisss"), false).await;
    let olga = app.token("olga@inspq.example", Some("inspq"), false).await;
    for (token, org) in [(&alice, &cisss), (&olga, &inspq)] {
        let person = app.ok(Some(token), "{ me { id } }", json!({})).await["me"]["id"].clone();
        app.ok(Some(&admin), ops::ASSIGN_ROLE, json!({ "p": person, "s": org, "r": "ADMIN" })).await;
    }
    Net { admin, alice, olga, cisss, inspq }
}

async fn register(app: &TestApp, token: &str, org: &Value, queries: &[&str]) -> Value {
    let documents: Vec<Value> = queries.iter().map(|q| json!({ "hash": sha256(q), "query": q })).collect();
    app.gql(Some(token), REGISTER, json!({ "input": { "organizationId": org, "documents": documents } })).await
}

/// A client of `org` made by `token`, and an access token of it.
async fn client(app: &TestApp, token: &str, org: &Value) -> (Value, String) {
    let created = app
        .ok(
            Some(token),
            CREATE_CLIENT,
            json!({ "input": { "organizationId": org, "name": "Back end", "scopes": ["READ"] } }),
        )
        .await;
    let created = &created["createApiClient"];
    let form = [("grant_type", "client_credentials")];
    let response = reqwest::Client::new()
        .post(format!("{}/oauth/token", app.base))
        .basic_auth(created["client"]["clientId"].as_str().expect("clientId"), created["clientSecret"].as_str())
        .form(&form)
        .send()
        .await
        .expect("token");
    let body: Value = response.json().await.expect("json");
    (created["client"].clone(), body["access_token"].as_str().expect("access_token").to_owned())
}

#[tokio::test]
async fn an_organization_registers_its_operations_and_only_its_administrators_may() {
    let app = TestApp::spawn().await;
    let net = network(&app).await;
    let registered = register(&app, &net.alice, &net.cisss, &[ORGANIZATIONS, ORGANIZATIONS]).await;
    assert_eq!(
        registered["data"]["registerTrustedDocuments"]["documents"][0]["hash"],
        sha256(ORGANIZATIONS),
        "{registered}"
    );
    // Registering it again changes nothing.
    register(&app, &net.alice, &net.cisss, &[ORGANIZATIONS]).await;
    let listed = app.ok(Some(&net.alice), LIST, json!({ "id": net.cisss })).await;
    assert_eq!(listed["node"]["trustedDocuments"]["totalCount"], 1, "{listed}");

    // Another organization's administrator, or a person without a role, may not.
    for token in [&net.olga, &app.token("bob@cisss.example", Some("cisss"), false).await] {
        let body = register(&app, token, &net.cisss, &[OTHER]).await;
        assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
        let body = app.gql(Some(token), LIST, json!({ "id": net.cisss })).await;
        assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    }

    // Bad input names the document and the field; nothing is written.
    let wrong_hash = json!([{ "hash": sha256(ORGANIZATIONS), "query": OTHER }]);
    let not_graphql = json!([{ "hash": sha256("{ nope"), "query": "{ nope" }]);
    let upper = json!([{ "hash": sha256(OTHER).to_uppercase(), "query": OTHER }]);
    for (documents, field) in [
        (wrong_hash, "documents[0].hash"),
        (not_graphql, "documents[0].query"),
        (upper, "documents[0].hash"),
        (json!([]), "documents"),
    ] {
        let body = app
            .gql(
                Some(&net.alice),
                REGISTER,
                json!({ "input": { "organizationId": net.cisss, "documents": documents } }),
            )
            .await;
        assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", field), "{body}");
    }
    let listed = app.ok(Some(&net.alice), LIST, json!({ "id": net.cisss })).await;
    assert_eq!(listed["node"]["trustedDocuments"]["totalCount"], 1, "{listed}");
}

#[tokio::test]
async fn a_restricted_api_client_runs_only_its_organizations_registered_operations() {
    let app = TestApp::spawn().await;
    let net = network(&app).await;
    register(&app, &net.alice, &net.cisss, &[ORGANIZATIONS]).await;
    // The other organization registered OTHER: that does not make it the cisss's.
    register(&app, &net.olga, &net.inspq, &[OTHER]).await;
    let (client, token) = client(&app, &net.alice, &net.cisss).await;

    // Not restricted yet: anything its scopes allow runs.
    let (status, body) = post(&app, Some(&token), None, json!({ "query": OTHER })).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["data"]["organizations"].is_object(), "{body}");

    // Olga may not restrict the cisss's client (it does not exist for her).
    let body = app.gql(Some(&net.olga), UPDATE_CLIENT, json!({ "id": client["id"], "only": true })).await;
    assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
    let updated = app.ok(Some(&net.alice), UPDATE_CLIENT, json!({ "id": client["id"], "only": true })).await;
    assert_eq!(updated["updateApiClient"]["client"]["trustedDocumentsOnly"], true);

    // Restricted, at once and with the token it already has: a registered operation runs,
    // by hash alone or in full…
    let (status, body) = post(&app, Some(&token), None, by_hash(ORGANIZATIONS)).await;
    assert_eq!((status, &body["data"]["organizations"]["totalCount"]), (200, &json!(2)), "{body}");
    let (status, body) = post(&app, Some(&token), None, json!({ "query": ORGANIZATIONS })).await;
    assert_eq!((status, &body["data"]["organizations"]["totalCount"]), (200, &json!(2)), "{body}");
    // … anything else is refused, another organization's registered operation included.
    for request in [
        json!({ "query": OTHER }),
        by_hash(OTHER),
        json!({ "query": "{ __typename }" }),
        json!({ "query": OTHER, "operationName": "Other" }),
    ] {
        let (status, body) = post(&app, Some(&token), None, request.clone()).await;
        assert_eq!(error_code(&body), "TRUSTED_DOCUMENT_REQUIRED", "{request}: {body}");
        assert!(body.get("data").is_none() && status == 200, "{status} {body}");
    }
    // Automatic persisted queries register nothing for it: sent with its text and hash,
    // the operation is refused, and its hash alone still is afterwards.
    let mut apq = by_hash(OTHER);
    apq["query"] = json!(OTHER);
    let (_, body) = post(&app, Some(&token), None, apq).await;
    assert_eq!(error_code(&body), "TRUSTED_DOCUMENT_REQUIRED", "{body}");
    let (_, body) = post(&app, Some(&token), None, by_hash(OTHER)).await;
    assert_eq!(error_code(&body), "TRUSTED_DOCUMENT_REQUIRED", "{body}");
    // A hash that does not match the text sent is bad input, not a way around.
    let mut lying = by_hash(ORGANIZATIONS);
    lying["query"] = json!(OTHER);
    let (_, body) = post(&app, Some(&token), None, lying).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    // In a batch, every operation must be registered.
    let (_, body) = post(&app, Some(&token), None, json!([by_hash(ORGANIZATIONS), { "query": OTHER }])).await;
    assert_eq!(error_code(&body), "TRUSTED_DOCUMENT_REQUIRED", "{body}");

    // Lifted: anything runs again. People are never restricted by it.
    app.ok(Some(&net.alice), UPDATE_CLIENT, json!({ "id": client["id"], "only": false })).await;
    let (status, body) = post(&app, Some(&token), None, json!({ "query": OTHER })).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["data"]["organizations"].is_object(), "{body}");
}

#[tokio::test]
async fn a_network_administrator_requires_them_from_an_organizations_front_ends() {
    let app = TestApp::spawn().await;
    let net = network(&app).await;
    let portal = "https://portail.cisss.example";
    app.ok(
        Some(&net.admin),
        "mutation($input: UpdateOrganizationInput!) { updateOrganization(input: $input) { organization { id } } }",
        json!({ "input": { "id": net.cisss, "allowedReturnUrls": [format!("{portal}/app")] } }),
    )
    .await;
    register(&app, &net.alice, &net.cisss, &[ORGANIZATIONS]).await;
    // Only a network administrator decides it.
    let body = app.gql(Some(&net.alice), REQUIRE, json!({ "id": net.cisss, "required": true })).await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    let (_, body) = post(&app, Some(&net.alice), Some(portal), json!({ "query": OTHER })).await;
    assert!(body["data"]["organizations"].is_object(), "not required yet: {body}");
    let required = app.ok(Some(&net.admin), REQUIRE, json!({ "id": net.cisss, "required": true })).await;
    assert_eq!(required["requireTrustedDocuments"]["organization"]["trustedDocumentsRequired"], true);

    // From the portal's origin, anonymous or logged in, only registered operations run.
    for token in [None, Some(net.alice.as_str())] {
        let (_, body) = post(&app, token, Some(portal), json!({ "query": OTHER })).await;
        assert_eq!(error_code(&body), "TRUSTED_DOCUMENT_REQUIRED", "{body}");
        let (status, body) = post(&app, token, Some(portal), by_hash(ORGANIZATIONS)).await;
        assert_eq!((status, &body["data"]["organizations"]["totalCount"]), (200, &json!(2)), "{body}");
    }
    // Requests from elsewhere (a server, another origin) are not concerned.
    let (_, body) = post(&app, Some(&net.alice), None, json!({ "query": OTHER })).await;
    assert!(body["data"]["organizations"].is_object(), "{body}");
    let (_, body) = post(&app, Some(&net.alice), Some("https://elsewhere.example"), json!({ "query": OTHER })).await;
    assert!(body["data"]["organizations"].is_object(), "{body}");
}

/// Refusals are not free: each one is charged the least charge, so a flood of
/// unregistered operations runs out of budget like any other.
#[tokio::test]
async fn refused_operations_are_charged_to_the_callers_budget() {
    let least = maillage_api::server::MIN_CHARGE;
    let app = TestApp::spawn_with(move |s| s.rate_limit_person_cost_per_minute = 10 * least).await;
    let net = network(&app).await;
    let portal = "https://portail.cisss.example";
    app.ok(
        Some(&net.admin),
        "mutation($input: UpdateOrganizationInput!) { updateOrganization(input: $input) { organization { id } } }",
        json!({ "input": { "id": net.cisss, "allowedReturnUrls": [format!("{portal}/app")] } }),
    )
    .await;
    app.ok(Some(&net.admin), REQUIRE, json!({ "id": net.cisss, "required": true })).await;
    let bob = app.token("bob@cisss.example", Some("cisss"), false).await;
    let mut codes = Vec::new();
    for _ in 0..15 {
        let (status, body) = post(&app, Some(&bob), Some(portal), json!({ "query": OTHER })).await;
        codes.push((status, error_code(&body).to_owned()));
    }
    assert!(codes.iter().take(5).all(|(_, code)| code == "TRUSTED_DOCUMENT_REQUIRED"), "{codes:?}");
    assert!(codes.iter().any(|(status, code)| *status == 429 && code == "RATE_LIMITED"), "{codes:?}");
}

/// A client restricted to its organization's documents runs nothing else, whatever page
/// it is called from: a front-end origin's requirement adds to its own, never widens it.
#[tokio::test]
async fn every_requirement_that_applies_must_hold() {
    let app = TestApp::spawn().await;
    let net = network(&app).await;
    let portal = "https://portail.inspq.example";
    app.ok(
        Some(&net.admin),
        "mutation($input: UpdateOrganizationInput!) { updateOrganization(input: $input) { organization { id } } }",
        json!({ "input": { "id": net.inspq, "allowedReturnUrls": [format!("{portal}/app")] } }),
    )
    .await;
    app.ok(Some(&net.admin), REQUIRE, json!({ "id": net.inspq, "required": true })).await;
    register(&app, &net.alice, &net.cisss, &[ORGANIZATIONS]).await;
    register(&app, &net.olga, &net.inspq, &[OTHER]).await;
    let (client, token) = client(&app, &net.alice, &net.cisss).await;
    app.ok(Some(&net.alice), UPDATE_CLIENT, json!({ "id": client["id"], "only": true })).await;
    // The inspq's document from the inspq's portal: not the cisss's, refused for its client.
    let (_, body) = post(&app, Some(&token), Some(portal), by_hash(OTHER)).await;
    assert_eq!(error_code(&body), "TRUSTED_DOCUMENT_REQUIRED", "{body}");
    // The cisss's document from the inspq's portal: not the inspq's, refused there.
    let (_, body) = post(&app, Some(&token), Some(portal), by_hash(ORGANIZATIONS)).await;
    assert_eq!(error_code(&body), "TRUSTED_DOCUMENT_REQUIRED", "{body}");
    // Registered by both, it runs; and the cisss's runs for its client from elsewhere.
    register(&app, &net.olga, &net.inspq, &[ORGANIZATIONS]).await;
    let (status, body) = post(&app, Some(&token), Some(portal), by_hash(ORGANIZATIONS)).await;
    assert_eq!((status, &body["data"]["organizations"]["totalCount"]), (200, &json!(2)), "{body}");
    let (status, _) = post(&app, Some(&token), None, by_hash(ORGANIZATIONS)).await;
    assert_eq!(status, 200);
}

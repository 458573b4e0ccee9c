//! Organization API clients as a partner's back end uses them: created by who may
//! administer the organization (secret shown once), tokens from `POST /oauth/token`
//! (RFC 6749 §4.4, client_secret_basic and client_secret_post), limited by their scopes
//! and by the policy like a person of the organization who holds nothing, rotated with a
//! grace period, revoked at once; the RFC 6749 §5.2 refusals; a budget of their own; and
//! a standard OAuth 2.0 client library (Python's Authlib) against the real server.

use std::{path::PathBuf, time::Duration};

use entity::api_client;
use harness::{TestApp, error_code, error_field, fixtures, ops};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

const CREATE: &str = "mutation($input: CreateApiClientInput!) { createApiClient(input: $input) { clientSecret client { id clientId name scopes lastUsedAt createdAt organization { id slug } } } }";
const ROTATE: &str = "mutation($id: ID!) { rotateApiClientSecret(input: { id: $id }) { clientSecret client { id previousSecretExpiresAt } } }";
const REVOKE: &str = "mutation($id: ID!) { revokeApiClient(input: { id: $id }) { client { id revokedAt } } }";
const LIST: &str =
    "query($slug: String!) { organization(slug: $slug) { apiClients { id clientId name scopes lastUsedAt } } }";
const VIEWER: &str =
    "{ viewer { __typename ... on Person { id } ... on ApiClient { id name scopes organization { id } } } }";
const NODE: &str = "query($id: ID!) { node(id: $id) { __typename id ... on ApiClient { clientId } } }";
const NODES: &str = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }";

/// A network with an organization `cisss` whose administrator is `alice`, and another,
/// `inspq`, whose administrator is `olga`.
struct Network {
    admin: String,
    alice: String,
    olga: String,
    cisss: Value,
}

async fn network(app: &TestApp) -> Network {
    let admin = app.token("admin@network.example", None, true).await;
    let cisss = fixtures::organization(app, &admin, "cisss").await;
    let inspq = fixtures::organization(app, &admin, "inspq").await;
    let alice = app.token("alice@cisss.example", Some("cisss"), false).await;
    let olga = app.token("olga@inspq.example", Some("inspq"), false).await;
    for (token, org) in [(&alice, &cisss), (&olga, &inspq)] {
        let person = app.ok(Some(token), "{ me { id } }", json!({})).await["me"]["id"].clone();
        app.ok(Some(&admin), ops::ASSIGN_ROLE, json!({ "p": person, "s": org, "r": "ADMIN" })).await;
    }
    Network { admin, alice, olga, cisss }
}

/// Creates a client as `token`; returns its secret and the client.
async fn create(app: &TestApp, token: &str, org: &Value, name: &str, scopes: &[&str]) -> (String, Value) {
    let data = app
        .ok(Some(token), CREATE, json!({ "input": { "organizationId": org, "name": name, "scopes": scopes } }))
        .await;
    let created = &data["createApiClient"];
    (created["clientSecret"].as_str().expect("a secret").to_owned(), created["client"].clone())
}

/// `POST /oauth/token` with a form body and optional Basic credentials: status, headers
/// and JSON body.
async fn token_request(
    app: &TestApp,
    basic: Option<(&str, &str)>,
    form: &[(&str, &str)],
) -> (u16, reqwest::header::HeaderMap, Value) {
    let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish();
    raw_token_request(app, basic, "application/x-www-form-urlencoded", body).await
}

async fn raw_token_request(
    app: &TestApp,
    basic: Option<(&str, &str)>,
    content_type: &str,
    body: String,
) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut request = reqwest::Client::new()
        .post(format!("{}/oauth/token", app.base))
        .header("content-type", content_type)
        .body(body);
    if let Some((id, secret)) = basic {
        request = request.basic_auth(id, Some(secret));
    }
    let response = request.send().await.expect("send");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.expect("body");
    (status, headers, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

/// An access token by client_secret_basic (all of the client's scopes, or `scope`).
async fn access_token(app: &TestApp, client_id: &str, secret: &str, scope: Option<&str>) -> String {
    let mut form = vec![("grant_type", "client_credentials")];
    if let Some(scope) = scope {
        form.push(("scope", scope));
    }
    let (status, _, body) = token_request(app, Some((client_id, secret)), &form).await;
    assert_eq!(status, 200, "{body}");
    body["access_token"].as_str().expect("access_token").to_owned()
}

/// The id of the person a client acts through (its service account).
async fn service_account(app: &TestApp, client: &Value) -> i32 {
    api_client::Entity::find()
        .filter(api_client::Column::ClientId.eq(client_id(client)))
        .one(&app.db)
        .await
        .expect("client")
        .expect("a client")
        .person_id
}

fn client_id(client: &Value) -> &str {
    client["clientId"].as_str().expect("clientId")
}

#[tokio::test]
async fn an_api_client_lives_from_creation_to_revocation() {
    let app = TestApp::spawn().await;
    let net = network(&app).await;
    let (secret, client) = create(&app, &net.alice, &net.cisss, "Portail RH", &["WRITE", "READ", "READ"]).await;
    assert!(secret.starts_with("mlcs_"), "{secret}");
    assert!(client_id(&client).starts_with("mlc_"), "{client}");
    assert_eq!(client["scopes"], json!(["READ", "WRITE"]));
    assert_eq!(client["organization"]["slug"], "cisss");
    assert!(client["lastUsedAt"].is_null(), "{client}");

    // client_secret_basic: every scope of the client, a Bearer token that is not cached.
    let (status, headers, body) =
        token_request(&app, Some((client_id(&client), &secret)), &[("grant_type", "client_credentials")]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["scope"], "read write");
    let expires_in = body["expires_in"].as_i64().expect("expires_in");
    assert!((3590..=3600).contains(&expires_in), "{body}");
    assert_eq!(headers.get("cache-control").and_then(|v| v.to_str().ok()), Some("no-store"));
    let write = body["access_token"].as_str().expect("token").to_owned();
    // client_secret_post, with a narrower scope.
    let (status, _, body) = token_request(
        &app,
        None,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", client_id(&client)),
            ("client_secret", &secret),
            ("scope", "read"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["scope"], "read");
    let read = body["access_token"].as_str().expect("token").to_owned();

    // Who am I: the client, never a person.
    let viewer = app.ok(Some(&write), VIEWER, json!({})).await;
    assert_eq!(viewer["viewer"]["__typename"], "ApiClient");
    assert_eq!(viewer["viewer"]["id"], client["id"]);
    assert_eq!(viewer["viewer"]["name"], "Portail RH");
    assert_eq!(viewer["viewer"]["organization"]["id"], net.cisss);
    let person = app.ok(Some(&net.alice), VIEWER, json!({})).await;
    assert_eq!(person["viewer"]["__typename"], "Person");
    assert!(app.ok(None, VIEWER, json!({})).await["viewer"].is_null());
    let body = app.gql(Some(&write), "{ me { id } }", json!({})).await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");

    // Listed (without secrets) for its organization's administrator, with its last use;
    // a node for them.
    let list = app.ok(Some(&net.alice), LIST, json!({ "slug": "cisss" })).await;
    let listed = list["organization"]["apiClients"].as_array().expect("clients").clone();
    assert_eq!(listed.len(), 1);
    assert!(listed[0]["lastUsedAt"].is_string(), "{listed:?}");
    assert!(!listed[0].to_string().contains(&secret));
    let node = app.ok(Some(&net.alice), NODE, json!({ "id": client["id"] })).await;
    assert_eq!(node["node"]["clientId"], client["clientId"]);
    let nodes = app.ok(Some(&net.admin), NODES, json!({ "ids": [client["id"]] })).await;
    assert_eq!(nodes["nodes"][0]["id"], client["id"]);

    // Scopes are checked before anything runs: READ cannot mutate.
    let community = fixtures::community(&app, &net.alice, "cop", "NETWORK", "OPEN").await;
    let body = app.gql(Some(&read), ops::JOIN, json!({ "id": community })).await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    assert!(body["errors"][0]["message"].as_str().unwrap_or_default().contains("WRITE"), "{body}");
    assert!(body["data"].is_null(), "{body}");
    // A client never manages clients, whatever its scopes.
    let body = app
        .gql(Some(&write), CREATE, json!({ "input": { "organizationId": net.cisss, "name": "x", "scopes": ["READ"] } }))
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");

    // Revocation ends its tokens and its secret at once.
    let revoked = app.ok(Some(&net.alice), REVOKE, json!({ "id": client["id"] })).await;
    assert!(revoked["revokeApiClient"]["client"]["revokedAt"].is_string());
    for token in [&write, &read] {
        let (status, body) = app.post(Some(token), "{ viewer { __typename } }", json!({})).await;
        assert_eq!(status, 401, "{body}");
        assert_eq!(error_code(&body), "UNAUTHENTICATED");
    }
    let (status, _, body) =
        token_request(&app, Some((client_id(&client), &secret)), &[("grant_type", "client_credentials")]).await;
    assert_eq!((status, body["error"].as_str()), (401, Some("invalid_client")), "{body}");
    let list = app.ok(Some(&net.alice), LIST, json!({ "slug": "cisss" })).await;
    assert_eq!(list["organization"]["apiClients"], json!([]));
    // Recorded in the organization's audit trail, without the secret.
    let trail = app
        .ok(
            Some(&net.alice),
            "query($s: ID!) { auditEvents(filter: { scopeId: $s }) { edges { node { action after } } } }",
            json!({ "s": net.cisss }),
        )
        .await;
    let text = trail.to_string();
    assert!(text.contains("api_client.create") && text.contains("api_client.revoke"), "{text}");
    assert!(!text.contains(&secret));
    app.stop().await;
}

#[tokio::test]
async fn only_who_administers_the_organization_sees_and_manages_its_clients() {
    let app = TestApp::spawn().await;
    let net = network(&app).await;
    let (_, client) = create(&app, &net.alice, &net.cisss, "Portail", &["READ"]).await;
    let id = json!({ "id": client["id"] });
    let colleague = app.token("bob@cisss.example", Some("cisss"), false).await;

    // Another organization's administrator, a colleague without a role, anonymous.
    for token in [Some(net.olga.as_str()), Some(colleague.as_str())] {
        let body = app.gql(token, NODE, id.clone()).await;
        assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
        let body = app.ok(token, NODES, json!({ "ids": [client["id"]] })).await;
        assert_eq!(body["nodes"], json!([null]));
        for mutation in [ROTATE, REVOKE] {
            let body = app.gql(token, mutation, id.clone()).await;
            assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
        }
        let body = app.gql(token, LIST, json!({ "slug": "cisss" })).await;
        assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
        let body = app
            .gql(token, CREATE, json!({ "input": { "organizationId": net.cisss, "name": "x", "scopes": ["READ"] } }))
            .await;
        assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    }
    let body = app.gql(None, NODE, id.clone()).await;
    assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
    let body = app
        .gql(None, CREATE, json!({ "input": { "organizationId": net.cisss, "name": "x", "scopes": ["READ"] } }))
        .await;
    assert_eq!(error_code(&body), "UNAUTHENTICATED", "{body}");
    // A personal access token, even ADMIN, does not create clients.
    let pat = app
        .ok(
            Some(&net.alice),
            "mutation($e: DateTime!) { createPersonalAccessToken(input: { name: \"t\", scopes: [ADMIN], expiresAt: $e }) { secret } }",
            json!({ "e": (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339() }),
        )
        .await["createPersonalAccessToken"]["secret"]
        .as_str()
        .expect("secret")
        .to_owned();
    let body = app
        .gql(Some(&pat), CREATE, json!({ "input": { "organizationId": net.cisss, "name": "x", "scopes": ["READ"] } }))
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    // Network administrators manage every organization's clients.
    let list = app.ok(Some(&net.admin), LIST, json!({ "slug": "cisss" })).await;
    assert_eq!(list["organization"]["apiClients"][0]["id"], client["id"]);

    // Bad input names its field.
    for (input, field) in [
        (json!({ "organizationId": net.cisss, "name": "  ", "scopes": ["READ"] }), "name"),
        (json!({ "organizationId": net.cisss, "name": "x".repeat(101), "scopes": ["READ"] }), "name"),
        (json!({ "organizationId": net.cisss, "name": "x", "scopes": [] }), "scopes"),
        (json!({ "organizationId": client["id"], "name": "x", "scopes": ["READ"] }), "organizationId"),
    ] {
        let body = app.gql(Some(&net.alice), CREATE, json!({ "input": input })).await;
        assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", field), "{body}");
    }
    app.stop().await;
}

#[tokio::test]
async fn at_most_fifty_live_clients_per_organization() {
    let app = TestApp::spawn().await;
    let net = network(&app).await;
    let mut last = Value::Null;
    for n in 0..50 {
        last = create(&app, &net.alice, &net.cisss, &format!("client {n}"), &["READ"]).await.1;
    }
    let input = json!({ "input": { "organizationId": net.cisss, "name": "one more", "scopes": ["READ"] } });
    let body = app.gql(Some(&net.alice), CREATE, input.clone()).await;
    assert_eq!(error_code(&body), "CONFLICT", "{body}");
    app.ok(Some(&net.alice), REVOKE, json!({ "id": last["id"] })).await;
    app.ok(Some(&net.alice), CREATE, input).await;
    app.stop().await;
}

#[tokio::test]
async fn a_client_is_limited_by_the_policy_like_a_person_of_its_organization_who_holds_nothing() {
    let app = TestApp::spawn().await;
    let net = network(&app).await;
    let (secret, client) = create(&app, &net.alice, &net.cisss, "Intégration", &["READ", "WRITE", "ADMIN"]).await;
    let token = access_token(&app, client_id(&client), &secret, None).await;
    // A secret community of another organization, and one of its own administrator.
    fixtures::community(&app, &net.olga, "secret-inspq", "MEMBERS", "INVITATION").await;
    fixtures::community(&app, &net.alice, "secret-cisss", "MEMBERS", "INVITATION").await;
    let open = fixtures::community(&app, &net.olga, "ouverte", "NETWORK", "OPEN").await;
    for slug in ["secret-inspq", "secret-cisss"] {
        let body =
            app.gql(Some(&token), "query($s: String!) { community(slug: $s) { id } }", json!({ "s": slug })).await;
        assert_eq!(error_code(&body), "NOT_FOUND", "{slug}: {body}");
    }
    let visible = app.ok(Some(&token), "{ communities { totalCount edges { node { slug } } } }", json!({})).await;
    assert_eq!(visible["communities"]["totalCount"], 1, "{visible}");
    // Its organization's administration is not its own, whatever its scopes.
    let body = app.gql(Some(&token), LIST, json!({ "slug": "cisss" })).await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    let body = app
        .gql(
            Some(&token),
            "mutation($id: ID!) { updateOrganization(input: { id: $id, name: \"Renamed\" }) { organization { name } } }",
            json!({ "id": net.cisss }),
        )
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    // It never becomes a member or holds a role.
    let body = app.gql(Some(&token), ops::JOIN, json!({ "id": open })).await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    let body = app
        .gql(
            Some(&token),
            "mutation { createCommunity(input: { slug: \"bot\", name: \"Bot\", description: \"d\", visibility: NETWORK, membershipPolicy: OPEN }) { community { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    let account = api_client::Entity::find()
        .filter(api_client::Column::Id.eq(fixtures::db_id(&client["id"])))
        .one(&app.db)
        .await
        .expect("query")
        .expect("client")
        .person_id;
    let account = json!(maillage_api::graphql::ids::to_global(maillage_api::graphql::ids::NodeKind::Person, account).0);
    let body = app.gql(Some(&net.admin), ops::ASSIGN_ROLE, json!({ "p": account, "s": net.cisss, "r": "ADMIN" })).await;
    assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", "personId"), "{body}");
    let body = app.gql(Some(&net.admin), ops::ASSIGN_ROLE, json!({ "p": account, "s": null, "r": "ADMIN" })).await;
    assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", "personId"), "{body}");
    let body = app.gql(Some(&net.olga), ops::INVITE, json!({ "c": open, "p": account })).await;
    assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", "personId"), "{body}");
    app.stop().await;
}

#[tokio::test]
async fn a_rotated_secret_works_for_the_grace_period_only() {
    let app = TestApp::spawn_with(|s| s.api_client_secret_grace_secs = 2).await;
    let net = network(&app).await;
    let (first, client) = create(&app, &net.alice, &net.cisss, "Rotation", &["READ"]).await;
    let id = json!({ "id": client["id"] });
    let by_first = access_token(&app, client_id(&client), &first, None).await;

    let rotated = app.ok(Some(&net.alice), ROTATE, id.clone()).await;
    let second = rotated["rotateApiClientSecret"]["clientSecret"].as_str().expect("secret").to_owned();
    assert_ne!(first, second);
    assert!(rotated["rotateApiClientSecret"]["client"]["previousSecretExpiresAt"].is_string(), "{rotated}");
    // During the grace period both secrets work; a token from the old one ends with it.
    let (status, _, body) =
        token_request(&app, Some((client_id(&client), &first)), &[("grant_type", "client_credentials")]).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["expires_in"].as_i64().expect("expires_in") <= 2, "{body}");
    let also_first = body["access_token"].as_str().expect("token").to_owned();
    let by_second = access_token(&app, client_id(&client), &second, None).await;
    app.ok(Some(&by_first), VIEWER, json!({})).await;

    // A second rotation ends the oldest secret and its tokens at once.
    let rotated = app.ok(Some(&net.alice), ROTATE, id.clone()).await;
    let third = rotated["rotateApiClientSecret"]["clientSecret"].as_str().expect("secret").to_owned();
    for token in [&by_first, &also_first] {
        let (status, body) = app.post(Some(token), VIEWER, json!({})).await;
        assert_eq!(status, 401, "{body}");
    }
    let (status, _, body) =
        token_request(&app, Some((client_id(&client), &first)), &[("grant_type", "client_credentials")]).await;
    assert_eq!((status, body["error"].as_str()), (401, Some("invalid_client")), "{body}");
    app.ok(Some(&by_second), VIEWER, json!({})).await;
    access_token(&app, client_id(&client), &second, None).await;

    // Past the grace period only the newest secret works.
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    let (status, _, body) =
        token_request(&app, Some((client_id(&client), &second)), &[("grant_type", "client_credentials")]).await;
    assert_eq!((status, body["error"].as_str()), (401, Some("invalid_client")), "{body}");
    let (status, body) = app.post(Some(&by_second), VIEWER, json!({})).await;
    assert_eq!(status, 401, "{body}");
    let by_third = access_token(&app, client_id(&client), &third, None).await;
    app.ok(Some(&by_third), VIEWER, json!({})).await;
    app.stop().await;
}

#[tokio::test]
async fn suspending_the_organization_stops_its_clients() {
    let app = TestApp::spawn().await;
    let net = network(&app).await;
    let (secret, client) = create(&app, &net.alice, &net.cisss, "Suspended", &["READ"]).await;
    let token = access_token(&app, client_id(&client), &secret, None).await;
    const STATUS: &str = "mutation($id: ID!, $s: RecordStatus!) { updateOrganization(input: { id: $id, status: $s }) { organization { status } } }";
    app.ok(Some(&net.admin), STATUS, json!({ "id": net.cisss, "s": "SUSPENDED" })).await;
    let (status, body) = app.post(Some(&token), VIEWER, json!({})).await;
    assert_eq!(status, 401, "{body}");
    let (status, _, body) =
        token_request(&app, Some((client_id(&client), &secret)), &[("grant_type", "client_credentials")]).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")), "{body}");
    app.ok(Some(&net.admin), STATUS, json!({ "id": net.cisss, "s": "ACTIVE" })).await;
    let token = access_token(&app, client_id(&client), &secret, None).await;
    app.ok(Some(&token), VIEWER, json!({})).await;
    app.stop().await;
}

#[tokio::test]
async fn the_token_endpoint_refuses_as_rfc_6749_says() {
    let app = TestApp::spawn().await;
    let net = network(&app).await;
    let (secret, client) = create(&app, &net.alice, &net.cisss, "Refusals", &["READ", "WRITE"]).await;
    let id = client_id(&client).to_owned();
    let grant = ("grant_type", "client_credentials");

    let invalid_client = [
        token_request(&app, Some((&id, "mlcs_wrong")), &[grant]).await,
        token_request(&app, Some(("mlc_unknown", &secret)), &[grant]).await,
        token_request(&app, None, &[grant, ("client_id", &id), ("client_secret", "mlcs_wrong")]).await,
        token_request(&app, None, &[grant]).await,
        token_request(&app, None, &[grant, ("client_id", &id)]).await,
        token_request(&app, Some((&id, &"x".repeat(129))), &[grant]).await,
    ];
    for (status, headers, body) in invalid_client {
        assert_eq!((status, body["error"].as_str()), (401, Some("invalid_client")), "{body}");
        let challenge = headers.get("www-authenticate").and_then(|v| v.to_str().ok()).unwrap_or_default();
        assert!(challenge.starts_with("Basic"), "{challenge}");
    }
    // Hostile or foreign Authorization headers are not credentials.
    for header in ["Basic !!!not-base64", "Basic bWxjX25vY29sb24=", "Bearer mlg_x", "Basic"] {
        let response = reqwest::Client::new()
            .post(format!("{}/oauth/token", app.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("authorization", header)
            .body("grant_type=client_credentials")
            .send()
            .await
            .expect("send");
        assert_eq!(response.status().as_u16(), 401, "{header}");
        let body: Value = response.json().await.expect("JSON");
        assert_eq!(body["error"], "invalid_client", "{header}");
    }
    let cases: Vec<(u16, &str, (u16, reqwest::header::HeaderMap, Value))> = vec![
        (400, "unsupported_grant_type", token_request(&app, Some((&id, &secret)), &[("grant_type", "password")]).await),
        (400, "invalid_request", token_request(&app, Some((&id, &secret)), &[]).await),
        (
            400,
            "invalid_request",
            token_request(&app, Some((&id, &secret)), &[grant, ("client_id", &id), ("client_secret", &secret)]).await,
        ),
        (400, "invalid_request", token_request(&app, Some((&id, &secret)), &[grant, grant]).await),
        (400, "invalid_scope", token_request(&app, Some((&id, &secret)), &[grant, ("scope", "admin")]).await),
        (400, "invalid_scope", token_request(&app, Some((&id, &secret)), &[grant, ("scope", "read everything")]).await),
        (400, "invalid_scope", token_request(&app, Some((&id, &secret)), &[grant, ("scope", "READ")]).await),
        (
            400,
            "invalid_request",
            raw_token_request(
                &app,
                Some((&id, &secret)),
                "application/json",
                json!({ "grant_type": "client_credentials" }).to_string(),
            )
            .await,
        ),
        (
            413,
            "invalid_request",
            raw_token_request(
                &app,
                Some((&id, &secret)),
                "application/x-www-form-urlencoded",
                format!("grant_type=client_credentials&pad={}", "x".repeat(4096)),
            )
            .await,
        ),
    ];
    for (status, error, (got, headers, body)) in cases {
        assert_eq!((got, body["error"].as_str()), (status, Some(error)), "{body}");
        assert!(body["error_description"].is_string(), "{body}");
        assert_eq!(headers.get("cache-control").and_then(|v| v.to_str().ok()), Some("no-store"));
    }
    // A body just under the bound is read.
    let pad = "x".repeat(4096 - "grant_type=client_credentials&pad=".len());
    let (status, _, body) = raw_token_request(
        &app,
        Some((&id, &secret)),
        "application/x-www-form-urlencoded",
        format!("grant_type=client_credentials&pad={pad}"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let response = reqwest::get(format!("{}/oauth/token", app.base)).await.expect("send");
    assert_eq!(response.status().as_u16(), 405);
    assert_eq!(response.headers().get("allow").and_then(|v| v.to_str().ok()), Some("POST"));
    app.stop().await;
}

#[tokio::test]
async fn bad_client_credentials_are_rate_limited_by_address() {
    let app = TestApp::spawn_with(|s| s.rate_limit_auth_per_minute = 3).await;
    let net = network(&app).await;
    let (secret, client) = create(&app, &net.alice, &net.cisss, "Limited", &["READ"]).await;
    let grant = ("grant_type", "client_credentials");
    // Good credentials are not counted.
    for _ in 0..5 {
        access_token(&app, client_id(&client), &secret, None).await;
    }
    for _ in 0..3 {
        let (status, _, body) = token_request(&app, Some((client_id(&client), "mlcs_guess")), &[grant]).await;
        assert_eq!(status, 401, "{body}");
    }
    let (status, headers, body) = token_request(&app, Some((client_id(&client), &secret)), &[grant]).await;
    assert_eq!(status, 429, "{body}");
    assert!(headers.get("retry-after").is_some());
    app.stop().await;
}

#[tokio::test]
async fn an_api_client_spends_a_budget_of_its_own() {
    let app = TestApp::spawn_with(|s| s.rate_limit_api_client_cost_per_minute = 60).await;
    let net = network(&app).await;
    let (secret, client) = create(&app, &net.alice, &net.cisss, "Budget", &["READ"]).await;
    let token = access_token(&app, client_id(&client), &secret, None).await;
    let response = reqwest::Client::new()
        .post(format!("{}/graphql", app.base))
        .bearer_auth(&token)
        .json(&json!({ "query": "{ viewer { __typename } }" }))
        .send()
        .await
        .expect("send");
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers().get("ratelimit-limit").and_then(|v| v.to_str().ok()), Some("60"));
    // Another token of the same client shares its budget; its organization's people do not.
    let other = access_token(&app, client_id(&client), &secret, None).await;
    let (status, body) = app.post(Some(&other), "{ viewer { __typename } }", json!({})).await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(error_code(&body), "RATE_LIMITED");
    app.ok(Some(&net.alice), "{ viewer { __typename } }", json!({})).await;
    app.stop().await;
}

/// The Python of `tests/oauth/.venv` (made by `.ci/run`), or `None` (skipped off CI).
fn authlib_python() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("oauth");
    let python = dir.join(".venv/bin/python");
    let ready = python.exists()
        && std::process::Command::new(&python)
            .args(["-c", "import authlib, requests"])
            .status()
            .is_ok_and(|s| s.success());
    if ready {
        return Some(python);
    }
    let message = "Authlib is not installed: python3 -m venv tests/oauth/.venv && \
                   tests/oauth/.venv/bin/pip install -r tests/oauth/requirements.txt";
    assert!(!std::env::var("CI").is_ok_and(|v| v == "true" || v == "1"), "{message}");
    eprintln!("skipped: {message}");
    None
}

#[tokio::test]
async fn a_standard_oauth_client_library_gets_tokens_and_calls_the_api() {
    let Some(python) = authlib_python() else { return };
    let app = TestApp::spawn().await;
    let net = network(&app).await;
    let (secret, client) = create(&app, &net.alice, &net.cisss, "Authlib", &["READ", "WRITE"]).await;
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("oauth/client_credentials.py");
    let base = app.base.clone();
    let id = client_id(&client).to_owned();
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(python).arg(script).args([&base, &id, &secret]).output()
    })
    .await
    .expect("join")
    .expect("run python");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    let result: Value = serde_json::from_str(stdout.trim()).expect("JSON from the script");
    for (method, scope) in [("basic", "read write"), ("post", "read")] {
        let run = &result[method];
        assert_eq!(run["token_type"], "Bearer", "{method}: {run}");
        assert_eq!(run["scope"], scope, "{method}: {run}");
        assert_eq!(run["status"], 200, "{method}: {run}");
        assert_eq!(run["graphql"]["data"]["viewer"]["__typename"], "ApiClient", "{method}: {run}");
        assert_eq!(run["graphql"]["data"]["viewer"]["id"], client["id"], "{method}: {run}");
    }
    assert_eq!(result["wrong_secret"], "invalid_client", "{result}");
    // Refusals in French parse with the library: the same code, the description in
    // French without accents (RFC 6749 §5.2 allows printable ASCII only).
    assert_eq!(
        result["wrong_secret_fr"],
        json!({ "error": "invalid_client", "description": "l'authentification du client a echoue" }),
        "{result}"
    );
    assert_eq!(
        result["unknown_scope_fr"],
        json!({ "error": "invalid_scope", "description": "les portees sont read, write et admin" }),
        "{result}"
    );
    assert_eq!(
        result["unknown_scope_en"],
        json!({ "error": "invalid_scope", "description": "scopes are read, write and admin" }),
        "{result}"
    );
    app.stop().await;
}

/// However often a client asks for a token, it holds at most twenty live ones (a new
/// token revokes the oldest beyond) and its dead ones are deleted.
#[tokio::test]
async fn a_client_holds_a_bounded_number_of_tokens() {
    let app = TestApp::spawn().await;
    let net = network(&app).await;
    let (secret, client) = create(&app, &net.alice, &net.cisss, "Busy", &["READ"]).await;
    let mut tokens = Vec::new();
    for _ in 0..25 {
        tokens.push(access_token(&app, client_id(&client), &secret, None).await);
    }
    for (n, token) in tokens.iter().enumerate() {
        let (status, body) = app.post(Some(token), VIEWER, json!({})).await;
        let expected = if n < 5 { 401 } else { 200 };
        assert_eq!(status, expected, "token {n}: {body}");
    }
    // One more grant deletes the revoked ones and revokes the oldest live one: 20 live
    // rows and the one it just revoked.
    access_token(&app, client_id(&client), &secret, None).await;
    let account = service_account(&app, &client).await;
    let rows = entity::session::Entity::find()
        .filter(entity::session::Column::PersonId.eq(account))
        .all(&app.db)
        .await
        .expect("sessions");
    assert_eq!(rows.len(), 21, "{rows:?}");
    assert_eq!(rows.iter().filter(|r| r.revoked_at.is_none()).count(), 20, "{rows:?}");
    app.stop().await;
}

/// A token is valid only while the secret it was obtained with is the client's current
/// one, or the previous one within its grace: a token of an older secret (say, granted
/// while a second rotation committed, which revoked the tokens it saw) is refused even
/// if nothing revoked it.
#[tokio::test]
async fn a_token_of_a_secret_two_rotations_old_is_refused_even_unrevoked() {
    let app = TestApp::spawn().await;
    let net = network(&app).await;
    let (first, client) = create(&app, &net.alice, &net.cisss, "Race", &["READ"]).await;
    let id = json!({ "id": client["id"] });
    let by_first = access_token(&app, client_id(&client), &first, None).await;
    app.ok(Some(&net.alice), ROTATE, id.clone()).await;
    app.ok(Some(&net.alice), ROTATE, id.clone()).await;
    let (status, body) = app.post(Some(&by_first), VIEWER, json!({})).await;
    assert_eq!(status, 401, "{body}");
    // As if the grant had committed after the rotation: its row is not revoked.
    let account = service_account(&app, &client).await;
    entity::session::Entity::update_many()
        .col_expr(
            entity::session::Column::RevokedAt,
            sea_orm::sea_query::Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
        )
        .filter(entity::session::Column::PersonId.eq(account))
        .exec(&app.db)
        .await
        .expect("unrevoke");
    // Past the sessions cache's second on SQLite.
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let (status, body) = app.post(Some(&by_first), VIEWER, json!({})).await;
    assert_eq!(status, 401, "{body}");
    app.stop().await;
}

/// Whether a person is an API client's service account is told only to who may assign
/// them a role; anyone else is refused as for any person.
#[tokio::test]
async fn only_who_may_assign_roles_learns_a_person_is_a_service_account() {
    let app = TestApp::spawn().await;
    let net = network(&app).await;
    let (_, client) = create(&app, &net.alice, &net.cisss, "Quiet", &["READ"]).await;
    let account = service_account(&app, &client).await;
    let account_id = maillage_api::graphql::ids::to_global(maillage_api::graphql::ids::NodeKind::Person, account).0;
    // Olga administers another organization: FORBIDDEN, as for any person of cisss.
    let body =
        app.gql(Some(&net.olga), ops::ASSIGN_ROLE, json!({ "p": account_id, "s": net.cisss, "r": "MANAGER" })).await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    // Alice administers cisss: told why.
    let body =
        app.gql(Some(&net.alice), ops::ASSIGN_ROLE, json!({ "p": account_id, "s": net.cisss, "r": "MANAGER" })).await;
    assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", "personId"), "{body}");
    app.stop().await;
}

/// The cap on an organization's live clients holds when many are asked for at once.
#[tokio::test]
async fn the_cap_on_live_clients_holds_when_many_are_asked_for_at_once() {
    let app = TestApp::spawn().await;
    let net = network(&app).await;
    let cap = maillage_api::service::api_client::MAX_LIVE_CLIENTS as usize;
    for n in 0..cap - 4 {
        create(&app, &net.alice, &net.cisss, &format!("Client {n}"), &["READ"]).await;
    }
    let mut racing = tokio::task::JoinSet::new();
    for n in 0..10 {
        let (base, token, org) = (app.base.clone(), net.alice.clone(), net.cisss.clone());
        racing.spawn(async move {
            let input = json!({ "organizationId": org, "name": format!("Racing {n}"), "scopes": ["READ"] });
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
        if body["data"]["createApiClient"]["clientSecret"].is_string() {
            made += 1;
        } else {
            assert_eq!(error_code(&body), "CONFLICT", "{body}");
            refused += 1;
        }
    }
    assert_eq!((made, refused), (4, 6));
}

//! Regression tests for the login and identity findings of the 2026-12-01 security review
//! (H1, M5, M8, L1, L2, L3, L11), driven over HTTP against real OpenID providers, as
//! the review did.

use std::sync::{
    Arc,
    atomic::{AtomicU64, Ordering},
};

use harness::{
    TestApp, error_code, error_field,
    oidc::{Browser, FRONT_END, REGISTER_PROVIDER, SsoOrg, exchange_code, sso_org, start_link},
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

const ME: &str = "{ me { id email displayName organization { slug } identities { issuer } } }";

/// A server, a network administrator, and two organizations with their providers; A's
/// provider maps the `admins` group to organization ADMIN.
async fn network() -> Option<(TestApp, String, SsoOrg, SsoOrg)> {
    let app = TestApp::spawn().await;
    let admin = app.token("admin@network.example", None, true).await;
    let mappings = json!([{ "claim": "groups", "contains": "admins", "organizationRole": "ADMIN" }]);
    let a = sso_org(&app, &admin, "cisss-a", "127.0.0.1", "a.example", mappings).await?;
    let b = sso_org(&app, &admin, "inspq-b", "127.0.0.2", "b.example", json!([])).await?;
    Some((app, admin, a, b))
}

/// Logs in through a fresh browser and exchanges the code: the session token.
async fn log_in(app: &TestApp, org: &SsoOrg, login: &str) -> String {
    let landing = Browser::new().login(&org.login_url(app, FRONT_END), login).await;
    let code = landing.code().unwrap_or_else(|| panic!("no code: {landing:?}"));
    let (status, body) = exchange_code(app, &code).await;
    assert_eq!(status, 200, "{body}");
    body["token"].as_str().expect("token").to_owned()
}

async fn person_id(app: &TestApp, token: &str) -> i32 {
    harness::fixtures::db_id(&app.ok(Some(token), ME, json!({})).await["me"]["id"])
}

/// The organization roles a person holds.
async fn org_roles(app: &TestApp, person: i32) -> Vec<String> {
    entity::organization_role::Entity::find()
        .filter(entity::organization_role::Column::PersonId.eq(person))
        .all(&app.db)
        .await
        .expect("roles")
        .into_iter()
        .map(|r| r.role.as_str().to_owned())
        .collect()
}

async fn audit_rows(app: &TestApp, action: &str) -> Vec<entity::audit_event::Model> {
    entity::audit_event::Entity::find()
        .filter(entity::audit_event::Column::Action.eq(action))
        .all(&app.db)
        .await
        .expect("audit")
}

// ---------------------------------------------------------------------------------
// H1: identity-link forgery.

#[tokio::test]
async fn a_link_started_by_one_person_cannot_be_completed_in_another_browser() {
    let Some((app, _admin, a, _b)) = network().await else { return };
    let outsider = app.token("outsider@elsewhere.example", None, false).await;
    let outsider_id = person_id(&app, &outsider).await;
    // The attacker starts a link to A's provider from their own browser.
    let attacker = Browser::new();
    let (status, started) = start_link(&app, &attacker, &a.slug, Some(&outsider), FRONT_END).await;
    assert_eq!(status, 200, "{started}");
    let login_url = started["loginUrl"].as_str().expect("loginUrl").to_owned();
    let parsed = url::Url::parse(&login_url).expect("url");
    let keys: Vec<String> = parsed.query_pairs().map(|(k, _)| k.into_owned()).collect();
    assert!(keys.iter().all(|k| k == "return_to" || k == "link"), "no code in the URL: {login_url}");

    // The victim (an A admin per its provider, never logged in here) opens that URL in
    // their own browser and logs in: refused, nothing is linked, nobody gains a role.
    a.provider.set_claims("victim-admin-sub", json!({ "email": "victim@a.example", "groups": ["admins"] })).await;
    let landing = Browser::new().login(&login_url, "victim-admin-sub").await;
    assert_eq!((landing.status, landing.error.as_deref()), (401, Some("link_requires_login")), "{landing:?}");
    let me = app.ok(Some(&outsider), ME, json!({})).await;
    assert_eq!(me["me"]["identities"], json!([]));
    assert!(org_roles(&app, outsider_id).await.is_empty());
    assert!(audit_rows(&app, "identity.link").await.is_empty());
    // The victim's own later login is the victim, not the attacker.
    let victim = log_in(&app, &a, "victim-admin-sub").await;
    assert_ne!(person_id(&app, &victim).await, outsider_id);

    // Even handed the provider's authorization request (the attacker's state), the
    // victim's browser lacks the binding cookies.
    let callback = attacker.authorize(&login_url, "victim-admin-sub").await.expect("callback");
    let landing = Browser::new().callback(&callback).await;
    assert_eq!(landing.error.as_deref(), Some("browser_mismatch"), "{landing:?}");

    // Anonymous callers cannot start a link; the old mutation is gone from the schema.
    let (status, _) = start_link(&app, &Browser::new(), &a.slug, None, FRONT_END).await;
    assert_eq!(status, 401);
    let body = app
        .gql(
            Some(&outsider),
            "mutation($o: ID!, $r: String!) { startIdentityLink(input: { organizationId: $o, returnTo: $r }) { loginUrl } }",
            json!({ "o": a.id, "r": FRONT_END }),
        )
        .await;
    assert!(body["errors"][0]["message"].as_str().unwrap_or_default().contains("startIdentityLink"), "{body}");
}

#[tokio::test]
async fn a_link_is_confirmed_on_a_page_naming_the_account_and_grants_no_role() {
    let Some((app, _admin, a, _b)) = network().await else { return };
    let outsider = app.token("outsider@elsewhere.example", None, false).await;
    let outsider_id = person_id(&app, &outsider).await;
    a.provider.set_claims("outsider-at-a", json!({ "email": "outsider@a.example", "groups": ["admins"] })).await;
    let browser = Browser::new();
    let (status, started) = start_link(&app, &browser, &a.slug, Some(&outsider), FRONT_END).await;
    assert_eq!(status, 200, "{started}");
    let login_url = started["loginUrl"].as_str().expect("loginUrl").to_owned();
    let callback = browser.authorize(&login_url, "outsider-at-a").await.expect("callback");
    let page = browser.callback(&callback).await;
    assert_eq!(page.status, 200, "{page:?}");
    assert!(page.body.contains("outsider-at-a"), "names the identity: {}", page.body);
    assert!(page.body.contains("outsider@elsewhere.example"), "names the account: {}", page.body);
    // Nothing is linked before the person confirms.
    assert_eq!(app.ok(Some(&outsider), ME, json!({})).await["me"]["identities"], json!([]));
    // The confirmation, posted from another browser, is refused.
    let elsewhere = Browser::new().submit_form(&app.base, &page.body).await;
    assert_ne!(elsewhere.param("linked").as_deref(), Some("true"), "{elsewhere:?}");
    assert!(elsewhere.error.is_some(), "{elsewhere:?}");
    // Confirmed from the browser that started it: linked, and no role from A's claims.
    let landing = browser.submit_form(&app.base, &page.body).await;
    assert_eq!(landing.param("linked").as_deref(), Some("true"), "{landing:?}");
    let me = app.ok(Some(&outsider), ME, json!({})).await;
    assert_eq!(me["me"]["identities"][0]["issuer"], json!(a.provider.issuer));
    assert!(org_roles(&app, outsider_id).await.is_empty(), "a link grants no claim-mapped role");
    // The confirmation is single use.
    let replay = browser.submit_form(&app.base, &page.body).await;
    assert_ne!(replay.param("linked").as_deref(), Some("true"), "{replay:?}");
    // A later login through A's provider is this person, still without A's roles.
    let via_a = log_in(&app, &a, "outsider-at-a").await;
    assert_eq!(person_id(&app, &via_a).await, outsider_id);
    assert!(org_roles(&app, outsider_id).await.is_empty(), "roles of A's claims are not synced to others");
    assert_eq!(audit_rows(&app, "identity.link").await.len(), 1);
}

// ---------------------------------------------------------------------------------
// M8: provider discovery as a port scanner; unbounded provider responses.

/// Registers a provider at `issuer` for a fresh organization; the GraphQL body.
async fn register_issuer(app: &TestApp, admin: &str, org: &Value, issuer: &str) -> Value {
    app.gql(
        Some(admin),
        REGISTER_PROVIDER,
        json!({ "input": { "organizationId": org, "issuer": issuer, "clientId": "x", "clientSecret": "y" } }),
    )
    .await
}

/// A loopback port where nothing listens.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

#[tokio::test]
async fn open_and_closed_ports_give_the_same_generic_error() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin@network.example", None, true).await;
    let org = harness::fixtures::organization(&app, &admin, "scanner").await;
    // A service that is not HTTP (as PostgreSQL is): accepts, then hangs up.
    let raw = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let raw_port = raw.local_addr().expect("addr").port();
    tokio::spawn(async move {
        while let Ok((socket, _)) = raw.accept().await {
            drop(socket);
        }
    });
    let mut messages = Vec::new();
    for issuer in
        [format!("http://127.0.0.1:{}", closed_port()), format!("http://127.0.0.1:{raw_port}"), app.base.clone()]
    {
        let body = register_issuer(&app, &admin, &org, &issuer).await;
        assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", "issuer"), "{issuer}: {body}");
        let message = body["errors"][0]["message"].as_str().expect("message").to_owned();
        messages.push(message.replace(&issuer, "ISSUER"));
    }
    assert!(messages.iter().all(|m| *m == messages[0]), "distinguishable: {messages:?}");
    for word in ["Connect", "SendRequest", "404", "status"] {
        assert!(!messages[0].contains(word), "{messages:?}");
    }
}

#[tokio::test]
async fn an_oversized_discovery_document_is_refused_without_being_read_whole() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin@network.example", None, true).await;
    let org = harness::fixtures::organization(&app, &admin, "huge").await;
    // A provider whose discovery document never ends (up to 200 MiB), counting what it sends.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let sent = Arc::new(AtomicU64::new(0));
    let counter = sent.clone();
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        while let Ok((mut socket, _)) = listener.accept().await {
            let counter = counter.clone();
            tokio::spawn(async move {
                let mut request = [0u8; 4096];
                let _ = socket.read(&mut request).await;
                let head =
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n{\"issuer\":\"";
                if socket.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let chunk = vec![b'a'; 64 * 1024];
                for _ in 0..(200 * 16) {
                    if socket.write_all(&chunk).await.is_err() {
                        return;
                    }
                    counter.fetch_add(chunk.len() as u64, Ordering::SeqCst);
                }
            });
        }
    });
    let body = register_issuer(&app, &admin, &org, &format!("http://127.0.0.1:{port}")).await;
    assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", "issuer"), "{body}");
    let sent = sent.load(Ordering::SeqCst);
    assert!(sent < 32 * 1024 * 1024, "the server read {sent} bytes of the document");
}

#[tokio::test]
async fn internal_addresses_are_refused_unless_loopback_is_allowed() {
    let app = TestApp::spawn_with(|settings| settings.allow_loopback_providers = false).await;
    let admin = app.token("admin@network.example", None, true).await;
    let org = harness::fixtures::organization(&app, &admin, "scanner").await;
    let mut messages = Vec::new();
    for issuer in [
        app.base.clone(),
        format!("http://127.0.0.1:{}", closed_port()),
        "http://localhost:5432".to_owned(),
        "https://localhost:5432".to_owned(),
        "https://127.0.0.1".to_owned(),
        "https://10.1.2.3".to_owned(),
        "https://192.168.0.1".to_owned(),
        "https://172.16.0.1".to_owned(),
        "https://169.254.169.254".to_owned(),
        "https://100.64.0.1".to_owned(),
        "https://0.0.0.0".to_owned(),
        "https://[::1]".to_owned(),
        "https://[::]".to_owned(),
        "https://[fd00::1]".to_owned(),
        "https://[fe80::1]".to_owned(),
        "https://[::ffff:127.0.0.1]".to_owned(),
        "https://[::ffff:10.0.0.1]".to_owned(),
    ] {
        let body = register_issuer(&app, &admin, &org, &issuer).await;
        assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", "issuer"), "{issuer}: {body}");
        messages.push(body["errors"][0]["message"].as_str().expect("message").replace(&issuer, "ISSUER"));
    }
    assert!(messages.iter().all(|m| *m == messages[0]), "distinguishable: {messages:?}");
}

// ---------------------------------------------------------------------------------
// M5: unbounded audit and login-attempt rows from anonymous requests.

#[tokio::test]
async fn anonymous_login_refusals_write_few_and_short_audit_rows() {
    let Some((app, _admin, a, _b)) = network().await else { return };
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let long_slug = "b".repeat(8000);
    for _ in 0..40 {
        client.get(format!("{}/auth/{long_slug}/login", app.base)).send().await.expect("get");
    }
    let long_return = format!("https://evil.example/{}", "x".repeat(1500));
    for _ in 0..40 {
        let url = format!("{}/auth/{}/login?return_to={}", app.base, a.slug, urlencoding(&long_return));
        let response = client.get(url).send().await.expect("get");
        assert_eq!(response.status().as_u16(), 400);
    }
    let rows = audit_rows(&app, "login.refused").await;
    assert!(rows.len() <= 2, "{} rows for 80 refusals", rows.len());
    for row in &rows {
        let size = row.after.as_ref().map(|a| a.to_string().len()).unwrap_or_default();
        assert!(size < 1000, "an audit row of {size} bytes");
    }
}

fn urlencoding(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[tokio::test]
async fn pending_login_attempts_are_capped() {
    let Some((app, _admin, a, _b)) = network().await else { return };
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    for _ in 0..60 {
        let response = client.get(a.login_url(&app, FRONT_END)).send().await.expect("get");
        assert!(matches!(response.status().as_u16(), 303 | 429), "login start answered {}", response.status());
    }
    let kept = app.count_rows("login_attempt").await;
    assert!(kept <= 20, "{kept} pending attempts kept for one address");
    // Retries never lock the address out: the oldest pending attempts made room.
    log_in(&app, &a, "nurse@a.example").await;
}

// ---------------------------------------------------------------------------------
// L1: a suspended organization's people stay logged in.

#[tokio::test]
async fn suspending_an_organization_ends_its_peoples_sessions() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin@network.example", None, true).await;
    let org = harness::fixtures::organization(&app, &admin, "alliance").await;
    let karine = app.token("karine@alliance.example", Some("alliance"), false).await;
    assert!(app.ok(Some(&karine), "{ me { id } }", json!({})).await["me"]["id"].is_string());
    app.ok(
        Some(&admin),
        "mutation($input: UpdateOrganizationInput!) { updateOrganization(input: $input) { organization { id } } }",
        json!({ "input": { "id": org, "status": "SUSPENDED" } }),
    )
    .await;
    let (status, body) = app.post(Some(&karine), "{ me { id } }", json!({})).await;
    assert!(
        status == 401 || error_code(&body) == "UNAUTHENTICATED" || body["data"]["me"].is_null(),
        "Karine is still logged in: {status} {body}"
    );
    assert!(!body["data"]["me"]["id"].is_string(), "{body}");
}

// ---------------------------------------------------------------------------------
// L2: a first login reusing an existing person's e-mail.

#[tokio::test]
async fn a_first_login_with_another_persons_email_provisions_nobody() {
    let Some((app, _admin, a, _b)) = network().await else { return };
    app.token("nurse@a.example", Some("cisss-a"), false).await;
    let people = app.count_rows("person").await;
    a.provider.set_claims("impostor-sub", json!({ "email": "nurse@a.example" })).await;
    let landing = Browser::new().login(&a.login_url(&app, FRONT_END), "impostor-sub").await;
    assert_eq!(landing.error.as_deref(), Some("email_in_use"), "{landing:?}");
    assert_eq!(app.count_rows("person").await, people);
    // Nor does a later login take another person's address.
    let other = log_in(&app, &a, "other@a.example").await;
    a.provider.set_claims("other@a.example", json!({ "email": "nurse@a.example" })).await;
    log_in(&app, &a, "other@a.example").await;
    assert_eq!(app.ok(Some(&other), ME, json!({})).await["me"]["email"], "other@a.example");
}

// ---------------------------------------------------------------------------------
// L3: the login-binding cookie taken from the browser.

fn set_cookies(response: &reqwest::Response) -> Vec<String> {
    response.headers().get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).map(str::to_owned).collect()
}

#[tokio::test]
async fn every_login_attempt_gets_a_fresh_binding_cookie() {
    let Some((app, _admin, a, _b)) = network().await else { return };
    let planted = "P".repeat(43);
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let response = client
        .get(a.login_url(&app, FRONT_END))
        .header("cookie", format!("maillage_login={planted}"))
        .send()
        .await
        .expect("get");
    assert_eq!(response.status().as_u16(), 303);
    let cookies = set_cookies(&response);
    let login = cookies.iter().find(|c| c.starts_with("maillage_login")).expect("a binding cookie");
    assert!(!login.contains(&planted), "the planted value was kept: {login}");
}

#[tokio::test]
async fn over_https_the_binding_cookie_is_a_host_cookie() {
    let app = TestApp::spawn_with(|settings| settings.public_url = Some("https://maillage.example".into())).await;
    let admin = app.token("admin@network.example", None, true).await;
    let Some(a) = sso_org(&app, &admin, "cisss-a", "127.0.0.1", "a.example", json!([])).await else { return };
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let response = client
        .get(format!("{}/auth/{}/login?return_to={}", app.base, a.slug, urlencoding(FRONT_END)))
        .send()
        .await
        .expect("get");
    assert_eq!(response.status().as_u16(), 303);
    let cookies = set_cookies(&response);
    let login =
        cookies.iter().find(|c| c.starts_with("__Host-maillage_login")).unwrap_or_else(|| panic!("{cookies:?}"));
    assert!(login.contains("Secure") && login.contains("Path=/;") || login.ends_with("Path=/"), "{login}");
    assert!(!login.contains("Domain"), "{login}");
}

// ---------------------------------------------------------------------------------
// L11: any organization administrator could open CORS to any origin.

#[tokio::test]
async fn an_organization_administrator_alone_cannot_open_cors_to_an_origin() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin@network.example", None, true).await;
    let org = harness::fixtures::organization(&app, &admin, "cisss-cors").await;
    let org_admin = app.token("boss@cisss-cors.example", Some("cisss-cors"), false).await;
    let boss = app.ok(Some(&org_admin), "{ me { id } }", json!({})).await["me"]["id"].clone();
    app.ok(Some(&admin), harness::ops::ASSIGN_ROLE, json!({ "p": boss, "s": org, "r": "ADMIN" })).await;
    const UPDATE: &str = "mutation($input: UpdateOrganizationInput!) { updateOrganization(input: $input) { organization { allowedReturnUrls } } }";
    let body = app
        .gql(
            Some(&org_admin),
            UPDATE,
            json!({ "input": { "id": org, "allowedReturnUrls": ["https://evil.example/"] } }),
        )
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    let preflight = |origin: &'static str| {
        reqwest::Client::new()
            .request(reqwest::Method::OPTIONS, format!("{}/graphql", app.base))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .send()
    };
    let allowed = |response: &reqwest::Response| response.headers().get("access-control-allow-origin").is_some();
    assert!(!allowed(&preflight("https://evil.example").await.expect("preflight")));
    // The organization administrator still renames their organization.
    app.ok(
        Some(&org_admin),
        "mutation($input: UpdateOrganizationInput!) { updateOrganization(input: $input) { organization { id } } }",
        json!({ "input": { "id": org, "name": "CISSS renamed" } }),
    )
    .await;
    // A network administrator approves a front end.
    app.ok(
        Some(&admin),
        UPDATE,
        json!({ "input": { "id": org, "allowedReturnUrls": ["https://portail.cisss.example/"] } }),
    )
    .await;
    assert!(allowed(&preflight("https://portail.cisss.example").await.expect("preflight")));
    // An approved front end may start an account link with credentials (the cookie).
    let link = reqwest::Client::new()
        .request(reqwest::Method::OPTIONS, format!("{}/auth/cisss-cors/link", app.base))
        .header("Origin", "https://portail.cisss.example")
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "authorization, content-type")
        .send()
        .await
        .expect("preflight");
    assert_eq!(
        link.headers().get("access-control-allow-credentials").and_then(|v| v.to_str().ok()),
        Some("true"),
        "{:?}",
        link.headers()
    );
}

#[tokio::test]
async fn the_cli_names_people_by_id_when_an_email_is_shared() {
    use maillage_api::service::token::{TokenRequest, issue};
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};
    let app = TestApp::spawn().await;
    let first = app.token("marie.tremblay@inspq.example", None, false).await;
    let first_id = person_id(&app, &first).await;
    // A second person with the same address (as before L2 was fixed, or through the API).
    let now = chrono::Utc::now();
    let second = entity::person::ActiveModel {
        display_name: Set("Marie T.".into()),
        email: Set("marie.tremblay@inspq.example".into()),
        status: Set(entity::enums::RecordStatus::Active),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .expect("second person");
    let request = |person_id: Option<i32>| TokenRequest {
        email: if person_id.is_some() { String::new() } else { "marie.tremblay@inspq.example".into() },
        person_id,
        display_name: None,
        organization_slug: None,
        network_admin: false,
        ttl_days: 1,
    };
    let err = issue(&app.db, &request(None)).await.expect_err("ambiguous e-mail");
    assert!(err.to_string().contains("--person-id"), "{err}");
    for id in [first_id, second.id] {
        let issued = issue(&app.db, &request(Some(id))).await.expect("token by id");
        assert_eq!(issued.person_id, id);
        let token = secrecy::ExposeSecret::expose_secret(&issued.token).to_owned();
        assert_eq!(person_id(&app, &token).await, id);
    }
    assert!(issue(&app.db, &request(Some(9999))).await.is_err(), "an unknown id");
}

// ---------------------------------------------------------------------------------
// Review 2026-12-07: a token (personal access token, API client) starting a link.

/// A linked identity logs in as its person with every right, and outlives the token
/// that linked it; an API client's service account would receive the roles the
/// identity's claims map to. Only a login session may start a link.
#[tokio::test]
async fn a_token_never_starts_an_identity_link() {
    let Some((app, admin, a, _b)) = network().await else { return };
    let ana = app.token("ana@elsewhere.example", None, false).await;
    let expires = (chrono::Utc::now() + chrono::Duration::days(30)).to_rfc3339();
    for scopes in [json!(["READ"]), json!(["READ", "WRITE", "ADMIN"])] {
        let created = app
            .ok(
                Some(&ana),
                "mutation($input: CreatePersonalAccessTokenInput!) { createPersonalAccessToken(input: $input) { secret } }",
                json!({ "input": { "name": "script", "scopes": scopes, "expiresAt": expires } }),
            )
            .await;
        let secret = created["createPersonalAccessToken"]["secret"].as_str().expect("secret").to_owned();
        let (status, body) = start_link(&app, &Browser::new(), &a.slug, Some(&secret), FRONT_END).await;
        assert_eq!((status, body["error"].as_str()), (403, Some("forbidden")), "{scopes}: {body}");
    }

    // An API client of A, with every scope.
    let created = app
        .ok(
            Some(&admin),
            "mutation($input: CreateApiClientInput!) { createApiClient(input: $input) { clientSecret client { clientId } } }",
            json!({ "input": { "organizationId": a.id, "name": "Portail", "scopes": ["READ", "WRITE", "ADMIN"] } }),
        )
        .await;
    let client_id = created["createApiClient"]["client"]["clientId"].as_str().expect("clientId").to_owned();
    let client_secret = created["createApiClient"]["clientSecret"].as_str().expect("secret").to_owned();
    let granted: Value = reqwest::Client::new()
        .post(format!("{}/oauth/token", app.base))
        .basic_auth(&client_id, Some(&client_secret))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials")
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("JSON");
    let access = granted["access_token"].as_str().expect("access_token");
    let (status, body) = start_link(&app, &Browser::new(), &a.slug, Some(access), FRONT_END).await;
    assert_eq!((status, body["error"].as_str()), (403, Some("forbidden")), "{body}");
    assert!(audit_rows(&app, "identity.link_requested").await.is_empty(), "no link was requested");

    // The person's login session may.
    let (status, body) = start_link(&app, &Browser::new(), &a.slug, Some(&ana), FRONT_END).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(audit_rows(&app, "identity.link_requested").await.len(), 1);
}

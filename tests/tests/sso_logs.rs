//! No secret reaches the logs: a whole login, with every log line of every crate
//! captured down to TRACE, is searched for the client secret, the authorization code,
//! the state, the one-time code and the session token.

use std::{
    io::Write,
    sync::{Arc, Mutex},
};

use harness::{
    TestApp,
    oidc::{Browser, FRONT_END, exchange_code, sso_org},
};
use serde_json::json;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn no_secret_appears_in_any_log_line() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .init();

    let app = TestApp::spawn().await;
    let admin = app.token("admin@network.example", None, true).await;
    let Some(org) = sso_org(&app, &admin, "cisss-logs", "127.0.0.1", "a.example", json!([])).await else { return };
    let browser = Browser::new();
    let callback = browser.authorize(&org.login_url(&app, FRONT_END), "nurse@a.example").await.expect("callback");
    let param = |name: &str| callback.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned());
    let (authorization_code, state) = (param("code").expect("code"), param("state").expect("state"));
    let landing = browser.callback(&callback).await;
    let one_time_code = landing.code().expect("one-time code");
    let (_, body) = exchange_code(&app, &one_time_code).await;
    let token = body["token"].as_str().expect("token").to_owned();
    app.ok(Some(&token), "{ me { email } }", json!({})).await;
    // A refused login and a changed secret are logged too.
    org.provider.tamper("signature").await;
    let refused = Browser::new().login(&org.login_url(&app, FRONT_END), "nurse@a.example").await;
    assert_eq!(refused.error.as_deref(), Some("invalid_id_token"));
    let update = "mutation($input: UpdateIdentityProviderInput!) { updateIdentityProvider(input: $input) { identityProvider { id } } }";
    app.ok(Some(&admin), update, json!({ "input": { "id": org.provider_id, "clientSecret": "another-s3cret-value" } }))
        .await;

    let logs = String::from_utf8(captured.0.lock().expect("logs").clone()).expect("utf-8");
    assert!(logs.contains("login.succeeded") && logs.contains("login refused"), "the login was logged:\n{logs}");
    for (what, secret) in [
        ("client secret", org.client.client_secret.as_str()),
        ("new client secret", "another-s3cret-value"),
        ("authorization code", &authorization_code),
        ("state", &state),
        ("one-time code", &one_time_code),
        ("session token", &token),
        ("admin token", &admin),
    ] {
        assert!(!logs.contains(secret), "the {what} appears in the logs");
    }
}

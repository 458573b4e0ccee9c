//! Real OpenID providers for the single sign-on tests, and a browser without a browser.
//!
//! [`OidcProvider`] runs `tests/oidc/provider.mjs` (the `oidc-provider` package from npm)
//! with Node on a loopback port. [`Browser`] follows redirects by hand, keeps cookies,
//! and fills in the provider's development login and consent forms, so a login runs
//! end to end over real HTTP.
//!
//! When Node (or its packages) is missing, [`OidcProvider::start`] fails the test on CI
//! (`CI=true`) and elsewhere prints a notice and returns `None`, so the test can skip.

use std::{
    io::{BufRead, BufReader},
    path::PathBuf,
    process::{Child, ChildStdin, Command, Stdio},
};

use reqwest::{StatusCode, header};
use serde_json::{Value, json};
use url::Url;

use crate::TestApp;

/// `tests/oidc`, where the provider script and its `package.json` live.
pub fn oidc_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("oidc")
}

/// Fails on CI, prints a notice elsewhere.
fn unavailable(why: &str) -> Option<OidcProvider> {
    crate::npm::unavailable(&format!(
        "the single sign-on tests need Node 20+ and npm to run a real OpenID provider (tests/oidc): {why}"
    ));
    None
}

/// A client registered at a provider.
#[derive(Debug, Clone)]
pub struct ClientSpec {
    pub client_id: String,
    pub client_secret: String,
    pub redirect_uri: String,
}

/// A running `oidc-provider`; stopped when dropped.
pub struct OidcProvider {
    pub issuer: String,
    child: Child,
    stdin: Option<ChildStdin>,
    http: reqwest::Client,
}

impl OidcProvider {
    /// Starts a provider on `host` (a loopback address) with these clients. In the
    /// `other_style`, profile claims are only at its userinfo endpoint and clients must
    /// send their secret in the request body (`client_secret_post`).
    pub fn start(host: &str, other_style: bool, clients: &[ClientSpec]) -> Option<Self> {
        if let Err(why) = crate::npm::ensure_packages(&oidc_dir(), "oidc-provider") {
            return unavailable(&why);
        }
        let settings = json!({
            "host": host,
            "leanIdTokens": other_style,
            "secretPost": other_style,
            "clients": clients.iter().map(|c| json!({
                "client_id": c.client_id,
                "client_secret": c.client_secret,
                "redirect_uris": [c.redirect_uri],
                "grant_types": ["authorization_code"],
                "response_types": ["code"],
            })).collect::<Vec<_>>(),
        });
        let spawned = Command::new("node")
            .arg(oidc_dir().join("provider.mjs"))
            .arg(settings.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn();
        let mut child = match spawned {
            Ok(child) => child,
            Err(err) => return unavailable(&format!("cannot run node: {err}")),
        };
        let stdout = child.stdout.take().expect("provider stdout");
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        reader.read_line(&mut line).expect("read the provider's first line");
        // Keep reading what it prints, so that it never writes into a closed pipe.
        std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
        let issuer =
            line.trim().strip_prefix("listening ").unwrap_or_else(|| panic!("provider said {line:?}")).to_owned();
        let stdin = child.stdin.take();
        Some(Self { issuer, child, stdin, http: reqwest::Client::new() })
    }

    async fn control(&self, path: &str, body: Value) {
        let response = self
            .http
            .post(format!("{}/__test/{path}", self.issuer))
            .json(&body)
            .send()
            .await
            .expect("provider control");
        assert!(response.status().is_success(), "provider control {path}: {}", response.status());
    }

    /// Sets the claims returned for logins (keyed by login).
    pub async fn set_claims(&self, login: &str, claims: Value) {
        self.control("accounts", json!({ login: claims })).await;
    }

    /// Alters the ID tokens the provider returns: `nonce`, `audience`, `azp`, `expired`,
    /// `signature`, `alg-none`, or `off`.
    pub async fn tamper(&self, mode: &str) {
        self.control("tamper", json!({ "mode": mode })).await;
    }

    /// Replaces the provider's signing key.
    pub async fn rotate_keys(&self) {
        self.control("rotate", json!({})).await;
    }
}

impl Drop for OidcProvider {
    fn drop(&mut self) {
        self.stdin.take();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What the browser saw when Maillage answered the callback.
#[derive(Debug, Clone)]
pub struct Landing {
    pub status: u16,
    /// Where Maillage sent the browser (the front end's `return_to` with `code`,
    /// `linked` or `error`).
    pub location: Option<Url>,
    /// The error code of Maillage's error page or of `?error=`.
    pub error: Option<String>,
    pub body: String,
}

impl Landing {
    /// The one-time code handed to the front end.
    pub fn code(&self) -> Option<String> {
        self.param("code")
    }

    /// A query parameter of the landing URL.
    pub fn param(&self, name: &str) -> Option<String> {
        self.location.as_ref()?.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
    }
}

/// A cookie-keeping HTTP client that follows redirects by hand.
pub struct Browser {
    client: reqwest::Client,
}

impl Default for Browser {
    fn default() -> Self {
        Self::new()
    }
}

impl Browser {
    pub fn new() -> Self {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("browser client");
        Self { client }
    }

    /// GET without following redirects: (status, Location, body, X-Login-Error).
    pub async fn get(&self, url: &str) -> (u16, Option<Url>, String, Option<String>) {
        let response = self.client.get(url).send().await.expect("GET");
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(|l| Url::parse(url).expect("url").join(l).expect("location"));
        let error = response.headers().get("X-Login-Error").and_then(|v| v.to_str().ok()).map(str::to_owned);
        (status, location, response.text().await.expect("body"), error)
    }

    /// Starts a login at Maillage and logs in at the provider as `login`; returns the
    /// callback URL the provider sent the browser to (not yet visited), or Maillage's
    /// refusal when the login did not even start.
    pub async fn authorize(&self, start_url: &str, login: &str) -> Result<Url, Landing> {
        let (status, location, body, error) = self.get(start_url).await;
        let Some(mut next) = location.filter(|_| status == 303) else {
            return Err(Landing { status, location: None, error, body });
        };
        let maillage_origin = Url::parse(start_url).expect("start url").origin();
        for _ in 0..20 {
            if next.origin() == maillage_origin {
                return Ok(next);
            }
            if next.path().starts_with("/interaction/") {
                next = self.interact(&next, login).await;
                continue;
            }
            let (status, location, body, _) = self.get(next.as_str()).await;
            next = location.unwrap_or_else(|| panic!("provider answered {status} without a redirect: {body}"));
        }
        panic!("too many redirects");
    }

    /// Fills in the provider's development login or consent form.
    async fn interact(&self, url: &Url, login: &str) -> Url {
        let (status, _, page, _) = self.get(url.as_str()).await;
        assert_eq!(status, 200, "interaction page: {page}");
        let prompt = if page.contains(r#"name="prompt" value="consent""#) { "consent" } else { "login" };
        let response = self
            .client
            .post(url.as_str())
            .form(&[("prompt", prompt), ("login", login), ("password", "any password")])
            .send()
            .await
            .expect("submit the interaction");
        assert!(response.status().is_redirection(), "interaction answered {}", response.status());
        let location = response.headers().get(header::LOCATION).and_then(|v| v.to_str().ok()).expect("location");
        url.join(location).expect("location")
    }

    /// Visits Maillage's callback and reports where it sent the browser.
    pub async fn callback(&self, url: &Url) -> Landing {
        let (status, location, body, header_error) = self.get(url.as_str()).await;
        let mut landing = Landing { status, location, error: header_error, body };
        if landing.error.is_none() {
            landing.error = landing.param("error");
        }
        landing
    }

    /// POSTs JSON (with a bearer token when given) and keeps the cookies it sets:
    /// (status, JSON body).
    pub async fn post_json(&self, url: &str, token: Option<&str>, body: &Value) -> (u16, Value) {
        let mut request = self.client.post(url).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("POST");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Submits the HTML form of `page` (its `action` and hidden fields), as a browser
    /// does when its button is pressed; reports where Maillage sent the browser.
    pub async fn submit_form(&self, base: &str, page: &str) -> Landing {
        let action = html_attr(page, "action").unwrap_or_else(|| panic!("no form in {page}"));
        let url = Url::parse(base).expect("base").join(&action).expect("action");
        let mut fields = Vec::new();
        for input in page.split("<input").skip(1) {
            if let (Some(name), Some(value)) = (html_attr(input, "name"), html_attr(input, "value")) {
                fields.push((name, value));
            }
        }
        let response = self.client.post(url.as_str()).form(&fields).send().await.expect("submit");
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(|l| url.join(l).expect("location"));
        let error = response.headers().get("X-Login-Error").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let mut landing = Landing { status, location, error, body: response.text().await.expect("body") };
        if landing.error.is_none() {
            landing.error = landing.param("error");
        }
        landing
    }

    /// A whole login: start, provider login form, callback.
    pub async fn login(&self, start_url: &str, login: &str) -> Landing {
        match self.authorize(start_url, login).await {
            Ok(callback) => self.callback(&callback).await,
            Err(refused) => refused,
        }
    }
}

/// The value of the first `name="…"` attribute in an HTML fragment (entities decoded).
fn html_attr(html: &str, name: &str) -> Option<String> {
    let start = html.find(&format!("{name}=\""))? + name.len() + 2;
    let end = html[start..].find('"')? + start;
    Some(
        html[start..end]
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&"),
    )
}

/// Starts linking an identity at `org` to the person of `token`, from `browser` (which
/// keeps the binding cookie): `POST /auth/{org}/link`; (status, JSON body).
pub async fn start_link(
    app: &TestApp,
    browser: &Browser,
    org: &str,
    token: Option<&str>,
    return_to: &str,
) -> (u16, Value) {
    browser.post_json(&format!("{}/auth/{org}/link", app.base), token, &json!({ "returnTo": return_to })).await
}

/// Exchanges a one-time code at `POST /auth/token`: (status, JSON body).
pub async fn exchange_code(app: &TestApp, code: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!("{}/auth/token", app.base))
        .json(&json!({ "code": code }))
        .send()
        .await
        .expect("POST /auth/token");
    let status = response.status();
    let body = response.json().await.unwrap_or(Value::Null);
    (if status == StatusCode::OK { 200 } else { status.as_u16() }, body)
}

/// An organization of the SSO tests: its slug, global id and provider.
pub struct SsoOrg {
    pub slug: String,
    pub id: String,
    pub provider: OidcProvider,
    pub provider_id: String,
    pub client: ClientSpec,
}

impl SsoOrg {
    /// The login URL of this organization returning to `return_to`.
    pub fn login_url(&self, app: &TestApp, return_to: &str) -> String {
        let mut url = Url::parse(&format!("{}/auth/{}/login", app.base, self.slug)).expect("url");
        url.query_pairs_mut().append_pair("return_to", return_to);
        url.to_string()
    }
}

/// The front end the SSO tests return to (on each organization's allowlist).
pub const FRONT_END: &str = "https://front.example/after-login";

/// Creates an organization through the API, starts its provider on `host` (in the other
/// style — lean ID tokens, `client_secret_post` — on any loopback address but 127.0.0.1,
/// so that both kinds of provider are exercised), registers the provider with `claim_mappings`, and allows [`FRONT_END`] as
/// a return URL.
pub async fn sso_org(
    app: &TestApp,
    admin: &str,
    slug: &str,
    host: &str,
    email_domain: &str,
    claim_mappings: Value,
) -> Option<SsoOrg> {
    let client = ClientSpec {
        client_id: format!("maillage-{slug}"),
        client_secret: format!("client-secret-of-{slug}-{}", uuid::Uuid::new_v4().simple()),
        redirect_uri: format!("{}/auth/{slug}/callback", app.base),
    };
    let provider = OidcProvider::start(host, host != "127.0.0.1", std::slice::from_ref(&client))?;
    let created = app
        .ok(
            Some(admin),
            "mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { organization { id } } }",
            json!({ "input": { "slug": slug, "name": format!("Organization {slug}") } }),
        )
        .await;
    let id = created["createOrganization"]["organization"]["id"].as_str().expect("id").to_owned();
    app.ok(
        Some(admin),
        "mutation($input: UpdateOrganizationInput!) { updateOrganization(input: $input) { organization { id } } }",
        json!({ "input": { "id": id, "allowedReturnUrls": ["https://front.example/"] } }),
    )
    .await;
    let registered = app
        .ok(
            Some(admin),
            REGISTER_PROVIDER,
            json!({ "input": {
                "organizationId": id, "issuer": provider.issuer, "clientId": client.client_id,
                "clientSecret": client.client_secret, "allowedEmailDomains": [email_domain],
                "claimMappings": claim_mappings, "displayName": format!("Login {slug}"),
            }}),
        )
        .await;
    let provider_id =
        registered["registerIdentityProvider"]["identityProvider"]["id"].as_str().expect("provider id").to_owned();
    Some(SsoOrg { slug: slug.to_owned(), id, provider, provider_id, client })
}

/// The `registerIdentityProvider` mutation.
pub const REGISTER_PROVIDER: &str = "mutation($input: RegisterIdentityProviderInput!) {
    registerIdentityProvider(input: $input) { identityProvider { id issuer clientId enabled hasClientSecret } } }";

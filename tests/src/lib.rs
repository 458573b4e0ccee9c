//! Test harness: starts the real Maillage server on a loopback port against a fresh
//! database, and talks GraphQL to it over HTTP like a partner front end would.
//!
//! The database is a new SQLite file by default. With `TEST_DATABASE_URL` set to a
//! PostgreSQL URL (as `.ci/run` does), each test creates its own database there and
//! drops it at the end.

use std::{
    net::TcpListener,
    path::PathBuf,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
};

use maillage_api::{
    config::Settings,
    db,
    server::{self, RunningServer},
    service::{
        App,
        token::{self, TokenRequest},
    },
};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use secrecy::{ExposeSecret as _, SecretString};
use serde_json::{Value, json};

pub mod access_model;
pub mod library;
pub mod npm;
pub mod oidc;
pub mod postgres;
pub mod prometheus;
pub mod s3;
pub mod template;

/// The variable naming a PostgreSQL server for the tests.
pub const PG_ENV: &str = "TEST_DATABASE_URL";

/// A running server with its own database.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`
    pub base: String,
    /// Direct access to the server's database, for setting up and checking data.
    pub db: DatabaseConnection,
    /// The server's services (database and Authorizer).
    pub app: App,
    url: SecretString,
    /// SQL statements run by the server's connection since the last reset.
    statements: Arc<AtomicUsize>,
    /// Their text.
    statement_log: Arc<std::sync::Mutex<Vec<String>>>,
    /// Every statement since the last reset, background checks included.
    every_log: Arc<std::sync::Mutex<Vec<String>>>,
    client: reqwest::Client,
    server: Option<RunningServer>,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(#[expect(dead_code, reason = "held so the directory lives as long as the app")] tempfile::TempDir),
    Postgres {
        admin_url: String,
        name: String,
    },
    /// A database the test owns.
    External,
}

impl TestApp {
    /// Starts a server on a fresh database.
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// Starts a server on a fresh database, with settings adjusted by `configure` (low
    /// rate limits, a short timeout…).
    pub async fn spawn_with(configure: impl FnOnce(&mut Settings)) -> Self {
        let (url, cleanup) = match std::env::var(PG_ENV) {
            Ok(admin_url) if !admin_url.is_empty() => {
                // Named with its creation time: see `template::sweep_old_databases`.
                let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
                let name = format!("maillage_test_{}_{}", now.as_secs(), uuid::Uuid::new_v4().simple());
                template::postgres_create(&admin_url, &name).await;
                let url = replace_database(&admin_url, &name);
                (url, Cleanup::Postgres { admin_url, name })
            }
            _ => {
                let dir = tempfile::tempdir().expect("temp dir");
                let path = dir.path().join("maillage.db");
                template::sqlite_copy(&path).await;
                let url = format!("sqlite://{}?mode=rwc", path.display());
                (url, Cleanup::Sqlite(dir))
            }
        };
        Self::start(url, cleanup, configure).await
    }

    /// Starts a server on the database at `url` (already there, left as it is at the
    /// end): a PostgreSQL server the test runs itself ([`postgres::TempPostgres`]).
    pub async fn spawn_on(url: &str, configure: impl FnOnce(&mut Settings)) -> Self {
        Self::start(url.to_owned(), Cleanup::External, configure).await
    }

    async fn start(url: String, cleanup: Cleanup, configure: impl FnOnce(&mut Settings)) -> Self {
        let statements = Arc::new(AtomicUsize::new(0));
        let counter = statements.clone();
        let statement_log = Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = statement_log.clone();
        let every_log = Arc::new(std::sync::Mutex::new(Vec::new()));
        let every = every_log.clone();
        let observer: db::StatementObserver = Arc::new(move |sql: &str| {
            if let Ok(mut every) = every.lock() {
                every.push(sql.to_owned());
            }
            // The policy and origins checks run on their own pace: not a request's work.
            if db::in_background() {
                return;
            }
            counter.fetch_add(1, Ordering::SeqCst);
            if let Ok(mut log) = log.lock() {
                log.push(sql.to_owned());
            }
        });
        let url = SecretString::from(url);
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let mut settings = settings(url.clone(), &base);
        configure(&mut settings);
        // The server's pool as `maillage serve` opens it, with the settings' timeouts.
        let timeouts = db::Timeouts {
            statement: std::time::Duration::from_millis(settings.statement_timeout_ms),
            lock: std::time::Duration::from_millis(settings.lock_timeout_ms),
            acquire: std::time::Duration::from_millis(settings.db_acquire_timeout_ms),
        };
        let server_db =
            db::connect_with(&url, settings.max_connections, timeouts, Some(observer)).await.expect("connect");
        db::migrate(&server_db).await.expect("migrate");
        let test_db = db::connect_url(&url, 2, None).await.expect("connect");
        let sso = settings.sso_context().expect("single sign-on context");
        let app = App::load(server_db, sso).await.expect("load the policy");
        // As the server shapes it (library limits, blob store), for tests that call services.
        let app = server::configure_app(&settings, app).expect("configure the services");
        let server = server::start_on(listener, &settings, app.clone(), false).expect("start server");
        Self {
            base,
            db: test_db,
            app,
            url,
            statements,
            statement_log,
            every_log,
            // Idle connections are dropped before the server's 5 s keep-alive ends them:
            // otherwise a request sent as the server closes its connection is reset.
            client: reqwest::Client::builder()
                .pool_idle_timeout(std::time::Duration::from_secs(2))
                .build()
                .expect("HTTP client"),
            server: Some(server),
            cleanup,
        }
    }

    /// Starts another server (a replica, with its own Authorizer and caches) on the same
    /// database; returns its base URL.
    pub async fn spawn_replica(&self) -> (String, RunningServer) {
        self.spawn_replica_at(self.url.clone()).await
    }

    /// [`Self::spawn_replica`], reaching the same database at `url` (through a proxy…).
    pub async fn spawn_replica_at(&self, url: SecretString) -> (String, RunningServer) {
        let db = db::connect_url(&url, 3, None).await.expect("connect");
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let settings = settings(url, &format!("http://{}", listener.local_addr().expect("address")));
        let app = App::load(db, settings.sso_context().expect("sso")).await.expect("load the policy");
        let server = server::start_on(listener, &settings, app, false).expect("start replica");
        (format!("http://{}", server.addr), server)
    }

    /// Posts a GraphQL operation to another server (a replica).
    pub async fn gql_at(&self, base: &str, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut request =
            self.client.post(format!("{base}/graphql")).json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("send").json().await.expect("JSON body")
    }

    /// The URL of this app's database (for other servers on it).
    pub fn database_url(&self) -> &SecretString {
        &self.url
    }

    /// Whether this app runs on PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        self.url.expose_secret().starts_with("postgres")
    }

    /// Issues a token for a person (created if missing), as `maillage token` does.
    pub async fn token(&self, email: &str, org: Option<&str>, network_admin: bool) -> String {
        let issued = token::issue(
            &self.db,
            &TokenRequest {
                email: email.into(),
                person_id: None,
                display_name: None,
                organization_slug: org.map(str::to_owned),
                network_admin,
                ttl_days: 1,
            },
        )
        .await
        .expect("issue token");
        secrecy::ExposeSecret::expose_secret(&issued.token).to_owned()
    }

    /// Posts a GraphQL operation; returns the HTTP status and the JSON body.
    pub async fn post(&self, token: Option<&str>, query: &str, variables: Value) -> (u16, Value) {
        let (status, _, body) = self.post_in(None, token, query, variables).await;
        (status, body)
    }

    /// Posts a GraphQL operation with an `Accept-Language` header (none when `language`
    /// is `None`); returns the status, the answer's `Content-Language` and its body.
    pub async fn post_in(
        &self,
        language: Option<&str>,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> (u16, String, Value) {
        let mut request = self.client.post(format!("{}/graphql", self.base)).json(&json!({
            "query": query,
            "variables": variables,
        }));
        if let Some(language) = language {
            request = request.header("accept-language", language);
        }
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("send");
        let status = response.status().as_u16();
        let content_language =
            response.headers().get("content-language").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        (status, content_language, response.json().await.expect("JSON body"))
    }

    /// Posts a GraphQL operation asking for answers in `language` (`Accept-Language`);
    /// returns its JSON body.
    pub async fn gql_in(&self, language: &str, token: Option<&str>, query: &str, variables: Value) -> Value {
        self.post_in(Some(language), token, query, variables).await.2
    }

    /// Posts a GraphQL operation and returns its JSON body.
    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        self.post(token, query, variables).await.1
    }

    /// Posts a GraphQL operation that must succeed; returns its `data`.
    pub async fn ok(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let body = self.gql(token, query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
        body["data"].clone()
    }

    /// Posts raw bytes to `/graphql`.
    pub async fn post_raw(&self, body: impl Into<reqwest::Body>, content_type: &str) -> (u16, Value) {
        let response = self
            .client
            .post(format!("{}/graphql", self.base))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("send");
        let status = response.status().as_u16();
        let text = response.text().await.expect("body");
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    /// GET a path of the server.
    pub async fn get(&self, path: &str) -> (u16, String) {
        let response = self.client.get(format!("{}{path}", self.base)).send().await.expect("send");
        (response.status().as_u16(), response.text().await.expect("body"))
    }

    /// Resets the SQL statement counter.
    pub fn reset_statements(&self) {
        self.statements.store(0, Ordering::SeqCst);
        for log in [&self.statement_log, &self.every_log] {
            if let Ok(mut log) = log.lock() {
                log.clear();
            }
        }
    }

    /// The SQL statements the server ran for requests since the last reset (its
    /// background checks of the policy and origins left out).
    pub fn statement_log(&self) -> Vec<String> {
        self.statement_log.lock().map(|log| log.clone()).unwrap_or_default()
    }

    /// Every SQL statement the server ran since the last reset, its background checks
    /// included.
    pub fn every_statement(&self) -> Vec<String> {
        self.every_log.lock().map(|log| log.clone()).unwrap_or_default()
    }

    /// SQL statements the server ran for requests since the last reset (its background
    /// checks left out).
    pub fn statements(&self) -> usize {
        self.statements.load(Ordering::SeqCst)
    }

    /// Counts the rows of a table.
    pub async fn count_rows(&self, table: &str) -> i64 {
        let backend = self.db.get_database_backend();
        let row = self
            .db
            .query_one_raw(sea_orm::Statement::from_string(backend, format!("SELECT COUNT(*) AS n FROM {table}")))
            .await
            .expect("count")
            .expect("a row");
        row.try_get::<i64>("", "n").expect("n")
    }

    /// Stops the server (the database is dropped when the app is dropped).
    pub async fn stop(mut self) {
        if let Some(server) = self.server.take() {
            server.stop().await;
        }
    }
}

static DEFER_DROPS: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// From now on in this test process, a PostgreSQL test database is dropped in the
/// background when its app is dropped: for tests that make one database after another.
pub fn defer_database_drops() {
    DEFER_DROPS.store(true, Ordering::SeqCst);
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Cleanup::Postgres { admin_url, name } = &self.cleanup {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            // Drop runs outside async: use a private runtime on a plain thread. Waited for,
            // except after `defer_database_drops`: PostgreSQL takes a second or two to drop
            // a database (a checkpoint), and the property tests make hundreds. The last one
            // of such a test may outlive its process: a later process drops it
            // (`template::sweep_old_databases`).
            let dropping = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
                runtime.block_on(async {
                    let admin = Database::connect(&admin_url).await.ok()?;
                    admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await.ok()?;
                    admin.close().await.ok()
                })
            });
            if !DEFER_DROPS.load(Ordering::SeqCst) && !matches!(dropping.join(), Ok(Some(()))) {
                eprintln!("warning: could not drop test database");
            }
        }
    }
}

fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let base = match base.rfind('/') {
        Some(i) if i > "postgres://".len() => &base[..i],
        _ => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// The key encrypting identity-provider secrets in tests (replicas share it).
pub const TEST_SECRET_KEY: &str = "bWFpbGxhZ2UtdGVzdC1rZXktMzItYnl0ZXMtbG9uZyE=";

fn settings(url: SecretString, public_url: &str) -> Settings {
    Settings {
        listen: "127.0.0.1:0".parse().expect("address"),
        data_dir: PathBuf::from("."),
        database_url: Some(url),
        graphiql: true,
        token_ttl_days: 1,
        log: "warn".into(),
        max_connections: 5,
        statement_timeout_ms: 10_000,
        lock_timeout_ms: 5_000,
        workers: 2,
        // The backend's default: PostgreSQL's notifications, SQLite's fast poll.
        policy_refresh_ms: None,
        public_url: Some(public_url.to_owned()),
        secret_key: Some(SecretString::from(TEST_SECRET_KEY)),
        session_ttl_hours: 12,
        session_idle_minutes: 120,
        request_timeout_secs: 30,
        max_concurrent_requests: 64,
        concurrency_wait_ms: 10_000,
        // The suite sends thousands of requests from 127.0.0.1: limits are tested with
        // low values in `security_limits.rs`.
        rate_limit_person_cost_per_minute: 1_000_000_000,
        rate_limit_ip_cost_per_minute: 1_000_000_000,
        rate_limit_api_client_cost_per_minute: 1_000_000_000,
        api_client_token_ttl_secs: 3_600,
        api_client_secret_grace_secs: 86_400,
        rate_limit_auth_per_minute: 1_000_000,
        rate_limit_calendar_per_minute: 1_000_000,
        max_response_bytes: 4 << 20,
        max_batch_size: 10,
        // The tests' OpenID providers run on loopback.
        allow_loopback_providers: true,
        metrics_token: None,
        log_format: maillage_api::config::LogFormat::Text,
        otlp_traces_endpoint: None,
        shutdown_grace_secs: 5,
        // Generous: tests run side by side on a busy machine; `faults.rs` sets its own.
        db_acquire_timeout_ms: 10_000,
        max_upload_mb: 50,
        upload_types: maillage_api::service::library::DEFAULT_UPLOAD_TYPES.iter().map(|t| (*t).to_owned()).collect(),
        blob_gc_interval_secs: 600,
        trusted_proxies: Vec::new(),
        storage_url: None,
        storage_endpoint: None,
        storage_region: "us-east-1".into(),
        storage_access_key_id: None,
        storage_secret_access_key: None,
    }
}

/// The `extensions.code` of the first error.
pub fn error_code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"].as_str().unwrap_or("<no code>")
}

/// The `extensions.field` of the first error.
pub fn error_field(body: &Value) -> &str {
    body["errors"][0]["extensions"]["field"].as_str().unwrap_or("<no field>")
}

/// Building blocks for tests: a small network created through the API.
pub mod fixtures {
    use maillage_api::graphql::ids;
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};
    use serde_json::{Value, json};

    use super::TestApp;
    use entity::{
        enums::{CommunityRole, CommunityRoles, MembershipStatus},
        membership,
    };

    /// Inserts `n` one-off meetings of the community, one a day from 2027-01-01, the later
    /// ones first (so that the order of ids is not the order of starts).
    pub async fn plant_events(app: &TestApp, community: &Value, creator: i32, n: i64) {
        plant(app, community, creator, n, false).await;
    }

    /// Puts `n` weekly series with no end in `community` (members only), the `i`-th
    /// from 15:00 UTC on day `i` of 2027: each day of a week holds `n / 7` of them.
    pub async fn plant_weekly_series(app: &TestApp, community: &Value, creator: i32, n: i64) {
        plant(app, community, creator, n, true).await;
    }

    async fn plant(app: &TestApp, community: &Value, creator: i32, n: i64, weekly: bool) {
        use chrono::{Duration, TimeZone, Utc};
        use entity::enums::{Audience, EventKind, EventMode};
        use sea_orm::EntityTrait;
        let first = Utc.with_ymd_and_hms(2027, 1, 1, 15, 0, 0).single().expect("a date");
        let now = Utc::now();
        let rows: Vec<entity::event::ActiveModel> = (0..n)
            .rev()
            .map(|i| {
                let start = first + Duration::days(i);
                entity::event::ActiveModel {
                    community_id: Set(db_id(community)),
                    subgroup_id: Set(None),
                    kind: Set(EventKind::Meeting),
                    title: Set(format!("Rencontre {i:03}")),
                    agenda: Set(String::new()),
                    starts_at: Set(start),
                    ends_at: Set(start + Duration::hours(1)),
                    time_zone: Set("America/Toronto".into()),
                    recurrence: Set(weekly.then(|| "FREQ=WEEKLY".to_owned())),
                    series_ends_at: Set((!weekly).then(|| start + Duration::hours(1))),
                    mode: Set(EventMode::Virtual),
                    place: Set(None),
                    join_url: Set(Some("https://meet.example/x".into())),
                    capacity: Set(None),
                    audience: Set(Audience::Members),
                    speakers: Set("[]".into()),
                    cancelled: Set(false),
                    version: Set(1),
                    created_by: Set(creator),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                }
            })
            .collect();
        for chunk in rows.chunks(200) {
            entity::event::Entity::insert_many(chunk.to_vec()).exec(&app.db).await.expect("insert events");
        }
    }

    /// The number behind a global id.
    pub fn db_id(global: &Value) -> i32 {
        let id = async_graphql::ID(global.as_str().expect("id string").to_owned());
        ids::from_global_any("id", &id).expect("a global id").1
    }

    /// Creates an organization as `token`; returns its global id.
    pub async fn organization(app: &TestApp, token: &str, slug: &str) -> Value {
        let data = app
            .ok(
                Some(token),
                "mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { organization { id slug } } }",
                json!({ "input": { "slug": slug, "name": format!("Organization {slug}"), "kind": "HEALTH_AND_SOCIAL_SERVICES_CENTRE", "region": "Montérégie" } }),
            )
            .await;
        data["createOrganization"]["organization"]["id"].clone()
    }

    /// Creates a community as `token`; returns its global id.
    pub async fn community(app: &TestApp, token: &str, slug: &str, visibility: &str, policy: &str) -> Value {
        let data = app
            .ok(
                Some(token),
                "mutation($input: CreateCommunityInput!) { createCommunity(input: $input) { community { id slug } } }",
                json!({ "input": {
                    "slug": slug, "name": format!("Community {slug}"), "description": "A community of practice.",
                    "visibility": visibility, "membershipPolicy": policy,
                } }),
            )
            .await;
        data["createCommunity"]["community"]["id"].clone()
    }

    /// Makes a person an active member (until joinCommunity lands, set up directly).
    pub async fn add_member(app: &TestApp, community: &Value, person_id: i32, roles: &[CommunityRole]) {
        let now = chrono::Utc::now();
        let roles: CommunityRoles = roles.iter().copied().collect();
        membership::ActiveModel {
            community_id: Set(db_id(community)),
            person_id: Set(person_id),
            roles: Set(roles.0),
            status: Set(MembershipStatus::Active),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&app.db)
        .await
        .expect("insert membership");
    }

    /// The person id behind a token.
    pub async fn person_id(app: &TestApp, token: &str) -> i32 {
        let data = app.ok(Some(token), "{ me { id } }", json!({})).await;
        db_id(&data["me"]["id"])
    }

    /// Starts a thread; returns its global id.
    pub async fn thread(app: &TestApp, token: &str, community: &Value, title: &str) -> Value {
        let data = app
            .ok(
                Some(token),
                "mutation($input: CreateThreadInput!) { createThread(input: $input) { thread { id } } }",
                json!({ "input": { "communityId": community, "title": title, "body": "Opening message." } }),
            )
            .await;
        data["createThread"]["thread"]["id"].clone()
    }

    /// Replies in a thread; returns the post's global id.
    pub async fn post(app: &TestApp, token: &str, thread: &Value, body: &str) -> Value {
        let data = app
            .ok(
                Some(token),
                "mutation($input: CreatePostInput!) { createPost(input: $input) { post { id } } }",
                json!({ "input": { "threadId": thread, "body": body } }),
            )
            .await;
        data["createPost"]["post"]["id"].clone()
    }
}

/// GraphQL operations the tests share.
pub mod ops {
    pub const JOIN: &str = "mutation($id: ID!) { joinCommunity(input: { communityId: $id }) { membership { id status roles pendingApprovals } } }";
    pub const INVITE: &str = "mutation($c: ID!, $p: ID!) { inviteToCommunity(input: { communityId: $c, personId: $p }) { membership { id status roles pendingApprovals } } }";
    pub const ACCEPT: &str = "mutation($id: ID!) { acceptInvitation(input: { membershipId: $id }) { membership { id status roles pendingApprovals } } }";
    pub const DECLINE: &str =
        "mutation($id: ID!) { declineInvitation(input: { membershipId: $id }) { membership { id status } } }";
    pub const DECIDE: &str = "mutation($id: ID!, $ok: Boolean!, $why: String) { decideMembership(input: { membershipId: $id, approve: $ok, reason: $why }) { membership { id status roles pendingApprovals } } }";
    pub const LEAVE: &str =
        "mutation($id: ID!) { leaveCommunity(input: { communityId: $id }) { membership { id status } } }";
    pub const REMOVE: &str = "mutation($id: ID!) { removeMember(input: { membershipId: $id, reason: \"spam\" }) { membership { id status } } }";
    pub const BAN: &str = "mutation($id: ID!) { banMember(input: { membershipId: $id, reason: \"abuse\" }) { membership { id status banned } } }";
    pub const ASSIGN: &str = "mutation($id: ID!, $roles: [CommunityRole!]!) { assignCommunityRoles(input: { membershipId: $id, roles: $roles }) { membership { id status roles } } }";
    pub const ADD_ORG: &str = "mutation($c: ID!, $o: ID!) { addCommunityOrganization(input: { communityId: $c, organizationId: $o }) { communityOrganization { status organization { slug } } } }";
    pub const SET_SPONSOR: &str = "mutation($c: ID!, $o: ID!, $p: ID!) { setCommunitySponsor(input: { communityId: $c, organizationId: $o, personId: $p }) { communityOrganization { sponsor { displayName } } } }";
    pub const ASSIGN_ROLE: &str = "mutation($p: ID!, $s: ID, $r: String!) { assignRole(input: { personId: $p, scopeId: $s, role: $r }) { person { id } } }";
    pub const GRANT: &str = "mutation($role: String!, $s: ID, $o: String!, $a: String!, $e: Effect = ALLOW) { grantPermission(input: { role: $role, scopeId: $s, object: $o, action: $a, effect: $e }) { rule { text } generation } }";
    pub const REVOKE: &str = "mutation($role: String!, $s: ID, $o: String!, $a: String!, $e: Effect = ALLOW) { revokePermission(input: { role: $role, scopeId: $s, object: $o, action: $a, effect: $e }) { rule { text } generation } }";
    pub const VIEWER_CAN: &str = "query($s: String!) { community(slug: $s) { viewerCan { read join requestToJoin respondToInvitation post moderate invite approve manageMembers assignRoles createSubgroup update archive manageOrganizations managePolicy } } }";
}

/// Direct data set-up for access tests (faster than going through every mutation).
pub mod setup {
    use entity::{
        community_organization,
        enums::{CommunityRoles, MembershipStatus, OrganizationRoleKind, ParticipationStatus},
        membership, organization_role,
    };
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

    use super::TestApp;

    /// Inserts a membership with any status.
    pub async fn membership(
        app: &TestApp,
        community_id: i32,
        person_id: i32,
        roles: CommunityRoles,
        status: MembershipStatus,
    ) {
        let now = chrono::Utc::now();
        membership::ActiveModel {
            community_id: Set(community_id),
            person_id: Set(person_id),
            roles: Set(roles.0),
            status: Set(status),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&app.db)
        .await
        .expect("insert membership");
    }

    /// Makes an organization take part in a community, with a sponsor (made a MANAGER of
    /// the organization: the sponsor tie counts only while they manage it).
    pub async fn participation(app: &TestApp, community_id: i32, organization_id: i32, sponsor_id: Option<i32>) {
        let now = chrono::Utc::now();
        if let Some(sponsor) = sponsor_id {
            manager(app, organization_id, sponsor).await;
        }
        community_organization::ActiveModel {
            community_id: Set(community_id),
            organization_id: Set(organization_id),
            sponsor_id: Set(sponsor_id),
            status: Set(ParticipationStatus::Active),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&app.db)
        .await
        .expect("insert participation");
    }

    /// Makes a person a member of a subgroup.
    pub async fn subgroup_member(app: &TestApp, subgroup_id: i32, person_id: i32) {
        entity::subgroup_member::ActiveModel {
            subgroup_id: Set(subgroup_id),
            person_id: Set(person_id),
            role: Set(entity::enums::SubgroupRole::Member),
            created_at: Set(chrono::Utc::now()),
            ..Default::default()
        }
        .insert(&app.db)
        .await
        .expect("insert subgroup member");
    }

    /// Makes a person a MANAGER of an organization (if not already).
    pub async fn manager(app: &TestApp, organization_id: i32, person_id: i32) {
        let held = organization_role::Entity::find()
            .filter(organization_role::Column::OrganizationId.eq(organization_id))
            .filter(organization_role::Column::PersonId.eq(person_id))
            .filter(organization_role::Column::Role.eq(OrganizationRoleKind::Manager))
            .one(&app.db)
            .await
            .expect("find organization role");
        if held.is_none() {
            organization_role::ActiveModel {
                person_id: Set(person_id),
                organization_id: Set(organization_id),
                role: Set(OrganizationRoleKind::Manager),
                created_at: Set(chrono::Utc::now()),
                provider_id: Set(None),
                ..Default::default()
            }
            .insert(&app.db)
            .await
            .expect("insert organization role");
        }
    }
}

/// Polls every future together (no spawning) and returns their outputs in order.
pub async fn join_all<T, F: std::future::Future<Output = T>>(calls: impl Iterator<Item = F>) -> Vec<T> {
    let mut calls: Vec<_> = calls.map(Box::pin).collect();
    let mut out: Vec<Option<T>> = calls.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        for (call, slot) in calls.iter_mut().zip(out.iter_mut()) {
            if slot.is_none()
                && let std::task::Poll::Ready(value) = call.as_mut().poll(cx)
            {
                *slot = Some(value);
            }
        }
        if out.iter().all(Option::is_some) { std::task::Poll::Ready(()) } else { std::task::Poll::Pending }
    })
    .await;
    out.into_iter().flatten().collect()
}

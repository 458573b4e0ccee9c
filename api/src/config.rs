//! Typed settings: built-in defaults, then an optional TOML file, then `MAILLAGE_*`
//! environment variables (and `DATABASE_URL`), then command-line flags.

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
};

use figment::{
    Figment,
    providers::{Env, Format, Serialized, Toml},
};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

/// The file read when `--config` is not given (only if it exists).
pub const DEFAULT_CONFIG_FILE: &str = "maillage.toml";

/// The largest `max_batch_size` accepted: the answer to a batch is held whole in memory.
pub const MAX_BATCH_SIZE: usize = 100;

/// The smallest `max_response_bytes` accepted: room for a page of a front end.
pub const MIN_RESPONSE_BYTES: usize = 64 * 1024;

/// The longest `api_client_secret_grace_secs` accepted (30 days).
pub const MAX_SECRET_GRACE_SECS: u64 = 30 * 86_400;

/// The longest `shutdown_grace_secs` accepted (an orchestrator kills a process that
/// takes longer anyway: Kubernetes' default is 30 s).
pub const MAX_SHUTDOWN_GRACE_SECS: u64 = 600;

/// The shortest `metrics_token` accepted: a short one could be guessed.
pub const MIN_METRICS_TOKEN_BYTES: usize = 16;

/// Everything the server can be told.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Directory for the embedded SQLite database (and, later, generated keys).
    pub data_dir: PathBuf,
    /// Database URL (`sqlite://…` or `postgres://…`); the embedded SQLite when absent.
    pub database_url: Option<SecretString>,
    /// Serve GraphiQL at `/graphiql` (for development: it loads its scripts from a CDN).
    pub graphiql: bool,
    /// Lifetime of tokens printed by `maillage token`, in days.
    pub token_ttl_days: u32,
    /// Log filter (`info`, `maillage_api=debug,info`…).
    pub log: String,
    /// Database connection pool size.
    pub max_connections: u32,
    /// PostgreSQL: the longest a statement may run, in milliseconds (`statement_timeout`).
    pub statement_timeout_ms: u64,
    /// PostgreSQL: the longest a statement may wait for a lock, in milliseconds
    /// (`lock_timeout`).
    pub lock_timeout_ms: u64,
    /// HTTP worker threads (0: one per core).
    pub workers: usize,
    /// How often (milliseconds) to compare the policy generation with the database's:
    /// other replicas' changes are seen this late at worst. When absent, 10,000 on
    /// PostgreSQL (which notifies every change at once) and 250 on SQLite.
    pub policy_refresh_ms: Option<u64>,
    /// The URL browsers reach this server at (login callbacks are built from it);
    /// `http://{listen}` when absent.
    pub public_url: Option<String>,
    /// Key (32 bytes, base64) encrypting identity-provider secrets; generated into
    /// `data_dir/secret.key` on first start when absent. Replicas must share it.
    pub secret_key: Option<SecretString>,
    /// Lifetime of a session opened by a login, in hours.
    pub session_ttl_hours: u32,
    /// A login session unused for this many minutes ends.
    pub session_idle_minutes: u32,
    /// A GraphQL request running longer than this many seconds is stopped (`TIMEOUT`).
    pub request_timeout_secs: u64,
    /// GraphQL requests executed at once by this process; more wait (see
    /// `concurrency_wait_ms`).
    pub max_concurrent_requests: usize,
    /// How long a GraphQL request waits for a free slot before `503 UNAVAILABLE`.
    pub concurrency_wait_ms: u64,
    /// Cost points per minute one logged-in person may spend on `/graphql`
    /// (`429 RATE_LIMITED`; see the README's "Rate limits"). Per replica.
    pub rate_limit_person_cost_per_minute: u64,
    /// Cost points per minute anonymous requests from one IP address may spend on
    /// `/graphql`. Per replica.
    pub rate_limit_ip_cost_per_minute: u64,
    /// Cost points per minute one API client may spend on `/graphql` (its own budget,
    /// apart from people's). Per replica.
    pub rate_limit_api_client_cost_per_minute: u64,
    /// Lifetime of an access token issued by `POST /oauth/token`, in seconds (60 to 86,400).
    pub api_client_token_ttl_secs: u64,
    /// How long an API client's previous secret keeps working after `rotateApiClientSecret`,
    /// in seconds (0: it stops at once; at most 30 days).
    pub api_client_secret_grace_secs: u64,
    /// Requests per minute one IP address may send to `/auth/…` (logins, token exchange),
    /// and invalid tokens it may present to `/graphql`.
    pub rate_limit_auth_per_minute: u32,
    /// Requests per minute to the calendar feeds (`/calendar/…`): per personal feed (its
    /// person), and per IP address for community feeds.
    pub rate_limit_calendar_per_minute: u32,
    /// The largest answer `/graphql` sends, in bytes of JSON before compression: a larger
    /// one is replaced by a `RESPONSE_TOO_LARGE` error.
    pub max_response_bytes: usize,
    /// Most operations in one batch (a JSON array posted to `/graphql`); `0` refuses
    /// batches. Each operation counts as one request for the rate limits and is bounded
    /// like one; the batch runs them one after the other in one execution slot, all within
    /// `request_timeout_secs`.
    pub max_batch_size: usize,
    /// Let identity providers be on loopback (`http://127.0.0.1:…`, `localhost`):
    /// development and tests only. Off by default: providers must be public `https`.
    pub allow_loopback_providers: bool,
    /// The bearer token `GET /metrics` asks for (`Authorization: Bearer …`). When absent,
    /// `/metrics` answers loopback callers only (a scraper on the same host or through a
    /// sidecar); set it to scrape from elsewhere.
    pub metrics_token: Option<SecretString>,
    /// How log lines are written to stderr: `text` (for people) or `json` (one object a
    /// line, for log collectors).
    pub log_format: LogFormat,
    /// Where to export traces over OTLP/HTTP (protobuf), the full URL of the collector's
    /// traces endpoint (`http://collector:4318/v1/traces`). Each request is a `request`
    /// span, child of the `traceparent` it came with. When absent, nothing is exported.
    pub otlp_traces_endpoint: Option<String>,
    /// On SIGTERM or SIGINT, how many seconds requests in flight have to finish while no
    /// new connection is accepted and new requests get `503 UNAVAILABLE`; the process then
    /// exits.
    pub shutdown_grace_secs: u64,
    /// How long a request waits for a database connection, in milliseconds, before
    /// `503 UNAVAILABLE` (the database is down or every connection busy). Kept well under
    /// `request_timeout_secs` so that a database outage is answered quickly.
    pub db_acquire_timeout_ms: u64,
    /// The largest file the library accepts, in MiB (1 to 10,240).
    pub max_upload_mb: u64,
    /// The kinds of file the library accepts, among `pdf`, `opendocument`, `office`,
    /// `image` (PNG, JPEG, GIF, WebP), `text`, `csv` and `markdown`.
    pub upload_types: Vec<String>,
    /// How often (seconds) the blob store's garbage collector runs: it removes file
    /// contents no document version references, once an hour old.
    pub blob_gc_interval_secs: u64,
    /// The reverse proxies (load balancers) in front of the server, as addresses or
    /// networks (`["10.0.0.0/8", "192.0.2.7"]`; in the environment as `[10.0.0.0/8]`).
    /// A request from one of them is counted, for the per-address rate limits and logs,
    /// against the address its `X-Forwarded-For` names: the last one that is not itself
    /// a trusted proxy. Empty by default: the connecting address counts, and
    /// `X-Forwarded-For` is ignored (anyone can write it).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Where the library keeps file contents: absent, in the database; `s3://bucket` or
    /// `s3://bucket/prefix`, in S3-compatible object storage shared by every replica.
    pub storage_url: Option<String>,
    /// The endpoint of an S3-compatible service (`https://s3.example.org`); AWS when
    /// absent.
    pub storage_endpoint: Option<String>,
    /// The bucket's region.
    pub storage_region: String,
    /// The object storage's access key id; when absent, the usual `AWS_*` variables.
    pub storage_access_key_id: Option<String>,
    /// The object storage's secret access key; when absent, the usual `AWS_*` variables.
    pub storage_secret_access_key: Option<SecretString>,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines (colour only when stderr is a terminal).
    #[default]
    Text,
    /// One JSON object per line, with the request's span fields.
    Json,
}

/// Built-in defaults, as serialisable values so figment can layer over them.
#[derive(Serialize)]
struct Defaults {
    listen: &'static str,
    data_dir: &'static str,
    graphiql: bool,
    token_ttl_days: u32,
    log: &'static str,
    max_connections: u32,
    statement_timeout_ms: u64,
    lock_timeout_ms: u64,
    workers: usize,
    session_ttl_hours: u32,
    session_idle_minutes: u32,
    request_timeout_secs: u64,
    max_concurrent_requests: usize,
    concurrency_wait_ms: u64,
    rate_limit_person_cost_per_minute: u64,
    rate_limit_ip_cost_per_minute: u64,
    rate_limit_api_client_cost_per_minute: u64,
    api_client_token_ttl_secs: u64,
    api_client_secret_grace_secs: u64,
    rate_limit_auth_per_minute: u32,
    rate_limit_calendar_per_minute: u32,
    max_response_bytes: usize,
    max_batch_size: usize,
    allow_loopback_providers: bool,
    log_format: LogFormat,
    shutdown_grace_secs: u64,
    db_acquire_timeout_ms: u64,
    max_upload_mb: u64,
    upload_types: [&'static str; 7],
    blob_gc_interval_secs: u64,
    trusted_proxies: [&'static str; 0],
    storage_region: &'static str,
}

const DEFAULTS: Defaults = Defaults {
    listen: "127.0.0.1:8080",
    data_dir: ".",
    graphiql: false,
    token_ttl_days: 30,
    log: "info",
    max_connections: 10,
    statement_timeout_ms: 10_000,
    lock_timeout_ms: 5_000,
    workers: 0,
    session_ttl_hours: 12,
    session_idle_minutes: 120,
    request_timeout_secs: 15,
    max_concurrent_requests: 32,
    concurrency_wait_ms: 2_000,
    rate_limit_person_cost_per_minute: 200_000,
    rate_limit_ip_cost_per_minute: 100_000,
    rate_limit_api_client_cost_per_minute: 200_000,
    api_client_token_ttl_secs: 3_600,
    api_client_secret_grace_secs: 86_400,
    rate_limit_auth_per_minute: 30,
    rate_limit_calendar_per_minute: 20,
    max_response_bytes: 4 << 20,
    max_batch_size: 10,
    allow_loopback_providers: false,
    log_format: LogFormat::Text,
    shutdown_grace_secs: 30,
    db_acquire_timeout_ms: 3_000,
    max_upload_mb: crate::service::library::DEFAULT_MAX_UPLOAD_MB,
    upload_types: crate::service::library::DEFAULT_UPLOAD_TYPES,
    blob_gc_interval_secs: 600,
    trusted_proxies: [],
    storage_region: "us-east-1",
};

/// A setting that cannot be used; the message names it.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {0}")]
pub struct ConfigError(String);

impl Settings {
    /// Loads settings from `file` (or `maillage.toml` if present) and the environment.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(DEFAULTS));
        match file {
            Some(path) if !path.exists() => {
                return Err(ConfigError(format!("config file {} does not exist", path.display())));
            }
            Some(path) => figment = figment.merge(Toml::file_exact(path)),
            None if Path::new(DEFAULT_CONFIG_FILE).exists() => {
                figment = figment.merge(Toml::file_exact(DEFAULT_CONFIG_FILE));
            }
            None => {}
        }
        figment =
            figment.merge(Env::raw().only(&["DATABASE_URL"])).merge(Env::prefixed("MAILLAGE_").ignore(&["CONFIG"]));
        let settings: Settings = figment.extract().map_err(|err| ConfigError(describe(err)))?;
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if let Some(url) = &self.database_url {
            let url = url.expose_secret();
            if !(url.starts_with("sqlite:") || url.starts_with("postgres://") || url.starts_with("postgresql://")) {
                return Err(ConfigError("database_url (DATABASE_URL): must start with sqlite: or postgres://".into()));
            }
        }
        if self.token_ttl_days == 0 {
            return Err(ConfigError("token_ttl_days (MAILLAGE_TOKEN_TTL_DAYS): must be at least 1".into()));
        }
        if self.session_ttl_hours == 0 {
            return Err(ConfigError("session_ttl_hours (MAILLAGE_SESSION_TTL_HOURS): must be at least 1".into()));
        }
        if self.session_idle_minutes == 0 {
            return Err(ConfigError("session_idle_minutes (MAILLAGE_SESSION_IDLE_MINUTES): must be at least 1".into()));
        }
        if let Some(url) = &self.public_url {
            let parsed =
                url::Url::parse(url).ok().filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
            if parsed.is_none() {
                return Err(ConfigError("public_url (MAILLAGE_PUBLIC_URL): must be an absolute http(s) URL".into()));
            }
        }
        let at_least_one = [
            ("statement_timeout_ms (MAILLAGE_STATEMENT_TIMEOUT_MS)", self.statement_timeout_ms == 0),
            ("lock_timeout_ms (MAILLAGE_LOCK_TIMEOUT_MS)", self.lock_timeout_ms == 0),
            ("request_timeout_secs (MAILLAGE_REQUEST_TIMEOUT_SECS)", self.request_timeout_secs == 0),
            ("max_concurrent_requests (MAILLAGE_MAX_CONCURRENT_REQUESTS)", self.max_concurrent_requests == 0),
            ("rate_limit_auth_per_minute (MAILLAGE_RATE_LIMIT_AUTH_PER_MINUTE)", self.rate_limit_auth_per_minute == 0),
            (
                "rate_limit_calendar_per_minute (MAILLAGE_RATE_LIMIT_CALENDAR_PER_MINUTE)",
                self.rate_limit_calendar_per_minute == 0,
            ),
            ("db_acquire_timeout_ms (MAILLAGE_DB_ACQUIRE_TIMEOUT_MS)", self.db_acquire_timeout_ms == 0),
        ];
        if let Some((name, _)) = at_least_one.iter().find(|(_, zero)| *zero) {
            return Err(ConfigError(format!("{name}: must be at least 1")));
        }
        let cost = crate::graphql::limits::MAX_COMPLEXITY as u64;
        let budgets = [
            (
                "rate_limit_person_cost_per_minute (MAILLAGE_RATE_LIMIT_PERSON_COST_PER_MINUTE)",
                self.rate_limit_person_cost_per_minute,
            ),
            (
                "rate_limit_ip_cost_per_minute (MAILLAGE_RATE_LIMIT_IP_COST_PER_MINUTE)",
                self.rate_limit_ip_cost_per_minute,
            ),
            (
                "rate_limit_api_client_cost_per_minute (MAILLAGE_RATE_LIMIT_API_CLIENT_COST_PER_MINUTE)",
                self.rate_limit_api_client_cost_per_minute,
            ),
        ];
        if let Some((name, _)) = budgets.iter().find(|(_, budget)| *budget < cost) {
            // Below the most an operation may cost, some operations would never fit.
            return Err(ConfigError(format!("{name}: must be at least {cost} (the most one operation may cost)")));
        }
        if self.max_response_bytes < MIN_RESPONSE_BYTES {
            return Err(ConfigError(format!(
                "max_response_bytes (MAILLAGE_MAX_RESPONSE_BYTES): must be at least {MIN_RESPONSE_BYTES}"
            )));
        }
        if self.max_batch_size > MAX_BATCH_SIZE {
            return Err(ConfigError(format!(
                "max_batch_size (MAILLAGE_MAX_BATCH_SIZE): must be at most {MAX_BATCH_SIZE}"
            )));
        }
        if !(60..=86_400).contains(&self.api_client_token_ttl_secs) {
            return Err(ConfigError(
                "api_client_token_ttl_secs (MAILLAGE_API_CLIENT_TOKEN_TTL_SECS): must be between 60 and 86400".into(),
            ));
        }
        if self.api_client_secret_grace_secs > MAX_SECRET_GRACE_SECS {
            return Err(ConfigError(format!(
                "api_client_secret_grace_secs (MAILLAGE_API_CLIENT_SECRET_GRACE_SECS): must be at most {MAX_SECRET_GRACE_SECS}"
            )));
        }
        if self.db_acquire_timeout_ms >= self.request_timeout_secs.saturating_mul(1_000) {
            // Otherwise a request waiting for a connection of a database that went away
            // would time out instead of being told the database is unavailable.
            return Err(ConfigError(
                "db_acquire_timeout_ms (MAILLAGE_DB_ACQUIRE_TIMEOUT_MS): must be shorter than request_timeout_secs"
                    .into(),
            ));
        }
        if self.shutdown_grace_secs > MAX_SHUTDOWN_GRACE_SECS {
            return Err(ConfigError(format!(
                "shutdown_grace_secs (MAILLAGE_SHUTDOWN_GRACE_SECS): must be at most {MAX_SHUTDOWN_GRACE_SECS}"
            )));
        }
        if let Some(token) = &self.metrics_token
            && token.expose_secret().len() < MIN_METRICS_TOKEN_BYTES
        {
            return Err(ConfigError(format!(
                "metrics_token (MAILLAGE_METRICS_TOKEN): must be at least {MIN_METRICS_TOKEN_BYTES} characters"
            )));
        }
        if let Some(endpoint) = &self.otlp_traces_endpoint
            && !url::Url::parse(endpoint).is_ok_and(|url| matches!(url.scheme(), "http" | "https") && url.has_host())
        {
            return Err(ConfigError(
                "otlp_traces_endpoint (MAILLAGE_OTLP_TRACES_ENDPOINT): must be an http or https URL".into(),
            ));
        }
        if !(1..=10_240).contains(&self.max_upload_mb) {
            return Err(ConfigError("max_upload_mb (MAILLAGE_MAX_UPLOAD_MB): must be between 1 and 10240".into()));
        }
        if let Some(unknown) =
            self.upload_types.iter().find(|t| !crate::service::library::UPLOAD_TYPES.contains(&t.as_str()))
        {
            return Err(ConfigError(format!(
                "upload_types (MAILLAGE_UPLOAD_TYPES): unknown type {unknown:?} (known: {})",
                crate::service::library::UPLOAD_TYPES.join(", ")
            )));
        }
        if self.blob_gc_interval_secs == 0 {
            return Err(ConfigError(
                "blob_gc_interval_secs (MAILLAGE_BLOB_GC_INTERVAL_SECS): must be at least 1".into(),
            ));
        }
        if self.max_connections == 0 {
            return Err(ConfigError("max_connections (MAILLAGE_MAX_CONNECTIONS): must be at least 1".into()));
        }
        if let Some(s3) = self.s3_storage()
            && let Err(why) = crate::storage::s3::S3Store::new(&s3)
        {
            return Err(ConfigError(format!("storage_url (MAILLAGE_STORAGE_URL): {why}")));
        }
        Ok(())
    }

    /// The database URL to use: the configured one, or the embedded SQLite file.
    pub fn database_url(&self) -> SecretString {
        match &self.database_url {
            Some(url) => url.clone(),
            None => {
                let path = self.data_dir.join("maillage.db");
                SecretString::from(format!("sqlite://{}?mode=rwc", path.display()))
            }
        }
    }
}

impl Settings {
    /// The S3 settings, when `storage_url` names a bucket.
    pub fn s3_storage(&self) -> Option<crate::storage::s3::S3Settings> {
        self.storage_url.as_ref().map(|url| crate::storage::s3::S3Settings {
            url: url.clone(),
            endpoint: self.storage_endpoint.clone(),
            region: self.storage_region.clone(),
            access_key_id: self.storage_access_key_id.clone(),
            secret_access_key: self.storage_secret_access_key.as_ref().map(|s| s.expose_secret().to_owned()),
        })
    }
    /// Single sign-on settings; `public_url` defaults to `http://{listen}`.
    pub fn sso(&self) -> Result<crate::service::sso::SsoSettings, ConfigError> {
        let public = self.public_url.clone().unwrap_or_else(|| format!("http://{}", self.listen));
        let public_url = url::Url::parse(&public)
            .map_err(|_| ConfigError("public_url (MAILLAGE_PUBLIC_URL): must be an absolute http(s) URL".into()))?;
        Ok(crate::service::sso::SsoSettings {
            public_url,
            session_ttl: chrono::Duration::hours(i64::from(self.session_ttl_hours)),
            session_idle: chrono::Duration::minutes(i64::from(self.session_idle_minutes)),
            allow_loopback_providers: self.allow_loopback_providers,
            api_client_token_ttl: chrono::Duration::seconds(
                i64::try_from(self.api_client_token_ttl_secs).unwrap_or(3_600),
            ),
            api_client_secret_grace: chrono::Duration::seconds(
                i64::try_from(self.api_client_secret_grace_secs).unwrap_or(86_400),
            ),
        })
    }

    /// Builds the single sign-on context (loading or generating the secret key).
    pub fn sso_context(&self) -> Result<crate::service::sso::Sso, ConfigError> {
        crate::service::sso::Sso::new(self.sso()?, self.secret_key.as_ref(), &self.data_dir).map_err(ConfigError)
    }
}

/// Turns a figment error into one line naming the setting and where it came from.
fn describe(err: figment::Error) -> String {
    err.into_iter()
        .map(|e| {
            let key = e.path.join(".");
            let source = e.metadata.as_ref().map(|m| m.name.to_string()).unwrap_or_default();
            let env_hint = if key.is_empty() { String::new() } else { format!(" (MAILLAGE_{})", key.to_uppercase()) };
            if key.is_empty() {
                format!("{} [{source}]", e.kind)
            } else {
                format!("{key}{env_hint}: {} [{source}]", e.kind)
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
#[expect(clippy::result_large_err, reason = "figment's Jail API returns its own error type")]
mod tests {
    use super::*;

    #[test]
    fn a_bad_listen_address_names_the_setting() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("MAILLAGE_LISTEN", "not-an-address");
            let err = Settings::load(None).expect_err("must fail");
            assert!(err.to_string().contains("listen"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn trusted_proxies_are_read_from_the_environment_and_checked() {
        figment::Jail::expect_with(|jail| {
            assert!(Settings::load(None).expect("defaults load").trusted_proxies.is_empty());
            jail.set_env("MAILLAGE_TRUSTED_PROXIES", "[10.0.0.0/8, 2001:db8::/32]");
            let settings = Settings::load(None).expect("networks load");
            let nets: Vec<String> = settings.trusted_proxies.iter().map(ToString::to_string).collect();
            assert_eq!(nets, ["10.0.0.0/8", "2001:db8::/32"]);
            jail.set_env("MAILLAGE_TRUSTED_PROXIES", "[10.0.0.0/33]");
            let err = Settings::load(None).expect_err("not a network");
            assert!(err.to_string().contains("trusted_proxies"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn defaults_serve_sqlite_on_loopback() {
        figment::Jail::expect_with(|_jail| {
            let settings = Settings::load(None).expect("defaults load");
            assert_eq!(settings.listen.to_string(), "127.0.0.1:8080");
            assert!(settings.database_url().expose_secret().starts_with("sqlite://"));
            assert!(!settings.graphiql, "GraphiQL is for development, off unless asked for");
            Ok(())
        });
    }

    #[test]
    fn login_settings_are_checked_and_default_to_the_listen_address() {
        figment::Jail::expect_with(|jail| {
            let settings = Settings::load(None).expect("defaults load");
            assert_eq!(settings.sso().expect("sso").public_url.as_str(), "http://127.0.0.1:8080/");
            jail.set_env("MAILLAGE_PUBLIC_URL", "maillage.example.org");
            let err = Settings::load(None).expect_err("not absolute");
            assert!(err.to_string().contains("MAILLAGE_PUBLIC_URL"), "{err}");
            jail.set_env("MAILLAGE_PUBLIC_URL", "https://maillage.example.org");
            jail.set_env("MAILLAGE_SESSION_IDLE_MINUTES", "0");
            let err = Settings::load(None).expect_err("zero idle");
            assert!(err.to_string().contains("session_idle_minutes"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn budgets_must_hold_the_costliest_operation_and_answers_a_page() {
        figment::Jail::expect_with(|jail| {
            let settings = Settings::load(None).expect("defaults load");
            assert_eq!(settings.rate_limit_person_cost_per_minute, 200_000);
            assert_eq!(settings.rate_limit_ip_cost_per_minute, 100_000);
            assert_eq!(settings.max_response_bytes, 4 << 20);
            let most = crate::graphql::limits::MAX_COMPLEXITY;
            jail.set_env("MAILLAGE_RATE_LIMIT_PERSON_COST_PER_MINUTE", most.to_string());
            jail.set_env("MAILLAGE_RATE_LIMIT_IP_COST_PER_MINUTE", (most - 1).to_string());
            let err = Settings::load(None).expect_err("below the costliest operation");
            assert!(err.to_string().contains("MAILLAGE_RATE_LIMIT_IP_COST_PER_MINUTE"), "{err}");
            jail.set_env("MAILLAGE_RATE_LIMIT_IP_COST_PER_MINUTE", most.to_string());
            jail.set_env("MAILLAGE_MAX_RESPONSE_BYTES", (MIN_RESPONSE_BYTES - 1).to_string());
            let err = Settings::load(None).expect_err("too small for a page");
            assert!(err.to_string().contains("max_response_bytes"), "{err}");
            jail.set_env("MAILLAGE_MAX_RESPONSE_BYTES", MIN_RESPONSE_BYTES.to_string());
            assert!(Settings::load(None).is_ok());
            // The request counts they replace are gone: a setting left behind is named.
            jail.set_env("MAILLAGE_RATE_LIMIT_PERSON_PER_MINUTE", "300");
            let err = Settings::load(None).expect_err("a removed setting");
            assert!(err.to_string().contains("rate_limit_person_per_minute"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn api_client_settings_are_bounded() {
        figment::Jail::expect_with(|jail| {
            let settings = Settings::load(None).expect("defaults load");
            assert_eq!(settings.api_client_token_ttl_secs, 3_600);
            assert_eq!(settings.api_client_secret_grace_secs, 86_400);
            assert_eq!(settings.rate_limit_api_client_cost_per_minute, 200_000);
            for (name, bad, good) in [
                ("MAILLAGE_API_CLIENT_TOKEN_TTL_SECS", "59", "60"),
                ("MAILLAGE_API_CLIENT_TOKEN_TTL_SECS", "86401", "86400"),
                ("MAILLAGE_API_CLIENT_SECRET_GRACE_SECS", "2592001", "0"),
                ("MAILLAGE_RATE_LIMIT_API_CLIENT_COST_PER_MINUTE", "49999", "50000"),
            ] {
                jail.set_env(name, bad);
                let err = Settings::load(None).expect_err("out of bounds");
                assert!(err.to_string().contains(name), "{err}");
                jail.set_env(name, good);
                assert!(Settings::load(None).is_ok(), "{name}={good}");
            }
            Ok(())
        });
    }

    #[test]
    fn operations_settings_are_checked() {
        figment::Jail::expect_with(|jail| {
            let settings = Settings::load(None).expect("defaults load");
            assert_eq!(settings.log_format, LogFormat::Text);
            assert_eq!(settings.shutdown_grace_secs, 30);
            assert!(settings.metrics_token.is_none());
            jail.set_env("MAILLAGE_LOG_FORMAT", "json");
            assert_eq!(Settings::load(None).expect("json").log_format, LogFormat::Json);
            jail.set_env("MAILLAGE_LOG_FORMAT", "yaml");
            let err = Settings::load(None).expect_err("unknown format");
            assert!(err.to_string().contains("log_format"), "{err}");
            jail.set_env("MAILLAGE_LOG_FORMAT", "text");
            jail.set_env("MAILLAGE_METRICS_TOKEN", "short");
            let err = Settings::load(None).expect_err("short token");
            assert!(err.to_string().contains("MAILLAGE_METRICS_TOKEN"), "{err}");
            jail.set_env("MAILLAGE_METRICS_TOKEN", "a-long-enough-metrics-token");
            assert!(Settings::load(None).is_ok());
            jail.set_env("MAILLAGE_SHUTDOWN_GRACE_SECS", (MAX_SHUTDOWN_GRACE_SECS + 1).to_string());
            let err = Settings::load(None).expect_err("grace too long");
            assert!(err.to_string().contains("shutdown_grace_secs"), "{err}");
            jail.set_env("MAILLAGE_SHUTDOWN_GRACE_SECS", "0");
            assert!(Settings::load(None).is_ok(), "no grace: stop at once");
            jail.set_env("MAILLAGE_DB_ACQUIRE_TIMEOUT_MS", "15000");
            let err = Settings::load(None).expect_err("as long as the request timeout");
            assert!(err.to_string().contains("db_acquire_timeout_ms"), "{err}");
            jail.set_env("MAILLAGE_DB_ACQUIRE_TIMEOUT_MS", "0");
            let err = Settings::load(None).expect_err("zero");
            assert!(err.to_string().contains("db_acquire_timeout_ms"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn an_unknown_key_in_the_file_is_refused() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("maillage.toml", "lisen = \"127.0.0.1:1\"")?;
            let err = Settings::load(None).expect_err("must fail");
            assert!(err.to_string().contains("lisen"), "{err}");
            Ok(())
        });
    }
}

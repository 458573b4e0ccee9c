//! Opening the database (embedded SQLite or PostgreSQL) with its per-connection settings,
//! running migrations, write transactions, and recognising a database that is busy.

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    sync::{Arc, LazyLock},
    time::Duration,
};

use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnAcquireErr, ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, ExecResult, QueryResult, RuntimeErr, SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait,
    sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous},
};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::config::Settings;

/// Called with each SQL statement the server runs (used by tests to count them). The
/// observer runs in the task that ran the statement, so [`in_background`] tells it
/// whether a request or a background loop did.
pub type StatementObserver = Arc<dyn Fn(&str) + Send + Sync>;

tokio::task_local! {
    /// Set while a background loop (policy and origins checks) runs.
    static BACKGROUND: ();
}

/// Runs `work` as background work: statements it runs are not a request's.
pub async fn background<F: std::future::Future>(work: F) -> F::Output {
    BACKGROUND.scope((), work).await
}

/// Whether the current task is background work (see [`background`]).
pub fn in_background() -> bool {
    BACKGROUND.try_with(|()| ()).is_ok()
}

/// Why the database could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum DbOpenError {
    #[error("cannot create the data directory {path}: {source}")]
    DataDir { path: String, source: std::io::Error },
    #[error("cannot connect to the database: {0}")]
    Connect(DbErr),
    #[error("cannot migrate the database: {0}")]
    Migrate(DbErr),
}

/// How long a PostgreSQL statement may run, and wait for a lock, before the database
/// cancels it. Without them one held lock hung every request that touched the table
/// until the pool ran dry (review 2026-12-01, M7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// `statement_timeout`.
    pub statement: Duration,
    /// `lock_timeout`.
    pub lock: Duration,
    /// The longest a statement waits for a pooled connection (connecting included):
    /// while the database is away, requests fail this quickly with `UNAVAILABLE`.
    pub acquire: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self { statement: Duration::from_secs(10), lock: Duration::from_secs(5), acquire: Duration::from_secs(3) }
    }
}

/// How long a SQLite connection waits for the write lock held by another process (the
/// CLI, a second server) before giving up.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Connects to the configured database. The embedded SQLite file (and its directory) is
/// created when missing, readable by this user only.
pub async fn connect(
    settings: &Settings,
    observer: Option<StatementObserver>,
) -> Result<DatabaseConnection, DbOpenError> {
    if settings.database_url.is_none() {
        private_dir(&settings.data_dir)
            .map_err(|source| DbOpenError::DataDir { path: settings.data_dir.display().to_string(), source })?;
        tighten_embedded_files(&settings.data_dir);
    }
    let timeouts = Timeouts {
        statement: Duration::from_millis(settings.statement_timeout_ms),
        lock: Duration::from_millis(settings.lock_timeout_ms),
        acquire: Duration::from_millis(settings.db_acquire_timeout_ms),
    };
    connect_with(&settings.database_url(), settings.max_connections, timeouts, observer).await
}

/// Creates `dir` (and its missing parents) readable by this user only (0700), whatever
/// the umask. A directory that already exists is left as it is.
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    if dir.exists() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)?;
    #[cfg(unix)]
    std::fs::set_permissions(dir, std::os::unix::fs::PermissionsExt::from_mode(0o700))?;
    Ok(())
}

/// The embedded database is Maillage's own (people, audit trail, session hashes): files
/// an earlier version created readable by others are made private (0600).
fn tighten_embedded_files(data_dir: &Path) {
    #[cfg(unix)]
    for name in ["maillage.db", "maillage.db-wal", "maillage.db-shm"] {
        use std::os::unix::fs::PermissionsExt;
        let path = data_dir.join(name);
        let Ok(meta) = std::fs::metadata(&path) else { continue };
        if meta.permissions().mode() & 0o077 != 0 {
            match std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)) {
                Ok(()) => tracing::info!(file = %path.display(), "made the database file private (0600)"),
                Err(err) => tracing::warn!(file = %path.display(), %err, "the database file is readable by others"),
            }
        }
    }
    #[cfg(not(unix))]
    let _ = data_dir;
}

/// Creates a missing SQLite database file readable by this user only (0600) before
/// SQLite opens it: SQLite then gives its `-wal` and `-shm` files the same mode. An
/// existing file is left as it is (with a warning when others may read it).
fn private_sqlite_file(url: &str) -> std::io::Result<()> {
    let Ok(options) = url.parse::<SqliteConnectOptions>() else { return Ok(()) };
    let path = options.get_filename();
    let creates = url.split_once('?').is_some_and(|(_, query)| query.split('&').any(|p| p == "mode=rwc"));
    if path.as_os_str().is_empty() || path == Path::new(":memory:") || url.contains("mode=memory") {
        return Ok(());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        match std::fs::metadata(path) {
            Ok(meta) if meta.permissions().mode() & 0o077 != 0 => {
                tracing::warn!(file = %path.display(), "the database file is readable by other users; chmod 600 it");
            }
            Ok(_) => {}
            Err(_) if creates => {
                std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
                std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
            }
            Err(_) => {}
        }
    }
    #[cfg(not(unix))]
    let _ = creates;
    Ok(())
}

/// PostgreSQL: plan each prepared statement once per connection instead of at every
/// execution. Planning the visibility conditions cost more than running them (0.2–0.5 ms
/// of "bind" against 0.03–0.07 ms of "execute" per statement, in PostgreSQL's log), and
/// with the default mode the server kept planning them. The statements are keyset pages
/// and look-ups by indexed columns, for which the generic plan is the custom one; on the
/// large benchmark network this raised `community { threads { posts } }` from about
/// 780 to 1,050 requests/s (`bench/README.md`). Set per connection (not as a startup
/// option) so that connection poolers in session mode accept it.
const GENERIC_PLANS: &str = "SET plan_cache_mode = force_generic_plan";

/// What every new PostgreSQL connection runs first (per connection, for the same reason
/// as [`GENERIC_PLANS`]).
fn postgres_session(timeouts: Timeouts) -> [String; 3] {
    [
        GENERIC_PLANS.to_owned(),
        format!("SET statement_timeout = {}", timeouts.statement.as_millis()),
        format!("SET lock_timeout = {}", timeouts.lock.as_millis()),
    ]
}

/// Connects to `url` with the default [`Timeouts`].
pub async fn connect_url(
    url: &SecretString,
    max_connections: u32,
    observer: Option<StatementObserver>,
) -> Result<DatabaseConnection, DbOpenError> {
    connect_with(url, max_connections, Timeouts::default(), observer).await
}

/// Connects to `url`. Every connection of the pool gets the session settings: on
/// PostgreSQL the plan cache mode and the timeouts, on SQLite write-ahead logging (readers
/// proceed while one writer writes), a busy timeout, foreign keys and `synchronous =
/// NORMAL` (safe with WAL). Before, the SQLite pragmas ran on one pooled connection only.
pub async fn connect_with(
    url: &SecretString,
    max_connections: u32,
    timeouts: Timeouts,
    observer: Option<StatementObserver>,
) -> Result<DatabaseConnection, DbOpenError> {
    if url.expose_secret().starts_with("sqlite:") {
        private_sqlite_file(url.expose_secret())
            .map_err(|source| DbOpenError::DataDir { path: "the SQLite database file".into(), source })?;
    }
    let session = Arc::new(postgres_session(timeouts));
    let mut options = ConnectOptions::new(url.expose_secret().to_owned());
    options
        .max_connections(max_connections)
        .min_connections(1)
        .connect_timeout(timeouts.acquire)
        .acquire_timeout(timeouts.acquire)
        .sqlx_logging(false)
        // sqlx pings a connection each time it hands one out (a round trip that carries
        // no query, on every statement); only a connection idle long enough to have been
        // dropped by the server or a firewall is checked now. A broken connection still
        // fails its statement and leaves the pool (review 2026-12-01, performance).
        .test_before_acquire_if_idle_for(IDLE_BEFORE_PING);
    let loopback_tls_off = plain_on_loopback(url.expose_secret(), std::env::var_os("PGSSLMODE").as_deref());
    options
        .map_sqlx_postgres_opts(move |pg| {
            // Only sqlx's default mode is ever replaced, however the mode was chosen.
            if loopback_tls_off
                && matches!(pg.get_ssl_mode(), sea_orm::sqlx::postgres::PgSslMode::Prefer)
                && is_loopback_host(pg.get_host())
            {
                pg.ssl_mode(sea_orm::sqlx::postgres::PgSslMode::Disable)
            } else {
                pg
            }
        })
        .map_sqlx_postgres_pool_opts(move |pool| {
            let session = session.clone();
            pool.after_connect(move |conn, _| {
                let session = session.clone();
                Box::pin(async move {
                    for statement in session.iter() {
                        let statement = sea_orm::sqlx::AssertSqlSafe(statement.clone());
                        sea_orm::sqlx::Executor::execute(&mut *conn, statement).await?;
                    }
                    Ok(())
                })
            })
        })
        .map_sqlx_sqlite_opts(|sqlite| {
            sqlite
                .journal_mode(SqliteJournalMode::Wal)
                .busy_timeout(SQLITE_BUSY_TIMEOUT)
                .foreign_keys(true)
                .synchronous(SqliteSynchronous::Normal)
        });
    let mut db = Database::connect(options).await.map_err(DbOpenError::Connect)?;
    if let Some(observer) = observer {
        db.set_metric_callback(move |info| observer(&info.statement.sql));
    }
    Ok(db)
}

/// A pooled connection unused this long is pinged before it is handed out again.
const IDLE_BEFORE_PING: Duration = Duration::from_secs(30);

/// Whether TLS is left out for a PostgreSQL on this machine: when nothing chooses the
/// TLS mode (no `sslmode` in the URL, nor `PGSSLMODE` in the environment, which sqlx
/// reads too: `env_ssl_mode`), sqlx's default `prefer` would negotiate TLS even over
/// loopback, where it protects nothing and costs CPU on both ends. A mode chosen either
/// way is obeyed as written; remote hosts keep `prefer` (or what was chosen).
///
/// The URL's parameters are read as sqlx reads them: percent-decoded, and `ssl-mode` is
/// `sslmode` too (review 2026-12-01: `?ssl-mode=require` on 127.0.0.1 was turned off).
/// A URL that does not parse keeps sqlx's defaults.
fn plain_on_loopback(url: &str, env_ssl_mode: Option<&std::ffi::OsStr>) -> bool {
    let Ok(parsed) = url::Url::parse(url) else { return false };
    let chosen_in_url = parsed
        .query_pairs()
        .any(|(key, _)| key.eq_ignore_ascii_case("sslmode") || key.eq_ignore_ascii_case("ssl-mode"));
    !chosen_in_url && env_ssl_mode.is_none()
}

/// `localhost`, a loopback address, or a Unix socket directory.
fn is_loopback_host(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host.starts_with('/')
        || host.trim_matches(['[', ']']).parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// A small pool of its own (one connection) for the readiness check, so that a pool
/// exhausted by slow requests does not make a healthy database look down.
pub fn reserved_pool(db: &DatabaseConnection) -> DatabaseConnection {
    let wait = Duration::from_secs(2);
    match db.get_database_backend() {
        DbBackend::Postgres => {
            let options = db.get_postgres_connection_pool().connect_options();
            let pool = sea_orm::sqlx::postgres::PgPoolOptions::new()
                .max_connections(1)
                .acquire_timeout(wait)
                .connect_lazy_with((*options).clone());
            sea_orm::SqlxPostgresConnector::from_sqlx_postgres_pool(pool)
        }
        DbBackend::Sqlite => {
            let options = db.get_sqlite_connection_pool().connect_options();
            let pool = sea_orm::sqlx::sqlite::SqlitePoolOptions::new()
                .max_connections(1)
                .acquire_timeout(wait)
                .connect_lazy_with((*options).clone());
            sea_orm::SqlxSqliteConnector::from_sqlx_sqlite_pool(pool)
        }
        _ => db.clone(),
    }
}

/// The database could not answer in time (a lock or statement timeout, a busy SQLite
/// file, no free connection): the request may succeed if tried again.
pub fn is_unavailable(err: &DbErr) -> bool {
    match err {
        DbErr::ConnectionAcquire(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(e))
        | DbErr::Query(RuntimeErr::SqlxError(e))
        | DbErr::Conn(RuntimeErr::SqlxError(e)) => {
            match e.as_ref() {
                // The database went away (refused, reset, shut down) or the pool gave up
                // waiting for a connection: trying again later may work.
                sea_orm::sqlx::Error::PoolTimedOut
                | sea_orm::sqlx::Error::PoolClosed
                | sea_orm::sqlx::Error::Io(_)
                | sea_orm::sqlx::Error::WorkerCrashed => true,
                sea_orm::sqlx::Error::Database(db)
                    if db.code().is_some_and(|code| code.starts_with("08") || code.starts_with("57P")) =>
                {
                    // connection_exception; admin_shutdown, crash_shutdown, cannot_connect_now
                    true
                }
                sea_orm::sqlx::Error::Database(db) => matches!(
                    db.code().as_deref(),
                    // lock_not_available, query_canceled (statement_timeout)
                    Some("55P03" | "57014")
                    // SQLITE_BUSY and its extended codes, SQLITE_LOCKED
                    | Some("5" | "6" | "261" | "517" | "773")
                ),
                _ => false,
            }
        }
        _ => false,
    }
}

/// Text the database cannot store (PostgreSQL refuses NUL bytes in text).
pub fn is_unstorable_text(err: &DbErr) -> bool {
    match err {
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => match e.as_ref() {
            sea_orm::sqlx::Error::Database(db) => matches!(db.code().as_deref(), Some("22021" | "22P05")),
            _ => false,
        },
        _ => false,
    }
}

/// A write transaction. On SQLite it holds the write lock from its first statement
/// (`BEGIN IMMEDIATE`), and the writers of one process take turns before they borrow a
/// connection: a deferred transaction that read first and wrote later failed at once
/// with `SQLITE_BUSY_SNAPSHOT` when another writer had committed meanwhile, which no busy
/// timeout covers (review 2026-12-01, M6). On PostgreSQL it is a plain transaction.
///
/// It derefs to the [`DatabaseTransaction`] and runs statements like it.
pub struct WriteTxn {
    txn: DatabaseTransaction,
    // Dropped after `txn` (fields drop in order): the next writer starts after the
    // rollback of an abandoned transaction has been queued.
    _turn: Option<OwnedMutexGuard<()>>,
}

impl std::fmt::Debug for WriteTxn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WriteTxn")
    }
}

/// How long a writer waits for its turn before the request fails as unavailable.
const WRITER_WAIT: Duration = Duration::from_secs(15);

/// One turn per SQLite database file.
fn sqlite_turn(db: &DatabaseConnection) -> Arc<Mutex<()>> {
    static TURNS: LazyLock<std::sync::Mutex<HashMap<PathBuf, Arc<Mutex<()>>>>> = LazyLock::new(Default::default);
    let file = db.get_sqlite_connection_pool().connect_options().get_filename().to_path_buf();
    let mut turns = TURNS.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    turns.entry(file).or_default().clone()
}

/// Starts a write transaction (see [`WriteTxn`]).
pub async fn begin_write(db: &DatabaseConnection) -> Result<WriteTxn, DbErr> {
    if db.get_database_backend() != DbBackend::Sqlite {
        return Ok(WriteTxn { txn: db.begin().await?, _turn: None });
    }
    let turn = tokio::time::timeout(WRITER_WAIT, sqlite_turn(db).lock_owned())
        .await
        .map_err(|_| DbErr::ConnectionAcquire(ConnAcquireErr::Timeout))?;
    let immediate =
        TransactionOptions { sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate), ..Default::default() };
    // Another process (the CLI, a second server) may hold the lock past the busy
    // timeout: try once more before giving up.
    let txn = match db.begin_with_options(immediate).await {
        Err(err) if is_unavailable(&err) => {
            tracing::info!(%err, "the SQLite database is busy: retrying once");
            db.begin_with_options(immediate).await?
        }
        other => other?,
    };
    Ok(WriteTxn { txn, _turn: Some(turn) })
}

impl WriteTxn {
    /// Commits, then lets the next writer in.
    pub async fn commit(self) -> Result<(), DbErr> {
        let Self { txn, _turn } = self;
        txn.commit().await
    }

    /// Rolls back, then lets the next writer in.
    pub async fn rollback(self) -> Result<(), DbErr> {
        let Self { txn, _turn } = self;
        txn.rollback().await
    }
}

impl std::ops::Deref for WriteTxn {
    type Target = DatabaseTransaction;

    fn deref(&self) -> &DatabaseTransaction {
        &self.txn
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for WriteTxn {
    fn get_database_backend(&self) -> DbBackend {
        self.txn.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.txn.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.txn.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.txn.query_one_raw(stmt).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.txn.query_all_raw(stmt).await
    }

    fn support_returning(&self) -> bool {
        self.txn.support_returning()
    }
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbOpenError> {
    Migrator::up(db, None).await.map_err(DbOpenError::Migrate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_is_left_out_only_on_loopback_when_the_url_does_not_choose() {
        assert!(plain_on_loopback("postgres://postgres@127.0.0.1:5432/postgres", None));
        assert!(!plain_on_loopback("postgres://u@127.0.0.1/db?sslmode=require", None));
        assert!(!plain_on_loopback("postgres://u@db.example/db?application_name=x&SSLMODE=verify-full", None));
        // sqlx reads `ssl-mode` as `sslmode`, and decodes the parameters' names.
        assert!(!plain_on_loopback("postgres://u@127.0.0.1/db?ssl-mode=require", None));
        assert!(!plain_on_loopback("postgres://u@127.0.0.1/db?ssl%6Dode=verify-full", None));
        assert!(!plain_on_loopback("postgres://u@localhost/db?application_name=x&ssl-mode=require", None));
        // `PGSSLMODE` chooses too.
        assert!(!plain_on_loopback("postgres://u@127.0.0.1/db", Some(std::ffi::OsStr::new("require"))));
        assert!(plain_on_loopback("postgres://u@127.0.0.1/db?application_name=sslmode", None));
        for host in ["127.0.0.1", "::1", "[::1]", "localhost", "/var/run/postgresql", "127.0.0.2"] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in ["db.example", "10.0.0.5", "192.168.1.1", "localhost.example", "::2"] {
            assert!(!is_loopback_host(host), "{host}");
        }
    }

    #[tokio::test]
    async fn connections_on_loopback_do_not_use_tls_unless_asked() {
        let Ok(url) = std::env::var("TEST_DATABASE_URL") else { return };
        if !url.starts_with("postgres") {
            return;
        }
        let db = connect_url(&SecretString::from(url.clone()), 1, None).await.expect("connect");
        let row = db
            .query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                "SELECT COALESCE((SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()), false) AS ssl",
            ))
            .await
            .expect("query")
            .expect("row");
        let ssl: bool = row.try_get("", "ssl").expect("ssl");
        let loopback = url.contains("127.0.0.1") || url.contains("localhost");
        if loopback && !url.contains("sslmode") {
            assert!(!ssl, "TLS was negotiated on loopback");
        }
    }
}

//! Opening the database (embedded SQLite or PostgreSQL) and running migrations.

use std::{sync::Arc, time::Duration};

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr};
use secrecy::{ExposeSecret, SecretString};

use crate::config::Settings;

/// Called with each SQL statement the server runs (used by tests to count them).
pub type StatementObserver = Arc<dyn Fn(&str) + Send + Sync>;

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

/// Connects to the configured database. The embedded SQLite file (and its directory) is
/// created when missing.
pub async fn connect(
    settings: &Settings,
    observer: Option<StatementObserver>,
) -> Result<DatabaseConnection, DbOpenError> {
    if settings.database_url.is_none() {
        std::fs::create_dir_all(&settings.data_dir)
            .map_err(|source| DbOpenError::DataDir { path: settings.data_dir.display().to_string(), source })?;
    }
    connect_url(&settings.database_url(), settings.max_connections, observer).await
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

/// Connects to `url`.
pub async fn connect_url(
    url: &SecretString,
    max_connections: u32,
    observer: Option<StatementObserver>,
) -> Result<DatabaseConnection, DbOpenError> {
    let mut options = ConnectOptions::new(url.expose_secret().to_owned());
    options
        .max_connections(max_connections)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false)
        .map_sqlx_postgres_pool_opts(|pool| {
            pool.after_connect(|conn, _| {
                Box::pin(async move { sea_orm::sqlx::Executor::execute(conn, GENERIC_PLANS).await.map(|_| ()) })
            })
        });
    let mut db = Database::connect(options).await.map_err(DbOpenError::Connect)?;
    if db.get_database_backend() == DbBackend::Sqlite {
        // WAL lets readers proceed while one writer writes; the busy timeout makes
        // concurrent writers wait instead of failing.
        for pragma in ["PRAGMA journal_mode=WAL", "PRAGMA busy_timeout=5000", "PRAGMA foreign_keys=ON"] {
            db.execute_unprepared(pragma).await.map_err(DbOpenError::Connect)?;
        }
    }
    if let Some(observer) = observer {
        db.set_metric_callback(move |info| observer(&info.statement.sql));
    }
    Ok(db)
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbOpenError> {
    Migrator::up(db, None).await.map_err(DbOpenError::Migrate)
}

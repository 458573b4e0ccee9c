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
        .sqlx_logging(false);
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

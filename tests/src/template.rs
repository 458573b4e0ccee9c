//! Migrated template databases: every test starts on a fresh database, but the
//! migrations run once per machine (per version of the migrations), not once per test.
//!
//! - SQLite: a migrated file in the temporary directory, copied for each test.
//! - PostgreSQL: a migrated database `maillage_tpl_<hash>`, cloned with `CREATE DATABASE
//!   … TEMPLATE`, which copies files instead of replaying about sixty migrations.
//!
//! `<hash>` fingerprints the sources of the migrations (computed by `build.rs`), so a
//! changed migration gets a new template; creation is safe against concurrent test
//! processes (an atomic rename on SQLite, an advisory lock on PostgreSQL).

use std::path::{Path, PathBuf};

use maillage_api::db;
use sea_orm::{ConnectOptions, ConnectionTrait, Database};
use secrecy::SecretString;

/// The fingerprint of the migrations this harness was built with.
const HASH: &str = env!("HARNESS_MIGRATIONS_HASH");

/// Copies a migrated SQLite database to `path` (made first when missing).
pub async fn sqlite_copy(path: &Path) {
    let template = sqlite_template().await;
    std::fs::copy(&template, path).expect("copy the template database");
}

async fn sqlite_template() -> PathBuf {
    let path = std::env::temp_dir().join(format!("maillage-test-template-{HASH}.db"));
    if path.exists() {
        return path;
    }
    let building = tempfile::Builder::new()
        .prefix("maillage-test-template-")
        .suffix(".building")
        .tempfile_in(std::env::temp_dir())
        .expect("temporary template file");
    let url = SecretString::from(format!("sqlite://{}?mode=rwc", building.path().display()));
    let db = db::connect_url(&url, 1, None).await.expect("open the template database");
    db::migrate(&db).await.expect("migrate the template database");
    // Everything into the main file, so that copying that file copies the database.
    db.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)").await.expect("checkpoint");
    db.close().await.expect("close the template database");
    // Atomic: a concurrent process copies either no template or a whole one.
    building.persist(&path).expect("keep the template database");
    path
}

/// Creates database `name` on the server of `admin_url`, a copy of the migrated template.
pub async fn postgres_create(admin_url: &str, name: &str) {
    let template = format!("maillage_tpl_{HASH}");
    // One connection: the advisory lock belongs to the session that takes it.
    let mut options = ConnectOptions::new(admin_url);
    options.max_connections(1).min_connections(1).sqlx_logging(false);
    let admin = Database::connect(options).await.expect("connect to the PostgreSQL test server");
    if !postgres_exists(&admin, &template).await {
        // One process builds it; the others wait here, then find it.
        admin.execute_unprepared("SELECT pg_advisory_lock(7161000)").await.expect("lock");
        if !postgres_exists(&admin, &template).await {
            let building = format!("{template}_building");
            admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {building}")).await.expect("drop");
            admin.execute_unprepared(&format!("CREATE DATABASE {building}")).await.expect("create the template");
            let url = SecretString::from(crate::replace_database(admin_url, &building));
            let db = db::connect_url(&url, 1, None).await.expect("connect to the template");
            db::migrate(&db).await.expect("migrate the template");
            db.close().await.expect("close the template");
            admin
                .execute_unprepared(&format!("ALTER DATABASE {building} RENAME TO {template}"))
                .await
                .expect("keep the template");
        }
        admin.execute_unprepared("SELECT pg_advisory_unlock(7161000)").await.expect("unlock");
    }
    sweep_old_databases(&admin).await;
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
        .await
        .expect("create the test database from the template");
    admin.close().await.ok();
}

async fn postgres_exists(admin: &sea_orm::DatabaseConnection, name: &str) -> bool {
    let row = admin
        .query_one_raw(sea_orm::Statement::from_string(
            admin.get_database_backend(),
            format!("SELECT 1 FROM pg_database WHERE datname = '{name}'"),
        ))
        .await
        .expect("look for the template");
    row.is_some()
}

/// Drops the test databases made over an hour ago (their name holds their creation
/// time): those whose test process ended before its drop of them did. Once per process.
async fn sweep_old_databases(admin: &sea_orm::DatabaseConnection) {
    static SWEPT: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if SWEPT.swap(true, std::sync::atomic::Ordering::SeqCst) {
        return;
    }
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_secs();
    let Ok(rows) = admin
        .query_all_raw(sea_orm::Statement::from_string(
            admin.get_database_backend(),
            "SELECT datname FROM pg_database WHERE datname LIKE 'maillage_test_%'",
        ))
        .await
    else {
        return;
    };
    for row in rows {
        let Ok(name) = row.try_get::<String>("", "datname") else { continue };
        let created = name.split('_').nth(2).and_then(|t| t.parse::<u64>().ok());
        if created.is_some_and(|t| t + 3_600 < now) && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await.ok();
        }
    }
}

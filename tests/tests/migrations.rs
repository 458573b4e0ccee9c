//! Migrations are reversible on SQLite and PostgreSQL alike.

use harness::TestApp;
use migration::{Migrator, MigratorTrait};

#[tokio::test]
async fn every_migration_rolls_back_and_reapplies() {
    let app = TestApp::spawn().await;
    let total = Migrator::migrations().len();
    assert_eq!(Migrator::get_applied_migrations(&app.db).await.expect("status").len(), total);
    // The app (and so its database) lives to the end of the test; the server is idle.
    let db = &app.db;

    Migrator::down(db, None).await.expect("roll back every migration");
    assert!(Migrator::get_applied_migrations(db).await.expect("status").is_empty());
    Migrator::up(db, None).await.expect("reapply");
    assert_eq!(Migrator::get_applied_migrations(db).await.expect("status").len(), total);
    Migrator::down(db, Some(1)).await.expect("roll back one");
    assert_eq!(Migrator::get_pending_migrations(db).await.expect("status").len(), 1);
}

/// On PostgreSQL, every pooled connection plans each prepared statement once (the
/// server's throughput depends on it: planning the visibility conditions cost more than
/// running them), not only the first connection of the pool.
#[tokio::test]
async fn every_postgres_connection_plans_statements_once() {
    use sea_orm::{ConnectionTrait, Statement, TransactionTrait};
    let app = TestApp::spawn().await;
    if !app.is_postgres() {
        return;
    }
    // Two open transactions hold the test pool's two connections at once.
    let first = app.db.begin().await.expect("begin");
    let second = app.db.begin().await.expect("begin");
    for txn in [&first, &second] {
        let show = Statement::from_string(txn.get_database_backend(), "SHOW plan_cache_mode");
        let row = txn.query_one_raw(show).await.expect("show").expect("one row");
        let mode: String = row.try_get("", "plan_cache_mode").expect("setting");
        assert_eq!(mode, "force_generic_plan");
    }
    let pids = [&first, &second].map(|txn| async move {
        let row = txn
            .query_one_raw(Statement::from_string(txn.get_database_backend(), "SELECT pg_backend_pid() AS pid"))
            .await
            .expect("pid")
            .expect("one row");
        row.try_get::<i32>("", "pid").expect("pid")
    });
    let [a, b] = pids;
    assert_ne!(a.await, b.await, "the two transactions use two connections");
}

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

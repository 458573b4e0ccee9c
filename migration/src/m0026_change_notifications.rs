//! PostgreSQL: every commit that changes what authenticating a token answers, or the
//! policy, notifies the servers listening on `maillage_auth` and `maillage_policy`, so
//! that each replica forgets its cached sessions or reloads the policy within a second
//! whoever wrote (a replica, the CLI, an operator's statement).
//!
//! Statement-level triggers: one notification per statement, and PostgreSQL folds
//! identical ones of a transaction into one, delivered at commit (none on rollback).
//! Writing `session.last_seen_at` alone notifies nobody. SQLite has no notifications:
//! there, servers keep cached sessions one second and poll the policy generation.

use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (trigger, table, events)
const AUTH_TRIGGERS: [(&str, &str, &str); 4] = [
    (
        "session_auth_changed",
        "session",
        "UPDATE OF token_hash, person_id, origin, expires_at, revoked_at OR DELETE OR TRUNCATE",
    ),
    ("person_auth_changed", "person", "UPDATE OF id, status, organization_id OR DELETE OR TRUNCATE"),
    ("organization_auth_changed", "organization", "UPDATE OF id, status OR DELETE OR TRUNCATE"),
    ("network_role_auth_changed", "network_role", "INSERT OR UPDATE OR DELETE OR TRUNCATE"),
];

const POLICY_TRIGGER: (&str, &str, &str) = ("policy_changed", "policy_state", "INSERT OR UPDATE OR DELETE OR TRUNCATE");

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        for (function, channel) in
            [("maillage_notify_auth", "maillage_auth"), ("maillage_notify_policy", "maillage_policy")]
        {
            db.execute_unprepared(&format!(
                "CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ \
                 BEGIN PERFORM pg_notify('{channel}', ''); RETURN NULL; END $$"
            ))
            .await?;
        }
        for (trigger, table, events) in AUTH_TRIGGERS {
            db.execute_unprepared(&format!(
                "CREATE TRIGGER {trigger} AFTER {events} ON {table} \
                 FOR EACH STATEMENT EXECUTE FUNCTION maillage_notify_auth()"
            ))
            .await?;
        }
        let (trigger, table, events) = POLICY_TRIGGER;
        db.execute_unprepared(&format!(
            "CREATE TRIGGER {trigger} AFTER {events} ON {table} FOR EACH STATEMENT EXECUTE FUNCTION maillage_notify_policy()"
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        for (trigger, table, _) in AUTH_TRIGGERS.into_iter().chain([POLICY_TRIGGER]) {
            db.execute_unprepared(&format!("DROP TRIGGER IF EXISTS {trigger} ON {table}")).await?;
        }
        db.execute_unprepared("DROP FUNCTION IF EXISTS maillage_notify_auth()").await?;
        db.execute_unprepared("DROP FUNCTION IF EXISTS maillage_notify_policy()").await?;
        Ok(())
    }
}

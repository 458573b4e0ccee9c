//! Trusted documents: the operations an organization registers (`trusted_document`, its
//! query text and the text's SHA-256), that its API clients may be restricted to
//! (`api_client.trusted_documents_only`) and that requests from its front ends' origins
//! may be required to use (`organization.trusted_documents_required`, set by a network
//! administrator).
//!
//! On PostgreSQL, the trigger that makes every replica forget cached API-client tokens
//! (`m0028`) also fires when a client's restriction changes: a restricted client is
//! restricted on every replica at once.

use crate::helpers::*;
use sea_orm_migration::{prelude::*, schema::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const TRIGGER_BEFORE: &str = "CREATE TRIGGER api_client_auth_changed AFTER UPDATE OF secret_hash, \
     previous_secret_hash, previous_secret_expires_at, scopes, revoked_at OR DELETE OR TRUNCATE ON api_client \
     FOR EACH STATEMENT EXECUTE FUNCTION maillage_notify_auth()";
const TRIGGER_AFTER: &str = "CREATE TRIGGER api_client_auth_changed AFTER UPDATE OF secret_hash, \
     previous_secret_hash, previous_secret_expires_at, scopes, revoked_at, trusted_documents_only OR DELETE OR \
     TRUNCATE ON api_client FOR EACH STATEMENT EXECUTE FUNCTION maillage_notify_auth()";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut t = table("trusted_document");
        t.col(integer("organization_id"))
            .col(string_len("hash", 64))
            .col(text("query"))
            .col(integer_null("created_by"))
            .col(timestamp_with_time_zone("created_at"))
            .foreign_key(&mut foreign_key(
                "trusted_document",
                "organization_id",
                "organization",
                ForeignKeyAction::Cascade,
            ))
            .foreign_key(&mut foreign_key("trusted_document", "created_by", "person", ForeignKeyAction::SetNull));
        manager.create_table(t).await?;
        index(manager, "trusted_document", &["organization_id", "hash"], true).await?;
        index(manager, "trusted_document", &["created_by"], false).await?;
        manager
            .alter_table(
                Table::alter()
                    .table("api_client")
                    .add_column(boolean("trusted_documents_only").default(false))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("organization")
                    .add_column(boolean("trusted_documents_required").default(false))
                    .to_owned(),
            )
            .await?;
        if manager.get_database_backend() == DbBackend::Postgres {
            let db = manager.get_connection();
            db.execute_unprepared("DROP TRIGGER IF EXISTS api_client_auth_changed ON api_client").await?;
            db.execute_unprepared(TRIGGER_AFTER).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Postgres {
            let db = manager.get_connection();
            db.execute_unprepared("DROP TRIGGER IF EXISTS api_client_auth_changed ON api_client").await?;
            db.execute_unprepared(TRIGGER_BEFORE).await?;
        }
        manager
            .alter_table(Table::alter().table("organization").drop_column("trusted_documents_required").to_owned())
            .await?;
        manager
            .alter_table(Table::alter().table("api_client").drop_column("trusted_documents_only").to_owned())
            .await?;
        drop_table(manager, "trusted_document").await
    }
}

//! Creates `api_client`: an organization's OAuth 2.0 client (client-credentials grant)
//! for a partner back end. It acts through its own service-account person (`person_id`,
//! in its organization, with no roles of its own); its access tokens are `session` rows
//! of that person (`origin = 'client'`). Secrets are stored as their SHA-256 only; the
//! previous secret stays valid until `previous_secret_expires_at` after a rotation.
//!
//! On PostgreSQL, a change to a client notifies `maillage_auth` (as `m0026` does for
//! sessions), so that every replica forgets the tokens it cached.

use crate::helpers::*;
use sea_orm_migration::{prelude::*, schema::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut t = table("api_client");
        t.col(integer("organization_id"))
            .col(integer("person_id"))
            .col(string_len("name", 100))
            .col(string_len("client_id", 64))
            .col(string_len("secret_hash", 64))
            .col(string_len_null("previous_secret_hash", 64))
            .col(timestamp_with_time_zone_null("previous_secret_expires_at"))
            .col(timestamp_with_time_zone_null("secret_rotated_at"))
            .col(string_len("scopes", 64))
            .col(integer_null("created_by"))
            .col(timestamp_with_time_zone("created_at"))
            .col(timestamp_with_time_zone_null("revoked_at"))
            .col(timestamp_with_time_zone_null("last_used_at"))
            .foreign_key(&mut foreign_key("api_client", "organization_id", "organization", ForeignKeyAction::Cascade))
            .foreign_key(&mut foreign_key("api_client", "person_id", "person", ForeignKeyAction::Cascade))
            .foreign_key(&mut foreign_key("api_client", "created_by", "person", ForeignKeyAction::SetNull));
        manager.create_table(t).await?;
        index(manager, "api_client", &["client_id"], true).await?;
        index(manager, "api_client", &["person_id"], true).await?;
        index(manager, "api_client", &["organization_id"], false).await?;
        index(manager, "api_client", &["created_by"], false).await?;
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared(
                    "CREATE TRIGGER api_client_auth_changed AFTER UPDATE OF secret_hash, previous_secret_hash, \
                     previous_secret_expires_at, scopes, revoked_at OR DELETE OR TRUNCATE ON api_client \
                     FOR EACH STATEMENT EXECUTE FUNCTION maillage_notify_auth()",
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("DROP TRIGGER IF EXISTS api_client_auth_changed ON api_client")
                .await?;
        }
        drop_table(manager, "api_client").await
    }
}

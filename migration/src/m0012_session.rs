//! Creates the `session` table.

use crate::helpers::*;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut t = table("session");
        t.col(string_len("token_hash", 64).unique_key())
            .col(integer("person_id"))
            .col(string_len("origin", 32))
            .col(timestamp_with_time_zone("created_at"))
            .col(timestamp_with_time_zone("expires_at"))
            .col(timestamp_with_time_zone_null("last_seen_at"))
            .col(timestamp_with_time_zone_null("revoked_at"))
            .foreign_key(&mut foreign_key("session", "person_id", "person", ForeignKeyAction::Cascade));
        manager.create_table(t).await?;
        index(manager, "session", &["person_id"], false).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, "session").await
    }
}

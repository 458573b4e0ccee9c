//! Creates the `audit_event` table.

use crate::helpers::*;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut t = table("audit_event");
        t.col(integer_null("actor_id"))
            .col(string_len("action", 64))
            .col(string_len("target_type", 64))
            .col(integer_null("target_id"))
            .col(json_null("before"))
            .col(json_null("after"))
            .col(string_len_null("request_id", 64))
            .col(timestamp_with_time_zone("created_at"))
            .foreign_key(&mut foreign_key("audit_event", "actor_id", "person", ForeignKeyAction::SetNull));
        manager.create_table(t).await?;
        index(manager, "audit_event", &["actor_id"], false).await?;
        index(manager, "audit_event", &["target_type", "target_id"], false).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, "audit_event").await
    }
}

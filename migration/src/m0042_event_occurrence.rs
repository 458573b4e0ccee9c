//! Creates the `event_occurrence` table: the occurrences of a recurring event that were
//! moved, renamed or cancelled, keyed by their original start.

use crate::helpers::*;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut t = table("event_occurrence");
        t.col(integer("event_id"))
            .col(timestamp_with_time_zone("original_start"))
            .col(timestamp_with_time_zone("starts_at"))
            .col(timestamp_with_time_zone("ends_at"))
            .col(string_len_null("title", 300))
            .col(string_len_null("place", 300))
            .col(boolean("cancelled").default(false))
            .foreign_key(&mut foreign_key("event_occurrence", "event_id", "event", ForeignKeyAction::Cascade));
        manager.create_table(with_timestamps(t)).await?;
        index(manager, "event_occurrence", &["event_id", "original_start"], true).await?;
        index(manager, "event_occurrence", &["starts_at"], false).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, "event_occurrence").await
    }
}

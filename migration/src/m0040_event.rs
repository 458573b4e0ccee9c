//! Creates the `event` table: meetings, webinars, talks… of a community (or one of its
//! subgroups), possibly recurring by an RFC 5545 rule.

use crate::helpers::*;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut t = table("event");
        t.col(integer("community_id"))
            .col(integer_null("subgroup_id"))
            .col(enum_col("kind"))
            .col(string_len("title", 300))
            .col(text("agenda"))
            .col(timestamp_with_time_zone("starts_at"))
            .col(timestamp_with_time_zone("ends_at"))
            .col(string_len("time_zone", 64))
            .col(string_len_null("recurrence", 500))
            // When the last occurrence ends (null: the series never ends), so that a
            // window's query skips series that are over.
            .col(timestamp_with_time_zone_null("series_ends_at"))
            .col(enum_col("mode"))
            .col(string_len_null("place", 300))
            .col(string_len_null("join_url", 2000))
            .col(integer_null("capacity"))
            .col(enum_col("audience"))
            .col(text("speakers"))
            .col(boolean("cancelled").default(false))
            .col(integer("version").default(1))
            .col(integer("created_by"))
            .foreign_key(&mut foreign_key("event", "community_id", "community", ForeignKeyAction::Cascade))
            .foreign_key(&mut foreign_key("event", "subgroup_id", "subgroup", ForeignKeyAction::Cascade))
            .foreign_key(&mut foreign_key("event", "created_by", "person", ForeignKeyAction::Restrict));
        manager.create_table(with_timestamps(t)).await?;
        index(manager, "event", &["community_id", "starts_at"], false).await?;
        index(manager, "event", &["audience", "starts_at"], false).await?;
        index(manager, "event", &["subgroup_id"], false).await?;
        index(manager, "event", &["created_by"], false).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, "event").await
    }
}

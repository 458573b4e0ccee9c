//! Creates `time_entry`: hours people gave to a community, logged or from attendance,
//! with their standing against the allowance.

use crate::helpers::*;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut t = table("time_entry");
        t.col(integer("community_id"))
            .col(integer("person_id"))
            .col(date("date"))
            .col(integer("year"))
            .col(enum_col("category"))
            .col(integer("quarter_hours"))
            .col(enum_col("status"))
            .col(text_null("note"))
            .col(integer_null("event_id"))
            .col(timestamp_with_time_zone_null("original_start"))
            .col(integer_null("decided_by"))
            .col(timestamp_with_time_zone_null("decided_at"))
            .col(text_null("reason"))
            .foreign_key(&mut foreign_key("time_entry", "community_id", "community", ForeignKeyAction::Cascade))
            .foreign_key(&mut foreign_key("time_entry", "person_id", "person", ForeignKeyAction::Cascade))
            .foreign_key(&mut foreign_key("time_entry", "event_id", "event", ForeignKeyAction::SetNull))
            .foreign_key(&mut foreign_key("time_entry", "decided_by", "person", ForeignKeyAction::SetNull));
        manager.create_table(with_timestamps(t)).await?;
        // A person's budget in a community for a year; their day's total; attendance.
        index(manager, "time_entry", &["person_id", "community_id", "year"], false).await?;
        index(manager, "time_entry", &["person_id", "date"], false).await?;
        index(manager, "time_entry", &["event_id", "original_start", "person_id"], false).await?;
        index(manager, "time_entry", &["status", "community_id"], false).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, "time_entry").await
    }
}

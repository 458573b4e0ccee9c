//! Creates `event_rsvp` (who answered they come to an occurrence, and who waits for a
//! place) and `event_attendance` (who came, as organizers recorded it).

use crate::helpers::*;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut t = table("event_rsvp");
        t.col(integer("event_id"))
            .col(timestamp_with_time_zone("original_start"))
            .col(integer("person_id"))
            .col(enum_col("response"))
            .col(boolean("waitlisted").default(false))
            // Order on the waiting list: when the person last asked to come.
            .col(timestamp_with_time_zone("asked_at"))
            .foreign_key(&mut foreign_key("event_rsvp", "event_id", "event", ForeignKeyAction::Cascade))
            .foreign_key(&mut foreign_key("event_rsvp", "person_id", "person", ForeignKeyAction::Cascade));
        manager.create_table(with_timestamps(t)).await?;
        index(manager, "event_rsvp", &["event_id", "original_start", "person_id"], true).await?;
        index(manager, "event_rsvp", &["person_id"], false).await?;

        let mut t = table("event_attendance");
        t.col(integer("event_id"))
            .col(timestamp_with_time_zone("original_start"))
            .col(integer("person_id"))
            .col(enum_col("status"))
            // Hours, in quarter hours (stored as a count of quarter hours).
            .col(integer("quarter_hours"))
            .col(integer("recorded_by"))
            .foreign_key(&mut foreign_key("event_attendance", "event_id", "event", ForeignKeyAction::Cascade))
            .foreign_key(&mut foreign_key("event_attendance", "person_id", "person", ForeignKeyAction::Cascade))
            .foreign_key(&mut foreign_key("event_attendance", "recorded_by", "person", ForeignKeyAction::Restrict));
        manager.create_table(with_timestamps(t)).await?;
        index(manager, "event_attendance", &["event_id", "original_start", "person_id"], true).await?;
        index(manager, "event_attendance", &["person_id"], false).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, "event_attendance").await?;
        drop_table(manager, "event_rsvp").await
    }
}

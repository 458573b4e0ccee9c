//! Creates the `event_organizer` table: who organizes an event (edits it, takes
//! attendance).

use crate::helpers::*;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut t = table("event_organizer");
        t.col(integer("event_id"))
            .col(integer("person_id"))
            .col(timestamp_with_time_zone("created_at"))
            .foreign_key(&mut foreign_key("event_organizer", "event_id", "event", ForeignKeyAction::Cascade))
            .foreign_key(&mut foreign_key("event_organizer", "person_id", "person", ForeignKeyAction::Cascade));
        manager.create_table(t).await?;
        index(manager, "event_organizer", &["event_id", "person_id"], true).await?;
        index(manager, "event_organizer", &["person_id"], false).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, "event_organizer").await
    }
}

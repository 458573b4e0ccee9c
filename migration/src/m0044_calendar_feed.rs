//! Creates the `calendar_feed` table: each person's personal iCalendar feed, reached by
//! an opaque token stored hashed (one per person; a new one replaces it).

use crate::helpers::*;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut t = table("calendar_feed");
        t.col(integer("person_id"))
            .col(string_len("token_hash", 64))
            .col(timestamp_with_time_zone("created_at"))
            .foreign_key(&mut foreign_key("calendar_feed", "person_id", "person", ForeignKeyAction::Cascade));
        manager.create_table(t).await?;
        index(manager, "calendar_feed", &["person_id"], true).await?;
        index(manager, "calendar_feed", &["token_hash"], true).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, "calendar_feed").await
    }
}

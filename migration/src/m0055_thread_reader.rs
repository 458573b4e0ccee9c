//! Creates `thread_reader`: each person's read position in a thread and whether they
//! follow it — one row per person and thread they opened, followed or wrote in (never
//! one per post).

use crate::helpers::*;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut t = table("thread_reader");
        t.col(integer("thread_id"))
            .col(integer("person_id"))
            .col(integer_null("last_read_post_id"))
            .col(timestamp_with_time_zone_null("read_at"))
            .col(boolean("following").default(false))
            .col(timestamp_with_time_zone_null("unfollowed_at"))
            .foreign_key(&mut foreign_key("thread_reader", "thread_id", "thread", ForeignKeyAction::Cascade))
            .foreign_key(&mut foreign_key("thread_reader", "person_id", "person", ForeignKeyAction::Cascade));
        manager.create_table(with_timestamps(t)).await?;
        // A person's position in a page of threads is one index look-up each.
        index(manager, "thread_reader", &["person_id", "thread_id"], true).await?;
        index(manager, "thread_reader", &["thread_id"], false).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, "thread_reader").await
    }
}

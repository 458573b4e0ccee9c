//! Creates `mention`: the people a thread's opening message (`post_id` null) or a reply
//! mentions — only people who could read the thread when it was written (a later issue
//! notifies them).

use crate::helpers::*;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut t = table("mention");
        t.col(integer("thread_id"))
            .col(integer_null("post_id"))
            .col(integer("person_id"))
            .col(timestamp_with_time_zone("created_at"))
            .foreign_key(&mut foreign_key("mention", "thread_id", "thread", ForeignKeyAction::Cascade))
            .foreign_key(&mut foreign_key("mention", "post_id", "post", ForeignKeyAction::Cascade))
            .foreign_key(&mut foreign_key("mention", "person_id", "person", ForeignKeyAction::Cascade));
        manager.create_table(t).await?;
        // A page of threads' or replies' mentions: one index range each.
        index(manager, "mention", &["thread_id", "post_id"], false).await?;
        index(manager, "mention", &["post_id"], false).await?;
        // A person's mentions (notifications, a later issue).
        index(manager, "mention", &["person_id"], false).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, "mention").await
    }
}

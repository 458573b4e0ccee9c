//! Creates the `post` table.

use crate::helpers::*;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut t = table("post");
        t.col(integer("thread_id"))
            .col(integer("author_id"))
            .col(text("body"))
            .foreign_key(&mut foreign_key("post", "thread_id", "thread", ForeignKeyAction::Cascade))
            .foreign_key(&mut foreign_key("post", "author_id", "person", ForeignKeyAction::Restrict));
        manager.create_table(with_timestamps(t)).await?;
        index(manager, "post", &["thread_id", "id"], false).await?;
        index(manager, "post", &["author_id"], false).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, "post").await
    }
}

//! Creates the `thread` table.

use crate::helpers::*;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut t = table("thread");
        t.col(integer("community_id"))
            .col(integer_null("subgroup_id"))
            .col(integer("author_id"))
            .col(string_len("title", 300))
            .col(text("body"))
            .foreign_key(&mut foreign_key("thread", "community_id", "community", ForeignKeyAction::Cascade))
            .foreign_key(&mut foreign_key("thread", "subgroup_id", "subgroup", ForeignKeyAction::Cascade))
            .foreign_key(&mut foreign_key("thread", "author_id", "person", ForeignKeyAction::Restrict));
        manager.create_table(with_timestamps(t)).await?;
        index(manager, "thread", &["community_id", "id"], false).await?;
        index(manager, "thread", &["subgroup_id"], false).await?;
        index(manager, "thread", &["author_id"], false).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, "thread").await
    }
}

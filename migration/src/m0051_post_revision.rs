//! Creates `post_revision`: what a reply said before each edit (and before it was
//! deleted), read by the community's moderators.

use crate::helpers::*;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut t = table("post_revision");
        t.col(integer("post_id"))
            .col(integer("editor_id"))
            .col(text("body"))
            .col(timestamp_with_time_zone("created_at"))
            .foreign_key(&mut foreign_key("post_revision", "post_id", "post", ForeignKeyAction::Cascade))
            .foreign_key(&mut foreign_key("post_revision", "editor_id", "person", ForeignKeyAction::Restrict));
        manager.create_table(t).await?;
        index(manager, "post_revision", &["post_id", "id"], false).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, "post_revision").await
    }
}

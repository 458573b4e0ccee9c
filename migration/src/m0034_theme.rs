//! Creates `theme` (a community's classification of its library; a theme may have a
//! parent theme) and `document_theme` (the themes of each document).

use crate::helpers::*;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut theme = table("theme");
        theme
            .col(integer("community_id"))
            .col(integer_null("parent_id"))
            .col(string_len("name", 200))
            .foreign_key(&mut foreign_key("theme", "community_id", "community", ForeignKeyAction::Cascade))
            .foreign_key(&mut foreign_key("theme", "parent_id", "theme", ForeignKeyAction::SetNull));
        manager.create_table(with_timestamps(theme)).await?;
        index(manager, "theme", &["community_id", "id"], false).await?;
        let mut tagged = table("document_theme");
        tagged
            .col(integer("document_id"))
            .col(integer("theme_id"))
            .foreign_key(&mut foreign_key("document_theme", "document_id", "document", ForeignKeyAction::Cascade))
            .foreign_key(&mut foreign_key("document_theme", "theme_id", "theme", ForeignKeyAction::Cascade));
        manager.create_table(tagged).await?;
        index(manager, "document_theme", &["document_id", "theme_id"], true).await?;
        // The library filtered by theme.
        index(manager, "document_theme", &["theme_id", "document_id"], false).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, "document_theme").await?;
        drop_table(manager, "theme").await
    }
}

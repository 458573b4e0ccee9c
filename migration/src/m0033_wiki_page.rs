//! Creates `wiki_page` (a Markdown page of a community's wiki, optionally under a parent
//! page) and `wiki_page_revision` (every saved state of a page, numbered from 1).

use crate::helpers::*;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut page = table("wiki_page");
        page.col(integer("community_id"))
            .col(integer_null("parent_id"))
            .col(string_len("title", 300))
            .col(text("body"))
            // The number of the last revision: `updateWikiPage` saves only over the
            // revision its caller read (`expectedRevision`).
            .col(integer("revision"))
            .col(integer("created_by"))
            .col(integer("updated_by"))
            .foreign_key(&mut foreign_key("wiki_page", "community_id", "community", ForeignKeyAction::Cascade))
            .foreign_key(&mut foreign_key("wiki_page", "parent_id", "wiki_page", ForeignKeyAction::SetNull))
            .foreign_key(&mut foreign_key("wiki_page", "created_by", "person", ForeignKeyAction::Restrict))
            .foreign_key(&mut foreign_key("wiki_page", "updated_by", "person", ForeignKeyAction::Restrict));
        manager.create_table(with_timestamps(page)).await?;
        index(manager, "wiki_page", &["community_id", "id"], false).await?;
        index(manager, "wiki_page", &["parent_id"], false).await?;
        let mut revision = table("wiki_page_revision");
        revision
            .col(integer("page_id"))
            .col(integer("number"))
            .col(string_len("title", 300))
            .col(text("body"))
            .col(text("change_note"))
            .col(integer("author_id"))
            .col(timestamp_with_time_zone("created_at"))
            .foreign_key(&mut foreign_key("wiki_page_revision", "page_id", "wiki_page", ForeignKeyAction::Cascade))
            .foreign_key(&mut foreign_key("wiki_page_revision", "author_id", "person", ForeignKeyAction::Restrict));
        manager.create_table(revision).await?;
        index(manager, "wiki_page_revision", &["page_id", "number"], true).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, "wiki_page_revision").await?;
        drop_table(manager, "wiki_page").await
    }
}

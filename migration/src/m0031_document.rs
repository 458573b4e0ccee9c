//! Creates `document` (a library document of a community, optionally of a subgroup) and
//! `document_author` (the people of the network credited as its authors).

use crate::helpers::*;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut t = table("document");
        t.col(integer("community_id"))
            .col(integer_null("subgroup_id"))
            .col(string_len("title", 300))
            .col(text("description"))
            .col(enum_col("kind"))
            .col(string_len("language", 35))
            // A JSON array of the free tags.
            .col(text("tags"))
            .col(enum_col("status"))
            .col(enum_col("audience"))
            .col(integer("version_count"))
            .col(integer("created_by"))
            .col(timestamp_with_time_zone_null("published_at"))
            .foreign_key(&mut foreign_key("document", "community_id", "community", ForeignKeyAction::Cascade))
            .foreign_key(&mut foreign_key("document", "subgroup_id", "subgroup", ForeignKeyAction::Cascade))
            .foreign_key(&mut foreign_key("document", "created_by", "person", ForeignKeyAction::Restrict));
        manager.create_table(with_timestamps(t)).await?;
        index(manager, "document", &["community_id", "id"], false).await?;
        // Published documents reach beyond their community (`documents`).
        index(manager, "document", &["status", "audience", "id"], false).await?;
        index(manager, "document", &["subgroup_id"], false).await?;
        index(manager, "document", &["updated_at", "id"], false).await?;
        let mut authors = table("document_author");
        authors
            .col(integer("document_id"))
            .col(integer("person_id"))
            .col(integer("position"))
            .foreign_key(&mut foreign_key("document_author", "document_id", "document", ForeignKeyAction::Cascade))
            .foreign_key(&mut foreign_key("document_author", "person_id", "person", ForeignKeyAction::Cascade));
        manager.create_table(authors).await?;
        index(manager, "document_author", &["document_id", "person_id"], true).await?;
        index(manager, "document_author", &["person_id"], false).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, "document_author").await?;
        drop_table(manager, "document").await
    }
}

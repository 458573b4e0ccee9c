//! Creates `document_version`: each file of a document, numbered from 1, naming its
//! content in the blob store by SHA-256.

use crate::helpers::*;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut t = table("document_version");
        t.col(integer("document_id"))
            .col(integer("number"))
            .col(string_len("sha256", 64))
            .col(big_integer("size"))
            .col(string_len("content_type", 200))
            .col(string_len("file_name", 255))
            .col(text("change_note"))
            .col(integer("uploaded_by"))
            .col(integer_null("validated_by"))
            .col(timestamp_with_time_zone_null("validated_at"))
            .col(timestamp_with_time_zone("created_at"))
            .foreign_key(&mut foreign_key("document_version", "document_id", "document", ForeignKeyAction::Cascade))
            .foreign_key(&mut foreign_key("document_version", "uploaded_by", "person", ForeignKeyAction::Restrict))
            .foreign_key(&mut foreign_key("document_version", "validated_by", "person", ForeignKeyAction::Restrict));
        manager.create_table(t).await?;
        index(manager, "document_version", &["document_id", "number"], true).await?;
        // Which blobs are referenced (garbage collection, purges).
        index(manager, "document_version", &["sha256"], false).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, "document_version").await
    }
}

//! Creates the database blob store: `blob` (one row per stored file content, named by
//! its SHA-256 once complete) and `blob_chunk` (its bytes, in chunks of at most 256 KiB,
//! so that neither an upload nor a download holds a whole file in memory).

use crate::helpers::*;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut blobs = table("blob");
        // NULL while the upload is being written: an incomplete blob is garbage once old.
        blobs.col(string_len_null("sha256", 64)).col(big_integer("size")).col(timestamp_with_time_zone("created_at"));
        manager.create_table(blobs).await?;
        index(manager, "blob", &["sha256"], true).await?;
        // The garbage collector reads blobs by age.
        index(manager, "blob", &["created_at", "id"], false).await?;
        let mut chunk = table("blob_chunk");
        chunk.col(integer("blob_id")).col(integer("seq")).col(blob("data")).foreign_key(&mut foreign_key(
            "blob_chunk",
            "blob_id",
            "blob",
            ForeignKeyAction::Cascade,
        ));
        manager.create_table(chunk).await?;
        index(manager, "blob_chunk", &["blob_id", "seq"], true).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, "blob_chunk").await?;
        drop_table(manager, "blob").await
    }
}

//! Indexes `community (archived, visibility)`: counting the communities a person may see
//! by their attributes becomes an index-only scan.

use crate::helpers::*;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        index(manager, "community", &["archived", "visibility"], false).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name("ix_community_archived_visibility").table("community").to_owned()).await
    }
}

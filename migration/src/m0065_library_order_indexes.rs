//! Indexes for `Community.library`'s orders: `(community_id, key, id)` on documents and
//! wiki pages, the shape of each half of the library's keyset read (one community's
//! items by title, creation or last change), so that PostgreSQL can merge the two halves
//! in order and stop after one page; and the people who saved each page's revisions
//! (`Community.library`'s author filter and facet).

use crate::helpers::*;
use sea_orm_migration::prelude::*;

/// (table, columns) of each index.
const INDEXES: [(&str, &[&str]); 7] = [
    ("document", &["community_id", "title", "id"]),
    ("document", &["community_id", "created_at", "id"]),
    ("document", &["community_id", "updated_at", "id"]),
    ("wiki_page", &["community_id", "title", "id"]),
    ("wiki_page", &["community_id", "created_at", "id"]),
    ("wiki_page", &["community_id", "updated_at", "id"]),
    ("wiki_page_revision", &["author_id", "page_id"]),
];

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, columns) in INDEXES {
            index(manager, table, columns, false).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, columns) in INDEXES {
            let name = format!("ix_{table}_{}", columns.join("_"));
            manager.drop_index(Index::drop().name(name).table(table).to_owned()).await?;
        }
        Ok(())
    }
}

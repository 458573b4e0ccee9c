//! Indexes for the `orderBy` orders of large lists: each is `(parent, key, id)` (or
//! `(key, id)` for a top-level list), the exact shape of the keyset read — `WHERE
//! parent = $p AND (key, id) > ($k, $i) ORDER BY key, id LIMIT n + 1` — so PostgreSQL
//! walks the index from the cursor, forwards or backwards, and stops after one page,
//! whatever the list's size or the number of rows sharing a key (the id, in the index,
//! orders them). The default order (by id) keeps the indexes it had. Members sorted by
//! name have no index: the name is the person's, in another table, so PostgreSQL sorts
//! one community's active members (one community's size, read through the
//! `(community_id, person_id)` index) to return a page.

use crate::helpers::*;
use sea_orm_migration::prelude::*;

/// (table, columns) of each index.
const INDEXES: [(&str, &[&str]); 8] = [
    ("community", &["name", "id"]),
    ("community", &["slug", "id"]),
    ("community", &["created_at", "id"]),
    ("membership", &["community_id", "created_at", "id"]),
    ("thread", &["community_id", "created_at", "id"]),
    ("thread", &["community_id", "title", "id"]),
    ("post", &["thread_id", "created_at", "id"]),
    ("audit_event", &["created_at", "id"]),
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

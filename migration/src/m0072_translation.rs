//! Creates the translations of named things (issue 14, item 6): one table per kind of
//! owner — `community_translation`, `organization_translation`, `theme_translation`,
//! `subgroup_translation` — all of the same shape, made by [`translation_table`], which
//! the next named thing calls in its own migration.
//!
//! One table per owner rather than one table keyed by (owner kind, owner id): each row
//! then has a real foreign key to its owner, so deleting a theme or a subgroup removes its
//! translations in the same statement (`ON DELETE CASCADE`), and an id reused by SQLite
//! after a deletion can never inherit a former owner's texts. The columns are the same in
//! every table (`owner_id`, not `community_id`…), so one piece of code reads and writes
//! them all by table name.
//!
//! `language` holds a primary language subtag (`fr` or `en`, normalised by the service);
//! the unique index on (`owner_id`, `language`) keeps one text per owner and language and
//! serves the batched reads of a page of owners (`owner_id IN (…)`).

use crate::helpers::*;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The translation tables: (table, owner table).
const TABLES: [(&str, &str); 4] = [
    ("community_translation", "community"),
    ("organization_translation", "organization"),
    ("theme_translation", "theme"),
    ("subgroup_translation", "subgroup"),
];

/// Creates the translation table `table` of the rows of `owner`, with its unique
/// (owner, language) index.
pub async fn translation_table(
    manager: &SchemaManager<'_>,
    table_name: &'static str,
    owner: &'static str,
) -> Result<(), DbErr> {
    let mut t = table(table_name);
    t.col(integer("owner_id"))
        .col(string_len("language", 8))
        .col(string_len("name", 200))
        // Null: the owner's description is used (and for owners without one).
        .col(text_null("description"))
        .col(timestamp_with_time_zone("created_at"))
        .col(timestamp_with_time_zone("updated_at"))
        .foreign_key(&mut foreign_key(table_name, "owner_id", owner, ForeignKeyAction::Cascade));
    manager.create_table(t).await?;
    index(manager, table_name, &["owner_id", "language"], true).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, owner) in TABLES {
            translation_table(manager, table, owner).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, _) in TABLES {
            drop_table(manager, table).await?;
        }
        Ok(())
    }
}

//! Adds `translated_into` to every translatable owner (community, organization, theme,
//! subgroup): the languages it has a translation in, comma-separated and sorted (`en`,
//! `en,fr`; empty when none). It is kept with the translations in the same transaction,
//! and lets a page of owners skip the statement that reads translations when none of its
//! rows has one in the request's language (the common case, and the benchmarks').

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The owners that gain the column.
const OWNERS: [&str; 4] = ["community", "organization", "theme", "subgroup"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for owner in OWNERS {
            let mut column = string_len("translated_into", 16).default("").take();
            manager.alter_table(Table::alter().table(owner).add_column(&mut column).take()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for owner in OWNERS {
            manager.alter_table(Table::alter().table(owner).drop_column("translated_into").take()).await?;
        }
        Ok(())
    }
}

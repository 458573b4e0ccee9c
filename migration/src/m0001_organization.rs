//! Creates the `organization` table.

use crate::helpers::*;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut t = table("organization");
        t.col(string_len("slug", 64).unique_key())
            .col(string_len("name", 200))
            .col(enum_col("kind"))
            .col(string_len_null("sector", 200))
            .col(string_len_null("region", 200))
            .col(enum_col("status"));
        manager.create_table(with_timestamps(t)).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, "organization").await
    }
}

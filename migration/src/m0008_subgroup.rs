//! Creates the `subgroup` table.

use crate::helpers::*;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut t = table("subgroup");
        t.col(integer("community_id"))
            .col(string_len("name", 200))
            .col(text("description"))
            .col(enum_col("kind"))
            .col(enum_col("visibility"))
            .foreign_key(&mut foreign_key("subgroup", "community_id", "community", ForeignKeyAction::Cascade));
        manager.create_table(with_timestamps(t)).await?;
        index(manager, "subgroup", &["community_id"], false).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, "subgroup").await
    }
}

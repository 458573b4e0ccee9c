//! Creates the `subgroup_member` table.

use crate::helpers::*;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut t = table("subgroup_member");
        t.col(integer("subgroup_id"))
            .col(integer("person_id"))
            .col(enum_col("role"))
            .col(timestamp_with_time_zone("created_at"))
            .foreign_key(&mut foreign_key("subgroup_member", "subgroup_id", "subgroup", ForeignKeyAction::Cascade))
            .foreign_key(&mut foreign_key("subgroup_member", "person_id", "person", ForeignKeyAction::Cascade));
        manager.create_table(t).await?;
        index(manager, "subgroup_member", &["subgroup_id", "person_id"], true).await?;
        index(manager, "subgroup_member", &["person_id"], false).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, "subgroup_member").await
    }
}

//! Creates the `network_role` table.

use crate::helpers::*;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut t = table("network_role");
        t.col(integer("person_id"))
            .col(enum_col("role"))
            .col(timestamp_with_time_zone("created_at"))
            .foreign_key(&mut foreign_key("network_role", "person_id", "person", ForeignKeyAction::Cascade));
        manager.create_table(t).await?;
        index(manager, "network_role", &["person_id", "role"], true).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, "network_role").await
    }
}

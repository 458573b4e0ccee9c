//! Creates the `organization_role` table.

use crate::helpers::*;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut t = table("organization_role");
        t.col(integer("person_id"))
            .col(integer("organization_id"))
            .col(enum_col("role"))
            .col(timestamp_with_time_zone("created_at"))
            .foreign_key(&mut foreign_key("organization_role", "person_id", "person", ForeignKeyAction::Cascade))
            .foreign_key(&mut foreign_key(
                "organization_role",
                "organization_id",
                "organization",
                ForeignKeyAction::Cascade,
            ));
        manager.create_table(t).await?;
        index(manager, "organization_role", &["person_id", "organization_id", "role"], true).await?;
        index(manager, "organization_role", &["organization_id"], false).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, "organization_role").await
    }
}

//! Creates `organization_time_settings`: each organization's default annual allowance
//! for its people in a community and the day its participation year starts.

use crate::helpers::*;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut t = table("organization_time_settings");
        t.col(integer("organization_id"))
            .col(integer("default_allowance_quarters"))
            .col(integer("year_start_month"))
            .col(integer("year_start_day"))
            .foreign_key(&mut foreign_key(
                "organization_time_settings",
                "organization_id",
                "organization",
                ForeignKeyAction::Cascade,
            ));
        manager.create_table(with_timestamps(t)).await?;
        index(manager, "organization_time_settings", &["organization_id"], true).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, "organization_time_settings").await
    }
}

//! Single sign-on columns on existing tables: an organization's allowlist of front-end
//! URLs, and which provider (if any) granted an organization role, so that a login
//! re-synchronises only the roles its provider granted.

use crate::helpers::*;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table("organization").add_column(json_null("allowed_return_urls")).take())
            .await?;
        manager
            .alter_table(Table::alter().table("organization_role").add_column(integer_null("provider_id")).take())
            .await?;
        index(manager, "organization_role", &["provider_id"], false).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name("ix_organization_role_provider_id").table("organization_role").to_owned())
            .await?;
        manager.alter_table(Table::alter().table("organization_role").drop_column("provider_id").take()).await?;
        manager.alter_table(Table::alter().table("organization").drop_column("allowed_return_urls").take()).await
    }
}

//! The scope of each audit event (network, an organization or a community), so that an
//! organization's administrators and a community's administrators can read their own
//! trail. Events recorded before this migration belong to the network scope.

use crate::helpers::*;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter().table("audit_event").add_column(enum_col("scope_type").default("network")).take(),
            )
            .await?;
        manager.alter_table(Table::alter().table("audit_event").add_column(integer_null("scope_id")).take()).await?;
        index(manager, "audit_event", &["scope_type", "scope_id"], false).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name("ix_audit_event_scope_type_scope_id").table("audit_event").to_owned())
            .await?;
        manager.alter_table(Table::alter().table("audit_event").drop_column("scope_id").take()).await?;
        manager.alter_table(Table::alter().table("audit_event").drop_column("scope_type").take()).await
    }
}

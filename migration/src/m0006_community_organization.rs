//! Creates the `community_organization` table.

use crate::helpers::*;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut t = table("community_organization");
        t.col(integer("community_id"))
            .col(integer("organization_id"))
            .col(integer_null("sponsor_id"))
            .col(enum_col("status"))
            .foreign_key(&mut foreign_key(
                "community_organization",
                "community_id",
                "community",
                ForeignKeyAction::Cascade,
            ))
            .foreign_key(&mut foreign_key(
                "community_organization",
                "organization_id",
                "organization",
                ForeignKeyAction::Cascade,
            ))
            .foreign_key(&mut foreign_key("community_organization", "sponsor_id", "person", ForeignKeyAction::SetNull));
        manager.create_table(with_timestamps(t)).await?;
        index(manager, "community_organization", &["community_id", "organization_id"], true).await?;
        index(manager, "community_organization", &["organization_id"], false).await?;
        index(manager, "community_organization", &["sponsor_id"], false).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, "community_organization").await
    }
}

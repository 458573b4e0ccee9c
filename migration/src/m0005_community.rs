//! Creates the `community` table.

use crate::helpers::*;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut t = table("community");
        t.col(string_len("slug", 64).unique_key())
            .col(string_len("name", 200))
            .col(text("description"))
            .col(string_len_null("field_of_knowledge", 200))
            .col(enum_col("visibility"))
            .col(enum_col("membership_policy"))
            .col(enum_col("creation_mode"))
            .col(enum_col("interaction_mode"))
            .col(enum_col("stage"))
            .col(boolean("archived"))
            .col(json("eligibility"))
            .col(boolean("sponsor_approval_required"))
            .col(boolean("open_to_all_organizations"))
            .col(integer_null("created_by"))
            .foreign_key(&mut foreign_key("community", "created_by", "person", ForeignKeyAction::SetNull));
        manager.create_table(with_timestamps(t)).await?;
        index(manager, "community", &["created_by"], false).await?;
        index(manager, "community", &["visibility"], false).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, "community").await
    }
}

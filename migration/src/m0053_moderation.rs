//! Moderation of discussions: locked and pinned threads, announcements that leave the
//! bulletin board at an expiry, replies hidden by a moderator (with the reason).

use crate::helpers::*;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Columns added to `thread`, one statement each (SQLite alters one column at a time).
fn thread_columns() -> Vec<ColumnDef> {
    vec![
        timestamp_with_time_zone_null("locked_at"),
        timestamp_with_time_zone_null("pinned_at"),
        timestamp_with_time_zone_null("expires_at"),
    ]
}

/// Columns added to `post`.
fn post_columns() -> Vec<ColumnDef> {
    vec![timestamp_with_time_zone_null("hidden_at"), text_null("hidden_reason"), integer_null("hidden_by")]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for mut column in thread_columns() {
            manager.alter_table(Table::alter().table("thread").add_column(&mut column).take()).await?;
        }
        for mut column in post_columns() {
            manager.alter_table(Table::alter().table("post").add_column(&mut column).take()).await?;
        }
        // `pinnedThreads`: a community's pinned threads, by id.
        index(manager, "thread", &["community_id", "pinned_at", "id"], false).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name("ix_thread_community_id_pinned_at_id").table("thread").to_owned())
            .await?;
        for column in ["hidden_at", "hidden_reason", "hidden_by"] {
            manager.alter_table(Table::alter().table("post").drop_column(column).take()).await?;
        }
        for column in ["locked_at", "pinned_at", "expires_at"] {
            manager.alter_table(Table::alter().table("thread").drop_column(column).take()).await?;
        }
        Ok(())
    }
}

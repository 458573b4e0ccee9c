//! Discussions that serve practice: a thread's kind and language, the answer accepted
//! to a question and when it came (`answered_at`, `first_reply_at`); a reply's place
//! under another reply, when it was last edited and whether it was deleted.

use crate::helpers::*;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Columns added to `thread`, one statement each (SQLite alters one column at a time).
fn thread_columns() -> Vec<ColumnDef> {
    vec![
        enum_col("kind").default("DISCUSSION").take(),
        string_len_null("language", 35),
        integer_null("accepted_post_id"),
        timestamp_with_time_zone_null("answered_at"),
        timestamp_with_time_zone_null("first_reply_at"),
    ]
}

/// Columns added to `post`.
fn post_columns() -> Vec<ColumnDef> {
    vec![
        integer_null("reply_to_id"),
        timestamp_with_time_zone_null("edited_at"),
        timestamp_with_time_zone_null("deleted_at"),
    ]
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
        // `unansweredQuestions`: a community's questions without an accepted answer, by id.
        index(manager, "thread", &["community_id", "kind", "accepted_post_id", "id"], false).await?;
        index(manager, "post", &["reply_to_id"], false).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name("ix_post_reply_to_id").table("post").to_owned()).await?;
        manager
            .drop_index(
                Index::drop().name("ix_thread_community_id_kind_accepted_post_id_id").table("thread").to_owned(),
            )
            .await?;
        for column in ["reply_to_id", "edited_at", "deleted_at"] {
            manager.alter_table(Table::alter().table("post").drop_column(column).take()).await?;
        }
        for column in ["kind", "language", "accepted_post_id", "answered_at", "first_reply_at"] {
            manager.alter_table(Table::alter().table("thread").drop_column(column).take()).await?;
        }
        Ok(())
    }
}

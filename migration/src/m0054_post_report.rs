//! Creates `post_report`: replies readers reported to the community's moderators, and
//! how each report was resolved.

use crate::helpers::*;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut t = table("post_report");
        t.col(integer("post_id"))
            .col(integer("community_id"))
            .col(integer("reporter_id"))
            .col(text("reason"))
            .col(enum_col("status"))
            .col(integer_null("resolved_by"))
            .col(timestamp_with_time_zone_null("resolved_at"))
            .col(timestamp_with_time_zone("created_at"))
            .foreign_key(&mut foreign_key("post_report", "post_id", "post", ForeignKeyAction::Cascade))
            .foreign_key(&mut foreign_key("post_report", "community_id", "community", ForeignKeyAction::Cascade))
            .foreign_key(&mut foreign_key("post_report", "reporter_id", "person", ForeignKeyAction::Cascade));
        manager.create_table(t).await?;
        // `moderationQueue`: a community's open reports, by id.
        index(manager, "post_report", &["community_id", "status", "id"], false).await?;
        index(manager, "post_report", &["post_id", "reporter_id"], false).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, "post_report").await
    }
}

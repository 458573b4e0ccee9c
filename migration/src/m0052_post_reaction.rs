//! Creates `post_reaction`: who reacted to a reply, and how (one row per person,
//! reply and reaction).

use crate::helpers::*;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut t = table("post_reaction");
        t.col(integer("post_id"))
            .col(integer("person_id"))
            .col(enum_col("reaction"))
            .col(timestamp_with_time_zone("created_at"))
            .foreign_key(&mut foreign_key("post_reaction", "post_id", "post", ForeignKeyAction::Cascade))
            .foreign_key(&mut foreign_key("post_reaction", "person_id", "person", ForeignKeyAction::Cascade));
        manager.create_table(t).await?;
        // Counting a page of replies' reactions reads this index only.
        index(manager, "post_reaction", &["post_id", "reaction", "person_id"], true).await?;
        index(manager, "post_reaction", &["person_id"], false).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, "post_reaction").await
    }
}

//! Creates the `membership` table.

use crate::helpers::*;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut t = table("membership");
        t.col(integer("community_id"))
            .col(integer("person_id"))
            .col(big_integer("roles"))
            .col(enum_col("status"))
            .col(integer_null("decided_by"))
            .col(timestamp_with_time_zone_null("decided_at"))
            .col(string_len_null("reason", 2000))
            .foreign_key(&mut foreign_key("membership", "community_id", "community", ForeignKeyAction::Cascade))
            .foreign_key(&mut foreign_key("membership", "person_id", "person", ForeignKeyAction::Cascade))
            .foreign_key(&mut foreign_key("membership", "decided_by", "person", ForeignKeyAction::SetNull));
        manager.create_table(with_timestamps(t)).await?;
        index(manager, "membership", &["community_id", "person_id"], true).await?;
        index(manager, "membership", &["person_id", "status"], false).await?;
        index(manager, "membership", &["decided_by"], false).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, "membership").await
    }
}

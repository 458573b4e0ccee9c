//! Creates `time_allowance`: one person's allowance in a community for a participation
//! year, set by the sponsor of their own organization.

use crate::helpers::*;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut t = table("time_allowance");
        t.col(integer("community_id"))
            .col(integer("person_id"))
            .col(integer("year"))
            .col(integer("quarter_hours"))
            .col(integer_null("animation_quarter_hours"))
            .col(integer("set_by"))
            .foreign_key(&mut foreign_key("time_allowance", "community_id", "community", ForeignKeyAction::Cascade))
            .foreign_key(&mut foreign_key("time_allowance", "person_id", "person", ForeignKeyAction::Cascade))
            .foreign_key(&mut foreign_key("time_allowance", "set_by", "person", ForeignKeyAction::Restrict));
        manager.create_table(with_timestamps(t)).await?;
        index(manager, "time_allowance", &["person_id", "community_id", "year"], true).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, "time_allowance").await
    }
}

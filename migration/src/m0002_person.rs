//! Creates the `person` table.

use crate::helpers::*;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut t = table("person");
        t.col(string_len("display_name", 200))
            .col(string_len("email", 320))
            .col(string_len_null("job_title", 200))
            .col(string_len_null("profession", 200))
            .col(integer_null("organization_id"))
            .col(enum_col("status"))
            .foreign_key(&mut foreign_key("person", "organization_id", "organization", ForeignKeyAction::SetNull));
        manager.create_table(with_timestamps(t)).await?;
        index(manager, "person", &["organization_id"], false).await?;
        index(manager, "person", &["email"], false).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, "person").await
    }
}

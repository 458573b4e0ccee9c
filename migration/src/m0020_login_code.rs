//! Creates `login_code`: one-time codes (stored hashed) that a front end exchanges for a
//! session after a login, or that start an account link.

use crate::helpers::*;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut t = table("login_code");
        t.col(string_len("code_hash", 64).unique_key())
            .col(string_len("purpose", 16))
            .col(integer("person_id"))
            .col(integer_null("organization_id"))
            .col(timestamp_with_time_zone("created_at"))
            .col(timestamp_with_time_zone("expires_at"))
            .col(timestamp_with_time_zone_null("used_at"))
            .foreign_key(&mut foreign_key("login_code", "person_id", "person", ForeignKeyAction::Cascade))
            .foreign_key(&mut foreign_key("login_code", "organization_id", "organization", ForeignKeyAction::Cascade));
        manager.create_table(t).await?;
        index(manager, "login_code", &["person_id"], false).await?;
        index(manager, "login_code", &["organization_id"], false).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, "login_code").await
    }
}

//! Creates `login_attempt`: a browser login in progress (state, nonce and PKCE
//! verifier kept server-side), single-use and short-lived.

use crate::helpers::*;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut t = table("login_attempt");
        t.col(string_len("state_hash", 64).unique_key())
            .col(string_len("browser_hash", 64))
            .col(integer("provider_id"))
            .col(string_len("nonce", 128))
            .col(string_len("pkce_verifier", 128))
            .col(text("return_to"))
            .col(integer_null("link_person_id"))
            .col(timestamp_with_time_zone("created_at"))
            .col(timestamp_with_time_zone("expires_at"))
            .col(timestamp_with_time_zone_null("consumed_at"))
            .foreign_key(&mut foreign_key(
                "login_attempt",
                "provider_id",
                "identity_provider",
                ForeignKeyAction::Cascade,
            ))
            .foreign_key(&mut foreign_key("login_attempt", "link_person_id", "person", ForeignKeyAction::Cascade));
        manager.create_table(t).await?;
        index(manager, "login_attempt", &["provider_id"], false).await?;
        index(manager, "login_attempt", &["link_person_id"], false).await?;
        index(manager, "login_attempt", &["expires_at"], false).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, "login_attempt").await
    }
}

//! Account links bound to the browser and session that asked for them, confirmed by
//! the person before anything is attached; and the address each login attempt came
//! from, so that pending attempts can be capped per address.
//!
//! `login_code` (purpose `link`) gains the session that asked, where the browser
//! returns, and, once the provider has answered, the identity waiting for confirmation
//! (provider, subject) with the hash of its single-use confirmation token.

use crate::helpers::*;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const LINK_COLUMNS: [&str; 5] = ["session_id", "return_to", "provider_id", "subject", "confirm_hash"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one thing at a time.
        for column in [
            integer_null("session_id"),
            text_null("return_to"),
            integer_null("provider_id"),
            text_null("subject"),
            string_len_null("confirm_hash", 64),
        ] {
            let mut column = column;
            manager.alter_table(Table::alter().table("login_code").add_column(&mut column).take()).await?;
        }
        manager
            .alter_table(Table::alter().table("login_attempt").add_column(string_len_null("client_address", 64)).take())
            .await?;
        index(manager, "login_attempt", &["client_address"], false).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name("ix_login_attempt_client_address").table("login_attempt").to_owned())
            .await?;
        manager.alter_table(Table::alter().table("login_attempt").drop_column("client_address").take()).await?;
        for column in LINK_COLUMNS {
            manager.alter_table(Table::alter().table("login_code").drop_column(column).take()).await?;
        }
        Ok(())
    }
}

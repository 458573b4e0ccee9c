//! The `X-Request-Id` a client sent, kept apart from the request id the server generates
//! (`request_id`), so a client cannot make its changes look like another request's.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table("audit_event").add_column(string_null("client_request_id")).take())
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table("audit_event").drop_column("client_request_id").take()).await
    }
}

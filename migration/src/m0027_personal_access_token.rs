//! Personal access tokens are sessions of their own kind (`origin = 'pat'`): a name the
//! person gave them and the scopes they allow (`READ`, `WRITE`, `ADMIN`, comma-separated).
//! Login sessions leave both empty.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds one at a time.
        manager.alter_table(Table::alter().table("session").add_column(string_len_null("name", 100)).take()).await?;
        manager.alter_table(Table::alter().table("session").add_column(string_len_null("scopes", 64)).take()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table("session").drop_column("scopes").take()).await?;
        manager.alter_table(Table::alter().table("session").drop_column("name").take()).await
    }
}

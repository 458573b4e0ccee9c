//! Adds bans and the two keys of two-key approval to `membership`.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const COLUMNS: [&str; 3] = ["banned", "animator_approved", "sponsor_approved"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one column at a time.
        for column in COLUMNS {
            manager
                .alter_table(Table::alter().table("membership").add_column(boolean(column).default(false)).take())
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in COLUMNS {
            manager.alter_table(Table::alter().table("membership").drop_column(column).take()).await?;
        }
        Ok(())
    }
}

//! Adds `document.published_version`: the number of the version that was current when the
//! document was last published. People who reach a document only through its NETWORK or
//! PUBLIC audience see that version and no other. Documents published before this
//! migration get their current version.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table("document").add_column(integer_null("published_version")).take())
            .await?;
        manager
            .get_connection()
            .execute_unprepared("UPDATE document SET published_version = version_count WHERE published_at IS NOT NULL")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table("document").drop_column("published_version").take()).await
    }
}

//! Creates `identity_provider`: an organization's OpenID Connect provider. The client
//! secret is stored encrypted (AES-256-GCM), never in clear.

use crate::helpers::*;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut t = with_timestamps(table("identity_provider"));
        t.col(integer("organization_id"))
            .col(string_len("issuer", 512))
            .col(string_len("client_id", 255))
            .col(text("client_secret_encrypted"))
            .col(json("scopes"))
            .col(json("allowed_email_domains"))
            .col(json("claim_mappings"))
            .col(string_len("display_name", 200))
            .col(boolean("enabled").default(true))
            .foreign_key(&mut foreign_key(
                "identity_provider",
                "organization_id",
                "organization",
                ForeignKeyAction::Cascade,
            ));
        manager.create_table(t).await?;
        index(manager, "identity_provider", &["organization_id", "issuer"], true).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, "identity_provider").await
    }
}

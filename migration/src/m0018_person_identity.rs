//! Creates `person_identity`: who a person is at an identity provider, keyed by
//! (issuer, subject), never by e-mail.

use crate::helpers::*;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut t = table("person_identity");
        t.col(integer("person_id"))
            .col(integer("provider_id"))
            .col(string_len("issuer", 512))
            .col(string_len("subject", 255))
            .col(timestamp_with_time_zone("created_at"))
            .col(timestamp_with_time_zone_null("last_login_at"))
            .foreign_key(&mut foreign_key("person_identity", "person_id", "person", ForeignKeyAction::Cascade))
            .foreign_key(&mut foreign_key(
                "person_identity",
                "provider_id",
                "identity_provider",
                ForeignKeyAction::Cascade,
            ));
        manager.create_table(t).await?;
        index(manager, "person_identity", &["issuer", "subject"], true).await?;
        index(manager, "person_identity", &["person_id"], false).await?;
        index(manager, "person_identity", &["provider_id"], false).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, "person_identity").await
    }
}

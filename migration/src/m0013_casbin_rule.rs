//! Creates the `casbin_rule` table (the authorization policy) and `policy_state` (its
//! generation number).

use crate::helpers::*;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut t = table("casbin_rule");
        t.col(string_len("ptype", 8));
        for v in ["v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7"] {
            t.col(string_len(v, 128).default(""));
        }
        manager.create_table(t).await?;
        index(manager, "casbin_rule", &["ptype", "v1"], false).await?;
        let mut state = Table::create();
        state
            .table("policy_state")
            .if_not_exists()
            .col(integer("id").primary_key())
            .col(big_integer("generation"))
            .col(timestamp_with_time_zone("updated_at"));
        manager.create_table(state).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, "policy_state").await?;
        drop_table(manager, "casbin_rule").await
    }
}

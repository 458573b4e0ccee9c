//! Who gave each key of a two-key approval, so that the two keys come from two different
//! people (security review 2026-12-01, M3). Existing animator keys are credited to the
//! person who last decided on the membership (the inviter or approver).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table("membership").add_column(integer_null("animator_approved_by")).take())
            .await?;
        manager
            .alter_table(Table::alter().table("membership").add_column(integer_null("sponsor_approved_by")).take())
            .await?;
        let backfill = Query::update()
            .table("membership")
            .value("animator_approved_by", Expr::col("decided_by"))
            .and_where(Expr::col("animator_approved").eq(true))
            .to_owned();
        manager.exec_stmt(backfill).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table("membership").drop_column("sponsor_approved_by").take()).await?;
        manager.alter_table(Table::alter().table("membership").drop_column("animator_approved_by").take()).await
    }
}

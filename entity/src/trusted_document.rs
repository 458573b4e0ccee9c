//! An operation an organization registered (a trusted document): its query text and the
//! text's SHA-256. Its API clients may be restricted to these, and requests from its
//! front ends' origins may be required to use them.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "trusted_document")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub organization_id: i32,
    /// Lower-case hex SHA-256 of `query`.
    pub hash: String,
    #[sea_orm(column_type = "Text")]
    pub query: String,
    /// Who registered it (null once that person is deleted).
    pub created_by: Option<i32>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

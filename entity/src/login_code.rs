//! A one-time code (stored hashed): `session` codes are exchanged at `POST /auth/token`
//! after a login; `link` codes start linking another provider's identity.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "login_code")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub code_hash: String,
    /// `session` or `link`.
    pub purpose: String,
    pub person_id: i32,
    /// For `link` codes: the organization whose provider is to be linked.
    pub organization_id: Option<i32>,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub used_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! A one-time code (stored hashed): `session` codes are exchanged at `POST /auth/token`
//! after a login; `link` codes are the value of the cookie binding an account link to
//! the browser (and session) that asked for it, and carry the identity waiting for the
//! person's confirmation.

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
    /// For `link` codes: the session that asked (the link dies with it).
    pub session_id: Option<i32>,
    /// For `link` codes: where the browser returns.
    pub return_to: Option<String>,
    /// For `link` codes, once the provider answered: the identity to attach.
    pub provider_id: Option<i32>,
    pub subject: Option<String>,
    /// SHA-256 of the single-use token of the confirmation form.
    pub confirm_hash: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

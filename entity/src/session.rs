//! A login session: only the SHA-256 of the bearer token is stored.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "session")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub token_hash: String,
    pub person_id: i32,
    /// How it was created (`cli`, `oidc`, or `pat` for a personal access token).
    pub origin: String,
    /// A personal access token's name, as its person gave it.
    pub name: Option<String>,
    /// A personal access token's scopes (`READ`, `WRITE`, `ADMIN`, comma-separated);
    /// none for a login session, which may do whatever its person may.
    pub scopes: Option<String>,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub last_seen_at: Option<DateTimeUtc>,
    pub revoked_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! One file of a document: version `number` (from 1), its content named by SHA-256.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "document_version")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub document_id: i32,
    pub number: i32,
    /// Lower-case hex SHA-256 of the file (its blob).
    pub sha256: String,
    pub size: i64,
    /// Detected from the bytes, never taken from the client.
    pub content_type: String,
    pub file_name: String,
    pub change_note: String,
    pub uploaded_by: i32,
    pub validated_by: Option<i32>,
    pub validated_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

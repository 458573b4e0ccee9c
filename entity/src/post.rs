//! A reply in a thread.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, Default, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
/// Read back from JSON when read ahead with its parent (columns the query does not use are
/// left out of the JSON and take their default).
#[serde(default)]
#[sea_orm(table_name = "post")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub thread_id: i32,
    pub author_id: i32,
    pub body: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// The reply (of the same thread, itself not a reply to another) this one answers.
    pub reply_to_id: Option<i32>,
    /// When its author last edited it.
    pub edited_at: Option<DateTimeUtc>,
    /// When it was deleted (its body is then empty).
    pub deleted_at: Option<DateTimeUtc>,
    /// When a moderator hid it (others then read it as a placeholder).
    pub hidden_at: Option<DateTimeUtc>,
    /// Why it was hidden (shown to its author and to moderators).
    pub hidden_reason: Option<String>,
    /// The moderator who hid it.
    pub hidden_by: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! A discussion thread in a community (or one of its subgroups).

use sea_orm::entity::prelude::*;

use crate::enums::ThreadKind;

#[derive(Clone, Debug, Default, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
/// Read back from JSON when read ahead with its parent (columns the query does not use are
/// left out of the JSON and take their default).
#[serde(default)]
#[sea_orm(table_name = "thread")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub community_id: i32,
    pub subgroup_id: Option<i32>,
    pub author_id: i32,
    pub title: String,
    pub body: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub kind: ThreadKind,
    /// BCP 47 tag of the language it is written in, when the author said.
    pub language: Option<String>,
    /// The reply accepted as the answer (questions only).
    pub accepted_post_id: Option<i32>,
    /// When the accepted answer was accepted.
    pub answered_at: Option<DateTimeUtc>,
    /// When someone other than the author first replied.
    pub first_reply_at: Option<DateTimeUtc>,
    /// When a moderator locked it (no more replies).
    pub locked_at: Option<DateTimeUtc>,
    /// When a moderator pinned it (announcements are pinned when posted).
    pub pinned_at: Option<DateTimeUtc>,
    /// When an announcement leaves the bulletin board.
    pub expires_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

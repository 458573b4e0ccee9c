//! A person's read position in a thread, and whether they follow it (one row per person
//! and thread).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "thread_reader")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub thread_id: i32,
    pub person_id: i32,
    /// The last reply they read (none yet: every reply is new to them).
    pub last_read_post_id: Option<i32>,
    /// When they last marked the thread read.
    pub read_at: Option<DateTimeUtc>,
    /// Whether they follow it (a later issue notifies followers).
    pub following: bool,
    /// When they chose to stop following: replying then no longer follows it again.
    pub unfollowed_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

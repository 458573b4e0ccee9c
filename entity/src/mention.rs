//! A person mentioned in a thread's opening message (`post_id` none) or in a reply: only
//! people who could read the thread when it was written are ever stored.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mention")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub thread_id: i32,
    /// The reply that mentions them; none for the thread's opening message.
    pub post_id: Option<i32>,
    pub person_id: i32,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

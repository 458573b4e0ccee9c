//! A reply a reader reported to the community's moderators.

use sea_orm::entity::prelude::*;

use crate::enums::ReportStatus;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "post_report")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub post_id: i32,
    /// The community of the reply's thread (whose moderators read the report).
    pub community_id: i32,
    pub reporter_id: i32,
    pub reason: String,
    pub status: ReportStatus,
    /// The moderator who resolved it.
    pub resolved_by: Option<i32>,
    pub resolved_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! Hours a person gave to a community on one day: logged by them, or from attendance.

use crate::enums::{TimeCategory, TimeEntryStatus};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "time_entry")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub community_id: i32,
    pub person_id: i32,
    pub date: Date,
    /// The calendar year in which the participation year of `date` starts.
    pub year: i32,
    pub category: TimeCategory,
    /// In quarter hours.
    pub quarter_hours: i32,
    pub status: TimeEntryStatus,
    pub note: Option<String>,
    /// The occurrence whose attendance created it (event and original start).
    pub event_id: Option<i32>,
    pub original_start: Option<DateTimeUtc>,
    pub decided_by: Option<i32>,
    pub decided_at: Option<DateTimeUtc>,
    pub reason: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::person::Entity", from = "Column::PersonId", to = "super::person::Column::Id")]
    Person,
    #[sea_orm(
        belongs_to = "super::community::Entity",
        from = "Column::CommunityId",
        to = "super::community::Column::Id"
    )]
    Community,
}

impl ActiveModelBehavior for ActiveModel {}

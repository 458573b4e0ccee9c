//! Whether a person attended an occurrence, as its organizers recorded it.

use crate::enums::AttendanceStatus;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "event_attendance")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub event_id: i32,
    pub original_start: DateTimeUtc,
    pub person_id: i32,
    pub status: AttendanceStatus,
    /// Hours counted, in quarter hours.
    pub quarter_hours: i32,
    pub recorded_by: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

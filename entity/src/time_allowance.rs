//! One person's allowance in one community for one participation year, raised by the
//! sponsor of their own organization.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "time_allowance")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub community_id: i32,
    pub person_id: i32,
    /// The calendar year in which the participation year starts.
    pub year: i32,
    /// In quarter hours.
    pub quarter_hours: i32,
    /// A separate allowance for ANIMATION entries (quarter hours); `None`: they count
    /// against the main allowance.
    pub animation_quarter_hours: Option<i32>,
    pub set_by: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! A person's answer to an occurrence, and their place on its waiting list.

use crate::enums::RsvpResponse;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "event_rsvp")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub event_id: i32,
    pub original_start: DateTimeUtc,
    pub person_id: i32,
    pub response: RsvpResponse,
    /// Going, but waiting for a place.
    pub waitlisted: bool,
    /// When they last asked to come (the waiting list's order).
    pub asked_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! An event of a community (or one of its subgroups): a meeting, webinar, workshop,
//! guest talk… once or recurring by an RFC 5545 rule kept with its time zone.

use crate::enums::{Audience, EventKind, EventMode};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "event")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub community_id: i32,
    pub subgroup_id: Option<i32>,
    pub kind: EventKind,
    pub title: String,
    /// Markdown, as written.
    pub agenda: String,
    /// Start of the first occurrence (UTC).
    pub starts_at: DateTimeUtc,
    /// End of the first occurrence (UTC).
    pub ends_at: DateTimeUtc,
    /// IANA time zone the times (and the recurrence) are kept in.
    pub time_zone: String,
    /// RFC 5545 `RRULE` value (without `RRULE:`), if the event recurs.
    pub recurrence: Option<String>,
    /// When the last occurrence ends; `None` for a series without end.
    pub series_ends_at: Option<DateTimeUtc>,
    pub mode: EventMode,
    pub place: Option<String>,
    pub join_url: Option<String>,
    pub capacity: Option<i32>,
    pub audience: Audience,
    /// Guest speakers as JSON: `[{ "name": …, "affiliation": … }]`.
    pub speakers: String,
    pub cancelled: bool,
    /// Bumped on every change (optimistic concurrency, and iCalendar `SEQUENCE`).
    pub version: i32,
    pub created_by: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

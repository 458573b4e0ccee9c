//! A person's membership of a community: roles (a bit mask, see `CommunityRoles`) and status.

use crate::enums::{CommunityRoles, MembershipStatus};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "membership")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub community_id: i32,
    pub person_id: i32,
    /// Bit mask of `CommunityRole`s.
    pub roles: i64,
    pub status: MembershipStatus,
    pub decided_by: Option<i32>,
    pub decided_at: Option<DateTimeUtc>,
    pub reason: Option<String>,
    /// A banned person cannot request to join again.
    pub banned: bool,
    /// Whether the animator key of a two-key approval was given (for PENDING and
    /// INVITED memberships that need sponsor approval).
    pub animator_approved: bool,
    /// Whether the sponsor key was given.
    pub sponsor_approved: bool,
    /// Who gave the animator key (the two keys come from two different people).
    pub animator_approved_by: Option<i32>,
    /// Who gave the sponsor key.
    pub sponsor_approved_by: Option<i32>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// The roles as a set.
    pub fn role_set(&self) -> CommunityRoles {
        CommunityRoles(self.roles)
    }
}

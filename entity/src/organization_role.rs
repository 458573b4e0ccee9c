//! A role a person holds in an organization.

use crate::enums::OrganizationRoleKind;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "organization_role")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub person_id: i32,
    pub organization_id: i32,
    pub role: OrganizationRoleKind,
    pub created_at: DateTimeUtc,
    /// The identity provider whose claims granted this role; `None` when an administrator
    /// did. A login re-synchronises only its own provider's roles.
    pub provider_id: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! A person's membership of a subgroup (working or interest group).

use sea_orm::entity::prelude::*;

use crate::enums::SubgroupRole;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "subgroup_member")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub subgroup_id: i32,
    pub person_id: i32,
    pub role: SubgroupRole,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! A working or interest group inside a community, with its own visibility.

use crate::enums::{SubgroupKind, SubgroupVisibility};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "subgroup")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub community_id: i32,
    pub name: String,
    pub description: String,
    pub kind: SubgroupKind,
    pub visibility: SubgroupVisibility,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// The languages it has a translation in (`subgroup_translation`), comma-separated and
    /// sorted (`en,fr`); empty when none. Kept with the translations.
    pub translated_into: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! A community of practice.

use crate::enums::{CreationMode, InteractionMode, MembershipPolicy, Stage, Visibility};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "community")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub slug: String,
    pub name: String,
    pub description: String,
    pub field_of_knowledge: Option<String>,
    pub visibility: Visibility,
    pub membership_policy: MembershipPolicy,
    pub creation_mode: CreationMode,
    pub interaction_mode: InteractionMode,
    pub stage: Stage,
    pub archived: bool,
    /// Eligibility criteria as JSON (`professions`, `jobTitles`, `organizationSlugs`,
    /// `sectors`, `regions`: lists of strings; an empty or missing list admits anyone).
    pub eligibility: Json,
    pub sponsor_approval_required: bool,
    /// Whether people of any organization of the network may join, not only those of
    /// participating organizations.
    pub open_to_all_organizations: bool,
    pub created_by: Option<i32>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// The languages it has a translation in (`community_translation`), comma-separated and
    /// sorted (`en,fr`); empty when none. Kept with the translations.
    pub translated_into: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

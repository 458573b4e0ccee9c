//! A document of a community's library (optionally of one of its subgroups).

use sea_orm::entity::prelude::*;

use crate::enums::{Audience, DocumentKind, DocumentStatus};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "document")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub community_id: i32,
    pub subgroup_id: Option<i32>,
    pub title: String,
    pub description: String,
    pub kind: DocumentKind,
    /// BCP 47 tag (`fr`, `en`, `fr-CA`…).
    pub language: String,
    /// The free tags, as a JSON array of strings.
    pub tags: String,
    pub status: DocumentStatus,
    pub audience: Audience,
    /// How many versions it has (the current one is the last).
    pub version_count: i32,
    pub created_by: i32,
    /// When it was first published (an unarchived document goes back to PUBLISHED when
    /// it had been).
    /// The number of the version current when it was last published (what people who
    /// reach it only through its NETWORK or PUBLIC audience may read).
    pub published_version: Option<i32>,
    pub published_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! A page of a community's wiki (Markdown), optionally under a parent page.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "wiki_page")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub community_id: i32,
    pub parent_id: Option<i32>,
    pub title: String,
    /// Markdown.
    pub body: String,
    /// The number of its last revision (1 once created).
    pub revision: i32,
    pub created_by: i32,
    pub updated_by: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

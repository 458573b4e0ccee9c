//! A member institution of the network.

use crate::enums::{OrganizationKind, RecordStatus};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "organization")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub slug: String,
    pub name: String,
    pub kind: OrganizationKind,
    pub sector: Option<String>,
    pub region: Option<String>,
    pub status: RecordStatus,
    /// Front-end URLs a login may return to (JSON list of URL prefixes).
    pub allowed_return_urls: Option<Json>,
    /// Whether requests from its front ends' origins (those of `allowed_return_urls`) may
    /// run only its trusted documents (set by a network administrator).
    pub trusted_documents_required: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// The languages it has a translation in (`organization_translation`), comma-separated and
    /// sorted (`en,fr`); empty when none. Kept with the translations.
    pub translated_into: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! A person of the network (nurse, social worker, epidemiologist, manager…).

use crate::enums::{FieldVisibility, RecordStatus};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "person")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub display_name: String,
    /// Stored lower-case.
    pub email: String,
    pub job_title: Option<String>,
    pub profession: Option<String>,
    pub organization_id: Option<i32>,
    pub status: RecordStatus,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub region: Option<String>,
    /// Language tags (BCP 47), comma-separated, in the person's order.
    pub languages: Option<String>,
    /// Declared expertise in a few words (the tags are in `person_expertise`).
    pub expertise_text: Option<String>,
    pub job_title_visibility: FieldVisibility,
    pub profession_visibility: FieldVisibility,
    pub region_visibility: FieldVisibility,
    pub languages_visibility: FieldVisibility,
    /// Of the declared expertise: its tags and its text.
    pub expertise_visibility: FieldVisibility,
    pub email_visibility: FieldVisibility,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

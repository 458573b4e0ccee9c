//! A person of the network (nurse, social worker, epidemiologist, manager…).

use crate::enums::RecordStatus;
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
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

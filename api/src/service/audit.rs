//! The audit trail: every administrative change is recorded in the same transaction.

use chrono::Utc;
use entity::audit_event;
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};
use serde_json::Value;

use crate::error::ServiceResult;

/// What a change did, to whom.
#[derive(Debug)]
pub struct AuditRecord<'a> {
    pub actor_id: Option<i32>,
    pub action: &'a str,
    pub target_type: &'a str,
    pub target_id: Option<i32>,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub request_id: Option<&'a str>,
}

/// Writes one audit event (call it inside the change's transaction).
pub async fn record<C: ConnectionTrait>(db: &C, record: AuditRecord<'_>) -> ServiceResult<()> {
    audit_event::Entity::insert(audit_event::ActiveModel {
        actor_id: Set(record.actor_id),
        action: Set(record.action.to_owned()),
        target_type: Set(record.target_type.to_owned()),
        target_id: Set(record.target_id),
        before: Set(record.before),
        after: Set(record.after),
        request_id: Set(record.request_id.map(str::to_owned)),
        created_at: Set(Utc::now()),
        ..Default::default()
    })
    .exec(db)
    .await?;
    Ok(())
}

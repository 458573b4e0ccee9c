//! The audit trail: every administrative change is recorded in the same transaction.

use chrono::Utc;
use entity::audit_event;
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};
use serde_json::Value;

use crate::error::ServiceResult;

/// Whose trail an event belongs to: the network's (read by network administrators and
/// auditors, who read every trail), an organization's (its administrators) or a
/// community's (its administrators; subgroup changes go to their community's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditScope {
    Network,
    Organization(i32),
    Community(i32),
}

impl AuditScope {
    /// The trail of a person's own organization (the network's for people without one).
    pub fn of_person(organization_id: Option<i32>) -> Self {
        organization_id.map_or(Self::Network, Self::Organization)
    }

    /// The stored `(scope_type, scope_id)`.
    pub fn columns(self) -> (&'static str, Option<i32>) {
        match self {
            Self::Network => ("network", None),
            Self::Organization(id) => ("organization", Some(id)),
            Self::Community(id) => ("community", Some(id)),
        }
    }
}

/// The request a change was made in: the id the server generated (sent back in
/// `X-Request-Id`) and, apart, the `X-Request-Id` the client sent, which nobody can trust
/// to be unique.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId {
    pub id: String,
    pub client: Option<String>,
}

/// What a change did, to whom.
#[derive(Debug)]
pub struct AuditRecord<'a> {
    pub scope: AuditScope,
    pub actor_id: Option<i32>,
    pub action: &'a str,
    pub target_type: &'a str,
    pub target_id: Option<i32>,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub request_id: Option<&'a RequestId>,
}

/// Writes one audit event (call it inside the change's transaction).
pub async fn record<C: ConnectionTrait>(db: &C, record: AuditRecord<'_>) -> ServiceResult<()> {
    let (scope_type, scope_id) = record.scope.columns();
    audit_event::Entity::insert(audit_event::ActiveModel {
        scope_type: Set(scope_type.to_owned()),
        scope_id: Set(scope_id),
        actor_id: Set(record.actor_id),
        action: Set(record.action.to_owned()),
        target_type: Set(record.target_type.to_owned()),
        target_id: Set(record.target_id),
        before: Set(record.before),
        after: Set(record.after),
        request_id: Set(record.request_id.map(|r| r.id.clone())),
        client_request_id: Set(record.request_id.and_then(|r| r.client.clone())),
        created_at: Set(Utc::now()),
        ..Default::default()
    })
    .exec(db)
    .await?;
    Ok(())
}

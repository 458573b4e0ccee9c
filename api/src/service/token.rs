//! Bootstrap access for operators: `maillage token` creates (or finds) a person and
//! prints a bearer token for them.

use crate::i18n::Message;
use chrono::{DateTime, Duration, Utc};
use sea_orm::DatabaseConnection;
use secrecy::SecretString;
use serde_json::json;

use super::{
    audit::{self, AuditRecord, AuditScope},
    organization,
    person::{self, Bootstrap},
};
use crate::{
    auth,
    error::{ServiceError, ServiceResult},
};

/// What `maillage token` was asked for.
#[derive(Debug, Clone)]
pub struct TokenRequest {
    /// The person's e-mail address (ignored when `person_id` is given).
    pub email: String,
    /// An existing person, by id.
    pub person_id: Option<i32>,
    pub display_name: Option<String>,
    pub organization_slug: Option<String>,
    pub network_admin: bool,
    pub ttl_days: u32,
}

/// The issued token (shown once) and who it is for.
#[derive(Debug)]
pub struct IssuedToken {
    pub token: SecretString,
    pub person_id: i32,
    pub expires_at: DateTime<Utc>,
}

/// Sets the person up and issues a session token, in one transaction, audited.
pub async fn issue(db: &DatabaseConnection, request: &TokenRequest) -> ServiceResult<IssuedToken> {
    let txn = crate::db::begin_write(db).await?;
    let organization_id = match &request.organization_slug {
        Some(slug) => Some(
            organization::find_by_slug(&txn, slug)
                .await?
                .ok_or_else(|| ServiceError::bad_input("org", Message::new("no-such-slug").arg("slug", slug.as_str())))?
                .id,
        ),
        None => None,
    };
    let person = person::bootstrap(
        &txn,
        &Bootstrap {
            email: request.email.clone(),
            person_id: request.person_id,
            display_name: request.display_name.clone(),
            organization_id,
            network_admin: request.network_admin,
        },
    )
    .await?;
    let (token, expires_at) =
        auth::issue_session(&txn, person.id, "cli", Duration::days(i64::from(request.ttl_days))).await?;
    audit::record(
        &txn,
        AuditRecord {
            scope: AuditScope::Network,
            actor_id: None,
            action: "session.issue_cli_token",
            target_type: "Person",
            target_id: Some(person.id),
            before: None,
            after: Some(json!({
                "email": person.email, "organizationId": organization_id,
                "networkAdmin": request.network_admin, "expiresAt": expires_at,
            })),
            request_id: None,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(IssuedToken { token, person_id: person.id, expires_at })
}

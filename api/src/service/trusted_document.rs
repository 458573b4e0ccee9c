//! Trusted documents: the operations an organization registers so that its API clients,
//! and requests from its front ends' origins, can be held to them — nothing else runs
//! for them, so no one holding their credentials (or script on their pages) can send a
//! query the organization did not write. Registering is for who manages the
//! organization's identity (as API clients are); restricting a client is theirs too;
//! requiring them from the organization's front-end origins is a network
//! administrator's decision (those origins call the API for everyone).

use crate::i18n::Message;
use chrono::Utc;
use entity::{api_client, organization, trusted_document};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QuerySelect,
};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::{
    App,
    audit::{self, AuditRecord, AuditScope},
    page::{self, Page, PageRequest},
    sso::providers::ensure_manage,
};
use crate::{
    auth::Caller,
    error::{ServiceError, ServiceResult},
};

/// Documents one registration may carry.
pub const MAX_PER_REGISTRATION: usize = 100;
/// Documents an organization may hold.
pub const MAX_PER_ORGANIZATION: u64 = 2_000;
/// The longest document text.
pub const MAX_QUERY_BYTES: usize = 64 * 1024;

/// A document to register: its text and the lower-case hex SHA-256 of that text.
#[derive(Debug, Clone)]
pub struct NewDocument {
    pub hash: String,
    pub query: String,
}

/// Lower-case hex SHA-256 of a text.
pub fn hash_of(text: &str) -> String {
    Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Checks a registration's documents (their number, each text's size and hash) and
/// returns them without repeats. Whether each text is a GraphQL document is checked by
/// the caller (the GraphQL layer parses it).
pub fn check(documents: Vec<NewDocument>) -> ServiceResult<Vec<NewDocument>> {
    if documents.is_empty() || documents.len() > MAX_PER_REGISTRATION {
        return Err(ServiceError::bad_input(
            "documents",
            Message::new("documents-count").arg("max", MAX_PER_REGISTRATION),
        ));
    }
    let mut kept: Vec<NewDocument> = Vec::with_capacity(documents.len());
    for (i, document) in documents.into_iter().enumerate() {
        if document.query.trim().is_empty() || document.query.len() > MAX_QUERY_BYTES {
            return Err(ServiceError::bad_input(
                format!("documents[{i}].query"),
                Message::new("document-size").arg("max", MAX_QUERY_BYTES),
            ));
        }
        if document.hash != hash_of(&document.query) {
            return Err(ServiceError::bad_input(format!("documents[{i}].hash"), Message::new("document-hash")));
        }
        if !kept.iter().any(|k| k.hash == document.hash) {
            kept.push(document);
        }
    }
    Ok(kept)
}

/// Registers documents for an organization (those it already holds stay as they are);
/// returns every document named, in the order given.
pub async fn register(
    app: &App,
    caller: &Caller,
    organization_id: i32,
    documents: Vec<NewDocument>,
) -> ServiceResult<Vec<trusted_document::Model>> {
    let actor = caller.actor()?;
    let documents = check(documents)?;
    let txn = crate::db::begin_write(&app.db).await?;
    organization::Entity::find_by_id(organization_id)
        .one(&txn)
        .await?
        .ok_or(ServiceError::not_found("organization"))?;
    ensure_manage(app, &txn, caller, organization_id).await?;
    // Registrations made at once count one after the other against the cap (locked once
    // the caller is known to manage the organization: nobody else can queue its writers).
    organization::Entity::find_by_id(organization_id).lock_exclusive().one(&txn).await?;
    let hashes: Vec<String> = documents.iter().map(|d| d.hash.clone()).collect();
    let known: Vec<String> = trusted_document::Entity::find()
        .select_only()
        .column(trusted_document::Column::Hash)
        .filter(trusted_document::Column::OrganizationId.eq(organization_id))
        .filter(trusted_document::Column::Hash.is_in(hashes.clone()))
        .into_tuple()
        .all(&txn)
        .await?;
    let new: Vec<&NewDocument> = documents.iter().filter(|d| !known.contains(&d.hash)).collect();
    let held = trusted_document::Entity::find()
        .filter(trusted_document::Column::OrganizationId.eq(organization_id))
        .count(&txn)
        .await?;
    if held + new.len() as u64 > MAX_PER_ORGANIZATION {
        return Err(ServiceError::Conflict {
            field: "documents".into(),
            message: Message::new("trusted-documents-max").arg("max", MAX_PER_ORGANIZATION),
        });
    }
    let now = Utc::now();
    for document in &new {
        trusted_document::ActiveModel {
            organization_id: Set(organization_id),
            hash: Set(document.hash.clone()),
            query: Set(document.query.clone()),
            created_by: Set(Some(actor.person_id)),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    if !new.is_empty() {
        audit::record(
            &txn,
            AuditRecord {
                scope: AuditScope::Organization(organization_id),
                actor_id: Some(actor.person_id),
                action: "trusted_documents.register",
                target_type: "Organization",
                target_id: Some(organization_id),
                before: None,
                after: Some(json!({ "hashes": new.iter().map(|d| d.hash.as_str()).collect::<Vec<_>>() })),
                request_id: caller.request_id.as_deref(),
            },
        )
        .await?;
    }
    let mut registered = trusted_document::Entity::find()
        .filter(trusted_document::Column::OrganizationId.eq(organization_id))
        .filter(trusted_document::Column::Hash.is_in(hashes.clone()))
        .all(&txn)
        .await?;
    txn.commit().await?;
    registered.sort_by_key(|d| hashes.iter().position(|h| *h == d.hash));
    Ok(registered)
}

/// A page of an organization's documents (in registration order) and how many it holds,
/// for who may manage its identity (`FORBIDDEN` for anyone else).
pub async fn list(
    app: &App,
    caller: &Caller,
    organization_id: i32,
    request: &PageRequest,
) -> ServiceResult<(Page<trusted_document::Model>, u64)> {
    caller.actor()?;
    ensure_manage(app, &app.db, caller, organization_id).await?;
    let select = trusted_document::Entity::find().filter(trusted_document::Column::OrganizationId.eq(organization_id));
    let page = page::fetch(&app.db, select.clone(), trusted_document::Column::Id, request).await?;
    let total = page::count(&app.db, select).await?;
    Ok((page, total))
}

/// The text of the document with this hash among those of `organizations`, if any.
pub async fn lookup<C: ConnectionTrait>(db: &C, organizations: &[i32], hash: &str) -> ServiceResult<Option<String>> {
    Ok(trusted_document::Entity::find()
        .select_only()
        .column(trusted_document::Column::Query)
        .filter(trusted_document::Column::OrganizationId.is_in(organizations.iter().copied()))
        .filter(trusted_document::Column::Hash.eq(hash))
        .into_tuple()
        .one(db)
        .await?)
}

/// Restricts an API client to its organization's trusted documents, or lifts it (who may
/// manage the client; `NOT_FOUND` for anyone else). Takes effect at once on every replica.
pub async fn restrict_client(
    app: &App,
    caller: &Caller,
    client_id: i32,
    only: bool,
) -> ServiceResult<api_client::Model> {
    let actor = caller.actor()?;
    let txn = crate::db::begin_write(&app.db).await?;
    let not_found = || ServiceError::not_found("API client");
    let client = api_client::Entity::find_by_id(client_id).one(&txn).await?.ok_or_else(not_found)?;
    match ensure_manage(app, &txn, caller, client.organization_id).await {
        Ok(()) => {}
        Err(ServiceError::Forbidden(_)) => return Err(not_found()),
        Err(e) => return Err(e),
    }
    if client.trusted_documents_only != only {
        let mut model: api_client::ActiveModel = client.clone().into();
        model.trusted_documents_only = Set(only);
        model.update(&txn).await?;
        audit::record(
            &txn,
            AuditRecord {
                scope: AuditScope::Organization(client.organization_id),
                actor_id: Some(actor.person_id),
                action: "api_client.update",
                target_type: "ApiClient",
                target_id: Some(client_id),
                before: Some(json!({ "trustedDocumentsOnly": client.trusted_documents_only })),
                after: Some(json!({ "trustedDocumentsOnly": only })),
                request_id: caller.request_id.as_deref(),
            },
        )
        .await?;
    }
    let updated = api_client::Entity::find_by_id(client_id).one(&txn).await?.ok_or_else(not_found)?;
    txn.commit().await?;
    // Its cached tokens carry the restriction: this replica forgets them now (the others
    // are told by the database, see migration m0060), when it changed.
    if client.trusted_documents_only != only {
        app.sessions.forget_all();
    }
    Ok(updated)
}

/// Requires requests from an organization's front-end origins to use its trusted
/// documents, or lifts it (network administrators only).
pub async fn require_for_front_ends(
    app: &App,
    caller: &Caller,
    organization_id: i32,
    required: bool,
) -> ServiceResult<organization::Model> {
    let actor = caller.actor()?;
    if !actor.network_admin {
        return Err(ServiceError::forbidden(Message::new("trusted-documents-admins")));
    }
    let txn = crate::db::begin_write(&app.db).await?;
    let current = organization::Entity::find_by_id(organization_id)
        .one(&txn)
        .await?
        .ok_or(ServiceError::not_found("organization"))?;
    if current.trusted_documents_required != required {
        let mut model: organization::ActiveModel = current.clone().into();
        model.trusted_documents_required = Set(required);
        model.updated_at = Set(Utc::now());
        model.update(&txn).await?;
        audit::record(
            &txn,
            AuditRecord {
                scope: AuditScope::Organization(organization_id),
                actor_id: Some(actor.person_id),
                action: "organization.require_trusted_documents",
                target_type: "Organization",
                target_id: Some(organization_id),
                before: Some(json!({ "trustedDocumentsRequired": current.trusted_documents_required })),
                after: Some(json!({ "trustedDocumentsRequired": required })),
                request_id: caller.request_id.as_deref(),
            },
        )
        .await?;
    }
    let updated = organization::Entity::find_by_id(organization_id)
        .one(&txn)
        .await?
        .ok_or(ServiceError::not_found("organization"))?;
    txn.commit().await?;
    app.sso.front_ends.reload(&app.db).await?;
    Ok(updated)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_registration_is_checked_document_by_document() {
        let query = "{ me { id } }".to_owned();
        let good = NewDocument { hash: hash_of(&query), query: query.clone() };
        assert_eq!(check(vec![good.clone(), good.clone()]).map(|d| d.len()).ok(), Some(1));
        let wrong = NewDocument { hash: hash_of("{ __typename }"), query: query.clone() };
        let err = check(vec![good.clone(), wrong]).err().and_then(|e| e.field().map(str::to_owned));
        assert_eq!(err.as_deref(), Some("documents[1].hash"));
        let upper = NewDocument { hash: hash_of(&query).to_uppercase(), query };
        assert!(check(vec![upper]).is_err());
        assert_eq!(check(Vec::new()).err().and_then(|e| e.field().map(str::to_owned)).as_deref(), Some("documents"));
        let too_many = vec![good; MAX_PER_REGISTRATION + 1];
        assert!(check(too_many).is_err());
    }
}

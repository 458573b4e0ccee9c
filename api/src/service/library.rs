//! The knowledge library: documents of a community (optionally of a subgroup), their
//! versions (files in the blob store), who may read, add to, publish, validate, archive
//! and purge them, and signed download links.
//!
//! One visibility predicate ([`documents_visible`]) decides which documents a caller may
//! read; every list, count, look-up by id and download goes through it. A document is
//! read by the people who may read its community's discussions (and its subgroup's, for a
//! document of a subgroup), and, once published to NETWORK or PUBLIC, by every logged-in
//! person or by anyone. Anything else is `NOT_FOUND`, exactly like a missing id.

use std::{
    collections::HashSet,
    io::{Read, Seek, SeekFrom},
    sync::Arc,
};

use async_trait::async_trait;
use bytes::Bytes;
use chrono::{DateTime, Duration, Utc};
use entity::{
    community, document, document_author, document_theme, document_version,
    enums::{Audience, DocumentKind, DocumentStatus},
    person, subgroup, theme,
};
use futures_util::{StreamExt, stream};
use hmac::{Hmac, Mac};
use policy::{Action, Role};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait,
    sea_query::{Expr, ExprTrait, Func, LikeExpr, Query},
};
use secrecy::{ExposeSecret, SecretBox};
use serde_json::json;
use sha2::Sha256;

use super::translation::{self, Owner, TranslationInput};
use super::{
    App, access,
    audit::{self, AuditRecord, AuditScope},
    community as communities, validate,
};
use crate::{
    auth::Caller,
    error::{ServiceError, ServiceResult},
    i18n::Message,
    storage::{BlobStore, ByteStream, CHUNK_SIZE, Referenced, StorageError, StorageResult, StoredBlob},
};

/// The upload size when the configuration says nothing, in MiB.
pub const DEFAULT_MAX_UPLOAD_MB: u64 = 50;
/// How long a download link works.
pub const LINK_LIFETIME_SECS: i64 = 300;
/// How old an unreferenced blob must be before the garbage collector removes it.
pub const GC_GRACE: Duration = Duration::hours(1);
/// The kinds of file accepted when the configuration says nothing.
pub const DEFAULT_UPLOAD_TYPES: [&str; 7] = ["pdf", "opendocument", "office", "image", "text", "csv", "markdown"];
/// Every kind of file an administrator may allow.
pub const UPLOAD_TYPES: [&str; 7] = DEFAULT_UPLOAD_TYPES;
/// The most authors, tags a document has.
const LIST_MAX: usize = 50;
/// The longest tag.
const TAG_MAX: usize = 100;
/// The longest file name kept.
const FILE_NAME_MAX: usize = 255;
/// Bytes read to recognise a format by its signature.
const SNIFF_BYTES: usize = CHUNK_SIZE;

/// The library's settings and blob store.
pub struct Library {
    /// Where file contents are kept.
    pub store: Arc<dyn BlobStore>,
    /// The largest file accepted, in bytes.
    pub max_upload_bytes: u64,
    /// The kinds of file accepted (names from [`UPLOAD_TYPES`]).
    pub upload_types: Vec<String>,
    /// Signs download links.
    link_key: SecretBox<[u8; 32]>,
}

impl std::fmt::Debug for Library {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Library")
            .field("store", &self.store)
            .field("max_upload_bytes", &self.max_upload_bytes)
            .field("upload_types", &self.upload_types)
            .finish_non_exhaustive()
    }
}

impl Library {
    /// A library over `store`, its links signed with `link_key`.
    pub fn new(store: Arc<dyn BlobStore>, link_key: [u8; 32], max_upload_mb: u64, upload_types: Vec<String>) -> Self {
        Self {
            store,
            max_upload_bytes: max_upload_mb.saturating_mul(1 << 20),
            upload_types,
            link_key: SecretBox::new(Box::new(link_key)),
        }
    }

    /// The same library with other limits.
    pub fn with_limits(&self, max_upload_mb: u64, upload_types: Vec<String>) -> Self {
        Self::new(self.store.clone(), *self.link_key.expose_secret(), max_upload_mb, upload_types)
    }

    /// The same library, keeping its contents in `store`.
    pub fn with_store(&self, store: Arc<dyn BlobStore>) -> Self {
        Self {
            store,
            max_upload_bytes: self.max_upload_bytes,
            upload_types: self.upload_types.clone(),
            link_key: SecretBox::new(Box::new(*self.link_key.expose_secret())),
        }
    }

    fn mac(&self, link: &LinkClaims) -> Option<Hmac<Sha256>> {
        let mut mac = Hmac::<Sha256>::new_from_slice(self.link_key.expose_secret()).ok()?;
        mac.update(
            format!(
                "maillage download\n{}\n{}\n{}\n{}",
                link.version_id, link.session_id, link.person_id, link.expires
            )
            .as_bytes(),
        );
        Some(mac)
    }

    /// The signature of a download link.
    pub fn sign(&self, link: &LinkClaims) -> String {
        use base64::Engine as _;
        self.mac(link)
            .map(|mac| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()))
            .unwrap_or_default()
    }

    /// Whether `signature` signs `link` (compared in constant time), and the link has not
    /// expired nor claims to last longer than links do.
    pub fn verify(&self, link: &LinkClaims, signature: &str, now: DateTime<Utc>) -> bool {
        use base64::Engine as _;
        let Ok(signature) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(signature) else { return false };
        let Some(mac) = self.mac(link) else { return false };
        let now = now.timestamp();
        mac.verify_slice(&signature).is_ok() && link.expires >= now && link.expires <= now + LINK_LIFETIME_SECS
    }
}

/// What a download link names: the version, the session (and person) it was made for
/// (0 for an anonymous caller), and when it stops working (Unix seconds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkClaims {
    pub version_id: i32,
    pub session_id: i32,
    pub person_id: i32,
    pub expires: i64,
}

/// A file as uploaded: the name the client gave (only a hint) and its bytes, spooled to
/// a temporary file.
#[derive(Debug)]
pub struct UploadedFile {
    pub name: String,
    pub content: std::fs::File,
}

/// Input of [`create_document`].
#[derive(Debug)]
pub struct NewDocument {
    pub community_id: i32,
    pub subgroup_id: Option<i32>,
    pub title: String,
    pub description: String,
    pub kind: DocumentKind,
    pub language: String,
    pub tags: Vec<String>,
    pub author_ids: Vec<i32>,
    pub theme_ids: Vec<i32>,
    pub file: UploadedFile,
    pub change_note: String,
}

/// Changes of [`update_document`] (`None`: unchanged).
#[derive(Debug, Default)]
pub struct DocumentChanges {
    pub title: Option<String>,
    pub description: Option<String>,
    pub kind: Option<DocumentKind>,
    pub language: Option<String>,
    pub tags: Option<Vec<String>>,
    pub author_ids: Option<Vec<i32>>,
    pub theme_ids: Option<Vec<i32>>,
}

/// What `documents` is narrowed to (every part optional; all must hold).
#[derive(Debug, Default, Clone)]
pub struct DocumentFilter {
    pub community_id: Option<i32>,
    pub kinds: Option<Vec<DocumentKind>>,
    pub languages: Option<Vec<String>>,
    pub statuses: Option<Vec<DocumentStatus>>,
    pub text: Option<String>,
    /// Documents with one of these themes.
    pub theme_ids: Option<Vec<i32>>,
    /// Documents one of these people wrote.
    pub author_ids: Option<Vec<i32>>,
    /// Documents with one of these free tags (case aside).
    pub tags: Option<Vec<String>>,
    /// Documents last changed at or after this instant.
    pub updated_after: Option<DateTime<Utc>>,
    /// Documents last changed before this instant.
    pub updated_before: Option<DateTime<Utc>>,
}

// ---- Who may read what ---------------------------------------------------------------------

/// SQL condition on `document` rows: the documents the caller reads as a reader of their
/// community (and subgroup), whatever their status and audience.
fn documents_of_readers(app: &App, caller: &Caller) -> Condition {
    let backend = app.db.get_database_backend();
    // Those who may read the community's discussions…
    let readable_communities = community::Entity::find()
        .select_only()
        .column(community::Column::Id)
        .filter(access::visible_communities(&app.auth, backend, caller))
        .filter(access::communities_allowing(&app.auth, caller, Action::Read))
        .into_query();
    // …and, for a document of a subgroup, the subgroup's.
    let readable_subgroups = subgroup::Entity::find()
        .select_only()
        .column(subgroup::Column::Id)
        .filter(access::readable_subgroups(&app.auth, caller))
        .into_query();
    Condition::all().add(document::Column::CommunityId.in_subquery(readable_communities)).add(
        Condition::any()
            .add(document::Column::SubgroupId.is_null())
            .add(document::Column::SubgroupId.in_subquery(readable_subgroups)),
    )
}

/// SQL condition on `document` rows: the documents published to an audience the caller
/// belongs to beyond the community (PUBLIC: everyone; NETWORK: logged-in people).
fn documents_published_to(caller: &Caller) -> Condition {
    let mut audiences = vec![Audience::Public];
    if caller.viewer.is_some() {
        audiences.push(Audience::Network);
    }
    Condition::all()
        .add(document::Column::Status.eq(DocumentStatus::Published))
        .add(document::Column::Audience.is_in(audiences))
}

/// SQL condition on `document` rows: the documents the caller may read. The one
/// visibility predicate of the library's documents, used by every path to a document.
pub fn documents_visible(app: &App, caller: &Caller) -> Condition {
    Condition::any().add(documents_of_readers(app, caller)).add(documents_published_to(caller))
}

/// SQL condition on `document_version` rows: the versions the caller may read. Readers of
/// the document's community (and subgroup) read every version; people who reach the
/// document only through its NETWORK or PUBLIC audience read only the published version
/// (the one current when `publishDocument` was last called: a version added later stays
/// unseen by them until the document is published again). Used by `versions`,
/// `currentVersion`, `node`, `nodes` and `/files`.
pub fn versions_visible(app: &App, caller: &Caller) -> Condition {
    let readers = document::Entity::find()
        .select_only()
        .column(document::Column::Id)
        .filter(documents_of_readers(app, caller))
        .into_query();
    let published = Query::select()
        .column((document_version::Entity, document_version::Column::Id))
        .from(document_version::Entity)
        .inner_join(
            document::Entity,
            Expr::col((document::Entity, document::Column::Id))
                .equals((document_version::Entity, document_version::Column::DocumentId))
                .and(
                    Expr::col((document::Entity, document::Column::PublishedVersion))
                        .equals((document_version::Entity, document_version::Column::Number)),
                ),
        )
        .cond_where(documents_published_to(caller))
        .to_owned();
    Condition::any()
        .add(document_version::Column::DocumentId.in_subquery(readers))
        .add(document_version::Column::Id.in_subquery(published))
}

/// The documents the caller may read.
pub fn documents_select(app: &App, caller: &Caller) -> sea_orm::Select<document::Entity> {
    document::Entity::find().filter(documents_visible(app, caller))
}

/// The documents the caller may read, narrowed by `filter`. A filter names only what the
/// caller may see: a community secret to them (its id), its themes, or people for an
/// anonymous caller (who reads no person) narrow to nothing, exactly as ids that do not
/// exist — a document published beyond its community must not tell who holds it.
pub fn documents_filtered(app: &App, caller: &Caller, filter: &DocumentFilter) -> sea_orm::Select<document::Entity> {
    let mut select = documents_select(app, caller);
    if let Some(id) = filter.community_id {
        let visible = access::visible_community_ids(&app.auth, app.db.get_database_backend(), caller);
        select = select
            .filter(document::Column::CommunityId.eq(id))
            .filter(document::Column::CommunityId.in_subquery(visible));
    }
    if let Some(kinds) = &filter.kinds {
        select = select.filter(document::Column::Kind.is_in(kinds.iter().copied()));
    }
    if let Some(languages) = &filter.languages {
        select = select.filter(document::Column::Language.is_in(languages.iter().map(|l| l.to_ascii_lowercase())));
    }
    if let Some(statuses) = &filter.statuses {
        select = select.filter(document::Column::Status.is_in(statuses.iter().copied()));
    }
    if let Some(ids) = &filter.theme_ids {
        let visible = themes_select(app, caller).select_only().column(theme::Column::Id).into_query();
        select = select.filter(
            document::Column::Id.in_subquery(
                document_theme::Entity::find()
                    .select_only()
                    .column(document_theme::Column::DocumentId)
                    .filter(document_theme::Column::ThemeId.is_in(ids.iter().copied()))
                    .filter(document_theme::Column::ThemeId.in_subquery(visible))
                    .into_query(),
            ),
        );
    }
    if let Some(ids) = &filter.author_ids {
        // Anonymous callers see no person: no one is anyone's author for them.
        let ids = if caller.viewer.is_some() { ids.clone() } else { Vec::new() };
        select = select.filter(
            document::Column::Id.in_subquery(
                document_author::Entity::find()
                    .select_only()
                    .column(document_author::Column::DocumentId)
                    .filter(document_author::Column::PersonId.is_in(ids))
                    .into_query(),
            ),
        );
    }
    if let Some(tags) = &filter.tags {
        select = select.filter(tags_condition(tags));
    }
    if let Some(after) = filter.updated_after {
        select = select.filter(document::Column::UpdatedAt.gte(after));
    }
    if let Some(before) = filter.updated_before {
        select = select.filter(document::Column::UpdatedAt.lt(before));
    }
    if let Some(condition) = title_condition((document::Entity, document::Column::Title), filter.text.as_deref()) {
        select = select.filter(condition);
    }
    select
}

/// `text` escaped for a `LIKE` pattern whose escape character is `\`.
fn like_escaped(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// SQL condition: the title `column` holds `text` (case aside); `None` when `text` is
/// blank (no narrowing).
pub fn title_condition(
    column: (impl sea_orm::sea_query::IntoIden + 'static, impl sea_orm::sea_query::IntoIden + 'static),
    text: Option<&str>,
) -> Option<sea_orm::sea_query::SimpleExpr> {
    let text = text.map(str::trim).filter(|t| !t.is_empty())?;
    let pattern = format!("%{}%", like_escaped(text));
    let title = Expr::expr(Func::lower(Expr::col(column)));
    Some(title.like(LikeExpr::new(pattern.to_lowercase()).escape('\\')))
}

/// SQL condition on `document` rows: one of `tags` is among the document's (case aside).
/// Tags are stored as a compact JSON array of strings, where an unescaped `"` only ever
/// opens or closes a string: a tag is found as `["tag"` or `,"tag"` followed by `,` or
/// `]`, never inside another tag.
fn tags_condition(tags: &[String]) -> Condition {
    let stored = Expr::expr(Func::lower(Expr::col((document::Entity, document::Column::Tags))));
    let mut any = Condition::any();
    for tag in tags {
        let encoded = serde_json::Value::from(tag.trim()).to_string().to_lowercase();
        let encoded = like_escaped(&encoded);
        for (open, close) in [("[", ","), ("[", "]"), (",", ","), (",", "]")] {
            let pattern = format!("%{open}{encoded}{close}%");
            any = any.add(stored.clone().like(LikeExpr::new(pattern).escape('\\')));
        }
    }
    any
}

/// Checks a [`DocumentFilter`]'s input.
pub fn validate_filter(filter: &DocumentFilter) -> ServiceResult<()> {
    if let Some(languages) = &filter.languages {
        if languages.len() > validate::LIST_MAX {
            return Err(ServiceError::bad_input(
                "filter.languages",
                Message::new("filter-languages-max").arg("max", 100),
            ));
        }
        for l in languages {
            language("filter.languages", l)?;
        }
    }
    for (field, ids) in [("filter.themeIds", &filter.theme_ids), ("filter.authorIds", &filter.author_ids)] {
        if ids.as_ref().is_some_and(|ids| ids.len() > validate::LIST_MAX) {
            return Err(ServiceError::bad_input(field, Message::new("ids-max").arg("max", validate::LIST_MAX)));
        }
    }
    if filter.text.as_ref().is_some_and(|t| t.chars().count() > validate::TITLE_MAX) {
        return Err(ServiceError::bad_input("filter.text", Message::new("text-max-chars").arg("max", 300)));
    }
    if let Some(tags) = &filter.tags {
        if tags.len() > validate::LIST_MAX {
            return Err(ServiceError::bad_input("filter.tags", Message::new("tags-max").arg("max", 100)));
        }
        if tags.iter().any(|t| t.chars().count() > TAG_MAX) {
            return Err(ServiceError::bad_input("filter.tags", Message::new("tag-max-chars").arg("max", 100)));
        }
    }
    if let (Some(after), Some(before)) = (filter.updated_after, filter.updated_before)
        && before < after
    {
        return Err(ServiceError::bad_input("filter.updatedBefore", Message::new("updated-before-after")));
    }
    Ok(())
}

/// The document with this id, if the caller may read it.
pub async fn readable_document<C: ConnectionTrait>(
    app: &App,
    db: &C,
    caller: &Caller,
    id: i32,
) -> ServiceResult<document::Model> {
    documents_select(app, caller)
        .filter(document::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or(ServiceError::not_found("document"))
}

/// The documents with these ids that the caller may read.
pub async fn readable_documents<C: ConnectionTrait>(
    app: &App,
    db: &C,
    caller: &Caller,
    ids: &[i32],
) -> ServiceResult<Vec<document::Model>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(documents_select(app, caller).filter(document::Column::Id.is_in(ids.iter().copied())).all(db).await?)
}

/// The version with this id and its document, if the caller may read that version (see
/// [`versions_visible`]). Only a missing or hidden row is `NOT_FOUND`; a database error
/// stays one.
pub async fn readable_version<C: ConnectionTrait>(
    app: &App,
    db: &C,
    caller: &Caller,
    id: i32,
) -> ServiceResult<(document_version::Model, document::Model)> {
    let not_found = || ServiceError::not_found("document version");
    let version = document_version::Entity::find_by_id(id)
        .filter(versions_visible(app, caller))
        .one(db)
        .await?
        .ok_or_else(not_found)?;
    let document = match readable_document(app, db, caller, version.document_id).await {
        Err(ServiceError::NotFound { .. }) => return Err(not_found()),
        other => other?,
    };
    Ok((version, document))
}

/// The versions with these ids that the caller may read (see [`versions_visible`]).
pub async fn readable_versions<C: ConnectionTrait>(
    app: &App,
    db: &C,
    caller: &Caller,
    ids: &[i32],
) -> ServiceResult<Vec<document_version::Model>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(document_version::Entity::find()
        .filter(document_version::Column::Id.is_in(ids.iter().copied()))
        .filter(versions_visible(app, caller))
        .all(db)
        .await?)
}

/// The versions of a document that the caller may read (see [`versions_visible`]), in id
/// (= number) order.
pub fn versions_select(app: &App, caller: &Caller, document_id: i32) -> sea_orm::Select<document_version::Entity> {
    document_version::Entity::find()
        .filter(document_version::Column::DocumentId.eq(document_id))
        .filter(versions_visible(app, caller))
}

/// The versions of these documents in use for the caller, by document, in one statement:
/// the last one for readers of its community, the published one for people who reach it
/// only through its audience (see [`versions_visible`]).
pub async fn current_versions<C: ConnectionTrait>(
    app: &App,
    db: &C,
    caller: &Caller,
    document_ids: &[i32],
) -> ServiceResult<std::collections::HashMap<i32, document_version::Model>> {
    if document_ids.is_empty() {
        return Ok(std::collections::HashMap::new());
    }
    // Versions are numbered in the order they are written: the last one has the largest id.
    let latest = document_version::Entity::find()
        .select_only()
        .column_as(Expr::from(Func::max(Expr::col((document_version::Entity, document_version::Column::Id)))), "id")
        .filter(document_version::Column::DocumentId.is_in(document_ids.iter().copied()))
        .filter(versions_visible(app, caller))
        .group_by(document_version::Column::DocumentId)
        .into_query();
    Ok(document_version::Entity::find()
        .filter(document_version::Column::Id.in_subquery(latest))
        .all(db)
        .await?
        .into_iter()
        .map(|v| (v.document_id, v))
        .collect())
}

/// The authors of documents (already checked readable), each document's in the order
/// given, in one statement.
pub async fn author_ids<C: ConnectionTrait>(
    db: &C,
    document_ids: &[i32],
) -> ServiceResult<std::collections::HashMap<i32, Vec<i32>>> {
    let mut by_document: std::collections::HashMap<i32, Vec<i32>> = std::collections::HashMap::new();
    if document_ids.is_empty() {
        return Ok(by_document);
    }
    let rows = document_author::Entity::find()
        .filter(document_author::Column::DocumentId.is_in(document_ids.iter().copied()))
        .order_by_asc(document_author::Column::DocumentId)
        .order_by_asc(document_author::Column::Position)
        .all(db)
        .await?;
    for row in rows {
        by_document.entry(row.document_id).or_default().push(row.person_id);
    }
    Ok(by_document)
}

/// The caller's standing in a document's community: the community and their roles there
/// (none when they may not see the community: a reader of a published document).
async fn standing<C: ConnectionTrait>(
    app: &App,
    db: &C,
    caller: &Caller,
    doc: &document::Model,
) -> ServiceResult<Option<(community::Model, Vec<Role>)>> {
    Ok(communities::find_with_ties(app, db, caller, communities::Key::Id(doc.community_id)).await?.map(
        |(community, ties)| {
            let roles = ties.roles(caller);
            (community, roles)
        },
    ))
}

/// What the caller may do with a document (readable by them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DocumentPermissions {
    pub edit: bool,
    pub publish: bool,
    pub validate: bool,
    pub archive: bool,
    pub purge: bool,
}

/// What the caller may do with a document they may read.
pub async fn permissions<C: ConnectionTrait>(
    app: &App,
    db: &C,
    caller: &Caller,
    doc: &document::Model,
) -> ServiceResult<DocumentPermissions> {
    if caller.viewer.is_none() {
        return Ok(DocumentPermissions::default());
    }
    let Some((community, roles)) = standing(app, db, caller, doc).await? else {
        return Ok(DocumentPermissions::default());
    };
    let mut can = permissions_in(app, &community, &roles);
    if can.edit
        && let Some(subgroup_id) = doc.subgroup_id
    {
        can.edit = access::subgroup_permissions(&app.auth, db, caller, subgroup_id).await?.1;
    }
    Ok(can)
}

/// What holders of `roles` in `community` may do with its documents; for a document of a
/// subgroup, `edit` holds only for those who may also post in the subgroup (the caller
/// checks that, as [`permissions`] does). Nothing for a caller who may not see the
/// community (a reader of a published document).
pub fn permissions_in(app: &App, community: &community::Model, roles: &[Role]) -> DocumentPermissions {
    let can = |action| access::allowed(&app.auth, roles, community, action);
    DocumentPermissions {
        edit: can(Action::UploadDocument),
        publish: can(Action::PublishDocument),
        validate: can(Action::ValidateDocument),
        archive: can(Action::ManageLibrary),
        purge: can(Action::PurgeDocument),
    }
}

/// Refuses unless the caller may do `action` on a document they may read (`FORBIDDEN`,
/// with the policy's reason; also for a reader who may not see the community).
async fn ensure_on<C: ConnectionTrait>(
    app: &App,
    db: &C,
    caller: &Caller,
    doc: &document::Model,
    action: Action,
) -> ServiceResult<community::Model> {
    let Some((community, roles)) = standing(app, db, caller, doc).await? else {
        return Err(ServiceError::forbidden(
            Message::new("denied").arg("action", action.as_str()).arg("object", "community"),
        ));
    };
    access::ensure(&app.auth, &roles, &community, action)?;
    if action == Action::UploadDocument
        && let Some(subgroup_id) = doc.subgroup_id
    {
        access::SubgroupAccess::load(db, caller, subgroup_id)
            .await?
            .ok_or(ServiceError::not_found("subgroup"))?
            .ensure(&app.auth, Action::Post)?;
    }
    Ok(community)
}

// ---- Input -------------------------------------------------------------------------------

/// A BCP 47 language tag, lower-cased (`fr`, `en`, `fr-ca`…).
fn language(field: &str, value: &str) -> ServiceResult<String> {
    let value = value.trim();
    let bad = || ServiceError::bad_input(field, Message::new("language-tag-library"));
    let mut parts = value.split('-');
    let primary = parts.next().unwrap_or_default();
    if !(2..=3).contains(&primary.len()) || !primary.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(bad());
    }
    for part in parts {
        if !(1..=8).contains(&part.len()) || !part.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(bad());
        }
    }
    if value.len() > 35 {
        return Err(bad());
    }
    Ok(value.to_ascii_lowercase())
}

/// Free tags: trimmed, one line, distinct (case aside), at most 50 of 100 characters.
fn tags(field: &str, values: &[String]) -> ServiceResult<String> {
    if values.len() > LIST_MAX {
        return Err(ServiceError::bad_input(field, Message::new("tags-max").arg("max", LIST_MAX)));
    }
    let mut seen = HashSet::new();
    let mut kept = Vec::new();
    for value in values {
        let tag = validate::required_text(field, value, TAG_MAX)?;
        if seen.insert(tag.to_lowercase()) {
            kept.push(tag);
        }
    }
    Ok(serde_json::Value::from(kept).to_string())
}

/// The tags stored as JSON.
pub fn stored_tags(doc: &document::Model) -> Vec<String> {
    serde_json::from_str(&doc.tags).unwrap_or_default()
}

/// Authors: people of the network (each once, in order).
async fn authors<C: ConnectionTrait>(db: &C, ids: &[i32]) -> ServiceResult<Vec<i32>> {
    if ids.len() > LIST_MAX {
        return Err(ServiceError::bad_input("authorIds", Message::new("people-max").arg("max", LIST_MAX)));
    }
    let mut distinct = Vec::new();
    for id in ids {
        if !distinct.contains(id) {
            distinct.push(*id);
        }
    }
    let found = person::Entity::find()
        .select_only()
        .column(person::Column::Id)
        .filter(person::Column::Id.is_in(distinct.iter().copied()))
        .into_tuple::<i32>()
        .all(db)
        .await?;
    if found.len() != distinct.len() {
        return Err(ServiceError::bad_input("authorIds", Message::new("author-unknown")));
    }
    Ok(distinct)
}

async fn write_authors<C: ConnectionTrait>(db: &C, document_id: i32, ids: &[i32]) -> ServiceResult<()> {
    document_author::Entity::delete_many().filter(document_author::Column::DocumentId.eq(document_id)).exec(db).await?;
    for (position, person_id) in ids.iter().enumerate() {
        document_author::ActiveModel {
            document_id: Set(document_id),
            person_id: Set(*person_id),
            position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

/// The name of an uploaded file, as kept: its last path component, without control
/// characters, at most 255 characters; `file` when nothing is left.
pub fn clean_file_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String =
        last.chars().filter(|c| !c.is_control() && !validate::is_invisible(*c)).take(FILE_NAME_MAX).collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_owned();
    if cleaned.is_empty() { "file".to_owned() } else { cleaned }
}

/// The extension of a file name, lower-cased.
fn extension(name: &str) -> Option<String> {
    let (stem, ext) = name.rsplit_once('.')?;
    (!stem.is_empty()).then(|| ext.to_ascii_lowercase())
}

/// The kind of file (of [`UPLOAD_TYPES`]) and content type of a format recognised by its
/// signature; `None` for a format that is not accepted at all.
fn signed_format(mime: &str) -> Option<&'static str> {
    Some(match mime {
        "application/pdf" => "pdf",
        "application/vnd.oasis.opendocument.text"
        | "application/vnd.oasis.opendocument.spreadsheet"
        | "application/vnd.oasis.opendocument.presentation" => "opendocument",
        "application/msword"
        | "application/vnd.ms-excel"
        | "application/vnd.ms-powerpoint"
        | "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        | "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        | "application/vnd.openxmlformats-officedocument.presentationml.presentation" => "office",
        "image/png" | "image/jpeg" | "image/gif" | "image/webp" => "image",
        _ => return None,
    })
}

/// Extensions that name a format with a signature: a file so named must have it.
const SIGNED_EXTENSIONS: [&str; 16] = [
    "pdf", "odt", "ods", "odp", "doc", "xls", "ppt", "docx", "xlsx", "pptx", "png", "jpg", "jpeg", "gif", "webp", "zip",
];

/// Whether a whole file is UTF-8 text without binary bytes (control characters other
/// than tab, line feed, form feed and carriage return), read chunk by chunk.
fn is_text(file: &mut std::fs::File) -> std::io::Result<bool> {
    file.seek(SeekFrom::Start(0))?;
    let mut buffer = vec![0u8; CHUNK_SIZE];
    let mut carry: Vec<u8> = Vec::new();
    loop {
        let read = file.read(&mut buffer)?;
        if read == 0 {
            return Ok(carry.is_empty());
        }
        carry.extend_from_slice(&buffer[..read]);
        let valid = match std::str::from_utf8(&carry) {
            Ok(text) => text.len(),
            // Cut inside a character: the rest comes with the next chunk.
            Err(err) if err.error_len().is_none() => err.valid_up_to(),
            Err(_) => return Ok(false),
        };
        if carry[..valid].iter().any(|b| (*b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\x0c' | b'\r')) || *b == 0x7f) {
            return Ok(false);
        }
        carry.drain(..valid);
        if carry.len() > 4 {
            return Ok(false);
        }
    }
}

/// The content type of an uploaded file, from its bytes (and, among text formats only,
/// from its name); `BAD_USER_INPUT` on `file` unless it is of an accepted kind.
fn detect(file: &mut std::fs::File, name: &str, allowed: &[String]) -> ServiceResult<&'static str> {
    let io = |err: std::io::Error| ServiceError::Internal(format!("reading an upload: {err}"));
    let refuse = |id: &'static str| ServiceError::bad_input("file", Message::new(id));
    file.seek(SeekFrom::Start(0)).map_err(io)?;
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    file.by_ref().take(SNIFF_BYTES as u64).read_to_end(&mut head).map_err(io)?;
    let allows = |kind: &str| allowed.iter().any(|a| a == kind);
    if let Some(found) = infer::get(&head) {
        let mime = found.mime_type();
        let kind = signed_format(mime).ok_or_else(|| refuse("file-type-refused"))?;
        if !allows(kind) {
            return Err(refuse("file-type-refused"));
        }
        return SIGNED_TYPES.iter().find(|t| **t == mime).copied().ok_or_else(|| refuse("file-type-refused"));
    }
    let ext = extension(name);
    if ext.as_deref().is_some_and(|e| SIGNED_EXTENSIONS.contains(&e)) {
        return Err(refuse("file-type-mismatch"));
    }
    if !is_text(file).map_err(io)? {
        return Err(refuse("file-type-refused"));
    }
    let (kind, mime) = match ext.as_deref() {
        Some("csv") => ("csv", "text/csv; charset=utf-8"),
        Some("md" | "markdown") => ("markdown", "text/markdown; charset=utf-8"),
        _ => ("text", "text/plain; charset=utf-8"),
    };
    if !allows(kind) {
        return Err(refuse("file-type-refused"));
    }
    Ok(mime)
}

/// The content types [`signed_format`] accepts, as static strings.
const SIGNED_TYPES: [&str; 14] = [
    "application/pdf",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
    "application/msword",
    "application/vnd.ms-excel",
    "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
];

/// An upload checked and stored: what a new version records.
struct StoredFile {
    blob: StoredBlob,
    content_type: &'static str,
    file_name: String,
}

/// Streams a file's chunks (read off the async runtime's threads).
fn file_stream(file: std::fs::File) -> ByteStream {
    stream::unfold(Some(file), |state| async move {
        let mut file = state?;
        let read = tokio::task::spawn_blocking(move || {
            let mut buffer = vec![0u8; CHUNK_SIZE];
            let n = file.read(&mut buffer)?;
            buffer.truncate(n);
            Ok::<_, std::io::Error>((file, buffer))
        })
        .await;
        match read {
            Ok(Ok((_, buffer))) if buffer.is_empty() => None,
            Ok(Ok((file, buffer))) => Some((Ok(Bytes::from(buffer)), Some(file))),
            Ok(Err(err)) => Some((Err(StorageError::Source(err)), None)),
            Err(err) => Some((Err(StorageError::Source(std::io::Error::other(err))), None)),
        }
    })
    .boxed()
}

/// Checks an upload (size, type from its bytes) and stores it; nothing is stored when it
/// is refused.
async fn store_upload(app: &App, file: UploadedFile) -> ServiceResult<StoredFile> {
    let library = app.library.clone();
    let UploadedFile { name, mut content } = file;
    let file_name = clean_file_name(&name);
    let checked = tokio::task::spawn_blocking(move || {
        let size = content.metadata().map_err(|e| ServiceError::Internal(format!("reading an upload: {e}")))?.len();
        if size == 0 {
            return Err(ServiceError::bad_input("file", Message::new("file-empty")));
        }
        if size > library.max_upload_bytes {
            return Err(ServiceError::bad_input(
                "file",
                Message::new("file-too-large").arg("mib", library.max_upload_bytes >> 20),
            ));
        }
        let content_type = detect(&mut content, &name, &library.upload_types)?;
        content.seek(SeekFrom::Start(0)).map_err(|e| ServiceError::Internal(format!("reading an upload: {e}")))?;
        Ok((content, content_type))
    })
    .await
    .map_err(|e| ServiceError::Internal(format!("checking an upload: {e}")))??;
    let (content, content_type) = checked;
    let blob = app.library.store.put(file_stream(content)).await.map_err(storage_error)?;
    Ok(StoredFile { blob, content_type, file_name })
}

/// A store failure as the client sees it (the detail goes to the log).
pub fn storage_error(err: StorageError) -> ServiceError {
    ServiceError::Internal(err.to_string())
}

// ---- Changes -----------------------------------------------------------------------------

fn audit_after(doc: &document::Model) -> serde_json::Value {
    json!({
        "title": doc.title,
        "status": doc.status.as_str(),
        "audience": doc.audience.as_str(),
        "versions": doc.version_count,
        "publishedVersion": doc.published_version,
    })
}

async fn record<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
    doc: &document::Model,
    action: &str,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> ServiceResult<()> {
    audit::record(
        db,
        AuditRecord {
            scope: AuditScope::Community(doc.community_id),
            actor_id: caller.person_id(),
            action,
            target_type: "document",
            target_id: Some(doc.id),
            before,
            after,
            request_id: caller.request_id.as_deref(),
        },
    )
    .await
}

async fn insert_version<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
    doc: &document::Model,
    number: i32,
    stored: &StoredFile,
    change_note: String,
) -> ServiceResult<document_version::Model> {
    let actor = caller.actor()?;
    Ok(document_version::ActiveModel {
        document_id: Set(doc.id),
        number: Set(number),
        sha256: Set(stored.blob.sha256.clone()),
        size: Set(i64::try_from(stored.blob.size).unwrap_or(i64::MAX)),
        content_type: Set(stored.content_type.to_owned()),
        file_name: Set(stored.file_name.clone()),
        change_note: Set(change_note),
        uploaded_by: Set(actor.person_id),
        validated_by: Set(None),
        validated_at: Set(None),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// Adds a document (version 1 with its file) to a community's library, or a subgroup's:
/// people the policy lets upload there.
pub async fn create_document(
    app: &App,
    caller: &Caller,
    input: NewDocument,
) -> ServiceResult<(document::Model, document_version::Model)> {
    let actor = caller.actor()?;
    let title = validate::required_text("title", &input.title, validate::TITLE_MAX)?;
    let description = validate::multiline("description", &input.description, validate::DESCRIPTION_MAX)?;
    let lang = language("language", &input.language)?;
    let tags = tags("tags", &input.tags)?;
    let change_note = validate::multiline("changeNote", &input.change_note, validate::DESCRIPTION_MAX)?;
    // Who may upload there, before anything is stored.
    let (community, roles) =
        communities::authorized(app, &app.db, caller, input.community_id, Action::Read).await.map_err(|e| match e {
            ServiceError::Forbidden(_) => ServiceError::not_found("community"),
            e => e,
        })?;
    access::ensure(&app.auth, &roles, &community, Action::UploadDocument)?;
    if let Some(subgroup_id) = input.subgroup_id {
        let found = subgroup::Entity::find_by_id(subgroup_id).one(&app.db).await?;
        let readable = access::SubgroupAccess::load(&app.db, caller, subgroup_id)
            .await?
            .filter(|a| {
                a.can(&app.auth, Action::Read) && found.as_ref().is_some_and(|s| s.community_id == community.id)
            })
            .ok_or(ServiceError::not_found("subgroup"))?;
        readable.ensure(&app.auth, Action::Post)?;
    }
    let authors = authors(&app.db, &input.author_ids).await?;
    let themes = community_themes(&app.db, community.id, &input.theme_ids).await?;
    let stored = store_upload(app, input.file).await?;
    let txn = crate::db::begin_write(&app.db).await?;
    // Again in the transaction: the caller may have lost the right while the file came.
    let (community, roles) = communities::authorized(app, &txn, caller, community.id, Action::Read).await?;
    access::ensure(&app.auth, &roles, &community, Action::UploadDocument)?;
    let now = Utc::now();
    let doc = document::ActiveModel {
        community_id: Set(community.id),
        subgroup_id: Set(input.subgroup_id),
        title: Set(title),
        description: Set(description),
        kind: Set(input.kind),
        language: Set(lang),
        tags: Set(tags),
        status: Set(DocumentStatus::Draft),
        audience: Set(Audience::Members),
        version_count: Set(1),
        created_by: Set(actor.person_id),
        published_at: Set(None),
        published_version: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    write_authors(&txn, doc.id, &authors).await?;
    write_themes(&txn, doc.id, &themes).await?;
    let version = insert_version(&txn, caller, &doc, 1, &stored, change_note).await?;
    record(&txn, caller, &doc, "create_document", None, Some(audit_after(&doc))).await?;
    txn.commit().await?;
    Ok((doc, version))
}

/// Locks a document for a change (its row, on PostgreSQL) and checks the caller may read
/// it and do `action`.
async fn for_change<C: ConnectionTrait>(
    app: &App,
    txn: &C,
    caller: &Caller,
    id: i32,
    action: Action,
) -> ServiceResult<document::Model> {
    caller.actor()?;
    let mut select = documents_select(app, caller).filter(document::Column::Id.eq(id));
    if txn.get_database_backend() == sea_orm::DbBackend::Postgres {
        select = select.lock_exclusive();
    }
    let doc = select.one(txn).await?.ok_or(ServiceError::not_found("document"))?;
    ensure_on(app, txn, caller, &doc, action).await?;
    Ok(doc)
}

/// Adds version N+1 (a new file) to a document.
pub async fn add_version(
    app: &App,
    caller: &Caller,
    document_id: i32,
    file: UploadedFile,
    change_note: &str,
) -> ServiceResult<(document::Model, document_version::Model)> {
    let change_note = validate::multiline("changeNote", change_note, validate::DESCRIPTION_MAX)?;
    {
        let doc = readable_document(app, &app.db, caller, document_id).await?;
        ensure_on(app, &app.db, caller, &doc, Action::UploadDocument).await?;
    }
    let stored = store_upload(app, file).await?;
    let txn = crate::db::begin_write(&app.db).await?;
    let doc = for_change(app, &txn, caller, document_id, Action::UploadDocument).await?;
    let (doc, version) = new_version(&txn, caller, doc, &stored, change_note).await?;
    record(&txn, caller, &doc, "add_document_version", None, Some(json!({ "version": version.number }))).await?;
    txn.commit().await?;
    Ok((doc, version))
}

async fn new_version<C: ConnectionTrait>(
    txn: &C,
    caller: &Caller,
    doc: document::Model,
    stored: &StoredFile,
    change_note: String,
) -> ServiceResult<(document::Model, document_version::Model)> {
    let number = doc.version_count + 1;
    let version = insert_version(txn, caller, &doc, number, stored, change_note).await?;
    let mut model: document::ActiveModel = doc.into();
    model.version_count = Set(number);
    model.updated_at = Set(Utc::now());
    let doc = model.update(txn).await?;
    Ok((doc, version))
}

/// Makes an old version current again: a new version that copies it.
pub async fn restore_version(
    app: &App,
    caller: &Caller,
    version_id: i32,
) -> ServiceResult<(document::Model, document_version::Model)> {
    let txn = crate::db::begin_write(&app.db).await?;
    let (old, doc) = readable_version(app, &txn, caller, version_id).await?;
    let doc = for_change(app, &txn, caller, doc.id, Action::UploadDocument).await?;
    let stored = StoredFile {
        blob: StoredBlob { sha256: old.sha256.clone(), size: u64::try_from(old.size).unwrap_or(0) },
        content_type: SIGNED_TYPES
            .iter()
            .chain(TEXT_TYPES.iter())
            .find(|t| **t == old.content_type)
            .copied()
            .unwrap_or("application/octet-stream"),
        file_name: old.file_name.clone(),
    };
    let note = format!("Restored version {}", old.number);
    let (doc, version) = new_version(&txn, caller, doc, &stored, note).await?;
    record(
        &txn,
        caller,
        &doc,
        "restore_document_version",
        None,
        Some(json!({ "version": version.number, "restored": old.number })),
    )
    .await?;
    txn.commit().await?;
    Ok((doc, version))
}

/// The text content types [`detect`] gives.
const TEXT_TYPES: [&str; 3] = ["text/plain; charset=utf-8", "text/csv; charset=utf-8", "text/markdown; charset=utf-8"];

/// Changes a document's description (title, kind, language, tags, authors).
pub async fn update_document(
    app: &App,
    caller: &Caller,
    id: i32,
    changes: DocumentChanges,
) -> ServiceResult<document::Model> {
    let title =
        changes.title.as_deref().map(|t| validate::required_text("title", t, validate::TITLE_MAX)).transpose()?;
    let description = changes
        .description
        .as_deref()
        .map(|d| validate::multiline("description", d, validate::DESCRIPTION_MAX))
        .transpose()?;
    let lang = changes.language.as_deref().map(|l| language("language", l)).transpose()?;
    let tags = changes.tags.as_deref().map(|t| tags("tags", t)).transpose()?;
    let txn = crate::db::begin_write(&app.db).await?;
    let doc = for_change(app, &txn, caller, id, Action::UploadDocument).await?;
    let authors = match &changes.author_ids {
        Some(ids) => Some(authors(&txn, ids).await?),
        None => None,
    };
    let themes = match &changes.theme_ids {
        Some(ids) => Some(community_themes(&txn, doc.community_id, ids).await?),
        None => None,
    };
    let before = audit_after(&doc);
    let mut model: document::ActiveModel = doc.into();
    if let Some(v) = title {
        model.title = Set(v);
    }
    if let Some(v) = description {
        model.description = Set(v);
    }
    if let Some(v) = changes.kind {
        model.kind = Set(v);
    }
    if let Some(v) = lang {
        model.language = Set(v);
    }
    if let Some(v) = tags {
        model.tags = Set(v);
    }
    model.updated_at = Set(Utc::now());
    let doc = model.update(&txn).await?;
    if let Some(ids) = authors {
        write_authors(&txn, doc.id, &ids).await?;
    }
    if let Some(ids) = themes {
        write_themes(&txn, doc.id, &ids).await?;
    }
    record(&txn, caller, &doc, "update_document", Some(before), Some(audit_after(&doc))).await?;
    txn.commit().await?;
    Ok(doc)
}

/// Sets a document's status (and audience), after `action`'s check.
async fn set_status(
    app: &App,
    caller: &Caller,
    id: i32,
    action: Action,
    audit_action: &str,
    change: impl FnOnce(&document::Model) -> ServiceResult<(DocumentStatus, Audience, Option<DateTime<Utc>>)>,
) -> ServiceResult<document::Model> {
    let txn = crate::db::begin_write(&app.db).await?;
    let doc = for_change(app, &txn, caller, id, action).await?;
    let (status, audience, published_at) = change(&doc)?;
    let before = audit_after(&doc);
    let published_version =
        if action == Action::PublishDocument { Some(doc.version_count) } else { doc.published_version };
    let mut model: document::ActiveModel = doc.into();
    model.published_version = Set(published_version);
    model.status = Set(status);
    model.audience = Set(audience);
    model.published_at = Set(published_at);
    model.updated_at = Set(Utc::now());
    let doc = model.update(&txn).await?;
    record(&txn, caller, &doc, audit_action, Some(before), Some(audit_after(&doc))).await?;
    txn.commit().await?;
    Ok(doc)
}

/// Publishes a document to an audience (MEMBERS: the community's readers; NETWORK or
/// PUBLIC: beyond it): reporters, animators, administrators.
pub async fn publish(app: &App, caller: &Caller, id: i32, audience: Audience) -> ServiceResult<document::Model> {
    set_status(app, caller, id, Action::PublishDocument, "publish_document", |doc| {
        if doc.status == DocumentStatus::Archived {
            return Err(ServiceError::bad_input("id", Message::new("document-archived")));
        }
        Ok((DocumentStatus::Published, audience, Some(doc.published_at.unwrap_or_else(Utc::now))))
    })
    .await
}

/// Archives a document (reversible): it is then read by the community's readers only.
pub async fn archive(app: &App, caller: &Caller, id: i32) -> ServiceResult<document::Model> {
    set_status(app, caller, id, Action::ManageLibrary, "archive_document", |doc| {
        Ok((DocumentStatus::Archived, doc.audience, doc.published_at))
    })
    .await
}

/// Brings an archived document back: PUBLISHED (to its audience) if it had been, else DRAFT.
pub async fn unarchive(app: &App, caller: &Caller, id: i32) -> ServiceResult<document::Model> {
    set_status(app, caller, id, Action::ManageLibrary, "unarchive_document", |doc| {
        if doc.status != DocumentStatus::Archived {
            return Err(ServiceError::bad_input("id", Message::new("document-not-archived")));
        }
        let status = if doc.published_at.is_some() { DocumentStatus::Published } else { DocumentStatus::Draft };
        Ok((status, doc.audience, doc.published_at))
    })
    .await
}

/// Marks a version as validated by the caller: content experts.
pub async fn validate_version(
    app: &App,
    caller: &Caller,
    version_id: i32,
) -> ServiceResult<(document::Model, document_version::Model)> {
    let actor = caller.actor()?;
    let txn = crate::db::begin_write(&app.db).await?;
    let (version, doc) = readable_version(app, &txn, caller, version_id).await?;
    let doc = for_change(app, &txn, caller, doc.id, Action::ValidateDocument).await?;
    let mut model: document_version::ActiveModel = version.into();
    model.validated_by = Set(Some(actor.person_id));
    model.validated_at = Set(Some(Utc::now()));
    let version = model.update(&txn).await?;
    record(&txn, caller, &doc, "validate_document_version", None, Some(json!({ "version": version.number }))).await?;
    txn.commit().await?;
    Ok((doc, version))
}

/// Deletes a document, its versions and the blobs nothing else references: community
/// administrators and network administrators.
pub async fn purge(app: &App, caller: &Caller, id: i32) -> ServiceResult<i32> {
    caller.actor()?;
    let started = Utc::now();
    let txn = crate::db::begin_write(&app.db).await?;
    let not_found = || ServiceError::not_found("document");
    let doc = document::Entity::find_by_id(id).one(&txn).await?.ok_or_else(not_found)?;
    let readable = documents_select(app, caller).filter(document::Column::Id.eq(id)).one(&txn).await?.is_some();
    // Network administrators may purge what they may not read; anyone else must read it.
    let allowed = match standing(app, &txn, caller, &doc).await? {
        Some((community, roles)) => access::allowed(&app.auth, &roles, &community, Action::PurgeDocument),
        None => false,
    };
    if !allowed {
        return Err(if readable {
            ServiceError::forbidden(Message::new("denied").arg("action", "purge_document").arg("object", "community"))
        } else {
            not_found()
        });
    }
    let shas: Vec<String> = document_version::Entity::find()
        .filter(document_version::Column::DocumentId.eq(id))
        .select_only()
        .column(document_version::Column::Sha256)
        .distinct()
        .into_tuple::<String>()
        .all(&txn)
        .await?;
    record(&txn, caller, &doc, "purge_document", Some(audit_after(&doc)), None).await?;
    document::Entity::delete_by_id(id).exec(&txn).await?;
    txn.commit().await?;
    // The blobs only this document used; what fails here the collector removes later.
    let still = VersionReferences(app.db.clone()).referenced(&shas).await.map_err(storage_error)?;
    for sha in shas.iter().filter(|s| !still.contains(*s)) {
        if let Err(err) = app.library.store.delete(sha, started).await {
            tracing::warn!(error = %err, "could not delete a purged document's blob");
        }
    }
    Ok(id)
}

// ---- Themes --------------------------------------------------------------------------------

/// The longest theme name.
const THEME_NAME_MAX: usize = 200;

/// SQL condition on `theme` rows: the themes the caller may see (those of the
/// communities whose content they may read: a theme names what a community works on).
pub fn themes_visible(app: &App, caller: &Caller) -> Condition {
    let backend = app.db.get_database_backend();
    let readable = community::Entity::find()
        .select_only()
        .column(community::Column::Id)
        .filter(access::visible_communities(&app.auth, backend, caller))
        .filter(access::communities_allowing(&app.auth, caller, Action::Read))
        .into_query();
    Condition::all().add(theme::Column::CommunityId.in_subquery(readable))
}

/// The themes the caller may see.
pub fn themes_select(app: &App, caller: &Caller) -> sea_orm::Select<theme::Entity> {
    theme::Entity::find().filter(themes_visible(app, caller))
}

/// The themes with these ids the caller may see.
pub async fn readable_themes<C: ConnectionTrait>(
    app: &App,
    db: &C,
    caller: &Caller,
    ids: &[i32],
) -> ServiceResult<Vec<theme::Model>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(themes_select(app, caller).filter(theme::Column::Id.is_in(ids.iter().copied())).all(db).await?)
}

/// The themes of documents the caller may see (none for a reader of a published
/// document who may not read its community), each document's by name, in two statements.
pub async fn document_themes<C: ConnectionTrait>(
    app: &App,
    db: &C,
    caller: &Caller,
    document_ids: &[i32],
) -> ServiceResult<std::collections::HashMap<i32, Vec<theme::Model>>> {
    let mut by_document: std::collections::HashMap<i32, Vec<theme::Model>> = std::collections::HashMap::new();
    if document_ids.is_empty() {
        return Ok(by_document);
    }
    let visible = themes_select(app, caller).select_only().column(theme::Column::Id).into_query();
    let links = document_theme::Entity::find()
        .filter(document_theme::Column::DocumentId.is_in(document_ids.iter().copied()))
        .filter(document_theme::Column::ThemeId.in_subquery(visible))
        .all(db)
        .await?;
    if links.is_empty() {
        return Ok(by_document);
    }
    let themes = theme::Entity::find()
        .filter(theme::Column::Id.is_in(links.iter().map(|l| l.theme_id)))
        .order_by_asc(theme::Column::Name)
        .all(db)
        .await?;
    for theme in themes {
        for link in links.iter().filter(|l| l.theme_id == theme.id) {
            by_document.entry(link.document_id).or_default().push(theme.clone());
        }
    }
    Ok(by_document)
}

/// Themes given to a document: each of its community (`BAD_USER_INPUT` on `themeIds`
/// otherwise, the same answer for a theme of another community and for none at all).
async fn community_themes<C: ConnectionTrait>(db: &C, community_id: i32, ids: &[i32]) -> ServiceResult<Vec<i32>> {
    if ids.len() > LIST_MAX {
        return Err(ServiceError::bad_input("themeIds", Message::new("themes-max").arg("max", LIST_MAX)));
    }
    let mut distinct = Vec::new();
    for id in ids {
        if !distinct.contains(id) {
            distinct.push(*id);
        }
    }
    let found = theme::Entity::find()
        .select_only()
        .column(theme::Column::Id)
        .filter(theme::Column::Id.is_in(distinct.iter().copied()))
        .filter(theme::Column::CommunityId.eq(community_id))
        .into_tuple::<i32>()
        .all(db)
        .await?;
    if found.len() != distinct.len() {
        return Err(ServiceError::bad_input("themeIds", Message::new("theme-other-community")));
    }
    Ok(distinct)
}

async fn write_themes<C: ConnectionTrait>(db: &C, document_id: i32, ids: &[i32]) -> ServiceResult<()> {
    document_theme::Entity::delete_many().filter(document_theme::Column::DocumentId.eq(document_id)).exec(db).await?;
    for theme_id in ids {
        document_theme::ActiveModel { document_id: Set(document_id), theme_id: Set(*theme_id), ..Default::default() }
            .insert(db)
            .await?;
    }
    Ok(())
}

fn theme_audit<'a>(
    caller: &'a Caller,
    theme: &theme::Model,
    action: &'a str,
    after: Option<serde_json::Value>,
) -> AuditRecord<'a> {
    AuditRecord {
        scope: AuditScope::Community(theme.community_id),
        actor_id: caller.person_id(),
        action,
        target_type: "theme",
        target_id: Some(theme.id),
        before: None,
        after,
        request_id: caller.request_id.as_deref(),
    }
}

/// Checks a theme's new parent: a visible theme of the same community, not itself nor
/// one of its descendants.
async fn theme_parent<C: ConnectionTrait>(
    app: &App,
    db: &C,
    caller: &Caller,
    community_id: i32,
    theme_id: Option<i32>,
    parent_id: i32,
) -> ServiceResult<()> {
    let bad = |id: &'static str| ServiceError::bad_input("parentId", Message::new(id));
    let parent =
        readable_themes(app, db, caller, &[parent_id]).await?.pop().ok_or_else(|| bad("theme-parent-other"))?;
    if parent.community_id != community_id {
        return Err(bad("theme-parent-other"));
    }
    let mut current = Some(parent);
    for _ in 0..=LIST_MAX {
        let Some(ancestor) = current else { return Ok(()) };
        if Some(ancestor.id) == theme_id {
            return Err(bad("theme-own-ancestor"));
        }
        current = match ancestor.parent_id {
            Some(id) => theme::Entity::find_by_id(id).one(db).await?,
            None => None,
        };
    }
    Err(bad("theme-too-deep"))
}

/// Creates a theme in a community's library: animators and administrators.
pub async fn create_theme(
    app: &App,
    caller: &Caller,
    community_id: i32,
    parent_id: Option<i32>,
    name: &str,
    translations: &[TranslationInput],
) -> ServiceResult<theme::Model> {
    let name = validate::required_text("name", name, THEME_NAME_MAX)?;
    let translations = translation::validated(Owner::Theme, translations)?;
    let txn = crate::db::begin_write(&app.db).await?;
    let (community, roles) =
        communities::authorized(app, &txn, caller, community_id, Action::Read).await.map_err(|e| match e {
            ServiceError::Forbidden(_) => ServiceError::not_found("community"),
            e => e,
        })?;
    access::ensure(&app.auth, &roles, &community, Action::ManageLibrary)?;
    if let Some(parent_id) = parent_id {
        theme_parent(app, &txn, caller, community.id, None, parent_id).await?;
    }
    let now = Utc::now();
    let created = theme::ActiveModel {
        community_id: Set(community.id),
        parent_id: Set(parent_id),
        name: Set(name),
        created_at: Set(now),
        updated_at: Set(now),
        translated_into: Set(translation::languages_of(&translations)),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    translation::replace(
        &txn,
        Owner::Theme,
        created.id,
        &translations,
        Some(translation::Audit { caller, scope: AuditScope::Community(created.community_id) }),
    )
    .await?;
    audit::record(&txn, theme_audit(caller, &created, "create_theme", Some(json!({ "name": created.name })))).await?;
    txn.commit().await?;
    Ok(created)
}

/// A theme the caller may see and manage.
async fn managed_theme<C: ConnectionTrait>(app: &App, db: &C, caller: &Caller, id: i32) -> ServiceResult<theme::Model> {
    caller.actor()?;
    let found = readable_themes(app, db, caller, &[id]).await?.pop().ok_or(ServiceError::not_found("theme"))?;
    let (community, ties) = communities::find_with_ties(app, db, caller, communities::Key::Id(found.community_id))
        .await?
        .ok_or(ServiceError::not_found("theme"))?;
    access::ensure(&app.auth, &ties.roles(caller), &community, Action::ManageLibrary)?;
    Ok(found)
}

/// Renames a theme, or moves it under another parent (`Some(None)`: to the top), or
/// replaces its translations (`Some`, an empty list removing them all).
pub async fn update_theme(
    app: &App,
    caller: &Caller,
    id: i32,
    name: Option<&str>,
    parent_id: Option<Option<i32>>,
    translations: Option<&[TranslationInput]>,
) -> ServiceResult<theme::Model> {
    let name = name.map(|n| validate::required_text("name", n, THEME_NAME_MAX)).transpose()?;
    let txn = crate::db::begin_write(&app.db).await?;
    let found = managed_theme(app, &txn, caller, id).await?;
    if let Some(Some(parent)) = parent_id {
        theme_parent(app, &txn, caller, found.community_id, Some(found.id), parent).await?;
    }
    let community_id = found.community_id;
    let mut model: theme::ActiveModel = found.into();
    if let Some(name) = name {
        model.name = Set(name);
    }
    if let Some(parent) = parent_id {
        model.parent_id = Set(parent);
    }
    if let Some(translations) = translations {
        let valid = translation::validated(Owner::Theme, translations)?;
        model.translated_into = Set(translation::replace(
            &txn,
            Owner::Theme,
            id,
            &valid,
            Some(translation::Audit { caller, scope: AuditScope::Community(community_id) }),
        )
        .await?);
    }
    model.updated_at = Set(Utc::now());
    let updated = model.update(&txn).await?;
    audit::record(&txn, theme_audit(caller, &updated, "update_theme", Some(json!({ "name": updated.name })))).await?;
    txn.commit().await?;
    Ok(updated)
}

/// Deletes a theme (documents lose it; its children move to the top).
pub async fn delete_theme(app: &App, caller: &Caller, id: i32) -> ServiceResult<i32> {
    let txn = crate::db::begin_write(&app.db).await?;
    let found = managed_theme(app, &txn, caller, id).await?;
    audit::record(&txn, theme_audit(caller, &found, "delete_theme", None)).await?;
    theme::Entity::update_many()
        .col_expr(theme::Column::ParentId, Expr::value(Option::<i32>::None))
        .filter(theme::Column::ParentId.eq(id))
        .exec(&txn)
        .await?;
    document_theme::Entity::delete_many().filter(document_theme::Column::ThemeId.eq(id)).exec(&txn).await?;
    theme::Entity::delete_by_id(id).exec(&txn).await?;
    txn.commit().await?;
    Ok(id)
}

// ---- Files ---------------------------------------------------------------------------------

/// The blobs document versions reference.
#[derive(Debug, Clone)]
pub struct VersionReferences(pub DatabaseConnection);

#[async_trait]
impl Referenced for VersionReferences {
    async fn referenced(&self, candidates: &[String]) -> StorageResult<HashSet<String>> {
        if candidates.is_empty() {
            return Ok(HashSet::new());
        }
        Ok(document_version::Entity::find()
            .select_only()
            .column(document_version::Column::Sha256)
            .filter(document_version::Column::Sha256.is_in(candidates.iter().cloned()))
            .distinct()
            .into_tuple::<String>()
            .all(&self.0)
            .await?
            .into_iter()
            .collect())
    }
}

/// Removes the blobs no version references that were written more than `grace` ago (and
/// incomplete uploads as old); returns how many.
pub async fn collect_garbage(app: &App, grace: Duration) -> ServiceResult<u64> {
    app.library
        .store
        .collect_garbage(Utc::now() - grace, &VersionReferences(app.db.clone()))
        .await
        .map_err(storage_error)
}

/// A download link for a version the caller may read: path and query, signed for the
/// caller's session, valid [`LINK_LIFETIME_SECS`].
pub fn download_path(app: &App, caller: &Caller, version_id: i32, global_id: &str) -> String {
    let (session_id, person_id) = caller.viewer.as_ref().map_or((0, 0), |a| (a.session_id, a.person_id));
    let claims = LinkClaims { version_id, session_id, person_id, expires: Utc::now().timestamp() + LINK_LIFETIME_SECS };
    let signature = app.library.sign(&claims);
    format!(
        "/files/{global_id}?expires={}&session={session_id}&person={person_id}&signature={signature}",
        claims.expires
    )
}

/// The bytes `range` of a version's file.
pub async fn open(
    app: &App,
    version: &document_version::Model,
    range: std::ops::Range<u64>,
) -> ServiceResult<ByteStream> {
    app.library.store.get(&version.sha256, range).await.map_err(storage_error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file(bytes: &[u8]) -> std::fs::File {
        let mut f = tempfile::tempfile().unwrap();
        f.write_all(bytes).unwrap();
        f
    }

    fn all() -> Vec<String> {
        DEFAULT_UPLOAD_TYPES.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn types_come_from_the_bytes() {
        let pdf = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n";
        assert_eq!(detect(&mut file(pdf), "x.txt", &all()).unwrap(), "application/pdf");
        let png = [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, b'I', b'H', b'D', b'R'];
        assert_eq!(detect(&mut file(&png), "a.pdf", &all()).unwrap(), "image/png");
        assert_eq!(detect(&mut file(b"a,b\n1,2\n"), "t.csv", &all()).unwrap(), "text/csv; charset=utf-8");
        assert_eq!(
            detect(&mut file("# Titre é\n".as_bytes()), "n.md", &all()).unwrap(),
            "text/markdown; charset=utf-8"
        );
        assert_eq!(detect(&mut file(b"hello"), "notes", &all()).unwrap(), "text/plain; charset=utf-8");
    }

    #[test]
    fn disguised_and_binary_files_are_refused() {
        let field = |r: ServiceResult<&str>| r.unwrap_err().field().map(str::to_owned);
        assert_eq!(field(detect(&mut file(b"<html><script>x</script>"), "r.pdf", &all())).as_deref(), Some("file"));
        assert_eq!(field(detect(&mut file(b"\x7fELF\x02\x01\x01\0\0\0\0"), "r.pdf", &all())).as_deref(), Some("file"));
        assert!(detect(&mut file(b"text\0with nul"), "t.txt", &all()).is_err());
        assert!(detect(&mut file(&[0xff, 0xfe, 0x41]), "t.txt", &all()).is_err());
        let only_pdf = vec!["pdf".to_owned()];
        assert!(detect(&mut file(b"plain"), "t.txt", &only_pdf).is_err());
    }

    #[test]
    fn text_split_inside_a_character_is_still_text() {
        let mut text = vec![b'a'; CHUNK_SIZE - 1];
        text.extend_from_slice("é".as_bytes());
        assert!(is_text(&mut file(&text)).unwrap());
    }

    #[test]
    fn file_names_lose_paths_and_controls() {
        assert_eq!(clean_file_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_file_name("C:\\x\\rapport\u{0}.pdf"), "rapport.pdf");
        assert_eq!(clean_file_name(""), "file");
    }

    #[test]
    fn links_are_signed_and_expire() {
        let library = Library::new(
            Arc::new(crate::storage::database::DatabaseStore::new(DatabaseConnection::default())),
            [7; 32],
            1,
            all(),
        );
        let now = Utc::now();
        let claims = LinkClaims { version_id: 3, session_id: 4, person_id: 5, expires: now.timestamp() + 60 };
        let signature = library.sign(&claims);
        assert!(library.verify(&claims, &signature, now));
        assert!(!library.verify(&LinkClaims { person_id: 6, ..claims.clone() }, &signature, now));
        assert!(!library.verify(&claims, &signature, now + Duration::seconds(61)));
        let far = LinkClaims { expires: now.timestamp() + 3_600, ..claims.clone() };
        assert!(!library.verify(&far, &library.sign(&far), now), "no link lasts longer than five minutes");
    }
}

//! Organizations: the network's member institutions.

use crate::i18n::Message;
use chrono::Utc;
use entity::{
    enums::{OrganizationKind, OrganizationRoleKind, RecordStatus},
    organization, organization_role,
};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::json;

use policy::{Action, Role, Scope};

use super::{
    App, access,
    audit::{self, AuditRecord, AuditScope},
    page::{self, Page, PageRequest},
    translation::{self, Owner, TranslationInput},
    validate,
};
use crate::{
    auth::Caller,
    error::{ServiceError, ServiceResult},
};

/// Input of [`create`].
#[derive(Debug, Clone)]
pub struct NewOrganization {
    pub slug: String,
    pub name: String,
    pub kind: OrganizationKind,
    pub sector: Option<String>,
    pub region: Option<String>,
    pub translations: Vec<TranslationInput>,
}

/// Input of [`update`]: `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct OrganizationChanges {
    pub name: Option<String>,
    pub kind: Option<OrganizationKind>,
    pub sector: Option<String>,
    pub region: Option<String>,
    pub status: Option<RecordStatus>,
    /// Front-end URL prefixes a login may return to (identity managers only).
    pub allowed_return_urls: Option<Vec<String>>,
    /// Replaces every translation (an empty list removes them).
    pub translations: Option<Vec<TranslationInput>>,
}

/// Most front-end URLs an organization may list.
const RETURN_URLS_MAX: usize = 20;

/// The front-end URL prefixes a login may return to.
pub fn allowed_return_urls(o: &organization::Model) -> Vec<String> {
    o.allowed_return_urls
        .as_ref()
        .and_then(|v| v.as_array())
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

fn check_return_urls(urls: &[String]) -> ServiceResult<Vec<String>> {
    if urls.len() > RETURN_URLS_MAX {
        return Err(ServiceError::bad_input(
            "allowedReturnUrls",
            Message::new("return-urls-max").arg("max", RETURN_URLS_MAX),
        ));
    }
    let mut out: Vec<String> = Vec::new();
    for url in urls {
        let parsed = validate::web_url("allowedReturnUrls", url)?;
        if parsed.query().is_some() {
            return Err(ServiceError::bad_input("allowedReturnUrls", Message::new("url-prefix-query")));
        }
        let text = parsed.to_string();
        if !out.contains(&text) {
            out.push(text);
        }
    }
    Ok(out)
}

fn snapshot(o: &organization::Model) -> serde_json::Value {
    json!({
        "slug": o.slug, "name": o.name, "kind": o.kind.as_str(), "sector": o.sector,
        "region": o.region, "status": o.status.as_str(), "allowedReturnUrls": o.allowed_return_urls,
        "translatedInto": o.translated_into,
    })
}

/// Creates an organization (network administrators, as the policy says).
pub async fn create(app: &App, caller: &Caller, input: NewOrganization) -> ServiceResult<organization::Model> {
    let actor = caller.actor()?;
    access::ensure_in(&app.auth, caller.base_roles(), Scope::Network, Action::CreateOrganization)?;
    let db = &app.db;
    let slug = validate::slug("slug", &input.slug)?;
    let name = validate::required_text("name", &input.name, validate::NAME_MAX)?;
    let sector = validate::optional_text("sector", input.sector.as_deref(), validate::NAME_MAX)?;
    let region = validate::optional_text("region", input.region.as_deref(), validate::NAME_MAX)?;
    let translations = translation::validated(Owner::Organization, &input.translations)?;
    let txn = crate::db::begin_write(db).await?;
    if find_by_slug(&txn, &slug).await?.is_some() {
        return Err(ServiceError::Conflict {
            field: "slug".into(),
            message: Message::new("slug-taken").arg("slug", slug.clone()),
        });
    }
    let now = Utc::now();
    let created = organization::ActiveModel {
        slug: Set(slug),
        name: Set(name),
        kind: Set(input.kind),
        sector: Set(sector),
        region: Set(region),
        status: Set(RecordStatus::Active),
        created_at: Set(now),
        updated_at: Set(now),
        translated_into: Set(translation::languages_of(&translations)),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    translation::replace(
        &txn,
        Owner::Organization,
        created.id,
        &translations,
        Some(translation::Audit { caller, scope: AuditScope::Organization(created.id) }),
    )
    .await?;
    audit::record(
        &txn,
        AuditRecord {
            scope: AuditScope::Organization(created.id),
            actor_id: Some(actor.person_id),
            action: "organization.create",
            target_type: "Organization",
            target_id: Some(created.id),
            before: None,
            after: Some(snapshot(&created)),
            request_id: caller.request_id.as_deref(),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}

/// Updates an organization: its administrators or a network administrator.
pub async fn update(
    app: &App,
    caller: &Caller,
    id: i32,
    changes: OrganizationChanges,
) -> ServiceResult<organization::Model> {
    let actor = caller.actor()?;
    let txn = crate::db::begin_write(&app.db).await?;
    let current =
        organization::Entity::find_by_id(id).one(&txn).await?.ok_or(ServiceError::not_found("organization"))?;
    let roles = roles_in(&txn, caller, id).await?;
    access::ensure_in(&app.auth, &roles, Scope::Organization(id), Action::Update)?;
    if changes.status.is_some() {
        // Suspending or reactivating an organization is the network's decision: only
        // the rules for every organization count, never one written for this one.
        let question = policy::Question {
            roles: &roles,
            scope: Scope::Organization(id),
            object: policy::Object::Organization,
            action: Action::Suspend,
            attrs: policy::Attrs::NONE,
        };
        if !app.auth.check_network_wide(&question) {
            return Err(ServiceError::forbidden(
                Message::new("denied").arg("action", "suspend").arg("object", "organization"),
            ));
        }
    }
    if changes.allowed_return_urls.is_some() {
        access::ensure_in(&app.auth, &roles, Scope::Organization(id), Action::ManageIdentity)?;
        // Their origins may call the API from browsers for the whole network (CORS):
        // a network administrator approves them, never one organization alone.
        if !actor.network_admin {
            return Err(ServiceError::forbidden(Message::new("return-urls-admins")));
        }
    }
    let mut model: organization::ActiveModel = current.clone().into();
    if let Some(urls) = &changes.allowed_return_urls {
        model.allowed_return_urls = Set(Some(json!(check_return_urls(urls)?)));
    }
    if let Some(name) = &changes.name {
        model.name = Set(validate::required_text("name", name, validate::NAME_MAX)?);
    }
    if let Some(kind) = changes.kind {
        model.kind = Set(kind);
    }
    if let Some(sector) = &changes.sector {
        model.sector = Set(validate::optional_text("sector", Some(sector), validate::NAME_MAX)?);
    }
    if let Some(region) = &changes.region {
        model.region = Set(validate::optional_text("region", Some(region), validate::NAME_MAX)?);
    }
    if let Some(status) = changes.status {
        model.status = Set(status);
    }
    if let Some(translations) = &changes.translations {
        let valid = translation::validated(Owner::Organization, translations)?;
        model.translated_into = Set(translation::replace(
            &txn,
            Owner::Organization,
            id,
            &valid,
            Some(translation::Audit { caller, scope: AuditScope::Organization(id) }),
        )
        .await?);
    }
    model.updated_at = Set(Utc::now());
    let updated = model.update(&txn).await?;
    audit::record(
        &txn,
        AuditRecord {
            scope: AuditScope::Organization(id),
            actor_id: Some(actor.person_id),
            action: "organization.update",
            target_type: "Organization",
            target_id: Some(id),
            before: Some(snapshot(&current)),
            after: Some(snapshot(&updated)),
            request_id: caller.request_id.as_deref(),
        },
    )
    .await?;
    txn.commit().await?;
    if changes.status.is_some() {
        // Its people's sessions end or resume with it.
        app.sessions.forget_all();
    }
    if changes.allowed_return_urls.is_some() {
        app.sso.front_ends.reload(&app.db).await?;
    }
    Ok(updated)
}

/// The caller's roles in an organization.
pub async fn roles_in<C: ConnectionTrait>(db: &C, caller: &Caller, organization_id: i32) -> ServiceResult<Vec<Role>> {
    let resolved =
        policy::resolve::roles_in(db, caller.base_roles(), caller.person_id(), Scope::Organization(organization_id))
            .await?;
    Ok(resolved.map(|(roles, _)| roles).unwrap_or_else(|| caller.base_roles().to_vec()))
}

/// Whether `person_id` holds `role` in `organization_id`.
pub async fn has_role<C: ConnectionTrait>(
    db: &C,
    person_id: i32,
    organization_id: i32,
    role: OrganizationRoleKind,
) -> ServiceResult<bool> {
    Ok(organization_role::Entity::find()
        .filter(organization_role::Column::PersonId.eq(person_id))
        .filter(organization_role::Column::OrganizationId.eq(organization_id))
        .filter(organization_role::Column::Role.eq(role))
        .one(db)
        .await?
        .is_some())
}

/// The organization with this slug (organizations are public).
pub async fn find_by_slug<C: ConnectionTrait>(db: &C, slug: &str) -> ServiceResult<Option<organization::Model>> {
    if validate::slug("slug", slug).is_err() {
        return Ok(None);
    }
    Ok(organization::Entity::find().filter(organization::Column::Slug.eq(slug)).one(db).await?)
}

/// The organization with this id.
pub async fn find_by_id<C: ConnectionTrait>(db: &C, id: i32) -> ServiceResult<Option<organization::Model>> {
    Ok(organization::Entity::find_by_id(id).one(db).await?)
}

/// A page of organizations, and their total count when asked.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    req: &PageRequest,
    want_count: bool,
) -> ServiceResult<(Page<organization::Model>, u64)> {
    let select = organization::Entity::find();
    let page = page::fetch(db, select.clone(), organization::Column::Id, req).await?;
    let total = if want_count { page::count(db, select).await? } else { 0 };
    Ok((page, total))
}

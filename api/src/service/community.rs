//! Communities of practice: creation, profile changes, archiving, listing, and the lists
//! hanging off a community (participating organizations, members, subgroups).

use crate::i18n::Message;
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{
    community, community_organization,
    enums::{
        CommunityRole, CommunityRoles, CreationMode, InteractionMode, MembershipPolicy, MembershipStatus,
        ParticipationStatus, Stage, Visibility,
    },
    membership, organization, subgroup,
};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult, IdenStatic, Iterable,
    JoinType, QueryFilter, QueryResult, QuerySelect, QueryTrait,
    sea_query::{Alias, Expr, ExprTrait, Func, SelectStatement, SimpleExpr},
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use policy::{Action, Role, Scope};

use super::{
    App, access,
    audit::{self, AuditRecord, AuditScope},
    discussion,
    page::{self, Page, PageRequest, SortKey},
    translation::{self, Owner, TranslationInput},
    validate,
};
use crate::{
    auth::Caller,
    error::{ServiceError, ServiceResult},
};

/// Who may join a closed community. An empty list admits anyone on that criterion.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Eligibility {
    pub professions: Vec<String>,
    pub job_titles: Vec<String>,
    pub organization_ids: Vec<i32>,
    pub sectors: Vec<String>,
    pub regions: Vec<String>,
}

impl Eligibility {
    /// Reads the stored JSON; a malformed value admits nobody extra and is logged.
    pub fn from_json(value: &serde_json::Value) -> Self {
        serde_json::from_value(value.clone()).unwrap_or_else(|err| {
            tracing::warn!(%err, "unreadable eligibility criteria");
            Self::default()
        })
    }

    async fn validated<C: ConnectionTrait>(self, db: &C) -> ServiceResult<Self> {
        let mut ids = self.organization_ids.clone();
        ids.sort_unstable();
        ids.dedup();
        if ids.len() > validate::LIST_MAX {
            return Err(ServiceError::bad_input("eligibility.organizationIds", Message::new("too-many")));
        }
        let found: Vec<i32> = organization::Entity::find()
            .select_only()
            .column(organization::Column::Id)
            .filter(organization::Column::Id.is_in(ids.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        if found.len() != ids.len() {
            return Err(ServiceError::bad_input("eligibility.organizationIds", Message::new("unknown-organization")));
        }
        Ok(Self {
            professions: validate::string_list("eligibility.professions", &self.professions)?,
            job_titles: validate::string_list("eligibility.jobTitles", &self.job_titles)?,
            organization_ids: ids,
            sectors: validate::string_list("eligibility.sectors", &self.sectors)?,
            regions: validate::string_list("eligibility.regions", &self.regions)?,
        })
    }

    fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

/// Input of [`create`].
#[derive(Debug, Clone)]
pub struct NewCommunity {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub field_of_knowledge: Option<String>,
    pub visibility: Visibility,
    pub membership_policy: MembershipPolicy,
    pub creation_mode: CreationMode,
    pub interaction_mode: InteractionMode,
    pub stage: Stage,
    pub eligibility: Eligibility,
    pub sponsor_approval_required: bool,
    pub open_to_all_organizations: bool,
    pub translations: Vec<TranslationInput>,
}

/// Input of [`update`]: `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct CommunityChanges {
    pub name: Option<String>,
    pub description: Option<String>,
    pub field_of_knowledge: Option<String>,
    pub visibility: Option<Visibility>,
    pub membership_policy: Option<MembershipPolicy>,
    pub creation_mode: Option<CreationMode>,
    pub interaction_mode: Option<InteractionMode>,
    pub stage: Option<Stage>,
    pub eligibility: Option<Eligibility>,
    pub sponsor_approval_required: Option<bool>,
    pub open_to_all_organizations: Option<bool>,
    /// Replaces every translation (an empty list removes them).
    pub translations: Option<Vec<TranslationInput>>,
}

/// Filters of [`list`].
#[derive(Debug, Clone, Default)]
pub struct CommunityFilter {
    /// Words to find in the name (its own or a translation's) or field of knowledge
    /// (case-insensitive).
    pub search: Option<String>,
    pub visibility: Option<Vec<Visibility>>,
    pub membership_policy: Option<Vec<MembershipPolicy>>,
    pub stage: Option<Vec<Stage>>,
    /// Only communities this organization takes part in.
    pub organization_id: Option<i32>,
    /// Only communities the viewer is an active member of.
    pub member_only: bool,
    /// Include archived communities.
    pub include_archived: bool,
}

fn snapshot(c: &community::Model) -> serde_json::Value {
    json!({
        "slug": c.slug, "name": c.name, "description": c.description,
        "fieldOfKnowledge": c.field_of_knowledge, "visibility": c.visibility.as_str(),
        "membershipPolicy": c.membership_policy.as_str(), "creationMode": c.creation_mode.as_str(),
        "interactionMode": c.interaction_mode.as_str(), "stage": c.stage.as_str(),
        "archived": c.archived, "eligibility": c.eligibility,
        "sponsorApprovalRequired": c.sponsor_approval_required,
        "openToAllOrganizations": c.open_to_all_organizations,
        "translatedInto": c.translated_into,
    })
}

/// Creates a community. Any logged-in person may; they become its founder and animator,
/// and their home organization its first participating organization.
pub async fn create(app: &App, caller: &Caller, input: NewCommunity) -> ServiceResult<community::Model> {
    let actor = caller.actor()?;
    // Its creator becomes its founder: an API client's service account holds no role.
    super::api_client::ensure_person(caller, "create a community")?;
    access::ensure_in(&app.auth, caller.base_roles(), Scope::Network, Action::CreateCommunity)?;
    let db = &app.db;
    let slug = validate::slug("slug", &input.slug)?;
    let name = validate::required_text("name", &input.name, validate::NAME_MAX)?;
    let description = validate::multiline("description", &input.description, validate::DESCRIPTION_MAX)?;
    let field = validate::optional_text("fieldOfKnowledge", input.field_of_knowledge.as_deref(), validate::NAME_MAX)?;
    let translations = translation::validated(Owner::Community, &input.translations)?;
    let txn = crate::db::begin_write(db).await?;
    let eligibility = input.eligibility.validated(&txn).await?;
    if find_by_slug_unchecked(&txn, &slug).await?.is_some() {
        return Err(ServiceError::Conflict {
            field: "slug".into(),
            message: Message::new("slug-taken").arg("slug", slug.clone()),
        });
    }
    let now = Utc::now();
    let created = community::ActiveModel {
        slug: Set(slug),
        name: Set(name),
        description: Set(description),
        field_of_knowledge: Set(field),
        visibility: Set(input.visibility),
        membership_policy: Set(input.membership_policy),
        creation_mode: Set(input.creation_mode),
        interaction_mode: Set(input.interaction_mode),
        stage: Set(input.stage),
        archived: Set(false),
        eligibility: Set(eligibility.to_json()),
        sponsor_approval_required: Set(input.sponsor_approval_required),
        open_to_all_organizations: Set(input.open_to_all_organizations),
        created_by: Set(Some(actor.person_id)),
        created_at: Set(now),
        updated_at: Set(now),
        translated_into: Set(translation::languages_of(&translations)),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    translation::replace(
        &txn,
        Owner::Community,
        created.id,
        &translations,
        Some(translation::Audit { caller, scope: AuditScope::Community(created.id) }),
    )
    .await?;
    let roles: CommunityRoles = [CommunityRole::Founder, CommunityRole::Animator].into_iter().collect();
    membership::ActiveModel {
        community_id: Set(created.id),
        person_id: Set(actor.person_id),
        roles: Set(roles.0),
        status: Set(MembershipStatus::Active),
        decided_by: Set(Some(actor.person_id)),
        decided_at: Set(Some(now)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    if let Some(organization_id) = actor.organization_id {
        community_organization::ActiveModel {
            community_id: Set(created.id),
            organization_id: Set(organization_id),
            sponsor_id: Set(None),
            status: Set(ParticipationStatus::Active),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    audit::record(
        &txn,
        AuditRecord {
            scope: AuditScope::Community(created.id),
            actor_id: Some(actor.person_id),
            action: "community.create",
            target_type: "Community",
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

/// Loads a community the caller may see and do `action` on, inside `txn`, or explains
/// why not (`NOT_FOUND` when they may not even see it).
pub async fn authorized<C: ConnectionTrait>(
    app: &App,
    txn: &C,
    caller: &Caller,
    id: i32,
    action: Action,
) -> ServiceResult<(community::Model, Vec<Role>)> {
    caller.actor()?;
    let (current, ties) =
        find_with_ties(app, txn, caller, Key::Id(id)).await?.ok_or(ServiceError::not_found("community"))?;
    let roles = ties.roles(caller);
    access::ensure(&app.auth, &roles, &current, action)?;
    Ok((current, roles))
}

/// Changes a community's profile and rules.
pub async fn update(app: &App, caller: &Caller, id: i32, changes: CommunityChanges) -> ServiceResult<community::Model> {
    let txn = crate::db::begin_write(&app.db).await?;
    let (current, _) = authorized(app, &txn, caller, id, Action::Update).await?;
    let mut model: community::ActiveModel = current.clone().into();
    if let Some(v) = &changes.name {
        model.name = Set(validate::required_text("name", v, validate::NAME_MAX)?);
    }
    if let Some(v) = &changes.description {
        model.description = Set(validate::multiline("description", v, validate::DESCRIPTION_MAX)?);
    }
    if let Some(v) = &changes.field_of_knowledge {
        model.field_of_knowledge = Set(validate::optional_text("fieldOfKnowledge", Some(v), validate::NAME_MAX)?);
    }
    if let Some(v) = changes.visibility {
        model.visibility = Set(v);
    }
    if let Some(v) = changes.membership_policy {
        model.membership_policy = Set(v);
    }
    if let Some(v) = changes.creation_mode {
        model.creation_mode = Set(v);
    }
    if let Some(v) = changes.interaction_mode {
        model.interaction_mode = Set(v);
    }
    if let Some(v) = changes.stage {
        model.stage = Set(v);
    }
    if let Some(v) = changes.eligibility {
        model.eligibility = Set(v.validated(&txn).await?.to_json());
    }
    if let Some(v) = changes.sponsor_approval_required {
        model.sponsor_approval_required = Set(v);
    }
    if let Some(v) = changes.open_to_all_organizations {
        model.open_to_all_organizations = Set(v);
    }
    if let Some(translations) = &changes.translations {
        let valid = translation::validated(Owner::Community, translations)?;
        model.translated_into = Set(translation::replace(
            &txn,
            Owner::Community,
            id,
            &valid,
            Some(translation::Audit { caller, scope: AuditScope::Community(id) }),
        )
        .await?);
    }
    model.updated_at = Set(Utc::now());
    let updated = model.update(&txn).await?;
    audit_change(&txn, caller, "community.update", &current, &updated).await?;
    txn.commit().await?;
    Ok(updated)
}

/// Archives (read-only from then on) or restores a community.
pub async fn archive(app: &App, caller: &Caller, id: i32, archived: bool) -> ServiceResult<community::Model> {
    let txn = crate::db::begin_write(&app.db).await?;
    let (current, _) = authorized(app, &txn, caller, id, Action::Archive).await?;
    if current.archived == archived {
        return Ok(current);
    }
    let mut model: community::ActiveModel = current.clone().into();
    model.archived = Set(archived);
    model.updated_at = Set(Utc::now());
    let updated = model.update(&txn).await?;
    let action = if archived { "community.archive" } else { "community.restore" };
    audit_change(&txn, caller, action, &current, &updated).await?;
    txn.commit().await?;
    Ok(updated)
}

async fn audit_change<C: ConnectionTrait>(
    txn: &C,
    caller: &Caller,
    action: &str,
    before: &community::Model,
    after: &community::Model,
) -> ServiceResult<()> {
    audit::record(
        txn,
        AuditRecord {
            scope: AuditScope::Community(after.id),
            actor_id: caller.person_id(),
            action,
            target_type: "Community",
            target_id: Some(after.id),
            before: Some(snapshot(before)),
            after: Some(snapshot(after)),
            request_id: caller.request_id.as_deref(),
        },
    )
    .await
}

async fn find_by_slug_unchecked<C: ConnectionTrait>(db: &C, slug: &str) -> ServiceResult<Option<community::Model>> {
    if validate::slug("slug", slug).is_err() {
        return Ok(None);
    }
    Ok(community::Entity::find().filter(community::Column::Slug.eq(slug)).one(db).await?)
}

/// The community with this id, if the caller may know it exists.
pub async fn find_by_id<C: ConnectionTrait>(
    app: &App,
    db: &C,
    caller: &Caller,
    id: i32,
) -> ServiceResult<Option<community::Model>> {
    Ok(community::Entity::find_by_id(id)
        .filter(access::visible_communities(&app.auth, db.get_database_backend(), caller))
        .one(db)
        .await?)
}

/// The communities with these ids that the caller may know exist (relations to a
/// community go through here, never around the visibility filter).
pub async fn visible_by_ids(app: &App, caller: &Caller, ids: &[i32]) -> ServiceResult<Vec<community::Model>> {
    Ok(community::Entity::find()
        .filter(community::Column::Id.is_in(ids.iter().copied()))
        .filter(access::visible_communities(&app.auth, app.db.get_database_backend(), caller))
        .all(&app.db)
        .await?)
}

/// The person's membership of a community, whatever its status.
pub async fn own_membership<C: ConnectionTrait>(
    db: &C,
    person_id: i32,
    community_id: i32,
) -> ServiceResult<Option<membership::Model>> {
    Ok(membership::Entity::find()
        .filter(membership::Column::PersonId.eq(person_id))
        .filter(membership::Column::CommunityId.eq(community_id))
        .one(db)
        .await?)
}

/// The caller's ties to a community: their membership (whatever its status) and whether
/// they sponsor it for one of their organizations. Their community roles follow from it.
#[derive(Debug, Clone, Default)]
pub struct Ties {
    pub membership: Option<membership::Model>,
    pub sponsor: bool,
}

impl Ties {
    /// The caller's roles in the community.
    pub fn roles(&self, caller: &Caller) -> Vec<Role> {
        access::community_roles(caller, self.membership.as_ref(), self.sponsor)
    }
}

/// How a community is looked up.
#[derive(Debug, Clone, Copy)]
pub enum Key<'a> {
    Id(i32),
    Slug(&'a str),
}

/// Alias of the viewer's membership row joined to communities.
const VIEWER_MEMBERSHIP: &str = "viewer_membership";
/// Prefix of its columns in the result.
const MEMBERSHIP_PREFIX: &str = "vm_";
/// Result column: whether the viewer sponsors the community.
const VIEWER_SPONSORS: &str = "viewer_sponsors";

/// Adds the person's ties to a select of communities: their membership row (left
/// joined, columns prefixed) and whether they sponsor the community (`EXISTS`).
fn with_ties(mut query: SelectStatement, person_id: i32) -> SelectStatement {
    let vm = Alias::new(VIEWER_MEMBERSHIP);
    for column in membership::Column::iter() {
        query.expr_as(Expr::col((vm.clone(), column)), Alias::new(format!("{MEMBERSHIP_PREFIX}{}", column.as_str())));
    }
    query
        .expr_as(sponsors(person_id), Alias::new(VIEWER_SPONSORS))
        .join_as(
            JoinType::LeftJoin,
            membership::Entity,
            vm.clone(),
            Condition::all()
                .add(
                    Expr::col((vm.clone(), membership::Column::CommunityId))
                        .equals((community::Entity, community::Column::Id)),
                )
                .add(Expr::col((vm, membership::Column::PersonId)).eq(person_id)),
        )
        .to_owned()
}

/// SQL on `community` rows: whether the person sponsors the community (while the tie
/// holds: see [`policy::resolve::live_sponsorships`]).
fn sponsors(person_id: i32) -> SimpleExpr {
    Expr::exists(
        community_organization::Entity::find()
            .select_only()
            .expr(Expr::val(1))
            .filter(
                Expr::col((community_organization::Entity, community_organization::Column::CommunityId))
                    .equals((community::Entity, community::Column::Id)),
            )
            .filter(policy::resolve::live_sponsorships(person_id))
            .into_query(),
    )
}

fn ties_from_row(row: &QueryResult) -> ServiceResult<Ties> {
    Ok(Ties {
        membership: membership::Model::from_query_result_optional(row, MEMBERSHIP_PREFIX)?,
        sponsor: row.try_get::<bool>("", VIEWER_SPONSORS)?,
    })
}

/// A community the caller may know exists, with their ties to it, in one statement
/// (the visibility filter, their membership and their sponsorship together).
pub async fn find_with_ties<C: ConnectionTrait>(
    app: &App,
    db: &C,
    caller: &Caller,
    key: Key<'_>,
) -> ServiceResult<Option<(community::Model, Ties)>> {
    Ok(find_reading_ahead(app, db, caller, key, None, None).await?.map(|(c, ties, _)| (c, ties)))
}

/// Result column of the threads read ahead.
const THREADS_AHEAD: &str = "threads_ahead";

/// [`find_with_ties`] reading `columns` only besides [`ALWAYS_READ`] (`None`: all; the
/// others are left empty in the model), and reading ahead in the same statement, on PostgreSQL, the threads
/// (and their posts) the query will ask for next. They are read under the same filters
/// as the lists' loaders; whether the caller may read them at all is still decided when
/// the `threads` field resolves, from the ties read here.
pub async fn find_reading_ahead<C: ConnectionTrait>(
    app: &App,
    db: &C,
    caller: &Caller,
    key: Key<'_>,
    ahead: Option<&discussion::ThreadsAhead>,
    columns: Option<&[community::Column]>,
) -> ServiceResult<Option<(community::Model, Ties, Option<discussion::ThreadPages>)>> {
    let mut select =
        community::Entity::find().filter(access::visible_communities(&app.auth, db.get_database_backend(), caller));
    if let Some(columns) = columns {
        select = select.select_only().columns(columns_to_read(columns));
    }
    let select = match key {
        Key::Id(id) => select.filter(community::Column::Id.eq(id)),
        Key::Slug(slug) if validate::slug("slug", slug).is_err() => return Ok(None),
        Key::Slug(slug) => select.filter(community::Column::Slug.eq(slug)),
    };
    let mut query = select.limit(1).into_query();
    if let Some(person_id) = caller.person_id() {
        query = with_ties(query, person_id);
    }
    let ahead = ahead.filter(|_| db.get_database_backend() == DbBackend::Postgres);
    if let Some(ahead) = ahead {
        let json = Expr::cust_with_exprs("CAST($1 AS text)", [discussion::threads_ahead_json(app, caller, ahead)]);
        // Only where the caller may read the discussions: in a community they may see but
        // not read, no work is done whose duration would tell how much is said there
        // (the `threads` field refuses before reading anything). Should this SQL and the
        // policy ever disagree, the field reads through its loader (NULL) or refuses.
        let readable = match caller.person_id() {
            // Decided from the ties the statement has joined (`with_ties`).
            Some(person_id) => access::communities_allowing_on_joined_ties(
                &app.auth,
                caller,
                Action::Read,
                VIEWER_MEMBERSHIP,
                sponsors(person_id),
            ),
            None => access::communities_allowing(&app.auth, caller, Action::Read),
        };
        query.expr_as(Expr::case(readable, json).finally(Expr::cust("NULL")), Alias::new(THREADS_AHEAD));
    }
    let Some(row) = db.query_one(&query).await? else { return Ok(None) };
    let ties = if caller.person_id().is_some() { ties_from_row(&row)? } else { Ties::default() };
    let read_ahead = match ahead {
        // NULL: not read ahead (the caller may not read the discussions).
        Some(ahead) => match row.try_get::<Option<String>>("", THREADS_AHEAD)? {
            Some(json) => Some(discussion::threads_ahead_from_json(&json, ahead)?),
            None => None,
        },
        None => None,
    };
    Ok(Some((PartialCommunity::from_query_result(&row, "")?.0, ties, read_ahead)))
}

/// The caller's ties to these communities, by community id, in one statement.
pub async fn ties_to<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
    community_ids: &[i32],
) -> ServiceResult<HashMap<i32, Ties>> {
    let Some(person_id) = caller.person_id() else { return Ok(HashMap::new()) };
    let select = community::Entity::find()
        .select_only()
        .column_as(community::Column::Id, "tied_community_id")
        .filter(community::Column::Id.is_in(community_ids.iter().copied()));
    let query = with_ties(select.into_query(), person_id);
    let rows = db.query_all(&query).await?;
    rows.iter().map(|row| Ok((row.try_get::<i32>("", "tied_community_id")?, ties_from_row(row)?))).collect()
}

/// The distinct values of an enum list, in their first order: a list may repeat a value
/// any number of times, but a statement gets each once (a 100,000-entry list would
/// otherwise make a statement of 100,000 parameters, which the database refuses).
fn distinct<T: Copy + PartialEq>(values: &[T]) -> Vec<T> {
    let mut out = Vec::new();
    for value in values {
        if !out.contains(value) {
            out.push(*value);
        }
    }
    out
}

fn filtered(visible: Condition, caller: &Caller, filter: &CommunityFilter) -> sea_orm::Select<community::Entity> {
    let mut select = community::Entity::find().filter(visible);
    if !filter.include_archived {
        select = select.filter(community::Column::Archived.eq(false));
    }
    if let Some(search) = filter.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let pattern = format!("%{}%", search.to_lowercase().replace(['\\', '%', '_'], ""));
        select = select.filter(
            Condition::any()
                .add(Expr::expr(Func::lower(Expr::col(community::Column::Name))).like(pattern.clone()))
                .add(Expr::expr(Func::lower(Expr::col(community::Column::FieldOfKnowledge))).like(pattern.clone()))
                // Its name in the other language finds it too ("soins" finds a community
                // named in English with a French translation); the visibility filter above
                // still decides which communities are searched at all.
                .add(translation::name_like(Owner::Community, &pattern)),
        );
    }
    if let Some(v) = &filter.visibility {
        select = select.filter(community::Column::Visibility.is_in(distinct(v)));
    }
    if let Some(v) = &filter.membership_policy {
        select = select.filter(community::Column::MembershipPolicy.is_in(distinct(v)));
    }
    if let Some(v) = &filter.stage {
        select = select.filter(community::Column::Stage.is_in(distinct(v)));
    }
    if let Some(organization_id) = filter.organization_id {
        select = select.filter(
            community::Column::Id.in_subquery(
                community_organization::Entity::find()
                    .select_only()
                    .column(community_organization::Column::CommunityId)
                    .filter(community_organization::Column::OrganizationId.eq(organization_id))
                    .filter(community_organization::Column::Status.eq(ParticipationStatus::Active))
                    .into_query(),
            ),
        );
    }
    if filter.member_only {
        let person_id = caller.person_id().unwrap_or(-1);
        select = select.filter(
            community::Column::Id.in_subquery(
                membership::Entity::find()
                    .select_only()
                    .column(membership::Column::CommunityId)
                    .filter(membership::Column::PersonId.eq(person_id))
                    .filter(membership::Column::Status.eq(MembershipStatus::Active))
                    .into_query(),
            ),
        );
    }
    select
}

/// The columns a page of communities always reads: the id, the slug and the attributes
/// access decisions test (see [`access::attrs`]).
pub const ALWAYS_READ: [community::Column; 5] = [
    community::Column::Id,
    community::Column::Slug,
    community::Column::Visibility,
    community::Column::MembershipPolicy,
    community::Column::Archived,
];

/// [`ALWAYS_READ`] and `columns`.
fn columns_to_read(columns: &[community::Column]) -> Vec<community::Column> {
    let mut read = ALWAYS_READ.to_vec();
    read.extend(columns.iter().filter(|c| !ALWAYS_READ.iter().any(|a| a.as_str() == c.as_str())));
    read
}

/// A community row read with some of its columns only (see [`list`]): the others are
/// left empty, and no field of the query reads them. Reading fewer columns makes
/// PostgreSQL's work for a page markedly lighter (see `bench/README.md`).
struct PartialCommunity(community::Model);

impl FromQueryResult for PartialCommunity {
    fn from_query_result(row: &QueryResult, pre: &str) -> Result<Self, DbErr> {
        use community::Column as C;
        // Which columns the statement read, in one pass over the row's column names
        // (a search of the names per column cost a quarter of the server's CPU on a
        // page of 50).
        let mut present = 0u64;
        for name in row.column_names() {
            if let Some(column) = name.strip_prefix(pre).and_then(|name| name.parse::<C>().ok()) {
                present |= 1 << (column as u32);
            }
        }
        let read = |column: C| present & (1 << (column as u32)) != 0;
        macro_rules! column {
            ($column:expr, $empty:expr) => {
                if read($column) { row.try_get(pre, $column.as_str())? } else { $empty }
            };
        }
        Ok(Self(community::Model {
            id: row.try_get(pre, C::Id.as_str())?,
            slug: row.try_get(pre, C::Slug.as_str())?,
            visibility: row.try_get(pre, C::Visibility.as_str())?,
            membership_policy: row.try_get(pre, C::MembershipPolicy.as_str())?,
            archived: row.try_get(pre, C::Archived.as_str())?,
            name: column!(C::Name, String::new()),
            description: column!(C::Description, String::new()),
            field_of_knowledge: column!(C::FieldOfKnowledge, None),
            creation_mode: column!(C::CreationMode, CreationMode::Spontaneous),
            interaction_mode: column!(C::InteractionMode, InteractionMode::Virtual),
            stage: column!(C::Stage, Stage::Potential),
            eligibility: column!(C::Eligibility, serde_json::Value::Null),
            sponsor_approval_required: column!(C::SponsorApprovalRequired, false),
            open_to_all_organizations: column!(C::OpenToAllOrganizations, false),
            created_by: column!(C::CreatedBy, None),
            created_at: column!(C::CreatedAt, DateTime::<Utc>::UNIX_EPOCH),
            updated_at: column!(C::UpdatedAt, DateTime::<Utc>::UNIX_EPOCH),
            translated_into: column!(C::TranslatedInto, String::new()),
        }))
    }
}

/// A page of the communities the viewer may see, filtered, with the total when asked.
/// Only `columns` are read besides [`ALWAYS_READ`] (all of them when `columns` is empty):
/// the others are left empty in the models.
pub async fn list(
    app: &App,
    caller: &Caller,
    filter: &CommunityFilter,
    req: &PageRequest,
    want_count: bool,
    columns: &[community::Column],
) -> ServiceResult<(Page<community::Model>, u64)> {
    let db = &app.db;
    if let Some(search) = &filter.search {
        validate::single_line("filter.search", search)?;
        if search.chars().count() > validate::NAME_MAX {
            return Err(ServiceError::bad_input("filter.search", Message::new("url-too-long")));
        }
    }
    let visible = access::visibility(&app.auth, db.get_database_backend(), caller);
    let mut select = filtered(visible.condition(), caller, filter);
    if !columns.is_empty() {
        let mut read = columns_to_read(columns);
        // The sort key makes the edges' cursors.
        if let Some(column) = req.order.key.and_then(SortKey::column_name)
            && !read.iter().any(|c| c.as_str() == column)
        {
            read.extend(community::Column::iter().filter(|c| c.as_str() == column));
        }
        select = select.select_only().columns(read);
    }
    let (page, total) = if want_count {
        let parts = visible.disjoint_parts().into_iter().map(|part| filtered(part, caller, filter)).collect();
        page::fetch_with_count::<_, PartialCommunity, _>(db, select, community::Column::Id, req, parts).await?
    } else {
        (page::fetch_into::<_, PartialCommunity, _>(db, select, community::Column::Id, req).await?, 0)
    };
    Ok((page.map(|c| c.0), total))
}

/// Participating organizations of each community (active participations).
pub fn organizations_select() -> sea_orm::Select<community_organization::Entity> {
    community_organization::Entity::find()
        .filter(community_organization::Column::Status.eq(ParticipationStatus::Active))
}

/// Active members of each community.
pub fn members_select() -> sea_orm::Select<membership::Entity> {
    membership::Entity::find().filter(membership::Column::Status.eq(MembershipStatus::Active))
}

/// Subgroups of each community the caller may see listed (once allowed to read the
/// community's content).
pub fn subgroups_select(app: &App, caller: &Caller) -> sea_orm::Select<subgroup::Entity> {
    subgroup::Entity::find().filter(access::readable_subgroups(&app.auth, caller))
}

/// The subgroups the caller may see wherever they reach them from (a thread's, an
/// event's, by id, to change one): those of [`subgroups_select`] in communities whose
/// content they may read — what `Community.subgroups` and `node(id:)` show, in one
/// statement. A relation to a subgroup never goes around it.
pub fn readable_subgroups_select(app: &App, caller: &Caller) -> sea_orm::Select<subgroup::Entity> {
    subgroups_select(app, caller).filter(subgroup::Column::CommunityId.in_subquery(access::readable_community_ids(
        &app.auth,
        app.db.get_database_backend(),
        caller,
    )))
}

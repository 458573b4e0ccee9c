//! The directory: the profile fields a person controls (job title, profession, region,
//! languages, declared expertise) with who may see each of them, and the search over the
//! network's people (`people`), for logged-in people only.
//!
//! Each field has its visibility: NETWORK (any logged-in person), COMMUNITIES (people who
//! share an active community or an organization with the person), PRIVATE (the person
//! themselves). A field hidden from the viewer is never shown to them, and never matches
//! their search: the same rule, as SQL, filters the directory. Administrators of the
//! person's organization and of the network always see e-mail addresses (and only those).

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use entity::{
    api_client,
    enums::{FieldVisibility, MembershipStatus, OrganizationRoleKind, RecordStatus},
    membership, organization_role, person, person_expertise,
};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
    sea_query::{Expr, ExprTrait, Func, LikeExpr, SimpleExpr},
};
use serde_json::json;

use super::{
    App, access,
    audit::{self, AuditRecord, AuditScope},
    discussion,
    page::{self, Page, PageRequest},
    validate,
};
use crate::{
    auth::{Actor, Caller},
    error::{ServiceError, ServiceResult},
    i18n::Message,
};

/// The most expertise tags a person declares.
pub const TAGS_MAX: usize = 20;
/// The longest expertise tag.
pub const TAG_MAX: usize = 50;
/// The longest text about one's expertise.
pub const EXPERTISE_TEXT_MAX: usize = 2_000;
/// The most languages a person lists.
pub const LANGUAGES_MAX: usize = 10;
/// The longest job title, profession or region.
pub const FIELD_MAX: usize = 200;
/// The most values in one of the directory's filters.
pub const FILTER_VALUES_MAX: usize = 20;
/// The longest text searched for.
pub const SEARCH_MAX: usize = 100;

/// A field of a person's profile whose visibility the person chooses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DirectoryField {
    JobTitle,
    Profession,
    Region,
    Languages,
    Expertise,
    Email,
}

impl DirectoryField {
    /// The column holding this field's visibility.
    fn visibility_column(self) -> person::Column {
        match self {
            Self::JobTitle => person::Column::JobTitleVisibility,
            Self::Profession => person::Column::ProfessionVisibility,
            Self::Region => person::Column::RegionVisibility,
            Self::Languages => person::Column::LanguagesVisibility,
            Self::Expertise => person::Column::ExpertiseVisibility,
            Self::Email => person::Column::EmailVisibility,
        }
    }

    /// This field's visibility for `person`.
    pub fn visibility_of(self, person: &person::Model) -> FieldVisibility {
        match self {
            Self::JobTitle => person.job_title_visibility,
            Self::Profession => person.profession_visibility,
            Self::Region => person.region_visibility,
            Self::Languages => person.languages_visibility,
            Self::Expertise => person.expertise_visibility,
            Self::Email => person.email_visibility,
        }
    }
}

/// What the viewer is to a person: what decides which of their fields the viewer sees.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Standing {
    /// The viewer is logged in.
    pub logged_in: bool,
    /// The viewer is the person.
    pub own: bool,
    /// They share an active community or an organization.
    pub shares: bool,
    /// The viewer administers the network or one of the person's organizations.
    pub administers: bool,
}

impl Standing {
    /// Whether the viewer sees a field with this visibility.
    pub fn sees(&self, visibility: FieldVisibility) -> bool {
        self.own
            || (self.logged_in
                && match visibility {
                    FieldVisibility::Network => true,
                    FieldVisibility::Communities => self.shares,
                    FieldVisibility::Private => false,
                })
    }

    /// Whether the viewer sees `field` of `person`.
    pub fn sees_field(&self, person: &person::Model, field: DirectoryField) -> bool {
        let visible = self.sees(field.visibility_of(person));
        match field {
            DirectoryField::Email => visible || (self.logged_in && self.administers),
            _ => visible,
        }
    }
}

/// SQL on `person` rows: people who share an active community or an organization with
/// the actor (the rule e-mail addresses always had).
fn shares_with(actor: &Actor) -> Condition {
    let my_communities = membership::Entity::find()
        .select_only()
        .column(membership::Column::CommunityId)
        .filter(membership::Column::PersonId.eq(actor.person_id))
        .filter(membership::Column::Status.eq(MembershipStatus::Active))
        .into_query();
    let co_members = membership::Entity::find()
        .select_only()
        .column(membership::Column::PersonId)
        .filter(membership::Column::Status.eq(MembershipStatus::Active))
        .filter(membership::Column::CommunityId.in_subquery(my_communities))
        .into_query();
    let my_organizations = || {
        organization_role::Entity::find()
            .select_only()
            .column(organization_role::Column::OrganizationId)
            .filter(organization_role::Column::PersonId.eq(actor.person_id))
            .into_query()
    };
    let colleagues = organization_role::Entity::find()
        .select_only()
        .column(organization_role::Column::PersonId)
        .filter(organization_role::Column::OrganizationId.in_subquery(my_organizations()))
        .into_query();
    let mut shared = Condition::any()
        .add(person::Column::Id.in_subquery(co_members))
        .add(person::Column::Id.in_subquery(colleagues))
        .add(person::Column::OrganizationId.in_subquery(my_organizations()));
    if let Some(organization) = actor.organization_id {
        shared = shared.add(person::Column::OrganizationId.eq(organization));
    }
    shared
}

/// SQL on `person` rows: people of an organization the actor administers (their home
/// organization, or one where they hold a role).
fn administered_by(actor: &Actor) -> Condition {
    let administered = || {
        organization_role::Entity::find()
            .select_only()
            .column(organization_role::Column::OrganizationId)
            .filter(organization_role::Column::PersonId.eq(actor.person_id))
            .filter(organization_role::Column::Role.eq(OrganizationRoleKind::Admin))
            .into_query()
    };
    let members = organization_role::Entity::find()
        .select_only()
        .column(organization_role::Column::PersonId)
        .filter(organization_role::Column::OrganizationId.in_subquery(administered()))
        .into_query();
    Condition::any()
        .add(person::Column::OrganizationId.in_subquery(administered()))
        .add(person::Column::Id.in_subquery(members))
}

/// The viewer's standing towards these people, in at most two statements.
pub async fn standings<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
    ids: &[i32],
) -> ServiceResult<HashMap<i32, Standing>> {
    let Some(actor) = caller.viewer.as_ref() else { return Ok(HashMap::new()) };
    let others: Vec<i32> = ids.iter().copied().filter(|id| *id != actor.person_id).collect();
    let matching = |condition: Condition| {
        person::Entity::find()
            .select_only()
            .column(person::Column::Id)
            .filter(person::Column::Id.is_in(others.iter().copied()))
            .filter(condition)
            .into_tuple::<i32>()
    };
    let (shared, administered): (HashSet<i32>, HashSet<i32>) = if others.is_empty() {
        Default::default()
    } else {
        let shared = matching(shares_with(actor)).all(db).await?.into_iter().collect();
        let administered = if actor.network_admin {
            others.iter().copied().collect()
        } else {
            matching(administered_by(actor)).all(db).await?.into_iter().collect()
        };
        (shared, administered)
    };
    Ok(ids
        .iter()
        .map(|id| {
            let own = *id == actor.person_id;
            let standing = Standing {
                logged_in: true,
                own,
                shares: own || shared.contains(id),
                administers: actor.network_admin || administered.contains(id),
            };
            (*id, standing)
        })
        .collect())
}

/// SQL on `person` rows: `field` is visible to the actor (the rule of [`Standing::sees`],
/// e-mail's administrators aside: the directory never searches e-mail addresses).
fn field_visible(actor: &Actor, field: DirectoryField) -> Condition {
    let column = field.visibility_column();
    Condition::any()
        .add(person::Column::Id.eq(actor.person_id))
        .add(column.eq(FieldVisibility::Network))
        .add(Condition::all().add(column.eq(FieldVisibility::Communities)).add(shares_with(actor)))
}

/// The declared expertise tags of people, in the order they were given (the caller
/// checks the viewer sees them).
pub async fn expertise_of<C: ConnectionTrait>(db: &C, ids: &[i32]) -> ServiceResult<HashMap<i32, Vec<String>>> {
    let rows = person_expertise::Entity::find()
        .filter(person_expertise::Column::PersonId.is_in(ids.iter().copied()))
        .order_by_asc(person_expertise::Column::Id)
        .all(db)
        .await?;
    let mut out: HashMap<i32, Vec<String>> = HashMap::new();
    for row in rows {
        out.entry(row.person_id).or_default().push(row.tag);
    }
    Ok(out)
}

/// What `updateMyProfile` changes: `None` leaves a field as it is; an empty text clears
/// it, as does an empty list.
#[derive(Debug, Clone, Default)]
pub struct ProfileUpdate {
    pub job_title: Option<String>,
    pub profession: Option<String>,
    pub region: Option<String>,
    pub languages: Option<Vec<String>>,
    pub expertise: Option<Vec<String>>,
    pub expertise_text: Option<String>,
    pub visibility: Vec<(DirectoryField, FieldVisibility)>,
}

/// A one-line field of at most [`FIELD_MAX`] characters: blank clears it.
fn field_text(field: &str, value: Option<&str>) -> ServiceResult<Option<Option<String>>> {
    value.map(|v| validate::optional_text(field, Some(v), FIELD_MAX)).transpose()
}

/// Expertise tags: at most [`TAGS_MAX`], each one line of 1 to [`TAG_MAX`] characters,
/// without duplicates (ignoring case).
fn tags(field: &str, values: &[String]) -> ServiceResult<Vec<String>> {
    if values.len() > TAGS_MAX {
        return Err(ServiceError::bad_input(field, Message::new("too-many-entries").arg("max", TAGS_MAX)));
    }
    let mut out: Vec<String> = Vec::with_capacity(values.len());
    for value in values {
        let tag = validate::required_text(field, value, TAG_MAX)?;
        if tag.contains(',') {
            return Err(ServiceError::bad_input(field, Message::new("tag-comma")));
        }
        if !out.iter().any(|t| t.to_lowercase() == tag.to_lowercase()) {
            out.push(tag);
        }
    }
    Ok(out)
}

/// Changes the caller's own profile fields and who may see them, in one transaction
/// (audited in their organization's trail).
pub async fn update_my_profile(app: &App, caller: &Caller, input: ProfileUpdate) -> ServiceResult<person::Model> {
    let actor = caller.actor()?;
    super::api_client::ensure_person(caller, "update a profile")?;
    let job_title = field_text("jobTitle", input.job_title.as_deref())?;
    let profession = field_text("profession", input.profession.as_deref())?;
    let region = field_text("region", input.region.as_deref())?;
    let languages = match &input.languages {
        None => None,
        Some(list) => {
            if list.len() > LANGUAGES_MAX {
                return Err(ServiceError::bad_input(
                    "languages",
                    Message::new("too-many-entries").arg("max", LANGUAGES_MAX),
                ));
            }
            let mut out: Vec<String> = Vec::with_capacity(list.len());
            for tag in list {
                let tag = discussion::language("languages", Some(tag))?.unwrap_or_default();
                if !out.iter().any(|t| t.eq_ignore_ascii_case(&tag)) {
                    out.push(tag);
                }
            }
            Some(out)
        }
    };
    let expertise = input.expertise.as_deref().map(|list| tags("expertise", list)).transpose()?;
    let expertise_text = input
        .expertise_text
        .as_deref()
        .map(|t| validate::optional_multiline("expertiseText", Some(t), EXPERTISE_TEXT_MAX))
        .transpose()?;
    let mut seen = HashSet::new();
    for (field, _) in &input.visibility {
        if !seen.insert(*field) {
            return Err(ServiceError::bad_input("fieldVisibility", Message::new("field-twice")));
        }
    }
    let txn = crate::db::begin_write(&app.db).await?;
    let current = person::Entity::find_by_id(actor.person_id).one(&txn).await?.ok_or(ServiceError::Unauthenticated)?;
    let mut model: person::ActiveModel = current.clone().into();
    let mut changed: Vec<&str> = Vec::new();
    if let Some(v) = job_title {
        model.job_title = Set(v);
        changed.push("jobTitle");
    }
    if let Some(v) = profession {
        model.profession = Set(v);
        changed.push("profession");
    }
    if let Some(v) = region {
        model.region = Set(v);
        changed.push("region");
    }
    if let Some(v) = languages {
        model.languages = Set((!v.is_empty()).then(|| v.join(",")));
        changed.push("languages");
    }
    if let Some(v) = expertise_text {
        model.expertise_text = Set(v);
        changed.push("expertiseText");
    }
    let mut visibility = serde_json::Map::new();
    for (field, chosen) in &input.visibility {
        let set = Set(*chosen);
        match field {
            DirectoryField::JobTitle => model.job_title_visibility = set,
            DirectoryField::Profession => model.profession_visibility = set,
            DirectoryField::Region => model.region_visibility = set,
            DirectoryField::Languages => model.languages_visibility = set,
            DirectoryField::Expertise => model.expertise_visibility = set,
            DirectoryField::Email => model.email_visibility = set,
        }
        visibility.insert(format!("{field:?}"), json!(chosen.as_str()));
    }
    let now = Utc::now();
    model.updated_at = Set(now);
    let updated = model.update(&txn).await?;
    if let Some(tags) = &expertise {
        person_expertise::Entity::delete_many()
            .filter(person_expertise::Column::PersonId.eq(actor.person_id))
            .exec(&txn)
            .await?;
        if !tags.is_empty() {
            let rows = tags.iter().map(|tag| person_expertise::ActiveModel {
                person_id: Set(actor.person_id),
                tag: Set(tag.clone()),
                tag_key: Set(tag.to_lowercase()),
                created_at: Set(now),
                ..Default::default()
            });
            person_expertise::Entity::insert_many(rows).exec(&txn).await?;
        }
        changed.push("expertise");
    }
    // The audit trail says which fields changed, not what they say (the person may have
    // hidden them from the readers of the trail).
    audit::record(
        &txn,
        AuditRecord {
            scope: AuditScope::of_person(current.organization_id),
            actor_id: Some(actor.person_id),
            action: "person.update_profile",
            target_type: "Person",
            target_id: Some(actor.person_id),
            before: None,
            after: Some(json!({ "fields": changed, "visibility": visibility })),
            request_id: caller.request_id.as_deref(),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// What `people` narrows the directory to; every given filter must match (and, within
/// a list, any of its values).
#[derive(Debug, Clone, Default)]
pub struct DirectoryFilter {
    /// Words in a name or in a field the viewer sees.
    pub text: Option<String>,
    pub organization_ids: Option<Vec<i32>>,
    pub professions: Option<Vec<String>>,
    pub regions: Option<Vec<String>>,
    pub expertise: Option<Vec<String>>,
    pub community_ids: Option<Vec<i32>>,
}

/// Checks a filter's values, lower-cases the texts compared and drops duplicates.
fn checked_values(field: &str, values: Option<&Vec<String>>, max: usize) -> ServiceResult<Option<Vec<String>>> {
    let Some(values) = values else { return Ok(None) };
    if values.len() > FILTER_VALUES_MAX {
        return Err(ServiceError::bad_input(field, Message::new("too-many-entries").arg("max", FILTER_VALUES_MAX)));
    }
    let mut out: Vec<String> = Vec::with_capacity(values.len());
    for value in values {
        let value = validate::required_text(field, value, max)?.to_lowercase();
        if !out.contains(&value) {
            out.push(value);
        }
    }
    Ok(Some(out))
}

/// Checks the number of ids in a filter.
fn checked_ids(field: &str, ids: Option<&Vec<i32>>) -> ServiceResult<()> {
    if ids.is_some_and(|ids| ids.len() > FILTER_VALUES_MAX) {
        return Err(ServiceError::bad_input(field, Message::new("too-many-entries").arg("max", FILTER_VALUES_MAX)));
    }
    Ok(())
}

/// `lower(column)` of `person`.
fn lower(column: person::Column) -> SimpleExpr {
    Func::lower(Expr::col((person::Entity, column))).into()
}

/// The directory as the caller may search it: the people of the network (neither
/// suspended nor the service accounts of API clients) that match `filter` through
/// fields the caller sees; logged-in people only (`UNAUTHENTICATED` otherwise).
pub fn directory_select(
    app: &App,
    caller: &Caller,
    filter: &DirectoryFilter,
) -> ServiceResult<sea_orm::Select<person::Entity>> {
    let actor = caller.actor()?;
    let text = match filter.text.as_deref() {
        Some(text) => validate::bounded("filter.text", text, SEARCH_MAX)?,
        None => String::new(),
    };
    checked_ids("filter.organizationIds", filter.organization_ids.as_ref())?;
    checked_ids("filter.communityIds", filter.community_ids.as_ref())?;
    let professions = checked_values("filter.professions", filter.professions.as_ref(), FIELD_MAX)?;
    let regions = checked_values("filter.regions", filter.regions.as_ref(), FIELD_MAX)?;
    let expertise = checked_values("filter.expertise", filter.expertise.as_ref(), TAG_MAX)?;
    let service_accounts = api_client::Entity::find().select_only().column(api_client::Column::PersonId).into_query();
    let mut select = person::Entity::find()
        .filter(person::Column::Status.eq(RecordStatus::Active))
        .filter(person::Column::Id.not_in_subquery(service_accounts));
    let tagged = |keys: Condition| {
        person_expertise::Entity::find()
            .select_only()
            .column(person_expertise::Column::PersonId)
            .filter(keys)
            .into_query()
    };
    if !text.is_empty() {
        let escaped = text.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        let pattern = || LikeExpr::new(format!("%{escaped}%")).escape('\\');
        let like = |column| lower(column).like(pattern());
        let visible_like = |field, column| Condition::all().add(field_visible(actor, field)).add(like(column));
        select = select.filter(
            Condition::any()
                .add(like(person::Column::DisplayName))
                .add(visible_like(DirectoryField::JobTitle, person::Column::JobTitle))
                .add(visible_like(DirectoryField::Profession, person::Column::Profession))
                .add(visible_like(DirectoryField::Region, person::Column::Region))
                .add(Condition::all().add(field_visible(actor, DirectoryField::Expertise)).add(
                    Condition::any().add(like(person::Column::ExpertiseText)).add(person::Column::Id.in_subquery(
                        tagged(Condition::all().add(Expr::col(person_expertise::Column::TagKey).like(pattern()))),
                    )),
                )),
        );
    }
    if let Some(ids) = &filter.organization_ids {
        select = select.filter(person::Column::OrganizationId.is_in(ids.iter().copied()));
    }
    if let Some(values) = professions {
        select = select
            .filter(field_visible(actor, DirectoryField::Profession))
            .filter(lower(person::Column::Profession).is_in(values));
    }
    if let Some(values) = regions {
        select = select
            .filter(field_visible(actor, DirectoryField::Region))
            .filter(lower(person::Column::Region).is_in(values));
    }
    if let Some(values) = expertise {
        select = select.filter(field_visible(actor, DirectoryField::Expertise)).filter(
            person::Column::Id
                .in_subquery(tagged(Condition::all().add(person_expertise::Column::TagKey.is_in(values)))),
        );
    }
    if let Some(ids) = &filter.community_ids {
        // Only through memberships the caller may see listed (active ones, of communities
        // they see and whose members they may list): a secret community's id matches
        // nobody, exactly as an unknown id.
        let members = membership::Entity::find()
            .select_only()
            .column(membership::Column::PersonId)
            .filter(membership::Column::CommunityId.is_in(ids.iter().copied()))
            .filter(access::listed_memberships(&app.auth, app.db.get_database_backend(), caller))
            .into_query();
        select = select.filter(person::Column::Id.in_subquery(members));
    }
    Ok(select)
}

/// A page of the directory, by id; and how many people match when `count`.
pub async fn people(
    app: &App,
    caller: &Caller,
    filter: &DirectoryFilter,
    req: &PageRequest,
    count: bool,
) -> ServiceResult<(Page<person::Model>, u64)> {
    let select = directory_select(app, caller, filter)?;
    let page = page::fetch(&app.db, select.clone(), person::Column::Id, req).await?;
    let total = if count { page::count(&app.db, select).await? } else { 0 };
    Ok((page, total))
}

/// SQL on `membership` rows: memberships through which the caller and a person share a
/// community: the person's active memberships the caller may see listed, in communities
/// where the caller is an active member too.
pub fn shared_memberships(app: &App, caller: &Caller) -> Condition {
    let mine = membership::Entity::find()
        .select_only()
        .column(membership::Column::CommunityId)
        .filter(membership::Column::PersonId.eq(caller.person_id().unwrap_or(-1)))
        .filter(membership::Column::Status.eq(MembershipStatus::Active))
        .into_query();
    Condition::all()
        .add(access::listed_memberships(&app.auth, app.db.get_database_backend(), caller))
        .add(membership::Column::CommunityId.in_subquery(mine))
}

//! The annual time budget (issue 13): participation settings per organization,
//! allowances per person, time entries (logged, or from attendance) weighed against the
//! allowance, overruns decided by the person's own organization's sponsor, and reports.
//!
//! Who may do what with a person's time in a community is the policy's `time_entry`
//! object, asked in the community's scope with the viewer's roles there plus the roles
//! their relation to that person gives: `community:TIME_OWNER` (the person),
//! `community:TIME_APPROVER` (the live sponsor the person's own organization names for
//! the community, or that organization's managers where it names none) and
//! `community:TIME_ORG_MANAGER` (that organization's managers and sponsors).
//!
//! An entry that goes past the allowance is split: the hours still within it are
//! RECORDED (they count), the rest is a second entry PENDING_APPROVAL. Entries of one
//! person are weighed one at a time (their person row is locked in the transaction).

use std::collections::{HashMap, HashSet};

use chrono::{Datelike, Duration, NaiveDate, Utc};
use entity::{
    community, community_organization,
    enums::{MembershipStatus, OrganizationRoleKind, ParticipationStatus, TimeCategory, TimeEntryStatus},
    organization, organization_role, organization_time_settings, person, time_allowance, time_entry,
};
use policy::{Action, Object, Question, Role, Scope};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait, RelationTrait,
    sea_query::{Expr, ExprTrait},
};
use serde_json::json;

use super::{
    App, access,
    audit::{self, AuditRecord, AuditScope},
    community as communities, organization as organizations,
    page::{self, Page, PageRequest},
    validate,
};
use crate::{
    auth::Caller,
    error::{ServiceError, ServiceResult},
    i18n::Message,
};

/// The network's default allowance: 24 hours a participation year, in quarter hours.
pub const NETWORK_DEFAULT_QUARTERS: i32 = 24 * 4;
/// The network's participation year starts on January 1.
pub const NETWORK_YEAR_START: (u32, u32) = (1, 1);
/// The most hours an allowance may hold.
pub const MAX_ALLOWANCE_HOURS: f64 = 2_000.0;
/// The most characters of an entry's note or a refusal's reason.
pub const NOTE_MAX: usize = 2_000;
/// Participation years the API accepts.
pub const YEARS: std::ops::RangeInclusive<i32> = 2000..=2200;

/// Statuses whose hours count against the allowance.
const COUNTED: [TimeEntryStatus; 2] = [TimeEntryStatus::Recorded, TimeEntryStatus::Approved];

/// Reads hours in quarter hours, from `min_exclusive` (not included) to `max`.
fn quarters(field: &str, hours: f64, positive: bool, max: f64) -> ServiceResult<i32> {
    let q = hours * 4.0;
    let in_range = hours.is_finite() && hours <= max && if positive { hours > 0.0 } else { hours >= 0.0 };
    if !in_range || (q - q.round()).abs() > 1e-9 || (positive && q.round() < 1.0) {
        let id = if positive { "hours-positive-range" } else { "hours-range" };
        return Err(ServiceError::bad_input(field, Message::new(id).arg("max", max)));
    }
    // In range and whole: the conversion is exact.
    #[expect(clippy::cast_possible_truncation, reason = "checked: a whole number of at most 8,000")]
    Ok(q.round() as i32)
}

/// An organization's participation settings as they apply (the network's without any).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    pub allowance_quarters: i32,
    pub month: u32,
    pub day: u32,
}

impl Settings {
    const NETWORK: Settings = Settings {
        allowance_quarters: NETWORK_DEFAULT_QUARTERS,
        month: NETWORK_YEAR_START.0,
        day: NETWORK_YEAR_START.1,
    };

    fn of(model: Option<&organization_time_settings::Model>) -> Self {
        model.map_or(Self::NETWORK, |m| Settings {
            allowance_quarters: m.default_allowance_quarters,
            month: u32::try_from(m.year_start_month).unwrap_or(1),
            day: u32::try_from(m.year_start_day).unwrap_or(1),
        })
    }

    /// The participation year of a day: the calendar year in which it starts.
    pub fn year_of(&self, date: NaiveDate) -> i32 {
        if (date.month(), date.day()) >= (self.month, self.day) { date.year() } else { date.year() - 1 }
    }
}

async fn settings_of<C: ConnectionTrait>(db: &C, organization_ids: &[i32]) -> ServiceResult<HashMap<i32, Settings>> {
    let rows = organization_time_settings::Entity::find()
        .filter(organization_time_settings::Column::OrganizationId.is_in(organization_ids.iter().copied()))
        .all(db)
        .await?;
    Ok(rows.iter().map(|m| (m.organization_id, Settings::of(Some(m)))).collect())
}

fn setting(all: &HashMap<i32, Settings>, organization_id: Option<i32>) -> Settings {
    organization_id.and_then(|o| all.get(&o).copied()).unwrap_or(Settings::NETWORK)
}

// ---- Who may do what with whose time ----------------------------------------------------

/// The viewer's relations to the people of organizations and their sponsors, read once
/// per request (or batch).
#[derive(Debug, Default)]
struct Relations {
    viewer: Option<i32>,
    /// Organizations the viewer manages (MANAGER or ADMIN).
    managed: HashSet<i32>,
    /// (community, organization) the viewer sponsors, while the tie holds.
    sponsored: HashSet<(i32, i32)>,
    /// (community, organization) whose active participation names a sponsor.
    named: HashSet<(i32, i32)>,
}

impl Relations {
    async fn load<C: ConnectionTrait>(
        db: &C,
        caller: &Caller,
        communities: &[i32],
        organizations: &[i32],
    ) -> ServiceResult<Self> {
        let Some(viewer) = caller.person_id() else { return Ok(Self::default()) };
        let managed = organization_role::Entity::find()
            .filter(organization_role::Column::PersonId.eq(viewer))
            .filter(organization_role::Column::Role.is_in([OrganizationRoleKind::Manager, OrganizationRoleKind::Admin]))
            .all(db)
            .await?
            .into_iter()
            .map(|r| r.organization_id)
            .collect();
        let sponsored = community_organization::Entity::find()
            .filter(policy::resolve::live_sponsorships(viewer))
            .all(db)
            .await?
            .into_iter()
            .map(|p| (p.community_id, p.organization_id))
            .collect();
        let named = if communities.is_empty() || organizations.is_empty() {
            HashSet::new()
        } else {
            community_organization::Entity::find()
                .filter(community_organization::Column::CommunityId.is_in(communities.iter().copied()))
                .filter(community_organization::Column::OrganizationId.is_in(organizations.iter().copied()))
                .filter(community_organization::Column::Status.eq(ParticipationStatus::Active))
                .filter(community_organization::Column::SponsorId.is_not_null())
                .all(db)
                .await?
                .into_iter()
                .map(|p| (p.community_id, p.organization_id))
                .collect()
        };
        Ok(Self { viewer: Some(viewer), managed, sponsored, named })
    }

    /// The roles the viewer's relation to a person of `organization` gives on their time
    /// in `community`.
    fn roles(&self, person_id: i32, organization: Option<i32>, community: i32) -> Vec<Role> {
        let mut roles = Vec::new();
        if self.viewer == Some(person_id) {
            roles.push(Role::TimeOwner);
        }
        if let Some(org) = organization {
            let manager = self.managed.contains(&org);
            let sponsor = self.sponsored.contains(&(community, org));
            // Nobody approves their own time: a sponsor's or manager's own overruns go
            // to another sponsor, manager or network admin.
            if (sponsor || (manager && !self.named.contains(&(community, org)))) && self.viewer != Some(person_id) {
                roles.push(Role::TimeApprover);
            }
            if manager || sponsor {
                roles.push(Role::TimeOrgManager);
            }
        }
        roles
    }
}

/// What the viewer may do with one person's time in one community.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TimeRights {
    pub read: bool,
    pub read_totals: bool,
    pub decide: bool,
    pub set_allowance: bool,
}

fn rights(app: &App, roles: &[Role], c: &community::Model) -> TimeRights {
    let ask = |action| {
        app.auth.check(&Question {
            roles,
            scope: Scope::Community(c.id),
            object: Object::TimeEntry,
            action,
            attrs: access::attrs(c),
        })
    };
    TimeRights {
        read: ask(Action::Read),
        read_totals: ask(Action::ReadTotals),
        decide: ask(Action::Decide),
        set_allowance: ask(Action::SetAllowance),
    }
}

/// The communities with these ids the caller may know exist, read in `db`.
async fn visible<C: ConnectionTrait>(
    app: &App,
    db: &C,
    caller: &Caller,
    ids: &[i32],
) -> ServiceResult<HashMap<i32, community::Model>> {
    Ok(community::Entity::find()
        .filter(community::Column::Id.is_in(ids.iter().copied()))
        .filter(access::visible_communities(&app.auth, db.get_database_backend(), caller))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect())
}

/// The viewer's rights on (person, community) pairs, in a bounded number of statements;
/// a pair is missing when the community is not visible to the viewer or the person
/// does not exist.
async fn rights_on<C: ConnectionTrait>(
    app: &App,
    db: &C,
    caller: &Caller,
    pairs: &[(i32, i32)],
) -> ServiceResult<HashMap<(i32, i32), (TimeRights, person::Model, community::Model)>> {
    let community_ids: Vec<i32> = pairs.iter().map(|p| p.1).collect::<HashSet<_>>().into_iter().collect();
    let person_ids: Vec<i32> = pairs.iter().map(|p| p.0).collect::<HashSet<_>>().into_iter().collect();
    let found = visible(app, db, caller, &community_ids).await?;
    if found.is_empty() {
        return Ok(HashMap::new());
    }
    let people: HashMap<i32, person::Model> = person::Entity::find()
        .filter(person::Column::Id.is_in(person_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let organizations: Vec<i32> = people.values().filter_map(|p| p.organization_id).collect();
    let visible_ids: Vec<i32> = found.keys().copied().collect();
    let relations = Relations::load(db, caller, &visible_ids, &organizations).await?;
    let ties = communities::ties_to(db, caller, &visible_ids).await?;
    let mut out = HashMap::new();
    for &(person_id, community_id) in pairs {
        let (Some(c), Some(p)) = (found.get(&community_id), people.get(&person_id)) else { continue };
        let mut roles = ties.get(&community_id).cloned().unwrap_or_default().roles(caller);
        roles.extend(relations.roles(person_id, p.organization_id, community_id));
        out.insert((person_id, community_id), (rights(app, &roles, c), p.clone(), c.clone()));
    }
    Ok(out)
}

// ---- Settings and allowances ------------------------------------------------------------

/// Sets an organization's default allowance and the day its participation year starts
/// (its managers and administrators, as the policy says).
pub async fn set_participation_settings(
    app: &App,
    caller: &Caller,
    organization_id: i32,
    default_allowance_hours: f64,
    year_start_month: i32,
    year_start_day: i32,
) -> ServiceResult<organization_time_settings::Model> {
    caller.actor()?;
    let allowance = quarters("defaultAllowanceHours", default_allowance_hours, false, MAX_ALLOWANCE_HOURS)?;
    if !(1..=12).contains(&year_start_month) {
        return Err(ServiceError::bad_input("yearStartMonth", Message::new("year-start-month")));
    }
    // A day every year has (never February 29).
    let valid_day = u32::try_from(year_start_month)
        .ok()
        .zip(u32::try_from(year_start_day).ok())
        .and_then(|(m, d)| NaiveDate::from_ymd_opt(2001, m, d));
    if valid_day.is_none() {
        return Err(ServiceError::bad_input("yearStartDay", Message::new("year-start-day")));
    }
    let txn = crate::db::begin_write(&app.db).await?;
    organization::Entity::find_by_id(organization_id)
        .one(&txn)
        .await?
        .ok_or(ServiceError::not_found("organization"))?;
    let roles = organizations::roles_in(&txn, caller, organization_id).await?;
    access::ensure_in(&app.auth, &roles, Scope::Organization(organization_id), Action::ManageParticipation)?;
    let current = organization_time_settings::Entity::find()
        .filter(organization_time_settings::Column::OrganizationId.eq(organization_id))
        .one(&txn)
        .await?;
    let now = Utc::now();
    let saved = match &current {
        Some(found) => {
            let mut model: organization_time_settings::ActiveModel = found.clone().into();
            model.default_allowance_quarters = Set(allowance);
            model.year_start_month = Set(year_start_month);
            model.year_start_day = Set(year_start_day);
            model.updated_at = Set(now);
            model.update(&txn).await?
        }
        None => {
            organization_time_settings::ActiveModel {
                organization_id: Set(organization_id),
                default_allowance_quarters: Set(allowance),
                year_start_month: Set(year_start_month),
                year_start_day: Set(year_start_day),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?
        }
    };
    let snapshot = |m: &organization_time_settings::Model| json!({ "defaultAllowanceQuarters": m.default_allowance_quarters, "yearStartMonth": m.year_start_month, "yearStartDay": m.year_start_day });
    audit::record(
        &txn,
        AuditRecord {
            scope: AuditScope::Organization(organization_id),
            actor_id: caller.person_id(),
            action: "organization.set_participation_settings",
            target_type: "Organization",
            target_id: Some(organization_id),
            before: current.as_ref().map(snapshot),
            after: Some(snapshot(&saved)),
            request_id: caller.request_id.as_deref(),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// An organization's settings as they apply.
pub async fn settings(app: &App, organization_id: i32) -> ServiceResult<Settings> {
    Ok(setting(&settings_of(&app.db, &[organization_id]).await?, Some(organization_id)))
}

/// Sets one person's allowance in a community for a participation year (the sponsor of
/// their own organization, its managers where it names none, network administrators).
pub async fn set_allowance(
    app: &App,
    caller: &Caller,
    community_id: i32,
    person_id: i32,
    year: i32,
    hours: f64,
    animation_hours: Option<f64>,
) -> ServiceResult<time_allowance::Model> {
    let actor = caller.actor()?;
    if !YEARS.contains(&year) {
        return Err(ServiceError::bad_input("year", Message::new("budget-year-range")));
    }
    let main = quarters("hours", hours, false, MAX_ALLOWANCE_HOURS)?;
    let animation = animation_hours.map(|h| quarters("animationHours", h, false, MAX_ALLOWANCE_HOURS)).transpose()?;
    let txn = crate::db::begin_write(&app.db).await?;
    let found = rights_on(app, &txn, caller, &[(person_id, community_id)]).await?;
    let Some((rights, _, _)) = found.get(&(person_id, community_id)) else {
        return Err(ServiceError::not_found("community"));
    };
    if person_id == actor.person_id && rights.read {
        return Err(ServiceError::forbidden(Message::new("allowance-own")));
    }
    if !rights.set_allowance {
        return Err(ServiceError::forbidden(Message::new("allowance-sponsor-only")));
    }
    let current = time_allowance::Entity::find()
        .filter(time_allowance::Column::PersonId.eq(person_id))
        .filter(time_allowance::Column::CommunityId.eq(community_id))
        .filter(time_allowance::Column::Year.eq(year))
        .one(&txn)
        .await?;
    let now = Utc::now();
    let saved = match &current {
        Some(found) => {
            let mut model: time_allowance::ActiveModel = found.clone().into();
            model.quarter_hours = Set(main);
            model.animation_quarter_hours = Set(animation);
            model.set_by = Set(actor.person_id);
            model.updated_at = Set(now);
            model.update(&txn).await?
        }
        None => {
            time_allowance::ActiveModel {
                community_id: Set(community_id),
                person_id: Set(person_id),
                year: Set(year),
                quarter_hours: Set(main),
                animation_quarter_hours: Set(animation),
                set_by: Set(actor.person_id),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?
        }
    };
    let snapshot = |m: &time_allowance::Model| json!({ "personId": m.person_id, "year": m.year, "quarterHours": m.quarter_hours, "animationQuarterHours": m.animation_quarter_hours });
    audit::record(
        &txn,
        AuditRecord {
            scope: AuditScope::Community(community_id),
            actor_id: Some(actor.person_id),
            action: "time.set_allowance",
            target_type: "TimeAllowance",
            target_id: Some(saved.id),
            before: current.as_ref().map(snapshot),
            after: Some(snapshot(&saved)),
            request_id: caller.request_id.as_deref(),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

// ---- Entries ----------------------------------------------------------------------------

/// Allowances (quarter hours) of one person in one community for one year: the main one
/// and, when set apart, the one for ANIMATION.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allowance {
    pub main: i32,
    pub animation: Option<i32>,
}

impl Allowance {
    fn of(own: Option<&time_allowance::Model>, settings: Settings) -> Self {
        match own {
            Some(a) => Allowance { main: a.quarter_hours, animation: a.animation_quarter_hours },
            None => Allowance { main: settings.allowance_quarters, animation: None },
        }
    }

    /// Whether entries of `category` count against the animation allowance.
    fn animation_bucket(&self, category: TimeCategory) -> bool {
        self.animation.is_some() && category == TimeCategory::Animation
    }
}

/// What one new piece of time is: its day, hours and where it comes from.
#[derive(Debug, Clone)]
struct NewTime {
    community_id: i32,
    person: person::Model,
    date: NaiveDate,
    category: TimeCategory,
    quarters: i32,
    note: Option<String>,
    occurrence: Option<(i32, chrono::DateTime<Utc>)>,
}

/// Locks the person's row for the rest of the transaction: their entries are weighed
/// one at a time (on SQLite, writers already take turns).
async fn lock_person<C: ConnectionTrait>(db: &C, person_id: i32) -> ServiceResult<Option<person::Model>> {
    Ok(person::Entity::find_by_id(person_id).lock_exclusive().one(db).await?)
}

/// Quarter hours the person already has on a day (refused entries aside), `except` the
/// entries of one occurrence.
async fn day_total<C: ConnectionTrait>(
    db: &C,
    person_id: i32,
    date: NaiveDate,
    except: Option<(i32, chrono::DateTime<Utc>)>,
) -> ServiceResult<i32> {
    let rows = time_entry::Entity::find()
        .filter(time_entry::Column::PersonId.eq(person_id))
        .filter(time_entry::Column::Date.eq(date))
        .filter(time_entry::Column::Status.ne(TimeEntryStatus::Refused))
        .all(db)
        .await?;
    Ok(rows
        .iter()
        .filter(|e| except.is_none_or(|(event, start)| e.event_id != Some(event) || e.original_start != Some(start)))
        .map(|e| e.quarter_hours)
        .sum())
}

/// Writes new time, split against the allowance; the caller holds the person's lock.
async fn weigh_and_insert<C: ConnectionTrait>(db: &C, new: NewTime) -> ServiceResult<Vec<time_entry::Model>> {
    let all_settings = settings_of(db, &new.person.organization_id.into_iter().collect::<Vec<_>>()).await?;
    let settings = setting(&all_settings, new.person.organization_id);
    let year = settings.year_of(new.date);
    let own = time_allowance::Entity::find()
        .filter(time_allowance::Column::PersonId.eq(new.person.id))
        .filter(time_allowance::Column::CommunityId.eq(new.community_id))
        .filter(time_allowance::Column::Year.eq(year))
        .one(db)
        .await?;
    let allowance = Allowance::of(own.as_ref(), settings);
    let animation = allowance.animation_bucket(new.category);
    let counted = time_entry::Entity::find()
        .filter(time_entry::Column::PersonId.eq(new.person.id))
        .filter(time_entry::Column::CommunityId.eq(new.community_id))
        .filter(time_entry::Column::Year.eq(year))
        .filter(time_entry::Column::Status.is_in(COUNTED))
        .all(db)
        .await?;
    let used: i32 =
        counted.iter().filter(|e| allowance.animation_bucket(e.category) == animation).map(|e| e.quarter_hours).sum();
    let limit = if animation { allowance.animation.unwrap_or(0) } else { allowance.main };
    let within = (limit - used).clamp(0, new.quarters);
    let mut parts = Vec::new();
    if within > 0 {
        parts.push((within, TimeEntryStatus::Recorded));
    }
    if new.quarters > within {
        parts.push((new.quarters - within, TimeEntryStatus::PendingApproval));
    }
    let now = Utc::now();
    let mut saved = Vec::new();
    for (quarter_hours, status) in parts {
        saved.push(
            time_entry::ActiveModel {
                community_id: Set(new.community_id),
                person_id: Set(new.person.id),
                date: Set(new.date),
                year: Set(year),
                category: Set(new.category),
                quarter_hours: Set(quarter_hours),
                status: Set(status),
                note: Set(new.note.clone()),
                event_id: Set(new.occurrence.map(|o| o.0)),
                original_start: Set(new.occurrence.map(|o| o.1)),
                decided_by: Set(None),
                decided_at: Set(None),
                reason: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(db)
            .await?,
        );
    }
    Ok(saved)
}

fn entry_json(e: &time_entry::Model) -> serde_json::Value {
    json!({
        "personId": e.person_id, "date": e.date.to_string(), "year": e.year, "category": e.category.as_str(),
        "quarterHours": e.quarter_hours, "status": e.status.as_str(), "eventId": e.event_id,
        "reason": e.reason,
    })
}

/// What `logTime` records.
#[derive(Debug, Clone)]
pub struct LogTime {
    pub community_id: i32,
    pub date: NaiveDate,
    pub hours: f64,
    pub category: TimeCategory,
    pub note: Option<String>,
}

/// The latest day one may log: today where the day starts first (UTC+14).
fn latest_day() -> NaiveDate {
    (Utc::now() + Duration::hours(14)).date_naive()
}

/// Logs the caller's time in a community they are an active member of: within the
/// allowance it counts at once; past it, the overrun waits for approval (see the module).
pub async fn log_time(app: &App, caller: &Caller, input: LogTime) -> ServiceResult<Vec<time_entry::Model>> {
    let actor = caller.actor()?;
    let quarter_hours = quarters("hours", input.hours, true, 24.0)?;
    if input.date > latest_day() {
        return Err(ServiceError::bad_input("date", Message::new("time-date-future")));
    }
    if input.date.year() < *YEARS.start() {
        return Err(ServiceError::bad_input("date", Message::new("time-date-early")));
    }
    let note = validate::optional_multiline("note", input.note.as_deref(), NOTE_MAX)?;
    let txn = crate::db::begin_write(&app.db).await?;
    let community = communities::find_by_id(app, &txn, caller, input.community_id)
        .await?
        .ok_or(ServiceError::not_found("community"))?;
    let member = communities::own_membership(&txn, actor.person_id, community.id)
        .await?
        .is_some_and(|m| m.status == MembershipStatus::Active && !m.banned);
    if !member {
        return Err(ServiceError::forbidden(Message::new("time-members-only")));
    }
    let person = lock_person(&txn, actor.person_id).await?.ok_or(ServiceError::not_found("person"))?;
    if day_total(&txn, person.id, input.date, None).await? + quarter_hours > 24 * 4 {
        return Err(ServiceError::bad_input("hours", Message::new("time-day-full")));
    }
    let saved = weigh_and_insert(
        &txn,
        NewTime {
            community_id: community.id,
            person,
            date: input.date,
            category: input.category,
            quarters: quarter_hours,
            note,
            occurrence: None,
        },
    )
    .await?;
    audit::record(
        &txn,
        AuditRecord {
            scope: AuditScope::Community(community.id),
            actor_id: Some(actor.person_id),
            action: "time.log",
            target_type: "TimeEntry",
            target_id: saved.last().map(|e| e.id),
            before: None,
            after: Some(json!({ "entries": saved.iter().map(entry_json).collect::<Vec<_>>() })),
            request_id: caller.request_id.as_deref(),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// One attendance line as time: who, how long (quarter hours; 0 when not PRESENT).
#[derive(Debug, Clone, Copy)]
pub struct AttendedTime {
    pub person_id: i32,
    pub quarters: i32,
}

/// Whether a sponsor (or whoever may) has approved or refused the entry.
fn is_decided(e: &time_entry::Model) -> bool {
    matches!(e.status, TimeEntryStatus::Approved | TimeEntryStatus::Refused) || e.decided_at.is_some()
}

/// Keeps the MEETING entries that attendance creates in step with it, in the attendance's
/// transaction: recording again replaces a person's entries of that occurrence (unless
/// their hours are unchanged), and no hours removes them. Entries already decided are
/// never replaced: a change to them is `CONFLICT` (the caller rolls everything back).
pub async fn sync_attendance<C: ConnectionTrait>(
    db: &C,
    community_id: i32,
    occurrence: (i32, chrono::DateTime<Utc>),
    date: NaiveDate,
    lines: &[AttendedTime],
) -> ServiceResult<Vec<time_entry::Model>> {
    let mut lines = lines.to_vec();
    // Locks in one order, whatever order the lines came in.
    lines.sort_by_key(|l| l.person_id);
    let mut written = Vec::new();
    for line in lines {
        let Some(person) = lock_person(db, line.person_id).await? else { continue };
        let existing = time_entry::Entity::find()
            .filter(time_entry::Column::EventId.eq(occurrence.0))
            .filter(time_entry::Column::OriginalStart.eq(occurrence.1))
            .filter(time_entry::Column::PersonId.eq(line.person_id))
            .all(db)
            .await?;
        if existing.iter().map(|e| e.quarter_hours).sum::<i32>() == line.quarters && !existing.is_empty() {
            continue;
        }
        // A sponsor's decision is never lost: time already approved or refused stays as
        // decided, and the whole attendance is refused (nothing of it is written).
        if existing.iter().any(is_decided) {
            return Err(ServiceError::Conflict {
                field: "entries.hours".into(),
                message: Message::new("attendance-time-decided"),
            });
        }
        if !existing.is_empty() {
            time_entry::Entity::delete_many()
                .filter(time_entry::Column::Id.is_in(existing.iter().map(|e| e.id)))
                .exec(db)
                .await?;
        }
        if line.quarters == 0 {
            continue;
        }
        if day_total(db, person.id, date, Some(occurrence)).await? + line.quarters > 24 * 4 {
            return Err(ServiceError::bad_input("entries.hours", Message::new("time-day-full")));
        }
        written.extend(
            weigh_and_insert(
                db,
                NewTime {
                    community_id,
                    person,
                    date,
                    category: TimeCategory::Meeting,
                    quarters: line.quarters,
                    note: None,
                    occurrence: Some(occurrence),
                },
            )
            .await?,
        );
    }
    Ok(written)
}

/// Approves or refuses an entry past the allowance (the sponsor of the person's own
/// organization for the community, its managers where it names none, network
/// administrators). An entry the caller may not see is `NOT_FOUND`.
pub async fn decide(
    app: &App,
    caller: &Caller,
    entry_id: i32,
    approve: bool,
    reason: Option<&str>,
) -> ServiceResult<time_entry::Model> {
    let actor = caller.actor()?;
    let reason = validate::optional_multiline("reason", reason, NOTE_MAX)?.filter(|r| !r.trim().is_empty());
    if !approve && reason.is_none() {
        return Err(ServiceError::bad_input("reason", Message::new("refusal-reason")));
    }
    let txn = crate::db::begin_write(&app.db).await?;
    let entry =
        time_entry::Entity::find_by_id(entry_id).one(&txn).await?.ok_or(ServiceError::not_found("time entry"))?;
    let found = rights_on(app, &txn, caller, &[(entry.person_id, entry.community_id)]).await?;
    let rights = found.get(&(entry.person_id, entry.community_id)).map(|r| r.0).unwrap_or_default();
    if !rights.read {
        return Err(ServiceError::not_found("time entry"));
    }
    if entry.person_id == actor.person_id {
        return Err(ServiceError::forbidden(Message::new("decide-own-time")));
    }
    if !rights.decide {
        return Err(ServiceError::forbidden(Message::new("decide-sponsor-only")));
    }
    lock_person(&txn, entry.person_id).await?;
    // Read again under the lock: another decision may have come first.
    let entry =
        time_entry::Entity::find_by_id(entry_id).one(&txn).await?.ok_or(ServiceError::not_found("time entry"))?;
    if entry.status != TimeEntryStatus::PendingApproval {
        return Err(ServiceError::Conflict { field: "entryId".into(), message: Message::new("entry-not-pending") });
    }
    let before = entry_json(&entry);
    let mut model: time_entry::ActiveModel = entry.into();
    model.status = Set(if approve { TimeEntryStatus::Approved } else { TimeEntryStatus::Refused });
    model.reason = Set(reason);
    model.decided_by = Set(Some(actor.person_id));
    model.decided_at = Set(Some(Utc::now()));
    model.updated_at = Set(Utc::now());
    let saved = model.update(&txn).await?;
    audit::record(
        &txn,
        AuditRecord {
            scope: AuditScope::Community(saved.community_id),
            actor_id: Some(actor.person_id),
            action: if approve { "time.approve" } else { "time.refuse" },
            target_type: "TimeEntry",
            target_id: Some(saved.id),
            before: Some(before),
            after: Some(entry_json(&saved)),
            request_id: caller.request_id.as_deref(),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

// ---- Reading ----------------------------------------------------------------------------

/// One person's budget in one community for one participation year.
#[derive(Debug, Clone)]
pub struct Budget {
    pub person_id: i32,
    pub community_id: i32,
    pub year: i32,
    pub allowance: Allowance,
    /// Counted quarter hours against the main allowance.
    pub used: i32,
    /// Counted quarter hours against the animation allowance (when set apart).
    pub animation_used: i32,
    pub pending: i32,
    pub refused: i32,
    /// Whether the viewer may list its entries (not only its totals).
    pub entries_visible: bool,
}

/// A budget asked for: (person, community, year or the current one).
pub type BudgetKey = (i32, i32, Option<i32>);

#[derive(Debug, FromQueryResult)]
struct Sum {
    person_id: i32,
    community_id: i32,
    year: i32,
    category: TimeCategory,
    status: TimeEntryStatus,
    quarters: i64,
}

/// Budgets the viewer may see (their totals at least), in a bounded number of statements
/// whatever the number of keys; others are missing.
pub async fn budgets(app: &App, caller: &Caller, keys: &[BudgetKey]) -> ServiceResult<HashMap<BudgetKey, Budget>> {
    let db = &app.db;
    let pairs: Vec<(i32, i32)> = keys.iter().map(|k| (k.0, k.1)).collect::<HashSet<_>>().into_iter().collect();
    let rights = rights_on(app, db, caller, &pairs).await?;
    let organizations: Vec<i32> = rights.values().filter_map(|r| r.1.organization_id).collect();
    let all_settings = settings_of(db, &organizations).await?;
    let today = Utc::now().date_naive();
    let mut wanted: Vec<(BudgetKey, i32, bool)> = Vec::new();
    for key in keys {
        let Some((r, person, _)) = rights.get(&(key.0, key.1)) else { continue };
        if !r.read_totals {
            continue;
        }
        let year = key.2.unwrap_or_else(|| setting(&all_settings, person.organization_id).year_of(today));
        wanted.push((*key, year, r.read));
    }
    if wanted.is_empty() {
        return Ok(HashMap::new());
    }
    let mut which = Condition::any();
    for ((person, community, _), year, _) in &wanted {
        which = which.add(
            Condition::all()
                .add(time_entry::Column::PersonId.eq(*person))
                .add(time_entry::Column::CommunityId.eq(*community))
                .add(time_entry::Column::Year.eq(*year)),
        );
    }
    let people: Vec<i32> = wanted.iter().map(|w| w.0.0).collect::<HashSet<_>>().into_iter().collect();
    let sums = time_entry::Entity::find()
        .select_only()
        .column(time_entry::Column::PersonId)
        .column(time_entry::Column::CommunityId)
        .column(time_entry::Column::Year)
        .column(time_entry::Column::Category)
        .column(time_entry::Column::Status)
        .column_as(Expr::col(time_entry::Column::QuarterHours).sum(), "quarters")
        .filter(time_entry::Column::PersonId.is_in(people.iter().copied()))
        .filter(which)
        .group_by(time_entry::Column::PersonId)
        .group_by(time_entry::Column::CommunityId)
        .group_by(time_entry::Column::Year)
        .group_by(time_entry::Column::Category)
        .group_by(time_entry::Column::Status)
        .into_model::<Sum>()
        .all(db)
        .await?;
    let allowances: HashMap<(i32, i32, i32), time_allowance::Model> = time_allowance::Entity::find()
        .filter(time_allowance::Column::PersonId.is_in(people))
        .all(db)
        .await?
        .into_iter()
        .map(|a| ((a.person_id, a.community_id, a.year), a))
        .collect();
    let mut out = HashMap::new();
    for (key, year, entries_visible) in wanted {
        let Some((_, person, _)) = rights.get(&(key.0, key.1)) else { continue };
        let settings = setting(&all_settings, person.organization_id);
        let allowance = Allowance::of(allowances.get(&(key.0, key.1, year)), settings);
        let mut budget = Budget {
            person_id: key.0,
            community_id: key.1,
            year,
            allowance,
            used: 0,
            animation_used: 0,
            pending: 0,
            refused: 0,
            entries_visible,
        };
        for s in sums.iter().filter(|s| s.person_id == key.0 && s.community_id == key.1 && s.year == year) {
            let q = i32::try_from(s.quarters).unwrap_or(i32::MAX);
            match s.status {
                TimeEntryStatus::Recorded | TimeEntryStatus::Approved if allowance.animation_bucket(s.category) => {
                    budget.animation_used += q;
                }
                TimeEntryStatus::Recorded | TimeEntryStatus::Approved => budget.used += q,
                TimeEntryStatus::PendingApproval => budget.pending += q,
                TimeEntryStatus::Refused => budget.refused += q,
            }
        }
        out.insert(key, budget);
    }
    Ok(out)
}

/// A page of a budget's entries (newest day first by id order), for a viewer the
/// budget showed them to ([`budgets`]), through the filter of every list of entries.
pub async fn entries_page(
    app: &App,
    caller: &Caller,
    budget: &Budget,
    req: &PageRequest,
    want_count: bool,
) -> ServiceResult<(Page<time_entry::Model>, u64)> {
    if !budget.entries_visible {
        return Ok((Page::empty(), 0));
    }
    let select = time_entry::Entity::find()
        .filter(time_entry::Column::PersonId.eq(budget.person_id))
        .filter(time_entry::Column::CommunityId.eq(budget.community_id))
        .filter(time_entry::Column::Year.eq(budget.year))
        .filter(entries_allowing(app, caller, app.db.get_database_backend(), Action::Read));
    let total = if want_count { page::count(&app.db, select.clone()).await? } else { 0 };
    Ok((page::fetch(&app.db, select, time_entry::Column::Id, req).await?, total))
}

/// SQL on `time_entry` rows: those whose person's own organization the viewer sponsors
/// the community for (while the tie holds), or manages — for approvers, only where that
/// organization names no sponsor.
fn related_entries(viewer: i32, approver_only: bool) -> Condition {
    // `viewer` is the caller's own person id (an integer), written into the SQL as such.
    let sponsor = Expr::cust(format!(
        r#"EXISTS (SELECT 1 FROM "person" "p" JOIN "community_organization" "co" ON "co"."organization_id" = "p"."organization_id"
            JOIN "organization" "o" ON "o"."id" = "co"."organization_id"
            WHERE "p"."id" = "time_entry"."person_id" AND "co"."community_id" = "time_entry"."community_id"
            AND "co"."sponsor_id" = {viewer} AND "co"."status" = 'ACTIVE' AND "o"."status" = 'ACTIVE'
            AND EXISTS (SELECT 1 FROM "organization_role" "r" WHERE "r"."organization_id" = "co"."organization_id"
                AND "r"."person_id" = {viewer} AND "r"."role" IN ('MANAGER', 'ADMIN'))
            AND NOT EXISTS (SELECT 1 FROM "membership" "m" WHERE "m"."community_id" = "co"."community_id"
                AND "m"."person_id" = {viewer} AND ("m"."banned" = TRUE OR "m"."status" = 'REMOVED')))"#
    ));
    let manager = Expr::cust(format!(
        r#"EXISTS (SELECT 1 FROM "person" "p" JOIN "organization_role" "r" ON "r"."organization_id" = "p"."organization_id"
            WHERE "p"."id" = "time_entry"."person_id" AND "r"."person_id" = {viewer} AND "r"."role" IN ('MANAGER', 'ADMIN'))"#
    ));
    let named = Expr::cust(
        r#"EXISTS (SELECT 1 FROM "person" "p" JOIN "community_organization" "co" ON "co"."organization_id" = "p"."organization_id"
            WHERE "p"."id" = "time_entry"."person_id" AND "co"."community_id" = "time_entry"."community_id"
            AND "co"."status" = 'ACTIVE' AND "co"."sponsor_id" IS NOT NULL)"#,
    );
    let manager =
        if approver_only { Condition::all().add(manager).add(named.not()) } else { Condition::all().add(manager) };
    let related = Condition::any().add(sponsor).add(manager);
    // Nobody approves their own time.
    if approver_only { Condition::all().add(related).add(time_entry::Column::PersonId.ne(viewer)) } else { related }
}

/// SQL on `time_entry` rows: those the viewer may `action`, in communities they may see —
/// the one filter every list of entries goes through, so that no path decides otherwise
/// than a single decision would. Each entry is decided with exactly the roles the viewer
/// holds on it: their base roles, their ties to its community (a deny on any of them,
/// added by an administrator, wins) and their relation to its person (owner, approver,
/// organization manager), each set of relations taken on its own.
fn entries_allowing(app: &App, caller: &Caller, backend: sea_orm::DbBackend, action: Action) -> Condition {
    let visible = access::visible_community_ids(&app.auth, backend, caller);
    let in_communities = |relation: &[Role]| {
        time_entry::Column::CommunityId.in_subquery(
            community::Entity::find()
                .select_only()
                .column(community::Column::Id)
                .filter(access::time_entry_communities(&app.auth, caller, relation, action))
                .into_query(),
        )
    };
    // The sets of relations an entry may give (see `Relations::roles`): an approver is
    // an organization manager too, and nobody approves their own time.
    let sets: Vec<(Vec<Role>, Condition)> = match caller.person_id() {
        None => vec![(Vec::new(), Condition::all())],
        Some(viewer) => {
            let owner = || Condition::all().add(time_entry::Column::PersonId.eq(viewer));
            let not_owner = || Condition::all().add(time_entry::Column::PersonId.ne(viewer));
            let approver = || related_entries(viewer, true);
            let manager = || related_entries(viewer, false);
            vec![
                (Vec::new(), Condition::all().add(not_owner()).add(manager().not())),
                (vec![Role::TimeOwner], Condition::all().add(owner()).add(manager().not())),
                (vec![Role::TimeOrgManager], Condition::all().add(not_owner()).add(manager()).add(approver().not())),
                (vec![Role::TimeOwner, Role::TimeOrgManager], Condition::all().add(owner()).add(manager())),
                (vec![Role::TimeApprover, Role::TimeOrgManager], approver()),
            ]
        }
    };
    let mut allowed = Condition::any();
    for (relation, holds) in sets {
        allowed = allowed.add(Condition::all().add(holds).add(in_communities(&relation)));
    }
    Condition::all().add(time_entry::Column::CommunityId.in_subquery(visible)).add(allowed)
}

/// The entries waiting for a decision the viewer may take, oldest first.
pub async fn pending_approvals(
    app: &App,
    caller: &Caller,
    req: &PageRequest,
    want_count: bool,
) -> ServiceResult<(Page<time_entry::Model>, u64)> {
    caller.actor()?;
    let backend = app.db.get_database_backend();
    let select = time_entry::Entity::find()
        .filter(time_entry::Column::Status.eq(TimeEntryStatus::PendingApproval))
        .filter(entries_allowing(app, caller, backend, Action::Decide));
    let total = if want_count { page::count(&app.db, select.clone()).await? } else { 0 };
    Ok((page::fetch(&app.db, select, time_entry::Column::Id, req).await?, total))
}

/// Entries by id that the viewer may read (the others are left out).
pub async fn readable_entries(app: &App, caller: &Caller, ids: &[i32]) -> ServiceResult<Vec<time_entry::Model>> {
    let backend = app.db.get_database_backend();
    Ok(time_entry::Entity::find()
        .filter(time_entry::Column::Id.is_in(ids.iter().copied()))
        .filter(entries_allowing(app, caller, backend, Action::Read))
        .all(&app.db)
        .await?)
}

/// The viewer's rights on the entries of these (person, community) pairs.
pub async fn rights_of(
    app: &App,
    caller: &Caller,
    pairs: &[(i32, i32)],
) -> ServiceResult<HashMap<(i32, i32), TimeRights>> {
    Ok(rights_on(app, &app.db, caller, pairs).await?.into_iter().map(|(k, v)| (k, v.0)).collect())
}

/// One line of an organization's time report: a person's hours in a community.
#[derive(Debug, Clone, FromQueryResult)]
pub struct ReportLine {
    pub community_id: i32,
    pub community_name: String,
    pub person_id: i32,
    pub person_name: String,
    pub status: TimeEntryStatus,
    pub quarters: i64,
}

/// Hours per community and per person, summed by status.
#[derive(Debug, Clone, Default)]
pub struct ReportRow {
    pub community_id: i32,
    pub community_name: String,
    pub person_id: i32,
    pub person_name: String,
    pub counted: i32,
    pub pending: i32,
    pub refused: i32,
}

/// The most lines a report holds.
pub const MAX_REPORT_ROWS: u64 = 10_000;

/// An organization's time report for a participation year: its people's hours that the
/// viewer may read, per community (its managers and network administrators, as the policy says;
/// `NOT_FOUND` for anyone else, as for an organization that does not exist).
pub async fn report(app: &App, caller: &Caller, organization_id: i32, year: i32) -> ServiceResult<Vec<ReportRow>> {
    caller.actor()?;
    if !YEARS.contains(&year) {
        return Err(ServiceError::bad_input("year", Message::new("budget-year-range")));
    }
    let db = &app.db;
    organization::Entity::find_by_id(organization_id).one(db).await?.ok_or(ServiceError::not_found("organization"))?;
    let roles = organizations::roles_in(db, caller, organization_id).await?;
    if access::ensure_in(&app.auth, &roles, Scope::Organization(organization_id), Action::ReadTimeReport).is_err() {
        return Err(ServiceError::not_found("organization"));
    }
    let readable = entries_allowing(app, caller, db.get_database_backend(), Action::Read);
    let lines = time_entry::Entity::find()
        .select_only()
        .column(time_entry::Column::CommunityId)
        .column_as(Expr::col((community::Entity, community::Column::Name)), "community_name")
        .column(time_entry::Column::PersonId)
        .column_as(Expr::col((person::Entity, person::Column::DisplayName)), "person_name")
        .column(time_entry::Column::Status)
        .column_as(Expr::col((time_entry::Entity, time_entry::Column::QuarterHours)).sum(), "quarters")
        .join(sea_orm::JoinType::InnerJoin, time_entry::Relation::Person.def())
        .join(sea_orm::JoinType::InnerJoin, time_entry::Relation::Community.def())
        .filter(person::Column::OrganizationId.eq(organization_id))
        .filter(time_entry::Column::Year.eq(year))
        .filter(readable)
        .group_by(time_entry::Column::CommunityId)
        .group_by(Expr::col((community::Entity, community::Column::Name)))
        .group_by(time_entry::Column::PersonId)
        .group_by(Expr::col((person::Entity, person::Column::DisplayName)))
        .group_by(time_entry::Column::Status)
        .order_by_asc(Expr::col((community::Entity, community::Column::Name)))
        .order_by_asc(time_entry::Column::CommunityId)
        .order_by_asc(Expr::col((person::Entity, person::Column::DisplayName)))
        .order_by_asc(time_entry::Column::PersonId)
        .limit(MAX_REPORT_ROWS * 4)
        .into_model::<ReportLine>()
        .all(db)
        .await?;
    let mut rows: Vec<ReportRow> = Vec::new();
    for line in lines {
        let q = i32::try_from(line.quarters).unwrap_or(i32::MAX);
        let same = rows.last().is_some_and(|r| r.community_id == line.community_id && r.person_id == line.person_id);
        if !same {
            rows.push(ReportRow {
                community_id: line.community_id,
                community_name: line.community_name,
                person_id: line.person_id,
                person_name: line.person_name,
                ..Default::default()
            });
        }
        if let Some(row) = rows.last_mut() {
            match line.status {
                TimeEntryStatus::Recorded | TimeEntryStatus::Approved => row.counted += q,
                TimeEntryStatus::PendingApproval => row.pending += q,
                TimeEntryStatus::Refused => row.refused += q,
            }
        }
    }
    Ok(rows)
}

/// Quarter hours as hours.
pub fn hours(quarters: i32) -> f64 {
    f64::from(quarters) / 4.0
}

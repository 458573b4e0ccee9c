//! The annual time budget in the schema: participation settings, allowances, time
//! entries and their approval, budgets on people and reports on organizations.

use std::{collections::HashMap, sync::Arc};

use async_graphql::{ComplexObject, Context, ID, InputObject, Object, SimpleObject, dataloader::Loader};
use chrono::{DateTime, NaiveDate, Utc};
use entity::time_entry as db;

use super::{
    GqlResult, app, caller,
    community::Community,
    connection::{self, Conn, build, page_request, wants_count},
    enums::{TimeCategory, TimeEntryStatus},
    ids::{NodeKind, from_global, to_global},
    loaders::{LoadError, PersonById, loader},
    order::{DocumentOrder, list_order},
    person::Person,
};
use crate::{
    auth::Caller,
    service::{
        App,
        time::{self as service, Budget, BudgetKey, TimeRights},
    },
};

/// Hours a person gave to a community on one day: logged by them, or from their
/// attendance at a meeting. Seen by the person, their own organization's sponsor and
/// managers, network administrators and auditors.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct TimeEntry {
    #[graphql(skip)]
    pub model: db::Model,
    /// The day the time was given.
    pub date: NaiveDate,
    /// Hours, in quarter hours.
    pub hours: f64,
    /// What the time went to.
    pub category: TimeCategory,
    /// Where it stands against the allowance.
    pub status: TimeEntryStatus,
    /// The person's note, if any.
    pub note: Option<String>,
    /// Why it was refused (or a note on its approval), once decided.
    pub reason: Option<String>,
    /// When it was approved or refused.
    pub decided_at: Option<DateTime<Utc>>,
    /// The participation year it falls in (the calendar year in which that year starts).
    pub year: i32,
    /// Whether attendance at an occurrence created it.
    pub from_attendance: bool,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
}

impl From<db::Model> for TimeEntry {
    fn from(m: db::Model) -> Self {
        TimeEntry {
            date: m.date,
            hours: service::hours(m.quarter_hours),
            category: m.category.into(),
            status: m.status.into(),
            note: m.note.clone(),
            reason: m.reason.clone(),
            decided_at: m.decided_at,
            year: m.year,
            from_attendance: m.event_id.is_some(),
            created_at: m.created_at,
            model: m,
        }
    }
}

/// What the viewer may do with a time entry.
#[derive(SimpleObject, Clone, Copy)]
pub struct TimeEntryViewerCan {
    /// Approve or refuse it while it waits (`decideTimeOverrun`): the sponsor of the
    /// person's own organization for the community (its managers where it names none)
    /// and network administrators.
    pub decide: bool,
    /// Change the person's allowance in this community (`setTimeAllowance`).
    pub set_allowance: bool,
}

#[ComplexObject]
impl TimeEntry {
    /// Global id.
    async fn id(&self) -> ID {
        to_global(NodeKind::TimeEntry, self.model.id)
    }
    /// Whose time it is.
    async fn person(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Person>> {
        Ok(loader::<PersonById, _>(ctx).load_one(self.model.person_id).await.gql()?.map(Person))
    }
    /// The community the time was given to.
    async fn community(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Community>> {
        super::community::visible_community(ctx, self.model.community_id).await
    }
    /// Who decided it, once decided.
    async fn decided_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Person>> {
        let Some(id) = self.model.decided_by else { return Ok(None) };
        Ok(loader::<PersonById, _>(ctx).load_one(id).await.gql()?.map(Person))
    }
    /// What the viewer may do with it.
    async fn viewer_can(&self, ctx: &Context<'_>) -> async_graphql::Result<TimeEntryViewerCan> {
        let rights = loader::<TimeRightsLoader, _>(ctx)
            .load_one((self.model.person_id, self.model.community_id))
            .await
            .gql()?
            .unwrap_or_default();
        let waiting = self.model.status == entity::enums::TimeEntryStatus::PendingApproval;
        Ok(TimeEntryViewerCan { decide: rights.decide && waiting, set_allowance: rights.set_allowance })
    }
}

/// One person's annual time budget in one community.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct TimeBudget {
    #[graphql(skip)]
    pub budget: Budget,
    /// The calendar year in which this participation year starts.
    pub year: i32,
    /// Hours allowed this year (the person's own allowance, else their organization's
    /// default, else the network's 24 h); ANIMATION apart when it has its own allowance.
    pub allowed_hours: f64,
    /// Hours that count against `allowedHours`: recorded within it, and approved past it.
    pub used_hours: f64,
    /// Hours past the allowance waiting for a decision.
    pub pending_hours: f64,
    /// Hours past the allowance that were refused (kept, not counted).
    pub refused_hours: f64,
    /// What is left of `allowedHours` (never below 0).
    pub remaining_hours: f64,
    /// The allowance of ANIMATION entries when it is set apart; null when they count
    /// against `allowedHours`.
    pub animation_allowed_hours: Option<f64>,
    /// Hours of ANIMATION that count against `animationAllowedHours` (0 when not apart).
    pub animation_used_hours: f64,
}

impl From<Budget> for TimeBudget {
    fn from(b: Budget) -> Self {
        TimeBudget {
            year: b.year,
            allowed_hours: service::hours(b.allowance.main),
            used_hours: service::hours(b.used),
            pending_hours: service::hours(b.pending),
            refused_hours: service::hours(b.refused),
            remaining_hours: service::hours((b.allowance.main - b.used).max(0)),
            animation_allowed_hours: b.allowance.animation.map(service::hours),
            animation_used_hours: service::hours(b.animation_used),
            budget: b,
        }
    }
}

#[ComplexObject]
impl TimeBudget {
    /// The entries of the year, oldest first; null for viewers who may see the totals
    /// only (the community's animators).
    #[graphql(complexity = "crate::graphql::connection::cost(first, None, child_complexity)")]
    async fn entries(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "How many items to return from the start of the list (after `after` if given): 0 to 100. When not given, a page holds 20 items; out of range is `BAD_USER_INPUT` naming `first`."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "Returns the items after this cursor (the `cursor` of an edge, or `pageInfo.endCursor`, of this same list). An unreadable cursor is `BAD_USER_INPUT` naming `after`."
        )]
        after: Option<String>,
    ) -> async_graphql::Result<Option<Conn<TimeEntry>>> {
        if !self.budget.entries_visible {
            return Ok(None);
        }
        let order = list_order::<DocumentOrder>(None);
        let req = page_request(first, after, None, None, order).gql()?;
        let (page, total) =
            service::entries_page(app(ctx), caller(ctx), &self.budget, &req, wants_count(ctx)).await.gql()?;
        Ok(Some(build(page, total, order, |m| m.id, TimeEntry::from)))
    }
}

/// Budgets by (person, community, year), for the viewer: a fixed number of statements
/// per batch.
pub struct TimeBudgetLoader {
    pub app: App,
    pub caller: Caller,
}

impl Loader<BudgetKey> for TimeBudgetLoader {
    type Value = Budget;
    type Error = LoadError;

    async fn load(&self, keys: &[BudgetKey]) -> Result<HashMap<BudgetKey, Self::Value>, Self::Error> {
        service::budgets(&self.app, &self.caller, keys).await.map_err(Arc::new)
    }
}

/// The viewer's rights on people's time, by (person, community).
pub struct TimeRightsLoader {
    pub app: App,
    pub caller: Caller,
}

impl Loader<(i32, i32)> for TimeRightsLoader {
    type Value = TimeRights;
    type Error = LoadError;

    async fn load(&self, keys: &[(i32, i32)]) -> Result<HashMap<(i32, i32), Self::Value>, Self::Error> {
        service::rights_of(&self.app, &self.caller, keys).await.map_err(Arc::new)
    }
}

/// `Person.timeBudget`: the budget, or null when the viewer may not see it (or the
/// community is not visible to them).
pub async fn time_budget(
    ctx: &Context<'_>,
    person_id: i32,
    community_id: &ID,
    year: Option<i32>,
) -> async_graphql::Result<Option<TimeBudget>> {
    let community = from_global("communityId", NodeKind::Community, community_id).gql()?;
    if let Some(y) = year
        && !service::YEARS.contains(&y)
    {
        return Err(crate::error::ServiceError::bad_input("year", crate::i18n::Message::new("budget-year-range")))
            .gql();
    }
    Ok(loader::<TimeBudgetLoader, _>(ctx).load_one((person_id, community, year)).await.gql()?.map(TimeBudget::from))
}

/// One line of an organization's time report.
#[derive(SimpleObject, Clone)]
pub struct TimeReportLine {
    /// The community.
    pub community_id: ID,
    /// Its name.
    pub community_name: String,
    /// The person (of the organization).
    pub person_id: ID,
    /// Their name.
    pub person_name: String,
    /// Hours that count (recorded within the allowance, or approved).
    pub counted_hours: f64,
    /// Hours waiting for a decision.
    pub pending_hours: f64,
    /// Hours refused.
    pub refused_hours: f64,
}

impl From<service::ReportRow> for TimeReportLine {
    fn from(r: service::ReportRow) -> Self {
        TimeReportLine {
            community_id: to_global(NodeKind::Community, r.community_id),
            community_name: r.community_name,
            person_id: to_global(NodeKind::Person, r.person_id),
            person_name: r.person_name,
            counted_hours: service::hours(r.counted),
            pending_hours: service::hours(r.pending),
            refused_hours: service::hours(r.refused),
        }
    }
}

/// An organization's participation settings as they apply.
#[derive(SimpleObject, Clone, Copy)]
pub struct ParticipationSettings {
    /// Hours each of its people may give each community per participation year, unless
    /// raised for one person.
    pub default_allowance_hours: f64,
    /// Month (1–12) its participation year starts.
    pub year_start_month: i32,
    /// Day of the month its participation year starts.
    pub year_start_day: i32,
}

impl From<service::Settings> for ParticipationSettings {
    fn from(s: service::Settings) -> Self {
        ParticipationSettings {
            default_allowance_hours: service::hours(s.allowance_quarters),
            year_start_month: i32::try_from(s.month).unwrap_or(1),
            year_start_day: i32::try_from(s.day).unwrap_or(1),
        }
    }
}

/// Input of `setParticipationSettings`.
#[derive(InputObject)]
pub struct SetParticipationSettingsInput {
    /// Global id of the organization.
    pub organization_id: ID,
    /// Hours per person, community and participation year (0 to 2000, quarter hours).
    pub default_allowance_hours: f64,
    /// Month its participation year starts (1–12).
    pub year_start_month: i32,
    /// Day of that month (February 29 is not allowed).
    pub year_start_day: i32,
}

/// Result of `setParticipationSettings`.
#[derive(SimpleObject)]
pub struct SetParticipationSettingsPayload {
    /// The settings as they now stand.
    pub settings: ParticipationSettings,
}

/// Input of `setTimeAllowance`.
#[derive(InputObject)]
pub struct SetTimeAllowanceInput {
    /// Global id of the community.
    pub community_id: ID,
    /// Global id of the person.
    pub person_id: ID,
    /// The calendar year in which the participation year starts.
    pub year: i32,
    /// Hours allowed (0 to 2000, quarter hours).
    pub hours: f64,
    /// A separate allowance for ANIMATION entries; null: they count against `hours`.
    pub animation_hours: Option<f64>,
}

/// Result of `setTimeAllowance`.
#[derive(SimpleObject)]
pub struct SetTimeAllowancePayload {
    /// The person's budget for that year, as it now stands.
    pub budget: Option<TimeBudget>,
}

/// Input of `logTime`.
#[derive(InputObject)]
pub struct LogTimeInput {
    /// Global id of a community the caller is an active member of.
    pub community_id: ID,
    /// The day (not in the future).
    pub date: NaiveDate,
    /// Hours, in quarter hours (more than 0; at most 24 a day across entries).
    pub hours: f64,
    /// What the time went to.
    pub category: TimeCategory,
    /// A note (at most 2,000 characters).
    pub note: Option<String>,
}

/// Result of `logTime`.
#[derive(SimpleObject)]
pub struct LogTimePayload {
    /// The entry recorded; when the time goes past the allowance, the part waiting for
    /// approval (the part within it is the first of `entries`).
    pub entry: TimeEntry,
    /// Every entry written: one, or two when the time was split at the allowance (the
    /// part within it RECORDED, the rest PENDING_APPROVAL).
    pub entries: Vec<TimeEntry>,
}

/// Input of `decideTimeOverrun`.
#[derive(InputObject)]
pub struct DecideTimeOverrunInput {
    /// Global id of an entry waiting for approval.
    pub entry_id: ID,
    /// Approve (the hours count) or refuse (they are kept and do not count).
    pub approve: bool,
    /// Why (required when refusing; at most 2,000 characters).
    pub reason: Option<String>,
}

/// Result of `decideTimeOverrun`.
#[derive(SimpleObject)]
pub struct DecideTimeOverrunPayload {
    /// The entry as decided.
    pub entry: TimeEntry,
}

/// Time budget queries.
#[derive(Default)]
pub struct TimeQuery;

#[Object]
impl TimeQuery {
    /// Time entries waiting for a decision the viewer may take (as sponsor of their
    /// people's organization, its manager where it names no sponsor, or network
    /// administrator), oldest first.
    #[graphql(complexity = "crate::graphql::connection::cost(first, None, child_complexity)")]
    async fn pending_time_approvals(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "How many items to return from the start of the list (after `after` if given): 0 to 100. When not given, a page holds 20 items; out of range is `BAD_USER_INPUT` naming `first`."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "Returns the items after this cursor (the `cursor` of an edge, or `pageInfo.endCursor`, of this same list). An unreadable cursor is `BAD_USER_INPUT` naming `after`."
        )]
        after: Option<String>,
    ) -> async_graphql::Result<Conn<TimeEntry>> {
        let order = list_order::<DocumentOrder>(None);
        let req = page_request(first, after, None, None, order).gql()?;
        let (page, total) =
            service::pending_approvals(app(ctx), caller(ctx), &req, connection::wants_count(ctx)).await.gql()?;
        Ok(build(page, total, order, |m| m.id, TimeEntry::from))
    }
}

/// Time budget mutations.
#[derive(Default)]
pub struct TimeMutation;

#[Object]
impl TimeMutation {
    /// Sets an organization's default allowance per person and community, and the day its
    /// participation year starts (its managers and administrators, network administrators).
    async fn set_participation_settings(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organization and its settings.")] input: SetParticipationSettingsInput,
    ) -> async_graphql::Result<SetParticipationSettingsPayload> {
        let organization = from_global("organizationId", NodeKind::Organization, &input.organization_id).gql()?;
        let saved = service::set_participation_settings(
            app(ctx),
            caller(ctx),
            organization,
            input.default_allowance_hours,
            input.year_start_month,
            input.year_start_day,
        )
        .await
        .gql()?;
        let settings = service::Settings {
            allowance_quarters: saved.default_allowance_quarters,
            month: u32::try_from(saved.year_start_month).unwrap_or(1),
            day: u32::try_from(saved.year_start_day).unwrap_or(1),
        };
        Ok(SetParticipationSettingsPayload { settings: settings.into() })
    }

    /// Sets one person's allowance in a community for a participation year (the sponsor
    /// of their own organization for the community, its managers where it names none,
    /// network administrators).
    async fn set_time_allowance(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The community, the person, the year and the hours.")] input: SetTimeAllowanceInput,
    ) -> async_graphql::Result<SetTimeAllowancePayload> {
        let community = from_global("communityId", NodeKind::Community, &input.community_id).gql()?;
        let person = from_global("personId", NodeKind::Person, &input.person_id).gql()?;
        let saved = service::set_allowance(
            app(ctx),
            caller(ctx),
            community,
            person,
            input.year,
            input.hours,
            input.animation_hours,
        )
        .await
        .gql()?;
        let budgets =
            service::budgets(app(ctx), caller(ctx), &[(saved.person_id, saved.community_id, Some(saved.year))])
                .await
                .gql()?;
        Ok(SetTimeAllowancePayload { budget: budgets.into_values().next().map(TimeBudget::from) })
    }

    /// Logs the caller's time in a community. Within their allowance it counts at once;
    /// past it, the overrun waits for the sponsor of their own organization.
    async fn log_time(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The community, the day, the hours and what they went to.")] input: LogTimeInput,
    ) -> async_graphql::Result<LogTimePayload> {
        let community_id = from_global("communityId", NodeKind::Community, &input.community_id).gql()?;
        let saved = service::log_time(
            app(ctx),
            caller(ctx),
            service::LogTime {
                community_id,
                date: input.date,
                hours: input.hours,
                category: input.category.into(),
                note: input.note,
            },
        )
        .await
        .gql()?;
        let entries: Vec<TimeEntry> = saved.into_iter().map(TimeEntry::from).collect();
        let entry = entries
            .last()
            .cloned()
            .ok_or_else(|| crate::error::ServiceError::Internal("no entry written".into()))
            .gql()?;
        Ok(LogTimePayload { entry, entries })
    }

    /// Approves or refuses time past a person's allowance (the sponsor of their own
    /// organization for the community, its managers where it names none, network
    /// administrators); a refusal says why.
    async fn decide_time_overrun(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The entry, the decision and its reason.")] input: DecideTimeOverrunInput,
    ) -> async_graphql::Result<DecideTimeOverrunPayload> {
        let entry = from_global("entryId", NodeKind::TimeEntry, &input.entry_id).gql()?;
        let saved =
            service::decide(app(ctx), caller(ctx), entry, input.approve, input.reason.as_deref()).await.gql()?;
        Ok(DecideTimeOverrunPayload { entry: saved.into() })
    }
}

//! Events of a community (or one of its subgroups): meetings, webinars, workshops, guest
//! talks… once or recurring by an RFC 5545 rule kept with its IANA time zone (13:00 local
//! stays 13:00 across daylight-saving changes), their occurrences (moved or cancelled one
//! at a time), RSVPs with a waiting list, and attendance.
//!
//! Who sees an event is decided by ONE SQL condition, [`visible_events`], reused by every
//! list, count, look-up by id and relation: the readers of its community's content (and
//! of its subgroup's, for a subgroup event), and beyond them the audience an animator
//! opened it to (every logged-in person for NETWORK, everyone for PUBLIC). An event the
//! caller may not see is `NOT_FOUND`, exactly like one that does not exist.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, TimeZone, Utc};
use entity::{
    community,
    enums::{AttendanceStatus, Audience, EventKind, EventMode, MembershipStatus, RsvpResponse},
    event, event_attendance, event_occurrence, event_organizer, event_rsvp, membership, subgroup,
};
use policy::{Action, Role};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait,
    sea_query::{Expr, Query, SelectStatement},
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::i18n::Message;

use super::{
    App, access,
    audit::{self, AuditRecord, AuditScope},
    community as communities, rich_text, validate,
};
use crate::{
    auth::Caller,
    error::{ServiceError, ServiceResult},
};

/// The widest window of occurrences one list may ask for.
pub const MAX_WINDOW_DAYS: i64 = 731;
/// The most events one list of occurrences considers (those the caller may see with an
/// occurrence in the window): beyond, a shorter window must be asked for.
pub const MAX_WINDOW_EVENTS: u64 = 500;

/// How many events a window's list may look at (visible, possibly in the window, such as
/// every open-ended series) before answering `BAD_USER_INPUT` on `to`.
pub const MAX_WINDOW_SCANNED: u64 = 5_000;
/// Events read per statement while a window is scanned.
const SCAN_BATCH: u64 = 50;
/// The longest an occurrence may last.
pub const MAX_DURATION_DAYS: i64 = 7;
/// The most guest speakers an event lists.
pub const MAX_SPEAKERS: usize = 20;
/// The most organizers an event lists.
pub const MAX_ORGANIZERS: usize = 20;
/// The largest capacity.
pub const MAX_CAPACITY: i32 = 100_000;
/// The most occurrences a series with `COUNT` may have.
pub const MAX_COUNT: u32 = 1_000;
/// The most series a community may hold that have not ended (open-ended ones, or those
/// ending later): every window to come scans them all.
pub const MAX_LIVE_SERIES: u64 = 50;
/// The most events a community may hold that have not ended (series and single events):
/// below [`MAX_WINDOW_EVENTS`], so that no member can make its lists fail.
pub const MAX_LIVE_EVENTS: u64 = 400;
/// The most recurring series that have not ended one person may have created in a
/// community whose events they do not manage (its animators have no such limit).
pub const MAX_OWN_LIVE_SERIES: u64 = 10;
/// The most events that have not ended one person may have created in a community whose
/// events they do not manage.
pub const MAX_OWN_LIVE_EVENTS: u64 = 50;
/// The most events one person may create in one community in 24 hours (past events
/// included, which the bounds on events to come do not cover).
pub const MAX_CREATED_PER_DAY: u64 = 100;
/// Longest recurrence rule.
const RULE_MAX: usize = 500;
/// Longest place.
const PLACE_MAX: usize = 300;
/// The most occurrences one expansion of a rule gives: more than a window holds (at most
/// one a day).
const MAX_OCCURRENCES: u16 = 2_000;

/// A guest speaker (they need not be people of the network).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Speaker {
    pub name: String,
    #[serde(default)]
    pub affiliation: Option<String>,
}

/// The speakers stored on an event.
pub fn speakers_of(event: &event::Model) -> Vec<Speaker> {
    serde_json::from_str(&event.speakers).unwrap_or_default()
}

// ---- Visibility ------------------------------------------------------------------------

/// Sub-query: communities whose content the caller may read (they may see the community
/// and the policy lets them read it), as `node(id:)` decides for threads.
fn readable_communities(app: &App, caller: &Caller) -> SelectStatement {
    community::Entity::find()
        .select_only()
        .column(community::Column::Id)
        .filter(access::visible_communities(&app.auth, app.db.get_database_backend(), caller))
        .filter(access::communities_allowing(&app.auth, caller, Action::Read))
        .into_query()
}

/// THE condition on `event` rows the caller may see, used by every path: readers of the
/// community's content (and, for a subgroup event, of the subgroup's); and, for events
/// of the community itself, the wider audience an animator opened them to.
pub fn visible_events(app: &App, caller: &Caller) -> Condition {
    let readable_subgroups = subgroup::Entity::find()
        .select_only()
        .column(subgroup::Column::Id)
        .filter(access::readable_subgroups(&app.auth, caller))
        .into_query();
    let members = Condition::all().add(event::Column::CommunityId.in_subquery(readable_communities(app, caller))).add(
        Condition::any()
            .add(event::Column::SubgroupId.is_null())
            .add(event::Column::SubgroupId.in_subquery(readable_subgroups)),
    );
    let mut wider = vec![Audience::Public];
    if caller.viewer.is_some() {
        wider.push(Audience::Network);
    }
    Condition::any()
        .add(members)
        .add(Condition::all().add(event::Column::SubgroupId.is_null()).add(event::Column::Audience.is_in(wider)))
}

/// Events the caller may see.
pub fn events_select(app: &App, caller: &Caller) -> sea_orm::Select<event::Entity> {
    event::Entity::find().filter(visible_events(app, caller))
}

/// The event, if the caller may see it.
pub async fn visible_event<C: ConnectionTrait>(
    app: &App,
    db: &C,
    caller: &Caller,
    id: i32,
) -> ServiceResult<Option<event::Model>> {
    Ok(events_select(app, caller).filter(event::Column::Id.eq(id)).one(db).await?)
}

/// Events by id that the caller may see.
pub async fn visible_events_by_ids(app: &App, caller: &Caller, ids: &[i32]) -> ServiceResult<Vec<event::Model>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(events_select(app, caller).filter(event::Column::Id.is_in(ids.iter().copied())).all(&app.db).await?)
}

/// What the caller may do with an event they see.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EventPermissions {
    /// Edit and cancel it, take attendance.
    pub manage: bool,
    /// Answer whether they come (anyone logged in who sees it).
    pub rsvp: bool,
}

/// The caller's roles in the event's community (`None`: they may not see it).
async fn roles_in<C: ConnectionTrait>(
    app: &App,
    db: &C,
    caller: &Caller,
    community_id: i32,
) -> ServiceResult<Option<(community::Model, Vec<Role>)>> {
    Ok(communities::find_with_ties(app, db, caller, communities::Key::Id(community_id)).await?.map(|(c, ties)| {
        let roles = ties.roles(caller);
        (c, roles)
    }))
}

/// What the rule says once the caller's roles in the event's community are known.
enum Decision {
    Manage,
    No,
    /// They organize a subgroup's event: they manage it while they may post there.
    IfPostsIn(i32),
}

/// The rule of [`permissions`]: who the policy lets manage the community's events, and
/// organizers while the policy still lets them create events there.
fn decide(app: &App, event: &event::Model, community: &community::Model, roles: &[Role], organizer: bool) -> Decision {
    if access::allowed(&app.auth, roles, community, Action::ManageEvents) {
        return Decision::Manage;
    }
    if organizer && access::allowed(&app.auth, roles, community, Action::CreateEvent) {
        return event.subgroup_id.map_or(Decision::Manage, Decision::IfPostsIn);
    }
    Decision::No
}

/// What the caller may do with this (visible) event: organizers while the policy still
/// lets them create events there (and post in its subgroup), and whoever the policy lets
/// manage the community's events.
pub async fn permissions<C: ConnectionTrait>(
    app: &App,
    db: &C,
    caller: &Caller,
    event: &event::Model,
) -> ServiceResult<EventPermissions> {
    let Some(person_id) = caller.person_id() else { return Ok(EventPermissions::default()) };
    let mut perms = EventPermissions { manage: false, rsvp: !event.cancelled };
    let Some((community, roles)) = roles_in(app, db, caller, event.community_id).await? else { return Ok(perms) };
    let organizer = is_organizer(db, event.id, person_id).await?;
    perms.manage = match decide(app, event, &community, &roles, organizer) {
        Decision::Manage => true,
        Decision::No => false,
        Decision::IfPostsIn(subgroup_id) => access::subgroup_permissions(&app.auth, db, caller, subgroup_id).await?.1,
    };
    Ok(perms)
}

/// [`permissions`] for many events at once (`viewerCan` of a list), by event id, in four
/// statements whatever their number (and one per subgroup whose events the caller
/// organizes without managing the community's).
pub async fn permissions_by_ids(
    app: &App,
    caller: &Caller,
    event_ids: &[i32],
) -> ServiceResult<HashMap<i32, EventPermissions>> {
    let Some(person_id) = caller.person_id() else {
        return Ok(event_ids.iter().map(|id| (*id, EventPermissions::default())).collect());
    };
    if event_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let events = event::Entity::find().filter(event::Column::Id.is_in(event_ids.iter().copied())).all(&app.db).await?;
    let mut community_ids: Vec<i32> = events.iter().map(|e| e.community_id).collect();
    community_ids.sort_unstable();
    community_ids.dedup();
    let found: HashMap<i32, community::Model> =
        communities::visible_by_ids(app, caller, &community_ids).await?.into_iter().map(|c| (c.id, c)).collect();
    let ties = communities::ties_to(&app.db, caller, &community_ids).await?;
    let organizing: HashSet<i32> = event_organizer::Entity::find()
        .filter(event_organizer::Column::EventId.is_in(event_ids.iter().copied()))
        .filter(event_organizer::Column::PersonId.eq(person_id))
        .all(&app.db)
        .await?
        .into_iter()
        .map(|o| o.event_id)
        .collect();
    let mut posts_in: HashMap<i32, bool> = HashMap::new();
    let mut out = HashMap::with_capacity(events.len());
    for event in &events {
        let mut perms = EventPermissions { manage: false, rsvp: !event.cancelled };
        if let Some(community) = found.get(&event.community_id) {
            let roles = ties.get(&community.id).cloned().unwrap_or_default().roles(caller);
            perms.manage = match decide(app, event, community, &roles, organizing.contains(&event.id)) {
                Decision::Manage => true,
                Decision::No => false,
                Decision::IfPostsIn(subgroup_id) => match posts_in.get(&subgroup_id) {
                    Some(known) => *known,
                    None => {
                        let can = access::subgroup_permissions(&app.auth, &app.db, caller, subgroup_id).await?.1;
                        posts_in.insert(subgroup_id, can);
                        can
                    }
                },
            };
        }
        out.insert(event.id, perms);
    }
    Ok(out)
}

async fn is_organizer<C: ConnectionTrait>(db: &C, event_id: i32, person_id: i32) -> ServiceResult<bool> {
    Ok(event_organizer::Entity::find()
        .filter(event_organizer::Column::EventId.eq(event_id))
        .filter(event_organizer::Column::PersonId.eq(person_id))
        .count(db)
        .await?
        > 0)
}

/// The organizers of events whom the caller may name, by event, in one statement: those
/// whose membership of the event's community the caller may see (as on their profile and
/// in `Community.members`). An event opened to the network or
/// the public names nobody of a community the caller may not see or list the members of:
/// naming its organizers would reveal who belongs to it.
pub async fn visible_organizers(
    app: &App,
    caller: &Caller,
    event_ids: &[i32],
) -> ServiceResult<HashMap<i32, Vec<i32>>> {
    use sea_orm::sea_query::ExprTrait as _;
    if caller.viewer.is_none() || event_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let community_of_event = Query::select()
        .column((event::Entity, event::Column::CommunityId))
        .from(event::Entity)
        .and_where(
            Expr::col((event::Entity, event::Column::Id))
                .equals((event_organizer::Entity, event_organizer::Column::EventId)),
        )
        .to_owned();
    let listed = membership::Entity::find()
        .select_only()
        .column(membership::Column::Id)
        .filter(
            Expr::col((membership::Entity, membership::Column::PersonId))
                .equals((event_organizer::Entity, event_organizer::Column::PersonId)),
        )
        .filter(membership::Column::CommunityId.in_subquery(community_of_event))
        .filter(access::visible_memberships_of(&app.auth, app.db.get_database_backend(), caller, None))
        .into_query();
    let rows = event_organizer::Entity::find()
        .filter(event_organizer::Column::EventId.is_in(event_ids.iter().copied()))
        .filter(Expr::exists(listed))
        .order_by_asc(event_organizer::Column::Id)
        .all(&app.db)
        .await?;
    let mut by_event: HashMap<i32, Vec<i32>> = HashMap::new();
    for row in rows {
        by_event.entry(row.event_id).or_default().push(row.person_id);
    }
    Ok(by_event)
}

/// The organizers of events, by event (for writing: whoever may see them).
async fn organizers_of<C: ConnectionTrait>(db: &C, event_ids: &[i32]) -> ServiceResult<HashMap<i32, Vec<i32>>> {
    let rows = event_organizer::Entity::find()
        .filter(event_organizer::Column::EventId.is_in(event_ids.iter().copied()))
        .order_by_asc(event_organizer::Column::Id)
        .all(db)
        .await?;
    let mut by_event: HashMap<i32, Vec<i32>> = HashMap::new();
    for row in rows {
        by_event.entry(row.event_id).or_default().push(row.person_id);
    }
    Ok(by_event)
}

// ---- Time and recurrence --------------------------------------------------------------

/// Reads an IANA time zone name.
pub fn time_zone(field: &str, name: &str) -> ServiceResult<chrono_tz::Tz> {
    let name = name.trim();
    if name.is_empty() || name.len() > 64 {
        return Err(ServiceError::bad_input(field, Message::new("time-zone-format")));
    }
    name.parse::<chrono_tz::Tz>().map_err(|_| ServiceError::bad_input(field, Message::new("time-zone-unknown")))
}

/// A recurrence rule checked against its first start: RFC 5545 `RRULE` value, at most
/// daily, times of day taken from the start (no `BYHOUR`, `BYMINUTE`, `BYSECOND`), a
/// `COUNT` of at most [`MAX_COUNT`], and at least one occurrence.
pub fn parse_rule(field: &str, text: &str, start: DateTime<Utc>, tz: chrono_tz::Tz) -> ServiceResult<String> {
    let bad = |id: &'static str| ServiceError::bad_input(field, Message::new(id));
    let text = text.trim();
    let text = text.strip_prefix("RRULE:").unwrap_or(text);
    if text.is_empty() || text.len() > RULE_MAX || text.contains(['\n', '\r']) {
        return Err(bad("rrule-format"));
    }
    let rule: rrule::RRule<rrule::Unvalidated> = text.parse().map_err(|e: rrule::RRuleError| {
        ServiceError::bad_input(field, Message::new("rrule-invalid").arg("detail", e.to_string()))
    })?;
    if matches!(rule.get_freq(), rrule::Frequency::Hourly | rrule::Frequency::Minutely | rrule::Frequency::Secondly) {
        return Err(bad("rrule-too-frequent"));
    }
    if !rule.get_by_hour().is_empty() || !rule.get_by_minute().is_empty() || !rule.get_by_second().is_empty() {
        return Err(bad("rrule-time-of-day"));
    }
    if rule.get_count().is_some_and(|c| c == 0 || c > MAX_COUNT) {
        return Err(ServiceError::bad_input(field, Message::new("rrule-count").arg("max", MAX_COUNT)));
    }
    // A counted series is expanded from its first start at every read. A daily or weekly
    // one that keeps only some months or days of the year (COUNT=25;BYMONTH=2;
    // BYMONTHDAY=29) would step through every day of decades to find them: such a series
    // is written with FREQ=MONTHLY or FREQ=YEARLY.
    if rule.get_count().is_some()
        && matches!(rule.get_freq(), rrule::Frequency::Daily | rrule::Frequency::Weekly)
        && (!rule.get_by_month().is_empty()
            || !rule.get_by_month_day().is_empty()
            || !rule.get_by_year_day().is_empty()
            || !rule.get_by_week_no().is_empty())
    {
        return Err(bad("rrule-count-filter"));
    }
    let local = start.with_timezone(&rrule::Tz::Tz(tz));
    // Kept as written (normalized), not as validated: validation fills in the parts the
    // start implies (BYHOUR…), which must follow the start when it moves.
    let normalized = rule.to_string();
    let validated = rule
        .validate(local)
        .map_err(|e| ServiceError::bad_input(field, Message::new("rrule-invalid").arg("detail", e.to_string())))?;
    let set = rrule::RRuleSet::new(local).rrule(validated);
    if set.clone().all(1).dates.is_empty() {
        return Err(bad("rrule-empty"));
    }
    // A counted series is expanded from its first start at every read: it must end
    // within the years occurrences may have (COUNT=1000 of February 29ths would not).
    // Expanded up to 2200 only, so that the check costs no more than the reads will.
    if let Some(count) = rule_count(&normalized) {
        let all = set.before(bound(2200).with_timezone(&rrule::Tz::Tz(tz))).all(count.saturating_add(1));
        let last = all.dates.last().map(|d| d.with_timezone(&Utc));
        if all.limited || all.dates.len() < usize::from(count) || last.is_none_or(|d| d >= bound(2200)) {
            return Err(bad("rrule-count-end"));
        }
    }
    Ok(normalized)
}

/// The `COUNT` of a rule, if it has one.
fn rule_count(rule: &str) -> Option<u16> {
    let parsed: rrule::RRule<rrule::Unvalidated> = rule.parse().ok()?;
    parsed.get_count().and_then(|c| u16::try_from(c).ok())
}

/// An event's rule, validated against its first start (which fills in what the rule
/// leaves to the start: the time of day, the day of the week or month…), with that
/// start in the event's zone.
fn rule_of(event: &event::Model) -> ServiceResult<Option<(rrule::RRule, DateTime<rrule::Tz>)>> {
    let Some(text) = &event.recurrence else { return Ok(None) };
    let tz = time_zone("timeZone", &event.time_zone).map_err(|_| internal("stored time zone"))?;
    let local = event.starts_at.with_timezone(&rrule::Tz::Tz(tz));
    let rule: rrule::RRule<rrule::Unvalidated> = text.parse().map_err(|_| internal("stored rule"))?;
    let rule = rule.validate(local).map_err(|_| internal("stored rule"))?;
    Ok(Some((rule, local)))
}

fn internal(what: &str) -> ServiceError {
    ServiceError::Internal(format!("event: unreadable {what}"))
}

/// Where the expansion of a rule may start to find its occurrences from `from` on: the
/// first instant of the latest period of the rule (day, week, month or year, every
/// `INTERVAL`, counted from the series' start) that begins before `from`. Periods are
/// what the rule's parts select within, so the occurrences from that period on are
/// exactly the series' own, and a series that started decades ago costs no more than one
/// that started last week. A rule with `COUNT` must be counted from its start (at most
/// [`MAX_COUNT`] occurrences): its start is kept, as it is when `from` is in its first
/// periods.
fn expansion_start(rule: &rrule::RRule, start: DateTime<rrule::Tz>, from: DateTime<Utc>) -> DateTime<rrule::Tz> {
    use chrono::{Datelike, NaiveDate};
    if rule.get_count().is_some() {
        return start;
    }
    let tz = start.timezone();
    let first = start.date_naive();
    let target = from.with_timezone(&tz).date_naive() - Duration::days(1);
    if target <= first {
        return start;
    }
    let interval = i64::from(rule.get_interval().max(1));
    let whole = |periods: i64| periods.div_euclid(interval) * interval;
    let months = |d: NaiveDate| i64::from(d.year()) * 12 + i64::from(d.month0());
    let anchor: Option<NaiveDate> = match rule.get_freq() {
        rrule::Frequency::Daily => first.checked_add_signed(Duration::days(whole((target - first).num_days()))),
        rrule::Frequency::Weekly => {
            let wkst = rule.get_week_start().num_days_from_monday();
            let back = |d: NaiveDate| {
                let days = (7 + d.weekday().num_days_from_monday() - wkst) % 7;
                d - Duration::days(i64::from(days))
            };
            let (week0, week) = (back(first), back(target));
            week0.checked_add_signed(Duration::weeks(whole((week - week0).num_weeks())))
        }
        rrule::Frequency::Monthly => {
            let m = months(first) + whole(months(target) - months(first));
            i32::try_from(m.div_euclid(12))
                .ok()
                .and_then(|y| NaiveDate::from_ymd_opt(y, u32::try_from(m.rem_euclid(12)).ok()? + 1, 1))
        }
        rrule::Frequency::Yearly => {
            let y = i64::from(first.year()) + whole(i64::from(target.year() - first.year()));
            i32::try_from(y).ok().and_then(|y| NaiveDate::from_ymd_opt(y, 1, 1))
        }
        _ => None,
    };
    let Some(anchor) = anchor.filter(|a| *a > first) else { return start };
    // The first instant of that day in the zone (midnight, unless a change skips it).
    (0..4)
        .find_map(|hour| anchor.and_hms_opt(hour, 0, 0).and_then(|t| tz.from_local_datetime(&t).earliest()))
        .unwrap_or(start)
}

/// The original starts of an event's occurrences that overlap `[from, to)` (at most
/// [`MAX_OCCURRENCES`]).
pub fn original_starts(
    event: &event::Model,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> ServiceResult<Vec<DateTime<Utc>>> {
    let length = event.ends_at - event.starts_at;
    let Some((rule, start)) = rule_of(event)? else {
        return Ok(if event.starts_at < to && event.ends_at > from { vec![event.starts_at] } else { Vec::new() });
    };
    let tz = start.timezone();
    let earliest = from - length;
    let set = rrule::RRuleSet::new(expansion_start(&rule, start, earliest))
        .rrule(rule)
        .after(earliest.with_timezone(&tz))
        .before(to.with_timezone(&tz));
    Ok(set
        .all(MAX_OCCURRENCES)
        .dates
        .into_iter()
        .map(|local| local.with_timezone(&Utc))
        .filter(|start| *start < to && *start + length > from)
        .collect())
}

/// Whether `start` is an original start of the event's occurrences.
pub fn is_occurrence(event: &event::Model, start: DateTime<Utc>) -> ServiceResult<bool> {
    Ok(original_starts(event, start, start + Duration::seconds(1))?.contains(&start))
}

/// When the last occurrence of a rule ends (`None`: never).
fn series_end(
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    rule: Option<&str>,
    tz: chrono_tz::Tz,
) -> Option<DateTime<Utc>> {
    let Some(rule) = rule else { return Some(end) };
    let local = start.with_timezone(&rrule::Tz::Tz(tz));
    let parsed: rrule::RRule<rrule::Unvalidated> = rule.parse().ok()?;
    if parsed.get_count().is_none() {
        // UNTIL bounds the series from above; expanding a daily series over two centuries
        // to find its last day exactly would cost more than the scans it spares.
        return parsed.get_until().map(|until| until.with_timezone(&Utc) + (end - start));
    }
    let set = rrule::RRuleSet::new(local).rrule(parsed.validate(local).ok()?);
    let last = set.all(u16::MAX).dates.last().map(|d| d.with_timezone(&Utc))?;
    Some(last + (end - start))
}

/// A rule in its normal form (the order and spelling the rule crate writes).
fn normalize(rule: &str) -> String {
    rule.parse::<rrule::RRule<rrule::Unvalidated>>().map_or_else(|_| rule.to_owned(), |r| r.to_string())
}

/// A rule cut to end before `split` (its occurrences from `split` on go to another
/// event): `UNTIL` one second before it, or the `COUNT` of the occurrences before it.
fn rule_before(rule: &str, kept: usize, split: DateTime<Utc>) -> String {
    let mut parts: Vec<String> =
        rule.split(';').filter(|p| !p.starts_with("UNTIL=") && !p.starts_with("COUNT=")).map(str::to_owned).collect();
    if rule.split(';').any(|p| p.starts_with("COUNT=")) {
        parts.push(format!("COUNT={kept}"));
    } else {
        parts.push(format!("UNTIL={}", (split - Duration::seconds(1)).format("%Y%m%dT%H%M%SZ")));
    }
    normalize(&parts.join(";"))
}

/// The rule of the series that takes over from the `kept`-th occurrence on.
fn rule_after(rule: &str, kept: usize) -> String {
    let rule = rule
        .split(';')
        .map(|p| match p.strip_prefix("COUNT=").and_then(|n| n.parse::<usize>().ok()) {
            Some(n) => format!("COUNT={}", n.saturating_sub(kept).max(1)),
            None => p.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(";");
    normalize(&rule)
}

// ---- Occurrences -----------------------------------------------------------------------

/// One occurrence of an event, as people see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    pub event: event::Model,
    /// The start its rule gives it (its key).
    pub original_start: DateTime<Utc>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub title: String,
    pub place: Option<String>,
    /// Moved, renamed or relocated on its own.
    pub changed: bool,
    /// Cancelled on its own, or with its whole event.
    pub cancelled: bool,
}

impl Occurrence {
    fn of(event: &event::Model, original_start: DateTime<Utc>, own: Option<&event_occurrence::Model>) -> Self {
        let length = event.ends_at - event.starts_at;
        match own {
            Some(o) => Occurrence {
                event: event.clone(),
                original_start,
                starts_at: o.starts_at,
                ends_at: o.ends_at,
                title: o.title.clone().unwrap_or_else(|| event.title.clone()),
                place: o.place.clone().or_else(|| event.place.clone()),
                changed: true,
                cancelled: o.cancelled || event.cancelled,
            },
            None => Occurrence {
                event: event.clone(),
                original_start,
                starts_at: original_start,
                ends_at: original_start + length,
                title: event.title.clone(),
                place: event.place.clone(),
                changed: false,
                cancelled: event.cancelled,
            },
        }
    }

    /// What orders it in lists, and where a page stops.
    pub fn key(&self) -> OccurrenceKey {
        (self.starts_at.timestamp(), self.event.id, self.original_start.timestamp())
    }

    /// Its length in quarter hours (the default of attendance hours).
    pub fn quarter_hours(&self) -> i32 {
        i32::try_from((self.ends_at - self.starts_at).num_minutes() / 15).unwrap_or(0)
    }
}

/// Checks a window of time asked for.
pub fn check_window(from: DateTime<Utc>, to: DateTime<Utc>) -> ServiceResult<()> {
    // Occurrences exist from 2000 (the earliest start) to 2200 (the latest an occurrence
    // may be named by); far dates would overflow the date arithmetic of expansion.
    if from < bound(1970) {
        return Err(ServiceError::bad_input("from", Message::new("window-from-early")));
    }
    if to > bound(2200) {
        return Err(ServiceError::bad_input("to", Message::new("window-to-late")));
    }
    if to <= from {
        return Err(ServiceError::bad_input("to", Message::new("window-to-before-from")));
    }
    if to - from > Duration::days(MAX_WINDOW_DAYS) {
        return Err(ServiceError::bad_input("to", Message::new("window-too-long").arg("days", MAX_WINDOW_DAYS)));
    }
    Ok(())
}

/// The first instant of `year` (UTC).
fn bound(year: i32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(year, 1, 1, 0, 0, 0).single().unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// Which events a list of occurrences is drawn from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventsOf {
    /// Every event the caller may see.
    All,
    /// Those of one community.
    Community(i32),
    /// One event.
    Event(i32),
}

/// A page of occurrences asked for.
#[derive(Debug, Clone, Copy)]
pub struct OccurrenceQuery {
    pub events: EventsOf,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// Only the occurrences after this key.
    pub after: Option<OccurrenceKey>,
    /// How many (at most [`crate::service::page::MAX_PAGE_SIZE`] in practice).
    pub first: usize,
    /// Only occurrences to come (starting at `from` or later) and not cancelled.
    pub upcoming: bool,
}

/// What orders occurrences, and where a page stops: (start, event, original start), in
/// whole seconds since the epoch.
pub type OccurrenceKey = (i64, i32, i64);

/// A page of occurrences: those after the key asked for, in order, how many the whole
/// window holds, and whether more follow.
#[derive(Debug, Clone)]
pub struct OccurrencePage {
    pub items: Vec<Occurrence>,
    pub total: u64,
    pub has_next: bool,
}

/// An occurrence kept for a page while the window is scanned: its key, and its own row
/// when moved or cancelled on its own (the event is kept once, by id).
struct Candidate {
    key: OccurrenceKey,
    original_start: DateTime<Utc>,
    own: Option<event_occurrence::Model>,
}

impl PartialEq for Candidate {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl Eq for Candidate {}
impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Candidate {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key.cmp(&other.key)
    }
}

/// A page of the occurrences the caller may see that overlap `[from, to)`, in order of
/// start (cancelled ones included, marked, unless `upcoming`).
///
/// The events of the window are read from the database [`SCAN_BATCH`] at a time, in
/// order of id, and each is expanded for the window alone; only the page being built is
/// kept (its occurrences and their events), so memory does not grow with the number of
/// events or occurrences. A window holding more than [`MAX_WINDOW_EVENTS`] events the
/// caller may see is `BAD_USER_INPUT` on `to`: a shorter one must be asked for.
pub async fn occurrence_page(app: &App, caller: &Caller, q: OccurrenceQuery) -> ServiceResult<OccurrencePage> {
    let OccurrenceQuery { from, to, .. } = q;
    check_window(from, to)?;
    let moved_in = event_occurrence::Entity::find()
        .select_only()
        .column(event_occurrence::Column::EventId)
        .filter(event_occurrence::Column::StartsAt.lt(to))
        .filter(event_occurrence::Column::EndsAt.gt(from))
        .into_query();
    let in_window =
        Condition::any()
            .add(Condition::all().add(event::Column::StartsAt.lt(to)).add(
                Condition::any().add(event::Column::SeriesEndsAt.is_null()).add(event::Column::SeriesEndsAt.gt(from)),
            ))
            .add(event::Column::Id.in_subquery(moved_in));
    let mut select = events_select(app, caller).filter(in_window);
    match q.events {
        EventsOf::All => {}
        EventsOf::Community(id) => select = select.filter(event::Column::CommunityId.eq(id)),
        EventsOf::Event(id) => select = select.filter(event::Column::Id.eq(id)),
    }
    let keep = q.first.saturating_add(1);
    let mut best: std::collections::BinaryHeap<Candidate> = std::collections::BinaryHeap::with_capacity(keep + 1);
    let mut kept_events: HashMap<i32, event::Model> = HashMap::new();
    let mut total: u64 = 0;
    let mut scanned: u64 = 0;
    let mut present: HashSet<i32> = HashSet::new();
    let too_many =
        || ServiceError::bad_input("to", Message::new("window-too-many-events").arg("max", MAX_WINDOW_EVENTS));
    let mut last_id = 0;
    loop {
        let batch = select
            .clone()
            .filter(event::Column::Id.gt(last_id))
            .order_by_asc(event::Column::Id)
            .limit(SCAN_BATCH)
            .all(&app.db)
            .await?;
        let Some(last) = batch.last() else { break };
        last_id = last.id;
        let full = batch.len() as u64 == SCAN_BATCH;
        scanned += batch.len() as u64;
        if scanned > MAX_WINDOW_SCANNED {
            return Err(too_many());
        }
        let mut entered = HashSet::new();
        each_occurrence(&app.db, &batch, from, to, |event, original_start, own| {
            present.insert(event.id);
            let o = Occurrence::of(event, original_start, own);
            if q.upcoming && (o.cancelled || o.starts_at < from) {
                return;
            }
            total += 1;
            let key = o.key();
            if q.after.is_some_and(|after| key <= after) {
                return;
            }
            if best.len() == keep && best.peek().is_some_and(|worst| worst.key <= key) {
                return;
            }
            best.push(Candidate { key, original_start, own: own.cloned() });
            if best.len() > keep {
                best.pop();
            }
            entered.insert(event.id);
        })
        .await?;
        // Only events with an occurrence in the window count: open-ended series that
        // recur elsewhere (a weekly series in a one-day window) do not.
        if present.len() as u64 > MAX_WINDOW_EVENTS {
            return Err(too_many());
        }
        // Keep the events the page still names (at most one per place on the page).
        let named: HashSet<i32> = best.iter().map(|c| c.key.1).collect();
        kept_events.retain(|id, _| named.contains(id));
        for event in batch {
            if entered.contains(&event.id) && named.contains(&event.id) {
                kept_events.insert(event.id, event);
            }
        }
        if !full {
            break;
        }
    }
    let mut page: Vec<Candidate> = best.into_sorted_vec();
    let has_next = page.len() > q.first;
    page.truncate(q.first);
    let items = page
        .into_iter()
        .filter_map(|c| {
            let event = kept_events.get(&c.key.1)?;
            Some(Occurrence::of(event, c.original_start, c.own.as_ref()))
        })
        .collect();
    Ok(OccurrencePage { items, total, has_next })
}

/// Calls `visit` with each occurrence of these (visible) events that overlaps
/// `[from, to)`: its event, its original start, and its own row when moved or cancelled
/// on its own (those moved into the window from outside it included).
async fn each_occurrence<C: ConnectionTrait>(
    db: &C,
    events: &[event::Model],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    mut visit: impl FnMut(&event::Model, DateTime<Utc>, Option<&event_occurrence::Model>),
) -> ServiceResult<()> {
    if events.is_empty() {
        return Ok(());
    }
    let longest = Duration::days(MAX_DURATION_DAYS);
    let own = event_occurrence::Entity::find()
        .filter(event_occurrence::Column::EventId.is_in(events.iter().map(|e| e.id)))
        .filter(
            Condition::any()
                .add(
                    Condition::all()
                        .add(event_occurrence::Column::StartsAt.lt(to))
                        .add(event_occurrence::Column::EndsAt.gt(from)),
                )
                .add(
                    Condition::all()
                        .add(event_occurrence::Column::OriginalStart.lt(to))
                        .add(event_occurrence::Column::OriginalStart.gt(from - longest)),
                ),
        )
        .all(db)
        .await?;
    let mut own_by: HashMap<(i32, DateTime<Utc>), event_occurrence::Model> =
        own.into_iter().map(|o| ((o.event_id, o.original_start), o)).collect();
    for event in events {
        for start in original_starts(event, from, to)? {
            let own = own_by.remove(&(event.id, start));
            let (starts_at, ends_at) =
                own.as_ref().map_or((start, start + (event.ends_at - event.starts_at)), |o| (o.starts_at, o.ends_at));
            if starts_at < to && ends_at > from {
                visit(event, start, own.as_ref());
            }
        }
    }
    // Occurrences moved into the window from outside it.
    let by_id: HashMap<i32, &event::Model> = events.iter().map(|e| (e.id, e)).collect();
    for ((event_id, start), o) in own_by {
        if o.starts_at < to
            && o.ends_at > from
            && let Some(event) = by_id.get(&event_id)
        {
            visit(event, start, Some(&o));
        }
    }
    Ok(())
}

/// One occurrence by its key, if the caller may see its event and the key is one of its
/// occurrences.
pub async fn visible_occurrence<C: ConnectionTrait>(
    app: &App,
    db: &C,
    caller: &Caller,
    event_id: i32,
    original_start: DateTime<Utc>,
) -> ServiceResult<Option<Occurrence>> {
    let Some(event) = visible_event(app, db, caller, event_id).await? else { return Ok(None) };
    occurrence_of(db, &event, original_start).await
}

/// The occurrence of a (visible) event with this original start, if it is one.
pub async fn occurrence_of<C: ConnectionTrait>(
    db: &C,
    event: &event::Model,
    original_start: DateTime<Utc>,
) -> ServiceResult<Option<Occurrence>> {
    if !is_occurrence(event, original_start)? {
        return Ok(None);
    }
    let own = event_occurrence::Entity::find()
        .filter(event_occurrence::Column::EventId.eq(event.id))
        .filter(event_occurrence::Column::OriginalStart.eq(original_start))
        .one(db)
        .await?;
    Ok(Some(Occurrence::of(event, original_start, own.as_ref())))
}

// ---- Writing ---------------------------------------------------------------------------

/// What an event says, as given to [`create`] (and, each field optional, to [`update`]).
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub community_id: i32,
    pub subgroup_id: Option<i32>,
    pub kind: EventKind,
    pub title: String,
    pub agenda: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub time_zone: String,
    pub recurrence: Option<String>,
    pub mode: EventMode,
    pub place: Option<String>,
    pub join_url: Option<String>,
    pub capacity: Option<i32>,
    pub audience: Audience,
    pub speakers: Vec<Speaker>,
    pub organizer_ids: Vec<i32>,
}

/// The checked fields of an event.
#[derive(Debug, Clone)]
struct Checked {
    title: String,
    agenda: String,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    time_zone: chrono_tz::Tz,
    recurrence: Option<String>,
    place: Option<String>,
    join_url: Option<String>,
    capacity: Option<i32>,
    speakers: String,
}

fn check_times(starts_at: DateTime<Utc>, ends_at: DateTime<Utc>) -> ServiceResult<()> {
    let earliest = Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0).single().unwrap_or(starts_at);
    let latest = Utc.with_ymd_and_hms(2100, 1, 1, 0, 0, 0).single().unwrap_or(starts_at);
    if starts_at < earliest || starts_at >= latest {
        return Err(ServiceError::bad_input("startsAt", Message::new("event-start-range")));
    }
    if ends_at <= starts_at {
        return Err(ServiceError::bad_input("endsAt", Message::new("event-end-before-start")));
    }
    if ends_at - starts_at > Duration::days(MAX_DURATION_DAYS) {
        return Err(ServiceError::bad_input("endsAt", Message::new("event-too-long").arg("days", MAX_DURATION_DAYS)));
    }
    Ok(())
}

fn check_place(field: &str, place: Option<&str>) -> ServiceResult<Option<String>> {
    let place = validate::optional_text(field, place, PLACE_MAX)?;
    Ok(place.filter(|p| !p.is_empty()))
}

fn check(input: &NewEvent) -> ServiceResult<Checked> {
    let title = validate::required_text("title", &input.title, validate::TITLE_MAX)?;
    let agenda = validate::multiline("agenda", &input.agenda, validate::BODY_MAX)?;
    let time_zone = time_zone("timeZone", &input.time_zone)?;
    check_times(input.starts_at, input.ends_at)?;
    let recurrence = input
        .recurrence
        .as_deref()
        .filter(|r| !r.trim().is_empty())
        .map(|r| parse_rule("recurrence", r, input.starts_at, time_zone))
        .transpose()?;
    let place = check_place("place", input.place.as_deref())?;
    let join_url = input
        .join_url
        .as_deref()
        .filter(|u| !u.trim().is_empty())
        .map(|u| validate::web_url("joinUrl", u).map(|u| u.to_string()))
        .transpose()?;
    check_mode(input.mode, place.as_deref(), join_url.as_deref())?;
    if let Some(capacity) = input.capacity
        && !(1..=MAX_CAPACITY).contains(&capacity)
    {
        return Err(ServiceError::bad_input("capacity", Message::new("event-capacity").arg("max", MAX_CAPACITY)));
    }
    let speakers = check_speakers(&input.speakers)?;
    if input.organizer_ids.len() > MAX_ORGANIZERS {
        return Err(ServiceError::bad_input(
            "organizerIds",
            Message::new("event-organizers-max").arg("max", MAX_ORGANIZERS),
        ));
    }
    Ok(Checked {
        title,
        agenda,
        starts_at: input.starts_at,
        ends_at: input.ends_at,
        time_zone,
        recurrence,
        place,
        join_url,
        capacity: input.capacity,
        speakers,
    })
}

fn check_mode(mode: EventMode, place: Option<&str>, join_url: Option<&str>) -> ServiceResult<()> {
    if matches!(mode, EventMode::InPerson | EventMode::Hybrid) && place.is_none() {
        return Err(ServiceError::bad_input("place", Message::new("event-place-needed")));
    }
    if matches!(mode, EventMode::Virtual | EventMode::Hybrid) && join_url.is_none() {
        return Err(ServiceError::bad_input("joinUrl", Message::new("event-join-url-needed")));
    }
    Ok(())
}

fn check_speakers(speakers: &[Speaker]) -> ServiceResult<String> {
    if speakers.len() > MAX_SPEAKERS {
        return Err(ServiceError::bad_input("speakers", Message::new("event-speakers-max").arg("max", MAX_SPEAKERS)));
    }
    let mut clean = Vec::new();
    for speaker in speakers {
        clean.push(Speaker {
            name: validate::required_text("speakers.name", &speaker.name, validate::NAME_MAX)?,
            affiliation: validate::optional_text(
                "speakers.affiliation",
                speaker.affiliation.as_deref(),
                validate::NAME_MAX,
            )?
            .filter(|a| !a.is_empty()),
        });
    }
    serde_json::to_string(&clean).map_err(|e| ServiceError::Internal(format!("speakers: {e}")))
}

/// Checks that the organizers named are active members of the community.
async fn check_organizers<C: ConnectionTrait>(db: &C, community_id: i32, ids: &[i32]) -> ServiceResult<()> {
    let wanted: HashSet<i32> = ids.iter().copied().collect();
    if wanted.is_empty() {
        return Ok(());
    }
    let found = membership::Entity::find()
        .filter(membership::Column::CommunityId.eq(community_id))
        .filter(membership::Column::PersonId.is_in(wanted.iter().copied()))
        .filter(membership::Column::Status.eq(MembershipStatus::Active))
        .count(db)
        .await?;
    if usize::try_from(found).unwrap_or(0) != wanted.len() {
        return Err(ServiceError::bad_input("organizerIds", Message::new("event-organizers-members")));
    }
    Ok(())
}

async fn add_organizers<C: ConnectionTrait>(db: &C, event_id: i32, ids: &[i32]) -> ServiceResult<()> {
    let mut seen = HashSet::new();
    let now = Utc::now();
    for id in ids.iter().copied().filter(|id| seen.insert(*id)) {
        event_organizer::ActiveModel {
            event_id: Set(event_id),
            person_id: Set(id),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

/// Checks who may set an audience beyond the members, and that a subgroup's events stay
/// with its readers.
fn check_audience(
    app: &App,
    roles: &[Role],
    community: &community::Model,
    subgroup_id: Option<i32>,
    audience: Audience,
) -> ServiceResult<()> {
    if audience == Audience::Members {
        return Ok(());
    }
    if subgroup_id.is_some() {
        return Err(ServiceError::bad_input("audience", Message::new("event-subgroup-audience")));
    }
    access::ensure(&app.auth, roles, community, Action::PublishEvent)
}

fn snapshot(event: &event::Model) -> serde_json::Value {
    json!({
        "title": event.title, "kind": event.kind.as_str(), "startsAt": event.starts_at, "endsAt": event.ends_at,
        "timeZone": event.time_zone, "recurrence": event.recurrence, "mode": event.mode.as_str(),
        "place": event.place, "capacity": event.capacity, "audience": event.audience.as_str(),
        "cancelled": event.cancelled, "version": event.version,
    })
}

async fn audit_event<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
    action: &str,
    event: &event::Model,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> ServiceResult<()> {
    audit::record(
        db,
        AuditRecord {
            scope: AuditScope::Community(event.community_id),
            actor_id: caller.person_id(),
            action,
            target_type: "event",
            target_id: Some(event.id),
            before,
            after,
            request_id: caller.request_id.as_deref(),
        },
    )
    .await
}

/// Plans an event: people the policy lets create events in the community (and post in
/// the subgroup); a NETWORK or PUBLIC audience needs the right to publish events.
pub async fn create(app: &App, caller: &Caller, input: NewEvent) -> ServiceResult<event::Model> {
    let actor = caller.actor()?;
    let checked = check(&input)?;
    let txn = crate::db::begin_write(&app.db).await?;
    let (community, roles) =
        communities::authorized(app, &txn, caller, input.community_id, Action::CreateEvent).await?;
    if let Some(subgroup_id) = input.subgroup_id {
        let found = subgroup::Entity::find_by_id(subgroup_id).one(&txn).await?;
        if found.is_none_or(|s| s.community_id != community.id)
            || !access::allowed(&app.auth, &roles, &community, Action::Read)
        {
            return Err(ServiceError::not_found("subgroup"));
        }
        let access = access::SubgroupAccess::load(&txn, caller, subgroup_id)
            .await?
            .filter(|a| a.can(&app.auth, Action::Read))
            .ok_or(ServiceError::not_found("subgroup"))?;
        access.ensure(&app.auth, Action::Post)?;
    }
    check_audience(app, &roles, &community, input.subgroup_id, input.audience)?;
    check_organizers(&txn, community.id, &input.organizer_ids).await?;
    let now = Utc::now();
    let series_ends_at =
        series_end(checked.starts_at, checked.ends_at, checked.recurrence.as_deref(), checked.time_zone);
    check_room(&txn, community.id, checked.recurrence.is_some(), now).await?;
    // A past event takes nobody's room (it needs it again if moved to the future).
    if series_ends_at.is_none_or(|end| end > now)
        && !access::allowed(&app.auth, &roles, &community, Action::ManageEvents)
    {
        check_own_room(&txn, community.id, actor.person_id, checked.recurrence.is_some(), now).await?;
    }
    check_created_today(&txn, community.id, actor.person_id, now).await?;
    let created = event::ActiveModel {
        community_id: Set(community.id),
        subgroup_id: Set(input.subgroup_id),
        kind: Set(input.kind),
        title: Set(checked.title),
        agenda: Set(checked.agenda),
        starts_at: Set(checked.starts_at),
        ends_at: Set(checked.ends_at),
        time_zone: Set(checked.time_zone.name().to_owned()),
        series_ends_at: Set(series_ends_at),
        recurrence: Set(checked.recurrence),
        mode: Set(input.mode),
        place: Set(checked.place),
        join_url: Set(checked.join_url),
        capacity: Set(checked.capacity),
        audience: Set(input.audience),
        speakers: Set(checked.speakers),
        cancelled: Set(false),
        version: Set(1),
        created_by: Set(actor.person_id),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let mut organizers = vec![actor.person_id];
    organizers.extend(input.organizer_ids.iter().copied());
    add_organizers(&txn, created.id, &organizers).await?;
    audit_event(&txn, caller, "create_event", &created, None, Some(snapshot(&created))).await?;
    txn.commit().await?;
    Ok(created)
}

/// Whether an event has not ended (a series: its last occurrence has not ended).
fn is_live(event: &event::Model, now: DateTime<Utc>) -> bool {
    event.series_ends_at.is_none_or(|end| end > now)
}

/// Checks that a community has room for one more event that has not ended (fewer than
/// [`MAX_LIVE_EVENTS`], and fewer than [`MAX_LIVE_SERIES`] series when it recurs).
/// Cancelled events count until they end: they are still listed.
async fn check_room<C: ConnectionTrait>(
    txn: &C,
    community_id: i32,
    recurs: bool,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    // Creations in one community take turns from here to their commit: two counts made
    // side by side would both see room for the last one (on SQLite, writers already do).
    community::Entity::find_by_id(community_id).lock_exclusive().one(txn).await?;
    let live = || live_in(community_id, now);
    let full = |message: Message| ServiceError::Conflict { field: "communityId".to_owned(), message };
    if recurs {
        let series = live().filter(event::Column::Recurrence.is_not_null()).count(txn).await?;
        if series >= MAX_LIVE_SERIES {
            return Err(full(Message::new("event-community-series-full").arg("max", MAX_LIVE_SERIES)));
        }
    }
    if live().count(txn).await? >= MAX_LIVE_EVENTS {
        return Err(full(Message::new("event-community-full").arg("max", MAX_LIVE_EVENTS)));
    }
    Ok(())
}

/// Events of a community that have not ended.
fn live_in(community_id: i32, now: DateTime<Utc>) -> sea_orm::Select<event::Entity> {
    event::Entity::find()
        .filter(event::Column::CommunityId.eq(community_id))
        .filter(Condition::any().add(event::Column::SeriesEndsAt.is_null()).add(event::Column::SeriesEndsAt.gt(now)))
}

/// Checks that a person who does not manage the community's events has room of their own
/// for one more ([`MAX_OWN_LIVE_EVENTS`], [`MAX_OWN_LIVE_SERIES`] when it recurs), so that
/// one member cannot use up the community's room. The caller holds the community's lock
/// ([`check_room`]).
async fn check_own_room<C: ConnectionTrait>(
    txn: &C,
    community_id: i32,
    person_id: i32,
    recurs: bool,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let own = || live_in(community_id, now).filter(event::Column::CreatedBy.eq(person_id));
    let full = |message: Message| ServiceError::Conflict { field: "communityId".to_owned(), message };
    if recurs && own().filter(event::Column::Recurrence.is_not_null()).count(txn).await? >= MAX_OWN_LIVE_SERIES {
        return Err(full(Message::new("event-own-series-full").arg("max", MAX_OWN_LIVE_SERIES)));
    }
    if own().count(txn).await? >= MAX_OWN_LIVE_EVENTS {
        return Err(full(Message::new("event-own-full").arg("max", MAX_OWN_LIVE_EVENTS)));
    }
    Ok(())
}

/// Checks that the person has created fewer than [`MAX_CREATED_PER_DAY`] events in the
/// community in the last 24 hours.
async fn check_created_today<C: ConnectionTrait>(
    txn: &C,
    community_id: i32,
    person_id: i32,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let created = event::Entity::find()
        .filter(event::Column::CommunityId.eq(community_id))
        .filter(event::Column::CreatedBy.eq(person_id))
        .filter(event::Column::CreatedAt.gt(now - Duration::hours(24)))
        .count(txn)
        .await?;
    if created >= MAX_CREATED_PER_DAY {
        return Err(ServiceError::RateLimited(Message::new("event-daily-limit").arg("max", MAX_CREATED_PER_DAY)));
    }
    Ok(())
}

/// Which occurrences an edit or a cancellation applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditScope {
    This,
    ThisAndFollowing,
    All,
}

/// Changes to an event; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct EventChanges {
    pub kind: Option<EventKind>,
    pub title: Option<String>,
    pub agenda: Option<String>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub time_zone: Option<String>,
    /// `Some("")` ends the recurrence.
    pub recurrence: Option<String>,
    pub mode: Option<EventMode>,
    pub place: Option<String>,
    pub join_url: Option<String>,
    /// `Some(None)` removes the limit.
    pub capacity: Option<Option<i32>>,
    pub audience: Option<Audience>,
    pub speakers: Option<Vec<Speaker>>,
}

impl EventChanges {
    /// Whether only what one occurrence may change on its own is changed.
    fn only_occurrence_fields(&self) -> bool {
        self.kind.is_none()
            && self.agenda.is_none()
            && self.time_zone.is_none()
            && self.recurrence.is_none()
            && self.mode.is_none()
            && self.join_url.is_none()
            && self.capacity.is_none()
            && self.audience.is_none()
            && self.speakers.is_none()
    }
}

/// The event, locked for the change, once the caller may manage it; `NOT_FOUND` if they
/// may not see it, `FORBIDDEN` if they see it but may not manage it, `CONFLICT` when
/// `expected_version` is given and the event has changed since.
async fn managed<C: ConnectionTrait>(
    app: &App,
    txn: &C,
    caller: &Caller,
    id: i32,
    expected_version: Option<i32>,
) -> ServiceResult<event::Model> {
    caller.actor()?;
    let event = events_select(app, caller)
        .filter(event::Column::Id.eq(id))
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or(ServiceError::not_found("event"))?;
    if !permissions(app, txn, caller, &event).await?.manage {
        return Err(ServiceError::forbidden(Message::new("event-change-forbidden")));
    }
    if let Some(expected) = expected_version
        && expected != event.version
    {
        return Err(conflict());
    }
    Ok(event)
}

fn conflict() -> ServiceError {
    ServiceError::Conflict { field: "expectedVersion".into(), message: Message::new("event-changed-meanwhile") }
}

/// Saves a new state of the event if its version is still `version` (the one read):
/// `CONFLICT` otherwise.
async fn save<C: ConnectionTrait>(txn: &C, before: &event::Model, after: event::Model) -> ServiceResult<event::Model> {
    let mut active = event::ActiveModel::from(after).reset_all();
    active.id = sea_orm::ActiveValue::NotSet;
    active.version = Set(before.version + 1);
    active.updated_at = Set(Utc::now());
    let result = event::Entity::update_many()
        .set(active)
        .filter(event::Column::Id.eq(before.id))
        .filter(event::Column::Version.eq(before.version))
        .exec(txn)
        .await?;
    if result.rows_affected != 1 {
        return Err(conflict());
    }
    event::Entity::find_by_id(before.id).one(txn).await?.ok_or(ServiceError::not_found("event"))
}

/// Applies changes to the whole of an event (series fields, checked as at creation).
fn apply(
    app: &App,
    roles: &[Role],
    community: &community::Model,
    event: &event::Model,
    c: &EventChanges,
) -> ServiceResult<event::Model> {
    let input = NewEvent {
        community_id: event.community_id,
        subgroup_id: event.subgroup_id,
        kind: c.kind.unwrap_or(event.kind),
        title: c.title.clone().unwrap_or_else(|| event.title.clone()),
        agenda: c.agenda.clone().unwrap_or_else(|| event.agenda.clone()),
        starts_at: c.starts_at.unwrap_or(event.starts_at),
        ends_at: match (c.ends_at, c.starts_at) {
            (Some(end), _) => end,
            (None, Some(start)) => start
                .checked_add_signed(event.ends_at - event.starts_at)
                .ok_or_else(|| ServiceError::bad_input("startsAt", Message::new("event-start-range")))?,
            (None, None) => event.ends_at,
        },
        time_zone: c.time_zone.clone().unwrap_or_else(|| event.time_zone.clone()),
        recurrence: match &c.recurrence {
            Some(r) => Some(r.clone()),
            None => event.recurrence.clone(),
        },
        mode: c.mode.unwrap_or(event.mode),
        place: c.place.clone().or_else(|| event.place.clone()),
        join_url: c.join_url.clone().or_else(|| event.join_url.clone()),
        capacity: c.capacity.unwrap_or(event.capacity),
        audience: c.audience.unwrap_or(event.audience),
        speakers: c.speakers.clone().unwrap_or_else(|| speakers_of(event)),
        organizer_ids: Vec::new(),
    };
    let checked = check(&input)?;
    if input.audience != event.audience {
        check_audience(app, roles, community, event.subgroup_id, input.audience)?;
    }
    Ok(event::Model {
        kind: input.kind,
        title: checked.title,
        agenda: checked.agenda,
        starts_at: checked.starts_at,
        ends_at: checked.ends_at,
        time_zone: checked.time_zone.name().to_owned(),
        series_ends_at: series_end(
            checked.starts_at,
            checked.ends_at,
            checked.recurrence.as_deref(),
            checked.time_zone,
        ),
        recurrence: checked.recurrence,
        mode: input.mode,
        place: checked.place,
        join_url: checked.join_url,
        capacity: checked.capacity,
        audience: input.audience,
        speakers: checked.speakers,
        ..event.clone()
    })
}

/// What an edit or cancellation targets.
#[derive(Debug, Clone)]
pub struct Target {
    pub event_id: i32,
    pub scope: EditScope,
    /// The occurrence (its original start): required for THIS and THIS_AND_FOLLOWING on a
    /// recurring event.
    pub occurrence: Option<(i32, DateTime<Utc>)>,
    pub expected_version: Option<i32>,
}

/// The occurrence named by a target, checked to be one of the event's.
fn target_start(target: &Target, event: &event::Model) -> ServiceResult<Option<DateTime<Utc>>> {
    let Some((event_id, start)) = target.occurrence else { return Ok(None) };
    if event_id != event.id || !is_occurrence(event, start)? {
        return Err(ServiceError::bad_input("occurrenceId", Message::new("occurrence-other-event")));
    }
    Ok(Some(start))
}

/// Edits an event: all of it, one occurrence, or one occurrence and those after it (the
/// series is then split in two events). Returns the event the edited occurrence now
/// belongs to.
pub async fn update(app: &App, caller: &Caller, target: Target, changes: EventChanges) -> ServiceResult<event::Model> {
    let txn = crate::db::begin_write(&app.db).await?;
    let event = managed(app, &txn, caller, target.event_id, target.expected_version).await?;
    let (community, roles) =
        roles_in(app, &txn, caller, event.community_id).await?.ok_or(ServiceError::not_found("event"))?;
    let start = target_start(&target, &event)?;
    let recurring = event.recurrence.is_some();
    let scope = match (target.scope, start) {
        (EditScope::All, _) => EditScope::All,
        _ if !recurring => EditScope::All,
        (_, None) => return Err(ServiceError::bad_input("occurrenceId", Message::new("occurrence-needed-edit"))),
        (EditScope::ThisAndFollowing, Some(s)) if s == event.starts_at => EditScope::All,
        (scope, Some(_)) => scope,
    };
    let result = match (scope, start) {
        (EditScope::This, Some(start)) => {
            edit_one(&txn, &event, start, &changes, false).await?;
            let after = save(&txn, &event, event.clone()).await?;
            audit_event(&txn, caller, "update_event_occurrence", &after, Some(snapshot(&event)), Some(json!({
                "originalStart": start, "title": changes.title, "startsAt": changes.starts_at, "endsAt": changes.ends_at,
            })))
            .await?;
            after
        }
        (EditScope::ThisAndFollowing, Some(start)) => {
            let (before, follow) = split(app, &txn, caller, &roles, &community, &event, start, &changes, false).await?;
            audit_event(
                &txn,
                caller,
                "update_event_following",
                &before,
                Some(snapshot(&event)),
                Some(snapshot(&follow)),
            )
            .await?;
            follow
        }
        _ => {
            let changed = apply(app, &roles, &community, &event, &changes)?;
            // An event that comes back to life, or becomes a series that has not ended,
            // needs room like a new one.
            let now = Utc::now();
            let becomes_series = changed.recurrence.is_some() && !(event.recurrence.is_some() && is_live(&event, now));
            if is_live(&changed, now) && (!is_live(&event, now) || becomes_series) {
                check_room(&txn, community.id, becomes_series, now).await?;
                if !access::allowed(&app.auth, &roles, &community, Action::ManageEvents) {
                    check_own_room(&txn, community.id, event.created_by, becomes_series, now).await?;
                }
            }
            let times_changed = changed.starts_at != event.starts_at
                || changed.ends_at != event.ends_at
                || changed.recurrence.as_deref().map(normalize) != event.recurrence.as_deref().map(normalize)
                || changed.time_zone != event.time_zone;
            if times_changed {
                // Occurrences are keyed by the start their rule gave them: a new rule or
                // start gives new occurrences, and those kept on their own no longer match.
                event_occurrence::Entity::delete_many()
                    .filter(event_occurrence::Column::EventId.eq(event.id))
                    .exec(&txn)
                    .await?;
            }
            let after = save(&txn, &event, changed).await?;
            audit_event(&txn, caller, "update_event", &after, Some(snapshot(&event)), Some(snapshot(&after))).await?;
            after
        }
    };
    txn.commit().await?;
    Ok(result)
}

/// Moves, renames, relocates or cancels one occurrence on its own.
async fn edit_one<C: ConnectionTrait>(
    txn: &C,
    event: &event::Model,
    start: DateTime<Utc>,
    changes: &EventChanges,
    cancel: bool,
) -> ServiceResult<()> {
    if !changes.only_occurrence_fields() {
        return Err(ServiceError::bad_input("scope", Message::new("occurrence-fields-only")));
    }
    let existing = event_occurrence::Entity::find()
        .filter(event_occurrence::Column::EventId.eq(event.id))
        .filter(event_occurrence::Column::OriginalStart.eq(start))
        .one(txn)
        .await?;
    let current = Occurrence::of(event, start, existing.as_ref());
    let starts_at = changes.starts_at.unwrap_or(current.starts_at);
    let ends_at = match (changes.ends_at, changes.starts_at) {
        (Some(end), _) => end,
        (None, Some(s)) => s
            .checked_add_signed(current.ends_at - current.starts_at)
            .ok_or_else(|| ServiceError::bad_input("startsAt", Message::new("event-start-range")))?,
        (None, None) => current.ends_at,
    };
    // Times are checked only when they change: an occurrence the series already has (up
    // to 2200) may be renamed, moved elsewhere or cancelled whatever its date.
    if changes.starts_at.is_some() || changes.ends_at.is_some() {
        check_times(starts_at, ends_at)?;
    }
    let title =
        changes.title.as_deref().map(|t| validate::required_text("title", t, validate::TITLE_MAX)).transpose()?;
    let place = match changes.place.as_deref() {
        Some(p) => check_place("place", Some(p))?,
        None => existing.as_ref().and_then(|o| o.place.clone()),
    };
    let now = Utc::now();
    match existing {
        Some(found) => {
            let mut active: event_occurrence::ActiveModel = found.clone().into();
            active.starts_at = Set(starts_at);
            active.ends_at = Set(ends_at);
            active.title = Set(title.or(found.title));
            active.place = Set(place);
            active.cancelled = Set(found.cancelled || cancel);
            active.updated_at = Set(now);
            active.update(txn).await?;
        }
        None => {
            event_occurrence::ActiveModel {
                event_id: Set(event.id),
                original_start: Set(start),
                starts_at: Set(starts_at),
                ends_at: Set(ends_at),
                title: Set(title),
                place: Set(place),
                cancelled: Set(cancel),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(txn)
            .await?;
        }
    }
    Ok(())
}

/// Splits a series at `start`: the event keeps the occurrences before it, a new event
/// (same community, organizers, and the changes applied) takes the rest, with their
/// own occurrences, answers and attendance when their times do not change.
#[expect(clippy::too_many_arguments, reason = "one split, all its context")]
async fn split<C: ConnectionTrait>(
    app: &App,
    txn: &C,
    caller: &Caller,
    roles: &[Role],
    community: &community::Model,
    event: &event::Model,
    start: DateTime<Utc>,
    changes: &EventChanges,
    cancel: bool,
) -> ServiceResult<(event::Model, event::Model)> {
    let rule = event.recurrence.clone().unwrap_or_default();
    let kept = original_starts(event, event.starts_at, start)?.into_iter().filter(|s| *s < start).count();
    // The following series starts at the occurrence's original time, unless moved.
    let base = event::Model {
        starts_at: start,
        ends_at: start + (event.ends_at - event.starts_at),
        recurrence: Some(rule_after(&rule, kept)),
        ..event.clone()
    };
    let mut follow = apply(app, roles, community, &base, changes)?;
    follow.cancelled = cancel;
    let times_kept = follow.starts_at == base.starts_at
        && follow.ends_at == base.ends_at
        && follow.recurrence.as_deref().map(normalize) == base.recurrence.as_deref().map(normalize)
        && follow.time_zone == base.time_zone;
    let tz = time_zone("timeZone", &event.time_zone)?;
    let before_rule = rule_before(&rule, kept, start);
    let cut = event::Model {
        series_ends_at: series_end(event.starts_at, event.ends_at, Some(&before_rule), tz),
        recurrence: Some(before_rule),
        ..event.clone()
    };
    let now = Utc::now();
    // The following piece is a new series: while it has not ended it needs room like a
    // new one, or splitting again and again would create series past every cap.
    if is_live(&follow, now) {
        check_room(txn, community.id, true, now).await?;
        if !access::allowed(&app.auth, roles, community, Action::ManageEvents) {
            let person_id = caller.actor()?.person_id;
            check_own_room(txn, community.id, person_id, true, now).await?;
            check_created_today(txn, community.id, person_id, now).await?;
        }
    }
    let before = save(txn, event, cut).await?;
    let mut active = event::ActiveModel::from(follow.clone()).reset_all();
    active.id = sea_orm::ActiveValue::NotSet;
    active.version = Set(1);
    active.created_by = Set(caller.actor()?.person_id);
    active.created_at = Set(now);
    active.updated_at = Set(now);
    let created = active.insert(txn).await?;
    let organizers = organizers_of(txn, &[event.id]).await?.remove(&event.id).unwrap_or_default();
    add_organizers(txn, created.id, &organizers).await?;
    if times_kept {
        let moved = Expr::value(created.id);
        event_occurrence::Entity::update_many()
            .col_expr(event_occurrence::Column::EventId, moved.clone())
            .filter(event_occurrence::Column::EventId.eq(event.id))
            .filter(event_occurrence::Column::OriginalStart.gte(start))
            .exec(txn)
            .await?;
        event_rsvp::Entity::update_many()
            .col_expr(event_rsvp::Column::EventId, moved.clone())
            .filter(event_rsvp::Column::EventId.eq(event.id))
            .filter(event_rsvp::Column::OriginalStart.gte(start))
            .exec(txn)
            .await?;
        event_attendance::Entity::update_many()
            .col_expr(event_attendance::Column::EventId, moved)
            .filter(event_attendance::Column::EventId.eq(event.id))
            .filter(event_attendance::Column::OriginalStart.gte(start))
            .exec(txn)
            .await?;
    } else {
        event_occurrence::Entity::delete_many()
            .filter(event_occurrence::Column::EventId.eq(event.id))
            .filter(event_occurrence::Column::OriginalStart.gte(start))
            .exec(txn)
            .await?;
    }
    Ok((before, created))
}

/// Cancels an event, one occurrence, or one occurrence and those after it.
pub async fn cancel(app: &App, caller: &Caller, target: Target) -> ServiceResult<event::Model> {
    let txn = crate::db::begin_write(&app.db).await?;
    let event = managed(app, &txn, caller, target.event_id, target.expected_version).await?;
    let start = target_start(&target, &event)?;
    let recurring = event.recurrence.is_some();
    let scope = match (target.scope, start) {
        (EditScope::All, _) => EditScope::All,
        _ if !recurring => EditScope::All,
        (_, None) => return Err(ServiceError::bad_input("occurrenceId", Message::new("occurrence-needed-cancel"))),
        (EditScope::ThisAndFollowing, Some(s)) if s == event.starts_at => EditScope::All,
        (scope, Some(_)) => scope,
    };
    let result = match (scope, start) {
        (EditScope::This, Some(start)) => {
            edit_one(&txn, &event, start, &EventChanges::default(), true).await?;
            let after = save(&txn, &event, event.clone()).await?;
            audit_event(&txn, caller, "cancel_event_occurrence", &after, None, Some(json!({ "originalStart": start })))
                .await?;
            after
        }
        (EditScope::ThisAndFollowing, Some(start)) => {
            let (community, roles) =
                roles_in(app, &txn, caller, event.community_id).await?.ok_or(ServiceError::not_found("event"))?;
            let (before, follow) =
                split(app, &txn, caller, &roles, &community, &event, start, &EventChanges::default(), true).await?;
            audit_event(&txn, caller, "cancel_event_following", &before, None, Some(snapshot(&follow))).await?;
            follow
        }
        _ => {
            let after = save(&txn, &event, event::Model { cancelled: true, ..event.clone() }).await?;
            audit_event(&txn, caller, "cancel_event", &after, Some(snapshot(&event)), Some(snapshot(&after))).await?;
            after
        }
    };
    txn.commit().await?;
    Ok(result)
}

// ---- RSVP and attendance ---------------------------------------------------------------

/// People holding a place (GOING, not waitlisted) at an occurrence.
async fn seats_taken<C: ConnectionTrait>(db: &C, event_id: i32, start: DateTime<Utc>) -> ServiceResult<u64> {
    Ok(event_rsvp::Entity::find()
        .filter(event_rsvp::Column::EventId.eq(event_id))
        .filter(event_rsvp::Column::OriginalStart.eq(start))
        .filter(event_rsvp::Column::Response.eq(RsvpResponse::Going))
        .filter(event_rsvp::Column::Waitlisted.eq(false))
        .count(db)
        .await?)
}

/// Counts of answers to occurrences: people holding a place, waiting for one, and
/// answering maybe.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RsvpCounts {
    pub going: u64,
    pub waiting: u64,
    pub maybe: u64,
}

/// The counts of answers to occurrences, by (event, original start), counted by the
/// database in one statement.
pub async fn rsvp_counts<C: ConnectionTrait>(
    db: &C,
    keys: &[(i32, DateTime<Utc>)],
) -> ServiceResult<HashMap<(i32, DateTime<Utc>), RsvpCounts>> {
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    let events: HashSet<i32> = keys.iter().map(|k| k.0).collect();
    let starts: HashSet<DateTime<Utc>> = keys.iter().map(|k| k.1).collect();
    let wanted: HashSet<(i32, DateTime<Utc>)> = keys.iter().copied().collect();
    let rows: Vec<(i32, DateTime<Utc>, RsvpResponse, bool, i64)> = event_rsvp::Entity::find()
        .select_only()
        .column(event_rsvp::Column::EventId)
        .column(event_rsvp::Column::OriginalStart)
        .column(event_rsvp::Column::Response)
        .column(event_rsvp::Column::Waitlisted)
        .column_as(event_rsvp::Column::Id.count(), "answers")
        .filter(event_rsvp::Column::EventId.is_in(events))
        .filter(event_rsvp::Column::OriginalStart.is_in(starts))
        .filter(event_rsvp::Column::Response.is_in([RsvpResponse::Going, RsvpResponse::Maybe]))
        .group_by(event_rsvp::Column::EventId)
        .group_by(event_rsvp::Column::OriginalStart)
        .group_by(event_rsvp::Column::Response)
        .group_by(event_rsvp::Column::Waitlisted)
        .into_tuple()
        .all(db)
        .await?;
    let mut out: HashMap<(i32, DateTime<Utc>), RsvpCounts> = HashMap::new();
    for (event_id, start, response, waitlisted, n) in rows {
        if !wanted.contains(&(event_id, start)) {
            continue;
        }
        let counts = out.entry((event_id, start)).or_default();
        let n = u64::try_from(n).unwrap_or(0);
        match (response, waitlisted) {
            (RsvpResponse::Going, false) => counts.going += n,
            (RsvpResponse::Going, true) => counts.waiting += n,
            _ => counts.maybe += n,
        }
    }
    Ok(out)
}

/// The viewer's answers to occurrences, by (event, original start).
pub async fn viewer_rsvps<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
    keys: &[(i32, DateTime<Utc>)],
) -> ServiceResult<HashMap<(i32, DateTime<Utc>), event_rsvp::Model>> {
    let Some(person_id) = caller.person_id() else { return Ok(HashMap::new()) };
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    let events: HashSet<i32> = keys.iter().map(|k| k.0).collect();
    let wanted: HashSet<(i32, DateTime<Utc>)> = keys.iter().copied().collect();
    let rows = event_rsvp::Entity::find()
        .filter(event_rsvp::Column::PersonId.eq(person_id))
        .filter(event_rsvp::Column::EventId.is_in(events))
        .filter(event_rsvp::Column::OriginalStart.is_in(keys.iter().map(|k| k.1)))
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter(|r| wanted.contains(&(r.event_id, r.original_start)))
        .map(|r| ((r.event_id, r.original_start), r))
        .collect())
}

/// Answers whether the caller comes to an occurrence (anyone logged in who sees it, while
/// it is not cancelled). GOING takes a place if one is free, or a place on the waiting
/// list; leaving a place (MAYBE, DECLINED) gives it to the first person waiting. The
/// event row is locked while places are counted, so concurrent answers never exceed the
/// capacity.
pub async fn rsvp(
    app: &App,
    caller: &Caller,
    event_id: i32,
    start: DateTime<Utc>,
    response: RsvpResponse,
) -> ServiceResult<Occurrence> {
    let actor = caller.actor()?;
    let txn = crate::db::begin_write(&app.db).await?;
    let event = events_select(app, caller)
        .filter(event::Column::Id.eq(event_id))
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(ServiceError::not_found("occurrence"))?;
    let occurrence = occurrence_of(&txn, &event, start).await?.ok_or(ServiceError::not_found("occurrence"))?;
    if occurrence.cancelled {
        return Err(ServiceError::forbidden(Message::new("occurrence-cancelled")));
    }
    if occurrence.ends_at <= Utc::now() {
        return Err(ServiceError::forbidden(Message::new("occurrence-over")));
    }
    let existing = event_rsvp::Entity::find()
        .filter(event_rsvp::Column::EventId.eq(event_id))
        .filter(event_rsvp::Column::OriginalStart.eq(start))
        .filter(event_rsvp::Column::PersonId.eq(actor.person_id))
        .one(&txn)
        .await?;
    let held_place = existing.as_ref().is_some_and(|r| r.response == RsvpResponse::Going && !r.waitlisted);
    let now = Utc::now();
    let waitlisted = match response {
        RsvpResponse::Going if held_place => false,
        RsvpResponse::Going => match event.capacity {
            Some(capacity) => seats_taken(&txn, event_id, start).await? >= u64::try_from(capacity).unwrap_or(0),
            None => false,
        },
        _ => false,
    };
    let already_waiting = existing.as_ref().is_some_and(|r| r.response == RsvpResponse::Going && r.waitlisted);
    match existing {
        Some(found) => {
            let mut active: event_rsvp::ActiveModel = found.into();
            active.response = Set(response);
            active.waitlisted = Set(waitlisted);
            if !(held_place || already_waiting && waitlisted) {
                active.asked_at = Set(now);
            }
            active.updated_at = Set(now);
            active.update(&txn).await?;
        }
        None => {
            event_rsvp::ActiveModel {
                event_id: Set(event_id),
                original_start: Set(start),
                person_id: Set(actor.person_id),
                response: Set(response),
                waitlisted: Set(waitlisted),
                asked_at: Set(now),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
        }
    }
    if held_place && response != RsvpResponse::Going {
        promote(&txn, caller, &event, start).await?;
    }
    audit::record(
        &txn,
        AuditRecord {
            scope: AuditScope::Community(event.community_id),
            actor_id: Some(actor.person_id),
            action: "rsvp",
            target_type: "event",
            target_id: Some(event.id),
            before: None,
            after: Some(json!({ "originalStart": start, "response": response.as_str(), "waitlisted": waitlisted })),
            request_id: caller.request_id.as_deref(),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(occurrence)
}

/// Gives free places to the first people waiting (in the order they asked).
async fn promote<C: ConnectionTrait>(
    txn: &C,
    caller: &Caller,
    event: &event::Model,
    start: DateTime<Utc>,
) -> ServiceResult<()> {
    let Some(capacity) = event.capacity else { return Ok(()) };
    let taken = seats_taken(txn, event.id, start).await?;
    let free = u64::try_from(capacity).unwrap_or(0).saturating_sub(taken);
    if free == 0 {
        return Ok(());
    }
    let waiting = event_rsvp::Entity::find()
        .filter(event_rsvp::Column::EventId.eq(event.id))
        .filter(event_rsvp::Column::OriginalStart.eq(start))
        .filter(event_rsvp::Column::Response.eq(RsvpResponse::Going))
        .filter(event_rsvp::Column::Waitlisted.eq(true))
        .order_by_asc(event_rsvp::Column::AskedAt)
        .order_by_asc(event_rsvp::Column::Id)
        .limit(free)
        .all(txn)
        .await?;
    for row in waiting {
        let person = row.person_id;
        let mut active: event_rsvp::ActiveModel = row.into();
        active.waitlisted = Set(false);
        active.updated_at = Set(Utc::now());
        active.update(txn).await?;
        audit::record(
            txn,
            AuditRecord {
                scope: AuditScope::Community(event.community_id),
                actor_id: caller.person_id(),
                action: "rsvp_promoted",
                target_type: "event",
                target_id: Some(event.id),
                before: None,
                after: Some(json!({ "originalStart": start, "personId": person })),
                request_id: caller.request_id.as_deref(),
            },
        )
        .await?;
    }
    Ok(())
}

/// One line of attendance.
#[derive(Debug, Clone)]
pub struct AttendanceEntry {
    pub person_id: i32,
    pub status: AttendanceStatus,
    /// Hours counted; `None`: the occurrence's length (at most 24) for PRESENT, zero
    /// otherwise.
    pub hours: Option<f64>,
}

/// The most quarter hours one attendance line counts (24 h, as one time entry at most).
const MAX_ENTRY_QUARTERS: i32 = 24 * 4;

/// The most lines one `recordAttendance` takes.
pub const MAX_ATTENDANCE: usize = 500;

/// Reads hours given in quarter hours (0 to 24).
pub fn quarter_hours(field: &str, hours: f64) -> ServiceResult<i32> {
    let quarters = hours * 4.0;
    if !hours.is_finite() || !(0.0..=24.0).contains(&hours) || (quarters - quarters.round()).abs() > 1e-9 {
        return Err(ServiceError::bad_input(field, Message::new("hours-quarter")));
    }
    // In range and whole: the conversion is exact.
    Ok(quarters.round() as i32)
}

/// Records who attended an occurrence (its organizers, and who manages the community's
/// events), once it has started; recording again replaces a person's line.
pub async fn record_attendance(
    app: &App,
    caller: &Caller,
    event_id: i32,
    start: DateTime<Utc>,
    entries: Vec<AttendanceEntry>,
) -> ServiceResult<Vec<event_attendance::Model>> {
    let actor = caller.actor()?;
    if entries.is_empty() || entries.len() > MAX_ATTENDANCE {
        return Err(ServiceError::bad_input("entries", Message::new("attendance-lines").arg("max", MAX_ATTENDANCE)));
    }
    let mut seen = HashSet::new();
    if entries.iter().any(|e| !seen.insert(e.person_id)) {
        return Err(ServiceError::bad_input("entries", Message::new("attendance-person-twice")));
    }
    let txn = crate::db::begin_write(&app.db).await?;
    let event = managed(app, &txn, caller, event_id, None).await.map_err(|e| match e {
        ServiceError::NotFound { .. } => ServiceError::not_found("occurrence"),
        other => other,
    })?;
    let occurrence = occurrence_of(&txn, &event, start).await?.ok_or(ServiceError::not_found("occurrence"))?;
    if occurrence.starts_at > Utc::now() {
        return Err(ServiceError::bad_input("occurrenceId", Message::new("attendance-not-started")));
    }
    let mut lines = Vec::new();
    for entry in &entries {
        let quarters = match entry.hours {
            Some(h) => quarter_hours("entries.hours", h)?,
            // An occurrence longer than a day counts a day at most by default (what one
            // entry may hold); whoever records it gives the hours when they were fewer.
            None if entry.status == AttendanceStatus::Present => occurrence.quarter_hours().min(MAX_ENTRY_QUARTERS),
            None => 0,
        };
        // Attendance becomes counted time: at most the occurrence's length.
        if quarters > occurrence.quarter_hours() {
            return Err(ServiceError::bad_input("entries.hours", Message::new("attendance-hours-max")));
        }
        lines.push((entry.person_id, entry.status, quarters));
    }
    // Attendance is for people who may see the event: members of its community.
    check_organizers(&txn, event.community_id, &entries.iter().map(|e| e.person_id).collect::<Vec<_>>())
        .await
        .map_err(|_| ServiceError::bad_input("entries.personId", Message::new("attendance-members")))?;
    let now = Utc::now();
    let mut saved = Vec::new();
    for (person_id, status, quarters) in lines {
        let existing = event_attendance::Entity::find()
            .filter(event_attendance::Column::EventId.eq(event.id))
            .filter(event_attendance::Column::OriginalStart.eq(start))
            .filter(event_attendance::Column::PersonId.eq(person_id))
            .one(&txn)
            .await?;
        let row = match existing {
            Some(found) => {
                let mut active: event_attendance::ActiveModel = found.into();
                active.status = Set(status);
                active.quarter_hours = Set(quarters);
                active.recorded_by = Set(actor.person_id);
                active.updated_at = Set(now);
                active.update(&txn).await?
            }
            None => {
                event_attendance::ActiveModel {
                    event_id: Set(event.id),
                    original_start: Set(start),
                    person_id: Set(person_id),
                    status: Set(status),
                    quarter_hours: Set(quarters),
                    recorded_by: Set(actor.person_id),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                }
                .insert(&txn)
                .await?
            }
        };
        saved.push(row);
    }
    // Attendance is time spent: each PRESENT line becomes (or updates) a MEETING entry on
    // the occurrence's local day — when whoever manages the community's events (its
    // animators, by the policy) records it. An organizer who is only a member records
    // attendance, but it counts in nobody's budget: anyone may create an event, and its
    // attendance would otherwise fill others' budgets.
    let (community, roles) =
        roles_in(app, &txn, caller, event.community_id).await?.ok_or(ServiceError::not_found("occurrence"))?;
    if !access::allowed(&app.auth, &roles, &community, Action::ManageEvents) {
        audit_attendance(&txn, caller, &event, start, &saved).await?;
        txn.commit().await?;
        return Ok(saved);
    }
    let zone: chrono_tz::Tz = event.time_zone.parse().unwrap_or(chrono_tz::UTC);
    let day = occurrence.starts_at.with_timezone(&zone).date_naive();
    let attended: Vec<super::time::AttendedTime> = saved
        .iter()
        .map(|a| super::time::AttendedTime {
            person_id: a.person_id,
            quarters: if a.status == AttendanceStatus::Present { a.quarter_hours } else { 0 },
        })
        .collect();
    super::time::sync_attendance(&txn, event.community_id, (event.id, start), day, &attended).await?;
    audit_attendance(&txn, caller, &event, start, &saved).await?;
    txn.commit().await?;
    Ok(saved)
}

/// Writes the audit row of recorded attendance (in its transaction).
async fn audit_attendance<C: ConnectionTrait>(
    txn: &C,
    caller: &Caller,
    event: &event::Model,
    start: DateTime<Utc>,
    saved: &[event_attendance::Model],
) -> ServiceResult<()> {
    audit::record(
        txn,
        AuditRecord {
            scope: AuditScope::Community(event.community_id),
            actor_id: caller.person_id(),
            action: "record_attendance",
            target_type: "event",
            target_id: Some(event.id),
            before: None,
            after: Some(json!({
                "originalStart": start,
                "entries": saved.iter().map(|a| json!({ "personId": a.person_id, "status": a.status.as_str(), "quarterHours": a.quarter_hours })).collect::<Vec<_>>(),
            })),
            request_id: caller.request_id.as_deref(),
        },
    )
    .await
}

/// Why attendance is not shown.
pub fn attendance_forbidden() -> ServiceError {
    ServiceError::forbidden(Message::new("attendance-forbidden"))
}

/// The attendance of occurrences (of visible events), by (event, original start), for
/// those who may manage their events (`None` for the others: `FORBIDDEN`), in a fixed
/// number of statements whatever their number.
pub async fn attendance_by_occurrence(
    app: &App,
    caller: &Caller,
    keys: &[(i32, DateTime<Utc>)],
) -> ServiceResult<HashMap<(i32, DateTime<Utc>), Option<Vec<event_attendance::Model>>>> {
    let mut event_ids: Vec<i32> = keys.iter().map(|k| k.0).collect();
    event_ids.sort_unstable();
    event_ids.dedup();
    let perms = permissions_by_ids(app, caller, &event_ids).await?;
    let managed: Vec<(i32, DateTime<Utc>)> =
        keys.iter().copied().filter(|k| perms.get(&k.0).is_some_and(|p| p.manage)).collect();
    let mut rows: HashMap<(i32, DateTime<Utc>), Vec<event_attendance::Model>> = HashMap::new();
    if !managed.is_empty() {
        let wanted: HashSet<(i32, DateTime<Utc>)> = managed.iter().copied().collect();
        let found = event_attendance::Entity::find()
            .filter(event_attendance::Column::EventId.is_in(managed.iter().map(|k| k.0).collect::<HashSet<_>>()))
            .filter(event_attendance::Column::OriginalStart.is_in(managed.iter().map(|k| k.1).collect::<HashSet<_>>()))
            .order_by_asc(event_attendance::Column::Id)
            .all(&app.db)
            .await?;
        for row in found {
            let key = (row.event_id, row.original_start);
            if wanted.contains(&key) {
                rows.entry(key).or_default().push(row);
            }
        }
    }
    Ok(keys
        .iter()
        .map(|k| {
            let shown = perms.get(&k.0).is_some_and(|p| p.manage).then(|| rows.remove(k).unwrap_or_default());
            (*k, shown)
        })
        .collect())
}

/// Renders the agenda.
pub fn agenda_html(event: &event::Model) -> String {
    rich_text::to_html(&event.agenda)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).map(|d| d.with_timezone(&Utc)).unwrap_or_default()
    }

    fn monthly() -> event::Model {
        event::Model {
            id: 1,
            community_id: 1,
            subgroup_id: None,
            kind: EventKind::Meeting,
            title: "CdP".into(),
            agenda: String::new(),
            // Tuesday 13 January 2026, 13:00 in Toronto (EST, UTC-5).
            starts_at: at("2026-01-13T18:00:00Z"),
            ends_at: at("2026-01-13T21:30:00Z"),
            time_zone: "America/Toronto".into(),
            recurrence: Some("FREQ=MONTHLY;BYDAY=2TU".into()),
            series_ends_at: None,
            mode: EventMode::Virtual,
            place: None,
            join_url: Some("https://meet.example/cdp".into()),
            capacity: None,
            audience: Audience::Members,
            speakers: "[]".into(),
            cancelled: false,
            version: 1,
            created_by: 1,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn second_tuesday_stays_at_one_pm_local_across_daylight_saving() {
        let starts = original_starts(&monthly(), at("2026-01-01T00:00:00Z"), at("2027-01-01T00:00:00Z")).unwrap();
        assert_eq!(starts.len(), 12);
        let tz: chrono_tz::Tz = "America/Toronto".parse().unwrap();
        for s in &starts {
            let local = s.with_timezone(&tz);
            assert_eq!(local.format("%H:%M %a").to_string(), "13:00 Tue", "{s}");
            assert!((8..=14).contains(&chrono::Datelike::day(&local)), "second Tuesday: {local}");
        }
        // March 10 is after the switch to EDT (UTC-4); November 10 after the switch back.
        assert!(starts.contains(&at("2026-03-10T17:00:00Z")));
        assert!(starts.contains(&at("2026-11-10T18:00:00Z")));
    }

    #[test]
    fn rules_more_frequent_than_daily_or_with_times_are_refused() {
        let tz: chrono_tz::Tz = "America/Toronto".parse().unwrap();
        let start = at("2026-01-13T18:00:00Z");
        for bad in
            ["FREQ=HOURLY", "FREQ=MINUTELY;INTERVAL=5", "FREQ=DAILY;BYHOUR=9,13", "FREQ=DAILY;COUNT=0", "nonsense", ""]
        {
            let err = parse_rule("recurrence", bad, start, tz).err();
            assert_eq!(err.as_ref().and_then(|e| e.field()), Some("recurrence"), "{bad}: {err:?}");
        }
        assert_eq!(
            parse_rule("recurrence", "FREQ=MONTHLY;BYDAY=2TU", start, tz).ok().as_deref(),
            Some("FREQ=MONTHLY;BYDAY=2TU")
        );
        assert!(parse_rule("recurrence", "RRULE:FREQ=WEEKLY;COUNT=6", start, tz).is_ok());
    }

    #[test]
    fn a_split_series_keeps_its_occurrences_on_each_side() {
        let event = monthly();
        let split = at("2026-06-09T17:00:00Z");
        let rule = event.recurrence.clone().unwrap();
        let kept = original_starts(&event, event.starts_at, split).unwrap().len();
        assert_eq!(kept, 5);
        let before = event::Model { recurrence: Some(rule_before(&rule, kept, split)), ..event.clone() };
        let all = original_starts(&before, at("2026-01-01T00:00:00Z"), at("2028-01-01T00:00:00Z")).unwrap();
        assert_eq!(all.len(), 5);
        let counted = "FREQ=MONTHLY;COUNT=10;BYDAY=2TU";
        assert_eq!(rule_before(counted, 5, split), "FREQ=MONTHLY;COUNT=5;BYDAY=2TU");
        assert_eq!(rule_after(counted, 5), "FREQ=MONTHLY;COUNT=5;BYDAY=2TU");
        assert_eq!(rule_before(&rule, kept, split), "FREQ=MONTHLY;UNTIL=20260609T165959Z;BYDAY=2TU");
    }

    /// Every original start of a series, expanded from its start.
    fn from_the_start(event: &event::Model) -> Vec<DateTime<Utc>> {
        let (rule, start) = rule_of(event).unwrap().unwrap();
        let set =
            rrule::RRuleSet::new(start).rrule(rule).before(at("2032-01-01T00:00:00Z").with_timezone(&start.timezone()));
        set.all(u16::MAX).dates.into_iter().map(|d| d.with_timezone(&Utc)).collect()
    }

    #[test]
    fn a_window_is_expanded_from_its_own_period_with_the_series_occurrences() {
        let rules = [
            "FREQ=DAILY",
            "FREQ=DAILY;INTERVAL=3",
            "FREQ=WEEKLY;BYDAY=MO,WE,FR",
            "FREQ=WEEKLY;INTERVAL=2;WKST=SU;BYDAY=SU,TU",
            "FREQ=WEEKLY;INTERVAL=3",
            "FREQ=MONTHLY;BYDAY=2TU",
            "FREQ=MONTHLY;INTERVAL=5;BYMONTHDAY=31",
            "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
            "FREQ=YEARLY;INTERVAL=2;BYMONTH=3;BYDAY=-1SU",
            "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29",
            "FREQ=WEEKLY;UNTIL=20310101T000000Z;BYDAY=TH",
            "FREQ=MONTHLY;COUNT=40;BYDAY=1WE",
        ];
        let windows = [
            ("2001-03-01T00:00:00Z", "2001-04-15T00:00:00Z"),
            ("2026-03-08T05:00:00Z", "2026-03-09T05:00:00Z"),
            ("2026-10-30T00:00:00Z", "2027-11-30T00:00:00Z"),
            ("2028-02-27T00:00:00Z", "2028-03-02T00:00:00Z"),
            ("2030-12-25T00:00:00Z", "2031-01-20T00:00:00Z"),
        ];
        for rule in rules {
            for start in ["2000-01-31T23:30:00Z", "2000-06-13T17:00:00Z"] {
                let event = event::Model {
                    starts_at: at(start),
                    ends_at: at(start) + Duration::minutes(90),
                    recurrence: Some(rule.into()),
                    ..monthly()
                };
                let all = from_the_start(&event);
                for (from, to) in windows {
                    let (from, to) = (at(from), at(to));
                    let expected: Vec<DateTime<Utc>> =
                        all.iter().copied().filter(|s| *s < to && *s + Duration::minutes(90) > from).collect();
                    assert_eq!(
                        original_starts(&event, from, to).unwrap(),
                        expected,
                        "{rule} from {start}, window {from} to {to}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_series_that_started_long_ago_is_expanded_from_the_window() {
        let event = event::Model {
            starts_at: at("2000-01-01T14:00:00Z"),
            ends_at: at("2000-01-01T15:00:00Z"),
            recurrence: Some("FREQ=DAILY".into()),
            ..monthly()
        };
        let (rule, start) = rule_of(&event).unwrap().unwrap();
        let from = at("2099-06-01T00:00:00Z");
        let anchor = expansion_start(&rule, start, from).with_timezone(&Utc);
        assert!(anchor <= from && from - anchor <= Duration::days(2), "starts at {anchor}");
        // A century of days later, the occurrences are there (the old expansion gave up
        // after 20,000 steps from 2000).
        let june = original_starts(&event, from, at("2099-07-01T00:00:00Z")).unwrap();
        assert_eq!(june.len(), 30);
        assert_eq!(june[0], at("2099-06-01T13:00:00Z"), "09:00 in Toronto, daylight time");
        let weekly = event::Model { recurrence: Some("FREQ=WEEKLY;INTERVAL=4;BYDAY=MO".into()), ..event.clone() };
        let (rule, start) = rule_of(&weekly).unwrap().unwrap();
        let anchor = expansion_start(&rule, start, from).with_timezone(&Utc);
        assert!(anchor <= from && from - anchor <= Duration::weeks(5), "starts at {anchor}");
        let counted = event::Model { recurrence: Some("FREQ=DAILY;COUNT=10".into()), ..event };
        let (rule, start) = rule_of(&counted).unwrap().unwrap();
        assert_eq!(expansion_start(&rule, start, from), start, "a COUNT is counted from the start");
    }

    #[test]
    fn hours_are_quarter_hours_up_to_a_day() {
        assert_eq!(quarter_hours("h", 3.5).ok(), Some(14));
        assert_eq!(quarter_hours("h", 0.25).ok(), Some(1));
        for bad in [0.1, -1.0, 25.0, f64::NAN] {
            assert!(quarter_hours("h", bad).is_err(), "{bad}");
        }
    }
}

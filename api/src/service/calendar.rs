//! Calendar feeds (iCalendar, RFC 5545): each person's personal feed, reached by an
//! opaque token stored hashed and shown once, with every event the person may see; and
//! each public community's feed of its PUBLIC-audience events. Events are written with
//! the `icalendar` crate: stable `UID`s, `SEQUENCE` from the event's version, times in
//! their own zone with a `VTIMEZONE` for each zone used, `RRULE`, `EXDATE` for cancelled
//! occurrences, `RECURRENCE-ID` for moved or renamed ones, `STATUS:CANCELLED` for
//! cancelled events.

use std::{
    collections::{BTreeSet, HashMap},
    sync::Arc,
};

use chrono::{DateTime, Datelike, Duration, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::OffsetComponents;
use entity::{calendar_feed, community, event, event_occurrence};
use icalendar::{Calendar, Component, EventLike, EventStatus, Property};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::json;

use super::{
    App, access,
    audit::{self, AuditRecord, AuditScope},
    event as events,
};
use crate::{
    auth::{self, Caller},
    error::ServiceResult,
};

/// Prefix of feed tokens (recognisable when leaked; never a session token).
const TOKEN_PREFIX: &str = "cal_";
/// The most events a feed holds (the latest first beyond).
pub const MAX_FEED_EVENTS: u64 = 2_000;
/// Events whose last occurrence ended longer ago than this are left out of feeds.
const FEED_PAST_DAYS: i64 = 400;
/// How many years of time-zone transitions a `VTIMEZONE` describes beyond the events' start.
const ZONE_YEARS: i32 = 5;

/// The path of a personal feed.
pub fn personal_path(token: &str) -> String {
    format!("/calendar/{token}.ics")
}

/// The path of a community's public feed.
pub fn community_path(slug: &str) -> String {
    format!("/calendar/communities/{slug}.ics")
}

/// Makes (or replaces) the caller's personal feed; returns its URL, the only time the
/// token is shown.
pub async fn reset_feed(app: &App, caller: &Caller) -> ServiceResult<String> {
    let actor = caller.actor()?;
    super::api_client::ensure_person(caller, "have a calendar feed")?;
    let token = format!("{TOKEN_PREFIX}{}", auth::random_secret()?);
    let txn = crate::db::begin_write(&app.db).await?;
    let replaced = calendar_feed::Entity::delete_many()
        .filter(calendar_feed::Column::PersonId.eq(actor.person_id))
        .exec(&txn)
        .await?
        .rows_affected;
    calendar_feed::ActiveModel {
        person_id: Set(actor.person_id),
        token_hash: Set(auth::hash_token(&token)),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        AuditRecord {
            scope: AuditScope::of_person(actor.organization_id),
            actor_id: Some(actor.person_id),
            action: "reset_calendar_feed",
            target_type: "person",
            target_id: Some(actor.person_id),
            before: None,
            after: Some(json!({ "replaced": replaced > 0 })),
            request_id: caller.request_id.as_deref(),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(app.sso.url(&personal_path(&token)))
}

/// The person a feed token belongs to, as a caller (`None`: no such feed, or the person
/// or their organization is suspended).
pub async fn feed_caller(app: &App, token: &str) -> ServiceResult<Option<Caller>> {
    if !token.starts_with(TOKEN_PREFIX) || token.len() > 100 {
        return Ok(None);
    }
    let db = &app.db;
    let Some(feed) = calendar_feed::Entity::find()
        .filter(calendar_feed::Column::TokenHash.eq(auth::hash_token(token)))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    auth::caller_of(db, feed.person_id).await
}

/// Events of a feed: not over for long, the latest planned first beyond the bound.
fn feed_select(select: sea_orm::Select<event::Entity>) -> sea_orm::Select<event::Entity> {
    let since = Utc::now() - Duration::days(FEED_PAST_DAYS);
    select
        .filter(
            sea_orm::Condition::any()
                .add(event::Column::SeriesEndsAt.is_null())
                .add(event::Column::SeriesEndsAt.gt(since)),
        )
        .order_by_desc(event::Column::StartsAt)
        .order_by_desc(event::Column::Id)
        .limit(MAX_FEED_EVENTS)
}

/// The personal feed of a feed's person ([`feed_caller`]): every event they may see.
pub async fn personal_feed(app: &App, caller: &Caller) -> ServiceResult<String> {
    let events = feed_select(events::events_select(app, caller)).all(&app.db).await?;
    render(app, &events, "Maillage", true).await
}

/// The public feed of a community anyone may see: its PUBLIC-audience events (`None`: no
/// such community, or one anonymous callers may not see).
pub async fn community_feed(app: &App, slug: &str) -> ServiceResult<Option<String>> {
    let anonymous = Caller::default();
    let Some(community) = public_community(app, &anonymous, slug).await? else { return Ok(None) };
    let events = feed_select(events::events_select(app, &anonymous))
        .filter(event::Column::CommunityId.eq(community.id))
        .filter(event::Column::Audience.eq(entity::enums::Audience::Public))
        .filter(event::Column::SubgroupId.is_null())
        .all(&app.db)
        .await?;
    render(app, &events, &community.name, false).await.map(Some)
}

/// The community with this slug, if anonymous callers may see it.
async fn public_community(app: &App, anonymous: &Caller, slug: &str) -> ServiceResult<Option<community::Model>> {
    if slug.len() > super::validate::SLUG_MAX {
        return Ok(None);
    }
    Ok(community::Entity::find()
        .filter(community::Column::Slug.eq(slug))
        .filter(access::visible_communities(&app.auth, app.db.get_database_backend(), anonymous))
        .one(&app.db)
        .await?)
}

/// The URL of a community's public feed, when anonymous callers may see the community.
pub fn community_feed_url(app: &App, community: &community::Model) -> Option<String> {
    let anonymous = Caller::default();
    access::allowed(&app.auth, anonymous.base_roles(), community, policy::Action::View)
        .then(|| app.sso.url(&community_path(&community.slug)))
}

/// A local time as iCalendar writes it with a `TZID`.
fn local(at: DateTime<Utc>, tz: chrono_tz::Tz) -> String {
    at.with_timezone(&tz).format("%Y%m%dT%H%M%S").to_string()
}

fn zoned(key: &str, at: DateTime<Utc>, tz: chrono_tz::Tz) -> Property {
    let mut property = Property::new(key, local(at, tz));
    property.add_parameter("TZID", tz.name());
    property.done()
}

/// The calendar of these events (join links only in personal feeds).
async fn render(app: &App, list: &[event::Model], name: &str, personal: bool) -> ServiceResult<String> {
    let ids: Vec<i32> = list.iter().map(|e| e.id).collect();
    let mut own: HashMap<i32, Vec<event_occurrence::Model>> = HashMap::new();
    if !ids.is_empty() {
        for o in event_occurrence::Entity::find()
            .filter(event_occurrence::Column::EventId.is_in(ids))
            .order_by_asc(event_occurrence::Column::OriginalStart)
            .all(&app.db)
            .await?
        {
            own.entry(o.event_id).or_default().push(o);
        }
    }
    let host = app.sso.settings.public_url.host_str().unwrap_or("maillage").to_owned();
    let mut calendar = Calendar::new();
    calendar.name(name);
    let mut zones: HashMap<String, (chrono_tz::Tz, i32, i32)> = HashMap::new();
    for e in list {
        let Ok(tz) = events::time_zone("timeZone", &e.time_zone) else { continue };
        let first = e.starts_at.with_timezone(&tz).year();
        let last = e.series_ends_at.map_or(Utc::now().year() + ZONE_YEARS, |end| end.year()).max(first);
        let span = zones.entry(tz.name().to_owned()).or_insert((tz, first, last));
        span.1 = span.1.min(first);
        span.2 = span.2.max(last);
        let uid = format!("event-{}@{host}", e.id);
        let sequence = u32::try_from(e.version.saturating_sub(1)).unwrap_or(0);
        let mut master = icalendar::Event::new();
        master
            .uid(&uid)
            .sequence(sequence)
            .timestamp(e.updated_at)
            .summary(&e.title)
            .append_property(zoned("DTSTART", e.starts_at, tz))
            .append_property(zoned("DTEND", e.ends_at, tz));
        if !e.agenda.is_empty() {
            master.description(&e.agenda);
        }
        if let Some(place) = &e.place {
            master.location(place);
        }
        if personal && let Some(url) = &e.join_url {
            master.url(url);
        }
        if let Some(rule) = &e.recurrence {
            master.add_property("RRULE", rule);
        }
        if e.cancelled {
            master.status(EventStatus::Cancelled);
        } else {
            master.status(EventStatus::Confirmed);
        }
        let mut overrides = Vec::new();
        for o in own.get(&e.id).into_iter().flatten() {
            if o.cancelled {
                master.append_multi_property(zoned("EXDATE", o.original_start, tz));
                continue;
            }
            let mut moved = icalendar::Event::new();
            moved
                .uid(&uid)
                .sequence(sequence)
                .timestamp(o.updated_at)
                .summary(o.title.as_deref().unwrap_or(&e.title))
                .append_property(zoned("RECURRENCE-ID", o.original_start, tz))
                .append_property(zoned("DTSTART", o.starts_at, tz))
                .append_property(zoned("DTEND", o.ends_at, tz))
                .status(if e.cancelled { EventStatus::Cancelled } else { EventStatus::Confirmed });
            if let Some(place) = o.place.as_ref().or(e.place.as_ref()) {
                moved.location(place);
            }
            if personal && let Some(url) = &e.join_url {
                moved.url(url);
            }
            overrides.push(moved.done());
        }
        calendar.push(master.done());
        for o in overrides {
            calendar.push(o);
        }
    }
    let text = calendar.done().to_string();
    let mut timezones = String::new();
    let ordered: BTreeSet<&String> = zones.keys().collect();
    for name in ordered {
        if let Some((tz, first, last)) = zones.get(name) {
            timezones.push_str(&vtimezone(*tz, *first, *last));
        }
    }
    // The crate writes no VTIMEZONE: each zone used goes before the first event.
    Ok(match text.find("BEGIN:VEVENT") {
        Some(at) => format!("{}{timezones}{}", &text[..at], &text[at..]),
        None => text,
    })
}

/// An offset as iCalendar writes it (`-0500`).
fn offset_text(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let minutes = seconds.abs() / 60;
    format!("{sign}{:02}{:02}", minutes / 60, minutes % 60)
}

/// The offset, name and daylight-saving flag of a zone at an instant.
fn offset_at(tz: chrono_tz::Tz, at: DateTime<Utc>) -> (i32, String, bool) {
    let offset = tz.offset_from_utc_datetime(&at.naive_utc());
    let name = chrono_tz::OffsetName::abbreviation(&offset).unwrap_or("").to_owned();
    (offset.fix().local_minus_utc(), name, !offset.dst_offset().is_zero())
}

/// One part (`STANDARD` or `DAYLIGHT`) of a `VTIMEZONE`: the offset from `start` (local
/// time, in the offset before it) on.
fn zone_part(dst: bool, start: NaiveDateTime, from: i32, to: i32, name: &str) -> String {
    let kind = if dst { "DAYLIGHT" } else { "STANDARD" };
    let mut text = format!(
        "BEGIN:{kind}\r\nDTSTART:{}\r\nTZOFFSETFROM:{}\r\nTZOFFSETTO:{}\r\n",
        start.format("%Y%m%dT%H%M%S"),
        offset_text(from),
        offset_text(to)
    );
    if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '-') {
        text.push_str(&format!("TZNAME:{name}\r\n"));
    }
    text.push_str(&format!("END:{kind}\r\n"));
    text
}

/// How many (zone, year) transitions [`year_parts`] keeps.
const ZONE_YEARS_CACHED: usize = 4_096;

/// `VTIMEZONE` parts by zone and year.
type ZoneYears = lru::LruCache<(chrono_tz::Tz, i32), Arc<str>>;

/// The transitions of zones by year, computed once per process (time-zone data does not
/// change while it runs), the least used forgotten first.
static ZONE_YEAR_PARTS: std::sync::LazyLock<std::sync::Mutex<ZoneYears>> = std::sync::LazyLock::new(|| {
    std::sync::Mutex::new(lru::LruCache::new(
        std::num::NonZeroUsize::new(ZONE_YEARS_CACHED).unwrap_or(std::num::NonZeroUsize::MIN),
    ))
});

/// The `VTIMEZONE` parts of the changes of offset a zone makes in a year, found by
/// stepping through the zone's data day by day, then hour by hour within a day where the
/// offset changed; cached.
fn year_parts(tz: chrono_tz::Tz, year: i32) -> Arc<str> {
    let cache = || ZONE_YEAR_PARTS.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(found) = cache().get(&(tz, year)) {
        return found.clone();
    }
    let mut out = String::new();
    if let (Some(mut at), Some(end)) =
        (Utc.with_ymd_and_hms(year, 1, 1, 0, 0, 0).single(), Utc.with_ymd_and_hms(year + 1, 1, 1, 0, 0, 0).single())
    {
        let mut offset = offset_at(tz, at).0;
        while at < end {
            let day = at + Duration::days(1);
            if offset_at(tz, day).0 != offset {
                let mut hour = at;
                while hour < day {
                    let next = hour + Duration::hours(1);
                    let (o, n, d) = offset_at(tz, next);
                    if o != offset {
                        // DTSTART is the local time of the change, in the offset before it.
                        let local = (next + Duration::seconds(i64::from(offset))).naive_utc();
                        out.push_str(&zone_part(d, local, offset, o, &n));
                        offset = o;
                    }
                    hour = next;
                }
            }
            at = day;
        }
    }
    let parts: Arc<str> = out.into();
    cache().put((tz, year), parts.clone());
    parts
}

/// A `VTIMEZONE` for a zone from January of `first` to the end of `last` (at most 30
/// years on): the offset in effect then, and each transition.
fn vtimezone(tz: chrono_tz::Tz, first: i32, last: i32) -> String {
    let last = last.min(first + 30);
    let Some(at) = Utc.with_ymd_and_hms(first, 1, 1, 0, 0, 0).single() else { return String::new() };
    let mut out = format!("BEGIN:VTIMEZONE\r\nTZID:{}\r\n", tz.name());
    let (offset, name, dst) = offset_at(tz, at);
    out.push_str(&zone_part(dst, (at + Duration::seconds(i64::from(offset))).naive_utc(), offset, offset, &name));
    for year in first..=last {
        out.push_str(&year_parts(tz, year));
    }
    out.push_str("END:VTIMEZONE\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toronto_changes_twice_a_year_at_two_in_the_morning() {
        let tz: chrono_tz::Tz = "America/Toronto".parse().unwrap();
        let text = vtimezone(tz, 2027, 2027);
        assert!(text.starts_with("BEGIN:VTIMEZONE\r\nTZID:America/Toronto\r\n"), "{text}");
        assert!(text.contains("BEGIN:DAYLIGHT\r\nDTSTART:20270314T020000\r\nTZOFFSETFROM:-0500\r\nTZOFFSETTO:-0400\r\nTZNAME:EDT\r\nEND:DAYLIGHT"), "{text}");
        assert!(text.contains("BEGIN:STANDARD\r\nDTSTART:20271107T020000\r\nTZOFFSETFROM:-0400\r\nTZOFFSETTO:-0500\r\nTZNAME:EST\r\nEND:STANDARD"), "{text}");
        assert_eq!(text.matches("BEGIN:DAYLIGHT").count(), 1);
        // Each year's transitions are worked out once, then reused.
        let again = vtimezone(tz, 2026, 2028);
        assert!(again.contains("DTSTART:20270314T020000"), "{again}");
        let cache = ZONE_YEAR_PARTS.lock().unwrap();
        assert!(cache.contains(&(tz, 2026)) && cache.contains(&(tz, 2027)) && cache.contains(&(tz, 2028)));
        drop(cache);
        let utc = vtimezone(chrono_tz::UTC, 2027, 2028);
        assert_eq!(utc.matches("BEGIN:STANDARD").count(), 1, "{utc}");
    }
}

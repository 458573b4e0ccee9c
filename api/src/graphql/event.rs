//! Events in the schema: events and their occurrences, the lists of occurrences in a
//! window, RSVPs and attendance.

use async_graphql::{
    ComplexObject, Context, ID, InputObject, Object, SimpleObject,
    connection::{Connection, CursorType, Edge, EmptyFields},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use entity::{event as db, event_attendance, event_rsvp};

use super::{
    GqlResult, app, caller,
    community::{Community, Subgroup},
    connection::{DEFAULT_PAGE_SIZE, ListInfo, MAX_PAGE_SIZE},
    enums::{AttendanceStatus, Audience, EventEditScope, EventKind, EventMode, RsvpResponse},
    ids::{NodeKind, from_global, from_occurrence_id, occurrence_id, to_global},
    loaders::{
        AttendanceLoader, EventOrganizers, EventPermissionsLoader, IdLoader, PersonById, RsvpCountsLoader,
        SubgroupById, loader,
    },
    person::Person,
};
use crate::{
    error::ServiceError,
    service::event::{self as service, EditScope, EventChanges, NewEvent, Target},
};

/// A guest speaker (they need not be people of the network).
#[derive(SimpleObject, Clone)]
pub struct Speaker {
    /// Their name.
    pub name: String,
    /// Where they work or what they represent.
    pub affiliation: Option<String>,
}

/// An event of a community: a meeting, webinar, workshop, guest talk… once, or recurring
/// by an RFC 5545 rule. Its times are those of its first occurrence; `occurrences` lists
/// them all in a window.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct Event {
    #[graphql(skip)]
    pub model: db::Model,
    /// What kind of event.
    pub kind: EventKind,
    /// Title: one line, 1 to 300 characters.
    pub title: String,
    /// The agenda, in Markdown as written (at most 50,000 characters).
    pub agenda: String,
    /// Start of the first occurrence.
    pub starts_at: DateTime<Utc>,
    /// End of the first occurrence.
    pub ends_at: DateTime<Utc>,
    /// The IANA time zone its times and recurrence are kept in (`America/Toronto`): a
    /// 13:00 meeting stays at 13:00 there across daylight-saving changes.
    pub time_zone: String,
    /// The RFC 5545 `RRULE` it recurs by (`FREQ=MONTHLY;BYDAY=2TU`); null when it does not.
    pub recurrence: Option<String>,
    /// In person, online or both.
    pub mode: EventMode,
    /// Where it takes place (in person and hybrid events).
    pub place: Option<String>,
    /// How many people may come to each occurrence; null when there is no limit.
    pub capacity: Option<i32>,
    /// Who may see it: the community's members (MEMBERS), every logged-in person
    /// (NETWORK) or everyone (PUBLIC).
    pub audience: Audience,
    /// Whether the whole event is cancelled.
    pub cancelled: bool,
    /// Bumped on every change: give it as `expectedVersion` to `updateEvent` and
    /// `cancelEvent` so that an edit made meanwhile by someone else is not overwritten.
    pub version: i32,
}

impl Event {
    pub fn new(model: db::Model) -> Self {
        Self {
            kind: model.kind.into(),
            title: model.title.clone(),
            agenda: model.agenda.clone(),
            starts_at: model.starts_at,
            ends_at: model.ends_at,
            time_zone: model.time_zone.clone(),
            recurrence: model.recurrence.clone(),
            mode: model.mode.into(),
            place: model.place.clone(),
            capacity: model.capacity,
            audience: model.audience.into(),
            cancelled: model.cancelled,
            version: model.version,
            model,
        }
    }
}

/// What the viewer may do with an event.
#[derive(SimpleObject)]
pub struct EventViewerCan {
    /// Edit and cancel it, and record attendance (its organizers, the community's animators).
    pub update: bool,
    /// Answer whether they come (anyone logged in who sees it, unless it is cancelled).
    pub rsvp: bool,
}

#[ComplexObject]
impl Event {
    /// Global id.
    pub async fn id(&self) -> ID {
        to_global(NodeKind::Event, self.model.id)
    }
    /// The agenda as sanitized HTML.
    async fn agenda_html(&self) -> String {
        service::agenda_html(&self.model)
    }
    /// The link to join online; shown only to people who may attend (logged in), null
    /// for anyone else.
    async fn join_url(&self, ctx: &Context<'_>) -> Option<&str> {
        caller(ctx).viewer.as_ref().and(self.model.join_url.as_deref())
    }
    /// Guest speakers.
    async fn speakers(&self) -> Vec<Speaker> {
        service::speakers_of(&self.model)
            .into_iter()
            .map(|s| Speaker { name: s.name, affiliation: s.affiliation })
            .collect()
    }
    /// The community, when the viewer may see it (an event opened to the network or the
    /// public does not reveal a community the viewer may not see).
    async fn community(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Community>> {
        super::community::visible_community(ctx, self.model.community_id).await
    }
    /// The subgroup it belongs to, if any.
    async fn subgroup(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Subgroup>> {
        let Some(id) = self.model.subgroup_id else { return Ok(None) };
        Ok(loader::<IdLoader<SubgroupById>, _>(ctx).load_one(id).await.gql()?.map(Subgroup))
    }
    /// Who organizes it: shown to logged-in viewers, and only those organizers whose
    /// membership of the community the viewer may see (an event opened to the network or
    /// the public does not name the people of a community the viewer may not see).
    #[graphql(complexity = "crate::graphql::connection::list_cost(child_complexity)")]
    async fn organizers(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Person>> {
        let ids = loader::<EventOrganizers, _>(ctx).load_one(self.model.id).await.gql()?.unwrap_or_default();
        let people = loader::<PersonById, _>(ctx).load_many(ids).await.gql()?;
        let mut people: Vec<Person> = people.into_values().map(Person).collect();
        people.sort_by_key(|p| p.0.id);
        Ok(people)
    }
    /// What the viewer may do with it.
    async fn viewer_can(&self, ctx: &Context<'_>) -> async_graphql::Result<EventViewerCan> {
        let perms = loader::<EventPermissionsLoader, _>(ctx).load_one(self.model.id).await.gql()?.unwrap_or_default();
        Ok(EventViewerCan { update: perms.manage, rsvp: perms.rsvp })
    }
    /// Its occurrences that overlap the window `[from, to)`, in order of start
    /// (cancelled ones included, marked).
    #[graphql(complexity = "crate::graphql::connection::cost(first, None, child_complexity)")]
    async fn occurrences(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Start of the window (1970 or later).")] from: DateTime<Utc>,
        #[graphql(
            desc = "End of the window (excluded): after `from`, at most 731 days later, between 1970 and 2200, and holding at most 500 events the viewer may see with an occurrence in it, at most 5,000 looked at (`BAD_USER_INPUT` naming `to`: ask for a shorter window)."
        )]
        to: DateTime<Utc>,
        #[graphql(desc = "How many occurrences to return: 0 to 100 (20 by default).")] first: Option<i32>,
        #[graphql(desc = "Returns the occurrences after this cursor (an edge's `cursor`).")] after: Option<String>,
    ) -> async_graphql::Result<OccurrenceConnection> {
        page(ctx, service::EventsOf::Event(self.model.id), (from, to), (first, after), false).await
    }
}

/// The viewer's answer to an occurrence.
#[derive(SimpleObject, Clone)]
pub struct Rsvp {
    /// Their answer.
    pub response: RsvpResponse,
    /// Going, but waiting for a place (the event is full): the first person waiting gets
    /// the next place freed.
    pub waitlisted: bool,
}

impl From<&event_rsvp::Model> for Rsvp {
    fn from(m: &event_rsvp::Model) -> Self {
        Self { response: m.response.into(), waitlisted: m.waitlisted }
    }
}

/// One line of attendance.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct Attendance {
    #[graphql(skip)]
    pub person_id: i32,
    /// Whether they attended.
    pub status: AttendanceStatus,
    /// Hours counted (in quarter hours).
    pub hours: f64,
}

impl From<&event_attendance::Model> for Attendance {
    fn from(m: &event_attendance::Model) -> Self {
        Self { person_id: m.person_id, status: m.status.into(), hours: f64::from(m.quarter_hours) / 4.0 }
    }
}

#[ComplexObject]
impl Attendance {
    /// The person.
    async fn person(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Person>> {
        Ok(loader::<PersonById, _>(ctx).load_one(self.person_id).await.gql()?.map(Person))
    }
}

/// One occurrence of an event: its own id (the event and its original start), its
/// times (moved or not), and the viewer's answer.
#[derive(Clone)]
pub struct Occurrence {
    pub inner: service::Occurrence,
    /// The viewer's answer, when read with the page (`None`: not read yet).
    pub viewer_rsvp: Option<Option<Rsvp>>,
}

/// One occurrence of an event.
#[Object]
impl Occurrence {
    /// Global id: the event and the start its rule gives the occurrence, so it stays the
    /// same when the occurrence is moved.
    pub async fn id(&self) -> ID {
        occurrence_id(self.inner.event.id, self.inner.original_start)
    }
    /// The event it is an occurrence of.
    async fn event(&self) -> Event {
        Event::new(self.inner.event.clone())
    }
    /// The start its event's rule gives it (its key, whether moved or not).
    async fn original_start(&self) -> DateTime<Utc> {
        self.inner.original_start
    }
    /// When it starts.
    async fn starts_at(&self) -> DateTime<Utc> {
        self.inner.starts_at
    }
    /// When it ends.
    async fn ends_at(&self) -> DateTime<Utc> {
        self.inner.ends_at
    }
    /// Its title (the event's, unless renamed on its own).
    async fn title(&self) -> &str {
        &self.inner.title
    }
    /// Its place (the event's, unless moved elsewhere on its own).
    async fn place(&self) -> Option<&str> {
        self.inner.place.as_deref()
    }
    /// Whether it was moved, renamed or relocated on its own.
    async fn changed(&self) -> bool {
        self.inner.changed
    }
    /// Whether it is cancelled (on its own, or with its whole event).
    async fn cancelled(&self) -> bool {
        self.inner.cancelled
    }
    /// The viewer's answer; null when they have not answered (or are anonymous).
    async fn viewer_rsvp(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Rsvp>> {
        if let Some(known) = &self.viewer_rsvp {
            return Ok(known.clone());
        }
        let key = (self.inner.event.id, self.inner.original_start);
        let found = service::viewer_rsvps(&app(ctx).db, caller(ctx), &[key]).await.gql()?;
        Ok(found.get(&key).map(Rsvp::from))
    }
    /// How many people hold a place.
    async fn going_count(&self, ctx: &Context<'_>) -> async_graphql::Result<i32> {
        Ok(i32::try_from(self.counts(ctx).await?.going).unwrap_or(i32::MAX))
    }
    /// How many people wait for a place.
    async fn waitlist_count(&self, ctx: &Context<'_>) -> async_graphql::Result<i32> {
        Ok(i32::try_from(self.counts(ctx).await?.waiting).unwrap_or(i32::MAX))
    }
    /// How many people answered maybe.
    async fn maybe_count(&self, ctx: &Context<'_>) -> async_graphql::Result<i32> {
        Ok(i32::try_from(self.counts(ctx).await?.maybe).unwrap_or(i32::MAX))
    }
    /// Attendance as recorded (the event's organizers and the community's animators only:
    /// `FORBIDDEN` for anyone else).
    #[graphql(complexity = "crate::graphql::connection::list_cost(child_complexity)")]
    async fn attendance(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Attendance>> {
        let key = (self.inner.event.id, self.inner.original_start);
        let rows = loader::<AttendanceLoader, _>(ctx)
            .load_one(key)
            .await
            .gql()?
            .flatten()
            .ok_or_else(service::attendance_forbidden)
            .gql()?;
        Ok(rows.iter().map(Attendance::from).collect())
    }
}

impl Occurrence {
    /// The counts of answers to it (batched with its siblings').
    async fn counts(&self, ctx: &Context<'_>) -> async_graphql::Result<service::RsvpCounts> {
        let key = (self.inner.event.id, self.inner.original_start);
        Ok(loader::<RsvpCountsLoader, _>(ctx).load_one(key).await.gql()?.unwrap_or_default())
    }
}

/// Where a page of occurrences stops: (start, event, original start).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct OccurrenceCursor(i64, i32, i64);

impl OccurrenceCursor {
    fn of(o: &service::Occurrence) -> Self {
        let (start, event, original) = o.key();
        Self(start, event, original)
    }
}

impl CursorType for OccurrenceCursor {
    type Error = ServiceError;

    fn decode_cursor(s: &str) -> Result<Self, Self::Error> {
        let bad = || ServiceError::bad_input("after", crate::i18n::Message::new("bad-cursor"));
        if s.len() > 100 {
            return Err(bad());
        }
        let text = String::from_utf8(URL_SAFE_NO_PAD.decode(s.as_bytes()).map_err(|_| bad())?).map_err(|_| bad())?;
        let mut parts = text.strip_prefix("o:").ok_or_else(bad)?.split(':');
        let (Some(a), Some(b), Some(c), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
            return Err(bad());
        };
        Ok(Self(a.parse().map_err(|_| bad())?, b.parse().map_err(|_| bad())?, c.parse().map_err(|_| bad())?))
    }

    fn encode_cursor(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("o:{}:{}:{}", self.0, self.1, self.2))
    }
}

/// A page of occurrences.
pub type OccurrenceConnection = Connection<OccurrenceCursor, Occurrence, ListInfo, EmptyFields>;

/// A page of occurrences in a window, with the viewer's answers read in one statement.
async fn page(
    ctx: &Context<'_>,
    events: service::EventsOf,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
    (first, after): (Option<i32>, Option<String>),
    upcoming: bool,
) -> async_graphql::Result<OccurrenceConnection> {
    let size = first.unwrap_or(DEFAULT_PAGE_SIZE);
    if !(0..=MAX_PAGE_SIZE).contains(&size) {
        return Err(ServiceError::bad_input("first", crate::i18n::Message::new("page-size").arg("max", MAX_PAGE_SIZE)))
            .gql();
    }
    let after = after.map(|c| OccurrenceCursor::decode_cursor(&c)).transpose().gql()?;
    let query = service::OccurrenceQuery {
        events,
        from,
        to,
        after: after.map(|a| (a.0, a.1, a.2)),
        first: usize::try_from(size).unwrap_or(0),
        upcoming,
    };
    let found = service::occurrence_page(app(ctx), caller(ctx), query).await.gql()?;
    let keys: Vec<(i32, DateTime<Utc>)> = found.items.iter().map(|o| (o.event.id, o.original_start)).collect();
    let answers = service::viewer_rsvps(&app(ctx).db, caller(ctx), &keys).await.gql()?;
    let mut conn = Connection::with_additional_fields(
        after.is_some(),
        found.has_next,
        ListInfo { total_count: i64::try_from(found.total).unwrap_or(i64::MAX) },
    );
    conn.edges.extend(found.items.into_iter().map(|o| {
        let viewer_rsvp = Some(answers.get(&(o.event.id, o.original_start)).map(Rsvp::from));
        Edge::new(OccurrenceCursor::of(&o), Occurrence { inner: o, viewer_rsvp })
    }));
    Ok(conn)
}

/// Every occurrence the viewer may see in a window (of one community when given).
pub async fn occurrences(
    ctx: &Context<'_>,
    community_id: Option<i32>,
    window: (DateTime<Utc>, DateTime<Utc>),
    first: Option<i32>,
    after: Option<String>,
) -> async_graphql::Result<OccurrenceConnection> {
    let events = community_id.map_or(service::EventsOf::All, service::EventsOf::Community);
    page(ctx, events, window, (first, after), false).await
}

/// The viewer's occurrences to come in a window (cancelled ones left out).
pub async fn upcoming(
    ctx: &Context<'_>,
    window: (DateTime<Utc>, DateTime<Utc>),
    first: Option<i32>,
    after: Option<String>,
) -> async_graphql::Result<OccurrenceConnection> {
    page(ctx, service::EventsOf::All, window, (first, after), true).await
}

#[derive(Default)]
pub struct EventQuery;

/// Events across the network.
#[Object]
impl EventQuery {
    /// Every occurrence the viewer may see in the window `[from, to)`, in order of start:
    /// those of their communities (and subgroups), and the talks opened to the network
    /// (logged-in viewers) or the public. Cancelled occurrences are included, marked.
    #[graphql(complexity = "crate::graphql::connection::cost(first, None, child_complexity)")]
    async fn events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Start of the window (1970 or later).")] from: DateTime<Utc>,
        #[graphql(
            desc = "End of the window (excluded): after `from`, at most 731 days later, between 1970 and 2200, and holding at most 500 events the viewer may see with an occurrence in it, at most 5,000 looked at (`BAD_USER_INPUT` naming `to`: ask for a shorter window)."
        )]
        to: DateTime<Utc>,
        #[graphql(desc = "How many occurrences to return: 0 to 100 (20 by default).")] first: Option<i32>,
        #[graphql(desc = "Returns the occurrences after this cursor (an edge's `cursor`).")] after: Option<String>,
    ) -> async_graphql::Result<OccurrenceConnection> {
        occurrences(ctx, None, (from, to), first, after).await
    }
}

/// A guest speaker, as given.
#[derive(InputObject)]
pub struct SpeakerInput {
    /// Their name: one line, 1 to 200 characters.
    pub name: String,
    /// Where they work or what they represent (at most 200 characters).
    pub affiliation: Option<String>,
}

fn speakers(input: Vec<SpeakerInput>) -> Vec<service::Speaker> {
    input.into_iter().map(|s| service::Speaker { name: s.name, affiliation: s.affiliation }).collect()
}

/// Input of `createEvent`.
#[derive(InputObject)]
pub struct CreateEventInput {
    /// Global id of the community.
    pub community_id: ID,
    /// Plan it in this subgroup of the community (then seen by the subgroup's readers;
    /// its audience stays MEMBERS).
    pub subgroup_id: Option<ID>,
    /// What kind of event.
    pub kind: EventKind,
    /// Title: one line, 1 to 300 characters once trimmed.
    pub title: String,
    /// The agenda, in Markdown (at most 50,000 characters; empty by default).
    #[graphql(default)]
    pub agenda: String,
    /// Start of the (first) occurrence, between 2000 and 2100.
    pub starts_at: DateTime<Utc>,
    /// Its end: after `startsAt`, at most 7 days later.
    pub ends_at: DateTime<Utc>,
    /// The IANA time zone the event is planned in (`America/Toronto`).
    pub time_zone: String,
    /// An RFC 5545 `RRULE` (`FREQ=MONTHLY;BYDAY=2TU`): at most daily, no times of day
    /// (the start gives them), `COUNT` at most 1,000 and ending before 2200 (a daily or
    /// weekly series with `COUNT` may not filter months or days of the month or year:
    /// write it monthly or yearly). A community holds at most 50 series and 400 events
    /// that have not ended (`CONFLICT` naming `communityId`), and one person creates at
    /// most 100 events a day in it (`RATE_LIMITED`).
    pub recurrence: Option<String>,
    /// In person (needs `place`), online (needs `joinUrl`) or both.
    pub mode: EventMode,
    /// Where it takes place (one line, at most 300 characters).
    pub place: Option<String>,
    /// The link to join online (https).
    pub join_url: Option<String>,
    /// How many people may come to each occurrence (1 to 100,000); none: no limit.
    pub capacity: Option<i32>,
    /// Who may see it: MEMBERS by default; NETWORK or PUBLIC need the right to publish
    /// events (animators).
    #[graphql(default_with = "Audience::Members")]
    pub audience: Audience,
    /// Guest speakers (at most 20).
    #[graphql(default)]
    pub speakers: Vec<SpeakerInput>,
    /// Other organizers, active members of the community (the creator always is one; at
    /// most 20).
    #[graphql(default)]
    pub organizer_ids: Vec<ID>,
}

/// Result of `createEvent`.
#[derive(SimpleObject)]
pub struct CreateEventPayload {
    /// The new event.
    pub event: Event,
}

/// Input of `updateEvent`: the fields given change, the others stay.
#[derive(InputObject)]
pub struct UpdateEventInput {
    /// Global id of the event.
    pub id: ID,
    /// Which occurrences the change applies to (ALL by default). One occurrence (THIS)
    /// may change only its title, place and times.
    #[graphql(default_with = "EventEditScope::All")]
    pub scope: EventEditScope,
    /// The occurrence (needed for THIS and THIS_AND_FOLLOWING on a recurring event).
    pub occurrence_id: Option<ID>,
    /// The `version` the change was made from: `CONFLICT` if the event changed since.
    pub expected_version: Option<i32>,
    /// New kind.
    pub kind: Option<EventKind>,
    /// New title.
    pub title: Option<String>,
    /// New agenda (Markdown).
    pub agenda: Option<String>,
    /// New start (of the occurrence for THIS, of the series otherwise). Changing the times
    /// of a whole series gives it new occurrences: those moved or cancelled on their own
    /// are reset.
    pub starts_at: Option<DateTime<Utc>>,
    /// New end.
    pub ends_at: Option<DateTime<Utc>>,
    /// New IANA time zone.
    pub time_zone: Option<String>,
    /// New RFC 5545 `RRULE`; an empty string stops the recurrence.
    pub recurrence: Option<String>,
    /// New mode.
    pub mode: Option<EventMode>,
    /// New place.
    pub place: Option<String>,
    /// New link to join online.
    pub join_url: Option<String>,
    /// New capacity (1 to 100,000).
    pub capacity: Option<i32>,
    /// Remove the capacity limit.
    #[graphql(default)]
    pub unlimited_capacity: bool,
    /// New audience (NETWORK and PUBLIC need the right to publish events).
    pub audience: Option<Audience>,
    /// New guest speakers (replacing the list).
    pub speakers: Option<Vec<SpeakerInput>>,
}

/// Result of `updateEvent`.
#[derive(SimpleObject)]
pub struct UpdateEventPayload {
    /// The event the edited occurrence belongs to now (a new event when a series was
    /// split by THIS_AND_FOLLOWING).
    pub event: Event,
}

/// Input of `cancelEvent`.
#[derive(InputObject)]
pub struct CancelEventInput {
    /// Global id of the event.
    pub id: ID,
    /// Which occurrences to cancel (ALL by default).
    #[graphql(default_with = "EventEditScope::All")]
    pub scope: EventEditScope,
    /// The occurrence (needed for THIS and THIS_AND_FOLLOWING on a recurring event).
    pub occurrence_id: Option<ID>,
    /// The `version` the cancellation was decided from: `CONFLICT` if the event changed since.
    pub expected_version: Option<i32>,
}

/// Result of `cancelEvent`.
#[derive(SimpleObject)]
pub struct CancelEventPayload {
    /// The event the cancelled occurrences belong to.
    pub event: Event,
}

/// Input of `rsvp`.
#[derive(InputObject)]
pub struct RsvpInput {
    /// Global id of the occurrence.
    pub occurrence_id: ID,
    /// The answer.
    pub response: RsvpResponse,
}

/// Result of `rsvp`.
#[derive(SimpleObject)]
pub struct RsvpPayload {
    /// The occurrence, with the viewer's answer.
    pub occurrence: Occurrence,
}

/// One line of attendance, as given.
#[derive(InputObject)]
pub struct AttendanceEntryInput {
    /// Global id of the person (an active member of the community).
    pub person_id: ID,
    /// Whether they attended.
    pub status: AttendanceStatus,
    /// Hours to count, in quarter hours (0 to 24, at most the occurrence's length); by
    /// default the occurrence's length (24 for one that lasts longer) for PRESENT, 0
    /// otherwise.
    pub hours: Option<f64>,
}

/// Input of `recordAttendance`.
#[derive(InputObject)]
pub struct RecordAttendanceInput {
    /// Global id of the occurrence (once it has started).
    pub occurrence_id: ID,
    /// One line per person (1 to 500); recording a person again replaces their line.
    pub entries: Vec<AttendanceEntryInput>,
}

/// Result of `recordAttendance`.
#[derive(SimpleObject)]
pub struct RecordAttendancePayload {
    /// The lines recorded.
    pub attendance: Vec<Attendance>,
    /// The occurrence.
    pub occurrence: Occurrence,
}

/// Result of `resetCalendarFeed`.
#[derive(SimpleObject)]
pub struct ResetCalendarFeedPayload {
    /// The address of the viewer's personal feed (iCalendar), to subscribe to in a
    /// calendar client: shown this once (it is the credential; it is stored hashed). A
    /// new one replaces it.
    pub url: String,
}

fn scope(s: EventEditScope) -> EditScope {
    match s {
        EventEditScope::This => EditScope::This,
        EventEditScope::ThisAndFollowing => EditScope::ThisAndFollowing,
        EventEditScope::All => EditScope::All,
    }
}

fn target(
    id: &ID,
    s: EventEditScope,
    occurrence: Option<&ID>,
    expected_version: Option<i32>,
) -> Result<Target, ServiceError> {
    Ok(Target {
        event_id: from_global("id", NodeKind::Event, id)?,
        scope: scope(s),
        occurrence: occurrence.map(|o| from_occurrence_id("occurrenceId", o)).transpose()?,
        expected_version,
    })
}

#[derive(Default)]
pub struct EventMutation;

/// Mutations on events.
#[Object]
impl EventMutation {
    /// Plans an event in a community (members of it; in a subgroup, people who may post
    /// there). The creator becomes an organizer.
    async fn create_event(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Where, what and when.")] input: CreateEventInput,
    ) -> async_graphql::Result<CreateEventPayload> {
        let community_id = from_global("communityId", NodeKind::Community, &input.community_id).gql()?;
        let subgroup_id =
            input.subgroup_id.as_ref().map(|id| from_global("subgroupId", NodeKind::Subgroup, id)).transpose().gql()?;
        let organizer_ids = input
            .organizer_ids
            .iter()
            .map(|id| from_global("organizerIds", NodeKind::Person, id))
            .collect::<Result<Vec<_>, _>>()
            .gql()?;
        let new = NewEvent {
            community_id,
            subgroup_id,
            kind: input.kind.into(),
            title: input.title,
            agenda: input.agenda,
            starts_at: input.starts_at,
            ends_at: input.ends_at,
            time_zone: input.time_zone,
            recurrence: input.recurrence,
            mode: input.mode.into(),
            place: input.place,
            join_url: input.join_url,
            capacity: input.capacity,
            audience: input.audience.into(),
            speakers: speakers(input.speakers),
            organizer_ids,
        };
        let event = service::create(app(ctx), caller(ctx), new).await.gql()?;
        Ok(CreateEventPayload { event: Event::new(event) })
    }

    /// Edits an event, one of its occurrences, or one and those after it (its organizers
    /// and the community's animators).
    async fn update_event(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The event, which occurrences, and what changes.")] input: UpdateEventInput,
    ) -> async_graphql::Result<UpdateEventPayload> {
        let target = target(&input.id, input.scope, input.occurrence_id.as_ref(), input.expected_version).gql()?;
        let capacity = if input.unlimited_capacity { Some(None) } else { input.capacity.map(Some) };
        let changes = EventChanges {
            kind: input.kind.map(Into::into),
            title: input.title,
            agenda: input.agenda,
            starts_at: input.starts_at,
            ends_at: input.ends_at,
            time_zone: input.time_zone,
            recurrence: input.recurrence,
            mode: input.mode.map(Into::into),
            place: input.place,
            join_url: input.join_url,
            capacity,
            audience: input.audience.map(Into::into),
            speakers: input.speakers.map(speakers),
        };
        let event = service::update(app(ctx), caller(ctx), target, changes).await.gql()?;
        Ok(UpdateEventPayload { event: Event::new(event) })
    }

    /// Cancels an event, one of its occurrences, or one and those after it (its
    /// organizers and the community's animators). Cancelled occurrences stay listed, marked.
    async fn cancel_event(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The event and which occurrences.")] input: CancelEventInput,
    ) -> async_graphql::Result<CancelEventPayload> {
        let target = target(&input.id, input.scope, input.occurrence_id.as_ref(), input.expected_version).gql()?;
        let event = service::cancel(app(ctx), caller(ctx), target).await.gql()?;
        Ok(CancelEventPayload { event: Event::new(event) })
    }

    /// Answers whether the viewer comes to an occurrence. GOING takes a place, or a place
    /// on the waiting list when the occurrence is full; leaving a place gives it to the
    /// first person waiting.
    async fn rsvp(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The occurrence and the answer.")] input: RsvpInput,
    ) -> async_graphql::Result<RsvpPayload> {
        let (event_id, start) = from_occurrence_id("occurrenceId", &input.occurrence_id).gql()?;
        let occurrence = service::rsvp(app(ctx), caller(ctx), event_id, start, input.response.into()).await.gql()?;
        Ok(RsvpPayload { occurrence: Occurrence { inner: occurrence, viewer_rsvp: None } })
    }

    /// Makes the viewer's personal calendar feed (every event they may see), replacing the
    /// one they had: its address is shown once.
    async fn reset_calendar_feed(&self, ctx: &Context<'_>) -> async_graphql::Result<ResetCalendarFeedPayload> {
        let url = crate::service::calendar::reset_feed(app(ctx), caller(ctx)).await.gql()?;
        Ok(ResetCalendarFeedPayload { url })
    }

    /// Records who attended an occurrence (its event's organizers and the community's
    /// animators, once it has started).
    async fn record_attendance(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The occurrence and one line per person.")] input: RecordAttendanceInput,
    ) -> async_graphql::Result<RecordAttendancePayload> {
        let (event_id, start) = from_occurrence_id("occurrenceId", &input.occurrence_id).gql()?;
        let entries = input
            .entries
            .into_iter()
            .map(|e| {
                Ok(service::AttendanceEntry {
                    person_id: from_global("entries.personId", NodeKind::Person, &e.person_id)?,
                    status: e.status.into(),
                    hours: e.hours,
                })
            })
            .collect::<Result<Vec<_>, ServiceError>>()
            .gql()?;
        let saved = service::record_attendance(app(ctx), caller(ctx), event_id, start, entries).await.gql()?;
        let occurrence = service::visible_occurrence(app(ctx), &app(ctx).db, caller(ctx), event_id, start)
            .await
            .gql()?
            .ok_or(ServiceError::not_found("occurrence"))
            .gql()?;
        Ok(RecordAttendancePayload {
            attendance: saved.iter().map(Attendance::from).collect(),
            occurrence: Occurrence { inner: occurrence, viewer_rsvp: None },
        })
    }
}

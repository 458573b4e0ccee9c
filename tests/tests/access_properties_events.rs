//! Property test for events (issue 13): in random networks (the communities, people,
//! memberships, sponsorships and network roles of `harness::access_model`), each community
//! holds events of random audiences, some recurring. Nobody lists, counts or finds by id an
//! event or an occurrence their rights do not allow, and everybody reaches every one they
//! may — checked through the GraphQL API against the reference model: the readers of the
//! community's content see its events; NETWORK events reach every logged-in person and
//! PUBLIC ones everyone, without revealing a community they may not see. The personal
//! calendar feed of each person holds exactly what they may see; a community's public feed
//! exactly its PUBLIC events, and only for communities anyone may see.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, TimeZone, Utc};
use entity::enums::{Audience, EventKind, EventMode};
use harness::TestApp;
use harness::access_model::{Net, build, cases, network, reads, sees, slug};
use maillage_api::graphql::ids::{NodeKind, occurrence_id, to_global};
use proptest::prelude::*;
use sea_orm::{ActiveModelTrait, ActiveValue::Set};
use serde_json::{Value, json};

const AUDIENCES: [Audience; 3] = [Audience::Members, Audience::Network, Audience::Public];

const EVENTS: &str = "{ events(from: \"2027-01-01T00:00:00Z\", to: \"2028-01-01T00:00:00Z\", first: 100) { totalCount edges { node { id event { id community { id } } } } } }";
const COMMUNITY_EVENTS: &str = "query($s: String!) { community(slug: $s) { events(from: \"2027-01-01T00:00:00Z\", to: \"2028-01-01T00:00:00Z\", first: 100) { totalCount edges { node { id } } } } }";
const BY_ID: &str = "query($id: ID!) { node(id: $id) { id ... on Event { occurrences(from: \"2027-01-01T00:00:00Z\", to: \"2028-01-01T00:00:00Z\") { totalCount } } } }";
const BY_IDS: &str = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }";

/// One event of the random network.
#[derive(Debug, Clone)]
struct Planned {
    community: usize,
    audience: usize,
    /// Weekly, three times.
    recurring: bool,
}

fn plan() -> impl Strategy<Value = (Net, Vec<(usize, bool)>)> {
    network().prop_flat_map(|net| {
        let n = net.communities.len();
        (Just(net), proptest::collection::vec((0usize..3, proptest::bool::weighted(0.4)), n..n * 3))
    })
}

/// What the model says: may `viewer` see an event of `audience` in community `c`?
fn sees_event(net: &Net, viewer: Option<usize>, e: &Planned) -> bool {
    reads(net, viewer, e.community)
        || AUDIENCES[e.audience] == Audience::Public
        || (AUDIENCES[e.audience] == Audience::Network && viewer.is_some())
}

fn start_of(i: usize) -> DateTime<Utc> {
    let base = Utc.with_ymd_and_hms(2027, 2, 1, 15, 0, 0).single().unwrap_or_default();
    base + Duration::days(i64::try_from(i).unwrap_or(0) * 5)
}

/// Inserts the events (directly: archived communities take no new events through the API).
async fn insert(app: &TestApp, community_ids: &[Value], creator: i32, planned: &[Planned]) -> Vec<(Value, Vec<Value>)> {
    let mut out = Vec::new();
    for (i, e) in planned.iter().enumerate() {
        let start = start_of(i);
        let now = Utc::now();
        let model = entity::event::ActiveModel {
            community_id: Set(harness::fixtures::db_id(&community_ids[e.community])),
            subgroup_id: Set(None),
            kind: Set(EventKind::Meeting),
            title: Set(format!("Event {i}")),
            agenda: Set(String::new()),
            starts_at: Set(start),
            ends_at: Set(start + Duration::hours(2)),
            // UTC, so that the model's weekly starts are plain seven-day steps.
            time_zone: Set("UTC".into()),
            recurrence: Set(e.recurring.then(|| "FREQ=WEEKLY;COUNT=3".to_owned())),
            series_ends_at: Set(Some(start + Duration::days(if e.recurring { 14 } else { 0 }) + Duration::hours(2))),
            mode: Set(EventMode::Virtual),
            place: Set(None),
            join_url: Set(Some("https://meet.example/x".into())),
            capacity: Set(None),
            audience: Set(AUDIENCES[e.audience]),
            speakers: Set("[]".into()),
            cancelled: Set(false),
            version: Set(1),
            created_by: Set(creator),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&app.db)
        .await
        .expect("insert event");
        let weeks = if e.recurring { 3 } else { 1 };
        let occurrences =
            (0..weeks).map(|w| json!(occurrence_id(model.id, start + Duration::days(7 * w)).0)).collect::<Vec<_>>();
        out.push((json!(to_global(NodeKind::Event, model.id).0), occurrences));
    }
    out
}

fn ids_of(body: &Value) -> BTreeSet<String> {
    body["edges"].as_array().into_iter().flatten().filter_map(|e| e["node"]["id"].as_str().map(str::to_owned)).collect()
}

async fn check(net: Net, events: Vec<(usize, bool)>) -> Result<(), TestCaseError> {
    let app = TestApp::spawn().await;
    let (tokens, person_ids, community_ids) = build(&app, &net).await;
    let planned: Vec<Planned> = events
        .iter()
        .enumerate()
        .map(|(i, (audience, recurring))| Planned {
            community: i % net.communities.len(),
            audience: *audience,
            recurring: *recurring,
        })
        .collect();
    let created = insert(&app, &community_ids, person_ids[0], &planned).await;
    for (v, token) in tokens.iter().enumerate() {
        let viewer = (v < net.people.len()).then_some(v);
        let token = token.as_deref();
        let visible: Vec<usize> = (0..planned.len()).filter(|e| sees_event(&net, viewer, &planned[*e])).collect();
        let expected: BTreeSet<String> =
            visible.iter().flat_map(|e| created[*e].1.iter().filter_map(|o| o.as_str().map(str::to_owned))).collect();

        // Every list and its count.
        let body = app.ok(token, EVENTS, json!({})).await;
        prop_assert_eq!(&ids_of(&body["events"]), &expected, "events for {:?} in {:?} with {:?}", viewer, net, planned);
        prop_assert_eq!(body["events"]["totalCount"].as_u64(), Some(expected.len() as u64));
        // An event opened beyond the members names its community only to those who see it.
        for edge in body["events"]["edges"].as_array().into_iter().flatten() {
            let community = &edge["node"]["event"]["community"]["id"];
            if let Some(c) = community_ids.iter().position(|id| id == community) {
                prop_assert!(sees(&net, viewer, c), "community {} named to {:?}", c, viewer);
            } else {
                prop_assert!(community.is_null());
            }
        }
        for c in 0..net.communities.len() {
            let body = app.gql(token, COMMUNITY_EVENTS, json!({ "s": slug(c) })).await;
            if !sees(&net, viewer, c) {
                prop_assert_eq!(body["errors"][0]["extensions"]["code"].as_str(), Some("NOT_FOUND"));
                continue;
            }
            let of_c: BTreeSet<String> = visible
                .iter()
                .filter(|e| planned[**e].community == c)
                .flat_map(|e| created[*e].1.iter().filter_map(|o| o.as_str().map(str::to_owned)))
                .collect();
            let events = &body["data"]["community"]["events"];
            prop_assert_eq!(&ids_of(events), &of_c, "events of {} for {:?}: {}", c, viewer, body);
            prop_assert_eq!(events["totalCount"].as_u64(), Some(of_c.len() as u64));
        }

        // By id, one at a time and in bulk: the event, each occurrence, and ids that
        // exist nowhere (read like hidden ones).
        let mut ids = Vec::new();
        let mut answers = Vec::new();
        for (e, (event, occurrences)) in created.iter().enumerate() {
            let allowed = visible.contains(&e);
            let body = app.gql(token, BY_ID, json!({ "id": event })).await;
            prop_assert_eq!(!body["data"]["node"].is_null(), allowed, "event {} for {:?}: {}", e, viewer, body);
            if allowed {
                prop_assert_eq!(
                    body["data"]["node"]["occurrences"]["totalCount"].as_u64(),
                    Some(occurrences.len() as u64)
                );
            } else {
                prop_assert_eq!(body["errors"][0]["extensions"]["code"].as_str(), Some("NOT_FOUND"));
            }
            for occurrence in occurrences {
                let id = async_graphql::ID(occurrence.as_str().unwrap_or_default().to_owned());
                let kind = maillage_api::graphql::ids::from_global_any("id", &id).map(|(kind, _)| kind);
                prop_assert!(matches!(kind, Ok(NodeKind::Occurrence)), "an occurrence's id: {:?}", kind);
                let body = app.gql(token, BY_ID, json!({ "id": occurrence })).await;
                prop_assert_eq!(!body["data"]["node"].is_null(), allowed, "occurrence of {} for {:?}", e, viewer);
                ids.push(occurrence.clone());
                answers.push(allowed);
            }
            ids.push(event.clone());
            answers.push(allowed);
        }
        ids.push(json!(to_global(NodeKind::Event, 999_999).0));
        ids.push(json!(occurrence_id(999_999, start_of(0)).0));
        answers.extend([false, false]);
        let body = app.ok(token, BY_IDS, json!({ "ids": ids })).await;
        let got: Vec<bool> = body["nodes"].as_array().into_iter().flatten().map(|n| !n.is_null()).collect();
        prop_assert_eq!(got, answers, "nodes for {:?}", viewer);

        // The personal feed holds exactly the events the viewer may see.
        if token.is_some() {
            let url =
                app.ok(token, "mutation { resetCalendarFeed { url } }", json!({})).await["resetCalendarFeed"]["url"]
                    .as_str()
                    .unwrap_or("")
                    .to_owned();
            let (status, text) = app.get(&url[url.find("/calendar/").unwrap_or(0)..]).await;
            prop_assert_eq!(status, 200);
            let expected: BTreeSet<i32> = visible.iter().map(|e| harness::fixtures::db_id(&created[*e].0)).collect();
            prop_assert_eq!(uids(&text), expected, "personal feed of {:?}", viewer);
        }

        // Answering needs to see the occurrence: anything else is NOT_FOUND.
        if token.is_some() {
            for (e, (_, occurrences)) in created.iter().enumerate() {
                if visible.contains(&e) {
                    continue;
                }
                let body = app
                    .gql(
                        token,
                        "mutation($o: ID!) { rsvp(input: { occurrenceId: $o, response: GOING }) { occurrence { id } } }",
                        json!({ "o": occurrences[0] }),
                    )
                    .await;
                prop_assert_eq!(body["errors"][0]["extensions"]["code"].as_str(), Some("NOT_FOUND"), "{}", body);
            }
        }
    }
    // Each community's public feed: its PUBLIC events, for communities anyone may see.
    for c in 0..net.communities.len() {
        let (status, text) = app.get(&format!("/calendar/communities/{}.ics", slug(c))).await;
        prop_assert_eq!(status == 200, sees(&net, None, c), "public feed of {}", c);
        if status == 200 {
            let expected: BTreeSet<i32> = (0..planned.len())
                .filter(|e| planned[*e].community == c && AUDIENCES[planned[*e].audience] == Audience::Public)
                .map(|e| harness::fixtures::db_id(&created[e].0))
                .collect();
            prop_assert_eq!(uids(&text), expected, "public feed of {}", c);
        }
    }
    Ok(())
}

/// The events named by a feed's `UID:event-N@…` lines.
fn uids(feed: &str) -> BTreeSet<i32> {
    feed.lines()
        .filter_map(|l| l.strip_prefix("UID:event-"))
        .filter_map(|rest| rest.split('@').next().and_then(|n| n.parse().ok()))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn nobody_sees_more_or_fewer_events_than_their_rights((net, events) in plan()) {
        harness::defer_database_drops();
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
        runtime.block_on(check(net, events))?;
    }
}

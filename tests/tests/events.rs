//! Events (issue 13): a community plans its monthly meetings (RFC 5545 recurrence kept
//! at 13:00 local across daylight-saving changes), moves and cancels occurrences, edits
//! "this", "this and following" or "all", refuses bad input without writing, lets one of
//! two concurrent edits win; members answer (capacity, waiting list, a freed place going
//! to the first waiting) and organizers record attendance. Who sees what goes through one
//! visibility rule: a secret community's events stay out of sight.

use chrono::{DateTime, Utc};
use entity::enums::CommunityRole;
use harness::{TestApp, error_code, error_field, fixtures, join_all};
use serde_json::{Value, json};

const CREATE: &str = "mutation($input: CreateEventInput!) { createEvent(input: $input) { event { id version title timeZone recurrence } } }";
const UPDATE: &str =
    "mutation($input: UpdateEventInput!) { updateEvent(input: $input) { event { id version title } } }";
const CANCEL: &str =
    "mutation($input: CancelEventInput!) { cancelEvent(input: $input) { event { id version cancelled } } }";
const RSVP: &str = "mutation($o: ID!, $r: RsvpResponse!) { rsvp(input: { occurrenceId: $o, response: $r }) { occurrence { id viewerRsvp { response waitlisted } goingCount waitlistCount } } }";
const COMMUNITY_EVENTS: &str = "query($id: ID!, $from: DateTime!, $to: DateTime!, $first: Int, $after: String) { node(id: $id) { ... on Community { events(from: $from, to: $to, first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id originalStart startsAt endsAt title place changed cancelled event { id title } viewerRsvp { response waitlisted } } } } } } }";
const EVENTS: &str = "query($from: DateTime!, $to: DateTime!) { events(from: $from, to: $to, first: 100) { totalCount edges { node { id title startsAt cancelled event { id title joinUrl audience community { id } } } } } }";
const ATTEND: &str = "mutation($input: RecordAttendanceInput!) { recordAttendance(input: $input) { attendance { status hours person { id } } occurrence { id attendance { status hours } } } }";

/// A network: an organization, a community whose founder animates it, two members.
struct World {
    app: TestApp,
    animator: String,
    member: String,
    member_id: i32,
    other: String,
    other_id: i32,
    community: Value,
}

async fn world(visibility: &str) -> World {
    world_on(TestApp::spawn().await, visibility).await
}

async fn world_on(app: TestApp, visibility: &str) -> World {
    let admin = app.token("admin@network.example", None, true).await;
    fixtures::organization(&app, &admin, "cisss-a").await;
    fixtures::organization(&app, &admin, "inspq").await;
    let animator = app.token("anna@cisss-a.example", Some("cisss-a"), false).await;
    let community = fixtures::community(&app, &animator, "soins-palliatifs", visibility, "APPROVAL").await;
    let member = app.token("marc@cisss-a.example", Some("cisss-a"), false).await;
    let member_id = fixtures::person_id(&app, &member).await;
    fixtures::add_member(&app, &community, member_id, &[CommunityRole::Member]).await;
    let other = app.token("odile@inspq.example", Some("inspq"), false).await;
    let other_id = fixtures::person_id(&app, &other).await;
    fixtures::add_member(&app, &community, other_id, &[CommunityRole::Member]).await;
    World { app, animator, member, member_id, other, other_id, community }
}

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).expect("RFC 3339").with_timezone(&Utc)
}

/// The input of a monthly meeting on the second Tuesday, 13:00 to 16:30 in Toronto, in 2027.
fn monthly(community: &Value) -> Value {
    json!({
        "communityId": community, "kind": "MEETING", "title": "Rencontre mensuelle",
        "agenda": "## Ordre du jour\n\n1. Cas <script>alert(1)</script>\n2. Lecture",
        "startsAt": "2027-01-12T18:00:00Z", "endsAt": "2027-01-12T21:30:00Z",
        "timeZone": "America/Toronto", "recurrence": "FREQ=MONTHLY;BYDAY=2TU",
        "mode": "HYBRID", "place": "Salle 201, Longueuil", "joinUrl": "https://meet.example/cdp",
        "speakers": [{ "name": "Dre Lise Tremblay", "affiliation": "INSPQ" }],
    })
}

async fn create(app: &TestApp, token: &str, input: Value) -> Value {
    app.ok(Some(token), CREATE, json!({ "input": input })).await["createEvent"]["event"].clone()
}

/// Every occurrence of the community in 2027, as the viewer sees them.
async fn year(app: &TestApp, token: Option<&str>, community: &Value) -> Vec<Value> {
    let mut all = Vec::new();
    let mut after = Value::Null;
    loop {
        let data = app
            .ok(
                token,
                COMMUNITY_EVENTS,
                json!({ "id": community, "from": "2027-01-01T00:00:00Z", "to": "2028-01-01T00:00:00Z", "first": 5, "after": after }),
            )
            .await;
        let events = &data["node"]["events"];
        all.extend(events["edges"].as_array().expect("edges").iter().map(|e| e["node"].clone()));
        if !events["pageInfo"]["hasNextPage"].as_bool().unwrap_or(false) {
            assert_eq!(events["totalCount"].as_u64(), Some(all.len() as u64), "totalCount counts the window");
            return all;
        }
        after = events["pageInfo"]["endCursor"].clone();
    }
}

fn local_time(occurrence: &Value, field: &str) -> String {
    let tz: chrono_tz::Tz = "America/Toronto".parse().expect("zone");
    at(occurrence[field].as_str().expect("time")).with_timezone(&tz).format("%a %d %H:%M").to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn monthly_meetings_stay_at_one_pm_local_and_one_occurrence_moves_or_cancels_alone() {
    let w = world("MEMBERS").await;
    let app = &w.app;
    let event = create(app, &w.animator, monthly(&w.community)).await;
    assert_eq!(event["timeZone"], "America/Toronto");
    assert_eq!(event["recurrence"], "FREQ=MONTHLY;BYDAY=2TU");

    // Twelve second Tuesdays, all at 13:00 in Toronto: 18:00 UTC in winter, 17:00 UTC
    // between the March and November changes.
    let occurrences = year(app, Some(&w.member), &w.community).await;
    assert_eq!(occurrences.len(), 12, "{occurrences:#?}");
    for o in &occurrences {
        assert!(local_time(o, "startsAt").starts_with("Tue"), "{o}");
        assert!(local_time(o, "startsAt").ends_with("13:00"), "{o}");
        assert!(local_time(o, "endsAt").ends_with("16:30"), "{o}");
        assert_eq!(o["cancelled"], false);
    }
    let utc: Vec<&str> = occurrences.iter().map(|o| o["startsAt"].as_str().unwrap_or("")).collect();
    assert!(utc.contains(&"2027-02-09T18:00:00+00:00"), "{utc:?}");
    assert!(utc.contains(&"2027-03-09T18:00:00+00:00"), "before the spring change (March 14): {utc:?}");
    assert!(utc.contains(&"2027-04-13T17:00:00+00:00"), "after the spring change: {utc:?}");
    assert!(utc.contains(&"2027-11-09T18:00:00+00:00"), "after the fall change: {utc:?}");

    // The agenda is sanitized HTML; the join link shows to people who may attend.
    let data = app
        .ok(
            Some(&w.member),
            "query($id: ID!) { node(id: $id) { ... on Event { agendaHtml joinUrl speakers { name affiliation } organizers { displayName } viewerCan { update rsvp } } } }",
            json!({ "id": event["id"] }),
        )
        .await;
    let html = data["node"]["agendaHtml"].as_str().unwrap_or("");
    assert!(html.contains("<h2>Ordre du jour</h2>") && !html.contains("<script"), "{html}");
    assert_eq!(data["node"]["joinUrl"], "https://meet.example/cdp");
    assert_eq!(data["node"]["speakers"], json!([{ "name": "Dre Lise Tremblay", "affiliation": "INSPQ" }]));
    assert_eq!(data["node"]["organizers"].as_array().map(Vec::len), Some(1));
    assert_eq!(data["node"]["viewerCan"], json!({ "update": false, "rsvp": true }));

    // March's meeting moves to Wednesday (13:00 to 15:00); April's is cancelled; nothing else changes.
    let march = occurrences.iter().find(|o| o["originalStart"] == "2027-03-09T18:00:00+00:00").expect("march").clone();
    let april = occurrences.iter().find(|o| o["originalStart"] == "2027-04-13T17:00:00+00:00").expect("april").clone();
    let moved = app
        .ok(
            Some(&w.animator),
            UPDATE,
            json!({ "input": { "id": event["id"], "scope": "THIS", "occurrenceId": march["id"],
                "startsAt": "2027-03-10T18:00:00Z", "endsAt": "2027-03-10T20:00:00Z", "place": "Salle 305" } }),
        )
        .await;
    assert_eq!(moved["updateEvent"]["event"]["version"], 2);
    app.ok(
        Some(&w.animator),
        CANCEL,
        json!({ "input": { "id": event["id"], "scope": "THIS", "occurrenceId": april["id"] } }),
    )
    .await;
    let after = year(app, Some(&w.member), &w.community).await;
    assert_eq!(after.len(), 12);
    for (before, now) in occurrences.iter().zip(&after) {
        assert_eq!(before["id"], now["id"], "ids are stable: the event and the original start");
        if now["id"] == march["id"] {
            assert_eq!(now["startsAt"], "2027-03-10T18:00:00+00:00");
            assert_eq!(now["endsAt"], "2027-03-10T20:00:00+00:00");
            assert_eq!(now["place"], "Salle 305");
            assert_eq!(now["changed"], true);
        } else if now["id"] == april["id"] {
            assert_eq!(now["cancelled"], true);
            assert_eq!(now["startsAt"], before["startsAt"]);
        } else {
            assert_eq!(now, before, "the other occurrences are untouched");
        }
    }
    // The moved occurrence by its id.
    let node = app
        .ok(
            Some(&w.member),
            "query($id: ID!) { node(id: $id) { id ... on Occurrence { startsAt changed cancelled event { id } } } }",
            json!({ "id": march["id"] }),
        )
        .await;
    assert_eq!(node["node"]["startsAt"], "2027-03-10T18:00:00+00:00");
    assert_eq!(node["node"]["event"]["id"], event["id"]);
    // An id whose start is not an occurrence of the event is not found.
    let fake = harness_occurrence_id(&event["id"], at("2027-03-10T17:00:00Z"));
    let body = app.gql(Some(&w.member), "query($id: ID!) { node(id: $id) { id } }", json!({ "id": fake })).await;
    assert_eq!(error_code(&body), "NOT_FOUND");

    // From September on the meetings get a new title: a new series takes over.
    let september =
        after.iter().find(|o| o["originalStart"] == "2027-09-14T17:00:00+00:00").expect("september").clone();
    let data = app
        .ok(
            Some(&w.animator),
            UPDATE,
            json!({ "input": { "id": event["id"], "scope": "THIS_AND_FOLLOWING", "occurrenceId": september["id"], "title": "Rencontre (automne)" } }),
        )
        .await;
    let follow = data["updateEvent"]["event"].clone();
    assert_ne!(follow["id"], event["id"]);
    let split = year(app, Some(&w.member), &w.community).await;
    assert_eq!(split.len(), 12, "{split:#?}");
    for o in &split {
        let start = o["originalStart"].as_str().unwrap_or("");
        let autumn = start >= "2027-09";
        assert_eq!(o["title"], if autumn { "Rencontre (automne)" } else { "Rencontre mensuelle" }, "{o}");
        let expected = if autumn { follow["id"].clone() } else { event["id"].clone() };
        assert_eq!(o["event"]["id"], expected, "{o}");
        assert!(local_time(o, "startsAt").ends_with("13:00") || o["changed"] == true, "{o}");
    }

    // ALL renames every remaining occurrence of the first series, keeping the moved one.
    app.ok(Some(&w.animator), UPDATE, json!({ "input": { "id": event["id"], "title": "Rencontre (hiver)" } })).await;
    let all = year(app, Some(&w.member), &w.community).await;
    let march_now = all.iter().find(|o| o["id"] == march["id"]).expect("march");
    assert_eq!(march_now["startsAt"], "2027-03-10T18:00:00+00:00");
    assert_eq!(all.iter().filter(|o| o["title"] == "Rencontre (hiver)").count(), 8, "January to August: {all:#?}");

    // A member who is not an organizer may not edit; every change is audited.
    let body = app.gql(Some(&w.member), UPDATE, json!({ "input": { "id": event["id"], "title": "Pirate" } })).await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    assert!(app.count_rows("audit_event").await >= 5);
}

fn harness_occurrence_id(event: &Value, start: DateTime<Utc>) -> String {
    let id = maillage_api::graphql::ids::occurrence_id(fixtures::db_id(event), start);
    id.0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bad_input_names_the_field_and_writes_nothing() {
    let w = world("NETWORK").await;
    let app = &w.app;
    let before = app.count_rows("event").await;
    let audits = app.count_rows("audit_event").await;
    let cases: Vec<(&str, Value, &str)> = vec![
        ("endsAt", json!({ "endsAt": "2027-01-12T17:00:00Z" }), "end before start"),
        ("timeZone", json!({ "timeZone": "America/Atlantis" }), "unknown time zone"),
        ("recurrence", json!({ "recurrence": "FREQ=HOURLY" }), "more often than daily"),
        ("recurrence", json!({ "recurrence": "FREQ=DAILY;BYHOUR=9,15" }), "twice a day"),
        ("recurrence", json!({ "recurrence": "FREQ=SOMETIMES" }), "not a rule"),
        ("capacity", json!({ "capacity": 0 }), "no place at all"),
        ("capacity", json!({ "capacity": -5 }), "negative capacity"),
        ("title", json!({ "title": "  " }), "blank title"),
        ("joinUrl", json!({ "joinUrl": "javascript:alert(1)" }), "a script for a link"),
        ("place", json!({ "mode": "IN_PERSON", "place": null }), "in person without a place"),
        ("endsAt", json!({ "endsAt": "2027-01-30T18:00:00Z" }), "longer than a week"),
    ];
    for (field, change, why) in cases {
        let mut input = monthly(&w.community);
        for (k, v) in change.as_object().expect("object") {
            input[k] = v.clone();
        }
        let body = app.gql(Some(&w.animator), CREATE, json!({ "input": input })).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{why}: {body}");
        assert_eq!(error_field(&body), field, "{why}: {body}");
    }
    assert_eq!(app.count_rows("event").await, before, "nothing written");
    assert_eq!(app.count_rows("audit_event").await, audits, "nothing audited");

    // Windows are bounded.
    let body =
        app.gql(Some(&w.member), EVENTS, json!({ "from": "2027-01-01T00:00:00Z", "to": "2030-01-01T00:00:00Z" })).await;
    assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", "to"), "{body}");
    let body =
        app.gql(Some(&w.member), EVENTS, json!({ "from": "2027-01-01T00:00:00Z", "to": "2026-01-01T00:00:00Z" })).await;
    assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", "to"), "{body}");

    // An edit with bad input leaves the event as it was.
    let event = create(app, &w.animator, monthly(&w.community)).await;
    let body = app
        .gql(
            Some(&w.animator),
            UPDATE,
            json!({ "input": { "id": event["id"], "title": "Nouveau", "timeZone": "Mars/Olympus" } }),
        )
        .await;
    assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", "timeZone"), "{body}");
    let data = app
        .ok(
            Some(&w.member),
            "query($id: ID!) { node(id: $id) { ... on Event { title version } } }",
            json!({ "id": event["id"] }),
        )
        .await;
    assert_eq!(data["node"], json!({ "title": "Rencontre mensuelle", "version": 1 }));
    // One occurrence may not change the series' rule.
    let occurrences = year(app, Some(&w.member), &w.community).await;
    let body = app
        .gql(
            Some(&w.animator),
            UPDATE,
            json!({ "input": { "id": event["id"], "scope": "THIS", "occurrenceId": occurrences[2]["id"], "recurrence": "FREQ=WEEKLY" } }),
        )
        .await;
    assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", "scope"), "{body}");
    // THIS without an occurrence of a recurring event.
    let body = app
        .gql(Some(&w.animator), UPDATE, json!({ "input": { "id": event["id"], "scope": "THIS", "title": "x" } }))
        .await;
    assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", "occurrenceId"), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_two_concurrent_edits_one_wins_and_the_other_gets_conflict() {
    let w = world("MEMBERS").await;
    let app = &w.app;
    let event = create(app, &w.animator, monthly(&w.community)).await;
    for round in 0..3 {
        let version = 1 + round;
        let edits = ["Titre A", "Titre B"].map(|title| {
            app.gql(
                Some(&w.animator),
                UPDATE,
                json!({ "input": { "id": event["id"], "expectedVersion": version, "title": format!("{title} {round}") } }),
            )
        });
        let bodies = join_all(edits.into_iter()).await;
        let won: Vec<&Value> = bodies.iter().filter(|b| b.get("errors").is_none()).collect();
        let lost: Vec<&Value> = bodies.iter().filter(|b| b.get("errors").is_some()).collect();
        assert_eq!((won.len(), lost.len()), (1, 1), "{bodies:#?}");
        assert_eq!(error_code(lost[0]), "CONFLICT", "{:#}", lost[0]);
        assert_eq!(won[0]["data"]["updateEvent"]["event"]["version"], version + 1);
        let data = app
            .ok(
                Some(&w.member),
                "query($id: ID!) { node(id: $id) { ... on Event { title version } } }",
                json!({ "id": event["id"] }),
            )
            .await;
        assert_eq!(data["node"]["title"], won[0]["data"]["updateEvent"]["event"]["title"], "the winner's edit is kept");
    }
    // A stale version is refused too, and changes nothing.
    let body =
        app.gql(Some(&w.animator), CANCEL, json!({ "input": { "id": event["id"], "expectedVersion": 1 } })).await;
    assert_eq!(error_code(&body), "CONFLICT");
    let data = app
        .ok(
            Some(&w.member),
            "query($id: ID!) { node(id: $id) { ... on Event { cancelled } } }",
            json!({ "id": event["id"] }),
        )
        .await;
    assert_eq!(data["node"]["cancelled"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_secret_communitys_events_stay_out_of_sight_and_public_talks_reach_everyone() {
    let w = world("MEMBERS").await;
    let app = &w.app;
    let admin = app.token("admin@network.example", None, true).await;
    let event = create(app, &w.animator, monthly(&w.community)).await;
    let stranger = app.token("sam@inspq.example", Some("inspq"), false).await;
    let window = json!({ "from": "2027-01-01T00:00:00Z", "to": "2028-01-01T00:00:00Z" });
    let occurrences = year(app, Some(&w.member), &w.community).await;
    let occurrence = occurrences[0]["id"].clone();

    // Members see the meetings; a stranger and anonymous callers see nothing, and the
    // ids are NOT_FOUND exactly like missing ones, through every path.
    let seen = app.ok(Some(&w.member), EVENTS, window.clone()).await;
    assert_eq!(seen["events"]["totalCount"], 12);
    for token in [Some(stranger.as_str()), None] {
        let seen = app.ok(token, EVENTS, window.clone()).await;
        assert_eq!(seen["events"]["totalCount"], 0, "{seen}");
        for id in [&event["id"], &occurrence] {
            let body = app.gql(token, "query($id: ID!) { node(id: $id) { id } }", json!({ "id": id })).await;
            assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
            let body = app.gql(token, "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", json!({ "ids": [id] })).await;
            assert_eq!(body["data"]["nodes"], json!([null]), "{body}");
        }
    }
    for (query, vars) in [
        (RSVP, json!({ "o": occurrence, "r": "GOING" })),
        (UPDATE, json!({ "input": { "id": event["id"], "title": "x" } })),
        (CANCEL, json!({ "input": { "id": event["id"] } })),
    ] {
        let body = app.gql(Some(&stranger), query, vars).await;
        assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
    }
    let body = app.gql(Some(&stranger), CREATE, json!({ "input": monthly(&w.community) })).await;
    assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
    // Network administrators see every community but do not read a secret one's content.
    let seen = app.ok(Some(&admin), EVENTS, window.clone()).await;
    assert_eq!(seen["events"]["totalCount"], 0, "administrators do not read secret communities' content");

    // A member may not open an event to the public; the animator may. The public talk then
    // reaches everyone without revealing the secret community, and its join link shows to
    // logged-in people only.
    let mut talk = monthly(&w.community);
    talk["kind"] = json!("GUEST_TALK");
    talk["title"] = json!("Conférence publique");
    talk["recurrence"] = Value::Null;
    talk["audience"] = json!("PUBLIC");
    let body = app.gql(Some(&w.member), CREATE, json!({ "input": talk.clone() })).await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    create(app, &w.animator, talk).await;
    for token in [Some(stranger.as_str()), None] {
        let seen = app.ok(token, EVENTS, window.clone()).await;
        assert_eq!(seen["events"]["totalCount"], 1, "{seen}");
        let node = &seen["events"]["edges"][0]["node"];
        assert_eq!(node["event"]["title"], "Conférence publique");
        assert_eq!(node["event"]["community"], Value::Null, "the secret community stays secret");
        let join = if token.is_some() { json!("https://meet.example/cdp") } else { Value::Null };
        assert_eq!(node["event"]["joinUrl"], join);
    }
    let seen = app.ok(Some(&w.member), EVENTS, window.clone()).await;
    assert_eq!(seen["events"]["totalCount"], 13);
    // A subgroup's events stay with its readers.
    let mut in_subgroup = monthly(&w.community);
    in_subgroup["audience"] = json!("NETWORK");
    in_subgroup["subgroupId"] =
        json!(maillage_api::graphql::ids::to_global(maillage_api::graphql::ids::NodeKind::Subgroup, 1).0);
    let body = app.gql(Some(&w.animator), CREATE, json!({ "input": in_subgroup })).await;
    assert_eq!(error_code(&body), "NOT_FOUND", "no such subgroup in this community: {body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_people_racing_for_the_last_places_exactly_capacity_get_one() {
    // Enough connections for the answers to run side by side.
    let w = world_on(TestApp::spawn_with(|s| s.max_connections = 20).await, "NETWORK").await;
    let app = &w.app;
    const CAPACITY: usize = 5;
    const PEOPLE: usize = 30;
    let mut input = monthly(&w.community);
    input["capacity"] = json!(CAPACITY);
    create(app, &w.animator, input).await;
    let occurrence = year(app, Some(&w.member), &w.community).await[0]["id"].clone();
    let mut people = Vec::new();
    for i in 0..PEOPLE {
        let token = app.token(&format!("p{i}@cisss-a.example"), Some("cisss-a"), false).await;
        let id = fixtures::person_id(app, &token).await;
        fixtures::add_member(app, &w.community, id, &[CommunityRole::Member]).await;
        people.push(token);
    }
    let answers =
        join_all(people.iter().map(|t| app.gql(Some(t), RSVP, json!({ "o": occurrence, "r": "GOING" })))).await;
    for body in &answers {
        assert!(body.get("errors").is_none(), "{body:#}");
    }
    let seated =
        answers.iter().filter(|b| b["data"]["rsvp"]["occurrence"]["viewerRsvp"]["waitlisted"] == false).count();
    assert_eq!(seated, CAPACITY, "{answers:#?}");
    let data = app
        .ok(
            Some(&w.member),
            "query($id: ID!) { node(id: $id) { ... on Occurrence { goingCount waitlistCount } } }",
            json!({ "id": occurrence }),
        )
        .await;
    assert_eq!(data["node"], json!({ "goingCount": CAPACITY, "waitlistCount": PEOPLE - CAPACITY }));

    // One of those seated declines: exactly one waiting person gets the place.
    let leaving = answers
        .iter()
        .position(|b| b["data"]["rsvp"]["occurrence"]["viewerRsvp"]["waitlisted"] == false)
        .expect("a seat");
    let body = app.ok(Some(&people[leaving]), RSVP, json!({ "o": occurrence, "r": "DECLINED" })).await;
    assert_eq!(body["rsvp"]["occurrence"]["goingCount"], CAPACITY);
    assert_eq!(body["rsvp"]["occurrence"]["waitlistCount"], PEOPLE - CAPACITY - 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_freed_place_goes_to_the_first_waiting_and_organizers_record_attendance() {
    let w = world("MEMBERS").await;
    let app = &w.app;
    let mut input = monthly(&w.community);
    input["capacity"] = json!(1);
    create(app, &w.animator, input).await;
    let occurrence = year(app, Some(&w.member), &w.community).await[0]["id"].clone();
    let third = app.token("theo@cisss-a.example", Some("cisss-a"), false).await;
    let third_id = fixtures::person_id(app, &third).await;
    fixtures::add_member(app, &w.community, third_id, &[CommunityRole::Member]).await;
    let answer = |token: String, r: &'static str| {
        let app = &w.app;
        let occurrence = occurrence.clone();
        async move {
            app.ok(Some(&token), RSVP, json!({ "o": occurrence, "r": r })).await["rsvp"]["occurrence"]["viewerRsvp"]
                .clone()
        }
    };
    assert_eq!(answer(w.member.clone(), "GOING").await, json!({ "response": "GOING", "waitlisted": false }));
    assert_eq!(answer(w.other.clone(), "GOING").await, json!({ "response": "GOING", "waitlisted": true }));
    assert_eq!(answer(third.clone(), "GOING").await, json!({ "response": "GOING", "waitlisted": true }));
    // Answering GOING again keeps one's place in line.
    assert_eq!(answer(third.clone(), "GOING").await, json!({ "response": "GOING", "waitlisted": true }));
    assert_eq!(answer(w.member.clone(), "MAYBE").await, json!({ "response": "MAYBE", "waitlisted": false }));
    let mine = |token: String| {
        let app = &w.app;
        let occurrence = occurrence.clone();
        async move {
            app.ok(
                Some(&token),
                "query($id: ID!) { node(id: $id) { ... on Occurrence { viewerRsvp { response waitlisted } } } }",
                json!({ "id": occurrence }),
            )
            .await["node"]["viewerRsvp"]
                .clone()
        }
    };
    assert_eq!(
        mine(w.other.clone()).await,
        json!({ "response": "GOING", "waitlisted": false }),
        "the first waiting got the place"
    );
    assert_eq!(mine(third.clone()).await, json!({ "response": "GOING", "waitlisted": true }));
    // The list shows the viewer's answer too.
    let listed = year(app, Some(&third), &w.community).await;
    assert_eq!(listed[0]["viewerRsvp"], json!({ "response": "GOING", "waitlisted": true }));

    // Attendance: for an occurrence that has started, by its organizers only; hours default
    // to its length and go by quarter hours.
    let mut past = monthly(&w.community);
    past["recurrence"] = Value::Null;
    past["startsAt"] = json!("2026-11-10T18:00:00Z");
    past["endsAt"] = json!("2026-11-10T21:30:00Z");
    let event = create(app, &w.animator, past).await;
    let occurrence = harness_occurrence_id(&event["id"], at("2026-11-10T18:00:00Z"));
    let member = w.member_id;
    let person = |id: i32| maillage_api::graphql::ids::to_global(maillage_api::graphql::ids::NodeKind::Person, id).0;
    let entries = json!([
        { "personId": person(member), "status": "PRESENT" },
        { "personId": person(w.other_id), "status": "EXCUSED" },
    ]);
    let body = app
        .gql(Some(&w.member), ATTEND, json!({ "input": { "occurrenceId": occurrence, "entries": entries.clone() } }))
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    let bad = json!([{ "personId": person(member), "status": "PRESENT", "hours": 1.1 }]);
    let body =
        app.gql(Some(&w.animator), ATTEND, json!({ "input": { "occurrenceId": occurrence, "entries": bad } })).await;
    assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", "entries.hours"), "{body}");
    let data =
        app.ok(Some(&w.animator), ATTEND, json!({ "input": { "occurrenceId": occurrence, "entries": entries } })).await;
    assert_eq!(
        data["recordAttendance"]["occurrence"]["attendance"],
        json!([{ "status": "PRESENT", "hours": 3.5 }, { "status": "EXCUSED", "hours": 0.0 }])
    );
    // Recording again replaces a person's line.
    let again = json!([{ "personId": person(member), "status": "PRESENT", "hours": 2.25 }]);
    let data =
        app.ok(Some(&w.animator), ATTEND, json!({ "input": { "occurrenceId": occurrence, "entries": again } })).await;
    assert_eq!(data["recordAttendance"]["occurrence"]["attendance"][0]["hours"], 2.25);
    // Members do not see attendance; an occurrence to come takes none.
    let body = app
        .gql(
            Some(&w.member),
            "query($id: ID!) { node(id: $id) { ... on Occurrence { attendance { status } } } }",
            json!({ "id": occurrence }),
        )
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    let future = listed[0]["id"].clone();
    let body = app
        .gql(Some(&w.animator), ATTEND, json!({ "input": { "occurrenceId": future, "entries": [{ "personId": person(member), "status": "PRESENT" }] } }))
        .await;
    assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", "occurrenceId"), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_subgroups_events_are_seen_like_its_threads_and_stay_with_its_readers() {
    let w = world("NETWORK").await;
    let app = &w.app;
    let data = app
        .ok(
            Some(&w.animator),
            "mutation($c: ID!) { createSubgroup(input: { communityId: $c, name: \"Groupe de travail\", visibility: MEMBERS }) { subgroup { id } } }",
            json!({ "c": w.community }),
        )
        .await;
    let subgroup = data["createSubgroup"]["subgroup"]["id"].clone();
    let person = |id: i32| maillage_api::graphql::ids::to_global(maillage_api::graphql::ids::NodeKind::Person, id).0;
    app.ok(
        Some(&w.animator),
        "mutation($s: ID!, $p: ID!) { addSubgroupMember(input: { subgroupId: $s, personId: $p }) { subgroup { id } } }",
        json!({ "s": subgroup, "p": person(w.member_id) }),
    )
    .await;
    let mut input = monthly(&w.community);
    input["subgroupId"] = subgroup.clone();
    input["recurrence"] = Value::Null;
    // A subgroup's event stays with its readers: no wider audience.
    input["audience"] = json!("PUBLIC");
    let body = app.gql(Some(&w.animator), CREATE, json!({ "input": input.clone() })).await;
    assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", "audience"), "{body}");
    input["audience"] = json!("MEMBERS");
    // Only people who may post in the subgroup plan its events.
    let body = app.gql(Some(&w.other), CREATE, json!({ "input": input.clone() })).await;
    assert_eq!(error_code(&body), "NOT_FOUND", "a secret subgroup is not found by others: {body}");
    let event = create(app, &w.member, input).await;
    let window = json!({ "from": "2027-01-01T00:00:00Z", "to": "2028-01-01T00:00:00Z" });
    for (token, sees) in [(&w.member, true), (&w.animator, true), (&w.other, false)] {
        let seen = app.ok(Some(token), EVENTS, window.clone()).await;
        assert_eq!(seen["events"]["totalCount"], u64::from(sees), "{seen}");
        let body = app.gql(Some(token), "query($id: ID!) { node(id: $id) { id } }", json!({ "id": event["id"] })).await;
        assert_eq!(body["data"]["node"].is_null(), !sees, "{body}");
        let in_community = year(app, Some(token), &w.community).await;
        assert_eq!(in_community.len(), usize::from(sees));
    }
    // Its organizer (a subgroup member) may edit it; the community's other member may not
    // even find it.
    app.ok(Some(&w.member), UPDATE, json!({ "input": { "id": event["id"], "title": "Atelier" } })).await;
    let body = app.gql(Some(&w.other), UPDATE, json!({ "input": { "id": event["id"], "title": "x" } })).await;
    assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
}

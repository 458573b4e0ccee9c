//! Security regressions of events (the adversarial review of issue 13), each driving the
//! real server as the attacker did: people named through an open event of a secret
//! community, windows of occurrences whose cost grew with the data, recurrence expanded
//! from the series' start, counts and permissions read row by row. The calendar feeds'
//! are in `security_calendar.rs`.

use chrono::{DateTime, Utc};
use entity::enums::CommunityRole;
use harness::{TestApp, error_code, error_field, fixtures};
use serde_json::{Value, json};

const CREATE: &str = "mutation($input: CreateEventInput!) { createEvent(input: $input) { event { id } } }";

/// A secret community (MEMBERS) with an animator and two members of two organizations,
/// and a stranger who belongs to none of it.
struct Secret {
    app: TestApp,
    animator: String,
    member: String,
    member_id: i32,
    stranger: String,
    community: Value,
}

async fn secret(app: TestApp) -> Secret {
    let admin = app.token("admin@network.example", None, true).await;
    fixtures::organization(&app, &admin, "cisss-a").await;
    fixtures::organization(&app, &admin, "inspq").await;
    let animator = app.token("anna@cisss-a.example", Some("cisss-a"), false).await;
    let community = fixtures::community(&app, &animator, "soins-palliatifs", "MEMBERS", "APPROVAL").await;
    let member = app.token("marc@inspq.example", Some("inspq"), false).await;
    let member_id = fixtures::person_id(&app, &member).await;
    fixtures::add_member(&app, &community, member_id, &[CommunityRole::Member]).await;
    let stranger = app.token("sam@inspq.example", Some("inspq"), false).await;
    Secret { app, animator, member, member_id, stranger, community }
}

/// A one-off guest talk in 2027, open to `audience`.
fn talk(community: &Value, audience: &str, organizers: &[i32]) -> Value {
    let ids: Vec<String> = organizers
        .iter()
        .map(|id| maillage_api::graphql::ids::to_global(maillage_api::graphql::ids::NodeKind::Person, *id).0)
        .collect();
    json!({
        "communityId": community, "kind": "GUEST_TALK", "title": "Conférence ouverte",
        "startsAt": "2027-03-02T18:00:00Z", "endsAt": "2027-03-02T19:30:00Z",
        "timeZone": "America/Toronto", "mode": "VIRTUAL", "joinUrl": "https://meet.example/talk",
        "audience": audience, "organizerIds": ids,
    })
}

const OPEN_EVENTS: &str = "query { events(from: \"2027-01-01T00:00:00Z\", to: \"2028-01-01T00:00:00Z\") { totalCount edges { node { id event { id title organizers { id displayName } community { id name } subgroup { id } } } } } }";

fn organizer_names(body: &Value) -> Vec<String> {
    body["events"]["edges"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|e| e["node"]["event"]["organizers"].as_array().cloned().unwrap_or_default())
        .map(|p| p["displayName"].as_str().unwrap_or("").to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_open_event_of_a_secret_community_names_none_of_its_people() {
    let s = secret(TestApp::spawn().await).await;
    let app = &s.app;
    for audience in ["NETWORK", "PUBLIC"] {
        let mut input = talk(&s.community, audience, &[s.member_id]);
        input["title"] = json!(format!("Conférence {audience}"));
        let event = app.ok(Some(&s.animator), CREATE, json!({ "input": input })).await["createEvent"]["event"].clone();

        // The stranger sees the talk (it is open to them), but neither its community nor
        // who organizes it: naming them would say who belongs to the secret community.
        let anonymous = if audience == "PUBLIC" { vec![None] } else { vec![] };
        for token in [vec![Some(s.stranger.as_str())], anonymous].concat() {
            let seen = app.ok(token, OPEN_EVENTS, json!({})).await;
            let mine: Vec<&Value> = seen["events"]["edges"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|e| e["node"]["event"]["id"] == event["id"])
                .collect();
            assert_eq!(mine.len(), 1, "the open talk is listed: {seen}");
            assert_eq!(mine[0]["node"]["event"]["community"], Value::Null, "{seen}");
            assert_eq!(mine[0]["node"]["event"]["organizers"], json!([]), "{seen}");
            let node = app
                .ok(
                    token,
                    "query($id: ID!) { node(id: $id) { ... on Event { organizers { id } community { id } } } }",
                    json!({ "id": event["id"] }),
                )
                .await;
            assert_eq!(node["node"], json!({ "organizers": [], "community": null }), "{node}");
        }
        // Its members see both organizers.
        let seen = app.ok(Some(&s.member), OPEN_EVENTS, json!({})).await;
        let names = organizer_names(&seen);
        assert!(names.iter().filter(|n| n.starts_with("anna")).count() >= 1, "{seen}");
        assert!(names.iter().filter(|n| n.starts_with("marc")).count() >= 1, "{seen}");
    }

    // A member who leaves is a stranger again: the talks stay open to them, the names go.
    app.ok(
        Some(&s.member),
        "mutation($id: ID!) { leaveCommunity(input: { communityId: $id }) { membership { status } } }",
        json!({ "id": s.community }),
    )
    .await;
    let seen = app.ok(Some(&s.member), OPEN_EVENTS, json!({})).await;
    assert_eq!(seen["events"]["totalCount"], 2, "{seen}");
    assert_eq!(organizer_names(&seen), Vec::<String>::new(), "{seen}");
}

const WINDOW: &str = "query($id: ID!, $from: DateTime!, $to: DateTime!, $first: Int, $after: String) { node(id: $id) { ... on Community { events(from: $from, to: $to, first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { startsAt title } } } } } }";
const ALL_EVENTS: &str =
    "query($from: DateTime!, $to: DateTime!) { events(from: $from, to: $to, first: 5) { totalCount } }";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_window_is_read_in_pages_and_one_holding_too_many_events_is_refused() {
    let s = secret(TestApp::spawn().await).await;
    let app = &s.app;
    let animator_id = fixtures::person_id(app, &s.animator).await;
    fixtures::plant_events(app, &s.community, animator_id, 501).await;
    let year = json!({ "id": s.community, "from": "2027-01-01T00:00:00Z", "to": "2028-12-31T00:00:00Z", "first": 10 });

    // 501 events in two years: more than a list considers. The member is told to ask for
    // a shorter window, on every list of occurrences.
    let body = app.gql(Some(&s.member), WINDOW, year.clone()).await;
    assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", "to"), "{body}");
    let body = app.gql(Some(&s.member), ALL_EVENTS, year.clone()).await;
    assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", "to"), "{body}");
    // The bound counts what the caller may see: a stranger sees an empty year, not an
    // error that would tell them the secret community plans much.
    let seen = app.ok(Some(&s.stranger), ALL_EVENTS, year.clone()).await;
    assert_eq!(seen["events"]["totalCount"], 0, "{seen}");

    // Windows longer than two years, or ending before they start, are refused by name.
    for (from, to) in
        [("2027-01-01T00:00:00Z", "2029-01-02T00:00:00Z"), ("2027-02-01T00:00:00Z", "2027-01-01T00:00:00Z")]
    {
        let body = app.gql(Some(&s.member), WINDOW, json!({ "id": s.community, "from": from, "to": to })).await;
        assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", "to"), "{body}");
    }

    // 130 days: 130 meetings, read 40 at a time across the database's pages, in order of
    // start, each once.
    let mut seen = Vec::new();
    let mut after = Value::Null;
    loop {
        let data = app
            .ok(
                Some(&s.member),
                WINDOW,
                json!({ "id": s.community, "from": "2027-01-01T00:00:00Z", "to": "2027-05-11T00:00:00Z", "first": 40, "after": after }),
            )
            .await;
        let events = &data["node"]["events"];
        assert_eq!(events["totalCount"], 130, "{events}");
        seen.extend(
            events["edges"].as_array().unwrap().iter().map(|e| e["node"]["title"].as_str().unwrap().to_owned()),
        );
        if events["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = events["pageInfo"]["endCursor"].clone();
    }
    let expected: Vec<String> = (0..130).map(|i| format!("Rencontre {i:03}")).collect();
    assert_eq!(seen, expected);
}

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_daily_series_from_long_ago_is_expanded_from_the_window_asked_for() {
    let s = secret(TestApp::spawn().await).await;
    let app = &s.app;
    // Every day at 09:00 in Toronto since January 2000, without end.
    let input = json!({
        "communityId": s.community, "kind": "MEETING", "title": "Caucus quotidien",
        "startsAt": "2000-01-03T14:00:00Z", "endsAt": "2000-01-03T14:30:00Z",
        "timeZone": "America/Toronto", "recurrence": "FREQ=DAILY",
        "mode": "VIRTUAL", "joinUrl": "https://meet.example/daily",
    });
    let event = app.ok(Some(&s.animator), CREATE, json!({ "input": input })).await["createEvent"]["event"].clone();
    // A week in 2090, 33,000 days after the first: all seven there, at 09:00 local (the
    // expansion from the series' start gave up after 20,000 steps and listed none).
    let data = app
        .ok(
            Some(&s.member),
            WINDOW,
            json!({ "id": s.community, "from": "2090-03-01T00:00:00Z", "to": "2090-03-08T00:00:00Z", "first": 20 }),
        )
        .await;
    let events = &data["node"]["events"];
    assert_eq!(events["totalCount"], 7, "{events}");
    let starts: Vec<DateTime<Utc>> =
        events["edges"].as_array().unwrap().iter().map(|e| at(e["node"]["startsAt"].as_str().unwrap())).collect();
    assert_eq!(starts.first(), Some(&at("2090-03-01T14:00:00Z")));
    let tz: chrono_tz::Tz = "America/Toronto".parse().unwrap();
    assert!(starts.iter().all(|s| s.with_timezone(&tz).format("%H:%M").to_string() == "09:00"), "{starts:?}");
    // The occurrence is found by its id, and answered, that far on.
    let id = maillage_api::graphql::ids::occurrence_id(fixtures::db_id(&event["id"]), at("2090-03-02T14:00:00Z"));
    let data = app
        .ok(
            Some(&s.member),
            "mutation($o: ID!) { rsvp(input: { occurrenceId: $o, response: GOING }) { occurrence { startsAt viewerRsvp { response } } } }",
            json!({ "o": id.0 }),
        )
        .await;
    assert_eq!(data["rsvp"]["occurrence"]["viewerRsvp"]["response"], "GOING", "{data}");
    // And the series' own first days are still where they were.
    let data = app
        .ok(
            Some(&s.member),
            WINDOW,
            json!({ "id": s.community, "from": "2000-01-01T00:00:00Z", "to": "2000-01-06T00:00:00Z" }),
        )
        .await;
    assert_eq!(data["node"]["events"]["totalCount"], 3, "{data}");
}

/// Every field of a list of occurrences that reads the database besides the list itself
/// (attendance: the member organizes every event, so they may see it).
const NESTED: &str = "query($id: ID!) { node(id: $id) { ... on Community { events(from: \"2027-01-01T00:00:00Z\", to: \"2028-01-01T00:00:00Z\", first: 100) { totalCount edges { node { id goingCount waitlistCount maybeCount viewerRsvp { response } attendance { status person { displayName } } event { id viewerCan { update rsvp } organizers { displayName } subgroup { id } community { slug } } } } } } } }";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn counts_and_permissions_of_a_list_cost_the_same_statements_for_two_events_or_forty() {
    let s = secret(TestApp::spawn().await).await;
    let app = &s.app;
    let one_off = |i: usize| {
        let mut input = talk(&s.community, "MEMBERS", &[s.member_id]);
        input["title"] = json!(format!("Atelier {i}"));
        input["startsAt"] = json!(format!("2027-04-{:02}T18:00:00Z", i + 1));
        input["endsAt"] = json!(format!("2027-04-{:02}T19:00:00Z", i + 1));
        input["capacity"] = json!(1);
        input
    };
    let mut measured = Vec::new();
    let mut made = 0;
    for wanted in [2, 28] {
        while made < wanted {
            let event =
                app.ok(Some(&s.animator), CREATE, json!({ "input": one_off(made) })).await["createEvent"]["event"]
                    .clone();
            let start = at(&format!("2027-04-{:02}T18:00:00Z", made + 1));
            let occurrence = maillage_api::graphql::ids::occurrence_id(fixtures::db_id(&event["id"]), start).0;
            // One place: the animator takes it, the member waits.
            for (token, answer) in [(&s.animator, "GOING"), (&s.member, "GOING")] {
                app.ok(
                    Some(token),
                    "mutation($o: ID!, $r: RsvpResponse!) { rsvp(input: { occurrenceId: $o, response: $r }) { occurrence { id } } }",
                    json!({ "o": occurrence, "r": answer }),
                )
                .await;
            }
            made += 1;
        }
        app.reset_statements();
        let data = app.ok(Some(&s.member), NESTED, json!({ "id": s.community })).await;
        measured.push(app.statements());
        let edges = data["node"]["events"]["edges"].as_array().unwrap().clone();
        assert_eq!(edges.len(), wanted, "{data}");
        for edge in &edges {
            let node = &edge["node"];
            assert_eq!((node["goingCount"].as_i64(), node["waitlistCount"].as_i64()), (Some(1), Some(1)), "{node}");
            assert_eq!(node["maybeCount"], 0);
            assert_eq!(node["event"]["viewerCan"], json!({ "update": true, "rsvp": true }), "an organizer: {node}");
            assert_eq!(node["event"]["organizers"].as_array().map(Vec::len), Some(2), "{node}");
        }
    }
    // Batches may split across DataLoader's window under load: a little slack, far less
    // than one statement per event (26 more events).
    assert!(measured[1] <= measured[0] + 3, "statements for 2 and 28 events: {measured:?}");
}

/// Dates near the end of what the server can represent: a window there, or a new start
/// there with the end left to follow it, is refused by name; nothing panics. A counted
/// series must end within the years occurrences may have.
#[tokio::test]
async fn far_dates_and_endless_counted_series_are_refused_by_name() {
    let s = secret(TestApp::spawn().await).await;
    let app = &s.app;
    let mut weekly = talk(&s.community, "NETWORK", &[]);
    weekly["timeZone"] = json!("Asia/Tokyo");
    weekly["recurrence"] = json!("FREQ=WEEKLY");
    let event = app.ok(Some(&s.animator), CREATE, json!({ "input": weekly })).await["createEvent"]["event"].clone();

    let far =
        "query($from: DateTime!, $to: DateTime!) { events(from: $from, to: $to) { totalCount edges { node { id } } } }";
    for (from, to, field) in [
        ("+262142-12-31T20:00:00Z", "+262142-12-31T23:59:59Z", "to"),
        ("2199-12-31T00:00:00Z", "2200-01-02T00:00:00Z", "to"),
        ("1960-01-01T00:00:00Z", "1960-02-01T00:00:00Z", "from"),
    ] {
        for token in [Some(s.member.as_str()), Some(s.stranger.as_str()), None] {
            let body = app.gql(token, far, json!({ "from": from, "to": to })).await;
            assert_eq!(error_code(&body), "BAD_USER_INPUT", "{from}..{to}: {body}");
            assert_eq!(error_field(&body), field, "{body}");
        }
    }
    // The last years occurrences may have still answer.
    let body =
        app.ok(Some(&s.member), far, json!({ "from": "2199-01-01T00:00:00Z", "to": "2199-12-31T00:00:00Z" })).await;
    assert_eq!(body["events"]["totalCount"], 52, "{body}");

    let update = "mutation($input: UpdateEventInput!) { updateEvent(input: $input) { event { id } } }";
    let body = app
        .gql(
            Some(&s.animator),
            update,
            json!({ "input": { "id": event["id"], "startsAt": "+262142-12-31T23:00:00Z" } }),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(error_field(&body), "startsAt", "{body}");

    let mut leap = talk(&s.community, "NETWORK", &[]);
    leap["recurrence"] = json!("FREQ=DAILY;COUNT=1000;BYMONTH=2;BYMONTHDAY=29");
    let body = app.gql(Some(&s.animator), CREATE, json!({ "input": leap })).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(error_field(&body), "recurrence", "{body}");
    // A counted series within the years is fine.
    leap["recurrence"] = json!("FREQ=YEARLY;COUNT=10;BYMONTH=2;BYMONTHDAY=29");
    app.ok(Some(&s.animator), CREATE, json!({ "input": leap })).await;
    // The server still answers.
    app.ok(Some(&s.member), OPEN_EVENTS, json!({})).await;
}

/// Open-ended series count against a window's bound only where they recur in it: 700
/// weekly series (100 a day) do not stop anyone from listing a day, or a week of them.
#[tokio::test]
async fn open_ended_series_elsewhere_do_not_fill_a_window() {
    let s = secret(TestApp::spawn().await).await;
    let app = &s.app;
    let animator_id = fixtures::person_id(app, &s.animator).await;
    fixtures::plant_weekly_series(app, &s.community, animator_id, 700).await;
    // In 2029, when all of them have started.
    for (to, expected) in [("2029-03-02T00:00:00Z", 100), ("2029-03-04T00:00:00Z", 300)] {
        let window = json!({ "id": s.community, "from": "2029-03-01T00:00:00Z", "to": to, "first": 10 });
        let data = app.ok(Some(&s.member), WINDOW, window).await;
        assert_eq!(data["node"]["events"]["totalCount"], expected, "until {to}");
    }
    // A week holds all 700: more than a list considers.
    let week = json!({ "id": s.community, "from": "2029-03-01T00:00:00Z", "to": "2029-03-08T00:00:00Z", "first": 10 });
    let body = app.gql(Some(&s.member), WINDOW, week).await;
    assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", "to"), "{body}");
}

const OCCURRENCES: &str = "query($id: ID!, $from: DateTime!, $to: DateTime!) { node(id: $id) { ... on Community { events(from: $from, to: $to, first: 100) { totalCount edges { node { id title } } } } } }";

/// A member cannot fill a community with events until its lists fail: 50 series and 400
/// events that have not ended per community (`CONFLICT` on `communityId`), 100 created a
/// day per person (`RATE_LIMITED`). The bounds are checked again when an edit brings an
/// event back to life.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_member_cannot_fill_a_community_with_events() {
    let s = secret(TestApp::spawn().await).await;
    let app = &s.app;
    let mut series = talk(&s.community, "MEMBERS", &[]);
    series["recurrence"] = json!("FREQ=WEEKLY");
    // A member has room of their own for 10 series: the 11th is refused as their own
    // limit, and the animator still creates series until the community's 50.
    for i in 0..10 {
        series["title"] = json!(format!("Série {i}"));
        app.ok(Some(&s.member), CREATE, json!({ "input": series })).await;
    }
    let body = app.gql(Some(&s.member), CREATE, json!({ "input": series })).await;
    assert_eq!((error_code(&body), error_field(&body)), ("CONFLICT", "communityId"), "{body}");
    assert!(body["errors"][0]["message"].as_str().is_some_and(|m| m.contains("own limit")), "{body}");
    for i in 10..50 {
        series["title"] = json!(format!("Série {i}"));
        app.ok(Some(&s.animator), CREATE, json!({ "input": series })).await;
    }
    let body = app.gql(Some(&s.animator), CREATE, json!({ "input": series })).await;
    assert_eq!((error_code(&body), error_field(&body)), ("CONFLICT", "communityId"), "{body}");
    assert!(body["errors"][0]["message"].as_str().is_some_and(|m| !m.contains("own limit")), "{body}");
    // A series that ends is no more room: bounded by UNTIL, it still has not ended.
    series["recurrence"] = json!("FREQ=WEEKLY;UNTIL=20280101T000000Z");
    let body = app.gql(Some(&s.animator), CREATE, json!({ "input": series })).await;
    assert_eq!(error_code(&body), "CONFLICT", "{body}");
    // Single events still have room: the member's own, up to 50 events to come.
    let one_off = talk(&s.community, "MEMBERS", &[]);
    for _ in 0..40 {
        app.ok(Some(&s.member), CREATE, json!({ "input": one_off })).await;
    }
    let body = app.gql(Some(&s.member), CREATE, json!({ "input": one_off })).await;
    assert_eq!((error_code(&body), error_field(&body)), ("CONFLICT", "communityId"), "{body}");
    assert!(body["errors"][0]["message"].as_str().is_some_and(|m| m.contains("own limit")), "{body}");
    // Past events take no room, but at most 100 are created a day by one person.
    let mut long_ago = talk(&s.community, "MEMBERS", &[]);
    long_ago["startsAt"] = json!("2020-03-02T18:00:00Z");
    long_ago["endsAt"] = json!("2020-03-02T19:00:00Z");
    for _ in 0..50 {
        app.ok(Some(&s.member), CREATE, json!({ "input": long_ago })).await;
    }
    let body = app.gql(Some(&s.member), CREATE, json!({ "input": long_ago })).await;
    assert_eq!(error_code(&body), "RATE_LIMITED", "{body}");
    // Nothing was written by the refusals, and the year still lists.
    let year = json!({ "id": s.community, "from": "2027-03-01T00:00:00Z", "to": "2027-03-08T00:00:00Z" });
    let data = app.ok(Some(&s.member), OCCURRENCES, year).await;
    assert_eq!(data["node"]["events"]["totalCount"], 90, "{data}");

    // A past event moved into the future needs room like a new one: with 400 to come
    // (planted), the animator may create none and bring none back.
    let mut past = talk(&s.community, "MEMBERS", &[]);
    past["startsAt"] = json!("2020-03-02T18:00:00Z");
    past["endsAt"] = json!("2020-03-02T19:00:00Z");
    let old = app.ok(Some(&s.animator), CREATE, json!({ "input": past })).await["createEvent"]["event"]["id"].clone();
    let animator_id = fixtures::person_id(app, &s.animator).await;
    fixtures::plant_events(app, &s.community, animator_id, 310).await;
    let body = app.gql(Some(&s.animator), CREATE, json!({ "input": one_off })).await;
    assert_eq!((error_code(&body), error_field(&body)), ("CONFLICT", "communityId"), "{body}");
    let update = "mutation($input: UpdateEventInput!) { updateEvent(input: $input) { event { id startsAt } } }";
    let body = app
        .gql(
            Some(&s.animator),
            update,
            json!({ "input": { "id": old, "startsAt": "2027-06-01T18:00:00Z", "endsAt": "2027-06-01T19:00:00Z" } }),
        )
        .await;
    assert_eq!((error_code(&body), error_field(&body)), ("CONFLICT", "communityId"), "{body}");
    // Renaming it (it stays in the past) is fine.
    app.ok(Some(&s.animator), update, json!({ "input": { "id": old, "title": "Rencontre de 2020" } })).await;
}

/// Rules are checked and expanded at a bounded cost, and every occurrence a series has up
/// to 2200 can be listed and edited on its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn far_occurrences_are_listed_and_edited_and_rules_cost_little_to_check() {
    let s = secret(TestApp::spawn().await).await;
    let app = &s.app;
    // A daily series from 2000 until 2199: its occurrences of 2190 are listed (its end
    // is bounded by UNTIL, not found by expanding 72,000 days).
    let mut daily = talk(&s.community, "MEMBERS", &[]);
    daily["startsAt"] = json!("2000-01-03T18:00:00Z");
    daily["endsAt"] = json!("2000-01-03T19:00:00Z");
    daily["recurrence"] = json!("FREQ=DAILY;UNTIL=21990101T000000Z");
    app.ok(Some(&s.animator), CREATE, json!({ "input": daily })).await;
    let window = json!({ "id": s.community, "from": "2190-03-01T00:00:00Z", "to": "2190-03-11T00:00:00Z" });
    let data = app.ok(Some(&s.member), OCCURRENCES, window.clone()).await;
    assert_eq!(data["node"]["events"]["totalCount"], 10, "{data}");

    // One of them, in 2190, renamed on its own.
    let first = data["node"]["events"]["edges"][0]["node"]["id"].clone();
    let event = app
        .ok(
            Some(&s.member),
            "query($id: ID!) { node(id: $id) { ... on Occurrence { event { id } } } }",
            json!({ "id": first }),
        )
        .await["node"]["event"]["id"]
        .clone();
    let update = "mutation($input: UpdateEventInput!) { updateEvent(input: $input) { event { id } } }";
    app.ok(
        Some(&s.animator),
        update,
        json!({ "input": { "id": event, "scope": "THIS", "occurrenceId": first, "title": "Rencontre du siècle" } }),
    )
    .await;
    let data = app.ok(Some(&s.member), OCCURRENCES, window).await;
    assert_eq!(data["node"]["events"]["edges"][0]["node"]["title"], "Rencontre du siècle", "{data}");

    // Counted rules that would step through decades are refused at once, by name.
    for rule in [
        "FREQ=DAILY;COUNT=25;BYMONTH=2;BYMONTHDAY=29",
        "FREQ=WEEKLY;COUNT=10;BYWEEKNO=53",
        "FREQ=YEARLY;COUNT=1000;BYMONTH=2;BYMONTHDAY=29",
    ] {
        let mut input = talk(&s.community, "MEMBERS", &[]);
        input["recurrence"] = json!(rule);
        let started = std::time::Instant::now();
        let body = app.gql(Some(&s.animator), CREATE, json!({ "input": input })).await;
        assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", "recurrence"), "{rule}: {body}");
        assert!(started.elapsed() < std::time::Duration::from_secs(2), "{rule} took {:?}", started.elapsed());
    }
}

/// The community's bound holds under concurrent creations: with 399 events to come, ten
/// animators' `createEvent` at once give exactly one more (on PostgreSQL the community's
/// row is locked before counting; SQLite writers take turns).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_creations_never_pass_the_communitys_bound() {
    let s = secret(TestApp::spawn().await).await;
    let app = &s.app;
    fixtures::plant_events(app, &s.community, s.member_id, 399).await;
    let mut animators = Vec::new();
    for i in 0..10 {
        let token = app.token(&format!("animator{i}@cisss-a.example"), Some("cisss-a"), false).await;
        let id = fixtures::person_id(app, &token).await;
        fixtures::add_member(app, &s.community, id, &[CommunityRole::Animator]).await;
        animators.push(token);
    }
    let bodies = harness::join_all(
        animators
            .iter()
            .map(|token| app.gql(Some(token), CREATE, json!({ "input": talk(&s.community, "MEMBERS", &[]) }))),
    )
    .await;
    let created = bodies.iter().filter(|b| b["errors"].is_null()).count();
    assert_eq!(created, 1, "{bodies:?}");
    for body in bodies.iter().filter(|b| !b["errors"].is_null()) {
        assert_eq!((error_code(body), error_field(body)), ("CONFLICT", "communityId"), "{body}");
    }
    assert_eq!(app.count_rows("event").await, 400);
}

#[tokio::test]
async fn splitting_a_series_needs_room_like_creating_one() {
    let s = secret(TestApp::spawn().await).await;
    let app = &s.app;
    let mut series = talk(&s.community, "MEMBERS", &[]);
    series["recurrence"] = json!("FREQ=WEEKLY");
    // The member holds 10 live series, their own limit.
    let mut last = Value::Null;
    for i in 0..10 {
        series["title"] = json!(format!("Série {i}"));
        last = app.ok(Some(&s.member), CREATE, json!({ "input": series })).await["createEvent"]["event"]["id"].clone();
    }
    // "This and following" on the second occurrence would leave a live first piece and a
    // new live series: an 11th, so it is refused like a creation, and nothing changes.
    let second = maillage_api::graphql::ids::occurrence_id(
        fixtures::db_id(&last),
        chrono::DateTime::parse_from_rfc3339("2027-03-09T18:00:00Z").expect("date").to_utc(),
    );
    let update = "mutation($input: UpdateEventInput!) { updateEvent(input: $input) { event { id } } }";
    let split =
        json!({ "input": { "id": last, "scope": "THIS_AND_FOLLOWING", "occurrenceId": second, "title": "Suite" } });
    let before = app.count_rows("event").await;
    let body = app.gql(Some(&s.member), update, split.clone()).await;
    assert_eq!((error_code(&body), error_field(&body)), ("CONFLICT", "communityId"), "{body}");
    assert!(body["errors"][0]["message"].as_str().is_some_and(|m| m.contains("own limit")), "{body}");
    assert_eq!(app.count_rows("event").await, before, "nothing was written");
    // The community's animators manage its events: they may still split it.
    app.ok(Some(&s.animator), update, split).await;
    assert_eq!(app.count_rows("event").await, before + 1);
}

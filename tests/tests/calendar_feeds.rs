//! Calendar feeds (issue 13), checked by an independent parser: Python's `icalendar` and
//! `recurring-ical-events` (pinned in `tests/ical/requirements.txt`, in `tests/ical/.venv`)
//! read the personal and community feeds and compute their occurrences, which must equal
//! those the API lists — monthly meetings across both daylight-saving changes, one moved,
//! one cancelled, a series split by "this and following", a cancelled talk. The personal
//! feed's token is shown once and replaced by a new one; a secret community's events never
//! reach anyone else's feed; the community feed holds its PUBLIC events only.

use std::{
    collections::BTreeSet,
    io::Write,
    path::PathBuf,
    process::{Command, Stdio},
};

use entity::enums::CommunityRole;
use harness::{TestApp, fixtures};
use serde_json::{Value, json};

const CREATE: &str = "mutation($input: CreateEventInput!) { createEvent(input: $input) { event { id } } }";
const UPDATE: &str = "mutation($input: UpdateEventInput!) { updateEvent(input: $input) { event { id } } }";
const CANCEL: &str = "mutation($input: CancelEventInput!) { cancelEvent(input: $input) { event { id } } }";
const RESET: &str = "mutation { resetCalendarFeed { url } }";
const EVENTS: &str = "query($after: String) { events(from: \"2027-01-01T00:00:00Z\", to: \"2028-01-01T00:00:00Z\", first: 100, after: $after) { pageInfo { hasNextPage endCursor } edges { node { id originalStart startsAt endsAt cancelled title event { id cancelled } } } } }";
const FROM: &str = "2027-01-01T00:00:00Z";
const TO: &str = "2028-01-01T00:00:00Z";

/// The Python of `tests/ical/.venv` (made by `.ci/run`), or `None` (skipped off CI).
fn ical_python() -> Option<PathBuf> {
    let python = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("ical/.venv/bin/python");
    let ready = python.exists()
        && Command::new(&python)
            .args(["-c", "import icalendar, recurring_ical_events"])
            .status()
            .is_ok_and(|s| s.success());
    if ready {
        return Some(python);
    }
    let message = "icalendar is not installed: python3 -m venv tests/ical/.venv && \
                   tests/ical/.venv/bin/pip install -r tests/ical/requirements.txt";
    assert!(!std::env::var("CI").is_ok_and(|v| v == "true" || v == "1"), "{message}");
    eprintln!("skipped: {message}");
    None
}

/// What the independent parser finds in a feed between FROM and TO.
fn parse(python: &PathBuf, feed: &str) -> Value {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("ical/occurrences.py");
    let mut child = Command::new(python)
        .arg(script)
        .args([FROM, TO])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run python");
    child.stdin.take().expect("stdin").write_all(feed.as_bytes()).expect("write feed");
    let output = child.wait_with_output().expect("python output");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{}\n{feed}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_str(stdout.trim()).expect("JSON from the script")
}

/// The event number of a feed UID (`event-42@host`).
fn event_of_uid(uid: &str) -> i32 {
    uid.strip_prefix("event-").and_then(|r| r.split('@').next()).and_then(|n| n.parse().ok()).expect("a UID")
}

fn utc(text: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(text)
        .expect("time")
        .with_timezone(&chrono::Utc)
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// (event, start, end, title, cancelled as a whole) of every occurrence the API lists in
/// 2027, leaving out those cancelled on their own (a feed drops them with EXDATE).
async fn listed(app: &TestApp, token: &str) -> BTreeSet<(i32, String, String, String, bool)> {
    let mut out = BTreeSet::new();
    let mut after = Value::Null;
    loop {
        let data = app.ok(Some(token), EVENTS, json!({ "after": after })).await;
        for edge in data["events"]["edges"].as_array().expect("edges") {
            let o = &edge["node"];
            let whole = o["event"]["cancelled"] == true;
            if o["cancelled"] == true && !whole {
                continue;
            }
            out.insert((
                fixtures::db_id(&o["event"]["id"]),
                utc(o["startsAt"].as_str().unwrap_or("")),
                utc(o["endsAt"].as_str().unwrap_or("")),
                o["title"].as_str().unwrap_or("").to_owned(),
                whole,
            ));
        }
        if data["events"]["pageInfo"]["hasNextPage"] != true {
            return out;
        }
        after = data["events"]["pageInfo"]["endCursor"].clone();
    }
}

fn found(parsed: &Value) -> BTreeSet<(i32, String, String, String, bool)> {
    parsed["occurrences"]
        .as_array()
        .expect("occurrences")
        .iter()
        .map(|o| {
            (
                event_of_uid(o["uid"].as_str().unwrap_or("")),
                o["start"].as_str().unwrap_or("").to_owned(),
                o["end"].as_str().unwrap_or("").to_owned(),
                o["summary"].as_str().unwrap_or("").to_owned(),
                o["status"] == "CANCELLED",
            )
        })
        .collect()
}

async fn feed(app: &TestApp, url: &str) -> (u16, String) {
    let path = &url[url.find("/calendar/").expect("a calendar path")..];
    app.get(path).await
}

fn input(community: &Value, title: &str, recurrence: Option<&str>, audience: &str) -> Value {
    json!({
        "communityId": community, "kind": "MEETING", "title": title, "agenda": "Ordre du jour; cas, lecture\nfin",
        "startsAt": "2027-01-12T18:00:00Z", "endsAt": "2027-01-12T21:30:00Z", "timeZone": "America/Toronto",
        "recurrence": recurrence, "mode": "HYBRID", "place": "Salle 201, Longueuil",
        "joinUrl": "https://meet.example/cdp", "audience": audience,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn feeds_agree_with_the_api_on_every_occurrence() {
    let Some(python) = ical_python() else { return };
    let app = TestApp::spawn().await;
    let admin = app.token("admin@network.example", None, true).await;
    fixtures::organization(&app, &admin, "cisss-a").await;
    let animator = app.token("anna@cisss-a.example", Some("cisss-a"), false).await;
    let community = fixtures::community(&app, &animator, "soins-palliatifs", "PUBLIC", "APPROVAL").await;
    let member = app.token("marc@cisss-a.example", Some("cisss-a"), false).await;
    let member_id = fixtures::person_id(&app, &member).await;
    fixtures::add_member(&app, &community, member_id, &[CommunityRole::Member]).await;
    let keeper = app.token("kim@cisss-a.example", Some("cisss-a"), false).await;
    let secret = fixtures::community(&app, &keeper, "cellule-secrete", "MEMBERS", "INVITATION").await;

    // Monthly meetings; March moved, April cancelled; from October on, a new title.
    let meetings = app
        .ok(
            Some(&animator),
            CREATE,
            json!({ "input": input(&community, "Rencontre", Some("FREQ=MONTHLY;BYDAY=2TU"), "MEMBERS") }),
        )
        .await["createEvent"]["event"]["id"]
        .clone();
    let occurrences = app.ok(Some(&member), EVENTS, json!({})).await["events"]["edges"].clone();
    let key = |start: &str| {
        occurrences.as_array().expect("edges").iter().find(|e| e["node"]["originalStart"] == start).expect(start)["node"]["id"].clone()
    };
    app.ok(
        Some(&animator),
        UPDATE,
        json!({ "input": { "id": meetings, "scope": "THIS", "occurrenceId": key("2027-03-09T18:00:00+00:00"), "startsAt": "2027-03-10T19:00:00Z", "endsAt": "2027-03-10T21:00:00Z", "title": "Rencontre déplacée" } }),
    )
    .await;
    app.ok(
        Some(&animator),
        CANCEL,
        json!({ "input": { "id": meetings, "scope": "THIS", "occurrenceId": key("2027-04-13T17:00:00+00:00") } }),
    )
    .await;
    app.ok(
        Some(&animator),
        UPDATE,
        json!({ "input": { "id": meetings, "scope": "THIS_AND_FOLLOWING", "occurrenceId": key("2027-10-12T17:00:00+00:00"), "title": "Rencontre d'automne" } }),
    )
    .await;
    // A public guest talk, later cancelled as a whole; a talk open to the network.
    let mut talk = input(&community, "Conférence: soins, éthique", None, "PUBLIC");
    talk["startsAt"] = json!("2027-06-02T16:00:00Z");
    talk["endsAt"] = json!("2027-06-02T17:30:00Z");
    let talk_id =
        app.ok(Some(&animator), CREATE, json!({ "input": talk.clone() })).await["createEvent"]["event"]["id"].clone();
    talk["title"] = json!("Webinaire réseau");
    talk["audience"] = json!("NETWORK");
    talk["startsAt"] = json!("2027-07-02T16:00:00Z");
    talk["endsAt"] = json!("2027-07-02T17:30:00Z");
    app.ok(Some(&animator), CREATE, json!({ "input": talk })).await;
    app.ok(Some(&animator), CANCEL, json!({ "input": { "id": talk_id } })).await;
    // The secret community's own meetings.
    let hidden = app
        .ok(
            Some(&keeper),
            CREATE,
            json!({ "input": input(&secret, "Réunion secrète", Some("FREQ=WEEKLY;COUNT=4"), "MEMBERS") }),
        )
        .await["createEvent"]["event"]["id"]
        .clone();

    // The member's personal feed: shown once; the parser finds what the API lists.
    let url =
        app.ok(Some(&member), RESET, json!({})).await["resetCalendarFeed"]["url"].as_str().expect("url").to_owned();
    assert!(url.contains("/calendar/cal_") && url.ends_with(".ics"), "{url}");
    let (status, text) = feed(&app, &url).await;
    assert_eq!(status, 200, "{text}");
    assert!(text.starts_with("BEGIN:VCALENDAR\r\n"), "{text}");
    for expected in [
        "BEGIN:VTIMEZONE",
        "TZID:America/Toronto",
        "RRULE:FREQ=MONTHLY",
        "EXDATE;TZID=America/Toronto:20270413T130000",
        "RECURRENCE-ID;TZID=America/Toronto:20270309T130000",
        "STATUS:CANCELLED",
        "URL:https://meet.example/cdp",
    ] {
        assert!(text.contains(expected), "{expected} in\n{text}");
    }
    let parsed = parse(&python, &text);
    assert_eq!(parsed["timezones"], json!(["America/Toronto"]));
    let api = listed(&app, &member).await;
    let ical = found(&parsed);
    assert_eq!(ical, api, "the feed's occurrences are the API's");
    assert_eq!(api.len(), 11 + 2, "eleven meetings (April cancelled) and two talks: {api:#?}");
    assert!(api.iter().any(|o| o.1 == "2027-03-10T19:00:00Z" && o.3 == "Rencontre déplacée"), "{api:#?}");
    assert!(
        api.iter().any(|o| o.1 == "2027-11-09T18:00:00Z" && o.3 == "Rencontre d'automne"),
        "after the fall change: {api:#?}"
    );
    assert!(api.iter().any(|o| o.3.starts_with("Conférence") && o.4), "the cancelled talk: {api:#?}");
    assert!(!ical.iter().any(|o| o.0 == fixtures::db_id(&hidden)), "no secret event in another's feed");
    let moved = parsed["occurrences"]
        .as_array()
        .expect("list")
        .iter()
        .find(|o| o["summary"] == "Rencontre déplacée")
        .expect("moved");
    assert_eq!(moved["recurrenceId"], "2027-03-09T18:00:00Z");
    assert!(moved["sequence"].as_i64().unwrap_or(0) >= 2, "SEQUENCE grows with each change: {moved}");

    // The secret community's member sees its meetings in their own feed.
    let keeper_url =
        app.ok(Some(&keeper), RESET, json!({})).await["resetCalendarFeed"]["url"].as_str().expect("url").to_owned();
    let keeper_feed = parse(&python, &feed(&app, &keeper_url).await.1);
    assert_eq!(found(&keeper_feed), listed(&app, &keeper).await);
    assert_eq!(found(&keeper_feed).iter().filter(|o| o.0 == fixtures::db_id(&hidden)).count(), 4);

    // A new feed replaces the old one, whose address no longer answers.
    let again =
        app.ok(Some(&member), RESET, json!({})).await["resetCalendarFeed"]["url"].as_str().expect("url").to_owned();
    assert_ne!(again, url);
    assert_eq!(feed(&app, &url).await.0, 404);
    assert_eq!(feed(&app, &again).await.0, 200);
    assert_eq!(app.get("/calendar/cal_nope.ics").await.0, 404);
    let body = app.gql(None, RESET, json!({})).await;
    assert_eq!(harness::error_code(&body), "UNAUTHENTICATED");

    // The community's public feed: its PUBLIC events only, without join links, for anyone.
    let data = app.ok(None, "{ community(slug: \"soins-palliatifs\") { calendarFeedUrl } }", json!({})).await;
    let public = data["community"]["calendarFeedUrl"].as_str().expect("a public community's feed").to_owned();
    let (status, text) = feed(&app, &public).await;
    assert_eq!(status, 200);
    assert!(!text.contains("meet.example"), "no join link in the public feed:\n{text}");
    let parsed = parse(&python, &text);
    let titles: Vec<&str> =
        parsed["occurrences"].as_array().expect("list").iter().filter_map(|o| o["summary"].as_str()).collect();
    assert_eq!(titles, ["Conférence: soins, éthique"]);
    assert_eq!(parsed["occurrences"][0]["status"], "CANCELLED");
    // A secret community has no public feed, and its address reveals nothing.
    let data = app.ok(Some(&keeper), "{ community(slug: \"cellule-secrete\") { calendarFeedUrl } }", json!({})).await;
    assert_eq!(data["community"]["calendarFeedUrl"], Value::Null);
    let (secret_status, _) = app.get("/calendar/communities/cellule-secrete.ics").await;
    let (missing_status, _) = app.get("/calendar/communities/nowhere.ics").await;
    assert_eq!((secret_status, missing_status), (404, 404));
}

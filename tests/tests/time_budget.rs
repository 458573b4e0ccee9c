//! The annual time budget (issue 13): six 3.5 h meetings attended (21 h) then a 4 h
//! workshop: the 3 h within the 24 h allowance count, the 1 h overrun waits for the
//! sponsor of the member's *own* organization (another organization's sponsor cannot
//! decide it), approval makes it count, a refusal keeps its reason. Bad input names its
//! field and writes nothing; two entries at once near the limit do not both count; who
//! sees a budget goes through the policy; the CSV report parses with Python's `csv`.

use entity::enums::CommunityRole;
use harness::{TestApp, error_code, error_field, fixtures, join_all};
use maillage_api::graphql::ids::{NodeKind, to_global};
use serde_json::{Value, json};

const LOG: &str = "mutation($input: LogTimeInput!) { logTime(input: $input) { entry { id status hours } entries { id status hours } } }";
const DECIDE: &str = "mutation($id: ID!, $ok: Boolean!, $why: String) { decideTimeOverrun(input: { entryId: $id, approve: $ok, reason: $why }) { entry { id status reason hours } } }";
const BUDGET: &str = "query($p: ID!, $c: ID!) { node(id: $p) { ... on Person { timeBudget(communityId: $c) { year allowedHours usedHours pendingHours refusedHours remainingHours entries(first: 50) { totalCount nodes { id status hours category fromAttendance viewerCan { decide } } } } } } }";
const PENDING: &str =
    "{ pendingTimeApprovals(first: 20) { totalCount nodes { id hours status viewerCan { decide } } } }";
const ATTEND: &str =
    "mutation($input: RecordAttendanceInput!) { recordAttendance(input: $input) { attendance { status hours } } }";
const CREATE_EVENT: &str = "mutation($input: CreateEventInput!) { createEvent(input: $input) { event { id } } }";

/// Two organizations in one community, each with its sponsor; a member of the first, an
/// animator and a stranger of the second.
struct World {
    app: TestApp,
    admin: String,
    member: String,
    member_id: i32,
    sponsor_a: String,
    manager_a: String,
    sponsor_b: String,
    animator: String,
    stranger: String,
    org_a: Value,
    community: Value,
}

async fn world(visibility: &str) -> World {
    let app = TestApp::spawn().await;
    let admin = app.token("admin@network.example", None, true).await;
    let org_a = fixtures::organization(&app, &admin, "cisss-a").await;
    let org_b = fixtures::organization(&app, &admin, "cisss-b").await;
    let member = app.token("member@a.example", Some("cisss-a"), false).await;
    let sponsor_a = app.token("sponsor@a.example", Some("cisss-a"), false).await;
    let manager_a = app.token("manager@a.example", Some("cisss-a"), false).await;
    let sponsor_b = app.token("sponsor@b.example", Some("cisss-b"), false).await;
    let animator = app.token("animator@b.example", Some("cisss-b"), false).await;
    let stranger = app.token("stranger@b.example", Some("cisss-b"), false).await;
    let community = fixtures::community(&app, &admin, "soins-palliatifs", visibility, "OPEN").await;
    let member_id = fixtures::person_id(&app, &member).await;
    fixtures::add_member(&app, &community, member_id, &[CommunityRole::Member]).await;
    let animator_id = fixtures::person_id(&app, &animator).await;
    fixtures::add_member(&app, &community, animator_id, &[CommunityRole::Animator]).await;
    let sponsor_a_id = fixtures::person_id(&app, &sponsor_a).await;
    let sponsor_b_id = fixtures::person_id(&app, &sponsor_b).await;
    fixtures::add_member(&app, &community, sponsor_a_id, &[CommunityRole::Member]).await;
    fixtures::add_member(&app, &community, sponsor_b_id, &[CommunityRole::Member]).await;
    let c = fixtures::db_id(&community);
    harness::setup::participation(&app, c, fixtures::db_id(&org_a), Some(sponsor_a_id)).await;
    harness::setup::participation(&app, c, fixtures::db_id(&org_b), Some(sponsor_b_id)).await;
    // A manager of the first organization who is not its sponsor here.
    let manager_a_id = fixtures::person_id(&app, &manager_a).await;
    harness::setup::manager(&app, fixtures::db_id(&org_a), manager_a_id).await;
    World { app, admin, member, member_id, sponsor_a, manager_a, sponsor_b, animator, stranger, org_a, community }
}

fn person(id: i32) -> String {
    to_global(NodeKind::Person, id).0
}

async fn log(w: &World, token: &str, date: &str, hours: f64, category: &str) -> Value {
    w.app
        .gql(
            Some(token),
            LOG,
            json!({ "input": { "communityId": w.community, "date": date, "hours": hours, "category": category, "note": "préparation" } }),
        )
        .await
}

async fn budget(w: &World, token: Option<&str>) -> Value {
    let body = w.app.gql(token, BUDGET, json!({ "p": person(w.member_id), "c": w.community })).await;
    body["data"]["node"]["timeBudget"].clone()
}

/// A past one-off meeting of 3.5 hours on `day`, with the member recorded PRESENT.
async fn attend_meeting(w: &World, day: &str) {
    let event = w
        .app
        .ok(
            Some(&w.animator),
            CREATE_EVENT,
            json!({ "input": {
                "communityId": w.community, "kind": "MEETING", "title": format!("Rencontre {day}"),
                "startsAt": format!("{day}T17:00:00Z"), "endsAt": format!("{day}T20:30:00Z"),
                "timeZone": "America/Toronto", "mode": "VIRTUAL", "joinUrl": "https://meet.example/cdp",
            } }),
        )
        .await;
    let start = chrono::DateTime::parse_from_rfc3339(&format!("{day}T17:00:00Z")).expect("date").to_utc();
    let occurrence =
        maillage_api::graphql::ids::occurrence_id(fixtures::db_id(&event["createEvent"]["event"]["id"]), start).0;
    let entries = json!([{ "personId": person(w.member_id), "status": "PRESENT" }]);
    let data = w
        .app
        .ok(Some(&w.animator), ATTEND, json!({ "input": { "occurrenceId": occurrence, "entries": entries } }))
        .await;
    assert_eq!(data["recordAttendance"]["attendance"][0]["hours"], 3.5);
    // Recording the same attendance again updates the entry, never duplicates it.
    w.app.ok(Some(&w.animator), ATTEND, json!({ "input": { "occurrenceId": occurrence, "entries": entries } })).await;
}

const MEETINGS: [&str; 6] = ["2026-06-02", "2026-07-07", "2026-08-04", "2026-09-01", "2026-10-06", "2026-11-03"];

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_overrun_waits_for_the_members_own_sponsor_and_counts_once_approved() {
    let w = world("NETWORK").await;
    let app = &w.app;
    for day in MEETINGS {
        attend_meeting(&w, day).await;
    }
    let b = budget(&w, Some(&w.member)).await;
    assert_eq!(
        (b["year"].clone(), b["usedHours"].clone(), b["remainingHours"].clone()),
        (json!(2026), json!(21.0), json!(3.0)),
        "{b}"
    );
    assert_eq!(b["entries"]["totalCount"], 6, "one MEETING entry per meeting, however often attendance is recorded");
    assert!(
        b["entries"]["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .all(|e| e["category"] == "MEETING" && e["fromAttendance"] == true)
    );

    // A 4 h workshop: 3 h fit in the allowance and count, the 1 h past it waits.
    let body = log(&w, &w.member, "2026-12-01", 4.0, "PREPARATION").await;
    let logged = &body["data"]["logTime"];
    assert_eq!(logged["entry"]["status"], "PENDING_APPROVAL", "{body}");
    assert_eq!(logged["entry"]["hours"], 1.0);
    assert_eq!(logged["entries"][0]["status"], "RECORDED");
    assert_eq!(logged["entries"][0]["hours"], 3.0);
    let overrun = logged["entry"]["id"].clone();
    let b = budget(&w, Some(&w.member)).await;
    assert_eq!(
        (b["usedHours"].clone(), b["pendingHours"].clone(), b["remainingHours"].clone()),
        (json!(24.0), json!(1.0), json!(0.0))
    );

    // The other organization's sponsor neither sees nor decides it; nor does the animator.
    for outsider in [&w.sponsor_b, &w.animator, &w.stranger] {
        let body = app.gql(Some(outsider), DECIDE, json!({ "id": overrun, "ok": true })).await;
        assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
        let listed = app.ok(Some(outsider), PENDING, json!({})).await;
        assert_eq!(listed["pendingTimeApprovals"]["totalCount"], 0, "{listed}");
    }
    // The member's own organization names a sponsor: its other managers see the entry
    // but do not decide it.
    let body = app.gql(Some(&w.manager_a), DECIDE, json!({ "id": overrun, "ok": true })).await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    // The member's own sponsor finds it waiting for them.
    let listed = app.ok(Some(&w.sponsor_a), PENDING, json!({})).await;
    assert_eq!(listed["pendingTimeApprovals"]["totalCount"], 1, "{listed}");
    assert_eq!(listed["pendingTimeApprovals"]["nodes"][0]["id"], overrun);
    assert_eq!(listed["pendingTimeApprovals"]["nodes"][0]["viewerCan"]["decide"], true);
    let audits = app.count_rows("audit_event").await;
    let data = app.ok(Some(&w.sponsor_a), DECIDE, json!({ "id": overrun, "ok": true })).await;
    assert_eq!(data["decideTimeOverrun"]["entry"]["status"], "APPROVED");
    assert_eq!(app.count_rows("audit_event").await, audits + 1, "the decision is audited");
    let b = budget(&w, Some(&w.member)).await;
    assert_eq!((b["usedHours"].clone(), b["pendingHours"].clone()), (json!(25.0), json!(0.0)));
    // Decided once: a second decision conflicts.
    let body = app.gql(Some(&w.sponsor_a), DECIDE, json!({ "id": overrun, "ok": false, "why": "non" })).await;
    assert_eq!(error_code(&body), "CONFLICT", "{body}");

    // Past the allowance, everything waits; a refusal needs a reason and keeps it.
    let body = log(&w, &w.member, "2026-12-02", 2.0, "RESEARCH").await;
    let pending = body["data"]["logTime"]["entry"]["id"].clone();
    assert_eq!(body["data"]["logTime"]["entries"].as_array().map(Vec::len), Some(1));
    assert_eq!(body["data"]["logTime"]["entry"]["status"], "PENDING_APPROVAL");
    let body = app.gql(Some(&w.sponsor_a), DECIDE, json!({ "id": pending, "ok": false })).await;
    assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", "reason"), "{body}");
    let data = app
        .ok(Some(&w.sponsor_a), DECIDE, json!({ "id": pending, "ok": false, "why": "Hors du mandat de la CdP" }))
        .await;
    assert_eq!(data["decideTimeOverrun"]["entry"]["status"], "REFUSED");
    assert_eq!(data["decideTimeOverrun"]["entry"]["reason"], "Hors du mandat de la CdP");
    let b = budget(&w, Some(&w.member)).await;
    assert_eq!((b["usedHours"].clone(), b["refusedHours"].clone()), (json!(25.0), json!(2.0)), "{b}");

    // A raised allowance (by the member's own sponsor only) makes room again.
    const ALLOW: &str = "mutation($c: ID!, $p: ID!) { setTimeAllowance(input: { communityId: $c, personId: $p, year: 2026, hours: 40 }) { budget { allowedHours remainingHours } } }";
    let vars = json!({ "c": w.community, "p": person(w.member_id) });
    let body = app.gql(Some(&w.sponsor_b), ALLOW, vars.clone()).await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    let data = app.ok(Some(&w.sponsor_a), ALLOW, vars).await;
    assert_eq!(data["setTimeAllowance"]["budget"], json!({ "allowedHours": 40.0, "remainingHours": 15.0 }));
    let body = log(&w, &w.member, "2026-12-03", 1.5, "MENTORING").await;
    assert_eq!(body["data"]["logTime"]["entry"]["status"], "RECORDED", "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bad_input_names_the_field_and_writes_nothing() {
    let w = world("NETWORK").await;
    let app = &w.app;
    let body = log(&w, &w.member, "2026-11-20", 20.0, "PRODUCTION").await;
    assert_eq!(body["data"]["logTime"]["entries"][0]["status"], "RECORDED", "{body}");
    let secret = fixtures::community(app, &w.admin, "secret", "MEMBERS", "INVITATION").await;
    let entries = app.count_rows("time_entry").await;
    let audits = app.count_rows("audit_event").await;
    let future = (chrono::Utc::now() + chrono::Duration::days(3)).date_naive().to_string();
    let cases: Vec<(&str, f64, &str, &str)> = vec![
        ("2026-11-21", 25.0, "hours", "more than 24 h in one entry"),
        ("2026-11-20", 4.25, "hours", "more than 24 h in one day"),
        ("2026-11-21", 1.3, "hours", "not quarter hours"),
        ("2026-11-21", -1.0, "hours", "negative"),
        ("2026-11-21", 0.0, "hours", "zero"),
        (&future, 1.0, "date", "in the future"),
    ];
    for (date, hours, field, why) in cases {
        let body = log(&w, &w.member, date, hours, "PREPARATION").await;
        assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", field), "{why}: {body}");
    }
    let bad_id = app
        .gql(
            Some(&w.member),
            LOG,
            json!({ "input": { "communityId": "nope", "date": "2026-11-21", "hours": 1.0, "category": "RESEARCH" } }),
        )
        .await;
    assert_eq!((error_code(&bad_id), error_field(&bad_id)), ("BAD_USER_INPUT", "communityId"), "{bad_id}");
    // An unknown community and a secret one the person is not in answer alike.
    let missing = to_global(NodeKind::Community, 999_999).0;
    let mut answers = Vec::new();
    for community in [json!(missing), secret] {
        let body = app
            .gql(Some(&w.member), LOG, json!({ "input": { "communityId": community, "date": "2026-11-21", "hours": 1.0, "category": "RESEARCH" } }))
            .await;
        assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
        answers.push(body["errors"][0]["message"].clone());
    }
    assert_eq!(answers[0], answers[1]);
    // A non-member of a community they can see may not log time in it.
    let body = log(&w, &w.stranger, "2026-11-21", 1.0, "RESEARCH").await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    // Anonymous callers log nothing.
    let body = app
        .gql(None, LOG, json!({ "input": { "communityId": w.community, "date": "2026-11-21", "hours": 1.0, "category": "RESEARCH" } }))
        .await;
    assert_eq!(error_code(&body), "UNAUTHENTICATED", "{body}");
    assert_eq!(app.count_rows("time_entry").await, entries, "nothing written");
    assert_eq!(app.count_rows("audit_event").await, audits, "nothing audited");
    // Settings: a month and a day that exist, by the organization's managers only.
    const SETTINGS: &str = "mutation($o: ID!, $h: Float!, $m: Int!, $d: Int!) { setParticipationSettings(input: { organizationId: $o, defaultAllowanceHours: $h, yearStartMonth: $m, yearStartDay: $d }) { settings { defaultAllowanceHours yearStartMonth yearStartDay } } }";
    for (h, m, d, field) in
        [(24.1, 4, 1, "defaultAllowanceHours"), (24.0, 13, 1, "yearStartMonth"), (24.0, 2, 29, "yearStartDay")]
    {
        let body = app.gql(Some(&w.manager_a), SETTINGS, json!({ "o": w.org_a, "h": h, "m": m, "d": d })).await;
        assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", field), "{body}");
    }
    let body = app.gql(Some(&w.member), SETTINGS, json!({ "o": w.org_a, "h": 30.0, "m": 4, "d": 1 })).await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    let data = app.ok(Some(&w.manager_a), SETTINGS, json!({ "o": w.org_a, "h": 30.0, "m": 4, "d": 1 })).await;
    assert_eq!(
        data["setParticipationSettings"]["settings"],
        json!({ "defaultAllowanceHours": 30.0, "yearStartMonth": 4, "yearStartDay": 1 })
    );
    // The Québec fiscal year: a day in March 2027 belongs to the year that started in 2026.
    let b = app.ok(Some(&w.member), BUDGET, json!({ "p": person(w.member_id), "c": w.community })).await;
    assert_eq!(b["node"]["timeBudget"]["allowedHours"], 30.0, "{b}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn who_sees_a_budget() {
    let w = world("NETWORK").await;
    let app = &w.app;
    log(&w, &w.member, "2026-11-20", 2.0, "PREPARATION").await;
    let auditor = app.token("auditor@network.example", None, false).await;
    let auditor_id = fixtures::person_id(app, &auditor).await;
    app.ok(Some(&w.admin), harness::ops::ASSIGN_ROLE, json!({ "p": person(auditor_id), "s": null, "r": "AUDITOR" }))
        .await;
    // With entries: the person, their own organization's sponsor and managers, network
    // administrators and auditors.
    for (who, token) in [
        ("self", &w.member),
        ("own sponsor", &w.sponsor_a),
        ("own manager", &w.manager_a),
        ("network admin", &w.admin),
        ("auditor", &auditor),
    ] {
        let b = budget(&w, Some(token)).await;
        assert_eq!(b["usedHours"], 2.0, "{who}: {b}");
        assert_eq!(b["entries"]["totalCount"], 1, "{who}: {b}");
    }
    // Totals only: the community's animators.
    let b = budget(&w, Some(&w.animator)).await;
    assert_eq!((b["usedHours"].clone(), b["entries"].clone()), (json!(2.0), Value::Null), "{b}");
    // Nothing: another organization's sponsor, a stranger, anonymous callers.
    for (who, token) in
        [("other sponsor", Some(w.sponsor_b.as_str())), ("stranger", Some(w.stranger.as_str())), ("anonymous", None)]
    {
        assert_eq!(budget(&w, token).await, Value::Null, "{who}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_secret_communitys_time_stays_out_of_sight() {
    let w = world("MEMBERS").await;
    let app = &w.app;
    for day in ["2026-11-02", "2026-11-03", "2026-11-04"] {
        log(&w, &w.member, day, 9.0, "PRODUCTION").await;
    }
    let b = budget(&w, Some(&w.member)).await;
    assert_eq!(b["pendingHours"], 3.0, "{b}");
    // Its members' sponsor sees it; the network's other people do not, in any list.
    let listed = app.ok(Some(&w.sponsor_a), PENDING, json!({})).await;
    assert_eq!(listed["pendingTimeApprovals"]["totalCount"], 1, "{listed}");
    let entry = listed["pendingTimeApprovals"]["nodes"][0]["id"].clone();
    assert_eq!(budget(&w, Some(&w.stranger)).await, Value::Null);
    let listed = app.ok(Some(&w.stranger), PENDING, json!({})).await;
    assert_eq!(listed["pendingTimeApprovals"]["totalCount"], 0);
    let body = app.gql(Some(&w.stranger), DECIDE, json!({ "id": entry, "ok": true })).await;
    assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
    // node(id:) never resolves a time entry.
    let body = app.gql(Some(&w.admin), "query($id: ID!) { node(id: $id) { id } }", json!({ "id": entry })).await;
    assert_eq!((error_code(&body), body["data"]["node"].clone()), ("NOT_FOUND", Value::Null), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_entries_at_once_near_the_limit_do_not_both_count() {
    let w = world("NETWORK").await;
    let app = &w.app;
    log(&w, &w.member, "2026-11-02", 11.0, "PRODUCTION").await;
    log(&w, &w.member, "2026-11-03", 11.0, "PRODUCTION").await;
    // 2 h left: two 2 h entries at once, one counts and one waits.
    let bodies =
        join_all(["2026-11-04", "2026-11-05"].iter().map(|day| log(&w, &w.member, day, 2.0, "RESEARCH"))).await;
    let mut statuses: Vec<String> =
        bodies.iter().map(|b| b["data"]["logTime"]["entry"]["status"].as_str().unwrap_or("?").to_owned()).collect();
    statuses.sort();
    assert_eq!(statuses, ["PENDING_APPROVAL", "RECORDED"], "{bodies:?}");
    let b = budget(&w, Some(&w.member)).await;
    assert_eq!((b["usedHours"].clone(), b["pendingHours"].clone()), (json!(24.0), json!(2.0)), "{b}");
    let _ = app;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_time_report_as_graphql_and_csv() {
    let w = world("NETWORK").await;
    let app = &w.app;
    log(&w, &w.member, "2026-11-20", 2.5, "PREPARATION").await;
    const REPORT: &str = "query($o: ID!) { node(id: $o) { ... on Organization { timeReport(year: 2026) { communityName personName countedHours pendingHours refusedHours } } } }";
    let data = app.ok(Some(&w.manager_a), REPORT, json!({ "o": w.org_a })).await;
    let name = app.ok(Some(&w.member), "{ me { displayName } }", json!({})).await["me"]["displayName"].clone();
    assert_eq!(
        data["node"]["timeReport"],
        json!([{ "communityName": "Community soins-palliatifs", "personName": name, "countedHours": 2.5, "pendingHours": 0.0, "refusedHours": 0.0 }])
    );
    let body = app.gql(Some(&w.sponsor_b), REPORT, json!({ "o": w.org_a })).await;
    assert_eq!(error_code(&body), "NOT_FOUND", "{body}");

    let client = reqwest::Client::new();
    let org = w.org_a.as_str().expect("id");
    let url = format!("{}/reports/time.csv?organization={org}&year=2026", app.base);
    let get = |token: Option<&str>| {
        let mut req = client.get(&url);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send()
    };
    assert_eq!(get(None).await.expect("get").status(), 401);
    assert_eq!(get(Some("not-a-token")).await.expect("get").status(), 401);
    for outsider in [&w.member, &w.sponsor_b, &w.stranger] {
        assert_eq!(get(Some(outsider)).await.expect("get").status(), 404);
    }
    let response = get(Some(&w.manager_a)).await.expect("get");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/csv; charset=utf-8");
    let text = response.text().await.expect("body");
    // Python's csv module, not ours, reads it back.
    let parsed = std::process::Command::new("python3")
        .args(["-c", "import csv, json, sys; print(json.dumps(list(csv.reader(sys.stdin))))"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().expect("stdin").write_all(text.as_bytes())?;
            child.wait_with_output()
        })
        .expect("python3");
    let rows: Value = serde_json::from_slice(&parsed.stdout).expect("JSON from python");
    assert_eq!(
        rows[0],
        json!(["community_id", "community", "person_id", "person", "counted_hours", "pending_hours", "refused_hours"])
    );
    assert_eq!(rows.as_array().map(Vec::len), Some(2), "{rows}");
    assert_eq!(rows[1][1], "Community soins-palliatifs");
    assert_eq!(rows[1][4], "2.5");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn budgets_on_a_list_of_people_cost_a_fixed_number_of_statements() {
    let w = world("NETWORK").await;
    let app = &w.app;
    const MEMBERS: &str = "query($c: ID!) { node(id: $c) { ... on Community { members(first: 50) { nodes { person { timeBudget(communityId: $c) { usedHours pendingHours remainingHours } } } } } } }";
    let mut counts = Vec::new();
    for extra in 0..2 {
        for i in 0..3 {
            let token = app.token(&format!("extra{extra}-{i}@a.example"), Some("cisss-a"), false).await;
            let id = fixtures::person_id(app, &token).await;
            fixtures::add_member(app, &w.community, id, &[CommunityRole::Member]).await;
            log(&w, &token, "2026-11-20", 1.0, "RESEARCH").await;
        }
        app.reset_statements();
        let data = app.ok(Some(&w.admin), MEMBERS, json!({ "c": w.community })).await;
        let nodes = data["node"]["members"]["nodes"].as_array().cloned().unwrap_or_default();
        assert!(nodes.iter().filter(|n| n["person"]["timeBudget"]["usedHours"] == 1.0).count() >= 3 * (extra + 1));
        counts.push(app.statements());
    }
    assert_eq!(counts[0], counts[1], "statements grow with the number of people: {counts:?}");
}

/// Nobody decides on their own time: a sponsor who is also a member of the community logs
/// an overrun, which they neither see among the approvals waiting for them nor approve,
/// and they cannot raise their own allowance; the network admin decides it. And attendance
/// is counted time only when the community's animators record it: a member who creates an
/// event and marks people present fills nobody's budget, and nobody gets more hours than
/// the occurrence lasted.
#[tokio::test]
async fn nobody_approves_their_own_time_and_members_cannot_fill_budgets() {
    let w = world("NETWORK").await;
    let sponsor_a_id = fixtures::person_id(&w.app, &w.sponsor_a).await;
    let body = log(&w, &w.sponsor_a, "2026-11-10", 24.0, "PREPARATION").await;
    assert!(body["errors"].is_null(), "{body}");
    let body = log(&w, &w.sponsor_a, "2026-11-11", 2.0, "PREPARATION").await;
    let own = body["data"]["logTime"]["entry"].clone();
    assert_eq!(own["status"], "PENDING_APPROVAL", "{body}");
    let waiting = w.app.ok(Some(&w.sponsor_a), PENDING, json!({})).await;
    assert_eq!(waiting["pendingTimeApprovals"]["totalCount"], 0, "{waiting}");
    let body = w.app.gql(Some(&w.sponsor_a), DECIDE, json!({ "id": own["id"], "ok": true })).await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    let raise =
        "mutation($input: SetTimeAllowanceInput!) { setTimeAllowance(input: $input) { budget { allowedHours } } }";
    let body = w
        .app
        .gql(
            Some(&w.sponsor_a),
            raise,
            json!({ "input": { "communityId": w.community, "personId": person(sponsor_a_id), "year": 2026, "hours": 2000 } }),
        )
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    let decided = w.app.ok(Some(&w.admin), DECIDE, json!({ "id": own["id"], "ok": true })).await;
    assert_eq!(decided["decideTimeOverrun"]["entry"]["status"], "APPROVED");

    // A member's own past event, everyone marked present for a day: recorded, not counted.
    let event = w
        .app
        .ok(
            Some(&w.member),
            CREATE_EVENT,
            json!({ "input": {
                "communityId": w.community, "kind": "MEETING", "title": "Inventée",
                "startsAt": "2026-11-20T00:00:00Z", "endsAt": "2026-11-21T00:00:00Z",
                "timeZone": "UTC", "mode": "VIRTUAL", "joinUrl": "https://meet.example/x",
            } }),
        )
        .await;
    let start = chrono::DateTime::parse_from_rfc3339("2026-11-20T00:00:00Z").expect("date").to_utc();
    let occurrence =
        maillage_api::graphql::ids::occurrence_id(fixtures::db_id(&event["createEvent"]["event"]["id"]), start).0;
    let entries = json!([{ "personId": person(sponsor_a_id), "status": "PRESENT" }]);
    w.app.ok(Some(&w.member), ATTEND, json!({ "input": { "occurrenceId": occurrence, "entries": entries } })).await;
    let seen = w.app.ok(Some(&w.admin), BUDGET, json!({ "p": person(sponsor_a_id), "c": w.community })).await;
    assert_eq!(seen["node"]["timeBudget"]["usedHours"], 26.0, "nothing counted from the member's event: {seen}");
    // More hours than the occurrence lasted are refused, even to its animators.
    let too_long = json!([{ "personId": person(sponsor_a_id), "status": "PRESENT", "hours": 24.25 }]);
    let body = w
        .app
        .gql(Some(&w.animator), ATTEND, json!({ "input": { "occurrenceId": occurrence, "entries": too_long } }))
        .await;
    assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", "entries.hours"), "{body}");
    // A sliver of an hour is no quarter hour.
    let body = log(&w, &w.member, "2026-11-12", 1e-10, "RESEARCH").await;
    assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", "hours"), "{body}");
}

/// A past occurrence of `starts`..`ends` (RFC 3339), created by the animator: its id.
async fn past_occurrence(w: &World, title: &str, starts: &str, ends: &str) -> String {
    let event = w
        .app
        .ok(
            Some(&w.animator),
            CREATE_EVENT,
            json!({ "input": {
                "communityId": w.community, "kind": "MEETING", "title": title,
                "startsAt": starts, "endsAt": ends,
                "timeZone": "UTC", "mode": "VIRTUAL", "joinUrl": "https://meet.example/cdp",
            } }),
        )
        .await;
    let start = chrono::DateTime::parse_from_rfc3339(starts).expect("date").to_utc();
    maillage_api::graphql::ids::occurrence_id(fixtures::db_id(&event["createEvent"]["event"]["id"]), start).0
}

/// Attendance recorded again never erases what a sponsor decided: the member's overrun
/// from a meeting is approved, then the animator records the meeting again with other
/// hours (or the member absent) alongside someone else: refused with `CONFLICT`, nothing
/// of that batch written, the decision and its hours as they were. The same line again
/// is accepted and changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn attendance_recorded_again_keeps_the_sponsors_decision() {
    let w = world("NETWORK").await;
    let app = &w.app;
    const ALLOW: &str = "mutation($c: ID!, $p: ID!) { setTimeAllowance(input: { communityId: $c, personId: $p, year: 2026, hours: 1 }) { budget { allowedHours } } }";
    app.ok(Some(&w.sponsor_a), ALLOW, json!({ "c": w.community, "p": person(w.member_id) })).await;
    let occurrence = past_occurrence(&w, "Rencontre", "2026-06-02T17:00:00Z", "2026-06-02T20:30:00Z").await;
    let member_present = json!({ "personId": person(w.member_id), "status": "PRESENT" });
    app.ok(Some(&w.animator), ATTEND, json!({ "input": { "occurrenceId": occurrence, "entries": [member_present] } }))
        .await;
    let listed = app.ok(Some(&w.sponsor_a), PENDING, json!({})).await;
    assert_eq!(listed["pendingTimeApprovals"]["nodes"][0]["hours"], 2.5, "{listed}");
    let overrun = listed["pendingTimeApprovals"]["nodes"][0]["id"].clone();
    app.ok(Some(&w.sponsor_a), DECIDE, json!({ "id": overrun, "ok": true })).await;
    let decided = budget(&w, Some(&w.member)).await;
    assert_eq!((decided["usedHours"].clone(), decided["pendingHours"].clone()), (json!(3.5), json!(0.0)));

    let sponsor_b_id = fixtures::person_id(app, &w.sponsor_b).await;
    let other_present = json!({ "personId": person(sponsor_b_id), "status": "PRESENT" });
    let (entries, attendance) = (app.count_rows("time_entry").await, app.count_rows("event_attendance").await);
    for (why, line) in [
        ("fewer hours", json!({ "personId": person(w.member_id), "status": "PRESENT", "hours": 1.5 })),
        ("absent", json!({ "personId": person(w.member_id), "status": "ABSENT" })),
    ] {
        let body = app
            .gql(
                Some(&w.animator),
                ATTEND,
                json!({ "input": { "occurrenceId": occurrence, "entries": [other_present, line] } }),
            )
            .await;
        assert_eq!((error_code(&body), error_field(&body)), ("CONFLICT", "entries.hours"), "{why}: {body}");
        assert_eq!(app.count_rows("time_entry").await, entries, "{why}: nothing written");
        assert_eq!(app.count_rows("event_attendance").await, attendance, "{why}: nothing written");
        let b = budget(&w, Some(&w.member)).await;
        assert_eq!(b["entries"], decided["entries"], "{why}: the decision and its hours stay: {b}");
        assert_eq!(b["usedHours"], 3.5, "{why}: {b}");
    }
    // The same line again (with someone new): accepted, the decided time untouched.
    app.ok(
        Some(&w.animator),
        ATTEND,
        json!({ "input": { "occurrenceId": occurrence, "entries": [other_present, member_present] } }),
    )
    .await;
    let b = budget(&w, Some(&w.member)).await;
    assert_eq!(b["entries"], decided["entries"], "{b}");
    let seen = app.ok(Some(&w.admin), BUDGET, json!({ "p": person(sponsor_b_id), "c": w.community })).await;
    assert_eq!(seen["node"]["timeBudget"]["usedHours"], 3.5, "{seen}");
}

/// A two-day workshop: PRESENT without hours counts 24 h (what one entry holds), not the
/// 48 h it lasted, which would have refused the whole list; explicit hours are checked as
/// ever.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn attendance_at_a_two_day_event_counts_a_day_by_default() {
    let w = world("NETWORK").await;
    let app = &w.app;
    let occurrence = past_occurrence(&w, "Colloque", "2026-10-01T08:00:00Z", "2026-10-03T08:00:00Z").await;
    let sponsor_b_id = fixtures::person_id(app, &w.sponsor_b).await;
    let entries = json!([
        { "personId": person(w.member_id), "status": "PRESENT" },
        { "personId": person(sponsor_b_id), "status": "PRESENT", "hours": 14 },
    ]);
    let data =
        app.ok(Some(&w.animator), ATTEND, json!({ "input": { "occurrenceId": occurrence, "entries": entries } })).await;
    assert_eq!(
        data["recordAttendance"]["attendance"],
        json!([{ "status": "PRESENT", "hours": 24.0 }, { "status": "PRESENT", "hours": 14.0 }])
    );
    let b = budget(&w, Some(&w.member)).await;
    assert_eq!(b["usedHours"], 24.0, "{b}");
    let too_many = json!([{ "personId": person(w.member_id), "status": "PRESENT", "hours": 30 }]);
    let body = app
        .gql(Some(&w.animator), ATTEND, json!({ "input": { "occurrenceId": occurrence, "entries": too_many } }))
        .await;
    assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", "entries.hours"), "{body}");
}

/// An administrator denies members of the community the reading and deciding of time
/// there (a DENY added at run time): the sponsor and the manager, members of it, lose the
/// member's entries on every path — `Person.timeBudget` entries, `pendingTimeApprovals`,
/// the decision itself, `Organization.timeReport`, `/reports/time.csv` and `node(id:)` —
/// as for entries that do not exist, while a network administrator who is no member keeps
/// them.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_deny_on_a_role_in_the_community_hides_its_time_on_every_path() {
    let w = world("NETWORK").await;
    let app = &w.app;
    let manager_a_id = fixtures::person_id(app, &w.manager_a).await;
    fixtures::add_member(app, &w.community, manager_a_id, &[CommunityRole::Member]).await;
    log(&w, &w.member, "2026-11-02", 20.0, "PRODUCTION").await;
    let body = log(&w, &w.member, "2026-11-03", 6.0, "PRODUCTION").await;
    let overrun = body["data"]["logTime"]["entry"]["id"].clone();
    const REPORT: &str = "query($o: ID!) { node(id: $o) { ... on Organization { timeReport(year: 2026) { countedHours pendingHours } } } }";
    let client = reqwest::Client::new();
    let csv_rows = |token: String| {
        let url = format!("{}/reports/time.csv?organization={}&year=2026", app.base, w.org_a.as_str().expect("id"));
        let request = client.get(url).bearer_auth(token);
        async move { request.send().await.expect("get").text().await.expect("body").lines().count() }
    };
    let node = "query($id: ID!) { node(id: $id) { id } }";
    // Before: the sponsor decides it, the manager reads it.
    let listed = app.ok(Some(&w.sponsor_a), PENDING, json!({})).await;
    assert_eq!(listed["pendingTimeApprovals"]["totalCount"], 1, "{listed}");
    assert_eq!(budget(&w, Some(&w.manager_a)).await["entries"]["totalCount"], 3);
    let report = app.ok(Some(&w.manager_a), REPORT, json!({ "o": w.org_a })).await;
    assert_eq!(report["node"]["timeReport"], json!([{ "countedHours": 24.0, "pendingHours": 2.0 }]));
    assert_eq!(csv_rows(w.manager_a.clone()).await, 2);

    for action in ["read", "decide"] {
        let deny = json!({ "role": "community:MEMBER", "s": w.community, "o": "time_entry", "a": action, "e": "DENY" });
        app.ok(Some(&w.admin), harness::ops::GRANT, deny).await;
    }
    let listed = app.ok(Some(&w.sponsor_a), PENDING, json!({})).await;
    assert_eq!(listed["pendingTimeApprovals"], json!({ "totalCount": 0, "nodes": [] }), "{listed}");
    let body = app.gql(Some(&w.sponsor_a), DECIDE, json!({ "id": overrun, "ok": true })).await;
    assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
    for token in [&w.sponsor_a, &w.manager_a, &w.member] {
        let b = budget(&w, Some(token)).await;
        assert_eq!(b["entries"], Value::Null, "{b}");
        let body = app.gql(Some(token), node, json!({ "id": overrun })).await;
        assert_eq!((error_code(&body), body["data"]["node"].clone()), ("NOT_FOUND", Value::Null), "{body}");
    }
    let report = app.ok(Some(&w.manager_a), REPORT, json!({ "o": w.org_a })).await;
    assert_eq!(report["node"]["timeReport"], json!([]), "{report}");
    assert_eq!(csv_rows(w.manager_a.clone()).await, 1, "the header alone");
    // A network administrator who is no member (the founder is one) still reads and
    // decides it.
    let admin = app.token("admin2@network.example", None, true).await;
    let listed = app.ok(Some(&admin), PENDING, json!({})).await;
    assert_eq!(listed["pendingTimeApprovals"]["totalCount"], 1, "{listed}");
    let report = app.ok(Some(&admin), REPORT, json!({ "o": w.org_a })).await;
    assert_eq!(report["node"]["timeReport"], json!([{ "countedHours": 24.0, "pendingHours": 2.0 }]));
    app.ok(Some(&admin), DECIDE, json!({ "id": overrun, "ok": true })).await;
}

//! Policy administration through the API: scoped authority, overrides for one community,
//! explained decisions, atomic import, the audit trail, and propagation to replicas.

use std::time::{Duration, Instant};

use harness::{TestApp, error_code, error_field, fixtures, ops};
use serde_json::{Value, json};

const POST: &str =
    "mutation($c: ID!, $t: String!) { createThread(input: { communityId: $c, title: $t }) { thread { id } } }";
const CHECK: &str = "query($p: ID!, $s: ID!, $o: String!, $a: String!) { checkAccess(personId: $p, scopeId: $s, object: $o, action: $a) { allowed rule reason } }";

async fn me(app: &TestApp, token: &str) -> Value {
    app.ok(Some(token), "{ me { id } }", json!({})).await["me"]["id"].clone()
}

#[tokio::test]
async fn network_admins_change_network_wide_rules_and_everyone_else_is_refused() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin@network.example", None, true).await;
    let anna = app.token("anna@cisss.example", None, false).await;
    let walt = app.token("walt@cisss.example", None, false).await;
    let community = fixtures::community(&app, &anna, "privacy", "NETWORK", "OPEN").await;
    let walt_m =
        app.ok(Some(&walt), ops::JOIN, json!({ "id": community })).await["joinCommunity"]["membership"]["id"].clone();
    app.ok(Some(&anna), ops::ASSIGN, json!({ "id": walt_m, "roles": ["WATCHER"] })).await;
    assert_eq!(error_code(&app.gql(Some(&walt), POST, json!({ "c": community, "t": "hello" })).await), "FORBIDDEN");

    let grant = json!({ "role": "community:WATCHER", "o": "community", "a": "post" });
    assert_eq!(error_code(&app.gql(Some(&anna), ops::GRANT, grant.clone()).await), "FORBIDDEN");
    let granted = app.ok(Some(&admin), ops::GRANT, grant.clone()).await;
    assert_eq!(
        granted["grantPermission"]["rule"]["text"],
        "p, community:WATCHER, community:*, community, post, *, *, *, allow"
    );
    app.ok(Some(&walt), POST, json!({ "c": community, "t": "watch report" })).await;
    assert_eq!(error_code(&app.gql(Some(&admin), ops::GRANT, grant.clone()).await), "CONFLICT");

    app.ok(Some(&admin), ops::REVOKE, grant.clone()).await;
    assert_eq!(error_code(&app.gql(Some(&walt), POST, json!({ "c": community, "t": "again" })).await), "FORBIDDEN");
    let audit = app
        .ok(
            Some(&admin),
            "{ auditEvents(filter: { targetType: \"Policy\" }) { totalCount edges { node { action before after actor { displayName } } } } }",
            json!({}),
        )
        .await;
    let events = &audit["auditEvents"];
    assert_eq!(events["totalCount"], 2);
    assert_eq!(events["edges"][0]["node"]["action"], "policy.grant");
    assert!(events["edges"][0]["node"]["before"].is_null());
    assert_eq!(events["edges"][1]["node"]["before"]["rule"], granted["grantPermission"]["rule"]["text"]);

    let body = app
        .gql(Some(&admin), ops::GRANT, json!({ "role": "organization:MEMBER", "o": "community", "a": "post" }))
        .await;
    assert_eq!(
        (error_code(&body), error_field(&body)),
        ("BAD_USER_INPUT", "role"),
        "roles stay in their kind of scope"
    );
    let body = app
        .gql(Some(&admin), ops::GRANT, json!({ "role": "community:MEMBER", "o": "community", "a": "teleport" }))
        .await;
    assert_eq!(error_field(&body), "action");
    assert_eq!(error_code(&app.gql(Some(&anna), "{ auditEvents { totalCount } }", json!({})).await), "FORBIDDEN");
}

#[tokio::test]
async fn community_administrators_override_rules_for_their_community_only() {
    let app = TestApp::spawn().await;
    let anna = app.token("anna@cisss.example", None, false).await;
    let bob = app.token("bob@cisss.example", None, false).await;
    let mine = fixtures::community(&app, &anna, "mine", "NETWORK", "OPEN").await;
    let other = fixtures::community(&app, &bob, "other", "NETWORK", "OPEN").await;
    let carl = app.token("carl@cisss.example", None, false).await;
    for c in [&mine, &other] {
        app.ok(Some(&carl), ops::JOIN, json!({ "id": c })).await;
    }
    let deny = json!({ "role": "community:MEMBER", "s": mine, "o": "community", "a": "post", "e": "DENY" });
    assert_eq!(error_code(&app.gql(Some(&bob), ops::GRANT, deny.clone()).await), "FORBIDDEN", "not Bob's community");
    let network_wide = json!({ "role": "community:MEMBER", "o": "community", "a": "moderate" });
    assert_eq!(error_code(&app.gql(Some(&anna), ops::GRANT, network_wide).await), "FORBIDDEN");
    let view = json!({ "role": "person", "s": mine, "o": "community", "a": "view" });
    assert_eq!(error_field(&app.gql(Some(&anna), ops::GRANT, view).await), "action");

    app.ok(Some(&anna), ops::GRANT, deny.clone()).await;
    assert_eq!(error_code(&app.gql(Some(&carl), POST, json!({ "c": mine, "t": "x" })).await), "FORBIDDEN");
    app.ok(Some(&carl), POST, json!({ "c": other, "t": "still fine elsewhere" })).await;
    let rules = app.ok(Some(&anna), "query($s: ID) { policyRules(scopeId: $s) { text } }", json!({ "s": mine })).await;
    assert_eq!(
        rules["policyRules"][0]["text"],
        format!("p, community:MEMBER, community:{}, community, post, *, *, *, deny", fixtures::db_id(&mine))
    );

    let why = app
        .ok(Some(&carl), CHECK, json!({ "p": me(&app, &carl).await, "s": mine, "o": "community", "a": "post" }))
        .await;
    assert_eq!(why["checkAccess"]["allowed"], false);
    assert!(why["checkAccess"]["reason"].as_str().unwrap_or("").contains("denied by rule"), "{why}");
    let why = app
        .ok(Some(&carl), CHECK, json!({ "p": me(&app, &carl).await, "s": other, "o": "community", "a": "post" }))
        .await;
    assert_eq!(why["checkAccess"]["allowed"], true);
    assert_eq!(why["checkAccess"]["rule"], "p, community:MEMBER, community:*, community, post, *, *, active, allow");
    let body = app
        .gql(Some(&bob), CHECK, json!({ "p": me(&app, &carl).await, "s": mine, "o": "community", "a": "post" }))
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN", "only the person, the scope's policy managers and auditors may ask");
}

#[tokio::test]
async fn import_applies_a_whole_policy_or_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin@network.example", None, true).await;
    let exported =
        app.ok(Some(&admin), "{ exportPolicy }", json!({})).await["exportPolicy"].as_str().unwrap_or("").to_owned();
    assert!(exported.contains("g, community:ANIMATOR, community:MEMBER"));
    let import = "mutation($csv: String!) { importPolicy(input: { csv: $csv }) { ruleCount generation } }";

    let broken = format!("{exported}p, community:MEMBER, community:*, community, post, *, *, *, perhaps\n");
    let body = app.gql(Some(&admin), import, json!({ "csv": broken })).await;
    assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", "csv"));
    assert!(body["errors"][0]["message"].as_str().unwrap_or("").contains("line"), "{body}");
    let after =
        app.ok(Some(&admin), "{ exportPolicy }", json!({})).await["exportPolicy"].as_str().unwrap_or("").to_owned();
    assert_eq!(after, exported, "nothing changed");

    let anna = app.token("anna@cisss.example", None, false).await;
    let smaller: String =
        exported.lines().filter(|l| !l.contains("create_community")).map(|l| format!("{l}\n")).collect();
    let done = app.ok(Some(&admin), import, json!({ "csv": smaller })).await;
    assert!(done["importPolicy"]["ruleCount"].as_i64().unwrap_or(0) > 50);
    let body = app
        .gql(
            Some(&anna),
            "mutation { createCommunity(input: { slug: \"nope\", name: \"Nope\" }) { community { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN", "the imported policy is in force");
    assert_eq!(error_code(&app.gql(Some(&anna), import, json!({ "csv": exported })).await), "FORBIDDEN");
    assert_eq!(app.count_rows("audit_event WHERE action = 'policy.import'").await, 1);
}

#[tokio::test]
async fn roles_are_assigned_in_scope_and_auditors_read_the_trail() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin@network.example", None, true).await;
    let org = fixtures::organization(&app, &admin, "cisss-a").await;
    let olga = app.token("olga@cisss-a.example", Some("cisss-a"), false).await;
    let ivan = app.token("ivan@cisss-a.example", Some("cisss-a"), false).await;
    let (olga_id, ivan_id) = (me(&app, &olga).await, me(&app, &ivan).await);
    assert_eq!(
        error_code(&app.gql(Some(&olga), ops::ASSIGN_ROLE, json!({ "p": ivan_id, "s": org, "r": "MANAGER" })).await),
        "FORBIDDEN"
    );
    app.ok(Some(&admin), ops::ASSIGN_ROLE, json!({ "p": olga_id, "s": org, "r": "ADMIN" })).await;
    app.ok(Some(&olga), ops::ASSIGN_ROLE, json!({ "p": ivan_id, "s": org, "r": "MANAGER" })).await;
    let body = app.gql(Some(&olga), ops::ASSIGN_ROLE, json!({ "p": ivan_id, "r": "ADMIN" })).await;
    assert_eq!(error_code(&body), "FORBIDDEN", "an organization admin cannot make network admins");
    let body = app.gql(Some(&admin), ops::ASSIGN_ROLE, json!({ "p": ivan_id, "r": "EMPEROR" })).await;
    assert_eq!(error_field(&body), "role");

    assert_eq!(error_code(&app.gql(Some(&ivan), "{ auditEvents { totalCount } }", json!({})).await), "FORBIDDEN");
    app.ok(Some(&admin), ops::ASSIGN_ROLE, json!({ "p": ivan_id, "r": "AUDITOR" })).await;
    let trail =
        app.ok(Some(&ivan), "{ auditEvents(filter: { action: \"role.assign\" }) { totalCount } }", json!({})).await;
    assert_eq!(trail["auditEvents"]["totalCount"], 3);
    let revoke = "mutation($p: ID!, $s: ID, $r: String!) { revokeRole(input: { personId: $p, scopeId: $s, role: $r }) { person { id } } }";
    app.ok(Some(&admin), revoke, json!({ "p": ivan_id, "r": "AUDITOR" })).await;
    assert_eq!(error_code(&app.gql(Some(&ivan), "{ auditEvents { totalCount } }", json!({})).await), "FORBIDDEN");
}

#[tokio::test]
async fn a_policy_change_reaches_another_replica_within_a_second() {
    let app = TestApp::spawn().await;
    let (replica, _server) = app.spawn_replica().await;
    let admin = app.token("admin@network.example", None, true).await;
    let anna = app.token("anna@cisss.example", None, false).await;
    let walt = app.token("walt@cisss.example", None, false).await;
    let community = fixtures::community(&app, &anna, "privacy", "NETWORK", "OPEN").await;
    let m =
        app.ok(Some(&walt), ops::JOIN, json!({ "id": community })).await["joinCommunity"]["membership"]["id"].clone();
    app.ok(Some(&anna), ops::ASSIGN, json!({ "id": m, "roles": ["WATCHER"] })).await;
    let body = app.gql_at(&replica, Some(&walt), POST, json!({ "c": community, "t": "before" })).await;
    assert_eq!(error_code(&body), "FORBIDDEN", "the replica decides with the default policy (and caches it)");

    app.ok(Some(&admin), ops::GRANT, json!({ "role": "community:WATCHER", "o": "community", "a": "post" })).await;
    let started = Instant::now();
    loop {
        let body = app.gql_at(&replica, Some(&walt), POST, json!({ "c": community, "t": "after" })).await;
        if body.get("errors").is_none() {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(1), "the replica still refuses after {:?}", started.elapsed());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    println!("replica saw the policy change after {:?}", started.elapsed());
}

#[tokio::test]
async fn list_filters_follow_a_narrowed_view_rule() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin@network.example", None, true).await;
    let anna = app.token("anna@cisss.example", None, false).await;
    fixtures::community(&app, &anna, "secret", "MEMBERS", "INVITATION").await;
    fixtures::community(&app, &anna, "open", "PUBLIC", "OPEN").await;
    let exported =
        app.ok(Some(&admin), "{ exportPolicy }", json!({})).await["exportPolicy"].as_str().unwrap_or("").to_owned();
    let narrowed = exported.replace(
        "p, community:PARTICIPANT, community:*, community, view, *, *, *, allow",
        "p, community:PARTICIPANT, community:*, community, view, PUBLIC, *, *, allow",
    );
    assert_ne!(narrowed, exported);
    app.ok(
        Some(&admin),
        "mutation($csv: String!) { importPolicy(input: { csv: $csv }) { ruleCount } }",
        json!({ "csv": narrowed }),
    )
    .await;
    let list = app.ok(Some(&anna), "{ communities { totalCount edges { node { slug } } } }", json!({})).await;
    assert_eq!(list["communities"]["totalCount"], 1, "{list}");
    assert_eq!(list["communities"]["edges"][0]["node"]["slug"], "open");
    let body = app.gql(Some(&anna), r#"{ community(slug: "secret") { id } }"#, json!({})).await;
    assert_eq!(error_code(&body), "NOT_FOUND");
}

#[tokio::test]
async fn organization_and_community_administrators_read_their_own_trail_only() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin@network.example", None, true).await;
    let org_a = fixtures::organization(&app, &admin, "cisss-a").await;
    let org_b = fixtures::organization(&app, &admin, "cisss-b").await;
    let olga = app.token("olga@cisss-a.example", Some("cisss-a"), false).await;
    let ivan = app.token("ivan@cisss-a.example", Some("cisss-a"), false).await;
    let (olga_id, ivan_id) = (me(&app, &olga).await, me(&app, &ivan).await);
    app.ok(Some(&admin), ops::ASSIGN_ROLE, json!({ "p": olga_id, "s": org_a, "r": "ADMIN" })).await;
    app.ok(Some(&olga), ops::ASSIGN_ROLE, json!({ "p": ivan_id, "s": org_a, "r": "MANAGER" })).await;

    let anna = app.token("anna@cisss-a.example", None, false).await;
    let bob = app.token("bob@cisss-a.example", None, false).await;
    let carl = app.token("carl@cisss-a.example", None, false).await;
    let mine = fixtures::community(&app, &anna, "mine", "NETWORK", "OPEN").await;
    let other = fixtures::community(&app, &bob, "other", "NETWORK", "OPEN").await;
    app.ok(Some(&carl), ops::JOIN, json!({ "id": mine })).await;
    app.ok(Some(&carl), ops::JOIN, json!({ "id": other })).await;
    let deny = json!({ "role": "community:MEMBER", "s": mine, "o": "community", "a": "post", "e": "DENY" });
    app.ok(Some(&anna), ops::GRANT, deny).await;

    const TRAIL: &str =
        "query($s: ID) { auditEvents(filter: { scopeId: $s }) { totalCount edges { node { action scopeId } } } }";
    let actions = |body: &Value| -> Vec<String> {
        let edges = body["auditEvents"]["edges"].as_array().cloned().unwrap_or_default();
        edges.iter().map(|e| e["node"]["action"].as_str().unwrap_or("").to_owned()).collect()
    };
    let scopes = |body: &Value| -> Vec<Value> {
        let edges = body["auditEvents"]["edges"].as_array().cloned().unwrap_or_default();
        edges.iter().map(|e| e["node"]["scopeId"].clone()).collect()
    };

    // The organization's administrator reads the organization's trail, and only it.
    let trail = app.ok(Some(&olga), TRAIL, json!({ "s": org_a })).await;
    assert_eq!(actions(&trail), ["organization.create", "role.assign", "role.assign"], "{trail}");
    assert!(scopes(&trail).iter().all(|s| *s == org_a), "{trail}");
    assert_eq!(error_code(&app.gql(Some(&olga), TRAIL, json!({ "s": org_b })).await), "FORBIDDEN");
    assert_eq!(error_code(&app.gql(Some(&olga), TRAIL, json!({})).await), "FORBIDDEN", "not every trail");
    assert_eq!(error_code(&app.gql(Some(&ivan), TRAIL, json!({ "s": org_a })).await), "FORBIDDEN", "a manager");

    // The community's administrator reads the community's trail, and only it.
    let trail = app.ok(Some(&anna), TRAIL, json!({ "s": mine })).await;
    assert_eq!(actions(&trail), ["community.create", "membership.join", "policy.grant"], "{trail}");
    assert!(scopes(&trail).iter().all(|s| *s == mine), "{trail}");
    assert_eq!(error_code(&app.gql(Some(&anna), TRAIL, json!({ "s": other })).await), "FORBIDDEN");
    assert_eq!(error_code(&app.gql(Some(&carl), TRAIL, json!({ "s": mine })).await), "FORBIDDEN", "a member");
    let body = app.gql(Some(&anna), TRAIL, json!({ "s": me(&app, &carl).await })).await;
    assert_eq!(error_field(&body), "filter.scopeId");

    // Network administrators read any one trail, and all of them together.
    let trail = app.ok(Some(&admin), TRAIL, json!({ "s": mine })).await;
    assert_eq!(trail["auditEvents"]["totalCount"], 3);
    let all = app.ok(Some(&admin), TRAIL, json!({})).await;
    let all_actions = actions(&all);
    for expected in ["organization.create", "role.assign", "community.create", "membership.join", "policy.grant"] {
        assert!(all_actions.iter().any(|a| a == expected), "{expected} missing from {all}");
    }
}

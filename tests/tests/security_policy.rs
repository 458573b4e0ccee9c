//! Regression tests for the authorization findings of the 2026-12-01 security review
//! (H3, H5, H6, M2, M10, M11, L8), each driving the real server over HTTP as the review
//! did, and a property test: any DENY for a role a person holds wins, and every path
//! (lists, `node`, `viewerCan`, `checkAccess`, mutations) gives the same answer.

use std::collections::BTreeSet;

use entity::enums::{CommunityRole, CommunityRoles, MembershipStatus};
use harness::{TestApp, error_code, error_field, fixtures, ops, setup};
use maillage_api::graphql::ids::{NodeKind, to_global};
use proptest::prelude::*;
use serde_json::{Value, json};

const CHECK: &str = "query($p: ID!, $s: ID!, $o: String!, $a: String!) { checkAccess(personId: $p, scopeId: $s, object: $o, action: $a) { allowed rule reason } }";
const CREATE_THREAD: &str = "mutation($c: ID!, $g: ID, $t: String!) { createThread(input: { communityId: $c, subgroupId: $g, title: $t }) { thread { id } } }";
const CREATE_SUBGROUP: &str = "mutation($c: ID!, $n: String!, $v: SubgroupVisibility!) { createSubgroup(input: { communityId: $c, name: $n, visibility: $v }) { subgroup { id } } }";
const COMMUNITY: &str = "query($s: String!) { community(slug: $s) { viewerCan { read post } threads(first: 50) { edges { node { id title } } } subgroups(first: 50) { edges { node { id viewerCan { read post } } } } } }";
const NODE_THREAD: &str = "query($id: ID!) { node(id: $id) { id ... on Thread { title body } } }";
const IMPORT: &str = "mutation($csv: String!) { importPolicy(input: { csv: $csv }) { ruleCount generation } }";

fn person_gid(id: i32) -> String {
    to_global(NodeKind::Person, id).0
}

fn global(kind: NodeKind, id: i32) -> String {
    to_global(kind, id).0
}

fn roles(list: &[CommunityRole]) -> CommunityRoles {
    list.iter().copied().collect()
}

/// Titles of the threads `community(slug)` lists for the token (empty when it lists none).
fn listed_titles(body: &Value) -> BTreeSet<String> {
    body["data"]["community"]["threads"]["edges"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["node"]["title"].as_str().map(str::to_owned))
        .collect()
}

async fn subgroup(app: &TestApp, token: &str, community: &Value, name: &str, visibility: &str) -> Value {
    let data = app.ok(Some(token), CREATE_SUBGROUP, json!({ "c": community, "n": name, "v": visibility })).await;
    data["createSubgroup"]["subgroup"]["id"].clone()
}

async fn thread_in(app: &TestApp, token: &str, community: &Value, group: Option<&Value>, title: &str) -> Value {
    let data = app.ok(Some(token), CREATE_THREAD, json!({ "c": community, "g": group, "t": title })).await;
    data["createThread"]["thread"]["id"].clone()
}

// ---- H5: a deny beats an allow across all of a person's roles ---------------------------

#[tokio::test]
async fn h5_a_deny_on_one_role_wins_over_the_allow_of_another() {
    let app = TestApp::spawn().await;
    let david = app.token("david@cisss.example", None, false).await;
    let marie = app.token("marie@cisss.example", None, false).await;
    let sophie = app.token("sophie@cisss.example", None, false).await;
    let c = fixtures::community(&app, &david, "securite-ti", "MEMBERS", "INVITATION").await;
    let cid = fixtures::db_id(&c);
    let marie_id = fixtures::person_id(&app, &marie).await;
    let sophie_id = fixtures::person_id(&app, &sophie).await;
    setup::membership(&app, cid, marie_id, roles(&[CommunityRole::Watcher]), MembershipStatus::Active).await;
    setup::membership(&app, cid, sophie_id, roles(&[CommunityRole::Member]), MembershipStatus::Active).await;
    let thread = fixtures::thread(&app, &david, &c, "Incident review").await;

    // The review's request: David denies WATCHER `read` in his community.
    let deny_read = json!({ "role": "community:WATCHER", "s": c, "o": "community", "a": "read", "e": "DENY" });
    app.ok(Some(&david), ops::GRANT, deny_read).await;
    let body = app.gql(Some(&marie), COMMUNITY, json!({ "s": "securite-ti" })).await;
    assert_eq!(body["data"]["community"]["viewerCan"]["read"], false, "{body}");
    assert!(listed_titles(&body).is_empty(), "the watcher reads no thread: {body}");
    let body = app.gql(Some(&marie), NODE_THREAD, json!({ "id": thread })).await;
    assert!(body["data"]["node"].is_null(), "node(Thread) hides it too: {body}");
    let why =
        app.ok(Some(&marie), CHECK, json!({ "p": person_gid(marie_id), "s": c, "o": "community", "a": "read" })).await;
    assert_eq!(why["checkAccess"]["allowed"], false, "{why}");
    assert!(why["checkAccess"]["rule"].as_str().unwrap_or("").contains("community:WATCHER"), "{why}");
    assert!(why["checkAccess"]["rule"].as_str().unwrap_or("").ends_with("deny"), "{why}");
    let body = app
        .gql(
            Some(&marie),
            "mutation($t: ID!) { createPost(input: { threadId: $t, body: \"still here\" }) { post { id } } }",
            json!({ "t": thread }),
        )
        .await;
    assert!(body["data"].is_null() || body["data"]["createPost"].is_null(), "{body}");
    assert_eq!(error_code(&body), "NOT_FOUND", "{body}");

    // A member (who inherits PARTICIPANT) still reads; a DENY on MEMBER `post` stops posting.
    let body = app.gql(Some(&sophie), COMMUNITY, json!({ "s": "securite-ti" })).await;
    assert_eq!(body["data"]["community"]["viewerCan"]["read"], true, "{body}");
    assert_eq!(listed_titles(&body), BTreeSet::from(["Incident review".to_owned()]));
    let deny_post = json!({ "role": "community:MEMBER", "s": c, "o": "community", "a": "post", "e": "DENY" });
    app.ok(Some(&david), ops::GRANT, deny_post).await;
    let body = app.gql(Some(&sophie), COMMUNITY, json!({ "s": "securite-ti" })).await;
    assert_eq!(body["data"]["community"]["viewerCan"]["post"], false, "{body}");
    let body = app.gql(Some(&sophie), CREATE_THREAD, json!({ "c": c, "t": "nope" })).await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    // The founder inherits MEMBER: the deny is his too.
    let body = app.gql(Some(&david), CREATE_THREAD, json!({ "c": c, "t": "nope either" })).await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
}

#[tokio::test]
async fn h5_a_deny_on_person_reaches_members_too() {
    let app = TestApp::spawn().await;
    let anna = app.token("anna@cisss.example", None, false).await;
    let walt = app.token("walt@cisss.example", None, false).await;
    let c = fixtures::community(&app, &anna, "open-doors", "NETWORK", "OPEN").await;
    app.ok(Some(&walt), ops::JOIN, json!({ "id": c })).await;
    app.ok(Some(&walt), CREATE_THREAD, json!({ "c": c, "t": "before" })).await;
    let deny = json!({ "role": "person", "s": c, "o": "community", "a": "post", "e": "DENY" });
    app.ok(Some(&anna), ops::GRANT, deny).await;
    assert_eq!(error_code(&app.gql(Some(&walt), CREATE_THREAD, json!({ "c": c, "t": "after" })).await), "FORBIDDEN");
}

#[tokio::test]
async fn h5_a_view_deny_on_one_tie_hides_the_community_on_every_path() {
    // Same class as H5, in the community visibility filter: a deny on one role the
    // person holds through a tie wins over the view another tie gives.
    let app = TestApp::spawn().await;
    let admin = app.token("admin@network.example", None, true).await;
    let david = app.token("david@cisss.example", None, false).await;
    let luc = app.token("luc@cisss.example", None, false).await;
    let c = fixtures::community(&app, &david, "securite-ti", "MEMBERS", "INVITATION").await;
    let cid = fixtures::db_id(&c);
    let luc_id = fixtures::person_id(&app, &luc).await;
    setup::membership(&app, cid, luc_id, roles(&[CommunityRole::Member]), MembershipStatus::Active).await;
    let org = fixtures::db_id(&fixtures::organization(&app, &admin, "cisss").await);
    setup::participation(&app, cid, org, Some(luc_id)).await;
    let list = "{ communities(first: 50) { totalCount edges { node { slug } } } }";
    assert_eq!(app.ok(Some(&luc), list, json!({})).await["communities"]["totalCount"], 1);

    let deny = json!({ "role": "community:SPONSOR", "o": "community", "a": "view", "e": "DENY" });
    app.ok(Some(&admin), ops::GRANT, deny).await;
    let listed = app.ok(Some(&luc), list, json!({})).await;
    assert_eq!(listed["communities"]["totalCount"], 0, "{listed}");
    assert_eq!(listed["communities"]["edges"].as_array().map(Vec::len), Some(0), "{listed}");
    let body = app.gql(Some(&luc), COMMUNITY, json!({ "s": "securite-ti" })).await;
    assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
    let body = app.gql(Some(&luc), "query($id: ID!) { node(id: $id) { id } }", json!({ "id": c })).await;
    assert!(body["data"]["node"].is_null(), "{body}");
    let why =
        app.gql(Some(&luc), CHECK, json!({ "p": person_gid(luc_id), "s": c, "o": "community", "a": "view" })).await;
    assert_eq!(error_code(&why), "NOT_FOUND", "{why}");
    // Its founder, who is no sponsor, still sees it.
    assert_eq!(app.ok(Some(&david), list, json!({})).await["communities"]["totalCount"], 1);
}

// ---- H6: scope administrators cannot lock network administrators out --------------------

#[tokio::test]
async fn h6_scope_administrators_cannot_deny_network_administrators() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin@network.example", None, true).await;
    let jean = app.token("jean@inspq.example", None, false).await;
    let org = fixtures::organization(&app, &admin, "inspq").await;
    let jean_id = fixtures::person_id(&app, &jean).await;
    app.ok(Some(&admin), ops::ASSIGN_ROLE, json!({ "p": person_gid(jean_id), "s": org, "r": "ADMIN" })).await;

    // Rules naming a network role are beyond an organization administrator's authority.
    for action in ["manage_policy", "suspend", "manage_identity", "read_audit"] {
        let rule = json!({ "role": "network:ADMIN", "s": org, "o": "organization", "a": action, "e": "DENY" });
        let body = app.gql(Some(&jean), ops::GRANT, rule).await;
        assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", "role"), "{action}: {body}");
    }
    // Rules for everyone in the organization are within it, but do not bind network
    // administrators' administrative actions.
    // (manage_policy last: the deny binds Jean too.)
    // (Suspension is decided by network-wide rules only: no rule for one organization.)
    for action in ["manage_identity", "read_audit", "manage_policy"] {
        let rule = json!({ "role": "person", "s": org, "o": "organization", "a": action, "e": "DENY" });
        app.ok(Some(&jean), ops::GRANT, rule).await;
    }
    let body = app.gql(Some(&jean), "query($s: ID) { policyRules(scopeId: $s) { text } }", json!({ "s": org })).await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    let rules = app.ok(Some(&admin), "query($s: ID) { policyRules(scopeId: $s) { text } }", json!({ "s": org })).await;
    assert_eq!(rules["policyRules"].as_array().map(Vec::len), Some(3), "{rules}");
    app.ok(Some(&admin), "query($s: ID!) { auditEvents(filter: { scopeId: $s }) { totalCount } }", json!({ "s": org }))
        .await;
    app.ok(
        Some(&admin),
        "mutation($id: ID!) { updateOrganization(input: { id: $id, status: SUSPENDED }) { organization { id } } }",
        json!({ "id": org }),
    )
    .await;
    let revoke = json!({ "role": "person", "s": org, "o": "organization", "a": "manage_policy", "e": "DENY" });
    app.ok(Some(&admin), ops::REVOKE, revoke).await;

    // The same at community level.
    let david = app.token("david@cisss.example", None, false).await;
    let c = fixtures::community(&app, &david, "securite-ti", "MEMBERS", "INVITATION").await;
    for action in ["read_audit", "manage_members", "manage_policy"] {
        let rule = json!({ "role": "network:ADMIN", "s": c, "o": "community", "a": action, "e": "DENY" });
        let body = app.gql(Some(&david), ops::GRANT, rule).await;
        assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", "role"), "{action}: {body}");
        let rule = json!({ "role": "person", "s": c, "o": "community", "a": action, "e": "DENY" });
        app.ok(Some(&david), ops::GRANT, rule).await;
    }
    app.ok(Some(&admin), "query($s: ID) { policyRules(scopeId: $s) { text } }", json!({ "s": c })).await;
    app.ok(Some(&admin), "query($s: ID!) { auditEvents(filter: { scopeId: $s }) { totalCount } }", json!({ "s": c }))
        .await;
    // The denies bind everybody else: David himself.
    let body = app
        .gql(Some(&david), "query($s: ID!) { auditEvents(filter: { scopeId: $s }) { totalCount } }", json!({ "s": c }))
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    let revoke = json!({ "role": "person", "s": c, "o": "community", "a": "manage_policy", "e": "DENY" });
    app.ok(Some(&admin), ops::REVOKE, revoke).await;
    let revoke = json!({ "role": "person", "s": c, "o": "community", "a": "read_audit", "e": "DENY" });
    app.ok(Some(&david), ops::REVOKE, revoke).await;
    let body = app
        .gql(Some(&david), "query($s: ID!) { auditEvents(filter: { scopeId: $s }) { totalCount } }", json!({ "s": c }))
        .await;
    assert!(body["errors"].is_null(), "read_audit deny revoked: {body}");
}

// ---- H3 / M10: existence oracles in policy administration ------------------------------

#[tokio::test]
async fn h3_check_access_on_oneself_does_not_reveal_secret_scopes() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin@network.example", None, true).await;
    let david = app.token("david@cisss.example", None, false).await;
    let outsider = app.token("outsider@nowhere.example", None, false).await;
    let secret = fixtures::community(&app, &david, "securite-ti", "MEMBERS", "INVITATION").await;
    let group = subgroup(&app, &david, &secret, "Red team", "MEMBERS").await;
    let me = person_gid(fixtures::person_id(&app, &outsider).await);
    let missing_community = global(NodeKind::Community, 9_999);
    let missing_group = global(NodeKind::Subgroup, 9_999);

    for (hidden, missing, object) in
        [(&secret, &json!(missing_community), "community"), (&group, &json!(missing_group), "subgroup")]
    {
        for action in ["view", "read", "post"] {
            let h = app.gql(Some(&outsider), CHECK, json!({ "p": me, "s": hidden, "o": object, "a": action })).await;
            let m = app.gql(Some(&outsider), CHECK, json!({ "p": me, "s": missing, "o": object, "a": action })).await;
            assert_eq!(error_code(&h), "NOT_FOUND", "{h}");
            assert_eq!(h["errors"][0]["message"], m["errors"][0]["message"], "{h} vs {m}");
            assert!(!h.to_string().contains("MEMBERS") && !h.to_string().contains("INVITATION"), "{h}");
        }
    }
    // People who may view the scope still get their answer.
    let david_gid = person_gid(fixtures::person_id(&app, &david).await);
    let why = app.ok(Some(&david), CHECK, json!({ "p": david_gid, "s": secret, "o": "community", "a": "read" })).await;
    assert_eq!(why["checkAccess"]["allowed"], true);
    let why = app.ok(Some(&admin), CHECK, json!({ "p": me, "s": secret, "o": "community", "a": "read" })).await;
    assert_eq!(why["checkAccess"]["allowed"], false, "an administrator may ask about anyone: {why}");
}

#[tokio::test]
async fn h3_m10_policy_administration_answers_hidden_scopes_as_missing_ones() {
    let app = TestApp::spawn().await;
    let david = app.token("david@cisss.example", None, false).await;
    let outsider = app.token("outsider@nowhere.example", None, false).await;
    let secret = fixtures::community(&app, &david, "securite-ti", "MEMBERS", "INVITATION").await;
    let group = subgroup(&app, &david, &secret, "Red team", "MEMBERS").await;
    let pairs = [
        (secret.clone(), json!(global(NodeKind::Community, 9_999)), "community"),
        (group.clone(), json!(global(NodeKind::Subgroup, 9_999)), "subgroup"),
    ];
    for (hidden, missing, object) in pairs {
        let rules = "query($s: ID) { policyRules(scopeId: $s) { text } }";
        let h = app.gql(Some(&outsider), rules, json!({ "s": hidden })).await;
        let m = app.gql(Some(&outsider), rules, json!({ "s": missing })).await;
        assert_eq!(error_code(&h), "NOT_FOUND", "{h}");
        assert_eq!(h["errors"][0]["message"], m["errors"][0]["message"], "policyRules: {h} vs {m}");
        for op in [ops::GRANT, ops::REVOKE] {
            let rule = |s: &Value| json!({ "role": "person", "s": s, "o": object, "a": "post", "e": "DENY" });
            let h = app.gql(Some(&outsider), op, rule(&hidden)).await;
            let m = app.gql(Some(&outsider), op, rule(&missing)).await;
            assert_eq!(error_code(&h), "NOT_FOUND", "{h}");
            assert_eq!(h["errors"][0]["message"], m["errors"][0]["message"], "{h} vs {m}");
        }
        let audit = "query($s: ID!) { auditEvents(filter: { scopeId: $s }) { totalCount } }";
        let h = app.gql(Some(&outsider), audit, json!({ "s": hidden })).await;
        let m = app.gql(Some(&outsider), audit, json!({ "s": missing })).await;
        assert_eq!((error_code(&h), &h["errors"][0]["message"]), (error_code(&m), &m["errors"][0]["message"]));
        let assign = json!({ "p": person_gid(1), "s": hidden, "r": "ADMIN" });
        let h = app.gql(Some(&outsider), ops::ASSIGN_ROLE, assign).await;
        let m =
            app.gql(Some(&outsider), ops::ASSIGN_ROLE, json!({ "p": person_gid(1), "s": missing, "r": "ADMIN" })).await;
        assert_eq!(h["errors"][0]["message"], m["errors"][0]["message"], "assignRole: {h} vs {m}");
    }
}

// ---- M11: importPolicy refuses cycles and policies that lock administrators out --------

#[tokio::test]
async fn m11_import_refuses_inheritance_cycles_and_lockouts() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin@network.example", None, true).await;
    let exported =
        app.ok(Some(&admin), "{ exportPolicy }", json!({})).await["exportPolicy"].as_str().unwrap_or("").to_owned();

    let escalation = format!("{exported}g, community:MEMBER, community:FOUNDER\n");
    let body = app.gql(Some(&admin), IMPORT, json!({ "csv": escalation })).await;
    assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", "csv"), "{body}");
    assert!(body["errors"][0]["message"].as_str().unwrap_or("").contains("cycle"), "{body}");

    let lockout = "p, person, network, network, create_community, *, *, *, allow\n";
    let body = app.gql(Some(&admin), IMPORT, json!({ "csv": lockout })).await;
    assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", "csv"), "{body}");
    assert!(body["errors"][0]["message"].as_str().unwrap_or("").contains("manage_policy"), "{body}");

    let denied = format!("{exported}p, person, network, network, manage_policy, *, *, *, deny\n");
    let body = app.gql(Some(&admin), IMPORT, json!({ "csv": denied })).await;
    assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", "csv"), "{body}");

    let after =
        app.ok(Some(&admin), "{ exportPolicy }", json!({})).await["exportPolicy"].as_str().unwrap_or("").to_owned();
    assert_eq!(after, exported, "nothing changed");
    // A sound policy still imports.
    app.ok(Some(&admin), IMPORT, json!({ "csv": exported })).await;
}

// ---- M2: thread lists follow subgroup-level policy ------------------------------------

#[tokio::test]
async fn m2_sponsors_who_are_not_members_do_not_list_subgroup_threads() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin@network.example", None, true).await;
    let francois = app.token("francois@cisss.example", None, false).await;
    let luc = app.token("luc@cisss.example", None, false).await;
    let c = fixtures::community(&app, &francois, "interventions-de-milieu", "NETWORK", "OPEN").await;
    let org = fixtures::db_id(&fixtures::organization(&app, &admin, "cisss").await);
    setup::participation(&app, fixtures::db_id(&c), org, Some(fixtures::person_id(&app, &luc).await)).await;
    let group = subgroup(&app, &francois, &c, "Night shift", "COMMUNITY").await;
    thread_in(&app, &francois, &c, None, "Community thread").await;
    let hidden = thread_in(&app, &francois, &c, Some(&group), "Subgroup-only thread").await;

    let body = app.gql(Some(&luc), COMMUNITY, json!({ "s": "interventions-de-milieu" })).await;
    assert_eq!(listed_titles(&body), BTreeSet::from(["Community thread".to_owned()]), "{body}");
    let luc_gid = person_gid(fixtures::person_id(&app, &luc).await);
    // A subgroup the person may not read is not listed to them: NOT_FOUND, or a refusal.
    let why = app.gql(Some(&luc), CHECK, json!({ "p": luc_gid, "s": group, "o": "subgroup", "a": "read" })).await;
    assert!(error_code(&why) == "NOT_FOUND" || why["data"]["checkAccess"]["allowed"] == false, "{why}");
    let body = app.gql(Some(&luc), NODE_THREAD, json!({ "id": hidden })).await;
    assert!(body["data"]["node"].is_null(), "{body}");
}

#[tokio::test]
async fn m2_a_per_subgroup_deny_hides_its_threads_on_every_path() {
    let app = TestApp::spawn().await;
    let francois = app.token("francois@cisss.example", None, false).await;
    let sophie = app.token("sophie@cisss.example", None, false).await;
    let c = fixtures::community(&app, &francois, "interventions-de-milieu", "NETWORK", "OPEN").await;
    app.ok(Some(&sophie), ops::JOIN, json!({ "id": c })).await;
    let group = subgroup(&app, &francois, &c, "Night shift", "COMMUNITY").await;
    let other = subgroup(&app, &francois, &c, "Day shift", "COMMUNITY").await;
    thread_in(&app, &francois, &c, None, "Community thread").await;
    let hidden = thread_in(&app, &francois, &c, Some(&group), "Subgroup-only thread").await;
    thread_in(&app, &francois, &c, Some(&other), "Day thread").await;
    let reply = fixtures::post(&app, &francois, &hidden, "a reply").await;

    let deny = json!({ "role": "community:PARTICIPANT", "s": group, "o": "subgroup", "a": "read", "e": "DENY" });
    app.ok(Some(&francois), ops::GRANT, deny).await;
    let body = app.gql(Some(&sophie), COMMUNITY, json!({ "s": "interventions-de-milieu" })).await;
    assert_eq!(
        listed_titles(&body),
        BTreeSet::from(["Community thread".to_owned(), "Day thread".to_owned()]),
        "{body}"
    );
    for id in [&hidden, &reply] {
        let body = app.gql(Some(&sophie), "query($id: ID!) { node(id: $id) { id } }", json!({ "id": id })).await;
        assert!(body["data"]["node"].is_null(), "{body}");
    }
    let sophie_gid = person_gid(fixtures::person_id(&app, &sophie).await);
    let why = app.gql(Some(&sophie), CHECK, json!({ "p": sophie_gid, "s": group, "o": "subgroup", "a": "read" })).await;
    assert!(error_code(&why) == "NOT_FOUND" || why["data"]["checkAccess"]["allowed"] == false, "{why}");
    // Her community's administrator learns why.
    let why =
        app.ok(Some(&francois), CHECK, json!({ "p": sophie_gid, "s": group, "o": "subgroup", "a": "read" })).await;
    assert_eq!(why["checkAccess"]["allowed"], false);
    assert!(why["checkAccess"]["rule"].as_str().unwrap_or("").contains("community:PARTICIPANT"), "{why}");
    let body = app.gql(Some(&sophie), CREATE_THREAD, json!({ "c": c, "g": group, "t": "x" })).await;
    assert!(matches!(error_code(&body), "NOT_FOUND" | "FORBIDDEN"), "{body}");
    // The animator inherits PARTICIPANT: denied too, though ANIMATOR reads every subgroup.
    let body = app.gql(Some(&francois), COMMUNITY, json!({ "s": "interventions-de-milieu" })).await;
    assert!(!listed_titles(&body).contains("Subgroup-only thread"), "{body}");
}

// ---- L8: refusals do not disclose policy internals -------------------------------------

#[tokio::test]
async fn l8_forbidden_messages_do_not_disclose_roles_or_rules() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin@network.example", None, true).await;
    let anna = app.token("anna@cisss.example", None, false).await;
    let walt = app.token("walt@cisss.example", None, false).await;
    let c = fixtures::community(&app, &anna, "quiet", "NETWORK", "OPEN").await;
    let walt_id = fixtures::person_id(&app, &walt).await;
    setup::membership(&app, fixtures::db_id(&c), walt_id, roles(&[CommunityRole::Watcher]), MembershipStatus::Active)
        .await;
    let deny = json!({ "role": "community:MEMBER", "s": c, "o": "community", "a": "moderate", "e": "DENY" });
    app.ok(Some(&anna), ops::GRANT, deny).await;
    let refusals = [
        app.gql(Some(&walt), CREATE_THREAD, json!({ "c": c, "t": "x" })).await,
        app.gql(Some(&anna), ops::GRANT, json!({ "role": "person", "o": "community", "a": "post" })).await,
        app.gql(Some(&walt), "{ auditEvents { totalCount } }", json!({})).await,
        app.gql(Some(&admin), "query($s: ID!) { policyRules(scopeId: $s) { text } }", json!({ "s": c })).await,
    ];
    for body in &refusals[..3] {
        assert_eq!(error_code(body), "FORBIDDEN", "{body}");
        let message = body["errors"][0]["message"].as_str().unwrap_or("");
        for secret in ["rule", "p, ", "community:", "network:", "person", "[", "deny", "allow", "visibility"] {
            assert!(!message.contains(secret), "{message:?} discloses {secret:?}");
        }
        assert!(message.starts_with("you may not"), "{message}");
    }
    assert!(refusals[3]["errors"].is_null(), "{}", refusals[3]);

    // A community's administrator asking about someone learns the answer, not that
    // person's roles elsewhere (here: network administrator).
    let admin_gid = person_gid(fixtures::person_id(&app, &admin).await);
    for action in ["update", "post"] {
        let why = app.ok(Some(&anna), CHECK, json!({ "p": admin_gid, "s": c, "o": "community", "a": action })).await;
        assert!(!why.to_string().contains("network:"), "{why}");
    }
    let walt_gid = person_gid(walt_id);
    let why = app.ok(Some(&anna), CHECK, json!({ "p": walt_gid, "s": c, "o": "community", "a": "post" })).await;
    assert_eq!(why["checkAccess"]["allowed"], false);
    assert!(!why.to_string().contains('['), "{why}");
}

// ---- Property: any DENY for a role the person holds wins, on every path ----------------

/// Community roles a generated person may hold.
const COMMUNITY_ROLES: [CommunityRole; 4] =
    [CommunityRole::Member, CommunityRole::Watcher, CommunityRole::Animator, CommunityRole::ContentExpert];
/// Roles a generated DENY may name.
const DENY_ROLES: [&str; 8] = [
    "person",
    "community:PARTICIPANT",
    "community:MEMBER",
    "community:WATCHER",
    "community:ANIMATOR",
    "community:CONTENT_EXPERT",
    "community:SPONSOR",
    "subgroup:MEMBER",
];
const SUBGROUP_VISIBILITIES: [&str; 2] = ["COMMUNITY", "MEMBERS"];

#[derive(Debug, Clone)]
struct Someone {
    /// Active member with this community role.
    member: Option<usize>,
    sponsor: bool,
    /// Member of each subgroup.
    in_subgroup: [bool; 2],
}

#[derive(Debug, Clone)]
struct Deny {
    role: usize,
    /// `None`: the community; else a subgroup.
    subgroup: Option<usize>,
    post: bool,
}

#[derive(Debug, Clone)]
struct World {
    members_only: bool,
    subgroups: [usize; 2],
    people: Vec<Someone>,
    denies: Vec<Deny>,
}

fn world() -> impl Strategy<Value = World> {
    let someone = (
        proptest::option::weighted(0.7, 0..COMMUNITY_ROLES.len()),
        proptest::bool::weighted(0.3),
        [proptest::bool::weighted(0.4), proptest::bool::weighted(0.4)],
    )
        .prop_map(|(member, sponsor, in_subgroup)| Someone {
            member,
            sponsor,
            // Only active members of the community join its subgroups.
            in_subgroup: in_subgroup.map(|i| i && member.is_some()),
        });
    let deny =
        (0..DENY_ROLES.len(), proptest::option::of(0usize..2), any::<bool>()).prop_map(|(role, subgroup, post)| Deny {
            role,
            // Subgroup roles count in subgroups only.
            subgroup: if DENY_ROLES[role].starts_with("subgroup:") { Some(subgroup.unwrap_or(0)) } else { subgroup },
            post,
        });
    (
        any::<bool>(),
        [0..SUBGROUP_VISIBILITIES.len(), 0..SUBGROUP_VISIBILITIES.len()],
        proptest::collection::vec(someone, 1..4),
        proptest::collection::vec(deny, 0..3),
    )
        .prop_map(|(members_only, subgroups, people, denies)| World { members_only, subgroups, people, denies })
}

/// The roles a person holds in the community (or one of its subgroups), inherited ones
/// included, per the default policy's inheritance lines.
fn held(p: &Someone, subgroup: Option<usize>) -> BTreeSet<&'static str> {
    let mut roles = BTreeSet::from(["person"]);
    if let Some(r) = p.member {
        roles.insert("community:PARTICIPANT");
        match COMMUNITY_ROLES[r] {
            CommunityRole::Watcher => {
                roles.insert("community:WATCHER");
            }
            CommunityRole::Animator => {
                roles.extend(["community:ANIMATOR", "community:MEMBER"]);
            }
            CommunityRole::ContentExpert => {
                roles.extend(["community:CONTENT_EXPERT", "community:MEMBER"]);
            }
            _ => {
                roles.insert("community:MEMBER");
            }
        }
    }
    if p.sponsor {
        roles.insert("community:SPONSOR");
    }
    if let Some(s) = subgroup
        && p.in_subgroup[s]
    {
        roles.insert("subgroup:MEMBER");
    }
    roles
}

/// Whether a generated DENY names a role the person holds for this scope and action.
fn denied(w: &World, p: &Someone, subgroup: Option<usize>, post: bool) -> bool {
    let roles = held(p, subgroup);
    w.denies.iter().any(|d| d.subgroup == subgroup && d.post == post && roles.contains(DENY_ROLES[d.role]))
}

async fn check_world(w: World) -> Result<(), TestCaseError> {
    let app = TestApp::spawn().await;
    let admin = app.token("root@network.example", None, true).await;
    let founder = app.token("founder@network.example", None, false).await;
    let c =
        fixtures::community(&app, &founder, "cop", if w.members_only { "MEMBERS" } else { "NETWORK" }, "OPEN").await;
    let cid = fixtures::db_id(&c);
    let groups = [
        subgroup(&app, &founder, &c, "g0", SUBGROUP_VISIBILITIES[w.subgroups[0]]).await,
        subgroup(&app, &founder, &c, "g1", SUBGROUP_VISIBILITIES[w.subgroups[1]]).await,
    ];
    let threads = [
        thread_in(&app, &founder, &c, None, "t-community").await,
        thread_in(&app, &founder, &c, Some(&groups[0]), "t-g0").await,
        thread_in(&app, &founder, &c, Some(&groups[1]), "t-g1").await,
    ];
    let org = fixtures::db_id(&fixtures::organization(&app, &admin, "org").await);
    let mut tokens = Vec::new();
    let mut ids = Vec::new();
    let mut sponsored = false;
    for (i, p) in w.people.iter().enumerate() {
        let token = app.token(&format!("p{i}@network.example"), None, false).await;
        let id = fixtures::person_id(&app, &token).await;
        if let Some(r) = p.member {
            setup::membership(&app, cid, id, roles(&[COMMUNITY_ROLES[r]]), MembershipStatus::Active).await;
        }
        if p.sponsor {
            // One sponsor per participating organization.
            let org = if sponsored {
                fixtures::db_id(&fixtures::organization(&app, &admin, &format!("org-{i}")).await)
            } else {
                org
            };
            sponsored = true;
            setup::participation(&app, cid, org, Some(id)).await;
        }
        for (s, group) in groups.iter().enumerate() {
            if p.in_subgroup[s] {
                app.ok(
                    Some(&founder),
                    "mutation($g: ID!, $p: ID!) { addSubgroupMember(input: { subgroupId: $g, personId: $p }) { subgroup { id } } }",
                    json!({ "g": group, "p": person_gid(id) }),
                )
                .await;
            }
        }
        tokens.push(token);
        ids.push(id);
    }
    for d in &w.denies {
        let (scope, object) = match d.subgroup {
            None => (c.clone(), "community"),
            Some(s) => (groups[s].clone(), "subgroup"),
        };
        let action = if d.post { "post" } else { "read" };
        let rule = json!({ "role": DENY_ROLES[d.role], "s": scope, "o": object, "a": action, "e": "DENY" });
        let body = app.gql(Some(&founder), ops::GRANT, rule).await;
        prop_assert!(body["errors"].is_null() || error_code(&body) == "CONFLICT", "{}", body);
    }

    for (i, p) in w.people.iter().enumerate() {
        let token = Some(tokens[i].as_str());
        let me = person_gid(ids[i]);
        let sees = !w.members_only || p.member.is_some() || p.sponsor;
        let body = app.gql(token, COMMUNITY, json!({ "s": "cop" })).await;
        if !sees {
            prop_assert_eq!(error_code(&body), "NOT_FOUND", "{}", body);
            let why = app.gql(token, CHECK, json!({ "p": me, "s": c, "o": "community", "a": "read" })).await;
            prop_assert_eq!(error_code(&why), "NOT_FOUND", "checkAccess on a hidden community: {}", why);
            for t in &threads {
                let node = app.gql(token, NODE_THREAD, json!({ "id": t })).await;
                prop_assert!(node["data"]["node"].is_null());
            }
            continue;
        }
        let community = &body["data"]["community"];
        let listed = listed_titles(&body);
        // The community: viewerCan, checkAccess, the list, node and the mutations agree.
        let mut decided = [[false; 2]; 3];
        for (slot, scope) in [(0usize, None), (1, Some(0usize)), (2, Some(1))] {
            let (scope_id, object) = match scope {
                None => (c.clone(), "community"),
                Some(s) => (groups[s].clone(), "subgroup"),
            };
            for (k, action) in ["read", "post"].into_iter().enumerate() {
                let why = app.gql(token, CHECK, json!({ "p": me, "s": scope_id, "o": object, "a": action })).await;
                if scope.is_some() && error_code(&why) == "NOT_FOUND" {
                    // A subgroup the person may not see is as good as denied.
                    decided[slot][k] = false;
                    continue;
                }
                prop_assert!(why["errors"].is_null(), "{}", why);
                let allowed = why["data"]["checkAccess"]["allowed"].as_bool().unwrap_or(true);
                decided[slot][k] = allowed;
                if denied(&w, p, scope, action == "post") {
                    prop_assert!(!allowed, "deny must win: person {} {} {:?}: {} in {:?}", i, action, scope, why, w);
                }
            }
        }
        prop_assert_eq!(community["viewerCan"]["read"].as_bool(), Some(decided[0][0]), "{}", body);
        prop_assert_eq!(community["viewerCan"]["post"].as_bool(), Some(decided[0][1]), "{}", body);
        let subgroups: Vec<&Value> =
            community["subgroups"]["edges"].as_array().into_iter().flatten().map(|e| &e["node"]).collect();
        for (s, group) in groups.iter().enumerate() {
            let shown = subgroups.iter().find(|g| g["id"] == *group);
            if let Some(g) = shown {
                prop_assert_eq!(g["viewerCan"]["read"].as_bool(), Some(decided[s + 1][0]), "{}", body);
                prop_assert_eq!(g["viewerCan"]["post"].as_bool(), Some(decided[s + 1][1]), "{}", body);
            }
        }
        let reads = [decided[0][0], decided[0][0] && decided[1][0], decided[0][0] && decided[2][0]];
        for (slot, title) in ["t-community", "t-g0", "t-g1"].into_iter().enumerate() {
            prop_assert_eq!(listed.contains(title), reads[slot], "list {} for {} in {:?}: {}", title, i, w, body);
            let node = app.gql(token, NODE_THREAD, json!({ "id": threads[slot] })).await;
            prop_assert_eq!(!node["data"]["node"].is_null(), reads[slot], "node {} for {}: {}", title, i, node);
        }
        // Mutations: posting follows the same decisions.
        let posts = [
            decided[0][1],
            decided[0][1] && decided[1][0] && decided[1][1],
            decided[0][1] && decided[2][0] && decided[2][1],
        ];
        for (slot, group) in [None, Some(&groups[0]), Some(&groups[1])].into_iter().enumerate() {
            let body = app.gql(token, CREATE_THREAD, json!({ "c": c, "g": group, "t": format!("by {i}") })).await;
            prop_assert_eq!(
                body["errors"].is_null(),
                posts[slot],
                "createThread {} by {} in {:?}: {}",
                slot,
                i,
                w,
                body
            );
        }
    }
    Ok(())
}

fn cases() -> u32 {
    std::env::var("SECURITY_POLICY_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(16)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_deny_for_a_role_held_wins_on_every_path(w in world()) {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
        runtime.block_on(check_world(w))?;
    }
}

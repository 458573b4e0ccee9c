//! Regression tests for the holes an outside attacker found in the policy fixes of the
//! 2026-12-01 security review: organization admins granting themselves network-only
//! powers (A), hidden subgroups detectable through the policy API (B), unbounded policy
//! growth (C), and organization admins ending network administrators' sessions (D). Each
//! drives the real server over HTTP as the attacker did.

use entity::enums::CommunityRole;
use harness::{TestApp, error_code, fixtures, ops};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
use serde_json::{Value, json};

const SUSPEND: &str = "mutation($id: ID!, $s: RecordStatus!) { updateOrganization(input: { id: $id, status: $s }) { organization { id status } } }";
const ORG_STATUS: &str = "query($id: ID!) { node(id: $id) { ... on Organization { status } } }";
const RULES: &str = "query($s: ID) { policyRules(scopeId: $s) { text } }";
const CREATE_SUBGROUP: &str = "mutation($c: ID!, $n: String!, $v: SubgroupVisibility!) { createSubgroup(input: { communityId: $c, name: $n, visibility: $v }) { subgroup { id } } }";
const REVOKE_ALL: &str = "mutation($p: ID!) { revokePersonSessions(input: { personId: $p }) { revokedCount } }";

/// A rule written before these fixes (or by hand): stored directly, then the server
/// picks it up through the policy generation, as every replica does.
async fn store_rule(app: &TestApp, values: [&str; 8]) {
    entity::casbin_rule::ActiveModel {
        ptype: Set("p".into()),
        v0: Set(values[0].into()),
        v1: Set(values[1].into()),
        v2: Set(values[2].into()),
        v3: Set(values[3].into()),
        v4: Set(values[4].into()),
        v5: Set(values[5].into()),
        v6: Set(values[6].into()),
        v7: Set(values[7].into()),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .expect("insert rule");
    let state = entity::policy_state::Entity::find().one(&app.db).await.expect("state").expect("a policy state");
    let mut model: entity::policy_state::ActiveModel = state.clone().into();
    model.generation = Set(state.generation + 1);
    model.update(&app.db).await.expect("bump generation");
    tokio::time::sleep(std::time::Duration::from_millis(1_500)).await;
}

/// The network administrator, and an organization with an administrator of its own.
async fn organization_with_admin(app: &TestApp) -> (String, Value, String, i32) {
    let network_admin = app.token("jean@inspq.example", None, true).await;
    let org = fixtures::organization(app, &network_admin, "monteregie").await;
    let org_admin = app.token("olga@monteregie.example", Some("monteregie"), false).await;
    let org_admin_id = fixtures::person_id(app, &org_admin).await;
    let gid = maillage_api::graphql::ids::to_global(maillage_api::graphql::ids::NodeKind::Person, org_admin_id).0;
    app.ok(Some(&network_admin), ops::ASSIGN_ROLE, json!({ "p": gid, "s": org, "r": "ADMIN" })).await;
    (network_admin, org, org_admin, org_admin_id)
}

// ---- A: nobody grants, through any path, what they could not do themselves --------------

#[tokio::test]
async fn a_organization_admins_cannot_grant_themselves_suspension() {
    let app = TestApp::spawn().await;
    let (_network_admin, org, org_admin, _) = organization_with_admin(&app).await;

    // The attacker's request, and its variant for everybody.
    for role in ["organization:ADMIN", "person"] {
        let rule = json!({ "role": role, "s": org, "o": "organization", "a": "suspend", "e": "ALLOW" });
        let body = app.gql(Some(&org_admin), ops::GRANT, rule).await;
        assert_eq!(error_code(&body), "FORBIDDEN", "{role}: {body}");
        let message = body["errors"][0]["message"].as_str().unwrap_or("");
        assert!(!message.contains("network:"), "a generic message: {body}");
    }
    let rules = app.ok(Some(&org_admin), RULES, json!({ "s": org })).await;
    assert_eq!(rules["policyRules"], json!([]), "nothing was written: {rules}");

    // Nor in a community: its administrator does not give the sponsor's key.
    let david = app.token("david@cisss.example", None, false).await;
    let c = fixtures::community(&app, &david, "securite-ti", "NETWORK", "APPROVAL").await;
    let rule = json!({ "role": "community:MEMBER", "s": c, "o": "community", "a": "sponsor_approve", "e": "ALLOW" });
    let body = app.gql(Some(&david), ops::GRANT, rule).await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");

    // What they hold themselves they may still grant in their organization, and denies
    // stay theirs to write.
    let rule =
        json!({ "role": "organization:MANAGER", "s": org, "o": "organization", "a": "read_audit", "e": "ALLOW" });
    app.ok(Some(&org_admin), ops::GRANT, rule).await;
    let rule = json!({ "role": "organization:MANAGER", "s": org, "o": "organization", "a": "update", "e": "DENY" });
    app.ok(Some(&org_admin), ops::GRANT, rule).await;
}

#[tokio::test]
async fn a_a_network_suspension_cannot_be_undone_by_a_scope_level_rule() {
    let app = TestApp::spawn().await;
    let (network_admin, org, org_admin, _) = organization_with_admin(&app).await;
    let org_id = fixtures::db_id(&org).to_string();
    let domain = format!("organization:{org_id}");
    // Rules left from before the fix: one for the organization's admins, one for everybody.
    store_rule(&app, ["organization:ADMIN", &domain, "organization", "suspend", "*", "*", "*", "allow"]).await;
    store_rule(&app, ["person", &domain, "organization", "suspend", "*", "*", "*", "allow"]).await;

    // Even network administrators cannot write such a rule: the decision is the network's.
    let rule = json!({ "role": "organization:ADMIN", "s": org, "o": "organization", "a": "suspend", "e": "ALLOW" });
    let body = app.gql(Some(&network_admin), ops::GRANT, rule).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");

    // The organization's admin cannot suspend or reactivate it.
    let body = app.gql(Some(&org_admin), SUSPEND, json!({ "id": org, "s": "SUSPENDED" })).await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    let data = app.ok(Some(&network_admin), SUSPEND, json!({ "id": org, "s": "SUSPENDED" })).await;
    assert_eq!(data["updateOrganization"]["organization"]["status"], "SUSPENDED");

    // Anybody else holding the scope-level rule cannot lift the suspension either.
    let outsider = app.token("mallory@elsewhere.example", None, false).await;
    let body = app.gql(Some(&outsider), SUSPEND, json!({ "id": org, "s": "ACTIVE" })).await;
    assert!(matches!(error_code(&body), "FORBIDDEN" | "NOT_FOUND"), "{body}");
    let status = app.ok(Some(&network_admin), ORG_STATUS, json!({ "id": org })).await;
    assert_eq!(status["node"]["status"], "SUSPENDED", "{status}");

    let data = app.ok(Some(&network_admin), SUSPEND, json!({ "id": org, "s": "ACTIVE" })).await;
    assert_eq!(data["updateOrganization"]["organization"]["status"], "ACTIVE");
    // Such leftover rules can still be revoked.
    let rule = json!({ "role": "person", "s": org, "o": "organization", "a": "suspend", "e": "ALLOW" });
    app.ok(Some(&network_admin), ops::REVOKE, rule).await;
}

// ---- B: a hidden subgroup is missing for the policy API too -------------------------------

#[tokio::test]
async fn b_hidden_subgroups_are_not_found_through_the_policy_api() {
    let app = TestApp::spawn().await;
    let francois = app.token("francois@cisss.example", None, false).await;
    let member = app.token("marie@cisss.example", None, false).await;
    let outsider = app.token("mallory@elsewhere.example", None, false).await;
    let c = fixtures::community(&app, &francois, "prevention", "NETWORK", "OPEN").await;
    let member_id = fixtures::person_id(&app, &member).await;
    fixtures::add_member(&app, &c, member_id, &[CommunityRole::Member]).await;
    let created =
        app.ok(Some(&francois), CREATE_SUBGROUP, json!({ "c": c, "n": "Cellule de crise", "v": "MEMBERS" })).await;
    let hidden = created["createSubgroup"]["subgroup"]["id"].clone();
    let missing = maillage_api::graphql::ids::to_global(maillage_api::graphql::ids::NodeKind::Subgroup, 99_999).0;

    for token in [&outsider, &member] {
        for scope in [&hidden, &json!(missing)] {
            let body = app.gql(Some(token), RULES, json!({ "s": scope })).await;
            assert_eq!(error_code(&body), "NOT_FOUND", "policyRules {scope}: {body}");
            assert_eq!(body["errors"][0]["message"], "subgroup not found", "{body}");
            let rule = json!({ "role": "community:MEMBER", "s": scope, "o": "subgroup", "a": "post", "e": "DENY" });
            for op in [ops::GRANT, ops::REVOKE] {
                let body = app.gql(Some(token), op, rule.clone()).await;
                assert_eq!(error_code(&body), "NOT_FOUND", "{scope}: {body}");
                assert_eq!(body["errors"][0]["message"], "subgroup not found", "{body}");
            }
        }
    }
    // Its animator still manages it, and allows there what he may do himself.
    app.ok(Some(&francois), RULES, json!({ "s": hidden })).await;
    let rule = json!({ "role": "community:WATCHER", "s": hidden, "o": "subgroup", "a": "post", "e": "ALLOW" });
    app.ok(Some(&francois), ops::GRANT, rule).await;
}

// ---- C: policy growth is bounded -----------------------------------------------------------

#[tokio::test]
async fn c_rules_per_scope_are_capped() {
    let app = TestApp::spawn().await;
    let david = app.token("david@cisss.example", None, false).await;
    let c = fixtures::community(&app, &david, "croissance", "NETWORK", "OPEN").await;
    let roles = [
        "person",
        "community:MEMBER",
        "community:WATCHER",
        "community:MENTOR",
        "community:REPORTER",
        "community:PARTICIPANT",
        "community:INVITEE",
        "community:APPLICANT",
        "community:IT_RESOURCE",
    ];
    let actions = ["post", "join", "request", "invite", "moderate", "approve"];
    let mut written = 0;
    let mut refused = None;
    'outer: for role in roles {
        for action in actions {
            let rule = json!({ "role": role, "s": c, "o": "community", "a": action, "e": "DENY" });
            let body = app.gql(Some(&david), ops::GRANT, rule).await;
            if body["errors"].is_array() {
                refused = Some(body);
                break 'outer;
            }
            written += 1;
        }
    }
    assert_eq!(written, 50, "50 rules per scope");
    let body = refused.expect("the 51st rule is refused");
    assert_eq!(error_code(&body), "CONFLICT", "{body}");
    // Revoking one makes room again.
    let rule = json!({ "role": "person", "s": c, "o": "community", "a": "post", "e": "DENY" });
    app.ok(Some(&david), ops::REVOKE, rule).await;
    let rule = json!({ "role": "community:IT_RESOURCE", "s": c, "o": "community", "a": "approve", "e": "DENY" });
    app.ok(Some(&david), ops::GRANT, rule).await;
}

// ---- D: nobody ends the sessions of someone who outranks them ------------------------------

#[tokio::test]
async fn d_organization_admins_cannot_end_network_admins_sessions() {
    let app = TestApp::spawn().await;
    let (_network_admin, _org, org_admin, _) = organization_with_admin(&app).await;
    // A network administrator who belongs to the organization.
    let boss = app.token("claire@monteregie.example", Some("monteregie"), true).await;
    let boss_id = fixtures::person_id(&app, &boss).await;
    let boss_gid = maillage_api::graphql::ids::to_global(maillage_api::graphql::ids::NodeKind::Person, boss_id).0;
    let body = app.gql(Some(&org_admin), REVOKE_ALL, json!({ "p": boss_gid })).await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    app.ok(Some(&boss), "{ me { id } }", json!({})).await;

    // A plain member of the organization is still theirs to log out.
    let nurse = app.token("nurse@monteregie.example", Some("monteregie"), false).await;
    let nurse_id = fixtures::person_id(&app, &nurse).await;
    let nurse_gid = maillage_api::graphql::ids::to_global(maillage_api::graphql::ids::NodeKind::Person, nurse_id).0;
    app.ok(Some(&org_admin), REVOKE_ALL, json!({ "p": nurse_gid })).await;
}

#[tokio::test]
async fn c_policy_writes_per_person_are_rate_limited() {
    let app = TestApp::spawn().await;
    let david = app.token("david@cisss.example", None, false).await;
    let c = fixtures::community(&app, &david, "boucle", "NETWORK", "OPEN").await;
    // The attacker's loop: grant, revoke, grant, revoke… The first 56 changes of this
    // minute are written to the audit trail directly (60 requests take longer than a
    // minute on a busy machine in a debug build, and the oldest would age out); one
    // from two minutes ago does not count.
    let david_id = fixtures::person_id(&app, &david).await;
    for minutes_ago in std::iter::once(2).chain(std::iter::repeat_n(0, 56)) {
        entity::audit_event::ActiveModel {
            actor_id: Set(Some(david_id)),
            action: Set(if minutes_ago == 0 { "policy.grant" } else { "policy.revoke" }.into()),
            target_type: Set("policy_rule".into()),
            scope_type: Set("network".into()),
            created_at: Set(chrono::Utc::now() - chrono::Duration::minutes(minutes_ago)),
            ..Default::default()
        }
        .insert(&app.db)
        .await
        .expect("an earlier change");
    }
    let rule = json!({ "role": "community:MEMBER", "s": c, "o": "community", "a": "post", "e": "DENY" });
    for i in 0..4 {
        let op = if i % 2 == 0 { ops::GRANT } else { ops::REVOKE };
        app.ok(Some(&david), op, rule.clone()).await;
    }
    let body = app.gql(Some(&david), ops::GRANT, rule.clone()).await;
    assert_eq!(error_code(&body), "RATE_LIMITED", "{body}");
    // Network administrators repairing the policy are not held back.
    let admin = app.token("admin@network.example", None, true).await;
    app.ok(Some(&admin), ops::GRANT, rule).await;
}

#[tokio::test]
async fn c_a_community_and_its_subgroups_share_one_budget_of_rules() {
    // Second attack pass: subgroups are free to create, so a budget per subgroup let one
    // person add rules without end.
    let app = TestApp::spawn().await;
    let david = app.token("david@cisss.example", None, false).await;
    let c = fixtures::community(&app, &david, "budget", "NETWORK", "OPEN").await;
    let mut subgroups = Vec::new();
    for i in 0..6 {
        let data = app.ok(Some(&david), CREATE_SUBGROUP, json!({ "c": c, "n": format!("g{i}"), "v": "MEMBERS" })).await;
        subgroups.push(data["createSubgroup"]["subgroup"]["id"].clone());
    }
    let actions = [
        "post",
        "join",
        "moderate",
        "invite",
        "approve",
        "manage_members",
        "assign_roles",
        "request",
        "respond_invitation",
    ];
    let mut written = 0;
    let mut refused = None;
    'outer: for group in &subgroups {
        for action in actions {
            let rule = json!({ "role": "community:WATCHER", "s": group, "o": "subgroup", "a": action, "e": "DENY" });
            let body = app.gql(Some(&david), ops::GRANT, rule).await;
            if body["errors"].is_array() {
                refused = Some(body);
                break 'outer;
            }
            written += 1;
        }
    }
    let body = refused.expect("the community's 51st rule is refused, whichever subgroup it is for");
    assert_eq!(error_code(&body), "CONFLICT", "{body}");
    assert_eq!(written, 50, "50 rules for a community and its subgroups together");
    let rule = json!({ "role": "community:WATCHER", "s": c, "o": "community", "a": "post", "e": "DENY" });
    assert_eq!(error_code(&app.gql(Some(&david), ops::GRANT, rule).await), "CONFLICT");
}

#[tokio::test]
async fn c_many_subgroups_with_rules_of_their_own_do_not_break_thread_lists() {
    // Second attack pass: with 530 subgroups having rules of their own anywhere in the
    // network, every thread list built one SQL branch per subgroup and SQLite refused it
    // ("Expression tree is too large"), after deciding each subgroup on its own. Lists
    // now decide on their own only the subgroups whose rules are about reading, and have
    // one SQL branch per distinct decision.
    let app = TestApp::spawn().await;
    let david = app.token("david@cisss.example", None, false).await;
    let c = fixtures::community(&app, &david, "grande", "NETWORK", "OPEN").await;
    fixtures::thread(&app, &david, &c, "Ouvert à tous").await;
    let group = app.ok(Some(&david), CREATE_SUBGROUP, json!({ "c": c, "n": "privé", "v": "COMMUNITY" })).await
        ["createSubgroup"]["subgroup"]["id"]
        .clone();
    let thread = "mutation($c: ID!, $g: ID!) { createThread(input: { communityId: $c, subgroupId: $g, title: \"Sous-groupe\", body: \"b\" }) { thread { id } } }";
    app.ok(Some(&david), thread, json!({ "c": c, "g": group })).await;
    let sophie = app.token("sophie@cisss.example", None, false).await;
    app.ok(
        Some(&sophie),
        "mutation($c: ID!) { joinCommunity(input: { communityId: $c }) { membership { id } } }",
        json!({ "c": c }),
    )
    .await;
    // 600 subgroups elsewhere with rules of their own (about posting), and one on this one
    // about reading.
    let rules = (0..600).map(|i| {
        let action = if i % 2 == 0 { "post" } else { "moderate" };
        entity::casbin_rule::ActiveModel {
            ptype: Set("p".into()),
            v0: Set("community:PARTICIPANT".into()),
            v1: Set(format!("subgroup:{}", 10_000 + i)),
            v2: Set("subgroup".into()),
            v3: Set(action.into()),
            v4: Set("*".into()),
            v5: Set("*".into()),
            v6: Set("*".into()),
            v7: Set("deny".into()),
            ..Default::default()
        }
    });
    entity::casbin_rule::Entity::insert_many(rules).exec(&app.db).await.expect("insert rules");
    let group_id = fixtures::db_id(&group);
    let own = format!("subgroup:{group_id}");
    store_rule(&app, ["community:PARTICIPANT", &own, "subgroup", "read", "*", "*", "*", "deny"]).await;
    let list =
        "query($s: String!) { community(slug: $s) { threads(first: 20) { totalCount edges { node { title } } } } }";
    let body = app.gql(Some(&sophie), list, json!({ "s": "grande" })).await;
    assert!(body.get("errors").is_none(), "{body}");
    let titles: Vec<&str> = body["data"]["community"]["threads"]["edges"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["node"]["title"].as_str())
        .collect();
    assert_eq!(titles, ["Ouvert à tous"], "the subgroup's own deny still hides its thread: {body}");
    assert_eq!(app.count_rows("thread").await, 2, "the subgroup's thread exists");
}

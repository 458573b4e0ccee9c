//! Follow-up to the security review of 2026-12-01: holes an outside attacker found in the
//! fixes, around the ties that give access to a community. (1) a banned person got back
//! into a secret community as its sponsor (an organization administrator made an outsider
//! a manager of their organization and named her sponsor); (2) the sponsor tie outlived the
//! sponsor's organization roles; (3) `node(Membership)` and `Person.memberships` listed
//! the members of a community to people who may not `list_members` there. Each test
//! drives the real server over HTTP as the attacker did.

use entity::enums::{CommunityRole, CommunityRoles, MembershipStatus};
use harness::{TestApp, error_code, fixtures, ops, setup};
use serde_json::{Value, json};

const REVOKE_ROLE: &str = "mutation($p: ID!, $s: ID, $r: String!) { revokeRole(input: { personId: $p, scopeId: $s, role: $r }) { person { id } } }";
const SECRET: &str = "query($s: String!) { community(slug: $s) { slug members { edges { node { person { displayName } } } } threads { edges { node { title } } } } }";
const MEMBERSHIP_NODE: &str =
    "query($id: ID!) { node(id: $id) { ... on Membership { roles person { displayName } community { slug } } } }";
const PERSON_MEMBERSHIPS: &str =
    "query($id: ID!) { node(id: $id) { ... on Person { memberships { edges { node { id roles status } } } } } }";

/// The attacker's network: a secret community founded by David (cisss-a) with a thread,
/// in which cisss-b takes part; Marie (cisss-a) is a member; Luc (cisss-b) is not.
struct World {
    app: TestApp,
    admin: String,
    david: String,
    marie: String,
    marie_gid: Value,
    marie_membership: Value,
    luc: String,
    luc_gid: Value,
    community: Value,
    org_a: Value,
    org_b: Value,
}

async fn gid(app: &TestApp, token: &str) -> Value {
    app.ok(Some(token), "{ me { id } }", json!({})).await["me"]["id"].clone()
}

async fn world() -> World {
    let app = TestApp::spawn().await;
    let admin = app.token("admin@network.example", None, true).await;
    let org_a = fixtures::organization(&app, &admin, "cisss-a").await;
    let org_b = fixtures::organization(&app, &admin, "cisss-b").await;
    let david = app.token("david@cisss-a.example", Some("cisss-a"), false).await;
    let community = fixtures::community(&app, &david, "securite-ti", "MEMBERS", "INVITATION").await;
    fixtures::thread(&app, &david, &community, "Incident de sécurité").await;
    let marie = app.token("marie@cisss-a.example", Some("cisss-a"), false).await;
    let marie_gid = gid(&app, &marie).await;
    fixtures::add_member(&app, &community, fixtures::db_id(&marie_gid), &[CommunityRole::Member]).await;
    let marie_membership = app
        .ok(Some(&marie), "query { community(slug: \"securite-ti\") { viewerMembership { id } } }", json!({}))
        .await["community"]["viewerMembership"]["id"]
        .clone();
    let luc = app.token("luc@cisss-b.example", Some("cisss-b"), false).await;
    let luc_gid = gid(&app, &luc).await;
    setup::participation(&app, fixtures::db_id(&community), fixtures::db_id(&org_b), None).await;
    World { app, admin, david, marie, marie_gid, marie_membership, luc, luc_gid, community, org_a, org_b }
}

async fn sees_secret(w: &World, token: &str) -> bool {
    let body = w.app.gql(Some(token), SECRET, json!({ "s": "securite-ti" })).await;
    !body["data"]["community"].is_null()
}

async fn ban_marie(w: &World) {
    let data = w.app.ok(Some(&w.david), ops::BAN, json!({ "id": w.marie_membership })).await;
    assert_eq!(data["banMember"]["membership"]["banned"], json!(true));
    assert!(!sees_secret(w, &w.marie).await, "a banned member no longer sees the community");
}

// ---- 1: a banned person back in as sponsor ----------------------------------------------

#[tokio::test]
async fn ties1_an_organization_admin_cannot_give_roles_to_another_organizations_people() {
    let w = world().await;
    ban_marie(&w).await;
    w.app.ok(Some(&w.admin), ops::ASSIGN_ROLE, json!({ "p": w.luc_gid, "s": w.org_b, "r": "ADMIN" })).await;

    // Luc (cisss-b administrator) tries to make Marie (cisss-a) a cisss-b manager.
    for role in ["MANAGER", "ADMIN", "MEMBER"] {
        let body =
            w.app.gql(Some(&w.luc), ops::ASSIGN_ROLE, json!({ "p": w.marie_gid, "s": w.org_b, "r": role })).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{role} of cisss-b given to a cisss-a person: {body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], json!("personId"), "{body}");
    }
    // So he cannot name her sponsor, and she stays out.
    let body =
        w.app.gql(Some(&w.luc), ops::SET_SPONSOR, json!({ "c": w.community, "o": w.org_b, "p": w.marie_gid })).await;
    assert!(body["errors"].is_array(), "{body}");
    assert!(!sees_secret(&w, &w.marie).await);
    // His own people he still manages.
    let bob = w.app.token("bob@cisss-b.example", Some("cisss-b"), false).await;
    let bob_gid = gid(&w.app, &bob).await;
    w.app.ok(Some(&w.luc), ops::ASSIGN_ROLE, json!({ "p": bob_gid, "s": w.org_b, "r": "MANAGER" })).await;
}

#[tokio::test]
async fn ties1_the_sponsor_must_be_a_manager_from_that_organization_and_not_banned() {
    let w = world().await;
    ban_marie(&w).await;
    // A network administrator may give Marie a role anywhere, but she is not a cisss-b
    // person: she cannot sponsor for cisss-b.
    w.app.ok(Some(&w.admin), ops::ASSIGN_ROLE, json!({ "p": w.marie_gid, "s": w.org_b, "r": "MANAGER" })).await;
    let body =
        w.app.gql(Some(&w.admin), ops::SET_SPONSOR, json!({ "c": w.community, "o": w.org_b, "p": w.marie_gid })).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "sponsor from another organization: {body}");
    // For her own organization (cisss-a, the founder's, takes part), a manager, but banned from the community: refused.
    w.app.ok(Some(&w.admin), ops::ASSIGN_ROLE, json!({ "p": w.marie_gid, "s": w.org_a, "r": "MANAGER" })).await;
    let body =
        w.app.gql(Some(&w.admin), ops::SET_SPONSOR, json!({ "c": w.community, "o": w.org_a, "p": w.marie_gid })).await;
    assert_eq!(error_code(&body), "CONFLICT", "a banned person named sponsor: {body}");
    assert!(!sees_secret(&w, &w.marie).await);
}

#[tokio::test]
async fn ties1_a_person_the_community_removed_cannot_be_named_its_sponsor() {
    let w = world().await;
    let data = w.app.ok(Some(&w.david), ops::REMOVE, json!({ "id": w.marie_membership })).await;
    assert_eq!(data["removeMember"]["membership"]["status"], json!("REMOVED"));
    w.app.ok(Some(&w.admin), ops::ASSIGN_ROLE, json!({ "p": w.marie_gid, "s": w.org_a, "r": "MANAGER" })).await;
    let body =
        w.app.gql(Some(&w.admin), ops::SET_SPONSOR, json!({ "c": w.community, "o": w.org_a, "p": w.marie_gid })).await;
    assert_eq!(error_code(&body), "CONFLICT", "a removed person named sponsor: {body}");
    assert!(!sees_secret(&w, &w.marie).await);
}

#[tokio::test]
async fn ties1_a_ban_wins_over_a_sponsor_tie() {
    let w = world().await;
    // Marie, a cisss-a manager, sponsors the community for cisss-a (named before her ban).
    w.app.ok(Some(&w.admin), ops::ASSIGN_ROLE, json!({ "p": w.marie_gid, "s": w.org_a, "r": "MANAGER" })).await;
    w.app.ok(Some(&w.admin), ops::SET_SPONSOR, json!({ "c": w.community, "o": w.org_a, "p": w.marie_gid })).await;
    ban_marie(&w).await;
    let body = w.app.gql(Some(&w.marie), ops::VIEWER_CAN, json!({ "s": "securite-ti" })).await;
    assert!(body["data"]["community"].is_null(), "{body}");
    let body = w.app.gql(Some(&w.marie), MEMBERSHIP_NODE, json!({ "id": w.marie_membership })).await;
    assert!(body["data"]["node"]["community"].is_null(), "{body}");
}

#[tokio::test]
async fn ties1_a_removal_wins_over_a_sponsor_tie_named_before_it() {
    // Second attack pass: a sponsor who was also a member, then removed (not banned),
    // kept reading the community, and what was posted after, through the sponsor tie.
    let w = world().await;
    w.app.ok(Some(&w.admin), ops::ASSIGN_ROLE, json!({ "p": w.marie_gid, "s": w.org_a, "r": "MANAGER" })).await;
    w.app.ok(Some(&w.admin), ops::SET_SPONSOR, json!({ "c": w.community, "o": w.org_a, "p": w.marie_gid })).await;
    let data = w.app.ok(Some(&w.david), ops::REMOVE, json!({ "id": w.marie_membership })).await;
    assert_eq!(data["removeMember"]["membership"]["status"], "REMOVED");
    fixtures::thread(&w.app, &w.david, &w.community, "Written after the removal").await;
    assert!(!sees_secret(&w, &w.marie).await, "a removed member reads nothing more through the sponsor tie");
    let check = "query($p: ID!, $s: ID!) { checkAccess(personId: $p, scopeId: $s, object: \"community\", action: \"read\") { allowed } }";
    let body = w.app.gql(Some(&w.marie), check, json!({ "p": w.marie_gid, "s": w.community })).await;
    assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
}

// ---- 2: the sponsor tie outlives the sponsor's roles ------------------------------------

#[tokio::test]
async fn ties2_the_sponsor_tie_ends_with_the_sponsors_manager_role() {
    let w = world().await;
    w.app.ok(Some(&w.admin), ops::ASSIGN_ROLE, json!({ "p": w.luc_gid, "s": w.org_b, "r": "MANAGER" })).await;
    w.app.ok(Some(&w.admin), ops::SET_SPONSOR, json!({ "c": w.community, "o": w.org_b, "p": w.luc_gid })).await;
    assert!(sees_secret(&w, &w.luc).await, "a sponsor reads the community");

    w.app.ok(Some(&w.admin), REVOKE_ROLE, json!({ "p": w.luc_gid, "s": w.org_b, "r": "MANAGER" })).await;
    w.app.ok(Some(&w.admin), REVOKE_ROLE, json!({ "p": w.luc_gid, "s": w.org_b, "r": "MEMBER" })).await;
    assert!(!sees_secret(&w, &w.luc).await, "no longer a manager: no longer a sponsor");
    let body = w.app.gql(Some(&w.luc), "{ communities { totalCount edges { node { slug } } } }", json!({})).await;
    assert_eq!(body["data"]["communities"]["totalCount"], json!(0), "{body}");
    let body = w.app.gql(Some(&w.luc), ops::VIEWER_CAN, json!({ "s": "securite-ti" })).await;
    assert!(body["data"]["community"].is_null(), "{body}");

    // Manager again: the tie counts again.
    w.app.ok(Some(&w.admin), ops::ASSIGN_ROLE, json!({ "p": w.luc_gid, "s": w.org_b, "r": "MANAGER" })).await;
    assert!(sees_secret(&w, &w.luc).await);
}

// ---- 3: members listed through node(Membership) and Person.memberships ------------------

#[tokio::test]
async fn ties3_an_invitee_does_not_list_members_through_other_paths() {
    let w = world().await;
    let david_gid = gid(&w.app, &w.david).await;
    let david_membership = w
        .app
        .ok(Some(&w.david), "query { community(slug: \"securite-ti\") { viewerMembership { id } } }", json!({}))
        .await["community"]["viewerMembership"]["id"]
        .clone();
    let ines = w.app.token("ines@cisss-a.example", Some("cisss-a"), false).await;
    let ines_id = fixtures::person_id(&w.app, &ines).await;
    setup::membership(
        &w.app,
        fixtures::db_id(&w.community),
        ines_id,
        CommunityRoles::default(),
        MembershipStatus::Invited,
    )
    .await;
    // The invitee sees the community but may not list its members.
    let body = w.app.gql(Some(&ines), SECRET, json!({ "s": "securite-ti" })).await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");

    let body = w.app.gql(Some(&ines), MEMBERSHIP_NODE, json!({ "id": david_membership })).await;
    assert!(body["data"]["node"].is_null(), "another's membership by id: {body}");
    let body = w.app.gql(Some(&ines), PERSON_MEMBERSHIPS, json!({ "id": david_gid })).await;
    assert_eq!(body["data"]["node"]["memberships"]["edges"], json!([]), "another's memberships: {body}");
    // Her own invitation she still sees.
    let own = w.app.ok(Some(&ines), "{ me { memberships { edges { node { id status } } } } }", json!({})).await;
    assert_eq!(own["me"]["memberships"]["edges"][0]["node"]["status"], json!("INVITED"), "{own}");
    let own_id = own["me"]["memberships"]["edges"][0]["node"]["id"].clone();
    let body = w.app.gql(Some(&ines), MEMBERSHIP_NODE, json!({ "id": own_id })).await;
    assert!(body["data"]["node"].is_object(), "{body}");
    // A member still sees them.
    let body = w.app.gql(Some(&w.marie), MEMBERSHIP_NODE, json!({ "id": david_membership })).await;
    assert_eq!(body["data"]["node"]["community"]["slug"], json!("securite-ti"), "{body}");
}

#[tokio::test]
async fn ties3_a_communitys_deny_of_list_members_holds_on_every_path() {
    let w = world().await;
    let david_gid = gid(&w.app, &w.david).await;
    let david_membership = w
        .app
        .ok(Some(&w.david), "query { community(slug: \"securite-ti\") { viewerMembership { id } } }", json!({}))
        .await["community"]["viewerMembership"]["id"]
        .clone();
    w.app
        .ok(
            Some(&w.david),
            ops::GRANT,
            json!({ "role": "community:MEMBER", "s": w.community, "o": "community", "a": "list_members", "e": "DENY" }),
        )
        .await;
    let body = w.app.gql(Some(&w.marie), SECRET, json!({ "s": "securite-ti" })).await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    let body = w.app.gql(Some(&w.marie), MEMBERSHIP_NODE, json!({ "id": david_membership })).await;
    assert!(body["data"]["node"].is_null(), "another's membership by id: {body}");
    let body = w.app.gql(Some(&w.marie), PERSON_MEMBERSHIPS, json!({ "id": david_gid })).await;
    assert_eq!(body["data"]["node"]["memberships"]["edges"], json!([]), "another's memberships: {body}");
    // Her own membership she still sees.
    let body = w.app.gql(Some(&w.marie), MEMBERSHIP_NODE, json!({ "id": w.marie_membership })).await;
    assert_eq!(body["data"]["node"]["community"]["slug"], json!("securite-ti"), "{body}");
}

//! Regression tests for the security review of 2026-12-01 (issue 9), memberships and
//! people: H2 (community takeover through invitations, bans and demotions), M1 (former
//! members reading a secret community through relations), M3 (two-key approval given by
//! one person or by the requester) and M4 (the person directory and e-mails). Each test
//! drives the real server over HTTP as the reviewer did.

use entity::enums::{CommunityRole, CommunityRoles, MembershipStatus};
use harness::{TestApp, error_code, error_field, fixtures, ops, setup};
use serde_json::{Value, json};

const VIEWER_MEMBERSHIP: &str = "query($s: String!) { community(slug: $s) { viewerMembership { id roles status } viewerCan { update assignRoles managePolicy } } }";
const INVITE_AS: &str = "mutation($c: ID!, $p: ID!, $roles: [CommunityRole!]!) { inviteToCommunity(input: { communityId: $c, personId: $p, roles: $roles }) { membership { id status roles } } }";
const DECIDE_KEY: &str = "mutation($id: ID!, $ok: Boolean!, $key: ApprovalKey) { decideMembership(input: { membershipId: $id, approve: $ok, key: $key }) { membership { id status pendingApprovals } } }";
const PERSON: &str = "query($id: ID!) { node(id: $id) { ... on Person { displayName jobTitle email } } }";

struct World {
    app: TestApp,
    admin: String,
    /// Founder of every community created by [`community`].
    founder: String,
}

async fn world() -> World {
    let app = TestApp::spawn().await;
    let admin = app.token("admin@network.example", None, true).await;
    for org in ["cisss-a", "cisss-b"] {
        fixtures::organization(&app, &admin, org).await;
    }
    let founder = app.token("marie@cisss-a.example", Some("cisss-a"), false).await;
    World { app, admin, founder }
}

async fn community(w: &World, slug: &str, input: Value) -> Value {
    let mut input = input;
    input["slug"] = json!(slug);
    input["name"] = json!(format!("Community {slug}"));
    let data = w
        .app
        .ok(
            Some(&w.founder),
            "mutation($input: CreateCommunityInput!) { createCommunity(input: $input) { community { id } } }",
            json!({ "input": input }),
        )
        .await;
    data["createCommunity"]["community"]["id"].clone()
}

async fn gid(app: &TestApp, token: &str) -> Value {
    app.ok(Some(token), "{ me { id } }", json!({})).await["me"]["id"].clone()
}

async fn own_membership(app: &TestApp, token: &str, slug: &str) -> Value {
    app.ok(Some(token), VIEWER_MEMBERSHIP, json!({ "s": slug })).await["community"].clone()
}

/// A member with these roles, added directly; returns (token, membership global id).
async fn member(w: &World, slug: &str, community: &Value, email: &str, roles: &[CommunityRole]) -> (String, Value) {
    let token = w.app.token(email, Some("cisss-a"), false).await;
    let id = fixtures::person_id(&w.app, &token).await;
    fixtures::add_member(&w.app, community, id, roles).await;
    let m = own_membership(&w.app, &token, slug).await["viewerMembership"]["id"].clone();
    (token, m)
}

// ---- H2: community takeover -----------------------------------------------------------

#[tokio::test]
async fn h2_animator_cannot_invite_someone_as_founder_or_administrator() {
    let w = world().await;
    let c = community(&w, "aces", json!({ "visibility": "MEMBERS", "membershipPolicy": "INVITATION" })).await;
    let (amelie, _) = member(&w, "aces", &c, "amelie@cisss-a.example", &[CommunityRole::Animator]).await;
    let outsider = w.app.token("outsider@nowhere.example", None, false).await;
    let outsider_id = gid(&w.app, &outsider).await;

    for roles in [json!(["FOUNDER", "ADMINISTRATOR"]), json!(["ADMINISTRATOR"]), json!(["ANIMATOR"])] {
        let body = w.app.gql(Some(&amelie), INVITE_AS, json!({ "c": c, "p": outsider_id, "roles": roles })).await;
        assert_eq!(error_code(&body), "FORBIDDEN", "an animator invited as {roles}: {body}");
    }
    // An ordinary invitation still works.
    let data = w.app.ok(Some(&amelie), INVITE_AS, json!({ "c": c, "p": outsider_id, "roles": ["MEMBER"] })).await;
    assert_eq!(data["inviteToCommunity"]["membership"]["roles"], json!(["MEMBER"]));
    let accepted =
        w.app.ok(Some(&outsider), ops::ACCEPT, json!({ "id": data["inviteToCommunity"]["membership"]["id"] })).await;
    assert_eq!(accepted["acceptInvitation"]["membership"]["roles"], json!(["MEMBER"]));
    let can = own_membership(&w.app, &outsider, "aces").await["viewerCan"].clone();
    assert_eq!(can, json!({ "update": false, "assignRoles": false, "managePolicy": false }));

    // The founder may invite an administrator (a role they may assign directly)…
    let second = w.app.token("second@cisss-b.example", Some("cisss-b"), false).await;
    let second_id = gid(&w.app, &second).await;
    let data =
        w.app.ok(Some(&w.founder), INVITE_AS, json!({ "c": c, "p": second_id, "roles": ["ADMINISTRATOR"] })).await;
    assert_eq!(data["inviteToCommunity"]["membership"]["roles"], json!(["ADMINISTRATOR"]));
    // … but an administrator may not invite a founder (a rank above their own).
    let third = w.app.token("third@cisss-b.example", Some("cisss-b"), false).await;
    let third_id = gid(&w.app, &third).await;
    w.app.ok(Some(&second), ops::ACCEPT, json!({ "id": data["inviteToCommunity"]["membership"]["id"] })).await;
    let body = w.app.gql(Some(&second), INVITE_AS, json!({ "c": c, "p": third_id, "roles": ["FOUNDER"] })).await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
}

#[tokio::test]
async fn h2_nobody_removes_bans_or_demotes_someone_who_outranks_them() {
    let w = world().await;
    let c = community(&w, "securite", json!({ "visibility": "MEMBERS", "membershipPolicy": "INVITATION" })).await;
    let founder_membership = own_membership(&w.app, &w.founder, "securite").await["viewerMembership"]["id"].clone();
    let (david, _) = member(&w, "securite", &c, "david@cisss-a.example", &[CommunityRole::Animator]).await;
    let (admin2, _) = member(&w, "securite", &c, "admin2@cisss-a.example", &[CommunityRole::Administrator]).await;
    let (_, plain) = member(&w, "securite", &c, "plain@cisss-a.example", &[CommunityRole::Member]).await;

    // The review's ban: an animator bans the founder.
    let body = w.app.gql(Some(&david), ops::BAN, json!({ "id": founder_membership })).await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    let body = w.app.gql(Some(&david), ops::REMOVE, json!({ "id": founder_membership })).await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    // An administrator may not demote, remove or ban the founder either.
    let body = w.app.gql(Some(&admin2), ops::ASSIGN, json!({ "id": founder_membership, "roles": ["MEMBER"] })).await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    let body = w.app.gql(Some(&admin2), ops::BAN, json!({ "id": founder_membership })).await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    // Nor make anyone a founder (a role they could not hold).
    let body = w.app.gql(Some(&admin2), ops::ASSIGN, json!({ "id": plain, "roles": ["FOUNDER"] })).await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    // The founder is untouched and still administers the community.
    let mine = own_membership(&w.app, &w.founder, "securite").await;
    assert_eq!(mine["viewerMembership"]["status"], "ACTIVE");
    assert_eq!(mine["viewerMembership"]["roles"], json!(["FOUNDER", "ANIMATOR"]));
    assert_eq!(mine["viewerCan"]["update"], true);
    assert_eq!(mine["viewerCan"]["managePolicy"], true);

    // Acting on equals and lower ranks still works: the animator bans a member.
    let data = w.app.ok(Some(&david), ops::BAN, json!({ "id": plain })).await;
    assert_eq!(data["banMember"]["membership"]["banned"], true);
}

#[tokio::test]
async fn h2_the_last_founder_or_administrator_cannot_go() {
    let w = world().await;
    community(&w, "solo", json!({ "visibility": "NETWORK", "membershipPolicy": "OPEN" })).await;
    let c = own_membership(&w.app, &w.founder, "solo").await;
    let founder_membership = c["viewerMembership"]["id"].clone();
    let community_id =
        w.app.ok(Some(&w.founder), "{ community(slug: \"solo\") { id } }", json!({})).await["community"]["id"].clone();

    let body = w.app.gql(Some(&w.founder), ops::LEAVE, json!({ "id": community_id })).await;
    assert_eq!(error_code(&body), "CONFLICT", "{body}");
    let body = w.app.gql(Some(&w.founder), ops::ASSIGN, json!({ "id": founder_membership, "roles": ["MEMBER"] })).await;
    assert_eq!(error_code(&body), "CONFLICT", "{body}");
    // Even a network administrator may not leave the community without an administrator.
    for op in [ops::REMOVE, ops::BAN] {
        let body = w.app.gql(Some(&w.admin), op, json!({ "id": founder_membership })).await;
        assert_eq!(error_code(&body), "CONFLICT", "{body}");
    }
    // Once a second administrator exists, the founder may step down.
    let (_, _) = member(&w, "solo", &community_id, "heir@cisss-a.example", &[CommunityRole::Administrator]).await;
    let data = w.app.ok(Some(&w.founder), ops::LEAVE, json!({ "id": community_id })).await;
    assert_eq!(data["leaveCommunity"]["membership"]["status"], "LEFT");
}

// ---- M1: relations lead only to communities the viewer may see -------------------------

#[tokio::test]
async fn m1_banned_removed_and_departed_members_no_longer_read_the_secret_community() {
    let w = world().await;
    let c = community(&w, "secret", json!({ "visibility": "MEMBERS", "membershipPolicy": "INVITATION" })).await;
    let cid = fixtures::db_id(&c);
    let (_, _) = member(&w, "secret", &c, "colleague@cisss-a.example", &[CommunityRole::Member]).await;
    let org_b = fixtures::db_id(
        &w.app.ok(None, "{ organization(slug: \"cisss-b\") { id } }", json!({})).await["organization"]["id"],
    );
    let luc = w.app.token("luc@cisss-b.example", Some("cisss-b"), false).await;
    setup::participation(&w.app, cid, org_b, Some(fixtures::person_id(&w.app, &luc).await)).await;
    let thread = fixtures::thread(&w.app, &w.founder, &c, "Incident response").await;

    let leak = "{ me { memberships { edges { node { id status banned community { slug name description \
        members { totalCount edges { node { roles person { displayName email } } } } \
        organizations { edges { node { organization { slug } sponsor { displayName email } } } } } } } } } }";
    for (how, email) in
        [("ban", "marie2@cisss-a.example"), ("remove", "rita@cisss-a.example"), ("leave", "leo@cisss-a.example")]
    {
        let (token, membership) = member(&w, "secret", &c, email, &[CommunityRole::Member]).await;
        // While a member, the relation shows the community.
        let data = w.app.ok(Some(&token), leak, json!({})).await;
        assert_eq!(data["me"]["memberships"]["edges"][0]["node"]["community"]["slug"], "secret");
        match how {
            "ban" => drop(w.app.ok(Some(&w.founder), ops::BAN, json!({ "id": membership })).await),
            "remove" => drop(w.app.ok(Some(&w.founder), ops::REMOVE, json!({ "id": membership })).await),
            _ => drop(w.app.ok(Some(&token), ops::LEAVE, json!({ "id": c })).await),
        }
        let body = w.app.gql(Some(&token), leak, json!({})).await;
        let text = body.to_string();
        for secret in ["Community secret", "colleague@", "luc@", "marie@", "A community"] {
            assert!(!text.contains(secret), "after {how}, {secret} leaked: {text}");
        }
        let node = &body["data"]["me"]["memberships"]["edges"][0]["node"];
        assert_eq!(node["id"], membership, "{how}: the person still sees their own membership: {body}");
        assert!(node["community"].is_null(), "after {how}: {body}");
        // node(id:) on the membership, and community(slug:), agree.
        let body = w
            .app
            .gql(
                Some(&token),
                "query($id: ID!) { node(id: $id) { ... on Membership { community { slug } } } }",
                json!({ "id": membership }),
            )
            .await;
        assert!(body["data"]["node"]["community"].is_null(), "after {how}: {body}");
        let body = w.app.gql(Some(&token), "{ community(slug: \"secret\") { id } }", json!({})).await;
        assert_eq!(error_code(&body), "NOT_FOUND", "after {how}: {body}");
        let body = w
            .app
            .gql(
                Some(&token),
                "query($id: ID!) { node(id: $id) { ... on Thread { title community { slug } } } }",
                json!({ "id": thread }),
            )
            .await;
        assert_eq!(error_code(&body), "NOT_FOUND", "after {how}: {body}");
    }
}

#[tokio::test]
async fn m1_list_members_needs_a_tie_or_the_right_to_view() {
    let w = world().await;
    let c = community(&w, "hidden", json!({ "visibility": "MEMBERS", "membershipPolicy": "INVITATION" })).await;
    let bob = w.app.token("bob@cisss-b.example", Some("cisss-b"), false).await;
    let bob_id = gid(&w.app, &bob).await;
    // The policy itself says a stranger may not list the members of a secret community.
    let check = "query($p: ID!, $s: ID!) { checkAccess(personId: $p, scopeId: $s, object: \"community\", action: \"list_members\") { allowed } }";
    let body = w.app.gql(Some(&w.admin), check, json!({ "p": bob_id, "s": c })).await;
    assert_eq!(body["data"]["checkAccess"]["allowed"], false, "{body}");
    let founder_id = gid(&w.app, &w.founder).await;
    let body = w.app.gql(Some(&w.admin), check, json!({ "p": founder_id, "s": c })).await;
    assert_eq!(body["data"]["checkAccess"]["allowed"], true, "{body}");
}

// ---- M3: two keys, two people, never one's own --------------------------------------------

struct TwoKeys {
    w: World,
    community: Value,
    slug: &'static str,
    org_b: i32,
}

async fn two_keys() -> TwoKeys {
    let w = world().await;
    let slug = "two-keys";
    let c = community(
        &w,
        slug,
        json!({ "visibility": "NETWORK", "membershipPolicy": "APPROVAL", "sponsorApprovalRequired": true }),
    )
    .await;
    let org_b = fixtures::db_id(
        &w.app.ok(None, "{ organization(slug: \"cisss-b\") { id } }", json!({})).await["organization"]["id"],
    );
    TwoKeys { w, community: c, slug, org_b }
}

#[tokio::test]
async fn m3_a_sponsor_cannot_approve_their_own_request() {
    let t = two_keys().await;
    let luc = t.w.app.token("luc@cisss-b.example", Some("cisss-b"), false).await;
    setup::participation(
        &t.w.app,
        fixtures::db_id(&t.community),
        t.org_b,
        Some(fixtures::person_id(&t.w.app, &luc).await),
    )
    .await;
    let data = t.w.app.ok(Some(&luc), ops::JOIN, json!({ "id": t.community })).await;
    let m = data["joinCommunity"]["membership"].clone();
    assert_eq!(m["pendingApprovals"], json!(["ANIMATOR", "SPONSOR"]));
    for key in [json!(null), json!("SPONSOR")] {
        let body = t.w.app.gql(Some(&luc), DECIDE_KEY, json!({ "id": m["id"], "ok": true, "key": key })).await;
        assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    }
    let mine = own_membership(&t.w.app, &luc, t.slug).await;
    assert_eq!(mine["viewerMembership"]["status"], "PENDING");
    let pending =
        t.w.app
            .ok(
                Some(&luc),
                "query($id: ID!) { node(id: $id) { ... on Membership { pendingApprovals } } }",
                json!({ "id": m["id"] }),
            )
            .await;
    assert_eq!(pending["node"]["pendingApprovals"], json!(["ANIMATOR", "SPONSOR"]));
}

#[tokio::test]
async fn m3_one_call_gives_one_key_and_the_two_keys_need_two_people() {
    let t = two_keys().await;
    let cid = fixtures::db_id(&t.community);
    // François animates the community and sponsors it for cisss-b.
    let francois = t.w.app.token("francois@cisss-b.example", Some("cisss-b"), false).await;
    let francois_id = fixtures::person_id(&t.w.app, &francois).await;
    setup::membership(
        &t.w.app,
        cid,
        francois_id,
        [CommunityRole::Animator].into_iter().collect::<CommunityRoles>(),
        MembershipStatus::Active,
    )
    .await;
    setup::participation(&t.w.app, cid, t.org_b, Some(francois_id)).await;
    let worker = t.w.app.token("worker@cisss-b.example", Some("cisss-b"), false).await;
    let data = t.w.app.ok(Some(&worker), ops::JOIN, json!({ "id": t.community })).await;
    let id = data["joinCommunity"]["membership"]["id"].clone();

    // Able to give either key, he must say which.
    let body = t.w.app.gql(Some(&francois), ops::DECIDE, json!({ "id": id, "ok": true })).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(error_field(&body), "key", "{body}");
    // One call, one key.
    let data = t.w.app.ok(Some(&francois), DECIDE_KEY, json!({ "id": id, "ok": true, "key": "ANIMATOR" })).await;
    assert_eq!(data["decideMembership"]["membership"]["status"], "PENDING");
    assert_eq!(data["decideMembership"]["membership"]["pendingApprovals"], json!(["SPONSOR"]));
    // The second key must come from someone else.
    let body = t.w.app.gql(Some(&francois), DECIDE_KEY, json!({ "id": id, "ok": true, "key": "SPONSOR" })).await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    let body = t.w.app.gql(Some(&francois), ops::DECIDE, json!({ "id": id, "ok": true })).await;
    assert!(body["errors"].is_array(), "{body}");
    let state =
        t.w.app
            .ok(
                Some(&worker),
                "query($id: ID!) { node(id: $id) { ... on Membership { status pendingApprovals } } }",
                json!({ "id": id }),
            )
            .await;
    assert_eq!(state["node"], json!({ "status": "PENDING", "pendingApprovals": ["SPONSOR"] }));

    // A key the caller cannot give is refused.
    let body = t.w.app.gql(Some(&t.w.founder), DECIDE_KEY, json!({ "id": id, "ok": true, "key": "SPONSOR" })).await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");

    // Another sponsor of cisss-b gives the second key: active.
    let sam = t.w.app.token("sam@cisss-b.example", Some("cisss-b"), false).await;
    let sam_id = fixtures::person_id(&t.w.app, &sam).await;
    setup::manager(&t.w.app, t.org_b, sam_id).await;
    sea_orm::ConnectionTrait::execute_unprepared(
        &t.w.app.db,
        &format!("UPDATE community_organization SET sponsor_id = {sam_id} WHERE community_id = {cid}"),
    )
    .await
    .expect("change the sponsor");
    let data = t.w.app.ok(Some(&sam), DECIDE_KEY, json!({ "id": id, "ok": true, "key": "SPONSOR" })).await;
    assert_eq!(data["decideMembership"]["membership"]["status"], "ACTIVE");
    assert_eq!(data["decideMembership"]["membership"]["pendingApprovals"], json!([]));
    let keys = t
        .w
        .app
        .ok(
            Some(&worker),
            "query($id: ID!) { node(id: $id) { ... on Membership { animatorKeyGivenBy { displayName } sponsorKeyGivenBy { displayName } } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        keys["node"],
        json!({ "animatorKeyGivenBy": { "displayName": "francois" }, "sponsorKeyGivenBy": { "displayName": "sam" } })
    );
}

#[tokio::test]
async fn m3_an_animator_cannot_decide_their_own_membership() {
    let t = two_keys().await;
    let cid = fixtures::db_id(&t.community);
    let anna = t.w.app.token("anna@cisss-a.example", Some("cisss-a"), false).await;
    let anna_id = fixtures::person_id(&t.w.app, &anna).await;
    // A pending membership that carries the animator role (e.g. set up before the fix).
    setup::membership(
        &t.w.app,
        cid,
        anna_id,
        [CommunityRole::Animator].into_iter().collect::<CommunityRoles>(),
        MembershipStatus::Pending,
    )
    .await;
    let id = own_membership(&t.w.app, &anna, t.slug).await["viewerMembership"]["id"].clone();
    let body = t.w.app.gql(Some(&anna), DECIDE_KEY, json!({ "id": id, "ok": true, "key": "ANIMATOR" })).await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
}

// ---- M4: people and e-mails --------------------------------------------------------------

#[tokio::test]
async fn m4_anonymous_callers_cannot_read_people() {
    let w = world().await;
    let bob = w.app.token("bob@cisss-b.example", Some("cisss-b"), false).await;
    let bob_id = gid(&w.app, &bob).await;
    let body = w.app.gql(None, PERSON, json!({ "id": bob_id })).await;
    assert!(body["data"]["node"].is_null(), "{body}");
    assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
    assert!(!body.to_string().contains("bob"), "{body}");

    // Nor through a public community's sponsors.
    let c = community(&w, "open-door", json!({ "visibility": "PUBLIC", "membershipPolicy": "OPEN" })).await;
    let org_b = fixtures::db_id(
        &w.app.ok(None, "{ organization(slug: \"cisss-b\") { id } }", json!({})).await["organization"]["id"],
    );
    setup::participation(&w.app, fixtures::db_id(&c), org_b, Some(fixtures::person_id(&w.app, &bob).await)).await;
    let q = "{ community(slug: \"open-door\") { organizations { edges { node { sponsor { displayName email } } } } } }";
    let body = w.app.gql(None, q, json!({})).await;
    assert!(!body.to_string().contains("bob"), "{body}");
    // A logged-in person still sees the sponsor's name.
    let other = w.app.token("other@cisss-a.example", Some("cisss-a"), false).await;
    let data = w.app.ok(Some(&other), q, json!({})).await;
    let sponsors: Vec<_> = data["community"]["organizations"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .filter_map(|e| e["node"]["sponsor"]["displayName"].as_str())
        .collect();
    assert_eq!(sponsors, ["bob"], "{data}");
}

#[tokio::test]
async fn m4_emails_only_to_oneself_colleagues_co_members_and_administrators() {
    let w = world().await;
    let ana = w.app.token("ana@cisss-a.example", Some("cisss-a"), false).await;
    let bob = w.app.token("bob@cisss-b.example", Some("cisss-b"), false).await;
    let carl = w.app.token("carl@cisss-b.example", Some("cisss-b"), false).await;
    let loner = w.app.token("loner@nowhere.example", None, false).await;
    let (ana_id, bob_id) = (gid(&w.app, &ana).await, gid(&w.app, &bob).await);
    let email_of = |token: String, id: Value| {
        let app = &w.app;
        async move { app.ok(Some(&token), PERSON, json!({ "id": id })).await["node"]["email"].clone() }
    };
    // Oneself.
    assert_eq!(email_of(ana.clone(), ana_id.clone()).await, "ana@cisss-a.example");
    // A stranger: the name, not the e-mail.
    assert_eq!(email_of(bob.clone(), ana_id.clone()).await, Value::Null);
    assert_eq!(email_of(loner.clone(), ana_id.clone()).await, Value::Null);
    assert_eq!(email_of(loner.clone(), bob_id.clone()).await, Value::Null);
    // A colleague of the same organization.
    assert_eq!(email_of(carl.clone(), bob_id.clone()).await, "bob@cisss-b.example");
    // A network administrator.
    assert_eq!(email_of(w.admin.clone(), bob_id.clone()).await, "bob@cisss-b.example");
    // Co-members of an active community see each other's e-mails; a former member does not.
    let c = community(&w, "shared", json!({ "visibility": "NETWORK", "membershipPolicy": "OPEN" })).await;
    w.app.ok(Some(&ana), ops::JOIN, json!({ "id": c })).await;
    w.app.ok(Some(&bob), ops::JOIN, json!({ "id": c })).await;
    assert_eq!(email_of(bob.clone(), ana_id.clone()).await, "ana@cisss-a.example");
    assert_eq!(email_of(ana.clone(), bob_id.clone()).await, "bob@cisss-b.example");
    w.app.ok(Some(&bob), ops::LEAVE, json!({ "id": c })).await;
    assert_eq!(email_of(bob.clone(), ana_id.clone()).await, Value::Null);
    // The same rule in lists: members of the community as the loner sees them.
    let q = "{ community(slug: \"shared\") { members { edges { node { person { displayName email } } } } } }";
    let data = w.app.ok(Some(&loner), q, json!({})).await;
    let text = data.to_string();
    assert!(text.contains("\"displayName\":\"ana\""), "{text}");
    assert!(!text.contains('@'), "{text}");
}

#[tokio::test]
async fn m4_emails_are_decided_in_batches_not_per_person() {
    let w = world().await;
    let c = community(&w, "crowd", json!({ "visibility": "NETWORK", "membershipPolicy": "OPEN" })).await;
    let viewer = w.app.token("viewer@cisss-b.example", Some("cisss-b"), false).await;
    let q = "{ community(slug: \"crowd\") { members(first: 50) { edges { node { person { displayName email } } } } } }";
    let statements = |count: usize| {
        let (app, viewer) = (&w.app, viewer.clone());
        async move {
            app.reset_statements();
            let data = app.ok(Some(&viewer), q, json!({})).await;
            assert_eq!(data["community"]["members"]["edges"].as_array().map(Vec::len), Some(count));
            app.statements()
        }
    };
    for i in 0..2 {
        let token = w.app.token(&format!("few{i}@cisss-a.example"), Some("cisss-a"), false).await;
        w.app.ok(Some(&token), ops::JOIN, json!({ "id": c })).await;
    }
    let few = statements(3).await;
    for i in 0..12 {
        let org = if i % 2 == 0 { "cisss-a" } else { "cisss-b" };
        let token = w.app.token(&format!("many{i}@{org}.example"), Some(org), false).await;
        w.app.ok(Some(&token), ops::JOIN, json!({ "id": c })).await;
    }
    let many = statements(15).await;
    // DataLoader batches may split across its batching window under load; an N+1 would
    // add twelve statements or more.
    assert!(many <= few + 2, "{few} statements for 3 members, {many} for 15");
}

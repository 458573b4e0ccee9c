//! Membership flows through the API: joining open and closed communities, invitations,
//! two-key approval with the sponsor of the requester's own organization, eligibility,
//! participating organizations, bans, roles and subgroups. Each change is audited.

use entity::enums::CommunityRole;
use harness::{TestApp, error_code, error_field, fixtures, ops};
use serde_json::{Value, json};

struct Network {
    app: TestApp,
    admin: String,
    animator: String,
}

async fn network() -> Network {
    let app = TestApp::spawn().await;
    let admin = app.token("admin@network.example", None, true).await;
    for org in ["cisss-a", "cisss-b"] {
        fixtures::organization(&app, &admin, org).await;
    }
    let animator = app.token("anna@cisss-a.example", Some("cisss-a"), false).await;
    Network { app, admin, animator }
}

async fn community(n: &Network, slug: &str, input: Value) -> Value {
    let mut input = input;
    input["slug"] = json!(slug);
    input["name"] = json!(format!("Community {slug}"));
    let data = n
        .app
        .ok(
            Some(&n.animator),
            "mutation($input: CreateCommunityInput!) { createCommunity(input: $input) { community { id } } }",
            json!({ "input": input }),
        )
        .await;
    data["createCommunity"]["community"]["id"].clone()
}

async fn org_id(app: &TestApp, slug: &str) -> Value {
    app.ok(None, "query($s: String!) { organization(slug: $s) { id } }", json!({ "s": slug })).await["organization"]["id"].clone()
}

async fn person_gid(app: &TestApp, token: &str) -> Value {
    app.ok(Some(token), "{ me { id } }", json!({})).await["me"]["id"].clone()
}

fn membership(data: &Value, op: &str) -> Value {
    data[op]["membership"].clone()
}

#[tokio::test]
async fn open_community_join_is_immediate() {
    let n = network().await;
    let id = community(&n, "privacy", json!({ "visibility": "NETWORK", "membershipPolicy": "OPEN" })).await;
    let bob = n.app.token("bob@cisss-b.example", Some("cisss-b"), false).await;
    let data = n.app.ok(Some(&bob), ops::JOIN, json!({ "id": id })).await;
    let m = membership(&data, "joinCommunity");
    assert_eq!(m["status"], "ACTIVE");
    assert_eq!(m["roles"], json!(["MEMBER"]));
    let again = n.app.gql(Some(&bob), ops::JOIN, json!({ "id": id })).await;
    assert_eq!(error_code(&again), "CONFLICT");
    let can = n.app.ok(Some(&bob), ops::VIEWER_CAN, json!({ "s": "privacy" })).await;
    assert_eq!(can["community"]["viewerCan"]["post"], true);
    assert_eq!(can["community"]["viewerCan"]["join"], false, "already a member");
    assert_eq!(n.app.count_rows("audit_event WHERE action = 'membership.join'").await, 1);
}

#[tokio::test]
async fn approval_community_requests_wait_for_an_animator() {
    let n = network().await;
    let id = community(&n, "outreach", json!({ "visibility": "NETWORK", "membershipPolicy": "APPROVAL" })).await;
    let bob = n.app.token("bob@cisss-b.example", Some("cisss-b"), false).await;
    let can = n.app.ok(Some(&bob), ops::VIEWER_CAN, json!({ "s": "outreach" })).await;
    assert_eq!(
        (can["community"]["viewerCan"]["join"].clone(), can["community"]["viewerCan"]["requestToJoin"].clone()),
        (json!(false), json!(true))
    );
    let m = membership(&n.app.ok(Some(&bob), ops::JOIN, json!({ "id": id })).await, "joinCommunity");
    assert_eq!(m["status"], "PENDING");
    assert_eq!(m["pendingApprovals"], json!(["ANIMATOR"]));

    // A pending applicant cannot read yet; another member cannot decide.
    let body = n.app.gql(Some(&bob), r#"{ community(slug: "outreach") { threads { totalCount } } }"#, json!({})).await;
    assert_eq!(error_code(&body), "FORBIDDEN");
    let carl = n.app.token("carl@cisss-a.example", Some("cisss-a"), false).await;
    fixtures::add_member(&n.app, &id, fixtures::person_id(&n.app, &carl).await, &[CommunityRole::Member]).await;
    let body = n.app.gql(Some(&carl), ops::DECIDE, json!({ "id": m["id"], "ok": true })).await;
    assert_eq!(error_code(&body), "FORBIDDEN");

    let decided = membership(
        &n.app.ok(Some(&n.animator), ops::DECIDE, json!({ "id": m["id"], "ok": true })).await,
        "decideMembership",
    );
    assert_eq!(decided["status"], "ACTIVE");
    assert_eq!(decided["pendingApprovals"], json!([]));
    n.app.ok(Some(&bob), r#"{ community(slug: "outreach") { threads { totalCount } } }"#, json!({})).await;
}

#[tokio::test]
async fn invitation_only_communities_refuse_joins_and_take_invitations() {
    let n = network().await;
    let id = community(&n, "it-security", json!({ "visibility": "MEMBERS", "membershipPolicy": "INVITATION" })).await;
    let bob = n.app.token("bob@cisss-b.example", Some("cisss-b"), false).await;
    let eve = n.app.token("eve@cisss-b.example", Some("cisss-b"), false).await;
    // A secret community: Bob cannot even find it to ask.
    let body = n.app.gql(Some(&bob), ops::JOIN, json!({ "id": id })).await;
    assert_eq!(error_code(&body), "NOT_FOUND");

    let open_invite =
        community(&n, "by-invitation", json!({ "visibility": "NETWORK", "membershipPolicy": "INVITATION" })).await;
    let body = n.app.gql(Some(&bob), ops::JOIN, json!({ "id": open_invite })).await;
    assert_eq!(error_code(&body), "FORBIDDEN");
    assert!(body["errors"][0]["message"].as_str().unwrap_or("").contains("invitation"));

    let invited = membership(
        &n.app.ok(Some(&n.animator), ops::INVITE, json!({ "c": id, "p": person_gid(&n.app, &bob).await })).await,
        "inviteToCommunity",
    );
    assert_eq!(invited["status"], "INVITED");
    // Invited, Bob now sees the secret community.
    n.app
        .ok(Some(&bob), r#"{ community(slug: "it-security") { id viewerCan { respondToInvitation } } }"#, json!({}))
        .await;
    let body = n.app.gql(Some(&eve), ops::ACCEPT, json!({ "id": invited["id"] })).await;
    assert_eq!(error_code(&body), "NOT_FOUND", "only the invitee can answer");
    let accepted =
        membership(&n.app.ok(Some(&bob), ops::ACCEPT, json!({ "id": invited["id"] })).await, "acceptInvitation");
    assert_eq!(accepted["status"], "ACTIVE");

    let eve_invite = membership(
        &n.app.ok(Some(&n.animator), ops::INVITE, json!({ "c": id, "p": person_gid(&n.app, &eve).await })).await,
        "inviteToCommunity",
    );
    let declined = n.app.ok(Some(&eve), ops::DECLINE, json!({ "id": eve_invite["id"] })).await;
    assert_eq!(declined["declineInvitation"]["membership"]["status"], "DENIED");
    let body = n.app.gql(Some(&eve), r#"{ community(slug: "it-security") { id } }"#, json!({})).await;
    assert_eq!(error_code(&body), "NOT_FOUND", "declined: the secret community is hidden again");
}

#[tokio::test]
async fn two_key_approval_needs_the_sponsor_of_the_requesters_own_organization() {
    let n = network().await;
    let id = community(
        &n,
        "palliative",
        json!({ "visibility": "NETWORK", "membershipPolicy": "APPROVAL", "sponsorApprovalRequired": true, "openToAllOrganizations": false }),
    )
    .await;
    let (org_a, org_b) = (org_id(&n.app, "cisss-a").await, org_id(&n.app, "cisss-b").await);
    n.app.ok(Some(&n.animator), ops::ADD_ORG, json!({ "c": id, "o": org_b })).await;

    // Sponsors: managers named by a network administrator.
    let sam = n.app.token("sam@cisss-b.example", Some("cisss-b"), false).await;
    let sue = n.app.token("sue@cisss-a.example", Some("cisss-a"), false).await;
    let (sam_id, sue_id) = (person_gid(&n.app, &sam).await, person_gid(&n.app, &sue).await);
    let body = n.app.gql(Some(&n.admin), ops::SET_SPONSOR, json!({ "c": id, "o": org_b, "p": sam_id })).await;
    assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", "personId"), "not a manager yet");
    n.app.ok(Some(&n.admin), ops::ASSIGN_ROLE, json!({ "p": sam_id, "s": org_b, "r": "MANAGER" })).await;
    n.app.ok(Some(&n.admin), ops::ASSIGN_ROLE, json!({ "p": sue_id, "s": org_a, "r": "MANAGER" })).await;
    let body = n.app.gql(Some(&n.animator), ops::SET_SPONSOR, json!({ "c": id, "o": org_b, "p": sam_id })).await;
    assert_eq!(error_code(&body), "FORBIDDEN", "only that organization's admins or network admins name sponsors");
    let named = n.app.ok(Some(&n.admin), ops::SET_SPONSOR, json!({ "c": id, "o": org_b, "p": sam_id })).await;
    assert_eq!(named["setCommunitySponsor"]["communityOrganization"]["sponsor"]["displayName"], "sam");
    n.app.ok(Some(&n.admin), ops::SET_SPONSOR, json!({ "c": id, "o": org_a, "p": sue_id })).await;

    let bob = n.app.token("bob@cisss-b.example", Some("cisss-b"), false).await;
    let m = membership(&n.app.ok(Some(&bob), ops::JOIN, json!({ "id": id })).await, "joinCommunity");
    assert_eq!(m["pendingApprovals"], json!(["ANIMATOR", "SPONSOR"]));

    let after_animator = membership(
        &n.app.ok(Some(&n.animator), ops::DECIDE, json!({ "id": m["id"], "ok": true })).await,
        "decideMembership",
    );
    assert_eq!(after_animator["status"], "PENDING");
    assert_eq!(after_animator["pendingApprovals"], json!(["SPONSOR"]));

    // Sue sponsors for the other organization: her key does not open Bob's door.
    let body = n.app.gql(Some(&sue), ops::DECIDE, json!({ "id": m["id"], "ok": true })).await;
    assert_eq!(error_code(&body), "FORBIDDEN");

    let done =
        membership(&n.app.ok(Some(&sam), ops::DECIDE, json!({ "id": m["id"], "ok": true })).await, "decideMembership");
    assert_eq!(done["status"], "ACTIVE");

    // Either key can refuse.
    let carol = n.app.token("carol@cisss-b.example", Some("cisss-b"), false).await;
    let m = membership(&n.app.ok(Some(&carol), ops::JOIN, json!({ "id": id })).await, "joinCommunity");
    let refused = membership(
        &n.app.ok(Some(&sam), ops::DECIDE, json!({ "id": m["id"], "ok": false, "why": "budget" })).await,
        "decideMembership",
    );
    assert_eq!(refused["status"], "DENIED");
    assert_eq!(n.app.count_rows("audit_event WHERE action IN ('membership.approve', 'membership.deny')").await, 3);
}

#[tokio::test]
async fn eligibility_and_participating_organizations_are_checked_first() {
    let n = network().await;
    let id = community(
        &n,
        "nursing",
        json!({ "visibility": "NETWORK", "membershipPolicy": "OPEN", "openToAllOrganizations": false,
                "eligibility": { "professions": ["Soins infirmiers"] } }),
    )
    .await;
    let bob = n.app.token("bob@cisss-a.example", Some("cisss-a"), false).await;
    let body = n.app.gql(Some(&bob), ops::JOIN, json!({ "id": id })).await;
    assert_eq!(error_code(&body), "FORBIDDEN");
    assert!(body["errors"][0]["message"].as_str().unwrap_or("").contains("profession"), "{body}");

    let outsider = n.app.token("olga@cisss-b.example", Some("cisss-b"), false).await;
    sea_orm::ConnectionTrait::execute_unprepared(&n.app.db, "UPDATE person SET profession = 'Soins infirmiers'")
        .await
        .expect("set professions");
    let body = n.app.gql(Some(&outsider), ops::JOIN, json!({ "id": id })).await;
    assert_eq!(error_code(&body), "FORBIDDEN");
    assert!(body["errors"][0]["message"].as_str().unwrap_or("").contains("participating organizations"), "{body}");
    let data = n.app.ok(Some(&bob), ops::JOIN, json!({ "id": id })).await;
    assert_eq!(data["joinCommunity"]["membership"]["status"], "ACTIVE");
    assert_eq!(n.app.count_rows("membership WHERE status = 'ACTIVE'").await, 2);
}

#[tokio::test]
async fn bans_removals_leaving_and_roles() {
    let n = network().await;
    let id = community(&n, "privacy", json!({ "visibility": "NETWORK", "membershipPolicy": "OPEN" })).await;
    let bob = n.app.token("bob@cisss-b.example", Some("cisss-b"), false).await;
    let carl = n.app.token("carl@cisss-b.example", Some("cisss-b"), false).await;
    let bob_m = membership(&n.app.ok(Some(&bob), ops::JOIN, json!({ "id": id })).await, "joinCommunity");
    let carl_m = membership(&n.app.ok(Some(&carl), ops::JOIN, json!({ "id": id })).await, "joinCommunity");

    let body = n.app.gql(Some(&bob), ops::REMOVE, json!({ "id": carl_m["id"] })).await;
    assert_eq!(error_code(&body), "FORBIDDEN", "members do not remove members");
    let banned = n.app.ok(Some(&n.animator), ops::BAN, json!({ "id": bob_m["id"] })).await;
    assert_eq!(banned["banMember"]["membership"]["banned"], true);
    let body = n.app.gql(Some(&bob), ops::JOIN, json!({ "id": id })).await;
    assert_eq!(error_code(&body), "FORBIDDEN");
    assert!(body["errors"][0]["message"].as_str().unwrap_or("").contains("banned"));

    // Roles: an animator may not assign them (administrators do), the founder may.
    let watcher = json!({ "id": carl_m["id"], "roles": ["WATCHER"] });
    n.app.ok(Some(&n.animator), ops::ASSIGN, watcher).await;
    let body = n
        .app
        .gql(
            Some(&carl),
            "mutation($c: ID!) { createThread(input: { communityId: $c, title: \"x\" }) { thread { id } } }",
            json!({ "c": id }),
        )
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN", "a watcher reads without posting");
    n.app.ok(Some(&carl), r#"{ community(slug: "privacy") { threads { totalCount } } }"#, json!({})).await;
    let dave = n.app.token("dave@cisss-a.example", Some("cisss-a"), false).await;
    let dave_m = membership(&n.app.ok(Some(&dave), ops::JOIN, json!({ "id": id })).await, "joinCommunity");
    n.app.ok(Some(&n.animator), ops::ASSIGN, json!({ "id": dave_m["id"], "roles": ["ANIMATOR"] })).await;
    let body = n.app.gql(Some(&dave), ops::ASSIGN, json!({ "id": carl_m["id"], "roles": ["ADMINISTRATOR"] })).await;
    assert_eq!(error_code(&body), "FORBIDDEN", "animators do not hand out roles");
    let removed = n.app.ok(Some(&dave), ops::REMOVE, json!({ "id": carl_m["id"] })).await;
    assert_eq!(removed["removeMember"]["membership"]["status"], "REMOVED");
    let left = n.app.ok(Some(&dave), ops::LEAVE, json!({ "id": id })).await;
    assert_eq!(left["leaveCommunity"]["membership"]["status"], "LEFT");
    let body = n.app.gql(Some(&dave), ops::LEAVE, json!({ "id": id })).await;
    assert_eq!(error_code(&body), "NOT_FOUND");
}

#[tokio::test]
async fn members_only_subgroups_hide_their_threads() {
    let n = network().await;
    let id = community(&n, "outreach", json!({ "visibility": "NETWORK", "membershipPolicy": "OPEN" })).await;
    let bob = n.app.token("bob@cisss-b.example", Some("cisss-b"), false).await;
    let carl = n.app.token("carl@cisss-b.example", Some("cisss-b"), false).await;
    n.app.ok(Some(&bob), ops::JOIN, json!({ "id": id })).await;
    n.app.ok(Some(&carl), ops::JOIN, json!({ "id": id })).await;
    let created = n
        .app
        .ok(
            Some(&n.animator),
            "mutation($c: ID!) { createSubgroup(input: { communityId: $c, name: \"Comité charte\", visibility: MEMBERS }) { subgroup { id } } }",
            json!({ "c": id }),
        )
        .await;
    let sg = created["createSubgroup"]["subgroup"]["id"].clone();
    n.app
        .ok(
            Some(&n.animator),
            "mutation($s: ID!, $p: ID!) { addSubgroupMember(input: { subgroupId: $s, personId: $p }) { subgroup { id } } }",
            json!({ "s": sg, "p": person_gid(&n.app, &bob).await }),
        )
        .await;
    let thread = n
        .app
        .ok(
            Some(&bob),
            "mutation($c: ID!, $s: ID!) { createThread(input: { communityId: $c, subgroupId: $s, title: \"Draft charter\" }) { thread { id } } }",
            json!({ "c": id, "s": sg }),
        )
        .await["createThread"]["thread"]["id"]
        .clone();
    fixtures::thread(&n.app, &carl, &id, "Open to all").await;

    let query = r#"{ community(slug: "outreach") { threads { totalCount edges { node { title } } } subgroups { totalCount } } }"#;
    let for_carl = n.app.ok(Some(&carl), query, json!({})).await;
    assert_eq!(for_carl["community"]["threads"]["totalCount"], 1, "{for_carl}");
    assert_eq!(for_carl["community"]["subgroups"]["totalCount"], 0);
    let body = n.app.gql(Some(&carl), "query($id: ID!) { node(id: $id) { id } }", json!({ "id": thread })).await;
    assert_eq!(error_code(&body), "NOT_FOUND");
    let body =
        n.app.gql(Some(&carl), "query($t: ID!) { createPost: node(id: $t) { id } }", json!({ "t": thread })).await;
    assert_eq!(error_code(&body), "NOT_FOUND");
    for token in [&bob, &n.animator] {
        let data = n.app.ok(Some(token), query, json!({})).await;
        assert_eq!(data["community"]["threads"]["totalCount"], 2, "subgroup members and animators see it");
        assert_eq!(data["community"]["subgroups"]["totalCount"], 1);
    }
    let hints = r#"{ community(slug: "outreach") { subgroups { edges { node { viewerCan { read post manage } } } }
                     threads { edges { node { title viewerCan { reply moderate } } } } } }"#;
    let for_bob = n.app.ok(Some(&bob), hints, json!({})).await;
    assert_eq!(
        for_bob["community"]["subgroups"]["edges"][0]["node"]["viewerCan"],
        json!({ "read": true, "post": true, "manage": false })
    );
    assert_eq!(
        for_bob["community"]["threads"]["edges"][0]["node"]["viewerCan"],
        json!({ "reply": true, "moderate": false })
    );
    let for_animator = n.app.ok(Some(&n.animator), hints, json!({})).await;
    assert_eq!(for_animator["community"]["subgroups"]["edges"][0]["node"]["viewerCan"]["manage"], true);
    assert_eq!(for_animator["community"]["threads"]["edges"][1]["node"]["viewerCan"]["moderate"], true);
}

//! The GraphQL core as a partner front end uses it: bootstrap access, organizations,
//! communities, discussions, Relay ids and pagination, and visibility of communities.

use entity::enums::CommunityRole;
use harness::{TestApp, error_code, error_field, fixtures};
use serde_json::json;

#[tokio::test]
async fn anonymous_me_is_unauthenticated_and_a_bad_token_is_401() {
    let app = TestApp::spawn().await;
    let body = app.gql(None, "{ me { id } }", json!({})).await;
    assert_eq!(error_code(&body), "UNAUTHENTICATED");
    // A bad token is refused as a whole, even for what anonymous callers may read, so a
    // front end can tell an expired session from an empty page.
    // So is a credential of another scheme, or a token sent without its scheme: a
    // misconfigured client learns at once that it is not logged in.
    let credentials = ["Bearer mlg_not-a-real-token", "Basic YW5hOnNlY3JldA==", "mlg_not-a-real-token", "Bearer"];
    for (query, credential) in
        ["{ me { id } }", "{ communities { totalCount } }"].into_iter().flat_map(|q| credentials.map(|c| (q, c)))
    {
        let response = reqwest::Client::new()
            .post(format!("{}/graphql", app.base))
            .header("Authorization", credential)
            .json(&json!({ "query": query }))
            .send()
            .await
            .expect("send");
        assert_eq!(response.status().as_u16(), 401, "{credential}");
        let challenge = response.headers().get("www-authenticate").and_then(|v| v.to_str().ok()).map(str::to_owned);
        assert_eq!(challenge.as_deref(), Some("Bearer error=\"invalid_token\""));
        let body: serde_json::Value = response.json().await.expect("json");
        assert_eq!(error_code(&body), "UNAUTHENTICATED");
        assert!(body.get("data").is_none(), "{body}");
    }
    let token = app.token("ana@cisss.example", None, false).await;
    let data = app.ok(Some(&token), "{ me { displayName organization { slug } } }", json!({})).await;
    assert_eq!(data["me"]["displayName"], "ana");
    assert!(data["me"]["organization"].is_null());
}

#[tokio::test]
async fn only_network_admins_create_organizations_and_each_creation_is_audited() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin@network.example", None, true).await;
    let person = app.token("ana@cisss.example", None, false).await;
    let query = "mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { organization { id slug name kind } } }";
    let input = json!({ "input": { "slug": "inspq", "name": "Institut national de santé publique", "kind": "PUBLIC_HEALTH_INSTITUTE" } });

    let body = app.gql(None, query, input.clone()).await;
    assert_eq!(error_code(&body), "UNAUTHENTICATED");
    let body = app.gql(Some(&person), query, input.clone()).await;
    assert_eq!(error_code(&body), "FORBIDDEN");
    assert_eq!(app.count_rows("organization").await, 0);

    let data = app.ok(Some(&admin), query, input).await;
    assert_eq!(data["createOrganization"]["organization"]["slug"], "inspq");
    assert_eq!(data["createOrganization"]["organization"]["kind"], "PUBLIC_HEALTH_INSTITUTE");
    let audited = app.count_rows("audit_event WHERE action = 'organization.create'").await;
    assert_eq!(audited, 1);

    let data = app.ok(None, "{ organization(slug: \"inspq\") { name } organizations { totalCount } }", json!({})).await;
    assert_eq!(data["organization"]["name"], "Institut national de santé publique");
    assert_eq!(data["organizations"]["totalCount"], 1);
}

#[tokio::test]
async fn organization_admins_and_network_admins_update_organizations() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin@network.example", None, true).await;
    let id = fixtures::organization(&app, &admin, "cisss-est").await;
    let member = app.token("ana@cisss.example", Some("cisss-est"), false).await;
    let query = "mutation($input: UpdateOrganizationInput!) { updateOrganization(input: $input) { organization { name region status } } }";

    let body = app.gql(Some(&member), query, json!({ "input": { "id": id, "name": "Renamed" } })).await;
    assert_eq!(error_code(&body), "FORBIDDEN");

    let data = app
        .ok(Some(&admin), query, json!({ "input": { "id": id, "name": "CISSS de l'Est", "region": "Estrie" } }))
        .await;
    assert_eq!(data["updateOrganization"]["organization"]["name"], "CISSS de l'Est");
    assert_eq!(data["updateOrganization"]["organization"]["region"], "Estrie");
    assert_eq!(data["updateOrganization"]["organization"]["status"], "ACTIVE");
    assert_eq!(app.count_rows("audit_event WHERE action = 'organization.update'").await, 1);
}

#[tokio::test]
async fn a_new_community_has_its_founder_as_animator_and_its_home_organization() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin@network.example", None, true).await;
    fixtures::organization(&app, &admin, "cisss-est").await;
    let ana = app.token("ana@cisss.example", Some("cisss-est"), false).await;
    let id = fixtures::community(&app, &ana, "privacy", "PUBLIC", "OPEN").await;

    let data = app
        .ok(
            Some(&ana),
            r#"{ community(slug: "privacy") { id name visibility membershipPolicy stage archived
                   viewerCan { read post update archive }
                   organizations { totalCount edges { node { organization { slug } sponsor { id } } } }
                   members { totalCount edges { node { roles status person { displayName } } } } }
                 me { memberships { totalCount edges { node { roles community { slug } } } } } }"#,
            json!({}),
        )
        .await;
    let community = &data["community"];
    assert_eq!(community["id"], id);
    assert_eq!(community["visibility"], "PUBLIC");
    assert_eq!(community["stage"], "POTENTIAL");
    assert_eq!(community["viewerCan"], json!({ "read": true, "post": true, "update": true, "archive": true }));
    assert_eq!(community["organizations"]["edges"][0]["node"]["organization"]["slug"], "cisss-est");
    assert!(community["organizations"]["edges"][0]["node"]["sponsor"].is_null());
    assert_eq!(community["members"]["edges"][0]["node"]["roles"], json!(["FOUNDER", "ANIMATOR"]));
    assert_eq!(data["me"]["memberships"]["edges"][0]["node"]["community"]["slug"], "privacy");
    assert_eq!(app.count_rows("audit_event WHERE action = 'community.create'").await, 1);
}

#[tokio::test]
async fn only_community_managers_update_and_archive_and_archived_is_read_only() {
    let app = TestApp::spawn().await;
    let ana = app.token("ana@cisss.example", None, false).await;
    let bob = app.token("bob@cisss.example", None, false).await;
    let id = fixtures::community(&app, &ana, "privacy", "NETWORK", "OPEN").await;
    fixtures::add_member(&app, &id, fixtures::person_id(&app, &bob).await, &[CommunityRole::Member]).await;
    let update = "mutation($input: UpdateCommunityInput!) { updateCommunity(input: $input) { community { name stage eligibility { professions } } } }";

    let body = app.gql(Some(&bob), update, json!({ "input": { "id": id, "name": "Hijacked" } })).await;
    assert_eq!(error_code(&body), "FORBIDDEN");

    let data = app
        .ok(
            Some(&ana),
            update,
            json!({ "input": { "id": id, "name": "Vie privée", "stage": "MATURING", "eligibility": { "professions": ["Soins infirmiers"] } } }),
        )
        .await;
    assert_eq!(data["updateCommunity"]["community"]["name"], "Vie privée");
    assert_eq!(data["updateCommunity"]["community"]["stage"], "MATURING");
    assert_eq!(data["updateCommunity"]["community"]["eligibility"]["professions"], json!(["Soins infirmiers"]));

    let archive =
        "mutation($input: ArchiveCommunityInput!) { archiveCommunity(input: $input) { community { archived } } }";
    let body = app.gql(Some(&bob), archive, json!({ "input": { "id": id } })).await;
    assert_eq!(error_code(&body), "FORBIDDEN");
    let data = app.ok(Some(&ana), archive, json!({ "input": { "id": id } })).await;
    assert_eq!(data["archiveCommunity"]["community"]["archived"], true);

    let body = app
        .gql(
            Some(&bob),
            "mutation($input: CreateThreadInput!) { createThread(input: $input) { thread { id } } }",
            json!({ "input": { "communityId": id, "title": "Hello" } }),
        )
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN");
    assert_eq!(app.count_rows("thread").await, 0);

    let data = app.ok(Some(&bob), "{ communities { totalCount } }", json!({})).await;
    assert_eq!(data["communities"]["totalCount"], 0, "archived communities are hidden by default");
    let data = app.ok(Some(&bob), "{ communities(filter: { includeArchived: true }) { totalCount } }", json!({})).await;
    assert_eq!(data["communities"]["totalCount"], 1);
    assert_eq!(app.count_rows("audit_event WHERE target_type = 'Community'").await, 3);
}

#[tokio::test]
async fn members_discuss_and_non_members_can_neither_read_nor_post() {
    let app = TestApp::spawn().await;
    let ana = app.token("ana@cisss.example", None, false).await;
    let bob = app.token("bob@cisss.example", None, false).await;
    let eve = app.token("eve@elsewhere.example", None, false).await;
    let community = fixtures::community(&app, &ana, "outreach", "NETWORK", "APPROVAL").await;
    fixtures::add_member(&app, &community, fixtures::person_id(&app, &bob).await, &[CommunityRole::Member]).await;

    let thread = fixtures::thread(&app, &ana, &community, "Annual plan").await;
    let post = fixtures::post(&app, &bob, &thread, "Six meetings of three hours work for us.").await;

    let query = r#"{ community(slug: "outreach") { threads { totalCount edges { node { title author { displayName }
                       posts { totalCount edges { node { body author { displayName } } } } } } } } }"#;
    let data = app.ok(Some(&bob), query, json!({})).await;
    let node = &data["community"]["threads"]["edges"][0]["node"];
    assert_eq!(node["title"], "Annual plan");
    assert_eq!(node["posts"]["totalCount"], 1);
    assert_eq!(node["posts"]["edges"][0]["node"]["author"]["displayName"], "bob");

    // Eve sees the (network-visible) community but not its discussions.
    let body = app.gql(Some(&eve), query, json!({})).await;
    assert_eq!(error_code(&body), "FORBIDDEN");
    assert!(body["data"]["community"]["threads"].is_null());
    for id in [&thread, &post] {
        let body = app.gql(Some(&eve), "query($id: ID!) { node(id: $id) { id } }", json!({ "id": id })).await;
        assert_eq!(error_code(&body), "NOT_FOUND");
    }
    let body = app
        .gql(
            Some(&eve),
            "mutation($input: CreatePostInput!) { createPost(input: $input) { post { id } } }",
            json!({ "input": { "threadId": thread, "body": "Let me in" } }),
        )
        .await;
    assert_eq!(error_code(&body), "NOT_FOUND", "a thread one cannot read does not exist for them");
    let body = app
        .gql(
            Some(&eve),
            "mutation($input: CreateThreadInput!) { createThread(input: $input) { thread { id } } }",
            json!({ "input": { "communityId": community, "title": "Spam" } }),
        )
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN");
    assert_eq!(app.count_rows("post").await, 1);
    assert_eq!(app.count_rows("thread").await, 1);
}

#[tokio::test]
async fn a_secret_community_is_indistinguishable_from_a_missing_one() {
    let app = TestApp::spawn().await;
    let ana = app.token("ana@cisss.example", None, false).await;
    let eve = app.token("eve@elsewhere.example", None, false).await;
    let secret = fixtures::community(&app, &ana, "it-security", "MEMBERS", "INVITATION").await;
    fixtures::community(&app, &ana, "privacy", "PUBLIC", "OPEN").await;
    fixtures::community(&app, &ana, "outreach", "NETWORK", "APPROVAL").await;

    let by_slug = "query($slug: String!) { community(slug: $slug) { id } }";
    let hidden = app.gql(Some(&eve), by_slug, json!({ "slug": "it-security" })).await;
    let missing = app.gql(Some(&eve), by_slug, json!({ "slug": "no-such-community" })).await;
    assert_eq!(error_code(&hidden), "NOT_FOUND");
    assert_eq!(hidden["errors"][0]["message"], missing["errors"][0]["message"]);

    let body = app.gql(Some(&eve), "query($id: ID!) { node(id: $id) { id } }", json!({ "id": secret })).await;
    assert_eq!(error_code(&body), "NOT_FOUND");

    let list = "{ communities { totalCount edges { node { slug } } } }";
    let data = app.ok(Some(&eve), list, json!({})).await;
    assert_eq!(data["communities"]["totalCount"], 2);
    assert!(!data.to_string().contains("it-security"));

    let data = app.ok(None, list, json!({})).await;
    assert_eq!(data["communities"]["totalCount"], 1, "anonymous visitors see public communities only");
    assert_eq!(data["communities"]["edges"][0]["node"]["slug"], "privacy");

    let data = app.ok(Some(&ana), list, json!({})).await;
    assert_eq!(data["communities"]["totalCount"], 3, "members see their secret community");

    // Counting by filter leaks nothing either.
    let data = app.ok(Some(&eve), "{ communities(filter: { visibility: [MEMBERS] }) { totalCount } }", json!({})).await;
    assert_eq!(data["communities"]["totalCount"], 0);
}

#[tokio::test]
async fn connections_page_forward_and_backward_with_counts() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin@network.example", None, true).await;
    for i in 0..7 {
        fixtures::organization(&app, &admin, &format!("org-{i}")).await;
    }
    let query = r#"query($first: Int, $after: String, $last: Int, $before: String) {
        organizations(first: $first, after: $after, last: $last, before: $before) {
            totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
            edges { cursor node { slug } } } }"#;
    let slugs = |data: &serde_json::Value| -> Vec<String> {
        data["organizations"]["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .map(|e| e["node"]["slug"].as_str().expect("slug").to_owned())
            .collect()
    };

    let page1 = app.ok(None, query, json!({ "first": 3 })).await;
    assert_eq!(slugs(&page1), ["org-0", "org-1", "org-2"]);
    assert_eq!(page1["organizations"]["totalCount"], 7);
    assert_eq!(page1["organizations"]["pageInfo"]["hasNextPage"], true);
    let after = page1["organizations"]["pageInfo"]["endCursor"].clone();

    let page2 = app.ok(None, query, json!({ "first": 3, "after": after })).await;
    assert_eq!(slugs(&page2), ["org-3", "org-4", "org-5"]);
    let page3 =
        app.ok(None, query, json!({ "first": 3, "after": page2["organizations"]["pageInfo"]["endCursor"] })).await;
    assert_eq!(slugs(&page3), ["org-6"]);
    assert_eq!(page3["organizations"]["pageInfo"]["hasNextPage"], false);
    assert_eq!(page3["organizations"]["pageInfo"]["hasPreviousPage"], true);

    let before = page2["organizations"]["pageInfo"]["startCursor"].clone();
    let back = app.ok(None, query, json!({ "last": 2, "before": before })).await;
    assert_eq!(slugs(&back), ["org-1", "org-2"]);
    assert_eq!(back["organizations"]["pageInfo"]["hasPreviousPage"], true);
    let tail = app.ok(None, query, json!({ "last": 2 })).await;
    assert_eq!(slugs(&tail), ["org-5", "org-6"]);

    let body = app.gql(None, query, json!({ "first": 101 })).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    assert_eq!(error_field(&body), "first");
    let body = app.gql(None, query, json!({ "first": 1, "after": "not-a-cursor" })).await;
    assert_eq!(error_field(&body), "after");
}

#[tokio::test]
async fn node_finds_every_kind_by_global_id() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin@network.example", None, true).await;
    let org = fixtures::organization(&app, &admin, "cisss-est").await;
    let ana = app.token("ana@cisss.example", Some("cisss-est"), false).await;
    let community = fixtures::community(&app, &ana, "privacy", "NETWORK", "OPEN").await;
    let thread = fixtures::thread(&app, &ana, &community, "Hello").await;
    let post = fixtures::post(&app, &ana, &thread, "World").await;
    let me = app.ok(Some(&ana), "{ me { id memberships { edges { node { id } } } } }", json!({})).await;
    let person = me["me"]["id"].clone();
    let membership = me["me"]["memberships"]["edges"][0]["node"]["id"].clone();

    for (id, typename) in [
        (&org, "Organization"),
        (&person, "Person"),
        (&community, "Community"),
        (&membership, "Membership"),
        (&thread, "Thread"),
        (&post, "Post"),
    ] {
        let data = app.ok(Some(&ana), "query($id: ID!) { node(id: $id) { __typename id } }", json!({ "id": id })).await;
        assert_eq!(data["node"]["__typename"], typename);
        assert_eq!(&data["node"]["id"], id);
    }
    let body = app.gql(Some(&ana), "{ node(id: \"garbage\") { id } }", json!({})).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    assert_eq!(error_field(&body), "id");
}

#[tokio::test]
async fn emails_are_shown_to_logged_in_people_only() {
    let app = TestApp::spawn().await;
    let ana = app.token("ana@cisss.example", None, false).await;
    fixtures::community(&app, &ana, "privacy", "PUBLIC", "OPEN").await;
    let query = r#"{ community(slug: "privacy") { organizations { totalCount } } }"#;
    app.ok(None, query, json!({})).await;
    let body = app
        .gql(None, r#"{ community(slug: "privacy") { members { edges { node { person { email } } } } } }"#, json!({}))
        .await;
    assert_eq!(error_code(&body), "UNAUTHENTICATED");
    let data = app
        .ok(
            Some(&ana),
            r#"{ community(slug: "privacy") { members { edges { node { person { email } } } } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(data["community"]["members"]["edges"][0]["node"]["person"]["email"], "ana@cisss.example");
}

#[tokio::test]
async fn graphiql_and_health_are_served() {
    let app = TestApp::spawn().await;
    let (status, page) = app.get("/graphiql").await;
    assert_eq!(status, 200);
    assert!(page.contains("graphiql"), "GraphiQL page");
    let (status, body) = app.get("/health").await;
    assert_eq!(status, 200);
    assert!(body.contains("ok"));
}

#[tokio::test]
async fn nested_connections_page_both_ways() {
    let app = TestApp::spawn().await;
    let ana = app.token("ana@cisss.example", None, false).await;
    let community = fixtures::community(&app, &ana, "privacy", "NETWORK", "OPEN").await;
    let threads =
        [fixtures::thread(&app, &ana, &community, "One").await, fixtures::thread(&app, &ana, &community, "Two").await];
    for thread in &threads {
        for i in 0..5 {
            fixtures::post(&app, &ana, thread, &format!("reply {i}")).await;
        }
    }
    let query = r#"query($first: Int, $after: String, $last: Int, $before: String) {
        community(slug: "privacy") { threads { edges { node { title
            posts(first: $first, after: $after, last: $last, before: $before) {
                totalCount pageInfo { hasNextPage hasPreviousPage endCursor startCursor } edges { node { body } } } } } } } }"#;
    let bodies = |data: &serde_json::Value, t: usize| -> Vec<String> {
        data["community"]["threads"]["edges"][t]["node"]["posts"]["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .map(|e| e["node"]["body"].as_str().expect("body").to_owned())
            .collect()
    };
    let first = app.ok(Some(&ana), query, json!({ "first": 2 })).await;
    for t in 0..2 {
        assert_eq!(bodies(&first, t), ["reply 0", "reply 1"]);
        assert_eq!(first["community"]["threads"]["edges"][t]["node"]["posts"]["totalCount"], 5);
        assert_eq!(first["community"]["threads"]["edges"][t]["node"]["posts"]["pageInfo"]["hasNextPage"], true);
    }
    let last = app.ok(Some(&ana), query, json!({ "last": 2 })).await;
    assert_eq!(bodies(&last, 0), ["reply 3", "reply 4"]);
    assert_eq!(last["community"]["threads"]["edges"][1]["node"]["posts"]["pageInfo"]["hasPreviousPage"], true);
    let cursor = first["community"]["threads"]["edges"][0]["node"]["posts"]["pageInfo"]["endCursor"].clone();
    let next = app.ok(Some(&ana), query, json!({ "first": 2, "after": cursor })).await;
    assert_eq!(bodies(&next, 0), ["reply 2", "reply 3"]);
}

//! Bad input gets a clear, typed error, writes nothing, and never takes the server down.

use harness::{TestApp, error_code, error_field, fixtures};
use serde_json::json;

const CREATE_COMMUNITY: &str =
    "mutation($input: CreateCommunityInput!) { createCommunity(input: $input) { community { id } } }";

/// Rows that a failed community creation must not leave behind.
async fn community_rows(app: &TestApp) -> [i64; 4] {
    [
        app.count_rows("community").await,
        app.count_rows("membership").await,
        app.count_rows("community_organization").await,
        app.count_rows("audit_event").await,
    ]
}

async fn assert_still_serving(app: &TestApp) {
    let data = app.ok(None, "{ organizations { totalCount } }", json!({})).await;
    assert!(data["organizations"]["totalCount"].is_number());
}

#[tokio::test]
async fn malformed_json_is_a_bad_request_with_a_code() {
    let app = TestApp::spawn().await;
    for body in ["{\"query\": ", "not json at all", "[1, 2", "{\"query\": 42}"] {
        let (status, reply) = app.post_raw(body.to_owned(), "application/json").await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(error_code(&reply), "BAD_USER_INPUT", "{body}: {reply}");
    }
    assert_still_serving(&app).await;
}

#[tokio::test]
async fn an_oversized_body_is_refused_before_parsing() {
    let app = TestApp::spawn().await;
    let huge =
        format!("{{\"query\": \"{{ organizations {{ totalCount }} }}\", \"padding\": \"{}\"}}", "x".repeat(2 << 20));
    let (status, reply) = app.post_raw(huge, "application/json").await;
    assert_eq!(status, 413);
    assert_eq!(error_code(&reply), "BAD_USER_INPUT");
    assert_still_serving(&app).await;
}

#[tokio::test]
async fn syntax_errors_wrong_types_and_unknown_fields_are_request_errors_and_write_nothing() {
    let app = TestApp::spawn().await;
    let ana = app.token("ana@cisss.example", None, false).await;
    let before = community_rows(&app).await;

    let body = app.gql(Some(&ana), "{ communities { ", json!({})).await;
    assert_eq!(error_code(&body), "GRAPHQL_PARSE_FAILED", "syntax error: {body}");

    let body =
        app.gql(Some(&ana), CREATE_COMMUNITY, json!({ "input": { "slug": 42, "name": "Numbers as slugs" } })).await;
    assert_eq!(error_code(&body), "GRAPHQL_VALIDATION_FAILED", "wrong type: {body}");

    let body = app
        .gql(Some(&ana), CREATE_COMMUNITY, json!({ "input": { "slug": "ok", "name": "Ok", "visibility": "EVERYONE" } }))
        .await;
    assert_eq!(error_code(&body), "GRAPHQL_VALIDATION_FAILED", "unknown enum value: {body}");

    let body = app
        .gql(Some(&ana), CREATE_COMMUNITY, json!({ "input": { "slug": "ok", "name": "Ok", "colour": "red" } }))
        .await;
    assert_eq!(error_code(&body), "GRAPHQL_VALIDATION_FAILED", "unknown field: {body}");

    let body = app.gql(Some(&ana), "{ communities { edges { node { secretColumn } } } }", json!({})).await;
    assert_eq!(error_code(&body), "GRAPHQL_VALIDATION_FAILED", "unknown output field: {body}");

    assert_eq!(community_rows(&app).await, before);
    assert_still_serving(&app).await;
}

#[tokio::test]
async fn oversized_and_invalid_strings_name_their_field() {
    let app = TestApp::spawn().await;
    let ana = app.token("ana@cisss.example", None, false).await;
    let before = community_rows(&app).await;
    let cases = [
        (json!({ "slug": "ok-slug", "name": "x".repeat(201) }), "name"),
        (json!({ "slug": "ok-slug", "name": "   " }), "name"),
        (json!({ "slug": "Not A Slug", "name": "Fine" }), "slug"),
        (json!({ "slug": "s".repeat(65), "name": "Fine" }), "slug"),
        (json!({ "slug": "ok-slug", "name": "Fine", "description": "d".repeat(10_001) }), "description"),
        (
            json!({ "slug": "ok-slug", "name": "Fine", "eligibility": { "professions": ["p".repeat(201)] } }),
            "eligibility.professions",
        ),
    ];
    for (input, field) in cases {
        let body = app.gql(Some(&ana), CREATE_COMMUNITY, json!({ "input": input })).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{field}: {body}");
        assert_eq!(error_field(&body), field, "{body}");
    }
    let community = fixtures::community(&app, &ana, "privacy", "NETWORK", "OPEN").await;
    let body = app
        .gql(
            Some(&ana),
            "mutation($input: CreateThreadInput!) { createThread(input: $input) { thread { id } } }",
            json!({ "input": { "communityId": community, "title": "t".repeat(301) } }),
        )
        .await;
    assert_eq!(error_field(&body), "title");
    assert_eq!(app.count_rows("thread").await, 0);
    assert_eq!(community_rows(&app).await[0], before[0] + 1);
}

#[tokio::test]
async fn a_duplicate_slug_is_a_conflict_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin@network.example", None, true).await;
    let ana = app.token("ana@cisss.example", None, false).await;
    fixtures::community(&app, &ana, "privacy", "NETWORK", "OPEN").await;
    let before = community_rows(&app).await;
    let body =
        app.gql(Some(&admin), CREATE_COMMUNITY, json!({ "input": { "slug": "privacy", "name": "Again" } })).await;
    assert_eq!(error_code(&body), "CONFLICT");
    assert_eq!(error_field(&body), "slug");
    assert_eq!(community_rows(&app).await, before);

    fixtures::organization(&app, &admin, "inspq").await;
    let body = app
        .gql(
            Some(&admin),
            "mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { organization { id } } }",
            json!({ "input": { "slug": "inspq", "name": "Twice" } }),
        )
        .await;
    assert_eq!(error_code(&body), "CONFLICT");
    assert_eq!(app.count_rows("organization").await, 1);
}

#[tokio::test]
async fn missing_references_are_not_found_and_malformed_ids_are_bad_input() {
    let app = TestApp::spawn().await;
    let ana = app.token("ana@cisss.example", None, false).await;
    let community = fixtures::community(&app, &ana, "privacy", "NETWORK", "OPEN").await;
    let thread = fixtures::thread(&app, &ana, &community, "Hello").await;
    let ghost_community =
        maillage_api::graphql::ids::to_global(maillage_api::graphql::ids::NodeKind::Community, 999_999);
    let ghost_thread = maillage_api::graphql::ids::to_global(maillage_api::graphql::ids::NodeKind::Thread, 999_999);
    let ghost_org = maillage_api::graphql::ids::to_global(maillage_api::graphql::ids::NodeKind::Organization, 999_999);
    let create_thread = "mutation($input: CreateThreadInput!) { createThread(input: $input) { thread { id } } }";
    let create_post = "mutation($input: CreatePostInput!) { createPost(input: $input) { post { id } } }";

    let body = app
        .gql(Some(&ana), create_thread, json!({ "input": { "communityId": ghost_community.0, "title": "x" } }))
        .await;
    assert_eq!(error_code(&body), "NOT_FOUND");
    let body = app.gql(Some(&ana), create_post, json!({ "input": { "threadId": ghost_thread.0, "body": "x" } })).await;
    assert_eq!(error_code(&body), "NOT_FOUND");
    let ghost_subgroup = maillage_api::graphql::ids::to_global(maillage_api::graphql::ids::NodeKind::Subgroup, 5);
    let body = app
        .gql(
            Some(&ana),
            create_thread,
            json!({ "input": { "communityId": community, "subgroupId": ghost_subgroup.0, "title": "x" } }),
        )
        .await;
    assert_eq!(error_code(&body), "NOT_FOUND");

    // An id of the wrong kind, or no id at all, names the field.
    let body = app.gql(Some(&ana), create_post, json!({ "input": { "threadId": community, "body": "x" } })).await;
    assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", "threadId"));
    let body = app.gql(Some(&ana), create_post, json!({ "input": { "threadId": "%%%", "body": "x" } })).await;
    assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", "threadId"));
    let body = app
        .gql(
            Some(&ana),
            CREATE_COMMUNITY,
            json!({ "input": { "slug": "closed", "name": "Closed", "eligibility": { "organizationIds": [ghost_org.0] } } }),
        )
        .await;
    assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", "eligibility.organizationIds"));
    let body = app.gql(Some(&ana), create_post, json!({ "input": { "threadId": thread, "body": "" } })).await;
    assert_eq!(error_field(&body), "body");

    assert_eq!(app.count_rows("post").await, 0);
    assert_eq!(app.count_rows("thread").await, 1);
    assert_eq!(app.count_rows("community").await, 1);
}

#[tokio::test]
async fn queries_too_deep_are_refused() {
    let app = TestApp::spawn().await;
    let deep = "{ communities { edges { node { threads { edges { node { community { threads { edges { node { community { threads { edges { node { id } } } } } } } } } } } } } } }";
    let body = app.gql(None, deep, json!({})).await;
    // Depth and cost refusals carry their own code (security review H4).
    assert_eq!(error_code(&body), "COST_LIMIT_EXCEEDED", "{body}");
    assert_still_serving(&app).await;
}

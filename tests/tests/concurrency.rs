//! Many people writing at the same moment (M6 of the 2026-12-01 review): on the embedded
//! SQLite database five concurrent `createPost` used to fail two with `INTERNAL`
//! ("database is locked"). Every write must succeed and every row must be there, on
//! SQLite and on PostgreSQL alike.

use harness::{TestApp, fixtures, join_all, ops};
use serde_json::{Value, json};

const WRITERS: usize = 50;

const CREATE_THREAD: &str = "mutation($input: CreateThreadInput!) { createThread(input: $input) { thread { id } } }";
const CREATE_POST: &str = "mutation($input: CreatePostInput!) { createPost(input: $input) { post { id } } }";

/// Sends every request at once; returns the bodies that carry errors.
async fn all_at_once(app: &TestApp, requests: Vec<(String, &'static str, Value)>) -> Vec<Value> {
    let calls = requests.iter().map(|(token, query, variables)| app.gql(Some(token), query, variables.clone()));
    let bodies = join_all(calls).await;
    bodies.into_iter().filter(|body| body.get("errors").is_some()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_writers_all_succeed_and_every_row_is_there() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin@network.example", None, true).await;
    fixtures::organization(&app, &admin, "cisss-a").await;
    let animator = app.token("anna@cisss-a.example", Some("cisss-a"), false).await;
    let community = fixtures::community(&app, &animator, "open-practice", "PUBLIC", "OPEN").await;
    let opening = fixtures::thread(&app, &animator, &community, "Welcome").await;
    let mut people = Vec::new();
    for i in 0..WRITERS {
        people.push(app.token(&format!("person{i}@cisss-a.example"), Some("cisss-a"), false).await);
    }
    let (memberships, threads, posts) =
        (app.count_rows("membership").await, app.count_rows("thread").await, app.count_rows("post").await);

    // Fifty people join at the same moment (each first request also records the session's use).
    let joins = people.iter().map(|t| (t.clone(), ops::JOIN, json!({ "id": community }))).collect();
    let failed = all_at_once(&app, joins).await;
    assert!(failed.is_empty(), "{} of {WRITERS} joins failed, e.g. {:#}", failed.len(), failed[0]);
    assert_eq!(app.count_rows("membership").await, memberships + WRITERS as i64);

    // Then each of them replies in the same thread and starts a thread, all at once.
    let mut writes = Vec::new();
    for (i, token) in people.iter().enumerate() {
        writes.push((
            token.clone(),
            CREATE_POST,
            json!({ "input": { "threadId": opening, "body": format!("reply {i}") } }),
        ));
        writes.push((
            token.clone(),
            CREATE_THREAD,
            json!({ "input": { "communityId": community, "title": format!("thread {i}"), "body": "b" } }),
        ));
    }
    let failed = all_at_once(&app, writes).await;
    assert!(failed.is_empty(), "{} of {} writes failed, e.g. {:#}", failed.len(), 2 * WRITERS, failed[0]);
    assert_eq!(app.count_rows("thread").await, threads + WRITERS as i64, "every thread is there");
    assert_eq!(app.count_rows("post").await, posts + WRITERS as i64, "every reply is there");

    let data = app
        .ok(
            Some(&animator),
            "query($id: ID!) { node(id: $id) { ... on Thread { posts(first: 100) { totalCount } } } }",
            json!({ "id": opening }),
        )
        .await;
    assert_eq!(data["node"]["posts"]["totalCount"], json!(WRITERS), "{data}");
}

//! Review of the performance work (37baa52..56d8e5f): what the faster paths must still
//! answer exactly as the slower ones did.

use harness::{TestApp, error_code, fixtures};
use serde_json::{Value, json};

/// Every post body under `alias`'s threads, as the response gives them.
fn bodies(data: &Value, alias: &str) -> Vec<Value> {
    data[alias]["threads"]["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|t| t["posts"]["nodes"].as_array().cloned().unwrap_or_default())
        .map(|p| p["body"].clone())
        .collect()
}

/// On PostgreSQL `community(slug)` reads its threads' posts ahead with only the columns
/// its own selection uses, and keeps them by (thread, page) for the request. Another
/// field of the same request asking for the same page of the same thread (here a second
/// alias of the community, whose posts select only `id` and `createdAt`) must not be handed rows whose
/// other columns took their defaults: the review saw `body: ""` on the alias that asked
/// for bodies, depending on which statement came back first.
#[tokio::test]
async fn a_page_read_ahead_is_never_served_to_a_field_reading_other_columns() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin@network.example", None, true).await;
    fixtures::organization(&app, &admin, "home").await;
    let ana = app.token("ana@home.example", Some("home"), false).await;
    let community = fixtures::community(&app, &ana, "columns", "NETWORK", "OPEN").await;
    for t in 0..4 {
        let thread = fixtures::thread(&app, &ana, &community, &format!("Thread {t}")).await;
        for p in 0..3 {
            fixtures::post(&app, &ana, &thread, &format!("Reply {t}.{p}")).await;
        }
    }
    let with_bodies = "threads(first: 4) { totalCount nodes { title posts(first: 3) { nodes { body createdAt author { displayName } } } } }";
    // (`id` alone would read every column: it names none.)
    let ids_only = "threads(first: 4) { totalCount nodes { posts(first: 3) { nodes { id createdAt } } } }";
    let orders = [
        format!(
            "query($s: String!) {{ a: community(slug: $s) {{ {with_bodies} }} b: community(slug: $s) {{ {ids_only} }} }}"
        ),
        format!(
            "query($s: String!) {{ b: community(slug: $s) {{ {ids_only} }} a: community(slug: $s) {{ {with_bodies} }} }}"
        ),
    ];
    for attempt in 0..25 {
        for query in &orders {
            let data = app.ok(Some(&ana), query, json!({ "s": "columns" })).await;
            let bodies = bodies(&data, "a");
            assert_eq!(bodies.len(), 12, "attempt {attempt}: {data}");
            assert!(
                bodies.iter().all(|b| b.as_str().is_some_and(|b| b.starts_with("Reply "))),
                "attempt {attempt}: a post read ahead without its body was served: {data}"
            );
            let posts = data["a"]["threads"]["nodes"][0]["posts"]["nodes"].as_array().cloned().unwrap_or_default();
            assert!(
                posts.iter().all(|p| p["author"]["displayName"].is_string()
                    && p["createdAt"].as_str().is_some_and(|c| !c.starts_with("1970"))),
                "attempt {attempt}: {data}"
            );
        }
    }
}

/// A prepared document is kept by its text, but its cost still depends on the
/// variables of each execution: a page size that passed once does not let a larger one
/// through the next time.
#[tokio::test]
async fn a_kept_document_is_costed_again_with_each_requests_variables() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin@example.org", None, true).await;
    let two = "query($n: Int) { communities(first: $n) { edges { node { members(first: $n) { edges { node { id roles person { id displayName } } } } } } } }";
    app.ok(Some(&admin), two, json!({ "n": 10 })).await;
    let refused = app.gql(Some(&admin), two, json!({ "n": 100 })).await;
    assert_eq!(error_code(&refused), "COST_LIMIT_EXCEEDED", "{refused}");
    assert!(refused.get("data").is_none_or(Value::is_null), "{refused}");
    app.ok(Some(&admin), two, json!({ "n": 10 })).await;
}

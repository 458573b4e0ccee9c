//! Relations are loaded in batches: a nested query costs the same number of SQL
//! statements whatever the number of rows it returns.

use entity::enums::CommunityRole;
use harness::{TestApp, fixtures};
use serde_json::json;

const NESTED: &str = r#"{
  communities(first: 50) {
    totalCount
    edges { node {
      slug
      organizations { totalCount edges { node { organization { slug } sponsor { displayName organization { slug } } } } }
      members(first: 10) { edges { node { roles person { displayName } } } }
      threads(first: 20) { totalCount edges { node {
        title author { displayName }
        posts(first: 5) { totalCount edges { node { body author { displayName } } } }
      } } }
    } }
  }
}"#;

/// Adds `n` communities, each with two participating organizations with sponsors, and
/// `threads` threads of `posts` posts.
async fn grow(app: &TestApp, token: &str, from: usize, n: usize, threads: usize, posts: usize) {
    let admin = app.token("admin@network.example", None, true).await;
    for i in from..from + n {
        let org = format!("org-{i}");
        fixtures::organization(app, &admin, &org).await;
        let sponsor = app.token(&format!("sponsor{i}@example.org"), Some(&org), false).await;
        let sponsor_id = fixtures::person_id(app, &sponsor).await;
        let community = fixtures::community(app, token, &format!("cop-{i}"), "NETWORK", "OPEN").await;
        let community_id = fixtures::db_id(&community);
        let org_id: i32 = {
            let data = app.ok(None, "query($s: String!) { organization(slug: $s) { id } }", json!({ "s": org })).await;
            fixtures::db_id(&data["organization"]["id"])
        };
        sea_orm::ConnectionTrait::execute_unprepared(
            &app.db,
            &format!(
                "INSERT INTO community_organization (community_id, organization_id, sponsor_id, status, created_at, updated_at) \
                 VALUES ({community_id}, {org_id}, {sponsor_id}, 'ACTIVE', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            ),
        )
        .await
        .expect("add participating organization");
        fixtures::add_member(app, &community, sponsor_id, &[CommunityRole::Member]).await;
        for t in 0..threads {
            let thread = fixtures::thread(app, token, &community, &format!("Thread {t}")).await;
            for p in 0..posts {
                fixtures::post(app, &sponsor, &thread, &format!("Reply {p}")).await;
            }
        }
    }
}

async fn statements_for_nested_query(app: &TestApp, token: &str) -> (usize, serde_json::Value) {
    app.reset_statements();
    let data = app.ok(Some(token), NESTED, json!({})).await;
    if std::env::var_os("SHOW_SQL").is_some() {
        for sql in app.statement_log() {
            println!("  {}", sql.chars().take(160).collect::<String>());
        }
    }
    (app.statements(), data)
}

/// The most statements the nested query may cost, from its shape alone: 1 to
/// authenticate, 3 for the community page and its count (two disjoint parts: by
/// attributes, by ties), one per batched relation (own
/// membership, own sponsorships, members, organizations + count, threads + count, posts +
/// count), up to 2
/// organization look-ups (participant, sponsor's home) and up to 4 person look-ups (sponsor,
/// member, thread author, post author: batches at similar depths may or may not merge,
/// depending on timing). An N+1 anywhere adds at least one statement per community or
/// thread and breaks this ceiling at the larger size.
const CEILING: usize = 1 + 3 + 9 + 2 + 4 + SLACK;

/// Under load a batch may split across DataLoader's 1 ms batching window; an N+1 adds at
/// least one statement per community (12) or thread (36) at the larger size.
const SLACK: usize = 3;

#[tokio::test]
async fn nested_query_statement_count_does_not_grow_with_rows() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin@network.example", None, true).await;
    fixtures::organization(&app, &admin, "home").await;
    let ana = app.token("ana@cisss.example", Some("home"), false).await;

    grow(&app, &ana, 0, 2, 2, 2).await;
    let (small, data) = statements_for_nested_query(&app, &ana).await;
    assert_eq!(data["communities"]["totalCount"], 2);

    grow(&app, &ana, 2, 10, 3, 4).await;
    let (large, data) = statements_for_nested_query(&app, &ana).await;
    assert_eq!(data["communities"]["totalCount"], 12);
    let last = &data["communities"]["edges"][11]["node"];
    assert_eq!(last["threads"]["totalCount"], 3);
    assert_eq!(last["threads"]["edges"][0]["node"]["posts"]["totalCount"], 4);
    assert_eq!(last["organizations"]["totalCount"], 2);
    let sponsors: Vec<_> = last["organizations"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .filter_map(|e| e["node"]["sponsor"]["displayName"].as_str())
        .collect();
    assert_eq!(sponsors, ["sponsor11"]);

    println!(
        "SQL statements for the nested query: {small} with 2 communities (8 rows of posts), {large} with 12 (128)"
    );
    assert!(small <= CEILING, "{small} statements with 2 communities");
    assert!(large <= CEILING, "{large} statements with 12 communities: the count grows with the rows");
}

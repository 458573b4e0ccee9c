//! `nodes(ids:)`: objects of any kind by global id in one request, `null` where `node(id:)`
//! answers `NOT_FOUND` (hidden and missing alike), in a number of statements that does
//! not grow with the number of ids, and bounded.

use entity::enums::CommunityRole;
use harness::{TestApp, error_code, error_field, fixtures};
use maillage_api::graphql::ids::{NodeKind, to_global};
use serde_json::{Value, json};

const NODES: &str = "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id \
    ... on Community { slug } ... on Thread { title } ... on Post { body } ... on Subgroup { name } \
    ... on Person { displayName } ... on Organization { slug } ... on Membership { status } } }";
const NODE: &str = "query($id: ID!) { node(id: $id) { id } }";

fn gid(kind: NodeKind, id: i32) -> Value {
    json!(to_global(kind, id).0)
}

/// What each id of `ids` gives: through `nodes`, and through `node` one by one.
async fn both(app: &TestApp, token: Option<&str>, ids: &[Value]) -> (Vec<Value>, Vec<bool>) {
    let body = app.ok(token, NODES, json!({ "ids": ids })).await;
    let nodes = body["nodes"].as_array().cloned().unwrap_or_default();
    let mut one_by_one = Vec::new();
    for id in ids {
        let single = app.gql(token, NODE, json!({ "id": id })).await;
        if single["data"]["node"].is_null() {
            assert_eq!(error_code(&single), "NOT_FOUND", "{single}");
        }
        one_by_one.push(!single["data"]["node"].is_null());
    }
    (nodes, one_by_one)
}

#[tokio::test]
async fn nodes_answers_like_node_for_every_kind_and_every_viewer() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin@network.example", None, true).await;
    fixtures::organization(&app, &admin, "home").await;
    let ana = app.token("ana@home.example", Some("home"), false).await;
    let bob = app.token("bob@home.example", Some("home"), false).await;
    let eve = app.token("eve@home.example", Some("home"), false).await;
    let open = fixtures::community(&app, &ana, "open", "NETWORK", "OPEN").await;
    let secret = fixtures::community(&app, &ana, "secret", "MEMBERS", "INVITATION").await;
    let bob_id = fixtures::person_id(&app, &bob).await;
    fixtures::add_member(&app, &secret, bob_id, &[CommunityRole::Member]).await;
    let open_thread = fixtures::thread(&app, &ana, &open, "Open thread").await;
    let secret_thread = fixtures::thread(&app, &ana, &secret, "Secret thread").await;
    let secret_post = fixtures::post(&app, &ana, &secret_thread, "Secret reply").await;
    let open_post = fixtures::post(&app, &ana, &open_thread, "Open reply").await;
    let created = app
        .ok(
            Some(&ana),
            "mutation($c: ID!) { createSubgroup(input: { communityId: $c, name: \"Comité\", visibility: MEMBERS }) { subgroup { id } } }",
            json!({ "c": secret }),
        )
        .await;
    let subgroup = created["createSubgroup"]["subgroup"]["id"].clone();
    let me = app.ok(Some(&bob), "{ me { id memberships(first: 5) { edges { node { id } } } } }", json!({})).await;
    let bob_gid = me["me"]["id"].clone();
    let bob_membership = me["me"]["memberships"]["edges"][0]["node"]["id"].clone();
    let organization =
        app.ok(None, "{ organization(slug: \"home\") { id } }", json!({})).await["organization"]["id"].clone();

    let ids = vec![
        secret_post.clone(),
        open.clone(),
        secret.clone(),
        open_thread.clone(),
        secret_thread.clone(),
        open_post.clone(),
        subgroup.clone(),
        bob_gid.clone(),
        bob_membership.clone(),
        organization.clone(),
        gid(NodeKind::Thread, 999_999),
        gid(NodeKind::Community, 999_999),
        gid(NodeKind::Session, 1),
        open.clone(),
    ];
    for (who, token) in [("ana", Some(&ana)), ("bob", Some(&bob)), ("eve", Some(&eve)), ("anonymous", None)] {
        let (nodes, one_by_one) = both(&app, token.map(String::as_str), &ids).await;
        assert_eq!(nodes.len(), ids.len(), "{who}: one answer per id, in order");
        let got: Vec<bool> = nodes.iter().map(|n| !n.is_null()).collect();
        assert_eq!(got, one_by_one, "{who}: nodes and node agree: {nodes:?}");
        for (node, id) in nodes.iter().zip(&ids) {
            if !node.is_null() {
                assert_eq!(&node["id"], id, "{who}: each answer is the object asked for");
            }
        }
        let text = Value::from(nodes.clone()).to_string();
        match who {
            // Eve, who is not in the secret community, and anonymous callers, see nothing of
            // it: not the community, its thread, its reply, its subgroup or bob's membership.
            "eve" | "anonymous" => {
                for secret_thing in ["Secret", "Comité"] {
                    assert!(!text.contains(secret_thing), "{who}: {text}");
                }
                assert!(nodes[2].is_null() && nodes[4].is_null() && nodes[0].is_null() && nodes[6].is_null());
                assert!(nodes[8].is_null(), "{who} does not see bob's membership of the secret community");
            }
            _ => {
                assert_eq!(nodes[0]["body"], "Secret reply", "{who}");
                assert_eq!(nodes[2]["slug"], "secret", "{who}");
            }
        }
        if who == "anonymous" {
            assert!(nodes[7].is_null(), "anonymous callers never read people");
        } else {
            assert!(nodes[7]["displayName"].is_string(), "{who}");
        }
        if who == "ana" {
            assert_eq!(nodes[3]["title"], "Open thread", "{who}");
            assert_eq!(nodes[5]["body"], "Open reply", "{who}");
        } else {
            // The open community's discussions are for its members.
            assert!(nodes[3].is_null() && nodes[5].is_null(), "{who}");
            assert_eq!(nodes[1]["slug"], json!(if who == "anonymous" { Value::Null } else { json!("open") }), "{who}");
        }
        assert_eq!(nodes[9]["slug"], "home", "{who}: organizations are public");
        assert!(nodes[10].is_null() && nodes[11].is_null() && nodes[12].is_null(), "{who}");
        assert_eq!(nodes[13], nodes[1], "{who}: a repeated id gets the same answer");
    }
    // Bob's own membership, any status, is his to see; the subgroup is for its members.
    let (nodes, _) = both(&app, Some(&bob), &ids).await;
    assert_eq!(nodes[8]["status"], "ACTIVE");
    assert!(nodes[6].is_null(), "bob is not in the members-only subgroup");
    let (nodes, _) = both(&app, Some(&ana), &ids).await;
    assert_eq!(nodes[6]["name"], "Comité");
}

#[tokio::test]
async fn nodes_is_bounded_and_costs_statements_by_kind_not_by_id() {
    let app = TestApp::spawn().await;
    let ana = app.token("ana@network.example", None, false).await;
    let community = fixtures::community(&app, &ana, "cop", "NETWORK", "OPEN").await;
    let mut threads = Vec::new();
    let mut posts = Vec::new();
    for t in 0..40 {
        let thread = fixtures::thread(&app, &ana, &community, &format!("Thread {t}")).await;
        posts.push(fixtures::post(&app, &ana, &thread, "Reply").await);
        threads.push(thread);
    }
    let statements = |n: usize| {
        let ids: Vec<Value> = threads.iter().take(n).chain(posts.iter().take(n)).cloned().collect();
        let app = &app;
        let ana = ana.clone();
        async move {
            app.reset_statements();
            let body = app.ok(Some(&ana), NODES, json!({ "ids": ids })).await;
            if std::env::var_os("SHOW_SQL").is_some() {
                for sql in app.statement_log() {
                    println!("  {}", sql.chars().take(200).collect::<String>());
                }
            }
            assert!(body["nodes"].as_array().is_some_and(|n| n.iter().all(|n| !n.is_null())), "{body}");
            // Those reading content (a session look-up may or may not come first).
            app.statement_log()
                .iter()
                .filter(|sql| ["\"post\"", "\"thread\"", "\"community\""].iter().any(|t| sql.contains(t)))
                .count()
        }
    };
    let few = statements(2).await;
    let many = statements(40).await;
    assert_eq!(few, many, "80 ids cost the statements of 4");
    assert!(many <= 4, "{many} statements for threads and posts: posts, threads, communities, ties");

    // At most 100 ids; an id that is not one is refused, naming the field.
    let ids: Vec<Value> = (0..101).map(|i| gid(NodeKind::Thread, i)).collect();
    let body = app.gql(Some(&ana), NODES, json!({ "ids": ids })).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    assert!(body["data"].is_null() || body["data"]["nodes"].is_null(), "{body}");
    let ids: Vec<Value> = (0..100).map(|i| gid(NodeKind::Thread, i)).collect();
    app.ok(Some(&ana), "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", json!({ "ids": ids })).await;
    let body = app.gql(Some(&ana), NODES, json!({ "ids": ["not an id"] })).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(error_field(&body), "ids", "{body}");
}

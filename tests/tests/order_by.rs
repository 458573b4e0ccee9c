//! `orderBy` on lists: every order pages through the whole list once (rows sharing a
//! sort key are neither skipped nor repeated, forwards and backwards), the visibility
//! filter holds in every order, a cursor serves only the order it was made for, and
//! hostile input (tampered cursors, values meant as SQL) is refused or stays a value.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use entity::enums::CommunityRole;
use harness::{TestApp, fixtures};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

/// Runs SQL on the test's database directly (to give rows equal sort keys).
async fn exec(app: &TestApp, sql: &str) {
    app.db.execute_unprepared(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// The connection at the end of `path` in `data`.
fn at<'a>(data: &'a Value, path: &[&str]) -> &'a Value {
    path.iter().fold(data, |v, k| &v[*k])
}

/// Walks a whole list page by page: forwards with `first: size, after:` or backwards
/// with `last: size, before:`. `query` gets the paging arguments (which use the variable
/// `$c: String`) and `path` leads to the connection. Returns the nodes in list order,
/// and checks every page's `totalCount` equals `total` when given.
async fn walk(
    app: &TestApp,
    token: Option<&str>,
    query: &dyn Fn(&str) -> String,
    path: &[&str],
    size: usize,
    backwards: bool,
    total: Option<usize>,
) -> Vec<Value> {
    let args = if backwards { format!("last: {size}, before: $c") } else { format!("first: {size}, after: $c") };
    let text = query(&args);
    let mut cursor = Value::Null;
    let mut nodes: Vec<Value> = Vec::new();
    for _ in 0..200 {
        let data = app.ok(token, &text, json!({ "c": cursor })).await;
        let conn = at(&data, path);
        if let Some(total) = total {
            assert_eq!(conn["totalCount"], json!(total), "totalCount is the visible count: {conn}");
        }
        let mut page = nodes_of(conn);
        assert!(page.len() <= size, "{conn}");
        let info = &conn["pageInfo"];
        if backwards {
            page.append(&mut nodes);
            nodes = page;
            if info["hasPreviousPage"] != json!(true) {
                return nodes;
            }
            cursor = info["startCursor"].clone();
        } else {
            nodes.append(&mut page);
            if info["hasNextPage"] != json!(true) {
                return nodes;
            }
            cursor = info["endCursor"].clone();
        }
    }
    panic!("the list does not end: {nodes:?}");
}

/// The row id a cursor holds (`c:id`, or `k:key:direction:id:value`).
fn cursor_id(cursor: &Value) -> i32 {
    let text =
        String::from_utf8(URL_SAFE_NO_PAD.decode(cursor.as_str().expect("a cursor")).expect("base64")).expect("text");
    let id = match text.strip_prefix("c:") {
        Some(id) => id,
        None => text.split(':').nth(3).expect("a keyed cursor"),
    };
    id.parse().expect("an id")
}

/// The nodes of a connection, each with `_id`: the row id its edge's cursor holds (audit
/// events have no global id).
fn nodes_of(conn: &Value) -> Vec<Value> {
    conn["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| {
            let mut node = e["node"].clone();
            node["_id"] = json!(cursor_id(&e["cursor"]));
            node
        })
        .collect()
}

fn id_of(node: &Value) -> i32 {
    i32::try_from(node["_id"].as_i64().expect("_id")).expect("i32")
}

fn ids(nodes: &[Value]) -> Vec<i32> {
    nodes.iter().map(id_of).collect()
}

fn time(v: &Value) -> DateTime<Utc> {
    v.as_str().and_then(|t| DateTime::parse_from_rfc3339(t).ok()).map(|t| t.with_timezone(&Utc)).expect("a time")
}

/// `nodes` sorted as the server must: by the key, then the id, in one direction.
fn expected(nodes: &[Value], field: &str, desc: bool) -> Vec<i32> {
    let mut sorted: Vec<&Value> = nodes.iter().collect();
    sorted.sort_by(|a, b| {
        let by_key = match field {
            "createdAt" => time(&a[field]).cmp(&time(&b[field])),
            _ => a[field].as_str().cmp(&b[field].as_str()),
        };
        by_key.then(id_of(a).cmp(&id_of(b)))
    });
    if desc {
        sorted.reverse();
    }
    sorted.into_iter().map(id_of).collect()
}

/// Checks that `list(orderBy: …)` pages through exactly `nodes` in the right order for
/// each field and direction, forwards and backwards, by pages of 1, 2 and 3.
async fn check_orders(
    app: &TestApp,
    token: Option<&str>,
    query: &dyn Fn(&str, &str) -> String,
    path: &[&str],
    nodes: &[Value],
    fields: &[(&str, &str)],
    total: Option<usize>,
) {
    for (enum_value, field) in fields {
        for direction in ["ASC", "DESC"] {
            let want = expected(nodes, field, direction == "DESC");
            let order = format!("{{ field: {enum_value}, direction: {direction} }}");
            for size in [1, 2, 3] {
                for backwards in [false, true] {
                    let got = walk(app, token, &|args| query(args, &order), path, size, backwards, total).await;
                    assert_eq!(
                        ids(&got),
                        want,
                        "{enum_value} {direction}, pages of {size}, {}",
                        if backwards { "backwards" } else { "forwards" }
                    );
                }
            }
        }
    }
}

/// Creates a community with this name; returns its global id.
async fn community(app: &TestApp, token: &str, slug: &str, name: &str, visibility: &str) -> Value {
    let data = app
        .ok(
            Some(token),
            "mutation($input: CreateCommunityInput!) { createCommunity(input: $input) { community { id } } }",
            json!({ "input": {
                "slug": slug, "name": name, "description": "A community of practice.",
                "visibility": visibility, "membershipPolicy": "OPEN",
            } }),
        )
        .await;
    data["createCommunity"]["community"]["id"].clone()
}

const NAMES: [&str; 12] =
    ["Beta", "Alpha", "Beta", "Beta", "Gamma", "Beta", "Alpha", "Beta", "Delta", "Beta", "Beta", "Epsilon"];

/// A network of communities, many sharing a name and a creation time, some secret.
/// Returns the founder's token.
async fn network(app: &TestApp) -> String {
    let founder = app.token("founder@network.example", None, false).await;
    for (i, name) in NAMES.iter().enumerate() {
        let visibility = if i % 3 == 0 { "PUBLIC" } else { "NETWORK" };
        community(app, &founder, &format!("c{i:02}"), name, visibility).await;
    }
    // Secret ones, named to fall between and among the others.
    for (slug, name) in [("s-beta", "Beta"), ("s-aardvark", "Aardvark"), ("s-zulu", "Zulu"), ("s-c05", "Beta")] {
        community(app, &founder, slug, name, "MEMBERS").await;
    }
    exec(
        app,
        "UPDATE community SET created_at = (SELECT created_at FROM community WHERE slug = 'c00') \
         WHERE slug IN ('c02', 'c03', 'c05', 'c07', 'c10', 's-beta', 's-zulu')",
    )
    .await;
    founder
}

const COMMUNITY_FIELDS: [(&str, &str); 3] = [("NAME", "name"), ("SLUG", "slug"), ("CREATED_AT", "createdAt")];

fn communities_query(args: &str, order: &str) -> String {
    format!(
        "query($c: String) {{ communities({args}, orderBy: {order}) {{ totalCount \
         pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }} \
         edges {{ cursor node {{ id name slug createdAt }} }} }} }}"
    )
}

async fn all_communities(app: &TestApp, token: Option<&str>) -> Vec<Value> {
    let data = app
        .ok(token, "{ communities(first: 100) { edges { cursor node { id name slug createdAt } } } }", json!({}))
        .await;
    nodes_of(&data["communities"])
}

#[tokio::test]
async fn communities_page_in_every_order_without_skipping_or_repeating() {
    let app = TestApp::spawn().await;
    let founder = network(&app).await;
    let everything = all_communities(&app, Some(&founder)).await;
    assert_eq!(everything.len(), 16, "the founder sees the secret ones too");
    check_orders(&app, Some(&founder), &communities_query, &["communities"], &everything, &COMMUNITY_FIELDS, Some(16))
        .await;

    // Without orderBy nothing changed: oldest first, by id, with the cursors of before.
    let data = app.ok(Some(&founder), "{ communities(first: 2) { edges { cursor node { id } } } }", json!({})).await;
    let first = &data["communities"]["edges"][0];
    let id = fixtures::db_id(&first["node"]["id"]);
    assert_eq!(ids(&everything)[0], id);
    assert_eq!(first["cursor"], json!(URL_SAFE_NO_PAD.encode(format!("c:{id}"))));
}

#[tokio::test]
async fn a_stranger_paging_by_name_never_meets_a_secret_community() {
    let app = TestApp::spawn().await;
    network(&app).await;
    let stranger = app.token("stranger@elsewhere.example", None, false).await;
    let visible = all_communities(&app, Some(&stranger)).await;
    assert_eq!(visible.len(), 12, "the twelve public and network ones");
    check_orders(&app, Some(&stranger), &communities_query, &["communities"], &visible, &COMMUNITY_FIELDS, Some(12))
        .await;
    let public = all_communities(&app, None).await;
    assert_eq!(public.len(), 4);
    check_orders(&app, None, &communities_query, &["communities"], &public, &[("NAME", "name")], Some(4)).await;

    // A cursor forged to sit just before a secret community's name and id shows the
    // visible ones after it, never the secret one.
    assert_eq!(app.count_rows("community").await, 16);
    for forged in ["k:cn:a:0:Aardvark", "k:cn:a:0:Zulu", "k:cn:d:2147483647:Zulu"] {
        let order = if forged.contains(":d:") { "{ field: NAME, direction: DESC }" } else { "{ field: NAME }" };
        let data = app
            .ok(
                Some(&stranger),
                &communities_query("first: 100, after: $c", order),
                json!({ "c": URL_SAFE_NO_PAD.encode(forged) }),
            )
            .await;
        let text = data.to_string();
        assert!(!text.contains("Aardvark") && !text.contains("Zulu") && !text.contains("s-"), "{forged}: {text}");
        assert_eq!(data["communities"]["totalCount"], 12);
    }
}

#[tokio::test]
async fn a_cursor_serves_only_its_own_order_and_tampering_is_refused() {
    let app = TestApp::spawn().await;
    let founder = network(&app).await;
    let token = Some(founder.as_str());
    let cursor_of = |data: &Value| data["communities"]["pageInfo"]["endCursor"].clone();
    let by_name =
        cursor_of(&app.ok(token, &communities_query("first: 2, after: $c", "{ field: NAME }"), json!({})).await);
    let by_id = cursor_of(
        &app.ok(token, "query($c: String) { communities(first: 2, after: $c) { pageInfo { endCursor } } }", json!({}))
            .await,
    );
    let thread_cursor = URL_SAFE_NO_PAD.encode("k:tt:a:1:Beta");
    let cases = [
        (by_name.clone(), "{ field: NAME, direction: DESC }"),
        (by_name.clone(), "{ field: SLUG }"),
        (by_id.clone(), "{ field: NAME }"),
        (thread_cursor.into(), "{ field: NAME }"),
        (URL_SAFE_NO_PAD.encode("k:cc:a:1:yesterday").into(), "{ field: CREATED_AT }"),
        (URL_SAFE_NO_PAD.encode("k:cn:a:x:Beta").into(), "{ field: NAME }"),
        (URL_SAFE_NO_PAD.encode(format!("k:cn:a:1:{}", "B".repeat(3000))).into(), "{ field: NAME }"),
        (json!("not base64 !"), "{ field: NAME }"),
        (URL_SAFE_NO_PAD.encode("k:cn:a:1:B\u{0}").into(), "{ field: NAME }"),
    ];
    for (cursor, order) in cases {
        for (args, field) in [("first: 2, after: $c", "after"), ("last: 2, before: $c", "before")] {
            let body = app.gql(token, &communities_query(args, order), json!({ "c": cursor })).await;
            assert_eq!(harness::error_code(&body), "BAD_USER_INPUT", "{cursor} with {order}: {body}");
            assert_eq!(harness::error_field(&body), field, "{body}");
            assert!(body["data"].is_null(), "{body}");
        }
    }
    // A name cursor used without orderBy (the default order) is refused as well.
    let body =
        app.gql(token, "query($c: String) { communities(after: $c) { totalCount } }", json!({ "c": by_name })).await;
    assert_eq!((harness::error_code(&body), harness::error_field(&body)), ("BAD_USER_INPUT", "after"), "{body}");

    // A value meant as SQL is a value: it sorts after every name, nothing is broken.
    let hostile = URL_SAFE_NO_PAD.encode("k:cn:a:1:' OR 1=1; DROP TABLE community; --");
    let data =
        app.ok(token, &communities_query("first: 100, after: $c", "{ field: NAME }"), json!({ "c": hostile })).await;
    let after: Vec<&str> = data["communities"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .filter_map(|e| e["node"]["name"].as_str())
        .collect();
    assert!(after.len() == 16 || after.is_empty(), "all or nothing sorts after a quote, by collation: {after:?}");
    assert_eq!(app.count_rows("community").await, 16);

    // Fields are an enum: anything else does not validate, and runs nothing.
    for order in ["{ field: name }", "{ field: NAME, direction: UP }", "{ field: ID }", "{ field: NAME, sql: \"1\" }"] {
        let body = app.gql(token, &format!("{{ communities(orderBy: {order}) {{ totalCount }} }}"), json!({})).await;
        assert_eq!(harness::error_code(&body), "GRAPHQL_VALIDATION_FAILED", "{order}: {body}");
    }
}

/// A community with threads sharing titles and creation times, and posts sharing theirs.
async fn discussions(app: &TestApp) -> (String, String, Value) {
    let admin = app.token("admin@network.example", None, true).await;
    fixtures::organization(app, &admin, "home").await;
    let ana = app.token("ana@home.example", Some("home"), false).await;
    let bob = app.token("bob@home.example", Some("home"), false).await;
    let community = community(app, &ana, "talk", "Talk", "NETWORK").await;
    let bob_id = fixtures::person_id(app, &bob).await;
    fixtures::add_member(app, &community, bob_id, &[CommunityRole::Member]).await;
    let titles = ["Soins", "Aide", "Soins", "Soins", "Zèle", "Aide", "Soins"];
    for (t, title) in titles.iter().enumerate() {
        let thread = fixtures::thread(app, &ana, &community, title).await;
        for p in 0..(t % 4 + 3) {
            fixtures::post(app, &bob, &thread, &format!("Reply {t}.{p}")).await;
        }
    }
    exec(
        app,
        "UPDATE thread SET created_at = (SELECT MIN(created_at) FROM thread) WHERE id % 2 = 0; \
         UPDATE post SET created_at = (SELECT MIN(created_at) FROM post) WHERE id % 3 <> 1",
    )
    .await;
    (ana, bob, community)
}

#[tokio::test]
async fn threads_and_posts_page_in_every_order() {
    let app = TestApp::spawn().await;
    let (_, bob, _) = discussions(&app).await;
    let token = Some(bob.as_str());
    let all = app
        .ok(
            token,
            "{ community(slug: \"talk\") { threads(first: 20) { edges { cursor node { id title createdAt \
             posts(first: 20) { edges { cursor node { id createdAt } } } } } } } }",
            json!({}),
        )
        .await;
    let threads = nodes_of(&all["community"]["threads"]);
    assert_eq!(threads.len(), 7);
    let threads_query = |args: &str, order: &str| {
        format!(
            "query($c: String) {{ community(slug: \"talk\") {{ threads({args}, orderBy: {order}) {{ totalCount \
             pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }} edges {{ cursor node {{ id title createdAt }} }} }} }} }}"
        )
    };
    check_orders(
        &app,
        token,
        &threads_query,
        &["community", "threads"],
        &threads,
        &[("TITLE", "title"), ("CREATED_AT", "createdAt")],
        Some(7),
    )
    .await;

    for thread in &threads {
        let posts = nodes_of(&thread["posts"]);
        let id = thread["id"].clone();
        let posts_query = move |args: &str, order: &str| {
            format!(
                "query($c: String) {{ node(id: {id}) {{ ... on Thread {{ posts({args}, orderBy: {order}) {{ totalCount \
                 pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }} edges {{ cursor node {{ id createdAt }} }} }} }} }} }}"
            )
        };
        let total = posts.len();
        check_orders(
            &app,
            token,
            &posts_query,
            &["node", "posts"],
            &posts,
            &[("CREATED_AT", "createdAt")],
            Some(total),
        )
        .await;
    }
}

/// The nested, read-ahead path (`community(slug)`, one statement on PostgreSQL) and the
/// loaders' path (`communities`) give the same pages in every order, from cursors too.
#[tokio::test]
async fn sorted_pages_read_ahead_are_the_pages_the_loaders_read() {
    let app = TestApp::spawn().await;
    let (ana, bob, _) = discussions(&app).await;
    let orders = [
        ("", ""),
        ("orderBy: { field: TITLE }", "orderBy: { field: CREATED_AT, direction: DESC }"),
        ("orderBy: { field: TITLE, direction: DESC }", "orderBy: { field: CREATED_AT }"),
        ("orderBy: { field: CREATED_AT, direction: DESC }", "orderBy: { field: CREATED_AT, direction: DESC }"),
    ];
    for token in [ana.as_str(), bob.as_str()] {
        for (threads_order, posts_order) in orders {
            let selection = |threads_args: &str, posts_args: &str| {
                format!(
                    "threads({threads_args} {threads_order}) {{ pageInfo {{ hasNextPage hasPreviousPage }} edges {{ cursor node {{ id title \
                     posts({posts_args} {posts_order}) {{ pageInfo {{ hasNextPage hasPreviousPage }} edges {{ cursor node {{ id body }} }} }} }} }} }}"
                )
            };
            let first = app
                .ok(
                    Some(token),
                    &format!("{{ community(slug: \"talk\") {{ {} }} }}", selection("first: 3", "first: 2")),
                    json!({}),
                )
                .await;
            let edges = &first["community"]["threads"]["edges"];
            let tc = edges[1]["cursor"].clone();
            let pc = edges[0]["node"]["posts"]["edges"][1]["cursor"].clone();
            for (threads_args, posts_args) in [
                ("first: 3", "first: 2"),
                ("first: 2, after: $tc", "first: 2, after: $pc"),
                ("last: 2, before: $tc", "last: 1, before: $pc"),
                ("last: 4", "last: 3"),
            ] {
                let sel = selection(threads_args, posts_args);
                let mut vars = json!({});
                let mut declared = Vec::new();
                for (name, value) in [("tc", &tc), ("pc", &pc)] {
                    if sel.contains(&format!("${name}")) {
                        vars[name] = value.clone();
                        declared.push(format!("${name}: String"));
                    }
                }
                let declared = if declared.is_empty() { String::new() } else { format!("({})", declared.join(", ")) };
                let direct = app
                    .gql(
                        Some(token),
                        &format!("query{declared} {{ community(slug: \"talk\") {{ {sel} }} }}"),
                        vars.clone(),
                    )
                    .await;
                let listed = app
                    .gql(
                        Some(token),
                        &format!(
                            "query{declared} {{ communities(first: 1, filter: {{ search: \"Talk\" }}) {{ edges {{ node {{ {sel} }} }} }} }}"
                        ),
                        vars,
                    )
                    .await;
                assert!(direct.get("errors").is_none(), "{direct}");
                let direct = &direct["data"]["community"]["threads"];
                let listed = &listed["data"]["communities"]["edges"][0]["node"]["threads"];
                assert!(direct["edges"].as_array().is_some_and(|e| !e.is_empty()), "{direct}");
                assert_eq!(
                    direct, listed,
                    "{threads_order} {posts_order}: threads({threads_args}) posts({posts_args})"
                );
            }
        }
    }
}

#[tokio::test]
async fn members_and_audit_events_page_in_every_order() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin@network.example", None, true).await;
    let ana = app.token("ana@network.example", None, false).await;
    let community = community(&app, &ana, "many", "Many", "NETWORK").await;
    for i in 0..8 {
        let token = app.token(&format!("p{i}@network.example"), None, false).await;
        let id = fixtures::person_id(&app, &token).await;
        fixtures::add_member(&app, &community, id, &[CommunityRole::Member]).await;
    }
    exec(&app, "UPDATE membership SET created_at = (SELECT MIN(created_at) FROM membership) WHERE id % 2 = 1").await;
    // Names shared by several members (ASCII capitals: the same order in any collation).
    exec(
        &app,
        "UPDATE person SET display_name = CASE WHEN id % 3 = 0 THEN 'Camille' WHEN id % 3 = 1 THEN 'Alex' \
         ELSE 'Dominique' END",
    )
    .await;
    let all = app
        .ok(
            Some(&ana),
            "{ community(slug: \"many\") { members(first: 100) { edges { cursor node { id createdAt person { displayName } } } } } }",
            json!({}),
        )
        .await;
    let mut members = nodes_of(&all["community"]["members"]);
    for member in &mut members {
        member["name"] = member["person"]["displayName"].clone();
    }
    assert_eq!(members.len(), 9, "the founder and eight members");
    let members_query = |args: &str, order: &str| {
        format!(
            "query($c: String) {{ community(slug: \"many\") {{ members({args}, orderBy: {order}) {{ totalCount \
             pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }} edges {{ cursor node {{ id createdAt }} }} }} }} }}"
        )
    };
    check_orders(
        &app,
        Some(&ana),
        &members_query,
        &["community", "members"],
        &members,
        &[("CREATED_AT", "createdAt"), ("NAME", "name")],
        Some(9),
    )
    .await;

    exec(&app, "UPDATE audit_event SET created_at = (SELECT MIN(created_at) FROM audit_event) WHERE id % 2 = 0").await;
    let all =
        app.ok(Some(&admin), "{ auditEvents(first: 100) { edges { cursor node { createdAt } } } }", json!({})).await;
    let events = nodes_of(&all["auditEvents"]);
    assert!(events.len() >= 3, "{all}");
    let audit_query = |args: &str, order: &str| {
        format!(
            "query($c: String) {{ auditEvents({args}, orderBy: {order}) {{ totalCount \
             pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }} edges {{ cursor node {{ createdAt }} }} }} }}"
        )
    };
    let total = events.len();
    check_orders(
        &app,
        Some(&admin),
        &audit_query,
        &["auditEvents"],
        &events,
        &[("CREATED_AT", "createdAt")],
        Some(total),
    )
    .await;
    // Nobody else reads the trail, in any order.
    let body = app.gql(Some(&ana), &audit_query("first: 5, after: $c", "{ field: CREATED_AT }"), json!({})).await;
    assert_eq!(harness::error_code(&body), "FORBIDDEN", "{body}");
}

/// On PostgreSQL, each sorted read of a large list walks an index of m0029 from the
/// cursor and stops after the page (no sort of the whole list), both directions. The
/// statements are the shape the server sends (the keyset's row comparison, `ORDER BY`
/// key then id, `LIMIT`); sequential scans and sorts are priced out so that the plan
/// shows whether an index can serve the order at all on a small table.
#[tokio::test]
async fn sorted_reads_use_the_order_indexes_on_postgres() {
    let app = TestApp::spawn().await;
    if !app.is_postgres() {
        return;
    }
    let reads = [
        ("SELECT id FROM community WHERE (name, id) > ('Beta', 3) ORDER BY name, id LIMIT 51", "ix_community_name_id"),
        (
            "SELECT id FROM community WHERE (name, id) < ('Beta', 3) ORDER BY name DESC, id DESC LIMIT 51",
            "Scan Backward using ix_community_name_id",
        ),
        (
            "SELECT id FROM community WHERE (created_at, id) > (now(), 3) ORDER BY created_at, id LIMIT 51",
            "ix_community_created_at_id",
        ),
        (
            "SELECT id FROM thread WHERE community_id = 1 AND (title, id) > ('Soins', 3) ORDER BY title, id LIMIT 21",
            "ix_thread_community_id_title_id",
        ),
        (
            "SELECT id FROM post WHERE thread_id = 1 AND (created_at, id) < (now(), 3) \
             ORDER BY created_at DESC, id DESC LIMIT 6",
            "Scan Backward using ix_post_thread_id_created_at_id",
        ),
        (
            "SELECT id FROM membership WHERE community_id = 1 AND (created_at, id) > (now(), 3) \
             ORDER BY created_at, id LIMIT 21",
            "ix_membership_community_id_created_at_id",
        ),
        (
            "SELECT id FROM audit_event WHERE (created_at, id) < (now(), 3) ORDER BY created_at DESC, id DESC LIMIT 21",
            "ix_audit_event_created_at_id",
        ),
    ];
    for (sql, index) in reads {
        let txn = sea_orm::TransactionTrait::begin(&app.db).await.expect("begin");
        for set in
            ["SET LOCAL enable_seqscan = off", "SET LOCAL enable_sort = off", "SET LOCAL enable_bitmapscan = off"]
        {
            txn.execute_unprepared(set).await.expect(set);
        }
        let rows = txn
            .query_all_raw(sea_orm::Statement::from_string(sea_orm::DbBackend::Postgres, format!("EXPLAIN {sql}")))
            .await
            .expect("explain");
        let plan: Vec<String> = rows.iter().filter_map(|r| r.try_get_by_index::<String>(0).ok()).collect();
        let plan = plan.join("\n");
        txn.rollback().await.expect("rollback");
        assert!(plan.contains(index), "{sql}:\n{plan}");
        assert!(!plan.contains("Sort"), "no sort of the list: {sql}:\n{plan}");
    }
}

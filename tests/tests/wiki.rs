//! Wiki pages through the API: revisions, saves that never overwrite someone else's
//! (`expectedRevision`, exactly one of two concurrent saves wins), diffs, restores,
//! sanitized HTML, and the community's access rules on every path.

use entity::enums::CommunityRole;
use harness::{TestApp, error_code, error_field, fixtures, join_all};
use serde_json::{Value, json};

const CREATE: &str =
    "mutation($input: CreateWikiPageInput!) { createWikiPage(input: $input) { page { id revision bodyHtml } } }";
const UPDATE: &str =
    "mutation($input: UpdateWikiPageInput!) { updateWikiPage(input: $input) { page { id revision body bodyHtml } } }";
const RESTORE: &str =
    "mutation($id: ID!) { restoreWikiPageRevision(input: { revisionId: $id }) { page { revision body title } } }";
const PAGE: &str = "query($id: ID!) { node(id: $id) { ... on WikiPage { title body revision community { slug } \
    revisions(first: 20) { totalCount edges { node { id number body changeNote author { id } } } } viewerCan { edit } } } }";
const DIFF: &str = "query($a: ID!, $b: ID!) { wikiPageDiff(fromRevisionId: $a, toRevisionId: $b) }";
const PAGES: &str = "query($c: ID!) { wikiPages(communityId: $c) { totalCount edges { node { id title } } } }";

struct World {
    app: TestApp,
    ana: String,
    bob: String,
    watcher: String,
    omar: String,
    cop: Value,
}

async fn world() -> World {
    world_with(|_| {}).await
}

async fn world_with(configure: impl FnOnce(&mut maillage_api::config::Settings)) -> World {
    let app = TestApp::spawn_with(configure).await;
    let admin = app.token("admin@network.example", None, true).await;
    fixtures::organization(&app, &admin, "home").await;
    fixtures::organization(&app, &admin, "other").await;
    let ana = app.token("ana@home.example", Some("home"), false).await;
    let bob = app.token("bob@home.example", Some("home"), false).await;
    let watcher = app.token("wanda@home.example", Some("home"), false).await;
    let omar = app.token("omar@other.example", Some("other"), false).await;
    let cop = fixtures::community(&app, &ana, "cop", "MEMBERS", "INVITATION").await;
    for (token, role) in [(&bob, CommunityRole::Member), (&watcher, CommunityRole::Watcher)] {
        let id = fixtures::person_id(&app, token).await;
        fixtures::add_member(&app, &cop, id, &[role]).await;
    }
    World { app, ana, bob, watcher, omar, cop }
}

async fn create(w: &World, token: &str, community: &Value, title: &str, body: &str) -> Value {
    let data = w
        .app
        .ok(Some(token), CREATE, json!({ "input": { "communityId": community, "title": title, "body": body } }))
        .await;
    data["createWikiPage"]["page"].clone()
}

fn update(id: &Value, expected: i64, body: &str) -> Value {
    json!({ "input": { "id": id, "expectedRevision": expected, "body": body, "changeNote": "edit" } })
}

#[tokio::test]
async fn pages_keep_every_revision_and_refuse_to_overwrite() {
    let w = world().await;
    let app = &w.app;
    let page = create(&w, &w.ana, &w.cop, "Procédure", "# Éclosion\n\nÉtape 1\n").await;
    assert_eq!(page["revision"], 1);
    assert!(page["bodyHtml"].as_str().unwrap().contains("<h1>Éclosion</h1>"), "{page}");
    let id = page["id"].clone();
    let saved = app.ok(Some(&w.bob), UPDATE, update(&id, 1, "# Éclosion\n\nÉtape 1\nÉtape 2\n")).await;
    assert_eq!(saved["updateWikiPage"]["page"]["revision"], 2);
    // Someone who read revision 1 saves: CONFLICT, and nothing changes.
    let late = app.gql(Some(&w.ana), UPDATE, update(&id, 1, "mine")).await;
    assert_eq!((error_code(&late), error_field(&late)), ("CONFLICT", "expectedRevision"), "{late}");
    let read = app.ok(Some(&w.ana), PAGE, json!({ "id": id })).await;
    assert_eq!(read["node"]["revision"], 2);
    assert_eq!(read["node"]["body"], "# Éclosion\n\nÉtape 1\nÉtape 2");
    let revisions = read["node"]["revisions"]["edges"].as_array().unwrap().clone();
    assert_eq!(revisions.len(), 2);
    let (first, second) = (revisions[0]["node"]["id"].clone(), revisions[1]["node"]["id"].clone());
    assert_eq!(revisions[1]["node"]["changeNote"], "edit");
    let diff = app.ok(Some(&w.ana), DIFF, json!({ "a": first, "b": second })).await;
    assert_eq!(
        diff["wikiPageDiff"],
        "--- revision 1\n+++ revision 2\n@@ -1,3 +1,4 @@\n # Éclosion\n \n Étape 1\n+Étape 2\n"
    );
    // Restoring revision 1 is revision 3, a copy of it.
    let restored = app.ok(Some(&w.bob), RESTORE, json!({ "id": first })).await;
    assert_eq!(restored["restoreWikiPageRevision"]["page"]["revision"], 3);
    assert_eq!(restored["restoreWikiPageRevision"]["page"]["body"], "# Éclosion\n\nÉtape 1");
    // A watcher reads but does not write; a stranger finds nothing.
    let watched = app.ok(Some(&w.watcher), PAGE, json!({ "id": id })).await;
    assert_eq!(watched["node"]["viewerCan"]["edit"], false);
    let refused = app.gql(Some(&w.watcher), UPDATE, update(&id, 3, "x")).await;
    assert_eq!(error_code(&refused), "FORBIDDEN", "{refused}");
    for query in [
        app.gql(Some(&w.omar), PAGE, json!({ "id": id })).await,
        app.gql(Some(&w.omar), UPDATE, update(&id, 3, "x")).await,
        app.gql(Some(&w.omar), RESTORE, json!({ "id": first })).await,
        app.gql(Some(&w.omar), DIFF, json!({ "a": first, "b": second })).await,
        app.gql(None, PAGE, json!({ "id": id })).await,
    ] {
        assert_eq!(error_code(&query), "NOT_FOUND", "{query}");
    }
    let listed = app.ok(Some(&w.omar), PAGES, json!({ "c": w.cop })).await;
    assert_eq!(listed["wikiPages"]["totalCount"], 0);
    let listed = app.ok(Some(&w.bob), PAGES, json!({ "c": w.cop })).await;
    assert_eq!(listed["wikiPages"]["totalCount"], 1);
    let stranger = app.gql(Some(&w.omar), CREATE, json!({ "input": { "communityId": w.cop, "title": "Spam" } })).await;
    assert_eq!(error_code(&stranger), "NOT_FOUND", "{stranger}");
    assert_eq!(app.count_rows("audit_event WHERE target_type = 'wiki_page'").await, 3);
    assert_eq!(app.count_rows("wiki_page_revision").await, 3);
    w.app.stop().await;
}

#[tokio::test]
async fn of_two_concurrent_saves_exactly_one_wins() {
    let w = world().await;
    let app = &w.app;
    let page = create(&w, &w.ana, &w.cop, "Liste", "start\n").await;
    let id = page["id"].clone();
    for round in 1..=3i64 {
        let answers = join_all(
            [(&w.ana, "ana"), (&w.bob, "bob")]
                .into_iter()
                .map(|(token, who)| app.gql(Some(token), UPDATE, update(&id, round, &format!("{who} {round}\n")))),
        )
        .await;
        let conflicts = answers.iter().filter(|a| error_code(a) == "CONFLICT").count();
        let saved = answers.iter().filter(|a| a.get("errors").is_none()).count();
        assert_eq!((saved, conflicts), (1, 1), "round {round}: {answers:?}");
    }
    let read = app.ok(Some(&w.ana), PAGE, json!({ "id": id })).await;
    assert_eq!(read["node"]["revision"], 4);
    assert_eq!(read["node"]["revisions"]["totalCount"], 4);
    w.app.stop().await;
}

#[tokio::test]
async fn page_html_is_sanitized() {
    let w = world().await;
    let vectors = [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "[clic](javascript:alert(1))",
        "<a href=\"JaVaScRiPt:alert(1)\">x</a>",
        "<iframe src=\"https://evil.example\"></iframe>",
        "<style>body{display:none}</style>",
        "<svg onload=alert(1)>",
        "<div onclick=\"alert(1)\">x</div>",
        "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>",
        "<object data=\"x.swf\"></object><embed src=\"x.swf\">",
        "<form action=\"https://evil.example\"><input name=p></form>",
        "![x](javascript:alert(1))",
        "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
        "<scr<script>ipt>alert(1)</script>",
    ];
    let page = create(&w, &w.ana, &w.cop, "XSS", &vectors.join("\n\n")).await;
    let html = page["bodyHtml"].as_str().unwrap().to_lowercase();
    for bad in [
        "<script",
        "onerror",
        "onload",
        "onclick",
        "javascript:",
        "<iframe",
        "<style",
        "data:text/html",
        "<object",
        "<embed",
        "<form",
        "<svg",
        "<math",
    ] {
        assert!(!html.contains(bad), "{bad} in {html}");
    }
    let linked = create(&w, &w.ana, &w.cop, "Lien", "[INSPQ](https://www.inspq.qc.ca)").await;
    let html = linked["bodyHtml"].as_str().unwrap();
    assert!(html.contains("rel=\"nofollow noopener"), "{html}");
    w.app.stop().await;
}

#[tokio::test]
async fn parents_belong_to_the_same_community() {
    let w = world().await;
    let app = &w.app;
    let parent = create(&w, &w.ana, &w.cop, "Parent", "").await;
    let other = fixtures::community(app, &w.ana, "other-cop", "NETWORK", "OPEN").await;
    let elsewhere = app
        .gql(
            Some(&w.ana),
            CREATE,
            json!({ "input": { "communityId": other, "parentId": parent["id"], "title": "Child" } }),
        )
        .await;
    assert_eq!((error_code(&elsewhere), error_field(&elsewhere)), ("BAD_USER_INPUT", "parentId"), "{elsewhere}");
    let child = app
        .ok(
            Some(&w.bob),
            CREATE,
            json!({ "input": { "communityId": w.cop, "parentId": parent["id"], "title": "Child" } }),
        )
        .await;
    assert_eq!(child["createWikiPage"]["page"]["revision"], 1);
    let empty = app
        .gql(Some(&w.ana), UPDATE, json!({ "input": { "id": parent["id"], "expectedRevision": 1, "title": " " } }))
        .await;
    assert_eq!((error_code(&empty), error_field(&empty)), ("BAD_USER_INPUT", "title"));
    w.app.stop().await;
}

/// The ids of a page's revisions, oldest first.
async fn revision_ids(w: &World, page: &Value) -> Vec<Value> {
    let read = w.app.ok(Some(&w.ana), PAGE, json!({ "id": page["id"] })).await;
    read["node"]["revisions"]["edges"].as_array().unwrap().iter().map(|e| e["node"]["id"].clone()).collect()
}

#[tokio::test]
async fn a_diff_of_large_unlike_revisions_comes_back_in_bounded_time_and_is_charged() {
    let w = world_with(|s| s.request_timeout_secs = 120).await;
    let app = &w.app;
    // 30,000 lines, none shared by the two revisions: the worst case of a line diff.
    let body = |prefix: char| (0..30_000).map(|i| format!("{prefix}{i:x}\n")).collect::<String>();
    let page = create(&w, &w.ana, &w.cop, "Grande liste", &body('f')).await;
    app.ok(Some(&w.ana), UPDATE, update(&page["id"], 1, &body('t'))).await;
    let ids = revision_ids(&w, &page).await;
    let started = std::time::Instant::now();
    let answer = app.gql(Some(&w.ana), DIFF, json!({ "a": ids[0], "b": ids[1] })).await;
    let took = started.elapsed();
    assert!(answer.get("errors").is_none(), "{}", answer["errors"]);
    let diff = answer["data"]["wikiPageDiff"].as_str().unwrap();
    assert!(diff.starts_with("--- revision 1\n+++ revision 2\n@@ "), "{}", &diff[..100]);
    // Complete: every line of the one removed, every line of the other added.
    let lines = |sign: char| diff.lines().skip(2).filter(|l| l.starts_with(sign)).count();
    assert_eq!((lines('-'), lines('+')), (30_000, 30_000));
    assert!(took < std::time::Duration::from_secs(20), "the diff took {took:?}");
    // It is charged for the work, not as one string.
    let cost = &answer["extensions"]["cost"];
    assert!(cost["actual"].as_u64().unwrap() >= 100, "{cost}");
    // Its most (1,000) is requested up front, so a diff that runs to its deadline and is
    // charged that flat most is within what was admitted.
    assert!(cost["requested"].as_u64().unwrap() >= 1_000, "{cost}");
    w.app.stop().await;
}

#[tokio::test]
async fn revisions_too_long_to_compare_are_refused_by_name() {
    let w = world().await;
    let app = &w.app;
    let page = create(&w, &w.ana, &w.cop, "Liste", "a\n").await;
    app.ok(Some(&w.ana), UPDATE, update(&page["id"], 1, &"a\n".repeat(60_000))).await;
    let ids = revision_ids(&w, &page).await;
    let refused = app.gql(Some(&w.ana), DIFF, json!({ "a": ids[0], "b": ids[1] })).await;
    let errors = &refused["errors"];
    assert_eq!((error_code(&refused), error_field(&refused)), ("BAD_USER_INPUT", "toRevisionId"), "{errors}");
    let message = refused["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("50,000 lines"), "{message}");
    let refused = app.gql(Some(&w.ana), DIFF, json!({ "a": ids[1], "b": ids[0] })).await;
    assert_eq!(error_field(&refused), "fromRevisionId", "{}", refused["errors"]);
    w.app.stop().await;
}

#[tokio::test]
async fn a_database_failure_reading_a_revision_is_no_not_found() {
    let w = world_with(|s| s.lock_timeout_ms = 300).await;
    let app = &w.app;
    let page = create(&w, &w.ana, &w.cop, "Liste", "a\n").await;
    app.ok(Some(&w.ana), UPDATE, update(&page["id"], 1, "b\n")).await;
    let ids = revision_ids(&w, &page).await;
    let diff = || app.gql(Some(&w.ana), DIFF, json!({ "a": ids[0], "b": ids[1] }));
    let restore = || app.gql(Some(&w.ana), RESTORE, json!({ "id": ids[0] }));
    if app.is_postgres() {
        // Pages locked by someone else past `lock_timeout`: the database is unavailable
        // for them, and the answer says so (the page is still there).
        use sea_orm::{ConnectionTrait, TransactionTrait};
        let holder = app.db.begin().await.unwrap();
        holder.execute_unprepared("LOCK TABLE wiki_page IN ACCESS EXCLUSIVE MODE").await.unwrap();
        for answer in [diff().await, restore().await] {
            assert_eq!(error_code(&answer), "UNAVAILABLE", "{answer}");
        }
        holder.rollback().await.unwrap();
    } else {
        // SQLite locks no table apart: a table that cannot be read stands in for it.
        use sea_orm::ConnectionTrait;
        app.db.execute_unprepared("ALTER TABLE wiki_page RENAME TO wiki_page_away").await.unwrap();
        for answer in [diff().await, restore().await] {
            assert_eq!(error_code(&answer), "INTERNAL", "{answer}");
        }
        app.db.execute_unprepared("ALTER TABLE wiki_page_away RENAME TO wiki_page").await.unwrap();
    }
    // Once it reads again, so do the revisions.
    assert!(diff().await.get("errors").is_none());
    w.app.stop().await;
}

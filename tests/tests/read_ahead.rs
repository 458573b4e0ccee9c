//! `community(slug) { threads { … posts { … } } }` reads the community, its threads page
//! and each thread's posts page in one statement on PostgreSQL (the same three loaders
//! elsewhere). What it reads ahead must be exactly what the loaders read: the same
//! pages, the same cursors, the same refusals, for every kind of viewer.

use entity::enums::CommunityRole;
use harness::{TestApp, fixtures};
use serde_json::{Value, json};

const PAGE: &str = "pageInfo { hasNextPage hasPreviousPage }";

/// The threads connection asked with these arguments, through `community(slug)` (read
/// ahead) and through `communities` (the loaders' path).
async fn both_ways(app: &TestApp, token: Option<&str>, threads: &str, posts: &str, vars: &Value) -> (Value, Value) {
    both_ways_selecting(app, token, threads, posts, vars, false).await
}

/// [`both_ways`], selecting every field of threads and posts (`all`: none may read a
/// column left out of the JSON) or a few (those the JSON then carries alone).
async fn both_ways_selecting(
    app: &TestApp,
    token: Option<&str>,
    threads: &str,
    posts: &str,
    vars: &Value,
    few: bool,
) -> (Value, Value) {
    let selection = if few {
        format!(
            "threads({threads}) {{ edges {{ node {{ title posts({posts}) {{ edges {{ node {{ body }} }} }} }} }} }}"
        )
    } else {
        format!(
            "threads({threads}) {{ {PAGE} edges {{ cursor node {{ id title body createdAt author {{ displayName }} \
         community {{ slug }} subgroup {{ name }} viewerCan {{ reply moderate }} \
         posts({posts}) {{ {PAGE} edges {{ cursor node {{ id body createdAt author {{ displayName }} thread {{ title }} }} }} }} }} }} }}"
        )
    };
    let mut cursors = String::new();
    for (name, used) in [("tc", threads.contains("$tc")), ("pc", posts.contains("$pc"))] {
        if used {
            cursors.push_str(&format!(", ${name}: String"));
        }
    }
    let direct = app
        .gql(
            token,
            &format!("query($slug: String!{cursors}) {{ community(slug: $slug) {{ {selection} }} }}"),
            vars.clone(),
        )
        .await;
    let mut listed_vars = vars.clone();
    listed_vars.as_object_mut().map(|v| v.remove("slug"));
    let declared = cursors.trim_start_matches(", ");
    let declared = if declared.is_empty() { String::new() } else { format!("({declared})") };
    let listed = app
        .gql(
            token,
            &format!(
                "query{declared} {{ communities(first: 1, filter: {{ search: \"Community ahead\" }}) {{ edges {{ node {{ slug {selection} }} }} }} }}"
            ),
            listed_vars,
        )
        .await;
    (direct, listed)
}

fn threads_of(direct: &Value) -> (Value, Value) {
    let codes: Vec<Value> = direct["errors"]
        .as_array()
        .map(|e| e.iter().map(|e| e["extensions"]["code"].clone()).collect())
        .unwrap_or_default();
    (direct["data"]["community"]["threads"].clone(), Value::from(codes))
}

fn listed_threads(listed: &Value) -> (Value, Value) {
    let codes: Vec<Value> = listed["errors"]
        .as_array()
        .map(|e| e.iter().map(|e| e["extensions"]["code"].clone()).collect())
        .unwrap_or_default();
    (listed["data"]["communities"]["edges"][0]["node"]["threads"].clone(), Value::from(codes))
}

/// Ana's network community `slug` (ana founded it), bob of her organization a member,
/// carol of another organization not: their tokens and the community's id.
async fn network(app: &TestApp, slug: &str) -> (String, String, String, Value) {
    let admin = app.token("admin@network.example", None, true).await;
    fixtures::organization(app, &admin, "home").await;
    fixtures::organization(app, &admin, "other").await;
    let ana = app.token("ana@home.example", Some("home"), false).await;
    let bob = app.token("bob@home.example", Some("home"), false).await;
    let carol = app.token("carol@other.example", Some("other"), false).await;
    let community = fixtures::community(app, &ana, slug, "NETWORK", "OPEN").await;
    let bob_id = fixtures::person_id(app, &bob).await;
    fixtures::add_member(app, &community, bob_id, &[CommunityRole::Member]).await;
    (ana, bob, carol, community)
}

#[tokio::test]
async fn threads_read_ahead_are_the_pages_the_loaders_read() {
    let app = TestApp::spawn().await;
    let (ana, bob, carol, community) = network(&app, "ahead").await;

    // A subgroup bob is not in, with a thread of its own: members-only subgroups hide
    // their threads from the community's other members.
    let created = app
        .ok(
            Some(&ana),
            "mutation($c: ID!) { createSubgroup(input: { communityId: $c, name: \"Comité\", visibility: MEMBERS }) { subgroup { id } } }",
            json!({ "c": community }),
        )
        .await;
    let subgroup = created["createSubgroup"]["subgroup"]["id"].clone();
    for t in 0..6 {
        let thread = if t == 2 {
            let data = app
                .ok(
                    Some(&ana),
                    "mutation($c: ID!, $s: ID!) { createThread(input: { communityId: $c, subgroupId: $s, title: \"Hidden\" }) { thread { id } } }",
                    json!({ "c": community, "s": subgroup }),
                )
                .await;
            data["createThread"]["thread"]["id"].clone()
        } else {
            fixtures::thread(&app, &ana, &community, &format!("Thread {t}")).await
        };
        for p in 0..(t + 2) {
            fixtures::post(&app, &ana, &thread, &format!("Reply {t}.{p}")).await;
        }
    }

    // Cursors to page from: the second thread ana sees, the second post of the first.
    let all = app
        .ok(
            Some(&ana),
            "{ community(slug: \"ahead\") { threads(first: 20) { edges { cursor node { posts(first: 20) { edges { cursor } } } } } } }",
            json!({}),
        )
        .await;
    let edges = &all["community"]["threads"]["edges"];
    assert_eq!(edges.as_array().map(Vec::len), Some(6), "ana sees every thread: {all}");
    let vars =
        json!({ "slug": "ahead", "tc": edges[1]["cursor"], "pc": edges[0]["node"]["posts"]["edges"][1]["cursor"] });

    let threads_args = ["first: 2", "first: 3, after: $tc", "last: 2", "last: 3, before: $tc", "first: 20", "first: 0"];
    let posts_args = ["first: 2", "last: 3", "first: 2, after: $pc", "last: 1, before: $pc", "first: 100"];
    let viewers = [
        ("ana", Some(ana.as_str())),
        ("bob", Some(bob.as_str())),
        ("carol", Some(carol.as_str())),
        ("anonymous", None),
    ];
    for (who, token) in viewers {
        for threads in threads_args {
            for posts in posts_args {
                let (direct, listed) = both_ways(&app, token, threads, posts, &vars).await;
                if harness::error_code(&direct) == "NOT_FOUND" {
                    // Not even listed: nothing to compare but that.
                    assert_eq!(listed["data"]["communities"]["edges"], json!([]), "{who}: {listed}");
                    assert_eq!(who, "anonymous", "{direct}");
                    continue;
                }
                assert_eq!(
                    threads_of(&direct),
                    listed_threads(&listed),
                    "{who}, threads({threads}) posts({posts}):\nread ahead: {direct}\nloaders: {listed}"
                );
            }
        }
    }

    for (who, token) in viewers {
        let (direct, listed) = both_ways_selecting(&app, token, "first: 20", "last: 3", &vars, true).await;
        if who != "anonymous" {
            assert_eq!(threads_of(&direct), listed_threads(&listed), "{who}, few fields");
        }
    }

    // What each viewer gets, as a person would notice it.
    let count = |body: &Value| body["data"]["community"]["threads"]["edges"].as_array().map(Vec::len);
    let (direct, _) = both_ways(&app, Some(&bob), "first: 20", "first: 5", &vars).await;
    assert_eq!(count(&direct), Some(5), "bob does not see the subgroup's thread: {direct}");
    assert!(!direct.to_string().contains("Hidden"));
    let (direct, _) = both_ways(&app, Some(&carol), "first: 20", "first: 5", &vars).await;
    assert_eq!(harness::error_code(&direct), "FORBIDDEN", "carol may see the community, not its discussions: {direct}");
    assert!(!direct.to_string().contains("Reply"), "{direct}");
    let (direct, _) = both_ways(&app, None, "first: 20", "first: 5", &vars).await;
    assert_eq!(harness::error_code(&direct), "NOT_FOUND", "a network community is not for anonymous callers: {direct}");
    assert!(!direct.to_string().contains("Reply"), "{direct}");

    // On PostgreSQL the read-ahead is one statement for the three levels.
    if app.is_postgres() {
        let query = "query($slug: String!) { community(slug: $slug) { threads(first: 20) { edges { node { title posts(first: 5) { edges { node { body } } } } } } } }";
        app.ok(Some(&bob), query, json!({ "slug": "ahead" })).await;
        app.reset_statements();
        let data = app.ok(Some(&bob), query, json!({ "slug": "ahead" })).await;
        let statements = app.statement_log();
        let reads: Vec<&String> = statements.iter().filter(|s| s.contains("\"thread\"")).collect();
        assert_eq!(reads.len(), 1, "threads and posts read with the community: {statements:#?}");
        assert!(reads[0].contains("\"post\"") && reads[0].contains("\"community\""), "{}", reads[0]);
        assert_eq!(
            data["community"]["threads"]["edges"][4]["node"]["posts"]["edges"].as_array().map(Vec::len),
            Some(5)
        );
    }
}

/// On PostgreSQL, whether the discussions are read ahead is decided in SQL from the
/// viewer's ties the statement joins (membership row, sponsorship). That decision must
/// agree with the policy: where the viewer may read, the pages come with the community
/// (no loader statement after it, which a wrong `NULL` would cost); where they may not,
/// they are refused. A DENY on a role the viewer does not hold changes nothing for them
/// (a missing membership row must not count as a denied one).
#[tokio::test]
async fn the_read_ahead_decision_follows_the_ties_the_statement_joined() {
    let app = TestApp::spawn().await;
    if !app.is_postgres() {
        return;
    }
    let admin = app.token("admin@network.example", None, true).await;
    fixtures::organization(&app, &admin, "home").await;
    fixtures::organization(&app, &admin, "other").await;
    let third = fixtures::db_id(&fixtures::organization(&app, &admin, "third").await);
    let ana = app.token("ana@home.example", Some("home"), false).await;
    let bob = app.token("bob@home.example", Some("home"), false).await;
    let dora = app.token("dora@third.example", Some("third"), false).await;
    let carol = app.token("carol@other.example", Some("other"), false).await;
    let community = fixtures::community(&app, &ana, "ahead", "MEMBERS", "OPEN").await;
    let community_id = fixtures::db_id(&community);
    let bob_id = fixtures::person_id(&app, &bob).await;
    fixtures::add_member(&app, &community, bob_id, &[CommunityRole::Member]).await;
    // Dora sponsors the community for her organization, which takes part in it, without
    // being a member of it.
    let dora_id = fixtures::person_id(&app, &dora).await;
    harness::setup::participation(&app, community_id, third, Some(dora_id)).await;
    let thread = fixtures::thread(&app, &ana, &community, "Thread").await;
    fixtures::post(&app, &ana, &thread, "Reply").await;

    let query = "query($slug: String!) { community(slug: $slug) { threads(first: 20) { edges { node { title posts(first: 5) { edges { node { body } } } } } } } }";
    // Statements that read threads or posts, and the answer.
    let run = |token: String| {
        let app = &app;
        async move {
            app.gql(Some(&token), query, json!({ "slug": "ahead" })).await;
            app.reset_statements();
            let body = app.gql(Some(&token), query, json!({ "slug": "ahead" })).await;
            let reads =
                app.statement_log().iter().filter(|s| s.contains("\"thread\"") || s.contains("\"post\"")).count();
            (reads, body)
        }
    };
    let replies = |body: &Value| body["data"]["community"]["threads"]["edges"][0]["node"]["posts"]["edges"].clone();
    let read_in_one = |who: &str, (reads, body): (usize, Value)| {
        assert_eq!(reads, 1, "{who}: the discussions come with the community, in one statement: {body}");
        assert_eq!(replies(&body), json!([{ "node": { "body": "Reply" } }]), "{who}: {body}");
    };

    read_in_one("ana, founder", run(ana.clone()).await);
    read_in_one("bob, member", run(bob.clone()).await);
    read_in_one("dora, sponsor and not a member", run(dora.clone()).await);
    let (_, body) = run(carol.clone()).await;
    assert_eq!(harness::error_code(&body), "NOT_FOUND", "carol has no tie to a members-only community: {body}");

    // A DENY on a role neither bob nor dora holds: nothing changes for them.
    let deny = |role: &str| json!({ "role": role, "s": community, "o": "community", "a": "read", "e": "DENY" });
    app.ok(Some(&admin), harness::ops::GRANT, deny("community:WATCHER")).await;
    read_in_one("bob, member, after a deny on watchers", run(bob.clone()).await);
    read_in_one("dora, sponsor, after a deny on watchers", run(dora.clone()).await);

    // A DENY on members: bob may no longer read; dora, who is no member, still reads.
    app.ok(Some(&admin), harness::ops::GRANT, deny("community:MEMBER")).await;
    let (_, body) = run(bob.clone()).await;
    assert_eq!(harness::error_code(&body), "FORBIDDEN", "the deny on members wins for bob: {body}");
    assert!(!body.to_string().contains("Reply"), "{body}");
    read_in_one("dora, sponsor, after a deny on members", run(dora.clone()).await);
}

/// Issue 14's fields under the threads read ahead (`bench/discussions.sh`, operation b):
/// each thread's `unreadCount` and `acceptedAnswer` and each reply's `reactions` come with
/// the pages — one statement on PostgreSQL, as without them — and are what the loaders
/// give, for each viewer (hidden and deleted replies, one's own replies, read positions).
#[tokio::test]
async fn unread_counts_accepted_answers_and_reactions_read_ahead_are_what_the_loaders_read() {
    let app = TestApp::spawn().await;
    let (ana, bob, carol, community) = network(&app, "richer").await;

    let ask = |token: &str, kind: &str, title: &str| {
        let (app, token, community) = (&app, token.to_owned(), community.clone());
        let (kind, title) = (kind.to_owned(), title.to_owned());
        async move {
            let data = app
                .ok(
                    Some(&token),
                    "mutation($input: CreateThreadInput!) { createThread(input: $input) { thread { id } } }",
                    json!({ "input": { "communityId": community, "kind": kind, "title": title, "body": "Qui sait?" } }),
                )
                .await;
            data["createThread"]["thread"]["id"].clone()
        }
    };
    let react = "mutation($id: ID!, $r: Reaction!) { react(input: { postId: $id, reaction: $r }) { post { id } } }";
    // A question of bob's: two answers of ana's (the second accepted), a reply of bob's.
    let question = ask(&bob, "QUESTION", "Une question").await;
    let first = fixtures::post(&app, &ana, &question, "Première réponse").await;
    let second = fixtures::post(&app, &ana, &question, "Seconde réponse").await;
    let own = fixtures::post(&app, &bob, &question, "Merci!").await;
    app.ok(
        Some(&bob),
        "mutation($id: ID!) { acceptAnswer(input: { postId: $id }) { post { id } } }",
        json!({ "id": second }),
    )
    .await;
    for (token, post, reaction) in
        [(&bob, &first, "USEFUL"), (&bob, &second, "THANKS"), (&bob, &second, "USEFUL"), (&ana, &own, "AGREE")]
    {
        app.ok(Some(token), react, json!({ "id": post, "r": reaction })).await;
    }
    // Bob's reply took his read position to it; ana adds a detail after it.
    fixtures::post(&app, &ana, &question, "Une précision").await;
    // A discussion of ana's: bob's replies, one hidden by ana (an animator), one deleted.
    let discussion = ask(&ana, "DISCUSSION", "Une discussion").await;
    let mut replies = Vec::new();
    for n in 0..4 {
        replies.push(fixtures::post(&app, &bob, &discussion, &format!("Réponse {n}")).await);
    }
    app.ok(
        Some(&ana),
        "mutation($id: ID!) { hidePost(input: { postId: $id, reason: \"hors sujet\" }) { post { id } } }",
        json!({ "id": replies[1] }),
    )
    .await;
    app.ok(
        Some(&bob),
        "mutation($id: ID!) { deletePost(input: { postId: $id }) { post { id } } }",
        json!({ "id": replies[2] }),
    )
    .await;
    app.ok(Some(&bob), react, json!({ "id": replies[3], "r": "USEFUL" })).await;
    // An unanswered question with no reply.
    ask(&ana, "QUESTION", "Sans réponse").await;

    let selections = [
        "threads(first: 20) { edges { node { title unreadCount kind acceptedAnswer { id } posts(first: 5) { edges { node { body reactions { reaction count } } } } } } }",
        "threads(first: 2) { edges { node { id unreadCount acceptedAnswer { id body deleted hidden author { displayName } } \
         posts(last: 2) { edges { node { id reactions { reaction count viewerReacted people { displayName } } } } } } } }",
        "threads(first: 20) { edges { node { acceptedAnswer { id createdAt } posts(first: 1) { edges { node { id } } } } } }",
    ];
    for (who, token) in [("ana", Some(ana.as_str())), ("bob", Some(bob.as_str())), ("carol", Some(carol.as_str()))] {
        for selection in selections {
            let direct =
                app.gql(token, &format!("{{ community(slug: \"richer\") {{ {selection} }} }}"), json!({})).await;
            let listed = app
                .gql(
                    token,
                    &format!(
                        "{{ communities(first: 1, filter: {{ search: \"Community richer\" }}) {{ edges {{ node {{ {selection} }} }} }} }}"
                    ),
                    json!({}),
                )
                .await;
            assert_eq!(
                threads_of(&direct),
                listed_threads(&listed),
                "{who}, {selection}:\nread ahead: {direct}\nloaders: {listed}"
            );
            if who == "carol" {
                assert_eq!(harness::error_code(&direct), "FORBIDDEN", "{direct}");
            }
        }
    }

    // What bob sees, as he would notice it: one answer new to him in his question (the one
    // after his own reply), the hidden and deleted replies not counted in the discussion.
    let rich = |token: &str| {
        let app = &app;
        let token = token.to_owned();
        async move {
            let query = format!("{{ community(slug: \"richer\") {{ {} }} }}", selections[0]);
            app.ok(Some(&token), &query, json!({})).await;
            app.reset_statements();
            let data = app.ok(Some(&token), &query, json!({})).await;
            // Statements reading posts, reactions or read positions (a hidden reply's author
            // may cost a look-up of its thread, which is not one of these).
            let reads: Vec<String> = app
                .statement_log()
                .into_iter()
                .filter(|s| s.contains("post_reaction") || s.contains("thread_reader") || s.contains("FROM \"post\""))
                .collect();
            (reads, data["community"]["threads"]["edges"].clone())
        }
    };
    let (reads, threads) = rich(&bob).await;
    let node = |i: usize| threads[i]["node"].clone();
    assert_eq!(node(0)["kind"], "QUESTION");
    assert_eq!(node(0)["unreadCount"], 1, "{threads}");
    assert_eq!(node(0)["acceptedAnswer"]["id"], second);
    assert_eq!(
        node(0)["posts"]["edges"][1]["node"]["reactions"],
        json!([{ "count": 1, "reaction": "USEFUL" }, { "count": 1, "reaction": "THANKS" }])
    );
    assert_eq!(node(1)["unreadCount"], 0, "bob wrote every reply of the discussion: {threads}");
    assert_eq!(node(2)["acceptedAnswer"], Value::Null);
    let (_, threads) = rich(&ana).await;
    assert_eq!(threads[1]["node"]["unreadCount"], 2, "neither the hidden nor the deleted reply is new: {threads}");
    if app.is_postgres() {
        assert_eq!(reads.len(), 1, "unread counts, accepted answers and reactions come with the pages: {reads:#?}");
        let (reads, _) = rich(&ana).await;
        assert_eq!(reads.len(), 1, "{reads:#?}");
    }
}

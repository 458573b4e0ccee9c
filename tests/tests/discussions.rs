//! Discussions that serve practice (issue 14): kinds of thread, questions and their
//! accepted answers, nested replies, edits with their history, deletion placeholders,
//! reactions and rendered bodies — through the API, as people of two organizations and
//! an animator would use them.

use entity::enums::CommunityRole;
use harness::{TestApp, error_code, error_field, fixtures};
use maillage_api::graphql::ids::{NodeKind, to_global};
use serde_json::{Value, json};

const CREATE_THREAD: &str = "mutation($input: CreateThreadInput!) { createThread(input: $input) { thread { id kind language body bodyHtml answeredAt firstReplyAt acceptedAnswer { id } } } }";
const CREATE_POST: &str = "mutation($input: CreatePostInput!) { createPost(input: $input) { post { id body bodyHtml replyTo { id } deleted editedAt } } }";
const ACCEPT: &str = "mutation($id: ID!) { acceptAnswer(input: { postId: $id }) { post { id } thread { id answeredAt acceptedAnswer { id body } } } }";
const EDIT: &str = "mutation($id: ID!, $body: String!) { editPost(input: { postId: $id, body: $body }) { post { id body editedAt } } }";
const DELETE: &str =
    "mutation($id: ID!) { deletePost(input: { postId: $id }) { post { id body bodyHtml deleted author { id } } } }";
const REACT: &str = "mutation($id: ID!, $r: Reaction!) { react(input: { postId: $id, reaction: $r }) { post { id reactions { reaction count viewerReacted people { displayName } } } } }";
const UNREACT: &str = "mutation($id: ID!, $r: Reaction!) { unreact(input: { postId: $id, reaction: $r }) { post { id reactions { reaction count viewerReacted } } } }";
const THREAD: &str = "query($id: ID!) { node(id: $id) { ... on Thread { id kind answeredAt firstReplyAt acceptedAnswer { id } viewerCan { reply moderate accept } posts(first: 20) { edges { node { id body deleted editedAt replyTo { id } revisions { body editor { displayName } } reactions { reaction count } } } } } } }";
const UNANSWERED: &str = "query($s: String!, $h: Int) { community(slug: $s) { unansweredQuestions(olderThanHours: $h, first: 10) { totalCount edges { node { id title } } } } }";

/// A community of practice with its founder (an animator), a nurse of one organization, a
/// social worker of another, and a stranger of a third who is not a member.
struct Cop {
    app: TestApp,
    community: Value,
    founder: String,
    nurse: String,
    worker: String,
    stranger: String,
}

async fn cop() -> Cop {
    let app = TestApp::spawn().await;
    let admin = app.token("admin@network.example", None, true).await;
    for org in ["cisss-a", "cisss-b", "elsewhere"] {
        fixtures::organization(&app, &admin, org).await;
    }
    let founder = app.token("animatrice@cisss-a.example", Some("cisss-a"), false).await;
    let nurse = app.token("infirmiere@cisss-a.example", Some("cisss-a"), false).await;
    let worker = app.token("social.worker@cisss-b.example", Some("cisss-b"), false).await;
    let stranger = app.token("stranger@elsewhere.example", Some("elsewhere"), false).await;
    let community = fixtures::community(&app, &founder, "plaies", "MEMBERS", "APPROVAL").await;
    for token in [&nurse, &worker] {
        let id = fixtures::person_id(&app, token).await;
        fixtures::add_member(&app, &community, id, &[CommunityRole::Member]).await;
    }
    Cop { app, community, founder, nurse, worker, stranger }
}

async fn question(cop: &Cop, token: &str, title: &str) -> Value {
    let data = cop
        .app
        .ok(
            Some(token),
            CREATE_THREAD,
            json!({ "input": { "communityId": cop.community, "kind": "QUESTION", "language": "fr-CA", "title": title,
                "body": "Quel pansement pour une **plaie de pression** de stade 2?" } }),
        )
        .await;
    data["createThread"]["thread"].clone()
}

async fn reply(cop: &Cop, token: &str, thread: &Value, reply_to: Option<&Value>, body: &str) -> Value {
    let data = cop
        .app
        .ok(Some(token), CREATE_POST, json!({ "input": { "threadId": thread, "replyToId": reply_to, "body": body } }))
        .await;
    data["createPost"]["post"].clone()
}

async fn unanswered(cop: &Cop, token: &str, hours: i64) -> (i64, Vec<String>) {
    let data = cop.app.ok(Some(token), UNANSWERED, json!({ "s": "plaies", "h": hours })).await;
    let list = &data["community"]["unansweredQuestions"];
    let titles = list["edges"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["node"]["title"].as_str().map(str::to_owned))
        .collect();
    (list["totalCount"].as_i64().unwrap_or(-1), titles)
}

async fn audited(app: &TestApp, action: &str) -> i64 {
    app.count_rows(&format!("audit_event WHERE action = '{action}'")).await
}

#[tokio::test]
async fn a_question_is_answered_across_organizations_and_accepted_by_the_asker() {
    let cop = cop().await;
    let asked = question(&cop, &cop.nurse, "Pansement plaie de pression").await;
    assert_eq!(asked["kind"], "QUESTION");
    assert_eq!(asked["language"], "fr-CA");
    assert_eq!(asked["body"], "Quel pansement pour une **plaie de pression** de stade 2?");
    assert!(asked["bodyHtml"].as_str().is_some_and(|h| h.contains("<strong>plaie de pression</strong>")), "{asked}");
    assert!(asked["firstReplyAt"].is_null() && asked["answeredAt"].is_null() && asked["acceptedAnswer"].is_null());
    let thread = &asked["id"];

    // The animator watches the community's unanswered questions.
    assert_eq!(unanswered(&cop, &cop.founder, 0).await, (1, vec!["Pansement plaie de pression".to_owned()]));
    // Asked just now: not yet older than an hour.
    assert_eq!(unanswered(&cop, &cop.founder, 1).await.0, 0);

    // The asker adding details is not a reply to their question.
    reply(&cop, &cop.nurse, thread, None, "Précision : patient diabétique.").await;
    let data = cop.app.ok(Some(&cop.nurse), THREAD, json!({ "id": thread })).await;
    assert!(data["node"]["firstReplyAt"].is_null(), "{data}");

    let answer = reply(&cop, &cop.worker, thread, None, "We use a hydrocolloid dressing, changed every 3 days.").await;
    let data = cop.app.ok(Some(&cop.nurse), THREAD, json!({ "id": thread })).await;
    let first_reply_at = data["node"]["firstReplyAt"].as_str().expect("time of the first reply").to_owned();
    assert_eq!(data["node"]["viewerCan"], json!({ "reply": true, "moderate": false, "accept": true }));
    let data = cop.app.ok(Some(&cop.worker), THREAD, json!({ "id": thread })).await;
    assert_eq!(data["node"]["viewerCan"]["accept"], false, "only the asker or an animator accepts");
    let data = cop.app.ok(Some(&cop.founder), THREAD, json!({ "id": thread })).await;
    assert_eq!(data["node"]["viewerCan"], json!({ "reply": true, "moderate": true, "accept": true }));

    // The person who answered may not accept their own answer for the asker.
    let body = cop.app.gql(Some(&cop.worker), ACCEPT, json!({ "id": answer["id"] })).await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    // Nor may someone outside the community, who learns nothing of it.
    let body = cop.app.gql(Some(&cop.stranger), ACCEPT, json!({ "id": answer["id"] })).await;
    assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
    assert_eq!(audited(&cop.app, "thread.accept_answer").await, 0);

    let data = cop.app.ok(Some(&cop.nurse), ACCEPT, json!({ "id": answer["id"] })).await;
    let accepted = &data["acceptAnswer"]["thread"];
    assert_eq!(accepted["acceptedAnswer"]["id"], answer["id"]);
    assert_eq!(accepted["acceptedAnswer"]["body"], "We use a hydrocolloid dressing, changed every 3 days.");
    let answered_at = accepted["answeredAt"].as_str().expect("answeredAt");
    assert!(answered_at >= first_reply_at.as_str(), "{answered_at} after {first_reply_at}");
    assert_eq!(audited(&cop.app, "thread.accept_answer").await, 1);

    // The unanswered questions shrink.
    assert_eq!(unanswered(&cop, &cop.founder, 0).await, (0, vec![]));
    let data = cop.app.ok(Some(&cop.worker), THREAD, json!({ "id": thread })).await;
    assert_eq!(data["node"]["acceptedAnswer"]["id"], answer["id"]);

    // Deleting the accepted answer re-opens the question.
    cop.app.ok(Some(&cop.worker), DELETE, json!({ "id": answer["id"] })).await;
    let data = cop.app.ok(Some(&cop.nurse), THREAD, json!({ "id": thread })).await;
    assert!(data["node"]["acceptedAnswer"].is_null() && data["node"]["answeredAt"].is_null(), "{data}");
    assert_eq!(unanswered(&cop, &cop.founder, 0).await.0, 1);
}

#[tokio::test]
async fn animators_accept_answers_and_only_questions_have_one() {
    let cop = cop().await;
    let asked = question(&cop, &cop.nurse, "Question").await;
    let answer = reply(&cop, &cop.worker, &asked["id"], None, "An answer").await;
    let data = cop.app.ok(Some(&cop.founder), ACCEPT, json!({ "id": answer["id"] })).await;
    assert_eq!(data["acceptAnswer"]["thread"]["acceptedAnswer"]["id"], answer["id"]);

    let discussion = fixtures::thread(&cop.app, &cop.nurse, &cop.community, "Just talking").await;
    let post = reply(&cop, &cop.worker, &discussion, None, "Hello").await;
    let body = cop.app.gql(Some(&cop.nurse), ACCEPT, json!({ "id": post["id"] })).await;
    assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", "postId"), "{body}");
    let data = cop.app.ok(Some(&cop.nurse), THREAD, json!({ "id": discussion })).await;
    assert_eq!(data["node"]["kind"], "DISCUSSION", "the kind defaults to DISCUSSION");
    assert!(data["node"]["acceptedAnswer"].is_null());
    assert_eq!(data["node"]["viewerCan"]["accept"], false);
    // The unanswered questions are questions only.
    assert_eq!(unanswered(&cop, &cop.founder, 0).await.0, 0);
}

#[tokio::test]
async fn thread_kinds_and_languages_are_checked() {
    let cop = cop().await;
    let create = |token: &str, input: Value| {
        let token = token.to_owned();
        let app = &cop.app;
        async move { app.gql(Some(&token), CREATE_THREAD, json!({ "input": input })).await }
    };
    let threads = cop.app.count_rows("thread").await;
    // Announcements are the animators' (by default).
    let body = create(&cop.nurse, json!({ "communityId": cop.community, "kind": "ANNOUNCEMENT", "title": "Hi" })).await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    for bad in ["", "f", "français", "fr_CA", "fr--CA", "123", "fr-CA-toolongsubtag"] {
        let body =
            create(&cop.nurse, json!({ "communityId": cop.community, "language": bad, "title": "Langue" })).await;
        assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", "language"), "{bad:?}: {body}");
    }
    assert_eq!(cop.app.count_rows("thread").await, threads, "nothing written");
    let body =
        create(&cop.founder, json!({ "communityId": cop.community, "kind": "ANNOUNCEMENT", "title": "Webinaire" }))
            .await;
    assert_eq!(body["data"]["createThread"]["thread"]["kind"], "ANNOUNCEMENT", "{body}");
    for kind in ["CALL_FOR_INPUT", "CASE_DISCUSSION", "DISCUSSION"] {
        let body =
            create(&cop.worker, json!({ "communityId": cop.community, "kind": kind, "language": "en", "title": kind }))
                .await;
        assert_eq!(body["data"]["createThread"]["thread"]["kind"], kind, "{body}");
        assert_eq!(body["data"]["createThread"]["thread"]["language"], "en");
    }
    assert_eq!(audited(&cop.app, "thread.create").await, 4);
}

#[tokio::test]
async fn replies_nest_one_level_and_only_within_their_thread() {
    let cop = cop().await;
    let thread = fixtures::thread(&cop.app, &cop.nurse, &cop.community, "Thread").await;
    let other = fixtures::thread(&cop.app, &cop.nurse, &cop.community, "Other thread").await;
    let top = reply(&cop, &cop.nurse, &thread, None, "Top").await;
    let child = reply(&cop, &cop.worker, &thread, Some(&top["id"]), "Child").await;
    assert_eq!(child["replyTo"]["id"], top["id"]);
    // A reply to the child goes under the top reply: one level of nesting.
    let grandchild = reply(&cop, &cop.nurse, &thread, Some(&child["id"]), "Grandchild").await;
    assert_eq!(grandchild["replyTo"]["id"], top["id"]);

    let elsewhere = reply(&cop, &cop.nurse, &other, None, "Elsewhere").await;
    let posts = cop.app.count_rows("post").await;
    let secret = fixtures::community(&cop.app, &cop.founder, "secret", "MEMBERS", "INVITATION").await;
    let hidden_thread = fixtures::thread(&cop.app, &cop.founder, &secret, "Secret").await;
    let hidden = fixtures::post(&cop.app, &cop.founder, &hidden_thread, "Secret reply").await;
    let posts_before = cop.app.count_rows("post").await;
    assert_eq!(posts_before, posts + 1);
    for reply_to in [elsewhere["id"].clone(), hidden, json!("not an id"), json!(thread)] {
        let body = cop
            .app
            .gql(
                Some(&cop.worker),
                CREATE_POST,
                json!({ "input": { "threadId": thread, "replyToId": reply_to, "body": "Reply" } }),
            )
            .await;
        assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", "replyToId"), "{reply_to}: {body}");
        // The same message whether the other reply is readable or not.
        assert!(body["errors"][0]["message"].as_str().is_some_and(|m| !m.contains("Secret")), "{body}");
    }
    assert_eq!(cop.app.count_rows("post").await, posts_before, "nothing written");
}

#[tokio::test]
async fn only_the_author_edits_a_reply_and_moderators_read_its_history() {
    let cop = cop().await;
    let thread = fixtures::thread(&cop.app, &cop.nurse, &cop.community, "Thread").await;
    let post = reply(&cop, &cop.nurse, &thread, None, "First version").await;
    assert!(post["editedAt"].is_null());

    for token in [&cop.worker, &cop.founder] {
        let body = cop.app.gql(Some(token), EDIT, json!({ "id": post["id"], "body": "Hijacked" })).await;
        assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    }
    let body = cop.app.gql(Some(&cop.stranger), EDIT, json!({ "id": post["id"], "body": "Hijacked" })).await;
    assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
    let body = cop.app.gql(Some(&cop.nurse), EDIT, json!({ "id": post["id"], "body": "  \n " })).await;
    assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", "body"), "{body}");
    assert_eq!(cop.app.count_rows("post_revision").await, 0, "nothing written");

    let data = cop.app.ok(Some(&cop.nurse), EDIT, json!({ "id": post["id"], "body": "Second version" })).await;
    assert_eq!(data["editPost"]["post"]["body"], "Second version");
    assert!(data["editPost"]["post"]["editedAt"].is_string());
    cop.app.ok(Some(&cop.nurse), EDIT, json!({ "id": post["id"], "body": "Third version" })).await;
    assert_eq!(audited(&cop.app, "post.edit").await, 2);

    let node = |data: Value| data["node"]["posts"]["edges"][0]["node"].clone();
    // Readers see that it was edited, not what it said.
    let seen = node(cop.app.ok(Some(&cop.worker), THREAD, json!({ "id": thread })).await);
    assert_eq!(seen["body"], "Third version");
    assert!(seen["editedAt"].is_string() && seen["revisions"].is_null(), "{seen}");
    let seen = node(cop.app.ok(Some(&cop.nurse), THREAD, json!({ "id": thread })).await);
    assert!(seen["revisions"].is_null(), "the author is not a moderator: {seen}");
    // The animator (a moderator) sees every earlier version.
    let seen = node(cop.app.ok(Some(&cop.founder), THREAD, json!({ "id": thread })).await);
    assert_eq!(
        seen["revisions"],
        json!([
            { "body": "First version", "editor": { "displayName": "infirmiere" } },
            { "body": "Second version", "editor": { "displayName": "infirmiere" } },
        ])
    );
}

#[tokio::test]
async fn a_deleted_reply_leaves_a_placeholder() {
    let cop = cop().await;
    let thread = fixtures::thread(&cop.app, &cop.nurse, &cop.community, "Thread").await;
    let mine = reply(&cop, &cop.worker, &thread, None, "Mine").await;
    let theirs = reply(&cop, &cop.nurse, &thread, None, "Theirs").await;
    let child = reply(&cop, &cop.nurse, &thread, Some(&mine["id"]), "Under mine").await;

    let body = cop.app.gql(Some(&cop.worker), DELETE, json!({ "id": theirs["id"] })).await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    let body = cop.app.gql(Some(&cop.stranger), DELETE, json!({ "id": theirs["id"] })).await;
    assert_eq!(error_code(&body), "NOT_FOUND", "{body}");

    let data = cop.app.ok(Some(&cop.worker), DELETE, json!({ "id": mine["id"] })).await;
    let placeholder = &data["deletePost"]["post"];
    assert_eq!((placeholder["deleted"].as_bool(), placeholder["body"].as_str()), (Some(true), Some("")));
    assert_eq!(placeholder["bodyHtml"], "");
    // A moderator deletes someone else's reply.
    cop.app.ok(Some(&cop.founder), DELETE, json!({ "id": theirs["id"] })).await;
    assert_eq!(audited(&cop.app, "post.delete").await, 2);

    let data = cop.app.ok(Some(&cop.nurse), THREAD, json!({ "id": thread })).await;
    let edges = data["node"]["posts"]["edges"].as_array().cloned().unwrap_or_default();
    let read: Vec<(bool, String)> = edges
        .iter()
        .map(|e| {
            (e["node"]["deleted"].as_bool().unwrap_or(false), e["node"]["body"].as_str().unwrap_or("?").to_owned())
        })
        .collect();
    assert_eq!(read, [(true, String::new()), (true, String::new()), (false, "Under mine".to_owned())]);
    assert_eq!(edges[2]["node"]["replyTo"]["id"], mine["id"], "the thread still reads");
    // A deleted reply takes no edit or reaction, but may still be answered.
    let body = cop.app.gql(Some(&cop.worker), EDIT, json!({ "id": mine["id"], "body": "Back" })).await;
    assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", "postId"), "{body}");
    let body = cop.app.gql(Some(&cop.nurse), REACT, json!({ "id": mine["id"], "r": "USEFUL" })).await;
    assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", "postId"), "{body}");
    assert_eq!(child["replyTo"]["id"], mine["id"]);
    // Moderators still read what it said.
    let data = cop.app.ok(Some(&cop.founder), THREAD, json!({ "id": thread })).await;
    assert_eq!(data["node"]["posts"]["edges"][0]["node"]["revisions"][0]["body"], "Mine");
}

#[tokio::test]
async fn reactions_count_who_reacted() {
    let cop = cop().await;
    let thread = fixtures::thread(&cop.app, &cop.nurse, &cop.community, "Thread").await;
    let post = reply(&cop, &cop.worker, &thread, None, "A tip").await;
    let id = &post["id"];
    cop.app.ok(Some(&cop.nurse), REACT, json!({ "id": id, "r": "USEFUL" })).await;
    // Reacting twice the same way changes nothing.
    let data = cop.app.ok(Some(&cop.nurse), REACT, json!({ "id": id, "r": "USEFUL" })).await;
    assert_eq!(
        data["react"]["post"]["reactions"],
        json!([{ "reaction": "USEFUL", "count": 1, "viewerReacted": true, "people": [{ "displayName": "infirmiere" }] }])
    );
    cop.app.ok(Some(&cop.founder), REACT, json!({ "id": id, "r": "USEFUL" })).await;
    let data = cop.app.ok(Some(&cop.founder), REACT, json!({ "id": id, "r": "THANKS" })).await;
    assert_eq!(
        data["react"]["post"]["reactions"],
        json!([
            { "reaction": "USEFUL", "count": 2, "viewerReacted": true, "people": [{ "displayName": "infirmiere" }, { "displayName": "animatrice" }] },
            { "reaction": "THANKS", "count": 1, "viewerReacted": true, "people": [{ "displayName": "animatrice" }] },
        ])
    );
    assert_eq!(cop.app.count_rows("post_reaction").await, 3);
    assert_eq!(audited(&cop.app, "post.react").await, 3);

    let data = cop.app.ok(Some(&cop.nurse), UNREACT, json!({ "id": id, "r": "USEFUL" })).await;
    assert_eq!(
        data["unreact"]["post"]["reactions"],
        json!([
            { "reaction": "USEFUL", "count": 1, "viewerReacted": false },
            { "reaction": "THANKS", "count": 1, "viewerReacted": false },
        ])
    );
    assert_eq!(audited(&cop.app, "post.unreact").await, 1);

    // Outsiders can neither react nor learn the reply exists; a reaction outside the set
    // is refused before anything runs.
    let body = cop.app.gql(Some(&cop.stranger), REACT, json!({ "id": id, "r": "USEFUL" })).await;
    assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
    let body = cop.app.gql(None, REACT, json!({ "id": id, "r": "USEFUL" })).await;
    assert_eq!(error_code(&body), "UNAUTHENTICATED", "{body}");
    let body = cop.app.gql(Some(&cop.nurse), REACT, json!({ "id": id, "r": "LOVE" })).await;
    assert!(body["errors"][0]["message"].as_str().is_some_and(|m| m.contains("LOVE")), "{body}");
    assert!(body["data"].is_null(), "{body}");
    let body = cop.app.gql(Some(&cop.nurse), REACT, json!({ "id": "garbage", "r": "USEFUL" })).await;
    assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", "postId"), "{body}");
    assert_eq!(cop.app.count_rows("post_reaction").await, 2, "nothing written");
}

#[tokio::test]
async fn bodies_are_markdown_rendered_to_safe_html() {
    let cop = cop().await;
    let thread = fixtures::thread(&cop.app, &cop.nurse, &cop.community, "Thread").await;
    let post = reply(
        &cop,
        &cop.worker,
        &thread,
        None,
        "See [the guide](javascript:alert(1)) and *this*<script>alert(2)</script><img src=x onerror=alert(3)>",
    )
    .await;
    let html = post["bodyHtml"].as_str().expect("bodyHtml");
    assert!(html.contains("<em>this</em>"), "{html}");
    for bad in ["<script", "javascript:", "onerror", "<img"] {
        assert!(!html.contains(bad), "{bad} in {html}");
    }
    assert!(post["body"].as_str().is_some_and(|b| b.contains("<script>")), "the body stays as written");
}

// ---- Moderation --------------------------------------------------------------------------

const LOCK: &str =
    "mutation($id: ID!) { lockThread(input: { threadId: $id }) { thread { id locked viewerCan { reply } } } }";
const UNLOCK: &str = "mutation($id: ID!) { unlockThread(input: { threadId: $id }) { thread { id locked } } }";
const PIN: &str = "mutation($id: ID!) { pinThread(input: { threadId: $id }) { thread { id pinned } } }";
const UNPIN: &str = "mutation($id: ID!) { unpinThread(input: { threadId: $id }) { thread { id pinned } } }";
const MOVE: &str = "mutation($id: ID!, $s: ID) { moveThread(input: { threadId: $id, subgroupId: $s }) { thread { id subgroup { id } } } }";
const HIDE: &str = "mutation($id: ID!, $why: String!) { hidePost(input: { postId: $id, reason: $why }) { post { id hidden hiddenReason body } } }";
const LISTS: &str = "query($s: String!) { community(slug: $s) { threads { edges { node { title } } } pinnedThreads { totalCount edges { node { title pinned } } } bulletinBoard { totalCount edges { node { title kind expiresAt } } } } }";
const CREATE_SUBGROUP: &str =
    "mutation($c: ID!, $n: String!) { createSubgroup(input: { communityId: $c, name: $n }) { subgroup { id } } }";

fn titles(list: &Value) -> Vec<String> {
    list["edges"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["node"]["title"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn moderators_lock_a_thread_against_replies() {
    let cop = cop().await;
    let thread = fixtures::thread(&cop.app, &cop.nurse, &cop.community, "Thread").await;
    for (token, code) in [(&cop.nurse, "FORBIDDEN"), (&cop.worker, "FORBIDDEN"), (&cop.stranger, "NOT_FOUND")] {
        let body = cop.app.gql(Some(token), LOCK, json!({ "id": thread })).await;
        assert_eq!(error_code(&body), code, "{body}");
    }
    let data = cop.app.ok(Some(&cop.founder), LOCK, json!({ "id": thread })).await;
    // Its moderators still may (to say why it is locked).
    assert_eq!(data["lockThread"]["thread"], json!({ "id": thread, "locked": true, "viewerCan": { "reply": true } }));
    let posts = cop.app.count_rows("post").await;
    let body = cop
        .app
        .gql(Some(&cop.worker), CREATE_POST, json!({ "input": { "threadId": thread, "body": "Still here" } }))
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    assert_eq!(cop.app.count_rows("post").await, posts);
    let data = cop.app.ok(Some(&cop.worker), THREAD, json!({ "id": thread })).await;
    assert_eq!(data["node"]["viewerCan"]["reply"], false);

    cop.app.ok(Some(&cop.founder), UNLOCK, json!({ "id": thread })).await;
    reply(&cop, &cop.worker, &thread, None, "Back").await;
    assert_eq!((audited(&cop.app, "thread.lock").await, audited(&cop.app, "thread.unlock").await), (1, 1));

    // Moderating one community gives no power over another the person is a member of.
    let other = fixtures::community(&cop.app, &cop.worker, "autre", "NETWORK", "OPEN").await;
    let founder_id = fixtures::person_id(&cop.app, &cop.founder).await;
    fixtures::add_member(&cop.app, &other, founder_id, &[CommunityRole::Member]).await;
    let theirs = fixtures::thread(&cop.app, &cop.worker, &other, "Theirs").await;
    let body = cop.app.gql(Some(&cop.founder), LOCK, json!({ "id": theirs })).await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    let body = cop.app.gql(Some(&cop.founder), PIN, json!({ "id": theirs })).await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
}

#[tokio::test]
async fn pinned_threads_and_the_bulletin_board() {
    let cop = cop().await;
    for title in ["First", "Second", "Third"] {
        fixtures::thread(&cop.app, &cop.nurse, &cop.community, title).await;
    }
    let data = cop.app.ok(Some(&cop.nurse), LISTS, json!({ "s": "plaies" })).await;
    let third = {
        let data = cop
            .app
            .ok(Some(&cop.nurse), "{ community(slug: \"plaies\") { threads { edges { node { id } } } } }", json!({}))
            .await;
        data["community"]["threads"]["edges"][2]["node"]["id"].clone()
    };
    assert_eq!(data["community"]["pinnedThreads"]["totalCount"], 0);
    let body = cop.app.gql(Some(&cop.nurse), PIN, json!({ "id": third })).await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    cop.app.ok(Some(&cop.founder), PIN, json!({ "id": third })).await;

    let create = |input: Value| {
        let app = &cop.app;
        let token = cop.founder.clone();
        async move {
            app.gql(
                Some(&token),
                "mutation($input: CreateThreadInput!) { createThread(input: $input) { thread { id pinned expiresAt } } }",
                json!({ "input": input }),
            )
            .await
        }
    };
    let later = (chrono::Utc::now() + chrono::Duration::days(7)).to_rfc3339();
    let past = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
    let board = create(
        json!({ "communityId": cop.community, "kind": "ANNOUNCEMENT", "title": "Webinaire", "expiresAt": later }),
    )
    .await;
    assert_eq!(board["data"]["createThread"]["thread"]["pinned"], true, "{board}");
    let lasting = create(json!({ "communityId": cop.community, "kind": "ANNOUNCEMENT", "title": "Charte" })).await;
    assert!(lasting["data"]["createThread"]["thread"]["expiresAt"].is_null(), "{lasting}");
    let threads = cop.app.count_rows("thread").await;
    for input in [
        json!({ "communityId": cop.community, "kind": "ANNOUNCEMENT", "title": "Passé", "expiresAt": past }),
        json!({ "communityId": cop.community, "kind": "DISCUSSION", "title": "Expiring", "expiresAt": later }),
    ] {
        let body = create(input).await;
        assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", "expiresAt"), "{body}");
    }
    assert_eq!(cop.app.count_rows("thread").await, threads, "nothing written");

    let data = cop.app.ok(Some(&cop.worker), LISTS, json!({ "s": "plaies" })).await;
    let community = &data["community"];
    assert_eq!(titles(&community["threads"]), ["First", "Second", "Third", "Webinaire", "Charte"], "order unchanged");
    assert_eq!(titles(&community["pinnedThreads"]), ["Third", "Webinaire", "Charte"]);
    assert_eq!(titles(&community["bulletinBoard"]), ["Webinaire", "Charte"]);
    assert_eq!(community["bulletinBoard"]["totalCount"], 2);

    // An expired announcement leaves the board; an unpinned one too.
    let webinaire = fixtures::db_id(&board["data"]["createThread"]["thread"]["id"]);
    sea_orm::ConnectionTrait::execute_unprepared(
        &cop.app.db,
        &format!("UPDATE thread SET expires_at = CURRENT_TIMESTAMP WHERE id = {webinaire}"),
    )
    .await
    .expect("expire");
    cop.app.ok(Some(&cop.founder), UNPIN, json!({ "id": third })).await;
    let data = cop.app.ok(Some(&cop.worker), LISTS, json!({ "s": "plaies" })).await;
    assert_eq!(titles(&data["community"]["bulletinBoard"]), ["Charte"]);
    assert_eq!(titles(&data["community"]["pinnedThreads"]), ["Webinaire", "Charte"]);
    // Outsiders read none of it.
    let body = cop.app.gql(Some(&cop.stranger), LISTS, json!({ "s": "plaies" })).await;
    assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
    assert_eq!((audited(&cop.app, "thread.pin").await, audited(&cop.app, "thread.unpin").await), (1, 1));
}

#[tokio::test]
async fn moderators_move_a_thread_within_its_community_only() {
    let cop = cop().await;
    let thread = fixtures::thread(&cop.app, &cop.nurse, &cop.community, "Thread").await;
    let data =
        cop.app.ok(Some(&cop.founder), CREATE_SUBGROUP, json!({ "c": cop.community, "n": "Groupe de travail" })).await;
    let subgroup = data["createSubgroup"]["subgroup"]["id"].clone();
    let other = fixtures::community(&cop.app, &cop.founder, "autre", "NETWORK", "OPEN").await;
    let data = cop.app.ok(Some(&cop.founder), CREATE_SUBGROUP, json!({ "c": other, "n": "Ailleurs" })).await;
    let elsewhere = data["createSubgroup"]["subgroup"]["id"].clone();

    for bad in [
        elsewhere,
        json!("garbage"),
        json!(maillage_api::graphql::ids::to_global(maillage_api::graphql::ids::NodeKind::Subgroup, 999_999).0),
    ] {
        let body = cop.app.gql(Some(&cop.founder), MOVE, json!({ "id": thread, "s": bad })).await;
        assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", "subgroupId"), "{bad}: {body}");
    }
    let body = cop.app.gql(Some(&cop.nurse), MOVE, json!({ "id": thread, "s": subgroup })).await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    assert_eq!(audited(&cop.app, "thread.move").await, 0, "nothing written");

    let data = cop.app.ok(Some(&cop.founder), MOVE, json!({ "id": thread, "s": subgroup })).await;
    assert_eq!(data["moveThread"]["thread"]["subgroup"]["id"], subgroup);
    // The subgroup is its own members' (MEMBERS by default): the nurse no longer reads it.
    let body = cop.app.gql(Some(&cop.nurse), THREAD, json!({ "id": thread })).await;
    assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
    let data = cop.app.ok(Some(&cop.founder), MOVE, json!({ "id": thread, "s": null })).await;
    assert!(data["moveThread"]["thread"]["subgroup"].is_null());
    cop.app.ok(Some(&cop.nurse), THREAD, json!({ "id": thread })).await;
    assert_eq!(audited(&cop.app, "thread.move").await, 2);
}

#[tokio::test]
async fn a_hidden_reply_reads_like_a_deleted_one_except_to_its_author_and_moderators() {
    let cop = cop().await;
    let thread = fixtures::thread(&cop.app, &cop.nurse, &cop.community, "Thread").await;
    let post = reply(&cop, &cop.worker, &thread, None, "Something out of line").await;
    let body = cop.app.gql(Some(&cop.nurse), HIDE, json!({ "id": post["id"], "why": "Off topic" })).await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    let body = cop.app.gql(Some(&cop.founder), HIDE, json!({ "id": post["id"], "why": " \n" })).await;
    assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", "reason"), "{body}");
    assert_eq!(cop.app.count_rows("post WHERE hidden_at IS NOT NULL").await, 0, "nothing written");

    let data =
        cop.app.ok(Some(&cop.founder), HIDE, json!({ "id": post["id"], "why": "Propos jugeant un collègue" })).await;
    assert_eq!(
        data["hidePost"]["post"],
        json!({ "id": post["id"], "hidden": true, "hiddenReason": "Propos jugeant un collègue", "body": "Something out of line" })
    );
    assert_eq!(audited(&cop.app, "post.hide").await, 1);
    let read = |token: String| {
        let app = &cop.app;
        let id = post["id"].clone();
        async move {
            let data = app
                .ok(
                    Some(&token),
                    "query($id: ID!) { node(id: $id) { ... on Post { body bodyHtml hidden hiddenReason deleted } } }",
                    json!({ "id": id }),
                )
                .await;
            data["node"].clone()
        }
    };
    assert_eq!(
        read(cop.nurse.clone()).await,
        json!({ "body": "", "bodyHtml": "", "hidden": true, "hiddenReason": null, "deleted": false })
    );
    let author = read(cop.worker.clone()).await;
    assert_eq!(
        (author["body"].as_str(), author["hiddenReason"].as_str()),
        (Some("Something out of line"), Some("Propos jugeant un collègue"))
    );
    let moderator = read(cop.founder.clone()).await;
    assert_eq!(moderator["body"], "Something out of line");
}

const REPORT: &str = "mutation($id: ID!, $why: String!) { reportPost(input: { postId: $id, reason: $why }) { report { id status reason post { id } } } }";
const RESOLVE: &str = "mutation($id: ID!, $a: ReportResolution!) { resolveReport(input: { reportId: $id, action: $a }) { report { id status resolvedAt post { id hidden hiddenReason body } } } }";
const QUEUE: &str = "query($s: String!) { community(slug: $s) { moderationQueue { totalCount edges { node { id reason status reporter { displayName } post { id } } } } } }";

#[tokio::test]
async fn readers_report_replies_and_moderators_resolve_the_queue() {
    let cop = cop().await;
    let thread = fixtures::thread(&cop.app, &cop.nurse, &cop.community, "Thread").await;
    let rude = reply(&cop, &cop.worker, &thread, None, "Rude words").await;
    let fine = reply(&cop, &cop.nurse, &thread, None, "Fine words").await;

    let body = cop.app.gql(Some(&cop.stranger), REPORT, json!({ "id": rude["id"], "why": "Rude" })).await;
    assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
    let body = cop.app.gql(Some(&cop.nurse), REPORT, json!({ "id": rude["id"], "why": "  " })).await;
    assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", "reason"), "{body}");
    assert_eq!(cop.app.count_rows("post_report").await, 0, "nothing written");

    let data =
        cop.app.ok(Some(&cop.nurse), REPORT, json!({ "id": rude["id"], "why": "Jugement envers une collègue" })).await;
    let report = data["reportPost"]["report"].clone();
    assert_eq!((report["status"].as_str(), report["post"]["id"].as_str()), (Some("OPEN"), rude["id"].as_str()));
    // Reporting again while open changes nothing.
    let data = cop.app.ok(Some(&cop.nurse), REPORT, json!({ "id": rude["id"], "why": "Again" })).await;
    assert_eq!(data["reportPost"]["report"]["id"], report["id"]);
    let data = cop.app.ok(Some(&cop.worker), REPORT, json!({ "id": fine["id"], "why": "I disagree" })).await;
    let other = data["reportPost"]["report"]["id"].clone();
    assert_eq!(audited(&cop.app, "post.report").await, 2);

    // The queue is the moderators'.
    let data = cop.app.ok(Some(&cop.founder), QUEUE, json!({ "s": "plaies" })).await;
    let queue = &data["community"]["moderationQueue"];
    assert_eq!(queue["totalCount"], 2);
    assert_eq!(
        queue["edges"][0]["node"],
        json!({ "id": report["id"], "reason": "Jugement envers une collègue", "status": "OPEN", "reporter": { "displayName": "infirmiere" }, "post": { "id": rude["id"] } })
    );
    let body = cop.app.gql(Some(&cop.nurse), QUEUE, json!({ "s": "plaies" })).await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    let body = cop.app.gql(Some(&cop.stranger), QUEUE, json!({ "s": "plaies" })).await;
    assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
    for token in [&cop.nurse, &cop.worker, &cop.stranger] {
        let body = cop.app.gql(Some(token), RESOLVE, json!({ "id": report["id"], "a": "HIDE_POST" })).await;
        assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
    }
    assert_eq!(cop.app.count_rows("post_report WHERE status = 'OPEN'").await, 2, "nothing written");

    let data = cop.app.ok(Some(&cop.founder), RESOLVE, json!({ "id": report["id"], "a": "HIDE_POST" })).await;
    let resolved = &data["resolveReport"]["report"];
    assert_eq!(resolved["status"], "POST_HIDDEN");
    assert!(resolved["resolvedAt"].is_string());
    assert_eq!(resolved["post"]["hiddenReason"], "Jugement envers une collègue");
    let data = cop.app.ok(Some(&cop.founder), RESOLVE, json!({ "id": other, "a": "DISMISS" })).await;
    assert_eq!(data["resolveReport"]["report"]["status"], "DISMISSED");
    assert_eq!(data["resolveReport"]["report"]["post"]["hidden"], false);
    let body = cop.app.gql(Some(&cop.founder), RESOLVE, json!({ "id": other, "a": "HIDE_POST" })).await;
    assert_eq!((error_code(&body), error_field(&body)), ("CONFLICT", "reportId"), "{body}");
    assert_eq!(audited(&cop.app, "report.resolve").await, 2);

    let data = cop.app.ok(Some(&cop.founder), QUEUE, json!({ "s": "plaies" })).await;
    assert_eq!(data["community"]["moderationQueue"]["totalCount"], 0, "the queue is empty");
    // The reported reply now reads like a deleted one, except to its author.
    let data = cop.app.ok(Some(&cop.nurse), THREAD, json!({ "id": thread })).await;
    assert_eq!(data["node"]["posts"]["edges"][0]["node"]["body"], "");
    let body = cop.app.gql(Some(&cop.founder), RESOLVE, json!({ "id": "garbage", "a": "DISMISS" })).await;
    assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", "reportId"), "{body}");
}

/// The global id of the person behind a token.
async fn person_gid(cop: &Cop, token: &str) -> String {
    cop.app.ok(Some(token), "{ me { id } }", json!({})).await["me"]["id"].as_str().unwrap_or_default().to_owned()
}

/// A mention is stored to be notified only for people who may read the thread, and
/// what anyone sees of it (the payload, `bodyHtml`, `mentions`) is the same whether the
/// person named may read the thread or not: before, the author saw a reader listed and
/// linked and a non-reader dropped, learning who could read it.
#[tokio::test]
async fn a_mention_reaches_only_people_who_can_read_the_thread_and_reveals_no_one_else() {
    let cop = cop().await;
    let worker = person_gid(&cop, &cop.worker).await;
    let stranger = person_gid(&cop, &cop.stranger).await;
    let nobody = to_global(NodeKind::Person, 999_999).0;
    let create = "mutation($input: CreateThreadInput!) { createThread(input: $input) { thread { id bodyHtml mentions { id } } } }";
    let reply =
        "mutation($input: CreatePostInput!) { createPost(input: $input) { post { bodyHtml mentions { id } } } }";
    // What the author sees of a thread and of a reply naming `who` (their id blanked).
    let seen_by_author = async |who: &str, title: &str| {
        let body = format!("Qu'en pensez-vous, @[Collegue]({who}) ?");
        let input = json!({ "communityId": cop.community, "title": title, "body": body, "mentions": [who, who] });
        let data = cop.app.ok(Some(&cop.nurse), create, json!({ "input": input })).await;
        let mut thread = data["createThread"]["thread"].clone();
        let id = thread["id"].take();
        let input = json!({ "threadId": id, "body": body, "mentions": [who] });
        let data = cop.app.ok(Some(&cop.nurse), reply, json!({ "input": input })).await;
        let post = data["createPost"]["post"].clone();
        let read = "query($id: ID!) { node(id: $id) { ... on Thread { bodyHtml mentions { id } } } }";
        let again = cop.app.ok(Some(&cop.nurse), read, json!({ "id": id })).await["node"].clone();
        json!([thread, post, again]).to_string().replace(who, "WHO")
    };
    let reader = seen_by_author(&worker, "Pansements").await;
    let non_reader = seen_by_author(&stranger, "Compresses").await;
    let missing = seen_by_author(&nobody, "Bandages").await;
    // The member who reads the thread and the stranger who may not read the same: a link
    // to each (the author sees them both in the directory anyway).
    assert_eq!(reader, non_reader);
    assert!(
        reader.contains(r#"<a href=\"/people/WHO\" rel=\"nofollow noopener noreferrer\">@Collegue</a>"#),
        "{reader}"
    );
    assert!(reader.contains(r#""mentions":[{"id":"WHO"}]"#), "{reader}");
    // An id of nobody reads as `node(id:)` says it does: no one to link.
    assert!(!missing.contains("/people/"), "{missing}");
    assert!(missing.contains(r#""mentions":[]"#), "{missing}");
    // Only the reader is stored to be notified (once per message).
    assert_eq!(cop.app.count_rows("mention").await, 2, "only the reader is stored to be notified");
    let worker_id = fixtures::db_id(&json!(worker));
    assert_eq!(cop.app.count_rows(&format!("mention WHERE person_id = {worker_id}")).await, 2);
    // Another reader sees the same; the stranger cannot reach the thread at all.
    let threads =
        "query { community(slug: \"plaies\") { threads(first: 5) { edges { node { id title mentions { id } } } } } }";
    let data = cop.app.ok(Some(&cop.founder), threads, json!({})).await;
    let edges = data["community"]["threads"]["edges"].as_array().cloned().unwrap_or_default();
    let mut listed: Vec<(String, usize)> = edges
        .iter()
        .map(|e| {
            (
                e["node"]["title"].as_str().unwrap_or_default().to_owned(),
                e["node"]["mentions"].as_array().map_or(0, Vec::len),
            )
        })
        .collect();
    listed.sort();
    assert_eq!(listed, vec![("Bandages".into(), 0), ("Compresses".into(), 1), ("Pansements".into(), 1)], "{data}");
    let compresses = edges.iter().find(|e| e["node"]["title"] == "Compresses").map(|e| e["node"]["id"].clone());
    let hidden =
        cop.app.gql(Some(&cop.stranger), "query($id: ID!) { node(id: $id) { id } }", json!({ "id": compresses })).await;
    assert_eq!(hidden["data"]["node"], Value::Null, "{hidden}");
}

#[tokio::test]
async fn malformed_or_too_many_mentions_are_refused_writing_nothing() {
    let cop = cop().await;
    let thread = fixtures::thread(&cop.app, &cop.nurse, &cop.community, "Pansements").await;
    let worker = person_gid(&cop, &cop.worker).await;
    let (threads, posts) = (cop.app.count_rows("thread").await, cop.app.count_rows("post").await);
    let reply = "mutation($input: CreatePostInput!) { createPost(input: $input) { post { id } } }";
    let create = "mutation($input: CreateThreadInput!) { createThread(input: $input) { thread { id } } }";
    let too_many: Vec<&str> = (0..21).map(|_| worker.as_str()).collect();
    for mentions in [json!(["nope"]), json!([cop.community]), json!(too_many)] {
        let body = cop
            .app
            .gql(
                Some(&cop.nurse),
                reply,
                json!({ "input": { "threadId": thread, "body": "Bonjour", "mentions": mentions } }),
            )
            .await;
        assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", "mentions"), "{body}");
        let body = cop
            .app
            .gql(
                Some(&cop.nurse),
                create,
                json!({ "input": { "communityId": cop.community, "title": "Autre", "mentions": mentions } }),
            )
            .await;
        assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", "mentions"), "{body}");
    }
    assert_eq!((cop.app.count_rows("thread").await, cop.app.count_rows("post").await), (threads, posts));
    assert_eq!(cop.app.count_rows("mention").await, 0);
}

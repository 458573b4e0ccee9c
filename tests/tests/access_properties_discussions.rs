//! Property test of discussions (issue 14): in random networks (`harness::access_model`),
//! each community holds a question with an accepted answer, a reply to it, a reaction,
//! an edited reply (its revision) and an unanswered question. Nobody reads, counts or
//! acts on any of it beyond their rights — the replies by id, the accepted answer,
//! reactions, the replied-to reply, the revisions (moderators only), the unanswered
//! questions — and everyone who may read it does; every mutation by someone who may not
//! read the thread answers `NOT_FOUND` (`UNAUTHENTICATED` when anonymous) and writes
//! nothing, read state and following included. Moderation too: a hidden reply's text
//! reaches moderators only, pinned threads are counted for readers only, and nobody but
//! a moderator hides, locks or pins; the moderation queue and its reports are the
//! moderators' only.

use entity::enums::{CommunityRole, MembershipStatus};
use harness::access_model::{Net, STATUSES, build, cases, network, reads, sees, slug};
use harness::{TestApp, error_code, fixtures};
use proptest::prelude::*;
use serde_json::{Value, json};

const QUESTION: &str = "query($id: ID!) { node(id: $id) { ... on Thread { acceptedAnswer { id } viewerCan { accept moderate } posts(first: 10) { totalCount edges { node { id body replyTo { id } reactions { reaction count } revisions { body } } } } } } }";
const POST: &str = "query($id: ID!) { node(id: $id) { ... on Post { id body thread { id } } } }";
const UNANSWERED: &str =
    "query($s: String!) { community(slug: $s) { unansweredQuestions { totalCount edges { node { id } } } } }";
const REACT: &str = "mutation($id: ID!) { react(input: { postId: $id, reaction: THANKS }) { post { id } } }";
const EDIT: &str = "mutation($id: ID!) { editPost(input: { postId: $id, body: \"taken over\" }) { post { id } } }";
const DELETE: &str = "mutation($id: ID!) { deletePost(input: { postId: $id }) { post { id } } }";
const ACCEPT: &str = "mutation($id: ID!) { acceptAnswer(input: { postId: $id }) { post { id } } }";
const HIDE: &str = "mutation($id: ID!) { hidePost(input: { postId: $id, reason: \"off topic\" }) { post { id } } }";
const LOCK: &str = "mutation($id: ID!) { lockThread(input: { threadId: $id }) { thread { id } } }";
const PIN: &str = "mutation($id: ID!) { pinThread(input: { threadId: $id }) { thread { id } } }";
const PINNED: &str =
    "query($s: String!) { community(slug: $s) { pinnedThreads { totalCount } bulletinBoard { totalCount } } }";
const REPORT: &str = "mutation($id: ID!) { reportPost(input: { postId: $id, reason: \"rude\" }) { report { id } } }";
const RESOLVE: &str =
    "mutation($id: ID!) { resolveReport(input: { reportId: $id, action: DISMISS }) { report { id } } }";
const QUEUE: &str =
    "query($s: String!) { community(slug: $s) { moderationQueue { totalCount edges { node { id post { id } } } } } }";
const MARK: &str = "mutation($t: ID!) { markThreadRead(input: { threadId: $t }) { thread { id } } }";
const FOLLOW: &str = "mutation($t: ID!) { followThread(input: { threadId: $t }) { thread { id } } }";
const UNREAD: &str = "query($s: String!) { community(slug: $s) { unreadThreads { totalCount } } }";
const REPLY: &str =
    "mutation($t: ID!, $r: ID) { createPost(input: { threadId: $t, replyToId: $r, body: \"reply\" }) { post { id } } }";

/// Does person `v` moderate community `c`: an active member with a role that inherits
/// the animator's (founder, administrator, animator)?
fn moderates(net: &Net, viewer: Option<usize>, c: usize) -> bool {
    let Some(v) = viewer else { return false };
    net.people[v].memberships[c].is_some_and(|(s, r)| {
        STATUSES[s] == MembershipStatus::Active
            && matches!(
                CommunityRole::ALL[r],
                CommunityRole::Founder | CommunityRole::Administrator | CommunityRole::Animator
            )
    })
}

/// What one community holds.
struct Content {
    report: Value,
    question: Value,
    answer: Value,
    child: Value,
}

async fn grow(app: &TestApp, founder: &str, community: &Value) -> Content {
    let id = fixtures::db_id(community);
    // Archived communities take no new content: open them for the set-up only.
    let archived = app.count_rows(&format!("community WHERE id = {id} AND archived = true")).await == 1;
    let set_archived = |on: bool| async move {
        sea_orm::ConnectionTrait::execute_unprepared(
            &app.db,
            &format!("UPDATE community SET archived = {on} WHERE id = {id}"),
        )
        .await
        .expect("archive state");
    };
    if archived {
        set_archived(false).await;
    }
    let create = "mutation($input: CreateThreadInput!) { createThread(input: $input) { thread { id } } }";
    let data = app
        .ok(
            Some(founder),
            create,
            json!({ "input": { "communityId": community, "kind": "QUESTION", "title": "Answered" } }),
        )
        .await;
    let question = data["createThread"]["thread"]["id"].clone();
    app.ok(
        Some(founder),
        create,
        json!({ "input": { "communityId": community, "kind": "QUESTION", "title": "Open" } }),
    )
    .await;
    let answer = fixtures::post(app, founder, &question, "the answer").await;
    let data = app.ok(Some(founder), REPLY, json!({ "t": question, "r": answer })).await;
    let child = data["createPost"]["post"]["id"].clone();
    app.ok(Some(founder), REACT, json!({ "id": answer })).await;
    app.ok(Some(founder), EDIT, json!({ "id": child })).await;
    app.ok(Some(founder), ACCEPT, json!({ "id": answer })).await;
    let hidden = fixtures::post(app, founder, &question, "hidden words").await;
    app.ok(Some(founder), HIDE, json!({ "id": hidden })).await;
    app.ok(Some(founder), PIN, json!({ "id": question })).await;
    let data = app.ok(Some(founder), REPORT, json!({ "id": child })).await;
    let report = data["reportPost"]["report"]["id"].clone();
    if archived {
        set_archived(true).await;
    }
    Content { report, question, answer, child }
}

/// The rows mutations would write.
async fn rows(app: &TestApp) -> (i64, i64, i64, i64, i64, i64, i64) {
    (
        app.count_rows("thread_reader").await,
        app.count_rows("post").await,
        app.count_rows("post_reaction").await,
        app.count_rows("post_revision").await,
        app.count_rows("post WHERE deleted_at IS NOT NULL").await,
        app.count_rows("thread WHERE accepted_post_id IS NOT NULL").await,
        app.count_rows("post WHERE hidden_at IS NOT NULL").await
            + app.count_rows("thread WHERE locked_at IS NOT NULL OR pinned_at IS NOT NULL").await
            + 1000 * app.count_rows("post_report WHERE status = 'OPEN'").await,
    )
}

async fn check(net: Net) -> Result<(), TestCaseError> {
    let app = TestApp::spawn().await;
    let (tokens, _person_ids, community_ids) = build(&app, &net).await;
    let founder = app.token("founder@network.example", None, false).await;
    let mut contents = Vec::new();
    for community in &community_ids {
        contents.push(grow(&app, &founder, community).await);
    }
    let before = rows(&app).await;
    for (v, token) in tokens.iter().enumerate() {
        let viewer = (v < net.people.len()).then_some(v);
        let token = token.as_deref();
        for (c, content) in contents.iter().enumerate() {
            let readable = reads(&net, viewer, c);
            let body = app.gql(token, QUESTION, json!({ "id": content.question })).await;
            let thread = &body["data"]["node"];
            prop_assert_eq!(!thread.is_null(), readable, "question of {} for {:?}: {}", c, viewer, body);
            if !readable {
                prop_assert_eq!(error_code(&body), "NOT_FOUND", "as for a missing id: {}", body);
            }
            if readable {
                prop_assert_eq!(&thread["acceptedAnswer"]["id"], &content.answer);
                let posts = thread["posts"]["edges"].as_array().cloned().unwrap_or_default();
                prop_assert_eq!(posts.len(), 3);
                // The hidden reply: its text for moderators only (the author is the founder).
                let hidden = &posts[2]["node"]["body"];
                let shown = if moderates(&net, viewer, c) { "hidden words" } else { "" };
                prop_assert_eq!(hidden, shown, "hidden reply of {} for {:?}: {}", c, viewer, body);
                prop_assert_eq!(&posts[0]["node"]["reactions"], &json!([{ "reaction": "THANKS", "count": 1 }]));
                prop_assert_eq!(&posts[1]["node"]["replyTo"]["id"], &content.answer);
                prop_assert_eq!(&posts[1]["node"]["body"], "taken over");
                let moderator = moderates(&net, viewer, c);
                prop_assert_eq!(&thread["viewerCan"]["moderate"], &json!(moderator), "{}", body);
                let revisions = &posts[1]["node"]["revisions"];
                if moderator {
                    prop_assert_eq!(revisions, &json!([{ "body": "reply" }]), "{}", body);
                } else {
                    prop_assert!(revisions.is_null(), "revisions of {} for {:?}: {}", c, viewer, body);
                }
            }
            for post in [&content.answer, &content.child] {
                let body = app.gql(token, POST, json!({ "id": post })).await;
                prop_assert_eq!(!body["data"]["node"].is_null(), readable, "post of {} for {:?}: {}", c, viewer, body);
            }
            let body = app.gql(token, PINNED, json!({ "s": slug(c) })).await;
            let lists = &body["data"]["community"];
            if readable {
                prop_assert_eq!(
                    &lists["pinnedThreads"]["totalCount"],
                    &json!(1),
                    "pinned of {} for {:?}: {}",
                    c,
                    viewer,
                    body
                );
                prop_assert_eq!(&lists["bulletinBoard"]["totalCount"], &json!(0));
            } else {
                prop_assert!(
                    lists.is_null() || lists["pinnedThreads"].is_null(),
                    "pinned of {} for {:?}: {}",
                    c,
                    viewer,
                    body
                );
            }
            // The moderation queue: its moderators' only.
            let body = app.gql(token, QUEUE, json!({ "s": slug(c) })).await;
            let queue = &body["data"]["community"]["moderationQueue"];
            if moderates(&net, viewer, c) {
                prop_assert_eq!(&queue["totalCount"], &json!(1), "queue of {} for {:?}: {}", c, viewer, body);
                prop_assert_eq!(&queue["edges"][0]["node"]["id"], &content.report);
            } else {
                prop_assert!(queue.is_null(), "queue of {} for {:?}: {}", c, viewer, body);
                let expected = if sees(&net, viewer, c) { "FORBIDDEN" } else { "NOT_FOUND" };
                prop_assert_eq!(error_code(&body), expected, "queue of {} for {:?}: {}", c, viewer, body);
                if viewer.is_some() {
                    let body = app.gql(token, RESOLVE, json!({ "id": content.report })).await;
                    prop_assert_eq!(error_code(&body), "NOT_FOUND", "resolve in {} by {:?}: {}", c, viewer, body);
                }
            }
            let body = app.gql(token, UNANSWERED, json!({ "s": slug(c) })).await;
            let list = &body["data"]["community"]["unansweredQuestions"];
            if readable {
                prop_assert_eq!(list["totalCount"].as_u64(), Some(1), "unanswered of {} for {:?}: {}", c, viewer, body);
                prop_assert_eq!(list["edges"].as_array().map(Vec::len), Some(1));
            } else {
                prop_assert!(list.is_null(), "unanswered of {} for {:?}: {}", c, viewer, body);
                if !sees(&net, viewer, c) {
                    prop_assert_eq!(error_code(&body), "NOT_FOUND");
                }
            }
            // Acting on what one may not read is acting on nothing.
            if !readable {
                let expected = if viewer.is_some() { "NOT_FOUND" } else { "UNAUTHENTICATED" };
                for (mutation, post) in [
                    (REACT, &content.answer),
                    (EDIT, &content.child),
                    (DELETE, &content.answer),
                    (ACCEPT, &content.child),
                ] {
                    let body = app.gql(token, mutation, json!({ "id": post })).await;
                    prop_assert_eq!(error_code(&body), expected, "{} on {} by {:?}: {}", mutation, c, viewer, body);
                }
                let body = app.gql(token, REPLY, json!({ "t": content.question, "r": content.answer })).await;
                prop_assert_eq!(error_code(&body), expected, "reply in {} by {:?}: {}", c, viewer, body);
                for mutation in [MARK, FOLLOW] {
                    let body = app.gql(token, mutation, json!({ "t": content.question })).await;
                    prop_assert_eq!(error_code(&body), expected, "{} on {} by {:?}: {}", mutation, c, viewer, body);
                }
                let body = app.gql(token, UNREAD, json!({ "s": slug(c) })).await;
                prop_assert!(
                    body["data"]["community"]["unreadThreads"].is_null(),
                    "unread of {} by {:?}: {}",
                    c,
                    viewer,
                    body
                );
            } else if viewer.is_some() {
                // Readers who are not its author may not edit it; only the asker (the
                // founder) or those the policy allows accept answers.
                let body = app.gql(token, EDIT, json!({ "id": content.child })).await;
                prop_assert_eq!(error_code(&body), "FORBIDDEN", "edit in {} by {:?}: {}", c, viewer, body);
                if !moderates(&net, viewer, c) {
                    for (mutation, id) in [
                        (DELETE, &content.answer),
                        (HIDE, &content.answer),
                        (LOCK, &content.question),
                        (PIN, &content.question),
                    ] {
                        let body = app.gql(token, mutation, json!({ "id": id })).await;
                        prop_assert_eq!(
                            error_code(&body),
                            "FORBIDDEN",
                            "{} in {} by {:?}: {}",
                            mutation,
                            c,
                            viewer,
                            body
                        );
                    }
                }
            }
            // A reply may not answer a reply of another community's thread.
            if readable && let Some(other) = contents.get((c + 1) % contents.len()).filter(|_| contents.len() > 1) {
                let body = app.gql(token, REPLY, json!({ "t": content.question, "r": other.answer })).await;
                prop_assert!(
                    matches!(error_code(&body), "BAD_USER_INPUT" | "FORBIDDEN"),
                    "reply in {} to another community's reply by {:?}: {}",
                    c,
                    viewer,
                    body
                );
            }
        }
    }
    prop_assert_eq!(rows(&app).await, before, "nothing was written");
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn nobody_reads_or_acts_on_discussions_beyond_their_rights(net in network()) {
        harness::defer_database_drops();
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
        runtime.block_on(check(net))?;
    }
}

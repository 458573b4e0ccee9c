//! Security review of discussions (issue 14): reading by id goes through the readable
//! thread filter on every path (a reply, its thread, the reply it answers, the accepted
//! answer), a locked thread is frozen except for its moderators, only a live reply of
//! the question is accepted, and people who left or were banned neither write nor read.

use entity::enums::CommunityRole;
use harness::{TestApp, error_code, error_field, fixtures};
use maillage_api::graphql::ids::{NodeKind, to_global};
use serde_json::{Value, json};

const CREATE_THREAD: &str = "mutation($input: CreateThreadInput!) { createThread(input: $input) { thread { id } } }";
const CREATE_POST: &str = "mutation($input: CreatePostInput!) { createPost(input: $input) { post { id } } }";
const ACCEPT: &str = "mutation($id: ID!, $t: ID) { acceptAnswer(input: { postId: $id, threadId: $t }) { thread { id answeredAt acceptedAnswer { id } } } }";
const EDIT: &str = "mutation($id: ID!) { editPost(input: { postId: $id, body: \"Changed\" }) { post { id } } }";
const DELETE: &str = "mutation($id: ID!) { deletePost(input: { postId: $id }) { post { id deleted } } }";
const REACT: &str =
    "mutation($id: ID!) { react(input: { postId: $id, reaction: USEFUL }) { post { id reactions { count } } } }";
const UNREACT: &str = "mutation($id: ID!) { unreact(input: { postId: $id, reaction: USEFUL }) { post { id } } }";
const REPORT: &str = "mutation($id: ID!) { reportPost(input: { postId: $id, reason: \"Rude\" }) { report { id } } }";
const LOCK: &str = "mutation($id: ID!) { lockThread(input: { threadId: $id }) { thread { id locked } } }";
const UNLOCK: &str = "mutation($id: ID!) { unlockThread(input: { threadId: $id }) { thread { id locked } } }";
const HIDE: &str =
    "mutation($id: ID!) { hidePost(input: { postId: $id, reason: \"Off topic\" }) { post { id hidden } } }";
const MOVE: &str =
    "mutation($id: ID!, $s: ID) { moveThread(input: { threadId: $id, subgroupId: $s }) { thread { id } } }";
const CREATE_SUBGROUP: &str =
    "mutation($c: ID!, $n: String!) { createSubgroup(input: { communityId: $c, name: $n }) { subgroup { id } } }";
/// Everything a post or a thread leads to.
const NODE: &str = "query($id: ID!) { node(id: $id) { id \
    ... on Post { body thread { id title } replyTo { id body } } \
    ... on Thread { title acceptedAnswer { id body } viewerCan { reply accept } posts { totalCount edges { node { id } } } } } }";
const NODES: &str = "query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Post { thread { id } replyTo { id } } \
    ... on Thread { acceptedAnswer { id } } } }";

/// A closed community anyone logged in may see (NETWORK, APPROVAL) whose discussions are
/// its members': an animator, a person who asks, one who answers, one who will leave, one
/// who will be banned; and a stranger of another organization.
struct Cop {
    app: TestApp,
    community: Value,
    founder: String,
    asker: String,
    answerer: String,
    leaver: String,
    banned: String,
    stranger: String,
}

async fn cop() -> Cop {
    let app = TestApp::spawn().await;
    let admin = app.token("admin@network.example", None, true).await;
    for org in ["cisss-a", "cisss-b", "elsewhere"] {
        fixtures::organization(&app, &admin, org).await;
    }
    let founder = app.token("animatrice@cisss-a.example", Some("cisss-a"), false).await;
    let asker = app.token("infirmiere@cisss-a.example", Some("cisss-a"), false).await;
    let answerer = app.token("travailleuse@cisss-b.example", Some("cisss-b"), false).await;
    let leaver = app.token("depart@cisss-b.example", Some("cisss-b"), false).await;
    let banned = app.token("exclu@cisss-b.example", Some("cisss-b"), false).await;
    let stranger = app.token("stranger@elsewhere.example", Some("elsewhere"), false).await;
    let community = fixtures::community(&app, &founder, "fermee", "NETWORK", "APPROVAL").await;
    for token in [&asker, &answerer, &leaver, &banned] {
        let id = fixtures::person_id(&app, token).await;
        fixtures::add_member(&app, &community, id, &[CommunityRole::Member]).await;
    }
    Cop { app, community, founder, asker, answerer, leaver, banned, stranger }
}

impl Cop {
    async fn thread(&self, token: &str, kind: &str, title: &str) -> Value {
        let input = json!({ "communityId": self.community, "kind": kind, "title": title, "body": "Body" });
        let data = self.app.ok(Some(token), CREATE_THREAD, json!({ "input": input })).await;
        data["createThread"]["thread"]["id"].clone()
    }

    async fn reply(&self, token: &str, thread: &Value, reply_to: Option<&Value>, body: &str) -> Value {
        let input = json!({ "threadId": thread, "replyToId": reply_to, "body": body });
        let data = self.app.ok(Some(token), CREATE_POST, json!({ "input": input })).await;
        data["createPost"]["post"]["id"].clone()
    }

    /// Ends `token`'s membership: they leave, or the founder bans them.
    async fn end_membership(&self, token: &str, ban: bool) {
        if !ban {
            let query = "mutation($c: ID!) { leaveCommunity(input: { communityId: $c }) { membership { status } } }";
            let data = self.app.ok(Some(token), query, json!({ "c": self.community })).await;
            assert_eq!(data["leaveCommunity"]["membership"]["status"], "LEFT");
            return;
        }
        let person = fixtures::person_id(&self.app, token).await;
        let community = fixtures::db_id(&self.community);
        let membership: i32 = {
            use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
            entity::membership::Entity::find()
                .filter(entity::membership::Column::PersonId.eq(person))
                .filter(entity::membership::Column::CommunityId.eq(community))
                .one(&self.app.db)
                .await
                .expect("read")
                .expect("membership")
                .id
        };
        let query = "mutation($m: ID!) { banMember(input: { membershipId: $m }) { membership { banned } } }";
        let data = self
            .app
            .ok(Some(&self.founder), query, json!({ "m": to_global(NodeKind::Membership, membership).0 }))
            .await;
        assert_eq!(data["banMember"]["membership"]["banned"], true);
    }

    /// What the rows a write could change hold now.
    async fn rows(&self) -> Vec<i64> {
        let mut out = Vec::new();
        for table in [
            "thread",
            "post",
            "post_reaction",
            "post_revision",
            "post_report",
            "post WHERE deleted_at IS NOT NULL",
            "thread WHERE accepted_post_id IS NOT NULL",
        ] {
            out.push(self.app.count_rows(table).await);
        }
        out
    }
}

fn missing(kind: NodeKind) -> Value {
    json!(to_global(kind, 999_999).0)
}

/// `node(id)` of `id` is the very answer of a missing id of the same kind, and `nodes`
/// gives null for it.
async fn reads_like_missing(app: &TestApp, token: Option<&str>, who: &str, id: &Value, kind: NodeKind) {
    let got = app.gql(token, NODE, json!({ "id": id })).await;
    let none = app.gql(token, NODE, json!({ "id": missing(kind) })).await;
    assert_eq!(error_code(&got), "NOT_FOUND", "{who}: {id}: {got}");
    assert_eq!(got, none, "{who}: {id} reads exactly like a missing id");
    let data = app.ok(token, NODES, json!({ "ids": [id, missing(kind)] })).await;
    assert_eq!(data["nodes"], json!([null, null]), "{who}: {id}");
}

#[tokio::test]
async fn replies_and_threads_out_of_reach_read_like_missing_ids_on_every_path() {
    let cop = cop().await;
    let question = cop.thread(&cop.asker, "QUESTION", "Pansement").await;
    let answer = cop.reply(&cop.answerer, &question, None, "Hydrocolloïde").await;
    let nested = cop.reply(&cop.leaver, &question, Some(&answer), "Merci").await;
    cop.app.ok(Some(&cop.asker), ACCEPT, json!({ "id": answer })).await;
    // A thread moved to a subgroup of its own (MEMBERS: its members and the animators).
    let data = cop.app.ok(Some(&cop.founder), CREATE_SUBGROUP, json!({ "c": cop.community, "n": "Comité" })).await;
    let subgroup = data["createSubgroup"]["subgroup"]["id"].clone();
    let moved = cop.thread(&cop.answerer, "DISCUSSION", "Cas difficile").await;
    let moved_reply = cop.reply(&cop.asker, &moved, None, "Mon avis").await;
    cop.app.ok(Some(&cop.founder), MOVE, json!({ "id": moved, "s": subgroup })).await;
    // A secret community's thread.
    let secret = fixtures::community(&cop.app, &cop.founder, "secrete", "MEMBERS", "INVITATION").await;
    let secret_thread = fixtures::thread(&cop.app, &cop.founder, &secret, "Secret").await;
    let secret_reply = fixtures::post(&cop.app, &cop.founder, &secret_thread, "Secret reply").await;
    cop.end_membership(&cop.leaver, false).await;
    cop.end_membership(&cop.banned, true).await;

    // Readers follow every relation.
    let data = cop.app.ok(Some(&cop.asker), NODE, json!({ "id": nested })).await;
    assert_eq!(data["node"]["thread"]["id"], question);
    assert_eq!(data["node"]["replyTo"], json!({ "id": answer, "body": "Hydrocolloïde" }));
    let data = cop.app.ok(Some(&cop.asker), NODE, json!({ "id": question })).await;
    assert_eq!(data["node"]["acceptedAnswer"]["id"], answer);
    assert_eq!(data["node"]["posts"]["totalCount"], 2);
    let data = cop.app.ok(Some(&cop.founder), NODES, json!({ "ids": [moved_reply, secret_reply] })).await;
    assert_eq!(data["nodes"][0]["thread"]["id"], moved, "the animator reads the subgroup");
    assert_eq!(data["nodes"][1]["thread"]["id"], secret_thread);

    // Everyone else gets what a missing id gives, whatever path they take.
    let tokens = [
        ("anonymous", None),
        ("stranger", Some(cop.stranger.as_str())),
        ("who left", Some(cop.leaver.as_str())),
        ("who was banned", Some(cop.banned.as_str())),
    ];
    for (who, token) in tokens {
        for (id, kind) in [
            (&question, NodeKind::Thread),
            (&answer, NodeKind::Post),
            (&nested, NodeKind::Post),
            (&moved, NodeKind::Thread),
            (&moved_reply, NodeKind::Post),
            (&secret_thread, NodeKind::Thread),
            (&secret_reply, NodeKind::Post),
        ] {
            reads_like_missing(&cop.app, token, who, id, kind).await;
        }
    }
    // A member outside the subgroup: the moved thread and its replies (their own among
    // them) are gone, and so is the secret community's.
    for (id, kind) in [
        (&moved, NodeKind::Thread),
        (&moved_reply, NodeKind::Post),
        (&secret_thread, NodeKind::Thread),
        (&secret_reply, NodeKind::Post),
    ] {
        reads_like_missing(&cop.app, Some(&cop.asker), "a member outside the subgroup", id, kind).await;
    }
    let list = "query { community(slug: \"fermee\") { threads { totalCount edges { node { id } } } } }";
    let data = cop.app.ok(Some(&cop.asker), list, json!({})).await;
    assert_eq!(data["community"]["threads"], json!({ "totalCount": 1, "edges": [{ "node": { "id": question } }] }));
    // A mutation's payload takes the same filter: the asker's own reply in the moved
    // thread is not theirs to touch any more.
    let before = cop.rows().await;
    for query in [EDIT, DELETE, REACT, UNREACT, REPORT] {
        let body = cop.app.gql(Some(&cop.asker), query, json!({ "id": moved_reply })).await;
        assert_eq!(error_code(&body), "NOT_FOUND", "{query}: {body}");
    }
    assert_eq!(cop.rows().await, before, "nothing written");
}

#[tokio::test]
async fn a_locked_thread_is_frozen_except_for_its_moderators() {
    let cop = cop().await;
    let question = cop.thread(&cop.asker, "QUESTION", "Question").await;
    let answer = cop.reply(&cop.answerer, &question, None, "Answer").await;
    let own = cop.reply(&cop.asker, &question, None, "Mine").await;
    cop.app.ok(Some(&cop.answerer), REACT, json!({ "id": own })).await;
    cop.app.ok(Some(&cop.founder), LOCK, json!({ "id": question })).await;

    let before = cop.rows().await;
    let writes: [(&str, &str, Value); 7] = [
        ("reply", CREATE_POST, json!({ "input": { "threadId": question, "body": "Still here" } })),
        ("edit", EDIT, json!({ "id": answer })),
        ("delete", DELETE, json!({ "id": answer })),
        ("react", REACT, json!({ "id": own })),
        ("unreact", UNREACT, json!({ "id": own })),
        ("react to a reply", REACT, json!({ "id": answer })),
        ("reply to a reply", CREATE_POST, json!({ "input": { "threadId": question, "replyToId": own, "body": "Hi" } })),
    ];
    for (what, query, variables) in &writes {
        let body = cop.app.gql(Some(&cop.answerer), query, variables.clone()).await;
        assert_eq!(error_code(&body), "FORBIDDEN", "{what}: {body}");
    }
    // The asker may not accept an answer under the lock either.
    let body = cop.app.gql(Some(&cop.asker), ACCEPT, json!({ "id": answer })).await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    assert_eq!(cop.rows().await, before, "nothing written");
    let data = cop.app.ok(Some(&cop.answerer), NODE, json!({ "id": question })).await;
    assert_eq!(data["node"]["viewerCan"], json!({ "reply": false, "accept": false }));
    let data = cop.app.ok(Some(&cop.asker), NODE, json!({ "id": question })).await;
    assert_eq!(data["node"]["viewerCan"], json!({ "reply": false, "accept": false }));
    // Readers may still report a reply to the moderators.
    cop.app.ok(Some(&cop.asker), REPORT, json!({ "id": answer })).await;

    // Moderators write under the lock (to explain it, to close the question).
    let data = cop.app.ok(Some(&cop.founder), NODE, json!({ "id": question })).await;
    assert_eq!(data["node"]["viewerCan"], json!({ "reply": true, "accept": true }));
    cop.reply(&cop.founder, &question, None, "Locked: the answer is above.").await;
    cop.app.ok(Some(&cop.founder), REACT, json!({ "id": answer })).await;
    let data = cop.app.ok(Some(&cop.founder), ACCEPT, json!({ "id": answer })).await;
    assert_eq!(data["acceptAnswer"]["thread"]["acceptedAnswer"]["id"], answer);

    // Unlocked, people write again.
    cop.app.ok(Some(&cop.founder), UNLOCK, json!({ "id": question })).await;
    cop.app.ok(Some(&cop.answerer), EDIT, json!({ "id": answer })).await;
    cop.app.ok(Some(&cop.answerer), UNREACT, json!({ "id": own })).await;
}

#[tokio::test]
async fn only_a_live_reply_of_the_question_is_accepted() {
    let cop = cop().await;
    let question = cop.thread(&cop.asker, "QUESTION", "Question").await;
    let good = cop.reply(&cop.answerer, &question, None, "Good").await;
    let hidden = cop.reply(&cop.answerer, &question, None, "Rude").await;
    cop.app.ok(Some(&cop.founder), HIDE, json!({ "id": hidden })).await;
    let deleted = cop.reply(&cop.answerer, &question, None, "Oops").await;
    cop.app.ok(Some(&cop.answerer), DELETE, json!({ "id": deleted })).await;
    let discussion = cop.thread(&cop.asker, "DISCUSSION", "Talk").await;
    let chat = cop.reply(&cop.answerer, &discussion, None, "Chat").await;
    let other_question = cop.thread(&cop.asker, "QUESTION", "Other question").await;
    let other_answer = cop.reply(&cop.answerer, &other_question, None, "Elsewhere").await;
    let secret = fixtures::community(&cop.app, &cop.founder, "secrete", "MEMBERS", "INVITATION").await;
    let secret_thread = fixtures::thread(&cop.app, &cop.founder, &secret, "Secret").await;

    let before = cop.rows().await;
    let audited = cop.app.count_rows("audit_event WHERE action = 'thread.accept_answer'").await;
    for (what, post, thread) in [
        ("a hidden reply", &hidden, Value::Null),
        ("a deleted reply", &deleted, Value::Null),
        ("a reply in a discussion", &chat, Value::Null),
        ("a reply of another thread", &other_answer, question.clone()),
        ("a malformed thread", &good, json!("garbage")),
    ] {
        for token in [&cop.asker, &cop.founder] {
            let body = cop.app.gql(Some(token), ACCEPT, json!({ "id": post, "t": thread })).await;
            let field = if thread == json!("garbage") { "threadId" } else { "postId" };
            assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", field), "{what}: {body}");
        }
    }
    // A thread the caller may not read is missing, whatever reply goes with it.
    let body = cop.app.gql(Some(&cop.asker), ACCEPT, json!({ "id": good, "t": secret_thread })).await;
    assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
    let body = cop.app.gql(Some(&cop.asker), ACCEPT, json!({ "id": good, "t": missing(NodeKind::Thread) })).await;
    assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
    assert_eq!(cop.rows().await, before, "nothing written");
    assert_eq!(cop.app.count_rows("audit_event WHERE action = 'thread.accept_answer'").await, audited);

    let data = cop.app.ok(Some(&cop.asker), ACCEPT, json!({ "id": good, "t": question })).await;
    assert_eq!(data["acceptAnswer"]["thread"]["acceptedAnswer"]["id"], good);
    // Hiding the accepted answer takes it back: the question is open again.
    cop.app.ok(Some(&cop.founder), HIDE, json!({ "id": good })).await;
    let data = cop.app.ok(Some(&cop.answerer), NODE, json!({ "id": question })).await;
    assert!(data["node"]["acceptedAnswer"].is_null(), "{data}");
    let open = "query { community(slug: \"fermee\") { unansweredQuestions { totalCount } } }";
    let data = cop.app.ok(Some(&cop.founder), open, json!({})).await;
    assert_eq!(data["community"]["unansweredQuestions"]["totalCount"], 2);
}

#[tokio::test]
async fn people_who_left_or_were_banned_no_longer_write_or_read() {
    let cop = cop().await;
    let question = cop.thread(&cop.leaver, "QUESTION", "Asked before leaving").await;
    let answer = cop.reply(&cop.answerer, &question, None, "Answer").await;
    let thread = cop.thread(&cop.banned, "DISCUSSION", "Started before the ban").await;
    let mut own = Vec::new();
    for token in [&cop.leaver, &cop.banned] {
        own.push(cop.reply(token, &thread, None, "Before").await);
        cop.app.ok(Some(token), REACT, json!({ "id": answer })).await;
    }
    // The leaver also belongs to a secret community, and leaves both.
    let secret = fixtures::community(&cop.app, &cop.founder, "secrete", "MEMBERS", "INVITATION").await;
    let leaver_id = fixtures::person_id(&cop.app, &cop.leaver).await;
    fixtures::add_member(&cop.app, &secret, leaver_id, &[CommunityRole::Member]).await;
    let secret_thread = fixtures::thread(&cop.app, &cop.leaver, &secret, "Secret").await;
    let query = "mutation($c: ID!) { leaveCommunity(input: { communityId: $c }) { membership { status } } }";
    cop.app.ok(Some(&cop.leaver), query, json!({ "c": secret })).await;
    cop.end_membership(&cop.leaver, false).await;
    cop.end_membership(&cop.banned, true).await;

    let before = cop.rows().await;
    for (who, token, mine) in [("who left", &cop.leaver, &own[0]), ("who was banned", &cop.banned, &own[1])] {
        let body = cop
            .app
            .gql(
                Some(token),
                CREATE_THREAD,
                json!({ "input": { "communityId": cop.community, "title": "Back", "body": "Hi" } }),
            )
            .await;
        assert_eq!(error_code(&body), "FORBIDDEN", "{who}: the community is still visible: {body}");
        for t in [&thread, &question] {
            let body =
                cop.app.gql(Some(token), CREATE_POST, json!({ "input": { "threadId": t, "body": "Back" } })).await;
            assert_eq!(error_code(&body), "NOT_FOUND", "{who}: {body}");
        }
        for (what, query, post) in [
            ("edit", EDIT, mine),
            ("delete", DELETE, mine),
            ("react", REACT, mine),
            ("unreact", UNREACT, &answer),
            ("report", REPORT, &answer),
            ("accept", ACCEPT, &answer),
        ] {
            let body = cop.app.gql(Some(token), query, json!({ "id": post })).await;
            assert_eq!(error_code(&body), "NOT_FOUND", "{who}: {what}: {body}");
        }
        let list = "query { community(slug: \"fermee\") { threads { totalCount } } }";
        let body = cop.app.gql(Some(token), list, json!({})).await;
        assert_eq!(error_code(&body), "FORBIDDEN", "{who}: {body}");
        reads_like_missing(&cop.app, Some(token), who, &thread, NodeKind::Thread).await;
        reads_like_missing(&cop.app, Some(token), who, mine, NodeKind::Post).await;
    }
    // Out of a secret community, nothing says it exists.
    let body = cop
        .app
        .gql(Some(&cop.leaver), CREATE_THREAD, json!({ "input": { "communityId": secret, "title": "Back" } }))
        .await;
    let none = cop
        .app
        .gql(
            Some(&cop.leaver),
            CREATE_THREAD,
            json!({ "input": { "communityId": missing(NodeKind::Community), "title": "Back" } }),
        )
        .await;
    assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
    assert_eq!(body["errors"][0]["message"], none["errors"][0]["message"]);
    reads_like_missing(&cop.app, Some(&cop.leaver), "who left", &secret_thread, NodeKind::Thread).await;
    assert_eq!(cop.rows().await, before, "nothing written");
    // Their reactions from before still count for those who read the thread.
    let data = cop.app.ok(Some(&cop.answerer), NODE, json!({ "id": question })).await;
    assert_eq!(data["node"]["posts"]["totalCount"], 1);
}

/// A lock taken at the same moment as a reply is never missed. The lock's transaction is
/// held open here (the thread's row updated, not yet committed) while a reply and an
/// acceptance are sent: they wait for it, then see the lock and are refused, and nothing
/// is written. Without the row lock, PostgreSQL let the reply read the thread as it was
/// before and land under the lock.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_lock_taken_at_the_same_moment_is_not_missed() {
    use sea_orm::{ActiveModelTrait, EntityTrait, Set};
    let cop = cop().await;
    let question = cop.thread(&cop.asker, "QUESTION", "Question").await;
    let answer = cop.reply(&cop.answerer, &question, None, "Answer").await;
    let before = cop.rows().await;

    let txn = maillage_api::db::begin_write(&cop.app.db).await.expect("a write transaction");
    let row = entity::thread::Entity::find_by_id(fixtures::db_id(&question))
        .one(&txn)
        .await
        .expect("read")
        .expect("the thread");
    let mut locked: entity::thread::ActiveModel = row.into();
    locked.locked_at = Set(Some(chrono::Utc::now()));
    locked.update(&txn).await.expect("lock");

    let reply = cop.app.gql(
        Some(&cop.answerer),
        CREATE_POST,
        json!({ "input": { "threadId": question, "body": "Just in time?" } }),
    );
    let accept = cop.app.gql(Some(&cop.asker), ACCEPT, json!({ "id": answer, "t": question }));
    let commit = async {
        tokio::time::sleep(std::time::Duration::from_millis(700)).await;
        txn.commit().await.expect("commit the lock");
    };
    let (reply, accept, ()) = tokio::join!(reply, accept, commit);
    assert_eq!(error_code(&reply), "FORBIDDEN", "{reply}");
    assert_eq!(error_code(&accept), "FORBIDDEN", "{accept}");
    assert_eq!(cop.rows().await, before, "nothing was written under the lock");
}

/// Accepting a reply while a moderator hides it and its author deletes it, all at once,
/// again and again: on PostgreSQL hiding took the reply's row then the thread's while
/// accepting took them the other way round, and the two deadlocked (`40P01`, which
/// reached people as an error); deleting read whether the reply was the accepted answer
/// before taking any lock, and could leave a deleted reply as the answer. Now every
/// request ends as a person expects (done, or refused for what it is) and the question
/// never keeps a hidden or deleted reply as its answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hiding_deleting_and_accepting_at_once_neither_fail_nor_leave_a_dead_answer() {
    let cop = cop().await;
    let question = cop.thread(&cop.asker, "QUESTION", "Question").await;
    let answered = "query($id: ID!) { node(id: $id) { ... on Thread { answeredAt acceptedAnswer { id } } } }";
    let refused_as = |body: &Value| (error_code(body).to_owned(), error_field(body).to_owned());
    let done = |body: &Value| body.get("errors").is_none_or(Value::is_null);
    for round in 0..20 {
        // Hide and accept, then hide, accept and delete, on a fresh reply each round.
        let reply = cop.reply(&cop.answerer, &question, None, &format!("Answer {round}")).await;
        let accept = cop.app.gql(Some(&cop.asker), ACCEPT, json!({ "id": reply, "t": question }));
        let hide = cop.app.gql(Some(&cop.founder), HIDE, json!({ "id": reply }));
        let delete = async {
            if round % 2 == 0 {
                None
            } else {
                Some(cop.app.gql(Some(&cop.answerer), DELETE, json!({ "id": reply })).await)
            }
        };
        let (accept, hide, delete) = tokio::join!(accept, hide, delete);
        let deleted = delete.as_ref().is_some_and(done);
        if let Some(delete) = &delete {
            assert!(done(delete), "round {round}: deleting: {delete}");
        }
        // Hidden, unless it was deleted first.
        assert!(
            done(&hide) || (deleted && refused_as(&hide) == ("BAD_USER_INPUT".into(), "postId".into())),
            "round {round}: hiding: {hide}"
        );
        // Accepted (and taken back), or refused because the reply was hidden or deleted.
        assert!(
            done(&accept) || refused_as(&accept) == ("BAD_USER_INPUT".into(), "postId".into()),
            "round {round}: accepting: {accept}"
        );
        let data = cop.app.ok(Some(&cop.asker), answered, json!({ "id": question })).await;
        assert_eq!(
            data["node"],
            json!({ "answeredAt": null, "acceptedAnswer": null }),
            "round {round}: a reply taken back is not the answer"
        );
    }
    assert_eq!(cop.app.count_rows("thread WHERE accepted_post_id IS NOT NULL").await, 0);
}

/// The same, made certain rather than likely: the reply's row is held while the two
/// requests queue up for it in a chosen order. Hiding the accepted answer while its asker
/// accepts it again: before, hiding took the reply's row then waited for the thread's,
/// which accepting held while it waited for the reply's, and PostgreSQL broke the
/// deadlock by failing one of them. Deleting a reply while it is being accepted: before,
/// deleting read the thread (no answer yet) before queueing, then left the reply it
/// deleted as the accepted answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hiding_or_deleting_queued_with_accepting_neither_fails_nor_leaves_a_dead_answer() {
    use sea_orm::{EntityTrait, QuerySelect};
    let cop = cop().await;
    let answered = "query($id: ID!) { node(id: $id) { ... on Thread { answeredAt acceptedAnswer { id } } } }";
    let done = |body: &Value| body.get("errors").is_none_or(Value::is_null);
    for delete in [false, true] {
        let question = cop.thread(&cop.asker, "QUESTION", "Question").await;
        let reply = cop.reply(&cop.answerer, &question, None, "Answer").await;
        if !delete {
            cop.app.ok(Some(&cop.asker), ACCEPT, json!({ "id": reply, "t": question })).await;
        }
        let txn = maillage_api::db::begin_write(&cop.app.db).await.expect("a write transaction");
        entity::post::Entity::find_by_id(fixtures::db_id(&reply))
            .lock_exclusive()
            .one(&txn)
            .await
            .expect("lock the reply's row")
            .expect("the reply");
        let accept = || cop.app.gql(Some(&cop.asker), ACCEPT, json!({ "id": reply, "t": question }));
        let take_back = || async {
            if delete {
                cop.app.gql(Some(&cop.answerer), DELETE, json!({ "id": reply })).await
            } else {
                cop.app.gql(Some(&cop.founder), HIDE, json!({ "id": reply })).await
            }
        };
        let pause = |ms| tokio::time::sleep(std::time::Duration::from_millis(ms));
        // Hiding queues first, then accepting; accepting first, then deleting.
        let requests = async {
            if delete {
                tokio::join!(accept(), async {
                    pause(300).await;
                    take_back().await
                })
            } else {
                let (take_back, accept) = tokio::join!(take_back(), async {
                    pause(300).await;
                    accept().await
                });
                (accept, take_back)
            }
        };
        let release = async {
            pause(800).await;
            txn.commit().await.expect("release the reply's row");
        };
        let ((accept, take_back), ()) = tokio::join!(requests, release);
        assert!(
            done(&accept) || (error_code(&accept), error_field(&accept)) == ("BAD_USER_INPUT", "postId"),
            "delete {delete}: accepting: {accept}"
        );
        assert!(done(&take_back), "delete {delete}: taking the reply back: {take_back}");
        let data = cop.app.ok(Some(&cop.asker), answered, json!({ "id": question })).await;
        assert_eq!(data["node"], json!({ "answeredAt": null, "acceptedAnswer": null }), "delete {delete}");
    }
}

#[tokio::test]
async fn nobody_accepts_their_own_reply_in_someone_elses_question_nor_reacts_to_a_hidden_one() {
    let cop = cop().await;
    let question = cop.thread(&cop.asker, "QUESTION", "Question").await;
    // The animator may accept answers, but their own reply is credit they would give
    // themselves (an accepted answer counts as expertise): refused, nothing written.
    let own = cop.reply(&cop.founder, &question, None, "Mine").await;
    let before = cop.rows().await;
    let body = cop.app.gql(Some(&cop.founder), ACCEPT, json!({ "id": own, "t": question })).await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    assert_eq!(cop.rows().await, before, "nothing written");
    // The asker may choose it; and the animator still accepts someone else's reply.
    cop.app.ok(Some(&cop.asker), ACCEPT, json!({ "id": own, "t": question })).await;
    let other = cop.reply(&cop.answerer, &question, None, "Theirs").await;
    cop.app.ok(Some(&cop.founder), ACCEPT, json!({ "id": other, "t": question })).await;
    // A hidden reply takes no reaction.
    cop.app.ok(Some(&cop.founder), HIDE, json!({ "id": other })).await;
    let before = cop.rows().await;
    let body = cop.app.gql(Some(&cop.asker), REACT, json!({ "id": other })).await;
    assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", "postId"), "{body}");
    assert_eq!(cop.rows().await, before, "nothing written");
}

//! Read state and following (issue 14, part 4): what is new since one's last visit,
//! one row per person and thread, following automatic for writers, and none of it
//! reachable by people who may not read the thread.

use entity::enums::CommunityRole;
use harness::{TestApp, error_code, error_field, fixtures};
use maillage_api::graphql::ids::{NodeKind, to_global};
use serde_json::{Value, json};

const MARK: &str = "mutation($t: ID!, $p: ID) { markThreadRead(input: { threadId: $t, postId: $p }) { thread { id unreadCount viewerFollows viewerLastReadAt } } }";
const FOLLOW: &str = "mutation($t: ID!) { followThread(input: { threadId: $t }) { thread { id viewerFollows } } }";
const UNFOLLOW: &str = "mutation($t: ID!) { unfollowThread(input: { threadId: $t }) { thread { id viewerFollows } } }";
const STATE: &str = "query($t: ID!) { node(id: $t) { ... on Thread { unreadCount viewerFollows viewerLastReadAt } } }";
const UNREAD: &str = "query { community(slug: \"plaies\") { unreadThreads(first: 10) { totalCount edges { node { title unreadCount } } } } }";
const HIDE: &str =
    "mutation($id: ID!) { hidePost(input: { postId: $id, reason: \"Off topic\" }) { post { id hidden } } }";
const DELETE: &str = "mutation($id: ID!) { deletePost(input: { postId: $id }) { post { id } } }";

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

impl Cop {
    async fn state(&self, token: &str, thread: &Value) -> Value {
        self.app.ok(Some(token), STATE, json!({ "t": thread })).await["node"].clone()
    }

    /// The titles and unread counts of `token`'s unread threads, and their total.
    async fn unread(&self, token: &str) -> (i64, Vec<(String, i64)>) {
        let data = self.app.ok(Some(token), UNREAD, json!({})).await;
        let list = &data["community"]["unreadThreads"];
        let items = list["edges"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| {
                (
                    e["node"]["title"].as_str().unwrap_or_default().to_owned(),
                    e["node"]["unreadCount"].as_i64().unwrap_or(-1),
                )
            })
            .collect();
        (list["totalCount"].as_i64().unwrap_or(-1), items)
    }
}

fn item(title: &str, unread: i64) -> (String, i64) {
    (title.to_owned(), unread)
}

#[tokio::test]
async fn what_is_new_since_my_last_visit() {
    let cop = cop().await;
    let thread = fixtures::thread(&cop.app, &cop.nurse, &cop.community, "Plaie de pression").await;
    // The author follows their thread; nothing in it is new to them.
    assert_eq!(
        cop.state(&cop.nurse, &thread).await,
        json!({ "unreadCount": 0, "viewerFollows": true, "viewerLastReadAt": null })
    );
    assert_eq!(cop.unread(&cop.nurse).await, (0, vec![]));
    // To the others it is new: never opened.
    assert_eq!(cop.state(&cop.worker, &thread).await["viewerFollows"], false);
    assert_eq!(cop.unread(&cop.worker).await, (1, vec![item("Plaie de pression", 0)]));

    let first = fixtures::post(&cop.app, &cop.worker, &thread, "Hydrocolloïde").await;
    fixtures::post(&cop.app, &cop.worker, &thread, "Ou mousse").await;
    // Replying follows the thread; one's own replies are never new.
    assert_eq!(cop.state(&cop.worker, &thread).await["viewerFollows"], true);
    assert_eq!(cop.unread(&cop.worker).await, (0, vec![]));
    assert_eq!(cop.unread(&cop.nurse).await, (1, vec![item("Plaie de pression", 2)]));
    assert_eq!(cop.unread(&cop.founder).await, (1, vec![item("Plaie de pression", 2)]));

    // Reading up to the first reply leaves the second new.
    let data = cop.app.ok(Some(&cop.nurse), MARK, json!({ "t": thread, "p": first })).await;
    assert_eq!(data["markThreadRead"]["thread"]["unreadCount"], 1);
    assert!(data["markThreadRead"]["thread"]["viewerLastReadAt"].is_string());
    // By default, up to the latest; and the position never moves back.
    let data = cop.app.ok(Some(&cop.nurse), MARK, json!({ "t": thread })).await;
    assert_eq!(data["markThreadRead"]["thread"]["unreadCount"], 0);
    let data = cop.app.ok(Some(&cop.nurse), MARK, json!({ "t": thread, "p": first })).await;
    assert_eq!(data["markThreadRead"]["thread"]["unreadCount"], 0);
    assert_eq!(cop.unread(&cop.nurse).await, (0, vec![]));
    let nurse_id = fixtures::person_id(&cop.app, &cop.nurse).await;
    assert_eq!(
        cop.app.count_rows(&format!("thread_reader WHERE person_id = {nurse_id}")).await,
        1,
        "one row per person and thread, never one per reply"
    );

    // Hidden and deleted replies are nothing new.
    let rude = fixtures::post(&cop.app, &cop.worker, &thread, "Rude").await;
    let gone = fixtures::post(&cop.app, &cop.worker, &thread, "Oops").await;
    assert_eq!(cop.unread(&cop.nurse).await, (1, vec![item("Plaie de pression", 2)]));
    cop.app.ok(Some(&cop.founder), HIDE, json!({ "id": rude })).await;
    cop.app.ok(Some(&cop.worker), DELETE, json!({ "id": gone })).await;
    assert_eq!(cop.state(&cop.nurse, &thread).await["unreadCount"], 0);
    assert_eq!(cop.unread(&cop.nurse).await, (0, vec![]));

    // Unfollowing is a choice that replying does not undo; following again is.
    let data = cop.app.ok(Some(&cop.worker), UNFOLLOW, json!({ "t": thread })).await;
    assert_eq!(data["unfollowThread"]["thread"]["viewerFollows"], false);
    fixtures::post(&cop.app, &cop.worker, &thread, "One more").await;
    assert_eq!(cop.state(&cop.worker, &thread).await["viewerFollows"], false);
    let data = cop.app.ok(Some(&cop.worker), FOLLOW, json!({ "t": thread })).await;
    assert_eq!(data["followThread"]["thread"]["viewerFollows"], true);
    assert_eq!(cop.state(&cop.nurse, &thread).await["viewerFollows"], true, "the author still follows");
    // Someone who only read it does not follow it.
    cop.app.ok(Some(&cop.founder), MARK, json!({ "t": thread })).await;
    assert_eq!(cop.state(&cop.founder, &thread).await["viewerFollows"], false);
}

#[tokio::test]
async fn read_state_is_for_readers_of_the_thread_only() {
    let cop = cop().await;
    let thread = fixtures::thread(&cop.app, &cop.nurse, &cop.community, "Thread").await;
    let other = fixtures::thread(&cop.app, &cop.nurse, &cop.community, "Other").await;
    let elsewhere = fixtures::post(&cop.app, &cop.worker, &other, "Elsewhere").await;
    let rows = cop.app.count_rows("thread_reader").await;

    // A reply of another thread, or no reply at all, is bad input naming the field.
    for (post, field) in [
        (elsewhere.clone(), "postId"),
        (json!(to_global(NodeKind::Post, 999_999).0), "postId"),
        (json!("garbage"), "postId"),
        (thread.clone(), "postId"),
    ] {
        let body = cop.app.gql(Some(&cop.worker), MARK, json!({ "t": thread, "p": post })).await;
        assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", field), "{post}: {body}");
    }
    let body = cop.app.gql(Some(&cop.worker), MARK, json!({ "t": "garbage" })).await;
    assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", "threadId"), "{body}");

    // Outsiders get what a missing thread gives; anonymous callers must log in.
    let missing = json!(to_global(NodeKind::Thread, 999_999).0);
    for query in [MARK, FOLLOW, UNFOLLOW] {
        let body = cop.app.gql(Some(&cop.stranger), query, json!({ "t": thread })).await;
        let none = cop.app.gql(Some(&cop.stranger), query, json!({ "t": missing })).await;
        assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
        assert_eq!(body, none, "an unreadable thread reads like a missing one");
        let body = cop.app.gql(None, query, json!({ "t": thread })).await;
        assert_eq!(error_code(&body), "UNAUTHENTICATED", "{body}");
    }
    let body = cop.app.gql(Some(&cop.stranger), UNREAD, json!({})).await;
    assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
    assert_eq!(cop.app.count_rows("thread_reader").await, rows, "nothing written");
}

/// Sets `token`'s membership of the `plaies` community back to active, as a returning
/// member (the rows a test asserts on, not how one comes back).
async fn readmit(cop: &Cop, token: &str) {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    let person = fixtures::person_id(&cop.app, token).await;
    entity::membership::Entity::update_many()
        .col_expr(entity::membership::Column::Status, Expr::val("ACTIVE"))
        .filter(entity::membership::Column::PersonId.eq(person))
        .filter(entity::membership::Column::CommunityId.eq(fixtures::db_id(&cop.community)))
        .exec(&cop.app.db)
        .await
        .expect("readmit");
}

/// People who leave a community, or are removed or banned from it, stop following its
/// threads in that same change (they kept following them, ready to be notified of a
/// discussion they may no longer read); their threads elsewhere are untouched, and coming
/// back does not follow them again until they write.
#[tokio::test]
async fn people_who_leave_or_are_banned_stop_following_the_communitys_threads() {
    let cop = cop().await;
    let elsewhere = fixtures::community(&cop.app, &cop.founder, "ailleurs", "MEMBERS", "APPROVAL").await;
    for token in [&cop.nurse, &cop.worker] {
        let id = fixtures::person_id(&cop.app, token).await;
        fixtures::add_member(&cop.app, &elsewhere, id, &[CommunityRole::Member]).await;
    }
    let thread = fixtures::thread(&cop.app, &cop.founder, &cop.community, "Plaie de pression").await;
    let other = fixtures::thread(&cop.app, &cop.founder, &elsewhere, "Autre sujet").await;
    for token in [&cop.nurse, &cop.worker] {
        fixtures::post(&cop.app, token, &thread, "Moi aussi").await;
        fixtures::post(&cop.app, token, &other, "Ici aussi").await;
        assert_eq!(cop.state(token, &thread).await["viewerFollows"], true);
    }
    let following = async |token: &str| {
        let person = fixtures::person_id(&cop.app, token).await;
        cop.app.count_rows(&format!("thread_reader WHERE person_id = {person} AND following = TRUE")).await
    };
    assert_eq!((following(&cop.nurse).await, following(&cop.worker).await), (2, 2));

    // The worker leaves; the founder bans the nurse.
    cop.app.ok(Some(&cop.worker), harness::ops::LEAVE, json!({ "id": cop.community })).await;
    let nurse_id = fixtures::person_id(&cop.app, &cop.nurse).await;
    let membership: i32 = {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        entity::membership::Entity::find()
            .filter(entity::membership::Column::PersonId.eq(nurse_id))
            .filter(entity::membership::Column::CommunityId.eq(fixtures::db_id(&cop.community)))
            .one(&cop.app.db)
            .await
            .expect("read")
            .expect("membership")
            .id
    };
    let data = cop
        .app
        .ok(Some(&cop.founder), harness::ops::BAN, json!({ "id": to_global(NodeKind::Membership, membership).0 }))
        .await;
    assert_eq!(data["banMember"]["membership"]["banned"], true);
    // Neither follows the community's thread any more; the other community's still.
    assert_eq!((following(&cop.nurse).await, following(&cop.worker).await), (1, 1));
    for token in [&cop.nurse, &cop.worker] {
        assert_eq!(cop.state(token, &other).await["viewerFollows"], true);
        let body = cop.app.gql(Some(token), STATE, json!({ "t": thread })).await;
        assert_eq!(body["data"]["node"], Value::Null, "{body}");
    }
    // Back in the community, the worker does not follow the thread until they write.
    readmit(&cop, &cop.worker).await;
    assert_eq!(cop.state(&cop.worker, &thread).await["viewerFollows"], false);
    fixtures::post(&cop.app, &cop.worker, &thread, "De retour").await;
    assert_eq!(cop.state(&cop.worker, &thread).await["viewerFollows"], true);
}

//! Who knows what (issue 14, part 5): `Person.expertise`, derived from the activity each
//! viewer may see — accepted answers, replies marked USEFUL, published documents, roles
//! of content expert or mentor — where activity in a community the viewer cannot see
//! (secret, denied, left) gives no score, no tag and no evidence.

use std::collections::BTreeMap;

use entity::enums::CommunityRole;
use harness::{TestApp, error_code, fixtures, library, ops};
use maillage_api::graphql::ids::{NodeKind, to_global};
use serde_json::{Value, json};

const EXPERTISE: &str = "query($id: ID!) { node(id: $id) { ... on Person { expertise { tag score evidence { __typename ... on Thread { id } ... on Post { id } ... on Document { id } ... on Community { id } } } } } }";
const NODE: &str = "query($id: ID!) { node(id: $id) { id } }";
const ACCEPT: &str = "mutation($id: ID!) { acceptAnswer(input: { postId: $id }) { post { id } } }";
const REACT: &str = "mutation($id: ID!) { react(input: { postId: $id, reaction: USEFUL }) { post { id } } }";
const HIDE: &str = "mutation($id: ID!) { hidePost(input: { postId: $id, reason: \"hors sujet\" }) { post { id } } }";
const PROFILE: &str = "mutation($input: UpdateMyProfileInput!) { updateMyProfile(input: $input) { person { id } } }";

/// An open community on wound care and a secret one on cultural safety, where the same
/// expert did the same things: an accepted answer, a reply two others marked USEFUL (and
/// she herself), a published document tagged "Pansements", a role. An insider belongs to
/// both; a colleague to the open one only; a stranger to none.
struct Network {
    app: TestApp,
    expert: String,
    expert_id: Value,
    founder: String,
    insider: String,
    colleague: String,
    stranger: String,
    open: Value,
    secret: Value,
    /// Per community: the question, the USEFUL reply, the document.
    activity: Vec<(Value, Value, Value)>,
}

async fn community(app: &TestApp, token: &str, slug: &str, visibility: &str, policy: &str, field: &str) -> Value {
    let data = app
        .ok(
            Some(token),
            "mutation($input: CreateCommunityInput!) { createCommunity(input: $input) { community { id } } }",
            json!({ "input": { "slug": slug, "name": format!("Community {slug}"), "fieldOfKnowledge": field,
                "visibility": visibility, "membershipPolicy": policy } }),
        )
        .await;
    data["createCommunity"]["community"]["id"].clone()
}

async fn network() -> Network {
    let app = TestApp::spawn().await;
    let founder = app.token("fondatrice@cisss-a.example", None, false).await;
    let expert = app.token("experte@cisss-b.example", None, false).await;
    let asker = app.token("infirmiere@cisss-a.example", None, false).await;
    let fans =
        [app.token("fan1@cisss-a.example", None, false).await, app.token("fan2@cisss-b.example", None, false).await];
    let insider = app.token("initiee@cisss-a.example", None, false).await;
    let colleague = app.token("collegue@cisss-a.example", None, false).await;
    let stranger = app.token("etranger@ailleurs.example", None, false).await;
    let open = community(&app, &founder, "plaies", "NETWORK", "OPEN", "Soins de plaies").await;
    let secret = community(&app, &founder, "secu-culturelle", "MEMBERS", "INVITATION", "Sécurité culturelle").await;
    let expert_number = fixtures::person_id(&app, &expert).await;
    let mut activity = Vec::new();
    for (c, role) in [(&open, CommunityRole::Mentor), (&secret, CommunityRole::ContentExpert)] {
        fixtures::add_member(&app, c, expert_number, &[CommunityRole::Member, role]).await;
        for token in fans.iter().chain([&asker, &insider]) {
            let id = fixtures::person_id(&app, token).await;
            fixtures::add_member(&app, c, id, &[CommunityRole::Member]).await;
        }
        let question = app
            .ok(
                Some(&asker),
                "mutation($c: ID!) { createThread(input: { communityId: $c, kind: QUESTION, title: \"Quel pansement?\", body: \"Plaie de pression.\" }) { thread { id } } }",
                json!({ "c": c }),
            )
            .await["createThread"]["thread"]["id"]
            .clone();
        let answer = fixtures::post(&app, &expert, &question, "Un hydrocolloïde.").await;
        app.ok(Some(&asker), ACCEPT, json!({ "id": answer })).await;
        let discussion = fixtures::thread(&app, &founder, c, "Partage").await;
        let useful = fixtures::post(&app, &expert, &discussion, "Voici notre protocole.").await;
        for token in fans.iter().chain([&expert]) {
            app.ok(Some(token), REACT, json!({ "id": useful })).await;
        }
        let document = library::document(
            &app,
            &founder,
            json!({ "communityId": c, "title": "Guide des pansements", "tags": ["Pansements"], "authorIds": [to_global(NodeKind::Person, expert_number).to_string()] }),
        )
        .await;
        library::publish(&app, &founder, &document, "MEMBERS").await;
        activity.push((question, useful, document));
    }
    let colleague_id = fixtures::person_id(&app, &colleague).await;
    fixtures::add_member(&app, &open, colleague_id, &[CommunityRole::Member]).await;
    let expert_id = json!(to_global(NodeKind::Person, expert_number).to_string());
    Network { app, expert, expert_id, founder, insider, colleague, stranger, open, secret, activity }
}

impl Network {
    /// The expert's expertise as `token` sees it, by tag: (score, evidence ids).
    async fn expertise(&self, token: &str) -> BTreeMap<String, (i64, Vec<String>)> {
        let data = self.app.ok(Some(token), EXPERTISE, json!({ "id": self.expert_id })).await;
        data["node"]["expertise"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|s| {
                let evidence = s["evidence"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|e| format!("{}:{}", e["__typename"].as_str().unwrap_or(""), e["id"].as_str().unwrap_or("")))
                    .collect();
                (s["tag"].as_str().unwrap_or("").to_owned(), (s["score"].as_i64().unwrap_or(-1), evidence))
            })
            .collect()
    }

    /// The evidence expected from the activity in community `i` (0 open, 1 secret).
    fn evidence(&self, i: usize, community: &Value) -> Vec<String> {
        let (question, useful, _) = &self.activity[i];
        let id = |v: &Value| v.as_str().unwrap_or("").to_owned();
        let mut all = vec![
            format!("Thread:{}", id(question)),
            format!("Post:{}", id(useful)),
            format!("Community:{}", id(community)),
        ];
        all.sort();
        all
    }
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[tokio::test]
async fn expertise_comes_from_answers_useful_replies_documents_and_roles_the_viewer_sees() {
    let n = network().await;
    let documents: Vec<String> =
        n.activity.iter().map(|(_, _, d)| format!("Document:{}", d.as_str().unwrap_or(""))).collect();

    // Who reads both communities sees all of it: per community, an accepted answer (3),
    // a reply two others marked USEFUL (2: her own mark does not count) and a role (2);
    // two documents tagged "Pansements" (2 each).
    let insider = n.expertise(&n.insider).await;
    assert_eq!(insider.len(), 3, "{insider:?}");
    assert_eq!(insider["Soins de plaies"].0, 7, "{insider:?}");
    assert_eq!(sorted(insider["Soins de plaies"].1.clone()), n.evidence(0, &n.open));
    assert_eq!(insider["Sécurité culturelle"].0, 7, "{insider:?}");
    assert_eq!(sorted(insider["Sécurité culturelle"].1.clone()), n.evidence(1, &n.secret));
    assert_eq!((insider["Pansements"].0, sorted(insider["Pansements"].1.clone())), (4, sorted(documents.clone())));

    // The colleague, who does not know the secret community exists, gets no trace of it:
    // the scores differ exactly by what happened there.
    let colleague = n.expertise(&n.colleague).await;
    assert_eq!(colleague.len(), 2, "{colleague:?}");
    assert_eq!(colleague["Soins de plaies"], insider["Soins de plaies"]);
    assert!(!colleague.contains_key("Sécurité culturelle"), "{colleague:?}");
    assert_eq!(colleague["Pansements"], (2, vec![documents[0].clone()]));

    // The order: by score, then tag (case aside, in code point order).
    let data = n.app.ok(Some(&n.insider), EXPERTISE, json!({ "id": n.expert_id })).await;
    let tags: Vec<&str> =
        data["node"]["expertise"].as_array().into_iter().flatten().filter_map(|s| s["tag"].as_str()).collect();
    assert_eq!(tags, ["Soins de plaies", "Sécurité culturelle", "Pansements"]);
    // `first` bounds the tags, and is checked.
    let first = "query($id: ID!, $n: Int) { node(id: $id) { ... on Person { expertise(first: $n) { tag } } } }";
    let data = n.app.ok(Some(&n.insider), first, json!({ "id": n.expert_id, "n": 1 })).await;
    assert_eq!(data["node"]["expertise"], json!([{ "tag": "Soins de plaies" }]));
    let body = n.app.gql(Some(&n.insider), first, json!({ "id": n.expert_id, "n": 51 })).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
}

#[tokio::test]
async fn every_evidence_item_is_readable_by_its_viewer() {
    let n = network().await;
    let departed = n.app.token("partie@cisss-a.example", None, false).await;
    let departed_id = fixtures::person_id(&n.app, &departed).await;
    for c in [&n.open, &n.secret] {
        fixtures::add_member(&n.app, c, departed_id, &[CommunityRole::Member]).await;
    }
    n.app.ok(Some(&departed), ops::LEAVE, json!({ "id": n.secret })).await;
    let viewers = [&n.insider, &n.colleague, &n.stranger, &n.expert, &n.founder, &departed];
    for viewer in viewers {
        let seen = n.expertise(viewer).await;
        for (tag, (score, evidence)) in &seen {
            assert!(*score > 0, "{tag}: {seen:?}");
            assert!(!evidence.is_empty() && evidence.len() <= 5, "{tag}: {seen:?}");
            for item in evidence {
                let id = item.split_once(':').map(|(_, id)| id).unwrap_or_default();
                let node = n.app.ok(Some(viewer), NODE, json!({ "id": id })).await;
                assert_eq!(node["node"]["id"], json!(id), "{item} is evidence, so its viewer reads it: {seen:?}");
            }
        }
        if viewer != &n.insider && viewer != &n.expert && viewer != &n.founder {
            assert!(!seen.contains_key("Sécurité culturelle"), "{seen:?}");
            let secret = n.secret.as_str().unwrap_or("");
            assert!(seen.values().all(|(_, e)| e.iter().all(|i| !i.ends_with(secret))), "{seen:?}");
        }
    }
    // The one who left keeps what she may still see: the open community's.
    let departed_view = n.expertise(&departed).await;
    assert_eq!(departed_view.keys().collect::<Vec<_>>(), ["Pansements", "Soins de plaies"], "{departed_view:?}");
}

#[tokio::test]
async fn a_deny_on_the_community_removes_what_it_shows() {
    let n = network().await;
    assert_eq!(n.expertise(&n.insider).await["Sécurité culturelle"].0, 7);
    let deny = json!({ "role": "community:MEMBER", "s": n.secret, "o": "community", "a": "read", "e": "DENY" });
    n.app.ok(Some(&n.founder), ops::GRANT, deny).await;
    let insider = n.expertise(&n.insider).await;
    // The insider no longer reads its threads nor its library: only the role, on the
    // member list she still sees, remains.
    assert_eq!(insider["Sécurité culturelle"], (2, vec![format!("Community:{}", n.secret.as_str().unwrap_or(""))]));
    assert_eq!(insider["Pansements"].0, 2, "{insider:?}");
    assert_eq!(insider["Soins de plaies"].0, 7, "{insider:?}");
}

#[tokio::test]
async fn a_hidden_reply_counts_for_nothing() {
    let n = network().await;
    let (_, useful, _) = &n.activity[0];
    assert_eq!(n.expertise(&n.colleague).await["Soins de plaies"].0, 7);
    n.app.ok(Some(&n.founder), HIDE, json!({ "id": useful })).await;
    for viewer in [&n.colleague, &n.founder, &n.expert] {
        let seen = n.expertise(viewer).await;
        assert_eq!(seen["Soins de plaies"].0, 5, "not even for moderators and its author: {seen:?}");
        assert!(!seen["Soins de plaies"].1.iter().any(|e| e.starts_with("Post:")), "{seen:?}");
    }
}

#[tokio::test]
async fn private_expertise_hides_the_derived_one_and_anonymous_callers_see_nothing() {
    let n = network().await;
    n.app
        .ok(
            Some(&n.expert),
            PROFILE,
            json!({ "input": { "fieldVisibility": [{ "field": "EXPERTISE", "visibility": "PRIVATE" }] } }),
        )
        .await;
    assert!(n.expertise(&n.insider).await.is_empty());
    assert_eq!(n.expertise(&n.expert).await.len(), 3, "she still sees her own");
    let body = n.app.gql(None, EXPERTISE, json!({ "id": n.expert_id })).await;
    assert!(body["data"]["node"].is_null() || body["data"]["node"]["expertise"] == json!([]), "{body}");
    let body = n.app.gql(None, "{ people(first: 5) { edges { node { expertise { tag } } } } }", json!({})).await;
    assert_eq!(error_code(&body), "UNAUTHENTICATED", "{body}");
}

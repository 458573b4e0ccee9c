//! The story issue 14 is done by, end to end through the API: a nurse asks a question in
//! French, a social worker of another organization answers in English, the nurse accepts
//! the answer, an animator sees the community's unanswered questions shrink, a moderator
//! hides a reply that was reported, and a newcomer finds who knows about « sécurité
//! culturelle » in the directory — with each person's errors in their own language.

use entity::enums::CommunityRole;
use harness::{TestApp, error_code, error_field, fixtures};
use serde_json::{Value, json};

const CREATE_COMMUNITY: &str =
    "mutation($input: CreateCommunityInput!) { createCommunity(input: $input) { community { id } } }";
const CREATE_THREAD: &str = "mutation($input: CreateThreadInput!) { createThread(input: $input) { thread { id kind language answeredAt firstReplyAt } } }";
const CREATE_POST: &str =
    "mutation($input: CreatePostInput!) { createPost(input: $input) { post { id body bodyHtml } } }";
const ACCEPT: &str = "mutation($id: ID!) { acceptAnswer(input: { postId: $id }) { thread { id answeredAt firstReplyAt acceptedAnswer { id body } } } }";
const UNANSWERED: &str = "query($s: String!) { community(slug: $s) { unansweredQuestions(olderThanHours: 0, first: 10) { totalCount edges { node { id } } } } }";
const REPORT: &str =
    "mutation($id: ID!, $why: String!) { reportPost(input: { postId: $id, reason: $why }) { report { id } } }";
const QUEUE: &str =
    "query($s: String!) { community(slug: $s) { moderationQueue { totalCount edges { node { id post { id } } } } } }";
const RESOLVE: &str =
    "mutation($id: ID!) { resolveReport(input: { reportId: $id, action: HIDE_POST }) { report { id status } } }";
const POST: &str = "query($id: ID!) { node(id: $id) { ... on Post { id body hidden deleted } } }";
const PROFILE: &str = "mutation($input: UpdateMyProfileInput!) { updateMyProfile(input: $input) { person { id } } }";
const PEOPLE: &str = "query($f: PeopleFilterInput!) { people(filter: $f, first: 20) { totalCount edges { node { id displayName declaredExpertise { tags } expertise { tag score evidence { __typename ... on Post { id } ... on Thread { id } ... on Community { id } } } } } } }";

async fn send(app: &TestApp, language: &str, token: &str, query: &str, variables: Value) -> Value {
    let (status, content_language, body) = app.post_in(Some(language), Some(token), query, variables).await;
    assert_eq!(status, 200, "{body}");
    let spoken = if language.starts_with("fr") { "fr" } else { "en" };
    assert_eq!(content_language, spoken, "{body}");
    body
}

async fn ok(app: &TestApp, language: &str, token: &str, query: &str, variables: Value) -> Value {
    let body = send(app, language, token, query, variables).await;
    assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
    body["data"].clone()
}

fn message(body: &Value) -> &str {
    body["errors"][0]["message"].as_str().unwrap_or_default()
}

async fn unanswered(app: &TestApp, token: &str) -> i64 {
    let data = ok(app, "fr-CA", token, UNANSWERED, json!({ "s": "securite-culturelle" })).await;
    data["community"]["unansweredQuestions"]["totalCount"].as_i64().expect("totalCount")
}

#[tokio::test]
async fn a_question_in_french_an_answer_in_english_moderation_and_the_directory() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin@reseau.example", None, true).await;
    for org in ["cisss-a", "cisss-b", "cisss-c"] {
        fixtures::organization(&app, &admin, org).await;
    }
    let animator = app.token("animatrice@cisss-a.example", Some("cisss-a"), false).await;
    let nurse = app.token("infirmiere@cisss-a.example", Some("cisss-a"), false).await;
    let worker = app.token("social.worker@cisss-b.example", Some("cisss-b"), false).await;
    let troll = app.token("troll@cisss-b.example", Some("cisss-b"), false).await;
    let newcomer = app.token("nouvelle@cisss-c.example", Some("cisss-c"), false).await;

    // A public community of practice on cultural safety, open to every organization.
    let community = ok(
        &app,
        "fr-CA",
        &animator,
        CREATE_COMMUNITY,
        json!({ "input": { "slug": "securite-culturelle", "name": "Sécurité culturelle",
            "fieldOfKnowledge": "Sécurité culturelle", "visibility": "PUBLIC", "membershipPolicy": "OPEN" } }),
    )
    .await["createCommunity"]["community"]["id"]
        .clone();
    for token in [&nurse, &worker, &troll] {
        let id = fixtures::person_id(&app, token).await;
        fixtures::add_member(&app, &community, id, &[CommunityRole::Member]).await;
    }

    // The nurse asks in French; a mistake is explained to her in French, and the same
    // mistake in English to an English speaker, with the same code and field.
    let empty_title = json!({ "input": { "communityId": community, "kind": "QUESTION", "title": " ", "body": "?" } });
    let french = send(&app, "fr-CA,fr;q=0.9", &nurse, CREATE_THREAD, empty_title.clone()).await;
    let english = send(&app, "en-CA", &worker, CREATE_THREAD, empty_title).await;
    for body in [&french, &english] {
        assert_eq!(error_code(body), "BAD_USER_INPUT", "{body}");
        assert_eq!(error_field(body), "title", "{body}");
    }
    assert_eq!(message(&french), "title: ne doit pas être vide");
    assert_eq!(message(&english), "title: must not be empty");
    assert_eq!(unanswered(&app, &animator).await, 0);
    let question = ok(
        &app,
        "fr-CA",
        &nurse,
        CREATE_THREAD,
        json!({ "input": { "communityId": community, "kind": "QUESTION", "language": "fr-CA",
            "title": "Accueillir une famille atikamekw à l'urgence",
            "body": "Comment adapter l'accueil d'une famille **atikamekw** à l'urgence?" } }),
    )
    .await["createThread"]["thread"]
        .clone();
    assert_eq!((question["kind"].as_str(), question["language"].as_str()), (Some("QUESTION"), Some("fr-CA")));
    assert_eq!(question["firstReplyAt"], Value::Null);
    // The animator sees it among the unanswered questions.
    assert_eq!(unanswered(&app, &animator).await, 1);

    // The social worker of another organization answers in English.
    let answer = ok(
        &app,
        "en",
        &worker,
        CREATE_POST,
        json!({ "input": { "threadId": question["id"], "body": "Ask the family who should be present, and offer an *interpreter*." } }),
    )
    .await["createPost"]["post"]
        .clone();
    assert!(answer["bodyHtml"].as_str().is_some_and(|h| h.contains("<em>interpreter</em>")), "{answer}");
    // A reply is not an accepted answer: the question is still waiting.
    assert_eq!(unanswered(&app, &animator).await, 1);

    // Someone else may not accept it; the nurse does, and the list shrinks.
    let refused = send(&app, "fr", &troll, ACCEPT, json!({ "id": answer["id"] })).await;
    assert_eq!(error_code(&refused), "FORBIDDEN", "{refused}");
    assert!(message(&refused).starts_with("seuls la personne qui a posé la question"), "{refused}");
    let accepted =
        ok(&app, "fr-CA", &nurse, ACCEPT, json!({ "id": answer["id"] })).await["acceptAnswer"]["thread"].clone();
    assert_eq!(accepted["acceptedAnswer"]["id"], answer["id"]);
    assert!(accepted["answeredAt"].is_string() && accepted["firstReplyAt"].is_string(), "{accepted}");
    assert_eq!(unanswered(&app, &animator).await, 0);

    // A rude reply is reported by the nurse; the animator, who moderates, hides it.
    let rude = ok(
        &app,
        "en",
        &troll,
        CREATE_POST,
        json!({ "input": { "threadId": question["id"], "body": "Useless question." } }),
    )
    .await["createPost"]["post"]["id"]
        .clone();
    ok(&app, "fr-CA", &nurse, REPORT, json!({ "id": rude, "why": "Propos méprisants" })).await;
    // The queue is the moderators': the nurse who reported cannot read it.
    let theirs = send(&app, "fr-CA", &nurse, QUEUE, json!({ "s": "securite-culturelle" })).await;
    assert_ne!(theirs["data"]["community"]["moderationQueue"]["totalCount"], 1, "{theirs}");
    let queue = ok(&app, "fr-CA", &animator, QUEUE, json!({ "s": "securite-culturelle" })).await;
    let queue = &queue["community"]["moderationQueue"];
    assert_eq!((queue["totalCount"].as_i64(), &queue["edges"][0]["node"]["post"]["id"]), (Some(1), &rude));
    let report = queue["edges"][0]["node"]["id"].clone();
    ok(&app, "fr-CA", &animator, RESOLVE, json!({ "id": report })).await;
    let seen = ok(&app, "en", &worker, POST, json!({ "id": rude })).await;
    assert_eq!((seen["node"]["hidden"].as_bool(), seen["node"]["body"].as_str()), (Some(true), Some("")), "{seen}");
    let queue = ok(&app, "fr-CA", &animator, QUEUE, json!({ "s": "securite-culturelle" })).await;
    assert_eq!(queue["community"]["moderationQueue"]["totalCount"], 0);

    // The social worker says what she knows. A newcomer of a third organization finds her
    // by it; once the newcomer has joined the community and may read its threads, the
    // question she answered is the evidence of what she knows.
    let newcomer_id = fixtures::person_id(&app, &newcomer).await;
    fixtures::add_member(&app, &community, newcomer_id, &[CommunityRole::Member]).await;
    ok(
        &app,
        "en",
        &worker,
        PROFILE,
        json!({ "input": { "expertise": ["Sécurité culturelle"], "expertiseText": "Twelve years with Atikamekw families." } }),
    )
    .await;
    let found = ok(&app, "fr-CA", &newcomer, PEOPLE, json!({ "f": { "expertise": ["sécurité culturelle"] } })).await;
    let people = found["people"]["edges"].as_array().cloned().unwrap_or_default();
    assert_eq!(people.len(), 1, "{found}");
    let person = &people[0]["node"];
    assert_eq!(person["declaredExpertise"]["tags"], json!(["Sécurité culturelle"]));
    let derived = person["expertise"].as_array().cloned().unwrap_or_default();
    let tag = derived.iter().find(|e| e["tag"] == "Sécurité culturelle").unwrap_or_else(|| panic!("{derived:?}"));
    assert!(tag["score"].as_i64().is_some_and(|s| s > 0), "{tag}");
    let evidence: Vec<&Value> = tag["evidence"].as_array().into_iter().flatten().map(|e| &e["id"]).collect();
    assert!(evidence.contains(&&question["id"]), "the question she answered is the evidence: {tag}");
    // The text search finds her too, in either language's spelling of the words.
    let by_text = ok(&app, "en", &newcomer, PEOPLE, json!({ "f": { "text": "atikamekw" } })).await;
    assert_eq!(by_text["people"]["totalCount"], 1, "{by_text}");
}

//! French and English: every message the server writes comes in the language the
//! caller's `Accept-Language` asks for, while `extensions.code` and `field` stay the same.

use harness::{TestApp, error_code, error_field};
use serde_json::{Value, json};

/// Posts a GraphQL operation with an `Accept-Language` header.
async fn post_in(
    app: &TestApp,
    language: Option<&str>,
    token: Option<&str>,
    query: &str,
    variables: Value,
) -> (u16, String, Value) {
    app.post_in(language, token, query, variables).await
}

fn message(body: &Value) -> &str {
    body["errors"][0]["message"].as_str().unwrap_or_default()
}

const CREATE_COMMUNITY: &str =
    "mutation($input: CreateCommunityInput!) { createCommunity(input: $input) { community { id } } }";

#[tokio::test]
async fn errors_speak_the_callers_language_with_the_same_code_and_field() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin@network.example", None, true).await;
    let ana = app.token("ana@cisss.example", None, false).await;
    let before = app.count_rows("community").await;

    // Validation: the same code and field, the message in each language.
    let bad = json!({ "input": { "slug": "ok-slug", "name": "   " } });
    let cases = [
        (None, "en", "name: must not be empty"),
        (Some("en-CA,en;q=0.9"), "en", "name: must not be empty"),
        (Some("fr-CA,fr;q=0.9,en;q=0.8"), "fr", "name: ne doit pas être vide"),
        (Some("fr"), "fr", "name: ne doit pas être vide"),
        (Some("de-DE,fr;q=0.7"), "fr", "name: ne doit pas être vide"),
        (Some("es"), "en", "name: must not be empty"),
    ];
    for (asked, spoken, expected) in cases {
        let (_, content_language, body) = post_in(&app, asked, Some(&admin), CREATE_COMMUNITY, bad.clone()).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{asked:?}: {body}");
        assert_eq!(error_field(&body), "name", "{asked:?}: {body}");
        assert_eq!(message(&body), expected, "{asked:?}");
        assert_eq!(content_language, spoken, "{asked:?}");
    }
    let too_long = json!({ "input": { "slug": "ok-slug", "name": "é".repeat(201) } });
    let (_, _, body) = post_in(&app, Some("fr"), Some(&admin), CREATE_COMMUNITY, too_long).await;
    assert_eq!(error_field(&body), "name", "{body}");
    assert_eq!(message(&body), "name: compte 201 caractères; le maximum est de 200");
    assert_eq!(app.count_rows("community").await, before, "nothing was written");

    // A refusal of the policy names the action and the object, in French too.
    let audit = "{ auditEvents { totalCount } }";
    let (_, _, english) = post_in(&app, Some("en"), Some(&ana), audit, json!({})).await;
    let (_, _, french) = post_in(&app, Some("fr-FR"), Some(&ana), audit, json!({})).await;
    assert_eq!(error_code(&english), "FORBIDDEN", "{english}");
    assert_eq!(error_code(&french), "FORBIDDEN", "{french}");
    assert!(message(&english).starts_with("you may not"), "{english}");
    assert!(message(&french).starts_with("vous ne pouvez pas"), "{french}");
    assert_ne!(message(&english), message(&french));

    // Not found, in French: the same code, nothing more revealed than in English.
    let thread =
        "mutation($c: ID!) { createThread(input: { communityId: $c, title: \"t\", body: \"b\" }) { thread { id } } }";
    let unknown = json!({ "c": "Q29tbXVuaXR5Ojk5OTk5" });
    let (_, _, english) = post_in(&app, None, Some(&ana), thread, unknown.clone()).await;
    let (_, _, french) = post_in(&app, Some("fr"), Some(&ana), thread, unknown).await;
    assert_eq!(error_code(&english), error_code(&french), "{english} {french}");
    assert_ne!(message(&english), message(&french), "{english} {french}");
}

#[tokio::test]
async fn refusals_before_execution_are_in_the_callers_language() {
    let app = TestApp::spawn().await;
    // A token that is not a live session: 401, and the front end can say why.
    let (status, content_language, body) =
        post_in(&app, Some("fr-CA"), Some("not-a-real-token"), "{ me { id } }", json!({})).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(content_language, "fr");
    assert_eq!(error_code(&body), "UNAUTHENTICATED", "{body}");
    assert_eq!(message(&body), "le jeton est invalide, expiré ou révoqué : reconnectez-vous");
    let (status, _, body) = post_in(&app, None, Some("not-a-real-token"), "{ me { id } }", json!({})).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(message(&body), "the token is invalid, expired or revoked: log in again");

    // An empty query.
    let (_, _, body) = post_in(&app, Some("fr"), None, "  ", json!({})).await;
    assert_eq!(message(&body), "la requête ne contient pas de query", "{body}");
}

#[tokio::test]
async fn the_graphql_engines_own_messages_are_in_the_callers_language() {
    let app = TestApp::spawn().await;
    let ana = app.token("ana@cisss.example", None, false).await;
    let cases = [
        (
            "{ communities(first: 1) { edges { node { nmae } } } }",
            json!({}),
            r#"Champ "nmae" inconnu sur le type "Community"."#,
            r#"Unknown field "nmae" on type "Community"."#,
        ),
        (
            "query { node(id: $x) { id } }",
            json!({}),
            r#"La variable "$x" n’est pas définie"#,
            r#"Variable "$x" is not defined"#,
        ),
        (
            r#"mutation { createThread(input: { communityId: "x", kind: GOSSIP, title: "t", body: "b" }) { thread { id } } }"#,
            json!({}),
            r#"Valeur invalide pour l’argument "input.kind" : le type énuméré "ThreadKind" ne contient pas la valeur "GOSSIP""#,
            r#"Invalid value for argument "input.kind", enumeration type "ThreadKind" does not contain the value "GOSSIP""#,
        ),
    ];
    for (query, variables, french, english) in cases {
        let (_, content_language, fr) = post_in(&app, Some("fr-CA"), Some(&ana), query, variables.clone()).await;
        let (_, _, en) = post_in(&app, Some("en"), Some(&ana), query, variables).await;
        assert_eq!(content_language, "fr");
        assert_eq!(error_code(&fr), "GRAPHQL_VALIDATION_FAILED", "{fr}");
        assert_eq!(error_code(&en), error_code(&fr));
        assert_eq!(fr["errors"][0]["locations"], en["errors"][0]["locations"]);
        assert_eq!(message(&fr), french, "{fr}");
        assert_eq!(message(&en), english, "{en}");
    }
}

//! Every error path in both languages: a refusal of each family of mutations, a document
//! that does not parse, and each HTTP endpoint's refusals, each asked for in Canadian
//! French and in English. Both answers must have the same status, the same
//! `extensions.code` and `extensions.field` (or the same `error` of the endpoint), and
//! messages that are not empty and not the same: French never falls back to English.

use harness::{TestApp, error_code, error_field, fixtures};
use maillage_api::graphql::ids::{NodeKind, to_global};
use serde_json::{Value, json};

const FRENCH: &str = "fr-CA";
const ENGLISH: &str = "en";

fn message(body: &Value) -> &str {
    body["errors"][0]["message"].as_str().unwrap_or_default()
}

fn missing(kind: NodeKind) -> String {
    to_global(kind, 999_999).0
}

/// One refusal: what it is, who asks, the operation, its variables, and the code and
/// field (`""`: none) both answers must carry.
struct Case {
    what: &'static str,
    token: Option<String>,
    query: &'static str,
    variables: Value,
    code: &'static str,
    field: &'static str,
}

/// Sends `case` in French then in English and checks what must not change with the
/// language, and what must.
async fn check(app: &TestApp, case: &Case) {
    let token = case.token.as_deref();
    let (fr_status, fr_language, fr) = app.post_in(Some(FRENCH), token, case.query, case.variables.clone()).await;
    let (en_status, en_language, en) = app.post_in(Some(ENGLISH), token, case.query, case.variables.clone()).await;
    let what = case.what;
    assert_eq!((fr_language.as_str(), en_language.as_str()), ("fr", "en"), "{what}");
    assert_eq!(fr_status, en_status, "{what}: the same status\n{fr}\n{en}");
    assert_eq!(error_code(&en), case.code, "{what}: {en}");
    assert_eq!(error_code(&fr), error_code(&en), "{what}: the same code\n{fr}\n{en}");
    let field = if case.field.is_empty() { "<no field>" } else { case.field };
    assert_eq!(error_field(&en), field, "{what}: {en}");
    assert_eq!(error_field(&fr), error_field(&en), "{what}: the same field\n{fr}\n{en}");
    let (french, english) = (message(&fr), message(&en));
    assert!(!french.is_empty() && !english.is_empty(), "{what}: empty message\n{fr}\n{en}");
    assert_ne!(french, english, "{what}: French falls back to English");
}

#[tokio::test]
async fn every_mutation_family_refuses_in_both_languages_with_the_same_code_and_field() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin@network.example", None, true).await;
    let ana = app.token("ana@cisss.example", None, false).await;
    let organization = fixtures::organization(&app, &admin, "cisss-langues").await;
    let community = fixtures::community(&app, &admin, "cdp-langues", "PUBLIC", "OPEN").await;
    let thread = fixtures::thread(&app, &admin, &community, "Bienvenue").await;
    let post = fixtures::post(&app, &admin, &thread, "Bonjour à toutes et à tous.").await;
    let admin = Some(admin);
    let ana = Some(ana);

    let cases = [
        // Communities.
        Case {
            what: "createCommunity with a blank name",
            token: admin.clone(),
            query: "mutation($input: CreateCommunityInput!) { createCommunity(input: $input) { community { id } } }",
            variables: json!({ "input": { "slug": "une-autre", "name": "  " } }),
            code: "BAD_USER_INPUT",
            field: "name",
        },
        Case {
            what: "updateCommunity by someone who may not",
            token: ana.clone(),
            query: "mutation($input: UpdateCommunityInput!) { updateCommunity(input: $input) { community { id } } }",
            variables: json!({ "input": { "id": community, "name": "Pris" } }),
            code: "FORBIDDEN",
            field: "",
        },
        // Organizations, with a translation in a language the server does not speak.
        Case {
            what: "createOrganization with a German translation",
            token: admin.clone(),
            query: "mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { organization { id } } }",
            variables: json!({ "input": { "slug": "org-de", "name": "Org", "translations": [{ "language": "de", "name": "Org" }] } }),
            code: "BAD_USER_INPUT",
            field: "translations.0.language",
        },
        Case {
            what: "createOrganization with a bad slug",
            token: admin.clone(),
            query: "mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { organization { id } } }",
            variables: json!({ "input": { "slug": "Pas Un Slug!", "name": "Org" } }),
            code: "BAD_USER_INPUT",
            field: "slug",
        },
        // Memberships.
        Case {
            what: "joinCommunity of a community that does not exist",
            token: ana.clone(),
            query: "mutation($id: ID!) { joinCommunity(input: { communityId: $id }) { membership { id } } }",
            variables: json!({ "id": missing(NodeKind::Community) }),
            code: "NOT_FOUND",
            field: "",
        },
        Case {
            what: "inviteToCommunity by a non-member",
            token: ana.clone(),
            query: harness::ops::INVITE,
            variables: json!({ "c": community, "p": missing(NodeKind::Person) }),
            code: "FORBIDDEN",
            field: "",
        },
        // Subgroups and themes.
        Case {
            what: "createSubgroup with a blank name",
            token: admin.clone(),
            query: "mutation($input: CreateSubgroupInput!) { createSubgroup(input: $input) { subgroup { id } } }",
            variables: json!({ "input": { "communityId": community, "name": " " } }),
            code: "BAD_USER_INPUT",
            field: "name",
        },
        Case {
            what: "createTheme with a blank name",
            token: admin.clone(),
            query: "mutation($input: CreateThemeInput!) { createTheme(input: $input) { theme { id } } }",
            variables: json!({ "input": { "communityId": community, "name": " " } }),
            code: "BAD_USER_INPUT",
            field: "name",
        },
        // Discussions.
        Case {
            what: "createThread with a blank title",
            token: admin.clone(),
            query: "mutation($input: CreateThreadInput!) { createThread(input: $input) { thread { id } } }",
            variables: json!({ "input": { "communityId": community, "title": " ", "body": "b" } }),
            code: "BAD_USER_INPUT",
            field: "title",
        },
        Case {
            what: "createPost with a blank body",
            token: admin.clone(),
            query: "mutation($input: CreatePostInput!) { createPost(input: $input) { post { id } } }",
            variables: json!({ "input": { "threadId": thread, "body": " " } }),
            code: "BAD_USER_INPUT",
            field: "body",
        },
        Case {
            what: "editPost of a post that does not exist",
            token: admin.clone(),
            query: "mutation($input: EditPostInput!) { editPost(input: $input) { post { id } } }",
            variables: json!({ "input": { "postId": missing(NodeKind::Post), "body": "b" } }),
            code: "NOT_FOUND",
            field: "",
        },
        Case {
            what: "react to a post that does not exist",
            token: admin.clone(),
            query: "mutation($input: ReactInput!) { react(input: $input) { post { id } } }",
            variables: json!({ "input": { "postId": missing(NodeKind::Post), "reaction": "THANKS" } }),
            code: "NOT_FOUND",
            field: "",
        },
        Case {
            what: "reportPost with a blank reason",
            token: ana.clone(),
            query: "mutation($input: ReportPostInput!) { reportPost(input: $input) { report { id } } }",
            variables: json!({ "input": { "postId": post, "reason": " " } }),
            code: "BAD_USER_INPUT",
            field: "reason",
        },
        Case {
            what: "moveThread of a thread that does not exist",
            token: admin.clone(),
            query: "mutation($input: MoveThreadInput!) { moveThread(input: $input) { thread { id } } }",
            variables: json!({ "input": { "threadId": missing(NodeKind::Thread) } }),
            code: "NOT_FOUND",
            field: "",
        },
        // The library.
        Case {
            what: "updateDocument of a document that does not exist",
            token: admin.clone(),
            query: "mutation($input: UpdateDocumentInput!) { updateDocument(input: $input) { document { id } } }",
            variables: json!({ "input": { "id": missing(NodeKind::Document), "title": "t" } }),
            code: "NOT_FOUND",
            field: "",
        },
        // Events.
        Case {
            what: "createEvent that ends before it starts",
            token: admin.clone(),
            query: "mutation($input: CreateEventInput!) { createEvent(input: $input) { event { id } } }",
            variables: json!({ "input": {
                "communityId": community, "kind": "MEETING", "title": "Rencontre",
                "startsAt": "2030-01-10T15:00:00Z", "endsAt": "2030-01-10T14:00:00Z",
                "timeZone": "America/Toronto", "mode": "VIRTUAL", "joinUrl": "https://meet.example/x",
            } }),
            code: "BAD_USER_INPUT",
            field: "endsAt",
        },
        Case {
            what: "rsvp to an id that is no occurrence",
            token: ana.clone(),
            query: "mutation($input: RsvpInput!) { rsvp(input: $input) { occurrence { id } } }",
            variables: json!({ "input": { "occurrenceId": missing(NodeKind::Occurrence), "response": "GOING" } }),
            code: "BAD_USER_INPUT",
            field: "occurrenceId",
        },
        // The time budget.
        Case {
            what: "logTime of negative hours",
            token: admin.clone(),
            query: "mutation($input: LogTimeInput!) { logTime(input: $input) { entry { id } } }",
            variables: json!({ "input": { "communityId": community, "date": "2026-01-05", "hours": -2.0, "category": "MEETING" } }),
            code: "BAD_USER_INPUT",
            field: "hours",
        },
        // The directory.
        Case {
            what: "updateMyProfile with a language that is no language tag",
            token: ana.clone(),
            query: "mutation($input: UpdateMyProfileInput!) { updateMyProfile(input: $input) { person { id } } }",
            variables: json!({ "input": { "languages": ["pas une langue!"] } }),
            code: "BAD_USER_INPUT",
            field: "languages",
        },
        // Policy administration: a CSV line that is not valid, a rule that does not hold.
        Case {
            what: "importPolicy with an unknown action",
            token: admin.clone(),
            query: "mutation($input: ImportPolicyInput!) { importPolicy(input: $input) { ruleCount } }",
            variables: json!({ "input": { "csv": "# policy\np, community:MEMBER, community:*, community, teleport, *, *, *, allow\n" } }),
            code: "BAD_USER_INPUT",
            field: "csv",
        },
        Case {
            what: "importPolicy with an inheritance cycle",
            token: admin.clone(),
            query: "mutation($input: ImportPolicyInput!) { importPolicy(input: $input) { ruleCount } }",
            variables: json!({ "input": { "csv": "g, subgroup:LEAD, subgroup:MEMBER\ng, subgroup:MEMBER, subgroup:LEAD\n" } }),
            code: "BAD_USER_INPUT",
            field: "csv",
        },
        Case {
            what: "grantPermission of a rule whose role does not count in its scope",
            token: admin.clone(),
            query: harness::ops::GRANT,
            variables: json!({ "role": "organization:ADMIN", "o": "community", "a": "post" }),
            code: "BAD_USER_INPUT",
            field: "role",
        },
        // Personal access tokens and API clients.
        Case {
            what: "createPersonalAccessToken with a blank name",
            token: ana.clone(),
            query: "mutation($input: CreatePersonalAccessTokenInput!) { createPersonalAccessToken(input: $input) { secret } }",
            variables: json!({ "input": { "name": " ", "scopes": ["READ"], "expiresAt": "2030-01-01T00:00:00Z" } }),
            code: "BAD_USER_INPUT",
            field: "name",
        },
        Case {
            what: "createApiClient with a blank name",
            token: admin.clone(),
            query: "mutation($input: CreateApiClientInput!) { createApiClient(input: $input) { clientSecret } }",
            variables: json!({ "input": { "organizationId": organization, "name": " ", "scopes": ["READ"] } }),
            code: "BAD_USER_INPUT",
            field: "name",
        },
        // A document that does not parse.
        Case {
            what: "a query that does not parse",
            token: ana.clone(),
            query: "{ communities(first: 1) { edges { node { id } }",
            variables: json!({}),
            code: "GRAPHQL_PARSE_FAILED",
            field: "",
        },
    ];
    let mut failed = Vec::new();
    for case in &cases {
        let run = std::panic::AssertUnwindSafe(check(&app, case));
        if let Err(panic) = futures_util::FutureExt::catch_unwind(run).await {
            failed.push(panic.downcast_ref::<String>().cloned().unwrap_or_else(|| case.what.to_owned()));
        }
    }
    assert!(failed.is_empty(), "{failed:#?}");
    app.stop().await;
}

/// A plain `GET` (or `method`) of `path` in `language`, with extra headers: the status,
/// the `Content-Language` and the body.
async fn http_in(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    language: &str,
    headers: &[(&str, &str)],
) -> (u16, String, String) {
    let mut request =
        reqwest::Client::new().request(method, format!("{}{path}", app.base)).header("accept-language", language);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("send");
    let status = response.status().as_u16();
    let content_language =
        response.headers().get("content-language").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    (status, content_language, response.text().await.expect("body"))
}

/// One HTTP case: what, method, path, headers, status, the JSON member that names the
/// error (if any) and the one that says it.
type HttpCase<'a> = (&'a str, reqwest::Method, String, Vec<(&'a str, &'a str)>, u16, Option<&'a str>, Option<&'a str>);

#[tokio::test]
async fn every_http_endpoint_refuses_in_both_languages() {
    let app = TestApp::spawn().await;
    let ana = app.token("ana@cisss.example", None, false).await;
    let bearer = format!("Bearer {ana}");
    let form = ("content-type", "application/x-www-form-urlencoded");
    // (what, method, path, headers, status, the JSON member that names the error, if any,
    // and the one that says it).
    let version = format!("/files/{}", missing(NodeKind::DocumentVersion));
    let cases: [HttpCase<'_>; 11] = [
        ("/files of a version that does not exist", reqwest::Method::GET, version.clone(), vec![], 404, None, None),
        (
            "/files with an incomplete signed link",
            reqwest::Method::GET,
            format!("{version}?signature=x"),
            vec![],
            403,
            None,
            None,
        ),
        (
            "/files with a malformed link",
            reqwest::Method::GET,
            format!("{version}?expires=soon"),
            vec![],
            400,
            None,
            None,
        ),
        (
            "/files with a token that is not live",
            reqwest::Method::GET,
            version.clone(),
            vec![("authorization", "Bearer not-a-token")],
            401,
            None,
            None,
        ),
        ("/calendar of an unknown feed", reqwest::Method::GET, "/calendar/unknown.ics".into(), vec![], 404, None, None),
        ("/reports without a token", reqwest::Method::GET, "/reports/time.csv".into(), vec![], 401, None, None),
        (
            "/reports without its parameters",
            reqwest::Method::GET,
            "/reports/time.csv".into(),
            vec![("authorization", bearer.as_str())],
            400,
            None,
            None,
        ),
        (
            "/metrics through a proxy",
            reqwest::Method::GET,
            "/metrics".into(),
            vec![("x-forwarded-for", "203.0.113.7")],
            401,
            Some("error"),
            Some("message"),
        ),
        (
            "/oauth/token with GET",
            reqwest::Method::GET,
            "/oauth/token".into(),
            vec![],
            405,
            Some("error"),
            Some("error_description"),
        ),
        (
            "/oauth/token with JSON",
            reqwest::Method::POST,
            "/oauth/token".into(),
            vec![("content-type", "application/json")],
            400,
            Some("error"),
            Some("error_description"),
        ),
        (
            "/oauth/token without grant_type",
            reqwest::Method::POST,
            "/oauth/token".into(),
            vec![form, ("authorization", "Basic bWxjXzE6bWxjc18y")],
            400,
            Some("error"),
            Some("error_description"),
        ),
    ];
    for (what, method, path, headers, status, code, said) in cases {
        let (fr_status, fr_language, fr) = http_in(&app, method.clone(), &path, FRENCH, &headers).await;
        let (en_status, en_language, en) = http_in(&app, method, &path, ENGLISH, &headers).await;
        assert_eq!((fr_language.as_str(), en_language.as_str()), ("fr", "en"), "{what}");
        assert_eq!(en_status, status, "{what}: {en}");
        assert_eq!(fr_status, en_status, "{what}: the same status\n{fr}\n{en}");
        let (french, english) = match (code, said) {
            (Some(code), Some(said)) => {
                let fr: Value = serde_json::from_str(&fr).expect("JSON");
                let en: Value = serde_json::from_str(&en).expect("JSON");
                assert!(en[code].is_string(), "{what}: {en}");
                assert_eq!(fr[code], en[code], "{what}: the same error\n{fr}\n{en}");
                (fr[said].as_str().unwrap_or_default().to_owned(), en[said].as_str().unwrap_or_default().to_owned())
            }
            _ => (fr, en),
        };
        assert!(!french.is_empty() && !english.is_empty(), "{what}: empty message\n{french}\n{english}");
        assert_ne!(french, english, "{what}: French falls back to English");
        if path.starts_with("/oauth") {
            // RFC 6749 §5.2: printable ASCII without `"` and `\`.
            let allowed = |c: char| matches!(c, '\u{20}'..='\u{21}' | '\u{23}'..='\u{5B}' | '\u{5D}'..='\u{7E}');
            assert!(french.chars().all(allowed), "{what}: {french}");
        }
    }
    app.stop().await;
}

/// The policy's refusals say the line and what is wrong with it, with the names the
/// caller wrote, in French too.
#[tokio::test]
async fn a_bad_policy_line_is_said_in_french_with_its_line_and_names() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin@network.example", None, true).await;
    let import = "mutation($input: ImportPolicyInput!) { importPolicy(input: $input) { ruleCount } }";
    let csv = "# policy\n\np, community:MEMBER, community:*, community, post, SECRET, *, *, allow\n";
    let variables = json!({ "input": { "csv": csv } });
    let fr = app.gql_in(FRENCH, Some(&admin), import, variables.clone()).await;
    let en = app.gql_in(ENGLISH, Some(&admin), import, variables).await;
    assert_eq!(
        message(&en),
        "csv: line 3: visibility \"SECRET\" is not one of *, PUBLIC, NETWORK, MEMBERS, COMMUNITY, -",
        "{en}"
    );
    assert_eq!(
        message(&fr),
        "csv: ligne 3 : la visibilité « SECRET » n’est pas l’une des valeurs *, PUBLIC, NETWORK, MEMBERS, COMMUNITY, -",
        "{fr}"
    );
    let grant = app
        .gql_in(
            FRENCH,
            Some(&admin),
            harness::ops::GRANT,
            json!({ "role": "organization:ADMIN", "o": "community", "a": "post" }),
        )
        .await;
    assert_eq!(
        message(&grant),
        "role: le rôle organization:ADMIN ne compte pas dans les portées community:*",
        "{grant}"
    );
    app.stop().await;
}

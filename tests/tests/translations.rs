//! Translations of named things (issue 14, item 6): communities, organizations, themes
//! and subgroups keep `name` and `description` — in the request's language when they
//! have a translation in it, their own text otherwise — and list their `translations`;
//! the mutations that create or update them take `translations`.

use harness::{TestApp, error_code, error_field, fixtures};
use serde_json::{Value, json};

const CREATE_COMMUNITY: &str = "mutation($input: CreateCommunityInput!) { createCommunity(input: $input) { community { id slug name translations { language name description } } } }";
const UPDATE_COMMUNITY: &str = "mutation($input: UpdateCommunityInput!) { updateCommunity(input: $input) { community { id name translations { language name description } } } }";
const COMMUNITY: &str =
    "query($s: String!) { community(slug: $s) { name description translations { language name description } } }";

/// Creates a community as `token` with these translations; returns the answer's body.
async fn create_community(app: &TestApp, token: &str, slug: &str, visibility: &str, translations: Value) -> Value {
    app.gql(
        Some(token),
        CREATE_COMMUNITY,
        json!({ "input": {
            "slug": slug, "name": "Soins palliatifs", "description": "Partager nos pratiques.",
            "visibility": visibility, "translations": translations,
        } }),
    )
    .await
}

/// A server, Ana's token, and the answer to her creating the community `palliatif`
/// with these translations.
async fn start(visibility: &str, translations: Value) -> (TestApp, String, Value) {
    let app = TestApp::spawn().await;
    let ana = app.token("ana@cisss.example", None, false).await;
    let body = create_community(&app, &ana, "palliatif", visibility, translations).await;
    (app, ana, body)
}

#[tokio::test]
async fn names_follow_the_request_language_and_fall_back_to_their_own() {
    let (app, ana, body) = start(
        "PUBLIC",
        json!([{ "language": "en-CA", "name": "Palliative care", "description": "Sharing our practices." }]),
    )
    .await;
    assert!(body.get("errors").is_none(), "{body}");
    let created = &body["data"]["createCommunity"]["community"];
    assert_eq!(
        created["translations"],
        json!([{ "language": "en", "name": "Palliative care", "description": "Sharing our practices." }])
    );

    // English (asked, or by default) reads the translation; French falls back to the
    // community's own text. Anonymous readers of a public community too.
    for (language, token, name, description) in [
        ("en-US,en;q=0.9", Some(ana.as_str()), "Palliative care", "Sharing our practices."),
        ("de", None, "Palliative care", "Sharing our practices."),
        ("fr-CA,fr;q=0.9", Some(ana.as_str()), "Soins palliatifs", "Partager nos pratiques."),
        ("fr", None, "Soins palliatifs", "Partager nos pratiques."),
    ] {
        let body = app.gql_in(language, token, COMMUNITY, json!({ "s": "palliatif" })).await;
        assert_eq!(body["data"]["community"]["name"], name, "{language}: {body}");
        assert_eq!(body["data"]["community"]["description"], description, "{language}: {body}");
        assert_eq!(body["data"]["community"]["translations"][0]["language"], "en", "{body}");
    }

    // A French translation without a description: the name is French, the description
    // stays the community's own.
    let id = created["id"].clone();
    let data = app
        .ok(
            Some(&ana),
            UPDATE_COMMUNITY,
            json!({ "input": { "id": id, "translations": [
                { "language": "fr", "name": "Soins palliatifs et de fin de vie" },
                { "language": "en", "name": "Palliative and end-of-life care", "description": "Our practices." },
            ] } }),
        )
        .await;
    let languages: Vec<&str> = data["updateCommunity"]["community"]["translations"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|t| t["language"].as_str())
        .collect();
    assert_eq!(languages, ["en", "fr"]);
    let fr = app.gql_in("fr", Some(&ana), COMMUNITY, json!({ "s": "palliatif" })).await;
    assert_eq!(fr["data"]["community"]["name"], "Soins palliatifs et de fin de vie", "{fr}");
    assert_eq!(fr["data"]["community"]["description"], "Partager nos pratiques.", "{fr}");
    let en = app.gql_in("en", Some(&ana), COMMUNITY, json!({ "s": "palliatif" })).await;
    assert_eq!(en["data"]["community"]["description"], "Our practices.", "{en}");

    // Lists speak the same language.
    let list = app.gql_in("fr", None, "{ communities { edges { node { name } } } }", json!({})).await;
    assert_eq!(list["data"]["communities"]["edges"][0]["node"]["name"], "Soins palliatifs et de fin de vie", "{list}");

    // A community without translations reads its own text in both languages.
    fixtures::community(&app, &ana, "sans-traduction", "PUBLIC", "OPEN").await;
    for language in ["fr", "en"] {
        let body = app.gql_in(language, None, COMMUNITY, json!({ "s": "sans-traduction" })).await;
        assert_eq!(body["data"]["community"]["name"], "Community sans-traduction", "{body}");
        assert_eq!(body["data"]["community"]["translations"], json!([]), "{body}");
    }
}

#[tokio::test]
async fn updates_replace_the_set_given_and_leave_it_when_omitted() {
    let (app, ana, body) = start(
        "NETWORK",
        json!([{ "language": "en", "name": "Palliative care" }, { "language": "FR", "name": "Soins palliatifs" }]),
    )
    .await;
    let id = body["data"]["createCommunity"]["community"]["id"].clone();
    assert_eq!(app.count_rows("community_translation").await, 2);

    // Omitted: unchanged.
    let data = app.ok(Some(&ana), UPDATE_COMMUNITY, json!({ "input": { "id": id, "name": "Soins" } })).await;
    assert_eq!(data["updateCommunity"]["community"]["translations"].as_array().map(Vec::len), Some(2), "{data}");
    // Given: replaces the set (`fr-CA` is kept as `fr`).
    let data = app
        .ok(
            Some(&ana),
            UPDATE_COMMUNITY,
            json!({ "input": { "id": id, "translations": [{ "language": "fr-CA", "name": "Soins palliatifs au Québec" }] } }),
        )
        .await;
    assert_eq!(
        data["updateCommunity"]["community"]["translations"],
        json!([{ "language": "fr", "name": "Soins palliatifs au Québec", "description": null }])
    );
    let en = app.gql_in("en", Some(&ana), COMMUNITY, json!({ "s": "palliatif" })).await;
    assert_eq!(en["data"]["community"]["name"], "Soins", "the English translation is gone: {en}");
    // Empty: removes them all.
    let data = app.ok(Some(&ana), UPDATE_COMMUNITY, json!({ "input": { "id": id, "translations": [] } })).await;
    assert_eq!(data["updateCommunity"]["community"]["translations"], json!([]));
    assert_eq!(app.count_rows("community_translation").await, 0);

    // Every change of the texts is audited with the texts before and after (creation,
    // replacement, removal); the same set given again changes nothing and adds nothing.
    app.ok(Some(&ana), UPDATE_COMMUNITY, json!({ "input": { "id": id, "translations": [] } })).await;
    let audited = "audit_event WHERE action = 'community.translations' AND CAST(before AS TEXT) LIKE";
    assert_eq!(app.count_rows("audit_event WHERE action = 'community.translations'").await, 3);
    let removed = app.count_rows(&format!("{audited} '%Soins palliatifs au Qu%'")).await;
    assert_eq!(removed, 1, "the removal keeps what French readers saw");
    let replaced = app.count_rows(&format!("{audited} '%Palliative care%'")).await;
    assert_eq!(replaced, 1, "the replacement keeps what English readers saw");
}

#[tokio::test]
async fn organizations_themes_and_subgroups_take_translations_too() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin@network.example", None, true).await;
    let data = app
        .ok(
            Some(&admin),
            "mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { organization { id name translations { language name description } } } }",
            json!({ "input": { "slug": "inspq", "name": "Institut national de santé publique",
                "translations": [{ "language": "en", "name": "National Public Health Institute" }] } }),
        )
        .await;
    let org = data["createOrganization"]["organization"]["id"].clone();
    assert_eq!(
        data["createOrganization"]["organization"]["translations"],
        json!([{ "language": "en", "name": "National Public Health Institute", "description": null }])
    );
    let query = "{ organization(slug: \"inspq\") { name } }";
    assert_eq!(
        app.gql_in("en", None, query, json!({})).await["data"]["organization"]["name"],
        "National Public Health Institute"
    );
    assert_eq!(
        app.gql_in("fr", None, query, json!({})).await["data"]["organization"]["name"],
        "Institut national de santé publique"
    );
    app.ok(
        Some(&admin),
        "mutation($input: UpdateOrganizationInput!) { updateOrganization(input: $input) { organization { id } } }",
        json!({ "input": { "id": org, "translations": [{ "language": "en", "name": "INSPQ" }] } }),
    )
    .await;
    assert_eq!(app.gql_in("en", None, query, json!({})).await["data"]["organization"]["name"], "INSPQ");

    let ana = app.token("ana@cisss.example", None, false).await;
    let community = fixtures::community(&app, &ana, "sante-publique", "NETWORK", "OPEN").await;
    let data = app
        .ok(
            Some(&ana),
            "mutation($c: ID!) { createTheme(input: { communityId: $c, name: \"Vaccination\", translations: [{ language: \"en\", name: \"Immunization\" }] }) { theme { id } } }",
            json!({ "c": community }),
        )
        .await;
    let theme = data["createTheme"]["theme"]["id"].clone();
    let themes = "query($c: ID!) { themes(communityId: $c) { name translations { language name } } }";
    let en = app.gql_in("en", Some(&ana), themes, json!({ "c": community })).await;
    assert_eq!(en["data"]["themes"][0]["name"], "Immunization", "{en}");
    let fr = app.gql_in("fr", Some(&ana), themes, json!({ "c": community })).await;
    assert_eq!(fr["data"]["themes"][0]["name"], "Vaccination", "{fr}");
    app.ok(
        Some(&ana),
        "mutation($t: ID!) { updateTheme(input: { id: $t, translations: [{ language: \"fr\", name: \"Immunisation\" }] }) { theme { id } } }",
        json!({ "t": theme }),
    )
    .await;
    let fr = app.gql_in("fr", Some(&ana), themes, json!({ "c": community })).await;
    assert_eq!(fr["data"]["themes"][0]["translations"], json!([{ "language": "fr", "name": "Immunisation" }]), "{fr}");
    // Deleting a theme deletes its translations.
    app.ok(Some(&ana), "mutation($t: ID!) { deleteTheme(input: { id: $t }) { deletedId } }", json!({ "t": theme }))
        .await;
    assert_eq!(app.count_rows("theme_translation").await, 0);

    let data = app
        .ok(
            Some(&ana),
            "mutation($c: ID!) { createSubgroup(input: { communityId: $c, name: \"Comité\", description: \"Le comité.\", visibility: COMMUNITY, translations: [{ language: \"en\", name: \"Committee\", description: \"The committee.\" }] }) { subgroup { id } } }",
            json!({ "c": community }),
        )
        .await;
    assert!(data["createSubgroup"]["subgroup"]["id"].is_string());
    let subgroups = "{ community(slug: \"sante-publique\") { subgroups { edges { node { name description translations { language } } } } } }";
    let en = app.gql_in("en", Some(&ana), subgroups, json!({})).await;
    let node = &en["data"]["community"]["subgroups"]["edges"][0]["node"];
    assert_eq!(
        (node["name"].as_str(), node["description"].as_str()),
        (Some("Committee"), Some("The committee.")),
        "{en}"
    );
    let fr = app.gql_in("fr", Some(&ana), subgroups, json!({})).await;
    assert_eq!(fr["data"]["community"]["subgroups"]["edges"][0]["node"]["name"], "Comité", "{fr}");
}

#[tokio::test]
async fn bad_translations_name_the_field_and_write_nothing() {
    let app = TestApp::spawn().await;
    let ana = app.token("ana@cisss.example", None, false).await;
    let cases = [
        (json!([{ "language": "de", "name": "Palliativpflege" }]), "translations.0.language"),
        (json!([{ "language": "fr_CA", "name": "Soins" }]), "translations.0.language"),
        (json!([{ "language": "", "name": "Soins" }]), "translations.0.language"),
        (
            json!([{ "language": "fr", "name": "Soins" }, { "language": "fr-CA", "name": "Soins" }]),
            "translations.1.language",
        ),
        (json!([{ "language": "en", "name": "  " }]), "translations.0.name"),
        (json!([{ "language": "en", "name": "x".repeat(201) }]), "translations.0.name"),
        (json!([{ "language": "en", "name": "Care\u{202e}" }]), "translations.0.name"),
        (
            json!([{ "language": "en", "name": "Care", "description": "y".repeat(10_001) }]),
            "translations.0.description",
        ),
    ];
    for (translations, field) in &cases {
        let body = create_community(&app, &ana, "palliatif", "NETWORK", translations.clone()).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{translations}: {body}");
        assert_eq!(error_field(&body), *field, "{translations}: {body}");
    }
    assert_eq!(app.count_rows("community").await, 0, "no community was created");
    assert_eq!(app.count_rows("community_translation").await, 0);

    // An update with a bad translation changes nothing, not even the fields beside it.
    let body =
        create_community(&app, &ana, "palliatif", "NETWORK", json!([{ "language": "en", "name": "Palliative care" }]))
            .await;
    let id = body["data"]["createCommunity"]["community"]["id"].clone();
    for (translations, field) in &cases {
        let body = app
            .gql(
                Some(&ana),
                UPDATE_COMMUNITY,
                json!({ "input": { "id": id, "name": "Renamed", "translations": translations } }),
            )
            .await;
        assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", *field), "{body}");
    }
    let en = app.gql_in("en", Some(&ana), COMMUNITY, json!({ "s": "palliatif" })).await;
    assert_eq!(en["data"]["community"]["name"], "Palliative care", "{en}");
    let fr = app.gql_in("fr", Some(&ana), COMMUNITY, json!({ "s": "palliatif" })).await;
    assert_eq!(fr["data"]["community"]["name"], "Soins palliatifs", "{fr}");

    // The same refusal in French: same code and field, another message.
    let bad = json!({ "input": { "slug": "autre", "name": "Autre", "translations": [{ "language": "es", "name": "Otra" }] } });
    let en = app.gql_in("en", Some(&ana), CREATE_COMMUNITY, bad.clone()).await;
    let fr = app.gql_in("fr", Some(&ana), CREATE_COMMUNITY, bad).await;
    assert_eq!((error_code(&fr), error_field(&fr)), (error_code(&en), error_field(&en)));
    assert_ne!(en["errors"][0]["message"], fr["errors"][0]["message"]);
    assert!(fr["errors"][0]["message"].as_str().is_some_and(|m| m.contains("langue")), "{fr}");

    // Organizations and themes have no description to translate.
    let admin = app.token("admin@network.example", None, true).await;
    let organizations = app.count_rows("organization").await;
    let body = app
        .gql(
            Some(&admin),
            "mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { organization { id } } }",
            json!({ "input": { "slug": "inspq", "name": "INSPQ", "translations": [{ "language": "en", "name": "INSPQ", "description": "x" }] } }),
        )
        .await;
    assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", "translations.0.description"), "{body}");
    assert_eq!(app.count_rows("organization").await, organizations);
}

#[tokio::test]
async fn a_secret_communitys_translations_stay_secret() {
    let (app, ana, body) =
        start("MEMBERS", json!([{ "language": "en", "name": "Secret care", "description": "Hidden." }])).await;
    let stranger = app.token("eve@elsewhere.example", None, false).await;
    let id = body["data"]["createCommunity"]["community"]["id"].clone();

    let by_slug = app.gql_in("en", Some(&stranger), COMMUNITY, json!({ "s": "palliatif" })).await;
    assert_eq!(error_code(&by_slug), "NOT_FOUND", "{by_slug}");
    let node = "query($id: ID!) { node(id: $id) { ... on Community { name translations { name } } } }";
    for token in [Some(stranger.as_str()), None] {
        let body = app.gql_in("en", token, node, json!({ "id": id })).await;
        assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
        assert!(body["data"]["node"].is_null(), "{body}");
    }
    let list = app
        .gql_in(
            "en",
            Some(&stranger),
            "{ communities { totalCount edges { node { name translations { name } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(list["data"]["communities"]["totalCount"], 0, "{list}");
    assert!(!list.to_string().contains("Secret care"), "{list}");
    // Nor can a stranger write them: NOT_FOUND, as for a missing id, and nothing changes.
    let body = app.gql(Some(&stranger), UPDATE_COMMUNITY, json!({ "input": { "id": id, "translations": [] } })).await;
    assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
    assert_eq!(app.count_rows("community_translation").await, 1);
    // Its members read them.
    let member = app.gql_in("en", Some(&ana), node, json!({ "id": id })).await;
    assert_eq!(member["data"]["node"]["translations"][0]["name"], "Secret care", "{member}");
}

#[tokio::test]
async fn concurrent_replacements_take_turns() {
    let (app, ana, body) = start("NETWORK", json!([])).await;
    let id = body["data"]["createCommunity"]["community"]["id"].clone();
    // Ten editors at once, each giving one language or the other: every answer is a
    // success or a clear refusal, and what is stored is one editor's set, whole.
    let answers = harness::join_all((0..10).map(|i| {
        let language = if i % 2 == 0 { "fr" } else { "en" };
        let input =
            json!({ "input": { "id": id, "translations": [{ "language": language, "name": format!("Nom {i}") }] } });
        let (app, ana) = (&app, &ana);
        async move { app.gql(Some(ana), UPDATE_COMMUNITY, input).await }
    }))
    .await;
    for answer in &answers {
        let code = answer["errors"][0]["extensions"]["code"].as_str();
        assert!(matches!(code, None | Some("UNAVAILABLE")), "{answer}");
    }
    assert_eq!(app.count_rows("community_translation").await, 1, "one editor's set, not a mix");
    let stored = app.ok(Some(&ana), COMMUNITY, json!({ "s": "palliatif" })).await;
    let language = stored["community"]["translations"][0]["language"].as_str().unwrap_or_default().to_owned();
    let consistent = app.count_rows(&format!("community WHERE translated_into = '{language}'")).await;
    assert_eq!(consistent, 1, "translated_into agrees with the rows: {stored}");
}

#[tokio::test]
async fn a_search_finds_a_community_by_its_name_in_either_language() {
    // Its own name is French; its English translation carries the English words.
    let (app, ana, _) = start("NETWORK", json!([{ "language": "en", "name": "Palliative care" }])).await;
    let bob = app.token("bob@autre.example", None, false).await;
    // Eve's secret community has the same English words in its translation only.
    let eve = app.token("eve@elsewhere.example", None, false).await;
    let body = app
        .gql(
            Some(&eve),
            CREATE_COMMUNITY,
            json!({ "input": { "slug": "cachee", "name": "Groupe discret", "visibility": "MEMBERS",
                "translations": [{ "language": "en", "name": "Hidden palliative care circle" }] } }),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    let search = "query($q: String!) { communities(filter: { search: $q }) { totalCount edges { node { slug } } } }";
    let slugs = |body: &Value| -> (i64, Vec<String>) {
        let list = &body["data"]["communities"];
        let slugs = list["edges"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"))
            .iter()
            .filter_map(|e| e["node"]["slug"].as_str().map(str::to_owned))
            .collect();
        (list["totalCount"].as_i64().unwrap_or(-1), slugs)
    };

    // Bob, a stranger to both, finds the network's community by its own French name and
    // by its English one, whatever language he reads in; never the secret one.
    for (query, language) in [("soins", "en"), ("PALLIATIVE", "fr"), ("palliative care", "en"), ("care", "fr")] {
        let body = app.gql_in(language, Some(&bob), search, json!({ "q": query })).await;
        assert_eq!(slugs(&body), (1, vec!["palliatif".to_owned()]), "{query}: {body}");
    }
    let body = app.gql(Some(&bob), search, json!({ "q": "hidden" })).await;
    assert_eq!(slugs(&body), (0, vec![]), "a secret community's translation finds nothing: {body}");
    let body = app.gql(None, search, json!({ "q": "palliative" })).await;
    assert_eq!(slugs(&body), (0, vec![]), "anonymous callers see no NETWORK community: {body}");
    // Its member finds it by its translation too.
    let body = app.gql(Some(&eve), search, json!({ "q": "palliative" })).await;
    let (total, mut found) = slugs(&body);
    found.sort();
    assert_eq!((total, found), (2, vec!["cachee".to_owned(), "palliatif".to_owned()]), "{body}");
    // A word in no name, own or translated, finds nothing.
    let body = app.gql(Some(&ana), search, json!({ "q": "oncologie" })).await;
    assert_eq!(slugs(&body), (0, vec![]), "{body}");
}

//! `updateSubgroup` (issue 14, item 6): a subgroup's name, description, kind, visibility
//! and translations change after its creation, for whoever may create subgroups in its
//! community; everyone else is refused and nothing changes.

use entity::enums::CommunityRole;
use harness::{TestApp, error_code, error_field, fixtures};
use maillage_api::graphql::ids;
use serde_json::{Value, json};

const CREATE: &str = "mutation($input: CreateSubgroupInput!) { createSubgroup(input: $input) { subgroup { id } } }";
const UPDATE: &str = "mutation($input: UpdateSubgroupInput!) { updateSubgroup(input: $input) { subgroup { id name description kind visibility translations { language name description } } } }";
const SUBGROUPS: &str = "query($s: String!) { community(slug: $s) { subgroups { edges { node { id name description kind visibility } } } } }";
const NODE: &str = "query($id: ID!) { node(id: $id) { ... on Subgroup { name } } }";

/// A server, Ana (founder and animator of the NETWORK community `sante`) and a subgroup
/// of it every member sees: "Comité" / "Le comité.", translated into English.
async fn start() -> (TestApp, String, Value, Value) {
    let app = TestApp::spawn().await;
    let ana = app.token("ana@cisss.example", None, false).await;
    let community = fixtures::community(&app, &ana, "sante", "NETWORK", "OPEN").await;
    let data = app
        .ok(
            Some(&ana),
            CREATE,
            json!({ "input": { "communityId": community, "name": "Comité", "description": "Le comité.",
                "visibility": "COMMUNITY",
                "translations": [{ "language": "en", "name": "Committee", "description": "The committee." }] } }),
        )
        .await;
    let subgroup = data["createSubgroup"]["subgroup"]["id"].clone();
    (app, ana, community, subgroup)
}

/// The subgroup's name and description as a reader of `language` sees them in the
/// community's list.
async fn read_in(app: &TestApp, token: &str, language: &str, subgroup: &Value) -> (String, String) {
    let body = app.gql_in(language, Some(token), SUBGROUPS, json!({ "s": "sante" })).await;
    let edges = body["data"]["community"]["subgroups"]["edges"].as_array().cloned().unwrap_or_default();
    let node = edges.iter().map(|e| &e["node"]).find(|n| n["id"] == *subgroup);
    let node = node.unwrap_or_else(|| panic!("{subgroup} not listed: {body}"));
    let text = |v: &Value| v.as_str().unwrap_or_else(|| panic!("{body}")).to_owned();
    (text(&node["name"]), text(&node["description"]))
}

async fn audited(app: &TestApp, action: &str) -> i64 {
    app.count_rows(&format!("audit_event WHERE action = '{action}'")).await
}

#[tokio::test]
async fn animators_change_a_subgroup_and_readers_see_it_in_their_language() {
    let (app, ana, community, subgroup) = start().await;

    // A partial update: the name only; the description, kind, visibility and
    // translations stay.
    let data =
        app.ok(Some(&ana), UPDATE, json!({ "input": { "subgroupId": subgroup, "name": "Comité de pilotage" } })).await;
    let changed = &data["updateSubgroup"]["subgroup"];
    assert_eq!(changed["id"], subgroup);
    assert_eq!(changed["kind"], "WORKING_GROUP", "{data}");
    assert_eq!(changed["visibility"], "COMMUNITY", "{data}");
    assert_eq!(
        changed["translations"],
        json!([{ "language": "en", "name": "Committee", "description": "The committee." }])
    );
    assert_eq!(read_in(&app, &ana, "fr-CA", &subgroup).await, ("Comité de pilotage".into(), "Le comité.".into()));
    assert_eq!(read_in(&app, &ana, "en", &subgroup).await, ("Committee".into(), "The committee.".into()));
    assert_eq!(audited(&app, "subgroup.update").await, 1);
    assert_eq!(audited(&app, "subgroup.translations").await, 1, "only the creation's: the translations were left");

    // Translations given replace the set: English readers now fall back to its own text,
    // French readers read the French one (its own description, none being translated).
    let data = app
        .ok(
            Some(&ana),
            UPDATE,
            json!({ "input": { "subgroupId": subgroup, "kind": "INTEREST_GROUP",
                "translations": [{ "language": "fr-CA", "name": "Comité directeur" }] } }),
        )
        .await;
    let changed = &data["updateSubgroup"]["subgroup"];
    assert_eq!(changed["translations"], json!([{ "language": "fr", "name": "Comité directeur", "description": null }]));
    assert_eq!(changed["kind"], "INTEREST_GROUP");
    assert_eq!(read_in(&app, &ana, "fr", &subgroup).await, ("Comité directeur".into(), "Le comité.".into()));
    assert_eq!(
        read_in(&app, &ana, "en-US,en;q=0.9", &subgroup).await,
        ("Comité de pilotage".into(), "Le comité.".into())
    );
    assert_eq!(app.count_rows("subgroup_translation").await, 1);

    // An English translation with a description, and a new description of its own.
    app.ok(
        Some(&ana),
        UPDATE,
        json!({ "input": { "subgroupId": subgroup, "description": "Pilote le projet.", "translations": [
            { "language": "en", "name": "Steering committee", "description": "Steers the project." },
            { "language": "fr", "name": "Comité directeur" },
        ] } }),
    )
    .await;
    assert_eq!(read_in(&app, &ana, "en", &subgroup).await, ("Steering committee".into(), "Steers the project.".into()));
    assert_eq!(read_in(&app, &ana, "fr", &subgroup).await, ("Comité directeur".into(), "Pilote le projet.".into()));

    // An empty list removes them all.
    app.ok(Some(&ana), UPDATE, json!({ "input": { "subgroupId": subgroup, "translations": [] } })).await;
    assert_eq!(app.count_rows("subgroup_translation").await, 0);
    assert_eq!(read_in(&app, &ana, "en", &subgroup).await, ("Comité de pilotage".into(), "Pilote le projet.".into()));

    // Every change is in the community's audit trail, with the text before and after.
    assert_eq!(audited(&app, "subgroup.update").await, 4);
    assert_eq!(audited(&app, "subgroup.translations").await, 4, "creation and three replacements");
    let renamed = "audit_event WHERE action = 'subgroup.update' AND CAST(before AS TEXT) LIKE '%\"Comité\"%' \
                   AND CAST(after AS TEXT) LIKE '%Comité de pilotage%'";
    assert_eq!(app.count_rows(renamed).await, 1);
    let trail = app
        .ok(
            Some(&ana),
            "query($s: ID!) { auditEvents(first: 50, filter: { scopeId: $s }) { edges { node { action } } } }",
            json!({ "s": community }),
        )
        .await
        .to_string();
    assert!(trail.contains("subgroup.update"), "{trail}");
}

#[tokio::test]
async fn a_subgroup_made_members_only_leaves_the_sight_of_other_members() {
    let (app, ana, community, subgroup) = start().await;
    let bob = app.token("bob@cisss.example", None, false).await;
    let bob_id = fixtures::person_id(&app, &bob).await;
    fixtures::add_member(&app, &community, bob_id, &[CommunityRole::Member]).await;
    let thread = "mutation($c: ID!, $s: ID!) { createThread(input: { communityId: $c, subgroupId: $s, title: \"Ordre du jour\", body: \"Points.\" }) { thread { id } } }";
    app.ok(Some(&ana), thread, json!({ "c": community, "s": subgroup })).await;
    let threads = "{ community(slug: \"sante\") { threads { totalCount edges { node { subgroup { name } } } } } }";
    let seen = app.gql_in("fr", Some(&bob), threads, json!({})).await;
    assert_eq!(seen["data"]["community"]["threads"]["edges"][0]["node"]["subgroup"]["name"], "Comité", "{seen}");

    let data =
        app.ok(Some(&ana), UPDATE, json!({ "input": { "subgroupId": subgroup, "visibility": "MEMBERS" } })).await;
    assert_eq!(data["updateSubgroup"]["subgroup"]["visibility"], "MEMBERS");
    // Bob no longer sees it anywhere: not in the list, not by id, not through its thread.
    let list = app.gql(Some(&bob), SUBGROUPS, json!({ "s": "sante" })).await;
    assert_eq!(list["data"]["community"]["subgroups"]["edges"], json!([]), "{list}");
    let node = app.gql(Some(&bob), NODE, json!({ "id": subgroup })).await;
    assert_eq!(error_code(&node), "NOT_FOUND", "{node}");
    let seen = app.gql(Some(&bob), threads, json!({})).await;
    assert_eq!(seen["data"]["community"]["threads"]["totalCount"], 0, "{seen}");
    assert!(!seen.to_string().contains("Comité"), "{seen}");
    // Nor may he change it: NOT_FOUND, as for a subgroup that does not exist.
    let body = app.gql(Some(&bob), UPDATE, json!({ "input": { "subgroupId": subgroup, "name": "Pris" } })).await;
    assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
    // Its animator still does.
    assert_eq!(read_in(&app, &ana, "fr", &subgroup).await.0, "Comité");
}

#[tokio::test]
async fn refusals_name_the_reason_and_change_nothing() {
    let (app, ana, community, subgroup) = start().await;
    // Bob: a plain member, who sees the subgroup. Carol: animator of a community of her
    // own, a stranger to this one. A subgroup of a secret community, and a subgroup of
    // Ana's only its members see.
    let bob = app.token("bob@cisss.example", None, false).await;
    let bob_id = fixtures::person_id(&app, &bob).await;
    fixtures::add_member(&app, &community, bob_id, &[CommunityRole::Member]).await;
    let carol = app.token("carol@autre.example", None, false).await;
    fixtures::community(&app, &carol, "ailleurs", "NETWORK", "OPEN").await;
    let secret_community = fixtures::community(&app, &carol, "secret", "MEMBERS", "INVITATION").await;
    let secret = app
        .ok(Some(&carol), CREATE, json!({ "input": { "communityId": secret_community, "name": "Cellule" } }))
        .await["createSubgroup"]["subgroup"]["id"]
        .clone();
    let closed = app
        .ok(
            Some(&ana),
            CREATE,
            json!({ "input": { "communityId": community, "name": "Restreint", "visibility": "MEMBERS" } }),
        )
        .await["createSubgroup"]["subgroup"]["id"]
        .clone();
    let missing = json!(ids::to_global(ids::NodeKind::Subgroup, 999_999).0);
    let translations_before = app.count_rows("subgroup_translation").await;
    let audit_before = app.count_rows("audit_event").await;

    let rename = |id: &Value| json!({ "input": { "subgroupId": id, "name": "Pris", "translations": [] } });
    let cases: [(Option<&str>, Value, &str); 7] = [
        (None, rename(&subgroup), "UNAUTHENTICATED"),
        (Some(bob.as_str()), rename(&subgroup), "FORBIDDEN"),
        (Some(carol.as_str()), rename(&subgroup), "NOT_FOUND"),
        (Some(bob.as_str()), rename(&closed), "NOT_FOUND"),
        (Some(ana.as_str()), rename(&secret), "NOT_FOUND"),
        (Some(ana.as_str()), rename(&missing), "NOT_FOUND"),
        (Some(ana.as_str()), json!({ "input": { "subgroupId": community, "name": "Pris" } }), "BAD_USER_INPUT"),
    ];
    for (token, variables, code) in &cases {
        let body = app.gql(*token, UPDATE, variables.clone()).await;
        assert_eq!(error_code(&body), *code, "{variables}: {body}");
        assert!(body["data"]["updateSubgroup"].is_null(), "{body}");
    }
    // A subgroup one may not see is refused exactly as one that does not exist.
    let hidden = app.gql(Some(&carol), UPDATE, rename(&subgroup)).await;
    let absent = app.gql(Some(&carol), UPDATE, rename(&missing)).await;
    assert_eq!(hidden["errors"][0]["message"], absent["errors"][0]["message"]);

    // Bad input names the field, in either language, and changes nothing beside it.
    let bad = [
        (json!({ "name": "  " }), "name"),
        (json!({ "name": "x".repeat(201) }), "name"),
        (json!({ "name": "Pris", "description": "y".repeat(10_001) }), "description"),
        (
            json!({ "name": "Pris", "translations": [{ "language": "de", "name": "Ausschuss" }] }),
            "translations.0.language",
        ),
        (
            json!({ "name": "Pris", "translations": [{ "language": "en", "name": "A" }, { "language": "en-GB", "name": "B" }] }),
            "translations.1.language",
        ),
        (json!({ "translations": [{ "language": "fr", "name": "" }] }), "translations.0.name"),
    ];
    for (changes, field) in &bad {
        let mut input = changes.clone();
        input["subgroupId"] = subgroup.clone();
        for language in ["en", "fr"] {
            let body = app.gql_in(language, Some(&ana), UPDATE, json!({ "input": input })).await;
            assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", *field), "{body}");
        }
    }
    // A refusal speaks the caller's language.
    let en = app.gql_in("en", Some(&bob), UPDATE, rename(&subgroup)).await;
    let fr = app.gql_in("fr", Some(&bob), UPDATE, rename(&subgroup)).await;
    assert_eq!((error_code(&en), error_code(&fr)), ("FORBIDDEN", "FORBIDDEN"));
    assert!(fr["errors"][0]["message"].as_str().is_some_and(|m| m.contains("sous-groupes")), "{fr}");
    assert!(en["errors"][0]["message"].as_str().is_some_and(|m| m.contains("subgroups")), "{en}");

    assert_eq!(read_in(&app, &ana, "fr", &subgroup).await, ("Comité".into(), "Le comité.".into()));
    assert_eq!(read_in(&app, &ana, "en", &subgroup).await, ("Committee".into(), "The committee.".into()));
    assert_eq!(app.count_rows("subgroup WHERE name = 'Pris'").await, 0);
    assert_eq!(app.count_rows("subgroup_translation").await, translations_before);
    assert_eq!(app.count_rows("audit_event").await, audit_before, "nothing refused is audited");
}

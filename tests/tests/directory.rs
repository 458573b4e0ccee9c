//! The directory (issue 14, part 5): the profile fields a person controls and who may see
//! each of them, and `people`, the search over the network's people — where a field
//! hidden from the viewer is never shown and never matches, and a secret community's id
//! matches nobody.

use entity::{
    enums::{CommunityRole, OrganizationRoleKind},
    organization_role,
};
use harness::{TestApp, error_code, error_field, fixtures};
use maillage_api::graphql::ids::{NodeKind, to_global};
use sea_orm::{ActiveModelTrait, ActiveValue::Set};
use serde_json::{Value, json};

const UPDATE: &str = "mutation($input: UpdateMyProfileInput!) { updateMyProfile(input: $input) { person { id jobTitle profession region languages declaredExpertise { tags text } fieldVisibility { field visibility } } } }";
const VIEW: &str = "query($id: ID!) { node(id: $id) { ... on Person { displayName email jobTitle profession region languages declaredExpertise { tags text } fieldVisibility { field visibility } } } }";
const PEOPLE: &str =
    "query($f: PeopleFilterInput) { people(filter: $f, first: 50) { totalCount edges { node { displayName } } } }";
const SHARED: &str = "query($id: ID!) { node(id: $id) { ... on Person { sharedCommunities(first: 10) { totalCount edges { node { slug } } } } } }";

/// Two organizations; a nurse of the first and a social worker of the second share a
/// secret community; a colleague of the nurse, a stranger of a third organization, an
/// administrator of the nurse's organization and a network administrator share nothing.
struct Network {
    app: TestApp,
    admin: String,
    nurse: String,
    nurse_id: Value,
    worker: String,
    colleague: String,
    stranger: String,
    org_admin: String,
    secret: Value,
}

async fn network() -> Network {
    let app = TestApp::spawn().await;
    let admin = app.token("admin@network.example", None, true).await;
    for org in ["cisss-a", "cisss-b", "elsewhere"] {
        fixtures::organization(&app, &admin, org).await;
    }
    let nurse = app.token("n.tremblay@cisss-a.example", Some("cisss-a"), false).await;
    let worker = app.token("travailleur@cisss-b.example", Some("cisss-b"), false).await;
    let colleague = app.token("collegue@cisss-a.example", Some("cisss-a"), false).await;
    let stranger = app.token("stranger@elsewhere.example", Some("elsewhere"), false).await;
    let org_admin = app.token("admin@cisss-a.example", None, false).await;
    let org_admin_id = fixtures::person_id(&app, &org_admin).await;
    let cisss_a = app.ok(Some(&admin), "{ organization(slug: \"cisss-a\") { id } }", json!({})).await;
    organization_role::ActiveModel {
        person_id: Set(org_admin_id),
        organization_id: Set(fixtures::db_id(&cisss_a["organization"]["id"])),
        role: Set(OrganizationRoleKind::Admin),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .expect("organization admin");
    let founder = app.token("fondatrice@cisss-b.example", Some("cisss-b"), false).await;
    let secret = fixtures::community(&app, &founder, "securite-culturelle", "MEMBERS", "INVITATION").await;
    let nurse_number = fixtures::person_id(&app, &nurse).await;
    for token in [&nurse, &worker] {
        let id = fixtures::person_id(&app, token).await;
        fixtures::add_member(&app, &secret, id, &[CommunityRole::Member]).await;
    }
    let nurse_id = json!(to_global(NodeKind::Person, nurse_number).to_string());
    Network { app, admin, nurse, nurse_id, worker, colleague, stranger, org_admin, secret }
}

impl Network {
    async fn view(&self, token: &str) -> Value {
        self.app.ok(Some(token), VIEW, json!({ "id": self.nurse_id })).await["node"].clone()
    }

    /// The display names `token` finds with `filter`, and the total.
    async fn find(&self, token: &str, filter: Value) -> (i64, Vec<String>) {
        let data = self.app.ok(Some(token), PEOPLE, json!({ "f": filter })).await;
        let names = data["people"]["edges"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| e["node"]["displayName"].as_str().map(str::to_owned))
            .collect();
        (data["people"]["totalCount"].as_i64().unwrap_or(-1), names)
    }

    /// Whether `token` finds the nurse with `filter`.
    async fn finds_nurse(&self, token: &str, filter: Value) -> bool {
        let (total, names) = self.find(token, filter).await;
        let found = names.iter().any(|n| n == "n.tremblay");
        assert_eq!(total > 0, !names.is_empty(), "a count agrees with its page");
        found
    }

    /// The nurse fills in her profile: her profession private, her region for the people
    /// she shares a community or organization with, the rest for the network.
    async fn fill_profile(&self) -> Value {
        self.app
            .ok(
                Some(&self.nurse),
                UPDATE,
                json!({ "input": {
                    "jobTitle": "Conseillère en soins",
                    "profession": "Infirmière",
                    "region": "Abitibi-Témiscamingue",
                    "languages": ["fr-CA", "en"],
                    "expertise": ["Sécurité culturelle", "Plaies"],
                    "expertiseText": "Dix ans en soins de plaies.",
                    "fieldVisibility": [
                        { "field": "PROFESSION", "visibility": "PRIVATE" },
                        { "field": "REGION", "visibility": "COMMUNITIES" },
                    ],
                } }),
            )
            .await["updateMyProfile"]["person"]
            .clone()
    }
}

#[tokio::test]
async fn a_person_sets_their_profile_and_sees_all_of_it() {
    let n = network().await;
    let me = n.fill_profile().await;
    assert_eq!(me["jobTitle"], "Conseillère en soins");
    assert_eq!(me["profession"], "Infirmière");
    assert_eq!(me["region"], "Abitibi-Témiscamingue");
    assert_eq!(me["languages"], json!(["fr-CA", "en"]));
    assert_eq!(
        me["declaredExpertise"],
        json!({ "tags": ["Sécurité culturelle", "Plaies"], "text": "Dix ans en soins de plaies." })
    );
    let visibility = me["fieldVisibility"].as_array().cloned().unwrap_or_default();
    assert!(visibility.contains(&json!({ "field": "PROFESSION", "visibility": "PRIVATE" })), "{visibility:?}");
    assert!(visibility.contains(&json!({ "field": "EMAIL", "visibility": "COMMUNITIES" })), "{visibility:?}");
    // A field left out stays; an empty text clears one.
    let after = n.app.ok(Some(&n.nurse), UPDATE, json!({ "input": { "jobTitle": "" } })).await;
    assert_eq!(after["updateMyProfile"]["person"]["jobTitle"], Value::Null);
    assert_eq!(after["updateMyProfile"]["person"]["profession"], "Infirmière");
    // Others never see how she set it.
    assert_eq!(n.view(&n.worker).await["fieldVisibility"], Value::Null);
    let audited = n.app.count_rows("audit_event WHERE action = 'person.update_profile'").await;
    assert_eq!(audited, 2, "each change is audited");
}

#[tokio::test]
async fn a_hidden_field_is_never_shown_nor_matched() {
    let n = network().await;
    n.fill_profile().await;
    // The stranger shares nothing with her: her private profession and her region are
    // hidden, what she opened to the network is shown.
    let seen = n.view(&n.stranger).await;
    assert_eq!(seen["profession"], Value::Null);
    assert_eq!(seen["region"], Value::Null);
    assert_eq!(seen["jobTitle"], "Conseillère en soins");
    assert_eq!(seen["declaredExpertise"]["tags"], json!(["Sécurité culturelle", "Plaies"]));
    // …and no search through a hidden field finds her.
    assert!(!n.finds_nurse(&n.stranger, json!({ "text": "infirm" })).await);
    assert!(!n.finds_nurse(&n.stranger, json!({ "professions": ["infirmière"] })).await);
    assert!(!n.finds_nurse(&n.stranger, json!({ "text": "abitibi" })).await);
    assert!(!n.finds_nurse(&n.stranger, json!({ "regions": ["Abitibi-Témiscamingue"] })).await);
    // Through what she shows, she is found (case aside).
    assert!(n.finds_nurse(&n.stranger, json!({ "text": "CONSEILLÈRE" })).await);
    assert!(n.finds_nurse(&n.stranger, json!({ "expertise": ["sécurité culturelle"] })).await);
    assert!(n.finds_nurse(&n.stranger, json!({ "text": "plaies" })).await);
    // A private field is hers alone, even for the people she works with.
    for token in [&n.worker, &n.colleague, &n.admin] {
        assert_eq!(n.view(token).await["profession"], Value::Null);
        assert!(!n.finds_nurse(token, json!({ "professions": ["Infirmière"] })).await);
    }
    assert!(n.finds_nurse(&n.nurse, json!({ "professions": ["infirmière"] })).await);
    // Hiding her expertise hides it from the search at once.
    n.app
        .ok(
            Some(&n.nurse),
            UPDATE,
            json!({ "input": { "fieldVisibility": [{ "field": "EXPERTISE", "visibility": "PRIVATE" }] } }),
        )
        .await;
    assert_eq!(n.view(&n.stranger).await["declaredExpertise"], Value::Null);
    assert!(!n.finds_nurse(&n.stranger, json!({ "expertise": ["sécurité culturelle"] })).await);
    assert!(!n.finds_nurse(&n.stranger, json!({ "text": "plaies" })).await);
}

#[tokio::test]
async fn communities_visibility_reaches_shared_communities_across_organizations() {
    let n = network().await;
    n.fill_profile().await;
    // The social worker of another organization shares a community with her; her
    // colleague shares her organization; the stranger neither.
    for token in [&n.worker, &n.colleague] {
        assert_eq!(n.view(token).await["region"], "Abitibi-Témiscamingue");
        assert!(n.finds_nurse(token, json!({ "regions": ["abitibi-témiscamingue"] })).await);
        assert!(n.finds_nurse(token, json!({ "text": "témiscamingue" })).await);
    }
    assert_eq!(n.view(&n.stranger).await["region"], Value::Null);
}

#[tokio::test]
async fn administrators_always_see_emails() {
    let n = network().await;
    n.app
        .ok(
            Some(&n.nurse),
            UPDATE,
            json!({ "input": { "fieldVisibility": [{ "field": "EMAIL", "visibility": "PRIVATE" }] } }),
        )
        .await;
    for token in [&n.worker, &n.colleague, &n.stranger] {
        assert_eq!(n.view(token).await["email"], Value::Null);
    }
    for token in [&n.org_admin, &n.admin, &n.nurse] {
        assert_eq!(n.view(token).await["email"], "n.tremblay@cisss-a.example");
    }
    // The default: people who share a community or an organization with her.
    n.app
        .ok(
            Some(&n.nurse),
            UPDATE,
            json!({ "input": { "fieldVisibility": [{ "field": "EMAIL", "visibility": "COMMUNITIES" }] } }),
        )
        .await;
    assert_eq!(n.view(&n.worker).await["email"], "n.tremblay@cisss-a.example");
    assert_eq!(n.view(&n.stranger).await["email"], Value::Null);
}

#[tokio::test]
async fn a_secret_community_id_matches_nobody_and_is_shared_only_with_its_members() {
    let n = network().await;
    let unknown = json!(to_global(NodeKind::Community, 999_999).to_string());
    // A member of the secret community finds its members through it.
    assert!(n.finds_nurse(&n.worker, json!({ "communityIds": [n.secret] })).await);
    // To anyone else, its id matches nobody, exactly as an unknown id.
    for token in [&n.stranger, &n.colleague] {
        let secret = n.find(token, json!({ "communityIds": [n.secret] })).await;
        assert_eq!(secret, (0, vec![]));
        assert_eq!(n.find(token, json!({ "communityIds": [unknown] })).await, secret);
    }
    // Who knows whom: only through communities the viewer can see.
    let shared = n.app.ok(Some(&n.worker), SHARED, json!({ "id": n.nurse_id })).await;
    assert_eq!(shared["node"]["sharedCommunities"]["totalCount"], 1);
    assert_eq!(shared["node"]["sharedCommunities"]["edges"][0]["node"]["slug"], "securite-culturelle");
    for token in [&n.stranger, &n.colleague, &n.admin] {
        let shared = n.app.ok(Some(token), SHARED, json!({ "id": n.nurse_id })).await;
        assert_eq!(shared["node"]["sharedCommunities"]["totalCount"], 0, "{shared}");
    }
}

#[tokio::test]
async fn the_directory_is_for_logged_in_people_only() {
    let n = network().await;
    let body = n.app.gql(None, PEOPLE, json!({})).await;
    assert_eq!(error_code(&body), "UNAUTHENTICATED");
    let body = n.app.gql(None, UPDATE, json!({ "input": { "region": "Estrie" } })).await;
    assert_eq!(error_code(&body), "UNAUTHENTICATED");
    // Logged in, everyone is listed.
    let (total, names) = n.find(&n.stranger, json!(null)).await;
    assert!(total >= 7, "{names:?}");
}

#[tokio::test]
async fn bad_input_is_refused_naming_the_field_and_changes_nothing() {
    let n = network().await;
    let before = n.fill_profile().await;
    let long = "x".repeat(51);
    let cases = [
        (
            json!({ "expertise": (0..21).map(|i| format!("tag {i}")).collect::<Vec<_>>(), "region": "Estrie" }),
            "expertise",
        ),
        (json!({ "expertise": [long], "region": "Estrie" }), "expertise"),
        (json!({ "expertise": [" "] }), "expertise"),
        (json!({ "expertiseText": "y".repeat(2001), "region": "Estrie" }), "expertiseText"),
        (json!({ "jobTitle": "z".repeat(201) }), "jobTitle"),
        (json!({ "profession": "two\nlines" }), "profession"),
        (json!({ "languages": ["not a tag"] }), "languages"),
        (
            json!({ "region": "Estrie", "fieldVisibility": [
                { "field": "REGION", "visibility": "PRIVATE" },
                { "field": "REGION", "visibility": "NETWORK" },
            ] }),
            "fieldVisibility",
        ),
    ];
    for (input, field) in cases {
        let body = n.app.gql(Some(&n.nurse), UPDATE, json!({ "input": input })).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{input}: {body}");
        assert_eq!(error_field(&body), field, "{input}: {body}");
    }
    let after = n.app.ok(Some(&n.nurse), VIEW, json!({ "id": n.nurse_id })).await["node"].clone();
    for key in ["region", "declaredExpertise", "jobTitle", "profession", "languages", "fieldVisibility"] {
        assert_eq!(after[key], before[key], "{key} unchanged");
    }
    let too_many: Vec<String> = (0..21).map(|i| format!("p{i}")).collect();
    for (filter, field) in [
        (json!({ "professions": too_many }), "filter.professions"),
        (json!({ "text": "a".repeat(101) }), "filter.text"),
        (json!({ "communityIds": ["nope"] }), "filter.communityIds"),
    ] {
        let body = n.app.gql(Some(&n.stranger), PEOPLE, json!({ "f": filter })).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
        assert_eq!(error_field(&body), field, "{body}");
    }
}

#[tokio::test]
async fn a_page_of_the_directory_costs_a_fixed_number_of_statements() {
    let n = network().await;
    n.fill_profile().await;
    for i in 0..24 {
        let token = n.app.token(&format!("person{i}@cisss-b.example"), Some("cisss-b"), false).await;
        n.app
            .ok(
                Some(&token),
                UPDATE,
                json!({ "input": { "profession": "Travailleuse sociale", "region": "Estrie", "languages": ["fr"], "expertise": [format!("sujet {i}")] } }),
            )
            .await;
    }
    let query = |first: i64| {
        format!(
            "{{ people(first: {first}) {{ totalCount edges {{ node {{ displayName email jobTitle profession region languages declaredExpertise {{ tags text }} organization {{ slug }} }} }} }} }}"
        )
    };
    let mut counts = Vec::new();
    for first in [2, 20] {
        // The fewest of a few runs: a background check of the policy may land in one.
        let mut fewest = usize::MAX;
        for _ in 0..3 {
            n.app.reset_statements();
            let data = n.app.ok(Some(&n.worker), &query(first), json!({})).await;
            assert_eq!(data["people"]["edges"].as_array().map(Vec::len), Some(usize::try_from(first).unwrap_or(0)));
            fewest = fewest.min(n.app.statements());
        }
        counts.push(fewest);
    }
    assert_eq!(counts[0], counts[1], "statements for 2 and 20 people: {counts:?}");
    assert!(counts[1] <= 10, "{counts:?}");
}

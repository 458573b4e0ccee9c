//! `Community.library`: a community's documents and wiki pages in one list, filtered,
//! sorted, paged by cursor across both kinds, counted and summed up in facets that only
//! count what the viewer may read; and what it costs in SQL statements.

use entity::enums::CommunityRole;
use harness::{
    TestApp, error_code, error_field, fixtures,
    library::{document, publish, theme, wiki_page},
};
use serde_json::{Value, json};

const LIBRARY: &str = "query($s: String!, $f: LibraryFilterInput, $o: LibraryOrder, $n: Int, $a: String) { \
    community(slug: $s) { library(filter: $f, orderBy: $o, first: $n, after: $a) { totalCount \
    pageInfo { hasNextPage endCursor } \
    edges { cursor node { __typename ... on Document { id title createdAt updatedAt } \
    ... on WikiPage { id title createdAt updatedAt } } } } } }";

const FACETS: &str = "query($s: String!, $f: LibraryFilterInput) { community(slug: $s) { library(filter: $f, first: 0) { \
    totalCount facets { themes { theme { id name } count } kinds { kind count } languages { language count } \
    authors { person { id } count } } } } }";

/// A network: organizations `home` and `other`; ana founds the secret community `cop`
/// with bob (member); omar is of `other`.
struct World {
    app: TestApp,
    ana: String,
    bob: String,
    omar: String,
    cop: Value,
    ana_id: Value,
    bob_id: Value,
}

async fn world() -> World {
    let app = TestApp::spawn().await;
    let admin = app.token("admin@network.example", None, true).await;
    fixtures::organization(&app, &admin, "home").await;
    fixtures::organization(&app, &admin, "other").await;
    let ana = app.token("ana@home.example", Some("home"), false).await;
    let bob = app.token("bob@home.example", Some("home"), false).await;
    let omar = app.token("omar@other.example", Some("other"), false).await;
    let cop = fixtures::community(&app, &ana, "cop", "MEMBERS", "INVITATION").await;
    let bob_db = fixtures::person_id(&app, &bob).await;
    fixtures::add_member(&app, &cop, bob_db, &[CommunityRole::Member]).await;
    let me = "{ me { id } }";
    let ana_id = app.ok(Some(&ana), me, json!({})).await["me"]["id"].clone();
    let bob_id = app.ok(Some(&bob), me, json!({})).await["me"]["id"].clone();
    World { app, ana, bob, omar, cop, ana_id, bob_id }
}

/// The library of `slug` as `token` sees it: `community.library`.
async fn library(app: &TestApp, token: Option<&str>, slug: &str, filter: Value, order: Value, first: i64) -> Value {
    let data = app.ok(token, LIBRARY, json!({ "s": slug, "f": filter, "o": order, "n": first })).await;
    data["community"]["library"].clone()
}

/// The titles of a library page, in order.
fn titles(library: &Value) -> Vec<String> {
    library["edges"]
        .as_array()
        .map(|edges| edges.iter().map(|e| e["node"]["title"].as_str().unwrap_or_default().to_owned()).collect())
        .unwrap_or_default()
}

/// The titles matching `filter`, sorted, checked against `totalCount`.
async fn matching(w: &World, token: &str, filter: Value) -> Vec<String> {
    let found = library(&w.app, Some(token), "cop", filter.clone(), json!({ "field": "TITLE" }), 100).await;
    let titles = titles(&found);
    assert_eq!(found["totalCount"], titles.len(), "{filter}: {found}");
    titles
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

/// The library of `cop`: four documents of several kinds, languages, themes, tags and
/// authors (one archived), and two wiki pages (one saved by ana then bob).
async fn stock(w: &World) -> (Value, Value) {
    let app = &w.app;
    let t1 = theme(app, &w.ana, &w.cop, "Éclosions").await;
    let t2 = theme(app, &w.ana, &w.cop, "Vaccination").await;
    let doc = |title: &str, kind: &str, language: &str, themes: Vec<&Value>, tags: Vec<&str>, authors: Vec<&Value>| {
        json!({ "communityId": w.cop, "title": title, "kind": kind, "language": language,
            "themeIds": themes, "tags": tags, "authorIds": authors })
    };
    document(app, &w.ana, doc("Alpha guide", "GUIDE", "fr", vec![&t1], vec!["covid", "soins"], vec![&w.ana_id])).await;
    document(app, &w.bob, doc("Beta procedure", "PROCEDURE", "en", vec![&t1, &t2], vec!["Covid"], vec![&w.bob_id]))
        .await;
    document(app, &w.ana, doc("Gamma tool", "TOOL", "fr", vec![], vec!["outil"], vec![&w.ana_id, &w.bob_id])).await;
    let delta = document(app, &w.ana, doc("Delta report", "REPORT", "en", vec![&t2], vec![], vec![])).await;
    app.ok(
        Some(&w.ana),
        "mutation($id: ID!) { archiveDocument(input: { id: $id }) { document { status } } }",
        json!({ "id": delta }),
    )
    .await;
    let page = wiki_page(app, &w.ana, &w.cop, "Alpha wiki").await;
    app.ok(
        Some(&w.bob),
        "mutation($id: ID!) { updateWikiPage(input: { id: $id, expectedRevision: 1, body: \"Plus\" }) { page { revision } } }",
        json!({ "id": page }),
    )
    .await;
    wiki_page(app, &w.bob, &w.cop, "Zeta notes").await;
    (t1, t2)
}

#[tokio::test]
async fn filters_narrow_documents_and_pages_alone_and_together() {
    let w = world().await;
    let (t1, t2) = stock(&w).await;
    let all = ["Alpha guide", "Alpha wiki", "Beta procedure", "Delta report", "Gamma tool", "Zeta notes"];
    assert_eq!(matching(&w, &w.bob, json!(null)).await, names(&all));
    let cases = [
        (json!({ "kinds": ["GUIDE", "TOOL"] }), vec!["Alpha guide", "Gamma tool"]),
        (json!({ "languages": ["EN"] }), vec!["Beta procedure", "Delta report"]),
        (json!({ "themeIds": [t1] }), vec!["Alpha guide", "Beta procedure"]),
        (json!({ "themeIds": [t2] }), vec!["Beta procedure", "Delta report"]),
        // Tags match whole, case aside.
        (json!({ "tags": ["COVID"] }), vec!["Alpha guide", "Beta procedure"]),
        (json!({ "tags": ["soin", "ovid"] }), vec![]),
        (json!({ "tags": ["outil", "soins"] }), vec!["Alpha guide", "Gamma tool"]),
        // A page's authors are the people who saved it.
        (json!({ "authorIds": [w.ana_id] }), vec!["Alpha guide", "Alpha wiki", "Gamma tool"]),
        (json!({ "authorIds": [w.bob_id] }), vec!["Alpha wiki", "Beta procedure", "Gamma tool", "Zeta notes"]),
        (json!({ "statuses": ["ARCHIVED"] }), vec!["Delta report"]),
        (json!({ "statuses": ["DRAFT"] }), vec!["Alpha guide", "Beta procedure", "Gamma tool"]),
        (json!({ "text": "ALPHA" }), vec!["Alpha guide", "Alpha wiki"]),
        (json!({ "text": "%" }), vec![]),
        // Together: every filter must hold.
        (json!({ "text": "alpha", "authorIds": [w.bob_id] }), vec!["Alpha wiki"]),
        (json!({ "kinds": ["GUIDE", "TOOL"], "languages": ["fr"], "authorIds": [w.bob_id] }), vec!["Gamma tool"]),
        (json!({ "themeIds": [t1], "tags": ["covid"], "statuses": ["DRAFT"], "text": "beta" }), vec!["Beta procedure"]),
    ];
    for (filter, expected) in cases {
        assert_eq!(matching(&w, &w.bob, filter.clone()).await, names(&expected), "{filter}");
    }
    // Dates: at or after an instant, and strictly before it, split the library in two.
    let every = library(&w.app, Some(&w.bob), "cop", json!(null), json!({ "field": "UPDATED_AT" }), 100).await;
    let edges = every["edges"].as_array().cloned().unwrap_or_default();
    let middle = edges[3]["node"]["updatedAt"].clone();
    let later = matching(&w, &w.bob, json!({ "updatedAfter": middle })).await;
    let earlier = matching(&w, &w.bob, json!({ "updatedBefore": middle })).await;
    assert!(!later.is_empty() && !earlier.is_empty(), "{later:?} {earlier:?}");
    let mut both = [later.clone(), earlier].concat();
    both.sort();
    assert_eq!(both, names(&all));
    let expected_later: Vec<String> = {
        let mut v: Vec<String> =
            edges[3..].iter().map(|e| e["node"]["title"].as_str().unwrap_or_default().to_owned()).collect();
        v.sort();
        v
    };
    assert_eq!(later, expected_later);
    assert!(
        matching(&w, &w.bob, json!({ "updatedAfter": middle, "updatedBefore": middle, "text": "a" })).await.is_empty()
    );
}

#[tokio::test]
async fn bad_arguments_are_refused_naming_them() {
    let w = world().await;
    stock(&w).await;
    let app = &w.app;
    let first = app.ok(Some(&w.bob), LIBRARY, json!({ "s": "cop", "n": 2 })).await;
    let cursor = first["community"]["library"]["pageInfo"]["endCursor"].clone();
    let community_id = w.cop.clone();
    for (variables, field) in [
        (json!({ "n": 101 }), "first"),
        (json!({ "a": "garbage" }), "after"),
        // A cursor of the default order (last changed first) serves no other order.
        (json!({ "a": cursor, "o": { "field": "UPDATED_AT" } }), "after"),
        (json!({ "a": cursor, "o": { "field": "TITLE", "direction": "DESC" } }), "after"),
        (json!({ "f": { "themeIds": [community_id] } }), "filter.themeIds"),
        (json!({ "f": { "authorIds": ["nope"] } }), "filter.authorIds"),
        (json!({ "f": { "languages": ["not a language!"] } }), "filter.languages"),
        (json!({ "f": { "text": "x".repeat(301) } }), "filter.text"),
        (json!({ "f": { "tags": ["x".repeat(101)] } }), "filter.tags"),
        (
            json!({ "f": { "updatedAfter": "2026-01-02T00:00:00Z", "updatedBefore": "2026-01-01T00:00:00Z" } }),
            "filter.updatedBefore",
        ),
    ] {
        let mut variables = variables;
        variables["s"] = json!("cop");
        let body = app.gql(Some(&w.bob), LIBRARY, variables.clone()).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{variables}: {body}");
        assert_eq!(error_field(&body), field, "{variables}: {body}");
    }
    // The cursor still serves its own order.
    let next = app.ok(Some(&w.bob), LIBRARY, json!({ "s": "cop", "n": 2, "a": cursor })).await;
    assert_eq!(titles(&next["community"]["library"]).len(), 2);
}

#[tokio::test]
async fn pages_of_either_order_cover_the_library_once_across_documents_and_pages() {
    let w = world().await;
    stock(&w).await;
    // Same titles and instants for a document and a page: the kind breaks the tie.
    document(&w.app, &w.ana, json!({ "communityId": w.cop, "title": "Zeta notes" })).await;
    let app = &w.app;
    for field in ["TITLE", "CREATED_AT", "UPDATED_AT"] {
        let mut orders = Vec::new();
        for direction in ["ASC", "DESC"] {
            let order = json!({ "field": field, "direction": direction });
            let whole = library(app, Some(&w.bob), "cop", json!(null), order.clone(), 100).await;
            let ids: Vec<Value> =
                whole["edges"].as_array().into_iter().flatten().map(|e| e["node"]["id"].clone()).collect();
            assert_eq!(ids.len(), 7);
            // Page by page, two at a time.
            let mut paged = Vec::new();
            let mut after = Value::Null;
            loop {
                let page = app
                    .ok(Some(&w.bob), LIBRARY, json!({ "s": "cop", "o": order, "n": 2, "a": after }))
                    .await["community"]["library"]
                    .clone();
                assert_eq!(page["totalCount"], 7);
                paged.extend(page["edges"].as_array().into_iter().flatten().map(|e| e["node"]["id"].clone()));
                if page["pageInfo"]["hasNextPage"] != true {
                    break;
                }
                after = page["pageInfo"]["endCursor"].clone();
            }
            assert_eq!(paged, ids, "{order}");
            if field == "TITLE" && direction == "ASC" {
                assert_eq!(
                    titles(&whole),
                    names(&[
                        "Alpha guide",
                        "Alpha wiki",
                        "Beta procedure",
                        "Delta report",
                        "Gamma tool",
                        "Zeta notes",
                        "Zeta notes"
                    ])
                );
                // Documents before pages of the same title.
                assert_eq!(whole["edges"][5]["node"]["__typename"], "Document");
                assert_eq!(whole["edges"][6]["node"]["__typename"], "WikiPage");
            }
            orders.push(ids);
        }
        let mut descending = orders.pop().unwrap_or_default();
        descending.reverse();
        assert_eq!(orders.pop(), Some(descending), "{field}: one direction is the other reversed");
    }
    // By default, the last changed first.
    let default = library(app, Some(&w.bob), "cop", json!(null), json!(null), 1).await;
    assert_eq!(titles(&default), names(&["Zeta notes"]));
    assert_eq!(default["edges"][0]["node"]["__typename"], "Document");
}

/// Checks that each facet value counts exactly the items the filter narrowed to that
/// value lists.
async fn facets_match_lists(w: &World, token: Option<&str>, slug: &str, filter: Value) -> Value {
    let app = &w.app;
    let data = app.ok(token, FACETS, json!({ "s": slug, "f": filter })).await;
    let library = data["community"]["library"].clone();
    let facets = library["facets"].clone();
    let narrowed = |key: &str, value: Value| {
        let mut f = if filter.is_null() { json!({}) } else { filter.clone() };
        f[key] = json!([value]);
        f
    };
    let mut checks = Vec::new();
    for entry in facets["themes"].as_array().into_iter().flatten() {
        checks.push((narrowed("themeIds", entry["theme"]["id"].clone()), entry["count"].clone()));
    }
    for entry in facets["kinds"].as_array().into_iter().flatten() {
        checks.push((narrowed("kinds", entry["kind"].clone()), entry["count"].clone()));
    }
    for entry in facets["languages"].as_array().into_iter().flatten() {
        checks.push((narrowed("languages", entry["language"].clone()), entry["count"].clone()));
    }
    for entry in facets["authors"].as_array().into_iter().flatten() {
        checks.push((narrowed("authorIds", entry["person"]["id"].clone()), entry["count"].clone()));
    }
    // A facet of a key the filter already narrows counts within it: the list narrowed by
    // both cannot be asked for (one value per key), so only the other keys are compared.
    let keys: Vec<String> = filter.as_object().map(|f| f.keys().cloned().collect()).unwrap_or_default();
    for (narrowed_filter, count) in checks {
        if keys.iter().any(|k| narrowed_filter[k] != filter[k]) {
            continue;
        }
        let filter = narrowed_filter;
        let listed = app.ok(token, FACETS, json!({ "s": slug, "f": filter })).await;
        assert_eq!(listed["community"]["library"]["totalCount"], count, "{filter}");
    }
    library
}

#[tokio::test]
async fn facets_count_what_the_filtered_list_holds() {
    let w = world().await;
    let (t1, t2) = stock(&w).await;
    let all = facets_match_lists(&w, Some(&w.bob), "cop", json!(null)).await;
    assert_eq!(all["totalCount"], 6);
    let facets = &all["facets"];
    assert_eq!(
        facets["kinds"],
        json!([{ "kind": "GUIDE", "count": 1 }, { "kind": "PROCEDURE", "count": 1 }, { "kind": "REPORT", "count": 1 },
            { "kind": "TOOL", "count": 1 }])
    );
    assert_eq!(facets["languages"], json!([{ "language": "en", "count": 2 }, { "language": "fr", "count": 2 }]));
    assert_eq!(
        facets["themes"],
        json!([{ "theme": { "id": t1, "name": "Éclosions" }, "count": 2 },
            { "theme": { "id": t2, "name": "Vaccination" }, "count": 2 }])
    );
    // Bob: two documents and two pages; ana: two documents and one page.
    assert_eq!(
        facets["authors"],
        json!([{ "person": { "id": w.bob_id }, "count": 4 }, { "person": { "id": w.ana_id }, "count": 3 }])
    );
    for filter in [
        json!({ "text": "a" }),
        json!({ "languages": ["fr"] }),
        json!({ "authorIds": [w.bob_id] }),
        json!({ "statuses": ["DRAFT"], "themeIds": [t1] }),
    ] {
        facets_match_lists(&w, Some(&w.bob), "cop", filter).await;
    }
    let narrowed = facets_match_lists(&w, Some(&w.bob), "cop", json!({ "text": "alpha" })).await;
    assert_eq!(narrowed["facets"]["kinds"], json!([{ "kind": "GUIDE", "count": 1 }]));
    assert_eq!(narrowed["facets"]["themes"], json!([{ "theme": { "id": t1, "name": "Éclosions" }, "count": 1 }]));
}

#[tokio::test]
async fn outsiders_see_only_what_was_published_to_them_and_nothing_of_a_secret_library() {
    let w = world().await;
    let app = &w.app;
    stock(&w).await;
    // Even a document of the secret community published to the public stays out of
    // reach through its library: the community itself is not found.
    let found = app.gql(Some(&w.ana), "{ documents(first: 1) { edges { node { id } } } }", json!({})).await;
    let published = found["data"]["documents"]["edges"][0]["node"]["id"].clone();
    publish(app, &w.ana, &published, "PUBLIC").await;
    for token in [Some(w.omar.as_str()), None] {
        let body = app.gql(token, FACETS, json!({ "s": "cop" })).await;
        assert_eq!(body["data"]["community"], Value::Null, "{body}");
        let text = body.to_string();
        for secret in ["Alpha", "Beta", "Éclosions", "GUIDE", "\"count\""] {
            assert!(!text.contains(secret), "{secret} leaked: {text}");
        }
    }
    // An open community: a draft, a document published to the network, one to the
    // public, a page and a theme.
    let open = fixtures::community(app, &w.ana, "open", "PUBLIC", "OPEN").await;
    let t = theme(app, &w.ana, &open, "Interne").await;
    document(app, &w.ana, json!({ "communityId": open, "title": "Brouillon", "kind": "GUIDE", "themeIds": [t] })).await;
    let net = document(
        app,
        &w.ana,
        json!({ "communityId": open, "title": "Réseau", "kind": "TOOL", "themeIds": [t], "authorIds": [w.ana_id] }),
    )
    .await;
    publish(app, &w.ana, &net, "NETWORK").await;
    let public = document(
        app,
        &w.ana,
        json!({ "communityId": open, "title": "Public", "kind": "REPORT", "language": "en", "authorIds": [w.bob_id] }),
    )
    .await;
    publish(app, &w.ana, &public, "PUBLIC").await;
    wiki_page(app, &w.ana, &open, "Notes internes").await;
    // Its founder sees all four.
    let own = facets_match_lists(&w, Some(&w.ana), "open", json!(null)).await;
    assert_eq!(own["totalCount"], 4);
    // A person of another organization: the two published documents, no page, no theme.
    let omar = facets_match_lists(&w, Some(&w.omar), "open", json!(null)).await;
    assert_eq!(omar["totalCount"], 2);
    assert_eq!(omar["facets"]["themes"], json!([]));
    assert_eq!(omar["facets"]["kinds"], json!([{ "kind": "REPORT", "count": 1 }, { "kind": "TOOL", "count": 1 }]));
    assert_eq!(
        omar["facets"]["authors"],
        json!([{ "person": { "id": w.ana_id }, "count": 1 }, { "person": { "id": w.bob_id }, "count": 1 }])
    );
    assert_eq!(
        titles(&library(app, Some(&w.omar), "open", json!(null), json!({ "field": "TITLE" }), 10).await),
        names(&["Public", "Réseau"])
    );
    // A theme they may not see narrows to nothing, like one that does not exist.
    assert!(matching_in(app, Some(&w.omar), "open", json!({ "themeIds": [t] })).await.is_empty());
    // Anonymous: the public document only, and no person.
    let anonymous = facets_match_lists(&w, None, "open", json!(null)).await;
    assert_eq!(anonymous["totalCount"], 1);
    assert_eq!(anonymous["facets"]["authors"], json!([]));
    assert_eq!(titles(&library(app, None, "open", json!(null), json!(null), 10).await), names(&["Public"]));
    assert!(matching_in(app, None, "open", json!({ "authorIds": [w.bob_id] })).await.is_empty());
    // A member who leaves sees what outsiders see.
    let bob_db = fixtures::person_id(app, &w.bob).await;
    fixtures::add_member(app, &open, bob_db, &[CommunityRole::Member]).await;
    assert_eq!(library(app, Some(&w.bob), "open", json!(null), json!(null), 10).await["totalCount"], 4);
    app.ok(
        Some(&w.bob),
        "mutation($id: ID!) { leaveCommunity(input: { communityId: $id }) { membership { status } } }",
        json!({ "id": open }),
    )
    .await;
    assert_eq!(library(app, Some(&w.bob), "open", json!(null), json!(null), 10).await["totalCount"], 2);
}

async fn matching_in(app: &TestApp, token: Option<&str>, slug: &str, filter: Value) -> Vec<String> {
    let found = library(app, token, slug, filter, json!({ "field": "TITLE" }), 100).await;
    assert_eq!(found["totalCount"], titles(&found).len());
    titles(&found)
}

const WITH_FACETS: &str = "query($s: String!) { community(slug: $s) { library(first: 20) { totalCount \
    edges { node { __typename ... on Document { id title } ... on WikiPage { id title } } } \
    facets { themes { theme { id name } count } kinds { kind count } languages { language count } \
    authors { person { id displayName } count } } } } }";

/// The statements one library page with its count and every facet costs.
async fn statements(app: &TestApp, token: &str) -> usize {
    app.reset_statements();
    let data = app.ok(Some(token), WITH_FACETS, json!({ "s": "cop" })).await;
    assert!(data["community"]["library"]["totalCount"].as_i64().unwrap_or_default() > 0);
    app.statements()
}

/// The most statements the query may cost, from its shape alone: authentication and the
/// community (up to 3), the count, the page, its documents, its pages, and the facets
/// (themes 2, kinds 1, languages 1, authors 1 and their people 1).
const CEILING: usize = 3 + 4 + 6 + 2;

#[tokio::test]
async fn a_page_with_its_facets_costs_statements_by_its_shape_not_its_size() {
    let w = world().await;
    let app = &w.app;
    let t = theme(app, &w.ana, &w.cop, "Thème").await;
    let grow = |from: usize, to: usize| {
        let (app, ana, cop, t, ana_id, bob_id) = (app, &w.ana, &w.cop, &t, &w.ana_id, &w.bob_id);
        async move {
            for i in from..to {
                let input = json!({ "communityId": cop, "title": format!("Document {i}"), "themeIds": [t],
                    "language": if i % 2 == 0 { "fr" } else { "en" }, "authorIds": [ana_id, bob_id] });
                document(app, ana, input).await;
                wiki_page(app, ana, cop, &format!("Page {i}")).await;
            }
        }
    };
    grow(0, 2).await;
    let small = statements(app, &w.bob).await;
    grow(2, 15).await;
    let large = statements(app, &w.bob).await;
    println!("statements: {small} for 4 items, {large} for 30 items");
    assert!(small <= CEILING, "{small} statements for a small library");
    assert!(large <= CEILING, "{large} statements for a library of 30 items");
    assert!(large <= small + 1, "{small} then {large}: statements grow with the library");
    // The facets are charged in the request's cost.
    let cost = app.post(Some(&w.bob), WITH_FACETS, json!({ "s": "cop" })).await.1;
    let requested = cost["extensions"]["cost"]["requested"].as_u64().unwrap_or_default();
    let plain = "query($s: String!) { community(slug: $s) { library(first: 20) { totalCount \
        edges { node { __typename ... on Document { id title } ... on WikiPage { id title } } } } } }";
    let without = app.post(Some(&w.bob), plain, json!({ "s": "cop" })).await.1;
    let requested_without = without["extensions"]["cost"]["requested"].as_u64().unwrap_or_default();
    assert!(requested >= requested_without + 4 * 25, "{requested} vs {requested_without}");
}

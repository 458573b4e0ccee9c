//! Property test of the library: in random networks (those of `harness::access_model`),
//! each community holds a draft, a document published to NETWORK, one published to
//! PUBLIC, one published then archived, a wiki page, and a theme given to every document.
//! Each document has two versions: the first is the one published, the second was added
//! after publication (people reached only through the audience read the first alone).
//! Nobody finds, counts, resolves
//! by id or downloads (with their bearer token, or with a link signed for them) a
//! document, version, page, revision or theme their rights do not allow, and everybody reaches
//! every one they do — checked through the API against a reference model written apart
//! from the policy. Each community's library (`Community.library`, its count and facets)
//! holds exactly what the viewer may read of it, and nothing of a community they may not see.

use std::collections::BTreeSet;

use entity::{
    document, document_theme, document_version,
    enums::{Audience, DocumentKind, DocumentStatus},
    session, theme, wiki_page, wiki_page_revision,
};
use harness::{
    TestApp,
    access_model::{Net, build, cases, network, reads, sees, slug},
    fixtures,
    library::download,
};
use maillage_api::{
    graphql::ids::{NodeKind, to_global},
    service::library::LinkClaims,
};
use proptest::prelude::*;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

/// The documents of each community: (status, audience).
const KINDS: [(DocumentStatus, Audience); 4] = [
    (DocumentStatus::Draft, Audience::Members),
    (DocumentStatus::Published, Audience::Network),
    (DocumentStatus::Published, Audience::Public),
    (DocumentStatus::Archived, Audience::Public),
];

const LIST: &str = "{ documents(first: 100) { totalCount edges { node { title community { slug } themes { id } \
    currentVersion { id downloadUrl } } } } }";
const THEMES: &str = "query($c: ID!) { themes(communityId: $c) { id } }";
const VERSIONS: &str = "query($id: ID!) { node(id: $id) { ... on Document { currentVersion { number } \
    versions(first: 10) { totalCount edges { node { number } } } } } }";
const BY_ID: &str = "query($id: ID!) { node(id: $id) { id } }";
const BY_IDS: &str = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }";
const LIBRARY: &str = "query($s: String!) { community(slug: $s) { library(first: 100, orderBy: { field: TITLE }) { \
    totalCount edges { node { ... on Document { title } ... on WikiPage { title } } } \
    facets { themes { count } kinds { count } languages { count } } } } }";
const PAGES: &str = "query($c: ID!) { wikiPages(communityId: $c) { totalCount edges { node { id } } } }";

/// A wiki page (and its first revision) in each community; their ids.
async fn pages(app: &TestApp, community_ids: &[Value]) -> Vec<(i32, i32)> {
    let author = app.token("writer@network.example", None, false).await;
    let author = fixtures::person_id(app, &author).await;
    let now = chrono::Utc::now();
    let mut all = Vec::new();
    for community in community_ids {
        let page = wiki_page::ActiveModel {
            community_id: Set(fixtures::db_id(community)),
            parent_id: Set(None),
            title: Set("Accueil".into()),
            body: Set("Bienvenue".into()),
            revision: Set(1),
            created_by: Set(author),
            updated_by: Set(author),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&app.db)
        .await
        .unwrap();
        let revision = wiki_page_revision::ActiveModel {
            page_id: Set(page.id),
            number: Set(1),
            title: Set(page.title.clone()),
            body: Set(page.body.clone()),
            change_note: Set(String::new()),
            author_id: Set(author),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&app.db)
        .await
        .unwrap();
        all.push((page.id, revision.id));
    }
    all
}

fn title(c: usize, k: usize) -> String {
    format!("doc-{c}-{k}")
}

/// The reference model: may `viewer` read document `k` of community `c`?
fn reads_document(net: &Net, viewer: Option<usize>, c: usize, k: usize) -> bool {
    let (status, audience) = KINDS[k];
    let published = status == DocumentStatus::Published;
    reads(net, viewer, c)
        || (published && audience == Audience::Public)
        || (published && audience == Audience::Network && viewer.is_some())
}

/// The reference model: may `viewer` read version `number` (1: the published one; 2: added
/// after publication) of document `k` of community `c`?
fn reads_version(net: &Net, viewer: Option<usize>, c: usize, k: usize, number: usize) -> bool {
    reads(net, viewer, c) || (number == 1 && reads_document(net, viewer, c, k))
}

/// Inserts the documents (one shared file: content-addressed); returns each one's
/// (document id, [version 1 id, version 2 id]), by community then kind.
async fn documents(app: &TestApp, community_ids: &[Value], themes: &[i32]) -> Vec<Vec<(i32, [i32; 2])>> {
    let blob = app
        .app
        .library
        .store
        .put(futures_util::StreamExt::boxed(futures_util::stream::iter(vec![Ok(bytes::Bytes::from_static(
            b"%PDF-1.7\nprocedure\n",
        ))])))
        .await
        .unwrap();
    let author = app.token("author@network.example", None, false).await;
    let author = fixtures::person_id(app, &author).await;
    let now = chrono::Utc::now();
    let mut all = Vec::new();
    for (c, community) in community_ids.iter().enumerate() {
        let mut mine = Vec::new();
        for (k, (status, audience)) in KINDS.iter().enumerate() {
            let doc = document::ActiveModel {
                community_id: Set(fixtures::db_id(community)),
                subgroup_id: Set(None),
                title: Set(title(c, k)),
                description: Set(String::new()),
                kind: Set(DocumentKind::Guide),
                language: Set("fr".into()),
                tags: Set("[]".into()),
                status: Set(*status),
                audience: Set(*audience),
                version_count: Set(2),
                created_by: Set(author),
                published_at: Set((*status != DocumentStatus::Draft).then_some(now)),
                published_version: Set((*status != DocumentStatus::Draft).then_some(1)),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&app.db)
            .await
            .unwrap();
            let mut versions = [0; 2];
            for number in 1..=2 {
                let version = document_version::ActiveModel {
                    document_id: Set(doc.id),
                    number: Set(number),
                    sha256: Set(blob.sha256.clone()),
                    size: Set(i64::try_from(blob.size).unwrap()),
                    content_type: Set("application/pdf".into()),
                    file_name: Set("procedure.pdf".into()),
                    change_note: Set(String::new()),
                    uploaded_by: Set(author),
                    validated_by: Set(None),
                    validated_at: Set(None),
                    created_at: Set(now),
                    ..Default::default()
                }
                .insert(&app.db)
                .await
                .unwrap();
                versions[usize::try_from(number - 1).unwrap()] = version.id;
            }
            document_theme::ActiveModel { document_id: Set(doc.id), theme_id: Set(themes[c]), ..Default::default() }
                .insert(&app.db)
                .await
                .unwrap();
            mine.push((doc.id, versions));
        }
        all.push(mine);
    }
    all
}

/// A theme in each community; their ids.
async fn themes(app: &TestApp, community_ids: &[Value]) -> Vec<i32> {
    let now = chrono::Utc::now();
    let mut all = Vec::new();
    for community in community_ids {
        let created = theme::ActiveModel {
            community_id: Set(fixtures::db_id(community)),
            parent_id: Set(None),
            name: Set("Éclosions".into()),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&app.db)
        .await
        .unwrap();
        all.push(created.id);
    }
    all
}

/// The session id behind a token (0: anonymous).
async fn session_of(app: &TestApp, token: Option<&str>) -> (i32, i32) {
    let Some(token) = token else { return (0, 0) };
    let found = session::Entity::find()
        .filter(session::Column::TokenHash.eq(maillage_api::auth::hash_token(token)))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    (found.id, found.person_id)
}

async fn check(net: Net) -> Result<(), TestCaseError> {
    let app = TestApp::spawn().await;
    let (tokens, _, community_ids) = build(&app, &net).await;
    let theme_ids = themes(&app, &community_ids).await;
    let docs = documents(&app, &community_ids, &theme_ids).await;
    let wiki = pages(&app, &community_ids).await;
    let n = net.communities.len();
    for (v, token) in tokens.iter().enumerate() {
        let viewer = (v < net.people.len()).then_some(v);
        let token = token.as_deref();
        // The list: exactly what the model allows, each naming its community only when
        // the viewer may see it; and every link it gives works.
        let expected: BTreeSet<String> = (0..n)
            .flat_map(|c| (0..KINDS.len()).map(move |k| (c, k)))
            .filter(|(c, k)| reads_document(&net, viewer, *c, *k))
            .map(|(c, k)| title(c, k))
            .collect();
        let listed = app.ok(token, LIST, json!({})).await;
        let edges = listed["documents"]["edges"].as_array().cloned().unwrap_or_default();
        let got: BTreeSet<String> =
            edges.iter().filter_map(|e| e["node"]["title"].as_str().map(str::to_owned)).collect();
        prop_assert_eq!(&got, &expected, "documents for viewer {:?} in {:?}", viewer, net);
        prop_assert_eq!(listed["documents"]["totalCount"].as_u64(), Some(expected.len() as u64));
        for edge in &edges {
            let node = &edge["node"];
            let c: usize = node["title"].as_str().unwrap().split('-').nth(1).unwrap().parse().unwrap();
            let community = node["community"]["slug"].as_str();
            prop_assert_eq!(community.is_some(), sees(&net, viewer, c), "Document.community of {} for {:?}", c, viewer);
            let themed = node["themes"].as_array().map_or(0, Vec::len);
            prop_assert_eq!(themed, usize::from(reads(&net, viewer, c)), "Document.themes of {} for {:?}", c, viewer);
            if let Some(s) = community {
                prop_assert_eq!(s.to_owned(), slug(c));
            }
            let link = node["currentVersion"]["downloadUrl"].as_str().unwrap();
            prop_assert_eq!(download(&app, link, None, None).await.status, 200, "signed link for {:?}", viewer);
        }
        // By id, one by one and in bulk; the file, with the token and with a link signed
        // for the viewer (even for a version they may not read: a link proves who asks,
        // never what they may read).
        let (session_id, person_id) = session_of(&app, token).await;
        let mut ids = Vec::new();
        let mut expected_bulk = Vec::new();
        for (c, mine) in docs.iter().enumerate() {
            for (k, (doc_id, version_ids)) in mine.iter().enumerate() {
                let doc_gid = to_global(NodeKind::Document, *doc_id).0;
                let body = app.gql(token, BY_ID, json!({ "id": doc_gid })).await;
                let allowed = reads_document(&net, viewer, c, k);
                prop_assert_eq!(
                    !body["data"]["node"].is_null(),
                    allowed,
                    "node {} for {:?}: {}",
                    doc_gid,
                    viewer,
                    body
                );
                if !allowed {
                    prop_assert_eq!(body["errors"][0]["extensions"]["code"].as_str(), Some("NOT_FOUND"));
                }
                ids.push(json!(doc_gid));
                expected_bulk.push(allowed);
                // Its versions: listed, and by id.
                if allowed {
                    let listed = app.ok(token, VERSIONS, json!({ "id": doc_gid })).await;
                    let numbers: Vec<u64> = listed["node"]["versions"]["edges"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|e| e["node"]["number"].as_u64())
                        .collect();
                    let expected: Vec<u64> =
                        (1..=2).filter(|n| reads_version(&net, viewer, c, k, *n)).map(|n| n as u64).collect();
                    prop_assert_eq!(&numbers, &expected, "versions of {} for {:?}", doc_gid, viewer);
                    prop_assert_eq!(listed["node"]["versions"]["totalCount"].as_u64(), Some(expected.len() as u64));
                    prop_assert_eq!(listed["node"]["currentVersion"]["number"].as_u64(), expected.last().copied());
                }
                for (n, version_id) in version_ids.iter().enumerate() {
                    let allowed = reads_version(&net, viewer, c, k, n + 1);
                    let version_gid = to_global(NodeKind::DocumentVersion, *version_id).0;
                    for gid in [&version_gid] {
                        let body = app.gql(token, BY_ID, json!({ "id": gid })).await;
                        prop_assert_eq!(
                            !body["data"]["node"].is_null(),
                            allowed,
                            "node {} for {:?}: {}",
                            gid,
                            viewer,
                            body
                        );
                        if !allowed {
                            prop_assert_eq!(body["errors"][0]["extensions"]["code"].as_str(), Some("NOT_FOUND"));
                        }
                        ids.push(json!(gid));
                        expected_bulk.push(allowed);
                    }
                    let path = format!("/files/{version_gid}");
                    let status = download(&app, &path, token, None).await.status;
                    prop_assert_eq!(
                        status,
                        if allowed { 200 } else { 404 },
                        "bearer download {} for {:?}",
                        path,
                        viewer
                    );
                    let claims = LinkClaims {
                        version_id: *version_id,
                        session_id,
                        person_id,
                        expires: chrono::Utc::now().timestamp() + 60,
                    };
                    let signature = app.app.library.sign(&claims);
                    let link = format!(
                        "{path}?expires={}&session={session_id}&person={person_id}&signature={signature}",
                        claims.expires
                    );
                    let status = download(&app, &link, None, None).await.status;
                    prop_assert_eq!(
                        status,
                        if allowed { 200 } else { 404 },
                        "signed download {} for {:?}",
                        path,
                        viewer
                    );
                }
            }
        }
        // Themes: the community's readers, nobody else.
        for (c, theme_id) in theme_ids.iter().enumerate() {
            let allowed = reads(&net, viewer, c);
            let listed = app.ok(token, THEMES, json!({ "c": community_ids[c] })).await;
            prop_assert_eq!(
                listed["themes"].as_array().map_or(0, Vec::len),
                usize::from(allowed),
                "themes {} for {:?}",
                c,
                viewer
            );
            let gid = to_global(NodeKind::Theme, *theme_id).0;
            let body = app.gql(token, BY_ID, json!({ "id": gid })).await;
            prop_assert_eq!(!body["data"]["node"].is_null(), allowed, "theme {} for {:?}", c, viewer);
            ids.push(json!(gid));
            expected_bulk.push(allowed);
        }
        // Wiki pages and revisions: the community's readers, nobody else.
        for (c, (page_id, revision_id)) in wiki.iter().enumerate() {
            let allowed = reads(&net, viewer, c);
            let listed = app.ok(token, PAGES, json!({ "c": community_ids[c] })).await;
            prop_assert_eq!(
                listed["wikiPages"]["totalCount"].as_u64(),
                Some(u64::from(allowed)),
                "wikiPages {} for {:?}",
                c,
                viewer
            );
            for gid in
                [to_global(NodeKind::WikiPage, *page_id).0, to_global(NodeKind::WikiPageRevision, *revision_id).0]
            {
                let body = app.gql(token, BY_ID, json!({ "id": gid })).await;
                prop_assert_eq!(!body["data"]["node"].is_null(), allowed, "node {} for {:?}: {}", gid, viewer, body);
                ids.push(json!(gid));
                expected_bulk.push(allowed);
            }
        }
        // Each community's library: nothing at all when the community is hidden; else its
        // documents the viewer reads and its page for its readers, facets counting only these.
        for c in 0..n {
            let body = app.gql(token, LIBRARY, json!({ "s": slug(c) })).await;
            let library = &body["data"]["community"]["library"];
            if !sees(&net, viewer, c) {
                prop_assert!(body["data"]["community"].is_null(), "library {} for {:?}: {}", c, viewer, body);
                prop_assert!(!body.to_string().contains("doc-"), "library {} for {:?}: {}", c, viewer, body);
                continue;
            }
            let mut expected: Vec<String> =
                (0..KINDS.len()).filter(|k| reads_document(&net, viewer, c, *k)).map(|k| title(c, k)).collect();
            let documents = expected.len() as u64;
            if reads(&net, viewer, c) {
                expected.push("Accueil".to_owned());
            }
            expected.sort();
            let mut got: Vec<String> = library["edges"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|e| e["node"]["title"].as_str().map(str::to_owned))
                .collect();
            got.sort();
            prop_assert_eq!(&got, &expected, "library {} for {:?}", c, viewer);
            prop_assert_eq!(library["totalCount"].as_u64(), Some(expected.len() as u64));
            let sum = |facet: &str| -> u64 {
                library["facets"][facet].as_array().into_iter().flatten().filter_map(|f| f["count"].as_u64()).sum()
            };
            prop_assert_eq!(sum("kinds"), documents, "kinds of library {} for {:?}", c, viewer);
            prop_assert_eq!(sum("languages"), documents, "languages of library {} for {:?}", c, viewer);
            let themed = if reads(&net, viewer, c) { documents } else { 0 };
            prop_assert_eq!(sum("themes"), themed, "themes of library {} for {:?}", c, viewer);
        }
        let body = app.ok(token, BY_IDS, json!({ "ids": ids })).await;
        let answered: Vec<bool> = body["nodes"].as_array().into_iter().flatten().map(|n| !n.is_null()).collect();
        prop_assert_eq!(answered, expected_bulk, "nodes for {:?}", viewer);
    }
    Ok(())
}

proptest! {
    // A quarter of the other property tests' networks (50 of 200): each network is
    // checked exhaustively (every document kind and audience, both versions, by id, by
    // list, by bearer download and signed link, for every viewer), about 500 requests.
    #![proptest_config(ProptestConfig { cases: cases().div_ceil(4), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn nobody_reads_or_downloads_more_or_less_than_their_rights(net in network()) {
        harness::defer_database_drops();
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
        runtime.block_on(check(net))?;
    }
}

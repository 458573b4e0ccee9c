//! The knowledge library through the API, as people use it: documents and their versions
//! uploaded with the GraphQL multipart request specification, validated, published beyond
//! the community and downloaded (bearer token or signed link, byte ranges); files refused
//! by their bytes or size with nothing written; access checked again at download time;
//! blobs stored once and collected when nothing references them.

use entity::{
    enums::{CommunityRole, MembershipStatus},
    membership,
};
use harness::{
    TestApp, error_code, error_field, fixtures,
    library::{self, ADD_VERSION, Download, created, download, pdf, upload},
};
use maillage_api::{
    graphql::ids::{NodeKind, to_global},
    service::library::{LinkClaims, collect_garbage},
    storage::{ByteStream, StorageError},
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const DOCUMENTS: &str = "{ documents(first: 50) { totalCount edges { node { id title status audience community { slug } \
    currentVersion { id number sha256 size contentType downloadUrl } } } } }";
const DOCUMENT: &str = "query($id: ID!) { node(id: $id) { ... on Document { id title status community { slug } \
    versions(first: 10) { totalCount edges { node { id number changeNote validatedBy { id } uploadedBy { id } } } } \
    viewerCan { addVersion update publish validate archive purge } } } }";
const PUBLISH: &str = "mutation($id: ID!, $a: Audience!) { publishDocument(input: { id: $id, audience: $a }) { document { id status audience } } }";
const VALIDATE: &str =
    "mutation($id: ID!) { validateDocumentVersion(input: { versionId: $id }) { version { id validatedBy { id } } } }";
const ARCHIVE: &str = "mutation($id: ID!) { archiveDocument(input: { id: $id }) { document { status } } }";
const UNARCHIVE: &str = "mutation($id: ID!) { unarchiveDocument(input: { id: $id }) { document { status } } }";
const RESTORE: &str = "mutation($id: ID!) { restoreDocumentVersion(input: { versionId: $id }) { document { currentVersion { number sha256 } } version { number } } }";
const UPDATE: &str =
    "mutation($input: UpdateDocumentInput!) { updateDocument(input: $input) { document { title tags language } } }";
const PURGE: &str = "mutation($id: ID!) { purgeDocument(input: { id: $id }) { purgedId } }";

fn sha(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// A network: organizations `home` and `other`; ana founds a secret community `cop`
/// with bob (member), carla (content expert) and rita (reporter); omar is of `other`.
struct World {
    app: TestApp,
    ana: String,
    bob: String,
    carla: String,
    rita: String,
    omar: String,
    cop: Value,
}

async fn world_with(configure: impl FnOnce(&mut maillage_api::config::Settings)) -> World {
    let app = TestApp::spawn_with(configure).await;
    let admin = app.token("admin@network.example", None, true).await;
    fixtures::organization(&app, &admin, "home").await;
    fixtures::organization(&app, &admin, "other").await;
    let ana = app.token("ana@home.example", Some("home"), false).await;
    let bob = app.token("bob@home.example", Some("home"), false).await;
    let carla = app.token("carla@home.example", Some("home"), false).await;
    let rita = app.token("rita@home.example", Some("home"), false).await;
    let omar = app.token("omar@other.example", Some("other"), false).await;
    let cop = fixtures::community(&app, &ana, "cop", "MEMBERS", "INVITATION").await;
    for (token, role) in
        [(&bob, CommunityRole::Member), (&carla, CommunityRole::ContentExpert), (&rita, CommunityRole::Reporter)]
    {
        let id = fixtures::person_id(&app, token).await;
        fixtures::add_member(&app, &cop, id, &[role]).await;
    }
    World { app, ana, bob, carla, rita, omar, cop }
}

async fn world() -> World {
    world_with(|_| {}).await
}

fn assert_safe_headers(got: &Download, sha256: &str) {
    assert_eq!(got.header("x-content-type-options"), "nosniff");
    assert_eq!(got.header("content-security-policy"), "sandbox");
    assert!(
        got.header("content-disposition").starts_with("attachment; filename=\""),
        "{}",
        got.header("content-disposition")
    );
    assert_eq!(got.header("etag"), format!("\"{sha256}\""));
    assert_eq!(got.header("accept-ranges"), "bytes");
}

#[tokio::test]
async fn a_document_goes_from_a_member_to_a_person_of_another_organization() {
    let w = world().await;
    let app = &w.app;
    // A member uploads a procedure (larger than one stored chunk).
    let first = pdf(600_000, 1);
    let doc = created(app, &w.ana, &w.cop, "Procédure éclosion", "procédure éclosion.pdf", &first).await;
    assert_eq!(doc["status"], "DRAFT");
    assert_eq!(doc["currentVersion"]["number"], 1);
    assert_eq!(doc["currentVersion"]["contentType"], "application/pdf");
    assert_eq!(doc["currentVersion"]["sha256"], sha(&first));
    assert_eq!(doc["currentVersion"]["size"], 600_000);
    let id = doc["id"].clone();
    // A colleague adds a version.
    let second = pdf(300_000, 2);
    let (status, body) = upload(
        app,
        Some(&w.bob),
        ADD_VERSION,
        json!({ "input": { "documentId": id, "file": null, "changeNote": "Révision" } }),
        "variables.input.file",
        "v2.pdf",
        &second,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let version = body["data"]["addDocumentVersion"]["version"].clone();
    assert_eq!(version["number"], 2, "{body}");
    assert_eq!(body["data"]["addDocumentVersion"]["document"]["currentVersion"]["number"], 2);
    // A person of another organization knows nothing of it yet.
    let seen = app.ok(Some(&w.omar), DOCUMENTS, json!({})).await;
    assert_eq!(seen["documents"]["totalCount"], 0, "{seen}");
    let hidden = app.gql(Some(&w.omar), DOCUMENT, json!({ "id": id })).await;
    assert_eq!(error_code(&hidden), "NOT_FOUND", "{hidden}");
    assert_eq!(
        download(app, &format!("/files/{}", version["id"].as_str().unwrap()), Some(&w.omar), None).await.status,
        404
    );
    // A member may not publish; the content expert validates; the reporter publishes.
    let refused = app.gql(Some(&w.bob), PUBLISH, json!({ "id": id, "a": "NETWORK" })).await;
    assert_eq!(error_code(&refused), "FORBIDDEN", "{refused}");
    let refused = app.gql(Some(&w.bob), VALIDATE, json!({ "id": version["id"] })).await;
    assert_eq!(error_code(&refused), "FORBIDDEN", "{refused}");
    let validated = app.ok(Some(&w.carla), VALIDATE, json!({ "id": version["id"] })).await;
    let carla_id = to_global(NodeKind::Person, fixtures::person_id(app, &w.carla).await).0;
    assert_eq!(validated["validateDocumentVersion"]["version"]["validatedBy"]["id"], carla_id);
    let published = app.ok(Some(&w.rita), PUBLISH, json!({ "id": id, "a": "NETWORK" })).await;
    assert_eq!(published["publishDocument"]["document"]["status"], "PUBLISHED");
    // Now the person of another organization finds it, without its (secret) community.
    let seen = app.ok(Some(&w.omar), DOCUMENTS, json!({})).await;
    assert_eq!(seen["documents"]["totalCount"], 1, "{seen}");
    let node = &seen["documents"]["edges"][0]["node"];
    assert_eq!(node["id"], id);
    assert!(node["community"].is_null(), "{seen}");
    let current = &node["currentVersion"];
    assert_eq!(current["number"], 2);
    let found = app.ok(Some(&w.omar), DOCUMENT, json!({ "id": id })).await;
    let versions = &found["node"]["versions"];
    // Only the published version: earlier drafts stay the community's.
    assert_eq!(versions["totalCount"], 1, "{found}");
    assert_eq!(versions["edges"][0]["node"]["number"], 2);
    assert_eq!(versions["edges"][0]["node"]["validatedBy"]["id"], carla_id);
    assert_eq!(
        found["node"]["viewerCan"],
        json!({ "addVersion": false, "update": false, "publish": false, "validate": false, "archive": false, "purge": false })
    );
    // …and downloads it byte for byte, with the bearer token or the signed link alone.
    let path = format!("/files/{}", current["id"].as_str().unwrap());
    let got = download(app, &path, Some(&w.omar), None).await;
    assert_eq!(got.status, 200);
    assert!(got.bytes == second, "the download is the uploaded file");
    assert_safe_headers(&got, &sha(&second));
    assert_eq!(got.header("content-type"), "application/pdf");
    let link = current["downloadUrl"].as_str().unwrap();
    assert!(link.starts_with(&app.base), "{link}");
    let got = download(app, link, None, None).await;
    assert_eq!(got.status, 200);
    assert!(got.bytes == second);
    // The first version is the community's alone: its members download it, with its
    // UTF-8 name; the person of another organization does not.
    let all = app.ok(Some(&w.bob), DOCUMENT, json!({ "id": id })).await;
    assert_eq!(all["node"]["versions"]["totalCount"], 2, "{all}");
    assert!(all["node"]["versions"]["edges"][0]["node"]["validatedBy"].is_null());
    let first_id = all["node"]["versions"]["edges"][0]["node"]["id"].as_str().unwrap().to_owned();
    assert_eq!(download(app, &format!("/files/{first_id}"), Some(&w.omar), None).await.status, 404);
    let got = download(app, &format!("/files/{first_id}"), Some(&w.bob), None).await;
    assert!(got.bytes == first);
    assert!(got.header("content-disposition").contains("filename*=UTF-8''proc%C3%A9dure%20%C3%A9closion.pdf"));
    // They may not change it (they may see it: FORBIDDEN, not NOT_FOUND).
    let refused = app.gql(Some(&w.omar), UPDATE, json!({ "input": { "id": id, "title": "Mine" } })).await;
    assert_eq!(error_code(&refused), "FORBIDDEN", "{refused}");
    // Anonymous people see NETWORK documents nowhere; PUBLIC ones everywhere.
    let anonymous = app.ok(None, DOCUMENTS, json!({})).await;
    assert_eq!(anonymous["documents"]["totalCount"], 0);
    assert_eq!(download(app, &path, None, None).await.status, 404);
    app.ok(Some(&w.ana), PUBLISH, json!({ "id": id, "a": "PUBLIC" })).await;
    let anonymous = app.ok(None, DOCUMENTS, json!({})).await;
    assert_eq!(anonymous["documents"]["totalCount"], 1);
    assert_eq!(download(app, &path, None, None).await.status, 200);
    // Every change is in the community's audit trail.
    let audited = app.count_rows("audit_event WHERE target_type = 'document'").await;
    assert_eq!(audited, 5, "create, add version, validate, publish twice");
    w.app.stop().await;
}

#[tokio::test]
async fn versions_restore_describe_archive_and_purge() {
    let w = world().await;
    let app = &w.app;
    let one = pdf(1_000, 1);
    let doc = created(app, &w.bob, &w.cop, "Outil", "outil.pdf", &one).await;
    let id = doc["id"].clone();
    let first_version = doc["currentVersion"]["id"].clone();
    let two = b"Nouvelle version, en texte\n".to_vec();
    let (_, body) = upload(
        app,
        Some(&w.bob),
        ADD_VERSION,
        json!({ "input": { "documentId": id, "file": null } }),
        "variables.input.file",
        "notes.md",
        &two,
    )
    .await;
    assert_eq!(body["data"]["addDocumentVersion"]["version"]["contentType"], "text/markdown; charset=utf-8", "{body}");
    let restored = app.ok(Some(&w.bob), RESTORE, json!({ "id": first_version })).await;
    assert_eq!(restored["restoreDocumentVersion"]["version"]["number"], 3);
    assert_eq!(restored["restoreDocumentVersion"]["document"]["currentVersion"]["sha256"], sha(&one));
    let updated = app
        .ok(
            Some(&w.bob),
            UPDATE,
            json!({ "input": { "id": id, "title": "Outil d'aide", "tags": ["éclosion", "Éclosion", "CHSLD"], "language": "fr-CA" } }),
        )
        .await;
    assert_eq!(
        updated["updateDocument"]["document"],
        json!({ "title": "Outil d'aide", "tags": ["éclosion", "CHSLD"], "language": "fr-ca" })
    );
    let bad = app.gql(Some(&w.bob), UPDATE, json!({ "input": { "id": id, "language": "français!" } })).await;
    assert_eq!((error_code(&bad), error_field(&bad)), ("BAD_USER_INPUT", "language"));
    // Archiving is for animators, and reversible.
    let refused = app.gql(Some(&w.bob), ARCHIVE, json!({ "id": id })).await;
    assert_eq!(error_code(&refused), "FORBIDDEN");
    assert_eq!(
        app.ok(Some(&w.ana), ARCHIVE, json!({ "id": id })).await["archiveDocument"]["document"]["status"],
        "ARCHIVED"
    );
    assert_eq!(
        app.ok(Some(&w.ana), UNARCHIVE, json!({ "id": id })).await["unarchiveDocument"]["document"]["status"],
        "DRAFT"
    );
    // Purging is for administrators; it removes the document and its blobs.
    assert_eq!(app.count_rows("blob").await, 2);
    let refused = app.gql(Some(&w.rita), PURGE, json!({ "id": id })).await;
    assert_eq!(error_code(&refused), "FORBIDDEN", "{refused}");
    let refused = app.gql(Some(&w.omar), PURGE, json!({ "id": id })).await;
    assert_eq!(error_code(&refused), "NOT_FOUND", "{refused}");
    app.ok(Some(&w.ana), PURGE, json!({ "id": id })).await;
    assert_eq!(app.count_rows("document").await, 0);
    assert_eq!(app.count_rows("document_version").await, 0);
    assert_eq!(app.count_rows("blob").await, 0);
    assert_eq!(app.count_rows("blob_chunk").await, 0);
    assert_eq!(app.count_rows("audit_event WHERE action = 'purge_document'").await, 1);
    let gone = app.gql(Some(&w.ana), DOCUMENT, json!({ "id": id })).await;
    assert_eq!(error_code(&gone), "NOT_FOUND");
    w.app.stop().await;
}

async fn nothing_written(app: &TestApp) {
    for table in ["document", "document_version", "blob", "blob_chunk"] {
        assert_eq!(app.count_rows(table).await, 0, "{table} after a refused upload");
    }
}

#[tokio::test]
async fn files_are_refused_by_their_bytes_and_size_with_nothing_written() {
    let w = world_with(|s| s.max_upload_mb = 1).await;
    let app = &w.app;
    let cases: [(&str, &str, Vec<u8>); 5] = [
        ("a text disguised as a PDF", "rapport.pdf", b"<html><script>alert(1)</script></html>".to_vec()),
        ("a program disguised as a PDF", "rapport.pdf", b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0>\0".to_vec()),
        ("a binary file", "data.txt", vec![0u8, 1, 2, 3, 255, 254]),
        ("an empty file", "vide.pdf", Vec::new()),
        ("a file one byte too large", "gros.pdf", pdf((1 << 20) + 1, 3)),
    ];
    for (what, name, bytes) in cases {
        let (status, body) = library::create(app, &w.ana, &w.cop, "Refusé", name, &bytes).await;
        assert_eq!(status, 200, "{what}: {body}");
        assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", "file"), "{what}: {body}");
        nothing_written(app).await;
    }
    // Far beyond the bound, the request itself is refused before the mutation runs.
    let (status, body) = library::create(app, &w.ana, &w.cop, "Refusé", "énorme.pdf", &pdf(3 << 20, 4)).await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    nothing_written(app).await;
    // Exactly at the bound is accepted.
    created(app, &w.ana, &w.cop, "Juste", "juste.pdf", &pdf(1 << 20, 5)).await;
    w.app.stop().await;
}

#[tokio::test]
async fn uploads_need_the_right_and_the_community() {
    let w = world().await;
    let app = &w.app;
    let bytes = pdf(100, 1);
    // A stranger, anonymous caller, or a watcher cannot upload; a secret community is
    // NOT_FOUND to a stranger.
    let (_, body) = library::create(app, &w.omar, &w.cop, "X", "x.pdf", &bytes).await;
    assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
    let (status, body) = upload(
        app,
        None,
        library::CREATE,
        json!({ "input": { "communityId": w.cop, "title": "X", "kind": "OTHER", "language": "en", "file": null } }),
        "variables.input.file",
        "x.pdf",
        &bytes,
    )
    .await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(error_code(&body), "UNAUTHENTICATED", "{body}");
    let watcher = app.token("wanda@home.example", Some("home"), false).await;
    let wanda = fixtures::person_id(app, &watcher).await;
    fixtures::add_member(app, &w.cop, wanda, &[CommunityRole::Watcher]).await;
    let (_, body) = library::create(app, &watcher, &w.cop, "X", "x.pdf", &bytes).await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    // A file sent without the multipart request does not make a valid request.
    let body = app
        .gql(
            Some(&w.ana),
            library::CREATE,
            json!({ "input": { "communityId": w.cop, "title": "X", "kind": "OTHER", "language": "en", "file": null } }),
        )
        .await;
    assert_eq!(error_code(&body), "GRAPHQL_VALIDATION_FAILED", "{body}");
    nothing_written(app).await;
    w.app.stop().await;
}

#[tokio::test]
async fn access_is_checked_again_when_a_file_is_downloaded() {
    let w = world().await;
    let app = &w.app;
    let bytes = pdf(10_000, 9);
    let doc = created(app, &w.ana, &w.cop, "Compte rendu", "cr.pdf", &bytes).await;
    let version = doc["currentVersion"]["id"].as_str().unwrap().to_owned();
    let path = format!("/files/{version}");
    // Bob, a member, gets a link and the file.
    let seen = app.ok(Some(&w.bob), DOCUMENTS, json!({})).await;
    let link = seen["documents"]["edges"][0]["node"]["currentVersion"]["downloadUrl"].as_str().unwrap().to_owned();
    assert_eq!(download(app, &link, None, None).await.status, 200);
    assert_eq!(download(app, &path, Some(&w.bob), None).await.status, 200);
    // A link is for its person: tampering with it breaks its signature.
    let tampered = link.replace("person=", "person=1");
    assert_eq!(download(app, &tampered, None, None).await.status, 403);
    let resigned = link.replace("signature=", "signature=A");
    assert_eq!(download(app, &resigned, None, None).await.status, 403);
    // An expired link (signed properly) is refused too.
    let version_id = fixtures::db_id(&json!(version));
    let bob_id = fixtures::person_id(app, &w.bob).await;
    let session: i32 = link.split("session=").nth(1).unwrap().split('&').next().unwrap().parse().unwrap();
    let claims =
        LinkClaims { version_id, session_id: session, person_id: bob_id, expires: chrono::Utc::now().timestamp() - 1 };
    let signature = app.app.library.sign(&claims);
    let expired = format!("{path}?expires={}&session={session}&person={bob_id}&signature={signature}", claims.expires);
    assert_eq!(download(app, &expired, None, None).await.status, 403);
    // Bob is removed from the community: his link and his token find nothing, like a stranger's.
    membership::Entity::update_many()
        .col_expr(membership::Column::Status, Expr::value(MembershipStatus::Removed))
        .filter(membership::Column::PersonId.eq(bob_id))
        .exec(&app.db)
        .await
        .unwrap();
    let removed = download(app, &link, None, None).await;
    assert_eq!(removed.status, 404);
    assert!(removed.bytes.len() < 100, "nothing of the file");
    assert_eq!(download(app, &path, Some(&w.bob), None).await.status, 404);
    assert_eq!(download(app, &path, Some(&w.omar), None).await.status, 404);
    assert_eq!(download(app, &path, None, None).await.status, 404);
    // A bad token is 401, an unknown version 404.
    assert_eq!(download(app, &path, Some("mlg_not-a-token"), None).await.status, 401);
    let unknown = to_global(NodeKind::DocumentVersion, 999_999).0;
    assert_eq!(download(app, &format!("/files/{unknown}"), Some(&w.ana), None).await.status, 404);
    assert_eq!(download(app, "/files/not-an-id", Some(&w.ana), None).await.status, 404);
    w.app.stop().await;
}

#[tokio::test]
async fn downloads_resume_with_ranges() {
    let w = world().await;
    let app = &w.app;
    let bytes = pdf(700_000, 7);
    let doc = created(app, &w.ana, &w.cop, "Diapositives", "slides.pdf", &bytes).await;
    let path = format!("/files/{}", doc["currentVersion"]["id"].as_str().unwrap());
    let ana = Some(w.ana.as_str());
    let got = download(app, &path, ana, Some("bytes=0-9")).await;
    assert_eq!(got.status, 206);
    assert_eq!(got.header("content-range"), "bytes 0-9/700000");
    assert!(got.bytes == bytes[..10]);
    // Across the boundary between two stored chunks.
    let chunk = 256 * 1024;
    let got = download(app, &path, ana, Some(&format!("bytes={}-{}", chunk - 10, chunk + 9))).await;
    assert_eq!(got.status, 206);
    assert!(got.bytes == bytes[chunk - 10..chunk + 10]);
    let got = download(app, &path, ana, Some("bytes=650000-")).await;
    assert!(got.bytes == bytes[650_000..]);
    let got = download(app, &path, ana, Some("bytes=-100")).await;
    assert!(got.bytes == bytes[bytes.len() - 100..]);
    let got = download(app, &path, ana, Some("bytes=700000-")).await;
    assert_eq!(got.status, 416);
    assert_eq!(got.header("content-range"), "bytes */700000");
    // Several ranges: the whole file.
    let got = download(app, &path, ana, Some("bytes=0-1,5-6")).await;
    assert_eq!(got.status, 200);
    assert!(got.bytes == bytes);
    w.app.stop().await;
}

fn failing_source(good: usize) -> ByteStream {
    use futures_util::StreamExt;
    let chunks: Vec<Result<bytes::Bytes, StorageError>> =
        vec![Ok(bytes::Bytes::from(vec![1u8; good])), Err(StorageError::Source(std::io::Error::other("client gone")))];
    futures_util::stream::iter(chunks).boxed()
}

#[tokio::test]
async fn blobs_are_stored_once_and_collected_when_unreferenced() {
    let w = world().await;
    let app = &w.app;
    let bytes = pdf(300_000, 5);
    created(app, &w.ana, &w.cop, "Un", "un.pdf", &bytes).await;
    created(app, &w.bob, &w.cop, "Deux", "deux.pdf", &bytes).await;
    assert_eq!(app.count_rows("blob").await, 1, "the same bytes are stored once");
    assert_eq!(app.count_rows("blob_chunk").await, 2);
    // An upload that fails half-way leaves nothing complete.
    let failed = app.app.library.store.put(failing_source(600_000)).await;
    assert!(failed.is_err());
    assert_eq!(app.count_rows("blob WHERE sha256 IS NOT NULL").await, 1);
    // A blob nobody references (a version's mutation failed after its upload), and an
    // incomplete one left by a crash, are removed once old enough, and only then.
    let orphan = app
        .app
        .library
        .store
        .put(futures_util::StreamExt::boxed(futures_util::stream::iter(vec![Ok(bytes::Bytes::from_static(b"orphan"))])))
        .await
        .unwrap();
    sea_orm::ConnectionTrait::execute_unprepared(
        &app.db,
        "INSERT INTO blob (sha256, size, created_at) VALUES (NULL, 0, '2000-01-01 00:00:00+00:00')",
    )
    .await
    .unwrap();
    assert_eq!(app.count_rows("blob").await, 3);
    assert_eq!(
        collect_garbage(&app.app, chrono::Duration::hours(1)).await.unwrap(),
        1,
        "only the crash's leftovers are old"
    );
    assert_eq!(collect_garbage(&app.app, chrono::Duration::zero()).await.unwrap(), 1);
    assert_eq!(app.count_rows("blob").await, 1);
    let kept = entity::blob::Entity::find().one(&app.db).await.unwrap().unwrap();
    assert_eq!(kept.sha256.as_deref(), Some(sha(&bytes).as_str()), "the referenced blob stays");
    assert_ne!(Some(orphan.sha256), kept.sha256);
    assert_eq!(app.count_rows("blob_chunk").await, 2);
    w.app.stop().await;
}

#[tokio::test]
async fn a_client_gone_mid_upload_leaves_no_row() {
    let w = world().await;
    let app = &w.app;
    let body = library::multipart_body(
        library::CREATE,
        &json!({ "input": { "communityId": w.cop, "title": "Coupé", "kind": "OTHER", "language": "fr", "file": null } }),
        "variables.input.file",
        "coupé.pdf",
        &pdf(2_000_000, 3),
    );
    // The body stops after half the file, then the client is gone.
    use tokio::io::AsyncWriteExt;
    let address = app.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST /graphql HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n\r\n",
        w.ana,
        library::multipart_type(),
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&body[..body.len() / 2]).await.unwrap();
    stream.flush().await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    drop(stream);
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    nothing_written(app).await;
    w.app.stop().await;
}

#[tokio::test]
async fn documents_filter_and_sort() {
    let w = world().await;
    let app = &w.app;
    created(app, &w.ana, &w.cop, "Bêta", "b.pdf", &pdf(100, 1)).await;
    created(app, &w.ana, &w.cop, "Alpha", "a.pdf", &pdf(100, 2)).await;
    let sorted =
        app.ok(Some(&w.ana), "{ documents(orderBy: { field: TITLE }) { edges { node { title } } } }", json!({})).await;
    let titles: Vec<&str> =
        sorted["documents"]["edges"].as_array().unwrap().iter().map(|e| e["node"]["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["Alpha", "Bêta"]);
    let found = app
        .ok(
            Some(&w.ana),
            "{ documents(filter: { text: \"alp\", kinds: [PROCEDURE], languages: [\"fr\"] }) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(found["documents"]["totalCount"], 1);
    let none = app.ok(Some(&w.ana), "{ documents(filter: { statuses: [PUBLISHED] }) { totalCount } }", json!({})).await;
    assert_eq!(none["documents"]["totalCount"], 0);
    w.app.stop().await;
}

#[tokio::test]
async fn a_subgroup_document_is_read_like_the_subgroup() {
    let w = world().await;
    let app = &w.app;
    let created_subgroup = app
        .ok(
            Some(&w.ana),
            "mutation($c: ID!) { createSubgroup(input: { communityId: $c, name: \"Comité\", visibility: MEMBERS }) { subgroup { id } } }",
            json!({ "c": w.cop }),
        )
        .await;
    let subgroup = created_subgroup["createSubgroup"]["subgroup"]["id"].clone();
    let variables = |community: &Value| {
        json!({ "input": {
            "communityId": community, "subgroupId": subgroup, "title": "Confidentiel", "kind": "REPORT",
            "language": "fr", "file": null,
        } })
    };
    // Not through another community (even one the uploader animates).
    let elsewhere = fixtures::community(app, &w.ana, "elsewhere", "NETWORK", "OPEN").await;
    let (_, body) = upload(
        app,
        Some(&w.ana),
        library::CREATE,
        variables(&elsewhere),
        "variables.input.file",
        "c.pdf",
        &pdf(100, 1),
    )
    .await;
    assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
    // A community member outside the subgroup may not upload there.
    let (_, body) =
        upload(app, Some(&w.bob), library::CREATE, variables(&w.cop), "variables.input.file", "c.pdf", &pdf(100, 1))
            .await;
    assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
    nothing_written(app).await;
    let (_, body) =
        upload(app, Some(&w.ana), library::CREATE, variables(&w.cop), "variables.input.file", "c.pdf", &pdf(100, 1))
            .await;
    let doc = body["data"]["createDocument"]["document"].clone();
    assert!(doc["id"].is_string(), "{body}");
    let seen = app.ok(Some(&w.ana), DOCUMENTS, json!({})).await;
    assert_eq!(seen["documents"]["totalCount"], 1);
    // Bob reads the community's content but not this subgroup's.
    let seen = app.ok(Some(&w.bob), DOCUMENTS, json!({})).await;
    assert_eq!(seen["documents"]["totalCount"], 0, "{seen}");
    let hidden = app.gql(Some(&w.bob), DOCUMENT, json!({ "id": doc["id"] })).await;
    assert_eq!(error_code(&hidden), "NOT_FOUND");
    let path = format!("/files/{}", doc["currentVersion"]["id"].as_str().unwrap());
    assert_eq!(download(app, &path, Some(&w.bob), None).await.status, 404);
    assert_eq!(download(app, &path, Some(&w.ana), None).await.status, 200);
    w.app.stop().await;
}

#[tokio::test]
async fn an_upload_may_take_longer_than_other_requests_to_arrive() {
    let w = world_with(|s| {
        s.request_timeout_secs = 2;
        s.max_upload_mb = 1;
    })
    .await;
    let app = &w.app;
    let body = library::multipart_body(
        library::CREATE,
        &json!({ "input": { "communityId": w.cop, "title": "Lent", "kind": "OTHER", "language": "fr", "file": null } }),
        "variables.input.file",
        "lent.pdf",
        &pdf(500_000, 3),
    );
    // Half the body, a pause longer than request_timeout_secs, then the rest (the upload
    // allowance of a 1 MiB bound is 4 s more).
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = app.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST /graphql HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        w.ana,
        library::multipart_type(),
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&body[..body.len() / 2]).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    stream.write_all(&body[body.len() / 2..]).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"createDocument\""), "{answer}");
    assert_eq!(app.count_rows("document").await, 1);
    w.app.stop().await;
}

const CREATE_THEME: &str = "mutation($c: ID!, $p: ID, $n: String!) { createTheme(input: { communityId: $c, parentId: $p, name: $n }) { theme { id name parent { id } } } }";

#[tokio::test]
async fn themes_classify_a_communitys_documents_and_stay_its_own() {
    let w = world().await;
    let app = &w.app;
    let theme = |token: &str, community: &Value, parent: Value, name: &str| {
        let (token, community, name) = (token.to_owned(), community.clone(), name.to_owned());
        async move { app.gql(Some(&token), CREATE_THEME, json!({ "c": community, "p": parent, "n": name })).await }
    };
    let outbreaks = theme(&w.ana, &w.cop, Value::Null, "Éclosions").await;
    let outbreaks = outbreaks["data"]["createTheme"]["theme"]["id"].clone();
    let flu = theme(&w.ana, &w.cop, outbreaks.clone(), "Influenza").await;
    assert_eq!(flu["data"]["createTheme"]["theme"]["parent"]["id"], outbreaks, "{flu}");
    let flu = flu["data"]["createTheme"]["theme"]["id"].clone();
    // Members do not manage themes; strangers do not find the community.
    assert_eq!(error_code(&theme(&w.bob, &w.cop, Value::Null, "X").await), "FORBIDDEN");
    assert_eq!(error_code(&theme(&w.omar, &w.cop, Value::Null, "X").await), "NOT_FOUND");
    // A theme of another community is refused, and nothing is written.
    let elsewhere = fixtures::community(app, &w.ana, "elsewhere", "NETWORK", "OPEN").await;
    let foreign = theme(&w.ana, &elsewhere, Value::Null, "Ailleurs").await;
    let foreign = foreign["data"]["createTheme"]["theme"]["id"].clone();
    let with_themes = |themes: Vec<Value>| {
        json!({ "input": {
            "communityId": w.cop, "title": "Guide", "kind": "GUIDE", "language": "fr", "file": null, "themeIds": themes,
        } })
    };
    let (_, body) = upload(
        app,
        Some(&w.ana),
        library::CREATE,
        with_themes(vec![foreign.clone()]),
        "variables.input.file",
        "g.pdf",
        &pdf(100, 1),
    )
    .await;
    assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", "themeIds"), "{body}");
    nothing_written(app).await;
    let misplaced = app.gql(Some(&w.ana), CREATE_THEME, json!({ "c": w.cop, "p": foreign, "n": "X" })).await;
    assert_eq!((error_code(&misplaced), error_field(&misplaced)), ("BAD_USER_INPUT", "parentId"));
    let (_, body) = upload(
        app,
        Some(&w.ana),
        library::CREATE,
        with_themes(vec![outbreaks.clone()]),
        "variables.input.file",
        "g.pdf",
        &pdf(100, 1),
    )
    .await;
    let doc = body["data"]["createDocument"]["document"]["id"].clone();
    assert!(doc.is_string(), "{body}");
    const THEMED: &str =
        "query($t: [ID!]) { documents(filter: { themeIds: $t }) { totalCount edges { node { themes { name } } } } }";
    let found = app.ok(Some(&w.bob), THEMED, json!({ "t": [outbreaks] })).await;
    assert_eq!(found["documents"]["totalCount"], 1);
    assert_eq!(found["documents"]["edges"][0]["node"]["themes"], json!([{ "name": "Éclosions" }]));
    assert_eq!(app.ok(Some(&w.bob), THEMED, json!({ "t": [flu] })).await["documents"]["totalCount"], 0);
    // Published to the network, the document reaches a stranger without its community's themes.
    app.ok(Some(&w.rita), PUBLISH, json!({ "id": doc, "a": "NETWORK" })).await;
    let seen = app.ok(Some(&w.omar), THEMED, json!({ "t": null })).await;
    assert_eq!(seen["documents"]["totalCount"], 1);
    assert_eq!(seen["documents"]["edges"][0]["node"]["themes"], json!([]));
    // A theme they may not see narrows to nothing, as a theme that does not exist: the
    // filter must not tell that the theme exists, nor which documents carry it.
    assert_eq!(
        app.ok(Some(&w.omar), THEMED, json!({ "t": [outbreaks] })).await["documents"]["totalCount"],
        0,
        "a secret theme is no filter"
    );
    let hidden = app.gql(Some(&w.omar), "query($id: ID!) { node(id: $id) { id } }", json!({ "id": outbreaks })).await;
    assert_eq!(error_code(&hidden), "NOT_FOUND");
    let listed =
        app.ok(Some(&w.omar), "query($c: ID!) { themes(communityId: $c) { name } }", json!({ "c": w.cop })).await;
    assert_eq!(listed["themes"], json!([]));
    let listed =
        app.ok(Some(&w.bob), "query($c: ID!) { themes(communityId: $c) { name } }", json!({ "c": w.cop })).await;
    let mut names: Vec<&str> =
        listed["themes"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    names.sort_unstable();
    assert_eq!(names, ["Influenza", "Éclosions"], "in the database's collation, both");
    // No cycles; deleting a theme frees its documents and children.
    const MOVE: &str = "mutation($id: ID!, $p: ID) { updateTheme(input: { id: $id, parentId: $p }) { theme { id } } }";
    let cycle = app.gql(Some(&w.ana), MOVE, json!({ "id": outbreaks, "p": flu })).await;
    assert_eq!((error_code(&cycle), error_field(&cycle)), ("BAD_USER_INPUT", "parentId"), "{cycle}");
    app.ok(
        Some(&w.ana),
        "mutation($id: ID!) { deleteTheme(input: { id: $id }) { deletedId } }",
        json!({ "id": outbreaks }),
    )
    .await;
    let found = app.ok(Some(&w.bob), THEMED, json!({ "t": null })).await;
    assert_eq!(found["documents"]["edges"][0]["node"]["themes"], json!([]));
    let child = app
        .ok(Some(&w.bob), "query($id: ID!) { node(id: $id) { ... on Theme { parent { id } } } }", json!({ "id": flu }))
        .await;
    assert!(child["node"]["parent"].is_null());
    assert_eq!(app.count_rows("audit_event WHERE target_type = 'theme'").await, 4, "three created, one deleted");
    w.app.stop().await;
}

const VERSIONS: &str = "query($id: ID!) { node(id: $id) { ... on Document { currentVersion { id number } \
    versions(first: 10) { totalCount edges { node { id number downloadUrl } } } } } }";
const VERSION_NODES: &str = "query($ids: [ID!]!) { nodes(ids: $ids) { ... on DocumentVersion { id number } } }";

/// What a stranger (anonymous or not) sees of a published document's versions: numbers
/// listed, current, reachable by `node`/`nodes`, and downloadable with a bearer token.
async fn strangers_view(app: &TestApp, token: Option<&str>, id: &Value, version_ids: &[String]) -> Vec<i64> {
    let got = app.ok(token, VERSIONS, json!({ "id": id })).await;
    let listed: Vec<i64> = got["node"]["versions"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["number"].as_i64().unwrap())
        .collect();
    assert_eq!(got["node"]["versions"]["totalCount"], listed.len(), "{got}");
    let nodes = app.ok(token, VERSION_NODES, json!({ "ids": version_ids })).await;
    let by_nodes: Vec<i64> = nodes["nodes"].as_array().unwrap().iter().filter_map(|n| n["number"].as_i64()).collect();
    assert_eq!(by_nodes, listed, "nodes(ids:) and versions agree: {nodes}");
    let mut downloadable = Vec::new();
    for (n, vid) in version_ids.iter().enumerate() {
        let one = app
            .gql(token, "query($id: ID!) { node(id: $id) { ... on DocumentVersion { number } } }", json!({ "id": vid }))
            .await;
        let hidden = error_code(&one) == "NOT_FOUND";
        assert!(hidden || one["data"]["node"]["number"].is_i64(), "{one}");
        let status = download(app, &format!("/files/{vid}"), token, None).await.status;
        assert_eq!(hidden, status == 404, "node and /files agree on version {}", n + 1);
        if status == 200 {
            downloadable.push(i64::try_from(n).unwrap() + 1);
        }
    }
    assert_eq!(downloadable, listed, "downloads and versions agree");
    assert_eq!(got["node"]["currentVersion"]["number"].as_i64(), listed.last().copied(), "{got}");
    listed
}

#[tokio::test]
async fn publishing_shows_strangers_the_published_version_only() {
    let w = world().await;
    let app = &w.app;
    // A draft with confidential data, then a cleaned version, published to everyone.
    let doc = created(app, &w.ana, &w.cop, "Bilan", "bilan.pdf", &pdf(2_000, 1)).await;
    let id = doc["id"].clone();
    let mut version_ids = vec![doc["currentVersion"]["id"].as_str().unwrap().to_owned()];
    let add = |bytes: Vec<u8>| {
        let (app, ana, id) = (app, w.ana.clone(), id.clone());
        async move {
            let (status, body) = upload(
                app,
                Some(&ana),
                ADD_VERSION,
                json!({ "input": { "documentId": id, "file": null, "changeNote": "" } }),
                "variables.input.file",
                "bilan.pdf",
                &bytes,
            )
            .await;
            assert_eq!(status, 200, "{body}");
            body["data"]["addDocumentVersion"]["version"]["id"].as_str().unwrap().to_owned()
        }
    };
    version_ids.push(add(pdf(2_000, 2)).await);
    app.ok(Some(&w.rita), PUBLISH, json!({ "id": id, "a": "PUBLIC" })).await;
    // Anonymous people and people of another organization: version 2 alone.
    assert_eq!(strangers_view(app, None, &id, &version_ids).await, vec![2]);
    assert_eq!(strangers_view(app, Some(&w.omar), &id, &version_ids).await, vec![2]);
    // Members: every version.
    let member = app.ok(Some(&w.bob), VERSIONS, json!({ "id": id })).await;
    assert_eq!(member["node"]["versions"]["totalCount"], 2, "{member}");
    // A version added later stays the community's until the document is published again.
    version_ids.push(add(pdf(2_000, 3)).await);
    assert_eq!(strangers_view(app, None, &id, &version_ids).await, vec![2]);
    let member = app.ok(Some(&w.bob), VERSIONS, json!({ "id": id })).await;
    assert_eq!(member["node"]["currentVersion"]["number"], 3, "{member}");
    app.ok(Some(&w.rita), PUBLISH, json!({ "id": id, "a": "NETWORK" })).await;
    assert_eq!(strangers_view(app, Some(&w.omar), &id, &version_ids).await, vec![3]);
    let gone = app.gql(None, VERSIONS, json!({ "id": id })).await;
    assert_eq!(error_code(&gone), "NOT_FOUND", "{gone}");
    w.app.stop().await;
}

/// Sends the headers of a multipart request announcing `length` bytes and only the first
/// bytes of its body, and returns what the server answers within two seconds (nothing if
/// it waits for the rest).
async fn answer_to_a_started_upload(app: &TestApp, authorization: Option<&str>, length: usize) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = app.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let auth = authorization.map(|a| format!("Authorization: {a}\r\n")).unwrap_or_default();
    let head = format!(
        "POST /graphql HTTP/1.1\r\nHost: {address}\r\nContent-Type: {}\r\n{auth}Content-Length: {length}\r\n\r\n",
        library::multipart_type()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(b"--").await.unwrap();
    let mut answer = vec![0; 4096];
    match tokio::time::timeout(std::time::Duration::from_secs(2), stream.read(&mut answer)).await {
        Ok(Ok(n)) => String::from_utf8_lossy(&answer[..n]).into_owned(),
        _ => String::new(),
    }
}

#[tokio::test]
async fn anonymous_and_invalid_uploads_are_refused_before_their_body_is_read() {
    let w = world().await;
    let app = &w.app;
    // 50 MiB announced, two bytes sent: the server answers from the headers alone.
    let anonymous = answer_to_a_started_upload(app, None, 50 << 20).await;
    assert!(anonymous.starts_with("HTTP/1.1 401"), "{anonymous:?}");
    assert!(anonymous.contains("UNAUTHENTICATED"), "{anonymous:?}");
    let invalid = answer_to_a_started_upload(app, Some("Bearer not-a-token"), 50 << 20).await;
    assert!(invalid.starts_with("HTTP/1.1 401"), "{invalid:?}");
    // A logged-in person's upload is read (the server waits for the rest of it).
    let bearer = format!("Bearer {}", w.ana);
    let member = answer_to_a_started_upload(app, Some(&bearer), 50 << 20).await;
    assert_eq!(member, "", "the body of a logged-in person's upload is awaited");
    w.app.stop().await;
}

const FILTERED: &str = "query($f: DocumentFilterInput) { documents(first: 50, filter: $f) { totalCount \
    edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }";

#[tokio::test]
async fn filtering_by_a_secret_community_or_its_themes_answers_as_for_none() {
    let w = world().await;
    let app = &w.app;
    let doc = created(app, &w.ana, &w.cop, "Guide", "guide.pdf", &pdf(1_000, 1)).await;
    let theme = app.ok(Some(&w.ana), CREATE_THEME, json!({ "c": w.cop, "p": null, "n": "Éclosions" })).await;
    let theme = theme["createTheme"]["theme"]["id"].clone();
    app.ok(Some(&w.ana), UPDATE, json!({ "input": { "id": doc["id"], "themeIds": [theme] } })).await;
    // Published to everyone: the document is no secret, its (secret) community is.
    app.ok(Some(&w.rita), PUBLISH, json!({ "id": doc["id"], "a": "PUBLIC" })).await;
    let no_community = to_global(NodeKind::Community, 999_999).0;
    let no_theme = to_global(NodeKind::Theme, 999_999).0;
    for token in [Some(w.omar.as_str()), None] {
        let all = app.ok(token, FILTERED, json!({ "f": null })).await;
        assert_eq!(all["documents"]["totalCount"], 1, "{all}");
        let by_secret = app.ok(token, FILTERED, json!({ "f": { "communityId": w.cop } })).await;
        let by_none = app.ok(token, FILTERED, json!({ "f": { "communityId": no_community } })).await;
        assert_eq!(by_secret["documents"]["totalCount"], 0, "the filter tells the secret community exists");
        assert_eq!(by_secret, by_none);
        let by_theme = app.ok(token, FILTERED, json!({ "f": { "themeIds": [theme] } })).await;
        let by_no_theme = app.ok(token, FILTERED, json!({ "f": { "themeIds": [no_theme] } })).await;
        assert_eq!(by_theme["documents"]["totalCount"], 0, "the filter tells the secret theme exists");
        assert_eq!(by_theme, by_no_theme);
    }
    // Its members filter by it as before.
    let mine = app.ok(Some(&w.bob), FILTERED, json!({ "f": { "communityId": w.cop, "themeIds": [theme] } })).await;
    assert_eq!(mine["documents"]["totalCount"], 1, "{mine}");
    w.app.stop().await;
}

const PEOPLE: &str = "query($f: DocumentFilterInput) { documents(first: 10, filter: $f) { totalCount edges { node { \
    authors { id } currentVersion { uploadedBy { id } validatedBy { id } } \
    versions(first: 5) { edges { node { uploadedBy { id } validatedBy { id } } } } } } } }";

#[tokio::test]
async fn people_on_documents_are_shown_only_to_who_may_see_people() {
    let w = world().await;
    let app = &w.app;
    let ana_id = to_global(NodeKind::Person, fixtures::person_id(app, &w.ana).await).0;
    let variables = json!({ "input": {
        "communityId": w.cop, "title": "Guide", "kind": "GUIDE", "language": "fr", "file": null, "authorIds": [ana_id],
    } });
    let (status, body) =
        upload(app, Some(&w.ana), library::CREATE, variables, "variables.input.file", "g.pdf", &pdf(1_000, 2)).await;
    assert_eq!(status, 200, "{body}");
    let doc = body["data"]["createDocument"]["document"].clone();
    app.ok(Some(&w.carla), VALIDATE, json!({ "id": doc["currentVersion"]["id"] })).await;
    app.ok(Some(&w.rita), PUBLISH, json!({ "id": doc["id"], "a": "PUBLIC" })).await;
    // Anonymous readers of the public document read no person through it…
    let anonymous = app.ok(None, PEOPLE, json!({ "f": null })).await;
    let node = &anonymous["documents"]["edges"][0]["node"];
    assert_eq!(node["authors"], json!([]), "{anonymous}");
    assert_eq!(node["currentVersion"], json!({ "uploadedBy": null, "validatedBy": null }), "{anonymous}");
    assert_eq!(node["versions"]["edges"][0]["node"], json!({ "uploadedBy": null, "validatedBy": null }));
    // …nor learn who wrote it by filtering on a person: as for a person who does not exist.
    let by_author = app.ok(None, PEOPLE, json!({ "f": { "authorIds": [ana_id] } })).await;
    let no_person = to_global(NodeKind::Person, 999_999).0;
    let by_nobody = app.ok(None, PEOPLE, json!({ "f": { "authorIds": [no_person] } })).await;
    assert_eq!(by_author["documents"]["totalCount"], 0, "{by_author}");
    assert_eq!(by_author, by_nobody);
    // Logged-in people see the network's people, here as everywhere.
    let omar = app.ok(Some(&w.omar), PEOPLE, json!({ "f": { "authorIds": [ana_id] } })).await;
    let node = &omar["documents"]["edges"][0]["node"];
    assert_eq!(node["authors"], json!([{ "id": ana_id }]), "{omar}");
    assert_eq!(node["currentVersion"]["uploadedBy"]["id"], ana_id);
    assert!(node["currentVersion"]["validatedBy"]["id"].is_string(), "{omar}");
    w.app.stop().await;
}

/// GETs a path with this `Authorization` header, as sent.
async fn download_with(app: &TestApp, path: &str, authorization: &str) -> (u16, reqwest::header::HeaderMap) {
    let response = reqwest::Client::new()
        .get(format!("{}{path}", app.base))
        .header("authorization", authorization)
        .send()
        .await
        .expect("send");
    (response.status().as_u16(), response.headers().clone())
}

#[tokio::test]
async fn downloads_refuse_a_bad_authorization_and_limit_invalid_tokens() {
    let w = world_with(|s| s.rate_limit_auth_per_minute = 3).await;
    let app = &w.app;
    let doc = created(app, &w.ana, &w.cop, "Guide", "guide.pdf", &pdf(1_000, 3)).await;
    app.ok(Some(&w.rita), PUBLISH, json!({ "id": doc["id"], "a": "PUBLIC" })).await;
    let path = format!("/files/{}", doc["currentVersion"]["id"].as_str().unwrap());
    // Anyone may download a public document without a credential…
    assert_eq!(download(app, &path, None, None).await.status, 200);
    // …but a credential that is not a valid bearer token is refused, never read as none.
    for bad in [format!("Basic {}", "YW5hOnNlY3JldA=="), "Bearer not-a-token".to_owned(), w.ana.clone()] {
        let (status, headers) = download_with(app, &path, &bad).await;
        assert_eq!(status, 401, "{bad:?}");
        assert!(headers.get("www-authenticate").is_some(), "{bad:?}");
    }
    // Past `rate_limit_auth_per_minute` invalid tokens, the address waits, on /files as
    // on /graphql (one limit for both)…
    let (status, headers) = download_with(app, &path, "Bearer still-not-a-token").await;
    assert_eq!(status, 429);
    assert!(headers.get("retry-after").is_some());
    let (status, _) = app.post(Some("another-bad-token"), "{ me { id } }", json!({})).await;
    assert_eq!(status, 429);
    // …while a request without a credential is still served.
    assert_eq!(download(app, &path, None, None).await.status, 200);
    w.app.stop().await;
}

/// Forged or tampered signed links count like invalid tokens: past
/// `rate_limit_auth_per_minute` of them the address waits (`429`, even with a good link),
/// so nobody tries signatures at will.
#[tokio::test]
async fn forged_download_links_are_limited_like_invalid_tokens() {
    let w = world_with(|s| s.rate_limit_auth_per_minute = 3).await;
    let app = &w.app;
    let doc = created(app, &w.ana, &w.cop, "Guide", "guide.pdf", &pdf(1_000, 3)).await;
    let link = doc["currentVersion"]["downloadUrl"].as_str().unwrap().to_owned();
    assert_eq!(download(app, &link, None, None).await.status, 200);
    let tampered = |n: usize| {
        let (head, signature) = link.rsplit_once("signature=").expect("a signed link");
        let mut forged = signature.to_owned();
        forged.replace_range(0..n.min(forged.len()), &"A".repeat(n.min(forged.len())));
        format!("{head}signature={forged}")
    };
    for n in 1..=3 {
        assert_eq!(download(app, &tampered(n * 4), None, None).await.status, 403, "forged link {n}");
    }
    let got = download(app, &tampered(16), None, None).await;
    assert_eq!(got.status, 429);
    assert!(!got.header("retry-after").is_empty());
    assert_eq!(download(app, &link, None, None).await.status, 429, "the address waits, whatever the link");
    w.app.stop().await;
}

/// A multipart body whose `operations` and `map` fields are padded with `pad` bytes of
/// JSON white space each.
fn padded_upload(community: &Value, operations_pad: usize, map_pad: usize) -> Vec<u8> {
    let boundary = "maillage-test-boundary-7d1c";
    let variables = json!({ "input": {
        "communityId": community, "title": "Guide", "kind": "GUIDE", "language": "fr", "file": null,
    } });
    let operations =
        format!("{}{}", json!({ "query": library::CREATE, "variables": variables }), " ".repeat(operations_pad));
    let map = format!("{}{}", json!({ "0": ["variables.input.file"] }), " ".repeat(map_pad));
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{operations}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"map\"\r\n\r\n{map}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"0\"; filename=\"g.pdf\"\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(&pdf(2_000, 4));
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    body
}

async fn send_upload(app: &TestApp, token: &str, body: Vec<u8>) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!("{}/graphql", app.base))
        .header("content-type", library::multipart_type())
        .bearer_auth(token)
        .body(body)
        .send()
        .await
        .expect("send");
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

#[tokio::test]
async fn the_operations_and_map_of_an_upload_are_capped_at_a_mebibyte() {
    let w = world().await;
    let app = &w.app;
    // Under the cap, the upload goes through.
    let (status, body) = send_upload(app, &w.ana, padded_upload(&w.cop, 900 << 10, 900 << 10)).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["data"]["createDocument"]["document"]["id"].is_string(), "{body}");
    // Over it, in either field, it is refused (413) and nothing is written.
    for (operations, map) in [(2 << 20, 0), (0, 2 << 20)] {
        let (status, body) = send_upload(app, &w.ana, padded_upload(&w.cop, operations, map)).await;
        assert_eq!(status, 413, "{body}");
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    }
    assert_eq!(app.count_rows("document").await, 1);
    w.app.stop().await;
}

/// Starts an upload as `token` (headers and two bytes of a large body) and returns the
/// open connection with what the server answered within two seconds (nothing while it
/// waits for the rest).
async fn started_upload(app: &TestApp, token: &str) -> (tokio::net::TcpStream, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = app.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST /graphql HTTP/1.1\r\nHost: {address}\r\nContent-Type: {}\r\nAuthorization: Bearer {token}\r\n\
         Content-Length: {}\r\n\r\n--",
        library::multipart_type(),
        10 << 20
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = vec![0; 4096];
    let answer = match tokio::time::timeout(std::time::Duration::from_secs(2), stream.read(&mut answer)).await {
        Ok(Ok(n)) => String::from_utf8_lossy(&answer[..n]).into_owned(),
        _ => String::new(),
    };
    (stream, answer)
}

#[tokio::test]
async fn a_person_runs_at_most_four_uploads_at_once() {
    let w = world().await;
    let app = &w.app;
    // Eight uploads at once from one person: four are read, four refused at once.
    let started = harness::join_all((0..8).map(|_| started_upload(app, &w.ana))).await;
    let (waiting, refused): (Vec<_>, Vec<_>) = started.into_iter().partition(|(_, answer)| answer.is_empty());
    assert_eq!(waiting.len(), 4, "{:?}", refused.iter().map(|(_, a)| a).collect::<Vec<_>>());
    for (_, answer) in &refused {
        assert!(answer.starts_with("HTTP/1.1 429"), "{answer:?}");
        assert!(answer.contains("RATE_LIMITED"), "{answer:?}");
        assert!(answer.to_ascii_lowercase().contains("retry-after"), "{answer:?}");
    }
    let (status, body) = library::create(app, &w.ana, &w.cop, "Guide", "g.pdf", &pdf(1_000, 5)).await;
    assert_eq!((status, error_code(&body)), (429, "RATE_LIMITED"), "{body}");
    // Someone else uploads meanwhile.
    created(app, &w.bob, &w.cop, "Mine", "m.pdf", &pdf(1_000, 6)).await;
    // Once the stalled uploads end, the person uploads again.
    drop(waiting);
    let mut answer = (0, Value::Null);
    for _ in 0..50 {
        answer = library::create(app, &w.ana, &w.cop, "Guide", "g.pdf", &pdf(1_000, 5)).await;
        if answer.0 == 200 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(answer.0, 200, "{}", answer.1);
    assert_eq!(app.count_rows("document").await, 2);
    w.app.stop().await;
}

/// A multipart body creating a document in `community`, with this `map` and these
/// headers (after `Content-Disposition`) on its file part named `file_field`.
fn crafted_upload(community: &Value, map: &Value, file_field: &str, file_headers: &str) -> (Vec<u8>, String) {
    let boundary = "maillage-crafted-boundary-3f2a";
    let variables = json!({ "input": {
        "communityId": community, "title": "Guide", "kind": "GUIDE", "language": "fr", "file": null,
    } });
    let operations = json!({ "query": library::CREATE, "variables": variables });
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{operations}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"map\"\r\n\r\n{map}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"{file_field}\"; filename=\"g.pdf\"\r\n{file_headers}\r\n"
    )
    .into_bytes();
    body.extend_from_slice(&pdf(2_000, 7));
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (body, format!("multipart/form-data; boundary={boundary}"))
}

async fn send_crafted(app: &TestApp, token: &str, (body, content_type): (Vec<u8>, String)) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!("{}/graphql", app.base))
        .header("content-type", content_type)
        .bearer_auth(token)
        .body(body)
        .send()
        .await
        .expect("send");
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

#[tokio::test]
async fn a_map_names_one_file_path_once_and_file_names_are_bounded() {
    let w = world().await;
    let app = &w.app;
    let path = "variables.input.file";
    // One key listing the same path 40,000 times (within the 1 MiB of `map`), two paths, a path twice: refused before
    // the file is read, as a malformed map.
    let many = vec![path; 40_000];
    for map in [json!({ "0": many }), json!({ "0": [path, "variables.input.other"] }), json!({ "0": [path, path] })] {
        let (status, body) = send_crafted(app, &w.ana, crafted_upload(&w.cop, &map, "0", "")).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    }
    // A file name or content type over 255 bytes is refused too.
    let short_type = "Content-Type: application/pdf\r\n";
    let (status, body) =
        send_crafted(app, &w.ana, crafted_upload(&w.cop, &json!({ "0": [path] }), "0", short_type)).await;
    assert_eq!(status, 200, "a short content type is fine: {body}");
    let long_type = format!("Content-Type: application/{}\r\n", "x".repeat(300));
    let (status, body) =
        send_crafted(app, &w.ana, crafted_upload(&w.cop, &json!({ "0": [path] }), "0", &long_type)).await;
    assert_eq!(status, 400, "{body}");
    let (mut bytes, content_type) = crafted_upload(&w.cop, &json!({ "0": [path] }), "0", "");
    let at = bytes.windows(7).position(|w| w == b"g.pdf\"\r").unwrap();
    bytes.splice(at..at + 5, format!("{}.pdf", "g".repeat(300)).into_bytes());
    let (status, body) = send_crafted(app, &w.ana, (bytes, content_type)).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(app.count_rows("document").await, 1, "only the valid upload made a document");
    w.app.stop().await;
}

#[tokio::test]
async fn a_part_with_oversized_headers_is_refused_before_it_is_buffered() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let w = world().await;
    let app = &w.app;
    // A part whose header line is 3 MiB long: the server answers within its first
    // 128 KiB, without waiting for (and buffering) the rest.
    let boundary = "maillage-crafted-boundary-3f2a";
    let address = app.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST /graphql HTTP/1.1\r\nHost: {address}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\n\
         Authorization: Bearer {}\r\nContent-Length: {}\r\n\r\n--{boundary}\r\nContent-Disposition: form-data; \
         name=\"operations\"\r\nX-Pad: ",
        w.ana,
        3 << 20
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    for _ in 0..16 {
        // The server may stop reading once it has answered.
        if stream.write_all(&[b'a'; 8 << 10]).await.is_err() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let mut answer = vec![0; 4096];
    let answer = match tokio::time::timeout(std::time::Duration::from_secs(3), stream.read(&mut answer)).await {
        Ok(Ok(n)) => String::from_utf8_lossy(&answer[..n]).into_owned(),
        _ => String::new(),
    };
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer:?}");
    assert!(answer.contains("BAD_USER_INPUT"), "{answer:?}");
    w.app.stop().await;
}

#[tokio::test]
async fn an_upload_over_the_rate_budget_is_refused_before_its_body() {
    let w = world_with(|s| s.rate_limit_person_cost_per_minute = 2_000).await;
    let app = &w.app;
    // Ana spends her budget on queries…
    let mut status = 200;
    for _ in 0..100 {
        status = app.post(Some(&w.ana), "{ me { id } }", json!({})).await.0;
        if status == 429 {
            break;
        }
    }
    assert_eq!(status, 429, "the budget is spent");
    // …then her upload is refused from its headers, not read.
    let bearer = format!("Bearer {}", w.ana);
    let answer = answer_to_a_started_upload(app, Some(&bearer), 50 << 20).await;
    assert!(answer.starts_with("HTTP/1.1 429"), "{answer:?}");
    assert!(answer.contains("RATE_LIMITED"), "{answer:?}");
    assert!(answer.to_ascii_lowercase().contains("retry-after"), "{answer:?}");
    // Someone within budget uploads.
    created(app, &w.bob, &w.cop, "Mine", "m.pdf", &pdf(1_000, 8)).await;
    w.app.stop().await;
}

#[tokio::test]
async fn a_field_name_echoed_in_an_error_is_at_most_64_characters() {
    let w = world().await;
    let app = &w.app;
    let name = "n".repeat(500);
    let (status, body) =
        send_crafted(app, &w.ana, crafted_upload(&w.cop, &json!({ "0": ["variables.input.file"] }), &name, "")).await;
    assert_eq!(status, 400, "{body}");
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains(&"n".repeat(64)), "{message}");
    assert!(!message.contains(&"n".repeat(65)), "{message}");
    w.app.stop().await;
}

/// The S3 back end, against a real S3-compatible server (s3rver): a document's file goes
/// up in parts (3 MB) and comes back byte for byte, whole and by range; the same bytes
/// uploaded twice are one object; an upload that fails half-way leaves no object; and
/// the garbage collector removes what no version references once old enough. What was
/// stored is read from s3rver's own directory, not through our code.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn files_round_trip_through_s3_compatible_storage() {
    let Some(s3) = harness::s3::S3Server::start() else { return };
    let prefix = format!("test-{}", uuid::Uuid::new_v4().simple());
    let w = world_with(|s| s3.configure(s, &prefix)).await;
    let app = &w.app;
    let bytes = pdf(3_000_000, 7);
    let doc = created(app, &w.ana, &w.cop, "Guide", "guide.pdf", &bytes).await;
    created(app, &w.bob, &w.cop, "Copie", "copie.pdf", &bytes).await;
    assert_eq!(s3.keys(&prefix), [format!("{prefix}/blobs/{}", sha(&bytes))], "stored once, nothing left incoming");
    assert_eq!(app.count_rows("blob").await, 0, "nothing in the database");

    let path = format!("/files/{}", doc["currentVersion"]["id"].as_str().unwrap());
    let got = download(app, &path, Some(&w.ana), None).await;
    assert_eq!(got.status, 200);
    assert!(got.bytes == bytes, "the download is the uploaded file");
    let got = download(app, &path, Some(&w.ana), Some("bytes=1000000-1000009")).await;
    assert_eq!(got.status, 206);
    assert!(got.bytes[..] == bytes[1_000_000..1_000_010]);

    // An upload that fails half-way leaves no object.
    assert!(app.app.library.store.put(failing_source(600_000)).await.is_err());
    assert_eq!(s3.keys(&prefix).len(), 1);
    // An object nobody references goes once old enough; the referenced one stays.
    let orphan = app
        .app
        .library
        .store
        .put(futures_util::StreamExt::boxed(futures_util::stream::iter(vec![Ok(bytes::Bytes::from_static(b"orphan"))])))
        .await
        .unwrap();
    assert_eq!(s3.keys(&prefix).len(), 2);
    assert_eq!(collect_garbage(&app.app, chrono::Duration::hours(1)).await.unwrap(), 0, "too recent");
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    assert_eq!(collect_garbage(&app.app, chrono::Duration::zero()).await.unwrap(), 1);
    assert_eq!(s3.keys(&prefix), [format!("{prefix}/blobs/{}", sha(&bytes))]);
    assert_ne!(orphan.sha256, sha(&bytes));
    assert_eq!(download(app, &path, Some(&w.ana), None).await.status, 200);
    w.app.stop().await;
}

/// What a `{ me { id } }` query leaves of `token`'s rate budget (`RateLimit-Remaining`).
async fn remaining_budget(app: &TestApp, token: &str) -> u64 {
    let response = reqwest::Client::new()
        .post(format!("{}/graphql", app.base))
        .bearer_auth(token)
        .json(&json!({ "query": "{ me { id } }" }))
        .send()
        .await
        .expect("send");
    assert_eq!(response.status().as_u16(), 200);
    let value =
        response.headers().get("ratelimit-remaining").and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok());
    value.expect("RateLimit-Remaining")
}

/// An upload refused because its person already runs four at once is refused before it
/// is charged: it used to cost the least operation's charge all the same, so a client
/// retrying it drained its own budget without sending a byte.
#[tokio::test]
async fn an_upload_refused_for_running_four_at_once_costs_nothing() {
    use maillage_api::server::MIN_CHARGE;
    let w = world_with(|s| s.rate_limit_person_cost_per_minute = 2_000).await;
    let app = &w.app;
    let before = remaining_budget(app, &w.ana).await;
    let held = harness::join_all((0..4).map(|_| started_upload(app, &w.ana))).await;
    assert!(held.iter().all(|(_, answer)| answer.is_empty()), "four uploads are read");
    for _ in 0..4 {
        let (_, answer) = started_upload(app, &w.ana).await;
        assert!(answer.starts_with("HTTP/1.1 429"), "{answer:?}");
    }
    let after = remaining_budget(app, &w.ana).await;
    // The four uploads read and the query were charged; the four refused, nothing (the
    // budget refills meanwhile, which only adds).
    assert!(after + 5 * MIN_CHARGE >= before, "before {before}, after {after}");
    drop(held);
    w.app.stop().await;
}

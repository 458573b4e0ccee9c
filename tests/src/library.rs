//! Helpers for the library's tests: uploads through the GraphQL multipart request
//! specification, and downloads from `/files/{versionId}`.

use serde_json::{Value, json};

use crate::TestApp;

/// The boundary of the multipart bodies built here.
const BOUNDARY: &str = "maillage-test-boundary-7d1c";

/// A multipart body: the operation (its file variable at `file_path`, e.g.
/// `variables.input.file`, set to null as the specification asks) and one file.
pub fn multipart_body(query: &str, variables: &Value, file_path: &str, name: &str, bytes: &[u8]) -> Vec<u8> {
    let operations = json!({ "query": query, "variables": variables });
    let map = json!({ "0": [file_path] });
    let mut body = Vec::with_capacity(bytes.len() + 1024);
    body.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"operations\"\r\nContent-Type: application/json\r\n\r\n{operations}\r\n\
             --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"map\"\r\nContent-Type: application/json\r\n\r\n{map}\r\n\
             --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"0\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// The `Content-Type` of [`multipart_body`]'s bodies.
pub fn multipart_type() -> String {
    format!("multipart/form-data; boundary={BOUNDARY}")
}

/// Sends an operation with one file; returns the HTTP status and the JSON body.
pub async fn upload(
    app: &TestApp,
    token: Option<&str>,
    query: &str,
    variables: Value,
    file_path: &str,
    name: &str,
    bytes: &[u8],
) -> (u16, Value) {
    let body = multipart_body(query, &variables, file_path, name, bytes);
    let mut request = reqwest::Client::new()
        .post(format!("{}/graphql", app.base))
        .header("content-type", multipart_type())
        .body(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("send");
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

pub const CREATE: &str = "mutation($input: CreateDocumentInput!) { createDocument(input: $input) { document { id title status \
    currentVersion { id number size contentType sha256 downloadUrl } } } }";
pub const ADD_VERSION: &str = "mutation($input: AddDocumentVersionInput!) { addDocumentVersion(input: $input) { \
    document { id currentVersion { id number } } version { id number size contentType sha256 downloadUrl } } }";

/// Creates a document with a file as `token`; returns the whole answer.
pub async fn create(
    app: &TestApp,
    token: &str,
    community: &Value,
    title: &str,
    name: &str,
    bytes: &[u8],
) -> (u16, Value) {
    let variables = json!({ "input": {
        "communityId": community, "title": title, "kind": "PROCEDURE", "language": "fr",
        "file": null, "changeNote": "Première version",
    } });
    upload(app, Some(token), CREATE, variables, "variables.input.file", name, bytes).await
}

/// Creates a document that must succeed; returns `createDocument.document`.
pub async fn created(app: &TestApp, token: &str, community: &Value, title: &str, name: &str, bytes: &[u8]) -> Value {
    let (status, body) = create(app, token, community, title, name, bytes).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
    body["data"]["createDocument"]["document"].clone()
}

/// A download: status, headers, body.
pub struct Download {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub bytes: Vec<u8>,
}

impl Download {
    /// A header's value as text.
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
    }
}

/// GETs a URL (absolute, or a path of the server) with an optional bearer token and
/// `Range`.
pub async fn download(app: &TestApp, url: &str, token: Option<&str>, range: Option<&str>) -> Download {
    let url = if url.starts_with("http") { url.to_owned() } else { format!("{}{url}", app.base) };
    let mut request = reqwest::Client::new().get(url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(range) = range {
        request = request.header("range", range);
    }
    let response = request.send().await.expect("send");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.expect("body").to_vec();
    Download { status, headers, bytes }
}

/// A PDF-looking file of `size` bytes (its signature, then varied bytes).
pub fn pdf(size: usize, seed: u8) -> Vec<u8> {
    let mut bytes = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut x = u32::from(seed).wrapping_mul(2_654_435_761).wrapping_add(1);
    while bytes.len() < size {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        bytes.push((x & 0xff) as u8);
    }
    bytes.truncate(size.max(16));
    bytes
}

/// Creates a document from `input` (fields of `CreateDocumentInput`; `kind` OTHER and
/// `language` `fr` unless given) with a small PDF as version 1; returns its global id.
pub async fn document(app: &TestApp, token: &str, input: Value) -> Value {
    let mut input = input;
    if let Some(fields) = input.as_object_mut() {
        fields.entry("kind").or_insert(json!("OTHER"));
        fields.entry("language").or_insert(json!("fr"));
        fields.insert("file".to_owned(), Value::Null);
    }
    let (status, body) =
        upload(app, Some(token), CREATE, json!({ "input": input }), "variables.input.file", "doc.pdf", &pdf(64, 7))
            .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
    body["data"]["createDocument"]["document"]["id"].clone()
}

/// Creates a wiki page of `community` as `token`; returns its global id.
pub async fn wiki_page(app: &TestApp, token: &str, community: &Value, title: &str) -> Value {
    let data = app
        .ok(
            Some(token),
            "mutation($c: ID!, $t: String!) { createWikiPage(input: { communityId: $c, title: $t, body: \"Texte\" }) { page { id } } }",
            json!({ "c": community, "t": title }),
        )
        .await;
    data["createWikiPage"]["page"]["id"].clone()
}

/// Creates a theme of `community` as `token`; returns its global id.
pub async fn theme(app: &TestApp, token: &str, community: &Value, name: &str) -> Value {
    let data = app
        .ok(
            Some(token),
            "mutation($c: ID!, $n: String!) { createTheme(input: { communityId: $c, name: $n }) { theme { id } } }",
            json!({ "c": community, "n": name }),
        )
        .await;
    data["createTheme"]["theme"]["id"].clone()
}

/// Publishes a document to `audience` as `token`.
pub async fn publish(app: &TestApp, token: &str, document: &Value, audience: &str) {
    app.ok(
        Some(token),
        "mutation($id: ID!, $a: Audience!) { publishDocument(input: { id: $id, audience: $a }) { document { id } } }",
        json!({ "id": document, "a": audience }),
    )
    .await;
}

//! The `maillage` binary as an operator and a newcomer use it: the README's first
//! session (demo data, a token, a community created and queried with curl-like calls),
//! and a clear refusal of a bad setting.

#![expect(clippy::expect_used, reason = "test helpers: a failed call is a failed test, with its message")]

use std::{
    net::TcpListener,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_maillage");

fn maillage(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .args(args)
        .env_clear()
        .env("MAILLAGE_DATA_DIR", dir)
        .env("MAILLAGE_LOG", "warn")
        .current_dir(dir)
        .output()
        .expect("run maillage")
}

struct Served(Child);

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

fn graphql(base: &str, token: Option<&str>, query: &str, variables: Value) -> Value {
    let client = reqwest::blocking::Client::new();
    let mut request = client.post(format!("{base}/graphql")).json(&json!({ "query": query, "variables": variables }));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().expect("send").json().expect("json")
}

#[test]
fn the_readme_first_session_works() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = maillage(dir.path(), &["demo"]);
    assert!(out.status.success(), "demo: {}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Loaded the demo network"));
    let again = maillage(dir.path(), &["demo"]);
    assert!(String::from_utf8_lossy(&again.stdout).contains("already loaded"), "demo is idempotent");

    let out = maillage(dir.path(), &["token", "--email", "admin@example.org", "--name", "Admin", "--network-admin"]);
    assert!(out.status.success(), "token: {}", String::from_utf8_lossy(&out.stderr));
    let token = String::from_utf8(out.stdout).expect("utf-8").trim().to_owned();
    assert!(token.starts_with("mlg_"), "stdout holds only the token");

    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let child = Command::new(BIN)
        .args(["serve", "--listen", &listen])
        .env_clear()
        .env("MAILLAGE_DATA_DIR", dir.path())
        .env("MAILLAGE_LOG", "warn")
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve");
    let _served = Served(child);
    let base = format!("http://{listen}");
    let started = Instant::now();
    while reqwest::blocking::get(format!("{base}/health")).is_err() {
        assert!(started.elapsed() < Duration::from_secs(20), "server did not start");
        std::thread::sleep(Duration::from_millis(100));
    }

    let me = graphql(&base, Some(&token), "{ me { id displayName organization { slug } } }", json!({}));
    assert_eq!(me["data"]["me"]["displayName"], "Admin");

    // The embedded default generated the key that encrypts identity-provider secrets,
    // readable by its owner only; the next start reads the same key.
    let key = dir.path().join("secret.key");
    let text = std::fs::read_to_string(&key).expect("secret.key generated on first start");
    assert_eq!(text.trim().len(), 44, "32 bytes in base64");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).expect("metadata").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    let created = graphql(
        &base,
        Some(&token),
        "mutation { createCommunity(input: { slug: \"soins-palliatifs\", name: \"Soins palliatifs\", \
         description: \"Partager nos pratiques\", visibility: NETWORK, membershipPolicy: APPROVAL }) { community { id slug } } }",
        json!({}),
    );
    assert_eq!(created["data"]["createCommunity"]["community"]["slug"], "soins-palliatifs", "{created}");

    let listed = graphql(
        &base,
        Some(&token),
        "{ community(slug: \"soins-palliatifs\") { name membershipPolicy members { edges { node { roles person { displayName } } } } } \
           communities(first: 10) { totalCount edges { node { slug organizations { edges { node { organization { name } sponsor { displayName } } } } } } } }",
        json!({}),
    );
    assert_eq!(listed["data"]["community"]["members"]["edges"][0]["node"]["roles"], json!(["FOUNDER", "ANIMATOR"]));
    // The admin sees the five demo communities (the secret one too) and theirs.
    assert_eq!(listed["data"]["communities"]["totalCount"], 6, "{listed}");

    let public = graphql(&base, None, "{ communities { totalCount edges { node { slug } } } }", json!({}));
    assert_eq!(public["data"]["communities"]["totalCount"], 2, "anonymous visitors see the two public communities");
}

#[test]
fn a_bad_setting_stops_the_server_with_a_message_naming_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = Command::new(BIN)
        .env_clear()
        .env("MAILLAGE_LISTEN", "localhost-ish")
        .current_dir(dir.path())
        .output()
        .expect("run");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("listen") && stderr.contains("MAILLAGE_LISTEN"), "{stderr}");

    let out = Command::new(BIN)
        .env_clear()
        .env("DATABASE_URL", "mysql://nope")
        .current_dir(dir.path())
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("DATABASE_URL"));
}

#[test]
fn migrate_status_lists_every_migration() {
    use migration::MigratorTrait;
    let every = migration::Migrator::migrations().len();
    assert!(every >= 27, "the migrator lists {every} migrations");
    let dir = tempfile::tempdir().expect("temp dir");
    let out = maillage(dir.path(), &["migrate", "up"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = maillage(dir.path(), &["migrate", "status"]);
    let status = String::from_utf8_lossy(&out.stdout);
    assert_eq!(status.lines().filter(|l| l.contains("Applied")).count(), every, "{status}");
    let steps = every.to_string();
    let out = maillage(dir.path(), &["migrate", "down", "--steps", &steps]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = maillage(dir.path(), &["migrate", "status"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().filter(|l| l.contains("Pending")).count(), every);
}

#[test]
fn seed_fills_an_empty_database_and_refuses_a_second_time() {
    let dir = tempfile::tempdir().expect("temp dir");
    let args = [
        "seed",
        "--organizations",
        "3",
        "--communities",
        "40",
        "--people",
        "120",
        "--memberships",
        "400",
        "--posts",
        "300",
    ];
    let out = maillage(dir.path(), &args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let summary = String::from_utf8_lossy(&out.stdout);
    assert!(summary.contains("40 communities") && summary.contains("300 posts"), "{summary}");
    let again = maillage(dir.path(), &args);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("empty database"));
}

#[test]
fn token_names_a_person_by_id() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = maillage(dir.path(), &["token", "--email", "marie@example.org"]);
    assert!(out.status.success(), "token: {}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("token for person 1 "));
    let out = maillage(dir.path(), &["token", "--person-id", "1"]);
    assert!(out.status.success(), "token: {}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("token for person 1 "));
    assert!(String::from_utf8_lossy(&out.stdout).trim().starts_with("mlg_"));
    let out = maillage(dir.path(), &["token", "--person-id", "99"]);
    assert!(!out.status.success(), "an unknown id");
    let out = maillage(dir.path(), &["token", "--person-id", "1", "--email", "x@example.org"]);
    assert!(!out.status.success(), "one or the other");
}

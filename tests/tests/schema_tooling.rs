//! The schema as partners' tools see it, with tools nobody here wrote (npm, pinned in
//! `tests/schema-tools/package-lock.json`):
//!
//! - `graphql-schema-linter` on the committed `api/schema.graphql`: every type, field,
//!   argument, input field and enum value has a description, names and Relay connections
//!   follow the conventions (rules in `tests/schema-tools/graphql-schema-linter.config.js`);
//! - `graphql-inspector introspect` against the real server over HTTP (the standard
//!   introspection query), its SDL diffed with `api/schema.graphql`: the served schema
//!   and the committed file are the same, descriptions included.

use std::{
    path::{Path, PathBuf},
    process::Command,
    sync::Mutex,
};

use harness::TestApp;
use serde_json::{Value, json};

/// `tests/schema-tools`: the tools' `package.json`, lock file, configuration and script.
fn tools_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("schema-tools")
}

/// The committed SDL.
fn committed_sdl() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../api/schema.graphql")
}

static NPM_CI: Mutex<bool> = Mutex::new(false);

/// Installs the tools from the lock file if they are missing.
fn ensure_packages() -> Result<(), String> {
    let mut done = NPM_CI.lock().map_err(|_| "npm lock poisoned".to_owned())?;
    let installed = |bin: &str| tools_dir().join("node_modules/.bin").join(bin).exists();
    if *done || (installed("graphql-schema-linter") && installed("graphql-inspector")) {
        *done = true;
        return Ok(());
    }
    let output = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(tools_dir())
        .output()
        .map_err(|e| format!("cannot run npm: {e}"))?;
    if !output.status.success() {
        return Err(format!("npm ci failed: {}", String::from_utf8_lossy(&output.stderr)));
    }
    *done = true;
    Ok(())
}

/// What a command printed and whether it succeeded; `None` (with a notice) when Node or
/// the tools are missing off CI. On CI (`CI=true`) a missing tool fails the test.
fn run(program: &Path, args: &[&str]) -> Option<(bool, String)> {
    let outcome = ensure_packages().and_then(|()| {
        let output = Command::new(program)
            .args(args)
            .current_dir(tools_dir())
            .output()
            .map_err(|e| format!("cannot run {}: {e}", program.display()))?;
        let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
        Ok((output.status.success(), text))
    });
    match outcome {
        Ok(outcome) => Some(outcome),
        Err(why) => {
            let message = format!("the schema tools need Node 20+ and npm (tests/schema-tools): {why}");
            if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
                panic!("{message}");
            }
            eprintln!("NOTICE: skipping: {message}");
            None
        }
    }
}

#[test]
fn graphql_schema_linter_finds_nothing_to_fix_in_the_committed_schema() {
    let linter = tools_dir().join("node_modules/.bin/graphql-schema-linter");
    let Some((passed, output)) = run(&linter, &["--format", "json"]) else { return };
    let report: Value = serde_json::from_str(output.trim())
        .unwrap_or_else(|e| panic!("graphql-schema-linter did not print a JSON report ({e}): {output}"));
    let errors = report["errors"].as_array().expect("a list of errors");
    let found: Vec<String> = errors
        .iter()
        .map(|e| {
            let line = e["locations"][0]["line"].as_u64().unwrap_or(0);
            format!("api/schema.graphql:{line}: {} ({})", e["message"].as_str().unwrap_or(""), e["rule"])
        })
        .collect();
    assert!(
        found.is_empty(),
        "graphql-schema-linter: {} problem(s) in api/schema.graphql (document the Rust source: doc comments, \
         `#[graphql(desc = \"…\")]` on arguments; then `cargo run -q -- schema > api/schema.graphql`):\n{}",
        found.len(),
        found.join("\n")
    );
    assert!(passed, "graphql-schema-linter failed without reporting an error: {output}");
}

#[test]
fn graphql_schema_linter_fails_on_a_missing_description() {
    // The lint keeps the schema documented only if it refuses an undocumented argument,
    // input field and enum value: the same configuration on a schema that lacks them.
    let linter = tools_dir().join("node_modules/.bin/graphql-schema-linter");
    let dir = tempfile::tempdir().expect("temporary folder");
    let schema = dir.path().join("undocumented.graphql");
    std::fs::write(
        &schema,
        r#""""The root of every query."""
type Query {
  """A greeting."""
  hello(name: String): String
  """The colour."""
  colour(input: ColourInput): Colour
}

"""A colour."""
enum Colour {
  """Red."""
  RED
  GREEN
}

"""Asks for a colour."""
input ColourInput {
  shade: String
}
"#,
    )
    .expect("write the schema");
    let config = tools_dir();
    let Some((passed, output)) = run(
        &linter,
        &[
            "--format",
            "json",
            "--config-directory",
            config.to_str().expect("UTF-8 path"),
            schema.to_str().expect("UTF-8 path"),
        ],
    ) else {
        return;
    };
    assert!(!passed, "the linter must fail on missing descriptions: {output}");
    for expected in
        ["arguments-have-descriptions", "enum-values-have-descriptions", "input-object-values-have-descriptions"]
    {
        assert!(output.contains(expected), "{expected} not reported: {output}");
    }
}

#[tokio::test]
async fn graphql_inspector_introspects_the_server_and_finds_the_committed_schema() {
    let app = TestApp::spawn().await;
    let url = format!("{}/graphql", app.base);
    let committed = committed_sdl();
    let script = tools_dir().join("introspect-diff.mjs");
    let args = [script.display().to_string(), url, committed.display().to_string()];
    let run_it = move || run(Path::new("node"), &args.each_ref().map(String::as_str));
    let Some((passed, output)) = tokio::task::spawn_blocking(run_it).await.expect("introspection thread") else {
        return;
    };
    println!("{output}");
    let line =
        output.lines().find_map(|l| l.strip_prefix("RESULT ")).unwrap_or_else(|| panic!("a RESULT line: {output}"));
    let result: Value = serde_json::from_str(line).expect("RESULT is JSON");
    let inspector = &result["inspector"];
    assert_eq!(inspector["introspected"], true, "graphql-inspector could not introspect the server: {result:#}");
    assert!(inspector["types"].as_u64().unwrap_or(0) > 100, "{result:#}");
    let standard = &result["standard"];
    assert_eq!(standard["status"], 200, "the standard introspection query was refused: {result:#}");
    assert_eq!(standard["errors"], json!([]), "the standard introspection query was refused: {result:#}");
    assert_eq!(result["invalid"], json!([]), "graphql-js finds a schema invalid: {result:#}");
    let regenerate = "run `cargo run -q -- schema > api/schema.graphql`";
    assert_eq!(
        inspector["differing"],
        json!([]),
        "graphql-inspector's SDL of the server differs from api/schema.graphql ({regenerate}): {result:#}"
    );
    assert_eq!(
        standard["differing"],
        json!([]),
        "the schema the standard introspection query finds differs from api/schema.graphql ({regenerate}): {result:#}"
    );
    assert!(passed && result["identical"] == true, "{output}");
}

//! The committed SDL (`api/schema.graphql`) is what partner front ends code against: it
//! must match the schema the server serves.

#[test]
fn committed_sdl_matches_the_served_schema() {
    let committed = include_str!("../schema.graphql");
    let served = maillage_api::graphql::sdl();
    assert!(
        committed == served,
        "api/schema.graphql is out of date: run `cargo run -q -- schema > api/schema.graphql` and review the diff"
    );
}

#[test]
fn the_schema_documents_its_types() {
    let sdl = maillage_api::graphql::sdl();
    for documented in [
        "A community of practice (*communauté de pratique*)",
        "The manager (*parrain*) who backs the community for this organization.",
        "An object with a global id.",
    ] {
        assert!(sdl.contains(documented), "missing description: {documented}");
    }
}

/// `10000` as descriptions write it: `10,000`.
fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[test]
fn descriptions_state_the_bounds_the_server_enforces() {
    use maillage_api::{
        graphql::connection::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE},
        service::{sso::mapping::MAX_RULES, validate},
    };
    let sdl = maillage_api::graphql::sdl();
    for stated in [
        // Page sizes, on every `first`/`last` and every connection type.
        format!("`first` nor `last` is given, a page holds {DEFAULT_PAGE_SIZE} items"),
        format!("0 to {MAX_PAGE_SIZE}. Cannot be combined with `first`"),
        format!("Pages hold {DEFAULT_PAGE_SIZE} items unless `first` or `last` (at most {MAX_PAGE_SIZE})"),
        // Text lengths.
        format!("2 to {} characters of a-z, 0-9 and inner hyphens", validate::SLUG_MAX),
        format!("Display name: one line, 1 to {} characters once trimmed.", validate::NAME_MAX),
        format!("Title: one line, 1 to {} characters once trimmed.", validate::TITLE_MAX),
        format!("line breaks allowed, at most {} characters", grouped(validate::DESCRIPTION_MAX)),
        format!("line breaks allowed, 1 to {} characters once trimmed", grouped(validate::BODY_MAX)),
        format!("at most {}, each one line of 1 to {} characters", validate::LIST_MAX, validate::NAME_MAX),
        format!("Claim mapping rules (at most {MAX_RULES})"),
    ] {
        assert!(sdl.contains(&stated), "a description should say: {stated}");
    }
    assert_eq!(grouped(10_000), "10,000");
    assert_eq!(grouped(200), "200");
}

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

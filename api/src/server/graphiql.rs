//! GraphiQL at `/graphiql`, for development (off unless `graphiql = true`).
//!
//! The page loads exact versions of React and GraphiQL from unpkg, each checked by its
//! Subresource Integrity hash (computed from the files `npm pack` gives for those
//! versions, which are the files unpkg serves), and is sent with a Content Security
//! Policy that allows only those scripts and its own inline start-up script, and that
//! forbids framing.

use std::sync::OnceLock;

use actix_web::{HttpResponse, http::header};
use base64::Engine;
use sha2::{Digest, Sha256};

/// Exact assets and their `sha384` integrity hashes.
const ASSETS: &str = r#"<link rel="stylesheet" href="https://unpkg.com/graphiql@4.1.2/graphiql.min.css" integrity="sha384-1el1QShFBnnXTx9x/Cprg82hZWKt0ry29OAYIXt05swbi0KcZDFoj0CWguMpopJr" crossorigin="anonymous" referrerpolicy="no-referrer">
<script src="https://unpkg.com/react@18.3.1/umd/react.production.min.js" integrity="sha384-DGyLxAyjq0f9SPpVevD6IgztCFlnMF6oW/XQGmfe+IsZ8TqEiDrcHkMLKI6fiB/Z" crossorigin="anonymous" referrerpolicy="no-referrer"></script>
<script src="https://unpkg.com/react-dom@18.3.1/umd/react-dom.production.min.js" integrity="sha384-gTGxhz21lVGYNMcdJOyq01Edg0jhn/c22nsx0kyqP0TxaV5WVdsSH1fSDUf5YJj1" crossorigin="anonymous" referrerpolicy="no-referrer"></script>
<script src="https://unpkg.com/graphiql@4.1.2/graphiql.min.js" integrity="sha384-9XdHu7ajgGJziD4J1zNBKQ842Q/+zZfDv+ib1eMhZWBH6hPAs806x+Jbcf0yNO6B" crossorigin="anonymous" referrerpolicy="no-referrer"></script>"#;

/// The inline start-up script (allowed by its hash in the policy).
const START: &str = "ReactDOM.createRoot(document.getElementById('graphiql')).render(React.createElement(GraphiQL, { fetcher: GraphiQL.createFetcher({ url: '/graphql' }) }));";

fn page_and_policy() -> &'static (String, String) {
    static PAGE: OnceLock<(String, String)> = OnceLock::new();
    PAGE.get_or_init(|| {
        let page = format!(
            "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Maillage — GraphiQL</title>\n\
             <style>body {{ margin: 0; height: 100vh; }} #graphiql {{ height: 100vh; }}</style>\n{ASSETS}\n</head>\n\
             <body>\n<div id=\"graphiql\">Loading…</div>\n<script>{START}</script>\n</body>\n</html>\n"
        );
        let start_hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(START.as_bytes()));
        let policy = format!(
            "default-src 'none'; script-src https://unpkg.com 'sha256-{start_hash}'; \
             style-src https://unpkg.com 'unsafe-inline'; font-src https://unpkg.com data:; img-src data:; \
             connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
        );
        (page, policy)
    })
}

/// The GraphiQL page.
pub async fn page() -> HttpResponse {
    let (page, policy) = page_and_policy();
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, policy.as_str()))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .body(page.as_str())
}

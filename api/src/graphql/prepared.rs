//! Prepared documents: partner front ends send the same few operations again and again,
//! so the server keeps what parsing and checking them produced instead of doing it at
//! every request.
//!
//! A parsed document is kept by its exact query text, and only one that passed every
//! check of [`super::limits::check_query`] (nesting, shape, directives, introspection
//! budget); complexity and depth, which depend on variables, are still checked at every
//! execution by the schema's limits. The cache is bounded in entries
//! ([`MAX_DOCUMENTS`], least recently used out first) and in the length of what it keeps
//! ([`MAX_KEY_BYTES`]: a longer query is checked every time and not kept). Nothing here
//! depends on who asks: the viewer is applied at execution, never at parsing.

use std::{
    num::NonZeroUsize,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
};

use async_graphql::{ServerResult, parser::types::ExecutableDocument};
use lru::LruCache;

use super::limits;

/// Documents kept.
pub const MAX_DOCUMENTS: usize = 512;
/// The longest query text kept.
pub const MAX_KEY_BYTES: usize = 16 * 1024;

/// The cache, shared by every request of a server.
pub struct PreparedDocuments {
    documents: Mutex<LruCache<Arc<str>, ExecutableDocument>>,
    parses: AtomicU64,
}

impl Default for PreparedDocuments {
    fn default() -> Self {
        Self {
            documents: Mutex::new(LruCache::new(NonZeroUsize::new(MAX_DOCUMENTS).unwrap_or(NonZeroUsize::MIN))),
            parses: AtomicU64::new(0),
        }
    }
}

impl PreparedDocuments {
    /// The checked document of `query`: kept from an earlier request, or parsed and
    /// checked now (and kept when it passed).
    pub async fn prepare(&self, query: &str) -> ServerResult<ExecutableDocument> {
        let keep = query.len() <= MAX_KEY_BYTES;
        if keep && let Some(document) = self.documents.lock().ok().and_then(|mut docs| docs.get(query).cloned()) {
            return Ok(document);
        }
        self.parses.fetch_add(1, Ordering::Relaxed);
        let document = limits::check_query(query).await?;
        if keep && let Ok(mut docs) = self.documents.lock() {
            docs.put(Arc::from(query), document.clone());
        }
        Ok(document)
    }

    /// How many queries were parsed and checked (not found in the cache) so far.
    pub fn parses(&self) -> u64 {
        self.parses.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_known_query_is_parsed_once() {
        let cache = PreparedDocuments::default();
        for _ in 0..3 {
            assert!(cache.prepare("{ communities(first: 1) { totalCount } }").await.is_ok());
        }
        assert_eq!(cache.parses(), 1);
    }

    #[tokio::test]
    async fn refused_queries_are_refused_again() {
        let cache = PreparedDocuments::default();
        let deep = format!("{{ a(x: {}{}) }}", "[".repeat(100), "]".repeat(100));
        for _ in 0..2 {
            assert!(cache.prepare("{ communities(first: 1) ").await.is_err(), "syntax error");
            assert!(cache.prepare(&deep).await.is_err(), "nested too deep");
        }
        assert_eq!(cache.parses(), 4, "refusals are not kept");
    }

    #[tokio::test]
    async fn the_cache_is_bounded() {
        let cache = PreparedDocuments::default();
        for n in 0..=MAX_DOCUMENTS {
            assert!(cache.prepare(&format!("{{ a{n}: __typename }}")).await.is_ok());
        }
        let parses = cache.parses();
        assert_eq!(parses, MAX_DOCUMENTS as u64 + 1);
        // The oldest was dropped to keep MAX_DOCUMENTS: it is parsed again.
        assert!(cache.prepare("{ a0: __typename }").await.is_ok());
        assert_eq!(cache.parses(), parses + 1);
        // A query longer than MAX_KEY_BYTES is never kept.
        let long = format!("{{ __typename }}{}", " ".repeat(MAX_KEY_BYTES));
        for _ in 0..2 {
            assert!(cache.prepare(&long).await.is_ok());
        }
        assert_eq!(cache.parses(), parses + 3);
    }
}

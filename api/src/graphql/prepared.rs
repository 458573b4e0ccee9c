//! Prepared documents: partner front ends send the same few operations again and again,
//! so the server keeps what parsing and checking them produced instead of doing it at
//! every request.
//!
//! A parsed document is kept by its exact query text, and only one that passed every
//! check of [`super::limits::check_query`] (nesting, shape, directives, introspection
//! budget); complexity and depth, which depend on variables, are still checked at every
//! execution by the schema's limits. The cache is bounded in entries
//! ([`MAX_DOCUMENTS`], least recently used out first), in the length of what it keeps
//! ([`MAX_KEY_BYTES`]: a longer query is checked every time and not kept) and in the
//! text it keeps in all ([`MAX_KEPT_BYTES`]): a parsed document takes tens of times its
//! text in memory (a list of literals, a few thousand fields), and documents are kept
//! before validation, so anyone could otherwise pin [`MAX_DOCUMENTS`] of the largest
//! (hundreds of megabytes; review 2026-12-01). Nothing here depends on who asks: the
//! viewer is applied at execution, never at parsing.

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
/// The most query text kept in all (least recently used out first).
pub const MAX_KEPT_BYTES: usize = 512 * 1024;

/// The cache, shared by every request of a server.
pub struct PreparedDocuments {
    documents: Mutex<Kept>,
    parses: AtomicU64,
}

/// The documents kept, and the length of their texts together.
struct Kept {
    documents: LruCache<Arc<str>, ExecutableDocument>,
    bytes: usize,
}

impl Default for PreparedDocuments {
    fn default() -> Self {
        Self {
            documents: Mutex::new(Kept {
                documents: LruCache::new(NonZeroUsize::new(MAX_DOCUMENTS).unwrap_or(NonZeroUsize::MIN)),
                bytes: 0,
            }),
            parses: AtomicU64::new(0),
        }
    }
}

impl PreparedDocuments {
    /// The checked document of `query`: kept from an earlier request, or parsed and
    /// checked now (and kept when it passed).
    pub async fn prepare(&self, query: &str) -> ServerResult<ExecutableDocument> {
        let keep = query.len() <= MAX_KEY_BYTES;
        if keep
            && let Some(document) = self.documents.lock().ok().and_then(|mut kept| kept.documents.get(query).cloned())
        {
            return Ok(document);
        }
        self.parses.fetch_add(1, Ordering::Relaxed);
        let document = limits::check_query(query).await?;
        if keep && let Ok(mut kept) = self.documents.lock() {
            // The entry replaced (same text) or pushed out (the least recently used).
            if let Some((out, _)) = kept.documents.push(Arc::from(query), document.clone()) {
                kept.bytes = kept.bytes.saturating_sub(out.len());
            }
            kept.bytes = kept.bytes.saturating_add(query.len());
            while kept.bytes > MAX_KEPT_BYTES {
                let Some((out, _)) = kept.documents.pop_lru() else { break };
                kept.bytes = kept.bytes.saturating_sub(out.len());
            }
        }
        Ok(document)
    }

    /// The length of the query texts kept, together.
    pub fn kept_bytes(&self) -> usize {
        self.documents.lock().map_or(0, |kept| kept.bytes)
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

    #[tokio::test]
    async fn the_text_kept_is_bounded_in_all() {
        let cache = PreparedDocuments::default();
        // The largest texts kept, each different (a list of literals parses to tens of
        // times its length), as many as the entries allow.
        let big = |n: usize| {
            let head = format!("{{ a{n}(x: [");
            format!("{head}{}]) }}", "1,".repeat((MAX_KEY_BYTES - head.len() - 4) / 2))
        };
        assert!(big(0).len() <= MAX_KEY_BYTES);
        for n in 0..MAX_DOCUMENTS {
            assert!(cache.prepare(&big(n)).await.is_ok());
            assert!(cache.kept_bytes() <= MAX_KEPT_BYTES, "{} bytes kept after {n}", cache.kept_bytes());
        }
        let parses = cache.parses();
        // The most recent are kept, the oldest went out.
        assert!(cache.prepare(&big(MAX_DOCUMENTS - 1)).await.is_ok());
        assert_eq!(cache.parses(), parses);
        assert!(cache.prepare(&big(0)).await.is_ok());
        assert_eq!(cache.parses(), parses + 1);
        // Small operations, the usual ones, still fill the cache to its number of entries.
        let cache = PreparedDocuments::default();
        for n in 0..MAX_DOCUMENTS {
            assert!(
                cache
                    .prepare(&format!("query Q{n}($slug: String!) {{ community(slug: $slug) {{ id name }} }}"))
                    .await
                    .is_ok()
            );
        }
        assert!(cache.prepare("query Q0($slug: String!) { community(slug: $slug) { id name } }").await.is_ok());
        assert_eq!(cache.parses(), MAX_DOCUMENTS as u64, "every small one kept");
    }
}

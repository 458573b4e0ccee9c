//! Automatic persisted queries, as Apollo's clients speak them
//! (`extensions.persistedQuery { version: 1, sha256Hash }`): a client sends the hash of
//! its operation alone; the server answers `PERSISTED_QUERY_NOT_FOUND` if it does not
//! know it, the client sends the text with its hash once, and from then on the hash is
//! enough (a short `GET` that caches well, and fewer bytes on mobile networks).
//!
//! Only a text whose SHA-256 is the hash given is kept, so nobody can make a hash stand
//! for another operation. The store is bounded in entries, in the length of a text it
//! keeps and in the text it keeps in all (least recently used out first); a text too
//! long to keep still runs. It is per server process: a client that meets another
//! replica gets `PERSISTED_QUERY_NOT_FOUND` once there and registers again, which the
//! protocol expects.
//!
//! Each caller has their own hashes (a person, an API client, or all anonymous callers
//! together): were the store shared, anyone could test whether somebody else had sent a
//! given text — `community(slug: "…")` with a guessed slug, say — by sending its hash
//! alone, and learn from `PERSISTED_QUERY_NOT_FOUND` or its absence that the other had.

use std::{num::NonZeroUsize, sync::Mutex};

use lru::LruCache;
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// Hashes kept.
pub const MAX_QUERIES: usize = 2_048;
/// The longest text kept (a longer one runs, but must be sent again each time).
pub const MAX_QUERY_BYTES: usize = 64 * 1024;
/// The most text kept in all.
pub const MAX_KEPT_BYTES: usize = 8 * 1024 * 1024;

/// `extensions.code` of a hash the server does not know: send the query with it.
pub const PERSISTED_QUERY_NOT_FOUND: &str = "PERSISTED_QUERY_NOT_FOUND";
/// The message Apollo's clients look for, besides the code.
pub const NOT_FOUND_MESSAGE: &str = "PersistedQueryNotFound";

/// Why a request's persisted query could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PersistedError {
    /// The hash is not known here: the client should send the text with it.
    NotFound,
    /// `extensions.persistedQuery` is not `{ version: 1, sha256Hash: <64 hex digits> }`,
    /// or the text sent does not have that hash.
    Invalid(&'static str),
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PersistedQuery {
    version: Option<u32>,
    sha256_hash: Option<String>,
}

/// The store, shared by every request of a server.
pub struct PersistedQueries {
    kept: Mutex<Kept>,
}

struct Kept {
    queries: LruCache<[u8; 32], String>,
    bytes: usize,
}

impl Default for PersistedQueries {
    fn default() -> Self {
        Self {
            kept: Mutex::new(Kept {
                queries: LruCache::new(NonZeroUsize::new(MAX_QUERIES).unwrap_or(NonZeroUsize::MIN)),
                bytes: 0,
            }),
        }
    }
}

fn parse_hash(text: &str) -> Option<[u8; 32]> {
    if text.len() != 64 {
        return None;
    }
    let mut hash = [0u8; 32];
    for (i, byte) in hash.iter_mut().enumerate() {
        *byte = u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(hash)
}

/// The store's key for a caller's hash.
fn keyed(caller: &str, hash: &[u8; 32]) -> [u8; 32] {
    let mut digest = Sha256::new();
    digest.update((caller.len() as u64).to_le_bytes());
    digest.update(caller.as_bytes());
    digest.update(hash);
    digest.finalize().into()
}

/// The hash a request names in `extensions.persistedQuery` (checked as [`PersistedQueries::apply`]
/// checks it, and against the query when one is sent with it), or the hash of its query
/// when it names none: what identifies its operation among trusted documents.
pub fn operation_hash(request: &async_graphql::Request) -> Result<String, PersistedError> {
    let invalid = PersistedError::Invalid;
    let Some(extension) = request.extensions.get("persistedQuery") else {
        return Ok(hex(&Sha256::digest(request.query.as_bytes()).into()));
    };
    let json = extension.clone().into_json().map_err(|_| invalid("is not an object"))?;
    let persisted: PersistedQuery =
        serde_json::from_value(json).map_err(|_| invalid("is not { version, sha256Hash }"))?;
    if persisted.version != Some(1) {
        return Err(invalid("version must be 1"));
    }
    let hash = persisted
        .sha256_hash
        .as_deref()
        .and_then(parse_hash)
        .ok_or(invalid("sha256Hash must be 64 hexadecimal digits"))?;
    if !request.query.is_empty() && <[u8; 32]>::from(Sha256::digest(request.query.as_bytes())) != hash {
        return Err(invalid("sha256Hash is not the SHA-256 of the query"));
    }
    Ok(hex(&hash))
}

fn hex(hash: &[u8; 32]) -> String {
    hash.iter().map(|b| format!("{b:02x}")).collect()
}

impl PersistedQueries {
    /// Applies `extensions.persistedQuery` of a request, if it has one: fills in the query
    /// of a hash sent alone, or keeps the text sent with its hash (after checking the
    /// hash). A request without the extension is left as it is.
    /// `caller` names whose hashes these are (see the module's documentation).
    pub fn apply(&self, request: &mut async_graphql::Request, caller: &str) -> Result<(), PersistedError> {
        let Some(extension) = request.extensions.get("persistedQuery") else { return Ok(()) };
        let invalid = PersistedError::Invalid;
        let json = extension.clone().into_json().map_err(|_| invalid("is not an object"))?;
        let persisted: PersistedQuery =
            serde_json::from_value(json).map_err(|_| invalid("is not { version, sha256Hash }"))?;
        if persisted.version != Some(1) {
            return Err(invalid("version must be 1"));
        }
        let hash = persisted
            .sha256_hash
            .as_deref()
            .and_then(parse_hash)
            .ok_or(invalid("sha256Hash must be 64 hexadecimal digits"))?;
        let key = keyed(caller, &hash);
        if request.query.is_empty() {
            let mut kept = self.kept.lock().map_err(|_| PersistedError::NotFound)?;
            let query = kept.queries.get(&key).cloned().ok_or(PersistedError::NotFound)?;
            request.query = query;
            return Ok(());
        }
        if <[u8; 32]>::from(Sha256::digest(request.query.as_bytes())) != hash {
            return Err(invalid("sha256Hash is not the SHA-256 of the query"));
        }
        let hash = key;
        if request.query.len() <= MAX_QUERY_BYTES
            && let Ok(mut kept) = self.kept.lock()
            && !kept.queries.contains(&hash)
        {
            if let Some((_, out)) = kept.queries.push(hash, request.query.clone()) {
                kept.bytes = kept.bytes.saturating_sub(out.len());
            }
            kept.bytes = kept.bytes.saturating_add(request.query.len());
            while kept.bytes > MAX_KEPT_BYTES {
                let Some((_, out)) = kept.queries.pop_lru() else { break };
                kept.bytes = kept.bytes.saturating_sub(out.len());
            }
        }
        Ok(())
    }

    /// How many queries are kept, and their text in bytes.
    pub fn kept(&self) -> (usize, usize) {
        self.kept.lock().map(|kept| (kept.queries.len(), kept.bytes)).unwrap_or((0, 0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(query: &str, extension: serde_json::Value) -> async_graphql::Request {
        let mut request = async_graphql::Request::new(query);
        request.extensions.insert(
            "persistedQuery".to_owned(),
            async_graphql::Value::from_json(extension).unwrap_or(async_graphql::Value::Null),
        );
        request
    }

    impl PersistedQueries {
        fn apply_as(&self, request: &mut async_graphql::Request) -> Result<(), PersistedError> {
            self.apply(request, "p:1")
        }
    }

    #[test]
    fn a_hash_is_known_only_to_the_caller_who_sent_its_text() {
        let store = PersistedQueries::default();
        let query = "{ community(slug: \"projet-secret\") { id } }";
        let by_hash = serde_json::json!({ "version": 1, "sha256Hash": hex(query) });
        store.apply(&mut request(query, by_hash.clone()), "p:1").unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(store.apply(&mut request("", by_hash.clone()), "p:1"), Ok(()));
        for other in ["p:2", "c:1", "anonymous"] {
            assert_eq!(store.apply(&mut request("", by_hash.clone()), other), Err(PersistedError::NotFound), "{other}");
        }
    }

    fn hex(query: &str) -> String {
        Sha256::digest(query.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn a_hash_stands_only_for_its_own_text_and_the_store_is_bounded() {
        let store = PersistedQueries::default();
        let query = "{ communities(first: 1) { totalCount } }";
        let by_hash = serde_json::json!({ "version": 1, "sha256Hash": hex(query) });
        assert_eq!(store.apply_as(&mut request("", by_hash.clone())), Err(PersistedError::NotFound));
        // Another text under that hash is refused and not kept.
        let mut other = request("{ __typename }", by_hash.clone());
        assert!(matches!(store.apply_as(&mut other), Err(PersistedError::Invalid(_))));
        assert_eq!(store.apply_as(&mut request("", by_hash.clone())), Err(PersistedError::NotFound));
        // The right text is kept; then the hash alone is enough.
        store.apply_as(&mut request(query, by_hash.clone())).unwrap_or_else(|e| panic!("{e:?}"));
        let mut alone = request("", by_hash);
        assert_eq!(store.apply_as(&mut alone), Ok(()));
        assert_eq!(alone.query, query);
        for bad in [
            serde_json::json!({ "version": 2, "sha256Hash": hex(query) }),
            serde_json::json!({ "version": 1, "sha256Hash": "abc" }),
            serde_json::json!({ "version": 1, "sha256Hash": "zz".repeat(32) }),
            serde_json::json!("not an object"),
        ] {
            assert!(matches!(store.apply_as(&mut request("", bad)), Err(PersistedError::Invalid(_))));
        }
        // Bounded: many distinct long texts never keep more than the byte budget.
        for i in 0..300 {
            let long = format!("{{ __typename }} # {i} {}", "x".repeat(60 * 1024));
            let ext = serde_json::json!({ "version": 1, "sha256Hash": hex(&long) });
            store.apply_as(&mut request(&long, ext)).unwrap_or_else(|e| panic!("{e:?}"));
        }
        let (count, bytes) = store.kept();
        assert!(bytes <= MAX_KEPT_BYTES && count <= MAX_QUERIES, "{count} queries, {bytes} bytes");
        // A text too long to keep still runs, and is not kept.
        let huge = format!("{{ __typename }} # {}", "y".repeat(MAX_QUERY_BYTES));
        let ext = serde_json::json!({ "version": 1, "sha256Hash": hex(&huge) });
        assert_eq!(store.apply_as(&mut request(&huge, ext.clone())), Ok(()));
        assert_eq!(store.apply_as(&mut request("", ext)), Err(PersistedError::NotFound));
    }
}

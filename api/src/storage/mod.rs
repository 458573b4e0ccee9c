//! The blob store: file contents, named by their SHA-256 (content-addressed, so the same
//! bytes uploaded twice are stored once), behind one small interface so that every back
//! end (the database, the default; S3-compatible object storage through `object_store`,
//! with `storage_url = "s3://bucket/prefix"`) serves every replica the same way.
//!
//! Contents go in and out as streams of chunks: no back end holds a whole file in memory.
//! A write that fails half-way leaves at most an incomplete blob, which
//! [`BlobStore::collect_garbage`] removes once it is older than its grace period.

use std::{collections::HashSet, fmt, ops::Range};

use async_trait::async_trait;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures_util::stream::BoxStream;

pub mod database;
pub mod s3;

/// The size of the chunks contents are stored and read in.
pub const CHUNK_SIZE: usize = 256 * 1024;

/// What went wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// No complete blob has this SHA-256.
    #[error("blob not found")]
    NotFound,
    /// Reading the source of a write failed (the upload was cut…).
    #[error("reading the content failed: {0}")]
    Source(#[from] std::io::Error),
    /// The back end failed.
    #[error("blob store: {0}")]
    Backend(String),
}

impl From<sea_orm::DbErr> for StorageError {
    fn from(err: sea_orm::DbErr) -> Self {
        Self::Backend(err.to_string())
    }
}

/// Shorthand for store results.
pub type StorageResult<T> = Result<T, StorageError>;

/// Bytes as a stream of chunks.
pub type ByteStream = BoxStream<'static, StorageResult<Bytes>>;

/// A content once stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBlob {
    /// Lower-case hex SHA-256 of the content.
    pub sha256: String,
    /// Its size in bytes.
    pub size: u64,
}

/// Which of some blobs are still in use (by document versions), asked by the garbage
/// collector before it removes any.
#[async_trait]
pub trait Referenced: Send + Sync {
    /// The SHA-256s among `candidates` that something references.
    async fn referenced(&self, candidates: &[String]) -> StorageResult<HashSet<String>>;
}

/// A blob store back end.
#[async_trait]
pub trait BlobStore: Send + Sync + fmt::Debug {
    /// Stores the content `source` yields and names it by its SHA-256. When a blob with
    /// the same content exists, it is kept (and counts as written now, so that the
    /// garbage collector leaves it to whoever is about to reference it) and the new copy
    /// is dropped. On failure nothing complete is stored.
    async fn put(&self, source: ByteStream) -> StorageResult<StoredBlob>;

    /// The bytes `range` (within the blob's size) of a blob, as a stream.
    async fn get(&self, sha256: &str, range: Range<u64>) -> StorageResult<ByteStream>;

    /// Removes a blob if it was last written before `written_before` (a blob written
    /// since, by an upload of the same content, is kept). Removing a missing blob is not
    /// an error.
    async fn delete(&self, sha256: &str, written_before: DateTime<Utc>) -> StorageResult<bool>;

    /// Removes the blobs written before `before` that `referenced` does not name, and
    /// incomplete ones; returns how many.
    async fn collect_garbage(&self, before: DateTime<Utc>, referenced: &dyn Referenced) -> StorageResult<u64>;
}

/// The hex SHA-256 of some bytes.
pub fn hex_sha256(digest: &[u8]) -> String {
    use std::fmt::Write as _;
    digest.iter().fold(String::with_capacity(64), |mut out, byte| {
        let _ = write!(out, "{byte:02x}");
        out
    })
}

/// Whether `text` is a lower-case hex SHA-256.
pub fn is_sha256(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

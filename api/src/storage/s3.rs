//! The S3-compatible back end (`storage_url = "s3://bucket/prefix"`), through the
//! `object_store` crate, so that every replica serves every file.
//!
//! A content is written to `{prefix}/incoming/{uuid}` as it arrives (multipart above
//! [`CHUNK_SIZE`], so that no upload is ever whole in memory) while its SHA-256 is
//! computed, then copied to `{prefix}/blobs/{sha256}` and the incoming object removed.
//! Copying again over an existing blob of the same content is harmless, and refreshes
//! its time: the garbage collector then leaves it to whoever is about to reference it.
//! An upload that fails half-way aborts its multipart upload; an incoming object left
//! behind by a crash is removed by [`BlobStore::collect_garbage`] once older than its
//! grace period, like an unreferenced blob.

use std::{ops::Range, sync::Arc};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures_util::{StreamExt, TryStreamExt};
use object_store::{
    GetOptions, GetRange, ObjectStore, aws::AmazonS3Builder, buffered::BufWriter, path::Path as ObjectPath,
};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use super::{BlobStore, ByteStream, CHUNK_SIZE, Referenced, StorageError, StorageResult, StoredBlob, hex_sha256};

/// How many blobs the garbage collector asks about at once.
const GC_BATCH: usize = 200;

/// Where and how to reach the bucket.
#[derive(Debug, Clone)]
pub struct S3Settings {
    /// `s3://bucket` or `s3://bucket/prefix`.
    pub url: String,
    /// The endpoint of an S3-compatible service (`https://s3.example.org`); AWS when absent.
    pub endpoint: Option<String>,
    /// The region (`us-east-1` by default).
    pub region: String,
    /// Credentials; taken from the environment's usual AWS variables when absent.
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
}

/// Blobs in an S3-compatible bucket.
#[derive(Debug, Clone)]
pub struct S3Store {
    store: Arc<dyn ObjectStore>,
    prefix: String,
}

fn backend(err: object_store::Error) -> StorageError {
    match err {
        object_store::Error::NotFound { .. } => StorageError::NotFound,
        other => StorageError::Backend(other.to_string()),
    }
}

impl S3Store {
    /// A store for `settings`; the URL and endpoint are checked, the bucket is not
    /// reached until it is used.
    pub fn new(settings: &S3Settings) -> Result<Self, String> {
        let rest = settings
            .url
            .strip_prefix("s3://")
            .ok_or_else(|| format!("{:?} is not an s3://bucket/prefix URL", settings.url))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(format!("{:?} names no bucket", settings.url));
        }
        let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket).with_region(&settings.region);
        if let Some(endpoint) = &settings.endpoint {
            let url = url::Url::parse(endpoint).map_err(|e| format!("endpoint {endpoint:?}: {e}"))?;
            builder = builder
                .with_endpoint(endpoint)
                .with_allow_http(url.scheme() == "http")
                // Compatible services are addressed by path (`endpoint/bucket/key`).
                .with_virtual_hosted_style_request(false);
        }
        if let Some(id) = &settings.access_key_id {
            builder = builder.with_access_key_id(id);
        }
        if let Some(secret) = &settings.secret_access_key {
            builder = builder.with_secret_access_key(secret);
        }
        let store = builder.build().map_err(|e| e.to_string())?;
        Ok(Self { store: Arc::new(store), prefix: prefix.trim_matches('/').to_owned() })
    }

    fn path(&self, rest: &str) -> ObjectPath {
        if self.prefix.is_empty() {
            ObjectPath::from(rest)
        } else {
            ObjectPath::from(format!("{}/{rest}", self.prefix))
        }
    }

    fn blob(&self, sha256: &str) -> ObjectPath {
        self.path(&format!("blobs/{sha256}"))
    }

    /// Writes `source` to `incoming`; returns its SHA-256 and size.
    async fn write(&self, incoming: &ObjectPath, mut source: ByteStream) -> StorageResult<(String, u64)> {
        let mut writer = BufWriter::with_capacity(self.store.clone(), incoming.clone(), CHUNK_SIZE);
        let mut hash = Sha256::new();
        let mut size = 0u64;
        let written: StorageResult<()> = async {
            while let Some(bytes) = source.next().await {
                let bytes = bytes?;
                hash.update(&bytes);
                size += bytes.len() as u64;
                writer.write_all(&bytes).await.map_err(|e| StorageError::Backend(e.to_string()))?;
            }
            writer.shutdown().await.map_err(|e| StorageError::Backend(e.to_string()))
        }
        .await;
        if let Err(err) = written {
            // Nothing complete was stored: the multipart upload (if any) is given up.
            let _ = writer.abort().await;
            let _ = self.store.delete(incoming).await;
            return Err(err);
        }
        Ok((hex_sha256(&hash.finalize()), size))
    }
}

#[async_trait]
impl BlobStore for S3Store {
    async fn put(&self, source: ByteStream) -> StorageResult<StoredBlob> {
        let incoming = self.path(&format!("incoming/{}", uuid::Uuid::new_v4()));
        let (sha256, size) = self.write(&incoming, source).await?;
        let copied = self.store.copy(&incoming, &self.blob(&sha256)).await.map_err(backend);
        let _ = self.store.delete(&incoming).await;
        copied?;
        Ok(StoredBlob { sha256, size })
    }

    async fn get(&self, sha256: &str, range: Range<u64>) -> StorageResult<ByteStream> {
        let path = self.blob(sha256);
        if range.is_empty() {
            self.store.head(&path).await.map_err(backend)?;
            return Ok(futures_util::stream::empty().boxed());
        }
        let options = GetOptions { range: Some(GetRange::Bounded(range)), ..Default::default() };
        let found = self.store.get_opts(&path, options).await.map_err(backend)?;
        Ok(found.into_stream().map_err(backend).boxed())
    }

    async fn delete(&self, sha256: &str, written_before: DateTime<Utc>) -> StorageResult<bool> {
        let path = self.blob(sha256);
        match self.store.head(&path).await {
            Ok(meta) if meta.last_modified < written_before => {
                self.store.delete(&path).await.map_err(backend)?;
                Ok(true)
            }
            Ok(_) | Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(err) => Err(backend(err)),
        }
    }

    async fn collect_garbage(&self, before: DateTime<Utc>, referenced: &dyn Referenced) -> StorageResult<u64> {
        let mut removed = 0;
        // Incoming objects a crash left behind.
        let mut incoming = self.store.list(Some(&self.path("incoming")));
        while let Some(meta) = incoming.next().await {
            let meta = meta.map_err(backend)?;
            if meta.last_modified < before {
                self.store.delete(&meta.location).await.map_err(backend)?;
                removed += 1;
            }
        }
        // Blobs no version references, asked about a batch at a time.
        let mut blobs = self.store.list(Some(&self.path("blobs")));
        let mut batch: Vec<String> = Vec::with_capacity(GC_BATCH);
        loop {
            let next = blobs.next().await;
            if let Some(meta) = next.as_ref() {
                let meta = meta.as_ref().map_err(|e| StorageError::Backend(e.to_string()))?;
                if let Some(name) = meta.location.filename().filter(|n| super::is_sha256(n))
                    && meta.last_modified < before
                {
                    batch.push(name.to_owned());
                }
            }
            if batch.len() >= GC_BATCH || (next.is_none() && !batch.is_empty()) {
                let kept = referenced.referenced(&batch).await?;
                for sha256 in batch.drain(..).filter(|s| !kept.contains(s)) {
                    if self.delete(&sha256, before).await? {
                        removed += 1;
                    }
                }
            }
            if next.is_none() {
                break;
            }
        }
        Ok(removed)
    }
}

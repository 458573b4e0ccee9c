//! The database back end (the default, on SQLite and PostgreSQL alike): a `blob` row per
//! content and its bytes in `blob_chunk` rows of [`CHUNK_SIZE`] bytes (the last one
//! shorter), written and read one chunk at a time, each in its own statement, so that a
//! long upload holds no transaction and no file is ever whole in memory.

use std::ops::Range;

use async_trait::async_trait;
use bytes::{Bytes, BytesMut};
use chrono::{DateTime, Utc};
use entity::{blob, blob_chunk};
use futures_util::{StreamExt, stream};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, sea_query::Expr,
};
use sha2::{Digest, Sha256};

use super::{BlobStore, ByteStream, CHUNK_SIZE, Referenced, StorageError, StorageResult, StoredBlob, hex_sha256};

/// How many blobs the garbage collector looks at a statement.
const GC_BATCH: u64 = 200;

/// Blobs in the application's database.
#[derive(Debug, Clone)]
pub struct DatabaseStore {
    db: DatabaseConnection,
}

impl DatabaseStore {
    /// A store over `db`.
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    async fn write_chunk(&self, blob_id: i32, seq: i32, data: &[u8]) -> StorageResult<()> {
        blob_chunk::ActiveModel {
            blob_id: Set(blob_id),
            seq: Set(seq),
            data: Set(data.to_vec()),
            ..Default::default()
        }
        .insert(&self.db)
        .await?;
        Ok(())
    }

    /// Writes the chunks of `source` under `blob_id`; returns their SHA-256 and size.
    async fn write_all(&self, blob_id: i32, mut source: ByteStream) -> StorageResult<(String, u64)> {
        let mut hash = Sha256::new();
        let mut size = 0u64;
        let mut seq = 0i32;
        let mut pending = BytesMut::with_capacity(CHUNK_SIZE);
        while let Some(bytes) = source.next().await {
            let mut bytes = bytes?;
            hash.update(&bytes);
            size += bytes.len() as u64;
            while !bytes.is_empty() {
                let take = (CHUNK_SIZE - pending.len()).min(bytes.len());
                pending.extend_from_slice(&bytes.split_to(take));
                if pending.len() == CHUNK_SIZE {
                    self.write_chunk(blob_id, seq, &pending).await?;
                    pending.clear();
                    seq += 1;
                }
            }
        }
        if !pending.is_empty() {
            self.write_chunk(blob_id, seq, &pending).await?;
        }
        Ok((hex_sha256(&hash.finalize()), size))
    }

    /// Removes blob row `id` and its chunks (the chunks first: a blob row without
    /// chunks would look complete and empty).
    async fn remove(&self, id: i32) -> StorageResult<()> {
        blob_chunk::Entity::delete_many().filter(blob_chunk::Column::BlobId.eq(id)).exec(&self.db).await?;
        blob::Entity::delete_by_id(id).exec(&self.db).await?;
        Ok(())
    }

    /// Marks the complete blob `sha256` as written now; whether there is one.
    async fn touch(&self, sha256: &str) -> StorageResult<bool> {
        let touched = blob::Entity::update_many()
            .col_expr(blob::Column::CreatedAt, Expr::value(Utc::now()))
            .filter(blob::Column::Sha256.eq(sha256))
            .exec(&self.db)
            .await?;
        Ok(touched.rows_affected > 0)
    }

    /// Names blob `id` by its content, or drops it for an existing blob of the same.
    async fn seal(&self, id: i32, sha256: String, size: u64) -> StorageResult<StoredBlob> {
        let stored = StoredBlob { sha256: sha256.clone(), size };
        if self.touch(&sha256).await? {
            self.remove(id).await?;
            return Ok(stored);
        }
        let size = i64::try_from(size).map_err(|_| StorageError::Backend("blob too large".into()))?;
        let sealed = blob::Entity::update_many()
            .col_expr(blob::Column::Sha256, Expr::value(sha256.clone()))
            .col_expr(blob::Column::Size, Expr::value(size))
            .col_expr(blob::Column::CreatedAt, Expr::value(Utc::now()))
            .filter(blob::Column::Id.eq(id))
            .exec(&self.db)
            .await;
        match sealed {
            Ok(done) if done.rows_affected == 1 => Ok(stored),
            // Collected as garbage while it was written (an upload longer than the grace).
            Ok(_) => Err(StorageError::Backend("the blob was removed while it was written".into())),
            // The same content was sealed meanwhile by another upload: keep theirs.
            Err(err) if matches!(err.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_))) => {
                self.remove(id).await?;
                self.touch(&sha256).await?;
                Ok(stored)
            }
            Err(err) => Err(err.into()),
        }
    }
}

#[async_trait]
impl BlobStore for DatabaseStore {
    async fn put(&self, source: ByteStream) -> StorageResult<StoredBlob> {
        let row =
            blob::ActiveModel { sha256: Set(None), size: Set(0), created_at: Set(Utc::now()), ..Default::default() }
                .insert(&self.db)
                .await?;
        let written = match self.write_all(row.id, source).await {
            Ok(written) => written,
            Err(err) => {
                // Best effort: what is left is incomplete, and the collector removes it.
                if let Err(cleanup) = self.remove(row.id).await {
                    tracing::warn!(error = %cleanup, blob = row.id, "could not remove an incomplete blob");
                }
                return Err(err);
            }
        };
        self.seal(row.id, written.0, written.1).await
    }

    async fn get(&self, sha256: &str, range: Range<u64>) -> StorageResult<ByteStream> {
        let found = blob::Entity::find().filter(blob::Column::Sha256.eq(sha256)).one(&self.db).await?;
        let blob = found.ok_or(StorageError::NotFound)?;
        let size = u64::try_from(blob.size).unwrap_or(0);
        if range.start > range.end || range.end > size {
            return Err(StorageError::Backend(format!("range {range:?} outside a blob of {size} bytes")));
        }
        if range.is_empty() {
            return Ok(stream::empty().boxed());
        }
        let chunk = CHUNK_SIZE as u64;
        let first = range.start / chunk;
        let last = (range.end - 1) / chunk;
        let db = self.db.clone();
        let blob_id = blob.id;
        let chunks = stream::iter(first..=last).then(move |seq| {
            let db = db.clone();
            async move {
                let row = blob_chunk::Entity::find()
                    .filter(blob_chunk::Column::BlobId.eq(blob_id))
                    .filter(blob_chunk::Column::Seq.eq(i32::try_from(seq).unwrap_or(i32::MAX)))
                    .one(&db)
                    .await?
                    .ok_or_else(|| StorageError::Backend(format!("blob {blob_id}: chunk {seq} missing")))?;
                let offset = seq * chunk;
                let from = usize::try_from(range.start.saturating_sub(offset)).unwrap_or(0);
                let to = usize::try_from((range.end - offset).min(chunk)).unwrap_or(CHUNK_SIZE).min(row.data.len());
                let mut data = Bytes::from(row.data);
                Ok(data.split_to(to).split_off(from.min(to)))
            }
        });
        Ok(chunks.boxed())
    }

    async fn delete(&self, sha256: &str, written_before: DateTime<Utc>) -> StorageResult<bool> {
        let Some(found) = blob::Entity::find()
            .filter(blob::Column::Sha256.eq(sha256))
            .filter(blob::Column::CreatedAt.lt(written_before))
            .one(&self.db)
            .await?
        else {
            return Ok(false);
        };
        // The row goes first, on the same condition: an upload of the same content that
        // touched it meanwhile keeps it.
        let deleted = blob::Entity::delete_many()
            .filter(blob::Column::Id.eq(found.id))
            .filter(blob::Column::CreatedAt.lt(written_before))
            .exec(&self.db)
            .await?;
        if deleted.rows_affected == 0 {
            return Ok(false);
        }
        blob_chunk::Entity::delete_many().filter(blob_chunk::Column::BlobId.eq(found.id)).exec(&self.db).await?;
        Ok(true)
    }

    async fn collect_garbage(&self, before: DateTime<Utc>, referenced: &dyn Referenced) -> StorageResult<u64> {
        let mut removed = 0;
        let mut after = 0;
        loop {
            let batch = blob::Entity::find()
                .filter(blob::Column::CreatedAt.lt(before))
                .filter(blob::Column::Id.gt(after))
                .order_by_asc(blob::Column::Id)
                .limit(GC_BATCH)
                .all(&self.db)
                .await?;
            let Some(last) = batch.last() else { break };
            after = last.id;
            let shas: Vec<String> = batch.iter().filter_map(|b| b.sha256.clone()).collect();
            let kept = referenced.referenced(&shas).await?;
            for candidate in batch {
                if candidate.sha256.as_ref().is_some_and(|sha| kept.contains(sha)) {
                    continue;
                }
                let deleted = blob::Entity::delete_many()
                    .filter(blob::Column::Id.eq(candidate.id))
                    .filter(blob::Column::CreatedAt.lt(before))
                    .exec(&self.db)
                    .await?;
                // Its chunks go with it (foreign key, `ON DELETE CASCADE`).
                removed += deleted.rows_affected;
            }
        }
        Ok(removed)
    }
}

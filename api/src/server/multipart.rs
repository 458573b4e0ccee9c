//! The GraphQL multipart request specification (file uploads), read with bounds of its
//! own: `operations` and `map` are a GraphQL request, held in memory, so each is at most
//! [`MAX_FIELD_BYTES`] (like a JSON request's body) whoever sends it; only file parts may
//! be as large as an upload, and they are spooled to temporary files, never held in
//! memory. The fields come in the specification's order (`operations`, `map`, then the
//! files `map` names); any other field is refused before it is read.
//!
//! Also here: how many uploads one person may send at once ([`UploadSlots`]).

use std::{
    collections::HashMap,
    io::{Seek as _, Write as _},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
};

use async_graphql::{BatchRequest, UploadValue};
use futures_core::Stream;
use multer::{Constraints, Multipart, SizeLimit};

/// The largest `operations` or `map` field, in bytes: that of a whole JSON request.
pub const MAX_FIELD_BYTES: u64 = super::MAX_BODY_BYTES as u64;

/// The longest file name, and the longest content type, of an uploaded file, in bytes.
pub const MAX_NAME_BYTES: usize = 255;

/// Room for the parts' headers and boundaries, in bytes.
const FRAMING_BYTES: u64 = 64 << 10;

/// The most bytes a part's headers (with the boundary and preamble before them) may take.
pub const MAX_PART_HEADER_BYTES: u64 = 16 << 10;

/// How much of the body the parser may be handed: raised part by part, to
/// [`MAX_PART_HEADER_BYTES`] for headers, [`MAX_FIELD_BYTES`] for `operations` and `map`,
/// and the largest file only once a file named by `map` is being read, so that the
/// parser never buffers more than a part's bound (and one chunk) of anything else.
#[derive(Debug, Default)]
struct Allowance {
    /// The bytes handed to the parser so far.
    passed: AtomicU64,
    /// The bytes it may be handed before the current part's bound is passed.
    limit: AtomicU64,
    /// Whether the current bound is that of a part's headers.
    headers: AtomicBool,
    /// Whether the body went over a bound (and was cut).
    exceeded: AtomicBool,
}

impl Allowance {
    /// Allows `more` bytes from now on, for a part's headers or its content.
    fn allow(&self, more: u64, headers: bool) {
        self.headers.store(headers, Ordering::Relaxed);
        self.limit.store(self.passed.load(Ordering::Relaxed).saturating_add(more), Ordering::Relaxed);
    }

    /// Hands `item` to the parser, unless the bound is already reached.
    fn pass(&self, item: std::io::Result<bytes::Bytes>) -> std::io::Result<bytes::Bytes> {
        let chunk = item?;
        let len = u64::try_from(chunk.len()).unwrap_or(u64::MAX);
        if self.passed.fetch_add(len, Ordering::Relaxed) >= self.limit.load(Ordering::Relaxed) {
            self.exceeded.store(true, Ordering::Relaxed);
            return Err(std::io::Error::other("a part of the upload is over its bound"));
        }
        Ok(chunk)
    }

    /// The refusal for a request that went over a bound, if it did.
    fn refusal(&self) -> Option<Refused> {
        if !self.exceeded.load(Ordering::Relaxed) {
            return None;
        }
        Some(Refused::TooLarge(if self.headers.load(Ordering::Relaxed) {
            format!("a part's headers exceed {} KiB", MAX_PART_HEADER_BYTES >> 10)
        } else {
            String::new()
        }))
    }
}

/// The most uploads (multipart requests) one person may send at once, on one server
/// process: each holds a connection, a temporary file and an execution for as long as
/// its body takes to arrive. One more is `429 RATE_LIMITED` with `Retry-After`.
pub const MAX_CONCURRENT_UPLOADS: usize = 4;

/// Why a multipart request was refused.
#[derive(Debug)]
pub enum Refused {
    /// A field, or the whole request, is over its bound (`413`).
    TooLarge(String),
    /// It is not a GraphQL multipart request (`400`).
    Invalid(String),
    /// The server could not keep the file (a temporary file, a full disk): `503`, the
    /// detail for the log only.
    Unavailable(std::io::Error),
}

impl From<multer::Error> for Refused {
    fn from(err: multer::Error) -> Self {
        match err {
            multer::Error::FieldSizeExceeded { field_name: Some(name), .. }
                if name == "operations" || name == "map" =>
            {
                Self::TooLarge(format!("the `{name}` field exceeds {} KiB", MAX_FIELD_BYTES >> 10))
            }
            multer::Error::FieldSizeExceeded { .. } | multer::Error::StreamSizeExceeded { .. } => {
                Self::TooLarge(String::new())
            }
            err => Self::Invalid(err.to_string()),
        }
    }
}

impl From<std::io::Error> for Refused {
    fn from(err: std::io::Error) -> Self {
        Self::Unavailable(err)
    }
}

/// The longest field name echoed in an error, in characters.
const ECHOED_NAME_CHARS: usize = 64;

/// A field name as echoed in an error: at most [`ECHOED_NAME_CHARS`] characters.
fn echoed(name: &str) -> String {
    match name.char_indices().nth(ECHOED_NAME_CHARS) {
        Some((end, _)) => format!("{}…", &name[..end]),
        None => name.to_owned(),
    }
}

/// Reads a GraphQL multipart request from `body`: its operations, with the files (each
/// at most `max_file` bytes, at most `max_files` of them) set where `map` says.
pub async fn receive<S>(
    body: S,
    content_type: Option<&str>,
    max_file: u64,
    max_files: usize,
) -> Result<BatchRequest, Refused>
where
    S: Stream<Item = std::io::Result<bytes::Bytes>> + Send + 'static,
{
    use futures_util::StreamExt as _;
    let allowance = Arc::new(Allowance::default());
    allowance.allow(MAX_PART_HEADER_BYTES, true);
    let guard = allowance.clone();
    let body = body.map(move |item| guard.pass(item));
    let received = read(body, content_type, max_file, max_files, &allowance).await;
    received.map_err(|err| allowance.refusal().unwrap_or(err))
}

/// [`receive`], the body handed through `allowance`.
async fn read<S>(
    body: S,
    content_type: Option<&str>,
    max_file: u64,
    max_files: usize,
    allowance: &Allowance,
) -> Result<BatchRequest, Refused>
where
    S: Stream<Item = std::io::Result<bytes::Bytes>> + Send + 'static,
{
    let boundary = content_type
        .and_then(|ct| multer::parse_boundary(ct).ok())
        .ok_or_else(|| Refused::Invalid("the multipart boundary is missing".into()))?;
    let files = u64::try_from(max_files).unwrap_or(u64::MAX);
    let limits = SizeLimit::new()
        .whole_stream(max_file.saturating_mul(files).saturating_add(2 * MAX_FIELD_BYTES).saturating_add(FRAMING_BYTES))
        .per_field(max_file)
        .for_field("operations", MAX_FIELD_BYTES)
        .for_field("map", MAX_FIELD_BYTES);
    let mut multipart = Multipart::with_constraints(body, boundary, Constraints::new().size_limit(limits));
    let mut operations = match multipart.next_field().await? {
        Some(field) if field.name() == Some("operations") => {
            allowance.allow(MAX_FIELD_BYTES, false);
            let bytes = field.bytes().await?;
            allowance.allow(MAX_PART_HEADER_BYTES, true);
            serde_json::from_slice::<BatchRequest>(&bytes)
                .map_err(|err| Refused::Invalid(format!("`operations` is not a GraphQL request: {err}")))?
        }
        _ => return Err(Refused::Invalid("the first field must be `operations`".into())),
    };
    let mut map = match multipart.next_field().await? {
        Some(field) if field.name() == Some("map") => {
            allowance.allow(MAX_FIELD_BYTES, false);
            let bytes = field.bytes().await?;
            allowance.allow(MAX_PART_HEADER_BYTES, true);
            serde_json::from_slice::<HashMap<String, Vec<String>>>(&bytes)
                .map_err(|err| Refused::Invalid(format!("`map` is not a map of files: {err}")))?
        }
        _ => return Err(Refused::Invalid("the second field must be `map`".into())),
    };
    // Before any file is read: each path a key lists is one upload set in the request, so
    // the paths over all keys are bounded like the files, and none is named twice.
    let paths = map.values().map(Vec::len).fold(0usize, usize::saturating_add);
    if map.len() > max_files || paths > max_files {
        return Err(Refused::Invalid(format!("`map` names at most {max_files} file(s)")));
    }
    let mut seen = std::collections::HashSet::with_capacity(paths);
    if !map.values().flatten().all(|path| seen.insert(path.as_str())) {
        return Err(Refused::Invalid("`map` names a path twice".into()));
    }
    while let Some(mut field) = multipart.next_field().await? {
        let name = field.name().unwrap_or_default().to_owned();
        // Only the files `map` names are read, each once.
        let Some(paths) = map.remove(&name) else {
            return Err(Refused::Invalid(format!("the field `{}` is not a file named by `map`", echoed(&name))));
        };
        let filename = field.file_name().unwrap_or_default().to_owned();
        let content_type = field.content_type().map(ToString::to_string);
        if filename.len() > MAX_NAME_BYTES || content_type.as_ref().is_some_and(|ct| ct.len() > MAX_NAME_BYTES) {
            return Err(Refused::Invalid(format!(
                "a file's name and content type are at most {MAX_NAME_BYTES} bytes each"
            )));
        }
        let mut content = tempfile::tempfile()?;
        allowance.allow(max_file, false);
        while let Some(chunk) = field.chunk().await? {
            content.write_all(&chunk)?;
        }
        allowance.allow(MAX_PART_HEADER_BYTES, true);
        content.rewind()?;
        // The last path takes the upload itself; a copy (a file descriptor) only for the
        // others, and only where it is kept.
        let mut upload = Some(UploadValue { filename, content_type, content });
        let last = paths.len().saturating_sub(1);
        for (i, path) in paths.into_iter().enumerate() {
            let mut value = || -> Result<Option<UploadValue>, Refused> {
                if i == last {
                    Ok(upload.take())
                } else {
                    upload.as_ref().map(UploadValue::try_clone).transpose().map_err(Into::into)
                }
            };
            match &mut operations {
                BatchRequest::Single(request) => {
                    if let Some(value) = value()? {
                        request.set_upload(&path, value);
                    }
                }
                BatchRequest::Batch(requests) => {
                    let (index, path) = path.split_once('.').unwrap_or((path.as_str(), ""));
                    if let Some(request) = index.parse::<usize>().ok().and_then(|i| requests.get_mut(i))
                        && let Some(value) = value()?
                    {
                        request.set_upload(path, value);
                    }
                }
            }
        }
    }
    if let Some(name) = map.keys().next() {
        return Err(Refused::Invalid(format!("the file `{}` named by `map` is missing", echoed(name))));
    }
    Ok(operations)
}

/// The uploads running now, by person.
#[derive(Debug, Default)]
pub struct UploadSlots(Mutex<HashMap<i32, usize>>);

/// One upload running; its slot is freed when it is dropped.
#[derive(Debug)]
pub struct UploadSlot<'a> {
    slots: &'a UploadSlots,
    person_id: i32,
}

impl UploadSlots {
    /// A slot for one more upload of `person_id`, unless they already run
    /// [`MAX_CONCURRENT_UPLOADS`].
    pub fn take(&self, person_id: i32) -> Option<UploadSlot<'_>> {
        let mut running = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let count = running.entry(person_id).or_default();
        if *count >= MAX_CONCURRENT_UPLOADS {
            return None;
        }
        *count += 1;
        Some(UploadSlot { slots: self, person_id })
    }
}

impl Drop for UploadSlot<'_> {
    fn drop(&mut self) {
        let mut running = self.slots.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(count) = running.get_mut(&self.person_id) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                running.remove(&self.person_id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_person_holds_at_most_four_upload_slots_and_gets_them_back() {
        let slots = UploadSlots::default();
        let held: Vec<_> = (0..MAX_CONCURRENT_UPLOADS).map(|_| slots.take(1).unwrap()).collect();
        assert!(slots.take(1).is_none());
        assert!(slots.take(2).is_some(), "another person is not limited by the first");
        drop(held);
        assert!(slots.take(1).is_some());
        assert!(slots.0.lock().unwrap().is_empty(), "nobody running leaves nothing behind");
    }
}

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
    sync::Mutex,
};

use async_graphql::{BatchRequest, UploadValue};
use futures_core::Stream;
use multer::{Constraints, Multipart, SizeLimit};

/// The largest `operations` or `map` field, in bytes: that of a whole JSON request.
pub const MAX_FIELD_BYTES: u64 = super::MAX_BODY_BYTES as u64;

/// Room for the parts' headers and boundaries, in bytes.
const FRAMING_BYTES: u64 = 64 << 10;

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
        Self::Invalid(err.to_string())
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
            serde_json::from_slice::<BatchRequest>(&field.bytes().await?)
                .map_err(|err| Refused::Invalid(format!("`operations` is not a GraphQL request: {err}")))?
        }
        _ => return Err(Refused::Invalid("the first field must be `operations`".into())),
    };
    let mut map = match multipart.next_field().await? {
        Some(field) if field.name() == Some("map") => {
            serde_json::from_slice::<HashMap<String, Vec<String>>>(&field.bytes().await?)
                .map_err(|err| Refused::Invalid(format!("`map` is not a map of files: {err}")))?
        }
        _ => return Err(Refused::Invalid("the second field must be `map`".into())),
    };
    if map.len() > max_files {
        return Err(Refused::Invalid(format!("a request carries at most {max_files} file(s)")));
    }
    while let Some(mut field) = multipart.next_field().await? {
        let name = field.name().unwrap_or_default().to_owned();
        // Only the files `map` names are read, each once.
        let Some(paths) = map.remove(&name) else {
            return Err(Refused::Invalid(format!("the field `{name}` is not a file named by `map`")));
        };
        let filename = field.file_name().unwrap_or_default().to_owned();
        let content_type = field.content_type().map(ToString::to_string);
        let mut content = tempfile::tempfile()?;
        while let Some(chunk) = field.chunk().await? {
            content.write_all(&chunk)?;
        }
        content.rewind()?;
        let upload = UploadValue { filename, content_type, content };
        for path in paths {
            match &mut operations {
                BatchRequest::Single(request) => request.set_upload(&path, upload.try_clone()?),
                BatchRequest::Batch(requests) => {
                    let (index, path) = path.split_once('.').unwrap_or((path.as_str(), ""));
                    if let Some(request) = index.parse::<usize>().ok().and_then(|i| requests.get_mut(i)) {
                        request.set_upload(path, upload.try_clone()?);
                    }
                }
            }
        }
    }
    if let Some(name) = map.keys().next() {
        return Err(Refused::Invalid(format!("the file `{name}` named by `map` is missing")));
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

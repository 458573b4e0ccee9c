//! The bound on the size of a `/graphql` answer (`max_response_bytes`): answers are
//! written into a buffer that refuses to grow past it, so an answer too large is found
//! out while it is written, never held whole, and replaced by a request error coded
//! [`RESPONSE_TOO_LARGE`] with no `data`.

use std::io;

use serde::Serialize;

/// `extensions.code` of an answer replaced because it was larger than
/// `max_response_bytes`.
pub const RESPONSE_TOO_LARGE: &str = "RESPONSE_TOO_LARGE";

/// A buffer that holds at most `max` bytes.
pub struct Bounded {
    buf: Vec<u8>,
    max: usize,
}

/// The write that would have gone past the bound.
#[derive(Debug)]
pub struct TooLarge;

impl Bounded {
    /// An empty buffer of at most `max` bytes.
    pub fn new(max: usize) -> Self {
        Self { buf: Vec::with_capacity(max.min(4096)), max }
    }

    /// Bytes written so far.
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// Whether nothing was written.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Appends `value` in JSON, whole or not at all.
    pub fn append_json<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), TooLarge> {
        let start = self.buf.len();
        serde_json::to_writer(&mut *self, value).map_err(|_| {
            self.buf.truncate(start);
            TooLarge
        })
    }

    /// Appends raw bytes, whole or not at all.
    pub fn append(&mut self, bytes: &[u8]) -> Result<(), TooLarge> {
        io::Write::write_all(self, bytes).map_err(|_| TooLarge)
    }

    /// What was written.
    pub fn into_inner(self) -> Vec<u8> {
        self.buf
    }
}

impl io::Write for Bounded {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        if self.buf.len().saturating_add(bytes.len()) > self.max {
            return Err(io::Error::other("the answer is too large"));
        }
        self.buf.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_buffer_refuses_to_grow_past_its_bound_and_keeps_what_fit() {
        let mut out = Bounded::new(20);
        assert!(out.append_json(&serde_json::json!({ "a": 1 })).is_ok());
        assert_eq!(out.len(), 7);
        assert!(out.append_json(&serde_json::json!({ "long": "x".repeat(20) })).is_err());
        assert_eq!(out.len(), 7, "a refused value leaves nothing behind");
        assert!(out.append(b",").is_ok());
        assert!(out.append(&[b' '; 13]).is_err());
        assert_eq!(out.into_inner(), b"{\"a\":1},");
    }
}

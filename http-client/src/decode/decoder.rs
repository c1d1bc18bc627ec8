//! [`ContentDecoder`]: one response body's decoder — the coding's own
//! (`gzip.rs`, `deflate.rs`) writing into one output buffer, with the body
//! limit counted on what it produces.

use std::ops::Range;

use super::deflate::Deflate;
use super::gzip::Gzip;
use super::{Accept, DecodeError, OUTPUT_BUFFER};
use crate::Headers;

/// A content coding this crate decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Coding {
    Gzip,
    Deflate,
}

/// The coding of a response with `headers` that a client accepting
/// `accept` decodes: exactly one coding, accepted; `None` for anything else
/// (no coding, `identity`, a coding not asked for, several stacked), which
/// is then handed out as it came.
fn coding_of(accept: Accept, headers: &Headers) -> Option<Coding> {
    let mut values = headers.get_all("content-encoding");
    let value = values.next()?;
    if values.next().is_some() {
        return None;
    }
    let value = std::str::from_utf8(value).ok()?.trim();
    let gzip = value.eq_ignore_ascii_case("gzip") || value.eq_ignore_ascii_case("x-gzip");
    if gzip && accept.gzip {
        Some(Coding::Gzip)
    } else if value.eq_ignore_ascii_case("deflate") && accept.deflate {
        Some(Coding::Deflate)
    } else {
        None
    }
}

/// The coding's decoder.
enum Inner {
    Gzip(Box<Gzip>),
    Deflate(Box<Deflate>),
}

/// Decodes one body: raw bytes in, decoded bytes out, one buffer at a time.
pub(crate) struct ContentDecoder {
    inner: Inner,
    /// `gzip` or `deflate`, for messages.
    name: &'static str,
    /// [`OUTPUT_BUFFER`] bytes; `out[ready]` is decoded and not handed out.
    out: Box<[u8]>,
    ready: Range<usize>,
    /// Decoded bytes so far.
    produced: u64,
    /// [`Limits::max_body_bytes`](crate::Limits::max_body_bytes); 0 = none.
    max_body: u64,
}

impl ContentDecoder {
    /// The decoder for a response with `headers`, if `accept` covers its
    /// coding; its `Content-Encoding` and `Content-Length` are then removed
    /// (they describe the bytes on the wire).
    pub(crate) fn for_response(
        accept: Accept,
        headers: &mut Headers,
        max_body: u64,
    ) -> Option<ContentDecoder> {
        let (inner, name) = match coding_of(accept, headers)? {
            Coding::Gzip => (Inner::Gzip(Box::new(Gzip::new())), "gzip"),
            Coding::Deflate => (Inner::Deflate(Box::new(Deflate::new())), "deflate"),
        };
        headers.remove_all("content-encoding");
        headers.remove_all("content-length");
        Some(ContentDecoder {
            inner,
            name,
            out: vec![0; OUTPUT_BUFFER].into_boxed_slice(),
            ready: 0..0,
            produced: 0,
            max_body,
        })
    }

    /// Decoded bytes not yet handed out.
    pub(crate) fn ready(&self) -> &[u8] {
        &self.out[self.ready.clone()]
    }

    /// Hands out all the [`ready`](Self::ready) bytes: they stay valid
    /// until the next [`feed`](Self::feed).
    pub(crate) fn take(&mut self) -> &[u8] {
        let end = self.ready.end;
        let taken = std::mem::replace(&mut self.ready, end..end);
        &self.out[taken]
    }

    /// Hands out the first `n` of the [`ready`](Self::ready) bytes (for
    /// `AsyncRead`, which may take fewer than there are).
    #[cfg(feature = "futures-io")]
    pub(crate) fn consume(&mut self, n: usize) {
        self.ready.start = (self.ready.start + n).min(self.ready.end);
    }

    /// Decodes from `input` (raw body bytes; empty at the end of the body,
    /// to take what the decoder still holds) once the ready bytes are all
    /// handed out; returns how much of `input` was used.
    ///
    /// # Errors
    ///
    /// A corrupt stream, bytes after its end, or more decoded bytes than
    /// the body limit.
    pub(crate) fn feed(&mut self, input: &[u8]) -> Result<usize, DecodeError> {
        debug_assert!(self.ready.is_empty(), "decoding over bytes not handed out");
        let (consumed, produced) = match &mut self.inner {
            Inner::Gzip(gzip) => gzip.decode(input, &mut self.out)?,
            Inner::Deflate(deflate) => deflate.decode(input, &mut self.out)?,
        };
        if !input.is_empty() && consumed == 0 && produced == 0 {
            // Not reached with a working decoder; never a busy loop.
            return Err(DecodeError::Corrupt {
                coding: self.name,
                reason: "the decoder makes no progress".to_owned(),
            });
        }
        self.produced += produced as u64;
        if self.max_body != 0 && self.produced > self.max_body {
            return Err(DecodeError::TooLarge {
                coding: self.name,
                limit: self.max_body,
            });
        }
        self.ready = 0..produced;
        Ok(consumed)
    }

    /// The body ended and [`feed`](Self::feed) with no input produces no
    /// more: whether the compressed stream ended too.
    ///
    /// # Errors
    ///
    /// [`DecodeError::Truncated`] if it did not.
    pub(crate) fn finish(&self) -> Result<(), DecodeError> {
        match &self.inner {
            Inner::Gzip(gzip) => gzip.finish(),
            Inner::Deflate(deflate) => deflate.finish(),
        }
    }

    /// Decoded bytes so far.
    pub(crate) fn produced(&self) -> u64 {
        self.produced
    }
}

impl std::fmt::Debug for ContentDecoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ContentDecoder")
            .field("coding", &self.name)
            .field("produced", &self.produced)
            .finish_non_exhaustive()
    }
}

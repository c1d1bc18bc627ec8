//! Reading the body as `framing.rs` delimited it. [`BodyReader`] owns the
//! response body `Vec` and appends to it directly from each read — the only
//! copy a body byte ever makes — while enforcing
//! [`Limits::max_body_bytes`](crate::Limits::max_body_bytes). Chunked bodies
//! are decoded by `chunked.rs`.

use super::ParseError;
use super::chunked::ChunkedDecoder;
use super::framing::Framing;
use crate::Limits;

/// How the reader knows the body has ended.
#[derive(Debug)]
enum Kind {
    /// After exactly `expected` bytes.
    Length { expected: u64 },
    /// After the last chunk and the trailer section.
    Chunked(ChunkedDecoder),
    /// When the connection closes.
    Close,
}

/// Collects one response body.
#[derive(Debug)]
pub(super) struct BodyReader {
    kind: Kind,
    /// The body so far; never longer than `max_body`.
    body: Vec<u8>,
    max_body: u64,
}

impl BodyReader {
    /// A reader for a body framed by `framing`, which `framing.rs` has already
    /// checked against the body limit when it is a length.
    pub(super) fn new(framing: Framing, limits: &Limits) -> BodyReader {
        let mut body = Vec::new();
        let kind = match framing {
            Framing::Length(expected) => {
                // Reserve once so a large body never reallocates. If the
                // allocator refuses, growing as bytes arrive still works.
                let reserve =
                    usize::try_from(expected.min(limits.max_body_bytes)).unwrap_or(usize::MAX);
                let _ = body.try_reserve_exact(reserve);
                Kind::Length { expected }
            }
            Framing::Chunked => Kind::Chunked(ChunkedDecoder::new(
                limits.max_header_bytes,
                limits.max_body_bytes,
            )),
            Framing::Close => Kind::Close,
        };
        BodyReader {
            kind,
            body,
            max_body: limits.max_body_bytes,
        }
    }

    /// Takes body bytes from `bytes`. Returns whether the body is complete;
    /// bytes after its end are ignored.
    pub(super) fn push(&mut self, bytes: &[u8]) -> Result<bool, ParseError> {
        match &mut self.kind {
            Kind::Length { expected } => {
                let remaining = *expected - self.body.len() as u64;
                let take = usize::try_from(remaining).map_or(bytes.len(), |r| r.min(bytes.len()));
                self.body.extend_from_slice(&bytes[..take]);
                Ok(self.body.len() as u64 == *expected)
            }
            Kind::Chunked(decoder) => decoder.push(bytes, &mut self.body),
            Kind::Close => {
                // Checked before copying, so the body never exceeds the limit.
                if self.body.len() as u64 + bytes.len() as u64 > self.max_body {
                    return Err(ParseError::BodyTooLarge {
                        limit: self.max_body,
                    });
                }
                self.body.extend_from_slice(bytes);
                Ok(false)
            }
        }
    }

    /// The connection closed: complete for a close-delimited body, an error
    /// for a length or chunked body that has not ended.
    pub(super) fn finish(&self) -> Result<(), ParseError> {
        let received = self.body.len() as u64;
        match &self.kind {
            Kind::Length { expected } if received < *expected => Err(ParseError::Truncated {
                expected: *expected,
                received,
            }),
            Kind::Length { .. } | Kind::Close => Ok(()),
            Kind::Chunked(decoder) => decoder.finish(received),
        }
    }

    /// The body collected so far.
    pub(super) fn into_body(self) -> Vec<u8> {
        self.body
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `pieces`, then finishes if `eof`; returns the body or the error.
    fn read(
        framing: Framing,
        max_body: u64,
        pieces: &[&[u8]],
        eof: bool,
    ) -> Result<Option<Vec<u8>>, ParseError> {
        let mut reader = BodyReader::new(framing, &Limits::default().with_max_body_bytes(max_body));
        for piece in pieces {
            if reader.push(piece)? {
                return Ok(Some(reader.into_body()));
            }
        }
        if eof {
            reader.finish()?;
            return Ok(Some(reader.into_body()));
        }
        Ok(None)
    }

    #[test]
    fn reads_each_framing() {
        use Framing::*;
        let some = |body: &[u8]| Ok(Some(body.to_vec()));
        // (framing, body limit, reads, eof, expected)
        type Case<'a> = (
            Framing,
            u64,
            &'a [&'a [u8]],
            bool,
            Result<Option<Vec<u8>>, ParseError>,
        );
        #[rustfmt::skip]
        let cases: &[Case<'_>] = &[
            (Length(0), 10, &[], false, Ok(None)),
            (Length(0), 10, &[b""], false, some(b"")),
            (Length(5), 10, &[b"hel", b"lo"], false, some(b"hello")),
            (Length(5), 10, &[b"hello, extra"], false, some(b"hello")),
            (Length(5), 10, &[b"hel"], false, Ok(None)),
            (Length(5), 10, &[b"hel"], true, Err(ParseError::Truncated { expected: 5, received: 3 })),
            (Length(5), 10, &[], true, Err(ParseError::Truncated { expected: 5, received: 0 })),
            (Close, 10, &[b"ab", b"", b"cd"], true, some(b"abcd")),
            (Close, 10, &[], true, some(b"")),
            (Close, 4, &[b"ab", b"cd"], true, some(b"abcd")),
            (Close, 4, &[b"ab", b"cde"], true, Err(ParseError::BodyTooLarge { limit: 4 })),
            (Chunked, 10, &[b"2\r\nab\r\n", b"0\r\n\r\n"], false, some(b"ab")),
            (Chunked, 10, &[b"2\r\nab\r\n"], true, Err(ParseError::ChunkedTruncated { received: 2 })),
            (Chunked, 1, &[b"2\r\nab\r\n"], false, Err(ParseError::BodyTooLarge { limit: 1 })),
        ];
        for (framing, max, pieces, eof, want) in cases {
            assert_eq!(
                &read(*framing, *max, pieces, *eof),
                want,
                "{framing:?} {pieces:?} eof={eof}"
            );
        }
    }

    #[test]
    fn reserves_a_known_length() {
        let reader = BodyReader::new(Framing::Length(1 << 20), &Limits::default());
        assert!(reader.body.capacity() >= 1 << 20);
    }
}

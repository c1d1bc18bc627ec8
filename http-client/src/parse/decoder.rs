//! [`BodyDecoder`]: the body as `framing.rs` delimited it, decoded
//! incrementally and without copying. Each call to [`BodyDecoder::decode`]
//! says how much of the input it consumed and where in the input the next
//! run of body bytes lies; the caller takes the bytes from its own buffer.
//!
//! This is the one body decoder of the crate: the streaming
//! [`BodyStream`](crate::BodyStream) hands the runs out as slices of its read
//! buffer, and the pure [`ResponseParser`](crate::ResponseParser) appends
//! them to a `Vec` (`body.rs`). The rules live here once:
//! `Content-Length` bodies end at exactly that many bytes (later bytes are
//! not body), chunked bodies are decoded by `chunked.rs`, close-delimited
//! bodies end at a clean close, and
//! [`Limits::max_body_bytes`](crate::Limits::max_body_bytes) is enforced
//! before a byte over it is handed out (0 means no limit).

use std::ops::Range;

use super::ParseError;
use super::chunked::ChunkedDecoder;
use super::framing::Framing;
use crate::Limits;

/// Whether `bytes` of body exceed the body limit `max` (0 = no limit).
pub(super) fn over_limit(max: u64, bytes: u64) -> bool {
    max != 0 && bytes > max
}

/// How the decoder knows the body has ended.
#[derive(Debug)]
enum Kind {
    /// After exactly `expected` bytes.
    Length { expected: u64 },
    /// After the last chunk and the trailer section.
    Chunked(ChunkedDecoder),
    /// When the connection closes.
    Close,
}

/// What one [`BodyDecoder::decode`] call did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Decoded {
    /// Input bytes used up (framing and data); the caller skips them.
    pub(crate) consumed: usize,
    /// Where the body bytes lie in the input; empty when the consumed bytes
    /// were all framing.
    pub(crate) data: Range<usize>,
}

/// Decodes one response body, incrementally.
#[derive(Debug)]
pub(crate) struct BodyDecoder {
    kind: Kind,
    /// Body bytes handed out so far.
    decoded: u64,
    /// [`Limits::max_body_bytes`]; 0 means no limit.
    max_body: u64,
    /// The body is complete by its framing (a close-delimited body is
    /// complete only once `finish` has accepted the close).
    done: bool,
}

impl BodyDecoder {
    /// A decoder for a body framed by `framing`, which `framing.rs` has
    /// already checked against the body limit when it is a length.
    pub(super) fn new(framing: Framing, limits: &Limits) -> BodyDecoder {
        let kind = match framing {
            Framing::Length(expected) => Kind::Length { expected },
            Framing::Chunked => Kind::Chunked(ChunkedDecoder::new(
                limits.max_header_bytes,
                limits.max_body_bytes,
            )),
            Framing::Close => Kind::Close,
        };
        BodyDecoder {
            done: matches!(kind, Kind::Length { expected: 0 }),
            kind,
            decoded: 0,
            max_body: limits.max_body_bytes,
        }
    }

    /// Decodes from the start of `input` up to the end of the first run of
    /// body bytes. Once the body is complete ([`is_done`](Self::is_done)),
    /// nothing more is consumed: later bytes are not part of it.
    ///
    /// Fails on broken chunked framing, or when the body would exceed the
    /// limit (before any byte over it is handed out).
    pub(crate) fn decode(&mut self, input: &[u8]) -> Result<Decoded, ParseError> {
        if self.done {
            return Ok(Decoded {
                consumed: 0,
                data: 0..0,
            });
        }
        let (consumed, data) = match &mut self.kind {
            Kind::Length { expected } => {
                let remaining = *expected - self.decoded;
                let take = usize::try_from(remaining).map_or(input.len(), |r| r.min(input.len()));
                self.done = take as u64 == remaining;
                (take, 0..take)
            }
            Kind::Chunked(chunked) => {
                let step = chunked.decode(input, self.decoded)?;
                self.done = chunked.is_done();
                step
            }
            Kind::Close => {
                let after = self.decoded.saturating_add(input.len() as u64);
                if over_limit(self.max_body, after) {
                    return Err(ParseError::BodyTooLarge {
                        limit: self.max_body,
                    });
                }
                (input.len(), 0..input.len())
            }
        };
        self.decoded += data.len() as u64;
        Ok(Decoded { consumed, data })
    }

    /// The connection closed: completes a close-delimited body; an error for
    /// a length or chunked body that has not ended.
    pub(crate) fn finish(&mut self) -> Result<(), ParseError> {
        let received = self.decoded;
        let result = match &self.kind {
            _ if self.done => Ok(()),
            Kind::Length { expected } => Err(ParseError::Truncated {
                expected: *expected,
                received,
            }),
            Kind::Close => Ok(()),
            Kind::Chunked(chunked) => chunked.finish(received),
        };
        if result.is_ok() {
            self.done = true;
        }
        result
    }

    /// Whether the body is complete.
    pub(crate) fn is_done(&self) -> bool {
        self.done
    }

    /// Body bytes decoded so far.
    pub(crate) fn decoded(&self) -> u64 {
        self.decoded
    }

    /// The body limit (0 = none).
    pub(crate) fn max_body(&self) -> u64 {
        self.max_body
    }

    /// Whether the body ends by its framing (a length or chunks), not at
    /// the close: only then can the connection carry another response.
    pub(crate) fn is_framed(&self) -> bool {
        !matches!(self.kind, Kind::Close)
    }

    /// The body's length when the framing fixes it in advance.
    pub(crate) fn length(&self) -> Option<u64> {
        match self.kind {
            Kind::Length { expected } => Some(expected),
            Kind::Chunked(_) | Kind::Close => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes each piece whole, collecting the data; then finishes if `eof`.
    fn read(
        framing: Framing,
        max_body: u64,
        pieces: &[&[u8]],
        eof: bool,
    ) -> Result<Option<Vec<u8>>, ParseError> {
        let limits = Limits::default().with_max_body_bytes(max_body);
        let mut decoder = BodyDecoder::new(framing, &limits);
        let mut body = Vec::new();
        for piece in pieces {
            if decoder.is_done() {
                break;
            }
            let mut rest = *piece;
            while !rest.is_empty() && !decoder.is_done() {
                let Decoded { consumed, data } = decoder.decode(rest)?;
                body.extend_from_slice(&rest[data]);
                rest = &rest[consumed..];
            }
        }
        if decoder.is_done() {
            return Ok(Some(body));
        }
        if eof {
            decoder.finish()?;
            return Ok(Some(body));
        }
        Ok(None)
    }

    #[test]
    fn decodes_each_framing() {
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
            (Length(0), 10, &[], false, some(b"")),
            (Length(5), 10, &[b"hel", b"lo"], false, some(b"hello")),
            (Length(5), 10, &[b"hello, extra"], false, some(b"hello")),
            (Length(5), 10, &[b"hel"], false, Ok(None)),
            (Length(5), 10, &[b"hel"], true, Err(ParseError::Truncated { expected: 5, received: 3 })),
            (Length(5), 10, &[], true, Err(ParseError::Truncated { expected: 5, received: 0 })),
            (Close, 10, &[b"ab", b"", b"cd"], true, some(b"abcd")),
            (Close, 10, &[], true, some(b"")),
            (Close, 4, &[b"ab", b"cd"], true, some(b"abcd")),
            (Close, 4, &[b"ab", b"cde"], true, Err(ParseError::BodyTooLarge { limit: 4 })),
            (Close, 0, &[b"no limit at all"], true, some(b"no limit at all")),
            (Chunked, 10, &[b"2\r\nab\r\n", b"0\r\n\r\n"], false, some(b"ab")),
            (Chunked, 10, &[b"2\r\nab\r\n"], true, Err(ParseError::ChunkedTruncated { received: 2 })),
            (Chunked, 1, &[b"2\r\nab\r\n"], false, Err(ParseError::BodyTooLarge { limit: 1 })),
            (Chunked, 0, &[b"2\r\nab\r\n0\r\n\r\n"], false, some(b"ab")),
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
    fn hands_out_one_run_per_call_without_copying() {
        let limits = Limits::default();
        let mut decoder = BodyDecoder::new(Framing::Chunked, &limits);
        let input = b"2\r\nab\r\n3\r\ncde\r\n0\r\n\r\nafter";
        let first = decoder.decode(input).unwrap();
        assert_eq!(&input[first.data.clone()], b"ab");
        let rest = &input[first.consumed..];
        let second = decoder.decode(rest).unwrap();
        assert_eq!(&rest[second.data.clone()], b"cde");
        let rest = &rest[second.consumed..];
        let last = decoder.decode(rest).unwrap();
        assert!(last.data.is_empty() && decoder.is_done());
        assert_eq!(&rest[last.consumed..], b"after");
        assert_eq!(decoder.decoded(), 5);
        assert_eq!(decoder.length(), None);
    }
}

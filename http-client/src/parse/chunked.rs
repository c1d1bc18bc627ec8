//! The chunked transfer coding (RFC 9112 §7.1), decoded as bytes arrive:
//!
//! ```text
//! chunked-body = *chunk last-chunk trailer-section CRLF
//! chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
//! last-chunk   = 1*("0") [ chunk-ext ] CRLF
//! ```
//!
//! [`ChunkedDecoder`] is a small state machine. Chunk data is never copied:
//! the decoder says where each run of it lies in the input, and the caller
//! takes it from there; only the framing around it is read byte by byte.
//! Extensions and trailers are read and discarded. Driven by `decoder.rs`.
//!
//! Strictness: each size line follows RFC 9112 §7.1.1's grammar exactly
//! (`chunk_line.rs`: hex digits only, whitespace only around `;` and `=`,
//! a token after each `;`, quoted values closed); sizes are checked for
//! overflow and against the body limit before any data is taken; every
//! line ends in CRLF or LF, and a CR must be followed by LF.

use std::ops::Range;

use super::ParseError;
use super::chunk_line::{Line, SizeLine};
use super::decoder::over_limit;

/// Where the decoder is in the chunked framing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Reading a chunk-size line (`chunk_line.rs`).
    Size(SizeLine),
    /// Copying chunk data; `remaining` is never 0.
    Data { remaining: u64 },
    /// Chunk data ended; a CRLF or LF must follow.
    DataEnd,
    /// A CR followed chunk data; the LF must follow.
    DataLf,
    /// At the start of a trailer line (or of the final empty line).
    TrailerStart,
    /// A CR at the start of a trailer line: the final CRLF, if LF follows.
    TrailerStartLf,
    /// Inside a trailer field line, ignored.
    TrailerLine,
    /// A CR inside a trailer line; the LF must follow.
    TrailerLineLf,
    /// The final empty line arrived: the body is complete.
    Done,
}

impl State {
    /// Whether the decoder is inside a chunk-size line.
    fn in_size_line(self) -> bool {
        matches!(self, State::Size(_))
    }

    /// Whether the decoder is inside the trailer section.
    fn in_trailers(self) -> bool {
        matches!(
            self,
            State::TrailerStart | State::TrailerStartLf | State::TrailerLine | State::TrailerLineLf
        )
    }
}

/// A streaming decoder for one chunked body.
#[derive(Debug)]
pub(super) struct ChunkedDecoder {
    state: State,
    /// Bytes of the current chunk-size line, or of the whole trailer section;
    /// each is bounded by `max_line`.
    line_bytes: usize,
    /// [`Limits::max_header_bytes`](crate::Limits::max_header_bytes).
    max_line: usize,
    /// [`Limits::max_body_bytes`](crate::Limits::max_body_bytes).
    max_body: u64,
}

impl ChunkedDecoder {
    /// A decoder at the start of a chunked body.
    pub(super) fn new(max_line: usize, max_body: u64) -> ChunkedDecoder {
        ChunkedDecoder {
            state: State::Size(SizeLine::new()),
            line_bytes: 0,
            max_line,
            max_body,
        }
    }

    /// Decodes from the start of `bytes` up to the end of the first run of
    /// chunk data (or to the end of `bytes`, or of the body). Returns how
    /// many bytes were consumed and where in `bytes` the data run lies (an
    /// empty range when none was reached); `decoded` is the body length so
    /// far, for the body limit. The data is never copied: the caller takes
    /// it from `bytes`.
    pub(super) fn decode(
        &mut self,
        bytes: &[u8],
        decoded: u64,
    ) -> Result<(usize, Range<usize>), ParseError> {
        let mut at = 0;
        // Each turn consumes a byte, or returns.
        while self.state != State::Done && at < bytes.len() {
            if let State::Data { remaining } = self.state {
                let available = bytes.len() - at;
                let take = usize::try_from(remaining).map_or(available, |r| r.min(available));
                let remaining = remaining - take as u64;
                self.state = if remaining == 0 {
                    State::DataEnd
                } else {
                    State::Data { remaining }
                };
                return Ok((at + take, at..at + take));
            }
            self.step(bytes[at], decoded)?;
            at += 1;
        }
        Ok((at, at..at))
    }

    /// Whether the final empty line arrived.
    pub(super) fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// The connection closed. A body cut anywhere before the final empty line
    /// is truncated, except right after the last chunk's line, where the body
    /// is known complete and only the empty trailer section is missing (a
    /// common server slip, tolerated).
    pub(super) fn finish(&self, received: u64) -> Result<(), ParseError> {
        match self.state {
            State::Done => Ok(()),
            State::TrailerStart if self.line_bytes == 0 => Ok(()),
            _ => Err(ParseError::ChunkedTruncated { received }),
        }
    }

    /// Advances over one framing byte; `decoded` is the body length so far.
    fn step(&mut self, byte: u8, decoded: u64) -> Result<(), ParseError> {
        use State::*;
        self.count_line_byte()?;
        self.state = match (self.state, byte) {
            (Size(mut line), b) => match line.push(b)? {
                Line::More => Size(line),
                Line::Done(size) => self.end_size_line(size, decoded)?,
            },
            (DataEnd, b'\r') => DataLf,
            (DataEnd | DataLf, b'\n') => Size(SizeLine::new()),
            (DataEnd | DataLf, _) => return Err(ParseError::InvalidChunkDelimiter),
            (TrailerStart | TrailerStartLf, b'\n') => Done,
            (TrailerStart, b'\r') => TrailerStartLf,
            (TrailerLine, b'\r') => TrailerLineLf,
            (TrailerLine | TrailerLineLf, b'\n') => TrailerStart,
            (TrailerStartLf | TrailerLineLf, _) => {
                return Err(ParseError::InvalidTrailers {
                    reason: "a CR must be followed by LF",
                });
            }
            (TrailerStart | TrailerLine, _) => TrailerLine,
            // `push` handles data and stops when done.
            (state @ (Data { .. } | Done), _) => state,
        };
        Ok(())
    }

    /// Counts a byte of the current size line or of the trailer section,
    /// failing once it exceeds `max_line`.
    fn count_line_byte(&mut self) -> Result<(), ParseError> {
        let in_trailers = self.state.in_trailers();
        if !in_trailers && !self.state.in_size_line() {
            return Ok(());
        }
        self.line_bytes += 1;
        if self.line_bytes <= self.max_line {
            return Ok(());
        }
        Err(if in_trailers {
            ParseError::TrailersTooLarge {
                limit: self.max_line,
            }
        } else {
            ParseError::InvalidChunkSize {
                reason: "the line exceeds the header size limit",
            }
        })
    }

    /// A size line ended: start the chunk's data, or the trailers after the
    /// last chunk.
    fn end_size_line(&mut self, size: u64, decoded: u64) -> Result<State, ParseError> {
        self.line_bytes = 0;
        if size == 0 {
            return Ok(State::TrailerStart);
        }
        if over_limit(self.max_body, decoded.saturating_add(size)) {
            return Err(ParseError::BodyTooLarge {
                limit: self.max_body,
            });
        }
        Ok(State::Data { remaining: size })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl ChunkedDecoder {
        /// Decodes all of `bytes`, appending the data to `body`; whether the
        /// body is complete.
        fn push(&mut self, mut bytes: &[u8], body: &mut Vec<u8>) -> Result<bool, ParseError> {
            while !bytes.is_empty() && !self.is_done() {
                let (used, data) = self.decode(bytes, body.len() as u64)?;
                body.extend_from_slice(&bytes[data]);
                bytes = &bytes[used..];
            }
            Ok(self.is_done())
        }
    }

    /// Decodes `input` whole, then byte by byte; both must agree. Returns the
    /// body if complete, `Ok(None)` if more input is needed.
    fn decode(input: &[u8], max_line: usize, max_body: u64) -> Result<Option<Vec<u8>>, ParseError> {
        let run = |pieces: &mut dyn Iterator<Item = &[u8]>| {
            let mut decoder = ChunkedDecoder::new(max_line, max_body);
            let mut body = Vec::new();
            for piece in pieces {
                if decoder.push(piece, &mut body)? {
                    return Ok(Some(body));
                }
            }
            Ok(None)
        };
        let whole = run(&mut std::iter::once(input));
        assert_eq!(whole, run(&mut input.chunks(1)), "{input:?} byte by byte");
        whole
    }

    #[test]
    fn decodes_valid_bodies() {
        let cases: &[(&[u8], &[u8])] = &[
            (b"0\r\n\r\n", b""),
            (b"3\r\nabc\r\n0\r\n\r\n", b"abc"),
            (b"3\nabc\n0\n\n", b"abc"),
            (b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\nextra", b"abcde"),
            (b"A\r\n0123456789\r\n0\r\n\r\n", b"0123456789"),
            (b"a\r\n0123456789\r\n000\r\n\r\n", b"0123456789"),
            (b"00003\r\nabc\r\n0\r\n\r\n", b"abc"),
            (b"3;name=value\r\nabc\r\n0;last\r\n\r\n", b"abc"),
            (b"3 ; a=\"b;c\"\r\nabc\r\n0\r\n\r\n", b"abc"),
            (b"3 ;ext\r\nabc\r\n0;last=\"yes\"\r\n\r\n", b"abc"),
            (b"3\r\na\r\n\r\n0\r\n\r\n", b"a\r\n"),
            (b"3\r\nabc\r\n0\r\nExpires: never\r\nX: y\n\r\n", b"abc"),
        ];
        for &(input, want) in cases {
            let got = decode(input, 1024, 1024);
            assert_eq!(
                got,
                Ok(Some(want.to_vec())),
                "{:?}",
                String::from_utf8_lossy(input)
            );
        }
    }

    #[test]
    fn rejects_invalid_framing() {
        use ParseError::*;
        #[rustfmt::skip]
        let cases: &[(&[u8], ParseError)] = &[
            (b"\r\n", InvalidChunkSize { reason: "missing chunk size" }),
            (b";x\r\n", InvalidChunkSize { reason: "the chunk size is not a hex number" }),
            (b"g\r\n", InvalidChunkSize { reason: "the chunk size is not a hex number" }),
            (b"-1\r\n", InvalidChunkSize { reason: "the chunk size is not a hex number" }),
            (b" 1\r\n", InvalidChunkSize { reason: "the chunk size is not a hex number" }),
            (b"0x10\r\n", InvalidChunkSize { reason: "the chunk size is not a hex number" }),
            (b"1 2\r\n", InvalidChunkSize { reason: "whitespace after the chunk size must be followed by ;" }),
            (b"3\t\r\nabc\r\n", InvalidChunkSize { reason: "whitespace after the chunk size must be followed by ;" }),
            (b"3;\r\nabc\r\n", InvalidChunkExtension { reason: "a ; must be followed by a name (a token)" }),
            (b"3;x=\"open\r\nabc\r\n", InvalidChunkExtension { reason: "unclosed quoted string" }),
            (b"3\r\nabc\r\n0;x y\r\n\r\n", InvalidChunkExtension { reason: "whitespace after a name must be followed by ; or =" }),
            (b"3\rabc", InvalidChunkSize { reason: "a CR must be followed by LF" }),
            (b"10000000000000000\r\n", InvalidChunkSize { reason: "the chunk size has more than 16 hex digits" }),
            (b"401\r\n", BodyTooLarge { limit: 1024 }),
            (b"400\r\n", InvalidChunkDelimiter),
            (b"3\r\nabcd\r\n", InvalidChunkDelimiter),
            (b"3\r\nabc\rx", InvalidChunkDelimiter),
            (b"3\r\nabcX0\r\n\r\n", InvalidChunkDelimiter),
            (b"0\r\n\rx", InvalidTrailers { reason: "a CR must be followed by LF" }),
            (b"0\r\nA: b\rc\r\n\r\n", InvalidTrailers { reason: "a CR must be followed by LF" }),
        ];
        for (input, want) in cases {
            // "400\r\n" declares exactly the limit, then fails on the delimiter.
            let input = if input == b"400\r\n" {
                [*input, &[b'x'; 1025]].concat()
            } else {
                input.to_vec()
            };
            let got = decode(&input, 1024, 1024);
            assert_eq!(
                got.as_ref(),
                Err(want),
                "{:?}",
                String::from_utf8_lossy(&input)
            );
        }
    }

    #[test]
    fn bounds_the_body_across_chunks() {
        let at_limit = b"2\r\nab\r\n2\r\ncd\r\n0\r\n\r\n";
        assert_eq!(decode(at_limit, 64, 4), Ok(Some(b"abcd".to_vec())));
        let over = b"2\r\nab\r\n3\r\ncde\r\n0\r\n\r\n";
        assert_eq!(
            decode(over, 64, 4),
            Err(ParseError::BodyTooLarge { limit: 4 })
        );
    }

    #[test]
    fn bounds_lines_and_trailers() {
        let line = b"3;abcdefgh\r\nabc\r\n0\r\n\r\n"; // size line: 12 bytes
        assert!(decode(line, 12, 100).is_ok());
        let error = ParseError::InvalidChunkSize {
            reason: "the line exceeds the header size limit",
        };
        assert_eq!(decode(line, 11, 100), Err(error));
        let trailers = b"0\r\nA: b\r\n\r\n"; // trailer section: 8 bytes
        assert!(decode(trailers, 8, 100).is_ok());
        assert_eq!(
            decode(trailers, 7, 100),
            Err(ParseError::TrailersTooLarge { limit: 7 })
        );
    }

    #[test]
    fn finish_reports_truncation() {
        // (input, whether EOF after it is acceptable)
        let cases: &[(&[u8], bool)] = &[
            (b"", false),
            (b"3", false),
            (b"3\r\nab", false),
            (b"3\r\nabc", false),
            (b"3\r\nabc\r\n", false),
            (b"3\r\nabc\r\n0", false),
            (b"3\r\nabc\r\n0\r", false),
            (b"3\r\nabc\r\n0\r\n", true),
            (b"3\r\nabc\r\n0\r\nA: b\r\n", false),
            (b"3\r\nabc\r\n0\r\n\r\n", true),
        ];
        for &(input, ok) in cases {
            let mut decoder = ChunkedDecoder::new(1024, 1024);
            let mut body = Vec::new();
            decoder.push(input, &mut body).unwrap();
            let got = decoder.finish(body.len() as u64);
            let want = if ok {
                Ok(())
            } else {
                Err(ParseError::ChunkedTruncated {
                    received: body.len() as u64,
                })
            };
            assert_eq!(got, want, "{:?}", String::from_utf8_lossy(input));
        }
    }
}

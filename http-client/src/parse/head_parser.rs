//! [`HeadParser`]: the first half of reading a response — from the first
//! byte to the final head and the decoder for its body. It finds each head's
//! end (`head.rs`), parses it, discards interim 1xx heads, and decides the
//! body's framing (`framing.rs`).
//!
//! Both readers of a response start here: the pure
//! [`ResponseParser`](crate::ResponseParser) (then `body.rs` collects the
//! body) and [`Connection::read_head`](crate::Connection::read_head) (then a
//! [`BodyStream`](crate::BodyStream) hands the body out in slices).

use super::decoder::BodyDecoder;
use super::framing::framing;
use super::head::{Head, HeadReader, parse_head};
use super::{ParseError, ParsePhase};
use crate::Limits;

/// Reads heads until the final (non-1xx) one.
#[derive(Debug)]
pub(crate) struct HeadParser {
    reader: HeadReader,
    /// Whether the request was `HEAD`, so the response has no body.
    is_head: bool,
    limits: Limits,
    /// Whether any byte has arrived (an interim head included).
    seen: bool,
}

/// The final head, parsed, and where it ended.
#[derive(Debug)]
pub(crate) struct HeadDone {
    /// Bytes of the last input that belonged to heads; the rest is body.
    pub(crate) used: usize,
    /// The final head.
    pub(crate) head: Head,
    /// The decoder for its body.
    pub(crate) body: BodyDecoder,
}

impl HeadParser {
    /// A parser for the response to one request; `is_head` says whether the
    /// request was `HEAD`.
    pub(crate) fn new(is_head: bool, limits: Limits) -> HeadParser {
        HeadParser {
            reader: HeadReader::default(),
            is_head,
            limits,
            seen: false,
        }
    }

    /// Takes the next bytes. `Some` once the final head is complete.
    ///
    /// Fails as soon as the bytes cannot start a valid response, cross a
    /// head limit, carry a `101`, or frame the body in a way we refuse.
    pub(crate) fn push(&mut self, bytes: &[u8]) -> Result<Option<HeadDone>, ParseError> {
        self.seen |= !bytes.is_empty();
        let mut used = 0;
        // Each turn either returns or completes a head of at least one byte,
        // so the loop ends.
        loop {
            let Some(n) = self
                .reader
                .push(&bytes[used..], self.limits.max_header_bytes)?
            else {
                return Ok(None);
            };
            used += n;
            let head = parse_head(self.reader.bytes(), &self.limits)?;
            match head.status {
                101 => return Err(ParseError::SwitchingProtocols),
                100..=199 => self.reader.clear(),
                _ => {
                    let framing = framing(&head, self.is_head, &self.limits)?;
                    let body = BodyDecoder::new(framing, &self.limits);
                    return Ok(Some(HeadDone { used, head, body }));
                }
            }
        }
    }

    /// The error for a connection that closed before the final head ended.
    pub(crate) fn closed(&self) -> ParseError {
        if self.seen {
            ParseError::ClosedInHeaders
        } else {
            ParseError::EmptyResponse
        }
    }

    /// Which part of the head is awaited.
    pub(crate) fn phase(&self) -> ParsePhase {
        if !self.seen {
            ParsePhase::Waiting
        } else if self.reader.in_status_line() {
            ParsePhase::StatusLine
        } else {
            ParsePhase::Headers
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skips_interim_heads_and_splits_off_the_body() {
        let mut parser = HeadParser::new(false, Limits::default());
        assert_eq!(parser.phase(), ParsePhase::Waiting);
        assert!(
            parser
                .push(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 2")
                .unwrap()
                .is_none()
        );
        assert_eq!(parser.phase(), ParsePhase::StatusLine);
        assert!(parser.push(b"00 OK\r\nA: b").unwrap().is_none());
        assert_eq!(parser.phase(), ParsePhase::Headers);
        let done = parser.push(b"\r\n\r\nbody").unwrap().expect("complete");
        assert_eq!((done.used, done.head.status), (4, 200));
        assert_eq!(done.body.length(), None);
    }

    #[test]
    fn says_how_the_close_cut_it() {
        let parser = HeadParser::new(false, Limits::default());
        assert_eq!(parser.closed(), ParseError::EmptyResponse);
        let mut parser = HeadParser::new(false, Limits::default());
        parser.push(b"HTTP/1.1 100 Continue\r\n\r\n").unwrap();
        assert_eq!(parser.closed(), ParseError::ClosedInHeaders);
    }
}

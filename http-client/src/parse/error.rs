//! [`ParseError`]: everything a server can get wrong in a response, each with
//! a message that quotes what was received and names the broken rule or the
//! limit. Produced by the parser in this folder; wrapped with the peer's
//! address by [`Error::Response`](crate::Error::Response).

use std::fmt;

use crate::display::Size;

/// Why a response could not be parsed.
///
/// Quoted excerpts of what the server sent are at most 40 bytes, with
/// non-printable bytes escaped as `\xNN`.
///
/// # Examples
///
/// ```
/// use http_client::{Limits, ParseError, parse_response};
///
/// let error = parse_response(b"ICY 200 OK\r\n\r\n", false, false, &Limits::default()).unwrap_err();
/// assert_eq!(error, ParseError::InvalidStatusLine("ICY 200 OK".into()));
/// assert_eq!(error.to_string(), r#"invalid status line: "ICY 200 OK""#);
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// The connection closed before any byte arrived.
    EmptyResponse,
    /// The connection closed inside the status line or the header section.
    ClosedInHeaders,
    /// The status line is not `HTTP/1.x SP 3DIGIT [SP reason]` (escaped excerpt).
    InvalidStatusLine(String),
    /// A version other than `HTTP/1.0` or `HTTP/1.1` (escaped excerpt).
    UnsupportedVersion(String),
    /// A `101 Switching Protocols`, which this client never asks for.
    SwitchingProtocols,
    /// A malformed header line.
    InvalidHeader {
        /// The line, as an escaped excerpt.
        line: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The head is longer than [`Limits::max_header_bytes`](crate::Limits::max_header_bytes).
    HeadersTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// More fields than [`Limits::max_headers`](crate::Limits::max_headers).
    TooManyHeaders {
        /// The limit, in fields.
        limit: usize,
    },
    /// A `Content-Length` that is not a plain decimal number (escaped excerpt).
    InvalidContentLength(String),
    /// `Content-Length` fields or list members that disagree.
    ConflictingContentLength {
        /// The first value seen.
        first: u64,
        /// The first value that differs from it.
        second: u64,
    },
    /// A `Transfer-Encoding` other than exactly `chunked` (escaped excerpt).
    UnsupportedTransferCoding(String),
    /// The body is, or would become, longer than
    /// [`Limits::max_body_bytes`](crate::Limits::max_body_bytes).
    BodyTooLarge {
        /// The limit, in bytes.
        limit: u64,
    },
    /// The connection closed before `Content-Length` bytes arrived.
    Truncated {
        /// The declared `Content-Length`.
        expected: u64,
        /// The body bytes received.
        received: u64,
    },
    /// A malformed chunk-size line in a chunked body.
    InvalidChunkSize {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A malformed chunk extension (`;name=value` after a chunk size,
    /// RFC 9112 §7.1.1).
    InvalidChunkExtension {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Chunk data not followed by CRLF (or LF).
    InvalidChunkDelimiter,
    /// The connection closed before the last chunk of a chunked body.
    ChunkedTruncated {
        /// The body bytes decoded so far.
        received: u64,
    },
    /// A malformed trailer section after the last chunk.
    InvalidTrailers {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The trailer section is longer than
    /// [`Limits::max_header_bytes`](crate::Limits::max_header_bytes).
    TrailersTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// `feed` or `finish` was called after the parser returned its response.
    AlreadyComplete,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::EmptyResponse => f.write_str(
                "empty response: the server closed the connection without sending anything",
            ),
            ParseError::ClosedInHeaders => f.write_str("connection closed while reading headers"),
            ParseError::InvalidStatusLine(line) => write!(f, "invalid status line: \"{line}\""),
            ParseError::UnsupportedVersion(version) => write!(
                f,
                "unsupported HTTP version \"{version}\" (expected HTTP/1.0 or HTTP/1.1)"
            ),
            ParseError::SwitchingProtocols => {
                f.write_str("unexpected 101 switching protocols: this client never asks to upgrade")
            }
            ParseError::InvalidHeader { line, reason } => {
                write!(f, "invalid header line \"{line}\": {reason}")
            }
            ParseError::HeadersTooLarge { limit } => {
                write!(
                    f,
                    "header section exceeds the {} limit",
                    Size(*limit as u64)
                )
            }
            ParseError::TooManyHeaders { limit } => write!(f, "more than {limit} header fields"),
            ParseError::InvalidContentLength(value) => {
                write!(f, "invalid Content-Length \"{value}\"")
            }
            ParseError::ConflictingContentLength { first, second } => {
                write!(f, "conflicting Content-Length values {first} and {second}")
            }
            ParseError::UnsupportedTransferCoding(coding) => write!(
                f,
                "unsupported transfer coding \"{coding}\" (only chunked is supported)"
            ),
            ParseError::BodyTooLarge { limit } => {
                write!(f, "body exceeds the {} limit", Size(*limit))
            }
            ParseError::Truncated { expected, received } => {
                write!(f, "body truncated: got {received} of {expected} bytes")
            }
            ParseError::InvalidChunkSize { reason } => {
                write!(f, "invalid chunk size line: {reason}")
            }
            ParseError::InvalidChunkExtension { reason } => {
                write!(f, "invalid chunk extension: {reason}")
            }
            ParseError::InvalidChunkDelimiter => {
                f.write_str("invalid chunked body: chunk data not followed by CRLF")
            }
            ParseError::ChunkedTruncated { received } => write!(
                f,
                "chunked body truncated: the connection closed after {received} bytes, \
                 before the last chunk"
            ),
            ParseError::InvalidTrailers { reason } => {
                write!(f, "invalid trailer section: {reason}")
            }
            ParseError::TrailersTooLarge { limit } => {
                write!(
                    f,
                    "trailer section exceeds the {} limit",
                    Size(*limit as u64)
                )
            }
            ParseError::AlreadyComplete => {
                f.write_str("the response is already complete: use a new parser for each response")
            }
        }
    }
}

impl std::error::Error for ParseError {}

#[cfg(test)]
mod tests {
    use super::ParseError::*;

    #[test]
    fn messages() {
        #[rustfmt::skip]
        let cases = [
            (EmptyResponse, "empty response: the server closed the connection without sending anything"),
            (ClosedInHeaders, "connection closed while reading headers"),
            (InvalidStatusLine("ICY 200 OK".into()), r#"invalid status line: "ICY 200 OK""#),
            (UnsupportedVersion("HTTP/2".into()), r#"unsupported HTTP version "HTTP/2" (expected HTTP/1.0 or HTTP/1.1)"#),
            (SwitchingProtocols, "unexpected 101 switching protocols: this client never asks to upgrade"),
            (InvalidHeader { line: "X Y: z".into(), reason: "missing colon" }, r#"invalid header line "X Y: z": missing colon"#),
            (HeadersTooLarge { limit: 64 * 1024 }, "header section exceeds the 64 KiB limit"),
            (HeadersTooLarge { limit: 100 }, "header section exceeds the 100 B limit"),
            (TooManyHeaders { limit: 100 }, "more than 100 header fields"),
            (InvalidContentLength("+5".into()), r#"invalid Content-Length "+5""#),
            (ConflictingContentLength { first: 5, second: 6 }, "conflicting Content-Length values 5 and 6"),
            (
                UnsupportedTransferCoding("gzip, chunked".into()),
                r#"unsupported transfer coding "gzip, chunked" (only chunked is supported)"#,
            ),
            (BodyTooLarge { limit: 16 << 20 }, "body exceeds the 16 MiB limit"),
            (Truncated { expected: 100, received: 10 }, "body truncated: got 10 of 100 bytes"),
            (InvalidChunkSize { reason: "missing chunk size" }, "invalid chunk size line: missing chunk size"),
            (InvalidChunkExtension { reason: "unclosed quoted string" }, "invalid chunk extension: unclosed quoted string"),
            (InvalidChunkDelimiter, "invalid chunked body: chunk data not followed by CRLF"),
            (ChunkedTruncated { received: 3 }, "chunked body truncated: the connection closed after 3 bytes, before the last chunk"),
            (InvalidTrailers { reason: "bare CR" }, "invalid trailer section: bare CR"),
            (TrailersTooLarge { limit: 1024 }, "trailer section exceeds the 1 KiB limit"),
            (AlreadyComplete, "the response is already complete: use a new parser for each response"),
        ];
        for (error, want) in cases {
            assert_eq!(error.to_string(), want);
        }
    }
}

//! The response parser: pure, incremental, over bytes. No I/O happens here.
//! It comes in two halves that every reader of a response shares — a head
//! parser and a body decoder — and one convenience that joins them,
//! [`ResponseParser`], for callers that want the whole response from reads
//! they feed it.
//!
//! ```text
//!  bytes ──► head_parser.rs: HeadParser
//!               │   head.rs: HeadReader finds the empty line (resumable scan),
//!               │            parse_head: status line + fields
//!               │   1xx? discard it, read the next head
//!               │   framing.rs: HEAD/204/304 · Transfer-Encoding · Content-Length · close
//!               ▼
//!            decoder.rs: BodyDecoder — where the next body bytes lie in the input
//!               │   (chunked.rs decodes chunked framing; limits checked here)
//!               ├──► BodyStream (crate::stream): hands them out as slices of its buffer
//!               └──► body.rs: BodyReader appends them to a Vec → ResponseParser
//! ```
//!
//! Memory is bounded by [`Limits`]: at most `max_header_bytes` of head are
//! buffered, and a collected body never grows past `max_body_bytes`.

mod body;
mod chunk_line;
mod chunked;
mod decoder;
mod error;
mod framing;
mod head;
mod head_parser;
#[cfg(test)]
mod tests;

pub use error::ParseError;

pub(crate) use self::body::reserve_for;
pub(crate) use self::decoder::{BodyDecoder, Decoded};
pub(crate) use self::head::Head;
pub(crate) use self::head_parser::{HeadDone, HeadParser};

use std::fmt;

use self::body::BodyReader;
use crate::{Limits, Response};

/// The result of parsing input that may be incomplete.
///
/// Running out of input is not an error: it is [`Status::Partial`], and the
/// caller reads more.
///
/// # Examples
///
/// ```
/// use http_client::{Limits, ResponseParser, Status};
///
/// let mut parser = ResponseParser::new(false, Limits::default());
/// assert!(matches!(parser.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nh")?, Status::Partial));
/// let Status::Complete(response) = parser.feed(b"i")? else { panic!("incomplete") };
/// assert_eq!(response.body(), b"hi");
/// # Ok::<(), http_client::ParseError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status<T> {
    /// Parsing finished with this value.
    Complete(T),
    /// More input is needed.
    Partial,
}

/// Which part of the response the parser is waiting for, for timeout and
/// error messages ("no data for 5s while reading the body").
///
/// # Examples
///
/// ```
/// use http_client::{Limits, ParsePhase, ResponseParser};
///
/// let mut parser = ResponseParser::new(false, Limits::default());
/// assert_eq!(parser.phase(), ParsePhase::Waiting);
/// parser.feed(b"HTTP/1.1 200 OK\r\nServer: x")?;
/// assert_eq!(parser.phase(), ParsePhase::Headers);
/// assert_eq!(parser.phase().to_string(), "reading headers");
/// # Ok::<(), http_client::ParseError>(())
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParsePhase {
    /// No byte of the response has arrived.
    Waiting,
    /// Inside the status line.
    StatusLine,
    /// Inside the header section.
    Headers,
    /// Inside the body.
    Body,
    /// The response was returned.
    Complete,
}

impl fmt::Display for ParsePhase {
    /// Completes "while ...": `waiting for the response`, `reading headers`, ...
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ParsePhase::Waiting => "waiting for the response",
            ParsePhase::StatusLine => "reading the status line",
            ParsePhase::Headers => "reading headers",
            ParsePhase::Body => "reading the body",
            ParsePhase::Complete => "done with the response",
        })
    }
}

/// Where the parser is.
enum State {
    /// Reading a head (an interim 1xx one or the final one).
    Head(HeadParser),
    /// The final head is parsed; reading the body.
    Body { head: Head, body: BodyReader },
    /// The response was returned.
    Done,
    /// Parsing failed; every later call returns the same error.
    Failed {
        error: ParseError,
        phase: ParsePhase,
    },
}

/// An incremental parser for one HTTP/1.x response.
///
/// Feed it each read as it arrives; it returns [`Status::Complete`] as soon as
/// the response's framing says it is whole, so the caller never waits for the
/// server to close a connection it does not need to. If the peer closes
/// first, [`finish`](ResponseParser::finish) completes a close-delimited body
/// or says precisely what is missing.
///
/// Interim 1xx responses (`100 Continue`, `103 Early Hints`) are read and
/// discarded, headers included; `101 Switching Protocols` is an error, since
/// this client never asks to upgrade. See `framing.rs` for the body rules.
///
/// # Examples
///
/// ```
/// use http_client::{Limits, ResponseParser, Status};
///
/// // A server that sends a 100 Continue, then a close-delimited body.
/// let mut parser = ResponseParser::new(false, Limits::default());
/// for read in [&b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 200 OK\r\n"[..], b"\r\nhello, ", b"world"] {
///     assert!(matches!(parser.feed(read)?, Status::Partial));
/// }
/// let response = parser.finish()?; // the server closed the connection
/// assert_eq!((response.status(), response.body()), (200, &b"hello, world"[..]));
/// # Ok::<(), http_client::ParseError>(())
/// ```
pub struct ResponseParser {
    /// Whether the request was `HEAD`, so the response has no body.
    is_head: bool,
    /// Kept for `Debug`; the head parser holds its own copy.
    limits: Limits,
    /// Every byte fed before the response completed.
    received: u64,
    state: State,
}

impl ResponseParser {
    /// A parser for the response to one request; `is_head` says whether the
    /// request was `HEAD` (see [`Method::is_head`](crate::Method::is_head)).
    ///
    /// # Examples
    ///
    /// ```
    /// use http_client::{Limits, ResponseParser, Status};
    ///
    /// // A HEAD response is complete after its head, whatever Content-Length says.
    /// let mut parser = ResponseParser::new(true, Limits::default());
    /// let status = parser.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")?;
    /// assert!(matches!(status, Status::Complete(response) if response.body().is_empty()));
    /// # Ok::<(), http_client::ParseError>(())
    /// ```
    pub fn new(is_head: bool, limits: Limits) -> ResponseParser {
        ResponseParser {
            is_head,
            limits,
            received: 0,
            state: State::Head(HeadParser::new(is_head, limits)),
        }
    }

    /// Parses the next bytes read from the connection.
    ///
    /// Returns [`Status::Complete`] once the response is whole: stop reading
    /// then. Bytes after the end of the response are discarded.
    ///
    /// # Errors
    ///
    /// A [`ParseError`] as soon as the bytes so far cannot be a valid
    /// response or cross a [`Limits`] bound; the same error is returned by
    /// every later call. [`ParseError::AlreadyComplete`] after the response
    /// was returned.
    ///
    /// # Examples
    ///
    /// ```
    /// use http_client::{Limits, ParseError, ResponseParser};
    ///
    /// let mut parser = ResponseParser::new(false, Limits::default());
    /// let error = parser.feed(b"HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\n").unwrap_err();
    /// assert_eq!(error, ParseError::InvalidContentLength("+5".into()));
    /// ```
    pub fn feed(&mut self, bytes: &[u8]) -> Result<Status<Response>, ParseError> {
        if matches!(self.state, State::Head(_) | State::Body { .. }) {
            self.received = self.received.saturating_add(bytes.len() as u64);
        }
        let result = self.advance(bytes);
        self.record_failure(&result);
        result
    }

    /// The peer closed the connection (a read returned 0 bytes).
    ///
    /// # Errors
    ///
    /// - [`ParseError::EmptyResponse`] when nothing at all arrived;
    /// - [`ParseError::ClosedInHeaders`] inside the status line or headers;
    /// - [`ParseError::Truncated`] when fewer than `Content-Length` bytes came;
    /// - [`ParseError::ChunkedTruncated`] before the last chunk;
    /// - the earlier error if parsing had failed, and
    ///   [`ParseError::AlreadyComplete`] after the response was returned.
    ///
    /// # Examples
    ///
    /// ```
    /// use http_client::{Limits, ParseError, ResponseParser};
    ///
    /// let mut parser = ResponseParser::new(false, Limits::default());
    /// assert_eq!(parser.finish().unwrap_err(), ParseError::EmptyResponse);
    ///
    /// let mut parser = ResponseParser::new(false, Limits::default());
    /// parser.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789")?;
    /// assert_eq!(parser.finish().unwrap_err().to_string(), "body truncated: got 10 of 100 bytes");
    /// # Ok::<(), ParseError>(())
    /// ```
    pub fn finish(&mut self) -> Result<Response, ParseError> {
        let result = match &mut self.state {
            State::Head(head) => Err(head.closed()),
            State::Body { body, .. } => body.finish().and_then(|()| self.take_response()),
            State::Done => Err(ParseError::AlreadyComplete),
            State::Failed { error, .. } => Err(error.clone()),
        };
        self.record_failure(&result);
        result
    }

    /// Which part of the response the parser is waiting for.
    ///
    /// # Examples
    ///
    /// ```
    /// use http_client::{Limits, ParsePhase, ResponseParser};
    ///
    /// let mut parser = ResponseParser::new(false, Limits::default());
    /// parser.feed(b"HTTP/1.0 200 OK\r\n\r\npartial body")?;
    /// assert_eq!(parser.phase(), ParsePhase::Body);
    /// # Ok::<(), http_client::ParseError>(())
    /// ```
    pub fn phase(&self) -> ParsePhase {
        match &self.state {
            State::Head(head) => head.phase(),
            State::Body { .. } => ParsePhase::Body,
            State::Done => ParsePhase::Complete,
            State::Failed { phase, .. } => *phase,
        }
    }

    /// The number of bytes fed so far, up to and including the read that
    /// completed the response.
    ///
    /// # Examples
    ///
    /// ```
    /// use http_client::{Limits, ResponseParser};
    ///
    /// let mut parser = ResponseParser::new(false, Limits::default());
    /// parser.feed(b"HTTP/1.0 200 OK\r\n")?;
    /// assert_eq!(parser.bytes_received(), 17);
    /// # Ok::<(), http_client::ParseError>(())
    /// ```
    pub fn bytes_received(&self) -> u64 {
        self.received
    }

    /// Runs the state machine over `bytes`.
    fn advance(&mut self, bytes: &[u8]) -> Result<Status<Response>, ParseError> {
        match &mut self.state {
            State::Head(parser) => {
                let Some(HeadDone { used, head, body }) = parser.push(bytes)? else {
                    return Ok(Status::Partial);
                };
                let body = BodyReader::new(body);
                self.state = State::Body { head, body };
                // The rest is body (possibly none, which completes a bodiless one).
                self.advance(&bytes[used..])
            }
            State::Body { body, .. } => {
                if !body.push(bytes)? {
                    return Ok(Status::Partial);
                }
                self.take_response().map(Status::Complete)
            }
            State::Done => Err(ParseError::AlreadyComplete),
            State::Failed { error, .. } => Err(error.clone()),
        }
    }

    /// Moves the finished response out, leaving the parser `Done`.
    fn take_response(&mut self) -> Result<Response, ParseError> {
        match std::mem::replace(&mut self.state, State::Done) {
            State::Body { head, body } => {
                let Head {
                    version,
                    status,
                    reason,
                    headers,
                } = head;
                Ok(Response::new(
                    version,
                    status,
                    reason,
                    headers,
                    body.into_body(),
                ))
            }
            // Only called in the body state; restore anything else untouched.
            other => {
                self.state = other;
                Err(ParseError::AlreadyComplete)
            }
        }
    }

    /// Remembers a new failure (and frees the buffers) so later calls repeat it.
    fn record_failure<T>(&mut self, result: &Result<T, ParseError>) {
        if let Err(error) = result
            && matches!(self.state, State::Head(_) | State::Body { .. })
        {
            let phase = self.phase();
            self.state = State::Failed {
                error: error.clone(),
                phase,
            };
        }
    }
}

impl fmt::Debug for ResponseParser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseParser")
            .field("is_head", &self.is_head)
            .field("limits", &self.limits)
            .field("phase", &self.phase())
            .field("bytes_received", &self.received)
            .finish()
    }
}

/// Parses a whole buffer at once: the convenience form of [`ResponseParser`]
/// for tests and simple callers. `eof` says the peer closed the connection
/// after `input`, which completes a close-delimited body.
///
/// # Errors
///
/// Any [`ParseError`] of [`ResponseParser::feed`], and when `eof` is true,
/// of [`ResponseParser::finish`].
///
/// # Examples
///
/// ```
/// use http_client::{Limits, Status, parse_response};
///
/// let input = b"HTTP/1.0 200 OK\r\n\r\nuntil close";
/// let limits = Limits::default();
/// assert!(matches!(parse_response(input, false, false, &limits)?, Status::Partial));
/// let Status::Complete(response) = parse_response(input, false, true, &limits)? else {
///     panic!("incomplete");
/// };
/// assert_eq!(response.body(), b"until close");
/// # Ok::<(), http_client::ParseError>(())
/// ```
pub fn parse_response(
    input: &[u8],
    is_head: bool,
    eof: bool,
    limits: &Limits,
) -> Result<Status<Response>, ParseError> {
    let mut parser = ResponseParser::new(is_head, *limits);
    match parser.feed(input)? {
        Status::Partial if eof => parser.finish().map(Status::Complete),
        status => Ok(status),
    }
}

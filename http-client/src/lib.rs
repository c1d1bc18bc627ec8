//! An HTTP/1.0 client's protocol layer: URLs, requests and responses as pure
//! functions over bytes.
//!
//! Nothing in this crate's protocol code touches a socket. A [`Url`] is
//! parsed and validated, a [`Request`] is encoded to the exact bytes to
//! write, and a [`ResponseParser`] turns whatever bytes arrive, in whatever
//! pieces, into a [`Response`] — so every rule can be tested with a table of
//! byte strings, and the code that does I/O is a thin loop around it.
//!
//! # How a fetch flows
//!
//! ```text
//!  "http://example.com/x"
//!        │ Url::parse                validated: host, port, path?query
//!        ▼
//!       Url ──► Request::get(url)     .header(..)? validated, .body(..)
//!                  │ Request::encode  "GET /x HTTP/1.0\r\nHost: …\r\n\r\n"
//!                  ▼
//!           write to the connection
//!                  │
//!           read from the connection ──► ResponseParser::feed(bytes)
//!                  ▲                          │ Partial: read again
//!                  └──────────────────────────┤ Complete(Response): stop reading
//!                                             │ peer closed: ResponseParser::finish
//!                                             ▼
//!                                          Response  status, headers, body
//! ```
//!
//! HTTP/1.0 keeps this simple: one request per connection, `Connection:
//! close`, and a body sent whole with its `Content-Length`. Responses from
//! HTTP/1.1 servers are understood too, including chunked bodies and interim
//! `1xx` responses.
//!
//! # Example
//!
//! The whole exchange, with the server's reply arriving in two pieces:
//!
//! ```
//! use http_client::{Limits, Request, ResponseParser, Status, Url};
//!
//! let url = Url::parse("http://example.com/greeting")?;
//! let request = Request::get(url).header("Accept", "text/plain")?;
//! assert_eq!(
//!     request.encode(),
//!     b"GET /greeting HTTP/1.0\r\nHost: example.com\r\nAccept: text/plain\r\nConnection: close\r\n\r\n",
//! );
//!
//! let mut parser = ResponseParser::new(request.method().is_head(), Limits::default());
//! let mut response = None;
//! for read in [&b"HTTP/1.1 200 OK\r\nContent-Le"[..], b"ngth: 5\r\n\r\nhello"] {
//!     if let Status::Complete(done) = parser.feed(read)? {
//!         response = Some(done);
//!         break;
//!     }
//! }
//! let response = response.ok_or("the server closed early")?;
//! assert_eq!(response.status(), 200);
//! assert_eq!(response.text()?, "hello");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Errors
//!
//! Each pure layer has its own error — [`UrlError`], [`RequestError`],
//! [`ParseError`] — and [`Error`] is the one type a fetch returns, adding the
//! address, the phase and the limit involved.
//!
//! # Limits
//!
//! A server controls what it sends, so the parser bounds what it keeps:
//! [`Limits`] caps the head's size and field count and the body's size, and
//! every violation is a distinct [`ParseError`] naming the limit.

#![forbid(unsafe_code)]
#![warn(
    missing_docs,
    missing_debug_implementations,
    rust_2018_idioms,
    unreachable_pub
)]

mod client;
mod connect;
mod connection;
mod display;
mod error;
mod headers;
mod limits;
mod method;
mod parse;
mod request;
mod response;
mod token;
pub mod transport;
mod url;
mod version;

pub use client::{
    Client, ClientBuilder, DEFAULT_MAX_REDIRECTS, DEFAULT_TOTAL_TIMEOUT, IntoUrl, get,
};
pub use connect::{DEFAULT_CONNECT_TIMEOUT, connect, connect_with_timeout};
pub use connection::{Connection, DEFAULT_IDLE_TIMEOUT};
pub use error::{Error, IoPhase, Result, TimeoutPhase};
pub use headers::Headers;
pub use limits::Limits;
pub use method::Method;
pub use parse::{ParseError, ParsePhase, ResponseParser, Status, parse_response};
pub use request::{Request, RequestError};
pub use response::Response;
#[cfg(feature = "tls")]
pub use transport::tls::TlsStream;
pub use url::{Scheme, Url, UrlError};
pub use version::Version;

//! An HTTP/1.0 client on the `runtime` crate, for `http://` and `https://`:
//! URLs, requests and responses as pure functions over bytes, and a thin
//! async layer that moves those bytes over a socket, or through TLS over it.
//!
//! Nothing in this crate's protocol code touches a socket. A [`Url`] is
//! parsed and validated, a [`Request`] is encoded to the exact bytes to
//! write, and the response parser turns whatever bytes arrive, in whatever
//! pieces, into a head and a body — so every rule can be tested with a table
//! of byte strings, and the code that does I/O is a thin loop around it.
//!
//! # How a fetch flows
//!
//! ```text
//!  "https://example.com/x"
//!        │ Url::parse                 validated: scheme, host, port, path?query
//!        ▼
//!       Url ──► Request::get(url)      .header(..)? validated, .body(..)
//!        │
//!        │ connect(&url)               DNS off the loop, the addresses raced
//!        │                             (Happy Eyeballs, RFC 8305);
//!        │                             https: the TLS handshake (rustls),
//!        ▼                             certificate verified; the connect timeout
//!   Connection ──send(&request)──►     "GET /x HTTP/1.0\r\nHost: …\r\n\r\n"
//!        │                             (idle timeout while writing)
//!        │ read_head()                 status line + headers, 1xx skipped, framing
//!        ▼                             decided; the head parser (parse/head_parser.rs)
//!   BodyStream ── status(), headers(), content_length()
//!        │ chunk() / AsyncRead         slices of the stream's 64 KiB buffer, decoded
//!        │                             in place (parse/decoder.rs: length, chunked,
//!        │                             until close); memory = the buffer
//!        │ read_to_end()               the chunks collected
//!        ▼
//!    Response                          status, headers, body
//! ```
//!
//! [`Client`] wraps the steps with a total deadline (which the
//! [`BodyStream`] carries, so it covers the body too), limits and redirects:
//! [`Client::send`] and [`get`] return a [`Response`],
//! [`Client::send_streaming`] and [`get_streaming`] a [`BodyStream`]. Without
//! a socket, [`ResponseParser`] runs the same head parser and body decoder
//! over bytes you feed it.
//!
//! HTTP/1.0 keeps this simple: a body is sent whole with its
//! `Content-Length`, and responses from HTTP/1.1 servers are understood
//! too, including chunked bodies and interim `1xx` responses. A
//! [`connect`]ed [`Connection`] carries one request (`Connection: close`).
//!
//! # Connections that last
//!
//! A [`Client`] keeps the connections it opened in a pool and sends the
//! next request to the same scheme, host and port over one of them, with
//! no TCP or TLS handshake (`Connection: keep-alive`, which HTTP/1.0
//! servers and every HTTP/1.1 server honour):
//!
//! ```text
//!  Client::send ─► pool: idle connection for (scheme, host, port)?
//!                   ├─ yes ─► send on it ─┬─► response ...
//!                   │                     └─► closed before any byte? idempotent: once more on a new one
//!                   └─ no ──► connect (TLS resumes a session seen before) ─► send ─► response ...
//!  ... body read to its end, server allowed it, nothing after it ─► back to the pool
//!  idle: the reactor watches each one; a FIN, reset or stray byte closes it at once
//! ```
//!
//! The rules (what is clean enough to reuse, the replay of a request whose
//! reused connection the server had closed, the idle timeouts) are in
//! [`Client`]'s docs; [`Client::stats`] counts connections opened and
//! reused, and TLS handshakes full and resumed.
//!
//! # Streaming a body
//!
//! ```
//! use runtime::net::TcpListener;
//!
//! runtime::block_on(async {
//!     # let listener = TcpListener::bind("127.0.0.1:0")?;
//!     # let port = listener.local_addr()?.port();
//!     # runtime::spawn(async move {
//!     #     let (mut s, _) = listener.accept().await.unwrap();
//!     #     let _ = s.read(&mut [0; 1024]).await;
//!     #     s.write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n").await.unwrap();
//!     # });
//!     let url = http_client::Url::parse(&format!("http://127.0.0.1:{port}/"))?;
//!     let mut connection = http_client::connect(&url).await?;
//!     connection.send(&http_client::Request::get(url)).await?;
//!     let mut body = connection.read_head().await?;
//!     assert_eq!((body.status(), body.content_length()), (200, None));
//!     let mut received = Vec::new();
//!     while let Some(chunk) = body.chunk().await? {
//!         received.extend_from_slice(chunk); // or write it to a file
//!     }
//!     assert_eq!(received, b"hello");
//!     Ok::<_, Box<dyn std::error::Error>>(())
//! })?;
//! # Ok::<_, Box<dyn std::error::Error>>(())
//! ```
//!
//! With the `futures-io` feature (on by default), a [`BodyStream`] is also a
//! `futures_io::AsyncRead` and `AsyncBufRead`:
//! `futures_lite::io::copy(body, &mut file)` streams it to a file.
//!
//! # The protocol without a socket
//!
//! The whole exchange as pure functions, with the server's reply arriving in
//! two pieces:
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
//! # HTTPS
//!
//! With the `tls` feature (on by default), `https://` URLs work everywhere
//! `http://` ones do — [`connect`], [`Connection`], [`BodyStream`],
//! [`Client`], [`get`], and redirects between the two schemes. The TLS is
//! [rustls](https://docs.rs/rustls) with its `ring` provider, driven over
//! the runtime's non-blocking socket by `TlsStream` (the `transport::tls`
//! module explains how a sans-I/O protocol is driven that way).
//!
//! - **Verified by default**: the certificate must chain to a trusted root,
//!   be valid now, and name the URL's host (SNI is sent for a name; an IP
//!   address must be among the certificate's IP addresses).
//! - **Trusted roots**: webpki-roots (Mozilla's list), plus the PEM bundle
//!   named by `SSL_CERT_FILE`, plus [`ClientBuilder::add_root_certificate`];
//!   or [`ClientBuilder::tls_config`] for a whole `rustls::ClientConfig`.
//!   [`ClientBuilder::danger_accept_invalid_certs`] is the only way to skip
//!   verification.
//! - **Errors that say what to fix**: `certificate for wrong.example is not
//!   valid for localhost (use a name it is for, ...)`, `certificate expired
//!   on 2020-01-01 (...): the server needs a renewed certificate`,
//!   `certificate issued by an unknown authority (self-signed?): trust its
//!   issuer with ClientBuilder::add_root_certificate ...`, a CA certificate
//!   used as the server's (and the `openssl` command for a leaf), a
//!   certificate not valid yet, a signature algorithm not accepted
//!   ([`CertificateProblem`]), `TLS
//!   handshake with 127.0.0.1:8443 failed: the server does not speak TLS`,
//!   `no TLS handshake within 5s` (the handshake counts in the connect
//!   timeout), with the rustls error as the `source`.
//! - **No silent truncation**: a server that closes without TLS
//!   `close_notify` fails a body that ends at the close
//!   (`connection closed without TLS close_notify; the body may be
//!   truncated`); a body with a `Content-Length` or chunks is judged by
//!   its framing.
//!
//! Without the feature the crate has no TLS dependency, and an `https://`
//! URL fails with ``https support was not compiled in (feature `tls`)``.
//!
//! # Credentials
//!
//! A URL may carry them, `http://user:password@host/` (percent-encoded:
//! `%40` for `@`), or a request may be given them with
//! [`Request::basic_auth`]; either way they go to the server as
//! `Authorization: Basic`. A redirect keeps them only for the same scheme,
//! host and port (curl's rule): a `Location` anywhere else gets none. And
//! they are never printed: a [`Url`] shows `http://user@host/`, a
//! [`Request`]'s `Debug` shows `***`, so errors and logs do not leak them.
//!
//! # Compressed bodies
//!
//! With the `gzip` feature (on by default), a client built with
//! [`ClientBuilder::gzip`] or [`ClientBuilder::deflate`] asks for
//! compressed bodies (`Accept-Encoding: gzip, deflate`) and decodes them as
//! they stream: [`BodyStream::chunk`], `AsyncRead` and
//! [`Response::body`] give the decoded bytes, and the headers that
//! describe the encoding are gone. The body limit bounds the decoded size
//! too, so a small body that expands enormously (a decompression bomb)
//! stops there with [`Error::Decode`], having held one 32 KiB buffer of it
//! at a time. Off by default: a client that does not ask gets the bytes as
//! the server sent them.
//!
//! # Proxies
//!
//! A [`Client`] sends its requests through the HTTP proxies the
//! environment names, as curl reads them — `http_proxy` for `http://`
//! URLs, `HTTPS_PROXY` (or `https_proxy`) for `https://`, `ALL_PROXY` for
//! both, and `NO_PROXY`, a list of hosts (`.example.com`), addresses,
//! CIDR ranges (`10.0.0.0/8`) and `*`, each with an optional `:port`, to
//! reach directly. Uppercase `HTTP_PROXY` is ignored on purpose: CGI
//! servers set it from a request's `Proxy:` header (the "httpoxy" hole),
//! so a client reading it could be steered by whoever sent the request.
//! [`ClientBuilder::proxy`] gives proxies instead, and
//! [`ClientBuilder::no_proxy`] none:
//!
//! ```
//! use http_client::{Client, Proxy};
//!
//! let client = Client::builder()
//!     .proxy(Proxy::all("http://user:secret@proxy.example:3128")?.no_proxy("localhost, .internal")?)
//!     .build();
//! # drop(client);
//! # Ok::<(), http_client::Error>(())
//! ```
//!
//! An `http://` request goes to the proxy with the whole URL on its
//! request line (`GET http://example.com/ HTTP/1.0`); an `https://` one
//! asks the proxy for a tunnel (`CONNECT example.com:443`) and runs TLS
//! with the origin inside it, so the certificate is checked against the
//! origin's name and the proxy sees only ciphertext. The proxy URL's
//! credentials go to the proxy as `Proxy-Authorization: Basic`, and a 407
//! is an error naming the proxy ([`Error::ProxyAuthentication`]). The
//! connect timeout covers the way through the proxy, the `CONNECT`
//! included. [`connect`] itself always goes directly.
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
//! [`Limits`] caps the head's size and field count and the body's size (0 =
//! no limit, for streamed bodies), and every violation is a distinct
//! [`ParseError`] naming the limit; [`Error::body_limit`] gives the body
//! limit a response crossed. A [`BodyStream`] holds at most its buffer,
//! whatever the server sends.

// docs.rs (nightly) marks feature-gated items with the feature they need.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
// The crate docs link to the TLS and gzip APIs, which exist only with
// their features.
#![cfg_attr(
    any(not(feature = "tls"), not(feature = "gzip")),
    allow(rustdoc::broken_intra_doc_links)
)]
#![warn(
    missing_docs,
    missing_debug_implementations,
    rust_2018_idioms,
    unreachable_pub
)]

mod basic;
mod client;
mod connect;
mod connection;
mod decode;
mod display;
mod error;
mod headers;
mod limits;
mod method;
mod parse;
mod pool;
mod proxy;
mod request;
mod response;
mod stats;
mod stream;
mod token;
pub mod transport;
mod url;
mod version;

pub use client::{
    Client, ClientBuilder, DEFAULT_MAX_REDIRECTS, DEFAULT_POOL_IDLE_TIMEOUT,
    DEFAULT_POOL_MAX_IDLE_PER_HOST, DEFAULT_TOTAL_TIMEOUT, IntoUrl, get, get_streaming,
};
pub use connect::{
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_HAPPY_EYEBALLS_DELAY, connect, connect_with_timeout,
};
pub use connection::{Connection, DEFAULT_IDLE_TIMEOUT};
pub use decode::DecodeError;
#[cfg(feature = "tls")]
#[cfg_attr(docsrs, doc(cfg(feature = "tls")))]
pub use error::CertificateProblem;
pub use error::{Error, IoPhase, Result, TimeoutPhase};
pub use headers::Headers;
pub use limits::Limits;
pub use method::Method;
pub use parse::{ParseError, ParsePhase, ResponseParser, Status, parse_response};
pub use proxy::{Proxy, ProxyError};
pub use request::{Request, RequestError};
pub use response::Response;
pub use stats::ClientStats;
pub use stream::BodyStream;
#[cfg(feature = "tls")]
#[cfg_attr(docsrs, doc(cfg(feature = "tls")))]
pub use transport::{TlsInfo, tls::TlsStream};
pub use url::{Scheme, Url, UrlError};
pub use version::Version;

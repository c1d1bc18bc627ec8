//! [`Connection`]: one open connection to one server (plain TCP, or TLS
//! over TCP for `https://`, through `transport/`), and the client's
//! second and third steps: [`send`](Connection::send) a request, then
//! [`read_head`](Connection::read_head) of its response, which hands the
//! body over unread as a [`BodyStream`]
//! ([`read_to_end`](Connection::read_to_end) does both and collects it).
//!
//! Both are thin loops around the pure protocol code: `Request::encode`
//! produces the bytes to write, and each read is fed straight to the
//! parser's head half, which says when the head is complete — so a server
//! that leaves the socket open after the body does not hold the client.
//! Reads go into the stream's own buffer (`stream/wire.rs`), allocated when
//! the response is read, so an idle connection costs no read buffer.
//!
//! Over TLS one more rule applies: a server that closes without
//! `close_notify` may have been cut off, so a body that ends at the close
//! fails with `Error::TlsTruncated`, while a body with a length or chunks
//! is judged by its framing as always (`stream/wire.rs` notes the unclean
//! close; the body stream decides).

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use runtime::time::timeout;

use crate::decode::{Accept, ContentDecoder};
use crate::parse::{HeadDone, HeadParser};
use crate::pool::{Lease, keep_alive};
use crate::proxy::{Forward, ProxyTarget};
use crate::stream::{Deadline, Wire};
use crate::transport::Transport;
use crate::{
    BodyStream, Error, IoPhase, Limits, Request, Response, Result, Scheme, TimeoutPhase, Url,
};

/// How long a connection waits for the next byte of a response (or for
/// room to write the request) before giving up, unless told otherwise.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// Bodies up to this size are copied into one buffer with the head and sent
/// in a single write; larger ones are written separately, uncopied.
const INLINE_BODY: usize = 16 * 1024;

/// An open connection, from [`connect`](crate::connect).
///
/// A connection from [`connect`] carries one request:
/// [`send`](Connection::send) it (with `Connection: close`), then
/// [`read_head`](Connection::read_head) (or
/// [`read_to_end`](Connection::read_to_end)) consumes the connection; it
/// closes when the body has been read or the stream is dropped. Reusing
/// connections is the [`Client`](crate::Client)'s job: its pool keeps them.
///
/// [`connect`]: crate::connect
pub struct Connection {
    transport: Transport,
    /// `host:port`, for error messages.
    authority: String,
    /// Longest wait for progress while sending or reading.
    idle_timeout: Duration,
    limits: Limits,
    /// The last request sent was `HEAD`: its response has no body.
    head_request: bool,
    /// The whole exchange's deadline, set by `Client`; the body stream keeps it.
    deadline: Option<Deadline>,
    /// The way back to a client's pool: requests ask for `Connection:
    /// keep-alive`, and a clean end of the response returns the
    /// connection. `None` for a connection from [`connect`](crate::connect)
    /// or a client that does not pool: one request, then it closes.
    lease: Option<Lease>,
    /// The connection came from the pool (it carried a response before).
    reused: bool,
    /// Set for a connection to a proxy that forwards `http://` requests:
    /// they are sent in absolute form, with the proxy's credentials.
    forward: Option<Forward>,
    /// The content codings the client decodes (`ClientBuilder::gzip`).
    accept: Accept,
    /// Those asked for with the last request sent: none for a request of
    /// a byte range, whose part of a compressed body could not be decoded.
    decoding: Accept,
}

/// Why [`Connection::exchange`] failed, for the client's replay rule.
#[derive(Debug)]
pub(crate) struct ExchangeError {
    pub(crate) error: Error,
    /// Not one byte of a response arrived (a send that failed, or a read
    /// that met the end of the stream or a reset first): on a reused
    /// connection this means the server had closed it.
    pub(crate) nothing_received: bool,
}

impl Connection {
    pub(crate) fn new(transport: Transport, authority: String) -> Connection {
        Connection {
            transport,
            authority,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            limits: Limits::default(),
            head_request: false,
            deadline: None,
            lease: None,
            reused: false,
            forward: None,
            accept: Accept::default(),
            decoding: Accept::default(),
        }
    }

    /// Asks for (and decodes) the content codings of `accept`.
    pub(crate) fn set_accept(&mut self, accept: Accept) {
        self.accept = accept;
    }

    /// A connection to `url`'s origin over `transport`, which goes through
    /// `proxy` if there is one: errors then name both, and requests to an
    /// `http://` origin are written for the proxy to forward. (To an
    /// `https://` origin, the transport is a tunnel the requests go
    /// through as they would directly.)
    pub(crate) fn routed(
        transport: Transport,
        url: &Url,
        proxy: Option<&ProxyTarget>,
    ) -> Connection {
        let Some(proxy) = proxy else {
            return Connection::new(transport, url.authority());
        };
        let authority = format!("{} via proxy {}", url.authority(), proxy.authority());
        let mut connection = Connection::new(transport, authority);
        if url.scheme() == Scheme::Http {
            connection.forward = Some(Forward {
                authorization: proxy.authorization(),
            });
        }
        connection
    }

    /// A connection of a pooled client: `lease` returns it to the pool,
    /// and `reused` says it came from there.
    pub(crate) fn with_lease(mut self, lease: Option<Lease>, reused: bool) -> Connection {
        self.lease = lease;
        self.reused = reused;
        self
    }

    /// Sends `request` and reads the head of its response, telling a
    /// failure before any response byte apart (see [`ExchangeError`]).
    pub(crate) async fn exchange(
        mut self,
        request: &Request,
    ) -> std::result::Result<BodyStream, ExchangeError> {
        if let Err(error) = self.send(request).await {
            let nothing_received = matches!(error, Error::Io { .. });
            return Err(ExchangeError {
                error,
                nothing_received,
            });
        }
        self.receive_head().await
    }

    /// Bounds every later read, the body's included, by `deadline`.
    pub(crate) fn set_deadline(&mut self, deadline: Deadline) {
        self.deadline = Some(deadline);
    }

    /// Sets how long sending and reading may go without progress
    /// (default [`DEFAULT_IDLE_TIMEOUT`]; `Duration::MAX` disables it).
    pub fn set_idle_timeout(&mut self, idle: Duration) {
        self.idle_timeout = idle;
    }

    /// Sets the limits the response must respect (default [`Limits::default`]).
    pub fn set_limits(&mut self, limits: Limits) {
        self.limits = limits;
    }

    /// For TLS: whether the handshake resumed an earlier session.
    pub(crate) fn tls_resumed(&self) -> Option<bool> {
        self.transport.tls_resumed()
    }

    /// The server's address.
    ///
    /// # Errors
    ///
    /// `NotConnected` if the connection has been reset.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.transport.peer_addr()
    }

    /// The TLS session, for an `https://` connection: its protocol version,
    /// cipher suite and the server's certificates.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// runtime::block_on(async {
    ///     let url = http_client::Url::parse("https://example.com/")?;
    ///     let connection = http_client::connect(&url).await?;
    ///     let tls = connection.tls().expect("an https:// connection");
    ///     println!("{:?}", tls.session().protocol_version());
    ///     Ok::<_, http_client::Error>(())
    /// })?;
    /// # Ok::<_, http_client::Error>(())
    /// ```
    #[cfg(feature = "tls")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tls")))]
    pub fn tls(&self) -> Option<&crate::transport::tls::TlsStream> {
        self.transport.tls()
    }

    /// Writes the whole request, across as many partial writes as it takes
    /// (and, over TLS, flushes it out of the session).
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if the socket fails (`sending the request to ...:
    /// broken pipe`), [`Error::Timeout`] with [`TimeoutPhase::Send`] if the
    /// server accepts no bytes for the idle timeout.
    ///
    /// # Cancellation
    ///
    /// Dropping the future leaves an unknown prefix of the request written;
    /// the connection is then only good for dropping.
    pub async fn send(&mut self, request: &Request) -> Result<()> {
        self.head_request = request.method().is_head();
        self.decoding = if request.headers().contains("range") {
            Accept::default()
        } else {
            self.accept
        };
        let accept_encoding = self.decoding.header_value();
        match request.body_bytes() {
            Some(body) if body.len() > INLINE_BODY => {
                // Two writes: without TCP_NODELAY the second could wait for
                // the ACK of the first (Nagle plus delayed ACK: 40 ms).
                let _ = self.transport.tcp().set_nodelay(true); // only a latency hint
                let keep_alive = self.lease.is_some();
                let head =
                    request.encode_head_for(keep_alive, self.forward.as_ref(), accept_encoding);
                self.write_all(&head).await?;
                self.write_all(body).await?;
            }
            _ => {
                let keep_alive = self.lease.is_some();
                let bytes = request.encode_for(keep_alive, self.forward.as_ref(), accept_encoding);
                self.write_all(&bytes).await?;
            }
        }
        self.flush().await
    }

    async fn write_all(&mut self, mut buf: &[u8]) -> Result<()> {
        while !buf.is_empty() {
            let write = poll_fn(|cx| self.transport.poll_write(cx, buf));
            match timeout(self.idle_timeout, write).await {
                Ok(Ok(0)) => {
                    return Err(self.io_error(IoPhase::Sending, io::ErrorKind::WriteZero.into()));
                }
                Ok(Ok(n)) => buf = &buf[n..],
                Ok(Err(e)) => return Err(self.io_error(IoPhase::Sending, e)),
                Err(_elapsed) => return Err(self.timeout(TimeoutPhase::Send)),
            }
        }
        Ok(())
    }

    /// Sends what the TLS session still holds (nothing to do for plain TCP).
    async fn flush(&mut self) -> Result<()> {
        let flush = poll_fn(|cx| self.transport.poll_flush(cx));
        match timeout(self.idle_timeout, flush).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(self.io_error(IoPhase::Sending, e)),
            Err(_elapsed) => Err(self.timeout(TimeoutPhase::Send)),
        }
    }

    /// Reads the head of the response to the request sent — status line and
    /// headers, skipping interim 1xx responses — and hands back the body
    /// unread, as a [`BodyStream`].
    ///
    /// The stream enforces the same framing and
    /// [`Limits`](Connection::set_limits) as [`read_to_end`](Self::read_to_end),
    /// as the body streams; it owns the connection and closes it when the
    /// body ends or the stream is dropped. A response with no body (to
    /// `HEAD`, a 204 or a 304) closes the connection at once.
    ///
    /// # Errors
    ///
    /// [`Error::Response`] for a malformed or over-limit head, a body
    /// framing the client refuses, or no response at all; [`Error::Io`] if
    /// the socket fails; [`Error::Timeout`] with [`TimeoutPhase::Idle`] if
    /// no byte arrives for the idle timeout.
    ///
    /// # Cancellation
    ///
    /// Dropping the future closes the connection.
    ///
    /// # Examples
    ///
    /// ```
    /// use http_client::{Request, Url};
    /// use runtime::net::TcpListener;
    ///
    /// runtime::block_on(async {
    ///     # let listener = TcpListener::bind("127.0.0.1:0")?;
    ///     # let port = listener.local_addr()?.port();
    ///     # runtime::spawn(async move {
    ///     #     let (mut s, _) = listener.accept().await.unwrap();
    ///     #     let mut buf = [0; 1024];
    ///     #     let _ = s.read(&mut buf).await;
    ///     #     s.write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n").await.unwrap();
    ///     # });
    ///     let url = Url::parse(&format!("http://127.0.0.1:{port}/"))?;
    ///     let mut connection = http_client::connect(&url).await?;
    ///     connection.send(&Request::get(url)).await?;
    ///     let mut body = connection.read_head().await?;
    ///     assert_eq!((body.status(), body.content_length()), (200, None));
    ///     assert_eq!(body.chunk().await?, Some(&b"ok"[..]));
    ///     assert_eq!(body.chunk().await?, None);
    ///     Ok::<_, Box<dyn std::error::Error>>(())
    /// })?;
    /// # Ok::<_, Box<dyn std::error::Error>>(())
    /// ```
    pub async fn read_head(self) -> Result<BodyStream> {
        self.receive_head().await.map_err(|failed| failed.error)
    }

    async fn receive_head(self) -> std::result::Result<BodyStream, ExchangeError> {
        let mut parser = HeadParser::new(self.head_request, self.limits);
        let mut wire = Wire::new(
            self.transport,
            self.authority,
            self.idle_timeout,
            self.deadline,
        );
        let mut received = false;
        loop {
            let read = match poll_fn(|cx| wire.poll_read_more(cx, parser.phase())).await {
                Ok(read) => read,
                Err(error) => {
                    let nothing_received = !received && matches!(error, Error::Io { .. });
                    return Err(ExchangeError {
                        error,
                        nothing_received,
                    });
                }
            };
            let parsed = if read == 0 {
                Err(parser.closed())
            } else {
                received = true;
                parser.push(wire.input())
            };
            match parsed {
                Ok(Some(HeadDone {
                    used,
                    mut head,
                    body,
                })) => {
                    wire.consume(used);
                    // The server's terms decide whether the connection
                    // may go back to the pool after this body.
                    let lease = self.lease.and_then(|lease| {
                        keep_alive(head.version, &head.headers, body.is_framed())
                            .map(|terms| (lease, terms))
                    });
                    // A compressed body the client asked for is decoded
                    // (and loses the headers that describe the encoding).
                    let content = (!body.is_done())
                        .then(|| {
                            let max = self.limits.max_body_bytes;
                            ContentDecoder::for_response(self.decoding, &mut head.headers, max)
                        })
                        .flatten();
                    return Ok(BodyStream::new(
                        head,
                        body,
                        wire,
                        lease,
                        self.reused,
                        content,
                    ));
                }
                Ok(None) => {
                    wire.consume(read);
                }
                Err(source) => {
                    return Err(ExchangeError {
                        error: Error::Response {
                            authority: wire.authority().to_owned(),
                            source,
                        },
                        nothing_received: !received,
                    });
                }
            }
        }
    }

    /// Reads the whole response to the request sent, and closes the
    /// connection: [`read_head`](Self::read_head), then
    /// [`BodyStream::read_to_end`].
    ///
    /// Reading stops as soon as the response is complete by its framing
    /// (`Content-Length`, the end of a chunked body, or no body at all for
    /// `HEAD`, 204 and 304); otherwise when the server closes.
    ///
    /// # Errors
    ///
    /// [`Error::Response`] for a malformed, truncated or over-limit response,
    /// or none at all; [`Error::Io`] if the socket fails; [`Error::Timeout`]
    /// with [`TimeoutPhase::Idle`] if no byte arrives for the idle timeout.
    ///
    /// # Cancellation
    ///
    /// Dropping the future closes the connection and discards what was read.
    pub async fn read_to_end(self) -> Result<Response> {
        self.read_head().await?.read_to_end().await
    }

    fn io_error(&self, phase: IoPhase, source: io::Error) -> Error {
        Error::Io {
            phase,
            authority: self.authority.clone(),
            source,
        }
    }

    fn timeout(&self, phase: TimeoutPhase) -> Error {
        Error::Timeout {
            phase,
            authority: self.authority.clone(),
            after: self.idle_timeout,
        }
    }
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("authority", &self.authority)
            .field("idle_timeout", &self.idle_timeout)
            .finish_non_exhaustive()
    }
}

//! [`Connection`]: one open connection to one server (plain TCP, or TLS
//! over TCP for `https://`, through `transport/`), and the client's
//! second and third steps: [`send`](Connection::send) a request, then
//! [`read_to_end`](Connection::read_to_end) its response.
//!
//! Both are thin loops around the pure protocol code: `Request::encode`
//! produces the bytes to write, and each read is fed straight to a
//! [`ResponseParser`], which says when the response is complete — so a
//! server that leaves the socket open after `Content-Length` bytes does not
//! hold the client. Reads go through one scratch buffer per thread (filled
//! and parsed within a single poll, never held across an `.await`), so an
//! idle connection costs no read buffer at all.
//!
//! Over TLS one more rule applies: a server that closes without
//! `close_notify` may have been cut off, so a body that ends at the close
//! fails with [`Error::TlsTruncated`](crate::Error::TlsTruncated), while a
//! body with a length or chunks is judged by its framing as always.

use std::cell::RefCell;
use std::fmt;
use std::future::poll_fn;
use std::io;
use std::net::SocketAddr;
use std::task::{Context, Poll};
use std::time::Duration;

use runtime::time::timeout;

use crate::transport::Transport;
use crate::{
    Error, IoPhase, Limits, Request, Response, ResponseParser, Result, Status, TimeoutPhase,
};

/// How long a connection waits for the next byte of a response (or for
/// room to write the request) before giving up, unless told otherwise.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// Bodies up to this size are copied into one buffer with the head and sent
/// in a single write; larger ones are written separately, uncopied.
const INLINE_BODY: usize = 16 * 1024;

/// Size of the per-thread read buffer.
const READ_BUFFER: usize = 64 * 1024;

thread_local! {
    static READ_BUF: RefCell<Vec<u8>> = RefCell::new(vec![0; READ_BUFFER]);
}

/// An open connection, from [`connect`](crate::connect).
///
/// HTTP/1.0 sends one request per connection: [`send`](Connection::send)
/// one, then [`read_to_end`](Connection::read_to_end) consumes the
/// connection and closes it.
pub struct Connection {
    transport: Transport,
    /// `host:port`, for error messages.
    authority: String,
    /// Longest wait for progress while sending or reading.
    idle_timeout: Duration,
    limits: Limits,
    /// The last request sent was `HEAD`: its response has no body.
    head_request: bool,
}

impl Connection {
    pub(crate) fn new(transport: Transport, authority: String) -> Connection {
        Connection {
            transport,
            authority,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            limits: Limits::default(),
            head_request: false,
        }
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
        match request.body_bytes() {
            Some(body) if body.len() > INLINE_BODY => {
                // Two writes: without TCP_NODELAY the second could wait for
                // the ACK of the first (Nagle plus delayed ACK: 40 ms).
                let _ = self.transport.tcp().set_nodelay(true); // only a latency hint
                self.write_all(&request.encode_head()).await?;
                self.write_all(body).await?;
            }
            _ => self.write_all(&request.encode()).await?,
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

    /// Reads the response to the request sent, and closes the connection.
    ///
    /// Reading stops as soon as the response is complete by its framing
    /// (`Content-Length`, the end of a chunked body, or no body at all for
    /// `HEAD`, 204 and 304); otherwise when the server closes.
    ///
    /// # Errors
    ///
    /// [`Error::Response`] for a malformed, truncated or over-limit response,
    /// or none at all; [`Error::Io`] if the socket fails; [`Error::Timeout`]
    /// with [`TimeoutPhase::Idle`] if no byte arrives for the idle timeout;
    /// over TLS, `Error::TlsTruncated` for a body that ends at a close
    /// without `close_notify`.
    ///
    /// # Cancellation
    ///
    /// Dropping the future closes the connection and discards what was read.
    pub async fn read_to_end(mut self) -> Result<Response> {
        let mut parser = ResponseParser::new(self.head_request, self.limits);
        let idle = self.idle_timeout;
        loop {
            let read = poll_fn(|cx| self.poll_read_into(&mut parser, cx));
            match timeout(idle, read).await {
                Ok(Ok(Some(response))) => return Ok(response),
                Ok(Ok(None)) => {}
                Ok(Err(e)) => return Err(e),
                Err(_elapsed) => return Err(self.timeout(TimeoutPhase::Idle(parser.phase()))),
            }
        }
    }

    /// One read, fed to the parser: `Some` once the response is complete.
    fn poll_read_into(
        &mut self,
        parser: &mut ResponseParser,
        cx: &mut Context<'_>,
    ) -> Poll<Result<Option<Response>>> {
        READ_BUF.with_borrow_mut(|buf| {
            let n = match self.transport.poll_read(cx, buf) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Ok(n)) => n,
                // Only TLS says this: the server closed without
                // `close_notify`. The framing decides whether that lost
                // anything we can tell; a body that ends at the close
                // cannot be trusted.
                Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::UnexpectedEof => {
                    return Poll::Ready(match parser.finish() {
                        Ok(_unverified) => Err(self.unclean_close(e)),
                        Err(source) => Err(Error::Response {
                            authority: self.authority.clone(),
                            source,
                        }),
                    });
                }
                Poll::Ready(Err(e)) => {
                    return Poll::Ready(Err(self.io_error(IoPhase::Receiving, e)));
                }
            };
            let parsed = if n == 0 {
                parser.finish().map(Some)
            } else {
                parser.feed(&buf[..n]).map(|status| match status {
                    Status::Complete(response) => Some(response),
                    Status::Partial => None,
                })
            };
            Poll::Ready(parsed.map_err(|source| Error::Response {
                authority: self.authority.clone(),
                source,
            }))
        })
    }

    /// The error for a stream that ended without `close_notify` where the
    /// response's framing cannot vouch for what arrived.
    fn unclean_close(&self, source: io::Error) -> Error {
        #[cfg(feature = "tls")]
        {
            let _ = source;
            Error::TlsTruncated {
                authority: self.authority.clone(),
            }
        }
        #[cfg(not(feature = "tls"))]
        self.io_error(IoPhase::Receiving, source)
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

//! [`Connection`]: one open TCP connection to one server, and the client's
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

use std::cell::RefCell;
use std::fmt;
use std::future::poll_fn;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use runtime::net::TcpStream;
use runtime::time::timeout;

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
    stream: TcpStream,
    /// `host:port`, for error messages.
    authority: String,
    /// Longest wait for progress while sending or reading.
    idle_timeout: Duration,
    limits: Limits,
    /// The last request sent was `HEAD`: its response has no body.
    head_request: bool,
}

impl Connection {
    pub(crate) fn new(stream: TcpStream, authority: String) -> Connection {
        Connection {
            stream,
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
        self.stream.peer_addr()
    }

    /// Writes the whole request, across as many partial writes as it takes.
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
                let _ = self.stream.set_nodelay(true); // only a latency hint
                self.write_all(&request.encode_head()).await?;
                self.write_all(body).await
            }
            _ => self.write_all(&request.encode()).await,
        }
    }

    async fn write_all(&mut self, mut buf: &[u8]) -> Result<()> {
        while !buf.is_empty() {
            match timeout(self.idle_timeout, self.stream.write(buf)).await {
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
    /// with [`TimeoutPhase::Idle`] if no byte arrives for the idle timeout.
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
            let n = match Pin::new(&mut self.stream).poll_read(cx, buf) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Ok(n)) => n,
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

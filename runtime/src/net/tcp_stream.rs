//! [`TcpStream`]: a non-blocking TCP connection, with a connect that never
//! blocks the loop and `read`/`write` futures that wait for readiness.
//!
//! # How a non-blocking connect works
//!
//! 1. `socket(SOCK_NONBLOCK)` and register it with the reactor before
//!    connecting (epoll would report readiness that already exists at
//!    registration anyway; registering first means a failure to register
//!    leaves no half-open connection to undo);
//! 2. `connect()` returns `EINPROGRESS` at once (on loopback it may even
//!    succeed at once);
//! 3. the kernel finishes the handshake in the background and the socket
//!    becomes *writable* (or reports an error/hang-up, which the reactor also
//!    treats as writable);
//! 4. `getsockopt(SO_ERROR)` says how it ended: 0 means connected, otherwise
//!    the error (`ECONNREFUSED`, `ETIMEDOUT`, ...).

use std::fmt;
use std::future::Future;
use std::io::{self, Read as _, Write as _};
use std::net::{Shutdown, SocketAddr};
use std::os::fd::OwnedFd;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::io::Io;
use super::sys;
use crate::reactor::Direction;

/// A TCP connection registered with the runtime's reactor.
///
/// Get one with [`TcpStream::connect`] (or [`connect_host`](TcpStream::connect_host)
/// for a `"host:port"` name) or from [`TcpListener::accept`](super::TcpListener::accept).
/// Reads and writes are futures; [`poll_read`](TcpStream::poll_read) and
/// [`poll_write`](TcpStream::poll_write) serve hand-written futures.
///
/// Dropping the stream removes it from the reactor and then closes it.
///
/// # Examples
///
/// ```
/// use runtime::net::{TcpListener, TcpStream};
///
/// runtime::block_on(async {
///     let listener = TcpListener::bind("127.0.0.1:0".parse().unwrap())?;
///     let addr = listener.local_addr()?;
///     let server = runtime::spawn(async move {
///         let (mut conn, _) = listener.accept().await?;
///         conn.write_all(b"hello").await?;
///         std::io::Result::Ok(())
///     });
///     let mut client = TcpStream::connect(addr).await?;
///     let mut reply = Vec::new();
///     client.read_to_end(&mut reply).await?;
///     assert_eq!(reply, b"hello");
///     server.await.unwrap()
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub struct TcpStream {
    io: Io<std::net::TcpStream>,
}

impl TcpStream {
    /// Wraps a connected, non-blocking socket (from `accept4`).
    pub(crate) fn from_accepted(fd: OwnedFd) -> io::Result<TcpStream> {
        // Data may already be waiting: try reads and writes before waiting.
        Ok(TcpStream {
            io: Io::new(std::net::TcpStream::from(fd), true, "TcpListener::accept")?,
        })
    }

    /// Opens a connection to `addr` without blocking the thread.
    ///
    /// # Errors
    ///
    /// The error of the connection attempt: `ConnectionRefused` when nothing
    /// listens there (reported as soon as the peer's reset arrives),
    /// `TimedOut` when the kernel gives up on the handshake (after a minute
    /// or more: bound it with [`time::timeout`](crate::time::timeout)), or a
    /// socket creation error. Polling it outside a runtime is an error too.
    ///
    /// # Cancellation
    ///
    /// Dropping the future abandons the attempt and closes the socket.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use runtime::net::TcpStream;
    ///
    /// runtime::block_on(async {
    ///     // Port 9 (discard) is almost never open on loopback.
    ///     let addr = "127.0.0.1:9".parse().unwrap();
    ///     let attempt = runtime::time::timeout(Duration::from_secs(5), TcpStream::connect(addr));
    ///     match attempt.await {
    ///         Ok(Ok(_stream)) => println!("connected"),
    ///         Ok(Err(e)) => println!("connect failed: {e}"),
    ///         Err(_) => println!("connect timed out"),
    ///     }
    /// });
    /// ```
    pub fn connect(addr: SocketAddr) -> Connect {
        Connect {
            state: ConnectState::Start(addr),
        }
    }

    /// Resolves `"host:port"` on a helper thread (see
    /// [`lookup_host`](super::lookup_host)) and connects to each address in
    /// turn until one accepts.
    ///
    /// # Errors
    ///
    /// A resolution error, or the error of the last address tried.
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime::net::{TcpListener, TcpStream};
    ///
    /// runtime::block_on(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0".parse().unwrap())?;
    ///     let port = listener.local_addr()?.port();
    ///     let stream = TcpStream::connect_host(&format!("localhost:{port}")).await?;
    ///     assert_eq!(stream.peer_addr()?.port(), port);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn connect_host(host_port: &str) -> io::Result<TcpStream> {
        let addrs = super::lookup_host(host_port).await?;
        let mut last_error = None;
        for addr in addrs {
            match TcpStream::connect(addr).await {
                Ok(stream) => return Ok(stream),
                Err(e) => last_error = Some(e),
            }
        }
        Err(last_error.unwrap_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                format!("{host_port} resolved to no addresses"),
            )
        }))
    }

    /// Reads some bytes into `buf`; `Ok(0)` means the peer closed its side
    /// (or `buf` is empty).
    ///
    /// # Cancellation
    ///
    /// Dropping the future reads nothing and leaves no waker behind.
    pub fn read<'a>(&'a mut self, buf: &'a mut [u8]) -> super::Read<'a> {
        super::Read::new(self, buf)
    }

    /// Reads until the peer closes, appending to `buf`; returns the number
    /// of bytes read.
    ///
    /// # Cancellation
    ///
    /// Dropping the future keeps what was appended so far.
    pub fn read_to_end<'a>(&'a mut self, buf: &'a mut Vec<u8>) -> super::ReadToEnd<'a> {
        super::ReadToEnd::new(self, buf)
    }

    /// Writes some of `buf`; returns how many bytes were written.
    ///
    /// # Cancellation
    ///
    /// Dropping the future writes nothing and leaves no waker behind.
    pub fn write<'a>(&'a mut self, buf: &'a [u8]) -> super::Write<'a> {
        super::Write::new(self, buf)
    }

    /// Writes all of `buf`, across as many partial writes as it takes.
    ///
    /// # Errors
    ///
    /// The first write error (`BrokenPipe` or `ConnectionReset` if the peer
    /// has gone), or `WriteZero` if the socket accepts no more bytes.
    ///
    /// # Cancellation
    ///
    /// Dropping the future midway leaves an unknown prefix of `buf` written.
    pub fn write_all<'a>(&'a mut self, buf: &'a [u8]) -> super::WriteAll<'a> {
        super::WriteAll::new(self, buf)
    }

    /// Attempts a read, registering the task's waker if the socket has no
    /// data yet. The shape of `futures::io::AsyncRead::poll_read`.
    pub fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().poll_read_ref(cx, buf)
    }

    /// Attempts a write, registering the task's waker if the send buffer is
    /// full. The shape of `futures::io::AsyncWrite::poll_write`.
    pub fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().poll_write_ref(cx, buf)
    }

    pub(crate) fn poll_read_ref(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let poll = self.io.poll_io(Direction::Read, cx, |s| (&*s).read(buf));
        // A short read usually means the socket is drained, and runtimes
        // that see EPOLLRDHUP skip the next read on that basis. `polling`
        // does not report RDHUP, and if the peer's FIN arrived together with
        // the data there will be no further edge: waiting now would hang on
        // a stream that is already at its end. So readiness is cleared only
        // by `WouldBlock`, at the cost of one extra read per wait.
        poll
    }

    pub(crate) fn poll_write_ref(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let n = match self.io.poll_io(Direction::Write, cx, |s| (&*s).write(buf)) {
            Poll::Ready(Ok(n)) => n,
            other => return other,
        };
        // A short write means the send buffer is full.
        if n < buf.len() {
            self.io.clear_ready(Direction::Write);
        }
        Poll::Ready(Ok(n))
    }

    /// Forgets the waker stored for `dir` (its future was dropped mid-wait).
    pub(crate) fn clear_waker(&self, dir: Direction) {
        self.io.clear_waker(dir);
    }

    /// The address of the peer.
    ///
    /// # Errors
    ///
    /// `NotConnected` if the connection has been reset.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// The local address of this end.
    ///
    /// # Errors
    ///
    /// Only if the socket is in an unexpected state.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// Disables (`true`) or enables Nagle's algorithm. Set it for
    /// request/response protocols that write small messages.
    ///
    /// # Errors
    ///
    /// If `setsockopt` fails.
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.io.get_ref().set_nodelay(nodelay)
    }

    /// Whether Nagle's algorithm is disabled.
    ///
    /// # Errors
    ///
    /// If `getsockopt` fails.
    pub fn nodelay(&self) -> io::Result<bool> {
        self.io.get_ref().nodelay()
    }

    /// Sets `SO_LINGER`. With `Some(Duration::ZERO)`, dropping the stream
    /// sends a reset (RST) instead of a normal close.
    ///
    /// # Errors
    ///
    /// If `setsockopt` fails.
    pub fn set_linger(&self, linger: Option<std::time::Duration>) -> io::Result<()> {
        sys::set_linger(self.io.get_ref(), linger)
    }

    /// Shuts down the read half, the write half, or both. Shutting down the
    /// write half sends FIN: the peer reads end-of-stream.
    ///
    /// # Errors
    ///
    /// `NotConnected` if the connection is already gone.
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.io.get_ref().shutdown(how)
    }
}

impl fmt::Debug for TcpStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpStream")
            .field("local", &self.local_addr().ok())
            .field("peer", &self.peer_addr().ok())
            .finish()
    }
}

/// The future returned by [`TcpStream::connect`].
///
/// # Cancellation
///
/// Dropping it abandons the attempt: the socket is deregistered and closed.
#[must_use = "futures do nothing unless awaited"]
pub struct Connect {
    state: ConnectState,
}

enum ConnectState {
    /// Not polled yet: no socket exists.
    Start(SocketAddr),
    /// `connect` returned `EINPROGRESS`; waiting for writability.
    Connecting(Io<std::net::TcpStream>),
    /// Completed (or failed).
    Done,
}

impl Future for Connect {
    type Output = io::Result<TcpStream>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        loop {
            match std::mem::replace(&mut self.state, ConnectState::Done) {
                ConnectState::Start(addr) => {
                    let fd = sys::stream_socket(&addr)?;
                    let io = Io::new(std::net::TcpStream::from(fd), false, "TcpStream::connect")?;
                    if sys::start_connect(io.get_ref(), &addr)? {
                        io.set_ready(Direction::Write);
                        return Poll::Ready(Ok(TcpStream { io }));
                    }
                    self.state = ConnectState::Connecting(io);
                }
                ConnectState::Connecting(io) => {
                    if io.poll_ready(Direction::Write, cx).is_pending() {
                        self.state = ConnectState::Connecting(io);
                        return Poll::Pending;
                    }
                    // On error `io` drops here: deregistered, then closed.
                    sys::take_error(io.get_ref())?;
                    return Poll::Ready(Ok(TcpStream { io }));
                }
                ConnectState::Done => panic!("Connect polled after it completed"),
            }
        }
    }
}

impl fmt::Debug for Connect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match &self.state {
            ConnectState::Start(addr) => format!("start {addr}"),
            ConnectState::Connecting(_) => "connecting".to_string(),
            ConnectState::Done => "done".to_string(),
        };
        f.debug_struct("Connect").field("state", &state).finish()
    }
}

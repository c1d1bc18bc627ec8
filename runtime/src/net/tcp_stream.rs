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
use std::io;
use std::net::{Shutdown, SocketAddr};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::io::{Async, StreamHandle};
use crate::reactor::Direction;
use crate::sys;

/// A TCP connection registered with the runtime's reactor.
///
/// Get one with [`TcpStream::connect`] (or [`connect_host`](TcpStream::connect_host)
/// for a `"host:port"` name) or from [`TcpListener::accept`](super::TcpListener::accept).
/// Reads and writes are futures; [`poll_read`](TcpStream::poll_read) and
/// [`poll_write`](TcpStream::poll_write) serve hand-written futures, and
/// with the default feature `futures-io` both `TcpStream` and `&TcpStream`
/// implement `futures_io::AsyncRead` and `AsyncWrite` (`poll_flush` does
/// nothing; `poll_close` shuts down the write half). Through `&TcpStream`
/// one task may read while another writes; [`split`](TcpStream::split) and
/// [`into_split`](TcpStream::into_split) give the two sides names.
///
/// It is a thin layer over [`Async`]`<std::net::TcpStream>`. Dropping the
/// stream removes it from the reactor and then closes it.
///
/// # Examples
///
/// ```
/// use runtime::net::{TcpListener, TcpStream};
///
/// runtime::block_on(async {
///     let listener = TcpListener::bind("127.0.0.1:0")?;
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
    io: Async<std::net::TcpStream>,
}

impl TcpStream {
    /// Wraps a connected, non-blocking socket (from `accept4`).
    pub(crate) fn from_accepted(fd: OwnedFd) -> io::Result<TcpStream> {
        // Data may already be waiting: try reads and writes before waiting.
        let io = Async::with_readiness(std::net::TcpStream::from(fd), true, "TcpListener::accept")?;
        Ok(TcpStream { io })
    }

    /// Takes over a connected std stream (made elsewhere, or handed over by
    /// another thread): puts it in non-blocking mode and registers it with
    /// the current runtime's reactor.
    ///
    /// # Errors
    ///
    /// If the socket cannot be made non-blocking or registered, or if called
    /// outside a runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime::net::TcpStream;
    ///
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// let std_stream = std::net::TcpStream::connect(listener.local_addr()?)?;
    /// runtime::block_on(async move {
    ///     let mut stream = TcpStream::from_std(std_stream)?;
    ///     let (mut conn, _) = listener.accept()?;
    ///     std::io::Write::write_all(&mut conn, b"hey")?;
    ///     let mut buf = [0; 3];
    ///     let mut got = 0;
    ///     while got < 3 {
    ///         got += stream.read(&mut buf[got..]).await?;
    ///     }
    ///     assert_eq!(&buf, b"hey");
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn from_std(stream: std::net::TcpStream) -> io::Result<TcpStream> {
        stream.set_nonblocking(true)?;
        let io = Async::with_readiness(stream, true, "TcpStream::from_std")?;
        Ok(TcpStream { io })
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
    ///     let listener = TcpListener::bind("127.0.0.1:0")?;
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
    /// # Examples
    ///
    /// ```
    /// use runtime::net::{TcpListener, TcpStream};
    ///
    /// runtime::block_on(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0")?;
    ///     let mut client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (mut server, _) = listener.accept().await?;
    ///     server.write_all(b"abc").await?;
    ///     let mut buf = [0; 8];
    ///     assert!(client.read(&mut buf).await? > 0);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn read<'a>(&'a mut self, buf: &'a mut [u8]) -> super::Read<'a> {
        super::Read::new(self.stream_io(), buf)
    }

    /// Reads until the peer closes, appending to `buf`; returns the number
    /// of bytes read.
    ///
    /// # Cancellation
    ///
    /// Dropping the future keeps what was appended so far.
    /// # Examples
    ///
    /// ```
    /// use runtime::net::{TcpListener, TcpStream};
    ///
    /// runtime::block_on(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0")?;
    ///     let mut client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (mut server, _) = listener.accept().await?;
    ///     server.write_all(b"abc").await?;
    ///     drop(server);
    ///     let mut all = Vec::new();
    ///     assert_eq!(client.read_to_end(&mut all).await?, 3);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn read_to_end<'a>(&'a mut self, buf: &'a mut Vec<u8>) -> super::ReadToEnd<'a> {
        super::ReadToEnd::new(self.stream_io(), buf)
    }

    /// Writes some of `buf`; returns how many bytes were written.
    ///
    /// # Cancellation
    ///
    /// Dropping the future writes nothing and leaves no waker behind.
    /// # Examples
    ///
    /// ```
    /// use runtime::net::{TcpListener, TcpStream};
    ///
    /// runtime::block_on(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0")?;
    ///     let mut client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (mut server, _) = listener.accept().await?;
    ///     assert_eq!(client.write(b"x").await?, 1);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn write<'a>(&'a mut self, buf: &'a [u8]) -> super::Write<'a> {
        super::Write::new(self.stream_io(), buf)
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
    /// # Examples
    ///
    /// ```
    /// use runtime::net::{TcpListener, TcpStream};
    ///
    /// runtime::block_on(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0")?;
    ///     let mut client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (mut server, _) = listener.accept().await?;
    ///     client.write_all(&[7; 100_000]).await?;
    ///     drop(client);
    ///     let mut all = Vec::new();
    ///     server.read_to_end(&mut all).await?;
    ///     assert_eq!(all.len(), 100_000);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn write_all<'a>(&'a mut self, buf: &'a [u8]) -> super::WriteAll<'a> {
        super::WriteAll::new(self.stream_io(), buf)
    }

    /// Attempts a read, registering the task's waker if the socket has no
    /// data yet. The shape of `futures::io::AsyncRead::poll_read`.
    ///
    /// The waker is stored once per task and not taken back if you stop
    /// polling (the next event wakes it, harmlessly).
    /// # Examples
    ///
    /// ```
    /// use runtime::net::{TcpListener, TcpStream};
    ///
    /// runtime::block_on(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0")?;
    ///     let mut client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (mut server, _) = listener.accept().await?;
    ///     server.write_all(b"z").await?;
    ///     let mut buf = [0; 1];
    ///     let n = std::future::poll_fn(|cx| std::pin::Pin::new(&mut client).poll_read(cx, &mut buf)).await?;
    ///     assert_eq!(n, 1);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.stream_io().poll_read(cx, buf, None)
    }

    /// Attempts a write, registering the task's waker if the send buffer is
    /// full. The shape of `futures::io::AsyncWrite::poll_write`.
    /// # Examples
    ///
    /// ```
    /// use runtime::net::{TcpListener, TcpStream};
    ///
    /// runtime::block_on(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0")?;
    ///     let mut client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (mut server, _) = listener.accept().await?;
    ///     let n = std::future::poll_fn(|cx| std::pin::Pin::new(&mut client).poll_write(cx, b"z")).await?;
    ///     assert_eq!(n, 1);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.stream_io().poll_write(cx, buf, None)
    }

    /// `Ready` when the socket has something to read *now* — data, the
    /// peer's FIN, a reset or an error — checked with a zero-timeout
    /// `poll(2)` behind the reactor's cached readiness, so it never reports
    /// a stale edge; otherwise registers the waker for the next read event
    /// and returns `Pending`. Nothing is read. tokio's name for it.
    ///
    /// A connection pool uses it to watch an idle connection: on an idle
    /// HTTP connection anything readable means the server closed it or sent
    /// bytes nobody asked for. The waker is stored once per task (or per
    /// waker, for a waker that is not a task's) and is not taken back when
    /// you stop polling: the next read event wakes it, harmlessly.
    ///
    /// # Errors
    ///
    /// If `poll(2)` fails on the descriptor.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use std::task::Poll;
    /// use runtime::net::{TcpListener, TcpStream};
    ///
    /// runtime::block_on(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0")?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (server, _) = listener.accept().await?;
    ///     // Nothing sent yet: not readable.
    ///     let idle = poll_fn(|cx| Poll::Ready(client.poll_read_ready(cx).is_pending())).await;
    ///     assert!(idle);
    ///     drop(server); // the FIN makes it readable
    ///     poll_fn(|cx| client.poll_read_ready(cx)).await?;
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_readable(cx)
    }

    /// Whether the socket has something to read *right now* — data, a FIN,
    /// a reset — by a zero-timeout `poll(2)`, whatever the reactor last
    /// noted. Registers no waker and changes nothing.
    ///
    /// # Errors
    ///
    /// If `poll(2)` fails on the descriptor.
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime::net::{TcpListener, TcpStream};
    ///
    /// runtime::block_on(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0")?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (server, _) = listener.accept().await?;
    ///     assert!(!client.read_ready_now()?);
    ///     drop(server); // its FIN arrives
    ///     let mut waited = 0;
    ///     while !client.read_ready_now()? && waited < 1000 {
    ///         runtime::time::sleep(std::time::Duration::from_millis(1)).await;
    ///         waited += 1;
    ///     }
    ///     assert!(client.read_ready_now()?);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn read_ready_now(&self) -> io::Result<bool> {
        sys::ready_now(self.as_fd(), false)
    }

    /// Reads and writes of this socket, for the futures and the halves.
    pub(crate) fn stream_io(&self) -> StreamHandle<'_> {
        self.io.stream()
    }

    /// `shutdown(Write)`, for `poll_close` and the write halves.
    pub(crate) fn shutdown_write(&self) -> io::Result<()> {
        self.shutdown(Shutdown::Write)
    }

    /// The address of the peer.
    ///
    /// # Errors
    ///
    /// `NotConnected` if the connection has been reset.
    /// # Examples
    ///
    /// ```
    /// use runtime::net::{TcpListener, TcpStream};
    ///
    /// runtime::block_on(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0")?;
    ///     let mut client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (mut server, _) = listener.accept().await?;
    ///     assert_eq!(client.peer_addr()?, listener.local_addr()?);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// The local address of this end.
    ///
    /// # Errors
    ///
    /// Only if the socket is in an unexpected state.
    /// # Examples
    ///
    /// ```
    /// use runtime::net::{TcpListener, TcpStream};
    ///
    /// runtime::block_on(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0")?;
    ///     let mut client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (mut server, _) = listener.accept().await?;
    ///     assert_eq!(client.local_addr()?, server.peer_addr()?);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// Disables (`true`) or enables Nagle's algorithm. Set it for
    /// request/response protocols that write small messages.
    ///
    /// # Errors
    ///
    /// If `setsockopt` fails.
    /// # Examples
    ///
    /// ```
    /// use runtime::net::{TcpListener, TcpStream};
    ///
    /// runtime::block_on(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0")?;
    ///     let mut client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (mut server, _) = listener.accept().await?;
    ///     client.set_nodelay(true)?;
    ///     assert!(client.nodelay()?);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.io.get_ref().set_nodelay(nodelay)
    }

    /// Whether Nagle's algorithm is disabled.
    ///
    /// # Errors
    ///
    /// If `getsockopt` fails.
    /// # Examples
    ///
    /// ```
    /// use runtime::net::{TcpListener, TcpStream};
    ///
    /// runtime::block_on(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0")?;
    ///     let mut client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (mut server, _) = listener.accept().await?;
    ///     assert!(!client.nodelay()?);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn nodelay(&self) -> io::Result<bool> {
        self.io.get_ref().nodelay()
    }

    /// Sets `SO_LINGER`. With `Some(Duration::ZERO)`, dropping the stream
    /// sends a reset (RST) instead of a normal close.
    ///
    /// # Errors
    ///
    /// If `setsockopt` fails.
    /// # Examples
    ///
    /// ```
    /// use runtime::net::{TcpListener, TcpStream};
    ///
    /// runtime::block_on(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0")?;
    ///     let mut client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (mut server, _) = listener.accept().await?;
    ///     client.set_linger(Some(std::time::Duration::ZERO))?;
    ///     drop(client); // a reset, not a FIN
    ///     let mut buf = [0; 1];
    ///     assert!(server.read(&mut buf).await.is_err());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn set_linger(&self, linger: Option<std::time::Duration>) -> io::Result<()> {
        sys::set_linger(self.io.get_ref(), linger)
    }

    /// Shuts down the read half, the write half, or both. Shutting down the
    /// write half sends FIN: the peer reads end-of-stream.
    ///
    /// # Errors
    ///
    /// `NotConnected` if the connection is already gone.
    /// # Examples
    ///
    /// ```
    /// use runtime::net::{TcpListener, TcpStream};
    ///
    /// runtime::block_on(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0")?;
    ///     let mut client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (mut server, _) = listener.accept().await?;
    ///     client.shutdown(std::net::Shutdown::Write)?;
    ///     let mut all = Vec::new();
    ///     assert_eq!(server.read_to_end(&mut all).await?, 0);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.io.get_ref().shutdown(how)
    }
}

impl AsFd for TcpStream {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.as_fd()
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
    Connecting(Async<std::net::TcpStream>),
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
                    let socket = std::net::TcpStream::from(fd);
                    let io = Async::with_readiness(socket, false, "TcpStream::connect")?;
                    if sys::start_connect(io.get_ref(), &addr)? {
                        io.registration().set_ready(Direction::Write);
                        return Poll::Ready(Ok(TcpStream { io }));
                    }
                    self.state = ConnectState::Connecting(io);
                }
                ConnectState::Connecting(io) => {
                    let registration = io.registration();
                    if registration
                        .poll_ready(Direction::Write, cx, None)
                        .is_pending()
                    {
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

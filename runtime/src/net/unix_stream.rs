//! [`UnixStream`]: a connection over a Unix domain socket, read and written
//! like a [`TcpStream`](super::TcpStream) (a thin layer over
//! [`Async`]`<std::os::unix::net::UnixStream>`).

use std::fmt;
use std::future::Future;
use std::io;
use std::net::Shutdown;
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::task::{Context, Poll};

use super::{Read, ReadToEnd, Write, WriteAll};
use crate::io::{Async, StreamHandle};
use crate::reactor::Direction;
use crate::sys;

/// A Unix domain stream socket registered with the runtime's reactor.
///
/// Get one with [`UnixStream::connect`], [`UnixStream::pair`] or
/// [`UnixListener::accept`](super::UnixListener::accept). It reads and
/// writes as [`TcpStream`](super::TcpStream) does, with the same futures;
/// with the default feature `futures-io`, `UnixStream` and `&UnixStream`
/// implement `futures_io::AsyncRead` and `AsyncWrite`.
///
/// # Examples
///
/// ```
/// use runtime::net::UnixStream;
///
/// runtime::block_on(async {
///     let (mut a, mut b) = UnixStream::pair()?;
///     a.write_all(b"over a socketpair").await?;
///     drop(a);
///     let mut got = Vec::new();
///     b.read_to_end(&mut got).await?;
///     assert_eq!(got, b"over a socketpair");
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub struct UnixStream {
    io: Async<std::os::unix::net::UnixStream>,
}

impl UnixStream {
    /// Wraps a connected, non-blocking socket. `ready`: data may already be
    /// waiting (accepted sockets, pairs).
    pub(crate) fn from_socket(
        socket: std::os::unix::net::UnixStream,
        ready: bool,
        what: &str,
    ) -> io::Result<UnixStream> {
        Ok(UnixStream {
            io: Async::with_readiness(socket, ready, what)?,
        })
    }

    /// Connects to the socket bound at `path`, without blocking the thread.
    ///
    /// # Errors
    ///
    /// `NotFound` if nothing is bound there, `ConnectionRefused` if nobody
    /// listens, `WouldBlock` if the listener's backlog is full (Linux fails
    /// at once rather than waiting), or an error outside a runtime.
    ///
    /// # Cancellation
    ///
    /// Dropping the future abandons the attempt and closes the socket.
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime::net::{UnixListener, UnixStream};
    ///
    /// let dir = std::env::temp_dir().join(format!("rt-doc-connect-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("sock");
    /// # let _ = std::fs::remove_file(&path);
    /// runtime::block_on(async {
    ///     let listener = UnixListener::bind(&path)?;
    ///     let mut client = UnixStream::connect(&path).await?;
    ///     let (mut server, _) = listener.accept().await?;
    ///     client.write_all(b"hi").await?;
    ///     let mut buf = [0; 2];
    ///     let mut got = 0;
    ///     while got < 2 {
    ///         got += server.read(&mut buf[got..]).await?;
    ///     }
    ///     assert_eq!(&buf, b"hi");
    ///     std::io::Result::Ok(())
    /// })?;
    /// std::fs::remove_dir_all(&dir)?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn connect(path: impl AsRef<Path>) -> UnixConnect {
        UnixConnect {
            state: ConnectState::Start(path.as_ref().to_path_buf()),
        }
    }

    /// Two connected sockets (`socketpair`), both registered.
    ///
    /// # Errors
    ///
    /// Out of descriptors, or called outside a runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime::net::UnixStream;
    ///
    /// runtime::block_on(async {
    ///     let (mut a, mut b) = UnixStream::pair()?;
    ///     b.write_all(b"x").await?;
    ///     let mut buf = [0; 1];
    ///     assert_eq!(a.read(&mut buf).await?, 1);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn pair() -> io::Result<(UnixStream, UnixStream)> {
        let (a, b) = sys::unix_pair()?;
        let a = UnixStream::from_socket(a.into(), true, "UnixStream::pair")?;
        let b = UnixStream::from_socket(b.into(), true, "UnixStream::pair")?;
        Ok((a, b))
    }

    /// Takes over a connected std socket: puts it in non-blocking mode and
    /// registers it.
    ///
    /// # Errors
    ///
    /// If the socket cannot be made non-blocking or registered, or if called
    /// outside a runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime::net::UnixStream;
    ///
    /// runtime::block_on(async {
    ///     let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    ///     let a = UnixStream::from_std(a)?;
    ///     assert!(a.peer_addr()?.is_unnamed());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn from_std(socket: std::os::unix::net::UnixStream) -> io::Result<UnixStream> {
        socket.set_nonblocking(true)?;
        UnixStream::from_socket(socket, true, "UnixStream::from_std")
    }

    /// Reads some bytes into `buf`; `Ok(0)` means the peer closed its side.
    ///
    /// # Cancellation
    ///
    /// Dropping the future reads nothing and leaves no waker behind.
    /// # Examples
    ///
    /// ```
    /// use runtime::net::UnixStream;
    ///
    /// runtime::block_on(async {
    ///     let (mut a, mut b) = UnixStream::pair()?;
    ///     b.write_all(b"abc").await?;
    ///     let mut buf = [0; 8];
    ///     assert_eq!(a.read(&mut buf).await?, 3);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn read<'a>(&'a mut self, buf: &'a mut [u8]) -> Read<'a> {
        Read::new(self.stream_io(), buf)
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
    /// use runtime::net::UnixStream;
    ///
    /// runtime::block_on(async {
    ///     let (mut a, mut b) = UnixStream::pair()?;
    ///     b.write_all(b"all of it").await?;
    ///     drop(b);
    ///     let mut all = Vec::new();
    ///     assert_eq!(a.read_to_end(&mut all).await?, 9);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn read_to_end<'a>(&'a mut self, buf: &'a mut Vec<u8>) -> ReadToEnd<'a> {
        ReadToEnd::new(self.stream_io(), buf)
    }

    /// Writes some of `buf`; returns how many bytes were written.
    ///
    /// # Cancellation
    ///
    /// Dropping the future writes nothing and leaves no waker behind.
    /// # Examples
    ///
    /// ```
    /// use runtime::net::UnixStream;
    ///
    /// runtime::block_on(async {
    ///     let (mut a, _b) = UnixStream::pair()?;
    ///     assert_eq!(a.write(b"some").await?, 4);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn write<'a>(&'a mut self, buf: &'a [u8]) -> Write<'a> {
        Write::new(self.stream_io(), buf)
    }

    /// Writes all of `buf`.
    ///
    /// # Errors
    ///
    /// The first write error (`BrokenPipe` once the peer has gone).
    ///
    /// # Cancellation
    ///
    /// Dropping the future midway leaves an unknown prefix of `buf` written.
    /// # Examples
    ///
    /// ```
    /// use runtime::net::UnixStream;
    ///
    /// runtime::block_on(async {
    ///     let (mut a, mut b) = UnixStream::pair()?;
    ///     a.write_all(&[1; 1000]).await?;
    ///     drop(a);
    ///     let mut got = Vec::new();
    ///     b.read_to_end(&mut got).await?;
    ///     assert_eq!(got.len(), 1000);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn write_all<'a>(&'a mut self, buf: &'a [u8]) -> WriteAll<'a> {
        WriteAll::new(self.stream_io(), buf)
    }

    /// Attempts a read (for hand-written futures).
    ///
    /// # Errors
    ///
    /// The read's error.
    /// # Examples
    ///
    /// ```
    /// use runtime::net::UnixStream;
    ///
    /// runtime::block_on(async {
    ///     use std::pin::Pin;
    ///     let (mut a, mut b) = UnixStream::pair()?;
    ///     b.write_all(b"z").await?;
    ///     let mut buf = [0; 1];
    ///     let n = std::future::poll_fn(|cx| Pin::new(&mut a).poll_read(cx, &mut buf)).await?;
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

    /// Attempts a write (for hand-written futures).
    ///
    /// # Errors
    ///
    /// The write's error.
    /// # Examples
    ///
    /// ```
    /// use runtime::net::UnixStream;
    ///
    /// runtime::block_on(async {
    ///     use std::pin::Pin;
    ///     let (mut a, _b) = UnixStream::pair()?;
    ///     let n = std::future::poll_fn(|cx| Pin::new(&mut a).poll_write(cx, b"z")).await?;
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

    /// The address of this end (unnamed for a connecting socket or a pair).
    ///
    /// # Errors
    ///
    /// Only if the socket is in an unexpected state.
    /// # Examples
    ///
    /// ```
    /// use runtime::net::UnixStream;
    ///
    /// runtime::block_on(async {
    ///     let (a, _b) = UnixStream::pair()?;
    ///     assert!(a.local_addr()?.is_unnamed());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The address of the peer (the listener's path, for a client).
    ///
    /// # Errors
    ///
    /// `NotConnected` once the connection is gone.
    /// # Examples
    ///
    /// ```
    /// use runtime::net::UnixStream;
    ///
    /// runtime::block_on(async {
    ///     let (a, _b) = UnixStream::pair()?;
    ///     assert!(a.peer_addr()?.as_pathname().is_none());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// Shuts down the read half, the write half, or both.
    ///
    /// # Errors
    ///
    /// `NotConnected` if the connection is already gone.
    /// # Examples
    ///
    /// ```
    /// use runtime::net::UnixStream;
    ///
    /// runtime::block_on(async {
    ///     let (a, mut b) = UnixStream::pair()?;
    ///     a.shutdown(std::net::Shutdown::Write)?;
    ///     let mut rest = Vec::new();
    ///     assert_eq!(b.read_to_end(&mut rest).await?, 0);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.io.get_ref().shutdown(how)
    }

    pub(crate) fn stream_io(&self) -> StreamHandle<'_> {
        self.io.stream()
    }

    #[cfg_attr(not(feature = "futures-io"), allow(dead_code))]
    pub(crate) fn shutdown_write(&self) -> io::Result<()> {
        self.shutdown(Shutdown::Write)
    }
}

impl AsFd for UnixStream {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.as_fd()
    }
}

impl fmt::Debug for UnixStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixStream")
            .field("local", &self.local_addr().ok())
            .field("peer", &self.peer_addr().ok())
            .finish()
    }
}

/// The future returned by [`UnixStream::connect`].
///
/// # Cancellation
///
/// Dropping it abandons the attempt: the socket is deregistered and closed.
#[must_use = "futures do nothing unless awaited"]
pub struct UnixConnect {
    state: ConnectState,
}

enum ConnectState {
    /// Not polled yet: no socket exists.
    Start(PathBuf),
    /// `connect` returned `EINPROGRESS`; waiting for writability.
    Connecting(UnixStream),
    /// Completed (or failed).
    Done,
}

impl Future for UnixConnect {
    type Output = io::Result<UnixStream>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        loop {
            match std::mem::replace(&mut self.state, ConnectState::Done) {
                ConnectState::Start(path) => {
                    let socket = std::os::unix::net::UnixStream::from(sys::unix_stream_socket()?);
                    let stream = UnixStream::from_socket(socket, false, "UnixStream::connect")?;
                    if sys::start_connect_unix(&stream, &path)? {
                        stream.io.registration().set_ready(Direction::Write);
                        return Poll::Ready(Ok(stream));
                    }
                    self.state = ConnectState::Connecting(stream);
                }
                ConnectState::Connecting(stream) => {
                    let registration = stream.io.registration();
                    if registration
                        .poll_ready(Direction::Write, cx, None)
                        .is_pending()
                    {
                        self.state = ConnectState::Connecting(stream);
                        return Poll::Pending;
                    }
                    // On error `stream` drops here: deregistered, then closed.
                    sys::take_error(&stream)?;
                    return Poll::Ready(Ok(stream));
                }
                ConnectState::Done => panic!("UnixConnect polled after it completed"),
            }
        }
    }
}

impl fmt::Debug for UnixConnect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match &self.state {
            ConnectState::Start(path) => format!("start {}", path.display()),
            ConnectState::Connecting(_) => "connecting".to_string(),
            ConnectState::Done => "done".to_string(),
        };
        f.debug_struct("UnixConnect")
            .field("state", &state)
            .finish()
    }
}

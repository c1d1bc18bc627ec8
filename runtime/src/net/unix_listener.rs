//! [`UnixListener`]: accepts Unix domain stream connections as futures, or
//! as a [`Stream`] (a thin layer over
//! [`Async`]`<std::os::unix::net::UnixListener>`).

use std::fmt;
use std::future::Future;
use std::io;
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::net::SocketAddr;
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;

use super::UnixStream;
use crate::io::{Async, Waiter};
use crate::reactor::Direction;
use crate::reactor::Ticket;

/// A Unix domain socket listening for connections at a path.
///
/// The socket file stays after the listener is dropped (as with std):
/// remove it yourself before binding the same path again.
///
/// # Examples
///
/// ```
/// use runtime::net::{UnixListener, UnixStream};
///
/// let dir = std::env::temp_dir().join(format!("rt-doc-listener-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let path = dir.join("sock");
/// # let _ = std::fs::remove_file(&path);
/// runtime::block_on(async {
///     let listener = UnixListener::bind(&path)?;
///     let _client = UnixStream::connect(&path).await?;
///     let (_conn, _peer) = listener.accept().await?;
///     std::io::Result::Ok(())
/// })?;
/// std::fs::remove_dir_all(&dir)?;
/// # std::io::Result::Ok(())
/// ```
pub struct UnixListener {
    io: Async<std::os::unix::net::UnixListener>,
}

impl UnixListener {
    /// Creates a socket bound to `path` and listens on it. Not async:
    /// binding never waits.
    ///
    /// # Errors
    ///
    /// `AddrInUse` if the path exists (even a stale socket file),
    /// `NotFound` if its directory does not, `InvalidInput` for a path too
    /// long for a socket address, or an error outside a runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime::net::UnixListener;
    ///
    /// let dir = std::env::temp_dir().join(format!("rt-doc-bind-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("sock");
    /// # let _ = std::fs::remove_file(&path);
    /// runtime::block_on(async {
    ///     let listener = UnixListener::bind(&path)?;
    ///     assert_eq!(listener.local_addr()?.as_pathname(), Some(path.as_path()));
    ///     std::io::Result::Ok(())
    /// })?;
    /// std::fs::remove_dir_all(&dir)?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixListener> {
        let listener = std::os::unix::net::UnixListener::bind(path)?;
        UnixListener::from_std(listener)
    }

    /// Takes over a listening std socket: puts it in non-blocking mode and
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
    /// use runtime::net::UnixListener;
    ///
    /// let dir = std::env::temp_dir().join(format!("rt-doc-ufs-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("sock");
    /// # let _ = std::fs::remove_file(&path);
    /// let std_listener = std::os::unix::net::UnixListener::bind(&path)?;
    /// runtime::block_on(async move {
    ///     let listener = UnixListener::from_std(std_listener)?;
    ///     assert!(listener.local_addr()?.as_pathname().is_some());
    ///     std::io::Result::Ok(())
    /// })?;
    /// std::fs::remove_dir_all(&dir)?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn from_std(listener: std::os::unix::net::UnixListener) -> io::Result<UnixListener> {
        listener.set_nonblocking(true)?;
        // Connections may already be queued: try `accept` before waiting.
        let io = Async::with_readiness(listener, true, "UnixListener::bind")?;
        Ok(UnixListener { io })
    }

    /// The address the listener is bound to.
    ///
    /// # Errors
    ///
    /// Only if the socket is in an unexpected state.
    /// # Examples
    ///
    /// ```
    /// use runtime::net::{UnixListener, UnixStream};
    ///
    /// let dir = std::env::temp_dir().join(format!("rt-doc-{}-{}", line!(), std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("sock");
    /// # let _ = std::fs::remove_file(&path);
    /// runtime::block_on(async {
    ///     let listener = UnixListener::bind(&path)?;
    ///     assert_eq!(listener.local_addr()?.as_pathname(), Some(path.as_path()));
    ///     std::io::Result::Ok(())
    /// })?;
    /// std::fs::remove_dir_all(&dir)?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// Waits for the next connection. Several tasks may accept at once.
    ///
    /// # Errors
    ///
    /// The `accept` error, such as `EMFILE` (out of file descriptors). The
    /// listener stays usable.
    ///
    /// # Cancellation
    ///
    /// Dropping the future accepts nothing and leaves no waker behind.
    /// # Examples
    ///
    /// ```
    /// use runtime::net::{UnixListener, UnixStream};
    ///
    /// let dir = std::env::temp_dir().join(format!("rt-doc-{}-{}", line!(), std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("sock");
    /// # let _ = std::fs::remove_file(&path);
    /// runtime::block_on(async {
    ///     let listener = UnixListener::bind(&path)?;
    ///     let _client = UnixStream::connect(&path).await?;
    ///     let (_conn, peer) = listener.accept().await?;
    ///     assert!(peer.is_unnamed());
    ///     std::io::Result::Ok(())
    /// })?;
    /// std::fs::remove_dir_all(&dir)?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn accept(&self) -> UnixAccept<'_> {
        UnixAccept {
            listener: self,
            waiter: Waiter::new(self.io.registration(), Direction::Read),
        }
    }

    /// Polls for the next connection (for hand-written futures).
    ///
    /// # Errors
    ///
    /// As for [`accept`](UnixListener::accept).
    /// # Examples
    ///
    /// ```
    /// use runtime::net::{UnixListener, UnixStream};
    ///
    /// let dir = std::env::temp_dir().join(format!("rt-doc-{}-{}", line!(), std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("sock");
    /// # let _ = std::fs::remove_file(&path);
    /// runtime::block_on(async {
    ///     let listener = UnixListener::bind(&path)?;
    ///     let _client = UnixStream::connect(&path).await?;
    ///     let (_conn, _peer) = std::future::poll_fn(|cx| listener.poll_accept(cx)).await?;
    ///     std::io::Result::Ok(())
    /// })?;
    /// std::fs::remove_dir_all(&dir)?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(UnixStream, SocketAddr)>> {
        self.poll_accept_with(cx, None)
    }

    fn poll_accept_with(
        &self,
        cx: &mut Context<'_>,
        ticket: Option<&mut Ticket>,
    ) -> Poll<io::Result<(UnixStream, SocketAddr)>> {
        let registration = self.io.registration();
        let listener = self.io.get_ref();
        match registration.poll_io(Direction::Read, cx, ticket, || listener.accept()) {
            Poll::Ready(Ok((socket, peer))) => {
                // std's accept leaves the new socket blocking.
                let stream = socket
                    .set_nonblocking(true)
                    .and_then(|()| UnixStream::from_socket(socket, true, "UnixListener::accept"));
                Poll::Ready(stream.map(|s| (s, peer)))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => Poll::Pending,
        }
    }

    /// The connections as a never-ending [`Stream`] of
    /// `io::Result<UnixStream>`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use std::pin::Pin;
    /// use futures_core::Stream;
    /// use runtime::net::{UnixListener, UnixStream};
    ///
    /// let dir = std::env::temp_dir().join(format!("rt-doc-incoming-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("sock");
    /// # let _ = std::fs::remove_file(&path);
    /// runtime::block_on(async {
    ///     let listener = UnixListener::bind(&path)?;
    ///     let _client = UnixStream::connect(&path).await?;
    ///     let mut incoming = listener.incoming();
    ///     let first = poll_fn(|cx| Pin::new(&mut incoming).poll_next(cx)).await;
    ///     assert!(first.unwrap().is_ok());
    ///     std::io::Result::Ok(())
    /// })?;
    /// std::fs::remove_dir_all(&dir)?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn incoming(&self) -> UnixIncoming<'_> {
        UnixIncoming {
            listener: self,
            waiter: Waiter::new(self.io.registration(), Direction::Read),
        }
    }
}

impl AsFd for UnixListener {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.as_fd()
    }
}

impl fmt::Debug for UnixListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixListener")
            .field("local", &self.local_addr().ok())
            .finish()
    }
}

/// The future returned by [`UnixListener::accept`].
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct UnixAccept<'a> {
    listener: &'a UnixListener,
    waiter: Waiter<'a>,
}

impl Future for UnixAccept<'_> {
    type Output = io::Result<(UnixStream, SocketAddr)>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let poll = this.listener.poll_accept_with(cx, this.waiter.ticket());
        this.waiter.track(poll)
    }
}

/// The stream returned by [`UnixListener::incoming`]. It never ends.
///
/// # Cancellation
///
/// Dropping it while it waits leaves no waker behind.
#[must_use = "streams do nothing unless polled"]
#[derive(Debug)]
pub struct UnixIncoming<'a> {
    listener: &'a UnixListener,
    waiter: Waiter<'a>,
}

impl Stream for UnixIncoming<'_> {
    type Item = io::Result<UnixStream>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let poll = this.listener.poll_accept_with(cx, this.waiter.ticket());
        this.waiter
            .track(poll)
            .map(|r| Some(r.map(|(stream, _)| stream)))
    }
}

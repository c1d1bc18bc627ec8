//! [`TcpListener`]: accepts connections as futures, or as a [`Stream`].

use std::fmt;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;

use super::io::Io;
use super::{TcpStream, sys};
use crate::reactor::Direction;

/// Backlog of [`TcpListener::bind`]: connections the kernel completes and
/// queues before `accept` takes them (capped by `net.core.somaxconn`).
pub const DEFAULT_BACKLOG: i32 = 1024;

/// A TCP socket listening for connections, registered with the reactor.
///
/// # Examples
///
/// ```
/// use runtime::net::{TcpListener, TcpStream};
///
/// runtime::block_on(async {
///     let listener = TcpListener::bind("127.0.0.1:0".parse().unwrap())?;
///     let addr = listener.local_addr()?;
///     let _client = TcpStream::connect(addr).await?;
///     let (_conn, peer) = listener.accept().await?;
///     assert!(peer.ip().is_loopback());
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub struct TcpListener {
    io: Io<std::net::TcpListener>,
}

impl TcpListener {
    /// Binds to `addr` (port 0 picks a free port) and listens, with a backlog
    /// of [`DEFAULT_BACKLOG`]. Not async: binding never waits.
    ///
    /// # Errors
    ///
    /// `AddrInUse`, `PermissionDenied` (ports below 1024), or an error if
    /// called outside a runtime (the socket is registered with the current
    /// runtime's reactor).
    pub fn bind(addr: SocketAddr) -> io::Result<TcpListener> {
        TcpListener::bind_with_backlog(addr, DEFAULT_BACKLOG)
    }

    /// Like [`bind`](TcpListener::bind), with an explicit backlog.
    ///
    /// # Errors
    ///
    /// As for [`bind`](TcpListener::bind).
    pub fn bind_with_backlog(addr: SocketAddr, backlog: i32) -> io::Result<TcpListener> {
        let fd = sys::listener(&addr, backlog)?;
        // Connections that arrived before registration are reported by
        // epoll at once, so there is no need to try `accept` first.
        let io = Io::new(std::net::TcpListener::from(fd), false, "TcpListener::bind")?;
        Ok(TcpListener { io })
    }

    /// The bound address (with the port the kernel picked, for port 0).
    ///
    /// # Errors
    ///
    /// Only if the socket is in an unexpected state.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// Waits for the next connection.
    ///
    /// Only one task should accept on a listener at a time: the reactor
    /// keeps one waiting task per direction, and the latest one wins.
    ///
    /// # Errors
    ///
    /// The `accept4` error, such as `EMFILE` (out of file descriptors). The
    /// listener stays usable; the pending connection can be retried.
    ///
    /// # Cancellation
    ///
    /// Dropping the future accepts nothing and leaves no waker behind.
    pub fn accept(&self) -> Accept<'_> {
        Accept {
            listener: self,
            waiting: false,
        }
    }

    /// Polls for the next connection (for hand-written futures).
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(TcpStream, SocketAddr)>> {
        match self.io.poll_io(Direction::Read, cx, |l| sys::accept(l)) {
            Poll::Ready(Ok((fd, peer))) => {
                Poll::Ready(TcpStream::from_accepted(fd).map(|s| (s, peer)))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => Poll::Pending,
        }
    }

    /// The connections as a never-ending [`Stream`] of `io::Result<TcpStream>`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use std::pin::Pin;
    /// use futures_core::Stream;
    /// use runtime::net::{TcpListener, TcpStream};
    ///
    /// runtime::block_on(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0".parse().unwrap())?;
    ///     let addr = listener.local_addr()?;
    ///     let _client = TcpStream::connect(addr).await?;
    ///     let mut incoming = listener.incoming();
    ///     let first = poll_fn(|cx| Pin::new(&mut incoming).poll_next(cx)).await;
    ///     assert!(first.unwrap().is_ok());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn incoming(&self) -> Incoming<'_> {
        Incoming {
            listener: self,
            waiting: false,
        }
    }
}

impl fmt::Debug for TcpListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpListener")
            .field("local", &self.local_addr().ok())
            .finish()
    }
}

/// The future returned by [`TcpListener::accept`].
#[must_use = "futures do nothing unless awaited"]
pub struct Accept<'a> {
    listener: &'a TcpListener,
    waiting: bool,
}

impl Future for Accept<'_> {
    type Output = io::Result<(TcpStream, SocketAddr)>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let poll = self.listener.poll_accept(cx);
        self.waiting = poll.is_pending();
        poll
    }
}

impl Drop for Accept<'_> {
    fn drop(&mut self) {
        if self.waiting {
            self.listener.io.clear_waker(Direction::Read);
        }
    }
}

impl fmt::Debug for Accept<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Accept")
            .field("listener", self.listener)
            .finish()
    }
}

/// The stream returned by [`TcpListener::incoming`]. It never ends.
///
/// # Cancellation
///
/// Dropping it while it waits leaves no waker behind.
#[must_use = "streams do nothing unless polled"]
pub struct Incoming<'a> {
    listener: &'a TcpListener,
    waiting: bool,
}

impl Stream for Incoming<'_> {
    type Item = io::Result<TcpStream>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let poll = self.listener.poll_accept(cx);
        self.waiting = poll.is_pending();
        poll.map(|r| Some(r.map(|(stream, _)| stream)))
    }
}

impl Drop for Incoming<'_> {
    fn drop(&mut self) {
        if self.waiting {
            self.listener.io.clear_waker(Direction::Read);
        }
    }
}

impl fmt::Debug for Incoming<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Incoming")
            .field("listener", self.listener)
            .finish()
    }
}

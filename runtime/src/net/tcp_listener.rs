//! [`TcpListener`]: accepts connections as futures, or as a [`Stream`].

use std::fmt;
use std::future::Future;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::os::fd::{AsFd, BorrowedFd};
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;

use super::TcpStream;
use super::resolve::each_addr;
use crate::io::{Async, Waiter};
use crate::reactor::Direction;
use crate::reactor::Ticket;
use crate::sys;

/// Backlog of [`TcpListener::bind`]: connections the kernel completes and
/// queues before `accept` takes them (capped by `net.core.somaxconn`).
pub const DEFAULT_BACKLOG: i32 = 1024;

/// A TCP socket listening for connections, registered with the reactor (a
/// thin layer over [`Async`]`<std::net::TcpListener>`).
///
/// # Examples
///
/// ```
/// use runtime::net::{TcpListener, TcpStream};
///
/// runtime::block_on(async {
///     let listener = TcpListener::bind("127.0.0.1:0")?;
///     let addr = listener.local_addr()?;
///     let _client = TcpStream::connect(addr).await?;
///     let (_conn, peer) = listener.accept().await?;
///     assert!(peer.ip().is_loopback());
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub struct TcpListener {
    io: Async<std::net::TcpListener>,
}

impl TcpListener {
    /// Binds to `addr` (port 0 picks a free port) and listens, with a backlog
    /// of [`DEFAULT_BACKLOG`]. Not async: binding never waits.
    ///
    /// `addr` is anything [`std::net::ToSocketAddrs`] accepts: a
    /// [`SocketAddr`], `"127.0.0.1:8080"`, `("localhost", 8080)`. Each
    /// resolved address is tried in turn until one binds, as std does. An
    /// address literal never blocks; a host *name* is resolved by the system
    /// resolver (`getaddrinfo`) on this thread, which may block the loop: for
    /// names, prefer resolving with [`lookup_host`](super::lookup_host) first.
    ///
    /// # Errors
    ///
    /// `AddrInUse`, `PermissionDenied` (ports below 1024), a resolution
    /// error, `InvalidInput` if `addr` resolves to nothing, or an error if
    /// called outside a runtime (the socket is registered with the current
    /// runtime's reactor). With several addresses, the last one's error.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::net::{Ipv4Addr, SocketAddr};
    /// use runtime::net::TcpListener;
    ///
    /// runtime::block_on(async {
    ///     let a = TcpListener::bind("127.0.0.1:0")?;
    ///     let b = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
    ///     let c = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))?;
    ///     assert_ne!(a.local_addr()?, b.local_addr()?);
    ///     assert!(c.local_addr()?.ip().is_loopback());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn bind(addr: impl ToSocketAddrs) -> io::Result<TcpListener> {
        TcpListener::bind_with_backlog(addr, DEFAULT_BACKLOG)
    }

    /// Like [`bind`](TcpListener::bind), with an explicit backlog.
    ///
    /// # Errors
    ///
    /// As for [`bind`](TcpListener::bind).
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime::net::TcpListener;
    ///
    /// runtime::block_on(async {
    ///     let listener = TcpListener::bind_with_backlog("127.0.0.1:0", 16)?;
    ///     assert_ne!(listener.local_addr()?.port(), 0);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn bind_with_backlog(addr: impl ToSocketAddrs, backlog: i32) -> io::Result<TcpListener> {
        each_addr(addr, |addr| TcpListener::listen(addr, backlog, false))
    }

    /// Like [`bind`](TcpListener::bind), with `SO_REUSEPORT` set before
    /// binding: several listeners (one per core, each on its own runtime)
    /// may bind the same address, and the kernel spreads incoming
    /// connections over them. Every listener on the port must set it.
    ///
    /// The kernel deals connections by a hash of their addresses. On cores
    /// pinned by [`PerCore::pin_threads`](crate::PerCore::pin_threads),
    /// [`set_incoming_cpu`](TcpListener::set_incoming_cpu) can deal them by
    /// the CPU their packets arrive on instead.
    ///
    /// # Errors
    ///
    /// As for [`bind`](TcpListener::bind); `Unsupported` on a platform
    /// without `SO_REUSEPORT`.
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime::net::TcpListener;
    ///
    /// runtime::block_on(async {
    ///     let first = TcpListener::bind_reuse_port("127.0.0.1:0")?;
    ///     let addr = first.local_addr()?;
    ///     let second = TcpListener::bind_reuse_port(addr)?;
    ///     assert_eq!(second.local_addr()?, addr);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn bind_reuse_port(addr: impl ToSocketAddrs) -> io::Result<TcpListener> {
        each_addr(addr, |addr| {
            TcpListener::listen(addr, DEFAULT_BACKLOG, true)
        })
    }

    /// Asks the kernel to give this `SO_REUSEPORT` listener the new
    /// connections whose first packet CPU `cpu` processes
    /// (`SO_INCOMING_CPU`; Linux 6.1 and later honour it when choosing
    /// among the listeners of a port, older kernels deal by hash). On a
    /// core pinned to `cpu` ([`pinned_cpu`](crate::pinned_cpu)), a
    /// connection's packets, wakeups and task then share one CPU, and no
    /// wakeup crosses to another.
    ///
    /// Use it where packets arrive spread over the CPUs: a network card
    /// with a receive queue per CPU (RSS), or clients on the same machine's
    /// pinned cores (loopback processes a packet on the sender's CPU). With
    /// a single-queue card every connection's first packet lands on one
    /// CPU, and that CPU's core would get them all: keep the hash there.
    ///
    /// # Errors
    ///
    /// `Unsupported` off Linux; `InvalidInput` for a CPU number the kernel
    /// cannot hold.
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime::net::TcpListener;
    ///
    /// // One listener per pinned core, each asking for its CPU's connections.
    /// let ports = runtime::PerCore::new(2).pin_threads(true).run(|_core| async {
    ///     let listener = TcpListener::bind_reuse_port("127.0.0.1:0")?;
    ///     if let Some(cpu) = runtime::pinned_cpu() {
    ///         listener.set_incoming_cpu(cpu)?;
    ///     }
    ///     std::io::Result::Ok(listener.local_addr()?.port())
    /// });
    /// assert_eq!(ports.len(), 2);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn set_incoming_cpu(&self, cpu: usize) -> io::Result<()> {
        sys::set_incoming_cpu(self, cpu)
    }

    fn listen(addr: &SocketAddr, backlog: i32, reuse_port: bool) -> io::Result<TcpListener> {
        let fd = sys::listener(addr, backlog, reuse_port)?;
        // Connections that arrived before registration are reported by
        // epoll at once, so there is no need to try `accept` first.
        let listener = std::net::TcpListener::from(fd);
        let io = Async::with_readiness(listener, false, "TcpListener::bind")?;
        Ok(TcpListener { io })
    }

    /// Takes over a listening std socket: puts it in non-blocking mode and
    /// registers it with the current runtime's reactor (so a listener bound
    /// on one thread can be handed to the runtime of another).
    ///
    /// # Errors
    ///
    /// If the socket cannot be made non-blocking or registered, or if called
    /// outside a runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime::net::{TcpListener, TcpStream};
    ///
    /// let std_listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// runtime::block_on(async move {
    ///     let listener = TcpListener::from_std(std_listener)?;
    ///     let _client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (_conn, peer) = listener.accept().await?;
    ///     assert!(peer.ip().is_loopback());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn from_std(listener: std::net::TcpListener) -> io::Result<TcpListener> {
        listener.set_nonblocking(true)?;
        // Connections may already be queued: try `accept` before waiting.
        let io = Async::with_readiness(listener, true, "TcpListener::from_std")?;
        Ok(TcpListener { io })
    }

    /// The bound address (with the port the kernel picked, for port 0).
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
    ///     assert_ne!(listener.local_addr()?.port(), 0);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// Waits for the next connection.
    ///
    /// Several tasks may accept on one listener at once: each new
    /// connection wakes them all, and one of them gets it.
    ///
    /// # Errors
    ///
    /// The `accept4` error, such as `EMFILE` (out of file descriptors). The
    /// listener stays usable; the pending connection can be retried.
    ///
    /// # Cancellation
    ///
    /// Dropping the future accepts nothing and leaves no waker behind.
    /// # Examples
    ///
    /// ```
    /// use runtime::net::{TcpListener, TcpStream};
    ///
    /// runtime::block_on(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0")?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (_conn, peer) = listener.accept().await?;
    ///     assert_eq!(peer, client.local_addr()?);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn accept(&self) -> Accept<'_> {
        Accept {
            listener: self,
            waiter: Waiter::new(self.io.registration(), Direction::Read),
        }
    }

    /// Polls for the next connection (for hand-written futures).
    ///
    /// # Errors
    ///
    /// As for [`accept`](TcpListener::accept).
    /// # Examples
    ///
    /// ```
    /// use runtime::net::{TcpListener, TcpStream};
    ///
    /// runtime::block_on(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0")?;
    ///     let _client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (_conn, peer) = std::future::poll_fn(|cx| listener.poll_accept(cx)).await?;
    ///     assert!(peer.ip().is_loopback());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(TcpStream, SocketAddr)>> {
        self.poll_accept_with(cx, None)
    }

    fn poll_accept_with(
        &self,
        cx: &mut Context<'_>,
        ticket: Option<&mut Ticket>,
    ) -> Poll<io::Result<(TcpStream, SocketAddr)>> {
        let registration = self.io.registration();
        let listener = self.io.get_ref();
        match registration.poll_io(Direction::Read, cx, ticket, || sys::accept(listener)) {
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
    ///     let listener = TcpListener::bind("127.0.0.1:0")?;
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
            waiter: Waiter::new(self.io.registration(), Direction::Read),
        }
    }
}

impl AsFd for TcpListener {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.as_fd()
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
    waiter: Waiter<'a>,
}

impl Future for Accept<'_> {
    type Output = io::Result<(TcpStream, SocketAddr)>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let poll = this.listener.poll_accept_with(cx, this.waiter.ticket());
        this.waiter.track(poll)
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
    waiter: Waiter<'a>,
}

impl Stream for Incoming<'_> {
    type Item = io::Result<TcpStream>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let poll = this.listener.poll_accept_with(cx, this.waiter.ticket());
        this.waiter
            .track(poll)
            .map(|r| Some(r.map(|(stream, _)| stream)))
    }
}

impl fmt::Debug for Incoming<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Incoming")
            .field("listener", self.listener)
            .finish()
    }
}

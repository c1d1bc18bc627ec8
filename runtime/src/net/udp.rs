//! [`UdpSocket`]: datagrams over UDP, with `send`/`recv` futures that wait
//! for readiness (a thin layer over [`Async`]`<std::net::UdpSocket>`).

use std::fmt;
use std::future::Future;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::os::fd::{AsFd, BorrowedFd};
use std::pin::Pin;
use std::task::{Context, Poll};

use super::resolve::each_addr;
use crate::io::{Async, Waiter};
use crate::reactor::Direction;
use crate::sys;

/// A UDP socket registered with the runtime's reactor.
///
/// Unconnected, it sends to and receives from anyone
/// ([`send_to`](UdpSocket::send_to), [`recv_from`](UdpSocket::recv_from));
/// after [`connect`](UdpSocket::connect) it talks to one peer
/// ([`send`](UdpSocket::send), [`recv`](UdpSocket::recv)). Several tasks
/// may send and receive on one socket at once (through `&UdpSocket`).
///
/// # Examples
///
/// ```
/// use runtime::net::UdpSocket;
///
/// runtime::block_on(async {
///     let a = UdpSocket::bind("127.0.0.1:0")?;
///     let b = UdpSocket::bind("127.0.0.1:0")?;
///     a.send_to(b"ping", b.local_addr()?).await?;
///     let mut buf = [0; 16];
///     let (n, from) = b.recv_from(&mut buf).await?;
///     assert_eq!((&buf[..n], from), (&b"ping"[..], a.local_addr()?));
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub struct UdpSocket {
    io: Async<std::net::UdpSocket>,
}

impl UdpSocket {
    /// Binds a socket to `addr` (port 0 picks a free port). Not async:
    /// binding never waits.
    ///
    /// `addr` is anything [`std::net::ToSocketAddrs`] accepts; each resolved
    /// address is tried until one binds. A literal never blocks; a host name
    /// is resolved by the system resolver on this thread (see
    /// [`TcpListener::bind`](super::TcpListener::bind)).
    ///
    /// # Errors
    ///
    /// `AddrInUse`, `PermissionDenied`, a resolution error, or an error if
    /// called outside a runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime::net::UdpSocket;
    ///
    /// runtime::block_on(async {
    ///     let socket = UdpSocket::bind(("127.0.0.1", 0))?;
    ///     assert_ne!(socket.local_addr()?.port(), 0);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn bind(addr: impl ToSocketAddrs) -> io::Result<UdpSocket> {
        each_addr(addr, |addr| {
            let socket = std::net::UdpSocket::from(sys::udp_socket(addr)?);
            // A fresh socket can be written to: try sends before waiting.
            let io = Async::with_readiness(socket, true, "UdpSocket::bind")?;
            Ok(UdpSocket { io })
        })
    }

    /// Takes over a std socket: puts it in non-blocking mode and registers
    /// it with the current runtime's reactor.
    ///
    /// # Errors
    ///
    /// If the socket cannot be made non-blocking or registered, or if called
    /// outside a runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime::net::UdpSocket;
    ///
    /// runtime::block_on(async {
    ///     let socket = UdpSocket::from_std(std::net::UdpSocket::bind("127.0.0.1:0")?)?;
    ///     assert!(socket.local_addr()?.ip().is_loopback());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn from_std(socket: std::net::UdpSocket) -> io::Result<UdpSocket> {
        socket.set_nonblocking(true)?;
        let io = Async::with_readiness(socket, true, "UdpSocket::from_std")?;
        Ok(UdpSocket { io })
    }

    /// Sets the only peer this socket sends to and receives from. Not async:
    /// a UDP connect only records the address.
    ///
    /// # Errors
    ///
    /// If the address is unusable (another family, unreachable network).
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime::net::UdpSocket;
    ///
    /// runtime::block_on(async {
    ///     let a = UdpSocket::bind("127.0.0.1:0")?;
    ///     let b = UdpSocket::bind("127.0.0.1:0")?;
    ///     a.connect(b.local_addr()?)?;
    ///     b.connect(a.local_addr()?)?;
    ///     assert_eq!(a.peer_addr()?, b.local_addr()?);
    ///     a.send(b"hi").await?;
    ///     let mut buf = [0; 8];
    ///     assert_eq!(b.recv(&mut buf).await?, 2);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn connect(&self, addr: SocketAddr) -> io::Result<()> {
        self.io.get_ref().connect(addr)
    }

    /// Sends `buf` as one datagram to the connected peer; returns its size.
    ///
    /// # Errors
    ///
    /// `NotConnected` without [`connect`](UdpSocket::connect); a datagram
    /// too large for the path; `ConnectionRefused` when an earlier datagram
    /// drew an ICMP port-unreachable.
    ///
    /// # Cancellation
    ///
    /// Dropping the future sends nothing and leaves no waker behind.
    /// # Examples
    ///
    /// ```
    /// use runtime::net::UdpSocket;
    ///
    /// runtime::block_on(async {
    ///     let (a, b) = (UdpSocket::bind("127.0.0.1:0")?, UdpSocket::bind("127.0.0.1:0")?);
    ///     a.connect(b.local_addr()?)?;
    ///     assert_eq!(a.send(b"datagram").await?, 8);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn send<'a>(&'a self, buf: &'a [u8]) -> UdpSend<'a> {
        UdpSend {
            waiter: Waiter::new(self.io.registration(), Direction::Write),
            socket: self.io.get_ref(),
            buf,
        }
    }

    /// Receives one datagram from the connected peer into `buf`; returns
    /// its size (a datagram longer than `buf` is cut to fit).
    ///
    /// # Errors
    ///
    /// As for [`send`](UdpSocket::send).
    ///
    /// # Cancellation
    ///
    /// Dropping the future receives nothing (no datagram is lost) and
    /// leaves no waker behind.
    /// # Examples
    ///
    /// ```
    /// use runtime::net::UdpSocket;
    ///
    /// runtime::block_on(async {
    ///     let (a, b) = (UdpSocket::bind("127.0.0.1:0")?, UdpSocket::bind("127.0.0.1:0")?);
    ///     b.connect(a.local_addr()?)?;
    ///     a.send_to(b"hi", b.local_addr()?).await?;
    ///     let mut buf = [0; 16];
    ///     assert_eq!(b.recv(&mut buf).await?, 2);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn recv<'a>(&'a self, buf: &'a mut [u8]) -> UdpRecv<'a> {
        UdpRecv {
            waiter: Waiter::new(self.io.registration(), Direction::Read),
            socket: self.io.get_ref(),
            buf,
        }
    }

    /// Sends `buf` as one datagram to `target`; returns its size.
    ///
    /// # Errors
    ///
    /// A datagram too large, an address of another family, an unreachable
    /// network.
    ///
    /// # Cancellation
    ///
    /// Dropping the future sends nothing and leaves no waker behind.
    /// # Examples
    ///
    /// ```
    /// use runtime::net::UdpSocket;
    ///
    /// runtime::block_on(async {
    ///     let (a, b) = (UdpSocket::bind("127.0.0.1:0")?, UdpSocket::bind("127.0.0.1:0")?);
    ///     assert_eq!(a.send_to(b"to b", b.local_addr()?).await?, 4);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn send_to<'a>(&'a self, buf: &'a [u8], target: SocketAddr) -> UdpSendTo<'a> {
        UdpSendTo {
            waiter: Waiter::new(self.io.registration(), Direction::Write),
            socket: self.io.get_ref(),
            buf,
            target,
        }
    }

    /// Receives one datagram into `buf`; returns its size and its sender.
    ///
    /// # Errors
    ///
    /// The `recvfrom` error.
    ///
    /// # Cancellation
    ///
    /// Dropping the future receives nothing and leaves no waker behind.
    /// # Examples
    ///
    /// ```
    /// use runtime::net::UdpSocket;
    ///
    /// runtime::block_on(async {
    ///     let (a, b) = (UdpSocket::bind("127.0.0.1:0")?, UdpSocket::bind("127.0.0.1:0")?);
    ///     a.send_to(b"hello", b.local_addr()?).await?;
    ///     let mut buf = [0; 16];
    ///     let (n, from) = b.recv_from(&mut buf).await?;
    ///     assert_eq!((n, from), (5, a.local_addr()?));
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn recv_from<'a>(&'a self, buf: &'a mut [u8]) -> UdpRecvFrom<'a> {
        UdpRecvFrom {
            waiter: Waiter::new(self.io.registration(), Direction::Read),
            socket: self.io.get_ref(),
            buf,
        }
    }

    /// Polls a [`send_to`](UdpSocket::send_to) (for hand-written futures).
    ///
    /// # Errors
    ///
    /// As for [`send_to`](UdpSocket::send_to).
    /// # Examples
    ///
    /// ```
    /// use runtime::net::UdpSocket;
    ///
    /// runtime::block_on(async {
    ///     let (a, b) = (UdpSocket::bind("127.0.0.1:0")?, UdpSocket::bind("127.0.0.1:0")?);
    ///     let to = b.local_addr()?;
    ///     let n = std::future::poll_fn(|cx| a.poll_send_to(cx, b"x", to)).await?;
    ///     assert_eq!(n, 1);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn poll_send_to(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
        target: SocketAddr,
    ) -> Poll<io::Result<usize>> {
        self.io
            .poll_with(Direction::Write, cx, |s| s.send_to(buf, target))
    }

    /// Polls a [`recv_from`](UdpSocket::recv_from) (for hand-written futures).
    ///
    /// # Errors
    ///
    /// As for [`recv_from`](UdpSocket::recv_from).
    /// # Examples
    ///
    /// ```
    /// use runtime::net::UdpSocket;
    ///
    /// runtime::block_on(async {
    ///     let (a, b) = (UdpSocket::bind("127.0.0.1:0")?, UdpSocket::bind("127.0.0.1:0")?);
    ///     a.send_to(b"x", b.local_addr()?).await?;
    ///     let mut buf = [0; 4];
    ///     let (n, _) = std::future::poll_fn(|cx| b.poll_recv_from(cx, &mut buf)).await?;
    ///     assert_eq!(n, 1);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn poll_recv_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<(usize, SocketAddr)>> {
        self.io.poll_with(Direction::Read, cx, |s| s.recv_from(buf))
    }

    /// The bound address (with the port the kernel picked, for port 0).
    ///
    /// # Errors
    ///
    /// Only if the socket is in an unexpected state.
    /// # Examples
    ///
    /// ```
    /// use runtime::net::UdpSocket;
    ///
    /// runtime::block_on(async {
    ///     let socket = UdpSocket::bind("127.0.0.1:0")?;
    ///     assert_ne!(socket.local_addr()?.port(), 0);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The connected peer's address.
    ///
    /// # Errors
    ///
    /// `NotConnected` before [`connect`](UdpSocket::connect).
    /// # Examples
    ///
    /// ```
    /// use runtime::net::UdpSocket;
    ///
    /// runtime::block_on(async {
    ///     let (a, b) = (UdpSocket::bind("127.0.0.1:0")?, UdpSocket::bind("127.0.0.1:0")?);
    ///     assert!(a.peer_addr().is_err());
    ///     a.connect(b.local_addr()?)?;
    ///     assert_eq!(a.peer_addr()?, b.local_addr()?);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }
}

impl AsFd for UdpSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.as_fd()
    }
}

impl fmt::Debug for UdpSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UdpSocket")
            .field("local", &self.local_addr().ok())
            .field("peer", &self.peer_addr().ok())
            .finish()
    }
}

/// The future returned by [`UdpSocket::send`].
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct UdpSend<'a> {
    waiter: Waiter<'a>,
    socket: &'a std::net::UdpSocket,
    buf: &'a [u8],
}

/// The future returned by [`UdpSocket::recv`].
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct UdpRecv<'a> {
    waiter: Waiter<'a>,
    socket: &'a std::net::UdpSocket,
    buf: &'a mut [u8],
}

/// The future returned by [`UdpSocket::send_to`].
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct UdpSendTo<'a> {
    waiter: Waiter<'a>,
    socket: &'a std::net::UdpSocket,
    buf: &'a [u8],
    target: SocketAddr,
}

/// The future returned by [`UdpSocket::recv_from`].
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct UdpRecvFrom<'a> {
    waiter: Waiter<'a>,
    socket: &'a std::net::UdpSocket,
    buf: &'a mut [u8],
}

/// Implements `Future` for a datagram future: one `poll_io` of `$op` in
/// `$dir`, with the future's own waiter.
macro_rules! datagram_future {
    ($name:ident, $dir:ident, $out:ty, |$this:ident| $op:expr) => {
        impl Future for $name<'_> {
            type Output = io::Result<$out>;

            fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
                let $this = self.get_mut();
                let registration = $this.waiter.registration();
                let ticket = $this.waiter.ticket();
                let poll = registration.poll_io(Direction::$dir, cx, ticket, || $op);
                $this.waiter.track(poll)
            }
        }
    };
}

datagram_future!(UdpSend, Write, usize, |this| this.socket.send(this.buf));
datagram_future!(UdpRecv, Read, usize, |this| this.socket.recv(this.buf));
datagram_future!(UdpSendTo, Write, usize, |this| this
    .socket
    .send_to(this.buf, this.target));
datagram_future!(UdpRecvFrom, Read, (usize, SocketAddr), |this| this
    .socket
    .recv_from(this.buf));

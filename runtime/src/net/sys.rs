//! The system calls std cannot make for us, in one place: creating a socket
//! that is non-blocking from birth, starting a connect without waiting for
//! it, reading a socket's pending error, and accepting a connection straight
//! into non-blocking mode. All through `rustix`, with no `unsafe`.

use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsFd, OwnedFd};

use rustix::io::Errno;
use rustix::net::{AddressFamily, SocketFlags, SocketType};

/// `socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)`.
pub(crate) fn stream_socket(addr: &SocketAddr) -> io::Result<OwnedFd> {
    let family = match addr {
        SocketAddr::V4(_) => AddressFamily::INET,
        SocketAddr::V6(_) => AddressFamily::INET6,
    };
    let flags = SocketFlags::NONBLOCK | SocketFlags::CLOEXEC;
    Ok(rustix::net::socket_with(
        family,
        SocketType::STREAM,
        flags,
        None,
    )?)
}

/// Starts connecting. `Ok(true)`: connected at once; `Ok(false)`: in
/// progress (`EINPROGRESS`), wait until writable, then [`take_error`].
pub(crate) fn start_connect(fd: impl AsFd, addr: &SocketAddr) -> io::Result<bool> {
    match rustix::net::connect(fd, addr) {
        Ok(()) => Ok(true),
        Err(Errno::INPROGRESS) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// `getsockopt(SO_ERROR)`: the outcome of a non-blocking connect.
pub(crate) fn take_error(fd: impl AsFd) -> io::Result<()> {
    Ok(rustix::net::sockopt::socket_error(fd)??)
}

/// `accept4(fd, SOCK_NONBLOCK | SOCK_CLOEXEC)`, with the peer's address.
pub(crate) fn accept(fd: impl AsFd) -> io::Result<(OwnedFd, SocketAddr)> {
    let flags = SocketFlags::NONBLOCK | SocketFlags::CLOEXEC;
    let (conn, addr) = rustix::net::acceptfrom_with(fd, flags)?;
    let addr = addr
        .and_then(|a| SocketAddr::try_from(a).ok())
        .ok_or_else(|| io::Error::other("accepted a connection with no IP peer address"))?;
    Ok((conn, addr))
}

/// A listening socket: non-blocking, close-on-exec, `SO_REUSEADDR` (so a
/// restarted server can bind a port in `TIME_WAIT`), with room for `backlog`
/// connections that completed the handshake but were not accepted yet.
pub(crate) fn listener(addr: &SocketAddr, backlog: i32) -> io::Result<OwnedFd> {
    let fd = stream_socket(addr)?;
    rustix::net::sockopt::set_socket_reuseaddr(&fd, true)?;
    rustix::net::bind(&fd, addr)?;
    rustix::net::listen(&fd, backlog)?;
    Ok(fd)
}

/// `SO_LINGER`: with `Some(0)`, closing resets the connection (used in tests
/// that need an abortive close).
pub(crate) fn set_linger(fd: impl AsFd, linger: Option<std::time::Duration>) -> io::Result<()> {
    Ok(rustix::net::sockopt::set_socket_linger(fd, linger)?)
}

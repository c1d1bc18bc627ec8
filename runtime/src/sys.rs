//! The system calls std cannot make for us, in one place, so that a port to
//! another Unix is one file: sockets that are non-blocking from birth, a
//! connect that does not wait, a socket's pending error, accepting straight
//! into non-blocking mode, `SO_REUSEPORT` and `SO_INCOMING_CPU`, sends that
//! never raise `SIGPIPE`, and a zero-timeout `poll(2)` for the true readiness of a descriptor. All
//! through `rustix`, with no `unsafe`.
//!
//! Tested on Linux; the `cfg` branches for the BSDs and macOS follow their
//! manuals.

use std::io::{self, IoSlice, IoSliceMut};
use std::net::SocketAddr;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::Path;

use rustix::event::{PollFd, PollFlags};
use rustix::io::Errno;
use rustix::net::{AddressFamily, RecvFlags, SendFlags, SocketAddrUnix, SocketFlags, SocketType};

/// Flags every socket is created with.
const SOCKET_FLAGS: SocketFlags = SocketFlags::NONBLOCK.union(SocketFlags::CLOEXEC);

/// Flags of every `send`: where the platform has `MSG_NOSIGNAL`, a write to a
/// socket whose peer has gone fails with `EPIPE` instead of killing the
/// process with `SIGPIPE`.
#[cfg(any(
    target_os = "linux",
    target_os = "android",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "openbsd",
    target_os = "dragonfly"
))]
const SEND_FLAGS: SendFlags = SendFlags::NOSIGNAL;
/// macOS has no `MSG_NOSIGNAL`; Rust programs ignore `SIGPIPE` by default.
#[cfg(not(any(
    target_os = "linux",
    target_os = "android",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "openbsd",
    target_os = "dragonfly"
)))]
const SEND_FLAGS: SendFlags = SendFlags::empty();

fn family(addr: &SocketAddr) -> AddressFamily {
    match addr {
        SocketAddr::V4(_) => AddressFamily::INET,
        SocketAddr::V6(_) => AddressFamily::INET6,
    }
}

/// `socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)`.
pub(crate) fn stream_socket(addr: &SocketAddr) -> io::Result<OwnedFd> {
    Ok(rustix::net::socket_with(
        family(addr),
        SocketType::STREAM,
        SOCKET_FLAGS,
        None,
    )?)
}

/// A UDP socket bound to `addr`, non-blocking and close-on-exec.
pub(crate) fn udp_socket(addr: &SocketAddr) -> io::Result<OwnedFd> {
    let fd = rustix::net::socket_with(family(addr), SocketType::DGRAM, SOCKET_FLAGS, None)?;
    rustix::net::bind(&fd, addr)?;
    Ok(fd)
}

/// A Unix stream socket, not connected yet.
pub(crate) fn unix_stream_socket() -> io::Result<OwnedFd> {
    Ok(rustix::net::socket_with(
        AddressFamily::UNIX,
        SocketType::STREAM,
        SOCKET_FLAGS,
        None,
    )?)
}

/// Two connected Unix stream sockets.
pub(crate) fn unix_pair() -> io::Result<(OwnedFd, OwnedFd)> {
    Ok(rustix::net::socketpair(
        AddressFamily::UNIX,
        SocketType::STREAM,
        SOCKET_FLAGS,
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

/// [`start_connect`] for a Unix socket path. On Linux a full listener
/// backlog fails with `WouldBlock` (`EAGAIN`) rather than waiting.
pub(crate) fn start_connect_unix(fd: impl AsFd, path: &Path) -> io::Result<bool> {
    let addr = SocketAddrUnix::new(path)?;
    match rustix::net::connect(fd, &addr) {
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
    let (conn, addr) = rustix::net::acceptfrom_with(fd, SOCKET_FLAGS)?;
    let addr = addr
        .and_then(|a| SocketAddr::try_from(a).ok())
        .ok_or_else(|| io::Error::other("accepted a connection with no IP peer address"))?;
    Ok((conn, addr))
}

/// A listening socket: non-blocking, close-on-exec, `SO_REUSEADDR` (so a
/// restarted server can bind a port in `TIME_WAIT`), optionally
/// `SO_REUSEPORT`, with room for `backlog` connections that completed the
/// handshake but were not accepted yet.
pub(crate) fn listener(addr: &SocketAddr, backlog: i32, reuse_port: bool) -> io::Result<OwnedFd> {
    let fd = stream_socket(addr)?;
    rustix::net::sockopt::set_socket_reuseaddr(&fd, true)?;
    if reuse_port {
        set_reuse_port(&fd)?;
    }
    rustix::net::bind(&fd, addr)?;
    rustix::net::listen(&fd, backlog)?;
    Ok(fd)
}

/// `SO_REUSEPORT`: several sockets may bind the same address, and the kernel
/// spreads incoming connections over them (Linux; on the BSDs the last
/// bound one gets them, except FreeBSD's `SO_REUSEPORT_LB`).
#[cfg(any(
    target_os = "linux",
    target_os = "android",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "openbsd",
    target_os = "dragonfly",
    target_os = "macos",
    target_os = "ios"
))]
fn set_reuse_port(fd: impl AsFd) -> io::Result<()> {
    Ok(rustix::net::sockopt::set_socket_reuseport(fd, true)?)
}

#[cfg(not(any(
    target_os = "linux",
    target_os = "android",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "openbsd",
    target_os = "dragonfly",
    target_os = "macos",
    target_os = "ios"
)))]
fn set_reuse_port(_fd: impl AsFd) -> io::Result<()> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "SO_REUSEPORT is not supported on this platform; bind one listener and share it",
    ))
}

/// `SO_INCOMING_CPU` on a listener: among the `SO_REUSEPORT` listeners of
/// one port, the kernel (Linux 6.1 and later) gives a new connection to the
/// one whose CPU matches the CPU that processed the connection's first
/// packet, so the connection's packets and its task share a CPU.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(crate) fn set_incoming_cpu(fd: impl AsFd, cpu: usize) -> io::Result<()> {
    let cpu = u32::try_from(cpu)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "CPU number out of range"))?;
    Ok(rustix::net::sockopt::set_socket_incoming_cpu(fd, cpu)?)
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub(crate) fn set_incoming_cpu(_fd: impl AsFd, _cpu: usize) -> io::Result<()> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "SO_INCOMING_CPU is Linux only: connections are dealt to listeners by hash here",
    ))
}

/// `SO_LINGER`: with `Some(0)`, closing resets the connection (used in tests
/// that need an abortive close).
pub(crate) fn set_linger(fd: impl AsFd, linger: Option<std::time::Duration>) -> io::Result<()> {
    Ok(rustix::net::sockopt::set_socket_linger(fd, linger)?)
}

/// What `fstat` says `fd` is, if it is what no reactor can wait on: a
/// regular file or a directory (epoll refuses them with `EPERM`; `poll(2)`
/// and kqueue call them always ready).
pub(crate) fn file_kind(fd: BorrowedFd<'_>) -> Option<&'static str> {
    let stat = rustix::fs::fstat(fd).ok()?;
    match rustix::fs::FileType::from_raw_mode(stat.st_mode) {
        rustix::fs::FileType::RegularFile => Some("a regular file"),
        rustix::fs::FileType::Directory => Some("a directory"),
        _ => None,
    }
}

/// `ioctl(FIONBIO)`: puts a descriptor a user handed us in non-blocking mode.
pub(crate) fn set_nonblocking(fd: impl AsFd) -> io::Result<()> {
    Ok(rustix::io::ioctl_fionbio(fd, true)?)
}

/// `recv` on a stream socket.
pub(crate) fn recv(fd: BorrowedFd<'_>, buf: &mut [u8]) -> io::Result<usize> {
    Ok(rustix::net::recv(fd, buf, RecvFlags::empty())?.0)
}

/// `readv` on a stream socket.
#[cfg_attr(not(feature = "futures-io"), allow(dead_code))]
pub(crate) fn recv_vectored(fd: BorrowedFd<'_>, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
    Ok(rustix::io::readv(fd, bufs)?)
}

/// `send` on a stream socket, without `SIGPIPE` where the platform allows.
pub(crate) fn send(fd: BorrowedFd<'_>, buf: &[u8]) -> io::Result<usize> {
    Ok(rustix::net::send(fd, buf, SEND_FLAGS)?)
}

/// `sendmsg` of several buffers, without `SIGPIPE` where the platform allows.
#[cfg_attr(not(feature = "futures-io"), allow(dead_code))]
pub(crate) fn send_vectored(fd: BorrowedFd<'_>, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
    let mut control = rustix::net::SendAncillaryBuffer::default();
    Ok(rustix::net::sendmsg(fd, bufs, &mut control, SEND_FLAGS)?)
}

/// Whether `fd` is ready now for reading (`write == false`) or writing,
/// counting errors and hang-ups as ready: `poll(2)` with a zero timeout.
pub(crate) fn ready_now(fd: BorrowedFd<'_>, write: bool) -> io::Result<bool> {
    let events = if write { PollFlags::OUT } else { PollFlags::IN };
    let mut fds = [PollFd::from_borrowed_fd(fd, events)];
    let zero = rustix::event::Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    loop {
        match rustix::event::poll(&mut fds, Some(&zero)) {
            Ok(n) => return Ok(n > 0 && !fds[0].revents().is_empty()),
            Err(Errno::INTR) => {}
            Err(e) => return Err(e.into()),
        }
    }
}

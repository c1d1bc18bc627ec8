//! Non-blocking sockets: TCP ([`TcpStream`], [`TcpListener`], split halves),
//! UDP ([`UdpSocket`]), Unix domain streams ([`UnixStream`],
//! [`UnixListener`]) and [`lookup_host`].
//!
//! Every socket is a thin layer over [`io::Async`](crate::io::Async): it is
//! registered once with the reactor, edge-triggered, and removed from it
//! before it closes. Operations try the system call first and wait only
//! when it says `WouldBlock`. The raw system calls std lacks live in the
//! crate's `sys.rs`. With the default feature `futures-io`, the stream
//! sockets implement `futures_io::AsyncRead` and `AsyncWrite`
//! (`futures_io.rs`).

mod futures;
#[cfg(feature = "futures-io")]
mod futures_io;
mod resolve;
mod split;
mod tcp_listener;
mod tcp_stream;
mod udp;
mod unix_listener;
mod unix_stream;

pub use futures::{Read, ReadToEnd, Write, WriteAll};
pub use resolve::lookup_host;
pub use split::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, ReuniteError, WriteHalf};
pub use tcp_listener::{Accept, DEFAULT_BACKLOG, Incoming, TcpListener};
pub use tcp_stream::{Connect, TcpStream};
pub use udp::{UdpRecv, UdpRecvFrom, UdpSend, UdpSendTo, UdpSocket};
pub use unix_listener::{UnixAccept, UnixIncoming, UnixListener};
pub use unix_stream::{UnixConnect, UnixStream};

//! Non-blocking TCP: [`TcpStream`], [`TcpListener`] and [`lookup_host`].
//!
//! Every socket is registered once with the reactor, edge-triggered, and
//! removed from it before it closes (`io.rs`). Operations try the system
//! call first and wait only when it says `WouldBlock`. The raw system calls
//! std lacks live in `sys.rs`.

mod futures;
mod io;
mod resolve;
mod sys;
mod tcp_listener;
mod tcp_stream;

pub use futures::{Read, ReadToEnd, Write, WriteAll};
pub use resolve::lookup_host;
pub use tcp_listener::{Accept, DEFAULT_BACKLOG, Incoming, TcpListener};
pub use tcp_stream::{Connect, TcpStream};

//! The futures behind the `read`, `read_to_end`, `write` and `write_all` of
//! every stream socket ([`TcpStream`], its halves, [`UnixStream`]): thin
//! loops over `io::StreamHandle`'s `poll_read`/`poll_write`.
//!
//! Each keeps a ticket for the waker it left in the reactor (it returned
//! `Pending`), and if it is dropped in that state it takes that waker back,
//! and only that one, so a cancelled operation leaves nothing behind and
//! disturbs no other task waiting on the same socket.
//!
//! [`TcpStream`]: super::TcpStream
//! [`UnixStream`]: super::UnixStream

use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::io::{StreamHandle, Waiter};
use crate::reactor::Direction;

/// Reads that grow a buffer ask for at least this much room per read.
const MIN_READ: usize = 8 * 1024;
/// ...and read at most this much at a time.
const MAX_READ: usize = 256 * 1024;

/// A stream and this future's claim on its waker slot, which `Waiter`
/// takes back if the future is dropped while it waits.
struct WaitGuard<'a> {
    stream: StreamHandle<'a>,
    waiter: Waiter<'a>,
}

impl<'a> WaitGuard<'a> {
    fn new(stream: StreamHandle<'a>, dir: Direction) -> Self {
        WaitGuard {
            stream,
            waiter: Waiter::new(stream.registration(), dir),
        }
    }
}

/// The future returned by [`TcpStream::read`](super::TcpStream::read) (and
/// the other streams' `read`).
#[must_use = "futures do nothing unless awaited"]
pub struct Read<'a> {
    guard: WaitGuard<'a>,
    buf: &'a mut [u8],
}

impl<'a> Read<'a> {
    pub(crate) fn new(stream: StreamHandle<'a>, buf: &'a mut [u8]) -> Self {
        Read {
            guard: WaitGuard::new(stream, Direction::Read),
            buf,
        }
    }
}

impl Future for Read<'_> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let guard = &mut this.guard;
        let poll = guard.stream.poll_read(cx, this.buf, guard.waiter.ticket());
        guard.waiter.track(poll)
    }
}

/// The future returned by [`TcpStream::read_to_end`](super::TcpStream::read_to_end).
#[must_use = "futures do nothing unless awaited"]
pub struct ReadToEnd<'a> {
    guard: WaitGuard<'a>,
    buf: &'a mut Vec<u8>,
    start_len: usize,
}

impl<'a> ReadToEnd<'a> {
    pub(crate) fn new(stream: StreamHandle<'a>, buf: &'a mut Vec<u8>) -> Self {
        let start_len = buf.len();
        ReadToEnd {
            guard: WaitGuard::new(stream, Direction::Read),
            buf,
            start_len,
        }
    }
}

impl Future for ReadToEnd<'_> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        loop {
            let len = this.buf.len();
            if this.buf.capacity() - len < MIN_READ {
                // Double (at least) so that a large body costs O(log n) grows.
                this.buf.reserve(len.max(MIN_READ));
            }
            // Safe Rust reads only into initialized memory: zero a window of
            // the spare room (bounded, so the cost stays linear in the bytes
            // read), read into it, and cut back to what was read.
            let window = (this.buf.capacity() - len).min(MAX_READ);
            this.buf.resize(len + window, 0);
            let guard = &mut this.guard;
            let poll = guard
                .stream
                .poll_read(cx, &mut this.buf[len..], guard.waiter.ticket());
            let read = match guard.waiter.track(poll) {
                Poll::Ready(Ok(n)) => n,
                Poll::Ready(Err(e)) => {
                    this.buf.truncate(len);
                    return Poll::Ready(Err(e));
                }
                Poll::Pending => {
                    this.buf.truncate(len);
                    return Poll::Pending;
                }
            };
            this.buf.truncate(len + read);
            if read == 0 {
                return Poll::Ready(Ok(len - this.start_len));
            }
        }
    }
}

/// The future returned by [`TcpStream::write`](super::TcpStream::write).
#[must_use = "futures do nothing unless awaited"]
pub struct Write<'a> {
    guard: WaitGuard<'a>,
    buf: &'a [u8],
}

impl<'a> Write<'a> {
    pub(crate) fn new(stream: StreamHandle<'a>, buf: &'a [u8]) -> Self {
        Write {
            guard: WaitGuard::new(stream, Direction::Write),
            buf,
        }
    }
}

impl Future for Write<'_> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let guard = &mut this.guard;
        let poll = guard.stream.poll_write(cx, this.buf, guard.waiter.ticket());
        guard.waiter.track(poll)
    }
}

/// The future returned by [`TcpStream::write_all`](super::TcpStream::write_all).
#[must_use = "futures do nothing unless awaited"]
pub struct WriteAll<'a> {
    guard: WaitGuard<'a>,
    buf: &'a [u8],
}

impl<'a> WriteAll<'a> {
    pub(crate) fn new(stream: StreamHandle<'a>, buf: &'a [u8]) -> Self {
        WriteAll {
            guard: WaitGuard::new(stream, Direction::Write),
            buf,
        }
    }
}

impl Future for WriteAll<'_> {
    type Output = io::Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        while !this.buf.is_empty() {
            let guard = &mut this.guard;
            let poll = guard.stream.poll_write(cx, this.buf, guard.waiter.ticket());
            match guard.waiter.track(poll) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) => this.buf = &this.buf[n..],
            }
        }
        Poll::Ready(Ok(()))
    }
}

macro_rules! debug_future {
    ($($name:ident),*) => {$(
        impl fmt::Debug for $name<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("waiter", &self.guard.waiter)
                    .finish_non_exhaustive()
            }
        }
    )*};
}
debug_future!(Read, ReadToEnd, Write, WriteAll);

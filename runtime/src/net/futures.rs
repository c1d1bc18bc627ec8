//! The futures behind [`TcpStream`]'s `read`, `read_to_end`, `write` and
//! `write_all`: thin loops over `poll_read`/`poll_write`.
//!
//! Each remembers whether it left a waker in the reactor (it returned
//! `Pending`), and if it is dropped in that state it takes the waker back, so
//! a cancelled operation leaves nothing behind.

use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::TcpStream;
use crate::reactor::Direction;

/// Reads that grow a buffer ask for at least this much room per read.
const MIN_READ: usize = 8 * 1024;
/// ...and read at most this much at a time.
const MAX_READ: usize = 256 * 1024;

/// Forgets the stream's waker for `dir` when dropped while waiting.
struct WaitGuard<'a> {
    stream: &'a mut TcpStream,
    dir: Direction,
    waiting: bool,
}

impl<'a> WaitGuard<'a> {
    fn new(stream: &'a mut TcpStream, dir: Direction) -> Self {
        WaitGuard {
            stream,
            dir,
            waiting: false,
        }
    }

    fn track<T>(&mut self, poll: Poll<T>) -> Poll<T> {
        self.waiting = poll.is_pending();
        poll
    }
}

impl Drop for WaitGuard<'_> {
    fn drop(&mut self) {
        if self.waiting {
            self.stream.clear_waker(self.dir);
        }
    }
}

/// The future returned by [`TcpStream::read`].
#[must_use = "futures do nothing unless awaited"]
pub struct Read<'a> {
    guard: WaitGuard<'a>,
    buf: &'a mut [u8],
}

impl<'a> Read<'a> {
    pub(crate) fn new(stream: &'a mut TcpStream, buf: &'a mut [u8]) -> Self {
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
        let poll = this.guard.stream.poll_read_ref(cx, this.buf);
        this.guard.track(poll)
    }
}

/// The future returned by [`TcpStream::read_to_end`].
#[must_use = "futures do nothing unless awaited"]
pub struct ReadToEnd<'a> {
    guard: WaitGuard<'a>,
    buf: &'a mut Vec<u8>,
    start_len: usize,
}

impl<'a> ReadToEnd<'a> {
    pub(crate) fn new(stream: &'a mut TcpStream, buf: &'a mut Vec<u8>) -> Self {
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
            let poll = this.guard.stream.poll_read_ref(cx, &mut this.buf[len..]);
            let read = match this.guard.track(poll) {
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

/// The future returned by [`TcpStream::write`].
#[must_use = "futures do nothing unless awaited"]
pub struct Write<'a> {
    guard: WaitGuard<'a>,
    buf: &'a [u8],
}

impl<'a> Write<'a> {
    pub(crate) fn new(stream: &'a mut TcpStream, buf: &'a [u8]) -> Self {
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
        let poll = this.guard.stream.poll_write_ref(cx, this.buf);
        this.guard.track(poll)
    }
}

/// The future returned by [`TcpStream::write_all`].
#[must_use = "futures do nothing unless awaited"]
pub struct WriteAll<'a> {
    guard: WaitGuard<'a>,
    buf: &'a [u8],
}

impl<'a> WriteAll<'a> {
    pub(crate) fn new(stream: &'a mut TcpStream, buf: &'a [u8]) -> Self {
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
            let poll = this.guard.stream.poll_write_ref(cx, this.buf);
            match this.guard.track(poll) {
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
                    .field("stream", &self.guard.stream)
                    .field("waiting", &self.guard.waiting)
                    .finish_non_exhaustive()
            }
        }
    )*};
}
debug_future!(Read, ReadToEnd, Write, WriteAll);

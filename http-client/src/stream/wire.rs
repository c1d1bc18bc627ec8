//! [`Wire`]: the receiving side of one connection — the socket, its read
//! buffer, and the deadlines every wait for bytes obeys. Both halves of
//! reading a response use it: `Connection::read_head` feeds its bytes to the
//! head parser, then hands it to the [`BodyStream`](crate::BodyStream),
//! which decodes the body in place.
//!
//! The buffer starts at [`FIRST_READ_BUFFER`] bytes (a spare one of this
//! thread's, or of [`READ_BUFFER`] bytes if one is spare: `spare.rs`; a new
//! one only when none is) and grows once, to
//! [`READ_BUFFER`], when a read fills it: a small response never pays for
//! allocating and zeroing 64 KiB, a large download reads 64 KiB at a time.
//! A read fills the buffer only when everything before has been consumed,
//! so memory per stream is at most [`READ_BUFFER`], whatever the server
//! sends.
//!
//! Over TLS, the end of the stream comes in two kinds: after the server's
//! `close_notify` (clean), or without it, which the TLS stream reports as
//! `UnexpectedEof`. Both read as 0 bytes here, and the second is noted
//! ([`closed_uncleanly`](Wire::closed_uncleanly)) for the body stream to
//! judge: only a body that ends at the close is then in doubt.

use std::future::Future;
use std::io;
use std::ops::Range;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use runtime::time::{Sleep, sleep};

use super::spare;
use crate::transport::Transport;
use crate::{Error, IoPhase, ParsePhase, Result, TimeoutPhase};

/// Size of a stream's read buffer: the most bytes one read takes in, and so
/// the longest slice [`BodyStream::chunk`](crate::BodyStream::chunk) returns.
pub(crate) const READ_BUFFER: usize = 64 * 1024;

/// Size a stream's read buffer starts at, unless a spare full-size one is
/// at hand: one TLS record's worth, more than most responses' heads and
/// small bodies need.
pub(crate) const FIRST_READ_BUFFER: usize = 16 * 1024;

/// A deadline for the whole exchange, from [`Client`](crate::Client).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Deadline {
    /// When it passes.
    pub(crate) at: Instant,
    /// The total timeout it came from, for the error message.
    pub(crate) total: Duration,
}

/// A socket with its read buffer and deadlines.
pub(crate) struct Wire {
    /// `None` once the response is over: the socket is closed as soon as it
    /// is no longer needed, not when the stream is dropped.
    stream: Option<Transport>,
    /// `host:port`, for error messages.
    authority: String,
    /// [`FIRST_READ_BUFFER`] or [`READ_BUFFER`] bytes; `buf[start..end]` is
    /// input not yet consumed.
    buf: Box<[u8]>,
    start: usize,
    end: usize,
    /// Longest wait for the next bytes.
    idle: Duration,
    /// The whole exchange's deadline, if any.
    deadline: Option<Deadline>,
    /// Fires at the end of the current wait; `armed` says whether it is set
    /// for it. Kept across waits, so waiting allocates nothing.
    timer: Sleep,
    armed: bool,
    /// The stream ended without TLS `close_notify` (never for plain TCP).
    unclean_close: bool,
    /// What the TLS session negotiated, kept after the socket closes.
    #[cfg(feature = "tls")]
    tls_info: Option<crate::TlsInfo>,
}

impl Drop for Wire {
    fn drop(&mut self) {
        spare::give_back(std::mem::take(&mut self.buf));
    }
}

impl Wire {
    /// Wraps a connected socket; takes a read buffer.
    pub(crate) fn new(
        stream: Transport,
        authority: String,
        idle: Duration,
        deadline: Option<Deadline>,
    ) -> Wire {
        #[cfg(feature = "tls")]
        let tls_info = stream.tls().map(|tls| crate::TlsInfo::of(tls.session()));
        Wire {
            stream: Some(stream),
            authority,
            buf: spare::take_first(),
            start: 0,
            end: 0,
            idle,
            deadline,
            timer: sleep(Duration::MAX),
            armed: false,
            unclean_close: false,
            #[cfg(feature = "tls")]
            tls_info,
        }
    }

    /// What the TLS session negotiated, for a TLS connection.
    #[cfg(feature = "tls")]
    pub(crate) fn tls_info(&self) -> Option<&crate::TlsInfo> {
        self.tls_info.as_ref()
    }

    /// Whether the stream ended (a read gave 0) without TLS `close_notify`,
    /// so that what came last may have been cut off.
    pub(crate) fn closed_uncleanly(&self) -> bool {
        self.unclean_close
    }

    /// The error for a body that ended at an unclean close.
    pub(crate) fn truncation_error(&self) -> Error {
        #[cfg(feature = "tls")]
        return Error::TlsTruncated {
            authority: self.authority.clone(),
        };
        #[cfg(not(feature = "tls"))]
        self.io_error(io::ErrorKind::UnexpectedEof.into())
    }

    /// The input read but not yet consumed.
    pub(crate) fn input(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    /// Marks the first `n` bytes of [`input`](Self::input) consumed, and
    /// returns where they lie in the buffer.
    pub(crate) fn consume(&mut self, n: usize) -> Range<usize> {
        let at = self.start;
        self.start = (at + n).min(self.end);
        at..self.start
    }

    /// Bytes of the buffer, by a range [`consume`](Self::consume) returned.
    pub(crate) fn bytes(&self, range: Range<usize>) -> &[u8] {
        &self.buf[range]
    }

    /// The buffer's size.
    pub(crate) fn capacity(&self) -> usize {
        READ_BUFFER
    }

    /// Closes the socket (the response is over, or failed).
    pub(crate) fn close(&mut self) {
        self.stream = None;
        self.armed = false;
        self.timer = sleep(Duration::MAX); // drops the old timer's registration
    }

    /// Takes the socket out (to return it to a pool), leaving the wire
    /// closed.
    pub(crate) fn take_stream(&mut self) -> Option<Transport> {
        let stream = self.stream.take();
        self.close();
        stream
    }

    /// The peer, as `host:port`.
    pub(crate) fn authority(&self) -> &str {
        &self.authority
    }

    /// Reads more input into the buffer once all of it has been consumed
    /// (bytes handed out from it must stay valid until then). `Ready(Ok(0))`
    /// means the peer closed. `phase` names what was awaited, for the idle
    /// timeout's message.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if the socket fails; [`Error::Timeout`] with
    /// [`TimeoutPhase::Idle`] when no byte came for the idle timeout, or
    /// [`TimeoutPhase::Total`] when the exchange's deadline passed first.
    pub(crate) fn poll_read_more(
        &mut self,
        cx: &mut Context<'_>,
        phase: ParsePhase,
    ) -> Poll<Result<usize>> {
        debug_assert!(self.input().is_empty(), "reading over unconsumed input");
        let Some(stream) = &mut self.stream else {
            return Poll::Ready(Err(self.io_error(io::ErrorKind::NotConnected.into())));
        };
        if self.end == self.buf.len() && self.buf.len() < READ_BUFFER {
            // The last read filled the small buffer: more is coming than it
            // holds, so trade it for a full-size one (nothing is unconsumed).
            self.buf = spare::take().unwrap_or_else(|| vec![0; READ_BUFFER].into());
        }
        (self.start, self.end) = (0, 0);
        // Checked before each read too, not only while waiting: a server
        // that keeps the socket full would otherwise never meet the deadline.
        if self.deadline.is_some_and(|d| Instant::now() >= d.at) {
            return Poll::Ready(Err(self.timeout(phase)));
        }
        match stream.poll_read(cx, &mut self.buf) {
            Poll::Ready(Ok(n)) => {
                self.armed = false;
                self.end = n;
                return Poll::Ready(Ok(n));
            }
            // Only TLS says this: the server closed without `close_notify`.
            Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::UnexpectedEof => {
                self.armed = false;
                self.unclean_close = true;
                return Poll::Ready(Ok(0));
            }
            Poll::Ready(Err(e)) => return Poll::Ready(Err(self.io_error(e))),
            Poll::Pending => {}
        }
        if !self.armed {
            let idle_end = Instant::now().checked_add(self.idle);
            let wake = match (idle_end, self.deadline) {
                (Some(idle), Some(total)) => Some(idle.min(total.at)),
                (idle, total) => idle.or(total.map(|d| d.at)),
            };
            let Some(wake) = wake else {
                return Poll::Pending; // no deadline at all
            };
            self.timer.reset(wake);
            self.armed = true;
        }
        match Pin::new(&mut self.timer).poll(cx) {
            Poll::Ready(()) => {
                self.armed = false;
                Poll::Ready(Err(self.timeout(phase)))
            }
            Poll::Pending => Poll::Pending,
        }
    }

    /// The error for the deadline that just passed: the total one if it is
    /// due, else the idle one.
    fn timeout(&self, phase: ParsePhase) -> Error {
        let authority = self.authority.clone();
        match self.deadline {
            Some(total) if Instant::now() >= total.at => Error::Timeout {
                phase: TimeoutPhase::Total,
                authority,
                after: total.total,
            },
            _ => Error::Timeout {
                phase: TimeoutPhase::Idle(phase),
                authority,
                after: self.idle,
            },
        }
    }

    fn io_error(&self, source: io::Error) -> Error {
        Error::Io {
            phase: IoPhase::Receiving,
            authority: self.authority.clone(),
            source,
        }
    }
}

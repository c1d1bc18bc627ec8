//! [`StreamHandle`]: the reads and writes of a connected stream socket (TCP
//! or Unix), shared by the streams, their split halves, their futures and
//! their futures-io impls, so every one of them waits the same way.

use std::io::{self, IoSlice, IoSliceMut};
use std::os::fd::BorrowedFd;
use std::task::{Context, Poll};

use super::registration::Registration;
use crate::reactor::Direction;
use crate::reactor::Ticket;
use crate::sys;

/// A stream socket's descriptor and registration, borrowed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StreamHandle<'a> {
    registration: &'a Registration,
    fd: BorrowedFd<'a>,
}

impl<'a> StreamHandle<'a> {
    pub(crate) fn new(registration: &'a Registration, fd: BorrowedFd<'a>) -> StreamHandle<'a> {
        StreamHandle { registration, fd }
    }

    pub(crate) fn registration(self) -> &'a Registration {
        self.registration
    }

    /// Reads some bytes; `Ok(0)` at end of stream (or for an empty `buf`).
    pub(crate) fn poll_read(
        self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
        ticket: Option<&mut Ticket>,
    ) -> Poll<io::Result<usize>> {
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        // A short read usually means the socket is drained, and runtimes
        // that see EPOLLRDHUP skip the next read on that basis. `polling`
        // does not report RDHUP, and if the peer's FIN arrived together with
        // the data there will be no further edge: waiting now would hang on
        // a stream that is already at its end. So readiness is cleared only
        // by `WouldBlock`, at the cost of one extra read per wait.
        self.registration
            .poll_io(Direction::Read, cx, ticket, || sys::recv(self.fd, buf))
    }

    /// Reads into several buffers with one `readv`.
    #[cfg_attr(not(feature = "futures-io"), allow(dead_code))]
    pub(crate) fn poll_read_vectored(
        self,
        cx: &mut Context<'_>,
        bufs: &mut [IoSliceMut<'_>],
        ticket: Option<&mut Ticket>,
    ) -> Poll<io::Result<usize>> {
        if bufs.iter().all(|b| b.is_empty()) {
            return Poll::Ready(Ok(0));
        }
        self.registration.poll_io(Direction::Read, cx, ticket, || {
            sys::recv_vectored(self.fd, bufs)
        })
    }

    /// Writes some of `buf`.
    pub(crate) fn poll_write(
        self,
        cx: &mut Context<'_>,
        buf: &[u8],
        ticket: Option<&mut Ticket>,
    ) -> Poll<io::Result<usize>> {
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let poll = self
            .registration
            .poll_io(Direction::Write, cx, ticket, || sys::send(self.fd, buf));
        self.note_written(poll, buf.len())
    }

    /// Writes some of `bufs` with one `sendmsg`.
    #[cfg_attr(not(feature = "futures-io"), allow(dead_code))]
    pub(crate) fn poll_write_vectored(
        self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
        ticket: Option<&mut Ticket>,
    ) -> Poll<io::Result<usize>> {
        let total: usize = bufs.iter().map(|b| b.len()).sum();
        if total == 0 {
            return Poll::Ready(Ok(0));
        }
        let poll = self.registration.poll_io(Direction::Write, cx, ticket, || {
            sys::send_vectored(self.fd, bufs)
        });
        self.note_written(poll, total)
    }

    /// A short write means the send buffer is full: wait for the next edge
    /// instead of trying (and failing) once more.
    fn note_written(self, poll: Poll<io::Result<usize>>, wanted: usize) -> Poll<io::Result<usize>> {
        if let Poll::Ready(Ok(n)) = poll
            && n < wanted
        {
            self.registration.clear_ready(Direction::Write);
        }
        poll
    }
}

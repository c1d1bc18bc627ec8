//! `futures_io::AsyncRead` / `AsyncWrite` for [`Async<T>`] (feature
//! `futures-io`): by value where `T: Read`/`Write`, and through a shared
//! reference where `&T: Read`/`Write` (pipes, std sockets), so one task may
//! read while another writes.
//!
//! `poll_flush` flushes `T`; `poll_close` flushes too (a generic `T` has no
//! shutdown; close the value by dropping it).

use std::io::{self, IoSlice, IoSliceMut, Read, Write};
use std::os::fd::AsFd;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_io::{AsyncRead, AsyncWrite};

use super::Async;
use crate::reactor::Direction;

#[cfg_attr(docsrs, doc(cfg(feature = "futures-io")))]
impl<T: AsFd + Read> AsyncRead for Async<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut()
            .poll_with_mut(Direction::Read, cx, |t| t.read(buf))
    }

    fn poll_read_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &mut [IoSliceMut<'_>],
    ) -> Poll<io::Result<usize>> {
        self.get_mut()
            .poll_with_mut(Direction::Read, cx, |t| t.read_vectored(bufs))
    }
}

#[cfg_attr(docsrs, doc(cfg(feature = "futures-io")))]
impl<T: AsFd> AsyncRead for &Async<T>
where
    for<'a> &'a T: Read,
{
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_with(Direction::Read, cx, |mut t| t.read(buf))
    }

    fn poll_read_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &mut [IoSliceMut<'_>],
    ) -> Poll<io::Result<usize>> {
        self.poll_with(Direction::Read, cx, |mut t| t.read_vectored(bufs))
    }
}

#[cfg_attr(docsrs, doc(cfg(feature = "futures-io")))]
impl<T: AsFd + Write> AsyncWrite for Async<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut()
            .poll_with_mut(Direction::Write, cx, |t| t.write(buf))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.get_mut()
            .poll_with_mut(Direction::Write, cx, |t| t.write_vectored(bufs))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut()
            .poll_with_mut(Direction::Write, cx, |t| t.flush())
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_flush(cx)
    }
}

#[cfg_attr(docsrs, doc(cfg(feature = "futures-io")))]
impl<T: AsFd> AsyncWrite for &Async<T>
where
    for<'a> &'a T: Write,
{
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_with(Direction::Write, cx, |mut t| t.write(buf))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.poll_with(Direction::Write, cx, |mut t| t.write_vectored(bufs))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_with(Direction::Write, cx, |mut t| t.flush())
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_flush(cx)
    }
}

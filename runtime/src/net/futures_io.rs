//! `futures_io::AsyncRead` / `AsyncWrite` for the stream sockets (feature
//! `futures-io`): [`TcpStream`] and `&TcpStream`, its split halves,
//! [`UnixStream`] and `&UnixStream`. Each forwards to the socket's
//! `io::StreamHandle`, the same code the inherent futures use.
//!
//! `poll_flush` has nothing to do (writes go straight to the kernel);
//! `poll_close` shuts down the write side (the peer reads end-of-stream).

use std::io::{self, IoSlice, IoSliceMut};
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_io::{AsyncRead, AsyncWrite};

use super::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, TcpStream, UnixStream, WriteHalf};

/// `AsyncRead` for types with a `stream_io()` method.
macro_rules! async_read {
    ($($ty:ty),* $(,)?) => {$(
        #[cfg_attr(docsrs, doc(cfg(feature = "futures-io")))]
        impl AsyncRead for $ty {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut [u8],
            ) -> Poll<io::Result<usize>> {
                self.stream_io().poll_read(cx, buf, None)
            }

            fn poll_read_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &mut [IoSliceMut<'_>],
            ) -> Poll<io::Result<usize>> {
                self.stream_io().poll_read_vectored(cx, bufs, None)
            }
        }
    )*};
}

/// `AsyncWrite` for types with `stream_io()` and `shutdown_write()`.
macro_rules! async_write {
    ($($ty:ty),* $(,)?) => {$(
        #[cfg_attr(docsrs, doc(cfg(feature = "futures-io")))]
        impl AsyncWrite for $ty {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                self.stream_io().poll_write(cx, buf, None)
            }

            fn poll_write_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &[IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                self.stream_io().poll_write_vectored(cx, bufs, None)
            }

            fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                Poll::Ready(Ok(()))
            }

            fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                Poll::Ready(self.shutdown_write())
            }
        }
    )*};
}

async_read!(
    TcpStream,
    &TcpStream,
    ReadHalf<'_>,
    OwnedReadHalf,
    UnixStream,
    &UnixStream
);
async_write!(
    TcpStream,
    &TcpStream,
    WriteHalf<'_>,
    OwnedWriteHalf,
    UnixStream,
    &UnixStream
);

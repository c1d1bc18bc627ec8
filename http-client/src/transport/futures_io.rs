//! [`TlsStream`] as a `futures_io` reader and writer (with the `tls` and
//! `futures-io` features), so a TLS session plugs into the ecosystem's I/O
//! combinators like any socket: each trait method is the stream's own
//! `poll_*` method of the same name.
//!
//! As for the stream itself, a server that closes without `close_notify`
//! makes a read fail with [`io::ErrorKind::UnexpectedEof`] instead of
//! returning the end of the stream: `futures_lite::io::copy` then fails
//! rather than report a truncated copy as complete.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_io::{AsyncRead, AsyncWrite};

use super::tls::TlsStream;

/// # Examples
///
/// ```no_run
/// use futures_lite::{AsyncReadExt, AsyncWriteExt};
/// use http_client::TlsStream;
///
/// async fn exchange(tls: &mut TlsStream) -> std::io::Result<Vec<u8>> {
///     AsyncWriteExt::write_all(tls, b"GET / HTTP/1.0\r\nHost: example.com\r\n\r\n").await?;
///     AsyncWriteExt::flush(tls).await?;
///     let mut reply = Vec::new();
///     AsyncReadExt::read_to_end(tls, &mut reply).await?;
///     Ok(reply)
/// }
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "futures-io")))]
impl AsyncRead for TlsStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        TlsStream::poll_read(self, cx, buf)
    }
}

#[cfg_attr(docsrs, doc(cfg(feature = "futures-io")))]
impl AsyncWrite for TlsStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        TlsStream::poll_write(self, cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        TlsStream::poll_flush(self, cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        TlsStream::poll_close(self, cx)
    }
}

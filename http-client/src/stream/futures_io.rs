//! [`BodyStream`] as a `futures_io` reader (the `futures-io` feature), so
//! the body plugs into the ecosystem's I/O combinators: `AsyncBufRead`
//! lends the stream's own buffer (no copy), `AsyncRead` copies out of it.
//!
//! Errors become `io::Error`s that wrap the client's [`Error`](crate::Error)
//! (its message unchanged; `get_ref` and `downcast` reach it): a timeout has
//! kind `TimedOut`, a truncated or malformed body `InvalidData`, a socket
//! error keeps its kind.
//!
//! `BodyStream::read_to_end` (which makes a `Response`) shadows the
//! extension traits' `read_to_end(&mut buf)`; call that one by its path,
//! `AsyncReadExt::read_to_end(&mut body, &mut buf)`.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures_io::{AsyncBufRead, AsyncRead};

use super::BodyStream;
use crate::Error;

/// `error` as an `io::Error` that carries it.
fn into_io(error: Error) -> io::Error {
    let kind = match &error {
        Error::Io { source, .. } => source.kind(),
        error if error.is_timeout() => io::ErrorKind::TimedOut,
        _ => io::ErrorKind::InvalidData,
    };
    io::Error::new(kind, error)
}

/// # Examples
///
/// ```
/// use runtime::net::TcpListener;
///
/// runtime::block_on(async {
///     # let listener = TcpListener::bind("127.0.0.1:0")?;
///     # let port = listener.local_addr()?.port();
///     # runtime::spawn(async move {
///     #     let (mut s, _) = listener.accept().await.unwrap();
///     #     let mut buf = [0; 1024];
///     #     let _ = s.read(&mut buf).await;
///     #     s.write_all(b"HTTP/1.0 200 OK\r\n\r\nstreamed to a sink").await.unwrap();
///     # });
///     let body = http_client::get_streaming(format!("http://127.0.0.1:{port}/")).await?;
///     let mut sink = Vec::new(); // a file, in real use
///     let copied = futures_lite::io::copy(body, &mut sink).await?;
///     assert_eq!((copied, &sink[..]), (18, &b"streamed to a sink"[..]));
///     Ok::<_, Box<dyn std::error::Error>>(())
/// })?;
/// # Ok::<_, Box<dyn std::error::Error>>(())
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "futures-io")))]
impl AsyncRead for BodyStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        ready!(this.poll_fill(cx)).map_err(into_io)?;
        let ready = this.ready();
        let n = ready.len().min(buf.len());
        buf[..n].copy_from_slice(&ready[..n]);
        this.consume_ready(n);
        Poll::Ready(Ok(n))
    }
}

#[cfg_attr(docsrs, doc(cfg(feature = "futures-io")))]
impl AsyncBufRead for BodyStream {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let this = self.get_mut();
        ready!(this.poll_fill(cx)).map_err(into_io)?;
        Poll::Ready(Ok(this.ready()))
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        self.get_mut().consume_ready(amt);
    }
}

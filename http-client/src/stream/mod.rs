//! [`BodyStream`]: a response whose head has been read and whose body has
//! not — the client's fourth step (`connect` → `send` → `read_head` →
//! `BodyStream`). The body comes out as slices of the stream's own read
//! buffer ([`chunk`](BodyStream::chunk), or `AsyncRead`/`AsyncBufRead` with
//! the `futures-io` feature, in `futures_io.rs`), or whole
//! ([`read_to_end`](BodyStream::read_to_end)).
//!
//! The socket, the buffer and the deadlines are `wire.rs`; the framing rules
//! are the parser's one body decoder (`parse/decoder.rs`), run over the
//! buffer in place: a read fills the buffer, the decoder says where the body
//! bytes lie in it, and those bytes are handed out without a copy.

#[cfg(feature = "futures-io")]
mod futures_io;
mod spare;
mod wire;

pub(crate) use wire::{Deadline, Wire};

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::ops::Range;
use std::task::{Context, Poll, ready};

use crate::decode::{ContentDecoder, OUTPUT_BUFFER};
use crate::parse::{BodyDecoder, Decoded, Head, reserve_for};
use crate::pool::{KeepAlive, Lease};
use crate::{DecodeError, Error, Headers, ParsePhase, Response, Result, Version};

/// A response with its body still to read, from
/// [`Connection::read_head`](crate::Connection::read_head),
/// [`Client::send_streaming`](crate::Client::send_streaming) or
/// [`get_streaming`](crate::get_streaming).
///
/// The status and headers are here at once; the body is read as it is
/// asked for, through one read buffer of 64 KiB that the stream owns, so a
/// body of any size costs that much memory. Framing is enforced as it
/// streams, exactly as strictly as [`read_to_end`](BodyStream::read_to_end)
/// does: a body that ends short of its `Content-Length`, or a chunked body
/// cut before its last chunk, is an error from the last
/// [`chunk`](BodyStream::chunk), never a quiet end. Bytes after the body are
/// discarded.
///
/// When the body ends, the connection closes — or, for a
/// [`Client`](crate::Client) that pools connections (the default), goes
/// back to the pool if the server allowed it and nothing but the body came
/// (see [`reused`](BodyStream::reused)). It closes if the body fails or the
/// stream is dropped before the body's end: what is left unread is not
/// drained, as a large or slow remainder would hold the caller up. With the `futures-io` feature (on by default) it is also a
/// `futures_io::AsyncRead` and `AsyncBufRead`, so `futures_lite::io::copy`
/// can write the body to a file.
///
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
///     #     s.write_all(b"HTTP/1.0 200 OK\r\nContent-Length: 11\r\n\r\nhello world").await.unwrap();
///     # });
///     let mut body = http_client::get_streaming(format!("http://127.0.0.1:{port}/")).await?;
///     assert_eq!(body.status(), 200);
///     assert_eq!(body.content_length(), Some(11));
///     let mut received = 0;
///     while let Some(chunk) = body.chunk().await? {
///         received += chunk.len(); // write it somewhere instead of keeping it
///     }
///     assert_eq!(received, 11);
///     Ok::<_, Box<dyn std::error::Error>>(())
/// })?;
/// # Ok::<_, Box<dyn std::error::Error>>(())
/// ```
pub struct BodyStream {
    head: Head,
    wire: Wire,
    decoder: BodyDecoder,
    /// Body bytes (after the framing, before any content decoding) in the
    /// wire's buffer, not yet handed out (or, with `content`, not yet fed
    /// to it).
    ready: Range<usize>,
    /// The `Content-Encoding` decoder, when the client asked for the
    /// response's coding (`decode/`); its output is what is handed out.
    content: Option<ContentDecoder>,
    state: State,
    /// The connection's way back to the pool, with the server's terms;
    /// `None` when it is to close at the end of the body.
    returns: Option<(Lease, KeepAlive)>,
    /// The connection came from the pool.
    reused: bool,
}

/// Whether the body can still be read.
#[derive(Debug)]
enum State {
    /// Reading.
    Open,
    /// The body ended by its framing (or a clean close); the socket is closed.
    Done,
    /// Reading failed; every later read fails alike. The socket is closed.
    Failed(Error),
}

impl BodyStream {
    /// A stream for the body after `head`, whose first bytes may already sit
    /// in `wire`'s input.
    pub(crate) fn new(
        head: Head,
        decoder: BodyDecoder,
        wire: Wire,
        returns: Option<(Lease, KeepAlive)>,
        reused: bool,
        content: Option<ContentDecoder>,
    ) -> BodyStream {
        let mut stream = BodyStream {
            head,
            wire,
            decoder,
            ready: 0..0,
            content,
            state: State::Open,
            returns,
            reused,
        };
        if stream.decoder.is_done() {
            stream.end(); // bodiless: no need to keep the socket
        }
        stream
    }

    /// Whether this response came over a connection that had carried an
    /// earlier response (taken from a [`Client`](crate::Client)'s pool:
    /// no TCP or TLS handshake was needed).
    ///
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
    ///     #     for _ in 0..2 {
    ///     #         let _ = s.read(&mut [0; 1024]).await;
    ///     #         s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok").await.unwrap();
    ///     #     }
    ///     # });
    ///     // A server that keeps connections open (HTTP/1.1, a Content-Length).
    ///     let client = http_client::Client::new();
    ///     let url = http_client::Url::parse(&format!("http://127.0.0.1:{port}/"))?;
    ///     let first = client.send_streaming(http_client::Request::get(url.clone())).await?;
    ///     assert!(!first.reused());
    ///     first.read_to_end().await?; // the body's end returns the connection
    ///     let second = client.send_streaming(http_client::Request::get(url)).await?;
    ///     assert!(second.reused());
    ///     assert_eq!(client.stats().connections_opened, 1);
    ///     Ok::<_, Box<dyn std::error::Error>>(())
    /// })?;
    /// # Ok::<_, Box<dyn std::error::Error>>(())
    /// ```
    pub fn reused(&self) -> bool {
        self.reused
    }

    /// The status code (never 1xx: interim responses are skipped).
    ///
    /// # Examples
    ///
    /// ```
    /// # use runtime::net::TcpListener;
    /// # runtime::block_on(async {
    /// # let listener = TcpListener::bind("127.0.0.1:0")?;
    /// # let port = listener.local_addr()?.port();
    /// # runtime::spawn(async move {
    /// #     let (mut s, _) = listener.accept().await.unwrap();
    /// #     let _ = s.read(&mut [0; 1024]).await;
    /// #     s.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello").await.unwrap();
    /// # });
    /// // The server answers "HTTP/1.1 200 OK", "Content-Type: text/plain" and "hello".
    /// let body = http_client::get_streaming(format!("http://127.0.0.1:{port}/")).await?;
    /// assert_eq!(body.status(), 200);
    /// # Ok::<_, Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<_, Box<dyn std::error::Error>>(())
    /// ```
    pub fn status(&self) -> u16 {
        self.head.status
    }

    /// The version on the status line.
    ///
    /// # Examples
    ///
    /// ```
    /// # use runtime::net::TcpListener;
    /// # runtime::block_on(async {
    /// # let listener = TcpListener::bind("127.0.0.1:0")?;
    /// # let port = listener.local_addr()?.port();
    /// # runtime::spawn(async move {
    /// #     let (mut s, _) = listener.accept().await.unwrap();
    /// #     let _ = s.read(&mut [0; 1024]).await;
    /// #     s.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello").await.unwrap();
    /// # });
    /// // The server answers "HTTP/1.1 200 OK", "Content-Type: text/plain" and "hello".
    /// let body = http_client::get_streaming(format!("http://127.0.0.1:{port}/")).await?;
    /// assert_eq!(body.version(), http_client::Version::Http11);
    /// # Ok::<_, Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<_, Box<dyn std::error::Error>>(())
    /// ```
    pub fn version(&self) -> Version {
        self.head.version
    }

    /// The reason phrase, lossily decoded; may be empty.
    ///
    /// # Examples
    ///
    /// ```
    /// # use runtime::net::TcpListener;
    /// # runtime::block_on(async {
    /// # let listener = TcpListener::bind("127.0.0.1:0")?;
    /// # let port = listener.local_addr()?.port();
    /// # runtime::spawn(async move {
    /// #     let (mut s, _) = listener.accept().await.unwrap();
    /// #     let _ = s.read(&mut [0; 1024]).await;
    /// #     s.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello").await.unwrap();
    /// # });
    /// // The server answers "HTTP/1.1 200 OK", "Content-Type: text/plain" and "hello".
    /// let body = http_client::get_streaming(format!("http://127.0.0.1:{port}/")).await?;
    /// assert_eq!(body.reason(), "OK");
    /// # Ok::<_, Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<_, Box<dyn std::error::Error>>(())
    /// ```
    pub fn reason(&self) -> &str {
        &self.head.reason
    }

    /// All header fields.
    ///
    /// # Examples
    ///
    /// ```
    /// # use runtime::net::TcpListener;
    /// # runtime::block_on(async {
    /// # let listener = TcpListener::bind("127.0.0.1:0")?;
    /// # let port = listener.local_addr()?.port();
    /// # runtime::spawn(async move {
    /// #     let (mut s, _) = listener.accept().await.unwrap();
    /// #     let _ = s.read(&mut [0; 1024]).await;
    /// #     s.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello").await.unwrap();
    /// # });
    /// // The server answers "HTTP/1.1 200 OK", "Content-Type: text/plain" and "hello".
    /// let body = http_client::get_streaming(format!("http://127.0.0.1:{port}/")).await?;
    /// assert_eq!(body.headers().get_str("content-type"), Some("text/plain"));
    /// # Ok::<_, Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<_, Box<dyn std::error::Error>>(())
    /// ```
    pub fn headers(&self) -> &Headers {
        &self.head.headers
    }

    /// The first value of header `name` (any case).
    ///
    /// # Examples
    ///
    /// ```
    /// # use runtime::net::TcpListener;
    /// # runtime::block_on(async {
    /// # let listener = TcpListener::bind("127.0.0.1:0")?;
    /// # let port = listener.local_addr()?.port();
    /// # runtime::spawn(async move {
    /// #     let (mut s, _) = listener.accept().await.unwrap();
    /// #     let _ = s.read(&mut [0; 1024]).await;
    /// #     s.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello").await.unwrap();
    /// # });
    /// // The server answers "HTTP/1.1 200 OK", "Content-Type: text/plain" and "hello".
    /// let body = http_client::get_streaming(format!("http://127.0.0.1:{port}/")).await?;
    /// assert_eq!(body.header("Content-Type"), Some(&b"text/plain"[..]));
    /// # Ok::<_, Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<_, Box<dyn std::error::Error>>(())
    /// ```
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.head.headers.get(name)
    }

    /// How many body bytes this stream will yield, when the framing says so
    /// in advance: the `Content-Length`, or 0 for a response that has no body
    /// (to `HEAD`, a 204 or a 304, whatever its headers say). `None` for a
    /// chunked or close-delimited body, and for a body being decoded
    /// ([`ClientBuilder::gzip`](crate::ClientBuilder::gzip)), whose size is
    /// known only at its end.
    ///
    /// # Examples
    ///
    /// ```
    /// # use runtime::net::TcpListener;
    /// # runtime::block_on(async {
    /// # let listener = TcpListener::bind("127.0.0.1:0")?;
    /// # let port = listener.local_addr()?.port();
    /// # runtime::spawn(async move {
    /// #     let (mut s, _) = listener.accept().await.unwrap();
    /// #     let _ = s.read(&mut [0; 1024]).await;
    /// #     s.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello").await.unwrap();
    /// # });
    /// // The server answers "HTTP/1.1 200 OK", "Content-Type: text/plain" and "hello".
    /// let body = http_client::get_streaming(format!("http://127.0.0.1:{port}/")).await?;
    /// assert_eq!(body.content_length(), Some(5));
    /// # Ok::<_, Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<_, Box<dyn std::error::Error>>(())
    /// ```
    pub fn content_length(&self) -> Option<u64> {
        match self.content {
            Some(_) => None,
            None => self.decoder.length(),
        }
    }

    /// The most the stream's read buffer holds (64 KiB; it starts at
    /// 16 KiB and grows once, to this, when a read fills it): no chunk is
    /// longer, and the stream never holds more body than this.
    ///
    /// # Examples
    ///
    /// ```
    /// # use runtime::net::TcpListener;
    /// # runtime::block_on(async {
    /// # let listener = TcpListener::bind("127.0.0.1:0")?;
    /// # let port = listener.local_addr()?.port();
    /// # runtime::spawn(async move {
    /// #     let (mut s, _) = listener.accept().await.unwrap();
    /// #     let _ = s.read(&mut [0; 1024]).await;
    /// #     s.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello").await.unwrap();
    /// # });
    /// // The server answers "HTTP/1.1 200 OK", "Content-Type: text/plain" and "hello".
    /// let mut body = http_client::get_streaming(format!("http://127.0.0.1:{port}/")).await?;
    /// let capacity = body.buffer_capacity();
    /// while let Some(chunk) = body.chunk().await? {
    ///     assert!(chunk.len() <= capacity);
    /// }
    /// # Ok::<_, Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<_, Box<dyn std::error::Error>>(())
    /// ```
    pub fn buffer_capacity(&self) -> usize {
        match self.content {
            Some(_) => OUTPUT_BUFFER,
            None => self.wire.capacity(),
        }
    }

    /// For a body coming over TLS (`https://`): the protocol version,
    /// cipher suite and server certificate's names; `None` over plain HTTP.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// runtime::block_on(async {
    ///     let body = http_client::get_streaming("https://example.com/").await?;
    ///     let tls = body.tls_info().expect("an https:// response");
    ///     assert!(tls.protocol.starts_with("TLSv1."));
    ///     Ok::<_, http_client::Error>(())
    /// })?;
    /// # Ok::<_, http_client::Error>(())
    /// ```
    #[cfg(feature = "tls")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tls")))]
    pub fn tls_info(&self) -> Option<&crate::TlsInfo> {
        self.wire.tls_info()
    }

    /// The next piece of the body, as a slice of the stream's read buffer
    /// (valid until the next call); `None` once the body is complete.
    ///
    /// # Errors
    ///
    /// [`Error::Response`] when the framing is broken or the body crosses
    /// [`Limits::max_body_bytes`](crate::Limits::max_body_bytes) (0 = no
    /// limit), or when the server closes early (a `Content-Length` body cut
    /// short is [`ParseError::Truncated`](crate::ParseError::Truncated), from
    /// the call that would have returned its last piece); [`Error::Io`] if
    /// the socket fails; [`Error::Timeout`] when no byte arrives for the idle
    /// timeout, or the total deadline of a [`Client`](crate::Client) request
    /// passes. After an error, every call fails alike.
    ///
    /// # Examples
    ///
    /// ```
    /// # use runtime::net::TcpListener;
    /// # runtime::block_on(async {
    /// # let listener = TcpListener::bind("127.0.0.1:0")?;
    /// # let port = listener.local_addr()?.port();
    /// # runtime::spawn(async move {
    /// #     let (mut s, _) = listener.accept().await.unwrap();
    /// #     let _ = s.read(&mut [0; 1024]).await;
    /// #     s.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello").await.unwrap();
    /// # });
    /// // The server answers "HTTP/1.1 200 OK", "Content-Type: text/plain" and "hello".
    /// let mut body = http_client::get_streaming(format!("http://127.0.0.1:{port}/")).await?;
    /// let mut text = Vec::new();
    /// while let Some(chunk) = body.chunk().await? {
    ///     text.extend_from_slice(chunk); // or write it to a file
    /// }
    /// assert_eq!(text, b"hello");
    /// # Ok::<_, Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<_, Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: dropping the future before it completes loses no body
    /// bytes; the next call returns them.
    pub async fn chunk(&mut self) -> Result<Option<&[u8]>> {
        poll_fn(|cx| self.poll_fill(cx)).await?;
        if let Some(content) = &mut self.content {
            let decoded = content.take();
            return Ok((!decoded.is_empty()).then_some(decoded));
        }
        let range = std::mem::replace(&mut self.ready, 0..0);
        Ok((!range.is_empty()).then(|| self.wire.bytes(range)))
    }

    /// Reads the rest of the body into a [`Response`].
    ///
    /// # Errors
    ///
    /// As for [`chunk`](BodyStream::chunk).
    ///
    /// # Cancellation
    ///
    /// Dropping the future closes the connection and discards what was read.
    ///
    /// # Examples
    ///
    /// ```
    /// # use runtime::net::TcpListener;
    /// # runtime::block_on(async {
    /// # let listener = TcpListener::bind("127.0.0.1:0")?;
    /// # let port = listener.local_addr()?.port();
    /// # runtime::spawn(async move {
    /// #     let (mut s, _) = listener.accept().await.unwrap();
    /// #     let _ = s.read(&mut [0; 1024]).await;
    /// #     s.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello").await.unwrap();
    /// # });
    /// // The server answers "HTTP/1.1 200 OK", "Content-Type: text/plain" and "hello".
    /// let body = http_client::get_streaming(format!("http://127.0.0.1:{port}/")).await?;
    /// let response = body.read_to_end().await?;
    /// assert_eq!(response.text()?, "hello");
    /// # Ok::<_, Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<_, Box<dyn std::error::Error>>(())
    /// ```
    pub async fn read_to_end(mut self) -> Result<Response> {
        let mut body = Vec::new();
        if let Some(length) = self.content_length() {
            let _ = body.try_reserve_exact(reserve_for(length, self.decoder.max_body()));
        }
        while let Some(chunk) = self.chunk().await? {
            body.extend_from_slice(chunk);
        }
        let Head {
            version,
            status,
            reason,
            headers,
        } = self.head;
        let response =
            Response::new(version, status, reason, headers, body).with_reused(self.reused);
        #[cfg(feature = "tls")]
        let response = response.with_tls_info(self.wire.tls_info().cloned());
        Ok(response)
    }

    /// Makes body bytes ready to hand out (decoded, when the body is being
    /// decoded), or the end known (nothing ready, `Ok`); reads from the
    /// socket as needed.
    pub(crate) fn poll_fill(&mut self, cx: &mut Context<'_>) -> Poll<Result<()>> {
        if self.content.is_none() {
            return self.poll_framed(cx);
        }
        loop {
            let Some(content) = &mut self.content else {
                unreachable!("checked above")
            };
            if !content.ready().is_empty() {
                return Poll::Ready(Ok(()));
            }
            let fed = if self.ready.is_empty() {
                None
            } else {
                Some(content.feed(self.wire.bytes(self.ready.clone())))
            };
            match fed {
                Some(Ok(used)) => self.ready.start += used,
                Some(Err(source)) => return Poll::Ready(Err(self.fail(self.decode_error(source)))),
                None => {
                    // All raw bytes fed: more from the framing, or the end.
                    ready!(self.poll_framed(cx))?;
                    if self.ready.is_empty() {
                        return Poll::Ready(self.finish_decoding());
                    }
                }
            }
        }
    }

    /// The raw body ended: takes what the decoder still holds, then checks
    /// that the compressed stream ended too.
    fn finish_decoding(&mut self) -> Result<()> {
        let Some(content) = &mut self.content else {
            return Ok(());
        };
        let checked = content.feed(&[]).and_then(|_| {
            if content.ready().is_empty() {
                content.finish()
            } else {
                Ok(()) // handed out first; the next fill comes back here
            }
        });
        checked.map_err(|source| self.fail(self.decode_error(source)))
    }

    /// The body as its framing delivers it, before any content decoding:
    /// makes bytes `ready` in the wire's buffer, or the end known.
    fn poll_framed(&mut self, cx: &mut Context<'_>) -> Poll<Result<()>> {
        loop {
            if !self.ready.is_empty() {
                return Poll::Ready(Ok(()));
            }
            match &self.state {
                State::Open => {}
                State::Done => return Poll::Ready(Ok(())),
                State::Failed(error) => return Poll::Ready(Err(replay(error))),
            }
            if self.decoder.is_done() {
                self.end();
                continue;
            }
            if !self.wire.input().is_empty() {
                match self.decoder.decode(self.wire.input()) {
                    Ok(Decoded { consumed, data }) => {
                        let at = self.wire.consume(consumed).start;
                        self.ready = at + data.start..at + data.end;
                        if self.decoder.is_done() {
                            // The last bytes are in our buffer: the
                            // connection itself can go at once.
                            self.release();
                        }
                    }
                    Err(source) => return Poll::Ready(Err(self.fail(self.response_error(source)))),
                }
                continue;
            }
            match self.wire.poll_read_more(cx, ParsePhase::Body) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Ok(0)) => {
                    if let Err(source) = self.decoder.finish() {
                        return Poll::Ready(Err(self.fail(self.response_error(source))));
                    }
                    // Complete by the framing only because the stream ended:
                    // without TLS close_notify, that end may be a cut.
                    if self.wire.closed_uncleanly() {
                        let error = self.wire.truncation_error();
                        return Poll::Ready(Err(self.fail(error)));
                    }
                }
                Poll::Ready(Ok(_)) => {}
                Poll::Ready(Err(error)) => return Poll::Ready(Err(self.fail(error))),
            }
        }
    }

    /// The ready bytes (after a successful [`poll_fill`](Self::poll_fill)).
    #[cfg(feature = "futures-io")]
    pub(crate) fn ready(&self) -> &[u8] {
        match &self.content {
            Some(content) => content.ready(),
            None => self.wire.bytes(self.ready.clone()),
        }
    }

    /// Hands out `n` of the ready bytes.
    #[cfg(feature = "futures-io")]
    pub(crate) fn consume_ready(&mut self, n: usize) {
        match &mut self.content {
            Some(content) => content.consume(n),
            None => self.ready.start = (self.ready.start + n).min(self.ready.end),
        }
    }

    /// The body is complete: return the connection or close the socket.
    fn end(&mut self) {
        self.release();
        self.wire.close();
        self.state = State::Done;
    }

    /// The body is complete by its framing: the connection goes back to
    /// the pool if it may (the server's terms allowed it) and nothing came
    /// after the body; otherwise it is left to close.
    fn release(&mut self) {
        let Some((lease, terms)) = self.returns.take() else {
            return;
        };
        if !self.wire.input().is_empty() || self.wire.closed_uncleanly() {
            return; // bytes after the body: the stream is out of step
        }
        if let Some(transport) = self.wire.take_stream() {
            lease.give_back(transport, terms);
        }
    }

    /// Reading failed: close the socket, remember why, and pass the error on.
    fn fail(&mut self, error: Error) -> Error {
        self.returns = None;
        self.wire.close();
        self.state = State::Failed(replay(&error));
        error
    }

    fn decode_error(&self, source: DecodeError) -> Error {
        Error::Decode {
            authority: self.wire.authority().to_owned(),
            source,
        }
    }

    fn response_error(&self, source: crate::ParseError) -> Error {
        Error::Response {
            authority: self.wire.authority().to_owned(),
            source,
        }
    }
}

/// The same error again, for a read after a failure. `io::Error` cannot be
/// cloned, so an I/O error comes back with its kind and message.
fn replay(error: &Error) -> Error {
    match error {
        Error::Io {
            phase,
            authority,
            source,
        } => Error::Io {
            phase: *phase,
            authority: authority.clone(),
            source: match source.raw_os_error() {
                Some(code) => io::Error::from_raw_os_error(code),
                None => io::Error::new(source.kind(), source.to_string()),
            },
        },
        Error::Timeout {
            phase,
            authority,
            after,
        } => Error::Timeout {
            phase: *phase,
            authority: authority.clone(),
            after: *after,
        },
        Error::Response { authority, source } => Error::Response {
            authority: authority.clone(),
            source: source.clone(),
        },
        Error::Decode { authority, source } => Error::Decode {
            authority: authority.clone(),
            source: source.clone(),
        },
        #[cfg(feature = "tls")]
        Error::TlsTruncated { authority } => Error::TlsTruncated {
            authority: authority.clone(),
        },
        // Reading a body fails in no other way.
        other => Error::InvalidRequest(format!("the body stream failed earlier: {other}")),
    }
}

impl fmt::Debug for BodyStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match &self.state {
            State::Open => "open",
            State::Done => "done",
            State::Failed(_) => "failed",
        };
        f.debug_struct("BodyStream")
            .field("authority", &self.wire.authority())
            .field("version", &self.head.version)
            .field("status", &self.head.status)
            .field("headers", &self.head.headers)
            .field("content_length", &self.content_length())
            .field("received", &self.decoder.decoded())
            .field(
                "decoded",
                &self.content.as_ref().map(ContentDecoder::produced),
            )
            .field("reused", &self.reused)
            .field("state", &state)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{IoPhase, ParseError, TimeoutPhase};

    #[test]
    fn a_replayed_error_reads_the_same() {
        let authority = || "127.0.0.1:80".to_owned();
        let errors = [
            Error::Io {
                phase: IoPhase::Receiving,
                authority: authority(),
                source: io::Error::from_raw_os_error(104),
            },
            Error::Io {
                phase: IoPhase::Receiving,
                authority: authority(),
                source: io::Error::other("custom"),
            },
            Error::Timeout {
                phase: TimeoutPhase::Idle(ParsePhase::Body),
                authority: authority(),
                after: std::time::Duration::from_secs(1),
            },
            Error::Response {
                authority: authority(),
                source: ParseError::Truncated {
                    expected: 10,
                    received: 3,
                },
            },
        ];
        for error in errors {
            let again = replay(&error);
            assert_eq!(again.to_string(), error.to_string());
            assert_eq!(format!("{again:?}"), format!("{error:?}"));
        }
    }
}

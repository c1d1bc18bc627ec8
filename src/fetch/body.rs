//! [`Download`]: a response whose body is read in chunks, so that the rest
//! of `fetch` (the sinks, the byte counters, the progress line) is written
//! against "a source of body chunks" and never holds a whole body itself.
//!
//! The chunks are the client's own ([`BodyStream::chunk`]): slices of the
//! connection's read buffer, so a download's memory is that buffer plus the
//! sink's, whatever the body's size. The client's `max_body_bytes` bounds
//! the stream (0 = no limit), its idle timeout each wait for bytes, and its
//! total timeout (`--timeout`) the whole exchange, body included.

use http_client::{BodyStream, Client, Request, TlsInfo};

/// A response head and its body, read a chunk at a time.
#[derive(Debug)]
pub(crate) struct Download {
    stream: BodyStream,
}

impl Download {
    /// Sends `request`, follows redirects, and waits for the final head.
    ///
    /// # Errors
    ///
    /// As [`Client::send_streaming`].
    pub(crate) async fn start(client: &Client, request: Request) -> http_client::Result<Download> {
        let stream = client.send_streaming(request).await?;
        Ok(Download { stream })
    }

    /// The status code.
    pub(crate) fn status(&self) -> u16 {
        self.stream.status()
    }

    /// The reason phrase.
    pub(crate) fn reason(&self) -> &str {
        self.stream.reason()
    }

    /// What the TLS session negotiated, for an `https://` response.
    pub(crate) fn tls_info(&self) -> Option<&TlsInfo> {
        self.stream.tls_info()
    }

    /// Whether the response came over a connection kept from an earlier
    /// one (no TCP or TLS handshake).
    pub(crate) fn reused(&self) -> bool {
        self.stream.reused()
    }

    /// The value of the response header `name` (any case), the first if
    /// repeated.
    pub(crate) fn header(&self, name: &str) -> Option<&[u8]> {
        self.stream.header(name)
    }

    /// The declared body length, when the server sent one.
    pub(crate) fn content_length(&self) -> Option<u64> {
        self.stream.content_length()
    }

    /// The next piece of the body, or `None` at its end.
    ///
    /// # Errors
    ///
    /// As [`BodyStream::chunk`]: a truncated or malformed body, the body
    /// limit, a timeout, a socket error.
    pub(crate) async fn chunk(&mut self) -> http_client::Result<Option<&[u8]>> {
        self.stream.chunk().await
    }
}

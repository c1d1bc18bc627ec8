//! [`Download`]: a response whose body is read in chunks, so that the rest
//! of `fetch` (the sinks, the byte counters, the progress line) is written
//! against "a source of body chunks" and never holds a whole body itself.
//!
//! Today the chunks are slices of a response that `http-client` buffered
//! (`Client::send`, bounded by the client's `max_body_bytes`); with the
//! client's streaming API they become `BodyStream::chunk()`, and only this
//! file changes.

use http_client::{Client, Request, Response};

/// Largest slice one [`Download::chunk`] hands out.
const CHUNK: usize = 64 * 1024;

/// A response head and its body, read a chunk at a time.
#[derive(Debug)]
pub(crate) struct Download {
    response: Response,
    /// Body bytes handed out so far.
    offset: usize,
}

impl Download {
    /// Sends `request` and waits for the response.
    ///
    /// # Errors
    ///
    /// As [`Client::send`].
    pub(crate) async fn start(client: &Client, request: Request) -> http_client::Result<Download> {
        let response = client.send(request).await?;
        Ok(Download {
            response,
            offset: 0,
        })
    }

    /// The status code.
    pub(crate) fn status(&self) -> u16 {
        self.response.status()
    }

    /// The reason phrase.
    pub(crate) fn reason(&self) -> &str {
        self.response.reason()
    }

    /// The declared body length, when the server sent one.
    pub(crate) fn content_length(&self) -> Option<u64> {
        self.response
            .headers()
            .get_str("content-length")
            .and_then(|v| v.trim().parse().ok())
    }

    /// The next piece of the body, or `None` at its end.
    ///
    /// # Errors
    ///
    /// As the client's body reads: a truncated body, a limit, a timeout.
    pub(crate) async fn chunk(&mut self) -> http_client::Result<Option<&[u8]>> {
        let body = self.response.body();
        if self.offset == body.len() {
            return Ok(None);
        }
        let end = body.len().min(self.offset + CHUNK);
        let chunk = &body[self.offset..end];
        self.offset = end;
        Ok(Some(chunk))
    }
}

/// The client's `max_body_bytes` for a `fetch` limit where 0 means none.
pub(crate) fn client_body_limit(limit: u64) -> u64 {
    if limit == 0 { u64::MAX } else { limit }
}

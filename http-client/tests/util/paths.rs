//! The two ways a response's body can be read — collected whole by
//! `read_to_end`, or streamed `chunk()` by `chunk()` — so that every
//! adversarial test runs through both: [`both`] runs a test body once per
//! [`Path`], and the path's `get`/`send`/`read` return a [`Fetched`], the
//! same for either path, with the accessors of `Response` that tests use.
//!
//! The streaming path checks what only it can: every chunk is non-empty and
//! no longer than the stream's buffer.

use std::fmt;
use std::panic::{self, AssertUnwindSafe};

use http_client::{
    BodyStream, Client, Connection, Headers, IntoUrl, Request, Response, Result, Version,
};

/// How a test reads the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Path {
    /// `Client::send` / `Connection::read_to_end`: the body collected whole.
    Whole,
    /// `Client::send_streaming` / `Connection::read_head`, then `chunk()`
    /// until `None`, the chunks concatenated by the test.
    Chunks,
}

impl Path {
    /// Both paths, in the order [`both`] runs them.
    pub const BOTH: [Path; 2] = [Path::Whole, Path::Chunks];

    /// A `GET` for `url`, read this way.
    pub async fn get(self, client: &Client, url: impl IntoUrl) -> Result<Fetched> {
        self.send(client, Request::get(url.into_url()?)).await
    }

    /// `request` sent by `client`, its response read this way.
    pub async fn send(self, client: &Client, request: Request) -> Result<Fetched> {
        match self {
            Path::Whole => client.send(request).await.map(Fetched::from),
            Path::Chunks => collect(client.send_streaming(request).await?).await,
        }
    }

    /// The response on `connection` (a request already sent), read this way.
    pub async fn read(self, connection: Connection) -> Result<Fetched> {
        match self {
            Path::Whole => connection.read_to_end().await.map(Fetched::from),
            Path::Chunks => collect(connection.read_head().await?).await,
        }
    }
}

/// Reads `stream` chunk by chunk, checking each chunk's size.
pub async fn collect(mut stream: BodyStream) -> Result<Fetched> {
    let capacity = stream.buffer_capacity();
    let mut body = Vec::new();
    while let Some(chunk) = stream.chunk().await? {
        assert!(
            !chunk.is_empty() && chunk.len() <= capacity,
            "a chunk of {} bytes from a {capacity}-byte buffer",
            chunk.len()
        );
        body.extend_from_slice(chunk);
    }
    assert_eq!(stream.buffer_capacity(), capacity, "the capacity changed");
    Ok(Fetched {
        version: stream.version(),
        status: stream.status(),
        reason: stream.reason().to_owned(),
        headers: stream.headers().clone(),
        body,
    })
}

/// Runs `test` once per path; a failure says which path failed.
pub fn both(test: impl Fn(Path)) {
    for path in Path::BOTH {
        if let Err(panic) = panic::catch_unwind(AssertUnwindSafe(|| test(path))) {
            eprintln!("the test failed reading the body through {path:?}");
            panic::resume_unwind(panic);
        }
    }
}

/// A response read through either path.
#[derive(Clone, PartialEq, Eq)]
pub struct Fetched {
    version: Version,
    status: u16,
    reason: String,
    headers: Headers,
    body: Vec<u8>,
}

impl From<Response> for Fetched {
    fn from(response: Response) -> Fetched {
        Fetched {
            version: response.version(),
            status: response.status(),
            reason: response.reason().to_owned(),
            headers: response.headers().clone(),
            body: response.into_body(),
        }
    }
}

impl PartialEq<Response> for Fetched {
    fn eq(&self, other: &Response) -> bool {
        self.version == other.version()
            && self.status == other.status()
            && self.reason == other.reason()
            && &self.headers == other.headers()
            && self.body == other.body()
    }
}

impl Fetched {
    pub fn version(&self) -> Version {
        self.version
    }

    pub fn reason(&self) -> &str {
        &self.reason
    }

    pub fn status(&self) -> u16 {
        self.status
    }

    pub fn headers(&self) -> &Headers {
        &self.headers
    }

    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers.get(name)
    }

    pub fn body(&self) -> &[u8] {
        &self.body
    }

    pub fn into_body(self) -> Vec<u8> {
        self.body
    }

    pub fn text(&self) -> std::result::Result<&str, std::str::Utf8Error> {
        std::str::from_utf8(&self.body)
    }
}

impl fmt::Debug for Fetched {
    /// Like `Response`'s: the body's length, not its bytes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fetched")
            .field("version", &self.version)
            .field("status", &self.status)
            .field("reason", &self.reason)
            .field("headers", &self.headers)
            .field("body", &format_args!("{} bytes", self.body.len()))
            .finish()
    }
}

//! An HTTP/1.0 server small enough to embed: the peer that `fetch` talks to
//! when it is given no URL, and a fixture for tests and benchmarks.
//!
//! It runs on the same runtime as its clients — one task accepts, one task
//! per connection reads the request head, answers and closes — so a single
//! thread shows both sides of the conversation. [`DemoServer::start_https`]
//! serves the same pages over TLS, with a certificate made at start-up
//! (`demo_tls.rs`) that a client trusts by adding
//! [`DemoServer::certificate_pem`] as a root.
//!
//! | path | answer |
//! | --- | --- |
//! | `/` | a list of these pages |
//! | `/hello` | `hello, world` |
//! | `/bytes/N` | N bytes of `abc…z` repeated (N ≤ 64 MiB) |
//! | `/slow/MS` | `finally` after MS milliseconds |
//! | `/redirect/N` | 302 to `/redirect/N-1`; `/redirect/0` goes to `/hello` |
//! | `/status/CODE` | that status code |
//! | `/echo` | the request body |

use std::fmt::Write as _;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use runtime::JoinHandle;
use runtime::net::{TcpListener, TcpStream};
use runtime::time::{sleep, timeout};

use crate::demo_tls::{DemoCertificate, TlsServerStream};

/// Largest request head or body the server reads.
const MAX_REQUEST: usize = 1 << 20;
/// Largest `/bytes/N` body.
const MAX_BYTES: usize = 64 << 20;
/// How long a client may take to send its request.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// A running demo server; stops (its accept loop is aborted) when dropped.
///
/// # Examples
///
/// ```
/// runtime::block_on(async {
///     let server = handroll::DemoServer::start()?;
///     let response = http_client::get(server.url("/hello")).await?;
///     assert_eq!(response.body(), b"hello, world\n");
///     Ok::<_, Box<dyn std::error::Error>>(())
/// })?;
/// # Ok::<_, Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct DemoServer {
    addr: SocketAddr,
    /// The certificate of an HTTPS server; `None` for plain HTTP.
    certificate: Option<DemoCertificate>,
    accept_loop: JoinHandle<()>,
}

impl DemoServer {
    /// Binds a free port on 127.0.0.1 and starts serving on the current
    /// runtime.
    ///
    /// # Errors
    ///
    /// If the port cannot be bound, or when called outside a runtime.
    pub fn start() -> io::Result<DemoServer> {
        DemoServer::start_with(None)
    }

    /// Like [`start`](DemoServer::start), but serves HTTPS with a
    /// self-signed certificate for `localhost` and 127.0.0.1 generated now:
    /// a client trusts it for this run by adding
    /// [`certificate_pem`](DemoServer::certificate_pem) as a root.
    ///
    /// # Errors
    ///
    /// As [`start`](DemoServer::start), or if the certificate cannot be
    /// generated.
    ///
    /// # Examples
    ///
    /// ```
    /// runtime::block_on(async {
    ///     let server = handroll::DemoServer::start_https()?;
    ///     let pem = server.certificate_pem().expect("an HTTPS server");
    ///     let client = http_client::Client::builder()
    ///         .add_root_certificate(pem.as_bytes())?
    ///         .build();
    ///     let response = client.get(server.url("/hello")).await?;
    ///     assert_eq!(response.body(), b"hello, world\n");
    ///     assert!(response.tls_info().is_some());
    ///     Ok::<_, Box<dyn std::error::Error>>(())
    /// })?;
    /// # Ok::<_, Box<dyn std::error::Error>>(())
    /// ```
    pub fn start_https() -> io::Result<DemoServer> {
        DemoServer::start_with(Some(DemoCertificate::generate()?))
    }

    fn start_with(certificate: Option<DemoCertificate>) -> io::Result<DemoServer> {
        let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))?;
        let addr = listener.local_addr()?;
        let config = certificate.as_ref().map(|c| c.config.clone());
        let accept_loop = runtime::spawn(async move {
            loop {
                match listener.accept().await {
                    Ok((conn, _)) => match &config {
                        None => drop(runtime::spawn(serve_plain(conn))),
                        Some(config) => drop(runtime::spawn(serve_tls(conn, config.clone()))),
                    },
                    // Out of descriptors or similar: back off instead of spinning.
                    Err(_) => sleep(Duration::from_millis(10)).await,
                }
            }
        });
        Ok(DemoServer {
            addr,
            certificate,
            accept_loop,
        })
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` (or `https://` for an HTTPS server) followed
    /// by `path`.
    pub fn url(&self, path: &str) -> String {
        let scheme = match self.certificate {
            Some(_) => "https",
            None => "http",
        };
        format!("{scheme}://{}{path}", self.addr)
    }

    /// The certificate of an HTTPS server, in PEM; `None` for plain HTTP.
    pub fn certificate_pem(&self) -> Option<&str> {
        self.certificate.as_ref().map(|c| c.pem.as_str())
    }
}

impl Drop for DemoServer {
    fn drop(&mut self) {
        self.accept_loop.abort();
    }
}

/// What the server reads requests from and writes answers to: a plain
/// socket, or a TLS stream over one.
trait Conn {
    async fn read(&mut self, buf: &mut [u8]) -> io::Result<usize>;
    async fn write_all(&mut self, data: &[u8]) -> io::Result<()>;
}

impl Conn for TcpStream {
    async fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        TcpStream::read(self, buf).await
    }

    async fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        TcpStream::write_all(self, data).await
    }
}

impl Conn for TlsServerStream {
    async fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        TlsServerStream::read(self, buf).await
    }

    async fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        TlsServerStream::write_all(self, data).await
    }
}

/// One TLS connection: the handshake (within the request timeout), then
/// as [`serve`], then `close_notify`.
async fn serve_tls(conn: TcpStream, config: std::sync::Arc<rustls::ServerConfig>) {
    // A client that refuses the certificate, or does not speak TLS, just
    // goes away; the client side reports why.
    let Ok(Ok(mut tls)) = timeout(REQUEST_TIMEOUT, TlsServerStream::accept(conn, config)).await
    else {
        return;
    };
    serve(&mut tls).await;
    let _ = tls.close().await; // a client already gone needs no goodbye
}

/// One plain connection; closed when dropped.
async fn serve_plain(mut conn: TcpStream) {
    serve(&mut conn).await;
}

/// One exchange: read the request, answer.
async fn serve(conn: &mut impl Conn) {
    let Ok(Ok(Some(request))) = timeout(REQUEST_TIMEOUT, read_request(conn)).await else {
        return; // a client that sends nothing usable gets nothing
    };
    let (status, extra, body) = route(&request).await;
    // 1xx, 204 and 304 responses have no body and no Content-Length; HEAD
    // gets the length a GET would have, and no body (RFC 9110 §6.4.1, §8.6).
    let no_content = matches!(status, 100..=199 | 204 | 304);
    let mut head = format!(
        "HTTP/1.0 {status} {}\r\nServer: handroll-demo\r\n",
        reason(status)
    );
    if !no_content {
        head.push_str(&format!(
            "Content-Type: text/plain\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    head.push_str(&extra);
    head.push_str("\r\n");
    let body: &[u8] = if no_content || request.method == "HEAD" {
        &[]
    } else {
        &body
    };
    // Errors mean the client went away; there is no one left to tell.
    if body.len() <= 16 * 1024 {
        let mut all = head.into_bytes();
        all.extend_from_slice(body);
        let _ = conn.write_all(&all).await;
    } else if conn.write_all(head.as_bytes()).await.is_ok() {
        let _ = conn.write_all(body).await;
    }
}

struct DemoRequest {
    method: String,
    path: String,
    body: Vec<u8>,
}

/// Reads a request head and its `Content-Length` body. `None` if the client
/// closed early or sent something too large or malformed.
async fn read_request(conn: &mut impl Conn) -> io::Result<Option<DemoRequest>> {
    let mut buf = Vec::new();
    let mut chunk = [0; 1024];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = conn.read(&mut chunk).await?;
        if n == 0 || buf.len() > MAX_REQUEST {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut parts = lines.next().unwrap_or_default().split(' ');
    let (Some(method), Some(path)) = (parts.next(), parts.next()) else {
        return Ok(None);
    };
    let length = lines
        .filter_map(|l| l.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    if length > MAX_REQUEST {
        return Ok(None);
    }
    let mut body = buf.split_off(head_end);
    while body.len() < length {
        let n = conn.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        body.extend_from_slice(&chunk[..n]);
    }
    body.truncate(length);
    Ok(Some(DemoRequest {
        method: method.to_owned(),
        path: path.to_owned(),
        body,
    }))
}

/// Status, extra header lines and body for a request.
async fn route(request: &DemoRequest) -> (u16, String, Vec<u8>) {
    let path = request.path.split('?').next().unwrap_or("/");
    let number = |prefix: &str| {
        path.strip_prefix(prefix)
            .and_then(|n| n.parse::<u64>().ok())
    };
    if path == "/" {
        let index = "pages: /hello /bytes/N /slow/MS /redirect/N /status/CODE /echo\n";
        (200, String::new(), index.into())
    } else if path == "/hello" {
        (200, String::new(), b"hello, world\n".to_vec())
    } else if path == "/echo" {
        (200, String::new(), request.body.clone())
    } else if let Some(n) = number("/bytes/").filter(|&n| n <= MAX_BYTES as u64) {
        (
            200,
            String::new(),
            (0..n).map(|i| b'a' + (i % 26) as u8).collect(),
        )
    } else if let Some(ms) = number("/slow/") {
        sleep(Duration::from_millis(ms)).await;
        (200, String::new(), b"finally\n".to_vec())
    } else if let Some(n) = number("/redirect/") {
        let mut location = String::from("Location: ");
        match n {
            0 => location.push_str("/hello"),
            n => write!(location, "/redirect/{}", n - 1).expect("writing to a String"),
        }
        location.push_str("\r\n");
        (302, location, b"redirecting\n".to_vec())
    } else if let Some(code) = number("/status/").filter(|c| (200..600).contains(c)) {
        (
            code as u16,
            String::new(),
            format!("status {code}\n").into(),
        )
    } else {
        (404, String::new(), b"not found\n".to_vec())
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        302 => "Found",
        404 => "Not Found",
        500 => "Internal Server Error",
        _ => "Status",
    }
}

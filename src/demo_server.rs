//! An HTTP/1.0 server small enough to embed: the peer that `fetch` talks to
//! when it is given no URL, and a fixture for tests and benchmarks.
//!
//! It runs on the same runtime as its clients — one task accepts, one task
//! per connection reads the request head, answers and closes — so a single
//! thread shows both sides of the conversation. With
//! [`DemoServer::set_keep_alive`] a connection whose client asks for it
//! stays open for the next request instead (HTTP/1.0 keep-alive), so a
//! pooling client can show its reuse. [`DemoServer::start_https`]
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
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
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
/// How long a kept-alive connection waits for its next request. Short, so
/// an idle connection never holds a task and a descriptor for long; said
/// in `Keep-Alive: timeout=5`, so a client lets go before the server does.
const KEEP_ALIVE_IDLE: Duration = Duration::from_secs(5);

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
    /// Whether connections accepted from now on may stay open after an
    /// exchange; read by the accept loop.
    keep_alive: Arc<AtomicBool>,
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
        let keep_alive = Arc::new(AtomicBool::new(false));
        let keep_alive_flag = keep_alive.clone();
        let accept_loop = runtime::spawn(async move {
            loop {
                match listener.accept().await {
                    Ok((conn, _)) => {
                        let keep_alive = keep_alive_flag.load(Relaxed);
                        match &config {
                            None => drop(runtime::spawn(serve_plain(conn, keep_alive))),
                            Some(config) => {
                                drop(runtime::spawn(serve_tls(conn, config.clone(), keep_alive)))
                            }
                        }
                    }
                    // Out of descriptors or similar: back off instead of spinning.
                    Err(_) => sleep(Duration::from_millis(10)).await,
                }
            }
        });
        Ok(DemoServer {
            addr,
            certificate,
            keep_alive,
            accept_loop,
        })
    }

    /// With `true`, connections accepted from now on stay open after an
    /// exchange when the client asks (`Connection: keep-alive` on an
    /// HTTP/1.0 request; an HTTP/1.1 request without `Connection: close`):
    /// the reply is HTTP/1.0 with `Connection: keep-alive`, `Keep-Alive:
    /// timeout=5` and a `Content-Length`, and the connection waits up to
    /// 5 s for the next request. Off by default — one exchange per
    /// connection, as plain HTTP/1.0 — because the load and soak runs
    /// count descriptors and expect none to stay open after a fetch.
    ///
    /// # Examples
    ///
    /// ```
    /// runtime::block_on(async {
    ///     let server = handroll::DemoServer::start()?;
    ///     server.set_keep_alive(true);
    ///     let client = http_client::Client::new(); // pools by default
    ///     client.get(server.url("/hello")).await?;
    ///     let again = client.get(server.url("/hello")).await?;
    ///     assert!(again.reused());
    ///     assert_eq!(client.stats().connections_opened, 1);
    ///     Ok::<_, Box<dyn std::error::Error>>(())
    /// })?;
    /// # Ok::<_, Box<dyn std::error::Error>>(())
    /// ```
    pub fn set_keep_alive(&self, on: bool) {
        self.keep_alive.store(on, Relaxed);
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
async fn serve_tls(conn: TcpStream, config: Arc<rustls::ServerConfig>, keep_alive: bool) {
    // A client that refuses the certificate, or does not speak TLS, just
    // goes away; the client side reports why.
    let Ok(Ok(mut tls)) = timeout(REQUEST_TIMEOUT, TlsServerStream::accept(conn, config)).await
    else {
        return;
    };
    serve(&mut tls, keep_alive).await;
    let _ = tls.close().await; // a client already gone needs no goodbye
}

/// One plain connection; closed when dropped.
async fn serve_plain(mut conn: TcpStream, keep_alive: bool) {
    serve(&mut conn, keep_alive).await;
}

/// The exchanges of one connection: one, or with `keep_alive` as many as
/// the client asks for, each next request awaited for at most
/// [`KEEP_ALIVE_IDLE`].
async fn serve(conn: &mut impl Conn, keep_alive: bool) {
    // Bytes read past one request belong to the next.
    let mut input = Vec::new();
    let mut wait = REQUEST_TIMEOUT;
    loop {
        let Ok(Ok(Some(request))) = timeout(wait, read_request(conn, &mut input)).await else {
            return; // a client that sends nothing usable (or no more) gets nothing
        };
        if !answer(conn, &request, keep_alive && request.keep_alive).await {
            return;
        }
        wait = KEEP_ALIVE_IDLE;
    }
}

/// Writes the answer to `request`, saying `Connection: keep-alive` when
/// `keep_alive` allows; true if the connection is to carry another request
/// (false if not, or if the client went away).
async fn answer(conn: &mut impl Conn, request: &DemoRequest, keep_alive: bool) -> bool {
    let (status, extra, body) = route(request).await;
    // A 1xx is no final answer: only closing can end the exchange.
    let persist = keep_alive && !matches!(status, 100..=199);
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
    if persist {
        // Every reply is framed (a Content-Length, or a status that has no
        // body), so the connection can carry the next one.
        head.push_str(&format!(
            "Connection: keep-alive\r\nKeep-Alive: timeout={}\r\n",
            KEEP_ALIVE_IDLE.as_secs()
        ));
    }
    head.push_str("\r\n");
    let body: &[u8] = if no_content || request.method == "HEAD" {
        &[]
    } else {
        &body
    };
    // Errors mean the client went away; there is no one left to tell.
    let written = if body.len() <= 16 * 1024 {
        let mut all = head.into_bytes();
        all.extend_from_slice(body);
        conn.write_all(&all).await.is_ok()
    } else {
        conn.write_all(head.as_bytes()).await.is_ok() && conn.write_all(body).await.is_ok()
    };
    written && persist
}

struct DemoRequest {
    method: String,
    path: String,
    body: Vec<u8>,
    /// The client asked to keep the connection open.
    keep_alive: bool,
}

/// Reads a request head and its `Content-Length` body from `input` (bytes
/// already read) and the connection; leaves in `input` whatever follows
/// the request. `None` if the client closed early or sent something too
/// large or malformed.
async fn read_request(
    conn: &mut impl Conn,
    input: &mut Vec<u8>,
) -> io::Result<Option<DemoRequest>> {
    let mut chunk = [0; 1024];
    let head_end = loop {
        if let Some(i) = input.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = conn.read(&mut chunk).await?;
        if n == 0 || input.len() > MAX_REQUEST {
            return Ok(None);
        }
        input.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&input[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut parts = lines.next().unwrap_or_default().split(' ');
    let (Some(method), Some(path)) = (parts.next(), parts.next()) else {
        return Ok(None);
    };
    let version = parts.next().unwrap_or_default();
    let fields: Vec<(&str, &str)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(name, value)| (name.trim(), value.trim()))
        .collect();
    let length = fields
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    if length > MAX_REQUEST {
        return Ok(None);
    }
    let connection_says = |token: &str| {
        fields
            .iter()
            .filter(|(name, _)| name.eq_ignore_ascii_case("connection"))
            .flat_map(|(_, value)| value.split(','))
            .any(|t| t.trim().eq_ignore_ascii_case(token))
    };
    // HTTP/1.1 persists unless told not to; HTTP/1.0 only when asked.
    let keep_alive = if version == "HTTP/1.1" {
        !connection_says("close")
    } else {
        connection_says("keep-alive")
    };
    while input.len() < head_end + length {
        let n = conn.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        input.extend_from_slice(&chunk[..n]);
    }
    let body = input[head_end..head_end + length].to_vec();
    input.drain(..head_end + length);
    Ok(Some(DemoRequest {
        method: method.to_owned(),
        path: path.to_owned(),
        body,
        keep_alive,
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Sends `requests` in one write, then reads until the server closes
    /// (bounded by a timeout, so a server that keeps the connection open
    /// fails the test instead of hanging it).
    async fn exchange(server: &DemoServer, requests: &str, half_close: bool) -> String {
        let mut conn = TcpStream::connect(server.addr()).await.unwrap();
        conn.write_all(requests.as_bytes()).await.unwrap();
        if half_close {
            conn.shutdown(std::net::Shutdown::Write).unwrap();
        }
        let mut all = Vec::new();
        timeout(Duration::from_secs(3), conn.read_to_end(&mut all))
            .await
            .expect("the server closed the connection")
            .unwrap();
        String::from_utf8_lossy(&all).into_owned()
    }

    const KEEP: &str = "GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n";
    const CLOSE: &str = "GET /status/404 HTTP/1.0\r\n\r\n";

    #[test]
    fn one_exchange_per_connection_unless_keep_alive_is_on() {
        runtime::block_on(async {
            let server = DemoServer::start().unwrap();
            let text = exchange(&server, &format!("{KEEP}{KEEP}"), false).await;
            assert_eq!(text.matches("HTTP/1.0 200 OK").count(), 1, "{text}");
            assert!(!text.contains("Connection:"), "{text}");
        });
    }

    #[test]
    fn keep_alive_answers_each_request_until_one_does_not_ask() {
        runtime::block_on(async {
            let server = DemoServer::start().unwrap();
            server.set_keep_alive(true);
            // Pipelined in one write: the bytes past the first request are
            // the second, and so on; the third does not ask, so the server
            // closes after it, and the fourth gets no answer.
            let text = exchange(&server, &format!("{KEEP}{KEEP}{CLOSE}{KEEP}"), false).await;
            assert_eq!(text.matches("hello, world").count(), 2, "{text}");
            assert_eq!(text.matches("Connection: keep-alive").count(), 2, "{text}");
            assert!(text.contains("Keep-Alive: timeout=5"), "{text}");
            assert!(text.ends_with("status 404\n"), "the last answer: {text}");
            // HTTP/1.1 persists unless told to close.
            let text = exchange(
                &server,
                "GET /hello HTTP/1.1\r\nHost: x\r\n\r\nGET /hello HTTP/1.1\r\nConnection: close\r\n\r\n",
                false,
            )
            .await;
            assert_eq!(text.matches("hello, world").count(), 2, "{text}");
            assert_eq!(text.matches("Connection: keep-alive").count(), 1, "{text}");
            // A client that closes its side ends the connection at once.
            let text = exchange(&server, KEEP, true).await;
            assert_eq!(text.matches("hello, world").count(), 1, "{text}");
        });
    }
}

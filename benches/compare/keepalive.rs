//! `fetch-1k-keepalive`: `workers` tasks each make GETs of the 1 KiB file
//! one after another over connections that stay open, three ways: this
//! project's pooled `http_client::Client` on our runtime ([`fetch_ours`],
//! which `fetch-tls-1k-keepalive` uses too, with an `https://` URL),
//! hyper-util's pooled legacy `Client` on tokio current_thread
//! ([`fetch_hyper`]), and a smol client of the same shape written here
//! ([`fetch_smol`]: each task keeps one `smol::net::TcpStream` and reads
//! Content-Length-framed HTTP/1.1 responses).
//!
//! Each returns a [`Run`], which counts the connections the client opened,
//! so the report can show that every client really reused its connections.

use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Empty};
use hyper::Uri;
use hyper::body::Bytes;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use smol::io::{AsyncReadExt, AsyncWriteExt};

use crate::measure::thread_cpu;
use crate::rt::{Rt, Smol, Tokio};
use crate::workloads::share;

/// What one run measured.
#[derive(Debug, Clone, Copy)]
pub struct Run {
    /// Requests per second.
    pub rate: f64,
    /// The client thread's CPU time per request, in µs.
    pub cpu_us: f64,
    /// Connections the client opened.
    pub connections: u64,
    /// Ours only: requests sent on a reused connection, by `Client::stats()`.
    pub reused: Option<u64>,
    /// Ours over HTTPS only: full TLS handshakes, by `Client::stats()`.
    pub tls_handshakes: Option<u64>,
}

impl Run {
    /// A run of `requests` that took `elapsed` and `cpu` on the client's
    /// thread over `connections` connections.
    pub fn new(requests: u64, elapsed: Duration, cpu: Duration, connections: u64) -> Run {
        Run {
            rate: requests as f64 / elapsed.as_secs_f64(),
            cpu_us: cpu.as_secs_f64() * 1e6 / requests as f64,
            connections,
            reused: None,
            tls_handshakes: None,
        }
    }
}

/// Ours: `requests` GETs of `url` by `workers` tasks sharing one pooled
/// `http_client::Client` (a clone each), on our runtime; `config` for an
/// `https://` URL. The pool keeps up to `workers` idle connections, one
/// per task, as the peers do.
///
/// # Panics
///
/// If a request fails or a body has the wrong length.
pub fn fetch_ours(
    url: &str,
    config: Option<Arc<rustls::ClientConfig>>,
    body_len: usize,
    requests: u64,
    workers: u64,
) -> Run {
    let tls = config.is_some();
    let mut builder = http_client::Client::builder().pool_max_idle_per_host(workers as usize);
    if let Some(config) = config {
        builder = builder.tls_config(config);
    }
    let client = builder.build();
    let url = http_client::Url::parse(url).expect("URL");
    let cpu_before = thread_cpu();
    let (elapsed, stats) = runtime::block_on(async move {
        let start = Instant::now();
        let tasks: Vec<_> = (0..workers)
            .map(|w| {
                let (client, url) = (client.clone(), url.clone());
                runtime::spawn(async move {
                    for _ in 0..share(requests, workers, w) {
                        let request = http_client::Request::get(url.clone());
                        let response = client.send(request).await.expect("GET");
                        assert_eq!(response.status(), 200, "unexpected status");
                        assert_eq!(response.body().len(), body_len, "wrong body length");
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.expect("a worker panicked");
        }
        (start.elapsed(), client.stats())
    });
    let mut run = Run::new(
        requests,
        elapsed,
        thread_cpu() - cpu_before,
        stats.connections_opened,
    );
    run.reused = Some(stats.reused);
    if tls {
        // Resumed ones too: the bench's config turns resumption off, so
        // any would be a surprise worth seeing.
        run.tls_handshakes = Some(stats.tls_full_handshakes + stats.tls_resumed_handshakes);
    }
    run
}

/// A connector that counts the connections it makes, around another.
#[derive(Debug, Clone)]
pub struct Counted<C> {
    inner: C,
    opened: Arc<AtomicU64>,
}

impl<C> Counted<C> {
    /// Counts `inner`'s connections into `opened`.
    pub fn new(inner: C, opened: Arc<AtomicU64>) -> Counted<C> {
        Counted { inner, opened }
    }
}

impl<C: tower_service::Service<Uri>> tower_service::Service<Uri> for Counted<C> {
    type Response = C::Response;
    type Error = C::Error;
    type Future = C::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), C::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, uri: Uri) -> C::Future {
        self.opened.fetch_add(1, Ordering::Relaxed);
        self.inner.call(uri)
    }
}

/// The peer: `requests` GETs of `uri` by `workers` tasks sharing one
/// hyper-util legacy `Client` (its pool keeps up to `workers` idle
/// connections per host; it spawns each connection's task with
/// `TokioExecutor`, onto the same current-thread runtime), through
/// `connector`, which counts into `opened`.
///
/// # Panics
///
/// If a request fails or a body has the wrong length.
pub fn fetch_hyper_with<C>(
    uri: Uri,
    connector: C,
    opened: Arc<AtomicU64>,
    body_len: usize,
    requests: u64,
    workers: u64,
) -> Run
where
    C: hyper_util::client::legacy::connect::Connect + Clone + Send + Sync + 'static,
{
    let cpu_before = thread_cpu();
    let elapsed = Tokio::block_on(async move {
        // Built inside the runtime: the pool's background work needs one.
        let client: HyperClient<C, Empty<Bytes>> = HyperClient::builder(TokioExecutor::new())
            .pool_max_idle_per_host(workers as usize)
            .build(connector);
        let start = Instant::now();
        let tasks: Vec<_> = (0..workers)
            .map(|w| {
                let (client, uri) = (client.clone(), uri.clone());
                tokio::task::spawn_local(async move {
                    for _ in 0..share(requests, workers, w) {
                        let response = client.get(uri.clone()).await.expect("GET");
                        assert_eq!(response.status(), 200, "unexpected status");
                        let body = response.into_body().collect().await.expect("body");
                        assert_eq!(body.to_bytes().len(), body_len, "wrong body length");
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.expect("a worker panicked");
        }
        start.elapsed()
    });
    let cpu = thread_cpu() - cpu_before;
    Run::new(requests, elapsed, cpu, opened.load(Ordering::Relaxed))
}

/// [`fetch_hyper_with`] over plain HTTP: hyper-util's own `HttpConnector`
/// (as `build_http()` makes it), counted.
pub fn fetch_hyper(
    addr: SocketAddr,
    path: &str,
    body_len: usize,
    requests: u64,
    workers: u64,
) -> Run {
    let uri: Uri = format!("http://{addr}{path}").parse().expect("URI");
    let opened = Arc::new(AtomicU64::new(0));
    let connector = Counted::new(HttpConnector::new(), opened.clone());
    fetch_hyper_with(uri, connector, opened, body_len, requests, workers)
}

/// The smol client: `requests` GETs by `workers` smol tasks, each with one
/// `smol::net::TcpStream` it keeps for all its requests (reconnecting only
/// if the server says it closes), on smol's `LocalExecutor`.
///
/// # Panics
///
/// If a request fails, a response is malformed or a body has the wrong
/// length.
pub fn fetch_smol(
    addr: SocketAddr,
    path: &str,
    body_len: usize,
    requests: u64,
    workers: u64,
) -> Run {
    let request: Rc<[u8]> = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n\r\n")
        .into_bytes()
        .into();
    let cpu_before = thread_cpu();
    let (elapsed, connections) = Smol::block_on(async move {
        let start = Instant::now();
        let tasks: Vec<_> = (0..workers)
            .map(|w| {
                let request = request.clone();
                let count = share(requests, workers, w);
                Smol::spawn(smol_worker(addr, request, body_len, count))
            })
            .collect();
        let mut connections = 0;
        for task in tasks {
            connections += task.await;
        }
        (start.elapsed(), connections)
    });
    Run::new(requests, elapsed, thread_cpu() - cpu_before, connections)
}

/// One smol task: `count` GETs over one connection while the server keeps
/// it open. Returns the connections it opened.
async fn smol_worker(addr: SocketAddr, request: Rc<[u8]>, body_len: usize, count: u64) -> u64 {
    let mut buf = vec![0u8; 16 * 1024];
    let mut conn = None;
    let mut opened = 0;
    for _ in 0..count {
        let stream = match &mut conn {
            Some(stream) => stream,
            None => {
                opened += 1;
                conn.insert(smol::net::TcpStream::connect(addr).await.expect("connect"))
            }
        };
        stream.write_all(&request).await.expect("write");
        let (len, keep_alive) = read_response(stream, &mut buf).await;
        assert_eq!(len, body_len, "wrong body length");
        if !keep_alive {
            conn = None;
        }
    }
    opened
}

/// Reads one response from `stream`: its head (which must fit in `buf`),
/// then exactly Content-Length body bytes. Returns the body length and
/// whether the connection stays open. Enough for nginx's replies to a GET:
/// no chunked bodies, nothing sent ahead of the next request.
async fn read_response(stream: &mut smol::net::TcpStream, buf: &mut [u8]) -> (usize, bool) {
    let mut filled = 0;
    let head_end = loop {
        let n = stream.read(&mut buf[filled..]).await.expect("read");
        assert!(n > 0, "the server closed mid-head");
        filled += n;
        if let Some(i) = buf[..filled].windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        assert!(
            filled < buf.len(),
            "a response head over {} bytes",
            buf.len()
        );
    };
    let head = Head::parse(&buf[..head_end]);
    assert_eq!(head.status, 200, "unexpected status");
    let mut body = filled - head_end;
    while body < head.content_length {
        let want = (head.content_length - body).min(buf.len());
        let n = stream.read(&mut buf[..want]).await.expect("read");
        assert!(n > 0, "the server closed mid-body");
        body += n;
    }
    assert_eq!(body, head.content_length, "bytes after the body");
    (body, head.keep_alive)
}

/// What [`read_response`] needs of a response head.
struct Head {
    status: u16,
    content_length: usize,
    keep_alive: bool,
}

impl Head {
    /// Parses `HTTP/1.x NNN ...` and the headers after it.
    fn parse(head: &[u8]) -> Head {
        let text = std::str::from_utf8(head).expect("an ASCII head");
        let mut lines = text.split("\r\n");
        let status_line = lines.next().unwrap_or_default();
        let mut parts = status_line.splitn(3, ' ');
        let version = parts.next().unwrap_or_default();
        let status = parts.next().and_then(|s| s.parse().ok()).expect("a status");
        // HTTP/1.1 stays open unless told to close; 1.0 the reverse.
        let mut keep_alive = version == "HTTP/1.1";
        let mut content_length = None;
        for line in lines.filter(|l| !l.is_empty()) {
            let (name, value) = line.split_once(':').expect("a header line");
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                content_length = Some(value.parse().expect("a Content-Length"));
            } else if name.eq_ignore_ascii_case("connection") {
                keep_alive = value.eq_ignore_ascii_case("keep-alive");
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                panic!("a chunked response: the smol client reads Content-Length only");
            }
        }
        Head {
            status,
            content_length: content_length.expect("no Content-Length"),
            keep_alive,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::{self, HttpPeer};

    /// The three clients fetch, tiny; against nginx (which keeps
    /// connections open) ours and smol open one connection per task at
    /// most, and ours says which responses came over a reused one. hyper's
    /// count is not checked: its pool may race a new connection against
    /// one being returned.
    #[test]
    fn three_clients_keep_alive() {
        let peer = HttpPeer::start();
        let (path, len) = (server::PATH, server::BODY_LEN);
        let url = format!("http://{}{path}", peer.addr);
        let (n, k) = (40, 4);
        let ours = fetch_ours(&url, None, len, n, k);
        let hyper = fetch_hyper(peer.addr, path, len, n, k);
        let smol = fetch_smol(peer.addr, path, len, n, k);
        for run in [ours, hyper, smol] {
            assert!(run.rate > 0.0 && run.cpu_us > 0.0 && run.connections >= 1);
        }
        if peer.kind != "nginx" {
            return; // the fallback server closes every connection
        }
        assert!(ours.connections <= k && smol.connections <= k);
        assert_eq!(ours.reused, Some(n - ours.connections));
        let reused = runtime::block_on(async move {
            let client = http_client::Client::new();
            let url = http_client::Url::parse(&url).expect("URL");
            let mut reused = Vec::new();
            for _ in 0..2 {
                let request = http_client::Request::get(url.clone());
                reused.push(client.send(request).await.expect("GET").reused());
            }
            reused
        });
        assert_eq!(reused, [false, true]);
    }

    #[test]
    fn heads() {
        let h = Head::parse(b"HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n");
        assert_eq!((h.status, h.content_length, h.keep_alive), (200, 12, true));
        let h = Head::parse(b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
        assert!(!h.keep_alive);
        let h = Head::parse(b"HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\n");
        assert!(!h.keep_alive);
        let h =
            Head::parse(b"HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 3\r\n\r\n");
        assert!(h.keep_alive);
    }
}

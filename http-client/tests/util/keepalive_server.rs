//! [`KeepAliveServer`]: a scripted server that keeps connections open, for
//! the tests of the client's connection pool (`keepalive*.rs`).
//!
//! `server.rs` plays one script per connection and one request per
//! connection; a pool needs the other kind of server: one that reads
//! request after request on the same connection and decides, for each,
//! what to answer and what to do next — keep reading, close at once or a
//! little later (an idle timeout), reset, send bytes nobody asked for —
//! since every way a pooled connection can go bad is one of those. The
//! decision is a closure of (connection index, request index on that
//! connection, the request), and the server records the same three things,
//! so a test can say which connection carried which request and how many
//! times the server saw it (a request sent twice would show).
//!
//! Plain std threads, like `server.rs`: a listener thread that counts the
//! connections it accepts, a thread per connection. The connection can be
//! wrapped (a rustls `ServerConnection` for the TLS tests) through
//! [`ServerStream`], so this file does not link rustls. Every wait is
//! bounded — socket timeouts of [`POLL`], the stop flag and [`MAX_IDLE`] —
//! and dropping the server stops and joins every thread.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use http_client::Client;

use super::script::{Received, content_length, find_head_end, is_timeout, sleep_unless_stopped};
use super::server::lock;

/// How often blocked threads look at the stop flag.
pub const POLL: Duration = Duration::from_millis(50);
/// The longest a connection waits for its next request (or anything else)
/// before giving up on the client.
pub const MAX_IDLE: Duration = Duration::from_secs(20);
/// How long a blocked write may wait for the client to read.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);
/// The largest request head the server reads.
const MAX_REQUEST_HEAD: usize = 64 * 1024;
/// The largest request body the server reads.
const MAX_REQUEST_BODY: usize = 16 << 20;

/// What the server does after writing a reply's bytes.
#[derive(Debug, Clone)]
pub enum Then {
    /// Read the next request on this connection.
    Keep,
    /// Close at once (FIN; over TLS `close_notify` first).
    Close,
    /// Keep the connection open, reading nothing, for this long, then close
    /// (an idle timeout). A request that arrives meanwhile stays unread, so
    /// the close then resets the connection, as a real server's would.
    CloseAfter(Duration),
    /// Reset at once (`SO_LINGER` 0), whatever is unread.
    Reset,
    /// Reset after this long, reading nothing meanwhile.
    ResetAfter(Duration),
    /// Wait this long, write these bytes nobody asked for, then read the
    /// next request.
    Stray { after: Duration, bytes: Vec<u8> },
    /// Send the reply and end the server's side of the stream in one go
    /// (over TLS `close_notify` in the same flush, TCP left open; over
    /// plain TCP `shutdown(Write)`), then keep the connection open, reading
    /// and discarding, until the client closes it.
    HalfClose,
    /// Wait for the first byte of the next request and reset the
    /// connection without reading it: the server's idle timeout firing just
    /// as the request arrives. The request is not recorded.
    AbortOnNext,
}

/// The server's answer to one request.
#[derive(Debug, Clone)]
pub struct Reply {
    /// Written at once (may be empty).
    pub bytes: Vec<u8>,
    /// What follows.
    pub then: Then,
}

impl Reply {
    /// Write `bytes`, then read the next request.
    pub fn keep(bytes: impl AsRef<[u8]>) -> Reply {
        Reply::then(bytes, Then::Keep)
    }

    /// Write `bytes`, then close at once.
    pub fn close(bytes: impl AsRef<[u8]>) -> Reply {
        Reply::then(bytes, Then::Close)
    }

    /// Write `bytes`, then close after `delay`.
    pub fn close_after(bytes: impl AsRef<[u8]>, delay: Duration) -> Reply {
        Reply::then(bytes, Then::CloseAfter(delay))
    }

    /// Write `bytes`, then reset at once.
    pub fn reset(bytes: impl AsRef<[u8]>) -> Reply {
        Reply::then(bytes, Then::Reset)
    }

    /// Write `bytes`, then reset after `delay`.
    pub fn reset_after(bytes: impl AsRef<[u8]>, delay: Duration) -> Reply {
        Reply::then(bytes, Then::ResetAfter(delay))
    }

    /// Write `bytes`, then `stray` after `delay`, then read on.
    pub fn stray_after(bytes: impl AsRef<[u8]>, delay: Duration, stray: impl AsRef<[u8]>) -> Reply {
        Reply::then(
            bytes,
            Then::Stray {
                after: delay,
                bytes: stray.as_ref().to_vec(),
            },
        )
    }

    /// Write nothing and close.
    pub fn hang_up() -> Reply {
        Reply::close([])
    }

    /// Write `bytes`, then do `then`.
    pub fn then(bytes: impl AsRef<[u8]>, then: Then) -> Reply {
        Reply {
            bytes: bytes.as_ref().to_vec(),
            then,
        }
    }
}

/// A response with a `Content-Length`: `status_line` (`"HTTP/1.1 200 OK"`),
/// then `fields` (each ending in CRLF), the length, and `body`.
pub fn response(status_line: &str, fields: &str, body: impl AsRef<[u8]>) -> Vec<u8> {
    let body = body.as_ref();
    let mut out = format!(
        "{status_line}\r\n{fields}Content-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

/// `HTTP/1.1 200 OK` with a `Content-Length`: persistent by default.
pub fn ok11(body: impl AsRef<[u8]>) -> Vec<u8> {
    response("HTTP/1.1 200 OK", "", body)
}

/// `HTTP/1.0 200 OK` with `Connection: keep-alive` and a `Content-Length`.
pub fn ok10_keep_alive(body: impl AsRef<[u8]>) -> Vec<u8> {
    response("HTTP/1.0 200 OK", "Connection: keep-alive\r\n", body)
}

/// A chunked `HTTP/1.1 200 OK` with `fields` (each ending in CRLF): `body`
/// in chunks of the sizes given (cycled), then `trailers` (each ending in
/// CRLF) after the last chunk.
pub fn chunked(fields: &str, body: &[u8], sizes: &[usize], trailers: &str) -> Vec<u8> {
    let mut out =
        format!("HTTP/1.1 200 OK\r\n{fields}Transfer-Encoding: chunked\r\n\r\n").into_bytes();
    let mut rest = body;
    for &size in sizes.iter().cycle() {
        if rest.is_empty() {
            break;
        }
        let (chunk, tail) = rest.split_at(size.max(1).min(rest.len()));
        out.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        out.extend_from_slice(chunk);
        out.extend_from_slice(b"\r\n");
        rest = tail;
    }
    out.extend_from_slice(format!("0\r\n{trailers}\r\n").as_bytes());
    out
}

/// The value of header `name` (any case) in a request's head.
pub fn request_header<'a>(request: &'a Received, name: &str) -> Option<&'a str> {
    std::str::from_utf8(request.head())
        .ok()?
        .split("\r\n")
        .skip(1)
        .filter_map(|line| line.split_once(':'))
        .find(|(field, _)| field.trim().eq_ignore_ascii_case(name))
        .map(|(_, value)| value.trim())
}

/// A connection as the server sees it: plain TCP, or a wrapper (TLS)
/// around it.
pub trait ServerStream: Read + Write + Send {
    /// The TCP socket underneath (for `SO_LINGER` and `peek`).
    fn tcp(&self) -> &TcpStream;

    /// A note on the connection, recorded after its first request (the
    /// TLS tests record the handshake kind and the protocol version).
    fn note(&self) -> Option<String> {
        None
    }

    /// A clean close is about to happen (TLS sends `close_notify`).
    fn close_notify(&mut self) {}

    /// Writes `bytes` and ends the server's side of the stream with them
    /// (see [`Then::HalfClose`]).
    fn write_and_half_close(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.write_all(bytes)?;
        self.flush()?;
        self.tcp().shutdown(std::net::Shutdown::Write)
    }
}

impl ServerStream for TcpStream {
    fn tcp(&self) -> &TcpStream {
        self
    }
}

/// One request as the server read it, with where it came.
#[derive(Debug, Clone)]
pub struct Logged {
    /// The connection's index, in accept order.
    pub conn: usize,
    /// The request's index on its connection.
    pub nth: usize,
    /// The request.
    pub request: Received,
}

/// What happened on one accepted connection.
#[derive(Debug, Clone, Default)]
pub struct ConnRecord {
    /// Requests read on it (all of them, even when not logged).
    pub served: usize,
    /// The note of its [`ServerStream`], after the first request.
    pub note: Option<String>,
    /// The client closed or reset it while the server waited for a request.
    pub client_closed: bool,
    /// Its thread is done.
    pub finished: bool,
}

type Replies = dyn Fn(usize, usize, &Received) -> Reply + Send + Sync;
type Wrap = dyn Fn(TcpStream) -> io::Result<Box<dyn ServerStream>> + Send + Sync;

struct Shared {
    stop: AtomicBool,
    conns: Mutex<Vec<ConnRecord>>,
    /// Every request read, in the order read; empty unless logging.
    log: Mutex<Vec<Logged>>,
    logging: bool,
    threads: Mutex<Vec<JoinHandle<()>>>,
    replies: Box<Replies>,
    wrap: Box<Wrap>,
}

/// How to start a [`KeepAliveServer`] (see [`KeepAliveServer::builder`]).
pub struct Builder {
    addr: SocketAddr,
    logging: bool,
    wrap: Box<Wrap>,
}

impl Builder {
    /// Listen on `addr` (default `127.0.0.1:0`).
    pub fn addr(mut self, addr: SocketAddr) -> Builder {
        self.addr = addr;
        self
    }

    /// Keep every request read (default); without, only counts.
    pub fn logging(mut self, logging: bool) -> Builder {
        self.logging = logging;
        self
    }

    /// Wrap each accepted socket (for TLS); the wrapper is made on the
    /// connection's thread.
    pub fn wrap(
        mut self,
        wrap: impl Fn(TcpStream) -> io::Result<Box<dyn ServerStream>> + Send + Sync + 'static,
    ) -> Builder {
        self.wrap = Box::new(wrap);
        self
    }

    /// Starts serving, answering each request with `replies(connection,
    /// nth request on it, request)`.
    pub fn start(
        self,
        replies: impl Fn(usize, usize, &Received) -> Reply + Send + Sync + 'static,
    ) -> io::Result<KeepAliveServer> {
        let listener = TcpListener::bind(self.addr)?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            stop: AtomicBool::new(false),
            conns: Mutex::new(Vec::new()),
            log: Mutex::new(Vec::new()),
            logging: self.logging,
            threads: Mutex::new(Vec::new()),
            replies: Box::new(replies),
            wrap: self.wrap,
        });
        let for_listener = shared.clone();
        let listener = thread::Builder::new()
            .name(format!("keep-alive server {addr}"))
            .spawn(move || accept_loop(listener, for_listener))?;
        Ok(KeepAliveServer {
            addr,
            shared,
            listener: Some(listener),
        })
    }
}

/// A running keep-alive server; stops and joins its threads when dropped.
pub struct KeepAliveServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    listener: Option<JoinHandle<()>>,
}

impl KeepAliveServer {
    /// Plain TCP on 127.0.0.1, every request logged.
    pub fn start(
        replies: impl Fn(usize, usize, &Received) -> Reply + Send + Sync + 'static,
    ) -> KeepAliveServer {
        KeepAliveServer::builder()
            .start(replies)
            .expect("binding 127.0.0.1:0")
    }

    /// Other addresses, TLS, or no log.
    pub fn builder() -> Builder {
        Builder {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            logging: true,
            wrap: Box::new(|tcp| Ok(Box::new(tcp))),
        }
    }

    /// The listening address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// `http://ADDR` followed by `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Connections accepted so far.
    pub fn accepted(&self) -> usize {
        lock(&self.shared.conns).len()
    }

    /// What happened on each connection so far, in accept order.
    pub fn conns(&self) -> Vec<ConnRecord> {
        lock(&self.shared.conns).clone()
    }

    /// Every request read so far, in the order read (if logging).
    pub fn log(&self) -> Vec<Logged> {
        lock(&self.shared.log).clone()
    }

    /// The targets read on connection `conn`, in order.
    pub fn targets_on(&self, conn: usize) -> Vec<String> {
        self.log()
            .iter()
            .filter(|logged| logged.conn == conn)
            .map(|logged| logged.request.target().to_owned())
            .collect()
    }

    /// How many times the server read a request for `target`.
    pub fn times_seen(&self, target: &str) -> usize {
        self.log()
            .iter()
            .filter(|logged| logged.request.target() == target)
            .count()
    }

    /// Waits up to `limit` for `ready` to hold of the connections; says
    /// whether it did.
    pub fn wait_for(&self, limit: Duration, ready: impl Fn(&[ConnRecord]) -> bool) -> bool {
        let deadline = Instant::now() + limit;
        loop {
            if ready(&lock(&self.shared.conns)) {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            thread::sleep(Duration::from_millis(2));
        }
    }

    /// Waits up to `grace` for every connection's thread to end by itself
    /// (the client closing), then stops the server and returns what
    /// happened on each connection.
    pub fn finish(mut self, grace: Duration) -> Vec<ConnRecord> {
        self.wait_for(grace, |conns| conns.iter().all(|c| c.finished));
        self.stop();
        self.conns()
    }

    /// Stops accepting, makes every connection give up, joins every thread.
    fn stop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        if let Some(listener) = self.listener.take() {
            if !listener.is_finished() {
                // Wakes the blocking accept; it sees the stop flag.
                let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
            }
            let _ = listener.join();
        }
        let threads = std::mem::take(&mut *lock(&self.shared.threads));
        for thread in threads {
            let _ = thread.join();
        }
    }
}

impl Drop for KeepAliveServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Waits (on the runtime, so the pool's reaper runs) up to `limit` for
/// `client` to hold `idle` idle connections; says whether it came to that.
pub async fn idle_becomes(client: &Client, idle: usize, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        if client.stats().idle == idle {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        runtime::time::sleep(Duration::from_millis(2)).await;
    }
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    loop {
        let stream = match listener.accept() {
            Ok((stream, _)) => stream,
            Err(_) if shared.stop.load(Ordering::SeqCst) => return,
            Err(_) => continue, // a connection that died in the queue
        };
        if shared.stop.load(Ordering::SeqCst) {
            return;
        }
        let index = {
            let mut conns = lock(&shared.conns);
            conns.push(ConnRecord::default());
            conns.len() - 1
        };
        let for_thread = shared.clone();
        let thread = thread::Builder::new()
            .name(format!("keep-alive connection {index}"))
            .stack_size(256 * 1024)
            .spawn(move || {
                serve(stream, index, &for_thread);
                lock(&for_thread.conns)[index].finished = true;
            })
            .expect("spawning a connection thread");
        lock(&shared.threads).push(thread);
    }
}

/// One connection: request, reply, and what follows, until told to stop.
fn serve(tcp: TcpStream, index: usize, shared: &Shared) {
    // Setting an option fails only on a dead socket, where reads fail too.
    let _ = tcp.set_nodelay(true);
    let _ = tcp.set_read_timeout(Some(POLL));
    let _ = tcp.set_write_timeout(Some(WRITE_TIMEOUT));
    let Ok(stream) = (shared.wrap)(tcp) else {
        return;
    };
    let mut conn = Conn {
        stream,
        input: Vec::new(),
        shared,
        index,
    };
    for nth in 0.. {
        let Some(request) = conn.read_request() else {
            return;
        };
        {
            let mut conns = lock(&shared.conns);
            conns[index].served += 1;
            if nth == 0 {
                conns[index].note = conn.stream.note();
            }
        }
        if shared.logging {
            lock(&shared.log).push(Logged {
                conn: index,
                nth,
                request: request.clone(),
            });
        }
        let reply = (shared.replies)(index, nth, &request);
        if let Then::HalfClose = reply.then {
            if conn.stream.write_and_half_close(&reply.bytes).is_err() {
                return conn.client_gone();
            }
            return conn.hold();
        }
        if !reply.bytes.is_empty() && !conn.write(&reply.bytes) {
            return;
        }
        match reply.then {
            Then::Keep => {}
            Then::Close => return conn.close(),
            Then::CloseAfter(delay) => {
                conn.sleep(delay);
                return conn.close();
            }
            Then::Reset => return conn.reset(),
            Then::ResetAfter(delay) => {
                conn.sleep(delay);
                return conn.reset();
            }
            Then::Stray { after, bytes } => {
                conn.sleep(after);
                if !conn.write(&bytes) {
                    return;
                }
            }
            Then::AbortOnNext => {
                conn.wait_readable();
                return conn.reset();
            }
            Then::HalfClose => unreachable!("handled before the write"),
        }
    }
}

/// A connection being served.
struct Conn<'a> {
    stream: Box<dyn ServerStream>,
    /// Bytes read past the last request.
    input: Vec<u8>,
    shared: &'a Shared,
    index: usize,
}

impl Conn<'_> {
    fn stopped(&self) -> bool {
        self.shared.stop.load(Ordering::SeqCst)
    }

    fn client_gone(&self) {
        lock(&self.shared.conns)[self.index].client_closed = true;
    }

    /// The next request (head and `Content-Length` body), within
    /// [`MAX_IDLE`]; `None` if the client closed, the server stopped, or
    /// the request is too large or incomplete.
    fn read_request(&mut self) -> Option<Received> {
        let deadline = Instant::now() + MAX_IDLE;
        let mut buf = vec![0; 16 * 1024];
        loop {
            if let Some(head_len) = find_head_end(&self.input) {
                let wanted = head_len + content_length(&self.input[..head_len]);
                if wanted > MAX_REQUEST_HEAD + MAX_REQUEST_BODY {
                    return None;
                }
                if self.input.len() >= wanted {
                    let rest = self.input.split_off(wanted);
                    let raw = std::mem::replace(&mut self.input, rest);
                    return Some(Received { raw, head_len });
                }
            } else if self.input.len() > MAX_REQUEST_HEAD {
                return None;
            }
            if self.stopped() || Instant::now() >= deadline {
                return None;
            }
            match self.stream.read(&mut buf) {
                Ok(0) => {
                    self.client_gone();
                    return None;
                }
                Ok(n) => self.input.extend_from_slice(&buf[..n]),
                Err(e) if is_timeout(&e) => {}
                Err(_) => {
                    self.client_gone();
                    return None;
                }
            }
        }
    }

    /// Writes all of `bytes` and flushes; false if the client is gone.
    fn write(&mut self, bytes: &[u8]) -> bool {
        let written = self
            .stream
            .write_all(bytes)
            .and_then(|()| self.stream.flush());
        if written.is_err() {
            self.client_gone();
        }
        written.is_ok()
    }

    /// Sleeps for `duration`, waking early if the server stops.
    fn sleep(&self, duration: Duration) {
        sleep_unless_stopped(duration, Duration::from_millis(5), || self.stopped());
    }

    /// Reads and discards until the client closes, within [`MAX_IDLE`].
    fn hold(&mut self) {
        let deadline = Instant::now() + MAX_IDLE;
        let mut buf = [0; 4096];
        while Instant::now() < deadline && !self.stopped() {
            match self.stream.read(&mut buf) {
                Ok(0) => return self.client_gone(),
                Ok(_) => {}
                Err(e) if is_timeout(&e) => {}
                Err(_) => return self.client_gone(),
            }
        }
    }

    /// Waits (reading nothing) until a byte is there to read or the client
    /// closed, within [`MAX_IDLE`].
    fn wait_readable(&self) {
        let deadline = Instant::now() + MAX_IDLE;
        let mut byte = [0; 1];
        while Instant::now() < deadline && !self.stopped() {
            match self.stream.tcp().peek(&mut byte) {
                Ok(_) => return,
                Err(e) if is_timeout(&e) => {}
                Err(_) => return,
            }
        }
    }

    /// A clean close: `close_notify` for TLS, then FIN.
    fn close(mut self) {
        self.stream.close_notify();
    }

    /// An abortive close: RST, whatever is buffered.
    fn reset(self) {
        // Fails only on a socket that is already dead, which resets or
        // closes anyway.
        let _ = rustix::net::sockopt::set_socket_linger(self.stream.tcp(), Some(Duration::ZERO));
    }
}

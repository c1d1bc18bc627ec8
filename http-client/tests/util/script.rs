//! The script side of `server.rs`: the [`Step`]s a connection can play,
//! the [`Received`] request, and the thread body that serves one connection —
//! read the request (bounded), then play the steps, each wait bounded by a
//! socket timeout, the server's stop flag and [`MAX_HOLD`].

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::Ordering;
use std::thread;
use std::time::{Duration, Instant};

use super::server::{Shared, lock};

/// The longest any step waits on its own (`Hold`, `TrickleForever`, `Flood`)
/// before giving up.
pub const MAX_HOLD: Duration = Duration::from_secs(20);
/// How long the server waits for a request before playing nothing.
const REQUEST_WAIT: Duration = Duration::from_secs(5);
/// The largest request head the server reads.
const MAX_REQUEST_HEAD: usize = 64 * 1024;
/// The largest request body the server reads.
const MAX_REQUEST_BODY: usize = 16 << 20;
/// How often blocked steps look at the stop flag.
const POLL: Duration = Duration::from_millis(50);
/// How long a blocked write may wait for the client to read.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);

/// One thing the server does on a connection, in script order. The
/// connection is closed (FIN) when the script ends.
#[derive(Debug, Clone)]
pub enum Step {
    /// Write these bytes at once.
    Write(Vec<u8>),
    /// Do nothing for this long.
    Sleep(Duration),
    /// Write the bytes one at a time, pausing `delay` before each.
    Trickle { bytes: Vec<u8>, delay: Duration },
    /// Write `byte` every `delay` until the client goes away (or [`MAX_HOLD`]).
    TrickleForever { byte: u8, delay: Duration },
    /// Write `chunk` over and over, as fast as the client reads, until it
    /// goes away (or [`MAX_HOLD`]): an endless response.
    Flood(Vec<u8>),
    /// `shutdown(Write)`: the client reads end-of-stream, the socket stays open.
    ShutdownWrite,
    /// Close the connection now (FIN), skipping the rest of the script.
    Close,
    /// Abort the connection with an RST. Std has no `SO_LINGER` on stable,
    /// so this closes the socket while the request is still unread in its
    /// receive buffer, which makes the kernel reset instead of FIN (RFC 2525
    /// §2.17). Only valid on a server started with `ScriptedServer::unread`.
    Reset,
    /// Send nothing more and keep the connection open until the client
    /// closes it (or [`MAX_HOLD`]): a server that never answers.
    Hold,
    /// Abort the connection with an RST by closing it with `SO_LINGER` set
    /// to zero, whatever is buffered: unlike [`Step::Reset`], this works on a
    /// server that read the request.
    Abort,
    /// Wait until the whole request head sits in the receive buffer, and
    /// record it (in [`Seen::request`](super::server::Seen)) *without*
    /// reading it: the client is then past sending its head, and every
    /// byte it sends from now on stays unread. Only valid on a server
    /// started with `ScriptedServer::unread`.
    PeekRequest,
}

impl Step {
    /// [`Step::Write`] from anything byte-like.
    pub fn write(bytes: impl AsRef<[u8]>) -> Step {
        Step::Write(bytes.as_ref().to_vec())
    }
}

/// A request as the server received it.
#[derive(Debug, Clone, Default)]
pub struct Received {
    /// The head (up to and including the empty line) and the body.
    pub raw: Vec<u8>,
    /// Where the head ends in `raw`; 0 if no complete head arrived.
    pub head_len: usize,
}

impl Received {
    /// The request head, empty line included.
    pub fn head(&self) -> &[u8] {
        &self.raw[..self.head_len]
    }

    /// The request body (the bytes after the head).
    pub fn body(&self) -> &[u8] {
        &self.raw[self.head_len..]
    }

    /// The request line's first word.
    pub fn method(&self) -> &str {
        self.request_line().split(' ').next().unwrap_or_default()
    }

    /// The request line's second word: the path and query.
    pub fn target(&self) -> &str {
        self.request_line().split(' ').nth(1).unwrap_or_default()
    }

    fn request_line(&self) -> &str {
        let line = self
            .head()
            .split(|&b| b == b'\r')
            .next()
            .unwrap_or_default();
        std::str::from_utf8(line).unwrap_or_default()
    }
}

/// One connection: read the request, then play its script.
pub(super) fn serve(stream: TcpStream, index: usize, shared: &Shared) {
    let mut conn = Conn {
        stream,
        shared,
        index,
    };
    // Small writes must leave at once: trickling is the point of some steps.
    // Setting an option fails only on a dead socket, where the steps fail too.
    let _ = conn.stream.set_nodelay(true);
    let _ = conn.stream.set_write_timeout(Some(WRITE_TIMEOUT));
    let _ = conn.stream.set_read_timeout(Some(POLL));
    if shared.read_request {
        let request = conn.read_request();
        let complete = request.head_len > 0;
        lock(&shared.seen)[index].request = request;
        if !complete {
            return; // nothing to answer
        }
    }
    let request = lock(&shared.seen)[index].request.clone();
    for step in (shared.script)(&request) {
        if conn.stopped() || !conn.play(step) {
            return;
        }
    }
}

/// A connection being served.
struct Conn<'a> {
    stream: TcpStream,
    shared: &'a Shared,
    index: usize,
}

impl Conn<'_> {
    fn stopped(&self) -> bool {
        self.shared.stop.load(Ordering::SeqCst)
    }

    /// Plays one step; false when the script must end here.
    fn play(&mut self, step: Step) -> bool {
        match step {
            Step::Write(bytes) => self.write(&bytes),
            Step::Sleep(duration) => {
                self.sleep(duration);
                true
            }
            Step::Trickle { bytes, delay } => bytes.iter().all(|&byte| {
                self.sleep(delay);
                !self.stopped() && self.write(&[byte])
            }),
            Step::TrickleForever { byte, delay } => {
                let deadline = Instant::now() + MAX_HOLD;
                while Instant::now() < deadline && !self.stopped() {
                    self.sleep(delay);
                    if !self.write(&[byte]) {
                        return false;
                    }
                }
                false
            }
            Step::Flood(chunk) => {
                let deadline = Instant::now() + MAX_HOLD;
                while Instant::now() < deadline && !self.stopped() {
                    if !self.write(&chunk) {
                        return false;
                    }
                }
                false
            }
            Step::ShutdownWrite => {
                let _ = self.stream.shutdown(Shutdown::Write); // fails only if already reset
                true
            }
            Step::Close => false,
            Step::Reset => {
                assert!(
                    !self.shared.read_request,
                    "Step::Reset needs ScriptedServer::unread (see its doc)"
                );
                self.wait_for_unread_request();
                false
            }
            Step::Hold => {
                self.hold();
                false
            }
            Step::Abort => {
                // Fails only on a socket that is already dead, which resets
                // or closes anyway.
                let _ = rustix::net::sockopt::set_socket_linger(&self.stream, Some(Duration::ZERO));
                false
            }
            Step::PeekRequest => {
                assert!(
                    !self.shared.read_request,
                    "Step::PeekRequest needs ScriptedServer::unread"
                );
                let request = self.peek_request();
                let complete = request.head_len > 0;
                lock(&self.shared.seen)[self.index].request = request;
                complete
            }
        }
    }

    /// Writes all of `bytes`; false (and the client marked gone) on error.
    fn write(&mut self, bytes: &[u8]) -> bool {
        match self.stream.write_all(bytes) {
            Ok(()) => {
                lock(&self.shared.seen)[self.index].written += bytes.len() as u64;
                true
            }
            Err(_) => {
                self.client_gone();
                false
            }
        }
    }

    /// Sleeps for `duration`, waking early if the server stops.
    fn sleep(&self, duration: Duration) {
        sleep_unless_stopped(duration, Duration::from_millis(10), || self.stopped());
    }

    /// Waits, reading and discarding, until the client closes the connection.
    fn hold(&mut self) {
        let deadline = Instant::now() + MAX_HOLD;
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

    /// Waits until the whole request head sits unread in the receive buffer,
    /// so that closing the socket sends an RST.
    fn wait_for_unread_request(&mut self) {
        let deadline = Instant::now() + REQUEST_WAIT;
        let mut buf = vec![0; MAX_REQUEST_HEAD];
        while Instant::now() < deadline && !self.stopped() {
            match self.stream.peek(&mut buf) {
                Ok(n) if find_head_end(&buf[..n]).is_some() => return,
                Ok(0) => return,
                // Part of the head: `peek` returns at once while data is
                // waiting, so pause instead of spinning.
                Ok(_) => thread::sleep(Duration::from_millis(1)),
                Err(e) if is_timeout(&e) => {}
                Err(_) => return,
            }
        }
    }

    /// Peeks (reading nothing) until the request head is in the receive
    /// buffer, within [`REQUEST_WAIT`]; returns it, or `head_len` 0.
    fn peek_request(&mut self) -> Received {
        let deadline = Instant::now() + REQUEST_WAIT;
        let mut buf = vec![0; MAX_REQUEST_HEAD];
        while Instant::now() < deadline && !self.stopped() {
            match self.stream.peek(&mut buf) {
                Ok(n) => {
                    if let Some(end) = find_head_end(&buf[..n]) {
                        return Received {
                            raw: buf[..end].to_vec(),
                            head_len: end,
                        };
                    }
                    if n == 0 {
                        break;
                    }
                    thread::sleep(Duration::from_millis(1));
                }
                Err(e) if is_timeout(&e) => {}
                Err(_) => break,
            }
        }
        Received::default()
    }

    fn client_gone(&self) {
        lock(&self.shared.seen)[self.index].client_closed = true;
    }

    /// Reads the request head and its `Content-Length` body, within
    /// [`REQUEST_WAIT`] and the size caps. An incomplete request comes back
    /// with `head_len` 0.
    fn read_request(&mut self) -> Received {
        let deadline = Instant::now() + REQUEST_WAIT;
        let mut raw = Vec::new();
        let mut buf = vec![0; 64 * 1024];
        let mut head_len = 0;
        let mut wanted = usize::MAX;
        while raw.len() < wanted && Instant::now() < deadline && !self.stopped() {
            match self.stream.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => raw.extend_from_slice(&buf[..n]),
                Err(e) if is_timeout(&e) => continue,
                Err(_) => break,
            }
            if head_len == 0 {
                match find_head_end(&raw) {
                    Some(end) => {
                        head_len = end;
                        wanted = end + content_length(&raw[..end]).min(MAX_REQUEST_BODY);
                    }
                    None if raw.len() > MAX_REQUEST_HEAD => break,
                    None => {}
                }
            }
        }
        if head_len == 0 || raw.len() < wanted {
            return Received { raw, head_len: 0 };
        }
        raw.truncate(wanted);
        Received { raw, head_len }
    }
}

/// Where the head ends (just past its empty line), if it has.
pub fn find_head_end(bytes: &[u8]) -> Option<usize> {
    bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|at| at + 4)
}

/// The head's `Content-Length`, or 0.
pub fn content_length(head: &[u8]) -> usize {
    String::from_utf8_lossy(head)
        .lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse().ok())
        .unwrap_or(0)
}

/// A read timeout (or an interrupted read): nothing came yet, try again.
pub fn is_timeout(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
    )
}

/// Sleeps for `duration` in steps of `step` at most, waking early once
/// `stopped` says the server is stopping.
pub fn sleep_unless_stopped(duration: Duration, step: Duration, stopped: impl Fn() -> bool) {
    let deadline = Instant::now() + duration;
    while !stopped() {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return;
        }
        thread::sleep(left.min(step));
    }
}

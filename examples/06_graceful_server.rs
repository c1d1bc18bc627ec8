//! A TCP server that stops gracefully: on ctrl-c (`SIGINT`) or `SIGTERM`
//! it stops accepting, tells every open connection that it is shutting
//! down, lets them finish what they were doing for up to a deadline,
//! aborts the ones still open then, and exits 0. It shows
//! `runtime::signal` (`ctrl_c` raced with `SIGTERM`), a `JoinSet` holding
//! one task per connection, and a `watch` channel as the shutdown signal.
//!
//! ```text
//!  accept loop ──select!──► a connection ──► connections.spawn(handle(..))   (a JoinSet)
//!     │         ├─ a finished connection ──► counted
//!     │         └─ ctrl-c | SIGTERM ──► drop the listener (new connections are refused)
//!     ▼                                 stop.send(true) (a watch channel: every handler sees it)
//!  drain: join_next until every connection has finished, or the deadline
//!         ──► connections.shutdown(): abort the rest, count them
//!
//!  handler: greet; loop { read a line ──► work ──► answer it in upper case }
//!           on `stopping.changed()`: write "bye", then keep answering what
//!           the client already sent, until it closes (the deadline aside)
//! ```
//!
//! The protocol: one request per line, each answered in upper case. The
//! server can only say goodbye in a line of its own, never by closing: a
//! connection closed while the client's next request is on its way cuts
//! that request (the race HTTP's `Connection: close` has). So at shutdown
//! a handler writes `bye: ...` (at once, even mid-request) and then goes on
//! answering until the client, having read the bye, closes its side. A
//! client that ignores the bye is cut off at the deadline, and only then.
//!
//! Run it with `cargo run --example 06_graceful_server` (port 7880; give
//! another port as the first argument, or 0 for any free one), type lines
//! into `nc 127.0.0.1 7880`, and press ctrl-c in the server's terminal.
//! With `--demo`, as CI runs it, it connects three clients that send their
//! requests slowly (half a line, a pause, the rest) and one that sends
//! nothing; once each is mid-conversation it sends itself `SIGINT`, checks
//! that a new connection is refused, that every request sent got its full
//! answer, and that only the silent client was cut off (at the deadline),
//! prints a summary and exits 0 only if all of that held:
//! `cargo run --example 06_graceful_server -- --demo`.

use std::io;
use std::net::{Ipv4Addr, Shutdown, SocketAddr};
use std::pin::pin;
use std::time::{Duration, Instant};

use runtime::net::{TcpListener, TcpStream};
use runtime::signal::unix::{SignalKind, signal};
use runtime::sync::{mpsc, watch};
use runtime::time::{sleep, timeout, timeout_at};
use runtime::{JoinError, JoinHandle, JoinSet};

const GREETING: &str = "hello: send lines, each is answered in upper case";
const BYE: &str = "bye: the server is shutting down; what you sent is still answered, then close";
/// How long "working" on a request takes.
const WORK: Duration = Duration::from_millis(30);
/// How long open connections get to finish after the signal.
const GRACE: Duration = Duration::from_secs(10);
const DEMO_GRACE: Duration = Duration::from_millis(1500);
/// The demo's bound on every wait (a connect, a client, the server).
const LIMIT: Duration = Duration::from_secs(10);

/// A connection read line by line. Its buffer keeps what was read, so a
/// wait for more bytes ([`fill`](Conn::fill)) can lose a `select!` without
/// losing a byte.
struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    fn new(stream: TcpStream) -> Conn {
        Conn {
            stream,
            buf: Vec::new(),
        }
    }

    /// A whole line from the buffer, without its line ending, if there is one.
    fn take_line(&mut self) -> Option<String> {
        let end = self.buf.iter().position(|&b| b == b'\n')?;
        let line: Vec<u8> = self.buf.drain(..=end).collect();
        let text = String::from_utf8_lossy(&line[..end]);
        Some(text.trim_end_matches('\r').to_string())
    }

    /// Reads once into the buffer: how many bytes, 0 at end of stream.
    /// Cancel safe: a read takes bytes only in the poll that returns them.
    async fn fill(&mut self) -> io::Result<usize> {
        let mut chunk = [0; 1024];
        let n = self.stream.read(&mut chunk).await?;
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(n)
    }

    /// The next line; `None` at end of stream (a partial line is dropped).
    async fn line(&mut self) -> io::Result<Option<String>> {
        loop {
            if let Some(line) = self.take_line() {
                return Ok(Some(line));
            }
            if self.fill().await? == 0 {
                return Ok(None);
            }
        }
    }

    async fn send_line(&mut self, line: &str) -> io::Result<()> {
        self.stream.write_all(format!("{line}\n").as_bytes()).await
    }
}

/// Serves one connection until the client closes it: greets, then answers
/// each line. When `stopping` changes it says bye, once, and goes on
/// answering what the client had already sent. Returns how many requests
/// it answered.
async fn handle(stream: TcpStream, mut stopping: watch::Receiver<bool>) -> io::Result<usize> {
    let mut conn = Conn::new(stream);
    conn.send_line(GREETING).await?;
    let (mut told, mut answered) = (false, 0);
    loop {
        let Some(request) = conn.take_line() else {
            let n = if told {
                conn.fill().await?
            } else {
                runtime::select! {
                    n = conn.fill() => n?,
                    // A change, or the sender gone: shutdown either way. Even
                    // mid-request: the rest of the line is still awaited.
                    _ = stopping.changed() => {
                        conn.send_line(BYE).await?;
                        told = true;
                        continue;
                    }
                }
            };
            if n == 0 {
                return Ok(answered); // the client closed its side: done
            }
            continue;
        };
        sleep(WORK).await;
        conn.send_line(&request.to_uppercase()).await?;
        answered += 1;
    }
}

/// [`handle`], with a line in the server's log when the connection ends.
async fn connection(stream: TcpStream, peer: SocketAddr, stopping: watch::Receiver<bool>) -> bool {
    match handle(stream, stopping).await {
        Ok(answered) => {
            println!("[server] {peer}: closed by the client after {answered} requests");
            true
        }
        Err(e) => {
            println!("[server] {peer}: {e}");
            false
        }
    }
}

/// Waits for ctrl-c (`SIGINT`) or `SIGTERM`, whichever comes first, and
/// names it. Both listeners exist from its first poll on.
async fn stop_signal() -> io::Result<&'static str> {
    let mut terminate = signal(SignalKind::terminate())?;
    runtime::race(
        async { runtime::signal::ctrl_c().await.map(|()| "SIGINT") },
        async {
            let got = terminate.recv().await;
            got.map(|()| "SIGTERM")
                .ok_or_else(|| io::Error::other("the SIGTERM listener failed"))
        },
    )
    .await
}

/// How the server ended.
#[derive(Debug, Default)]
struct Report {
    signal: &'static str,
    /// Connections closed by their client (before or after the signal).
    finished: usize,
    /// Connections that ended in an error (or a panic).
    failed: usize,
    /// Connections still open at the deadline, aborted.
    aborted: usize,
}

impl Report {
    fn count(&mut self, ended: Result<bool, JoinError>) {
        match ended {
            Ok(true) => self.finished += 1,
            Ok(false) | Err(_) => self.failed += 1,
        }
    }
}

/// Accepts connections until ctrl-c or `SIGTERM`, then stops accepting,
/// tells the connections through `stop`, and gives them `grace` to finish.
async fn serve(
    listener: TcpListener,
    grace: Duration,
    stop: watch::Sender<bool>,
) -> io::Result<Report> {
    let mut connections = JoinSet::new();
    let mut report = Report::default();
    let mut stopped = pin!(stop_signal());
    report.signal = loop {
        runtime::select! {
            // First, so that the very first poll registers both listeners.
            signal = &mut stopped => break signal?,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    connections.spawn(connection(stream, peer, stop.subscribe()));
                }
                Err(e) => {
                    // Out of descriptors, say: wait a little rather than spin.
                    println!("[server] accept: {e}");
                    sleep(Duration::from_millis(100)).await;
                }
            },
            // Disabled while the set is empty (`join_next` gives `None`).
            Some(ended) = connections.join_next() => report.count(ended),
        }
    };
    drop(listener); // from here on, connecting is refused
    println!(
        "[server] {}: not accepting anymore; {} connections open, {:.1}s to finish",
        report.signal,
        connections.len(),
        grace.as_secs_f64()
    );
    // An error means no handler is left to tell: nothing to do.
    let _ = stop.send(true);
    let deadline = Instant::now() + grace;
    let drain = timeout_at(deadline, async {
        while let Some(ended) = connections.join_next().await {
            report.count(ended);
        }
    });
    if drain.await.is_err() {
        while let Some(ended) = connections.try_join_next() {
            report.count(ended); // finished just in time
        }
        report.aborted = connections.len();
        connections.shutdown().await;
    }
    println!(
        "[server] stopped on {}: {} connections finished, {} failed, {} aborted at the deadline",
        report.signal, report.finished, report.failed, report.aborted
    );
    Ok(report)
}

/// What a demo client saw.
#[derive(Debug, Default)]
struct Seen {
    /// Requests sent, each of which got its full answer.
    answered: usize,
    /// The request that was on its way when the bye came, if one was.
    told_during: Option<usize>,
}

/// Requests per talking client: more than it can send before the signal.
const REQUESTS: usize = 8;
/// The pause in the middle of each request.
const PAUSE: Duration = Duration::from_millis(40);

/// A demo client: sends up to [`REQUESTS`] lines, each in two halves with
/// a pause between, and checks every answer; stops sending once told bye,
/// then closes its side and reads until the server closes. Says `ready`
/// after its first answer. An error means it was cut off.
async fn talker(addr: SocketAddr, i: usize, ready: mpsc::UnboundedSender<()>) -> io::Result<Seen> {
    let mut conn = Conn::new(TcpStream::connect(addr).await?);
    expect_line(&mut conn, GREETING).await?;
    let mut seen = Seen::default();
    while seen.answered < REQUESTS && seen.told_during.is_none() {
        let request = format!("request {} of client {i}", seen.answered + 1);
        let (first, rest) = request.split_at(request.len() / 2);
        conn.stream.write_all(first.as_bytes()).await?;
        sleep(PAUSE).await;
        conn.send_line(rest).await?;
        // The answer; a bye may come before it.
        loop {
            match conn.line().await? {
                Some(line) if line == BYE => seen.told_during = Some(seen.answered + 1),
                Some(line) if line == request.to_uppercase() => break,
                Some(line) => return Err(io::Error::other(format!("wrong answer {line:?}"))),
                None => return Err(io::Error::other(format!("{request:?} got no answer"))),
            }
        }
        seen.answered += 1;
        if seen.answered == 1 {
            let _ = ready.send(()); // the demo waits for it, bounded
        }
    }
    conn.stream.shutdown(Shutdown::Write)?;
    // Nothing more is due, except a bye that came after an answer.
    while let Some(line) = conn.line().await? {
        if line != BYE {
            return Err(io::Error::other(format!("unexpected {line:?}")));
        }
    }
    Ok(seen)
}

/// A demo client that says nothing and ignores the bye: the server must
/// cut it off, at the deadline. Returns whether it was told bye, and when
/// the server closed the connection.
async fn silent(addr: SocketAddr, ready: mpsc::UnboundedSender<()>) -> io::Result<(bool, Instant)> {
    let mut conn = Conn::new(TcpStream::connect(addr).await?);
    expect_line(&mut conn, GREETING).await?; // accepted: a handler runs
    let _ = ready.send(());
    let mut told = false;
    // Until the server closes (end of stream; a reset would be an error).
    while let Some(line) = conn.line().await? {
        told |= line == BYE;
    }
    Ok((told, Instant::now()))
}

async fn expect_line(conn: &mut Conn, expected: &str) -> io::Result<()> {
    match conn.line().await? {
        Some(line) if line == expected => Ok(()),
        other => Err(io::Error::other(format!(
            "expected {expected:?}, got {other:?}"
        ))),
    }
}

/// Waits for a demo task, at most [`LIMIT`]: its result, or why there is none.
async fn outcome<T: 'static>(task: JoinHandle<io::Result<T>>) -> io::Result<T> {
    timeout(LIMIT, task)
        .await?
        .map_err(|e| io::Error::other(e.to_string()))?
}

/// The scripted run: returns whether everything held.
async fn run_demo() -> io::Result<bool> {
    const TALKERS: usize = 3;
    let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))?;
    let addr = listener.local_addr()?;
    let (stop, mut stopping) = watch::channel(false);
    println!("[demo] server on {addr}, {TALKERS} talking clients and a silent one");
    let server = runtime::spawn(serve(listener, DEMO_GRACE, stop));
    let (ready, mut all_ready) = mpsc::unbounded_channel();
    let talkers: Vec<_> = (1..=TALKERS)
        .map(|i| runtime::spawn(talker(addr, i, ready.clone())))
        .collect();
    let quiet = runtime::spawn(silent(addr, ready));
    for _ in 0..=TALKERS {
        if timeout(LIMIT, all_ready.recv()).await?.is_none() {
            return Err(io::Error::other("a client failed before its first answer"));
        }
    }

    // Every client is connected, and the talkers are mid-request.
    println!("[demo] sending SIGINT to myself");
    rustix::process::kill_process(rustix::process::getpid(), rustix::process::Signal::INT)?;
    let signalled = Instant::now();
    timeout(LIMIT, stopping.changed())
        .await?
        .map_err(|_| io::Error::other("the server ended without a shutdown"))?;
    let refused = match timeout(LIMIT, TcpStream::connect(addr)).await {
        Ok(Err(e)) => e.kind() == io::ErrorKind::ConnectionRefused,
        _ => false,
    };

    let mut held = true;
    let mut check = |ok: bool, what: String| {
        println!("[demo] {} {what}", if ok { "ok:    " } else { "FAILED:" });
        held &= ok;
    };
    check(refused, "a connection after the signal is refused".into());
    for (i, talker) in (1..=TALKERS).zip(talkers) {
        match outcome(talker).await {
            Ok(Seen {
                answered,
                told_during: Some(during),
            }) => check(
                answered < REQUESTS,
                format!(
                    "client {i}: told bye while request {during} was on its way; \
                     {answered} requests sent, each fully answered"
                ),
            ),
            Ok(seen) => check(
                false,
                format!("client {i}: never told bye mid-request: {seen:?}"),
            ),
            Err(e) => check(false, format!("client {i} was cut off: {e}")),
        }
    }
    let grace = DEMO_GRACE.as_secs_f64();
    match outcome(quiet).await {
        Ok((told, closed)) => check(
            told && closed - signalled >= DEMO_GRACE,
            format!(
                "the silent client: told bye: {told}; cut off {:.2}s after the signal \
                 (the deadline: {grace:.1}s)",
                (closed - signalled).as_secs_f64()
            ),
        ),
        Err(e) => check(false, format!("the silent client: {e}")),
    }
    let report = outcome(server).await?;
    check(
        (
            report.signal,
            report.finished,
            report.failed,
            report.aborted,
        ) == ("SIGINT", TALKERS, 0, 1),
        format!(
            "the server stopped on {}: {} connections finished, {} failed, {} aborted",
            report.signal, report.finished, report.failed, report.aborted
        ),
    );
    println!(
        "[demo] {}",
        if held {
            "graceful: nobody was cut off but the client that ignored the bye"
        } else {
            "something did not hold (marked FAILED)"
        }
    );
    Ok(held)
}

fn main() {
    match run() {
        Ok(true) => {}
        Ok(false) => std::process::exit(1),
        Err(e) => {
            eprintln!("06_graceful_server: {e}");
            std::process::exit(1);
        }
    }
}

/// `[PORT] [--demo]`.
fn run() -> io::Result<bool> {
    let invalid = |message: String| io::Error::new(io::ErrorKind::InvalidInput, message);
    let (mut port, mut demo) = (7880, false);
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--demo" => demo = true,
            p if !p.starts_with("--") => {
                port = p.parse().map_err(|e| invalid(format!("port {p:?}: {e}")))?;
            }
            other => return Err(invalid(format!("unknown flag {other:?}"))),
        }
    }
    runtime::block_on(async move {
        if demo {
            return run_demo().await;
        }
        let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))?;
        let addr = listener.local_addr()?;
        println!(
            "graceful server on {addr}; try: nc 127.0.0.1 {}",
            addr.port()
        );
        println!("ctrl-c (or kill -TERM {}) stops it", std::process::id());
        let (stop, _stopping) = watch::channel(false);
        serve(listener, GRACE, stop).await.map(|_| true)
    })
}

//! A line-based chat over TCP: every line a client sends goes, prefixed
//! with its address, to every *other* client. It shows the pieces a tokio
//! chat server is made of, on this runtime: a `broadcast` channel that all
//! connections share, a stream split with `into_split` into a read half and
//! a write half, `futures_lite::io::BufReader::lines` over the read half
//! (the runtime's sockets implement the futures-io traits), and
//! `runtime::select!` waiting in each connection's task for whichever comes
//! first: a line from its client, or a message from the others.
//!
//! ```text
//!  client ──line──► task ──send──► [ broadcast ] ──recv──► every task ──► its client
//!                   (select!: a line from my client | a message for it)
//! ```
//!
//! A client too slow to keep up never slows the others: the broadcast
//! channel keeps the last [`HISTORY`] messages, and a task that fell
//! further behind is told how many it missed and goes on from there.
//!
//! Run it with `cargo run --example 04_chat_server` (port 7879; give another
//! port as the first argument, or 0 for any free one), then chat from two
//! or more terminals with `nc 127.0.0.1 7879`. With `--demo`, as CI runs it,
//! it connects three scripted clients itself, checks that each received
//! exactly the lines of the other two, prints the transcript and exits:
//! `cargo run --example 04_chat_server -- --demo` (on a free port).

use std::cell::Cell;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use futures_lite::StreamExt;
use futures_lite::io::{AsyncBufReadExt, AsyncRead, BufReader, Lines};
use runtime::net::{OwnedReadHalf, OwnedWriteHalf, TcpListener, TcpStream};
use runtime::sync::broadcast::{self, RecvError};
use runtime::time::timeout;

/// How many messages the broadcast channel holds for a slow reader.
const HISTORY: usize = 64;
/// The longest line a client may send, in bytes: a longer one ends its
/// connection (a line is buffered whole, so this bounds the memory).
const MAX_LINE: usize = 8 * 1024;

/// One chat line, as it travels through the broadcast channel (cloned for
/// every receiver, hence the shared text).
#[derive(Clone, Debug)]
struct Message {
    from: SocketAddr,
    text: Arc<str>,
}

/// Accepts connections forever, each chatting in its own task.
async fn serve(listener: TcpListener, hub: broadcast::Sender<Message>) -> io::Result<()> {
    loop {
        let (conn, peer) = listener.accept().await?;
        // Subscribed before its task sends the welcome: a client that has
        // read its welcome misses no line sent after it.
        let inbox = hub.subscribe();
        let hub = hub.clone();
        // Detached: the task runs on its own until its client leaves.
        drop(runtime::spawn(async move {
            println!("[server] {peer} joined");
            match chat(conn, peer, hub, inbox).await {
                Ok(()) => println!("[server] {peer} left"),
                Err(e) => println!("[server] {peer} dropped: {e}"),
            }
        }));
    }
}

/// One client's connection: its lines go to the hub, the hub's lines from
/// others go to it, until it closes its side.
async fn chat(
    conn: TcpStream,
    peer: SocketAddr,
    hub: broadcast::Sender<Message>,
    mut inbox: broadcast::Receiver<Message>,
) -> io::Result<()> {
    let (read_half, mut write_half) = conn.into_split();
    let failure = Rc::new(Cell::new(None));
    let guarded = LineGuard::new(read_half, MAX_LINE, failure.clone());
    let mut lines = BufReader::new(guarded).lines();
    let welcome = format!("[server] welcome {peer}: your lines go to everyone else\n");
    write_half.write_all(welcome.as_bytes()).await?;
    loop {
        // Both branches are cancel safe: `Lines` keeps a partial line in
        // itself, and a losing `recv` has taken no message.
        runtime::select! {
            line = lines.next() => match (line, failure.take()) {
                // A line cut short by a failure is not sent.
                (_, Some(error)) => return Err(error),
                (Some(line), None) => {
                    let text = Arc::from(line?);
                    // An error means no receiver, impossible while `inbox` lives.
                    let _ = hub.send(Message { from: peer, text });
                }
                (None, None) => return Ok(()), // the client closed its side
            },
            message = inbox.recv() => match message {
                Ok(message) if message.from == peer => {} // its own line
                Ok(message) => {
                    let line = format!("{}: {}\n", message.from, message.text);
                    write_half.write_all(line.as_bytes()).await?;
                }
                Err(RecvError::Lagged(missed)) => {
                    let note = format!("[server] you missed {missed} messages\n");
                    write_half.write_all(note.as_bytes()).await?;
                }
                Err(RecvError::Closed) => return Ok(()), // the server is gone
            },
        }
    }
}

/// What the connection's task reads through: it ends a line longer than
/// `limit` bytes (`lines()` buffers a line whole, so this bounds the
/// memory), and it hands `lines()` an end of stream instead of an error,
/// keeping the error in `failure` for the task. (futures-lite 2.6's `Lines`
/// trips a debug assertion when a read fails after part of a line, as a
/// reset connection does; the task drops such a cut line.)
struct LineGuard<R> {
    inner: R,
    limit: usize,
    /// The length of the line in progress (bytes since the last `\n`).
    run: usize,
    /// Set once: the read error or the over-long line that ended the input.
    failure: Rc<Cell<Option<io::Error>>>,
    ended: bool,
}

impl<R> LineGuard<R> {
    fn new(inner: R, limit: usize, failure: Rc<Cell<Option<io::Error>>>) -> Self {
        LineGuard {
            inner,
            limit,
            run: 0,
            failure,
            ended: false,
        }
    }

    /// Ends the input with `error`: `lines()` sees the end of the stream.
    fn fail(&mut self, error: io::Error) -> Poll<io::Result<usize>> {
        self.failure.set(Some(error));
        self.ended = true;
        Poll::Ready(Ok(0))
    }
}

impl<R: AsyncRead + Unpin> AsyncRead for LineGuard<R> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        if self.ended {
            return Poll::Ready(Ok(0));
        }
        let n = match ready!(Pin::new(&mut self.inner).poll_read(cx, buf)) {
            Ok(n) => n,
            Err(e) => return self.fail(e),
        };
        let mut pieces = buf[..n].split(|&b| b == b'\n');
        // The first piece continues the line in progress; each later one
        // starts a new line.
        let mut run = self.run + pieces.next().map_or(0, <[u8]>::len);
        let mut longest = run;
        for piece in pieces {
            run = piece.len();
            longest = longest.max(run);
        }
        self.run = run;
        if longest > self.limit {
            let limit = self.limit;
            return self.fail(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("a line longer than {limit} bytes"),
            ));
        }
        Poll::Ready(Ok(n))
    }
}

/// A scripted client of the demo: its address (the prefix the others see
/// on its lines), its two halves, and the lines it received.
struct Client {
    number: usize,
    addr: SocketAddr,
    lines: Lines<BufReader<OwnedReadHalf>>,
    write_half: OwnedWriteHalf,
    received: Vec<String>,
}

/// How many lines each demo client sends.
const LINES_EACH: usize = 3;

impl Client {
    /// Connects and waits for the welcome: after it, the server's task for
    /// this client is subscribed and the client misses no line.
    async fn join(server: SocketAddr, number: usize) -> io::Result<Client> {
        let conn = TcpStream::connect(server).await?;
        let addr = conn.local_addr()?;
        let (read_half, write_half) = conn.into_split();
        let mut client = Client {
            number,
            addr,
            lines: BufReader::new(read_half).lines(),
            write_half,
            received: Vec::new(),
        };
        let welcome = client.next_line().await?;
        if !welcome.starts_with("[server] welcome") {
            return Err(client.mismatch(format!("expected a welcome, got {welcome:?}")));
        }
        Ok(client)
    }

    /// The lines this client says.
    fn script(&self) -> Vec<String> {
        (1..=LINES_EACH)
            .map(|k| format!("line {k} from client {}", self.number))
            .collect()
    }

    /// Sends its script, one line after another.
    async fn send_script(&mut self) -> io::Result<()> {
        for line in self.script() {
            self.write_half
                .write_all(format!("{line}\n").as_bytes())
                .await?;
        }
        Ok(())
    }

    /// The next line from the server; end of stream is an error here.
    async fn next_line(&mut self) -> io::Result<String> {
        match self.lines.next().await {
            Some(line) => line,
            None => Err(self.mismatch("the server closed the connection early".into())),
        }
    }

    /// Receives `count` lines, printing them.
    async fn receive(&mut self, count: usize) -> io::Result<()> {
        for _ in 0..count {
            let line = self.next_line().await?;
            println!("[client {}] got: {line}", self.number);
            self.received.push(line);
        }
        Ok(())
    }

    /// Closes its sending side and reads to the end: the server must send
    /// nothing more, and close its side in turn.
    async fn leave(&mut self) -> io::Result<()> {
        self.write_half.shutdown()?;
        if let Some(extra) = self.lines.next().await {
            return Err(self.mismatch(format!("an extra line {:?}", extra?)));
        }
        Ok(())
    }

    /// Checks that the lines received are exactly the others' scripts, each
    /// in order and with its sender's address, and none of its own.
    fn check(&self, everyone: &[(SocketAddr, Vec<String>)]) -> io::Result<()> {
        for (addr, script) in everyone {
            let prefix = format!("{addr}: ");
            let from_them: Vec<&str> = self
                .received
                .iter()
                .filter_map(|line| line.strip_prefix(&prefix))
                .collect();
            let expected: Vec<&str> = if *addr == self.addr {
                Vec::new() // never its own lines
            } else {
                script.iter().map(String::as_str).collect()
            };
            if from_them != expected {
                return Err(self.mismatch(format!(
                    "from {addr} got {from_them:?}, expected {expected:?}"
                )));
            }
        }
        let expected_total = (everyone.len() - 1) * LINES_EACH;
        if self.received.len() != expected_total {
            return Err(self.mismatch(format!(
                "{} lines, expected {expected_total}: {:?}",
                self.received.len(),
                self.received
            )));
        }
        Ok(())
    }

    fn mismatch(&self, what: String) -> io::Error {
        io::Error::other(format!("client {}: {what}", self.number))
    }
}

/// The demo: three clients join, each says its lines, each checks what it
/// heard, then all leave.
async fn demo(server: SocketAddr) -> io::Result<()> {
    const CLIENTS: usize = 3;
    let mut clients = Vec::new();
    for result in runtime::join_all((1..=CLIENTS).map(|n| Client::join(server, n))).await {
        clients.push(result?);
    }
    let everyone: Vec<(SocketAddr, Vec<String>)> =
        clients.iter().map(|c| (c.addr, c.script())).collect();
    // Every client is welcomed before any speaks, so each hears all others.
    let heard = (CLIENTS - 1) * LINES_EACH;
    for result in runtime::join_all(clients.iter_mut().map(|c| async move {
        c.send_script().await?;
        c.receive(heard).await
    }))
    .await
    {
        result?;
    }
    for result in runtime::join_all(clients.iter_mut().map(Client::leave)).await {
        result?;
    }
    for client in &clients {
        client.check(&everyone)?;
    }
    Ok(())
}

fn main() {
    if let Err(e) = run() {
        eprintln!("04_chat_server: {e}");
        std::process::exit(1);
    }
}

fn run() -> io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let demo_mode = args.iter().any(|a| a == "--demo");
    let port = match args.iter().find(|a| !a.starts_with("--")) {
        Some(p) => p
            .parse::<u16>()
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, format!("port {p:?}: {e}")))?,
        None if demo_mode => 0,
        None => 7879,
    };
    runtime::block_on(async move {
        let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))?;
        let addr = listener.local_addr()?;
        println!("chat server on {addr}; try: nc 127.0.0.1 {}", addr.port());
        let (hub, _) = broadcast::channel(HISTORY);
        let server = runtime::spawn(serve(listener, hub));
        if !demo_mode {
            return server.await?;
        }
        timeout(Duration::from_secs(10), demo(addr)).await??;
        server.abort();
        println!("demo done: 3 clients, each heard exactly the other two");
        Ok(())
    })
}

//! [`ScriptedServer`]: a TCP server on plain std threads that answers each
//! connection by playing a script of raw [`Step`]s (`script.rs`) — write,
//! pause, trickle, flood, half-close, close, reset, abort, hold, peek — so
//! tests can be any server the client must survive, byte for byte, over
//! real loopback sockets.
//!
//! It shares nothing with the client's runtime: one listener thread accepts a
//! fixed number of connections, and one thread per connection reads the
//! request (head and `Content-Length` body, bounded), records it, and plays
//! the script chosen for it. Every wait is bounded — socket timeouts, a stop
//! flag checked at least every 50 ms, and `script::MAX_HOLD` — and dropping the
//! server stops and joins every thread, so no test can leave one blocked.

use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, mpsc};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use super::script::{Received, Step, serve};

/// What happened on one accepted connection.
#[derive(Debug, Clone, Default)]
pub struct Seen {
    /// The request read before the script started.
    pub request: Received,
    /// Response bytes the script managed to write.
    pub written: u64,
    /// A step saw the client close or reset the connection.
    pub client_closed: bool,
    /// The connection's thread is done.
    pub finished: bool,
}

type Script = dyn Fn(&Received) -> Vec<Step> + Send + Sync;

/// State shared by the listener thread, the connection threads and the test.
pub(super) struct Shared {
    /// Set to make every thread wind down at its next check.
    pub(super) stop: AtomicBool,
    /// One entry per accepted connection, in accept order.
    pub(super) seen: Mutex<Vec<Seen>>,
    /// The connection threads, joined when the server stops.
    threads: Mutex<Vec<JoinHandle<()>>>,
    /// Whether connection threads read the request before the script.
    pub(super) read_request: bool,
    /// Picks each connection's steps from its request.
    pub(super) script: Box<Script>,
}

/// A running scripted server; stops and joins its threads when dropped.
pub struct ScriptedServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    listener: Option<JoinHandle<()>>,
}

impl ScriptedServer {
    /// Serves `connections` connections on 127.0.0.1, each with the steps
    /// `script` picks for the request it read.
    pub fn start(
        connections: usize,
        script: impl Fn(&Received) -> Vec<Step> + Send + Sync + 'static,
    ) -> ScriptedServer {
        let addr = SocketAddr::from(([127, 0, 0, 1], 0));
        ScriptedServer::bind(addr, connections, true, script).expect("binding 127.0.0.1:0")
    }

    /// Serves one connection with `steps`, whatever the request.
    pub fn once(steps: Vec<Step>) -> ScriptedServer {
        ScriptedServer::start(1, move |_| steps.clone())
    }

    /// Serves one connection with `steps` without reading the request first,
    /// so that closing the socket resets the connection ([`Step::Reset`]).
    pub fn unread(steps: Vec<Step>) -> ScriptedServer {
        let addr = SocketAddr::from(([127, 0, 0, 1], 0));
        ScriptedServer::bind(addr, 1, false, move |_| steps.clone()).expect("binding 127.0.0.1:0")
    }

    /// The general form: any address (`[::1]:0` for IPv6), and whether to
    /// read the request before playing the script.
    pub fn bind(
        addr: SocketAddr,
        connections: usize,
        read_request: bool,
        script: impl Fn(&Received) -> Vec<Step> + Send + Sync + 'static,
    ) -> io::Result<ScriptedServer> {
        let listener = TcpListener::bind(addr)?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            stop: AtomicBool::new(false),
            seen: Mutex::new(Vec::new()),
            threads: Mutex::new(Vec::new()),
            read_request,
            script: Box::new(script),
        });
        let for_listener = shared.clone();
        let listener = thread::Builder::new()
            .name(format!("scripted server {addr}"))
            .spawn(move || accept_loop(listener, connections, for_listener))?;
        Ok(ScriptedServer {
            addr,
            shared,
            listener: Some(listener),
        })
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

    /// What happened on each connection so far, in accept order.
    pub fn seen(&self) -> Vec<Seen> {
        lock(&self.shared.seen).clone()
    }

    /// Waits up to `grace` for the script of every connection accepted so
    /// far to end by itself, then stops the server (connections not yet
    /// accepted are refused) and returns what happened on each connection.
    pub fn finish(mut self, grace: Duration) -> Vec<Seen> {
        let deadline = Instant::now() + grace;
        while Instant::now() < deadline && !self.all_finished() {
            thread::sleep(Duration::from_millis(5));
        }
        self.stop();
        self.seen()
    }

    fn all_finished(&self) -> bool {
        lock(&self.shared.seen).iter().all(|seen| seen.finished)
    }

    /// Stops accepting, makes every step give up, and joins every thread.
    fn stop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        if let Some(listener) = self.listener.take() {
            if !listener.is_finished() {
                // Wake the blocking accept; it sees the stop flag. If this
                // fails the listener has just exited on its own.
                let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
            }
            let _ = listener.join(); // a panic there already failed an assertion elsewhere
        }
        let threads = std::mem::take(&mut *lock(&self.shared.threads));
        for thread in threads {
            let _ = thread.join();
        }
    }
}

impl Drop for ScriptedServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Accepts `connections` connections, or until stopped, and hands each to
/// a thread of its own. Accepting does nothing else, so that a burst of
/// connections does not overflow std's fixed backlog of 128 (a dropped SYN
/// costs the client a 1 s retransmission); the threads are started on a
/// second thread.
fn accept_loop(listener: TcpListener, connections: usize, shared: Arc<Shared>) {
    let (accepted, to_start) = mpsc::channel::<(TcpStream, usize)>();
    let for_starter = shared.clone();
    let starter = thread::spawn(move || {
        for (stream, index) in to_start {
            let shared = for_starter.clone();
            let thread = thread::Builder::new()
                .name(format!("scripted connection {index}"))
                .stack_size(256 * 1024)
                .spawn(move || {
                    serve(stream, index, &shared);
                    lock(&shared.seen)[index].finished = true;
                })
                .expect("spawning a connection thread");
            lock(&for_starter.threads).push(thread);
        }
    });
    for _ in 0..connections {
        let stream = match listener.accept() {
            Ok((stream, _)) => stream,
            Err(_) if shared.stop.load(Ordering::SeqCst) => break,
            Err(_) => continue, // a connection that died in the queue
        };
        if shared.stop.load(Ordering::SeqCst) {
            break;
        }
        let index = {
            let mut seen = lock(&shared.seen);
            seen.push(Seen::default());
            seen.len() - 1
        };
        if accepted.send((stream, index)).is_err() {
            break; // the starter panicked; the test fails on its own
        }
    }
    drop(accepted);
    let _ = starter.join();
}

/// Locks a mutex, ignoring poisoning: a panicking test thread must not hide
/// the server's record from the assertion that reports it.
pub(super) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

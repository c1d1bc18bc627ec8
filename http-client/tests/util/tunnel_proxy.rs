//! [`TunnelProxy`]: the smallest proxy that opens `CONNECT` tunnels, for
//! the proxy tests that need bytes to really flow through one (TLS with
//! the origin inside it) without a proxy installed. Whatever host the
//! `CONNECT` names, the tunnel leads to one fixed address, so the tests can
//! use names that resolve nowhere and still reach their own server.
//!
//! Plain std threads: a listener thread for a fixed number of connections,
//! and for each a thread that reads the `CONNECT` head (bounded), answers
//! 200, and copies bytes both ways until either side closes. Every wait is
//! bounded by socket timeouts and a stop flag; dropping the proxy stops and
//! joins every thread.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use super::server::lock;

/// How often blocked threads look at the stop flag.
const POLL: Duration = Duration::from_millis(50);
/// The longest a tunnel stays open.
const MAX_TUNNEL: Duration = Duration::from_secs(20);

/// A running tunnelling proxy on 127.0.0.1.
pub struct TunnelProxy {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    /// The `CONNECT` request heads received, in order.
    heads: Arc<Mutex<Vec<String>>>,
    threads: Arc<Mutex<Vec<JoinHandle<()>>>>,
    listener: Option<JoinHandle<()>>,
}

impl TunnelProxy {
    /// Tunnels up to `connections` connections to `upstream`.
    pub fn start(upstream: SocketAddr, connections: usize) -> TunnelProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binding 127.0.0.1:0");
        let addr = listener.local_addr().unwrap();
        listener.set_nonblocking(true).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let heads = Arc::new(Mutex::new(Vec::new()));
        let threads = Arc::new(Mutex::new(Vec::new()));
        let (s, h, t) = (stop.clone(), heads.clone(), threads.clone());
        let listener = thread::spawn(move || {
            let mut accepted = 0;
            while accepted < connections && !s.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((client, _)) => {
                        accepted += 1;
                        let (s, h) = (s.clone(), h.clone());
                        lock(&t).push(thread::spawn(move || tunnel(client, upstream, &s, &h)));
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => {
                        thread::sleep(Duration::from_millis(5))
                    }
                    Err(_) => return,
                }
            }
        });
        TunnelProxy {
            addr,
            stop,
            heads,
            threads,
            listener: Some(listener),
        }
    }

    /// `http://127.0.0.1:PORT`, the proxy URL.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The `CONNECT` heads received so far.
    pub fn heads(&self) -> Vec<String> {
        lock(&self.heads).clone()
    }
}

impl Drop for TunnelProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(listener) = self.listener.take() {
            let _ = listener.join();
        }
        for thread in std::mem::take(&mut *lock(&self.threads)) {
            let _ = thread.join();
        }
    }
}

/// Serves one connection: the `CONNECT`, the 200, then the copying.
fn tunnel(
    mut client: TcpStream,
    upstream: SocketAddr,
    stop: &AtomicBool,
    heads: &Mutex<Vec<String>>,
) {
    let _ = client.set_read_timeout(Some(POLL));
    let deadline = Instant::now() + MAX_TUNNEL;
    let mut head = Vec::new();
    let mut byte = [0; 1];
    // Byte by byte, so that nothing after the head is taken from the client.
    while !head.ends_with(b"\r\n\r\n") {
        if stop.load(Ordering::SeqCst) || Instant::now() > deadline || head.len() > 8192 {
            return;
        }
        match client.read(&mut byte) {
            Ok(0) => return,
            Ok(_) => head.push(byte[0]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => return,
        }
    }
    lock(heads).push(String::from_utf8_lossy(&head).into_owned());
    let Ok(server) = TcpStream::connect(upstream) else {
        let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n");
        return;
    };
    if client
        .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
        .is_err()
    {
        return;
    }
    let (Ok(client2), Ok(server2)) = (client.try_clone(), server.try_clone()) else {
        return;
    };
    thread::scope(|scope| {
        scope.spawn(|| copy(client2, server2, stop, deadline));
        copy(server, client, stop, deadline);
    });
}

/// Copies `from` to `to` until `from` ends, then half-closes `to`.
fn copy(mut from: TcpStream, mut to: TcpStream, stop: &AtomicBool, deadline: Instant) {
    let _ = from.set_read_timeout(Some(POLL));
    let mut buf = [0; 16 * 1024];
    while !stop.load(Ordering::SeqCst) && Instant::now() < deadline {
        match from.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => break,
        }
    }
    let _ = to.shutdown(Shutdown::Write);
}

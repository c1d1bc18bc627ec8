//! [`Scripted`]: a std server on 127.0.0.1 whose replies a test writes as
//! steps (send these bytes, sleep this long), one thread per connection,
//! counting connections and the most open at once and keeping the request
//! heads — for retries, per-host limits, truncated bodies, slow trickles,
//! and the headers a flag should send.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// One step of a scripted reply.
#[derive(Debug, Clone)]
pub enum Step {
    Send(Vec<u8>),
    Sleep(Duration),
}

/// `HTTP/1.0 {status} X` with a `Content-Length` body.
pub fn reply(status: u16, body: &[u8]) -> Vec<Step> {
    reply_with(status, "", body)
}

/// As [`reply`], with header `fields` (each ending in `\r\n`) before
/// `Content-Length`.
pub fn reply_with(status: u16, fields: &str, body: &[u8]) -> Vec<Step> {
    let mut bytes = format!(
        "HTTP/1.0 {status} Scripted\r\n{fields}Content-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    bytes.extend_from_slice(body);
    vec![Step::Send(bytes)]
}

type Handler = dyn Fn(usize, &str) -> Vec<Step> + Send + Sync;

/// A std server on 127.0.0.1: for the n-th connection (from 0) and the
/// request's path (or its whole head), the handler says what to send; then it closes. Counts
/// connections and the most open at once. Stops when dropped (and after
/// two minutes in any case).
pub struct Scripted {
    addr: SocketAddr,
    connections: Arc<AtomicUsize>,
    max_open: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    heads: Arc<Mutex<Vec<String>>>,
}

impl Scripted {
    pub fn start(handler: impl Fn(usize, &str) -> Vec<Step> + Send + Sync + 'static) -> Scripted {
        Scripted::start_with_head(move |n, head| {
            let path = head.split(' ').nth(1).unwrap_or("/");
            handler(n, path)
        })
    }

    /// As [`start`](Scripted::start), the handler seeing the whole request
    /// head (request line and headers) rather than the path.
    pub fn start_with_head(
        handler: impl Fn(usize, &str) -> Vec<Step> + Send + Sync + 'static,
    ) -> Scripted {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binding 127.0.0.1:0");
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let handler: Arc<Handler> = Arc::new(handler);
        let connections = Arc::new(AtomicUsize::new(0));
        let max_open = Arc::new(AtomicUsize::new(0));
        let open = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let heads = Arc::new(Mutex::new(Vec::new()));
        {
            let (connections, max_open, stop, heads) = (
                connections.clone(),
                max_open.clone(),
                stop.clone(),
                heads.clone(),
            );
            thread::spawn(move || {
                let deadline = Instant::now() + Duration::from_secs(120);
                while !stop.load(Ordering::Relaxed) && Instant::now() < deadline {
                    let Ok((stream, _)) = listener.accept() else {
                        thread::sleep(Duration::from_millis(2));
                        continue;
                    };
                    let n = connections.fetch_add(1, Ordering::SeqCst);
                    let now = open.fetch_add(1, Ordering::SeqCst) + 1;
                    max_open.fetch_max(now, Ordering::SeqCst);
                    let (handler, open, heads) = (handler.clone(), open.clone(), heads.clone());
                    thread::spawn(move || {
                        serve(stream, n, &*handler, &heads);
                        open.fetch_sub(1, Ordering::SeqCst);
                    });
                }
            });
        }
        Scripted {
            addr,
            connections,
            max_open,
            stop,
            heads,
        }
    }

    /// The request heads received so far, in order of arrival.
    pub fn heads(&self) -> Vec<String> {
        self.heads.lock().unwrap().clone()
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    pub fn max_open(&self) -> usize {
        self.max_open.load(Ordering::SeqCst)
    }
}

impl Drop for Scripted {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn serve(mut stream: TcpStream, n: usize, handler: &Handler, heads: &Mutex<Vec<String>>) {
    stream.set_nonblocking(false).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut request = Vec::new();
    let mut buf = [0; 4096];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend_from_slice(&buf[..n]),
        }
    }
    let head = String::from_utf8_lossy(&request).into_owned();
    heads.lock().unwrap().push(head.clone());
    for step in handler(n, &head) {
        match step {
            // The client may be gone (a timeout, a closed pipe): stop.
            Step::Send(bytes) => {
                if stream.write_all(&bytes).is_err() {
                    return;
                }
            }
            Step::Sleep(d) => thread::sleep(d),
        }
    }
}

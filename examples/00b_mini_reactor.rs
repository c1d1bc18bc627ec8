//! The middle rung: `00_minimal_executor` plus what it lacked, a reactor (a `polling::Poller`), a
//! `BTreeMap` of timers and a `Readable` future, serving an echo to a scripted client on a std
//! thread. Every wait prints what it returned, so the three ways a poller reports readiness show:
//!
//! ```text
//! cargo run --example 00b_mini_reactor -- --mode level     # reported at every wait until read (the seed's select())
//! cargo run --example 00b_mini_reactor -- --mode edge      # reported once per arrival (the runtime's mode)
//! cargo run --example 00b_mini_reactor -- --mode oneshot   # reported once, then nothing until re-armed
//! cargo run --example 00b_mini_reactor -- --mode edge --no-drain   # stalls, and says why
//! ```
//!
//! The server reads at most 8 bytes per `read` and, after each message, works for 20 ms (a timer)
//! while the client's next message arrives: the waits of that sleep show the difference. With
//! `--no-drain` it waits for readiness after each `read` instead of reading until `WouldBlock`. It
//! exits 0 when every echo came back, 1 when the echo stalled (no event for 2 s).

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, VecDeque};
use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};
use std::{pin::Pin, process::ExitCode, thread};

use polling::{Event, Events, PollMode, Poller};

const KEY: usize = 7; // the connection's key in the poller: its events come back with it
const MESSAGES: &str = "one, two, three\nfour, five, six\nseven, eight!\n"; // 3 writes, 5 ms apart
const STALL: Duration = Duration::from_secs(2); // a wait with nothing to wait for ends here

/// The reactor: the poller, the task waiting to read, the timers (by deadline, then by number).
struct Reactor {
    poller: Poller,
    mode: PollMode,
    reader: RefCell<Option<Waker>>,
    timers: RefCell<BTreeMap<(Instant, u64), Waker>>,
    waits: Cell<u32>,
    last: RefCell<(String, u32)>, // the previous wait's report, and how often it repeated
}

impl Reactor {
    /// One `epoll_wait`: until the next timer (or `STALL`); wakes what it reports. `false`: a
    /// stall, nothing happened and nothing will.
    fn wait(&self) -> bool {
        let next = self.timers.borrow().keys().next().map(|&(at, _)| at);
        let timeout = next.map_or(STALL, |at| at.saturating_duration_since(Instant::now()));
        let mut events = Events::new();
        self.poller.wait(&mut events, Some(timeout)).expect("wait");
        let mut report = Vec::new();
        for _ in events.iter().filter(|e| e.key == KEY && e.readable) {
            let waiting = self.reader.borrow_mut().take();
            report.push(match (&waiting, self.mode) {
                (Some(_), _) => "socket readable: wakes the server",
                (None, PollMode::Oneshot) => "socket readable, nobody waits; now disarmed",
                (None, _) => "socket readable, but nobody waits",
            });
            if let Some(waker) = waiting {
                waker.wake();
            }
        }
        let now = Instant::now();
        let later = self.timers.borrow_mut().split_off(&(now, u64::MAX)); // deadlines > now
        for waker in self.timers.replace(later).into_values() {
            report.push("timer due: wakes the server");
            waker.wake();
        }
        self.print(report.join("; "));
        next.is_some() || !events.is_empty()
    }

    /// Prints a wait's report; the same report again only counts (level mode repeats itself).
    fn print(&self, mut report: String) {
        if report.is_empty() {
            report.push_str("nothing");
        }
        let n = self.waits.get() + 1;
        self.waits.set(n);
        let mut last = self.last.borrow_mut();
        if report == last.0 && !report.contains("wakes") {
            last.1 += 1;
            return;
        }
        drop(last);
        self.flush();
        println!("  wait {n:4}: {report}");
        *self.last.borrow_mut() = (report, 0);
    }

    fn flush(&self) {
        let repeats = std::mem::take(&mut self.last.borrow_mut().1);
        if repeats > 0 {
            println!("             ... and {repeats} more waits like it");
        }
    }
}

/// Ready once the socket has been reported readable since this future first waited.
struct Readable<'a>(&'a Reactor, &'a TcpStream, bool);
impl Future for Readable<'_> {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let (reactor, waiting) = (self.0, self.2);
        if waiting && reactor.reader.borrow().is_none() {
            return Poll::Ready(()); // the reactor took our waker: an event came
        }
        if !waiting && reactor.mode == PollMode::Oneshot {
            println!("  (re-arm: epoll_ctl MOD, the oneshot source listens again)");
            reactor
                .poller
                .modify_with_mode(self.1, Event::readable(KEY), PollMode::Oneshot)
                .unwrap();
        }
        *reactor.reader.borrow_mut() = Some(cx.waker().clone());
        self.2 = true;
        Poll::Pending
    }
}

/// Ready at or after `at`: a timer in the reactor's map until then.
struct Sleep<'a>(&'a Reactor, Instant, u64);
impl Future for Sleep<'_> {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if Instant::now() >= self.1 {
            return Poll::Ready(()); // a timer that fired was removed from the map
        }
        let mut timers = self.0.timers.borrow_mut();
        timers.insert((self.1, self.2), cx.waker().clone());
        Poll::Pending
    }
}

/// The echo: read what came (until `WouldBlock`, or once with `--no-drain`), send it back.
async fn serve(reactor: &Reactor, mut conn: &TcpStream, drain: bool, read: &Cell<usize>) {
    let (mut buf, mut pending, mut timers) = ([0u8; 8], Vec::new(), 0);
    loop {
        match conn.read(&mut buf) {
            Ok(0) => return println!("server: end of stream after {} bytes", read.get()),
            Ok(n) => {
                read.set(read.get() + n);
                pending.extend_from_slice(&buf[..n]);
                println!("server: read {n} bytes");
                if !drain {
                    if pending.ends_with(b"\n") {
                        conn.write_all(&pending)
                            .expect("a few bytes fit in the send buffer");
                        pending.clear();
                    }
                    Readable(reactor, conn, false).await; // wait for readiness before reading on
                }
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock && pending.is_empty() => {
                Readable(reactor, conn, false).await; // drained: only now wait
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                println!("server: WouldBlock, drained; works 20 ms (a timer), then echoes");
                timers += 1;
                Sleep(reactor, Instant::now() + Duration::from_millis(20), timers).await;
                conn.write_all(&pending)
                    .expect("a few bytes fit in the send buffer");
                pending.clear(); // and read on: try first, the next message may be there
            }
            Err(e) => panic!("read: {e}"),
        }
    }
}

/// `00_minimal_executor`'s executor, with the reactor's `wait` where it parked.
type Task<'a> = Pin<Box<dyn Future<Output = ()> + 'a>>;
struct TaskWaker(usize, Arc<Mutex<VecDeque<usize>>>); // only wakes from this thread: no notify
impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.1.lock().unwrap().push_back(self.0);
    }
}
fn block_on(reactor: &Reactor, tasks: Vec<Task<'_>>) -> bool {
    let queue = Arc::new(Mutex::new((0..tasks.len()).collect::<VecDeque<_>>()));
    let mut tasks: Vec<_> = tasks.into_iter().map(Some).collect();
    while tasks.iter().any(Option::is_some) {
        let Some(id) = queue.lock().unwrap().pop_front() else {
            if !reactor.wait() {
                return false; // stalled: nothing runnable, no timer, no event
            }
            continue;
        };
        let waker = Waker::from(Arc::new(TaskWaker(id, queue.clone())));
        let cx = &mut Context::from_waker(&waker);
        drop(tasks[id].take_if(|task| task.as_mut().poll(cx).is_ready()));
    }
    true
}

/// The scripted client: the messages 5 ms apart, then every echo back, then close.
fn client(addr: std::net::SocketAddr) -> std::io::Result<()> {
    let mut conn = TcpStream::connect(addr)?;
    for message in MESSAGES.split_inclusive('\n') {
        conn.write_all(message.as_bytes())?;
        thread::sleep(Duration::from_millis(5));
    }
    conn.set_read_timeout(Some(STALL + Duration::from_secs(1)))?;
    let mut echo = vec![0; MESSAGES.len()];
    conn.read_exact(&mut echo)?;
    println!("client: every echo came back");
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mode = args
        .iter()
        .position(|a| a == "--mode")
        .map(|i| args.get(i + 1).map(String::as_str));
    let mode = match mode {
        None | Some(Some("edge")) => PollMode::Edge,
        Some(Some("level")) => PollMode::Level,
        Some(Some("oneshot")) => PollMode::Oneshot,
        Some(_) => {
            eprintln!("usage: 00b_mini_reactor [--mode level|edge|oneshot] [--no-drain]");
            return ExitCode::from(2);
        }
    };
    let drain = !args.iter().any(|a| a == "--no-drain");
    let how = ["one read per readiness", "read until WouldBlock"][usize::from(drain)];
    println!("mode {mode:?}, {how}");
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    let addr = listener.local_addr().expect("the listener's address");
    let client = thread::spawn(move || client(addr));
    let (conn, _) = listener.accept().expect("the client connects");
    conn.set_nonblocking(true).expect("a non-blocking socket");
    let poller = Poller::new().expect("a poller");
    // SAFETY: `conn` is deleted from the poller below, before it is closed.
    unsafe { poller.add_with_mode(&conn, Event::readable(KEY), mode) }.expect("register");
    let (reader, timers, waits, last) = Default::default();
    let reactor = Reactor {
        poller,
        mode,
        reader,
        timers,
        waits,
        last,
    };
    let read = Cell::new(0);
    let finished = block_on(
        &reactor,
        vec![Box::pin(serve(&reactor, &conn, drain, &read))],
    );
    reactor.flush();
    reactor.poller.delete(&conn).expect("deregister");
    if !finished {
        let (sent, read) = (MESSAGES.len(), read.get());
        println!(
            "stalled: no event for {STALL:?}; the client sent {sent} bytes, the server read {read}."
        );
        println!("The rest waits in the socket, but edge mode reports arrivals, not data left");
        println!(
            "behind: read until WouldBlock before waiting (the runtime's `poll_io`, chapter 4)."
        );
        return ExitCode::from(1);
    }
    match client.join().expect("the client does not panic") {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("client: {e}");
            ExitCode::from(1)
        }
    }
}

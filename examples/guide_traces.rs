//! `guide_traces`: the pictures of the runtime's guide. Each runs one concept on a runtime with
//! tracing on and draws what the runtime did with the project's trace renderer (`trace_svg`),
//! one timeline per chapter, into `runtime/docs/guide/NAME.svg`. Beside each picture goes
//! `NAME.txt`, its event sequence: each task's spawn, wakes and polls in order, then the
//! reactor's socket events and timers, with the times left out and repeats folded. That text is
//! what CI compares: timings differ from run to run, the sequence does not.
//!
//! ```text
//! cargo run --release --example guide_traces              # rewrites runtime/docs/guide/
//! cargo run --release --example guide_traces -- --check   # exit 1 if a committed picture is stale
//! cargo run --release --example guide_traces -- out/      # writes into out/ instead
//! ```

use std::collections::{BTreeMap, HashMap};
use std::error::Error;
use std::future::Future;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::process::ExitCode;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use std::{cell::Cell, net, thread};

use runtime::net::{TcpListener, TcpStream};
use runtime::sync::mpsc;
use runtime::time::{sleep, timeout};
use runtime::trace::{MAIN_TASK, TraceEvent, TraceKind};
use runtime::{JoinHandle, Runtime};

type Result<T> = std::result::Result<T, Box<dyn Error>>;

/// A traced run: its events and the names of its tasks.
struct Traced {
    events: Vec<TraceEvent>,
    names: HashMap<u64, String>,
}

/// One picture: its file name (without extension), its title, and the run it draws.
struct Picture {
    name: &'static str,
    title: &'static str,
    run: fn() -> Result<Vec<Traced>>,
}

const PICTURES: &[Picture] = &[
    Picture {
        name: "ch1_the_contract",
        title: "Ch. 1: a future that wakes itself (polled at once), then one that arranges no wake (only its timeout's timer comes)",
        run: ch1_the_contract,
    },
    Picture {
        name: "ch2_remote_wake",
        title: "Ch. 2: a task's waker, called by another thread, ends the park",
        run: ch2_remote_wake,
    },
    Picture {
        name: "ch3_busy_task_and_timer",
        title: "Ch. 3: a task that never stops, and a 3 ms timer that fires anyway",
        run: ch3_busy_task_and_timer,
    },
    Picture {
        name: "ch4_socket_edge",
        title: "Ch. 4: a read waits; the peer's write is one edge, which wakes it",
        run: ch4_socket_edge,
    },
    Picture {
        name: "ch5_timeout_cancels",
        title: "Ch. 5: a 10 ms timeout cuts a read short; a sleep beats its 50 ms timeout",
        run: ch5_timeout_cancels,
    },
    Picture {
        name: "ch6_blocking",
        title: "Ch. 6: thread::sleep(20 ms) stalls every task; spawn_blocking(20 ms) stalls none",
        run: ch6_blocking,
    },
    Picture {
        name: "ch7_three_requests",
        title: "Ch. 7: the seed's three requests as tasks: a response, a timeout, a refusal",
        run: ch7_three_requests,
    },
    Picture {
        name: "ch8_channel_handoff",
        title: "Ch. 8: a bounded channel (capacity 1) hands each message over and wakes the sender",
        run: ch8_channel_handoff,
    },
    Picture {
        name: "ch9_two_cores",
        title: "Ch. 9: two threads, a runtime each, talking through channels",
        run: ch9_two_cores,
    },
    Picture {
        name: "ch10_join_set_and_signal",
        title: "Ch. 10: a JoinSet's tasks come out as they finish; a signal wakes its listener through a pipe",
        run: ch10_join_set_and_signal,
    },
];

fn main() -> ExitCode {
    let mut check = false;
    let mut dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/runtime/docs/guide"));
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--check" => check = true,
            "-h" | "--help" => {
                println!("usage: guide_traces [--check] [DIR]");
                return ExitCode::SUCCESS;
            }
            other => dir = PathBuf::from(other),
        }
    }
    match if check {
        check_all(&dir)
    } else {
        write_all(&dir)
    } {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("guide_traces: {e}");
            ExitCode::from(2)
        }
    }
}

/// The pictures and their texts, one per traced runtime (`_1`, `_2` when a run has several).
fn render(picture: &Picture) -> Result<Vec<(String, String, String)>> {
    let runs = (picture.run)()?;
    let several = runs.len() > 1;
    Ok(runs
        .iter()
        .enumerate()
        .map(|(i, run)| {
            let name = match several {
                true => format!("{}_{}", picture.name, i),
                false => picture.name.to_string(),
            };
            let title = match several {
                true => format!("{} (core {i})", picture.title),
                false => picture.title.to_string(),
            };
            let svg = handroll::trace_svg(&run.events, &run.names, &title);
            let text = outline(&name, &run.events, &run.names);
            (name, svg, text)
        })
        .collect())
}

fn write_all(dir: &Path) -> Result<bool> {
    std::fs::create_dir_all(dir)?;
    for picture in PICTURES {
        for (name, svg, text) in render(picture)? {
            // Without the XML declaration: the guide inlines the picture in its HTML.
            let svg = svg
                .split_once("?>\n")
                .map_or(svg.as_str(), |(_, rest)| rest);
            std::fs::write(dir.join(format!("{name}.svg")), svg)?;
            std::fs::write(dir.join(format!("{name}.txt")), text)?;
            println!("wrote {}", dir.join(format!("{name}.svg")).display());
        }
    }
    Ok(true)
}

/// Compares each run's event sequence with the committed one. A run whose timing let an
/// unusual order through is tried again (three times in all) before it counts as stale.
fn check_all(dir: &Path) -> Result<bool> {
    let mut fresh = true;
    for picture in PICTURES {
        let mut attempt = 1;
        let stale = loop {
            let mut stale = Vec::new();
            for (name, _, text) in render(picture)? {
                let path = dir.join(format!("{name}.txt"));
                let committed = std::fs::read_to_string(&path).unwrap_or_default();
                if committed != text || !dir.join(format!("{name}.svg")).exists() {
                    stale.push((path, committed, text));
                }
            }
            if stale.is_empty() || attempt == 3 {
                break stale;
            }
            attempt += 1;
        };
        for (path, committed, text) in &stale {
            fresh = false;
            println!(
                "stale: {} (run `cargo run --release --example guide_traces`)",
                path.display()
            );
            let (old, new): (Vec<_>, Vec<_>) =
                (committed.lines().collect(), text.lines().collect());
            for (i, line) in new.iter().enumerate() {
                if old.get(i) != Some(line) {
                    println!(
                        "  line {}: committed {:?}\n  line {}: now       {line:?}",
                        i + 1,
                        old.get(i),
                        i + 1
                    );
                    break;
                }
            }
        }
        match (stale.is_empty(), attempt) {
            (true, 1) => println!("{}: current", picture.name),
            (true, n) => println!(
                "{}: current (on try {n}: timing let another order through)",
                picture.name
            ),
            (false, _) => {}
        }
    }
    std::io::stdout().flush()?;
    Ok(fresh)
}

/// The event sequence of a run, as text: per task (in id order) its spawn, wakes and polls; then
/// the reactor's socket events and timers. Times are left out and a run of repeated lines (up to
/// 8 lines long) is kept once, followed by `(repeated)`, so the text does not depend on timing.
fn outline(name: &str, events: &[TraceEvent], names: &HashMap<u64, String>) -> String {
    let label = |task: u64| match task {
        MAIN_TASK => "main".to_string(),
        id => format!("task {id}"),
    };
    let mut lanes: BTreeMap<u64, Vec<String>> = BTreeMap::new();
    let mut reactor = Vec::new();
    let mut polling = None;
    for event in events {
        match event.kind {
            TraceKind::Spawn { task } => {
                let by = polling.map_or("spawned".into(), |p| format!("spawned by {}", label(p)));
                lanes.entry(task).or_default().push(by);
            }
            TraceKind::PollStart { task } => polling = Some(task),
            TraceKind::PollEnd { task, ready } => {
                let result = if ready { "Ready" } else { "Pending" };
                lanes
                    .entry(task)
                    .or_default()
                    .push(format!("poll -> {result}"));
                polling = None;
            }
            TraceKind::Wake { task, by } => lanes
                .entry(task)
                .or_default()
                .push(format!("woken by {by}")),
            TraceKind::SocketReady {
                source,
                readable,
                writable,
            } => {
                let what = match (readable, writable) {
                    (true, true) => "readable+writable",
                    (true, false) => "readable",
                    _ => "writable",
                };
                reactor.push(format!("socket #{source} {what}"));
            }
            TraceKind::TimerFired { .. } => reactor.push("timer fired".into()),
            _ => {} // parks and checks: how many depends on timing
        }
    }
    let mut text = format!(
        "# {name}.svg, its event sequence: each task's spawn, wakes and polls, then the\n\
         # reactor's socket events and timers; no times, repeats folded (examples/guide_traces.rs)\n"
    );
    for (task, lines) in lanes {
        let named = names.get(&task).map_or(String::new(), |n| format!(": {n}"));
        text.push_str(&format!("{}{named}\n", label(task)));
        fold(lines)
            .iter()
            .for_each(|l| text.push_str(&format!("  {l}\n")));
    }
    text.push_str("reactor\n");
    fold(reactor)
        .iter()
        .for_each(|l| text.push_str(&format!("  {l}\n")));
    text
}

/// Keeps one copy of each run of repeated lines (or groups of up to 8 lines), marked.
fn fold(mut lines: Vec<String>) -> Vec<String> {
    const MARK: &str = "(repeated)";
    loop {
        let mut out = Vec::new();
        let mut i = 0;
        'next: while i < lines.len() {
            for period in 1..=8 {
                let unit = &lines[i..(i + period).min(lines.len())];
                let mut copies = 1;
                while lines.get(i + copies * period..i + (copies + 1) * period) == Some(unit) {
                    copies += 1;
                }
                if copies > 1 {
                    out.extend_from_slice(unit);
                    if unit.last().map(String::as_str) != Some(MARK) {
                        out.push(MARK.to_string());
                    }
                    i += copies * period;
                    continue 'next;
                }
            }
            out.push(lines[i].clone());
            i += 1;
        }
        if out == lines {
            return lines;
        }
        lines = out;
    }
}

/// A runtime with tracing on, the run, and the names: `f` returns (task id, name) pairs.
fn traced<F, Fut>(f: F) -> Result<Vec<Traced>>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<Vec<(u64, &'static str)>>>,
{
    let rt = Runtime::builder().trace(true).build()?;
    let names = rt.block_on(f())?;
    let events = rt.take_trace();
    let names = names
        .into_iter()
        .map(|(id, n)| (id, n.to_string()))
        .collect();
    Ok(vec![Traced { events, names }])
}

/// Chapter 1's countdown: `Pending` (after waking itself) `0` times, then `Ready`.
struct Countdown(u32);
impl Future for Countdown {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 == 0 {
            return Poll::Ready(());
        }
        self.0 -= 1;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// Chapter 1's broken future: `Pending`, and no wake arranged.
struct Forgetful;
impl Future for Forgetful {
    type Output = ();
    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        Poll::Pending
    }
}

fn ch1_the_contract() -> Result<Vec<Traced>> {
    traced(|| async {
        Countdown(3).await;
        let elapsed = timeout(Duration::from_millis(20), Forgetful).await;
        assert!(elapsed.is_err());
        Ok(vec![(
            MAIN_TASK,
            "Countdown(3), then timeout(20 ms, Forgetful)",
        )])
    })
}

fn ch2_remote_wake() -> Result<Vec<Traced>> {
    traced(|| async {
        let task = runtime::spawn(async {
            let done = Arc::new(AtomicBool::new(false));
            let mut helper = None;
            runtime::poll_fn(|cx| {
                if done.load(Ordering::Acquire) {
                    return Poll::Ready(());
                }
                let (done, waker) = (done.clone(), cx.waker().clone());
                helper.get_or_insert_with(|| {
                    thread::spawn(move || {
                        thread::sleep(Duration::from_millis(10));
                        done.store(true, Ordering::Release);
                        waker.wake(); // not the runtime's thread: the remote path
                    })
                });
                Poll::Pending // the helper thread holds our waker
            })
            .await;
            if let Some(helper) = helper {
                helper.join().expect("the helper does not panic");
            }
        });
        let id = task.id();
        task.await?;
        Ok(vec![
            (MAIN_TASK, "awaits task 1"),
            (id, "waker given to a thread (10 ms)"),
        ])
    })
}

/// Busy for `d`, on the thread (the stand-in for real work).
fn work(d: Duration) {
    let start = Instant::now();
    while start.elapsed() < d {
        std::hint::spin_loop();
    }
}

fn ch3_busy_task_and_timer() -> Result<Vec<Traced>> {
    traced(|| async {
        // A registered socket, so that the runtime's looks at the reactor are real waits.
        let _listener = TcpListener::bind("127.0.0.1:0")?;
        let stop = Rc::new(Cell::new(false));
        let busy = runtime::spawn({
            let stop = stop.clone();
            async move {
                while !stop.get() {
                    work(Duration::from_micros(10));
                    runtime::yield_now().await; // always runnable again
                }
            }
        });
        let timer = runtime::spawn(async move {
            sleep(Duration::from_millis(3)).await;
            stop.set(true);
        });
        let names = vec![
            (busy.id(), "busy: 10 µs per poll, yields"),
            (timer.id(), "sleep(3 ms)"),
        ];
        timer.await?;
        busy.await?;
        Ok(names)
    })
}

/// A connected pair made with std, so that no connect waits in the picture.
fn std_pair() -> std::io::Result<(net::TcpStream, net::TcpStream)> {
    let listener = net::TcpListener::bind("127.0.0.1:0")?;
    let client = net::TcpStream::connect(listener.local_addr()?)?;
    Ok((client, listener.accept()?.0))
}

fn ch4_socket_edge() -> Result<Vec<Traced>> {
    traced(|| async {
        let (client, server) = std_pair()?;
        let (mut client, mut server) = (TcpStream::from_std(client)?, TcpStream::from_std(server)?);
        let writer = runtime::spawn(async move {
            sleep(Duration::from_millis(2)).await;
            server.write_all(b"ping").await
        });
        let mut buf = [0; 16];
        let n = client.read(&mut buf).await?; // Pending first: nothing sent yet
        assert_eq!(&buf[..n], b"ping");
        let names = vec![
            (MAIN_TASK, "reads socket #0"),
            (writer.id(), "writes to #1 after 2 ms"),
        ];
        writer.await??;
        Ok(names)
    })
}

fn ch5_timeout_cancels() -> Result<Vec<Traced>> {
    traced(|| async {
        let (client, _silent_peer) = std_pair()?;
        let mut client = TcpStream::from_std(client)?;
        let cut = runtime::spawn(async move {
            let mut buf = [0; 16];
            timeout(Duration::from_millis(10), client.read(&mut buf))
                .await
                .is_err()
        });
        let beats = runtime::spawn(timeout(
            Duration::from_millis(50),
            sleep(Duration::from_millis(5)),
        ));
        let names = vec![
            (cut.id(), "timeout(10 ms, a silent read)"),
            (beats.id(), "timeout(50 ms, sleep(5 ms))"),
        ];
        assert!(cut.await?, "the read timed out");
        assert!(beats.await?.is_ok(), "the sleep won");
        Ok(names)
    })
}

fn ch6_blocking() -> Result<Vec<Traced>> {
    traced(|| async {
        let helper_task = Rc::new(Cell::new(0));
        let ticker = runtime::spawn(async {
            let mut every = runtime::time::interval(Duration::from_millis(5));
            for _ in 0..14 {
                every.tick().await;
            }
        });
        let blocker = runtime::spawn({
            let helper_task = helper_task.clone();
            async move {
                sleep(Duration::from_millis(12)).await;
                thread::sleep(Duration::from_millis(20)); // blocks the runtime's thread
                sleep(Duration::from_millis(8)).await;
                let helper = runtime::spawn_blocking(|| thread::sleep(Duration::from_millis(20)));
                helper_task.set(helper.id()); // the task that awaits the helper thread
                helper.await
            }
        });
        let mut names = vec![
            (ticker.id(), "interval(5 ms), 14 ticks"),
            (blocker.id(), "thread::sleep, spawn_blocking"),
        ];
        ticker.await?;
        blocker.await??;
        names.push((helper_task.get(), "spawn_blocking's own task"));
        Ok(names)
    })
}

fn ch7_three_requests() -> Result<Vec<Traced>> {
    /// One request's whole life, as the seed's loop interleaved it.
    async fn fetch(addr: net::SocketAddr) -> std::io::Result<Vec<u8>> {
        let mut stream = TcpStream::connect(addr).await?;
        stream
            .write_all(b"GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
            .await?;
        let mut response = Vec::new();
        stream.read_to_end(&mut response).await?;
        Ok(response)
    }
    traced(|| async {
        let answering = TcpListener::bind("127.0.0.1:0")?;
        let silent = TcpListener::bind("127.0.0.1:0")?; // accepts in the kernel, never answers
        let closed = net::TcpListener::bind("127.0.0.1:0")?.local_addr()?; // nobody listens there
        let addrs = [answering.local_addr()?, silent.local_addr()?, closed];
        let server = runtime::spawn(async move {
            let (mut conn, _) = answering.accept().await?;
            let (mut head, mut buf) = (Vec::new(), [0; 1024]);
            while !head.ends_with(b"\r\n\r\n") {
                match conn.read(&mut buf).await? {
                    0 => break,
                    n => head.extend_from_slice(&buf[..n]),
                }
            }
            conn.write_all(b"HTTP/1.0 200 OK\r\n\r\nhi").await
        });
        let tasks: Vec<JoinHandle<_>> = addrs
            .map(|addr| runtime::spawn(timeout(Duration::from_millis(100), fetch(addr))))
            .into();
        let mut names = vec![(server.id(), "server: answers once")];
        for (task, name) in
            tasks
                .iter()
                .zip(["GET: answered", "GET: silent server", "GET: closed port"])
        {
            names.push((task.id(), name));
        }
        let outcomes = runtime::join_all(tasks).await;
        assert!(matches!(&outcomes[0], Ok(Ok(Ok(_)))));
        assert!(matches!(&outcomes[1], Ok(Err(_))));
        assert!(matches!(&outcomes[2], Ok(Ok(Err(_)))));
        server.await??;
        drop(silent);
        Ok(names)
    })
}

fn ch8_channel_handoff() -> Result<Vec<Traced>> {
    traced(|| async {
        let (tx, mut rx) = mpsc::channel(1);
        let sender = runtime::spawn(async move {
            for i in 1..=3 {
                tx.send(i).await.expect("the receiver waits"); // the 2nd and 3rd wait for room
            }
        });
        let receiver = runtime::spawn(async move {
            let mut got = Vec::new();
            while let Some(i) = rx.recv().await {
                got.push(i);
                sleep(Duration::from_millis(2)).await; // slower than the sender
            }
            got
        });
        let names = vec![
            (sender.id(), "sends 1, 2, 3"),
            (receiver.id(), "receives, 2 ms each"),
        ];
        sender.await?;
        assert_eq!(receiver.await?, [1, 2, 3]);
        Ok(names)
    })
}

fn ch9_two_cores() -> Result<Vec<Traced>> {
    let (to_1, from_0) = mpsc::channel::<u64>(1);
    let (to_0, from_1) = mpsc::channel::<u64>(1);
    // Both runtimes start together, so their times line up.
    let start = Arc::new(Barrier::new(2));
    let core =
        |name: &'static str,
         body: Box<dyn FnOnce() -> Pin<Box<dyn Future<Output = ()>>> + Send>| {
            let start = start.clone();
            thread::spawn(move || -> std::io::Result<Traced> {
                start.wait();
                let rt = Runtime::builder().trace(true).build()?;
                rt.block_on(body());
                let names = HashMap::from([(MAIN_TASK, name.to_string())]);
                Ok(Traced {
                    events: rt.take_trace(),
                    names,
                })
            })
        };
    let core0 = core(
        "sends 1..=5, awaits each square",
        Box::new(move || {
            Box::pin(async move {
                let mut from_1 = from_1;
                for i in 1..=5 {
                    sleep(Duration::from_millis(5)).await; // so that core 1 waits each time
                    to_1.send(i).await.expect("core 1 listens");
                    assert_eq!(from_1.recv().await, Some(i * i));
                }
            })
        }),
    );
    let core1 = core(
        "squares five numbers",
        Box::new(move || {
            Box::pin(async move {
                let mut from_0 = from_0;
                for _ in 1..=5 {
                    let i = from_0.recv().await.expect("core 0 sends five");
                    sleep(Duration::from_millis(5)).await; // so that core 0 waits each time
                    to_0.send(i * i).await.expect("core 0 waits");
                }
            })
        }),
    );
    let join = |h: thread::JoinHandle<std::io::Result<Traced>>| h.join().expect("a core panicked");
    Ok(vec![join(core0)?, join(core1)?])
}

fn ch10_join_set_and_signal() -> Result<Vec<Traced>> {
    use runtime::signal::unix::{SignalKind, signal};
    traced(|| async {
        // Listening starts before the signal can come: from here on,
        // SIGUSR1 no longer ends the process but writes to a pipe.
        let mut usr1 = signal(SignalKind::user_defined1())?;
        let listener = runtime::spawn(async move { usr1.recv().await });
        let mut names = vec![(listener.id(), "waits for SIGUSR1")];
        let mut set = runtime::JoinSet::new();
        for (ms, name) in [
            (30, "JoinSet: sleeps 30 ms"),
            (10, "JoinSet: sleeps 10 ms"),
            (20, "JoinSet: sleeps 20 ms"),
        ] {
            let handle = set.spawn(async move {
                sleep(Duration::from_millis(ms)).await;
                ms
            });
            names.push((handle.id(), name));
        }
        let mut order = Vec::new();
        while let Some(done) = set.join_next().await {
            order.push(done?);
        }
        assert_eq!(order, [10, 20, 30], "in the order they finished");
        let me = rustix::process::getpid();
        rustix::process::kill_process(me, rustix::process::Signal::USR1)?;
        listener.await?.ok_or("the signal stream ended")?;
        Ok(names)
    })
}

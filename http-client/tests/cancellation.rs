//! Dropping a fetch at each of its await points leaves nothing behind.
//!
//! A fetch waits in four places: for the TCP handshake (`connect`), for room
//! to write the request (`send`), for the response (`read`), and for the
//! rest of the body (`body`). Each test brings a fetch to one of them,
//! proves it is there from outside the client — the kernel's TCP table shows
//! its socket in `SYN_SENT`; the server peeked the request head while the
//! client's send queue stays full; the server peeked the whole request and
//! the client's send queue is empty; the server wrote part of the body and
//! the client's receive queue is empty — and then drops it, either by
//! dropping the future (it loses a `select`) or by aborting its task. Each
//! runs with the body read whole and chunk by chunk: in the latter, the
//! `body` case drops a `BodyStream` mid-body. Right after the drop, the runtime's sources and timers
//! are back where they started, the client's socket is no longer among the
//! process's descriptors, and the descriptor count is back too.
//!
//! This binary counts `/proc/self/fd`, so its tests run one at a time.

mod util;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use http_client::{Client, Method, Request, Url};
use runtime::{Either, Stats};
use util::sockets::{
    LISTEN, SYN_SENT, TcpEntry, added, exclusive, fd_targets, full_backlog_listener, open_fds,
    own_sockets_to, socket_inodes, socket_target, tcp_table,
};
use util::{Fetched, Path, ScriptedServer, Step, both, watchdog};

/// Every deadline of the client is far away: only the test ends a fetch.
const FAR: Duration = Duration::from_secs(60);
/// The longest a fetch may take to reach its await point.
const REACH_WITHIN: Duration = Duration::from_secs(10);
/// The whole test, under its watchdog.
const TEST_LIMIT: Duration = Duration::from_secs(40);
/// The body of the request whose send blocks: far more than the socket
/// buffers of a loopback connection hold.
const LARGE_BODY: usize = 32 << 20;

/// What the server of the `Body` case sends before it stalls: a head and
/// the first 100 bytes of a 1 MB body.
const PART_OF_BODY: &str = concat!(
    "HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n",
    "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789",
);

/// Where the fetch is when it is dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Point {
    /// In the TCP handshake, against a listener whose accept queue is full.
    Connect,
    /// Writing a 32 MiB body to a server that reads nothing.
    Send,
    /// Waiting for the response from a server that never answers.
    Read,
    /// Waiting for the rest of a body from a server that sent part of it.
    Body,
}

/// How the fetch is dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum How {
    /// The future loses a `runtime::select` and is dropped with it.
    DropFuture,
    /// The fetch runs in a task, and the task is aborted.
    AbortTask,
}

#[test]
fn dropped_while_connecting() {
    cancel_at(Point::Connect, How::DropFuture);
    cancel_at(Point::Connect, How::AbortTask);
}

#[test]
fn dropped_while_sending() {
    cancel_at(Point::Send, How::DropFuture);
    cancel_at(Point::Send, How::AbortTask);
}

#[test]
fn dropped_while_reading() {
    cancel_at(Point::Read, How::DropFuture);
    cancel_at(Point::Read, How::AbortTask);
}

#[test]
fn dropped_mid_body() {
    cancel_at(Point::Body, How::DropFuture);
    cancel_at(Point::Body, How::AbortTask);
}

/// What the test saw around the drop.
#[derive(Debug)]
struct Report {
    /// The client's socket as the kernel showed it at the await point.
    socket: TcpEntry,
    /// The runtime's counters before the fetch, at the await point, and
    /// right after the drop.
    before: Stats,
    during: Stats,
    after: Stats,
    /// From the fetch's start to its drop.
    reached_after: Duration,
}

fn cancel_at(point: Point, how: How) {
    both(|path| cancel_through(point, how, path));
}

fn cancel_through(point: Point, how: How, path: Path) {
    let _serial = exclusive();
    let fds_before = open_fds();
    let report = watchdog(TEST_LIMIT, move || {
        // For `send` and `read`: a server that peeks the request head, then
        // sleeps, reading and answering nothing, its socket open until the
        // server is stopped (so the count of descriptors stays put).
        let silent = (point != Point::Connect).then(|| {
            let mut steps = vec![Step::PeekRequest];
            if point == Point::Body {
                steps.push(Step::write(PART_OF_BODY));
            }
            steps.push(Step::Sleep(FAR));
            ScriptedServer::unread(steps)
        });
        let rt = runtime::Runtime::new().expect("a runtime");
        let report = rt.block_on(cancel_in_runtime(point, how, path, silent.as_ref()));
        drop(rt);
        if let Some(server) = silent {
            let seen = server.finish(Duration::ZERO);
            assert_eq!(seen.len(), 1, "one connection");
        }
        report
    });
    println!(
        "{point:?} / {how:?} / {path:?}: dropped after {:?} at the await point: client socket {} -> {} in state \
         {:#04x} with {} bytes in its send queue; sources {} -> {} -> {}, timers {} -> {} -> {}, \
         tasks {} -> {} -> {} (before -> at the await point -> right after the drop)",
        report.reached_after,
        report.socket.local,
        report.socket.remote,
        report.socket.state,
        report.socket.tx_queue,
        report.before.sources,
        report.during.sources,
        report.after.sources,
        report.before.timers,
        report.during.timers,
        report.after.timers,
        report.before.tasks,
        report.during.tasks,
        report.after.tasks,
    );
    assert_eq!(
        open_fds(),
        fds_before,
        "{point:?} / {how:?} / {path:?}: descriptors leaked"
    );
}

async fn cancel_in_runtime(
    point: Point,
    how: How,
    path: Path,
    silent: Option<&ScriptedServer>,
) -> Report {
    // The full-backlog listener and its filler exist before `before`, so
    // that the counts below see only the fetch.
    let backlog = (point == Point::Connect).then(full_backlog_listener);
    let addr = match (&backlog, silent) {
        (Some((listener, _)), _) => listener.local_addr().unwrap(),
        (None, Some(server)) => server.addr(),
        (None, None) => unreachable!("send, read and body have a server"),
    };
    // The server's listening socket: the silent server closes it once it
    // has accepted its one connection.
    let listening = tcp_table()
        .into_iter()
        .find(|entry| entry.local == addr && entry.state == LISTEN)
        .expect("the server listens");
    let client = Client::builder()
        .connect_timeout(FAR)
        .idle_timeout(FAR)
        .total_timeout(FAR)
        .build();
    let url = Url::parse(&format!("http://{addr}/cancel")).unwrap();
    let request = match point {
        Point::Send => Request::new(Method::PUT, url).body(vec![b'x'; LARGE_BODY]),
        Point::Connect | Point::Read | Point::Body => Request::get(url),
    };

    let before = runtime::stats();
    let fds_start = fd_targets();
    let start = Instant::now();
    let fetch = async move { path.send(&client, request).await };
    let (socket, during) = match how {
        How::DropFuture => {
            match runtime::select(fetch, reached(point, addr, silent)).await {
                Either::Left(result) => panic!("{point:?}: the fetch ended: {result:?}"),
                Either::Right(at) => at,
            }
            // The `select`, and the fetch in it, were dropped with the
            // statement above.
        }
        How::AbortTask => {
            let task = runtime::spawn(fetch);
            let at = reached(point, addr, silent).await;
            assert!(!task.is_finished(), "{point:?}: the fetch ended");
            task.abort();
            let joined: Result<http_client::Result<Fetched>, _> = task.await;
            assert!(joined.unwrap_err().is_cancelled());
            at
        }
    };
    let reached_after = start.elapsed();
    let after = runtime::stats();

    // At the await point the fetch held its socket and its deadlines (the
    // total one and the one of its step; in the body, the stream's one timer
    // for both)...
    assert_eq!(
        during.sources,
        before.sources + 1,
        "{point:?}: the client's socket"
    );
    let deadlines = if point == Point::Body { 1 } else { 2 };
    assert_eq!(
        during.timers,
        before.timers + deadlines,
        "{point:?}: the fetch's deadlines"
    );
    // ...and right after the drop it holds nothing.
    assert_eq!(
        after.sources, before.sources,
        "{point:?} / {how:?}: a source leaked"
    );
    assert_eq!(
        after.timers, before.timers,
        "{point:?} / {how:?}: a timer leaked"
    );
    assert_eq!(
        after.tasks, before.tasks,
        "{point:?} / {how:?}: a task leaked"
    );
    assert!(
        !socket_inodes().contains(&socket.inode),
        "{point:?} / {how:?}: the client's socket is still open"
    );
    // Every descriptor opened since the fetch started is the server's side
    // of the connection (the silent server keeps it until stopped); the only
    // one closed is the server's listener.
    let fds_now = fd_targets();
    let server_side: Vec<String> = tcp_table()
        .into_iter()
        .filter(|entry| entry.local == addr && entry.remote == socket.local)
        .map(|entry| socket_target(entry.inode))
        .collect();
    for opened in added(&fds_start, &fds_now) {
        assert!(
            server_side.contains(&opened),
            "{point:?} / {how:?}: {opened} was opened and is still open (server side: {server_side:?})"
        );
    }
    for closed in added(&fds_now, &fds_start) {
        assert_eq!(
            closed,
            socket_target(listening.inode),
            "{point:?} / {how:?}: a descriptor other than the server's listener was closed"
        );
    }
    if point == Point::Connect {
        // A socket closed in SYN_SENT is gone from the kernel at once.
        let connecting = tcp_table()
            .into_iter()
            .filter(|entry| entry.remote == addr && entry.state == SYN_SENT)
            .count();
        assert_eq!(connecting, 0, "a connect attempt survived the drop");
    }
    drop(backlog);
    Report {
        socket,
        before,
        during,
        after,
        reached_after,
    }
}

/// Waits until the fetch to `addr` is at `point`, as seen from outside the
/// client, and returns its socket and the runtime's counters then.
async fn reached(
    point: Point,
    addr: SocketAddr,
    silent: Option<&ScriptedServer>,
) -> (TcpEntry, Stats) {
    let give_up = Instant::now() + REACH_WITHIN;
    // The previous sample of the send case: (client send queue, server
    // receive queue).
    let mut last_queues = None;
    loop {
        assert!(
            Instant::now() < give_up,
            "{point:?}: not reached within {REACH_WITHIN:?}"
        );
        runtime::time::sleep(Duration::from_millis(20)).await;
        let client_socket = own_sockets_to(addr)
            .into_iter()
            .find(|entry| point != Point::Connect || entry.state == SYN_SENT);
        let Some(socket) = client_socket else {
            continue;
        };
        let head_seen = silent.is_some_and(|server| {
            server
                .seen()
                .first()
                .is_some_and(|seen| seen.request.head_len > 0)
        });
        match point {
            // The handshake cannot complete: the SYN is dropped.
            Point::Connect => {}
            // The server has the request head, and nothing moves: the client
            // has filled the socket buffers and waits for room to write.
            Point::Send => {
                if !head_seen || socket.tx_queue == 0 {
                    continue;
                }
                let server_rx = tcp_table()
                    .into_iter()
                    .find(|entry| entry.local == addr && entry.remote == socket.local)
                    .map_or(0, |entry| entry.rx_queue);
                let queues = (socket.tx_queue, server_rx);
                let in_kernel = (queues.0 + queues.1) as usize;
                assert!(
                    in_kernel < LARGE_BODY,
                    "the whole body fit in the socket buffers"
                );
                if last_queues.replace(queues) != Some(queues) {
                    continue; // still moving: sample again
                }
            }
            // The server has the whole request (a GET is its head), and the
            // client has nothing left to send: it waits for the response.
            Point::Read => {
                if !head_seen || socket.tx_queue != 0 {
                    continue;
                }
            }
            // The server wrote the head and part of the body, and the client
            // has read all of it: it waits for the rest.
            Point::Body => {
                let written = silent.is_some_and(|server| {
                    server.seen().first().is_some_and(|seen| seen.written > 0)
                });
                if !written || socket.rx_queue != 0 {
                    continue;
                }
            }
        }
        // Let the fetch run once more, so that it is parked at the await
        // point rather than between two steps.
        runtime::time::sleep(Duration::from_millis(50)).await;
        return (socket, runtime::stats());
    }
}

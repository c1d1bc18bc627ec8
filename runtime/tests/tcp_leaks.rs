//! Nothing leaks: after 1,000 connections that complete, time out, are
//! aborted or are refused, the process's open descriptors and the runtime's
//! sources, timers and tasks are back where they started.
//!
//! This counts `/proc/self/fd`, so it has a test binary of its own.

mod util;

use std::io;
use std::net::{Shutdown, SocketAddr};
use std::time::{Duration, Instant};

use runtime::net::{TcpListener, TcpStream};
use runtime::time::timeout;
use util::{open_fds, watchdog};

/// Echoes until the peer closes.
async fn echo(mut conn: TcpStream) -> io::Result<()> {
    let mut buf = [0; 1024];
    loop {
        let n = conn.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        conn.write_all(&buf[..n]).await?;
    }
}

/// Accepts forever, echoing each connection in its own (detached) task.
async fn accept_loop(listener: TcpListener) -> io::Result<()> {
    loop {
        let (conn, _) = listener.accept().await?;
        drop(runtime::spawn(echo(conn)));
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Sends, reads the echo back, closes.
    Completed,
    /// Waits for bytes that never come, bounded by a timeout.
    TimedOut,
    /// Waits for bytes that never come, until its task is aborted.
    Aborted,
    /// Connects to a port where nothing listens.
    Refused,
}

async fn client(kind: Kind, addr: SocketAddr, refused: SocketAddr) -> io::Result<Kind> {
    let target = if kind == Kind::Refused { refused } else { addr };
    let mut conn = match TcpStream::connect(target).await {
        Err(e) if kind == Kind::Refused && e.kind() == io::ErrorKind::ConnectionRefused => {
            return Ok(kind);
        }
        other => other?,
    };
    let mut buf = [0; 64];
    match kind {
        Kind::Completed => {
            conn.write_all(b"ping").await?;
            conn.shutdown(Shutdown::Write)?;
            let mut echoed = Vec::new();
            conn.read_to_end(&mut echoed).await?;
            assert_eq!(echoed, b"ping");
        }
        Kind::TimedOut => {
            let r = timeout(Duration::from_millis(5), conn.read(&mut buf)).await;
            assert!(r.is_err(), "the server never writes first");
        }
        Kind::Aborted => {
            conn.read(&mut buf).await?;
            unreachable!("the server never writes first");
        }
        Kind::Refused => unreachable!("connected to a closed port"),
    }
    Ok(kind)
}

#[test]
fn thousand_mixed_connections_leak_nothing() {
    const CONNECTIONS: usize = 1000;
    const WAVE: usize = 50;
    watchdog(120, || {
        let fds_before = open_fds();
        let rt = runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let before = runtime::stats();
            let fds_in_runtime = open_fds();
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = listener.local_addr().unwrap();
            let refused = {
                let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
                l.local_addr().unwrap()
            };
            let server = runtime::spawn(accept_loop(listener));

            let kinds = [
                Kind::Completed,
                Kind::TimedOut,
                Kind::Aborted,
                Kind::Refused,
            ];
            let mut counts = [0usize; 4];
            let start = Instant::now();
            for wave in 0..CONNECTIONS / WAVE {
                let tasks: Vec<_> = (0..WAVE)
                    .map(|i| {
                        let kind = kinds[(wave * WAVE + i) % kinds.len()];
                        (kind, runtime::spawn(client(kind, addr, refused)))
                    })
                    .collect();
                // Abort half of the `Aborted` ones before they ever run, the
                // others once they are connected or connecting.
                for (i, (kind, task)) in tasks.iter().enumerate() {
                    if *kind == Kind::Aborted && i % 8 == 2 {
                        task.abort();
                    }
                }
                runtime::time::sleep(Duration::from_millis(2)).await;
                for (kind, task) in &tasks {
                    if *kind == Kind::Aborted {
                        task.abort();
                    }
                }
                for (kind, task) in tasks {
                    match task.await {
                        Ok(done) => assert_eq!(done.expect("client I/O"), kind),
                        Err(e) => assert!(e.is_cancelled() && kind == Kind::Aborted, "{e}"),
                    }
                    counts[kinds.iter().position(|k| *k == kind).unwrap()] += 1;
                }
            }
            println!(
                "{CONNECTIONS} connections (completed, timed out, aborted, refused: {counts:?}) \
                 in {:?}",
                start.elapsed()
            );

            // The server's per-connection tasks end when their peers close.
            let give_up = Instant::now() + Duration::from_secs(10);
            while runtime::stats().tasks > before.tasks + 1 && Instant::now() < give_up {
                runtime::time::sleep(Duration::from_millis(5)).await;
            }
            server.abort();
            assert!(server.await.unwrap_err().is_cancelled());
            let after = runtime::stats();
            println!("before: {before:?}\nafter:  {after:?}");
            assert_eq!(after.tasks, before.tasks, "tasks leaked");
            assert_eq!(after.sources, before.sources, "reactor sources leaked");
            assert_eq!(after.timers, before.timers, "timers leaked");
            assert_eq!(open_fds(), fds_in_runtime, "sockets left open");
        });
        drop(rt);
        assert_eq!(open_fds(), fds_before, "descriptors leaked");
    });
}

//! Dropping a runtime: every task's future is dropped (sleeping, waiting on
//! a socket, or never polled), every socket is closed, and it does not hang.
//!
//! These tests count the process's open descriptors, so they live in their
//! own test binary and take [`util::exclusive`] to run one at a time.

mod util;

use std::future::pending;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use runtime::net::{TcpListener, TcpStream};
use util::{DropFlag, exclusive, open_fds, watchdog};

/// Holds `flag` for as long as `future` is alive.
async fn holding<F: std::future::Future>(flag: DropFlag, future: F) -> F::Output {
    let _flag = flag;
    future.await
}

/// Waits for bytes that never come.
async fn read_some(mut conn: TcpStream) -> std::io::Result<usize> {
    let mut buf = [0; 16];
    conn.read(&mut buf).await
}

/// When dropped, spawns a task on the current runtime (a destructor that
/// spawns, as a shutting-down runtime must cope with).
struct SpawnOnDrop(Arc<AtomicUsize>);

impl Drop for SpawnOnDrop {
    fn drop(&mut self) {
        let flag = DropFlag(self.0.clone());
        drop(runtime::spawn(holding(flag, pending::<()>())));
    }
}

#[test]
fn dropping_a_runtime_drops_every_task_and_closes_every_socket() {
    let _serial = exclusive();
    watchdog(30, || {
        const EACH: usize = 10;
        let fds_before = open_fds();
        let drops = Arc::new(AtomicUsize::new(0));
        let flag = || DropFlag(drops.clone());
        let rt = runtime::Runtime::new().unwrap();

        // Never polled: spawned before any `block_on`. Keep some handles.
        let unpolled: Vec<_> = (0..EACH)
            .map(|_| rt.spawn(holding(flag(), pending::<()>())))
            .collect();

        let spawned = rt.block_on(async {
            // Sleeping.
            for _ in 0..EACH {
                drop(runtime::spawn(holding(
                    flag(),
                    runtime::time::sleep(Duration::from_secs(3600)),
                )));
            }
            // Waiting to accept, and waiting to read on both ends of
            // connections that never carry a byte.
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = listener.local_addr().unwrap();
            let mut clients = Vec::new();
            for _ in 0..EACH {
                clients.push(TcpStream::connect(addr).await.unwrap());
                let (server_side, _) = listener.accept().await.unwrap();
                drop(runtime::spawn(holding(flag(), read_some(server_side))));
            }
            for conn in clients {
                drop(runtime::spawn(holding(flag(), read_some(conn))));
            }
            drop(runtime::spawn(holding(flag(), async move {
                listener.accept().await.map(|_| ())
            })));
            // A task whose destructor spawns another task.
            let on_drop = SpawnOnDrop(drops.clone());
            drop(runtime::spawn(holding(flag(), async move {
                let _on_drop = on_drop;
                pending::<()>().await
            })));

            // Let every task reach its wait.
            runtime::time::sleep(Duration::from_millis(20)).await;
            let stats = runtime::stats();
            assert_eq!(stats.timers, EACH);
            assert_eq!(stats.sources, 2 * EACH + 1);
            stats.tasks
        });
        let expected_drops = spawned + 1; // + the task spawned during shutdown
        assert_eq!(spawned, 4 * EACH + 2);
        assert_eq!(drops.load(Ordering::SeqCst), 0);

        let start = Instant::now();
        drop(rt);
        let took = start.elapsed();
        println!("dropped a runtime with {spawned} pending tasks in {took:?}");
        assert!(took < Duration::from_secs(2), "dropping took {took:?}");
        assert_eq!(drops.load(Ordering::SeqCst), expected_drops);

        // Handles of dropped tasks say so.
        for handle in unpolled {
            assert!(handle.is_finished());
            let err = runtime::block_on(handle).unwrap_err();
            assert!(err.is_cancelled());
        }
        assert_eq!(open_fds(), fds_before, "descriptors leaked");
    });
}

#[test]
fn block_on_drops_tasks_left_when_it_returns() {
    let _serial = exclusive();
    watchdog(10, || {
        let fds_before = open_fds();
        let drops = Arc::new(AtomicUsize::new(0));
        let d = drops.clone();
        runtime::block_on(async move {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            drop(runtime::spawn(holding(DropFlag(d.clone()), async move {
                listener.accept().await.map(|_| ())
            })));
            drop(runtime::spawn(holding(
                DropFlag(d),
                runtime::time::sleep(Duration::MAX),
            )));
            runtime::yield_now().await;
        });
        assert_eq!(drops.load(Ordering::SeqCst), 2);
        assert_eq!(open_fds(), fds_before, "descriptors leaked");
    });
}

#[test]
fn creating_and_dropping_runtimes_leaks_no_descriptors() {
    let _serial = exclusive();
    watchdog(10, || {
        let fds_before = open_fds();
        for _ in 0..100 {
            let rt = runtime::Runtime::new().unwrap();
            rt.block_on(runtime::time::sleep(Duration::from_micros(10)));
        }
        assert_eq!(open_fds(), fds_before);
    });
}

//! The two-core workloads, `echo-mt` and `fetch-1k-mt`: the single-core
//! workloads' client and server code (`workloads.rs`, through [`Rt`]) run
//! over two threads, the way each runtime spreads work over cores.
//!
//! * ours: [`runtime::per_core`]`(2)`, a runtime per thread; for echo each
//!   core is pinned to its CPU (`PerCore::pin_threads`) and has its own
//!   `bind_reuse_port` listener on one port, which the kernel hands the
//!   connections whose packets arrive on that CPU (`SO_INCOMING_CPU`; over
//!   loopback, the connections made by that core's clients), and runs half
//!   the clients; for fetch each core runs half the workers. Nothing moves
//!   between cores.
//! * tokio: a `multi_thread` runtime with 2 workers; one listener, tasks
//!   spawned with `tokio::spawn` and balanced by work stealing.
//! * smol (echo only): one `smol::Executor` run by 2 threads, tasks spawned
//!   on it from the bench thread.
//!
//! CPU time is summed over the threads that ran the runtime (each core's
//! thread, tokio's workers as they stop, and the calling thread), read from
//! `/proc/thread-self/schedstat` as the single-core `fetch-1k` does.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

use crate::measure::{percentile, thread_cpu};
use crate::rt::{Ours, Rt, Smol, Tokio};
use crate::workloads::{echo_client, echo_conn, fetch_worker, share};

/// Threads (cores, workers) every two-core workload uses.
pub const THREADS: usize = 2;

/// (messages per second, p99 µs) from the run's round trips and wall time.
fn echo_result(clients: u64, rounds: u64, elapsed: Duration, mut rtts: Vec<f64>) -> (f64, f64) {
    let messages = (clients * rounds) as f64;
    (
        messages / elapsed.as_secs_f64(),
        percentile(&mut rtts, 0.99),
    )
}

/// `echo-mt` on ours: a pinned core per CPU, each with its own listener on
/// one port and half the clients. Returns (msg/s, p99 µs).
pub fn echo_ours(clients: u64, rounds: u64) -> (f64, f64) {
    let first = Mutex::new(None::<SocketAddr>);
    let bound = Barrier::new(THREADS);
    let started = Barrier::new(THREADS);
    // Cores whose clients are done, and the wake for those waiting on it.
    let (done, all_done) = (AtomicU64::new(0), runtime::sync::Notify::new());
    // Pinned, so that each core's listener can ask for the connections made
    // on its CPU (`SO_INCOMING_CPU`): a client and its server share a core.
    let per_core = runtime::PerCore::new(THREADS)
        .pin_threads(true)
        .run(|core| {
            let (first, bound, started) = (&first, &bound, &started);
            let (done, all_done) = (&done, &all_done);
            async move {
                // Core 0 binds first (port 0: any free one); the others bind
                // the same port. The barriers run before any task exists on
                // either core, so blocking on them stalls nothing.
                let listener = if core == 0 {
                    let l =
                        runtime::net::TcpListener::bind_reuse_port("127.0.0.1:0").expect("bind");
                    *first.lock().unwrap() = Some(l.local_addr().expect("address"));
                    bound.wait();
                    l
                } else {
                    bound.wait();
                    let addr = first.lock().unwrap().expect("core 0 bound");
                    runtime::net::TcpListener::bind_reuse_port(addr).expect("bind the same port")
                };
                if let Some(cpu) = runtime::pinned_cpu() {
                    listener.set_incoming_cpu(cpu).expect("SO_INCOMING_CPU");
                }
                let addr = listener.local_addr().expect("address");
                drop(runtime::spawn(async move {
                    loop {
                        let (conn, _) = listener.accept().await.expect("accept");
                        drop(runtime::spawn(echo_conn::<Ours>(conn)));
                    }
                }));
                started.wait();
                let start = Instant::now();
                // A task per client, as on tokio and smol (a `join_all` of 50
                // would poll every client whenever one of them is woken).
                let mine = (0..clients).filter(|c| *c as usize % THREADS == core);
                let clients: Vec<_> = mine
                    .map(|c| runtime::spawn(echo_client::<Ours>(addr, c, rounds)))
                    .collect();
                let mut all = Vec::new();
                for client in clients {
                    all.push(client.await.expect("client"));
                }
                let end = Instant::now();
                // Keep serving until every core's clients are done: the kernel
                // dealt some of the other core's connections to this listener.
                done.fetch_add(1, Relaxed);
                all_done.notify_waiters();
                loop {
                    let notified = all_done.notified();
                    if done.load(Relaxed) == THREADS as u64 {
                        break;
                    }
                    notified.await;
                }
                (start, end, all.concat())
            }
        });
    let start = per_core.iter().map(|r| r.0).min().expect("cores");
    let end = per_core.iter().map(|r| r.1).max().expect("cores");
    let rtts = per_core.into_iter().flat_map(|r| r.2).collect();
    echo_result(clients, rounds, end - start, rtts)
}

/// A tokio `multi_thread` runtime with [`THREADS`] workers that adds
/// each worker's CPU time to `cpu_ns` when the worker stops.
fn tokio_multi(cpu_ns: Arc<AtomicU64>) -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(THREADS)
        .enable_all()
        .on_thread_stop(move || {
            cpu_ns.fetch_add(thread_cpu().as_nanos() as u64, Relaxed);
        })
        .build()
        .expect("tokio runtime")
}

/// `echo-mt` on tokio's multi-threaded runtime: one listener, every
/// connection and client a `tokio::spawn` task. Returns (msg/s, p99 µs).
pub fn echo_tokio(clients: u64, rounds: u64) -> (f64, f64) {
    let rt = tokio_multi(Arc::default());
    let (elapsed, rtts) = rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("address");
        tokio::spawn(async move {
            loop {
                let (conn, _) = listener.accept().await.expect("accept");
                tokio::spawn(echo_conn::<Tokio>(conn));
            }
        });
        let start = Instant::now();
        let handles: Vec<_> = (0..clients)
            .map(|c| tokio::spawn(echo_client::<Tokio>(addr, c, rounds)))
            .collect();
        let mut all = Vec::new();
        for handle in handles {
            all.extend(handle.await.expect("client"));
        }
        (start.elapsed(), all)
    });
    drop(rt);
    echo_result(clients, rounds, elapsed, rtts)
}

/// `echo-mt` on smol: one `Executor` run by [`THREADS`] threads, the
/// server and clients spawned on it. Returns (msg/s, p99 µs).
pub fn echo_smol(clients: u64, rounds: u64) -> (f64, f64) {
    let ex = Arc::new(smol::Executor::new());
    let (stop_tx, stop_rx) = smol::channel::bounded::<()>(1);
    std::thread::scope(|scope| {
        for _ in 0..THREADS {
            let (ex, stop_rx) = (ex.clone(), stop_rx.clone());
            // Each runs the executor until the stop channel closes.
            scope.spawn(move || smol::block_on(ex.run(stop_rx.recv())));
        }
        let listener = <Smol as Rt>::bind(SocketAddr::from(([127, 0, 0, 1], 0))).expect("bind");
        let addr = <Smol as Rt>::local_addr(&listener);
        let server_ex = ex.clone();
        ex.spawn(async move {
            loop {
                let (conn, _) = listener.accept().await.expect("accept");
                server_ex.spawn(echo_conn::<Smol>(conn)).detach();
            }
        })
        .detach();
        let start = Instant::now();
        let handles: Vec<_> = (0..clients)
            .map(|c| ex.spawn(echo_client::<Smol>(addr, c, rounds)))
            .collect();
        let rtts: Vec<f64> = smol::block_on(async {
            let mut all = Vec::new();
            for handle in handles {
                all.extend(handle.await);
            }
            all
        });
        let elapsed = start.elapsed();
        drop(stop_tx);
        echo_result(clients, rounds, elapsed, rtts)
    })
}

/// (requests per second, CPU µs per request).
fn fetch_result(requests: u64, elapsed: Duration, cpu: Duration) -> (f64, f64) {
    (
        requests as f64 / elapsed.as_secs_f64(),
        cpu.as_secs_f64() * 1e6 / requests as f64,
    )
}

/// The request `fetch-1k` sends.
fn request(addr: SocketAddr, path: &str) -> Arc<[u8]> {
    format!("GET {path} HTTP/1.0\r\nHost: {addr}\r\nConnection: close\r\n\r\n")
        .into_bytes()
        .into()
}

/// `fetch-1k-mt` on ours: each core runs half of the `in_flight` workers.
/// Returns (req/s, CPU µs/req).
pub fn fetch_ours(
    addr: SocketAddr,
    path: &str,
    body_len: usize,
    requests: u64,
    in_flight: u64,
) -> (f64, f64) {
    let request = request(addr, path);
    let started = Barrier::new(THREADS);
    let cpu_before = thread_cpu();
    let per_core = runtime::per_core(THREADS, |core| {
        let (request, started) = (request.clone(), &started);
        async move {
            started.wait();
            let start = Instant::now();
            let mine = (0..in_flight).filter(|w| *w as usize % THREADS == core);
            // A task per worker, as on tokio.
            let workers: Vec<_> = mine
                .map(|w| {
                    let request = request.clone();
                    let count = share(requests, in_flight, w);
                    runtime::spawn(async move {
                        fetch_worker::<Ours>(addr, &request, body_len, count).await
                    })
                })
                .collect();
            for worker in workers {
                worker.await.expect("worker");
            }
            // A fresh thread: its whole CPU time is this core's work.
            (start, Instant::now(), thread_cpu())
        }
    });
    let cpu = per_core.iter().map(|r| r.2).sum::<Duration>() + (thread_cpu() - cpu_before);
    let start = per_core.iter().map(|r| r.0).min().expect("cores");
    let end = per_core.iter().map(|r| r.1).max().expect("cores");
    fetch_result(requests, end - start, cpu)
}

/// `fetch-1k-mt` on tokio's multi-threaded runtime: `in_flight` workers,
/// each a `tokio::spawn` task. Returns (req/s, CPU µs/req).
pub fn fetch_tokio(
    addr: SocketAddr,
    path: &str,
    body_len: usize,
    requests: u64,
    in_flight: u64,
) -> (f64, f64) {
    let request = request(addr, path);
    let cpu_ns = Arc::new(AtomicU64::new(0));
    let cpu_before = thread_cpu();
    let rt = tokio_multi(cpu_ns.clone());
    let elapsed = rt.block_on(async move {
        let start = Instant::now();
        let workers: Vec<_> = (0..in_flight)
            .map(|w| {
                let request = request.clone();
                let count = share(requests, in_flight, w);
                tokio::spawn(
                    async move { fetch_worker::<Tokio>(addr, &request, body_len, count).await },
                )
            })
            .collect();
        for worker in workers {
            worker.await.expect("worker");
        }
        start.elapsed()
    });
    drop(rt); // joins the workers, which add their CPU time as they stop
    let cpu = Duration::from_nanos(cpu_ns.load(Relaxed)) + (thread_cpu() - cpu_before);
    fetch_result(requests, elapsed, cpu)
}

//! The workloads, each written once against [`Rt`] so that only the runtime
//! differs between runs. Each returns its measurement; `main.rs` repeats
//! and reports.

use std::cell::{Cell, RefCell};
use std::future::poll_fn;
use std::net::SocketAddr;
use std::rc::Rc;
use std::task::{Poll, Waker};
use std::time::{Duration, Instant};

use http_client::{Limits, ResponseParser, Status};

use crate::measure::{Rng, percentile, thread_cpu};
use crate::rt::Rt;

/// `spawn`: spawn `n` trivial tasks inside `block_on`, then await every
/// handle. Returns ns per task.
pub fn spawn<R: Rt>(n: u64) -> f64 {
    let elapsed = R::block_on(async move {
        let start = Instant::now();
        let handles: Vec<_> = (0..n).map(|i| R::spawn(async move { i })).collect();
        let mut sum = 0;
        for handle in handles {
            sum += handle.await;
        }
        assert_eq!(sum, n * n.saturating_sub(1) / 2, "wrong outputs");
        start.elapsed()
    });
    elapsed.as_nanos() as f64 / n as f64
}

/// `yield`: `tasks` tasks each calling `yield_now` `yields` times. Returns
/// ns per yield.
pub fn yields<R: Rt>(tasks: u64, yields: u64) -> f64 {
    let elapsed = R::block_on(async move {
        let start = Instant::now();
        let handles: Vec<_> = (0..tasks)
            .map(|_| {
                R::spawn(async move {
                    for _ in 0..yields {
                        R::yield_now().await;
                    }
                })
            })
            .collect();
        for handle in handles {
            handle.await;
        }
        start.elapsed()
    });
    elapsed.as_nanos() as f64 / (tasks * yields) as f64
}

/// The token two tasks pass back and forth, with each side's waker.
struct Baton {
    /// Whose turn it is: `false` for the first player, `true` for the second.
    turn: Cell<bool>,
    wakers: [RefCell<Option<Waker>>; 2],
}

async fn player(baton: Rc<Baton>, me: bool, passes: u64) {
    for _ in 0..passes {
        poll_fn(|cx| {
            if baton.turn.get() == me {
                return Poll::Ready(());
            }
            *baton.wakers[me as usize].borrow_mut() = Some(cx.waker().clone());
            Poll::Pending
        })
        .await;
        baton.turn.set(!me);
        if let Some(w) = baton.wakers[!me as usize].borrow_mut().take() {
            w.wake();
        }
    }
}

/// `pingpong`: two tasks hand a token back and forth `rounds` times through
/// a `Cell` and stored wakers. Returns ns per round trip.
pub fn pingpong<R: Rt>(rounds: u64) -> f64 {
    let elapsed = R::block_on(async move {
        let baton = Rc::new(Baton {
            turn: Cell::new(false),
            wakers: [RefCell::new(None), RefCell::new(None)],
        });
        let start = Instant::now();
        let a = R::spawn(player(baton.clone(), false, rounds));
        let b = R::spawn(player(baton, true, rounds));
        a.await;
        b.await;
        start.elapsed()
    });
    elapsed.as_nanos() as f64 / rounds as f64
}

/// `timers`: `n` tasks sleep until random deadlines 1–100 ms away. Returns
/// the wall time in ms until the last one finished.
pub fn timers_wall<R: Rt>(n: u64, seed: u64) -> f64 {
    let elapsed = R::block_on(async move {
        let mut rng = Rng::new(seed);
        let start = Instant::now();
        let handles: Vec<_> = (0..n)
            .map(|_| {
                let deadline = start + Duration::from_micros(rng.range(1_000, 100_000));
                R::spawn(R::sleep_until(deadline))
            })
            .collect();
        for handle in handles {
            handle.await;
        }
        start.elapsed()
    });
    elapsed.as_secs_f64() * 1e3
}

/// Timer lateness: `n` tasks sleep until random deadlines 1–100 ms away and
/// record how late they woke. Returns (mean µs, p99 µs).
pub fn timer_lateness<R: Rt>(n: u64, seed: u64) -> (f64, f64) {
    let mut late = R::block_on(async move {
        let mut rng = Rng::new(seed);
        let start = Instant::now();
        let handles: Vec<_> = (0..n)
            .map(|_| {
                let deadline = start + Duration::from_micros(rng.range(1_000, 100_000));
                R::spawn(async move {
                    R::sleep_until(deadline).await;
                    let now = Instant::now();
                    assert!(now >= deadline, "a timer fired early");
                    (now - deadline).as_secs_f64() * 1e6
                })
            })
            .collect();
        let mut late = Vec::with_capacity(handles.len());
        for handle in handles {
            late.push(handle.await);
        }
        late
    });
    let mean = late.iter().sum::<f64>() / late.len() as f64;
    (mean, percentile(&mut late, 0.99))
}

/// `echo`: a server and `clients` clients in the same runtime; each client
/// makes `rounds` round trips of 64 bytes over 127.0.0.1. Returns
/// (messages per second, p99 round trip µs).
pub fn echo<R: Rt>(clients: u64, rounds: u64) -> (f64, f64) {
    let (elapsed, mut rtts) = R::block_on(async move {
        let listener = R::bind(SocketAddr::from(([127, 0, 0, 1], 0))).expect("bind");
        let addr = R::local_addr(&listener);
        R::spawn_detached(async move {
            for _ in 0..clients {
                let conn = R::accept(&listener).await.expect("accept");
                R::spawn_detached(echo_conn::<R>(conn));
            }
        });
        let start = Instant::now();
        let handles: Vec<_> = (0..clients)
            .map(|c| R::spawn(echo_client::<R>(addr, c, rounds)))
            .collect();
        let mut all = Vec::new();
        for handle in handles {
            all.extend(handle.await);
        }
        (start.elapsed(), all)
    });
    let messages = (clients * rounds) as f64;
    (
        messages / elapsed.as_secs_f64(),
        percentile(&mut rtts, 0.99),
    )
}

/// `fetch-1k`: `requests` HTTP/1.0 GETs of `path` from `addr`, `in_flight`
/// at a time, a fresh connection each, parsed with the client's parser.
/// Returns (requests per second, client CPU µs per request).
pub fn fetch<R: Rt>(
    addr: SocketAddr,
    path: &str,
    body_len: usize,
    requests: u64,
    in_flight: u64,
) -> (f64, f64) {
    let request =
        format!("GET {path} HTTP/1.0\r\nHost: {addr}\r\nConnection: close\r\n\r\n").into_bytes();
    let request: Rc<[u8]> = request.into();
    let cpu_before = thread_cpu();
    let elapsed = R::block_on(async move {
        let start = Instant::now();
        let workers: Vec<_> = (0..in_flight)
            .map(|w| {
                let request = request.clone();
                let count = share(requests, in_flight, w);
                R::spawn(async move { fetch_worker::<R>(addr, &request, body_len, count).await })
            })
            .collect();
        for worker in workers {
            worker.await;
        }
        start.elapsed()
    });
    let cpu = thread_cpu() - cpu_before;
    (
        requests as f64 / elapsed.as_secs_f64(),
        cpu.as_secs_f64() * 1e6 / requests as f64,
    )
}

/// Echoes everything read on `conn` until the client closes (the server
/// side of `echo` and `echo-mt`).
pub async fn echo_conn<R: Rt>(mut conn: R::Stream) {
    R::set_nodelay(&conn);
    let mut buf = [0u8; 64];
    loop {
        match R::read(&mut conn, &mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if R::write_all(&mut conn, &buf[..n]).await.is_err() {
                    break;
                }
            }
        }
    }
}

/// One echo client: `rounds` round trips of 64 bytes; returns each in µs.
pub async fn echo_client<R: Rt>(addr: SocketAddr, c: u64, rounds: u64) -> Vec<f64> {
    let mut conn = R::connect(addr).await.expect("connect");
    R::set_nodelay(&conn);
    let message = [c as u8; 64];
    let mut reply = [0u8; 64];
    let mut rtts = Vec::with_capacity(rounds as usize);
    for _ in 0..rounds {
        let sent = Instant::now();
        R::write_all(&mut conn, &message).await.expect("write");
        let mut got = 0;
        while got < reply.len() {
            let n = R::read(&mut conn, &mut reply[got..]).await.expect("read");
            assert!(n > 0, "server closed");
            got += n;
        }
        rtts.push(sent.elapsed().as_secs_f64() * 1e6);
        assert_eq!(reply, message);
    }
    rtts
}

/// How many of `requests` worker `w` of `workers` makes.
pub fn share(requests: u64, workers: u64, w: u64) -> u64 {
    requests / workers + u64::from(w < requests % workers)
}

/// One fetch worker: `count` requests one after another, each on a fresh
/// connection, checking each body's length.
pub async fn fetch_worker<R: Rt>(addr: SocketAddr, request: &[u8], body_len: usize, count: u64) {
    let mut buf = vec![0u8; 16 * 1024];
    for _ in 0..count {
        let len = fetch_once::<R>(addr, request, &mut buf).await;
        assert_eq!(len, body_len, "wrong body length");
    }
}

/// One request on a fresh connection; returns the body length.
pub async fn fetch_once<R: Rt>(addr: SocketAddr, request: &[u8], buf: &mut [u8]) -> usize {
    let mut conn = R::connect(addr).await.expect("connect");
    R::write_all(&mut conn, request).await.expect("write");
    let mut parser = ResponseParser::new(false, Limits::default());
    loop {
        let n = R::read(&mut conn, buf).await.expect("read");
        let status = if n == 0 {
            Status::Complete(parser.finish().expect("response"))
        } else {
            parser.feed(&buf[..n]).expect("response")
        };
        if let Status::Complete(response) = status {
            assert_eq!(response.status(), 200, "unexpected status");
            return response.body().len();
        }
    }
}

/// `memory`: spawn `n` tasks that stay pending, let each be polled once,
/// and return the growth of peak RSS per task in bytes. Run it in a fresh
/// process, so that memory freed by earlier work does not hide the growth.
pub fn memory<R: Rt>(n: u64) -> f64 {
    R::block_on(async move {
        let before = crate::measure::rss_bytes();
        for _ in 0..n {
            R::spawn_detached(std::future::pending::<()>());
        }
        // Sleep so that every task gets its first poll before we measure.
        R::sleep_until(Instant::now() + Duration::from_millis(50)).await;
        let peak = crate::measure::peak_rss_bytes();
        peak.saturating_sub(before) as f64 / n as f64
    })
}

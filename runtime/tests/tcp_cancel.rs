//! TCP operations that are cut short: a connect bounded by a timeout, and
//! read, write, accept, connect and `incoming()` futures dropped while they
//! wait, which must leave no waker and no registration behind.

mod util;

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::Waker;
use std::time::{Duration, Instant};

use futures_core::Stream;
use runtime::net::{TcpListener, TcpStream};
use runtime::time::timeout;
use util::{CountingWaker, poll_once, watchdog};

fn any_port() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

/// Polls a boxed future once with `waker`, then drops it, returning how many
/// clones of `waker` existed while it was pending.
fn strong_count_while_pending<F: Future>(future: F, waker: &Arc<CountingWaker>) -> usize {
    let mut future = Box::pin(future);
    let w = Waker::from(waker.clone());
    assert!(poll_once(future.as_mut(), &w).is_pending());
    drop(w);
    let during = Arc::strong_count(waker);
    drop(future);
    during
}

#[test]
fn connect_that_cannot_complete_is_bounded_by_timeout() {
    watchdog(30, || {
        runtime::block_on(async {
            // A listener nobody accepts from, with the smallest backlog: once
            // its queue is full, Linux drops further SYNs and the connect
            // waits for retransmissions (a second, then more).
            let listener = TcpListener::bind_with_backlog(any_port(), 0).unwrap();
            let addr = listener.local_addr().unwrap();
            let limit = Duration::from_millis(200);
            let mut held = Vec::new();
            for attempt in 1..=16 {
                let sources = runtime::stats().sources;
                let start = Instant::now();
                match timeout(limit, TcpStream::connect(addr)).await {
                    Ok(conn) => held.push(conn.expect("connect")),
                    Err(_) => {
                        let took = start.elapsed();
                        println!(
                            "connect attempt {attempt} timed out after {took:?} \
                             ({} queued connections filled the backlog)",
                            held.len()
                        );
                        assert!(took >= limit, "gave up early: {took:?}");
                        assert!(took < limit + Duration::from_secs(2), "{took:?}");
                        assert_eq!(runtime::stats().sources, sources, "the socket was closed");
                        return;
                    }
                }
            }
            panic!("16 connects to a full backlog all completed");
        });
    });
}

#[test]
fn dropped_read_future_leaves_no_waker_and_no_registration() {
    watchdog(10, || {
        runtime::block_on(async {
            let base = runtime::stats().sources;
            let listener = TcpListener::bind(any_port()).unwrap();
            let mut client = TcpStream::connect(listener.local_addr().unwrap())
                .await
                .unwrap();
            let (mut server, _) = listener.accept().await.unwrap();
            let registered = runtime::stats().sources;
            assert_eq!(registered, base + 3);

            let waker = CountingWaker::new();
            let mut buf = [0; 64];
            let during = strong_count_while_pending(client.read(&mut buf), &waker);
            assert_eq!(during, 2, "the pending read stored the waker");
            assert_eq!(
                Arc::strong_count(&waker),
                1,
                "the dropped read left its waker behind"
            );
            assert_eq!(runtime::stats().sources, registered);

            // The same for `read_to_end`, `accept`, and a `write_all` that
            // waits because the peer does not read.
            let mut all = Vec::new();
            assert_eq!(
                strong_count_while_pending(server.read_to_end(&mut all), &waker),
                2
            );
            assert_eq!(Arc::strong_count(&waker), 1);
            assert_eq!(strong_count_while_pending(listener.accept(), &waker), 2);
            assert_eq!(Arc::strong_count(&waker), 1);
            let big = vec![7u8; 32 << 20];
            assert_eq!(
                strong_count_while_pending(client.write_all(&big), &waker),
                2
            );
            assert_eq!(Arc::strong_count(&waker), 1);
            assert_eq!(waker.wakes(), 0);

            // The stream still works afterwards.
            server.write_all(b"ok").await.unwrap();
            let mut two = [0; 2];
            let mut got = 0;
            while got < 2 {
                got += client.read(&mut two[got..]).await.unwrap();
            }
            assert_eq!(&two, b"ok");

            drop((client, server, listener));
            assert_eq!(runtime::stats().sources, base);
        });
    });
}

#[test]
fn dropped_connect_future_leaves_no_waker_and_no_registration() {
    watchdog(10, || {
        runtime::block_on(async {
            let base = runtime::stats().sources;
            let listener = TcpListener::bind(any_port()).unwrap();
            let addr = listener.local_addr().unwrap();
            // Poll a connect once; whether it completed at once or is in
            // progress, dropping it must leave nothing registered.
            let waker = CountingWaker::new();
            let mut connect = Box::pin(TcpStream::connect(addr));
            let polled = poll_once(connect.as_mut(), &Waker::from(waker.clone()));
            drop(polled);
            drop(connect);
            assert_eq!(Arc::strong_count(&waker), 1);
            assert_eq!(
                runtime::stats().sources,
                base + 1,
                "only the listener is left"
            );
        });
    });
}

#[test]
fn dropped_incoming_stream_leaves_no_waker() {
    watchdog(10, || {
        runtime::block_on(async {
            let listener = TcpListener::bind(any_port()).unwrap();
            let waker = CountingWaker::new();
            let mut incoming = listener.incoming();
            let w = Waker::from(waker.clone());
            let mut cx = std::task::Context::from_waker(&w);
            assert!(Pin::new(&mut incoming).poll_next(&mut cx).is_pending());
            drop(w);
            assert_eq!(Arc::strong_count(&waker), 2);
            drop(incoming);
            assert_eq!(
                Arc::strong_count(&waker),
                1,
                "the dropped Incoming left its waker in the listener's source"
            );
        });
    });
}

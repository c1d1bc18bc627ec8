//! `runtime::sync` across threads: std threads and `spawn_blocking`
//! feeding a task, and two runtimes on two threads talking through
//! channels. Every loop is bounded and every test has a watchdog.

mod util;

use std::sync::Arc;
use std::thread;

use runtime::sync::{Notify, mpsc, oneshot};
use util::watchdog;

const THREADS: u64 = 8;
const PER_THREAD: u64 = 5_000;

#[test]
fn eight_std_threads_send_into_one_runtime_and_nothing_is_lost() {
    watchdog(180, || {
        runtime::block_on(async {
            // A small capacity, so the threads really do wait for room.
            let (tx, mut rx) = mpsc::channel::<(u64, u64)>(16);
            let (utx, mut urx) = mpsc::unbounded_channel::<u64>();
            let threads: Vec<_> = (0..THREADS)
                .map(|t| {
                    let (tx, utx) = (tx.clone(), utx.clone());
                    thread::spawn(move || {
                        for i in 0..PER_THREAD {
                            tx.blocking_send((t, i)).unwrap();
                            if i % 100 == 0 {
                                utx.send(t).unwrap();
                            }
                        }
                    })
                })
                .collect();
            drop((tx, utx));
            let mut next = vec![0u64; THREADS as usize];
            let mut total = 0;
            while let Some((t, i)) = rx.recv().await {
                assert_eq!(i, next[t as usize], "per-sender order kept");
                next[t as usize] += 1;
                total += 1;
                if total % 1000 == 0 {
                    runtime::yield_now().await;
                }
            }
            assert_eq!(total, THREADS * PER_THREAD);
            let mut marks = 0;
            while urx.recv().await.is_some() {
                marks += 1;
            }
            assert_eq!(marks, THREADS * PER_THREAD / 100);
            for t in threads {
                t.join().unwrap();
            }
        });
    });
}

#[test]
fn spawn_blocking_feeds_a_task_and_a_task_feeds_a_std_thread() {
    watchdog(90, || {
        runtime::block_on(async {
            let (tx, mut rx) = mpsc::channel(2);
            let feeder = runtime::spawn_blocking(move || {
                for i in 0..100u32 {
                    tx.blocking_send(i).unwrap();
                }
                "fed"
            });
            let mut sum = 0;
            while let Some(i) = rx.recv().await {
                sum += i;
            }
            assert_eq!(sum, 4950);
            assert_eq!(feeder.await.unwrap(), "fed");

            // The other way: a task sends, a std thread blocks on receiving.
            let (tx, mut rx) = mpsc::channel(1);
            let consumer = thread::spawn(move || {
                let mut got = Vec::new();
                while let Some(v) = rx.blocking_recv() {
                    got.push(v);
                }
                got
            });
            for i in 0..50 {
                tx.send(i).await.unwrap();
            }
            drop(tx);
            let (done_tx, done_rx) = oneshot::channel();
            thread::spawn(move || done_tx.send(consumer.join().unwrap()));
            assert_eq!(done_rx.await.unwrap(), (0..50).collect::<Vec<_>>());
        });
    });
}

#[test]
fn two_runtimes_on_two_threads_play_ping_pong() {
    watchdog(90, || {
        let (ping_tx, mut ping_rx) = mpsc::channel::<u32>(1);
        let (pong_tx, mut pong_rx) = mpsc::channel::<u32>(1);
        let ready = Arc::new(Notify::new());
        let other = {
            let ready = ready.clone();
            thread::spawn(move || {
                runtime::block_on(async move {
                    ready.notify_one();
                    while let Some(n) = ping_rx.recv().await {
                        pong_tx.send(n + 1).await.unwrap();
                    }
                })
            })
        };
        runtime::block_on(async move {
            ready.notified().await;
            let mut n = 0;
            for _ in 0..10_000 {
                ping_tx.send(n).await.unwrap();
                n = pong_rx.recv().await.unwrap();
            }
            assert_eq!(n, 10_000);
        });
        other.join().unwrap();
    });
}

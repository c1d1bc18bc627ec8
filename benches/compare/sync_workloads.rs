//! The channel and lock workloads, each written once against [`SyncRt`]
//! (the runtime's own tasks plus its channel, mutex and reader-writer
//! lock) or [`WatchRt`] (its watch channel). Each returns its measurement;
//! `main.rs` repeats and reports.

use std::rc::Rc;
use std::time::Instant;

use crate::sync_rt::{SyncRt, WatchRt};

/// `mpsc-pingpong`: two tasks pass a number back and forth `rounds` times
/// through two bounded channels of capacity 1 (ping, then pong). Every
/// message finds its receiver waiting, so each round trip is two sends,
/// two receives and two task wakes. Returns ns per round trip.
pub fn mpsc_pingpong<R: SyncRt>(rounds: u64) -> f64 {
    let elapsed = R::block_on(async move {
        let (ping_tx, mut ping_rx) = R::channel::<u64>(1);
        let (pong_tx, mut pong_rx) = R::channel::<u64>(1);
        let start = Instant::now();
        let echo = R::spawn(async move {
            while let Some(n) = R::recv(&mut ping_rx).await {
                R::send(&pong_tx, n + 1).await;
            }
        });
        let player = R::spawn(async move {
            let mut n = 0;
            for _ in 0..rounds {
                R::send(&ping_tx, n).await;
                n = R::recv(&mut pong_rx).await.expect("pong");
            }
            n
            // `ping_tx` is dropped here, which ends `echo`.
        });
        assert_eq!(player.await, rounds, "every round trip adds one");
        echo.await;
        start.elapsed()
    });
    elapsed.as_nanos() as f64 / rounds as f64
}

/// `mpsc-throughput`: 4 producer tasks send `messages` numbers in total
/// through one bounded channel of capacity `capacity` to 1 consumer task,
/// which sums them. Producers fill the channel and wait for room, so both
/// sides' waits are exercised. Returns ns per message.
pub fn mpsc_throughput<R: SyncRt>(messages: u64, capacity: usize) -> f64 {
    const PRODUCERS: u64 = 4;
    let elapsed = R::block_on(async move {
        let (tx, mut rx) = R::channel::<u64>(capacity);
        let start = Instant::now();
        let consumer = R::spawn(async move {
            let (mut count, mut sum) = (0u64, 0u64);
            while let Some(n) = R::recv(&mut rx).await {
                count += 1;
                sum += n;
            }
            (count, sum)
        });
        for p in 0..PRODUCERS {
            let tx = tx.clone();
            let share = messages / PRODUCERS + u64::from(p < messages % PRODUCERS);
            R::spawn_detached(async move {
                for i in 0..share {
                    R::send(&tx, i).await;
                }
            });
        }
        // The consumer ends when the producers' clones are gone too.
        drop(tx);
        let (count, sum) = consumer.await;
        assert_eq!(count, messages, "every message arrives");
        let expected: u64 = (0..PRODUCERS)
            .map(|p| messages / PRODUCERS + u64::from(p < messages % PRODUCERS))
            .map(|share| share * share.saturating_sub(1) / 2)
            .sum();
        assert_eq!(sum, expected, "no message is lost or duplicated");
        start.elapsed()
    });
    elapsed.as_nanos() as f64 / messages as f64
}

/// `mutex`: `tasks` tasks each `locks` times lock one shared counter,
/// yield while holding it, increment it and unlock. Every other task that
/// runs meanwhile finds it locked and waits, so each lock after the first
/// is a hand-over through the mutex's waiter queue. Returns ns per lock.
pub fn mutex<R: SyncRt>(tasks: u64, locks: u64) -> f64 {
    let elapsed = R::block_on(async move {
        let counter = Rc::new(R::mutex(0u64));
        let start = Instant::now();
        let handles: Vec<_> = (0..tasks)
            .map(|_| {
                let counter = counter.clone();
                R::spawn(async move {
                    for _ in 0..locks {
                        let mut guard = R::lock(&counter).await;
                        R::yield_now().await;
                        *guard += 1;
                        drop(guard);
                    }
                })
            })
            .collect();
        for handle in handles {
            handle.await;
        }
        assert_eq!(*R::lock(&counter).await, tasks * locks, "every increment");
        start.elapsed()
    });
    elapsed.as_nanos() as f64 / (tasks * locks) as f64
}

/// `rwlock`: `tasks` tasks each take one reader-writer lock `ops` times,
/// yielding while they hold it: a write one turn in 8 (staggered, so some
/// task writes in every turn), a read otherwise. Readers share the lock
/// with the readers queued beside them; each write waits for the readers
/// before it and holds back those after it, so the lock keeps changing
/// hands between groups of readers and single writers. Returns ns per lock.
pub fn rwlock<R: SyncRt>(tasks: u64, ops: u64) -> f64 {
    let is_write = |task: u64, op: u64| (task + op).is_multiple_of(8);
    let elapsed = R::block_on(async move {
        let lock = Rc::new(R::rwlock(0u64));
        let start = Instant::now();
        let handles: Vec<_> = (0..tasks)
            .map(|task| {
                let lock = lock.clone();
                R::spawn(async move {
                    let mut newest = 0;
                    for op in 0..ops {
                        if is_write(task, op) {
                            let mut guard = R::write_lock(&lock).await;
                            R::yield_now().await;
                            *guard += 1;
                        } else {
                            let guard = R::read_lock(&lock).await;
                            R::yield_now().await;
                            newest = newest.max(*guard);
                        }
                    }
                    newest
                })
            })
            .collect();
        for handle in handles {
            handle.await;
        }
        let elapsed = start.elapsed();
        let writes = (0..tasks)
            .map(|t| (0..ops).filter(|&op| is_write(t, op)).count() as u64)
            .sum::<u64>();
        assert_eq!(*R::read_lock(&lock).await, writes, "every write counted");
        elapsed
    });
    elapsed.as_nanos() as f64 / (tasks * ops) as f64
}

/// `watch`: one task publishes the values 1..=`sends` through a watch
/// channel, yielding after each so that the watchers run; `watchers` tasks
/// each wait for a change and read the latest value until they see the
/// last one. Every send wakes every waiting watcher. Returns ns per send.
pub fn watch<R: WatchRt>(watchers: u64, sends: u64) -> f64 {
    let elapsed = R::block_on(async move {
        let (tx, rx) = R::watch(0u64);
        let start = Instant::now();
        let handles: Vec<_> = (0..watchers)
            .map(|_| {
                let mut rx = rx.clone();
                R::spawn(async move {
                    let mut changes = 0u64;
                    while R::changed(&mut rx).await {
                        changes += 1;
                        if R::latest(&mut rx) == sends {
                            return changes;
                        }
                    }
                    panic!("the sender left before the last value");
                })
            })
            .collect();
        drop(rx);
        let sender = R::spawn(async move {
            for value in 1..=sends {
                R::publish(&tx, value);
                R::yield_now().await;
            }
            tx // kept until every watcher has seen the last value
        });
        let mut changes = 0;
        for handle in handles {
            changes += handle.await;
        }
        drop(sender.await);
        let elapsed = start.elapsed();
        assert!(
            (watchers..=watchers * sends).contains(&changes),
            "each watcher saw between 1 and every change"
        );
        elapsed
    });
    elapsed.as_nanos() as f64 / sends as f64
}

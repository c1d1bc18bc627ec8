//! `sync::broadcast`: every receiver sees every message; a slow receiver
//! lags instead of holding the sender back; memory stays at the capacity.

mod util;

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Poll, Waker};

use runtime::sync::broadcast::{self, RecvError, SendError, TryRecvError};
use util::{CountingWaker, DropFlag, poll_once, watchdog};

#[test]
fn every_receiver_gets_every_message_in_order() {
    let (tx, mut a) = broadcast::channel(8);
    let mut b = tx.subscribe();
    assert_eq!(tx.receiver_count(), 2);
    for i in 0..5 {
        assert_eq!(tx.send(i), Ok(2));
    }
    for i in 0..5 {
        assert_eq!(a.try_recv(), Ok(i));
    }
    assert_eq!(a.try_recv(), Err(TryRecvError::Empty));
    for i in 0..5 {
        assert_eq!(b.try_recv(), Ok(i));
    }
}

#[test]
fn a_slow_receiver_lags_and_skips_to_the_oldest_message_held() {
    let (tx, mut slow) = broadcast::channel(4);
    let mut fast = tx.subscribe();
    for i in 0..10u64 {
        tx.send(i).unwrap();
        assert_eq!(fast.try_recv(), Ok(i), "never blocked by the slow one");
    }
    assert_eq!(slow.try_recv(), Err(TryRecvError::Lagged(6)));
    for i in 6..10 {
        assert_eq!(slow.try_recv(), Ok(i));
    }
    tx.send(10).unwrap();
    let noop = Waker::noop();
    assert_eq!(
        poll_once(Pin::new(&mut slow.recv()), noop),
        Poll::Ready(Ok(10))
    );
    for i in 11..20 {
        tx.send(i).unwrap();
    }
    assert_eq!(
        poll_once(Pin::new(&mut slow.recv()), noop),
        Poll::Ready(Err(RecvError::Lagged(5)))
    );
}

#[test]
fn memory_is_bounded_by_the_capacity() {
    let alive = Arc::new(AtomicUsize::new(0));
    let dropped = Arc::new(AtomicUsize::new(0));
    let (tx, _never_reads) = broadcast::channel(3);
    for _ in 0..100 {
        alive.fetch_add(1, Ordering::SeqCst);
        tx.send(Arc::new(DropFlag(dropped.clone()))).unwrap();
    }
    let held = alive.load(Ordering::SeqCst) - dropped.load(Ordering::SeqCst);
    assert_eq!(held, 3, "only the last `capacity` messages are kept");
}

#[test]
fn waiting_receivers_are_woken_by_a_send_and_by_the_last_sender_leaving() {
    let (tx, mut a) = broadcast::channel(2);
    let mut b = tx.subscribe();
    let (wa, wb) = (CountingWaker::new(), CountingWaker::new());
    let (ka, kb) = (Waker::from(wa.clone()), Waker::from(wb.clone()));
    let mut ra = a.recv();
    assert!(poll_once(Pin::new(&mut ra), &ka).is_pending());
    assert!(poll_once(Pin::new(&mut ra), &ka).is_pending());
    assert_eq!(Arc::strong_count(&wa), 3, "waker stored once");
    tx.send("x").unwrap();
    assert_eq!(wa.wakes(), 1);
    assert_eq!(poll_once(Pin::new(&mut ra), &ka), Poll::Ready(Ok("x")));
    drop(ra);

    let mut rb = b.recv();
    assert_eq!(poll_once(Pin::new(&mut rb), &kb), Poll::Ready(Ok("x")));
    drop(rb);
    let mut rb = b.recv();
    assert!(poll_once(Pin::new(&mut rb), &kb).is_pending());
    let tx2 = tx.clone();
    drop(tx);
    assert_eq!(wb.wakes(), 0);
    drop(tx2);
    assert_eq!(wb.wakes(), 1);
    assert_eq!(
        poll_once(Pin::new(&mut rb), &kb),
        Poll::Ready(Err(RecvError::Closed))
    );
}

#[test]
fn closed_only_after_every_message_is_read() {
    let (tx, mut rx) = broadcast::channel(4);
    tx.send(1).unwrap();
    tx.send(2).unwrap();
    drop(tx);
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.try_recv(), Ok(2));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn send_without_receivers_fails_and_subscribers_start_at_the_next_message() {
    let (tx, rx) = broadcast::channel(4);
    tx.send(0).unwrap();
    let mut late = rx.resubscribe();
    drop(rx);
    tx.send(1).unwrap();
    drop(late);
    assert_eq!(tx.send(2), Err(SendError(2)));
    assert_eq!(tx.receiver_count(), 0);
    late = tx.subscribe();
    tx.send(3).unwrap();
    assert_eq!(late.try_recv(), Ok(3));
}

#[test]
fn tasks_on_the_runtime_hear_every_message() {
    watchdog(90, || {
        runtime::block_on(async {
            let (tx, _rx) = broadcast::channel(64);
            let listeners: Vec<_> = (0..4)
                .map(|_| {
                    let mut rx = tx.subscribe();
                    runtime::spawn(async move {
                        let mut sum = 0u64;
                        loop {
                            match rx.recv().await {
                                Ok(v) => sum += v,
                                Err(RecvError::Closed) => return sum,
                                Err(RecvError::Lagged(n)) => panic!("lagged by {n}"),
                            }
                        }
                    })
                })
                .collect();
            for i in 0..1000u64 {
                tx.send(i).unwrap();
                if i % 32 == 0 {
                    runtime::yield_now().await;
                }
            }
            drop(tx);
            drop(_rx);
            for listener in listeners {
                assert_eq!(listener.await.unwrap(), 999 * 1000 / 2);
            }
        });
    });
}

#[test]
fn errors_are_typed_printable_and_comparable() {
    let e: Box<dyn std::error::Error> = Box::new(RecvError::Lagged(3));
    assert_eq!(
        e.to_string(),
        "broadcast receiver lagged: 3 messages skipped; receive faster or raise the capacity"
    );
    assert!(RecvError::Closed.to_string().contains("closed"));
    assert!(TryRecvError::Empty.to_string().contains("empty"));
    assert_eq!(
        TryRecvError::Lagged(2).to_string(),
        RecvError::Lagged(2).to_string()
    );
    assert!(SendError(1).to_string().contains("no receivers"));
    assert_eq!(SendError(1).into_inner(), 1);
}

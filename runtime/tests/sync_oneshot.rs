//! `sync::oneshot`: one value from one place to another, and what each
//! half sees when the other is dropped.

mod util;

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Poll, Waker};
use std::thread;

use runtime::sync::oneshot::{self, RecvError, TryRecvError};
use util::{CountingWaker, poll_once, watchdog};

#[test]
fn the_receiver_is_a_future_of_the_value() {
    let (tx, mut rx) = oneshot::channel();
    let w = CountingWaker::new();
    let k = Waker::from(w.clone());
    for _ in 0..3 {
        assert!(poll_once(Pin::new(&mut rx), &k).is_pending());
    }
    assert_eq!(Arc::strong_count(&w), 3, "waker stored once, not per poll");
    assert!(!tx.is_closed());
    tx.send(7).unwrap();
    assert_eq!(w.wakes(), 1);
    assert_eq!(poll_once(Pin::new(&mut rx), &k), Poll::Ready(Ok(7)));
}

#[test]
fn a_sender_dropped_unsent_is_an_error_and_wakes_the_receiver() {
    let (tx, mut rx) = oneshot::channel::<u8>();
    let w = CountingWaker::new();
    let k = Waker::from(w.clone());
    assert!(poll_once(Pin::new(&mut rx), &k).is_pending());
    drop(tx);
    assert_eq!(w.wakes(), 1);
    assert_eq!(
        poll_once(Pin::new(&mut rx), &k),
        Poll::Ready(Err(expect_err()))
    );
}

fn expect_err() -> RecvError {
    let (tx, rx) = oneshot::channel::<u8>();
    drop(tx);
    runtime::block_on(rx).unwrap_err()
}

#[test]
fn send_fails_with_the_value_when_the_receiver_is_gone_or_closed() {
    let (tx, rx) = oneshot::channel();
    drop(rx);
    assert!(tx.is_closed());
    assert_eq!(tx.send(String::from("back")), Err(String::from("back")));

    let (tx, mut rx) = oneshot::channel();
    rx.close();
    assert!(tx.is_closed());
    assert_eq!(tx.send(1), Err(1));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn try_recv_tells_empty_from_closed() {
    let (tx, mut rx) = oneshot::channel();
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    tx.send(3).unwrap();
    assert_eq!(rx.try_recv(), Ok(3));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn a_value_crosses_threads_both_ways() {
    watchdog(90, || {
        runtime::block_on(async {
            let (tx, rx) = oneshot::channel();
            let worker = thread::spawn(move || tx.send(thread::current().id()));
            let id = rx.await.unwrap();
            assert_ne!(id, thread::current().id());
            worker.join().unwrap().unwrap();

            // From a task to a blocked thread, through `spawn_blocking`.
            let (tx, rx) = oneshot::channel::<u32>();
            let waiter = runtime::spawn_blocking(move || runtime::block_on(rx));
            tx.send(99).unwrap();
            assert_eq!(waiter.await.unwrap(), Ok(99));
        });
    });
}

#[test]
fn errors_are_typed_printable_and_comparable() {
    let err = expect_err();
    assert_eq!(err.clone(), err);
    let e: Box<dyn std::error::Error> = Box::new(err);
    assert_eq!(
        e.to_string(),
        "oneshot sender dropped without sending a value"
    );
    assert!(
        TryRecvError::Empty
            .to_string()
            .contains("no value sent yet")
    );
    assert!(TryRecvError::Closed.to_string().contains("closed"));
}

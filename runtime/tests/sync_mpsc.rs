//! `sync::mpsc`: bounded and unbounded channels, polled by hand where the
//! order of events matters and on the runtime where tasks matter.

mod util;

use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use futures_core::Stream;
use runtime::sync::mpsc::{self, SendError, TryRecvError, TrySendError};
use util::{CountingWaker, DropFlag, poll_once, watchdog};

#[test]
fn bounded_send_waits_while_full_and_senders_are_served_in_order() {
    let (tx, mut rx) = mpsc::channel(1);
    let (w1, w2) = (CountingWaker::new(), CountingWaker::new());
    let (k1, k2) = (Waker::from(w1.clone()), Waker::from(w2.clone()));
    tx.try_send(0).unwrap();
    let mut s1 = tx.send(1);
    let mut s2 = tx.send(2);
    assert!(poll_once(Pin::new(&mut s1), &k1).is_pending());
    assert!(poll_once(Pin::new(&mut s2), &k2).is_pending());
    assert_eq!(tx.waiter_footprint().0, 2);

    // Receiving frees the slot; it goes to the first waiter, not to a
    // newcomer: `try_send` sees the channel full again.
    assert_eq!(rx.try_recv(), Ok(0));
    assert_eq!((w1.wakes(), w2.wakes()), (1, 0));
    assert_eq!(tx.try_send(9), Err(TrySendError::Full(9)));
    assert_eq!(poll_once(Pin::new(&mut s1), &k1), Poll::Ready(Ok(())));
    assert!(poll_once(Pin::new(&mut s2), &k2).is_pending(), "still full");
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(w2.wakes(), 1);
    assert_eq!(poll_once(Pin::new(&mut s2), &k2), Poll::Ready(Ok(())));
    assert_eq!(rx.try_recv(), Ok(2));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    drop((s1, s2));
    assert_eq!(tx.waiter_footprint().1, 0, "no waiter entry left");
}

#[test]
fn a_waiting_sender_stores_its_waker_once_and_replaces_it_only_when_it_changes() {
    let (tx, _rx) = mpsc::channel(1);
    tx.try_send(0).unwrap();
    let (a, b) = (CountingWaker::new(), CountingWaker::new());
    let (ka, kb) = (Waker::from(a.clone()), Waker::from(b.clone()));
    let mut send = tx.send(1);
    for _ in 0..5 {
        assert!(poll_once(Pin::new(&mut send), &ka).is_pending());
    }
    // The test's `a` and `ka`, plus one stored clone: not one per poll.
    assert_eq!(Arc::strong_count(&a), 3);
    assert!(poll_once(Pin::new(&mut send), &kb).is_pending());
    assert_eq!((Arc::strong_count(&a), Arc::strong_count(&b)), (2, 3));
    drop(send);
    assert_eq!(
        Arc::strong_count(&b),
        2,
        "dropping the future drops its waker"
    );
}

#[test]
fn recv_returns_queued_messages_then_none_once_every_sender_is_gone() {
    let (tx, mut rx) = mpsc::channel(4);
    let tx2 = tx.clone();
    tx.try_send("a").unwrap();
    tx2.try_send("b").unwrap();
    drop(tx);
    assert_eq!(rx.try_recv(), Ok("a"));
    drop(tx2);
    assert_eq!(rx.try_recv(), Ok("b"), "queued before the last sender left");
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    let noop = Waker::noop();
    assert_eq!(poll_once(Pin::new(&mut rx.recv()), noop), Poll::Ready(None));
}

#[test]
fn the_last_sender_dropping_wakes_a_waiting_receiver() {
    let (tx, mut rx) = mpsc::channel::<u8>(1);
    let w = CountingWaker::new();
    let k = Waker::from(w.clone());
    assert!(poll_once(Pin::new(&mut rx.recv()), &k).is_pending());
    let tx2 = tx.clone();
    drop(tx);
    assert_eq!(w.wakes(), 0, "one sender is left");
    drop(tx2);
    assert_eq!(w.wakes(), 1);
    assert_eq!(poll_once(Pin::new(&mut rx.recv()), &k), Poll::Ready(None));
}

#[test]
fn a_sender_dropped_mid_send_loses_nothing_already_queued() {
    let (tx, mut rx) = mpsc::channel(2);
    tx.try_send(1).unwrap();
    tx.try_send(2).unwrap();
    let noop = Waker::noop();
    {
        let mut blocked = tx.send(3);
        assert!(poll_once(Pin::new(&mut blocked), noop).is_pending());
        // Dropped while waiting: its message was never sent.
    }
    let mut chosen = tx.send(4);
    assert!(poll_once(Pin::new(&mut chosen), noop).is_pending());
    assert_eq!(rx.try_recv(), Ok(1));
    // The slot went to `chosen` and its message is queued: dropping the
    // future now does not take it back.
    drop(chosen);
    drop(tx);
    let mut got = Vec::new();
    while let Ok(v) = rx.try_recv() {
        got.push(v);
    }
    assert_eq!(got, [2, 4]);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
}

#[test]
fn close_refuses_sends_hands_waiting_messages_back_and_keeps_the_queue() {
    let (tx, mut rx) = mpsc::channel(1);
    tx.try_send("queued").unwrap();
    let w = CountingWaker::new();
    let k = Waker::from(w.clone());
    let mut waiting = tx.send("waiting");
    assert!(poll_once(Pin::new(&mut waiting), &k).is_pending());
    rx.close();
    assert_eq!(w.wakes(), 1);
    assert_eq!(
        poll_once(Pin::new(&mut waiting), &k),
        Poll::Ready(Err(SendError("waiting")))
    );
    assert!(tx.is_closed());
    assert_eq!(tx.capacity(), 0);
    assert_eq!(tx.try_send("late"), Err(TrySendError::Closed("late")));
    assert_eq!(rx.try_recv(), Ok("queued"));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
}

#[test]
fn dropping_the_receiver_fails_waiting_senders_and_drops_the_queue() {
    let drops = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = mpsc::channel(1);
    tx.try_send(DropFlag(drops.clone())).unwrap();
    let mut waiting = tx.send(DropFlag(drops.clone()));
    assert!(poll_once(Pin::new(&mut waiting), Waker::noop()).is_pending());
    drop(rx);
    assert_eq!(
        drops.load(Ordering::SeqCst),
        1,
        "the queued message is dropped"
    );
    match poll_once(Pin::new(&mut waiting), Waker::noop()) {
        Poll::Ready(Err(SendError(flag))) => drop(flag),
        other => panic!(
            "expected the message back, got {:?}",
            other.map(|r| r.is_ok())
        ),
    }
    assert_eq!(drops.load(Ordering::SeqCst), 2);
    assert!(tx.try_send(DropFlag(drops.clone())).is_err());
}

#[test]
fn unbounded_send_never_waits_and_keeps_order() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    for i in 0..10_000 {
        tx.send(i).unwrap();
    }
    assert_eq!(rx.len(), 10_000);
    for i in 0..10_000 {
        assert_eq!(rx.try_recv(), Ok(i));
    }
    assert!(rx.is_empty());
    rx.close();
    assert_eq!(tx.send(1), Err(SendError(1)));
    assert!(tx.is_closed());
}

#[test]
fn both_receivers_are_streams() {
    let (tx, mut rx) = mpsc::channel(2);
    let (utx, mut urx) = mpsc::unbounded_channel();
    tx.try_send(1).unwrap();
    utx.send(2).unwrap();
    drop((tx, utx));
    let mut cx = std::task::Context::from_waker(Waker::noop());
    assert_eq!(Pin::new(&mut rx).poll_next(&mut cx), Poll::Ready(Some(1)));
    assert_eq!(Pin::new(&mut rx).poll_next(&mut cx), Poll::Ready(None));
    assert_eq!(Pin::new(&mut urx).poll_next(&mut cx), Poll::Ready(Some(2)));
    assert_eq!(Pin::new(&mut urx).poll_next(&mut cx), Poll::Ready(None));
}

#[test]
fn a_fast_producer_is_held_back_by_the_capacity() {
    watchdog(90, || {
        runtime::block_on(async {
            let (tx, mut rx) = mpsc::channel(4);
            let sent = Arc::new(AtomicUsize::new(0));
            let producer = runtime::spawn({
                let sent = sent.clone();
                async move {
                    for i in 0..100 {
                        // Counted before the send: the receiver may see the
                        // message before the producer runs again.
                        sent.fetch_add(1, Ordering::SeqCst);
                        tx.send(i).await?;
                    }
                    Ok::<_, SendError<i32>>(())
                }
            });
            let mut received = 0;
            while let Some(i) = rx.recv().await {
                assert_eq!(i, received);
                received += 1;
                // At most 4 queued plus the one its `send` waits with.
                let ahead = sent.load(Ordering::SeqCst) - received as usize;
                assert!(ahead <= 5, "the producer ran {ahead} messages ahead");
                if i % 7 == 0 {
                    runtime::time::sleep(Duration::from_millis(1)).await;
                }
            }
            assert_eq!(received, 100);
            producer.await.unwrap().unwrap();
        });
    });
}

#[test]
fn errors_are_typed_printable_and_comparable() {
    let e: Box<dyn std::error::Error> = Box::new(SendError(5));
    assert_eq!(
        e.to_string(),
        "channel closed: the receiver was dropped or closed"
    );
    assert_eq!(format!("{:?}", SendError(5)), "SendError { .. }");
    assert_eq!(SendError(5).into_inner(), 5);
    assert_eq!(TrySendError::Full(1).into_inner(), 1);
    assert!(TrySendError::Full(1).to_string().contains("full"));
    assert!(TrySendError::Closed(1).to_string().contains("closed"));
    assert_eq!(TrySendError::from(SendError(2)), TrySendError::Closed(2));
    assert!(TryRecvError::Empty.to_string().contains("empty"));
    assert!(
        TryRecvError::Disconnected
            .to_string()
            .contains("disconnected")
    );
    let _: &dyn std::error::Error = &TryRecvError::Empty;
}

#[test]
#[should_panic(expected = "capacity > 0")]
fn a_zero_capacity_is_refused() {
    let _ = mpsc::channel::<u8>(0);
}

#[test]
fn a_waiting_receiver_stores_its_waker_once_and_is_woken_by_a_send() {
    let (tx, mut rx) = mpsc::channel(1);
    let w = CountingWaker::new();
    let k = Waker::from(w.clone());
    for _ in 0..5 {
        assert!(poll_once(Pin::new(&mut rx.recv()), &k).is_pending());
    }
    assert_eq!(Arc::strong_count(&w), 3, "stored once, not per poll");
    tx.try_send(1).unwrap();
    assert_eq!(w.wakes(), 1);
    assert_eq!(
        Arc::strong_count(&w),
        2,
        "the stored waker was used up by the wake"
    );
    assert_eq!(
        poll_once(Pin::new(&mut rx.recv()), &k),
        Poll::Ready(Some(1))
    );
}

#[test]
fn a_receiver_that_always_finds_a_message_still_lets_other_tasks_run() {
    watchdog(30, || {
        runtime::block_on(async {
            let (tx, mut rx) = mpsc::unbounded_channel();
            for i in 0..10_000 {
                tx.send(i).unwrap();
            }
            let other_ran = std::rc::Rc::new(std::cell::Cell::new(false));
            let flag = other_ran.clone();
            let _other = runtime::spawn(async move { flag.set(true) });
            let mut received = 0;
            while !other_ran.get() {
                rx.recv().await.expect("the queue holds 10,000 messages");
                received += 1;
            }
            // The budget (runtime::BUDGET receives per poll) sent the loop to
            // the back of the run queue long before the queue ran dry; the
            // receive that found the budget spent completes after the yield.
            assert!(
                received <= runtime::BUDGET as usize + 1,
                "{received} receives before yielding"
            );
        });
    });
}

/// A wake may run any code, even code that uses the channel it came from:
/// every operation wakes only after releasing the channel's lock (the
/// guide's chapter 8, rule 2). Woken under the lock, this waker's
/// `try_send` would wait for that lock forever.
#[test]
fn a_waker_may_use_the_channel_that_wakes_it() {
    /// A receiver's waker that sends on the same channel when woken.
    struct SendsWhenWoken(mpsc::Sender<u32>, AtomicUsize);
    impl Wake for SendsWhenWoken {
        fn wake(self: Arc<Self>) {
            self.wake_by_ref();
        }
        fn wake_by_ref(self: &Arc<Self>) {
            if self.1.fetch_add(1, Ordering::SeqCst) == 0 {
                self.0.try_send(100).expect("room for one more");
            }
        }
    }
    watchdog(5, || {
        let (tx, mut rx) = mpsc::channel(4);
        let woken = Arc::new(SendsWhenWoken(tx.clone(), AtomicUsize::new(0)));
        let waker = Waker::from(woken.clone());
        let mut recv = pin!(rx.recv());
        let mut cx = Context::from_waker(&waker);
        assert!(recv.as_mut().poll(&mut cx).is_pending()); // its waker is stored
        let mut send = pin!(tx.send(1));
        let sent = send.as_mut().poll(&mut Context::from_waker(Waker::noop()));
        assert_eq!(
            sent,
            Poll::Ready(Ok(())),
            "room: sent at once, and the receiver woken"
        );
        assert_eq!(woken.1.load(Ordering::SeqCst), 1);
        assert_eq!(recv.as_mut().poll(&mut cx), Poll::Ready(Some(1)));
        assert_eq!(rx.try_recv(), Ok(100), "the waker's own send");
    });
}

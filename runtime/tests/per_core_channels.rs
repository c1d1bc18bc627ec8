//! Cores talk through `runtime::sync` channels: one core sends N messages
//! to another through a bounded `mpsc` (so the sender waits on the
//! receiver's core, and each wake crosses threads), the other answers with
//! a `oneshot`; and a ping-pong of round trips between two cores.

mod util;

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use runtime::sync::{mpsc, oneshot};
use runtime::time::timeout;
use util::watchdog;

const N: u64 = 10_000;

fn take<T>(slot: &Mutex<Option<T>>) -> T {
    let mut slot = slot.lock().unwrap_or_else(PoisonError::into_inner);
    slot.take().expect("taken once")
}

#[test]
fn one_core_sends_n_messages_and_gets_a_oneshot_answer() {
    watchdog(60, || {
        let (tx, rx) = mpsc::channel::<u64>(16);
        let (answer_tx, answer_rx) = oneshot::channel::<(u64, u64)>();
        let (tx, rx) = (Mutex::new(Some(tx)), Mutex::new(Some(rx)));
        let (answer_tx, answer_rx) = (Mutex::new(Some(answer_tx)), Mutex::new(Some(answer_rx)));
        let outputs = runtime::per_core(2, |core| {
            let (tx, rx, answer_tx, answer_rx) = (&tx, &rx, &answer_tx, &answer_rx);
            async move {
                if core == 0 {
                    let tx = take(tx);
                    for i in 1..=N {
                        tx.send(i).await.expect("core 1 receives until the end");
                    }
                    drop(tx); // ends core 1's loop
                    let answer = timeout(Duration::from_secs(30), take(answer_rx))
                        .await
                        .expect("an answer in time")
                        .expect("core 1 answers");
                    Some(answer)
                } else {
                    let mut rx = take(rx);
                    let (mut count, mut sum, mut in_order) = (0, 0, true);
                    while let Some(i) = rx.recv().await {
                        count += 1;
                        sum += i;
                        in_order &= i == count;
                    }
                    assert!(in_order, "messages arrive in the order sent");
                    take(answer_tx).send((count, sum)).unwrap();
                    // This core's runtime saw only its own work.
                    assert_eq!(runtime::stats().tasks, 0);
                    None
                }
            }
        });
        assert_eq!(outputs, [Some((N, N * (N + 1) / 2)), None]);
    });
}

#[test]
fn two_cores_play_ping_pong() {
    watchdog(60, || {
        const ROUNDS: u32 = 2_000;
        let (ping_tx, ping_rx) = mpsc::channel::<u32>(1);
        let (pong_tx, pong_rx) = mpsc::unbounded_channel::<u32>();
        let ping = (Mutex::new(Some(ping_tx)), Mutex::new(Some(ping_rx)));
        let pong = (Mutex::new(Some(pong_tx)), Mutex::new(Some(pong_rx)));
        let rounds = runtime::per_core(2, |core| {
            let (ping, pong) = (&ping, &pong);
            async move {
                let mut rounds = 0;
                if core == 0 {
                    let (tx, mut rx) = (take(&ping.0), take(&pong.1));
                    for i in 0..ROUNDS {
                        tx.send(i).await.unwrap();
                        let back = timeout(Duration::from_secs(10), rx.recv()).await;
                        assert_eq!(back, Ok(Some(i + 1)));
                        rounds += 1;
                    }
                } else {
                    let (mut rx, tx) = (take(&ping.1), take(&pong.0));
                    while let Some(i) = rx.recv().await {
                        tx.send(i + 1).unwrap();
                        rounds += 1;
                    }
                }
                rounds
            }
        });
        assert_eq!(rounds, [ROUNDS, ROUNDS]);
    });
}

/// A message to a core that sleeps in `epoll_wait` with nothing to wait for
/// (no socket, no timer) wakes it: the remote wake queues the task on that
/// core's runtime and notifies its poller (the guide's chapters 2 and 9).
#[test]
fn a_message_wakes_a_core_asleep_with_no_timer() {
    watchdog(5, || {
        let (tx, rx) = mpsc::channel::<u32>(1);
        let (tx, rx) = (Mutex::new(Some(tx)), Mutex::new(Some(rx)));
        let got = runtime::per_core(2, |core| {
            let (tx, rx) = (&tx, &rx);
            async move {
                if core == 0 {
                    // Long enough for core 1 to be asleep with no deadline.
                    std::thread::sleep(Duration::from_millis(50));
                    take(tx).send(7).await.expect("core 1 waits");
                    None
                } else {
                    take(rx).recv().await
                }
            }
        });
        assert_eq!(got, [None, Some(7)]);
    });
}

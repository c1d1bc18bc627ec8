//! `runtime::signal`: signals this process sends itself reach waiting tasks,
//! in one runtime and in two at once; deliveries between polls coalesce
//! without losing the last; a dropped listener is gone; signals that cannot
//! be caught are clear errors that leave nothing behind.
//!
//! Signals are process-wide and the harness runs tests on parallel threads,
//! so each test listens for a signal of its own, and all of them hold
//! `util::exclusive()` (some count open descriptors). A test sends a signal
//! only while a listener for it exists: the signal's default action (for
//! most, ending the process) is then replaced.

#![cfg(feature = "signal")]

mod util;

use std::future::poll_fn;
use std::io;
use std::sync::{Arc, Barrier, mpsc};
use std::task::Poll;
use std::thread;
use std::time::Duration;

use runtime::signal::unix::{Signal, SignalKind, signal};
use runtime::time::{sleep, timeout};
use rustix::process::{Signal as Raw, getpid, kill_process};
use util::{exclusive, open_fds, watchdog};

const PATIENCE: Duration = Duration::from_secs(5);
/// Long enough for a delivery that was coming to have come.
const QUIET: Duration = Duration::from_millis(100);

fn send(sig: Raw) {
    kill_process(getpid(), sig).expect("kill(getpid())");
}

/// Whether `recv` returns within [`QUIET`].
async fn recv_soon(signal: &mut Signal) -> bool {
    timeout(QUIET, signal.recv()).await.is_ok()
}

#[test]
fn a_signal_wakes_a_task_waiting_for_it() {
    watchdog(30, || {
        let _serial = exclusive();
        runtime::block_on(async {
            let mut usr1 = signal(SignalKind::user_defined1())?;
            let sender = runtime::spawn(async {
                sleep(Duration::from_millis(30)).await;
                send(Raw::USR1);
            });
            // The task is parked in the reactor when the signal comes.
            assert_eq!(timeout(PATIENCE, usr1.recv()).await?, Some(()));
            sender.await.unwrap();
            // Each later delivery wakes it again.
            for _ in 0..3 {
                send(Raw::USR1);
                assert_eq!(timeout(PATIENCE, usr1.recv()).await?, Some(()));
            }
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn two_runtimes_on_two_threads_both_see_one_signal() {
    watchdog(30, || {
        let _serial = exclusive();
        let listening = Arc::new(Barrier::new(3));
        let (done_tx, done_rx) = mpsc::channel();
        for core in 0..2 {
            let (listening, done_tx) = (listening.clone(), done_tx.clone());
            thread::spawn(move || {
                let got = runtime::block_on(async {
                    let mut usr2 = signal(SignalKind::user_defined2())?;
                    listening.wait();
                    timeout(PATIENCE, usr2.recv())
                        .await
                        .map_err(io::Error::from)
                });
                done_tx
                    .send((core, got.map_err(|e| e.to_string())))
                    .unwrap();
            });
        }
        listening.wait();
        send(Raw::USR2); // one delivery, two listeners
        let mut seen: Vec<_> = (0..2)
            .map(|_| {
                done_rx
                    .recv_timeout(PATIENCE * 2)
                    .expect("a runtime reports")
            })
            .collect();
        seen.sort_by_key(|&(core, _)| core);
        assert_eq!(seen, [(0, Ok(Some(()))), (1, Ok(Some(())))]);
    });
}

#[test]
fn listeners_in_one_runtime_each_see_every_delivery() {
    watchdog(30, || {
        let _serial = exclusive();
        runtime::block_on(async {
            let mut listeners = (0..5)
                .map(|_| signal(SignalKind::quit()))
                .collect::<io::Result<Vec<_>>>()?;
            send(Raw::QUIT);
            for listener in &mut listeners {
                assert_eq!(timeout(PATIENCE, listener.recv()).await?, Some(()));
            }
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn deliveries_between_polls_coalesce_and_the_last_is_never_lost() {
    watchdog(30, || {
        let _serial = exclusive();
        runtime::block_on(async {
            let mut hup = signal(SignalKind::hangup())?;
            for _ in 0..5 {
                send(Raw::HUP);
            }
            sleep(QUIET).await; // every delivery is in the pipe
            // Five deliveries, one batch.
            assert_eq!(timeout(PATIENCE, hup.recv()).await?, Some(()));
            assert!(!recv_soon(&mut hup).await, "the batch was taken whole");
            // A delivery after the batch makes the next recv return.
            send(Raw::HUP);
            assert_eq!(timeout(PATIENCE, hup.recv()).await?, Some(()));
            // Also when it comes while nobody is polling.
            send(Raw::HUP);
            sleep(QUIET).await;
            assert!(recv_soon(&mut hup).await);
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn a_recv_cancelled_by_select_loses_nothing() {
    watchdog(30, || {
        let _serial = exclusive();
        runtime::block_on(async {
            let mut winch = signal(SignalKind::window_change())?;
            // A recv that loses a race to a timer consumes nothing...
            assert!(!recv_soon(&mut winch).await);
            // ...and a delivery while no recv exists is there for the next.
            send(Raw::WINCH);
            sleep(QUIET).await;
            assert_eq!(timeout(PATIENCE, winch.recv()).await?, Some(()));
            // A recv cancelled while a delivery is waiting leaves it too.
            send(Raw::WINCH);
            drop(winch.recv());
            assert_eq!(timeout(PATIENCE, winch.recv()).await?, Some(()));
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn poll_recv_serves_hand_written_futures() {
    watchdog(30, || {
        let _serial = exclusive();
        runtime::block_on(async {
            let mut alarm = signal(SignalKind::alarm())?;
            let mut polls = 0;
            let first = poll_fn(|cx| {
                polls += 1;
                if polls == 1 {
                    assert_eq!(alarm.poll_recv(cx), Poll::Pending);
                    send(Raw::ALARM);
                    return Poll::Pending; // woken by the delivery
                }
                alarm.poll_recv(cx)
            });
            assert_eq!(timeout(PATIENCE, first).await?, Some(()));
            assert!(polls >= 2);
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn a_dropped_listener_is_unregistered_and_its_pipe_closed() {
    watchdog(30, || {
        let _serial = exclusive();
        let fds = open_fds();
        runtime::block_on(async {
            let fds = open_fds(); // with the runtime's own
            // `keeper` stays, so the signal never falls back to its
            // default action (ending the process).
            let mut keeper = signal(SignalKind::user_defined1())?;
            let sources = runtime::stats().sources;
            let dropped = signal(SignalKind::user_defined1())?;
            assert_eq!(open_fds(), fds + 4, "two pipes");
            assert_eq!(runtime::stats().sources, sources + 1);
            drop(dropped);
            assert_eq!(open_fds(), fds + 2, "the dropped listener's pipe is closed");
            assert_eq!(runtime::stats().sources, sources);
            // A later delivery runs only the remaining action.
            send(Raw::USR1);
            assert_eq!(timeout(PATIENCE, keeper.recv()).await?, Some(()));
            // Many listeners come and go, with deliveries in between.
            for _ in 0..50 {
                let mut extra = signal(SignalKind::user_defined1())?;
                send(Raw::USR1);
                assert_eq!(timeout(PATIENCE, extra.recv()).await?, Some(()));
            }
            io::Result::Ok(())
        })
        .unwrap();
        assert_eq!(open_fds(), fds, "every pipe is closed");
    });
}

#[test]
fn ctrl_c_completes_on_sigint() {
    watchdog(30, || {
        let _serial = exclusive();
        runtime::block_on(async {
            let ctrl_c = runtime::signal::ctrl_c();
            let sender = runtime::spawn(async {
                sleep(Duration::from_millis(30)).await;
                send(Raw::INT);
            });
            // Registered at its first poll, before the task sends.
            timeout(PATIENCE, ctrl_c).await??;
            sender.await.unwrap();
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn signals_that_cannot_be_caught_are_clear_errors_that_leave_nothing_behind() {
    watchdog(30, || {
        let _serial = exclusive();
        let fds = open_fds();
        runtime::block_on(async {
            let cases = [
                (9, "signal 9 (SIGKILL) cannot be caught"),
                (19, "signal 19 (SIGSTOP) cannot be caught"),
                (
                    11,
                    "signal 11 (SIGSEGV) reports a fault of the program itself and cannot be \
                     listened for",
                ),
                (
                    4,
                    "signal 4 (SIGILL) reports a fault of the program itself and cannot be listened for",
                ),
                (
                    8,
                    "signal 8 (SIGFPE) reports a fault of the program itself and cannot be listened for",
                ),
                (0, "signal 0 is not a signal number"),
                (-3, "signal -3 is not a signal number"),
                (
                    200,
                    "signal 200 does not exist on this platform (or its C library reserves it)",
                ),
            ];
            for (signum, message) in cases {
                let err = signal(SignalKind::from_raw(signum)).unwrap_err();
                assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{signum}");
                assert_eq!(err.to_string(), message);
            }
            assert_eq!(runtime::stats().sources, 0);
        });
        assert_eq!(open_fds(), fds);
    });
}

#[test]
fn outside_a_runtime_signal_is_an_error_not_a_panic() {
    watchdog(30, || {
        let _serial = exclusive();
        let fds = open_fds();
        let err = signal(SignalKind::user_defined2()).unwrap_err();
        assert!(err.to_string().contains("inside a runtime"), "{err}");
        assert_eq!(open_fds(), fds);
    });
}

#[test]
fn signal_kinds_name_themselves() {
    assert_eq!(format!("{:?}", SignalKind::terminate()), "SIGTERM");
    assert_eq!(format!("{:?}", SignalKind::child()), "SIGCHLD");
    assert_eq!(format!("{:?}", SignalKind::from_raw(45)), "signal 45");
    assert_eq!(SignalKind::from(2), SignalKind::interrupt());
    assert_eq!(i32::from(SignalKind::user_defined1()), Raw::USR1.as_raw());
}

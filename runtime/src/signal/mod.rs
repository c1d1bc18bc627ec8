//! Signals as futures: [`ctrl_c`], and on Unix [`unix::signal`] for any
//! signal a program may catch (`SIGTERM`, `SIGHUP`, `SIGUSR1`, `SIGCHLD`…).
//!
//! ```no_run
//! use runtime::signal::unix::{SignalKind, signal};
//!
//! runtime::block_on(async {
//!     let mut hangups = signal(SignalKind::hangup())?;
//!     runtime::spawn(async move {
//!         while hangups.recv().await.is_some() {
//!             println!("SIGHUP: reloading the configuration");
//!         }
//!     });
//!     runtime::signal::ctrl_c().await?;
//!     println!("ctrl-c: shutting down");
//!     std::io::Result::Ok(())
//! })?;
//! # std::io::Result::Ok(())
//! ```
//!
//! # How a signal reaches a task
//!
//! A signal handler interrupts whichever thread the kernel picks, at any
//! instruction: it may not allocate, lock, or touch the runtime (all of
//! which may be half-way through a change on that very thread). So the
//! handler does the one thing that is safe there, `write(2)` one byte, and
//! the reactor does the rest, the same way it watches a socket:
//!
//! ```text
//!  kernel ── SIGHUP ──► the process's handler for SIGHUP (signal-hook-registry, one per signal)
//!                         └─► each listener's action: write(pipe, [1]), non-blocking; if the
//!                             pipe is full, a byte is already waiting, and that is enough
//!  runtime that made the listener (any thread, any number of runtimes):
//!    reactor: the pipe's read end (an io::Async) is readable ─► wake the task in recv()
//!    recv():  read every byte waiting (one batch) ─► Some(())
//! ```
//!
//! Each [`Signal`] is one listener with a pipe of its own,
//! registered with the runtime it was created in; two runtimes on two
//! threads (see [`per_core`](crate::per_core)) that both listen for
//! `SIGTERM` are both woken by one `SIGTERM`. No thread is started and
//! nothing polls: a runtime waiting only for a signal sleeps in the kernel.
//!
//! # Signals coalesce
//!
//! Signals are not a queue: the kernel itself merges a signal that arrives
//! while the same one is pending. Here, every signal that arrived since the
//! last [`recv`](unix::Signal::recv) returned is one batch, and `recv`
//! returns once per batch: three `SIGUSR1`s between two polls are one
//! `recv`. The last signal is never lost: a signal that arrives after
//! `recv` returned makes the next `recv` return.
//!
//! # What listening changes for the whole process
//!
//! The first listener for a signal replaces that signal's default action
//! (for `SIGINT` and `SIGTERM`, ending the process) for the rest of the
//! process's life, as in tokio: once every listener is dropped, the signal
//! is ignored, not fatal again. `SIGKILL` and `SIGSTOP` cannot be caught,
//! and `SIGSEGV`, `SIGILL` and `SIGFPE` report faults of the program itself;
//! asking for them is an error.

mod action;
pub mod unix;

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use unix::{Signal, SignalKind};

/// Waits for ctrl-c (`SIGINT`).
///
/// The listener is registered when the future is first polled: a ctrl-c
/// pressed before that is not seen. To never miss one, create a
/// [`signal(SignalKind::interrupt())`](unix::signal) early and
/// [`recv`](unix::Signal::recv) it when ready. As with every listener, from
/// then on ctrl-c no longer ends the process by itself (see the [module
/// docs](self#what-listening-changes-for-the-whole-process)).
///
/// # Errors
///
/// If called outside a runtime, or if the listener cannot be set up (out
/// of file descriptors).
///
/// # Cancel safety
///
/// Dropping the future removes its listener; a ctrl-c that arrived
/// meanwhile is not seen by the next `ctrl_c()`.
///
/// # Examples
///
/// A server that stops on ctrl-c; here the program sends itself `SIGINT`.
///
/// ```
/// use std::time::Duration;
/// use runtime::time::{sleep, timeout};
///
/// runtime::block_on(async {
///     // `join` polls `ctrl_c` first (registering it), then the sender.
///     let (stopped, sent) = runtime::join(
///         timeout(Duration::from_secs(5), runtime::signal::ctrl_c()),
///         async {
///             sleep(Duration::from_millis(50)).await;
///             let me = rustix::process::getpid();
///             rustix::process::kill_process(me, rustix::process::Signal::INT)
///         },
///     )
///     .await;
///     sent?;
///     stopped??;
///     println!("stopping");
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub fn ctrl_c() -> CtrlC {
    CtrlC { signal: None }
}

/// The future returned by [`ctrl_c`].
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct CtrlC {
    /// The `SIGINT` listener, made at the first poll.
    signal: Option<Signal>,
}

impl Future for CtrlC {
    type Output = io::Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let signal = match &mut this.signal {
            Some(signal) => signal,
            None => this.signal.insert(unix::signal(SignalKind::interrupt())?),
        };
        // The waker `poll_recv` leaves goes with the listener, which this
        // future owns: nothing is left behind when it is dropped.
        match signal.poll_recv(cx) {
            Poll::Ready(Some(())) => Poll::Ready(Ok(())),
            Poll::Ready(None) => Poll::Ready(Err(io::Error::other(
                "ctrl_c: the SIGINT listener's pipe failed",
            ))),
            Poll::Pending => Poll::Pending,
        }
    }
}

//! A small single-threaded async runtime, written to be read.
//!
//! It runs `async` code on one thread: an **executor** polls tasks, a
//! **reactor** parks the thread in `epoll_wait` until a socket is ready or a
//! **timer** is due, and **wakers** connect the two, from any thread.
//!
//! # How the parts fit together
//!
//! ```text
//!  block_on(fut) ──► executor (executor/) ──poll──► task: a slab slot holding
//!                     ▲   │                          Pin<Box<future>> (executor/task.rs)
//!                     │   │                              │ Pending: its waker is stored in
//!     run queue ◄─wake┘   │                              ▼ a socket source or a timer
//!     (local: no lock;    │                 reactor (reactor/): sources (slab) + timers
//!      remote: remote.rs  └─nothing runnable─► poller.wait(until next timer)
//!      + Poller::notify)                       → ready sockets, due timers → wake
//! ```
//!
//! The modules are floors, each importing only from the floors below it:
//!
//! ```text
//!  public API   runtime.rs (Runtime, block_on, spawn), join_set/, time/, net/, fs/,
//!               combinators/, signal/ and process/ (on io::Async, like net/)
//!  context      context.rs: find this thread's runtime, or say there is none
//!  executor     executor/: tasks and slots, wakers, run queue, join handles
//!  reactor      reactor/: the poller's sources, timers (reactor/timers.rs), parking
//!  remote, sys  remote.rs: the registry, the remote queue, notify; sys.rs
//!  leaves       task_ref.rs, coop.rs, trace.rs, stats.rs, blocking.rs
//! ```
//!
//! * [`spawn`] puts a future in a slab slot (its only allocation: a waker is
//!   a packed number, `executor/waker.rs`) and queues it. [`block_on`] polls queued tasks in
//!   FIFO order of waking, in batches of at most [`BATCH`] between looks at
//!   the reactor, and parks only when nothing is runnable.
//! * A task that returns `Pending` has left its waker somewhere: in a
//!   socket's source (`net/`), in the timer store (`time/`), in another
//!   task's join slot, or with a thread of yours. Waking it queues it again,
//!   once, however many times it is woken.
//! * Sockets are registered once, edge-triggered (where the poller has no
//!   edge mode, as with `poll(2)`, oneshot and re-armed before each wait);
//!   an operation is tried first and only waits when the kernel says
//!   `WouldBlock`. [`io::Async`] does this for any descriptor (a pipe, an
//!   eventfd, a std socket); the [`net`] sockets (TCP, UDP, Unix) are thin
//!   layers over it, and with the default feature `futures-io` the streams
//!   implement `futures_io::AsyncRead`/`AsyncWrite`.
//! * Signals (`signal/`, default feature `signal`) and child processes
//!   (`process/`) reach tasks the same way: a signal handler writes a
//!   byte to a pipe the reactor watches, and a child's exit makes its pidfd
//!   readable (or raises `SIGCHLD`), so no thread waits for either.
//!
//! # Example
//!
//! ```
//! use std::time::Duration;
//! use runtime::{net::{TcpListener, TcpStream}, time::timeout};
//!
//! runtime::block_on(async {
//!     let listener = TcpListener::bind("127.0.0.1:0")?;
//!     let addr = listener.local_addr()?;
//!     runtime::spawn(async move {
//!         while let Ok((mut conn, _)) = listener.accept().await {
//!             runtime::spawn(async move { conn.write_all(b"hi\n").await });
//!         }
//!     });
//!     let mut conn = timeout(Duration::from_secs(5), TcpStream::connect(addr)).await??;
//!     let mut reply = Vec::new();
//!     conn.read_to_end(&mut reply).await?;
//!     assert_eq!(reply, b"hi\n");
//!     Ok::<_, Box<dyn std::error::Error>>(())
//! })?;
//! # Ok::<_, Box<dyn std::error::Error>>(())
//! ```
//!
//! Files are the exception: no reactor can wait for a regular file (it is
//! always "ready", and a read can still wait for the disk), so [`fs`] runs
//! std's file calls on the [`spawn_blocking`] threads, with a buffer
//! handed back and forth, under `tokio::fs`'s names.
//!
//! # What it is not
//!
//! One thread per runtime: tasks need not be `Send` (they may hold `Rc`),
//! and a task that blocks the thread blocks every task; send blocking work to
//! [`spawn_blocking`]. There is no hidden background thread: nothing runs
//! unless some thread is inside `block_on`.
//!
//! # More than one core
//!
//! To use several CPUs, run several runtimes: [`per_core`] starts one per
//! thread and returns their outputs in core order. No task ever moves
//! between them; the kernel deals connections to each core's own listener
//! ([`TcpListener::bind_reuse_port`](net::TcpListener::bind_reuse_port),
//! `SO_REUSEPORT`), and cores talk only through [`sync`] channels. That
//! keeps every wake and poll as cheap as on one thread, at the price of no
//! rebalancing: one hot connection stays on its core. The guide's
//! [chapter 9](guide::ch9_one_runtime_per_core) tells why and how.
//!
//! ```
//! use runtime::sync::mpsc;
//!
//! // Core 0 sends three words to core 1, which counts their letters.
//! let (tx, rx) = mpsc::channel(4);
//! let (tx, rx) = (std::sync::Mutex::new(Some(tx)), std::sync::Mutex::new(Some(rx)));
//! let letters = runtime::per_core(2, |core| {
//!     // Core 0 takes the sender, core 1 the receiver.
//!     let tx = if core == 0 { tx.lock().unwrap().take() } else { None };
//!     let rx = if core == 1 { rx.lock().unwrap().take() } else { None };
//!     async move {
//!         let mut letters = 0;
//!         if let Some(tx) = tx {
//!             for word in ["one", "runtime", "each"] {
//!                 tx.send(word).await.expect("core 1 receives");
//!             }
//!         } else if let Some(mut rx) = rx {
//!             while let Some(word) = rx.recv().await {
//!                 letters += word.len();
//!             }
//!         }
//!         letters
//!     }
//! });
//! assert_eq!(letters, [0, 14]);
//! ```

// docs.rs (nightly) marks feature-gated items with the feature they need.
#![cfg_attr(docsrs, feature(doc_cfg))]
// The guide and the process docs link to `signal`, which exists only with
// the feature (on by default); a build without it keeps the text.
#![cfg_attr(not(feature = "signal"), allow(rustdoc::broken_intra_doc_links))]
#![warn(
    missing_docs,
    missing_debug_implementations,
    rust_2018_idioms,
    unreachable_pub
)]
#![deny(clippy::undocumented_unsafe_blocks)]

// The floors, bottom-up (a module imports only from its own floor or
// below): leaves (`task_ref`, `coop`, `trace`, `stats`, `blocking`, `sys`
// for the platform's system calls, and `sync`, which needs only std and
// `coop`) and `remote` → `reactor` → `executor` → `context` → the public
// API (`runtime`, `per_core`, `join_set`, `time`, `io`, then `net`,
// `signal` and `process` on `io`, `fs` on `blocking`, `combinators`).
mod blocking;
mod coop;
mod remote;
mod stats;
pub mod sync;
mod sys;
mod task_ref;
pub mod trace;

mod reactor;

mod executor;

mod context;
mod id;

mod combinators;
pub mod fs;
pub mod guide;
pub mod io;
pub mod join_set;
pub mod net;
mod per_core;
#[cfg(any(target_os = "linux", target_os = "android", feature = "signal"))]
#[cfg_attr(
    docsrs,
    doc(cfg(any(target_os = "linux", target_os = "android", feature = "signal")))
)]
pub mod process;
mod runtime;
#[cfg(feature = "signal")]
#[cfg_attr(docsrs, doc(cfg(feature = "signal")))]
pub mod signal;
pub mod time;

pub use combinators::{
    Either, Join, JoinAll, PollFn, Race, Select, YieldNow, join, join_all, poll_fn, race, select,
    yield_now,
};
pub use coop::BUDGET;
pub use executor::{BATCH, JoinError, JoinHandle};
pub use id::Id;
pub use join_set::{AbortHandle, JoinSet};
pub use per_core::{PerCore, per_core, pinned_cpu};
pub use runtime::{Builder, Runtime, block_on, spawn, spawn_blocking, stats};
pub use stats::Stats;

pub use blocking::{KEEP_ALIVE as BLOCKING_KEEP_ALIVE, MAX_THREADS as MAX_BLOCKING_THREADS};

#[cfg(feature = "macros")]
#[cfg_attr(docsrs, doc(cfg(feature = "macros")))]
pub use runtime_macros::{main, test};

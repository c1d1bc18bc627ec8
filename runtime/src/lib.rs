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
//!                     ▲   │                          Pin<Box<future>> (task.rs)
//!                     │   │                              │ Pending: its waker is stored in
//!     run queue ◄─wake┘   │                              ▼ a socket source or a timer
//!     (local: no lock;    │                 reactor (reactor.rs): sources (slab) + timers
//!      remote: locked     └─nothing runnable─► poller.wait(until next timer)
//!      + Poller::notify)                       → ready sockets, due timers → wake
//! ```
//!
//! * [`spawn`] puts a future in a slab slot (its only allocation: a waker is
//!   a packed number, `waker.rs`) and queues it. [`block_on`] polls queued tasks in
//!   FIFO order of waking, in batches of at most [`BATCH`] between looks at
//!   the reactor, and parks only when nothing is runnable.
//! * A task that returns `Pending` has left its waker somewhere: in a
//!   socket's source (`net/`), in the timer store (`time/`), in another
//!   task's join slot, or with a thread of yours. Waking it queues it again,
//!   once, however many times it is woken.
//! * Sockets are registered once, edge-triggered; an operation is tried
//!   first and only waits when the kernel says `WouldBlock`.
//!
//! # Example
//!
//! ```
//! use std::time::Duration;
//! use runtime::{net::{TcpListener, TcpStream}, time::timeout};
//!
//! runtime::block_on(async {
//!     let listener = TcpListener::bind("127.0.0.1:0".parse().unwrap())?;
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
//! # What it is not
//!
//! One thread per runtime: tasks need not be `Send` (they may hold `Rc`),
//! and a task that blocks the thread blocks every task; send blocking work to
//! [`spawn_blocking`]. There is no hidden background thread: nothing runs
//! unless some thread is inside `block_on`.

#![warn(
    missing_docs,
    missing_debug_implementations,
    rust_2018_idioms,
    unreachable_pub
)]
#![deny(clippy::undocumented_unsafe_blocks)]

mod blocking;
mod combinators;
mod context;
mod coop;
mod executor;
pub mod guide;
mod join_error;
mod join_handle;
pub mod net;
mod reactor;
mod runtime;
mod stats;
pub mod sync;
mod task;
pub mod time;
mod timers;
pub mod trace;
mod waker;

pub use combinators::{
    Either, Join, JoinAll, PollFn, Race, Select, YieldNow, join, join_all, poll_fn, race, select,
    yield_now,
};
pub use coop::BUDGET;
pub use executor::BATCH;
pub use join_error::JoinError;
pub use join_handle::JoinHandle;
pub use runtime::{Builder, Runtime, block_on, spawn, spawn_blocking, stats};
pub use stats::Stats;

pub use blocking::{KEEP_ALIVE as BLOCKING_KEEP_ALIVE, MAX_THREADS as MAX_BLOCKING_THREADS};

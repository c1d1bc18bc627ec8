//! A guided tour of how this runtime works, from a future polled by hand
//! to an HTTP request on a non-blocking socket (documentation only: no
//! code here, only chapters).
//!
//! Each chapter builds one idea with prose, a diagram or two and runnable
//! examples, then shows where this crate implements it and ends with
//! *Where this lives*: the files and functions to read next. Read the
//! chapters in order; by the end of the last one you have been sent to
//! every file of `runtime/src/`, and you have seen the key lines of the
//! core ones.
//!
//! 1. [A future polled by hand](ch1_a_future_polled_by_hand): `Future`,
//!    `Poll`, `Context`, and the contract that `Pending` means "I have
//!    arranged a wake"; pinning in one paragraph.
//! 2. [Wakers, and why they must work from any thread](ch2_wakers_from_any_thread):
//!    a waker made with `std::task::Wake`, then ours, a packed integer with
//!    a local and a remote path, and the one `unsafe` block behind it.
//! 3. [A run queue and `block_on`](ch3_run_queue_and_block_on): a complete
//!    executor in one doctest, then ours: the slab, the run queue, the
//!    loop's four steps, `JoinHandle`, and the trace that shows it all.
//! 4. [Parking on epoll via `polling`](ch4_parking_on_epoll): edge and
//!    oneshot modes by hand, then the reactor's registrations, why no
//!    wake-up is lost, the oneshot fallback where the poller has no edge
//!    mode, and what one park costs.
//! 5. [Timers and timeouts](ch5_timers_and_timeouts): the timer map,
//!    `Sleep`, precision, `timeout` as a race, `interval`.
//! 6. [A non-blocking connect, step by step](ch6_non_blocking_connect):
//!    `SOCK_NONBLOCK`, `EINPROGRESS`, writable, `SO_ERROR`; by hand and in
//!    the runtime; bounding a connect that cannot complete.
//! 7. [How the HTTP client composes, and the Python `select()` loop](ch7_http_client_and_the_select_loop):
//!    `connect` → `send` → `read_to_end` around a pure parser, and the
//!    lesson this project grew from, mapped piece by piece.
//! 8. [Channels and locks: how a waker protocol works](ch8_channels_and_locks):
//!    a channel in thirty lines, the rules it keeps (check and register
//!    under one lock, wake after unlocking, store the waker once), then
//!    `mpsc`'s backpressure, cancellation and close, and the locks.
//! 9. [One runtime per core](ch9_one_runtime_per_core): why a runtime per
//!    thread beats work stealing for I/O-bound servers and where it loses,
//!    `SO_REUSEPORT`, cores talking through `sync` channels, and dealing
//!    out work you own.
//! 10. [The world around the runtime](ch10_the_world_around_the_runtime):
//!     why files go to the blocking pool (epoll refuses them), how a
//!     signal reaches a task through a pipe, pidfd or `SIGCHLD` for a
//!     child's exit, and task groups whose results come in completion
//!     order.
//!
//! # The whole picture
//!
//! ```text
//!  block_on(fut) ──► executor ──poll──► task: a slab slot holding Pin<Box<future>>
//!                     ▲   │                 │ Pending: its waker is left with a socket
//!     run queue ◄─wake┘   │                 ▼ source, a timer, a join handle or a thread
//!     (local: no lock;    │        reactor: sources (slab) + timers (BTreeMap)
//!      remote: a locked   └─idle─► polling::Poller::wait (until the next timer)
//!      queue + notify)             → ready sockets, due timers, remote wakes → wake
//! ```
//!
//! # Reading the source alongside
//!
//! The runtime's files, in the order the chapters visit them:
//!
//! | file | what to look for | chapter |
//! | --- | --- | --- |
//! | `lib.rs` | the crate docs and diagram; what is public | all |
//! | `combinators/yield_now.rs`, `race.rs`, `join.rs`, `maybe_done.rs`, `join_all.rs`, `select.rs`, `mod.rs` | small hand-written futures and the [`select!`](crate::select!) macro | 1 |
//! | `task_ref.rs`, `executor/task.rs` | `TaskRef` (a task's address); `TaskCell`, `Harness`: a task's one allocation | 1, 3 |
//! | `executor/waker.rs` | the packed waker, `task_waker`, the local/remote `wake` | 2 |
//! | `remote.rs` | what other threads touch: the registry, `Shared`, the remote queue | 2 |
//! | `executor/current.rs`, `context.rs` | the thread's current runtime; `schedule_local` | 2 |
//! | `executor/` (`mod.rs`, `slot.rs`, `join_slot.rs`, `shutdown.rs`) | `Slot` and its transitions, `Core::schedule`, `block_on`, `run_task`, join handles, shutdown | 3 |
//! | `executor/join_handle.rs`, `executor/join_error.rs` | [`JoinHandle`](crate::JoinHandle), [`JoinError`](crate::JoinError) | 3 |
//! | `runtime.rs` | [`Runtime`](crate::Runtime), [`Builder`](crate::Builder), the free functions | 3 |
//! | `per_core/` (`mod.rs`, `affinity.rs`) | [`per_core`](crate::per_core): one runtime per thread; CPU pinning | 9 |
//! | `stats.rs`, `trace.rs` | [`Stats`](crate::Stats), the [`trace`](crate::trace) | 3, 4 |
//! | `reactor/mod.rs`, `reactor/source.rs`, `reactor/mode.rs` | `Source`, `register`, `poll_ready`, `poll_events`, `wait`; edge or oneshot | 4, 5 |
//! | `reactor/waiters.rs` | the wakers waiting on one direction of a source | 4 |
//! | `io/` (`registration.rs`, `async_fd.rs`, `stream.rs`) | `Registration::poll_io`: the readiness loop; [`Async`](crate::io::Async); deregister before close | 4, 6 |
//! | `coop.rs` | the per-poll [`BUDGET`](crate::BUDGET) | 4 |
//! | `net/` (`tcp_*.rs`, `split.rs`, `udp.rs`, `unix_*.rs`, `futures.rs`, `futures_io.rs`) | the socket types and their futures | 4, 6 |
//! | `reactor/timers.rs` | the `BTreeMap` timer store | 5 |
//! | `time/mod.rs`, `time/sleep.rs`, `time/timeout.rs`, `time/interval.rs` | [`Sleep`](crate::time::Sleep), [`timeout`](crate::time::timeout), [`interval`](crate::time::interval) | 5 |
//! | `sys.rs` | the system calls std lacks, through `rustix` | 6 |
//! | `net/resolve.rs`, `blocking.rs` | [`lookup_host`](crate::net::lookup_host), [`spawn_blocking`](crate::spawn_blocking) | 2, 6, 10 |
//! | `sync/` (`waiters.rs`, `mpsc/`, `mutex.rs`, `semaphore.rs`, `notify.rs`, `oneshot.rs`, `broadcast/`, `block.rs`) | [`sync`](crate::sync): the waiter list and the primitives built on it | 8 |
//! | `signal/` (`mod.rs`, `unix.rs`, `action.rs`) | [`signal`](crate::signal): a handler's byte in a pipe, read through the reactor | 10 |
//! | `process/` (`exit.rs`, `child.rs`, `orphan.rs`, `command.rs`, `stdio.rs`) | [`process`](crate::process): a child's exit through a pidfd or `SIGCHLD`; no zombies | 10 |
//! | `join_set/` (`mod.rs`, `ready.rs`, `abort_handle.rs`) | [`JoinSet`](crate::JoinSet): a ready queue fed by one waker per task | 10 |
//!
//! Then the client, `http-client/src/`: `lib.rs`, `connect.rs`,
//! `connection.rs`, `client.rs` and `parse/mod.rs` (chapter 7).
//!
//! # Running what you read
//!
//! Every Rust example in these chapters is a doctest, run by
//! `cargo test -p handroll-runtime --doc guide`. They use only 127.0.0.1 and finish
//! in well under a second each. Two more ways to watch the runtime work:
//!
//! * `cargo run --example 00_minimal_executor`: the executor of chapter 3
//!   as a program, std only, in under 80 lines;
//! * `RUNTIME_TRACE=1 cargo run --example 01_hello`: every poll, wake and
//!   park of a real program, printed when its runtime is dropped
//!   (chapter 3, *Watching the loop*), and `cargo run --example trace_fetch`
//!   for the same as a timeline.

#[doc = include_str!("ch1_a_future_polled_by_hand.md")]
pub mod ch1_a_future_polled_by_hand {}

#[doc = include_str!("ch2_wakers_from_any_thread.md")]
pub mod ch2_wakers_from_any_thread {}

#[doc = include_str!("ch3_run_queue_and_block_on.md")]
pub mod ch3_run_queue_and_block_on {}

#[doc = include_str!("ch4_parking_on_epoll.md")]
pub mod ch4_parking_on_epoll {}

#[doc = include_str!("ch5_timers_and_timeouts.md")]
pub mod ch5_timers_and_timeouts {}

#[doc = include_str!("ch6_non_blocking_connect.md")]
pub mod ch6_non_blocking_connect {}

#[doc = include_str!("ch7_http_client_and_the_select_loop.md")]
pub mod ch7_http_client_and_the_select_loop {}

#[doc = include_str!("ch8_channels_and_locks.md")]
pub mod ch8_channels_and_locks {}

#[doc = include_str!("ch9_one_runtime_per_core.md")]
pub mod ch9_one_runtime_per_core {}

#[doc = include_str!("ch10_the_world_around_the_runtime.md")]
pub mod ch10_the_world_around_the_runtime {}

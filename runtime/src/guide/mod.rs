//! A guided tour of how this runtime works, from a future polled by hand
//! to an HTTP request on a non-blocking socket (documentation only: no
//! code here, only chapters).
//!
//! Each chapter builds one idea with prose, a diagram or two and runnable
//! examples, then shows where this crate implements it: *Where this lives*
//! links the files and functions to read next, *See it* is a picture of the
//! real runtime doing it (its trace, drawn), and *Break it* is a table of
//! one-line changes to make, each with the test that then fails and why.
//! Read the chapters in order; by the end of the last one you have been
//! sent to every file of `runtime/src/`, and you have seen the key lines of
//! the core ones.
//!
//! 1. [A future polled by hand](ch1_a_future_polled_by_hand): `Future`,
//!    `Poll`, `Context`, and the contract that `Pending` means "I have
//!    arranged a wake"; an `async` block's state machine by hand, and why
//!    one that borrows its own local needs `Pin`.
//! 2. [Wakers, and why they must work from any thread](ch2_wakers_from_any_thread):
//!    a waker made with `std::task::Wake`, then ours, a packed integer with
//!    a local and a remote path, and the one `unsafe` block behind it.
//! 3. [A run queue and `block_on`](ch3_run_queue_and_block_on): a complete
//!    executor in one doctest, then ours: the slab, the run queue, the
//!    loop's four steps, `JoinHandle`, the trace that shows it all, and
//!    `#[runtime::main]`, which writes the `block_on` call for you.
//! 4. [Parking on epoll via `polling`](ch4_parking_on_epoll): level, edge and
//!    oneshot modes by hand, then the reactor's registrations, why no
//!    wake-up is lost, the oneshot fallback where the poller has no edge
//!    mode, what one park costs, and the per-poll budget.
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
//! | [`lib.rs`](../../src/runtime/lib.rs.html) | the crate docs and diagram; what is public | all |
//! | [`combinators/yield_now.rs`](../../src/runtime/combinators/yield_now.rs.html), `race.rs`, `join.rs`, `maybe_done.rs`, `join_all.rs`, `select.rs`, `mod.rs` | small hand-written futures and the [`select!`](crate::select!) macro | 1 |
//! | [`task_ref.rs`](../../src/runtime/task_ref.rs.html), [`executor/task.rs`](../../src/runtime/executor/task.rs.html) | `TaskRef` (a task's address); `TaskCell`, `Harness`: a task's one allocation | 1, 3 |
//! | [`executor/waker.rs`](../../src/runtime/executor/waker.rs.html) | the packed waker, `task_waker`, the local/remote `wake` | 2 |
//! | [`remote.rs`](../../src/runtime/remote.rs.html) | what other threads touch: the registry, `Shared`, the remote queue | 2 |
//! | [`executor/current.rs`](../../src/runtime/executor/current.rs.html), [`context.rs`](../../src/runtime/context.rs.html) | the thread's current runtime; `schedule_local` | 2 |
//! | `executor/` (`mod.rs`, `slot.rs`, `join_slot.rs`, `shutdown.rs`) | `Slot` and its transitions, `Core::schedule`, `block_on`, `run_task`, join handles, shutdown | 3 |
//! | [`executor/join_handle.rs`](../../src/runtime/executor/join_handle.rs.html), [`executor/join_error.rs`](../../src/runtime/executor/join_error.rs.html) | [`JoinHandle`](crate::JoinHandle), [`JoinError`](crate::JoinError) | 3 |
//! | [`runtime.rs`](../../src/runtime/runtime.rs.html) | [`Runtime`](crate::Runtime), [`Builder`](crate::Builder), the free functions | 3 |
//! | `per_core/` (`mod.rs`, `affinity.rs`) | [`per_core`](crate::per_core): one runtime per thread; CPU pinning | 9 |
//! | [`stats.rs`](../../src/runtime/stats.rs.html), [`trace.rs`](../../src/runtime/trace.rs.html) | [`Stats`](crate::Stats), the [`trace`](crate::trace) | 3, 4 |
//! | [`reactor/mod.rs`](../../src/runtime/reactor/mod.rs.html), [`reactor/source.rs`](../../src/runtime/reactor/source.rs.html), [`reactor/mode.rs`](../../src/runtime/reactor/mode.rs.html) | `Source`, `register`, `poll_ready`, `poll_events`, `wait`; edge or oneshot | 4, 5 |
//! | [`reactor/waiters.rs`](../../src/runtime/reactor/waiters.rs.html) | the wakers waiting on one direction of a source | 4 |
//! | `io/` (`registration.rs`, `async_fd.rs`, `stream.rs`) | `Registration::poll_io`: the readiness loop; [`Async`](crate::io::Async); deregister before close | 4, 6 |
//! | [`coop.rs`](../../src/runtime/coop.rs.html) | the per-poll [`BUDGET`](crate::BUDGET) | 4 |
//! | `net/` (`tcp_*.rs`, `split.rs`, `udp.rs`, `unix_*.rs`, `futures.rs`, `futures_io.rs`) | the socket types and their futures | 4, 6 |
//! | [`reactor/timers.rs`](../../src/runtime/reactor/timers.rs.html) | the `BTreeMap` timer store | 5 |
//! | [`time/mod.rs`](../../src/runtime/time/mod.rs.html), [`time/sleep.rs`](../../src/runtime/time/sleep.rs.html), [`time/timeout.rs`](../../src/runtime/time/timeout.rs.html), [`time/interval.rs`](../../src/runtime/time/interval.rs.html) | [`Sleep`](crate::time::Sleep), [`timeout`](crate::time::timeout), [`interval`](crate::time::interval) | 5 |
//! | [`sys.rs`](../../src/runtime/sys.rs.html) | the system calls std lacks, through `rustix` | 6 |
//! | [`net/resolve.rs`](../../src/runtime/net/resolve.rs.html), [`blocking.rs`](../../src/runtime/blocking.rs.html) | [`lookup_host`](crate::net::lookup_host), [`spawn_blocking`](crate::spawn_blocking) | 2, 6, 10 |
//! | `fs/` (`mod.rs`, `file/mod.rs`, `file/machine.rs`, `buf.rs`, `read_dir.rs`, `open_options.rs`, `ops.rs`, `futures_io.rs`) | [`fs`](crate::fs): why files go to the blocking pool, a `File`'s buffer handed back and forth | 10 |
//! | `sync/` (`waiters.rs`, `mpsc/`, `mutex.rs`, `semaphore.rs`, `notify.rs`, `oneshot.rs`, `broadcast/`, `block.rs`) | [`sync`](crate::sync): the waiter list and the primitives built on it | 8 |
//! | `signal/` (`mod.rs`, `unix.rs`, `action.rs`) | [`signal`](crate::signal): a handler's byte in a pipe, read through the reactor | 10 |
//! | `process/` (`exit.rs`, `child.rs`, `orphan.rs`, `command.rs`, `stdio.rs`) | [`process`](crate::process): a child's exit through a pidfd or `SIGCHLD`; no zombies | 10 |
//! | `join_set/` (`mod.rs`, `ready.rs`, `abort_handle.rs`) | [`JoinSet`](crate::JoinSet): a ready queue fed by one waker per task | 10 |
//!
//! Beside the runtime, `runtime-macros/src/` holds `#[runtime::main]` and
//! `#[runtime::test]` (chapter 3).
//!
//! Then the client, `http-client/src/`: `lib.rs`, `connect.rs`,
//! `connection.rs`, `client.rs` and `parse/mod.rs` (chapter 7).
//!
//! # Running what you read
//!
//! Every Rust example in these chapters is a doctest, run by
//! `cargo test -p handroll-runtime --doc guide`. They use only 127.0.0.1 and
//! finish in well under a second each; what a doctest prints is not shown,
//! so the demos whose output is the point are programs, the rungs of a
//! ladder from a loop that polls to this crate:
//!
//! 1. `cargo run --example 00_minimal_executor`: the executor of chapter 3
//!    as a program, std only, in under 80 lines;
//! 2. `cargo run --example 00c_desugar`: chapter 1's `async` blocks written
//!    out as state machines, the self-referential one behind `Pin`;
//! 3. `cargo run --example 00b_mini_reactor -- --mode level` (or `edge`,
//!    `oneshot`, and `edge --no-drain`): that executor plus a `polling`
//!    poller, a `BTreeMap` of timers and a `Readable` future, printing
//!    what every wait returns (chapter 4);
//! 4. this crate: `RUNTIME_TRACE=1 cargo run --example 01_hello` prints
//!    every poll, wake and park of a real program when its runtime is
//!    dropped (chapter 3, *Watching the loop*), `cargo run --example
//!    trace_fetch` draws them as a timeline, and `cargo run --release
//!    --example guide_traces` redraws the chapters' pictures
//!    (`runtime/docs/guide/`).
//!
//! The *Break it* tables are checked too: `bash .ci/exercises.sh` applies
//! every row to a copy of the tree and expects its test to fail as the row
//! says.

#[cfg(test)]
mod excerpts;

#[doc = include_str!("ch1_a_future_polled_by_hand.md")]
#[doc = ""]
#[doc = include_str!("../../docs/guide/ch1_the_contract.svg")]
#[doc = ""]
#[doc = include_str!("exercises/ch1.md")]
pub mod ch1_a_future_polled_by_hand {}

#[doc = include_str!("ch2_wakers_from_any_thread.md")]
#[doc = ""]
#[doc = include_str!("../../docs/guide/ch2_remote_wake.svg")]
#[doc = ""]
#[doc = include_str!("exercises/ch2.md")]
pub mod ch2_wakers_from_any_thread {}

#[doc = include_str!("ch3_run_queue_and_block_on.md")]
#[doc = ""]
#[doc = include_str!("../../docs/guide/ch3_busy_task_and_timer.svg")]
#[doc = ""]
#[doc = include_str!("exercises/ch3.md")]
pub mod ch3_run_queue_and_block_on {}

#[doc = include_str!("ch4_parking_on_epoll.md")]
#[doc = ""]
#[doc = include_str!("../../docs/guide/ch4_socket_edge.svg")]
#[doc = ""]
#[doc = include_str!("exercises/ch4.md")]
pub mod ch4_parking_on_epoll {}

#[doc = include_str!("ch5_timers_and_timeouts.md")]
#[doc = ""]
#[doc = include_str!("../../docs/guide/ch5_timeout_cancels.svg")]
#[doc = ""]
#[doc = include_str!("exercises/ch5.md")]
pub mod ch5_timers_and_timeouts {}

#[doc = include_str!("ch6_non_blocking_connect.md")]
#[doc = ""]
#[doc = include_str!("../../docs/guide/ch6_blocking.svg")]
#[doc = ""]
#[doc = include_str!("exercises/ch6.md")]
pub mod ch6_non_blocking_connect {}

#[doc = include_str!("ch7_http_client_and_the_select_loop.md")]
#[doc = ""]
#[doc = include_str!("../../docs/guide/ch7_three_requests.svg")]
#[doc = ""]
#[doc = include_str!("exercises/ch7.md")]
pub mod ch7_http_client_and_the_select_loop {}

#[doc = include_str!("ch8_channels_and_locks.md")]
#[doc = ""]
#[doc = include_str!("../../docs/guide/ch8_channel_handoff.svg")]
#[doc = ""]
#[doc = include_str!("exercises/ch8.md")]
pub mod ch8_channels_and_locks {}

#[doc = include_str!("ch9_one_runtime_per_core.md")]
#[doc = ""]
#[doc = include_str!("../../docs/guide/ch9_two_cores_0.svg")]
#[doc = ""]
#[doc = ""]
#[doc = include_str!("../../docs/guide/ch9_two_cores_1.svg")]
#[doc = ""]
#[doc = include_str!("exercises/ch9.md")]
pub mod ch9_one_runtime_per_core {}

#[doc = include_str!("ch10_the_world_around_the_runtime.md")]
#[doc = ""]
#[doc = include_str!("../../docs/guide/ch10_join_set_and_signal.svg")]
#[doc = ""]
#[doc = include_str!("exercises/ch10.md")]
pub mod ch10_the_world_around_the_runtime {}

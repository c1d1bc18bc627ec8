//! One runtime per core: [`per_core`] and its builder [`PerCore`].
//!
//! A [`Runtime`] is single-threaded: one executor, one reactor, one timer
//! store, no locks on the hot path. To use more than one CPU we do not make
//! it multi-threaded; we run *several* of them, one per thread, the shape of
//! seastar, glommio, monoio and smol's "one `LocalExecutor` per thread":
//!
//! ```text
//!   per_core(2, f) ──► thread "core-0": Runtime ── block_on(f(0)) ─┐
//!                  └─► thread "core-1": Runtime ── block_on(f(1)) ─┴─► [out0, out1]
//!                         ▲                           ▲
//!                         └── kernel (SO_REUSEPORT) ──┘ deals connections to both
//!                         └── runtime::sync channels ─┘ the only traffic between them
//! ```
//!
//! * **No task ever moves.** A task lives and dies on the core that spawned
//!   it, so tasks need not be `Send`, and the executor needs no atomics and
//!   no shared run queue. Work is *dealt out up front*: the kernel spreads
//!   accepted connections over the cores' listeners
//!   (`TcpListener::bind_reuse_port`), or a program deals its inputs round
//!   robin (as `fetch --cores` deals URLs).
//! * **Cores talk through channels.** `runtime::sync` types are `Send` and
//!   `Sync`; a wake from another core takes the remote path (a locked queue
//!   and `Poller::notify`), exactly as a wake from any other thread does.
//!
//! # Why, and where it loses
//!
//! A work-stealing scheduler (tokio's multi-threaded runtime) pays for the
//! freedom to move tasks: an atomic task state, concurrent run queues,
//! data migrating between caches. When the load is many small, similar
//! connections, the kernel's dealing already balances the cores and that
//! freedom buys nothing. The other side: nothing rebalances, so one hot
//! connection (or one long computation) stays on its core while the others
//! idle. The guide's [chapter 9](crate::guide::ch9_one_runtime_per_core)
//! tells both at length, with `SO_REUSEPORT` and cross-core channels in
//! runnable examples.
//!
//! # Examples
//!
//! ```
//! // Each core runs its own runtime and returns its own answer, in core order.
//! let squares = runtime::per_core(3, |core| async move {
//!     runtime::yield_now().await;
//!     core * core
//! });
//! assert_eq!(squares, [0, 1, 4]);
//! ```

mod affinity;

pub use affinity::pinned_cpu;

use std::future::Future;
use std::num::NonZeroUsize;
use std::panic::resume_unwind;

use crate::Runtime;

/// Runs `f(core)` on `n` threads, each with its own [`Runtime`], and returns
/// the outputs in core order. `n = 0` means one thread per available CPU
/// ([`std::thread::available_parallelism`]).
///
/// The closure is called on the core's own thread, so the future it returns
/// need not be `Send` (it may hold `Rc`); only its output crosses back.
/// Each core's tasks, sockets and timers stay on that core, and
/// [`runtime::stats`](crate::stats()) inside a core counts only its own.
///
/// # Panics
///
/// If a core panics (its future, or creating its runtime), the panic is
/// re-raised here after every other core has finished and been joined, so
/// no thread outlives the call. The other cores are not interrupted: make
/// them finish too (a closed channel, a shutdown signal) or the call waits
/// for them.
///
/// # Examples
///
/// ```
/// use runtime::time::sleep;
/// use std::time::Duration;
///
/// let timers_left = runtime::per_core(2, |core| async move {
///     sleep(Duration::from_millis(10 * core as u64)).await;
///     runtime::stats().timers // this core's timers only: none left
/// });
/// assert_eq!(timers_left, [0, 0]);
/// ```
pub fn per_core<F, Fut>(n: usize, f: F) -> Vec<Fut::Output>
where
    F: Fn(usize) -> Fut + Sync,
    Fut: Future,
    Fut::Output: Send,
{
    PerCore::new(n).run(f)
}

/// Options for running one runtime per core; [`per_core`] is
/// `PerCore::new(n).run(f)`.
///
/// # Examples
///
/// ```
/// // Pin each core's thread to its own CPU (best effort: where the
/// // platform has no affinity call, or refuses it, the threads just run).
/// let cores = runtime::PerCore::new(2).pin_threads(true);
/// assert_eq!(cores.cores(), 2);
/// let names = cores.run(|_core| async move {
///     std::thread::current().name().map(str::to_owned)
/// });
/// assert_eq!(names, [Some("core-0".to_owned()), Some("core-1".to_owned())]);
/// ```
#[derive(Debug, Clone, Copy)]
#[must_use = "call .run(f) to start the cores"]
pub struct PerCore {
    cores: NonZeroUsize,
    pin: bool,
}

impl PerCore {
    /// `n` cores; `0` means one per available CPU.
    pub fn new(n: usize) -> PerCore {
        let available = || std::thread::available_parallelism().unwrap_or(NonZeroUsize::MIN);
        PerCore {
            cores: NonZeroUsize::new(n).unwrap_or_else(available),
            pin: false,
        }
    }

    /// Pins core `i`'s thread to the `i`-th CPU the process may use
    /// (wrapping around), where the platform allows; never an error.
    /// Linux only today; elsewhere it does nothing.
    ///
    /// On a pinned core, [`pinned_cpu`] tells the CPU, and a listener can
    /// ask the kernel for the connections whose packets that CPU handles
    /// ([`TcpListener::set_incoming_cpu`](crate::net::TcpListener::set_incoming_cpu)),
    /// so that a connection's packets, wakeups and task stay on one CPU.
    pub fn pin_threads(mut self, pin: bool) -> PerCore {
        self.pin = pin;
        self
    }

    /// How many cores (threads) [`run`](PerCore::run) starts.
    pub fn cores(&self) -> usize {
        self.cores.get()
    }

    /// Starts the cores, runs `f(core)` on each to completion, joins them
    /// all, and returns the outputs in core order. Threads are named
    /// `core-0`, `core-1`, ...
    ///
    /// # Panics
    ///
    /// As [`per_core`]: a core's panic is re-raised after all are joined;
    /// also if the system refuses to start a thread.
    pub fn run<F, Fut>(self, f: F) -> Vec<Fut::Output>
    where
        F: Fn(usize) -> Fut + Sync,
        Fut: Future,
        Fut::Output: Send,
    {
        let f = &f;
        std::thread::scope(|scope| {
            let threads: Vec<_> = (0..self.cores())
                .map(|core| {
                    std::thread::Builder::new()
                        .name(format!("core-{core}"))
                        .spawn_scoped(scope, move || self.run_core(core, f))
                        .unwrap_or_else(|e| {
                            panic!("per_core: cannot start the thread of core {core}: {e}")
                        })
                })
                .collect();
            // Join every core before re-raising a panic, so that none is
            // left running (or blocked on a channel nobody will close).
            let mut outputs = Vec::with_capacity(threads.len());
            let mut first_panic = None;
            for thread in threads {
                match thread.join() {
                    Ok(output) => outputs.push(output),
                    Err(payload) => {
                        first_panic.get_or_insert(payload);
                    }
                }
            }
            if let Some(payload) = first_panic {
                resume_unwind(payload);
            }
            outputs
        })
    }

    /// The body of core `core`'s thread.
    fn run_core<F, Fut>(self, core: usize, f: &F) -> Fut::Output
    where
        F: Fn(usize) -> Fut,
        Fut: Future,
    {
        if self.pin {
            // Best effort, by contract: an unpinned core still works.
            let _pinned = affinity::pin_current_thread(core);
        }
        let rt = Runtime::new()
            .unwrap_or_else(|e| panic!("per_core: core {core} cannot create its runtime: {e}"));
        rt.block_on(f(core))
    }
}

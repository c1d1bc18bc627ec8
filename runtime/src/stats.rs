//! [`Stats`]: counts a runtime exposes so that tests and tools can check that
//! nothing leaks (tasks, sockets, timers) and see how hard the loop works.

/// A snapshot of a runtime's counters, from [`Runtime::stats`](crate::Runtime::stats)
/// or [`runtime::stats`](crate::stats()).
///
/// The first three are *gauges* (what is alive now): after any mix of
/// completed, timed-out and cancelled work they return to where they started.
/// The rest are *counters* since the runtime was created.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// runtime::block_on(async {
///     let before = runtime::stats();
///     let task = runtime::spawn(runtime::time::sleep(Duration::from_secs(60)));
///     runtime::yield_now().await; // let it start and register its timer
///     assert_eq!(runtime::stats().tasks, before.tasks + 1);
///     assert_eq!(runtime::stats().timers, before.timers + 1);
///     task.abort();
///     drop(task);
///     assert_eq!(runtime::stats().tasks, before.tasks);
///     assert_eq!(runtime::stats().timers, before.timers);
/// });
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Spawned tasks not yet finished-and-joined (or finished, if detached).
    pub tasks: usize,
    /// Sockets registered with the reactor.
    pub sources: usize,
    /// Timers waiting for their deadline.
    pub timers: usize,
    /// Times a task (or the `block_on` future) was polled.
    pub polls: u64,
    /// Wakes that queued a task (repeated wakes of a queued task not counted).
    pub wakes: u64,
    /// Of those, wakes that came from another thread.
    pub remote_wakes: u64,
    /// Times the thread blocked in the reactor (`epoll_wait`) because no task
    /// was runnable.
    pub parks: u64,
    /// Helper threads of `spawn_blocking` alive now.
    pub blocking_threads: usize,
}

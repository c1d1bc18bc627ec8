//! Pinning the calling thread to one CPU: the only platform-specific call
//! that [`PerCore`](super::PerCore) makes, kept in this one file so that a
//! port touches nothing else; and [`pinned_cpu`], which tells a core where
//! it was pinned.
//!
//! Pinning is *best effort*. On Linux (and Android) it is
//! `sched_setaffinity(0, {cpu})` through `rustix`, where `cpu` is the
//! `index`-th CPU this process may run on (so a process started under
//! `taskset -c 4-7` pins its cores to 4, 5, 6, 7, not to 0-3). Elsewhere
//! (macOS has no affinity call, the BSDs spell it differently) it does
//! nothing, and a refusal (a container's cgroup, a seccomp filter) is
//! ignored: a thread that could not be pinned still runs, only the kernel
//! chooses where.

use std::cell::Cell;

thread_local! {
    /// The CPU this thread was pinned to by [`pin_current_thread`].
    static PINNED: Cell<Option<usize>> = const { Cell::new(None) };
}

/// The CPU the calling thread is pinned to, if it is the thread of a core
/// started with [`PerCore::pin_threads`](super::PerCore::pin_threads) and
/// the pinning succeeded; `None` on any other thread.
///
/// Give it to [`TcpListener::set_incoming_cpu`](crate::net::TcpListener::set_incoming_cpu)
/// to ask the kernel for the connections that arrive on this CPU.
///
/// # Examples
///
/// ```
/// assert_eq!(runtime::pinned_cpu(), None); // the main thread is not a core
/// let cpus = runtime::PerCore::new(1)
///     .pin_threads(true)
///     .run(|_core| async { runtime::pinned_cpu() });
/// // Pinning is best effort: `None` where the platform refuses it.
/// # let _ = cpus;
/// ```
pub fn pinned_cpu() -> Option<usize> {
    PINNED.with(Cell::get)
}

/// Pins the calling thread to the `index`-th CPU available to the process
/// (wrapping around when there are fewer CPUs than cores). Returns the CPU
/// if the thread is now pinned (and [`pinned_cpu`] reports it from then on).
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(super) fn pin_current_thread(index: usize) -> Option<usize> {
    use rustix::thread::{CpuSet, sched_getaffinity, sched_setaffinity};

    let allowed = sched_getaffinity(None).ok()?;
    let cpus: Vec<usize> = (0..CpuSet::MAX_CPU)
        .filter(|&cpu| allowed.is_set(cpu))
        .collect();
    let &cpu = cpus.get(index % cpus.len().max(1))?;
    let mut only = CpuSet::new();
    only.set(cpu);
    sched_setaffinity(None, &only).ok()?;
    PINNED.with(|pinned| pinned.set(Some(cpu)));
    Some(cpu)
}

/// Pinning is not supported on this platform: the thread runs wherever the
/// kernel puts it.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub(super) fn pin_current_thread(_index: usize) -> Option<usize> {
    None
}

#[cfg(all(test, any(target_os = "linux", target_os = "android")))]
mod tests {
    use super::*;

    #[test]
    fn a_pinned_thread_runs_on_one_allowed_cpu() {
        std::thread::spawn(|| {
            let before = rustix::thread::sched_getaffinity(None).unwrap();
            assert_eq!(pinned_cpu(), None, "not pinned yet");
            if let Some(pinned) = pin_current_thread(1) {
                let after = rustix::thread::sched_getaffinity(None).unwrap();
                assert_eq!(after.count(), 1);
                let cpu = (0..rustix::thread::CpuSet::MAX_CPU)
                    .find(|&c| after.is_set(c))
                    .unwrap();
                assert_eq!(cpu, pinned, "the CPU reported is the one pinned");
                assert_eq!(pinned_cpu(), Some(cpu));
                assert!(
                    before.is_set(cpu),
                    "pinned to a CPU the process may not use"
                );
            }
        })
        .join()
        .unwrap();
    }
}

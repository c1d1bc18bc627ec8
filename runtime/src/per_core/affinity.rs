//! Pinning the calling thread to one CPU: the only platform-specific call
//! that [`PerCore`](super::PerCore) makes, kept in this one file so that a
//! port touches nothing else.
//!
//! Pinning is *best effort*. On Linux (and Android) it is
//! `sched_setaffinity(0, {cpu})` through `rustix`, where `cpu` is the
//! `index`-th CPU this process may run on (so a process started under
//! `taskset -c 4-7` pins its cores to 4, 5, 6, 7, not to 0-3). Elsewhere
//! (macOS has no affinity call, the BSDs spell it differently) it does
//! nothing, and a refusal (a container's cgroup, a seccomp filter) is
//! ignored: a thread that could not be pinned still runs, only the kernel
//! chooses where.

/// Pins the calling thread to the `index`-th CPU available to the process
/// (wrapping around when there are fewer CPUs than cores). Returns whether
/// the thread is now pinned.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(super) fn pin_current_thread(index: usize) -> bool {
    use rustix::thread::{CpuSet, sched_getaffinity, sched_setaffinity};

    let Ok(allowed) = sched_getaffinity(None) else {
        return false;
    };
    let cpus: Vec<usize> = (0..CpuSet::MAX_CPU)
        .filter(|&cpu| allowed.is_set(cpu))
        .collect();
    let Some(&cpu) = cpus.get(index % cpus.len().max(1)) else {
        return false;
    };
    let mut only = CpuSet::new();
    only.set(cpu);
    sched_setaffinity(None, &only).is_ok()
}

/// Pinning is not supported on this platform: the thread runs wherever the
/// kernel puts it.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub(super) fn pin_current_thread(_index: usize) -> bool {
    false
}

#[cfg(all(test, any(target_os = "linux", target_os = "android")))]
mod tests {
    use super::*;

    #[test]
    fn a_pinned_thread_runs_on_one_allowed_cpu() {
        std::thread::spawn(|| {
            let before = rustix::thread::sched_getaffinity(None).unwrap();
            if pin_current_thread(1) {
                let after = rustix::thread::sched_getaffinity(None).unwrap();
                assert_eq!(after.count(), 1);
                let cpu = (0..rustix::thread::CpuSet::MAX_CPU)
                    .find(|&c| after.is_set(c))
                    .unwrap();
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

//! Children dropped before they were reaped, so that none is left a zombie.
//!
//! A [`Child`](super::Child) dropped while its process runs hands the pid
//! to [`adopt`], which makes it a small detached task of the current
//! runtime: the task watches the pid (a pidfd or `SIGCHLD`, `exit.rs`) and
//! reaps it when it exits. These tasks are the runtime's orphan list: they
//! cost nothing while they wait, and the runtime's reactor wakes them.
//!
//! A pid that no running runtime can watch (its `Child` was dropped
//! outside a runtime, or its runtime was dropped while it still ran) goes
//! to [`PARKED`], a process-wide list that the next
//! [`Command::spawn`](super::Command::spawn), in any runtime, adopts.

use std::sync::{Mutex, MutexGuard, PoisonError};

use rustix::process::Pid;

use super::exit::{Watch, try_reap};
use crate::context;

/// Pids waiting for a runtime to adopt them (see the module docs).
static PARKED: Mutex<Vec<Pid>> = Mutex::new(Vec::new());

fn parked() -> MutexGuard<'static, Vec<Pid>> {
    PARKED.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Sees to it that child `pid`, which nobody will wait for, is reaped:
/// now if it has exited, else by a task of the current runtime, else by
/// the next spawn.
pub(crate) fn adopt(pid: Pid) {
    if try_reap(pid) {
        return;
    }
    // Made before the task, so that a task dropped before its first poll
    // (a runtime shutting down) still parks the pid.
    let orphan = Orphan { pid, reaped: false };
    match context::try_current() {
        // Detached: its JoinHandle is dropped at once.
        Some(core) => drop(core.spawn(async move {
            let mut orphan = orphan;
            orphan.reap().await;
        })),
        None => drop(orphan), // parks it
    }
}

/// Adopts, in the current runtime, the pids parked process-wide.
pub(crate) fn adopt_parked() {
    let pids = std::mem::take(&mut *parked());
    for pid in pids {
        adopt(pid);
    }
}

/// An adopted child; parked if dropped before it was reaped.
#[derive(Debug)]
struct Orphan {
    pid: Pid,
    reaped: bool,
}

impl Orphan {
    /// Waits for the child to exit and reaps it. Returns early (and the
    /// pid is parked by `Drop`) if it cannot be watched here.
    async fn reap(&mut self) {
        let Ok(mut watch) = Watch::new(self.pid) else {
            return;
        };
        loop {
            if try_reap(self.pid) {
                self.reaped = true;
                return;
            }
            if watch.changed().await.is_err() {
                return;
            }
            // A watch that kept saying "changed" without the child being
            // reapable would otherwise spin inside one poll.
            crate::yield_now().await;
        }
    }
}

impl Drop for Orphan {
    fn drop(&mut self) {
        if !self.reaped && !try_reap(self.pid) {
            parked().push(self.pid);
        }
    }
}

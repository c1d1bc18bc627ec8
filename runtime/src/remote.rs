//! The part of a runtime that other threads may touch: the registry of live
//! runtimes, and each runtime's [`Shared`] state (its poller, for `notify`,
//! and the queue of tasks woken from elsewhere).
//!
//! This is the bottom floor of the runtime, beside `sys`: it knows only
//! `polling`, std and a task's address ([`TaskRef`]). Everything above
//! reaches it in one of two ways:
//!
//! * the reactor (`reactor/`) owns the [`Shared`] of its runtime and waits
//!   on its poller, which [`Shared::schedule_remote`] interrupts with
//!   [`polling::Poller::notify`];
//! * a task's waker (`executor/waker.rs`), when woken on a thread that does
//!   not run the task's runtime, finds that runtime here by its
//!   [`RuntimeId`] and calls [`schedule`]; the executor moves the queued
//!   tasks onto its run queue with [`Shared::drain_remote`].
//!
//! ```text
//!  any thread: waker.wake() ──► schedule(id, task) ──► REGISTRY[id] ──► Shared
//!                                                     (RwLock, Weak)    │ push to the locked queue
//!                                                                       ▼ poller.notify()
//!  runtime thread: poller.wait returns ──► executor: shared.drain_remote(..)
//! ```

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock, Weak};

use polling::Poller;

use crate::task_ref::TaskRef;

/// Identifies a live runtime in the global registry.
pub(crate) type RuntimeId = u16;

/// State shared with other threads: the poller (for `notify`) and the queue of
/// wakes that came from elsewhere.
#[derive(Debug)]
pub(crate) struct Shared {
    /// The runtime's poller (epoll on Linux). Shared because remote wakers
    /// need `notify` on it; the reactor is the only one that waits on it.
    pub(crate) poller: Poller,
    /// Tasks woken from other threads, drained by the executor.
    remote: Mutex<Vec<TaskRef>>,
    /// Set after a push to `remote`; lets the executor skip the lock when no
    /// remote wake is waiting.
    remote_pending: AtomicBool,
}

impl Shared {
    pub(crate) fn new() -> std::io::Result<Shared> {
        Ok(Shared {
            poller: Poller::new()?,
            remote: Mutex::new(Vec::new()),
            remote_pending: AtomicBool::new(false),
        })
    }

    /// Queues `task` from a thread that is not the runtime's and interrupts
    /// the reactor if it is parked.
    pub(crate) fn schedule_remote(&self, task: TaskRef) {
        self.remote
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(task);
        // Publish the push before notifying: the executor swaps this flag
        // before taking the lock, so it either sees the flag or is woken by
        // the notification and looks again.
        self.remote_pending.store(true, Ordering::Release);
        // `notify` fails only if writing to an eventfd fails, which cannot
        // happen for a counter far from overflow; the wake is queued anyway.
        let _ = self.poller.notify();
    }

    /// Moves remote wakes into `out`. Cheap when there are none.
    pub(crate) fn drain_remote(&self, out: &mut Vec<TaskRef>) {
        if self.remote_pending.swap(false, Ordering::AcqRel) {
            let mut remote = self.remote.lock().unwrap_or_else(PoisonError::into_inner);
            out.append(&mut remote);
        }
    }
}

/// Live runtimes, indexed by [`RuntimeId`], for wakes from other threads.
/// Weak, so that a registry entry never keeps a dropped runtime alive.
static REGISTRY: RwLock<Vec<Option<Weak<Shared>>>> = RwLock::new(Vec::new());

/// Entry in the registry for one runtime; frees its id when dropped.
#[derive(Debug)]
pub(crate) struct Registration {
    pub(crate) id: RuntimeId,
}

impl Registration {
    /// Gives `shared` an id by which remote wakers can find it.
    pub(crate) fn new(shared: &Arc<Shared>) -> std::io::Result<Registration> {
        let mut registry = REGISTRY.write().unwrap_or_else(PoisonError::into_inner);
        let entry = Some(Arc::downgrade(shared));
        let index = match registry.iter().position(Option::is_none) {
            Some(free) => {
                registry[free] = entry;
                free
            }
            None => {
                registry.push(entry);
                registry.len() - 1
            }
        };
        match RuntimeId::try_from(index) {
            Ok(id) => Ok(Registration { id }),
            Err(_) => {
                registry.pop();
                Err(std::io::Error::other(
                    "more than 65,536 runtimes alive at once",
                ))
            }
        }
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        let mut registry = REGISTRY.write().unwrap_or_else(PoisonError::into_inner);
        registry[usize::from(self.id)] = None;
    }
}

/// Queues `task` on runtime `runtime` from a thread that does not run it.
/// Does nothing if that runtime is gone (and with it, the task).
pub(crate) fn schedule(runtime: RuntimeId, task: TaskRef) {
    let shared = {
        let registry = REGISTRY.read().unwrap_or_else(PoisonError::into_inner);
        registry
            .get(usize::from(runtime))
            .and_then(|entry| entry.as_ref()?.upgrade())
    };
    if let Some(shared) = shared {
        shared.schedule_remote(task);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_remote_wake_is_queued_until_the_runtime_is_unregistered() {
        let shared = Arc::new(Shared::new().unwrap());
        let registration = Registration::new(&shared).unwrap();
        let task = TaskRef { key: 7, tag: 3 };
        schedule(registration.id, task);
        let mut out = Vec::new();
        shared.drain_remote(&mut out);
        assert_eq!(out, [task]);
        shared.drain_remote(&mut out);
        assert_eq!(out, [task], "a second drain finds nothing new");
        let id = registration.id;
        drop(registration);
        schedule(id, task);
        out.clear();
        shared.drain_remote(&mut out);
        assert!(
            out.is_empty(),
            "a wake for an unregistered runtime is dropped"
        );
    }
}

//! Dropping a runtime's tasks when it shuts down, and its statistics.

use std::rc::Rc;

use super::slot::{Slot, drop_contained};
use super::{Core, current};
use crate::stats::Stats;

impl Core {
    /// Drops every task's future (and output), repeatedly, since a destructor
    /// may spawn. Called when the `Runtime` is dropped.
    pub(crate) fn shutdown(self: &Rc<Self>) {
        // Destructors may call `spawn`: let them find this runtime.
        let _enter = current::try_enter(self.clone());
        loop {
            let slots: Vec<Slot> = self.tasks.borrow_mut().drain().collect();
            if slots.is_empty() {
                break;
            }
            for slot in slots {
                drop_contained(slot); // user destructors run here, no borrow held
            }
            // Handles awaited from outside this runtime see their tasks gone
            // (cancelled). Waiters inside it are among the tasks just dropped.
            let foreign: Vec<_> = self.foreign_waiters.borrow_mut().drain().collect();
            for w in foreign {
                w.wake();
            }
        }
        self.queue.borrow_mut().clear();
        // Free the runtime id: from now on remote wakes find nothing.
        let registration = self.registration.borrow_mut().take();
        drop(registration);
        self.blocking.shutdown();
    }

    pub(crate) fn stats(&self) -> Stats {
        let reactor = self.reactor.stats();
        Stats {
            tasks: self.tasks.borrow().len(),
            sources: reactor.sources,
            timers: reactor.timers,
            polls: self.polls.get(),
            wakes: self.local_wakes.get() + self.remote_wakes.get(),
            remote_wakes: self.remote_wakes.get(),
            parks: reactor.parks,
            blocking_threads: self.blocking.threads(),
        }
    }
}

impl std::fmt::Debug for Core {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Core")
            .field("id", &self.id)
            .field("tasks", &self.tasks.borrow().len())
            .field("queued", &self.queue.borrow().len())
            .finish_non_exhaustive()
    }
}

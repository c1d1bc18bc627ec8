//! Which executor core, if any, is running on this thread.
//!
//! [`Core::block_on`] installs its core in a thread-local for its duration
//! (and [`Core::shutdown`] while it drops tasks, whose destructors may
//! spawn). A task's waker (`waker.rs`) looks here to tell a same-thread
//! wake (fast path, straight onto the run queue) from a wake that comes from
//! another thread; the floors above the executor find their runtime through
//! `context.rs`, which reads the same thread-local.

use std::cell::RefCell;
use std::rc::Rc;

use super::Core;
use crate::remote::RuntimeId;
use crate::task_ref::TaskRef;

thread_local! {
    static CURRENT: RefCell<Option<Rc<Core>>> = const { RefCell::new(None) };
}

/// Restores the previous (empty) context when `block_on` returns or unwinds.
#[derive(Debug)]
pub(crate) struct EnterGuard(());

/// Makes `core` the current runtime of this thread.
///
/// # Panics
///
/// Panics if a runtime is already running on this thread: a nested
/// `block_on` would block the outer runtime's tasks and can deadlock.
pub(crate) fn enter(core: Rc<Core>) -> EnterGuard {
    try_enter(core).unwrap_or_else(|| {
        panic!(
            "runtime::block_on called inside block_on: a runtime is already running on this \
             thread; `.await` the future instead, or spawn it with runtime::spawn"
        )
    })
}

/// Like [`enter`], but returns `None` instead of panicking when this thread
/// already runs a runtime (used while dropping one).
pub(crate) fn try_enter(core: Rc<Core>) -> Option<EnterGuard> {
    CURRENT.with(|current| {
        let mut current = current.borrow_mut();
        if current.is_some() {
            return None;
        }
        *current = Some(core);
        Some(EnterGuard(()))
    })
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        // Take the core out before dropping it, so that no borrow of CURRENT
        // is held while the `Rc` drops. `try_with` because this may run while
        // the thread's locals are being destroyed.
        let old = CURRENT.try_with(|c| c.borrow_mut().take()).ok().flatten();
        drop(old);
    }
}

/// The core running on this thread, or `None` outside a runtime.
pub(crate) fn try_current() -> Option<Rc<Core>> {
    CURRENT.try_with(|c| c.borrow().clone()).ok().flatten()
}

/// Queues `task` on this thread's runtime if that is runtime `id`. Returns
/// false if the wake must take the remote path.
pub(crate) fn schedule_local(id: RuntimeId, task: TaskRef) -> bool {
    CURRENT
        .try_with(|c| match &*c.borrow() {
            Some(core) if core.id() == id => {
                core.wake_local(task);
                true
            }
            _ => false,
        })
        .unwrap_or(false)
}

//! How the public API finds the runtime running on this thread.
//!
//! The floor above the executor: [`spawn`](crate::spawn), the timers
//! (`time/`) and the sockets (`net/`) call [`current`] or [`try_current`]
//! to reach the executor core and its reactor. The thread-local itself
//! belongs to the executor (`executor/current.rs`), which installs it for
//! the length of a `block_on` and reads it on every same-thread wake; this
//! module only adds the message a user sees when there is no runtime.

use std::rc::Rc;

use crate::executor::{self, Core};

/// The current runtime's core.
///
/// # Panics
///
/// Panics with `what` in the message when called outside a runtime.
pub(crate) fn current(what: &str) -> Rc<Core> {
    try_current().unwrap_or_else(|| {
        panic!(
            "{what} must be called from inside a runtime (inside `runtime::block_on` or \
             `Runtime::block_on`), but no runtime is running on this thread"
        )
    })
}

/// The current runtime's core, or `None` outside a runtime.
pub(crate) fn try_current() -> Option<Rc<Core>> {
    executor::current::try_current()
}

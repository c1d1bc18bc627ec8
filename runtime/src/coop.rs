//! The cooperative budget: how many socket operations a task may complete in
//! one poll before it must let others run.
//!
//! A task that reads from a socket that always has data (a server flooding
//! it) never sees `Pending`, so it would never return to the executor: no
//! other task, no timer and no timeout would run until the flood stops.
//! Each poll therefore starts with [`BUDGET`] operations; once they are
//! spent, the next socket operation wakes its own task and returns
//! `Pending`, which sends the task to the back of the run queue and lets a
//! `timeout` around it see its deadline.

use std::cell::Cell;
use std::task::{Context, Poll};

/// Socket operations a task may complete per poll.
pub const BUDGET: u32 = 128;

thread_local! {
    /// Operations left in the current poll. Outside the executor (no reset
    /// yet) it is effectively unlimited.
    static LEFT: Cell<u32> = const { Cell::new(u32::MAX) };
}

/// Gives the task that is about to be polled a fresh budget.
pub(crate) fn reset() {
    LEFT.set(BUDGET);
}

/// `Ready` if the current task may do one more operation (and counts it);
/// otherwise wakes the task and returns `Pending`.
pub(crate) fn poll_proceed(cx: &mut Context<'_>) -> Poll<()> {
    let left = LEFT.get();
    if left == 0 {
        cx.waker().wake_by_ref();
        return Poll::Pending;
    }
    LEFT.set(left - 1);
    Poll::Ready(())
}

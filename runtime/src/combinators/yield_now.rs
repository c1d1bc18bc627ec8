//! [`yield_now`]: give every other runnable task a turn.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Returns `Pending` once, after waking its own task, so the task goes to the
/// back of the run queue and every task woken before it runs first.
///
/// # Examples
///
/// ```
/// use std::{cell::RefCell, rc::Rc};
///
/// runtime::block_on(async {
///     let order = Rc::new(RefCell::new(Vec::new()));
///     let o = order.clone();
///     let other = runtime::spawn(async move { o.borrow_mut().push("other") });
///     runtime::yield_now().await; // `other` runs now
///     order.borrow_mut().push("main");
///     other.await.unwrap();
///     assert_eq!(*order.borrow(), ["other", "main"]);
/// });
/// ```
pub fn yield_now() -> YieldNow {
    YieldNow { yielded: false }
}

/// The future returned by [`yield_now`].
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

//! [`wait`]: drive one future to completion on a thread that has no
//! runtime, by parking the thread until the future's waker unparks it.
//!
//! This is what `blocking_send` and `blocking_recv` use so that a std thread
//! (or a [`spawn_blocking`](crate::spawn_blocking) closure) can talk to tasks
//! through a channel. It needs nothing from the executor: a [`Waker`] built
//! with [`Wake`] around the waiting [`Thread`].

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

struct Unpark(Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// Polls `future` on this thread, parking between polls, until it is ready.
/// A spurious unpark only costs one more poll.
pub(crate) fn wait<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let waker = Waker::from(Arc::new(Unpark(thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        thread::park();
    }
}

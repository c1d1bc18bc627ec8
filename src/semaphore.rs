//! [`Semaphore`]: at most N holders at once, for a `--concurrency` limit.
//!
//! Single-threaded, like the runtime: an `Rc<RefCell<…>>` with the count and
//! a FIFO of waiting tasks' wakers. Built from `poll_fn`, to show how little
//! a synchronization primitive needs when everything runs on one thread.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

/// A counting semaphore for tasks on one runtime.
///
/// # Examples
///
/// ```
/// use handroll::Semaphore;
///
/// runtime::block_on(async {
///     let limit = Semaphore::new(1);
///     let first = limit.acquire().await;
///     assert_eq!(limit.available(), 0);
///     drop(first);
///     assert_eq!(limit.available(), 1);
/// });
/// ```
#[derive(Debug, Clone)]
pub struct Semaphore {
    state: Rc<RefCell<State>>,
}

#[derive(Debug)]
struct State {
    available: usize,
    /// Waiting tasks, in arrival order, each with a ticket number.
    waiters: VecDeque<(u64, Waker)>,
    next_ticket: u64,
}

/// Returned by [`Semaphore::acquire`]; gives the permit back when dropped.
#[derive(Debug)]
pub struct Permit {
    state: Rc<RefCell<State>>,
}

impl Semaphore {
    /// A semaphore with `permits` permits (0 means unlimited).
    pub fn new(permits: usize) -> Semaphore {
        Semaphore {
            state: Rc::new(RefCell::new(State {
                available: if permits == 0 { usize::MAX } else { permits },
                waiters: VecDeque::new(),
                next_ticket: 0,
            })),
        }
    }

    /// Permits free right now.
    pub fn available(&self) -> usize {
        self.state.borrow().available
    }

    /// Waits for a permit. Waiters are served in arrival order.
    ///
    /// # Cancellation
    ///
    /// Dropping the future gives up its place in line.
    pub fn acquire(&self) -> Acquire {
        Acquire {
            state: self.state.clone(),
            ticket: None,
        }
    }
}

/// The future returned by [`Semaphore::acquire`].
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub struct Acquire {
    state: Rc<RefCell<State>>,
    /// Our place in line, once we had to wait.
    ticket: Option<u64>,
}

impl Future for Acquire {
    type Output = Permit;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Permit> {
        let this = &mut *self;
        let mut s = this.state.borrow_mut();
        let first_in_line = match this.ticket {
            None => s.waiters.is_empty(),
            Some(t) => s.waiters.front().is_some_and(|(front, _)| *front == t),
        };
        if s.available > 0 && first_in_line {
            s.available -= 1;
            if this.ticket.take().is_some() {
                s.waiters.pop_front();
            }
            wake_front(&mut s); // more permits may be free for the next in line
            drop(s);
            return Poll::Ready(Permit {
                state: this.state.clone(),
            });
        }
        match this.ticket {
            Some(t) => {
                if let Some((_, w)) = s.waiters.iter_mut().find(|(id, _)| *id == t) {
                    w.clone_from(cx.waker());
                }
            }
            None => {
                let t = s.next_ticket;
                s.next_ticket += 1;
                s.waiters.push_back((t, cx.waker().clone()));
                this.ticket = Some(t);
            }
        }
        Poll::Pending
    }
}

impl Drop for Acquire {
    fn drop(&mut self) {
        if let Some(t) = self.ticket.take() {
            let mut s = self.state.borrow_mut();
            s.waiters.retain(|(id, _)| *id != t);
            wake_front(&mut s);
        }
    }
}

fn wake_front(s: &mut State) {
    if let (true, Some((_, w))) = (s.available > 0, s.waiters.front()) {
        w.wake_by_ref();
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        let mut s = self.state.borrow_mut();
        s.available = s.available.saturating_add(1);
        wake_front(&mut s);
    }
}

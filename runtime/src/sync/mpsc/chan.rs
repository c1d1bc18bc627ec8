//! The core both `mpsc` flavours share: a queue, the receiver's waker and a
//! [`WaiterList`] of senders waiting for room, all under one `std::sync::Mutex`.
//!
//! Every operation takes the lock once, decides, and wakes after unlocking.
//! The protocol in four lines:
//!
//! * `send`: room → push, take the receiver's waker; full → park the
//!   *message itself* in the sender's waiter entry.
//! * `recv`: pop; if a sender waits, move its message into the freed slot
//!   and take its waker. Empty → store the receiver's waker.
//! * the last sender gone → take the receiver's waker; it reads `None`
//!   once the queue is drained.
//! * `close` (or the receiver dropped) → unlink every waiting sender, whose
//!   message is still in its entry: each wakes and gets it back.
//!
//! Handing the freed slot straight to the longest waiter (instead of waking
//! it to retry) makes `send` first come, first served, and means a woken
//! sender has nothing left to do: its message is already queued.

use std::collections::VecDeque;
use std::mem;
use std::sync::Mutex;
use std::task::{Context, Poll, Waker};

use super::error::{SendError, TryRecvError, TrySendError};
use crate::sync::lock;
use crate::sync::waiters::WaiterList;

/// The shared half of a channel, behind an `Arc`.
pub(super) struct Chan<T> {
    state: Mutex<State<T>>,
}

struct State<T> {
    /// Messages sent and not yet received, oldest first.
    queue: VecDeque<T>,
    /// Most messages `queue` may hold (`usize::MAX`: unbounded).
    capacity: usize,
    /// Live senders; at 0 the receiver reads `None` after the queue.
    senders: usize,
    /// Set by `close` or by dropping the receiver: sends fail from then on.
    closed: bool,
    /// The receiver's waker, stored while it waits on an empty queue.
    rx_waker: Option<Waker>,
    /// Senders waiting for room, each entry holding its message (`Some`)
    /// until `recv` moves it into the queue (`None`).
    send_waiters: WaiterList<Option<T>>,
}

/// Where a waiting `send` future keeps its state between polls.
pub(super) enum SendState<T> {
    /// Not polled yet: the message is still in the future.
    Idle(T),
    /// Parked in the waiter list under this key.
    Waiting(usize),
    /// Finished (or taken apart).
    Done,
}

impl<T> Chan<T> {
    pub(super) fn new(capacity: usize) -> Chan<T> {
        Chan {
            state: Mutex::new(State {
                queue: VecDeque::new(),
                capacity,
                senders: 1,
                closed: false,
                rx_waker: None,
                send_waiters: WaiterList::new(),
            }),
        }
    }

    /// Queues `value` if there is room, waking the receiver.
    pub(super) fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        let waker = {
            let mut state = lock(&self.state);
            if state.closed {
                return Err(TrySendError::Closed(value));
            }
            if state.queue.len() >= state.capacity {
                return Err(TrySendError::Full(value));
            }
            state.queue.push_back(value);
            state.rx_waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
        Ok(())
    }

    /// Drives one `send`: see the module docs.
    pub(super) fn poll_send(
        &self,
        send: &mut SendState<T>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), SendError<T>>> {
        let mut state = lock(&self.state);
        match mem::replace(send, SendState::Done) {
            SendState::Idle(value) => {
                if state.closed {
                    return Poll::Ready(Err(SendError(value)));
                }
                if state.queue.len() < state.capacity {
                    state.queue.push_back(value);
                    let waker = state.rx_waker.take();
                    drop(state);
                    if let Some(waker) = waker {
                        waker.wake();
                    }
                    return Poll::Ready(Ok(()));
                }
                let key = state
                    .send_waiters
                    .push_back(cx.waker().clone(), Some(value));
                *send = SendState::Waiting(key);
                Poll::Pending
            }
            SendState::Waiting(key) => {
                if state.send_waiters.is_linked(key) {
                    state.send_waiters.update_waker(key, cx.waker());
                    *send = SendState::Waiting(key);
                    return Poll::Pending;
                }
                // Chosen: by `recv` (message moved into the queue) or by
                // `close` (message still here, handed back).
                match state.send_waiters.remove(key) {
                    None => Poll::Ready(Ok(())),
                    Some(value) => Poll::Ready(Err(SendError(value))),
                }
            }
            SendState::Done => Poll::Ready(Ok(())),
        }
    }

    /// Called when a `send` future is dropped: leaves the waiter list. A
    /// message already moved into the queue stays there (it was sent).
    pub(super) fn cancel_send(&self, send: &mut SendState<T>) {
        if let SendState::Waiting(key) = mem::replace(send, SendState::Done) {
            let unsent = lock(&self.state).send_waiters.remove(key);
            drop(unsent); // outside the lock: a message's `Drop` may do anything
        }
    }

    /// Pops the oldest message; gives its slot to the longest-waiting sender.
    fn pop(state: &mut State<T>) -> Option<(T, Option<Waker>)> {
        let value = state.queue.pop_front()?;
        let mut waker = None;
        if let Some((key, w)) = state.send_waiters.pop_front() {
            if let Some(moved) = state.send_waiters.payload_mut(key).take() {
                state.queue.push_back(moved);
            }
            waker = Some(w);
        }
        Some((value, waker))
    }

    pub(super) fn poll_recv(&self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let mut state = lock(&self.state);
        if let Some((value, waker)) = Self::pop(&mut state) {
            drop(state);
            if let Some(waker) = waker {
                waker.wake();
            }
            return Poll::Ready(Some(value));
        }
        if state.senders == 0 || state.closed {
            return Poll::Ready(None);
        }
        match &mut state.rx_waker {
            Some(stored) if stored.will_wake(cx.waker()) => {}
            slot => *slot = Some(cx.waker().clone()),
        }
        Poll::Pending
    }

    pub(super) fn try_recv(&self) -> Result<T, TryRecvError> {
        let mut state = lock(&self.state);
        if let Some((value, waker)) = Self::pop(&mut state) {
            drop(state);
            if let Some(waker) = waker {
                waker.wake();
            }
            return Ok(value);
        }
        if state.senders == 0 || state.closed {
            Err(TryRecvError::Disconnected)
        } else {
            Err(TryRecvError::Empty)
        }
    }

    /// Refuses further sends and hands every waiting sender its message
    /// back; queued messages stay receivable.
    pub(super) fn close(&self) {
        let wakers = {
            let mut state = lock(&self.state);
            state.closed = true;
            state.send_waiters.pop_all(|_| {})
        };
        wakers.wake_all();
    }

    /// The receiver is gone: close, and drop what nobody can receive.
    pub(super) fn drop_receiver(&self) {
        self.close();
        let unreceived = {
            let mut state = lock(&self.state);
            state.rx_waker = None;
            mem::take(&mut state.queue)
        };
        drop(unreceived);
    }

    pub(super) fn add_sender(&self) {
        lock(&self.state).senders += 1;
    }

    pub(super) fn drop_sender(&self) {
        let waker = {
            let mut state = lock(&self.state);
            state.senders -= 1;
            if state.senders > 0 {
                return;
            }
            state.rx_waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    pub(super) fn is_closed(&self) -> bool {
        lock(&self.state).closed
    }

    /// Messages queued now.
    pub(super) fn len(&self) -> usize {
        lock(&self.state).queue.len()
    }

    /// Free slots now (0 when closed), for a bounded channel.
    pub(super) fn room(&self) -> usize {
        let state = lock(&self.state);
        if state.closed {
            return 0;
        }
        state.capacity - state.queue.len()
    }

    /// Senders parked for room, waiter entries, and the slab's capacity.
    pub(super) fn waiter_footprint(&self) -> (usize, usize, usize) {
        let state = lock(&self.state);
        let (entries, capacity) = state.send_waiters.footprint();
        (state.send_waiters.len(), entries, capacity)
    }
}

//! A watch channel: one value that senders replace and receivers watch
//! for changes. Only the latest value is kept.
//!
//! The usual use is a shutdown signal: every task holds a receiver, and one
//! `send` tells them all to stop.
//!
//! ```
//! use std::time::Duration;
//! use runtime::sync::watch;
//! use runtime::time::sleep;
//!
//! runtime::block_on(async {
//!     let (stop, stopping) = watch::channel(false);
//!     let workers: Vec<_> = (0..3)
//!         .map(|_| {
//!             let mut stopping = stopping.clone();
//!             runtime::spawn(async move {
//!                 let mut ticks = 0u32;
//!                 loop {
//!                     runtime::select! {
//!                         // A change, or the sender gone: either way, stop.
//!                         _ = stopping.changed() => break,
//!                         () = sleep(Duration::from_millis(1)) => ticks += 1,
//!                     }
//!                 }
//!                 ticks
//!             })
//!         })
//!         .collect();
//!     sleep(Duration::from_millis(20)).await;
//!     stop.send(true)?; // every worker sees it
//!     for worker in workers {
//!         worker.await?;
//!     }
//!     assert!(*stopping.borrow());
//!     Ok::<_, Box<dyn std::error::Error>>(())
//! })?;
//! # Ok::<_, Box<dyn std::error::Error>>(())
//! ```
//!
//! # Seen and unseen values
//!
//! Each [`Receiver`] remembers the version of the last value it *saw*. A
//! new receiver has seen the value current when it was made.
//! [`changed`](Receiver::changed) returns as soon as the current value is
//! unseen (at once if it already is) and marks it seen;
//! [`borrow_and_update`](Receiver::borrow_and_update) reads it and marks it
//! seen; [`borrow`](Receiver::borrow) only reads. A receiver that is slow
//! misses intermediate values, never the latest one.
//!
//! # Closing, both ways
//!
//! When every [`Sender`] is gone, `changed` returns the last unseen value's
//! `Ok` once, then [`RecvError`]. When every `Receiver` is gone,
//! [`Sender::send`] fails with [`SendError`] (holding the value) and
//! [`Sender::closed`] completes; [`send_replace`](Sender::send_replace)
//! and [`send_modify`](Sender::send_modify) store the value anyway, for
//! receivers that [`subscribe`](Sender::subscribe) later.
//!
//! # How it works
//!
//! The value sits in a `std::sync::RwLock` with its version number, so any
//! number of threads can [`borrow`](Receiver::borrow) it at once. The
//! counts of senders and receivers, a copy of the version, and two waiter
//! lists (`sync/waiters.rs`: receivers in `changed`, senders in `closed`)
//! sit under one `std::sync::Mutex`. A send replaces the value and bumps
//! both versions while it holds the write lock, then wakes every waiting
//! receiver after unlocking. A receiver compares versions and parks under
//! the same mutex that the send bumps the version under, so a send between
//! its look and its park cannot be missed. No atomics of our own: the
//! locks are std's.
//!
//! A [`Ref`] holds the read lock: keep it short, and never across an
//! `.await` or a `send` on the same thread, or the send waits for it.

mod error;
mod receiver;
mod sender;

use std::fmt;
use std::ops::Deref;
use std::sync::{Arc, Mutex, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use super::lock;
use super::waiters::WaiterList;

pub use error::{RecvError, SendError};
pub use receiver::{Changed, Receiver};
pub use sender::{Closed, Sender};

/// Creates a watch channel holding `init`, and returns its first sender and
/// receiver. The receiver has seen `init`: its first
/// [`changed`](Receiver::changed) waits for a send.
///
/// # Examples
///
/// ```
/// runtime::block_on(async {
///     let (tx, mut rx) = runtime::sync::watch::channel("starting");
///     assert_eq!(*rx.borrow(), "starting");
///     tx.send("ready")?;
///     rx.changed().await?;
///     assert_eq!(*rx.borrow_and_update(), "ready");
///     Ok::<_, Box<dyn std::error::Error>>(())
/// })?;
/// # Ok::<_, Box<dyn std::error::Error>>(())
/// ```
pub fn channel<T>(init: T) -> (Sender<T>, Receiver<T>) {
    let shared = Arc::new(Shared {
        value: RwLock::new(Versioned {
            value: init,
            version: 0,
        }),
        state: Mutex::new(State {
            version: 0,
            senders: 1,
            receivers: 1,
            changed: WaiterList::new(),
            closed: WaiterList::new(),
        }),
    });
    (Sender::new(shared.clone()), Receiver::new(shared, 0))
}

/// What the senders and receivers of one channel share.
struct Shared<T> {
    /// The value; written only by senders, under the write lock.
    value: RwLock<Versioned<T>>,
    /// Counts, the version and the waiters; never held while user code
    /// runs, and taken inside `value`'s write lock, never the other way.
    state: Mutex<State>,
}

/// The value with the version it was stored as.
struct Versioned<T> {
    value: T,
    /// Bumped by every send, under the write lock: a reader holding the
    /// read lock sees a value and its version that match.
    version: u64,
}

struct State {
    /// The current version, copied from `Versioned::version` while the
    /// write lock is held, so that `changed` never touches the value's lock.
    version: u64,
    senders: usize,
    receivers: usize,
    /// Receivers waiting in `changed`: all woken by a send, and by the last
    /// sender leaving.
    changed: WaiterList<()>,
    /// Senders waiting in `closed`: all woken by the last receiver leaving.
    closed: WaiterList<()>,
}

impl<T> Shared<T> {
    fn read(&self) -> RwLockReadGuard<'_, Versioned<T>> {
        // Poisoned only by a panic in a `send_modify` closure, which leaves
        // a valid (if half-modified) value: tokio shows it too.
        self.value.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, Versioned<T>> {
        self.value.write().unwrap_or_else(PoisonError::into_inner)
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        lock(&self.state)
    }

    /// Waiting receivers, waiter entries and the waiter slab's capacity,
    /// for tests that check nothing is left behind.
    fn footprint(&self) -> (usize, usize, usize) {
        let state = self.state();
        let (entries, capacity) = state.changed.footprint();
        let (closed, closed_capacity) = state.closed.footprint();
        (
            state.changed.len() + state.closed.len(),
            entries + closed,
            capacity + closed_capacity,
        )
    }
}

/// A borrowed reference to the value in a watch channel, from
/// [`Receiver::borrow`], [`Receiver::borrow_and_update`] or
/// [`Sender::borrow`].
///
/// It holds the channel's read lock: senders wait while it lives. Drop it
/// soon, and never hold it across an `.await`.
pub struct Ref<'a, T> {
    guard: RwLockReadGuard<'a, Versioned<T>>,
    has_changed: bool,
}

impl<T> Ref<'_, T> {
    /// Whether this value was unseen by the receiver when it was borrowed
    /// (always `false` for a [`Sender::borrow`]).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = runtime::sync::watch::channel(1);
    /// tx.send(2)?;
    /// assert!(rx.borrow_and_update().has_changed());
    /// assert!(!rx.borrow_and_update().has_changed());
    /// # Ok::<_, runtime::sync::watch::SendError<i32>>(())
    /// ```
    pub fn has_changed(&self) -> bool {
        self.has_changed
    }
}

impl<T> Deref for Ref<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.guard.value
    }
}

impl<T: fmt::Debug> fmt::Debug for Ref<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

//! Synchronization for tasks and threads: channels ([`oneshot`], [`mpsc`],
//! [`broadcast`], [`watch`]) and locks ([`Mutex`], [`RwLock`],
//! [`Semaphore`], [`Notify`]).
//!
//! ```
//! use std::sync::Arc;
//! use runtime::sync::{Mutex, mpsc};
//!
//! runtime::block_on(async {
//!     let total = Arc::new(Mutex::new(0));
//!     let (done_tx, mut done_rx) = mpsc::channel(1);
//!     for i in 1..=4 {
//!         let (total, done_tx) = (total.clone(), done_tx.clone());
//!         runtime::spawn(async move {
//!             *total.lock().await += i;
//!             done_tx.send(()).await
//!         });
//!     }
//!     drop(done_tx);
//!     while done_rx.recv().await.is_some() {}
//!     assert_eq!(*total.lock().await, 10);
//! });
//! ```
//!
//! Every type here works across the tasks of one runtime *and* across
//! threads (each is `Send + Sync` where its `T` allows): each keeps its
//! state under one `std::sync::Mutex` and wakes with plain
//! [`Waker`](std::task::Waker)s, so it needs nothing from the executor.
//!
//! # The waker protocol they share
//!
//! A waiting future is an entry in its primitive's waiter list
//! (`waiters.rs`): the task's waker, stored once, plus what the primitive
//! needs to remember. Whoever makes progress possible (a `recv` freeing a
//! slot, an unlock, `notify_one`) *chooses* the longest waiter, records the
//! choice in its entry, and wakes it after releasing the lock. A chosen
//! future that is dropped before it runs passes what it was given on (a
//! permit, the lock, a notification), so cancellation never loses one.
//! The guide's [chapter 8](crate::guide::ch8_channels_and_locks) tells it
//! from the `mpsc` code.
//!
//! A poisoned std mutex is never a panic here: the state is valid between
//! any two statements that hold the lock, so a panic elsewhere cannot break
//! it, and the lock is taken with `PoisonError::into_inner`.

use std::sync::PoisonError;

mod block;
pub mod broadcast;
pub mod mpsc;
mod mutex;
mod notify;
pub mod oneshot;
mod rwlock;
mod semaphore;
mod waiters;
pub mod watch;

pub use mutex::{Lock, Mutex, MutexGuard, TryLockError};
pub use notify::{Notified, Notify};
pub use rwlock::{
    OwnedRwLockReadGuard, OwnedRwLockWriteGuard, Read, RwLock, RwLockReadGuard, RwLockWriteGuard,
    Write,
};
pub use semaphore::{
    Acquire, AcquireError, AcquireOwned, OwnedSemaphorePermit, Semaphore, SemaphorePermit,
    TryAcquireError,
};

/// Locks a primitive's state; a poisoned lock is taken anyway (see the
/// module docs for why that is sound here).
fn lock<T: ?Sized>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

// Compile-time proof that every handle crosses threads when `T` does.
const _: fn() = || {
    fn send_sync<X: std::marker::Send + Sync>() {}
    type T = String;
    send_sync::<oneshot::Sender<T>>();
    send_sync::<oneshot::Receiver<T>>();
    send_sync::<mpsc::Sender<T>>();
    send_sync::<mpsc::Receiver<T>>();
    send_sync::<mpsc::Send<'static, T>>();
    send_sync::<mpsc::Recv<'static, T>>();
    send_sync::<mpsc::UnboundedSender<T>>();
    send_sync::<mpsc::UnboundedReceiver<T>>();
    send_sync::<broadcast::Sender<T>>();
    send_sync::<broadcast::Receiver<T>>();
    send_sync::<Mutex<T>>();
    // Not `Send`: it holds a `std::sync::MutexGuard` (see `Mutex`).
    fn sync<X: Sync>() {}
    sync::<MutexGuard<'static, T>>();
    send_sync::<Lock<'static, T>>();
    send_sync::<Semaphore>();
    send_sync::<SemaphorePermit<'static>>();
    send_sync::<OwnedSemaphorePermit>();
    send_sync::<Acquire<'static>>();
    send_sync::<AcquireOwned>();
    send_sync::<Notify>();
    send_sync::<Notified<'static>>();
    send_sync::<RwLock<T>>();
    // Unlike `MutexGuard`, both guards own what they point at: `Send`.
    send_sync::<RwLockReadGuard<'static, T>>();
    send_sync::<RwLockWriteGuard<'static, T>>();
    send_sync::<OwnedRwLockReadGuard<T>>();
    send_sync::<OwnedRwLockWriteGuard<T>>();
    send_sync::<Read<'static, T>>();
    send_sync::<Write<'static, T>>();
    send_sync::<watch::Sender<T>>();
    send_sync::<watch::Receiver<T>>();
    send_sync::<watch::Changed<'static, T>>();
    send_sync::<watch::Closed<'static, T>>();
};

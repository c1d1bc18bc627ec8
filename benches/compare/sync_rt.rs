//! What the channel and lock workloads (`sync_workloads.rs`) need beyond
//! [`Rt`]: a bounded multi-producer channel, an async mutex and a
//! reader-writer lock, with the three implementations compared:
//! `runtime::sync` for ours, `tokio::sync` for tokio, and for smol the
//! crates it re-exports, `async-channel` (`smol::channel`) and `async-lock`
//! (`smol::lock`). A watch channel ([`WatchRt`]) only ours and tokio have:
//! smol's family has none (async-channel and async-broadcast are queues,
//! which hand every value to every receiver: another contract and another
//! cost), so the `watch` row has no smol column. Only these calls differ
//! between runs; the workloads are written once.

use std::future::Future;
use std::ops::{Deref, DerefMut};

use crate::rt::{Ours, Rt, Smol, Tokio};

/// A runtime's channel and mutex, as the workloads use them.
pub trait SyncRt: Rt {
    /// The sending half of a bounded channel (cloned once per producer).
    type Sender<T: 'static>: Clone + 'static;
    /// The receiving half of a bounded channel.
    type Receiver<T: 'static>: 'static;
    /// An async mutex.
    type Mutex<T: 'static>: 'static;
    /// The guard of a locked [`SyncRt::Mutex`].
    type Guard<'a, T: 'static>: DerefMut<Target = T> + 'a;
    /// An async reader-writer lock.
    type RwLock<T: 'static>: 'static;
    /// A read guard of a [`SyncRt::RwLock`].
    type ReadGuard<'a, T: 'static>: Deref<Target = T> + 'a;
    /// The write guard of a [`SyncRt::RwLock`].
    type WriteGuard<'a, T: 'static>: DerefMut<Target = T> + 'a;

    /// A bounded channel with room for `capacity` messages.
    fn channel<T: 'static>(capacity: usize) -> (Self::Sender<T>, Self::Receiver<T>);
    /// Sends `value`, waiting while the channel is full.
    ///
    /// # Panics
    ///
    /// If the receiver is gone (a workload bug).
    fn send<T: 'static>(tx: &Self::Sender<T>, value: T) -> impl Future<Output = ()> + '_;
    /// The next message; `None` once every sender is gone.
    fn recv<T: 'static>(rx: &mut Self::Receiver<T>) -> impl Future<Output = Option<T>> + '_;
    /// A new unlocked mutex.
    fn mutex<T: 'static>(value: T) -> Self::Mutex<T>;
    /// Locks `mutex`, waiting for it.
    fn lock<T: 'static>(mutex: &Self::Mutex<T>) -> impl Future<Output = Self::Guard<'_, T>> + '_;
    /// A new unlocked reader-writer lock.
    fn rwlock<T: 'static>(value: T) -> Self::RwLock<T>;
    /// Read-locks `lock`, waiting for it.
    fn read_lock<T: 'static>(
        lock: &Self::RwLock<T>,
    ) -> impl Future<Output = Self::ReadGuard<'_, T>> + '_;
    /// Write-locks `lock`, waiting for it.
    fn write_lock<T: 'static>(
        lock: &Self::RwLock<T>,
    ) -> impl Future<Output = Self::WriteGuard<'_, T>> + '_;
}

/// A runtime's watch channel (one latest value, receivers told of
/// changes), as the `watch` workload uses it.
pub trait WatchRt: Rt {
    /// The sending half.
    type WatchSender<T: 'static>: 'static;
    /// A receiving half (cloned once per watcher).
    type WatchReceiver<T: 'static>: Clone + 'static;

    /// A watch channel holding `init`.
    fn watch<T: 'static>(init: T) -> (Self::WatchSender<T>, Self::WatchReceiver<T>);
    /// Stores `value` and wakes the waiting receivers (even if none is
    /// left).
    fn publish<T: 'static>(tx: &Self::WatchSender<T>, value: T);
    /// Waits for a value this receiver has not seen; `false` once every
    /// sender is gone.
    fn changed<T: 'static>(rx: &mut Self::WatchReceiver<T>) -> impl Future<Output = bool> + '_;
    /// The latest value, marked seen.
    fn latest<T: Copy + 'static>(rx: &mut Self::WatchReceiver<T>) -> T;
}

impl SyncRt for Ours {
    type Sender<T: 'static> = runtime::sync::mpsc::Sender<T>;
    type Receiver<T: 'static> = runtime::sync::mpsc::Receiver<T>;
    type Mutex<T: 'static> = runtime::sync::Mutex<T>;
    type Guard<'a, T: 'static> = runtime::sync::MutexGuard<'a, T>;
    type RwLock<T: 'static> = runtime::sync::RwLock<T>;
    type ReadGuard<'a, T: 'static> = runtime::sync::RwLockReadGuard<'a, T>;
    type WriteGuard<'a, T: 'static> = runtime::sync::RwLockWriteGuard<'a, T>;

    fn channel<T: 'static>(capacity: usize) -> (Self::Sender<T>, Self::Receiver<T>) {
        runtime::sync::mpsc::channel(capacity)
    }
    async fn send<T: 'static>(tx: &Self::Sender<T>, value: T) {
        if tx.send(value).await.is_err() {
            panic!("receiver dropped");
        }
    }
    fn recv<T: 'static>(rx: &mut Self::Receiver<T>) -> impl Future<Output = Option<T>> + '_ {
        rx.recv()
    }
    fn mutex<T: 'static>(value: T) -> Self::Mutex<T> {
        runtime::sync::Mutex::new(value)
    }
    fn lock<T: 'static>(mutex: &Self::Mutex<T>) -> impl Future<Output = Self::Guard<'_, T>> + '_ {
        mutex.lock()
    }
    fn rwlock<T: 'static>(value: T) -> Self::RwLock<T> {
        runtime::sync::RwLock::new(value)
    }
    fn read_lock<T: 'static>(
        lock: &Self::RwLock<T>,
    ) -> impl Future<Output = Self::ReadGuard<'_, T>> + '_ {
        lock.read()
    }
    fn write_lock<T: 'static>(
        lock: &Self::RwLock<T>,
    ) -> impl Future<Output = Self::WriteGuard<'_, T>> + '_ {
        lock.write()
    }
}

impl SyncRt for Tokio {
    type Sender<T: 'static> = tokio::sync::mpsc::Sender<T>;
    type Receiver<T: 'static> = tokio::sync::mpsc::Receiver<T>;
    type Mutex<T: 'static> = tokio::sync::Mutex<T>;
    type Guard<'a, T: 'static> = tokio::sync::MutexGuard<'a, T>;
    type RwLock<T: 'static> = tokio::sync::RwLock<T>;
    type ReadGuard<'a, T: 'static> = tokio::sync::RwLockReadGuard<'a, T>;
    type WriteGuard<'a, T: 'static> = tokio::sync::RwLockWriteGuard<'a, T>;

    fn channel<T: 'static>(capacity: usize) -> (Self::Sender<T>, Self::Receiver<T>) {
        tokio::sync::mpsc::channel(capacity)
    }
    async fn send<T: 'static>(tx: &Self::Sender<T>, value: T) {
        if tx.send(value).await.is_err() {
            panic!("receiver dropped");
        }
    }
    fn recv<T: 'static>(rx: &mut Self::Receiver<T>) -> impl Future<Output = Option<T>> + '_ {
        rx.recv()
    }
    fn mutex<T: 'static>(value: T) -> Self::Mutex<T> {
        tokio::sync::Mutex::new(value)
    }
    fn lock<T: 'static>(mutex: &Self::Mutex<T>) -> impl Future<Output = Self::Guard<'_, T>> + '_ {
        mutex.lock()
    }
    fn rwlock<T: 'static>(value: T) -> Self::RwLock<T> {
        tokio::sync::RwLock::new(value)
    }
    fn read_lock<T: 'static>(
        lock: &Self::RwLock<T>,
    ) -> impl Future<Output = Self::ReadGuard<'_, T>> + '_ {
        lock.read()
    }
    fn write_lock<T: 'static>(
        lock: &Self::RwLock<T>,
    ) -> impl Future<Output = Self::WriteGuard<'_, T>> + '_ {
        lock.write()
    }
}

impl SyncRt for Smol {
    type Sender<T: 'static> = smol::channel::Sender<T>;
    type Receiver<T: 'static> = smol::channel::Receiver<T>;
    type Mutex<T: 'static> = smol::lock::Mutex<T>;
    type Guard<'a, T: 'static> = smol::lock::MutexGuard<'a, T>;
    type RwLock<T: 'static> = smol::lock::RwLock<T>;
    type ReadGuard<'a, T: 'static> = smol::lock::RwLockReadGuard<'a, T>;
    type WriteGuard<'a, T: 'static> = smol::lock::RwLockWriteGuard<'a, T>;

    fn channel<T: 'static>(capacity: usize) -> (Self::Sender<T>, Self::Receiver<T>) {
        smol::channel::bounded(capacity)
    }
    async fn send<T: 'static>(tx: &Self::Sender<T>, value: T) {
        if tx.send(value).await.is_err() {
            panic!("receiver dropped");
        }
    }
    async fn recv<T: 'static>(rx: &mut Self::Receiver<T>) -> Option<T> {
        // `Err` means closed and empty: every sender is gone.
        rx.recv().await.ok()
    }
    fn mutex<T: 'static>(value: T) -> Self::Mutex<T> {
        smol::lock::Mutex::new(value)
    }
    fn lock<T: 'static>(mutex: &Self::Mutex<T>) -> impl Future<Output = Self::Guard<'_, T>> + '_ {
        mutex.lock()
    }
    fn rwlock<T: 'static>(value: T) -> Self::RwLock<T> {
        smol::lock::RwLock::new(value)
    }
    fn read_lock<T: 'static>(
        lock: &Self::RwLock<T>,
    ) -> impl Future<Output = Self::ReadGuard<'_, T>> + '_ {
        lock.read()
    }
    fn write_lock<T: 'static>(
        lock: &Self::RwLock<T>,
    ) -> impl Future<Output = Self::WriteGuard<'_, T>> + '_ {
        lock.write()
    }
}

impl WatchRt for Ours {
    type WatchSender<T: 'static> = runtime::sync::watch::Sender<T>;
    type WatchReceiver<T: 'static> = runtime::sync::watch::Receiver<T>;

    fn watch<T: 'static>(init: T) -> (Self::WatchSender<T>, Self::WatchReceiver<T>) {
        runtime::sync::watch::channel(init)
    }
    fn publish<T: 'static>(tx: &Self::WatchSender<T>, value: T) {
        tx.send_replace(value);
    }
    async fn changed<T: 'static>(rx: &mut Self::WatchReceiver<T>) -> bool {
        rx.changed().await.is_ok()
    }
    fn latest<T: Copy + 'static>(rx: &mut Self::WatchReceiver<T>) -> T {
        *rx.borrow_and_update()
    }
}

impl WatchRt for Tokio {
    type WatchSender<T: 'static> = tokio::sync::watch::Sender<T>;
    type WatchReceiver<T: 'static> = tokio::sync::watch::Receiver<T>;

    fn watch<T: 'static>(init: T) -> (Self::WatchSender<T>, Self::WatchReceiver<T>) {
        tokio::sync::watch::channel(init)
    }
    fn publish<T: 'static>(tx: &Self::WatchSender<T>, value: T) {
        tx.send_replace(value);
    }
    async fn changed<T: 'static>(rx: &mut Self::WatchReceiver<T>) -> bool {
        rx.changed().await.is_ok()
    }
    fn latest<T: Copy + 'static>(rx: &mut Self::WatchReceiver<T>) -> T {
        *rx.borrow_and_update()
    }
}

//! What the channel and lock workloads (`sync_workloads.rs`) need beyond
//! [`Rt`]: a bounded multi-producer channel and an async mutex, with the
//! three implementations compared: `runtime::sync` for ours, `tokio::sync`
//! for tokio, and for smol the crates it re-exports, `async-channel`
//! (`smol::channel`) and `async-lock` (`smol::lock`). Only these calls
//! differ between runs; the workloads are written once.

use std::future::Future;
use std::ops::DerefMut;

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
}

impl SyncRt for Ours {
    type Sender<T: 'static> = runtime::sync::mpsc::Sender<T>;
    type Receiver<T: 'static> = runtime::sync::mpsc::Receiver<T>;
    type Mutex<T: 'static> = runtime::sync::Mutex<T>;
    type Guard<'a, T: 'static> = runtime::sync::MutexGuard<'a, T>;

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
}

impl SyncRt for Tokio {
    type Sender<T: 'static> = tokio::sync::mpsc::Sender<T>;
    type Receiver<T: 'static> = tokio::sync::mpsc::Receiver<T>;
    type Mutex<T: 'static> = tokio::sync::Mutex<T>;
    type Guard<'a, T: 'static> = tokio::sync::MutexGuard<'a, T>;

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
}

impl SyncRt for Smol {
    type Sender<T: 'static> = smol::channel::Sender<T>;
    type Receiver<T: 'static> = smol::channel::Receiver<T>;
    type Mutex<T: 'static> = smol::lock::Mutex<T>;
    type Guard<'a, T: 'static> = smol::lock::MutexGuard<'a, T>;

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
}

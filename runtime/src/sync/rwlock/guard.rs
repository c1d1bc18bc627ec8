//! The guards of an [`RwLock`]: a reader's shared view and a writer's
//! exclusive one, each giving its turn back when dropped.

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use super::{RwLock, VALUE_AWAY};

/// Shared access to an [`RwLock`]'s value; other readers may hold one too.
/// Dropping it gives the read back (and may let a waiting writer in).
///
/// It owns a share of the value (an `Arc` clone), so it is `Send` and
/// `Sync` when `T: Send + Sync`: it may be held across an `.await`.
///
/// # Examples
///
/// ```
/// runtime::block_on(async {
///     let lock = runtime::sync::RwLock::new(vec![1, 2, 3]);
///     let guard = lock.read().await;
///     runtime::yield_now().await; // still held
///     assert_eq!(guard.iter().sum::<i32>(), 6);
/// });
/// ```
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockReadGuard<'a, T> {
    // Field order is drop order: the share of the value goes before the
    // read is given back, so a writer let in next finds it unshared.
    data: Arc<T>,
    _release: ReadRelease<'a, T>,
}

struct ReadRelease<'a, T> {
    lock: &'a RwLock<T>,
}

impl<T> Drop for ReadRelease<'_, T> {
    fn drop(&mut self) {
        self.lock.release_read();
    }
}

impl<'a, T> RwLockReadGuard<'a, T> {
    pub(super) fn new(lock: &'a RwLock<T>, data: Arc<T>) -> RwLockReadGuard<'a, T> {
        RwLockReadGuard {
            data,
            _release: ReadRelease { lock },
        }
    }
}

impl<T> RwLockReadGuard<'_, T> {
    /// The share of the value, the read kept: the caller gives it back
    /// (an owned guard, which holds the lock's `Arc`).
    pub(super) fn into_share(self) -> Arc<T> {
        let RwLockReadGuard { data, _release } = self;
        // It holds a reference only: forgetting it leaks nothing.
        std::mem::forget(_release);
        data
    }
}

impl<T> Deref for RwLockReadGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.data
    }
}

/// Exclusive access to an [`RwLock`]'s value. Dropping it gives the lock
/// to the next in line: a writer, or every reader up to the next writer.
///
/// It holds the value itself (the only reference to it), so it is `Send`
/// and `Sync` when `T: Send + Sync`: it may be held across an `.await`.
///
/// # Examples
///
/// ```
/// runtime::block_on(async {
///     let lock = runtime::sync::RwLock::new(String::new());
///     let mut guard = lock.write().await;
///     guard.push_str("written");
///     drop(guard);
///     assert_eq!(*lock.read().await, "written");
/// });
/// ```
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockWriteGuard<'a, T> {
    lock: &'a RwLock<T>,
    /// The value, taken out of the lock; `None` only once `drop` or
    /// `downgrade` has given it back.
    data: Option<Arc<T>>,
}

impl<'a, T> RwLockWriteGuard<'a, T> {
    pub(super) fn new(lock: &'a RwLock<T>, data: Arc<T>) -> RwLockWriteGuard<'a, T> {
        RwLockWriteGuard {
            lock,
            data: Some(data),
        }
    }

    /// Turns this write guard into a read guard without unlocking: no
    /// writer can get in between, and readers waiting at the front of the
    /// line come in with it.
    ///
    /// # Examples
    ///
    /// ```
    /// runtime::block_on(async {
    ///     let lock = runtime::sync::RwLock::new(1);
    ///     let mut w = lock.write().await;
    ///     *w = 2;
    ///     let r = runtime::sync::RwLockWriteGuard::downgrade(w);
    ///     assert_eq!((*r, *lock.try_read()?), (2, 2));
    ///     Ok::<_, runtime::sync::TryLockError>(())
    /// })?;
    /// # Ok::<_, runtime::sync::TryLockError>(())
    /// ```
    pub fn downgrade(mut this: Self) -> RwLockReadGuard<'a, T> {
        let data = this.data.take().expect(VALUE_AWAY);
        let lock = this.lock;
        drop(this); // holds nothing now: its drop does nothing
        RwLockReadGuard::new(lock, lock.downgrade(data))
    }
}

impl<T> RwLockWriteGuard<'_, T> {
    /// The value, the write kept: the caller gives it back (an owned
    /// guard, which holds the lock's `Arc`).
    pub(super) fn into_value(mut self) -> Arc<T> {
        let data = self.data.take().expect(VALUE_AWAY);
        drop(self); // holds nothing now: its drop does nothing
        data
    }
}

impl<T> Drop for RwLockWriteGuard<'_, T> {
    fn drop(&mut self) {
        if let Some(data) = self.data.take() {
            self.lock.release_write(data);
        }
    }
}

impl<T> Deref for RwLockWriteGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        self.data.as_deref().expect(VALUE_AWAY)
    }
}

impl<T> DerefMut for RwLockWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // The only reference: readers drop theirs before giving the read
        // back, and the lock parks none while a writer holds the value.
        self.data
            .as_mut()
            .and_then(Arc::get_mut)
            .expect("a write guard holds the only reference to the value")
    }
}

impl<T: fmt::Debug> fmt::Debug for RwLockReadGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: fmt::Display> fmt::Display for RwLockReadGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

impl<T: fmt::Debug> fmt::Debug for RwLockWriteGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: fmt::Display> fmt::Display for RwLockWriteGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

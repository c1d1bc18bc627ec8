//! Guards that own a share of the lock itself (an `Arc<RwLock<T>>`), so
//! that they borrow nothing: they can be returned from a function, kept in
//! a struct, or moved into a spawned task (`'static`), as tokio's
//! `read_owned`/`write_owned` allow.
//!
//! They are taken through the borrowed path ([`RwLock::read`] and
//! [`RwLock::write`], with their place in line and their cancel safety),
//! then turned into owned guards with no await in between: a read keeps
//! its share of the value, a write its value, and each gives its turn back
//! through the `Arc` when dropped.

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use super::{RwLock, TryLockError, VALUE_AWAY};

impl<T> RwLock<T> {
    /// As [`read`](RwLock::read), for a lock in an `Arc`: the guard keeps
    /// the `Arc` rather than borrowing the lock.
    ///
    /// # Cancel safety
    ///
    /// As [`read`](RwLock::read)'s.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use runtime::sync::RwLock;
    ///
    /// runtime::block_on(async {
    ///     let lock = Arc::new(RwLock::new(5));
    ///     let guard = lock.clone().read_owned().await;
    ///     // The guard moves into a task of its own: it borrows nothing.
    ///     let reader = runtime::spawn(async move { *guard * 2 });
    ///     assert_eq!(reader.await?, 10);
    ///     *lock.write().await += 1; // the task's guard is gone
    ///     Ok::<_, runtime::JoinError>(())
    /// })?;
    /// # Ok::<_, runtime::JoinError>(())
    /// ```
    pub async fn read_owned(self: Arc<Self>) -> OwnedRwLockReadGuard<T> {
        let data = self.read().await.into_share();
        OwnedRwLockReadGuard::new(self, data)
    }

    /// As [`write`](RwLock::write), for a lock in an `Arc`: the guard
    /// keeps the `Arc` rather than borrowing the lock.
    ///
    /// # Cancel safety
    ///
    /// As [`write`](RwLock::write)'s.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use runtime::sync::RwLock;
    ///
    /// runtime::block_on(async {
    ///     let lock = Arc::new(RwLock::new(Vec::new()));
    ///     let mut guard = lock.clone().write_owned().await;
    ///     let writer = runtime::spawn(async move { guard.push("from a task") });
    ///     writer.await?;
    ///     assert_eq!(*lock.read().await, ["from a task"]);
    ///     Ok::<_, runtime::JoinError>(())
    /// })?;
    /// # Ok::<_, runtime::JoinError>(())
    /// ```
    pub async fn write_owned(self: Arc<Self>) -> OwnedRwLockWriteGuard<T> {
        let data = self.write().await.into_value();
        OwnedRwLockWriteGuard::new(self, data)
    }

    /// As [`try_read`](RwLock::try_read), for a lock in an `Arc`.
    ///
    /// # Errors
    ///
    /// As [`try_read`](RwLock::try_read)'s.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = std::sync::Arc::new(runtime::sync::RwLock::new(1));
    /// let guard = lock.clone().try_read_owned()?;
    /// assert!(lock.clone().try_write_owned().is_err());
    /// drop(guard);
    /// assert!(lock.try_write_owned().is_ok());
    /// # Ok::<_, runtime::sync::TryLockError>(())
    /// ```
    pub fn try_read_owned(self: Arc<Self>) -> Result<OwnedRwLockReadGuard<T>, TryLockError> {
        let data = self.try_read()?.into_share();
        Ok(OwnedRwLockReadGuard::new(self, data))
    }

    /// As [`try_write`](RwLock::try_write), for a lock in an `Arc`.
    ///
    /// # Errors
    ///
    /// As [`try_write`](RwLock::try_write)'s.
    pub fn try_write_owned(self: Arc<Self>) -> Result<OwnedRwLockWriteGuard<T>, TryLockError> {
        let data = self.try_write()?.into_value();
        Ok(OwnedRwLockWriteGuard::new(self, data))
    }
}

/// Shared access to an [`RwLock`]'s value, holding the lock's `Arc`:
/// [`RwLockReadGuard`](crate::sync::RwLockReadGuard) without the borrow. `Send` and `Sync` when
/// `T: Send + Sync`; `'static` when `T` is.
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct OwnedRwLockReadGuard<T> {
    // Field order is drop order: the share of the value goes before the
    // read is given back, so a writer let in next finds it unshared.
    data: Arc<T>,
    _release: OwnedReadRelease<T>,
}

struct OwnedReadRelease<T> {
    lock: Arc<RwLock<T>>,
}

impl<T> Drop for OwnedReadRelease<T> {
    fn drop(&mut self) {
        self.lock.release_read();
    }
}

impl<T> OwnedRwLockReadGuard<T> {
    fn new(lock: Arc<RwLock<T>>, data: Arc<T>) -> OwnedRwLockReadGuard<T> {
        OwnedRwLockReadGuard {
            data,
            _release: OwnedReadRelease { lock },
        }
    }
}

impl<T> Deref for OwnedRwLockReadGuard<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.data
    }
}

/// Exclusive access to an [`RwLock`]'s value, holding the lock's `Arc`:
/// [`RwLockWriteGuard`](crate::sync::RwLockWriteGuard) without the borrow. `Send` and `Sync` when
/// `T: Send + Sync`; `'static` when `T` is.
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct OwnedRwLockWriteGuard<T> {
    lock: Arc<RwLock<T>>,
    /// The value, taken out of the lock; `None` only once `drop` or
    /// `downgrade` has given it back.
    data: Option<Arc<T>>,
}

impl<T> OwnedRwLockWriteGuard<T> {
    fn new(lock: Arc<RwLock<T>>, data: Arc<T>) -> OwnedRwLockWriteGuard<T> {
        OwnedRwLockWriteGuard {
            lock,
            data: Some(data),
        }
    }

    /// Turns this write guard into a read guard without unlocking, as
    /// [`RwLockWriteGuard::downgrade`](crate::sync::RwLockWriteGuard::downgrade).
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime::sync::{OwnedRwLockWriteGuard, RwLock};
    ///
    /// runtime::block_on(async {
    ///     let lock = std::sync::Arc::new(RwLock::new(1));
    ///     let mut w = lock.clone().write_owned().await;
    ///     *w = 2;
    ///     let r = OwnedRwLockWriteGuard::downgrade(w);
    ///     assert_eq!((*r, *lock.try_read()?), (2, 2));
    ///     Ok::<_, runtime::sync::TryLockError>(())
    /// })?;
    /// # Ok::<_, runtime::sync::TryLockError>(())
    /// ```
    pub fn downgrade(mut this: Self) -> OwnedRwLockReadGuard<T> {
        let data = this.data.take().expect(VALUE_AWAY);
        let lock = this.lock.clone();
        drop(this); // holds nothing now: its drop does nothing
        let data = lock.downgrade(data);
        OwnedRwLockReadGuard::new(lock, data)
    }
}

impl<T> Drop for OwnedRwLockWriteGuard<T> {
    fn drop(&mut self) {
        if let Some(data) = self.data.take() {
            self.lock.release_write(data);
        }
    }
}

impl<T> Deref for OwnedRwLockWriteGuard<T> {
    type Target = T;

    fn deref(&self) -> &T {
        self.data.as_deref().expect(VALUE_AWAY)
    }
}

impl<T> DerefMut for OwnedRwLockWriteGuard<T> {
    fn deref_mut(&mut self) -> &mut T {
        // The only reference, as for `RwLockWriteGuard`.
        self.data
            .as_mut()
            .and_then(Arc::get_mut)
            .expect("a write guard holds the only reference to the value")
    }
}

impl<T: fmt::Debug> fmt::Debug for OwnedRwLockReadGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: fmt::Debug> fmt::Debug for OwnedRwLockWriteGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

//! [`Id`]: a name for one runtime, never given to another in the life of
//! the process, for code that keeps runtime-bound things (registered
//! sockets, spawned helper tasks) and must notice when it is later called
//! from a different runtime, as `http-client`'s connection pool does.
//!
//! The executor's own runtime number (`remote.rs`) is reused once a
//! runtime is dropped, because it indexes the waker registry; this one is
//! a plain counter, so two runtimes that live one after the other on the
//! same thread still have different ids.

use std::fmt;
use std::num::NonZeroU64;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::context;

/// The id of a runtime, unique in this process; see [`Id::current`].
///
/// # Examples
///
/// ```
/// let first = runtime::block_on(async { runtime::Id::current() });
/// let second = runtime::block_on(async { runtime::Id::current() });
/// assert!(first.is_some());
/// assert_ne!(first, second, "every runtime gets a new id");
/// assert_eq!(runtime::Id::current(), None, "outside a runtime");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Id(NonZeroU64);

impl Id {
    /// A new id, never handed out before.
    pub(crate) fn next() -> Id {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        // 2^64 runtimes would take centuries at a billion per second.
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        Id(NonZeroU64::new(n).expect("runtime ids ran out"))
    }

    /// The id of the runtime running on this thread, or `None` outside a
    /// runtime.
    pub fn current() -> Option<Id> {
        context::try_current().map(|core| core.unique_id())
    }

    /// The id as a number (distinct for every runtime of the process).
    pub fn as_u64(self) -> u64 {
        self.0.get()
    }
}

impl fmt::Debug for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "runtime::Id({})", self.0)
    }
}

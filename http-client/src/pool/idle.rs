//! [`IdleWatch`]: how the reactor tells the pool that an idle connection
//! went bad, without any polling loop.
//!
//! When a connection goes back to the pool, the pool asks its socket to
//! wake an `IdleWatch` on the next read event (`TcpStream::poll_read_ready`).
//! On an idle HTTP connection nothing should ever arrive: a read event means
//! the server closed it (its idle timeout ran out), reset it, or sent bytes
//! nobody asked for, and in every case the connection is unusable. The
//! watch notes it and wakes the pool's reaper (`reaper.rs`), which closes
//! the connection at once, so nobody picks it and no descriptor lingers in
//! `CLOSE_WAIT`.
//!
//! One watch lives as long as its connection and is armed only while the
//! connection is idle: the reactor keeps the waker after the connection is
//! taken out again (until the next read event, which the response itself
//! brings), and a wake that finds the watch disarmed is ignored.
//!
//! A waker must be `Send + Sync`, so the watch holds atomics and a
//! `runtime::sync::Notify`, although every wake comes from the runtime's
//! own thread (the reactor's).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::task::Wake;

use runtime::sync::Notify;

/// The idle-time watch of one pooled connection.
#[derive(Debug)]
pub(crate) struct IdleWatch {
    /// The connection sits in the pool: a wake now means trouble.
    armed: AtomicBool,
    /// A read event came while armed: the connection must not be used.
    tripped: AtomicBool,
    /// Wakes the pool's reaper.
    reaper: Arc<Notify>,
}

impl IdleWatch {
    pub(crate) fn new(reaper: Arc<Notify>) -> Arc<IdleWatch> {
        Arc::new(IdleWatch {
            armed: AtomicBool::new(false),
            tripped: AtomicBool::new(false),
            reaper,
        })
    }

    /// The connection enters the pool.
    pub(crate) fn arm(&self) {
        self.armed.store(true, Relaxed);
    }

    /// The connection leaves the pool (to be used, or closed).
    pub(crate) fn disarm(&self) {
        self.armed.store(false, Relaxed);
    }

    /// Whether something arrived while the connection was idle.
    pub(crate) fn tripped(&self) -> bool {
        self.tripped.load(Relaxed)
    }
}

impl Wake for IdleWatch {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if self.armed.load(Relaxed) {
            self.tripped.store(true, Relaxed);
            self.reaper.notify_one();
        }
    }
}

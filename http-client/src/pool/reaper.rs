//! The reaper: one small task per pool (per runtime it is used on) that
//! closes idle connections as soon as they are of no more use — when their
//! [`IdleWatch`](super::idle::IdleWatch) trips (the server closed or reset
//! them) or when their idle time runs out — so the pool never holds a dead
//! descriptor for long.
//!
//! It sleeps until one of those can happen: a trip wakes it through the
//! pool's `Notify`, and a timer is set for the earliest expiry. A pool in
//! steady use costs it one wake per expiry period at most, and an idle
//! runtime wakes it only when a connection needs closing. It holds the pool
//! weakly and ends when the pool is dropped (the pool's `Drop` notifies it).

use std::rc::Weak;
use std::sync::Arc;
use std::time::Instant;

use runtime::sync::Notify;
use runtime::time::sleep_until;

use super::PoolInner;

/// Runs until the pool is gone.
pub(super) async fn reap(pool: Weak<PoolInner>, notify: Arc<Notify>) {
    loop {
        // The pool is borrowed only between waits, never across one.
        let next = match pool.upgrade() {
            Some(pool) => pool.prune(Instant::now()),
            None => return,
        };
        match next {
            Some(at) => {
                runtime::race(notify.notified(), sleep_until(at)).await;
            }
            None => notify.notified().await,
        }
    }
}

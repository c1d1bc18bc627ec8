//! [`HostLimits`]: `--per-host N`, at most N connections to one `host:port`
//! at a time — one semaphore per host, made when a host is first seen and
//! dropped when its last holder is done, so a crawl over a million hosts
//! keeps only the busy ones in memory.
//!
//! With `--cores N` the limit holds across all cores: the cores share one
//! table (cloning a [`HostLimits`] shares it), behind a lock taken once when
//! a download starts and once when it ends, and its semaphores are
//! `runtime::sync` ones, whose wakes cross from one core's runtime to
//! another's. Splitting the limit per core instead would let one host see
//! N times its limit, or (with a share of 0) starve a core.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use runtime::sync::{OwnedSemaphorePermit, Semaphore};

/// Per-host semaphores, keyed by `host:port`; clones share them.
#[derive(Debug, Clone)]
pub(crate) struct HostLimits {
    /// Permits per host; 0 = no limit (then the map stays empty).
    per_host: usize,
    hosts: Arc<Mutex<HashMap<String, Host>>>,
}

/// One host's semaphore and how many tasks hold or wait for it.
#[derive(Debug)]
struct Host {
    semaphore: Arc<Semaphore>,
    users: usize,
}

/// A connection slot for one host; freed when dropped.
#[derive(Debug)]
pub(crate) struct HostPermit {
    /// `None` when there is no per-host limit. The permit is declared
    /// first so that it is released before the host's entry may go.
    _held: Option<(OwnedSemaphorePermit, HostUser)>,
}

/// Counts one holder or waiter of a host's semaphore; the last one out
/// removes the host's entry.
#[derive(Debug)]
struct HostUser {
    authority: String,
    hosts: Arc<Mutex<HashMap<String, Host>>>,
}

/// Locks the table. A panic while it was held (a bug) leaves it consistent
/// (each change is one insert, one count or one remove), so poisoning is
/// ignored.
fn lock(hosts: &Mutex<HashMap<String, Host>>) -> MutexGuard<'_, HashMap<String, Host>> {
    hosts.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Drop for HostUser {
    fn drop(&mut self) {
        let mut hosts = lock(&self.hosts);
        if let Some(host) = hosts.get_mut(&self.authority) {
            host.users -= 1;
            if host.users == 0 {
                hosts.remove(&self.authority);
            }
        }
    }
}

impl HostLimits {
    /// At most `per_host` connections per host; 0 means no limit.
    pub(crate) fn new(per_host: usize) -> HostLimits {
        HostLimits {
            per_host,
            hosts: Arc::default(),
        }
    }

    /// Waits for a slot for `authority` (`host:port`).
    ///
    /// # Cancellation
    ///
    /// Dropping the future gives up its place in line.
    pub(crate) async fn acquire(&self, authority: &str) -> HostPermit {
        if self.per_host == 0 {
            return HostPermit { _held: None };
        }
        let (semaphore, user) = {
            let mut hosts = lock(&self.hosts);
            let host = hosts.entry(authority.to_owned()).or_insert_with(|| Host {
                semaphore: Arc::new(Semaphore::new(self.per_host.min(Semaphore::MAX_PERMITS))),
                users: 0,
            });
            host.users += 1;
            let user = HostUser {
                authority: authority.to_owned(),
                hosts: self.hosts.clone(),
            };
            (host.semaphore.clone(), user)
        };
        // `user` is dropped with this future if it is cancelled here.
        match semaphore.acquire_owned().await {
            Ok(permit) => HostPermit {
                _held: Some((permit, user)),
            },
            // Never closed; were it, no limit is the only sensible answer.
            Err(_closed) => HostPermit { _held: None },
        }
    }

    /// Hosts with a holder or a waiter right now.
    #[cfg(test)]
    pub(crate) fn busy_hosts(&self) -> usize {
        lock(&self.hosts).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn one_host_is_limited_and_forgotten_when_idle() {
        runtime::block_on(async {
            let limits = HostLimits::new(1);
            let first = limits.acquire("a:80").await;
            let other = limits.acquire("b:80").await; // another host: no wait
            let waiter = {
                let limits = limits.clone();
                runtime::spawn(async move {
                    let _second = limits.acquire("a:80").await;
                })
            };
            runtime::time::sleep(Duration::from_millis(20)).await;
            assert!(!waiter.is_finished(), "a second slot for a:80");
            drop(first);
            waiter.await.unwrap();
            drop(other);
            assert_eq!(limits.busy_hosts(), 0);
        });
    }

    #[test]
    fn zero_means_no_limit() {
        runtime::block_on(async {
            let limits = HostLimits::new(0);
            let _a = limits.acquire("a:80").await;
            let _b = limits.acquire("a:80").await;
            assert_eq!(limits.busy_hosts(), 0);
        });
    }
}

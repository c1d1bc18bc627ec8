//! The connection pool: idle connections of one [`Client`](crate::Client),
//! kept for the next request to the same place, so that a list of URLs on
//! one host costs one TCP (and TLS) handshake per concurrent request rather
//! than one per URL.
//!
//! ```text
//!  Client::send ──checkout(key)──► an idle connection?  yes: reuse it (no handshake)
//!       │                                                no: connect (TLS resumes a
//!       ▼                                                    session seen before)
//!   request ─► head ─► body read to its end ─► clean? ──yes──► checkin(key) ─► idle
//!                                                  └─no──► closed
//!   idle ── read event (FIN, RST, stray bytes) ──► IdleWatch trips ─► reaper closes it
//!        └─ idle time over ────────────────────────────────────────► reaper closes it
//! ```
//!
//! - **Keyed** by scheme, host and port, and the proxy (with its
//!   credentials) the connection goes through, if any. A pool belongs to one client,
//!   whose TLS settings (roots, verifier, `tls_config`) never change, so
//!   the TLS settings in force are part of every key implicitly.
//! - **Clean or closed**: a connection comes back only if the response
//!   allowed it (`persistence.rs`), its body was framed and read to the
//!   end, no byte followed it, no error or timeout happened, and (for TLS)
//!   the session holds nothing unread and no `close_notify`. When in doubt
//!   it closes: a wrong reuse corrupts the next response; a missed one
//!   costs a handshake.
//! - **Watched while idle** by the reactor (`idle.rs`): no polling loop,
//!   no syscall while nothing happens, and a connection the server closed
//!   is closed here too, promptly (`reaper.rs`).
//! - **Per runtime**: the sockets are registered with the runtime that
//!   opened them, so a client used on a later runtime drops the idle ones
//!   of the earlier one. A `Client` is not `Send` because of this: build
//!   one per thread (per core), each with its own pool.
//! - **Newest first**: the most recently used connection is taken first,
//!   so in a quiet period the others reach their idle timeout and close.

mod idle;
mod persistence;
mod reaper;

pub(crate) use persistence::{KeepAlive, keep_alive};

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::rc::{Rc, Weak};
use std::sync::Arc;
use std::task::{Context, Waker};
use std::time::{Duration, Instant};

use runtime::sync::Notify;

use crate::proxy::ProxyTarget;
use crate::transport::Transport;
use crate::{ClientStats, Scheme, Url};
use idle::IdleWatch;

/// Where a connection leads: requests with the same key may share it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct PoolKey {
    scheme: Scheme,
    host: String,
    port: u16,
    /// The proxy the connection goes through, credentials included (a
    /// tunnel was opened with them): a connection made one way is never
    /// used to reach the origin another way. `Debug` hides the password.
    proxy: Option<ProxyTarget>,
}

impl PoolKey {
    /// The key of connections to `url`'s origin through `proxy`.
    pub(crate) fn of(url: &Url, proxy: Option<&ProxyTarget>) -> PoolKey {
        PoolKey {
            scheme: url.scheme(),
            host: url.host().to_owned(),
            port: url.port(),
            proxy: proxy.cloned(),
        }
    }
}

/// The pool's limits, from the [`ClientBuilder`](crate::ClientBuilder).
#[derive(Debug, Clone, Copy)]
pub(crate) struct PoolSettings {
    /// Most idle connections kept per key; 0 turns pooling off.
    pub(crate) max_idle_per_host: usize,
    /// Longest a connection stays idle before it is closed.
    pub(crate) idle_timeout: Duration,
}

/// One client's pool; clones share it.
#[derive(Clone)]
pub(crate) struct Pool {
    inner: Rc<PoolInner>,
}

pub(super) struct PoolInner {
    settings: PoolSettings,
    state: RefCell<State>,
    counters: Counters,
    /// Wakes the reaper: a watch tripped, a connection came in that expires
    /// before the reaper's next wake, or the pool is being dropped.
    notify: Arc<Notify>,
    /// When the reaper will look again by itself (`None`: only when
    /// notified). A connection checked in that expires earlier wakes it.
    reaper_wake: Cell<Option<Instant>>,
}

/// The idle connections, and which runtime they belong to.
#[derive(Default)]
struct State {
    /// The runtime whose reactor the idle sockets are registered with, and
    /// on which the reaper runs.
    runtime: Option<runtime::Id>,
    /// A reaper task runs on `runtime`.
    reaper: bool,
    /// Idle connections per key, oldest first.
    hosts: HashMap<PoolKey, VecDeque<Idle>>,
}

/// An idle connection.
struct Idle {
    transport: Transport,
    watch: Arc<IdleWatch>,
    /// When it stops being worth using.
    expires: Instant,
}

/// What happened to connections so far; the source of [`ClientStats`].
#[derive(Debug, Default)]
struct Counters {
    opened: Cell<u64>,
    reused: Cell<u64>,
    replayed: Cell<u64>,
    tls_full: Cell<u64>,
    tls_resumed: Cell<u64>,
}

fn bump(counter: &Cell<u64>) {
    counter.set(counter.get() + 1);
}

/// A connection's way back to the pool, carried by the
/// [`Connection`](crate::Connection) and then its body stream.
#[derive(Debug)]
pub(crate) struct Lease {
    pool: Weak<PoolInner>,
    key: PoolKey,
    /// The connection's watch, once it has been idle before.
    watch: Option<Arc<IdleWatch>>,
}

impl Pool {
    pub(crate) fn new(settings: PoolSettings) -> Pool {
        Pool {
            inner: Rc::new(PoolInner {
                settings,
                state: RefCell::default(),
                counters: Counters::default(),
                notify: Arc::new(Notify::new()),
                reaper_wake: Cell::new(None),
            }),
        }
    }

    /// Whether connections are kept at all (`pool_max_idle_per_host` > 0).
    pub(crate) fn is_enabled(&self) -> bool {
        self.inner.settings.max_idle_per_host > 0
    }

    /// The newest idle connection for `key` that is still good, with its
    /// lease; `None` if there is none (the caller connects). With
    /// `look_first` (for a request that may not be sent twice), the socket
    /// is asked with a `poll(2)` too, so a close that arrived since the
    /// reactor last looked is seen before the request goes out.
    pub(crate) fn checkout(&self, key: &PoolKey, look_first: bool) -> Option<(Transport, Lease)> {
        if !self.is_enabled() {
            return None;
        }
        let mut state = self.inner.state.borrow_mut();
        if !state.follow_runtime() {
            self.inner.reaper_wake.set(None); // a new runtime: no reaper yet
        }
        let idle = state.hosts.get_mut(key)?;
        let now = Instant::now();
        let found = loop {
            let Some(candidate) = idle.pop_back() else {
                break None;
            };
            candidate.watch.disarm();
            let readable = || candidate.transport.tcp().read_ready_now().unwrap_or(true);
            if !candidate.watch.tripped() && candidate.expires > now && !(look_first && readable())
            {
                break Some(candidate);
            }
            // Closed by the server, or too old: dropped (closed) here.
        };
        if idle.is_empty() {
            state.hosts.remove(key);
        }
        let Idle {
            transport, watch, ..
        } = found?;
        bump(&self.inner.counters.reused);
        let lease = Lease {
            pool: Rc::downgrade(&self.inner),
            key: key.clone(),
            watch: Some(watch),
        };
        Some((transport, lease))
    }

    /// A lease for a connection just opened to `key`, or `None` when
    /// pooling is off (the connection then closes after one response).
    pub(crate) fn lease(&self, key: PoolKey) -> Option<Lease> {
        self.is_enabled().then(|| Lease {
            pool: Rc::downgrade(&self.inner),
            key,
            watch: None,
        })
    }

    /// Counts a new connection, and for TLS the kind of its handshake.
    pub(crate) fn count_opened(&self, tls_resumed: Option<bool>) {
        let counters = &self.inner.counters;
        bump(&counters.opened);
        match tls_resumed {
            Some(true) => bump(&counters.tls_resumed),
            Some(false) => bump(&counters.tls_full),
            None => {}
        }
    }

    /// Counts a request sent again after its reused connection failed.
    pub(crate) fn count_replayed(&self) {
        bump(&self.inner.counters.replayed);
    }

    /// The counters, as [`Client::stats`](crate::Client::stats) shows them.
    pub(crate) fn stats(&self) -> ClientStats {
        let counters = &self.inner.counters;
        let state = self.inner.state.borrow();
        ClientStats {
            connections_opened: counters.opened.get(),
            reused: counters.reused.get(),
            replayed: counters.replayed.get(),
            tls_full_handshakes: counters.tls_full.get(),
            tls_resumed_handshakes: counters.tls_resumed.get(),
            idle: state.hosts.values().map(VecDeque::len).sum(),
        }
    }
}

impl Lease {
    /// Puts `transport` back as idle, on the server's `terms`, if the pool
    /// still exists and the connection is still clean; otherwise drops
    /// (closes) it.
    pub(crate) fn give_back(self, transport: Transport, terms: KeepAlive) {
        if let Some(pool) = self.pool.upgrade() {
            pool.checkin(self.key, transport, self.watch, terms);
        }
    }
}

impl PoolInner {
    fn checkin(
        self: &Rc<PoolInner>,
        key: PoolKey,
        mut transport: Transport,
        watch: Option<Arc<IdleWatch>>,
        terms: KeepAlive,
    ) {
        let mut state = self.state.borrow_mut();
        if !state.follow_runtime() {
            self.reaper_wake.set(None); // a new runtime: no reaper yet
        }
        if state.runtime.is_none() || !transport.is_reusable() {
            return;
        }
        let watch = watch.unwrap_or_else(|| IdleWatch::new(self.notify.clone()));
        watch.arm();
        // Readable already (the server closed, or sent more than the
        // response)? Then it is no good. If not, the reactor now holds
        // the watch's waker for the next read event. This costs a `poll(2)`
        // per request (the reactor's last "readable" is stale after a read
        // that stopped short of `WouldBlock`), and it is what sees a FIN
        // that came with the response's last bytes: `polling` reports no
        // EPOLLRDHUP, so no later event would (BENCHMARKS.md has the cost).
        let waker = Waker::from(watch.clone());
        if transport
            .tcp()
            .poll_read_ready(&mut Context::from_waker(&waker))
            .is_ready()
        {
            watch.disarm();
            return;
        }
        let idle_for = terms
            .expires_after()
            .map_or(self.settings.idle_timeout, |server| {
                server.min(self.settings.idle_timeout)
            });
        let Some(expires) = Instant::now().checked_add(idle_for) else {
            return; // an idle timeout too large to represent: keep nothing
        };
        let idle = state.hosts.entry(key).or_default();
        idle.push_back(Idle {
            transport,
            watch,
            expires,
        });
        if idle.len() > self.settings.max_idle_per_host
            && let Some(oldest) = idle.pop_front()
        {
            oldest.watch.disarm();
        }
        // The reaper must look again before this one expires.
        if self.reaper_wake.get().is_none_or(|at| expires < at) {
            self.reaper_wake.set(Some(expires));
            self.notify.notify_one();
        }
        if !state.reaper {
            state.reaper = true;
            let (pool, notify) = (Rc::downgrade(self), self.notify.clone());
            drop(runtime::spawn(reaper::reap(pool, notify)));
        }
    }

    /// Closes the idle connections that tripped or expired by `now`;
    /// returns when the next one expires.
    fn prune(&self, now: Instant) -> Option<Instant> {
        let mut state = self.state.borrow_mut();
        let mut next: Option<Instant> = None;
        state.hosts.retain(|_, idle| {
            idle.retain(|c| {
                let keep = !c.watch.tripped() && c.expires > now;
                if keep {
                    next = Some(next.map_or(c.expires, |n| n.min(c.expires)));
                } else {
                    c.watch.disarm();
                }
                keep
            });
            !idle.is_empty()
        });
        self.reaper_wake.set(next);
        next
    }
}

impl State {
    /// Makes the pool belong to the current runtime, dropping connections
    /// registered with an earlier one; false if it changed (or there is
    /// none: outside a runtime, `runtime` is `None` and nothing is kept).
    fn follow_runtime(&mut self) -> bool {
        let current = runtime::Id::current();
        if self.runtime != current {
            self.hosts.clear();
            self.runtime = current;
            self.reaper = false;
            return false;
        }
        current.is_some()
    }
}

impl Drop for PoolInner {
    fn drop(&mut self) {
        // The reaper holds the pool weakly: wake it to see it is gone.
        self.notify.notify_one();
    }
}

impl fmt::Debug for Pool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pool")
            .field("settings", &self.inner.settings)
            .field("stats", &self.stats())
            .finish()
    }
}

impl fmt::Debug for PoolInner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PoolInner")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_tell_proxies_and_their_credentials_apart() {
        let url = Url::parse("https://example.com/").unwrap();
        let proxy = |text| ProxyTarget::parse(text).unwrap();
        let (a, b, a_as_me) = (proxy("p:1"), proxy("q:1"), proxy("me:pw@p:1"));
        let keys = [
            PoolKey::of(&url, None),
            PoolKey::of(&url, Some(&a)),
            PoolKey::of(&url, Some(&b)),
            PoolKey::of(&url, Some(&a_as_me)),
        ];
        for (i, x) in keys.iter().enumerate() {
            for (j, y) in keys.iter().enumerate() {
                assert_eq!(i == j, x == y, "{x:?} / {y:?}");
            }
        }
        assert_eq!(keys[1], PoolKey::of(&url, Some(&proxy("http://p:1/"))));
        assert!(!format!("{:?}", keys[3]).contains("pw"));
    }
}

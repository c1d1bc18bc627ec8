//! Happy Eyeballs (RFC 8305): connecting to a host with several addresses
//! without letting a dead one eat the whole connect timeout.
//!
//! A name often resolves to an IPv6 and an IPv4 address. If the IPv6 path
//! drops packets (common on home and hotel networks), a connect to it hangs
//! until the kernel gives up, a minute or more, and trying the addresses
//! one after another spends the whole connect timeout on the first. So the
//! attempts overlap:
//!
//! ```text
//!  addresses, resolver order:   6a 6b 4a 4b   ──interleave──►  6a 4a 6b 4b
//!
//!  t = 0      connect(6a) ............................ (hangs: SYNs dropped)
//!  t = 250ms                 connect(4a) ── ok ──► the winner; 6a is dropped (closed)
//!
//!  an attempt that fails starts the next one at once:
//!  t = 0      connect(6a) ── refused ─┐
//!  t = 0                              └► connect(4a) ── refused ──► every address failed
//! ```
//!
//! - **Order**: the families alternate, starting with the resolver's first
//!   choice, each family keeping its own order (§4, with a "First Address
//!   Family Count" of 1).
//! - **Pace**: the next attempt starts [`delay`](Race::new) after the
//!   previous one started (RFC 8305's "Connection Attempt Delay", 250 ms
//!   by default), or at once when an attempt fails. Earlier attempts keep
//!   running: a slow first address still wins if it answers first.
//! - **End**: the first attempt to complete is the connection; every other
//!   one is dropped, which closes its socket. If all fail, each address is
//!   reported with its own error, in the order they were tried.
//!
//! The race is one future polled by its caller's task: no task is spawned,
//! and dropping it (the connect timeout, a cancelled request) closes every
//! socket it opened. The TLS handshake, which comes after, runs on the
//! winner only (`connect/mod.rs`).

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use runtime::net::{Connect, TcpStream};
use runtime::time::{Sleep, sleep};

/// `addrs` in the order RFC 8305 tries them: the address families
/// alternate, starting with the family of the first address, and each
/// family keeps the resolver's order.
pub(crate) fn interleave(addrs: Vec<SocketAddr>) -> Vec<SocketAddr> {
    let Some(first) = addrs.first() else {
        return addrs;
    };
    let preferred_v6 = first.is_ipv6();
    let mut out = Vec::with_capacity(addrs.len());
    let (preferred, other): (Vec<SocketAddr>, Vec<SocketAddr>) =
        addrs.into_iter().partition(|a| a.is_ipv6() == preferred_v6);
    let (mut preferred, mut other) = (preferred.into_iter(), other.into_iter());
    loop {
        match (preferred.next(), other.next()) {
            (None, None) => return out,
            (a, b) => out.extend(a.into_iter().chain(b)),
        }
    }
}

/// The future of a race between connection attempts, one per address.
#[must_use = "futures do nothing unless awaited"]
pub(crate) struct Race {
    /// Addresses not tried yet, next first.
    waiting: std::vec::IntoIter<SocketAddr>,
    /// Attempts under way: the attempt's place in the order, its address
    /// and its connect.
    running: Vec<(usize, SocketAddr, Connect)>,
    /// Attempts started so far (the next one's place in the order).
    started: usize,
    /// The attempts that failed, with their place in the order.
    failed: Vec<(usize, SocketAddr, io::Error)>,
    /// The Connection Attempt Delay.
    delay: Duration,
    /// Fires when the next attempt is due; never, when none waits.
    next_due: Sleep,
}

impl Race {
    /// A race over `addrs` (already in the order to try them), starting
    /// the next attempt `delay` after the previous one.
    /// `Duration::MAX` tries one address at a time.
    pub(crate) fn new(addrs: Vec<SocketAddr>, delay: Duration) -> Race {
        Race {
            waiting: addrs.into_iter(),
            running: Vec::new(),
            started: 0,
            failed: Vec::new(),
            delay,
            next_due: sleep(Duration::MAX),
        }
    }

    /// Starts the attempt to the next address, if one is waiting; false if
    /// none is.
    fn start_next(&mut self) -> bool {
        let Some(addr) = self.waiting.next() else {
            self.next_due = sleep(Duration::MAX);
            return false;
        };
        self.running
            .push((self.started, addr, TcpStream::connect(addr)));
        self.started += 1;
        self.next_due = match Instant::now().checked_add(self.delay) {
            Some(at) if self.waiting.len() > 0 => runtime::time::sleep_until(at),
            _ => sleep(Duration::MAX),
        };
        true
    }

    /// Every failure, in the order the attempts were started.
    fn failures(&mut self) -> Vec<(SocketAddr, io::Error)> {
        let mut failed = std::mem::take(&mut self.failed);
        failed.sort_by_key(|(place, ..)| *place);
        failed
            .into_iter()
            .map(|(_, addr, error)| (addr, error))
            .collect()
    }
}

impl Future for Race {
    /// The first connection made, or each address with its error.
    type Output = Result<TcpStream, Vec<(SocketAddr, io::Error)>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if this.started == 0 && !this.start_next() {
            return Poll::Ready(Err(Vec::new())); // no address at all
        }
        loop {
            // Poll every attempt under way; a failure makes room for the
            // next address at once.
            let mut any_failed = false;
            let mut i = 0;
            while i < this.running.len() {
                match Pin::new(&mut this.running[i].2).poll(cx) {
                    Poll::Ready(Ok(stream)) => {
                        // The others are dropped with the race: closed.
                        this.running.clear();
                        return Poll::Ready(Ok(stream));
                    }
                    Poll::Ready(Err(error)) => {
                        let (place, addr, _) = this.running.remove(i);
                        this.failed.push((place, addr, error));
                        any_failed = true;
                    }
                    Poll::Pending => i += 1,
                }
            }
            if any_failed && this.start_next() {
                continue; // poll the new attempt, so it can wake us
            }
            if Pin::new(&mut this.next_due).poll(cx).is_ready() && this.start_next() {
                continue;
            }
            if !this.running.is_empty() {
                return Poll::Pending;
            }
            if !this.start_next() {
                return Poll::Ready(Err(this.failures()));
            }
        }
    }
}

impl std::fmt::Debug for Race {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let running: Vec<SocketAddr> = self.running.iter().map(|(_, addr, _)| *addr).collect();
        f.debug_struct("Race")
            .field("running", &running)
            .field("waiting", &self.waiting.as_slice())
            .field("failed", &self.failed.len())
            .field("delay", &self.delay)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addrs(list: &[&str]) -> Vec<SocketAddr> {
        list.iter().map(|a| a.parse().unwrap()).collect()
    }

    #[test]
    fn interleaves_the_families_in_the_resolvers_order() {
        #[rustfmt::skip]
        let cases: &[(&[&str], &[&str])] = &[
            (&[], &[]),
            (&["127.0.0.1:80"], &["127.0.0.1:80"]),
            (&["[::1]:80", "[::2]:80", "127.0.0.1:80", "127.0.0.2:80"],
             &["[::1]:80", "127.0.0.1:80", "[::2]:80", "127.0.0.2:80"]),
            (&["127.0.0.1:80", "[::1]:80", "[::2]:80", "[::3]:80"],
             &["127.0.0.1:80", "[::1]:80", "[::2]:80", "[::3]:80"]),
            (&["127.0.0.1:80", "127.0.0.2:80", "127.0.0.3:80", "[::1]:80"],
             &["127.0.0.1:80", "[::1]:80", "127.0.0.2:80", "127.0.0.3:80"]),
            (&["[::1]:80", "127.0.0.1:80", "[::2]:80", "127.0.0.2:80"],
             &["[::1]:80", "127.0.0.1:80", "[::2]:80", "127.0.0.2:80"]),
        ];
        for (input, want) in cases {
            assert_eq!(interleave(addrs(input)), addrs(want), "{input:?}");
        }
    }

    #[test]
    fn no_address_is_an_empty_failure() {
        let result = runtime::block_on(Race::new(Vec::new(), Duration::from_millis(250)));
        assert!(matches!(result, Err(failed) if failed.is_empty()));
    }
}

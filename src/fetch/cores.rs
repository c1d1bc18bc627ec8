//! `--cores N`: the fetch loop on N runtimes at once, one per thread
//! ([`runtime::per_core`]), fed and drained by the calling thread.
//!
//! ```text
//!  this thread (its own runtime)            core k (k = 0..N, own runtime)
//!   UrlSource ──deal: entry i to core i % N ──► mpsc (bounded) ──► fetch_all
//!             (--per-host: to hash(host:port) % N)     (its share of --concurrency,
//!                                                        its own Client and pool)
//!   Report ◄──────────── mpsc (bounded) ◄──── Outcome per URL, as it completes;
//!                                             then the core's ClientStats
//! ```
//!
//! The entries keep the numbers the source gave them, so `--output DIR/i`
//! names and the lines are as with one core; only the order in which
//! lines complete may differ, as it may between two runs on one core.
//! Memory stays bounded by the concurrency, not the list: a core's channel
//! holds at most its share of entries, and the dealer waits when it is
//! full (dealing strictly in turn, it waits for the slowest core).
//!
//! `--per-host` holds across cores (the cores share one [`HostLimits`]
//! table); the progress counters are atomics shared the same way. The
//! demo server, when there is one, runs on this thread's runtime, which
//! stays busy printing until the cores are done.
//!
//! But a permit counts a connection only while a download uses it, and
//! each core keeps its idle connections in its own client's pool (a
//! `Client` is not `Send`). Dealt in turn, a host's URLs would land on
//! every core: an idle connection to it on core A plus a new one on core
//! B, or one on each of N + 1 cores, could exceed `--per-host N`. So with
//! `--per-host` the dealer sends every URL of one `host:port` to the same
//! core (the hash of the host and port, modulo N): that core's pool is
//! then the only one with connections to the host, and it opens a new one
//! only when no idle one is left, that is while the others are in use,
//! each under a permit. The price: a host's URLs run within that one
//! core's share of `--concurrency`, and the dealer may wait on a busy
//! core while another idles (a list of one host uses one core). Without
//! `--per-host` there is no cap to keep, and dealing in turn balances
//! best. (A redirect to another host is not counted against that host's
//! cap, as on one core.)
//!
//! When its loop is done, each core sends its client's [`ClientStats`]
//! down the same channel as the outcomes, and the report sums them.
//!
//! [`HostLimits`]: super::limits::HostLimits

use std::cell::RefCell;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::panic::resume_unwind;
use std::rc::Rc;
use std::sync::{Mutex, PoisonError};

use http_client::{ClientStats, Url};
use runtime::sync::mpsc;

use super::report::{Outcome, Report};
use super::source::{Entry, UrlSource};
use super::{Common, Recorder, fetch_all};

/// Most entries waiting in a core's channel when there is no concurrency
/// limit to size it by.
const MAX_QUEUED: usize = 64;

/// What a core sends back to the printing thread.
// Nearly every message is an outcome, sent by value as before the stats
// joined it; boxing it would cost an allocation per URL to shrink the
// one message per core.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub(super) enum FromCore {
    /// A URL's outcome, as it completes.
    Outcome(Outcome),
    /// The core's client's counts, once its loop is done.
    Stats(ClientStats),
}

/// Which core gets each entry: in turn, or (with `--per-host`) by host.
#[derive(Debug)]
struct Dealer {
    cores: usize,
    by_host: bool,
    /// The next core in turn.
    next: usize,
}

impl Dealer {
    fn new(cores: usize, by_host: bool) -> Dealer {
        Dealer {
            cores,
            by_host,
            next: 0,
        }
    }

    /// The core for `entry`. By host, every URL of one `host:port` (the
    /// key of `--per-host` too) goes to one core; an entry with no host (a
    /// bad line, an invalid URL: it fails without a connection) goes in
    /// turn.
    fn core_for(&mut self, entry: &Entry) -> usize {
        let host = self
            .by_host
            .then(|| Url::parse(&entry.url).ok())
            .flatten()
            .map(|url| url.authority());
        match host {
            Some(authority) => {
                // `DefaultHasher::new()` has fixed keys: the same host goes
                // to the same core all through the run.
                let mut hasher = DefaultHasher::new();
                authority.hash(&mut hasher);
                (hasher.finish() % self.cores as u64) as usize
            }
            None => {
                let core = self.next;
                self.next = (self.next + 1) % self.cores;
                core
            }
        }
    }
}

/// How many cores to run for `--cores requested` (0 = one per CPU) with
/// `concurrency` permits in all (0 = no limit): never more cores than
/// permits, since a core with no share could never fetch its URLs.
pub(super) fn count(requested: usize, concurrency: usize) -> usize {
    let cores = match requested {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    match concurrency {
        0 => cores,
        limit => cores.min(limit),
    }
}

/// Core `core`'s share of `concurrency` permits over `cores` cores: the
/// quotient, plus one for the first `concurrency % cores` cores (0 stays
/// "no limit").
pub(super) fn share(concurrency: usize, cores: usize, core: usize) -> usize {
    concurrency / cores + usize::from(core < concurrency % cores)
}

/// Fetches every entry of `source` on `cores` threads and records each
/// outcome in `report` as it arrives; returns when all cores are done.
///
/// # Errors
///
/// A core's fetch loop failing (its concurrency limit closed).
///
/// # Panics
///
/// A panic on a core is raised again here, once the others are done.
pub(super) async fn fetch_on_cores(
    cores: usize,
    source: &mut UrlSource,
    common: &Common,
    report: &Rc<RefCell<Report>>,
) -> Result<(), String> {
    let concurrency = common.options.concurrency;
    let mut dealer = Dealer::new(cores, common.options.cli.per_host > 0);
    let (results, mut outcomes) = mpsc::channel::<FromCore>(MAX_QUEUED);
    let (deal, inboxes): (Vec<_>, Vec<_>) = (0..cores)
        .map(|core| match share(concurrency, cores, core) {
            0 => mpsc::channel::<Entry>(MAX_QUEUED),
            n => mpsc::channel::<Entry>(n.min(MAX_QUEUED)),
        })
        .map(|(tx, rx)| (tx, Some(rx)))
        .unzip();
    let inboxes = Mutex::new(inboxes);
    let common = common.clone();
    let thread = std::thread::Builder::new()
        .name("fetch-cores".to_owned())
        .spawn(move || {
            runtime::per_core(cores, |core| {
                let inbox = inboxes.lock().unwrap_or_else(PoisonError::into_inner)[core].take();
                let (shared, results) = (common.shared(), results.clone());
                async move {
                    let shared = Rc::new(shared?);
                    let mut inbox = inbox.expect("each core takes its own inbox once");
                    let share = share(concurrency, cores, core);
                    let recorder = Recorder::Send(results.clone());
                    let done = fetch_all(&mut inbox, shared.clone(), share, recorder).await;
                    // Every download has ended: the counts are final. As
                    // for outcomes, a closed channel has nobody to tell.
                    let _ = results.send(FromCore::Stats(shared.client.stats())).await;
                    done
                }
            })
            // `results` is dropped here, after the last core: the printing
            // loop below then sees the channel end.
        })
        .map_err(|e| format!("cannot start the cores' thread: {e}"))?;

    let dealing = async move {
        while let Some(entry) = source.next().await {
            if deal[dealer.core_for(&entry)].send(entry).await.is_err() {
                break; // that core is gone (it panicked): stop dealing
            }
        }
        // Dropping `deal` ends each core's inbox: they finish and return.
    };
    let printing = async {
        while let Some(message) = outcomes.recv().await {
            match message {
                FromCore::Outcome(outcome) => report.borrow_mut().record(&outcome),
                FromCore::Stats(stats) => report.borrow_mut().add_client_stats(&stats),
            }
        }
    };
    runtime::join(dealing, printing).await;
    // The results channel has ended, so the thread is past its last core:
    // this join does not block the runtime for long.
    match thread.join() {
        Ok(loops) => loops.into_iter().collect(),
        Err(panic) => resume_unwind(panic),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_add_up_and_differ_by_at_most_one() {
        for (concurrency, cores) in [(20, 2), (7, 3), (100, 2), (3, 3), (5, 4)] {
            let shares: Vec<_> = (0..cores).map(|k| share(concurrency, cores, k)).collect();
            assert_eq!(shares.iter().sum::<usize>(), concurrency, "{shares:?}");
            assert!(shares.iter().all(|&s| s >= 1), "{shares:?}");
            let (min, max) = (shares.iter().min(), shares.iter().max());
            assert!(max.unwrap() - min.unwrap() <= 1, "{shares:?}");
        }
        assert_eq!(share(0, 2, 1), 0, "no limit stays no limit");
    }

    fn entry(url: &str) -> Entry {
        Entry {
            index: 1,
            url: url.to_owned(),
            origin: super::super::source::Origin::Arg,
            bad_line: None,
        }
    }

    #[test]
    fn by_host_one_host_goes_to_one_core_and_others_in_turn() {
        let mut dealer = Dealer::new(4, true);
        let first = dealer.core_for(&entry("http://a.example:8080/1"));
        for path in ["/2", "/3", "/x?y", ""] {
            let url = format!("http://a.example:8080{path}");
            assert_eq!(dealer.core_for(&entry(&url)), first, "{url}");
        }
        // Many hosts spread over the cores.
        let mut used = [false; 4];
        for i in 0..64 {
            used[dealer.core_for(&entry(&format!("http://h{i}.example/")))] = true;
        }
        assert_eq!(used, [true; 4], "64 hosts over 4 cores");
        // No host: in turn.
        let bad: Vec<_> = (0..4)
            .map(|_| dealer.core_for(&entry("not a url")))
            .collect();
        assert_eq!(bad, [0, 1, 2, 3]);
    }

    #[test]
    fn without_per_host_entries_go_in_turn() {
        let mut dealer = Dealer::new(3, false);
        let cores: Vec<_> = (0..6)
            .map(|_| dealer.core_for(&entry("http://a.example/")))
            .collect();
        assert_eq!(cores, [0, 1, 2, 0, 1, 2]);
    }

    #[test]
    fn never_more_cores_than_permits() {
        assert_eq!(count(4, 2), 2);
        assert_eq!(count(2, 0), 2);
        assert_eq!(count(2, 20), 2);
        assert!(count(0, 0) >= 1);
    }
}

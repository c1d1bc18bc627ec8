//! `--cores N`: the fetch loop on N runtimes at once, one per thread
//! ([`runtime::per_core`]), fed and drained by the calling thread.
//!
//! ```text
//!  this thread (its own runtime)            core k (k = 0..N, own runtime)
//!   UrlSource ──deal: entry i to core i % N ──► mpsc (bounded) ──► fetch_all
//!                                                   (its share of --concurrency)
//!   Report ◄──────────── mpsc (bounded) ◄──── Outcome per URL, as it completes
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
//! [`HostLimits`]: super::limits::HostLimits

use std::cell::RefCell;
use std::panic::resume_unwind;
use std::rc::Rc;
use std::sync::{Mutex, PoisonError};

use runtime::sync::mpsc;

use super::report::{Outcome, Report};
use super::source::{Entry, UrlSource};
use super::{Common, Recorder, fetch_all};

/// Most entries waiting in a core's channel when there is no concurrency
/// limit to size it by.
const MAX_QUEUED: usize = 64;

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
    let (results, mut outcomes) = mpsc::channel::<Outcome>(MAX_QUEUED);
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
                    fetch_all(&mut inbox, shared, share, Recorder::Send(results)).await
                }
            })
            // `results` is dropped here, after the last core: the printing
            // loop below then sees the channel end.
        })
        .map_err(|e| format!("cannot start the cores' thread: {e}"))?;

    let dealing = async move {
        let mut next_core = 0;
        while let Some(entry) = source.next().await {
            if deal[next_core].send(entry).await.is_err() {
                break; // that core is gone (it panicked): stop dealing
            }
            next_core = (next_core + 1) % cores;
        }
        // Dropping `deal` ends each core's inbox: they finish and return.
    };
    let printing = async {
        while let Some(outcome) = outcomes.recv().await {
            report.borrow_mut().record(&outcome);
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

    #[test]
    fn never_more_cores_than_permits() {
        assert_eq!(count(4, 2), 2);
        assert_eq!(count(2, 0), 2);
        assert_eq!(count(2, 20), 2);
        assert!(count(0, 0) >= 1);
    }
}

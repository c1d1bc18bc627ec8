//! Load and soak at CI size (the full size is `cargo run --release --example
//! load`): many fetches in flight at once, then thousands in a row of mixed
//! outcomes, and the proof that nothing leaked. One test, so that no other
//! test in this binary opens descriptors while it counts them.

use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use handroll::load::{ServerThread, load, raise_fd_limit, soak};

#[test]
fn load_then_soak_leaves_nothing_behind() {
    let (done_tx, done_rx) = mpsc::channel();
    thread::spawn(move || {
        let limit = raise_fd_limit(4_096);
        let server = ServerThread::start().expect("demo server thread");
        let in_flight = 1_000.min((limit as usize).saturating_sub(256) / 2);
        runtime::block_on(async {
            let r = load(&server, in_flight, 300).await;
            println!(
                "load: {} fetches, {} ok, peak {} in flight, {:.0} req/s, {:.1} KiB per in-flight fetch",
                r.fetches,
                r.ok,
                r.peak_in_flight,
                r.fetches as f64 / r.elapsed.as_secs_f64(),
                r.bytes_per_fetch / 1024.0
            );
            assert_eq!(r.ok, r.fetches, "errors: {:?}", r.errors);
            assert!(
                r.peak_in_flight * 10 >= in_flight * 9,
                "only {} of {in_flight} were in flight at once",
                r.peak_in_flight
            );

            let s = soak(&server, 4_000, 100).await;
            println!(
                "soak: {} ok, {} timeouts, {} refused, {} aborted; before {:?} after {:?}",
                s.ok, s.timeouts, s.refused, s.aborted, s.before, s.after
            );
            assert!(
                s.unexpected.is_empty(),
                "unexpected outcomes: {:?}",
                s.unexpected
            );
            assert_eq!(
                (s.ok, s.timeouts, s.refused, s.aborted),
                (1_000, 1_000, 1_000, 1_000)
            );
            assert_eq!(s.before, s.after, "something leaked");
        });
        let _ = done_tx.send(());
    });
    done_rx
        .recv_timeout(Duration::from_secs(120))
        .expect("load and soak did not finish within 120 s");
}

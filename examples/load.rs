//! Load and soak: thousands of fetches in flight, then hundreds of
//! thousands in a row, proving that nothing leaks.
//!
//! ```text
//! cargo run --release --example load                  # both, full size
//! cargo run --release --example load -- --connections 5000 --soak 200000
//! cargo run --release --example load -- --soak 0      # load only
//! ```
//!
//! **Load**: a demo server on a second thread holds every request for a
//! moment (`/slow/500`), so all `--connections` fetches are in flight at
//! once; each body is checked, and the report gives the requests per second
//! and the resident memory per in-flight fetch. The soft limit on open files
//! is raised first (each fetch needs a descriptor on each side).
//!
//! **Soak**: `--soak` fetches in a row, 200 at a time, a quarter each of
//! successes, total timeouts, refused connections and aborted tasks; the
//! open descriptors, reactor registrations, timers and tasks after the run
//! must equal their counts before it.

use std::process::ExitCode;

use handroll::load::{ServerThread, load, raise_fd_limit, soak};

fn main() -> ExitCode {
    let mut connections = 5_000;
    let mut soak_total = 200_000;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next().and_then(|v| v.parse::<usize>().ok());
        match (arg.as_str(), value) {
            ("--connections", Some(n)) => connections = n,
            ("--soak", Some(n)) => soak_total = n,
            _ => {
                eprintln!("usage: load [--connections N] [--soak N]");
                return ExitCode::from(2);
            }
        }
    }
    let limit = raise_fd_limit(2 * connections as u64 + 256);
    println!("open-file limit: {limit}");
    let server = ServerThread::start().expect("start the demo server thread");
    let ok = runtime::block_on(async {
        let mut ok = true;
        if connections > 0 {
            let r = load(&server, connections, 500).await;
            println!(
                "load: {} fetches, {} ok, peak {} in flight, {:.0} req/s, {:.1} KiB resident per in-flight fetch",
                r.fetches,
                r.ok,
                r.peak_in_flight,
                r.fetches as f64 / r.elapsed.as_secs_f64(),
                r.bytes_per_fetch / 1024.0
            );
            for e in &r.errors {
                println!("  error: {e}");
            }
            ok &= r.ok == r.fetches;
        }
        if soak_total > 0 {
            let r = soak(&server, soak_total, 200).await;
            println!(
                "soak: {} fetches in {:.1} s: {} ok, {} timed out, {} refused, {} aborted, {} unexpected",
                r.fetches,
                r.elapsed.as_secs_f64(),
                r.ok,
                r.timeouts,
                r.refused,
                r.aborted,
                r.unexpected.len()
            );
            println!("  before: {:?}", r.before);
            println!("  after:  {:?}", r.after);
            for e in &r.unexpected {
                println!("  unexpected: {e}");
            }
            ok &= r.unexpected.is_empty() && r.before == r.after;
        }
        ok
    });
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

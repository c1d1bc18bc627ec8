//! `--per-host N`: at most N connections to one `host:port` at a time,
//! counted by a server that holds every response a while; other hosts are
//! not held back by a busy one.

mod fetch_util;

use std::time::Duration;

use fetch_util::{Fetch, Scripted, Step, reply, watchdog};

const LIMIT: Duration = Duration::from_secs(60);

fn slow_server() -> Scripted {
    Scripted::start(|_, _| {
        let mut steps = vec![Step::Sleep(Duration::from_millis(150))];
        steps.extend(reply(200, b"ok"));
        steps
    })
}

#[test]
fn per_host_caps_connections_to_one_host() {
    watchdog(LIMIT, || {
        let (busy, other) = (slow_server(), slow_server());
        let mut args: Vec<String> = vec!["--per-host".into(), "2".into()];
        args.extend((0..8).map(|i| busy.url(&format!("/{i}"))));
        args.extend((0..2).map(|i| other.url(&format!("/{i}"))));
        let run = Fetch::new(&args).run();
        assert_eq!(run.code, 0, "{run}");
        assert_eq!(busy.connections(), 8);
        assert_eq!(busy.max_open(), 2, "at most 2 at once\n{run}");
        assert_eq!(other.max_open(), 2, "the other host ran alongside");

        // Without the flag, all eight go at once.
        let busy = slow_server();
        let urls: Vec<String> = (0..8).map(|i| busy.url(&format!("/{i}"))).collect();
        let run = Fetch::new(&urls).run();
        assert_eq!(run.code, 0, "{run}");
        assert!(busy.max_open() > 2, "{} at once", busy.max_open());
    });
}

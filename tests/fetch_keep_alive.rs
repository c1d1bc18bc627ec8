//! Connection reuse in `fetch`: by default a connection carries one URL
//! after another (the `--json` summary's `connections`, each URL's
//! `reused`), `--no-keep-alive` opens one per URL, `--per-host N` caps the
//! connections to a host even with `--cores` (each core has its own pool,
//! so a host's URLs all go to one core), the stats of every core are
//! summed, and the human summary says how many requests went over how many
//! connections. Against the demo server with keep-alive on, on a thread of
//! its own.

mod fetch_util;

use std::net::SocketAddr;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use fetch_util::{Fetch, Run, TempDir, watchdog};
use handroll::DemoServer;
use serde_json::Value;

const LIMIT: Duration = Duration::from_secs(60);

/// URLs per run.
const URLS: usize = 20;

/// The demo server with keep-alive on, on a thread with its own runtime;
/// stops when dropped. (`load::ServerThread` starts it with keep-alive
/// off, which the load and soak runs rely on.)
struct KeepAliveDemo {
    addr: SocketAddr,
    /// The HTTPS server's certificate; `None` for plain HTTP.
    pem: Option<String>,
    stop: Option<mpsc::Sender<()>>,
    thread: Option<thread::JoinHandle<()>>,
}

impl KeepAliveDemo {
    fn start(https: bool) -> KeepAliveDemo {
        let (ready_tx, ready_rx) = mpsc::channel();
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = thread::spawn(move || {
            runtime::block_on(async move {
                let server = if https {
                    DemoServer::start_https()
                } else {
                    DemoServer::start()
                }
                .expect("starting the demo server");
                server.set_keep_alive(true);
                let pem = server.certificate_pem().map(str::to_owned);
                let _ = ready_tx.send((server.addr(), pem));
                // The server's tasks run between the naps; a dropped
                // sender ends the loop.
                while matches!(stopped.try_recv(), Err(mpsc::TryRecvError::Empty)) {
                    runtime::time::sleep(Duration::from_millis(20)).await;
                }
            });
        });
        let (addr, pem) = ready_rx
            .recv_timeout(Duration::from_secs(10))
            .expect("the demo server did not start");
        KeepAliveDemo {
            addr,
            pem,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    fn url(&self, path: &str) -> String {
        let scheme = if self.pem.is_some() { "https" } else { "http" };
        format!("{scheme}://{}{path}", self.addr)
    }

    /// `URLS` URLs of this server, all different.
    fn urls(&self, page: impl Fn(usize) -> String) -> Vec<String> {
        (0..URLS).map(|i| self.url(&page(i))).collect()
    }
}

impl Drop for KeepAliveDemo {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// `fetch --json -q ARGS URLS`, checked to succeed with one object per URL
/// and a summary; returns the per-URL objects and the summary.
fn fetch_json(args: &[&str], urls: &[String]) -> (Vec<Value>, Value, Run) {
    let mut all: Vec<String> = ["--json", "-q"].map(String::from).into();
    all.extend(args.iter().map(|a| (*a).to_owned()));
    all.extend(urls.iter().cloned());
    let run = Fetch::new(&all).run();
    assert_eq!(run.code, 0, "{run}");
    let mut lines = run.json_lines();
    assert_eq!(lines.len(), urls.len() + 1, "{run}");
    let summary = lines.pop().unwrap();
    assert_eq!(summary["complete"], urls.len(), "{run}");
    (lines, summary, run)
}

/// How many URLs say `"reused": true` (each must say true or false).
fn reused(lines: &[Value], run: &Run) -> usize {
    lines
        .iter()
        .filter(|l| {
            l["reused"]
                .as_bool()
                .unwrap_or_else(|| panic!("no \"reused\" in {l}\n{run}"))
        })
        .count()
}

fn connections(summary: &Value, run: &Run) -> u64 {
    summary["connections"]
        .as_u64()
        .unwrap_or_else(|| panic!("no \"connections\" in the summary\n{run}"))
}

#[test]
fn connections_are_reused_by_default_and_not_with_no_keep_alive() {
    watchdog(LIMIT, || {
        let demo = KeepAliveDemo::start(false);
        let urls = demo.urls(|i| format!("/bytes/{}", 100 + i));

        // 4 at a time: the first 4 connect, the other 16 take a connection
        // a finished URL gave back (before its permit was released).
        let (lines, summary, run) = fetch_json(&["--concurrency", "4"], &urls);
        let opened = connections(&summary, &run);
        assert!((1..=4).contains(&opened), "{opened} connections\n{run}");
        assert!(reused(&lines, &run) >= URLS - 4, "{run}");
        assert_eq!(summary["requests"], URLS, "{run}");
        assert_eq!(summary["tls_handshakes"]["full"], 0, "{run}");
        assert_eq!(summary["tls_handshakes"]["resumed"], 0, "{run}");

        let (lines, summary, run) = fetch_json(&["--concurrency", "4", "--no-keep-alive"], &urls);
        assert_eq!(connections(&summary, &run), URLS as u64, "{run}");
        assert_eq!(reused(&lines, &run), 0, "{run}");
        assert_eq!(summary["requests"], URLS, "{run}");
    });
}

#[test]
fn per_host_caps_pooled_connections_across_cores() {
    watchdog(LIMIT, || {
        let demo = KeepAliveDemo::start(false);
        // Slow enough that both slots are busy at once and, were the URLs
        // dealt in turn, both cores would open connections of their own.
        let urls = demo.urls(|i| format!("/slow/{}", 20 + i));
        let (lines, summary, run) = fetch_json(&["--per-host", "2", "--cores", "2"], &urls);
        let opened = connections(&summary, &run);
        assert!((1..=2).contains(&opened), "{opened} connections\n{run}");
        assert!(reused(&lines, &run) >= URLS - 2, "{run}");

        // Without --per-host the URLs are dealt in turn, and the stats of
        // both cores are summed: one connection per URL.
        let (lines, summary, run) = fetch_json(&["--cores", "2", "--no-keep-alive"], &urls);
        assert_eq!(connections(&summary, &run), URLS as u64, "{run}");
        assert_eq!(reused(&lines, &run), 0, "{run}");
    });
}

#[test]
fn the_summary_says_how_many_requests_went_over_how_many_connections() {
    watchdog(LIMIT, || {
        let demo = KeepAliveDemo::start(false);
        let mut args: Vec<String> = ["-q", "--concurrency", "1"].map(String::from).into();
        args.extend(demo.urls(|i| format!("/bytes/{i}")));
        let run = Fetch::new(&args).run();
        assert_eq!(run.code, 0, "{run}");
        let summary = run.summary();
        assert!(
            summary.ends_with("; 20 requests over 1 connection"),
            "no TLS, no TLS part: {summary:?}\n{run}"
        );
        assert!(summary.contains(", latency p50 "), "{summary:?}");

        // HTTPS: the handshakes are counted, one per connection.
        let https = KeepAliveDemo::start(true);
        let tmp = TempDir::new("keep-alive-tls");
        let cacert = tmp.path().join("demo.pem");
        std::fs::write(&cacert, https.pem.as_deref().unwrap()).unwrap();
        let mut args: Vec<String> = ["--json", "-q", "--concurrency", "2", "--cacert"]
            .map(String::from)
            .into();
        args.push(cacert.to_str().unwrap().to_owned());
        args.extend(https.urls(|i| format!("/bytes/{i}")));
        let run = Fetch::new(&args).run();
        assert_eq!(run.code, 0, "{run}");
        let summary: Value = serde_json::from_str(&run.summary()).unwrap();
        let opened = connections(&summary, &run);
        assert!((1..=2).contains(&opened), "{opened} connections\n{run}");
        let tls = &summary["tls_handshakes"];
        let handshakes = tls["full"].as_u64().unwrap() + tls["resumed"].as_u64().unwrap();
        assert_eq!(handshakes, opened, "one handshake per connection\n{run}");

        args.retain(|a| a != "--json");
        let run = Fetch::new(&args).run();
        assert_eq!(run.code, 0, "{run}");
        let summary = run.summary();
        let (_, reuse) = summary
            .split_once("; 20 requests over ")
            .unwrap_or_else(|| panic!("{summary:?}\n{run}"));
        assert!(
            reuse.contains(" (TLS: ") && reuse.ends_with(" resumed)"),
            "{summary:?}"
        );
    });
}

//! Against nginx, a real HTTP/1.1 server: started as a child process with a
//! generated config (one process, no daemon, every path in a temporary
//! directory, so it runs without root and without `/var/lib/nginx`), serving
//! a 1 KiB and a 10 MiB file. Checks that nginx answers our HTTP/1.0 request
//! with an `HTTP/1.1` status line, that both files arrive byte for byte (the
//! small one 100 times concurrently, the large one read whole and chunk by
//! chunk), and `HEAD` and 404 responses — once with one connection per
//! request (`Connection: close`, the client without a pool) and once with
//! the pool on (`Connection: keep-alive`), where nginx's access log must
//! show connections that carried several requests.
//!
//! The test needs nginx (Debian: `apt-get install nginx-light`), so it is
//! `#[ignore]`d: `cargo test` lists it as ignored rather than passing it
//! unrun, and `cargo test -- --include-ignored` (as in CI) runs it, failing
//! with a clear message if nginx is not installed.

mod util;

use std::fs;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use http_client::{Request, Url, Version};
use util::process::{ChildGuard, TempDir};
use util::{client, pooled_client, watchdog};

const SMALL: usize = 1024;
const LARGE: usize = 10 << 20;
const CONCURRENT: usize = 100;

#[test]
#[ignore = "needs nginx-light"]
fn nginx_serves_files_to_the_client() {
    let nginx = util::nginx::binary();
    watchdog(Duration::from_secs(90), move || {
        let tmp = TempDir::new("nginx");
        let root = tmp.path().join("www");
        fs::create_dir_all(&root).unwrap();
        fs::write(root.join("small.bin"), util::pseudo_random(SMALL, 1)).unwrap();
        fs::write(root.join("large.bin"), util::pseudo_random(LARGE, 2)).unwrap();
        let (addr, _nginx) = start_nginx(&nginx, tmp.path(), &root);
        fetch_from(addr, false);
        let before = log_lines(tmp.path()).len();
        fetch_from(addr, true);
        // `$connection_requests` of each request of the pooled run: nginx
        // counts the requests each connection carried.
        let log = log_lines(tmp.path());
        let per_connection: Vec<u64> = log[before..]
            .iter()
            .map(|line| line.split(' ').nth(1).unwrap().parse().unwrap())
            .collect();
        assert_eq!(per_connection.len(), CONCURRENT + 4, "{log:?}");
        assert!(
            per_connection.iter().any(|&n| n >= 5),
            "one connection carried the four sequential requests after the first: {per_connection:?}"
        );
        assert!(
            log[..before]
                .iter()
                .all(|line| line.split(' ').nth(1) == Some("1")),
            "without the pool, one request per connection"
        );
    });
}

/// The access log's lines: `$connection $connection_requests $status`.
fn log_lines(tmp: &Path) -> Vec<String> {
    // nginx writes each line when the request ends, before the response's
    // last bytes reach us; the lines are there by the time we read.
    let log = fs::read_to_string(tmp.join("access.log")).unwrap_or_default();
    log.lines().map(str::to_owned).collect()
}

/// nginx serving `root` on one free port, logging to `access.log`.
fn start_nginx(nginx: &Path, tmp: &Path, root: &Path) -> (SocketAddr, ChildGuard) {
    let t = tmp.display();
    let ([addr], child) = util::nginx::start(nginx, tmp, |[port]| {
        format!(
            "    log_format counts '$connection $connection_requests $status';
    access_log {t}/access.log counts;
    server {{
        listen 127.0.0.1:{port};
        root {root};
    }}",
            root = root.display()
        )
    });
    (addr, child)
}

/// Fetches every page from the nginx at `addr`, with a pool or without.
fn fetch_from(addr: SocketAddr, pooled: bool) {
    let base = format!("http://{addr}");
    let (small, large, streamed, head, missing, stats) = runtime::block_on(async move {
        let builder = if pooled { pooled_client() } else { client() };
        let client = builder.total_timeout(Duration::from_secs(30)).build();
        let tasks: Vec<_> = (0..CONCURRENT)
            .map(|_| {
                let (client, url) = (client.clone(), format!("{base}/small.bin"));
                runtime::spawn(async move { client.get(url).await })
            })
            .collect();
        let small = runtime::join_all(tasks).await;
        let large = client.get(format!("{base}/large.bin")).await;
        let url = Url::parse(&format!("{base}/large.bin")).unwrap();
        let streamed = match client.send_streaming(Request::get(url.clone())).await {
            Ok(stream) => util::paths::collect(stream).await,
            Err(error) => Err(error),
        };
        let head = client.send(Request::head(url)).await;
        let missing = client.get(format!("{base}/missing")).await;
        (small, large, streamed, head, missing, client.stats())
    });
    if pooled {
        // The 100 concurrent requests may each open a connection; the four
        // after them reuse one.
        assert!(stats.connections_opened <= CONCURRENT as u64, "{stats:?}");
        assert!(stats.reused >= 4, "{stats:?}");
    } else {
        assert_eq!(stats.connections_opened, CONCURRENT as u64 + 4, "{stats:?}");
        assert_eq!(stats.reused, 0, "{stats:?}");
    }

    let want = util::pseudo_random(SMALL, 1);
    for (i, joined) in small.into_iter().enumerate() {
        let response = joined
            .expect("the task ran")
            .unwrap_or_else(|e| panic!("small.bin #{i}: {e}"));
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.version(),
            Version::Http11,
            "nginx answers HTTP/1.1"
        );
        assert_eq!(response.headers().get_str("content-length"), Some("1024"));
        assert!(response.body() == want, "small.bin #{i} differs");
    }

    let response = large.expect("large.bin");
    assert_eq!(
        (response.status(), response.version()),
        (200, Version::Http11)
    );
    assert_eq!(
        response.headers().get_str("content-length"),
        Some("10485760")
    );
    // nginx closes after answering an HTTP/1.0 request without keep-alive,
    // and keeps the connection when asked to.
    let connection = if pooled { "keep-alive" } else { "close" };
    assert_eq!(response.headers().get_str("connection"), Some(connection));
    assert_eq!(
        response.reused(),
        pooled,
        "large.bin came after the small ones"
    );
    assert!(
        response.body() == util::pseudo_random(LARGE, 2),
        "large.bin differs ({} bytes)",
        response.body().len()
    );

    let streamed = streamed.expect("large.bin chunk by chunk");
    assert!(
        streamed == response,
        "large.bin streamed differs from large.bin read whole"
    );

    let response = head.expect("HEAD large.bin");
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers().get_str("content-length"),
        Some("10485760")
    );
    assert_eq!(response.body(), b"", "HEAD has no body");

    let response = missing.expect("a 404 is a response");
    assert_eq!(
        (response.status(), response.version()),
        (404, Version::Http11)
    );
    assert!(response.text_lossy().contains("404 Not Found"));
}

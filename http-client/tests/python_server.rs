//! Against a real HTTP/1.0 server: python's `http.server`, started as a child
//! process on a free port and serving a temporary directory of generated
//! files (0 B to 5 MiB of deterministic pseudo-random bytes, and a
//! subdirectory). Every file is fetched concurrently and compared byte for
//! byte with its `Content-Length`; a 404 and the 301 python sends from `/sub`
//! to `/sub/` are checked too.
//!
//! The test needs `python3` on `PATH`, so it is `#[ignore]`d: `cargo test`
//! lists it as ignored rather than passing it unrun, and `cargo test --
//! --include-ignored` (as in CI) runs it, failing with a clear message if
//! python3 is missing.

mod util;

use std::fs;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use http_client::Version;
use util::process::{ChildGuard, TempDir, find_program, free_port, wait_until_accepts};
use util::{client, watchdog};

/// The served files: path under the root, size.
const FILES: [(&str, usize); 6] = [
    ("empty.bin", 0),
    ("one.bin", 1),
    ("kib.bin", 1024),
    ("hundred-kib.bin", 100 * 1024),
    ("five-mib.bin", 5 << 20),
    ("sub/inner.txt", 3000),
];

#[test]
#[ignore = "needs python3"]
fn python_http_server() {
    let python = find_program("python3", &[]).expect(
        "python3 is not on PATH: install it (Debian: apt-get install python3), \
         or run without --include-ignored",
    );
    watchdog(Duration::from_secs(90), move || {
        let tmp = TempDir::new("python");
        let root = tmp.path().join("www");
        for (i, (name, size)) in FILES.iter().enumerate() {
            let path = root.join(name);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(&path, util::pseudo_random(*size, i as u64)).unwrap();
        }
        let (addr, _server) = start_python(&python, &root, tmp.path());
        fetch_everything(addr);
    });
}

/// Starts `python3 -m http.server` on a free port serving `root`; retries
/// with another port if the one picked was taken in the meantime.
fn start_python(python: &Path, root: &Path, tmp: &Path) -> (SocketAddr, ChildGuard) {
    let mut failures = Vec::new();
    for attempt in 0..3 {
        let port = free_port();
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let log = tmp.join(format!("python-{attempt}.log"));
        let child = Command::new(python)
            .args(["-m", "http.server", "--bind", "127.0.0.1"])
            .arg(port.to_string())
            .arg("--directory")
            .arg(root)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(fs::File::create(&log).unwrap())
            .spawn()
            .expect("starting python3");
        let mut child = ChildGuard::new(child);
        match wait_until_accepts(addr, &mut child, Duration::from_secs(10)) {
            Ok(after) => {
                eprintln!("python http.server on {addr} accepted after {after:?}");
                return (addr, child);
            }
            Err(e) => failures.push(format!("{e}; log: {}", util::process::read_log(&log))),
        }
    }
    panic!("python http.server did not start: {failures:#?}");
}

fn fetch_everything(addr: SocketAddr) {
    let base = format!("http://{addr}");
    let results = runtime::block_on(async move {
        let client = client().total_timeout(Duration::from_secs(30)).build();
        let paths: Vec<String> = FILES
            .iter()
            .map(|(name, _)| format!("/{name}"))
            .chain(["/missing.bin".into(), "/sub".into()])
            .collect();
        let tasks: Vec<_> = paths
            .into_iter()
            .map(|path| {
                let (client, url) = (client.clone(), format!("{base}{path}"));
                runtime::spawn(async move { (path, client.get(url).await) })
            })
            .collect();
        let mut results = runtime::join_all(tasks).await;
        // The directory redirect itself, not followed.
        let raw = util::client()
            .max_redirects(0)
            .build()
            .get(format!("{base}/sub"))
            .await;
        results.push(Ok(("/sub (not followed)".into(), raw)));
        results
    });
    for joined in results {
        let (path, result) = joined.expect("the task ran");
        let response = result.unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(
            response.version(),
            Version::Http10,
            "{path}: python answers HTTP/1.0"
        );
        match path.as_str() {
            "/missing.bin" => assert_eq!(response.status(), 404, "{path}"),
            "/sub" => {
                // Followed from /sub to /sub/: the directory listing.
                assert_eq!(response.status(), 200, "{path}");
                assert!(
                    response.text_lossy().contains("inner.txt"),
                    "{path}: listing"
                );
            }
            "/sub (not followed)" => {
                assert_eq!(response.status(), 301, "{path}");
                assert_eq!(response.location(), Some("/sub/"), "{path}");
            }
            _ => {
                let (i, (_, size)) = FILES
                    .iter()
                    .enumerate()
                    .find(|(_, (name, _))| path == format!("/{name}"))
                    .expect("a served file");
                assert_eq!(response.status(), 200, "{path}");
                let length = response.headers().get_str("content-length");
                assert_eq!(length, Some(size.to_string().as_str()), "{path}");
                assert!(
                    response.body() == util::pseudo_random(*size, i as u64),
                    "{path}: the body differs ({} bytes)",
                    response.body().len()
                );
            }
        }
    }
}

//! Large downloads from nginx: a 500 MB file made by the test (each 8-byte
//! word holds its own offset, so a lost, repeated or reordered piece shows),
//! fetched four times at once with `--output DIR` — byte for byte, in a peak
//! RSS under 32 MiB — then cut by a timeout midway (no file, no `.part`
//! left), then alone beside `curl -o`, both speeds printed for
//! BENCHMARKS.md (measured, not asserted: tests check behaviour). One test,
//! so the file is made once; on tmpfs when it has room.
//!
//! Needs nginx (`apt-get install nginx-light`): `#[ignore]`d, and CI runs
//! it with `--include-ignored`; asked for without nginx, it fails saying so.
//! Without curl it checks everything but prints no comparison.

mod fetch_util;

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fetch_util::{Fetch, ScratchDir, find_program, require_program, start_nginx, watchdog};

/// The file's size: 500 MB.
const SIZE: u64 = 500_000_000;
/// The bound for four concurrent downloads.
const RSS_LIMIT_KIB: u64 = 32 * 1024;

/// Writes `SIZE` bytes: word `i` (8 bytes, little-endian) is `i * 8`.
fn make_file(path: &Path) {
    let mut out = BufWriter::with_capacity(1 << 20, File::create(path).unwrap());
    let mut block = Vec::with_capacity(1 << 20);
    let mut offset = 0u64;
    while offset < SIZE {
        block.clear();
        let end = (offset + (1 << 20)).min(SIZE);
        while offset < end {
            let word = offset.to_le_bytes();
            let take = ((end - offset) as usize).min(8);
            block.extend_from_slice(&word[..take]);
            offset += take as u64;
        }
        out.write_all(&block).unwrap();
    }
    out.flush().unwrap();
}

/// Checks `path` against `source`, 1 MiB at a time.
fn check_file(path: &Path, source: &Path) {
    let mut file = File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut want = File::open(source).unwrap();
    assert_eq!(file.metadata().unwrap().len(), SIZE, "{}", path.display());
    let (mut got_block, mut want_block) = (vec![0; 1 << 20], vec![0; 1 << 20]);
    let mut offset = 0u64;
    while offset < SIZE {
        let n = ((SIZE - offset) as usize).min(got_block.len());
        file.read_exact(&mut got_block[..n]).unwrap();
        want.read_exact(&mut want_block[..n]).unwrap();
        assert!(
            got_block[..n] == want_block[..n],
            "{}: wrong bytes in the MiB at offset {offset}",
            path.display()
        );
        offset += n as u64;
    }
}

/// A temporary directory on tmpfs (`/dev/shm`) when it has room for the
/// source and four copies, so the test measures fetch, not the disk.
fn scratch() -> ScratchDir {
    let shm = Path::new("/dev/shm");
    let room = rustix::fs::statvfs(shm).map_or(0, |s| s.f_bavail * s.f_frsize);
    let parent = if room > 6 * SIZE {
        shm.to_owned()
    } else {
        std::env::temp_dir()
    };
    ScratchDir::new_in(&parent, "fetch-nginx")
}

#[test]
#[ignore = "needs nginx-light"]
fn large_downloads_from_nginx() {
    require_program("nginx", "nginx-light");
    // curl is only the yardstick of a printed measurement, not behaviour.
    let curl = find_program("curl");
    watchdog(Duration::from_secs(170), move || {
        let tmp = scratch();
        let root = tmp.path().join("www");
        std::fs::create_dir_all(&root).unwrap();
        let source = root.join("big.bin");
        make_file(&source);
        let nginx = start_nginx(tmp.path(), &root);
        let url = nginx.url("/big.bin");
        four_at_once_in_bounded_memory(&url, &tmp.path().join("out"), &source);
        a_failure_midway_leaves_no_part(&url, &tmp.path().join("cut"));
        match curl {
            Some(curl) => one_beside_curl(&url, &curl, &tmp.path().join("copy.bin")),
            None => eprintln!("curl not installed: no speed comparison"),
        }
    });
}

/// `--output DIR` with the file four times: byte for byte, peak RSS
/// under [`RSS_LIMIT_KIB`].
fn four_at_once_in_bounded_memory(url: &str, out: &Path, source: &Path) {
    let urls = [url; 4];
    let args = [&["--output", out.to_str().unwrap(), "--quiet"], &urls[..]].concat();
    let run = Fetch::new(&args).limit(Duration::from_secs(120)).run();
    assert_eq!(run.code, 0, "{run}");
    let seconds = run.elapsed.as_secs_f64();
    eprintln!(
        "fetch ({}): 4 x 500 MB concurrently in {seconds:.2} s ({:.0} MB/s), peak RSS {} KiB",
        profile(),
        4.0 * SIZE as f64 / 1e6 / seconds,
        run.peak_rss_kib
    );
    assert!(run.peak_rss_kib > 0, "the peak RSS was sampled");
    assert!(
        run.peak_rss_kib < RSS_LIMIT_KIB,
        "peak RSS {} KiB for 4 concurrent downloads\n{run}",
        run.peak_rss_kib
    );
    for i in 1..=4 {
        let path = out.join(i.to_string());
        check_file(&path, source);
        std::fs::remove_file(&path).unwrap(); // keep the space used down
    }
    let leftovers: Vec<_> = std::fs::read_dir(out).unwrap().collect();
    assert!(leftovers.is_empty(), "no .part left: {leftovers:?}");
}

/// A total timeout that strikes mid-body: the `.part` goes too.
fn a_failure_midway_leaves_no_part(url: &str, out: &Path) {
    let run = Fetch::new(&["--output", out.to_str().unwrap(), "--timeout", "0.3", url]).run();
    assert_eq!(run.code, 1, "{run}");
    assert!(run.line_for(url).contains(" within 300ms"), "{run}");
    let left: Vec<_> = std::fs::read_dir(out).unwrap().collect();
    assert!(left.is_empty(), "neither 1 nor .1.part: {left:?}\n{run}");
}

/// `fetch -o` and `curl -o` alternately, best of three each; the speeds
/// are printed (for BENCHMARKS.md), not asserted.
fn one_beside_curl(url: &str, curl: &Path, target: &Path) {
    let (mut best_fetch, mut best_curl) = (f64::MAX, f64::MAX);
    for _ in 0..3 {
        let run = Fetch::new(&["--quiet", "-o", target.to_str().unwrap(), url])
            .limit(Duration::from_secs(60))
            .run();
        assert_eq!(run.code, 0, "{run}");
        best_fetch = best_fetch.min(run.elapsed.as_secs_f64());
        check_size(target);
        std::fs::remove_file(target).unwrap();

        let start = Instant::now();
        let out = fetch_util::finish(
            Command::new(curl)
                .args(["-sS", "-o"])
                .arg(target)
                .arg(url)
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap(),
            start,
            Duration::from_secs(60),
            "curl -o",
        );
        assert_eq!(out.code, 0, "{out}");
        best_curl = best_curl.min(start.elapsed().as_secs_f64());
        check_size(target);
        std::fs::remove_file(target).unwrap();
    }
    let mb = SIZE as f64 / 1e6;
    eprintln!(
        "500 MB from nginx, best of 3: fetch -o ({}) {:.0} MB/s ({best_fetch:.3} s), \
         curl -o {:.0} MB/s ({best_curl:.3} s): fetch at {:.0}% of curl",
        profile(),
        mb / best_fetch,
        mb / best_curl,
        100.0 * best_curl / best_fetch
    );
}

fn check_size(path: &Path) {
    assert_eq!(std::fs::metadata(path).unwrap().len(), SIZE);
}

/// The build profile of the fetch binary (debug numbers are not the
/// benchmark: run `cargo test --release` for those).
fn profile() -> &'static str {
    if cfg!(debug_assertions) {
        "debug build"
    } else {
        "release build"
    }
}

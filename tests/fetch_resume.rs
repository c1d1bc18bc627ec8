//! `-C`/`--continue` as a user meets it: a download cut by the network or
//! killed half way, then resumed by a later run, byte for byte; a file that
//! changed on the server in between, fetched whole rather than spliced; a
//! partial file that was complete already (416); a file an earlier run
//! finished, checked and left alone; a server that answers another range;
//! and what is (not) left on disk without `-C`.
//!
//! The scripted server serves ranges as RFC 9110 says (`Range`, `If-Range`
//! against its current `ETag`, `206` with `Content-Range`, `416`), and can
//! cut its next reply short. The last test does it with nginx, killing
//! `fetch` mid-download (`#[ignore]`d: needs nginx-light; CI runs it).

mod fetch_util;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fetch_util::{Fetch, Scripted, Step, TempDir, alphabet, require_program, start_nginx};

/// What the scripted server serves, changeable by the test.
#[derive(Clone)]
struct Served {
    etag: &'static str,
    body: Vec<u8>,
    /// Send only this many body bytes of the next reply, then close.
    cut_at: Option<usize>,
    /// Answer a range request with the bytes from 0 (as a broken server).
    wrong_range: bool,
    /// After a cut, stall for 3 s rather than close.
    stall: bool,
}

/// A server of `Served`, and the handle to change it.
fn ranged_server(served: Served) -> (Scripted, Arc<Mutex<Served>>) {
    let state = Arc::new(Mutex::new(served));
    let shared = state.clone();
    let server = Scripted::start_with_head(move |_, head| {
        let mut served = shared.lock().unwrap();
        let header = |name: &str| {
            head.lines()
                .find_map(|l| l.strip_prefix(name))
                .map(str::trim)
                .map(str::to_owned)
        };
        let len = served.body.len();
        let range = header("Range: bytes=")
            .and_then(|r| r.trim_end_matches('-').parse::<usize>().ok())
            // Without If-Range a range is sent as asked; with it, only
            // if the tag still matches.
            .filter(|_| header("If-Range:").is_none_or(|tag| tag == served.etag));
        let (status, from, extra) = match range {
            Some(_) if served.wrong_range => (
                206,
                0,
                format!("Content-Range: bytes 0-{}/{len}\r\n", len - 1),
            ),
            Some(from) if from >= len => {
                let head = format!(
                    "HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */{len}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                );
                return vec![Step::Send(head.into_bytes())];
            }
            Some(from) => (
                206,
                from,
                format!("Content-Range: bytes {from}-{}/{len}\r\n", len - 1),
            ),
            None => (200, 0, String::new()),
        };
        let cut_at = served.cut_at.take();
        let body = &served.body[from..];
        let mut reply = format!(
            "HTTP/1.1 {status} X\r\nETag: {}\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n",
            served.etag,
            body.len()
        )
        .into_bytes();
        let sent = cut_at.unwrap_or(body.len()).min(body.len());
        reply.extend_from_slice(&body[..sent]);
        let stall = served.stall && cut_at.is_some();
        let mut steps = vec![Step::Send(reply)];
        if stall {
            steps.push(Step::Sleep(Duration::from_secs(3)));
        }
        steps
    });
    (server, state)
}

const SIZE: usize = 300_000;

fn served(etag: &'static str, body: Vec<u8>) -> Served {
    Served {
        etag,
        body,
        cut_at: None,
        wrong_range: false,
        stall: false,
    }
}

/// One test's setup: a server of `SIZE` bytes of the alphabet under the
/// tag "v1" at `/file`, and a file to save it to in a fresh directory.
/// Bind `server` and `dir` (as `_server`, `_dir` if unused): a field left
/// to `..` is dropped at once, which stops the server or removes the
/// directory.
struct Case {
    body: Vec<u8>,
    server: Scripted,
    state: Arc<Mutex<Served>>,
    url: String,
    dir: TempDir,
    file: PathBuf,
}

fn case(label: &str) -> Case {
    let body = alphabet(SIZE);
    let (server, state) = ranged_server(served("\"v1\"", body.clone()));
    let url = server.url("/file");
    let dir = TempDir::new(label);
    let file = dir.path().join("out");
    Case {
        body,
        server,
        state,
        url,
        dir,
        file,
    }
}

fn part_of(file: &Path) -> PathBuf {
    let name = file.file_name().unwrap().to_str().unwrap();
    file.with_file_name(format!(".{name}.part"))
}

fn record_of(file: &Path) -> PathBuf {
    let name = file.file_name().unwrap().to_str().unwrap();
    file.with_file_name(format!(".{name}.part.validator"))
}

/// `fetch -C --json -o FILE URL`: its exit code and JSON line.
fn resume(file: &Path, url: &str, extra: &[&str]) -> (i32, serde_json::Value, String) {
    let args = [
        &["-C", "--json", "-o", file.to_str().unwrap()],
        extra,
        &[url],
    ]
    .concat();
    let run = Fetch::new(&args).run();
    let line = run.json_lines().into_iter().next().unwrap_or_default();
    (run.code, line, run.to_string())
}

#[test]
fn a_download_cut_by_the_network_is_kept_with_c_and_resumed_byte_for_byte() {
    let Case {
        body,
        server,
        state,
        url,
        dir: _dir,
        file,
    } = case("fetch-resume-cut");
    state.lock().unwrap().cut_at = Some(100_000);
    let (code, line, run) = resume(&file, &url, &[]);
    assert_eq!(code, 1, "{run}");
    assert_eq!(
        std::fs::read(part_of(&file)).unwrap(),
        &body[..100_000],
        "the bytes received, kept"
    );
    assert!(record_of(&file).exists(), "{run}");
    assert_eq!(line["resumed_from"], serde_json::Value::Null);

    let (code, line, run) = resume(&file, &url, &[]);
    assert_eq!(code, 0, "{run}");
    assert_eq!(std::fs::read(&file).unwrap(), body);
    assert!(
        !part_of(&file).exists() && !record_of(&file).exists(),
        "{run}"
    );
    assert_eq!(line["resumed_from"], 100_000, "{run}");
    assert_eq!(
        line["bytes"],
        SIZE as u64 - 100_000,
        "only the rest came: {run}"
    );
    assert_eq!(line["status"], 206);
    let heads = server.heads();
    assert!(
        heads[1].contains("\r\nRange: bytes=100000-\r\n"),
        "{}",
        heads[1]
    );
    assert!(
        heads[1].contains("\r\nIf-Range: \"v1\"\r\n"),
        "{}",
        heads[1]
    );
}

#[test]
fn with_c_a_retry_resumes_where_the_cut_attempt_stopped() {
    let Case {
        body,
        server,
        state,
        url,
        dir: _dir,
        file,
    } = case("fetch-resume-retry");
    // A stall that the read timeout ends: retried (a connection closed
    // early is not, as curl does not retry a partial file).
    state.lock().unwrap().cut_at = Some(123_456);
    state.lock().unwrap().stall = true;
    let args = [
        "--retry",
        "1",
        "--retry-delay",
        "0",
        "--read-timeout",
        "0.3",
    ];
    let (code, line, run) = resume(&file, &url, &args);
    assert_eq!(code, 0, "{run}");
    assert_eq!(line["attempts"], 2, "{run}");
    assert_eq!(line["resumed_from"], 123_456, "{run}");
    assert_eq!(std::fs::read(&file).unwrap(), body);
    assert!(server.heads()[1].contains("\r\nRange: bytes=123456-\r\n"));
}

#[test]
fn without_c_a_cut_download_leaves_nothing_and_sends_no_range() {
    let Case {
        server,
        state,
        url,
        dir,
        file,
        ..
    } = case("fetch-resume-none");
    state.lock().unwrap().cut_at = Some(100_000);
    let run = Fetch::new(&["-o", file.to_str().unwrap(), &url]).run();
    assert_eq!(run.code, 1, "{run}");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "no .part, no record"
    );
    // A .part left by a killed run is not resumed without -C either.
    std::fs::write(part_of(&file), b"abc").unwrap();
    let run = Fetch::new(&["-o", file.to_str().unwrap(), &url]).run();
    assert_eq!(run.code, 0, "{run}");
    assert_eq!(std::fs::read(&file).unwrap(), alphabet(SIZE));
    assert!(
        server.heads().iter().all(|h| !h.contains("Range")),
        "{:?}",
        server.heads()
    );
}

#[test]
fn a_file_changed_on_the_server_is_fetched_whole_not_spliced() {
    let Case {
        server,
        state,
        url,
        dir: _dir,
        file,
        ..
    } = case("fetch-resume-changed");
    state.lock().unwrap().cut_at = Some(50_000);
    assert_eq!(resume(&file, &url, &[]).0, 1);
    // The file changes: a new version, a new tag, the same size.
    let new_body: Vec<u8> = alphabet(SIZE).iter().map(u8::to_ascii_uppercase).collect();
    *state.lock().unwrap() = served("\"v2\"", new_body.clone());
    let (code, line, run) = resume(&file, &url, &[]);
    assert_eq!(code, 0, "{run}");
    assert_eq!(line["status"], 200, "If-Range failed: the whole file");
    assert_eq!(line["resumed_from"], serde_json::Value::Null);
    assert!(
        std::fs::read(&file).unwrap() == new_body,
        "no old prefix spliced in"
    );
    assert!(server.heads()[1].contains("If-Range: \"v1\""));
}

#[test]
fn a_part_that_was_complete_already_counts_as_done_on_416() {
    let Case {
        body,
        server: _server,
        state,
        url,
        dir: _dir,
        file,
    } = case("fetch-resume-416");
    // All bytes came, but the run stopped before the rename: here, the
    // server claims one byte more than it sends.
    state.lock().unwrap().body.push(b'!');
    state.lock().unwrap().cut_at = Some(SIZE);
    assert_eq!(resume(&file, &url, &[]).0, 1);
    state.lock().unwrap().body.pop();
    let (code, line, run) = resume(&file, &url, &["--fail"]);
    assert_eq!(
        code, 0,
        "a 416 for a complete file is no failure, even with --fail: {run}"
    );
    assert_eq!(line["status"], 416);
    assert_eq!(line["resumed_from"], SIZE as u64);
    assert_eq!(std::fs::read(&file).unwrap(), body);
    assert!(!part_of(&file).exists() && !record_of(&file).exists());
}

#[test]
fn a_range_from_elsewhere_is_asked_again_without_range() {
    let Case {
        body,
        server,
        state,
        url,
        dir: _dir,
        file,
    } = case("fetch-resume-wrong");
    state.lock().unwrap().cut_at = Some(70_000);
    assert_eq!(resume(&file, &url, &[]).0, 1);
    state.lock().unwrap().wrong_range = true;
    let (code, line, run) = resume(&file, &url, &[]);
    assert_eq!(code, 0, "{run}");
    assert_eq!(std::fs::read(&file).unwrap(), body);
    assert_eq!(line["resumed_from"], serde_json::Value::Null);
    let heads = server.heads();
    assert_eq!(heads.len(), 3, "{heads:?}");
    assert!(
        heads[1].contains("Range:") && !heads[2].contains("Range:"),
        "{heads:?}"
    );
}

#[test]
fn continue_with_no_part_or_no_record_fetches_it_all() {
    let Case {
        body,
        server,
        url,
        dir: _dir,
        file,
        ..
    } = case("fetch-resume-fresh");
    let (code, _, run) = resume(&file, &url, &[]);
    assert_eq!(code, 0, "{run}");
    // A .part with no record (from who knows where) is not trusted.
    std::fs::write(part_of(&file), b"stale bytes").unwrap();
    let (code, _, run) = resume(&file, &url, &[]);
    assert_eq!(code, 0, "{run}");
    assert_eq!(std::fs::read(&file).unwrap(), body);
    assert!(
        server.heads().iter().all(|h| !h.contains("Range")),
        "{:?}",
        server.heads()
    );
}

#[test]
fn a_finished_file_is_checked_with_range_alone_and_left_as_it_is() {
    let Case {
        server,
        state,
        url,
        dir: _dir,
        file,
        ..
    } = case("fetch-resume-finished");
    assert_eq!(resume(&file, &url, &[]).0, 0);
    let written = std::fs::metadata(&file).unwrap().modified().unwrap();
    // Run again with -C: one ranged request, a 416, nothing rewritten.
    let (code, line, run) = resume(&file, &url, &["--fail"]);
    assert_eq!(code, 0, "{run}");
    assert_eq!(
        (line["status"].clone(), line["bytes"].clone()),
        (416.into(), 0.into()),
        "{run}"
    );
    assert_eq!(line["resumed_from"], SIZE as u64);
    assert_eq!(
        std::fs::metadata(&file).unwrap().modified().unwrap(),
        written,
        "untouched"
    );
    let head = &server.heads()[1];
    assert!(
        head.contains(&format!("\r\nRange: bytes={SIZE}-\r\n")),
        "{head}"
    );
    assert!(
        !head.contains("If-Range"),
        "no validator is kept for a finished file: {head}"
    );
    // The file grew on the server: a 206 is not appended without a
    // validator; the file is fetched whole.
    let longer = alphabet(SIZE + 500);
    state.lock().unwrap().body = longer.clone();
    let (code, line, run) = resume(&file, &url, &[]);
    assert_eq!(code, 0, "{run}");
    assert_eq!(
        (line["status"].clone(), line["resumed_from"].clone()),
        (200.into(), serde_json::Value::Null),
        "{run}"
    );
    assert!(std::fs::read(&file).unwrap() == longer);
    assert!(
        !server.heads()[3].contains("Range"),
        "asked again without Range"
    );
}

#[test]
fn output_dir_resumes_each_index_in_its_own_part() {
    let body = alphabet(SIZE);
    let (server, state) = ranged_server(served("\"v1\"", body.clone()));
    let dir = TempDir::new("fetch-resume-dir");
    let out = dir.path().to_str().unwrap();
    let (first, second) = (server.url("/a"), server.url("/b"));
    state.lock().unwrap().cut_at = Some(10_000);
    // One at a time, so the first is the one cut.
    let run = Fetch::new(&["-C", "--concurrency", "1", "--output", out, &first, &second]).run();
    assert_eq!(run.code, 1, "{run}");
    assert_eq!(
        std::fs::metadata(dir.path().join(".1.part")).unwrap().len(),
        10_000
    );
    let run = Fetch::new(&["-C", "--json", "--output", out, &first, &second]).run();
    assert_eq!(run.code, 0, "{run}");
    let lines = run.json_lines();
    let resumed: Vec<_> = lines[..2]
        .iter()
        .map(|l| (l["index"].clone(), l["resumed_from"].clone()))
        .collect();
    assert!(resumed.contains(&(1.into(), 10_000.into())), "{resumed:?}");
    for i in ["1", "2"] {
        assert_eq!(std::fs::read(dir.path().join(i)).unwrap(), body, "{i}");
    }
}

/// The test: nginx serves a file; `fetch` is killed half way
/// through it (slowed by --limit-rate so that "half way" is a moment the
/// test can catch), then resumed: byte-identical. Then the file changes
/// on disk between the cut and the resume: fetched whole.
#[test]
#[ignore = "needs nginx-light"]
fn a_killed_download_from_nginx_resumes_byte_for_byte() {
    require_program("nginx", "nginx-light");
    let tmp = TempDir::new("fetch-resume-nginx");
    let root = tmp.path().join("www");
    std::fs::create_dir_all(&root).unwrap();
    let source = root.join("big.bin");
    let size = 8 << 20;
    let first: Vec<u8> = (0..size).map(|i: usize| (i * 7 + i / 4096) as u8).collect();
    std::fs::write(&source, &first).unwrap();
    let nginx = start_nginx(tmp.path(), &root);
    let url = nginx.url("/big.bin");
    let file = tmp.path().join("big.bin");

    kill_half_way(&file, &url);
    let cut = std::fs::metadata(part_of(&file)).unwrap().len();
    let (code, line, run) = resume(&file, &url, &[]);
    assert_eq!(code, 0, "{run}");
    assert_eq!(line["status"], 206, "{run}");
    assert_eq!(line["resumed_from"], cut, "{run}");
    assert!(
        std::fs::read(&file).unwrap() == first,
        "byte-identical after the resume"
    );
    std::fs::remove_file(&file).unwrap();

    kill_half_way(&file, &url);
    // A new version: other bytes, a later mtime, so another ETag.
    let second: Vec<u8> = first.iter().map(|b| b.wrapping_add(1)).collect();
    std::thread::sleep(Duration::from_millis(1100));
    std::fs::write(&source, &second).unwrap();
    let (code, line, run) = resume(&file, &url, &[]);
    assert_eq!(code, 0, "{run}");
    assert_eq!(
        line["status"], 200,
        "If-Range failed on the new ETag: {run}"
    );
    assert!(
        std::fs::read(&file).unwrap() == second,
        "the new file whole, no old prefix"
    );
}

/// Starts `fetch -o FILE URL` at 1 MiB/s (without -C), kills it once its
/// `.part` holds at least 2 MiB, and checks that the `.part` and its
/// validator record were left.
fn kill_half_way(file: &Path, url: &str) {
    let mut child = Fetch::new(&[
        "--limit-rate",
        "1M",
        "--quiet",
        "-o",
        file.to_str().unwrap(),
        url,
    ])
    .spawn();
    let start = Instant::now();
    let part = part_of(file);
    loop {
        let len = std::fs::metadata(&part).map_or(0, |m| m.len());
        if len >= 2 << 20 {
            break;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("fetch ended before it was killed: {status}");
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the .part stayed at {len} bytes"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let len = std::fs::metadata(&part).unwrap().len();
    assert!(len < 8 << 20, "cut before the end: {len}");
    assert!(
        record_of(file).exists(),
        "the validator is recorded beside the .part"
    );
}

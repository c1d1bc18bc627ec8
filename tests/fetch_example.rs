//! The `fetch` example, run as a real program: its demo mode (six pages
//! over HTTP and one over HTTPS), its exit status (0 all complete, 1 some
//! failed, 2 bad arguments), its generated `--help` and `--version`, and the options it has had from the start end
//! to end — `--output`, `--method`, `--data`, `--header`, `--max-bytes`,
//! `--max-redirects`, `--concurrency`, `--timeout`, `--read-timeout` —
//! against the crate's demo server running on a background thread, or a
//! small std server that captures the request bytes.
//!
//! The binary is the one `cargo test` builds next to this test
//! (`target/<profile>/examples/fetch`), brought up to date first (a
//! filtered run such as `cargo test --test fetch_example` does not build
//! examples). Every child process is killed if it runs longer than
//! [`CHILD_LIMIT`]. The newer options have files of their own
//! (`fetch_output.rs`, `fetch_input.rs`, `fetch_json.rs`, ...); the
//! helpers are in `fetch_util/`.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use fetch_util::{Fetch, Run, TempDir, alphabet, closed_port_url, watchdog};

mod fetch_util;

/// The longest one test may take (a cold build of the example aside).
const TEST_LIMIT: Duration = Duration::from_secs(60);
/// The longest a `fetch` run may take before it is killed and the test fails.
const CHILD_LIMIT: Duration = Duration::from_secs(20);

#[test]
fn demo_mode_fetches_the_demo_pages() {
    watchdog(TEST_LIMIT, || {
        let run = fetch(&[]);
        assert_eq!(run.code, 1, "one demo page times out by design\n{run}");
        let stdout = run.stdout_text();
        let lines: Vec<&str> = stdout.lines().collect();
        let base = lines[0]
            .strip_prefix("no URL given: fetching from the embedded demo server at ")
            .unwrap_or_else(|| panic!("first line\n{run}"))
            .to_owned();
        let authority = base.trim_start_matches("http://");
        // The second line names the HTTPS server; its one page is trusted
        // through the certificate made for this run.
        let https_base = lines[1]
            .strip_prefix("and over HTTPS at ")
            .and_then(|rest| rest.split_once(", whose certificate was made just now"))
            .map(|(base, _)| base.to_owned())
            .unwrap_or_else(|| panic!("second line\n{run}"));
        assert!(https_base.starts_with("https://127.0.0.1:"), "{run}");
        let line = run.line_for(&format!("{https_base}/hello"));
        assert!(line.contains(" 200 13 bytes "), "https: {line:?}\n{run}");
        let expect = [
            ("/hello", "200 13 bytes".to_owned()),
            ("/bytes/1048576", "200 1048576 bytes".to_owned()),
            ("/redirect/2", "200 13 bytes".to_owned()),
            ("/status/404", "404 11 bytes".to_owned()),
            ("/slow/200", "200 8 bytes".to_owned()),
            (
                "/slow/3000",
                format!("error: no complete response from {authority} within 1s"),
            ),
        ];
        for (page, outcome) in expect {
            let line = run.line_for(&format!("{base}{page}"));
            assert!(
                line.contains(&format!(" {outcome} ")),
                "{page}: {line:?}\n{run}"
            );
        }
        let pages = stdout.lines().filter(|l| l.starts_with(&base)).count();
        assert_eq!(pages, 6, "one line per page\n{run}");
        let summary = run.summary();
        assert!(
            summary.contains(": 6 complete, 1 failed, 1048634 body bytes (1.0 MiB, "),
            "{summary:?}"
        );
        assert!(summary.contains(", latency p50 "), "{summary:?}");
        assert_eq!(summary_count(&summary), 7);
        assert!(
            run.elapsed < Duration::from_secs(10),
            "took {:?}",
            run.elapsed
        );
        eprintln!("demo mode: {:?}", run.elapsed);
    });
}

#[test]
fn complete_responses_exit_0_and_a_failure_exits_1() {
    watchdog(TEST_LIMIT, || {
        let demo = fetch_util::demo();
        let urls = [
            demo.url("/hello"),
            demo.url("/bytes/1000"),
            demo.url("/status/500"),
        ];
        let run = fetch(&urls.each_ref().map(String::as_str));
        assert_eq!(run.code, 0, "any status code is a complete response\n{run}");
        assert!(run.line_for(&urls[2]).contains(" 500 11 bytes "), "{run}");
        assert!(
            run.summary()
                .contains(": 3 complete, 0 failed, 1024 body bytes ("),
            "{run}"
        );

        let closed = closed_port_url();
        let run = fetch(&[&demo.url("/hello"), &closed]);
        assert_eq!(run.code, 1, "{run}");
        let port = closed
            .trim_start_matches("http://127.0.0.1:")
            .trim_end_matches('/');
        let line = run.line_for(&closed);
        assert!(
            line.contains(&format!(
                " error: connect to 127.0.0.1:{port}: connection refused ("
            )),
            "{line:?}"
        );
        assert!(
            run.summary()
                .contains(": 1 complete, 1 failed, 13 body bytes ("),
            "{run}"
        );
        let run = fetch(&[&demo.url("/hello")]);
        assert!(run.summary().starts_with("1 URL in "), "{run}");
    });
}

#[test]
fn bad_arguments_exit_2_with_usage() {
    watchdog(TEST_LIMIT, || {
        let cases: [(&[&str], &str); 8] = [
            (
                &["--timeout", "abc"],
                "invalid value 'abc' for '--timeout <SECS>': expected a number of seconds",
            ),
            (
                &["--timeout", "-1"],
                "invalid value '-1' for '--timeout <SECS>': expected a number of seconds",
            ),
            (&["--timeout"], "a value is required for '--timeout <SECS>'"),
            (
                &["--bogus", "http://127.0.0.1:1/"],
                "unexpected argument '--bogus' found",
            ),
            (
                &["--header", "nocolon"],
                "invalid value 'nocolon' for '--header <'Name: value'>': expected 'Name: value'",
            ),
            (
                &["--concurrency", "two"],
                "invalid value 'two' for '--concurrency <N>'",
            ),
            (
                &["--method", "GE T"],
                "invalid value 'GE T' for '--method <M>'",
            ),
            (
                &["--concurency", "2", "http://127.0.0.1:1/"],
                "unexpected argument '--concurency' found",
            ),
        ];
        for (args, message) in cases {
            let run = fetch(args);
            assert_eq!(run.code, 2, "{args:?}\n{run}");
            assert!(
                run.stderr.starts_with(&format!("error: {message}")),
                "{args:?}\n{run}"
            );
            // clap adds the usage line, or a pointer to --help.
            assert!(
                run.stderr.contains("Usage: fetch ")
                    || run.stderr.contains("For more information, try '--help'."),
                "{args:?}\n{run}"
            );
            assert_eq!(run.stdout_text(), "", "{args:?}: nothing fetched");
        }
        // A typo gets a suggestion.
        let run = fetch(&["--concurency", "2"]);
        assert!(
            run.stderr
                .contains("a similar argument exists: '--concurrency'"),
            "{run}"
        );

        let run = fetch(&["--help"]);
        assert_eq!(run.code, 0, "{run}");
        assert!(
            run.stdout_text()
                .contains("Usage: fetch [OPTIONS] [URL]..."),
            "{run}"
        );
        for documented in [
            "0 = unlimited",
            "a 404 too",
            "--fail",
            "--max-bytes <N>",
            "--output <DIR>",
            "-o, --output-file <FILE>",
            "-i, --input <FILE>",
            "--per-host <N>",
            "--retry <N>",
            "--retry-delay <SECS>",
            "--json",
            "--progress",
            "Exit status: 0",
        ] {
            assert!(
                run.stdout_text().contains(documented),
                "{documented:?}\n{run}"
            );
        }
        let run = fetch(&["--version"]);
        assert_eq!(run.code, 0, "{run}");
        assert_eq!(
            run.stdout_text().trim(),
            format!("fetch {}", env!("CARGO_PKG_VERSION"))
        );
    });
}

#[test]
fn output_writes_each_body_in_argument_order() {
    watchdog(TEST_LIMIT, || {
        let demo = fetch_util::demo();
        let dir = TempDir::new("output");
        let out = dir.path().join("bodies");
        let closed = closed_port_url();
        let urls = [
            demo.url("/bytes/100"),
            demo.url("/bytes/0"),
            closed,
            demo.url("/hello"),
            demo.url("/bytes/200000"),
        ];
        let mut args = vec!["--output", out.to_str().unwrap()];
        args.extend(urls.iter().map(String::as_str));
        let run = fetch(&args);
        assert_eq!(run.code, 1, "one URL fails\n{run}");
        let expected: [Option<Vec<u8>>; 5] = [
            Some(alphabet(100)),
            Some(Vec::new()),
            None, // the failed fetch writes no file
            Some(b"hello, world\n".to_vec()),
            Some(alphabet(200_000)),
        ];
        for (i, want) in expected.iter().enumerate() {
            let path = out.join((i + 1).to_string());
            match want {
                Some(want) => {
                    let got =
                        std::fs::read(&path).unwrap_or_else(|e| panic!("{path:?}: {e}\n{run}"));
                    assert!(got == *want, "{path:?}: {} bytes, wrong content", got.len());
                }
                None => assert!(!path.exists(), "{path:?} written for a failed fetch"),
            }
        }
        let mut names: Vec<String> = std::fs::read_dir(&out)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["1", "2", "4", "5"]);
    });
}

#[test]
fn method_data_and_headers_reach_the_server() {
    watchdog(TEST_LIMIT, || {
        let demo = fetch_util::demo();
        // HEAD: the status and no body.
        let hello = demo.url("/hello");
        let run = fetch(&["--method", "HEAD", &hello]);
        assert_eq!(run.code, 0, "{run}");
        assert!(run.line_for(&hello).contains(" 200 0 bytes "), "{run}");

        // --data alone makes a POST; the demo server echoes the body.
        let dir = TempDir::new("echo");
        let out = dir.path().to_str().unwrap().to_owned();
        let echo = demo.url("/echo");
        let run = fetch(&["--data", "ping, pong", "--output", &out, &echo]);
        assert_eq!(run.code, 0, "{run}");
        assert_eq!(std::fs::read(dir.path().join("1")).unwrap(), b"ping, pong");

        // The exact request bytes, with every option that shapes them:
        // the connection is asked to stay open unless --no-keep-alive.
        for (extra, connection) in [(None, "keep-alive"), (Some("--no-keep-alive"), "close")] {
            let (url, captured) = capture_one_request();
            let mut args = vec![
                "--method",
                "PUT",
                "--header",
                "X-Test: yes",
                "--header",
                "Accept:  */* ",
                "--data",
                "abc",
                &url,
            ];
            args.extend(extra);
            let run = fetch(&args);
            assert_eq!(run.code, 0, "{run}");
            let request = captured
                .recv_timeout(Duration::from_secs(10))
                .expect("the server captured the request");
            let port = url.split(':').nth(2).unwrap().split('/').next().unwrap();
            assert_eq!(
                request,
                format!(
                    "PUT /capture?q=1 HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\nX-Test: yes\r\nAccept: */*\r\n\
                     Content-Length: 3\r\nConnection: {connection}\r\n\r\nabc"
                ),
                "{extra:?}"
            );
        }
    });
}

#[test]
fn max_bytes_and_max_redirects() {
    watchdog(TEST_LIMIT, || {
        let demo = fetch_util::demo();
        let hello = demo.url("/hello");
        let run = fetch(&["--max-bytes", "5", &hello]);
        assert_eq!(run.code, 1, "{run}");
        let authority = hello
            .trim_start_matches("http://")
            .trim_end_matches("/hello");
        let line = run.line_for(&hello);
        assert!(
            line.contains(&format!(
                " error: bad response from {authority}: body exceeds the 5 B limit \
                 (raise it with --max-bytes) ("
            )),
            "{line:?}"
        );
        let run = fetch(&["--max-bytes", "13", &hello]);
        assert_eq!(run.code, 0, "exactly the limit\n{run}");

        let redirect = demo.url("/redirect/2");
        let run = fetch(&["--max-redirects", "0", &redirect]);
        assert_eq!(run.code, 0, "{run}");
        assert!(run.line_for(&redirect).contains(" 302 12 bytes "), "{run}");
        let run = fetch(&[&redirect]);
        assert!(
            run.line_for(&redirect).contains(" 200 13 bytes "),
            "followed\n{run}"
        );
        let run = fetch(&["--max-redirects", "1", &redirect]);
        assert_eq!(run.code, 1, "{run}");
        assert!(
            run.line_for(&redirect)
                .contains(" error: too many redirects (more than 1)"),
            "{run}"
        );
    });
}

#[test]
fn concurrency_1_runs_one_request_at_a_time() {
    watchdog(TEST_LIMIT, || {
        let demo = fetch_util::demo();
        let slow = demo.url("/slow/300");
        let serial = fetch(&["--concurrency", "1", &slow, &slow]);
        assert_eq!(serial.code, 0, "{serial}");
        let serial_ms = summary_ms(&serial.summary());
        assert!(
            serial_ms >= 600.0,
            "two 300 ms requests in {serial_ms} ms\n{serial}"
        );
        let parallel = fetch(&[&slow, &slow]);
        assert_eq!(parallel.code, 0, "{parallel}");
        let parallel_ms = summary_ms(&parallel.summary());
        assert!(parallel_ms >= 300.0, "{parallel}");
        assert!(
            parallel_ms < serial_ms,
            "parallel {parallel_ms} ms, serial {serial_ms} ms"
        );
        eprintln!("two /slow/300: --concurrency 1 {serial_ms} ms, unlimited {parallel_ms} ms");
    });
}

#[test]
fn timeouts_bound_each_request() {
    watchdog(TEST_LIMIT, || {
        let demo = fetch_util::demo();
        let (slow, hello) = (demo.url("/slow/3000"), demo.url("/hello"));
        let authority = hello
            .trim_start_matches("http://")
            .trim_end_matches("/hello");
        let run = fetch(&["--timeout", "0.5", &slow, &hello]);
        assert_eq!(run.code, 1, "{run}");
        assert!(
            run.line_for(&slow).contains(&format!(
                " error: no complete response from {authority} within 500ms ("
            )),
            "{run}"
        );
        assert!(run.line_for(&hello).contains(" 200 13 bytes "), "{run}");
        assert!(
            run.elapsed < Duration::from_millis(2500),
            "took {:?}",
            run.elapsed
        );

        let run = fetch(&["--read-timeout", "0.3", &slow]);
        assert_eq!(run.code, 1, "{run}");
        assert!(
            run.line_for(&slow).contains(&format!(
                " error: no data from {authority} for 300ms while waiting for the response ("
            )),
            "{run}"
        );
    });
}

#[test]

fn demo_server_sends_no_body_with_204_or_304() {
    watchdog(TEST_LIMIT, || {
        let demo = fetch_util::demo();
        for code in [204, 304] {
            let mut stream = TcpStream::connect(demo.addr()).unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(5)))
                .unwrap();
            write!(stream, "GET /status/{code} HTTP/1.0\r\n\r\n").unwrap();
            let mut reply = Vec::new();
            stream.read_to_end(&mut reply).unwrap();
            let reply = String::from_utf8_lossy(&reply);
            let (head, body) = reply.split_once("\r\n\r\n").expect("a head");
            assert!(head.starts_with(&format!("HTTP/1.0 {code} ")), "{head}");
            // RFC 9110 §15.3.5 and §15.4.5: these responses end with their head.
            assert_eq!(body, "", "{code} response with a body");
        }
    });
}

/// `N` in the summary `N URLs in X ms: ...` (or `1 URL in`).
fn summary_count(summary: &str) -> usize {
    let count = summary.split(" URL").next().unwrap_or_default();
    count
        .parse()
        .unwrap_or_else(|_| panic!("summary {summary:?}"))
}

/// `X` in the summary `N URLs in X ms: ...` (or `1 URL in`).
fn summary_ms(summary: &str) -> f64 {
    let after = summary.split(" in ").nth(1).unwrap_or_default();
    let ms = after.split(" ms").next().unwrap_or_default();
    ms.parse().unwrap_or_else(|_| panic!("summary {summary:?}"))
}

/// A std server that answers one request with `ok` and sends back the exact
/// request bytes (head and `Content-Length` body) it received.
fn capture_one_request() -> (String, mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/capture?q=1", listener.local_addr().unwrap());
    let (captured, receiver) = mpsc::channel();
    listener.set_nonblocking(true).unwrap();
    thread::spawn(move || {
        // Accept within 20 s, or give up so the thread ends.
        let deadline = Instant::now() + CHILD_LIMIT;
        let mut stream = loop {
            match listener.accept() {
                Ok((stream, _)) => break stream,
                Err(_) if Instant::now() < deadline => thread::sleep(Duration::from_millis(5)),
                Err(_) => return,
            }
        };
        stream.set_nonblocking(false).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut request = Vec::new();
        let mut buf = [0; 4096];
        while let Ok(n @ 1..) = stream.read(&mut buf) {
            request.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&request);
            if let Some((head, body)) = text.split_once("\r\n\r\n") {
                let length = head
                    .lines()
                    .find_map(|l| l.strip_prefix("Content-Length: "))
                    .and_then(|n| n.parse::<usize>().ok())
                    .unwrap_or(0);
                if body.len() >= length {
                    break;
                }
            }
        }
        // The client may be gone already; the test reports what it got.
        let _ = stream.write_all(b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok");
        let _ = captured.send(String::from_utf8_lossy(&request).into_owned());
    });
    (url, receiver)
}

/// Runs the example with `args`, killing it after [`CHILD_LIMIT`].
fn fetch(args: &[&str]) -> Run {
    Fetch::new(args).limit(CHILD_LIMIT).run()
}

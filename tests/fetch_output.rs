//! Where `fetch` puts bodies: `--output DIR` through `DIR/.i.part` renamed
//! on success (a failed fetch leaves neither), an unwritable `DIR` refused
//! up front with exit status 2, `-o FILE` and `-o -` (stdout, the report
//! on stderr, a closed pipe ending quietly), a write error failing only its
//! URL, `--fail`, and the body limit: none for saved bodies unless
//! `--max-bytes` sets one, 16 MiB otherwise.

mod fetch_util;

use std::io::Read;
use std::time::{Duration, Instant};

use fetch_util::{Fetch, Scripted, Step, TempDir, alphabet, demo, reply, watchdog};

const LIMIT: Duration = Duration::from_secs(60);

#[test]
fn a_failed_download_leaves_no_file_and_no_part() {
    watchdog(LIMIT, || {
        // 1000 bytes promised, 600 sent (in two writes), then a close.
        let server = Scripted::start(|_, path| match path {
            "/short" => vec![
                Step::Send(b"HTTP/1.0 200 OK\r\nContent-Length: 1000\r\n\r\n".to_vec()),
                Step::Send(vec![b'x'; 300]),
                Step::Sleep(Duration::from_millis(100)),
                Step::Send(vec![b'x'; 300]),
            ],
            _ => reply(200, b"fine"),
        });
        let dir = TempDir::new("part");
        let out = dir.path().join("out");
        let (short, fine) = (server.url("/short"), server.url("/fine"));
        let run = Fetch::new(&["--output", out.to_str().unwrap(), &short, &fine]).run();
        assert_eq!(run.code, 1, "{run}");
        assert!(
            run.line_for(&short)
                .contains("body truncated: got 600 of 1000 bytes"),
            "{run}"
        );
        let mut names: Vec<String> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["2"], "no 1, no .1.part\n{run}");
        assert_eq!(std::fs::read(out.join("2")).unwrap(), b"fine");
    });
}

#[test]
fn an_unwritable_output_dir_is_a_usage_error() {
    watchdog(LIMIT, || {
        let dir = TempDir::new("unwritable");
        let file = dir.path().join("a-file");
        std::fs::write(&file, "not a directory").unwrap();
        let inside = file.join("bodies");
        let run = Fetch::new(&["--output", inside.to_str().unwrap(), "http://127.0.0.1:1/"]).run();
        assert_eq!(run.code, 2, "{run}");
        assert!(run.stderr.starts_with("error: --output "), "{run}");
        assert!(run.stdout.is_empty(), "nothing fetched\n{run}");
    });
}

#[test]
fn a_write_error_fails_its_url_and_removes_its_part() {
    // A file-size limit (`ulimit -f`, SIGXFSZ ignored) makes writes past
    // 1 MiB fail with EFBIG, as a full disk fails them with ENOSPC.
    watchdog(LIMIT, || {
        let demo = demo();
        let dir = TempDir::new("efbig");
        let (big, small) = (demo.url("/bytes/4000000"), demo.url("/bytes/1000"));
        let script = format!(
            "trap '' XFSZ; ulimit -f 2048 && exec {} --output {} {big} {small}",
            fetch_util::fetch_binary().display(),
            dir.path().display()
        );
        let start = Instant::now();
        let child = std::process::Command::new("sh")
            .args(["-c", &script])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let run = fetch_util::finish(
            child,
            start,
            Duration::from_secs(30),
            "fetch under ulimit -f",
        );
        assert_eq!(run.code, 1, "{run}");
        let part = dir.path().join(".1.part");
        assert!(
            run.line_for(&big).contains(&format!(
                " error: cannot write {}: File too large",
                part.display()
            )),
            "{run}"
        );
        assert!(!part.exists() && !dir.path().join("1").exists(), "{run}");
        assert_eq!(std::fs::read(dir.path().join("2")).unwrap(), alphabet(1000));
    });
}

#[test]
fn output_file_and_stdout() {
    watchdog(LIMIT, || {
        let demo = demo();
        let dir = TempDir::new("ofile");
        let file = dir.path().join("body.bin");
        let url = demo.url("/bytes/300000");
        let run = Fetch::new(&["-o", file.to_str().unwrap(), &url]).run();
        assert_eq!(run.code, 0, "{run}");
        assert!(std::fs::read(&file).unwrap() == alphabet(300_000));
        assert!(!dir.path().join(".body.bin.part").exists());

        // -o -: the body on stdout, byte for byte; the report on stderr.
        let run = Fetch::new(&["-o", "-", &url]).run();
        assert_eq!(run.code, 0, "{run}");
        assert!(
            run.stdout == alphabet(300_000),
            "{} bytes",
            run.stdout.len()
        );
        assert!(
            run.stderr.contains(&format!("{url} 200 300000 bytes ")),
            "{run}"
        );
        assert!(run.stderr.contains("1 URL in "), "{run}");

        // -o takes exactly one URL.
        let run = Fetch::new(&["-o", "-", &url, &url]).run();
        assert_eq!(run.code, 2, "{run}");
        assert!(run.stderr.contains("exactly one URL"), "{run}");
    });
}

#[test]
fn a_closed_stdout_ends_quietly() {
    watchdog(LIMIT, || {
        // A body far larger than any pipe buffer, sent slowly enough that
        // the reader closes the pipe mid-body.
        let server = Scripted::start(|_, _| {
            let mut steps = vec![Step::Send(
                b"HTTP/1.0 200 OK\r\nContent-Length: 67108864\r\n\r\n".to_vec(),
            )];
            for _ in 0..64 {
                steps.push(Step::Send(vec![b'y'; 1 << 20]));
            }
            steps
        });
        let start = Instant::now();
        let mut child = Fetch::new(&["-o", "-", &server.url("/big")]).spawn();
        let mut stdout = child.stdout.take().unwrap();
        let mut first = [0; 1000];
        stdout.read_exact(&mut first).expect("the first bytes");
        assert_eq!(first, [b'y'; 1000]);
        drop(stdout); // like `fetch -o - URL | head -c 1000`
        let run = fetch_util::finish(child, start, Duration::from_secs(30), "fetch -o -");
        assert_eq!(run.code, 1, "the body was not all delivered\n{run}");
        assert_eq!(run.stderr, "", "quietly: no message, no panic\n{run}");
    });
}

#[test]
fn fail_makes_an_error_status_a_failure_and_saves_nothing() {
    watchdog(LIMIT, || {
        let demo = demo();
        let dir = TempDir::new("fail");
        let missing = demo.url("/status/404");
        let hello = demo.url("/hello");
        let out = dir.path().to_str().unwrap();
        let run = Fetch::new(&["--output", out, &missing, &hello]).run();
        assert_eq!(run.code, 0, "without --fail a 404 is complete\n{run}");
        assert!(dir.path().join("1").exists());

        let dir = TempDir::new("fail2");
        let out = dir.path().to_str().unwrap();
        let run = Fetch::new(&["--fail", "--output", out, &missing, &hello]).run();
        assert_eq!(run.code, 1, "{run}");
        assert!(
            run.line_for(&missing)
                .contains(" error: server answered 404 Not Found (a failure with --fail) ("),
            "{run}"
        );
        assert!(!dir.path().join("1").exists(), "no body kept for a 404");
        assert!(!dir.path().join(".1.part").exists());
        assert_eq!(
            std::fs::read(dir.path().join("2")).unwrap(),
            b"hello, world\n"
        );
    });
}

#[test]
fn saved_bodies_have_no_default_limit() {
    watchdog(LIMIT, || {
        let demo = demo();
        let big = demo.url("/bytes/17000000"); // over the 16 MiB default
        let run = Fetch::new(&[&big]).run();
        assert_eq!(run.code, 1, "{run}");
        assert!(
            run.line_for(&big)
                .contains("body exceeds the 16 MiB limit (raise it with --max-bytes)"),
            "{run}"
        );
        let run = Fetch::new(&["--max-bytes", "0", &big]).run();
        assert_eq!(run.code, 0, "--max-bytes 0: no limit\n{run}");

        let dir = TempDir::new("nolimit");
        let out = dir.path().to_str().unwrap();
        let run = Fetch::new(&["--output", out, &big]).run();
        assert_eq!(run.code, 0, "{run}");
        assert_eq!(
            std::fs::metadata(dir.path().join("1")).unwrap().len(),
            17_000_000
        );
        let run = Fetch::new(&["--output", out, "--max-bytes", "1000", &big]).run();
        assert_eq!(run.code, 1, "{run}");
        assert!(
            run.line_for(&big).contains("(raise it with --max-bytes)"),
            "{run}"
        );
    });
}

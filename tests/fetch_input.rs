//! URL lists: `-i FILE` and `-i -` (stdin) after the URL arguments, blank
//! lines and `#` comments skipped, bad lines reported with their line
//! number while the rest goes on (exit 1), `--output` numbering across
//! arguments and lines, and lazy reading: URLs on a pipe that stays open
//! are fetched before the list ends.

mod fetch_util;

use std::io::{BufRead, BufReader, Write};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use fetch_util::{Fetch, TempDir, alphabet, demo, watchdog};

const LIMIT: Duration = Duration::from_secs(60);

#[test]
fn lines_follow_arguments_and_bad_lines_are_reported() {
    watchdog(LIMIT, || {
        let demo = demo();
        let dir = TempDir::new("input");
        let list = dir.path().join("urls.txt");
        let text = format!(
            "# bodies\n\n{}\n   {}   \nnot a url\n# more\n{}\nftp://example.com/\n",
            demo.url("/bytes/10"),
            demo.url("/bytes/20"),
            demo.url("/hello"),
        );
        std::fs::write(&list, text).unwrap();
        let out = dir.path().join("bodies");
        let run = Fetch::new(&[
            "--output",
            out.to_str().unwrap(),
            "-i",
            list.to_str().unwrap(),
            &demo.url("/bytes/5"),
        ])
        .run();
        assert_eq!(run.code, 1, "two bad lines\n{run}");
        let name = list.display();
        assert!(
            run.stderr
                .contains(&format!("fetch: {name}:5: invalid URL: ")),
            "{run}"
        );
        assert!(
            run.stderr
                .contains(&format!("fetch: {name}:8: invalid URL: ")),
            "{run}"
        );
        // Argument first (1), then the lines in order; bad lines take a
        // number too, so DIR/i is always the i-th entry.
        let expect = [
            ("1", alphabet(5)),
            ("2", alphabet(10)),
            ("3", alphabet(20)),
            ("5", b"hello, world\n".to_vec()),
        ];
        for (name, body) in expect {
            assert_eq!(
                std::fs::read(out.join(name)).unwrap(),
                body,
                "{name}\n{run}"
            );
        }
        assert!(!out.join("4").exists() && !out.join("6").exists());
        assert!(run.summary().starts_with("6 URLs in "), "{run}");
        assert!(run.summary().contains(": 4 complete, 2 failed, "), "{run}");
    });
}

#[test]
fn stdin_is_read_as_it_arrives() {
    watchdog(LIMIT, || {
        let demo = demo();
        let start = Instant::now();
        let mut child = Fetch::new(&["-i", "-", "--concurrency", "4"])
            .stdin(Vec::new())
            .spawn();
        let mut stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (lines, seen) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if lines.send(line).is_err() {
                    break;
                }
            }
        });
        // Two URLs, and the pipe stays open: both must be fetched now.
        let (a, b) = (demo.url("/bytes/1"), demo.url("/bytes/2"));
        writeln!(stdin, "{a}\n{b}").unwrap();
        stdin.flush().unwrap();
        let mut got = Vec::new();
        while got.len() < 2 {
            let line = seen
                .recv_timeout(Duration::from_secs(10))
                .expect("lines before the list ends");
            got.push(line);
        }
        assert!(
            got.iter()
                .any(|l| l.starts_with(&format!("{a} 200 1 bytes "))),
            "{got:?}"
        );
        assert!(
            got.iter()
                .any(|l| l.starts_with(&format!("{b} 200 2 bytes "))),
            "{got:?}"
        );
        // Then the end of the list ends the run.
        writeln!(stdin, "{}", demo.url("/hello")).unwrap();
        drop(stdin);
        let mut rest = Vec::new();
        while let Ok(line) = seen.recv_timeout(Duration::from_secs(10)) {
            rest.push(line);
        }
        let run = fetch_util::finish(child, start, Duration::from_secs(20), "fetch -i -");
        assert_eq!(run.code, 0, "{run}\n{rest:?}");
        assert!(rest.last().unwrap().starts_with("3 URLs in "), "{rest:?}");
    });
}

#[test]
fn a_missing_input_file_is_a_usage_error() {
    watchdog(LIMIT, || {
        let run = Fetch::new(&["-i", "/nonexistent/urls.txt"]).run();
        assert_eq!(run.code, 2, "{run}");
        assert!(
            run.stderr
                .starts_with("fetch: --input /nonexistent/urls.txt: "),
            "{run}"
        );
    });
}

#[test]
fn a_long_list_runs_in_bounded_memory() {
    // 100,000 URLs through --concurrency 100: the list is read lazily, so
    // memory follows the concurrency, not the list (issue: < 64 MiB).
    const URLS: usize = 100_000;
    watchdog(Duration::from_secs(240), || {
        let demo = demo();
        let dir = TempDir::new("long");
        let list = dir.path().join("urls.txt");
        let mut text = String::with_capacity(URLS * 40);
        for i in 0..URLS {
            text.push_str(&demo.url(&format!("/bytes/{}", i % 100)));
            text.push('\n');
        }
        std::fs::write(&list, text).unwrap();
        let run = Fetch::new(&[
            "-i",
            list.to_str().unwrap(),
            "--concurrency",
            "100",
            "--json",
        ])
        .limit(Duration::from_secs(200))
        .run();
        assert_eq!(run.code, 0, "{}\n{}", run.stderr, run.summary());
        let summary: serde_json::Value = serde_json::from_str(&run.summary()).unwrap();
        assert_eq!(summary["complete"], URLS, "{summary}");
        eprintln!(
            "{URLS} URLs, --concurrency 100: {:?}, peak RSS {} KiB",
            run.elapsed, run.peak_rss_kib
        );
        assert!(run.peak_rss_kib > 0, "the peak RSS was sampled");
        assert!(
            run.peak_rss_kib < 64 * 1024,
            "peak RSS {} KiB",
            run.peak_rss_kib
        );
    });
}

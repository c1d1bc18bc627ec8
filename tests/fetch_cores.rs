//! `fetch --cores N`: the URLs dealt to N runtimes give the same result as
//! one — the same `--output DIR` files byte for byte, the same lines (in
//! the order they complete, so compared sorted and without timings), the
//! same summary counts and exit status — against the demo server, a
//! scripted server (`--per-host` still holds across cores) and, with
//! python3, 1,000 files from python's `http.server` (`#[ignore]`d like
//! `fetch_python.rs`; CI runs it with `--include-ignored`).

mod fetch_util;

use std::path::Path;
use std::time::Duration;

use fetch_util::{
    Fetch, Run, Scripted, Step, TempDir, closed_port_url, demo, reply, require_program,
    start_python, watchdog,
};

const LIMIT: Duration = Duration::from_secs(120);

/// A line with its timings (`12.3 ms`, `(12.3 ms`) replaced by `T ms`.
fn without_timings(line: &str) -> String {
    let words: Vec<&str> = line.split(' ').collect();
    let mut out = Vec::with_capacity(words.len());
    for (i, word) in words.iter().enumerate() {
        let next_is_ms = words.get(i + 1).is_some_and(|w| w.starts_with("ms"));
        let number = word.trim_start_matches('(');
        if next_is_ms && number.parse::<f64>().is_ok() {
            out.push(format!("{}T", &word[..word.len() - number.len()]));
        } else {
            out.push((*word).to_owned());
        }
    }
    out.join(" ")
}

/// The per-URL lines, sorted and without timings, and the summary's counts
/// (`N URLs`, then `a complete, b failed, c body bytes`).
fn comparable(run: &Run) -> (Vec<String>, String) {
    let text = run.stdout_text();
    let summary = run.summary();
    let mut lines: Vec<String> = text
        .lines()
        .filter(|l| !l.is_empty() && *l != summary)
        .map(without_timings)
        .collect();
    lines.sort();
    let (urls, rest) = summary.split_once(" in ").unwrap_or(("", ""));
    let counts = rest
        .split_once(": ")
        .and_then(|(_, c)| c.split_once(" ("))
        .map_or("", |(c, _)| c);
    (lines, format!("{urls}: {counts}"))
}

/// The files of `dir`, sorted by name, with their bytes.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut all: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    all.sort();
    all
}

/// Runs `fetch ARGS --output DIR/cores-N` with 1 and with 2 cores, the list
/// on stdin, and checks that both give the same files, lines, summary and
/// exit status; returns the one-core run.
fn same_with_two_cores(tmp: &TempDir, list: &str, args: &[&str]) -> Run {
    let mut runs = Vec::new();
    for cores in ["1", "2"] {
        let out = tmp.path().join(format!("cores-{cores}"));
        let mut all = vec![
            "-i",
            "-",
            "--cores",
            cores,
            "--output",
            out.to_str().unwrap(),
        ];
        all.extend_from_slice(args);
        let run = Fetch::new(&all)
            .stdin(list.as_bytes().to_vec())
            .limit(Duration::from_secs(100))
            .run();
        runs.push((files(&out), comparable(&run), run));
    }
    let (two, one) = (runs.pop().unwrap(), runs.pop().unwrap());
    assert_eq!(two.2.code, one.2.code, "exit status\n{}\n{}", one.2, two.2);
    assert_eq!(two.1.1, one.1.1, "summary counts\n{}\n{}", one.2, two.2);
    assert!(two.1.0 == one.1.0, "lines differ\n{}\n{}", one.2, two.2);
    assert_eq!(two.0.len(), one.0.len(), "as many files");
    assert!(two.0 == one.0, "--output files differ");
    let sorted = |text: &str| {
        let mut lines: Vec<String> = text.lines().map(without_timings).collect();
        lines.sort();
        lines
    };
    assert_eq!(sorted(&two.2.stderr), sorted(&one.2.stderr), "stderr");
    one.2
}

#[test]
fn two_cores_fetch_the_demo_server_as_one_does() {
    watchdog(LIMIT, || {
        let demo = demo();
        let tmp = TempDir::new("cores-demo");
        let mut list: String = (0..300)
            .map(|i| format!("{}\n", demo.url(&format!("/bytes/{}", i * 37 % 5000))))
            .collect();
        list.push_str(&format!("{}\n", demo.url("/status/404")));
        list.push_str(&format!("{}\nnot a url\n", closed_port_url()));
        let run = same_with_two_cores(&tmp, &list, &["--concurrency", "20"]);
        assert_eq!(run.code, 1, "a refused connection and a bad URL\n{run}");
        let (lines, summary) = comparable(&run);
        assert_eq!(lines.len(), 302, "the bad line is on stderr\n{run}");
        assert!(
            summary.starts_with("303 URLs: 301 complete, 2 failed, "),
            "{run}"
        );
    });
}

#[test]
fn two_cores_keep_json_lines_and_exit_status() {
    watchdog(LIMIT, || {
        let demo = demo();
        let urls: Vec<String> = (1..=10).map(|i| demo.url(&format!("/bytes/{i}"))).collect();
        let mut args = vec!["--json".to_owned(), "--cores".to_owned(), "2".to_owned()];
        args.extend(urls.iter().cloned());
        let run = Fetch::new(&args).run();
        assert_eq!(run.code, 0, "{run}");
        let json = run.json_lines();
        assert_eq!(json.len(), 11, "a line per URL and a summary\n{run}");
        let mut indexes: Vec<u64> = json[..10]
            .iter()
            .map(|v| v["index"].as_u64().unwrap())
            .collect();
        indexes.sort();
        assert_eq!(indexes, (1..=10).collect::<Vec<_>>());
        for line in &json[..10] {
            let index = line["index"].as_u64().unwrap() as usize;
            assert_eq!(line["url"], urls[index - 1], "{line}");
            assert_eq!(line["bytes"].as_u64(), Some(index as u64), "{line}");
        }
        assert_eq!(json[10]["complete"], 10);
    });
}

#[test]
fn per_host_holds_across_cores() {
    watchdog(LIMIT, || {
        let server = Scripted::start(|_, _| {
            let mut steps = vec![Step::Sleep(Duration::from_millis(100))];
            steps.extend(reply(200, b"ok"));
            steps
        });
        let mut args: Vec<String> = ["--cores", "2", "--per-host", "3"].map(String::from).into();
        args.extend((0..12).map(|i| server.url(&format!("/{i}"))));
        let run = Fetch::new(&args).run();
        assert_eq!(run.code, 0, "{run}");
        assert_eq!(server.connections(), 12);
        assert_eq!(server.max_open(), 3, "3 at once over both cores\n{run}");
    });
}

#[test]
fn the_demo_mode_runs_on_two_cores() {
    watchdog(LIMIT, || {
        let run = Fetch::new(&["--cores", "2"]).run();
        assert_eq!(run.code, 1, "/slow/3000 times out\n{run}");
        assert!(run.summary().starts_with("7 URLs in "), "{run}");
        assert!(run.summary().contains("6 complete, 1 failed"), "{run}");
    });
}

#[test]
#[ignore = "needs python3"]
fn two_cores_fetch_1000_python_files_as_one_does() {
    require_program("python3", "python3");
    watchdog(Duration::from_secs(300), || {
        let tmp = TempDir::new("cores-python");
        let root = tmp.path().join("www");
        std::fs::create_dir_all(&root).unwrap();
        for i in 0..1000 {
            let body = format!("file {i}\n").repeat(i % 50 + 1);
            std::fs::write(root.join(format!("f{i}.txt")), body).unwrap();
        }
        let server = start_python(&root);
        let list: String = (0..1000)
            .map(|i| format!("{}\n", server.url(&format!("/f{i}.txt"))))
            .collect();
        // python's listen backlog is 5: 20 connections at once, as in
        // fetch_python.rs, so none is dropped.
        let run = same_with_two_cores(&tmp, &list, &["--concurrency", "20"]);
        assert_eq!(run.code, 0, "{run}");
        assert_eq!(files(&tmp.path().join("cores-2")).len(), 1000);
    });
}

#[test]
fn timings_are_masked() {
    assert_eq!(
        without_timings("http://a/ 200 13 bytes 5.0 ms"),
        "http://a/ 200 13 bytes T ms"
    );
    assert_eq!(
        without_timings("http://a/ error: refused (5.0 ms; 2 attempts)"),
        "http://a/ error: refused (T ms; 2 attempts)"
    );
}

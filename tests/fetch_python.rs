//! A URL list against python's `http.server`, the server a user reaches
//! for first: 200 files through `-i` with `--concurrency 20` (its listen
//! backlog is 5, so 200 connections at once would see some dropped), every
//! body saved and checked, and a missing file a complete 404.
//!
//! Needs python3: `#[ignore]`d, and CI runs it with `--include-ignored`;
//! asked for without python3, it fails saying so.

mod fetch_util;

use std::time::Duration;

use fetch_util::{Fetch, TempDir, require_program, start_python, watchdog};

const FILES: usize = 200;

fn body(i: usize) -> Vec<u8> {
    format!("file {i}\n").repeat(i + 1).into_bytes()
}

#[test]
#[ignore = "needs python3"]
fn a_url_list_from_python_http_server() {
    require_program("python3", "python3");
    watchdog(Duration::from_secs(120), || {
        let tmp = TempDir::new("python-list");
        let root = tmp.path().join("www");
        std::fs::create_dir_all(&root).unwrap();
        for i in 0..FILES {
            std::fs::write(root.join(format!("f{i}.txt")), body(i)).unwrap();
        }
        let server = start_python(&root);
        let mut list: String = (0..FILES)
            .map(|i| format!("{}\n", server.url(&format!("/f{i}.txt"))))
            .collect();
        list.push_str(&server.url("/missing.txt"));
        list.push('\n');
        let out = tmp.path().join("out");
        let run = Fetch::new(&[
            "-i",
            "-",
            "--concurrency",
            "20",
            "--output",
            out.to_str().unwrap(),
        ])
        .stdin(list.into_bytes())
        .limit(Duration::from_secs(100))
        .run();
        assert_eq!(run.code, 0, "{run}");
        for i in 0..FILES {
            let got = std::fs::read(out.join((i + 1).to_string())).unwrap();
            assert!(got == body(i), "file {i}: {} bytes", got.len());
        }
        let missing = server.url("/missing.txt");
        assert!(run.line_for(&missing).contains(" 404 "), "{run}");
        assert!(
            run.summary()
                .starts_with(&format!("{} URLs in ", FILES + 1)),
            "{run}"
        );
        assert!(run.summary().contains(" 0 failed"), "{run}");
    });
}

//! The progress line: drawn on stderr when it is a terminal or with
//! `--progress` (done / failed / in flight, bytes, rate; a bar with ETA for
//! one download of known length), never when piped without it (`--json`
//! included), never with `--quiet`.

mod fetch_util;

use std::process::Command;
use std::time::Duration;

use fetch_util::{Fetch, Scripted, Step, fetch_binary, reply, watchdog};

const LIMIT: Duration = Duration::from_secs(60);

/// A body of `chunks` × 100 KiB, one every 100 ms, with its length.
fn trickle(chunks: usize) -> Scripted {
    Scripted::start(move |_, _| {
        let mut steps = vec![Step::Send(
            format!(
                "HTTP/1.0 200 OK\r\nContent-Length: {}\r\n\r\n",
                chunks * 102_400
            )
            .into_bytes(),
        )];
        for _ in 0..chunks {
            steps.push(Step::Sleep(Duration::from_millis(100)));
            steps.push(Step::Send(vec![b'z'; 102_400]));
        }
        steps
    })
}

#[test]
fn progress_is_drawn_only_when_asked_or_on_a_terminal() {
    watchdog(LIMIT, || {
        let server = Scripted::start(|_, _| {
            let mut steps = vec![Step::Sleep(Duration::from_millis(400))];
            steps.extend(reply(200, b"ok"));
            steps
        });
        let urls = [server.url("/a"), server.url("/b")];
        let run = Fetch::new(&urls).run();
        assert_eq!(run.code, 0, "{run}");
        assert_eq!(run.stderr, "", "piped: no progress\n{run}");

        let run =
            Fetch::new(&[&["--progress"], &urls.each_ref().map(String::as_str)[..]].concat()).run();
        assert_eq!(run.code, 0, "{run}");
        assert!(
            run.stderr
                .contains("0 done, 0 failed, 2 in flight, 0 B received"),
            "{run}"
        );
        assert!(
            run.stdout_text().contains(" 200 2 bytes "),
            "the usual lines too"
        );

        for quiet in ["--quiet", "--json"] {
            let run = Fetch::new(&[quiet, &urls[0]]).run();
            assert_eq!(run.stderr, "", "{quiet}\n{run}");
        }
    });
}

#[test]
fn one_download_of_known_length_gets_a_bar_with_eta() {
    watchdog(LIMIT, || {
        let server = trickle(8);
        let run = Fetch::new(&["--progress", &server.url("/big")]).run();
        assert_eq!(run.code, 0, "{run}");
        assert!(run.stderr.contains("ETA"), "{run}");
        assert!(run.stderr.contains("/800.00 KiB"), "{run}");
    });
}

#[test]
fn a_terminal_gets_the_line_without_asking() {
    // `script` runs fetch under a pseudo-terminal; skip where it is missing.
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: `script` (util-linux) is not installed");
        return;
    }
    watchdog(LIMIT, || {
        let server = trickle(5);
        let command = format!("{} {}", fetch_binary().display(), server.url("/big"));
        let mut script = Command::new("script");
        script.args(["-qec", &command, "/dev/null"]);
        let out = fetch_util::finish(
            script
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap(),
            std::time::Instant::now(),
            Duration::from_secs(30),
            "script -qec fetch",
        );
        assert_eq!(out.code, 0, "{out}");
        // stdout and stderr share the terminal: the bar and the line.
        let text = out.stdout_text();
        assert!(text.contains("ETA"), "{out}");
        assert!(text.contains(" 200 512000 bytes "), "{out}");
    });
}

//! The examples that check themselves, run as real programs: the chat
//! server's `--demo` (three scripted clients) and the pipeline. Each must
//! exit 0 within [`CHILD_LIMIT`] and print the lines that show its checks
//! ran; the binary is the one `cargo test` builds next to this test,
//! rebuilt first if a source changed since.

use std::process::Command;
use std::time::Duration;

#[allow(dead_code)] // each test file uses its own part
mod util;

/// The longest an example may run before it is killed and the test fails
/// (each takes well under a second; a loaded CI machine is slower).
const CHILD_LIMIT: Duration = Duration::from_secs(60);

#[test]
fn chat_server_demo_delivers_each_line_to_every_other_client() {
    let binary = util::example_binary("04_chat_server");
    let run = util::run_bounded(
        Command::new(binary).arg("--demo"),
        CHILD_LIMIT,
        "04_chat_server --demo",
    );
    assert!(run.status.success(), "04_chat_server --demo failed\n{run}");
    assert!(
        run.stdout
            .contains("demo done: 3 clients, each heard exactly the other two"),
        "no summary line\n{run}"
    );
    for client in 1..=3 {
        let prefix = format!("[client {client}] got: ");
        let heard: Vec<&str> = run
            .stdout
            .lines()
            .filter_map(|line| line.strip_prefix(&prefix))
            .collect();
        assert_eq!(heard.len(), 6, "client {client}'s transcript\n{run}");
        for other in (1..=3).filter(|&other| other != client) {
            for k in 1..=3 {
                let line = format!("line {k} from client {other}");
                assert!(
                    heard.iter().any(|h| h.ends_with(&format!(": {line}"))),
                    "client {client} did not hear {line:?}\n{run}"
                );
            }
        }
        let own = format!("from client {client}");
        assert!(
            heard.iter().all(|h| !h.ends_with(&own)),
            "client {client} heard its own line\n{run}"
        );
    }
    let left = run.stdout.lines().filter(|l| l.ends_with(" left")).count();
    assert_eq!(left, 3, "every client leaves cleanly\n{run}");
}

#[test]
fn pipeline_checks_its_numbers() {
    let binary = util::example_binary("05_pipeline");
    let run = util::run_bounded(&mut Command::new(binary), CHILD_LIMIT, "05_pipeline");
    assert!(run.status.success(), "05_pipeline failed\n{run}");
    assert!(
        run.stdout
            .starts_with("pipeline: 400 jobs through a queue of 8"),
        "no summary line\n{run}"
    );
    let expected: u64 = (1..=400u64).map(|j| j * j).sum();
    assert!(
        run.stdout
            .contains(&format!("sum of squares {expected} (expected {expected})")),
        "wrong sum\n{run}"
    );
    assert_eq!(run.stdout.lines().last(), Some("ok"), "{run}");
}

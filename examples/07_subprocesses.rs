//! Several commands at once, each with a time limit: their output lines are
//! printed as they come (prefixed with the command's number), the late
//! ones are killed, and a summary closes the run. It shows
//! `runtime::process`: `Command` with piped stdout and stderr, the pipes
//! read line by line through `futures_lite::io::BufReader::lines` (they
//! implement the futures-io traits), `timeout` around the whole run of a
//! child, and a kill that reaches the child's own children.
//!
//! ```text
//!  command i ──spawn──► sh -c "…" (a process group of its own)
//!     ├─ stdout lines ──► "[i] line"      ┐ both pipes read at once, then wait();
//!     ├─ stderr lines ──► "[i stderr] …"  ┘ all of it under timeout(limit)
//!     └─ too late ──► SIGKILL to the group ──► wait() reaps it ──► "killed"
//! ```
//!
//! No thread is started per child: every pipe and every child's exit (a
//! pidfd on Linux) is registered with the one runtime's reactor.
//!
//! Run it with `cargo run --example 07_subprocesses` for the built-in demo
//! (five shell commands, one of which sleeps past the 2 s limit); it checks
//! that each ended as it should and exits 1 if not. Or give your own
//! commands, run by `sh -c`, and a limit in seconds:
//! `cargo run --example 07_subprocesses -- --timeout 3 'ls -l' 'sleep 5; echo late'`
//! (exit 0 if every command succeeded in time).

use std::cell::Cell;
use std::process::{ExitStatus, Stdio};
use std::time::{Duration, Instant};

use futures_lite::StreamExt;
use futures_lite::io::{AsyncBufReadExt, AsyncRead, BufReader};
use runtime::process::Command;
use runtime::time::timeout;
use rustix::process::{Pid, Signal, kill_process_group};

/// The demo: each script, how it should end, and how many lines it prints
/// (stdout and stderr) before that.
const DEMO: &[(&str, Expect, usize)] = &[
    (
        "echo one; sleep 0.1; echo two; sleep 0.1; echo three",
        Expect::Exit(0),
        3,
    ),
    (
        "for i in 1 2 3 4; do echo \"tick $i\"; sleep 0.15; done",
        Expect::Exit(0),
        4,
    ),
    ("echo 'about to fail' >&2; exit 3", Expect::Exit(3), 1),
    (
        "echo starting; sleep 30; echo never printed",
        Expect::Killed,
        1,
    ),
    ("printf 'a last line without a newline'", Expect::Exit(0), 1),
];
const DEMO_LIMIT: Duration = Duration::from_secs(2);

#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    Exit(i32),
    Killed,
}

/// How one command ended.
#[derive(Debug)]
enum Ending {
    Exited(ExitStatus),
    /// Still running at the limit: killed (and reaped).
    Killed,
    Failed(std::io::Error),
}

struct Report {
    ending: Ending,
    lines: usize,
    took: Duration,
}

/// Prints each line of `pipe` as it comes, prefixed with `tag`, counting
/// them in `count` (which stays right if this is cut short).
async fn print_lines(tag: String, pipe: Option<impl AsyncRead + Unpin>, count: &Cell<usize>) {
    let Some(pipe) = pipe else { return };
    let mut lines = BufReader::new(pipe).lines();
    while let Some(line) = lines.next().await {
        match line {
            Ok(line) => println!("{tag} {line}"),
            Err(e) => {
                println!("{tag} (unreadable: {e})");
                break;
            }
        }
        count.set(count.get() + 1);
    }
}

/// Runs `script` with `sh -c`, streaming its output, for at most `limit`.
async fn run(index: usize, script: &str, limit: Duration) -> Report {
    let start = Instant::now();
    let spawned = Command::new("sh")
        .args(["-c", script])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Its own process group, so that a kill also ends what the shell
        // started (here `sleep`), not just the shell.
        .process_group(0)
        // If this task is dropped (it is not, here), the child goes too.
        .kill_on_drop(true)
        .spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(e) => {
            return Report {
                ending: Ending::Failed(e),
                lines: 0,
                took: start.elapsed(),
            };
        }
    };
    let (stdout, stderr) = (child.stdout.take(), child.stderr.take());
    let lines = Cell::new(0);
    let finished = timeout(limit, async {
        runtime::join(
            print_lines(format!("[{index}]"), stdout, &lines),
            print_lines(format!("[{index} stderr]"), stderr, &lines),
        )
        .await;
        child.wait().await
    })
    .await;
    let ending = match finished {
        Ok(Ok(status)) => Ending::Exited(status),
        Ok(Err(e)) => Ending::Failed(e),
        Err(_elapsed) => {
            // The timeout dropped the readers (closing our ends of the
            // pipes) and the wait; the child still runs.
            let group = child.id().and_then(|pid| Pid::from_raw(pid as i32));
            let killed = match group {
                Some(group) => kill_process_group(group, Signal::KILL).map_err(Into::into),
                None => Ok(()), // exited just now
            };
            match killed.and(child.wait().await) {
                Ok(_) => Ending::Killed,
                Err(e) => Ending::Failed(e),
            }
        }
    };
    Report {
        ending,
        lines: lines.get(),
        took: start.elapsed(),
    }
}

fn describe(ending: &Ending, limit: Duration) -> String {
    match ending {
        Ending::Exited(status) => match status.code() {
            Some(code) => format!("exit {code}"),
            None => format!("{status}"),
        },
        Ending::Killed => format!("killed after {:.1}s", limit.as_secs_f64()),
        Ending::Failed(e) => format!("failed: {e}"),
    }
}

/// `--timeout SECS` and the commands; none means the demo.
fn parse_args() -> Result<(Vec<String>, Option<Duration>), String> {
    let mut args = std::env::args().skip(1);
    let (mut commands, mut limit) = (Vec::new(), None);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--timeout" => {
                let secs = args.next().ok_or("--timeout needs a number of seconds")?;
                let secs: f64 = secs
                    .parse()
                    .map_err(|_| format!("--timeout: `{secs}` is not a number of seconds"))?;
                limit = Some(Duration::try_from_secs_f64(secs).map_err(|e| e.to_string())?);
            }
            "-h" | "--help" => {
                return Err("usage: 07_subprocesses [--timeout SECS] [COMMAND...]".into());
            }
            _ => commands.push(arg),
        }
    }
    Ok((commands, limit))
}

fn main() {
    let (commands, limit) = match parse_args() {
        Ok(parsed) => parsed,
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(2);
        }
    };
    let demo = commands.is_empty();
    let scripts: Vec<String> = if demo {
        DEMO.iter().map(|(script, ..)| script.to_string()).collect()
    } else {
        commands
    };
    let limit = limit.unwrap_or(DEMO_LIMIT);
    for (i, script) in scripts.iter().enumerate() {
        println!("[{i}] $ {script}");
    }

    let start = Instant::now();
    let reports = runtime::block_on(runtime::join_all(
        scripts
            .iter()
            .enumerate()
            .map(|(i, script)| run(i, script, limit)),
    ));

    println!(
        "\n   #  {:<20} {:>6} {:>6}  command",
        "ended", "time", "lines"
    );
    let mut as_expected = true;
    for (i, (report, script)) in reports.iter().zip(&scripts).enumerate() {
        let ok = if demo {
            let (_, expect, lines) = DEMO[i];
            let ended_right = match (&report.ending, expect) {
                (Ending::Exited(status), Expect::Exit(code)) => status.code() == Some(code),
                (Ending::Killed, Expect::Killed) => true,
                _ => false,
            };
            ended_right && report.lines == lines
        } else {
            matches!(&report.ending, Ending::Exited(status) if status.success())
        };
        as_expected &= ok;
        println!(
            "{} {i:>2}  {:<20} {:>5.2}s {:>6}  {script}",
            if ok { ' ' } else { '!' },
            describe(&report.ending, limit),
            report.took.as_secs_f64(),
            report.lines,
        );
    }
    println!(
        "\n{} commands in {:.2}s, at most {:.1}s each: {}",
        scripts.len(),
        start.elapsed().as_secs_f64(),
        limit.as_secs_f64(),
        match (demo, as_expected) {
            (true, true) => "every command ended as the demo expects",
            (true, false) => "some command did not end as the demo expects (marked !)",
            (false, true) => "all succeeded",
            (false, false) => "some failed or were killed (marked !)",
        }
    );
    if !as_expected {
        std::process::exit(1);
    }
}

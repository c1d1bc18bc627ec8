//! `runtime::process` as a user meets it: output and exit codes, pipes both
//! ways, kill, timeouts around `wait`, children dropped early (killed or
//! not, inside a runtime or after it) reaped rather than left zombies, 200
//! children at once on one thread with no thread per child, and programs
//! that cannot run.
//!
//! The tests count threads and descriptors and look for zombies, so each
//! holds `util::exclusive()`. The whole suite runs a second time on the
//! `SIGCHLD` path (`the_suite_passes_on_the_sigchld_path`), in a child
//! process of this binary started with `RUNTIME_PROCESS_SIGCHLD=1`.

mod util;

use std::future::Future;
use std::io;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use runtime::process::Command;
use runtime::time::{sleep, timeout};
use util::{TempDir, exclusive, open_fds, watchdog};

const PATIENCE: Duration = Duration::from_secs(10);

/// Runs `body` on a fresh runtime, bounded by the watchdog, serialized with
/// the other tests of this binary.
fn run<F: Future<Output = io::Result<()>>>(body: impl FnOnce() -> F + Send + 'static) {
    watchdog(60, move || {
        let _serial = exclusive();
        runtime::block_on(body()).unwrap();
    });
}

/// Whether process `pid` is gone: reaped (no `/proc/<pid>`), not a zombie.
fn gone(pid: u32) -> bool {
    !Path::new(&format!("/proc/{pid}")).exists()
}

/// Waits (on the runtime, so that its reaper tasks run) until `pid` is gone.
async fn until_gone(pid: u32) {
    let start = Instant::now();
    while !gone(pid) {
        assert!(start.elapsed() < PATIENCE, "process {pid} was not reaped");
        sleep(Duration::from_millis(10)).await;
    }
}

/// Lets this runtime take over and reap what earlier tests left (children
/// parked when their runtime was dropped, as in
/// `a_child_that_outlives_its_runtime_is_reaped_by_the_next_spawn`), so
/// that counts of tasks and descriptors start from nothing.
async fn settle() -> io::Result<()> {
    Command::new("true").status().await?; // a spawn adopts parked children
    let start = Instant::now();
    while runtime::stats().tasks > 0 {
        assert!(start.elapsed() < PATIENCE, "reaper tasks did not finish");
        sleep(Duration::from_millis(10)).await;
    }
    Ok(())
}

/// Threads of this process.
fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").unwrap().count()
}

/// Pidfds among this process's open descriptors.
fn pidfds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
        .filter(|target| target.to_string_lossy().contains("pidfd"))
        .count()
}

#[test]
fn output_collects_stdout_stderr_and_the_exit_code() {
    run(|| async {
        let output = Command::new("echo").arg("hello").output().await?;
        assert!(output.status.success());
        assert_eq!(output.stdout, b"hello\n");
        assert!(output.stderr.is_empty());

        let output = Command::new("sh")
            .args(["-c", "echo out; echo err >&2; exit 3"])
            .output()
            .await?;
        assert_eq!(output.status.code(), Some(3));
        assert_eq!(
            (output.stdout, output.stderr),
            (b"out\n".to_vec(), b"err\n".to_vec())
        );

        // Large outputs on both pipes at once: neither blocks the other.
        let output = Command::new("sh")
            .args([
                "-c",
                "head -c 300000 /dev/zero; head -c 200000 /dev/zero >&2",
            ])
            .output()
            .await?;
        assert_eq!(
            (output.stdout.len(), output.stderr.len()),
            (300_000, 200_000)
        );

        // stdin is /dev/null for `output`: `cat` ends at once.
        let output = timeout(PATIENCE, Command::new("cat").output()).await??;
        assert!(output.status.success() && output.stdout.is_empty());
        Ok(())
    });
}

#[test]
fn status_returns_exit_codes_and_signals() {
    run(|| async {
        for code in [0, 1, 42, 255] {
            let status = Command::new("sh")
                .arg("-c")
                .arg(format!("exit {code}"))
                .status()
                .await?;
            assert_eq!(status.code(), Some(code));
        }
        let status = Command::new("sh")
            .args(["-c", "kill -TERM $$"])
            .status()
            .await?;
        assert_eq!((status.code(), status.signal()), (None, Some(15)));
        // Environment and working directory reach the child.
        let output = Command::new("sh")
            .args(["-c", "echo \"$A $B\"; pwd"])
            .env_clear()
            .env("A", "one")
            .envs([("B", "two")])
            .current_dir("/")
            .output()
            .await?;
        assert_eq!(output.stdout, b"one two\n/\n");
        let output = Command::new("sh")
            .args(["-c", "echo \"${HOME-unset}\""])
            .env_remove("HOME")
            .output()
            .await?;
        assert_eq!(output.stdout, b"unset\n");
        Ok(())
    });
}

#[test]
fn stdin_piped_to_cat_comes_back_whole() {
    run(|| async {
        let mut child = Command::new("cat")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        let data: Vec<u8> = (0..1_000_000u32).map(|i| (i % 251) as u8).collect();
        let mut stdin = child.stdin.take().expect("piped");
        let expected = data.clone();
        // More than a pipe holds: the writer and the reader take turns.
        let writer = runtime::spawn(async move {
            stdin.write_all(&data).await?;
            drop(stdin); // end of input
            io::Result::Ok(())
        });
        let mut echoed = Vec::new();
        let mut stdout = child.stdout.take().expect("piped");
        timeout(PATIENCE, stdout.read_to_end(&mut echoed)).await??;
        writer.await.unwrap()?;
        assert!(echoed == expected, "cat echoed {} bytes", echoed.len());
        assert!(timeout(PATIENCE, child.wait()).await??.success());
        Ok(())
    });
}

#[test]
fn a_write_to_a_child_that_closed_its_stdin_is_broken_pipe() {
    run(|| async {
        let mut child = Command::new("true").stdin(Stdio::piped()).spawn()?;
        child.wait().await?;
        let stdin = child.stdin.as_mut().expect("piped");
        let err = stdin.write_all(&[0; 100_000]).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
        Ok(())
    });
}

#[cfg(feature = "futures-io")]
#[test]
fn stdout_lines_stream_while_the_child_runs() {
    use futures_lite::StreamExt;
    use futures_lite::io::{AsyncBufReadExt, BufReader};

    run(|| async {
        let mut child = Command::new("sh")
            .args(["-c", "for i in 1 2 3; do echo line $i; sleep 0.2; done"])
            .stdout(Stdio::piped())
            .spawn()?;
        let mut lines = BufReader::new(child.stdout.take().expect("piped")).lines();
        let first = timeout(PATIENCE, lines.next()).await?.expect("a line")?;
        assert_eq!(first, "line 1");
        assert!(
            child.try_wait()?.is_none(),
            "the first line came before the end"
        );
        let mut rest = Vec::new();
        while let Some(line) = timeout(PATIENCE, lines.next()).await? {
            rest.push(line?);
        }
        assert_eq!(rest, ["line 2", "line 3"]);
        assert!(child.wait().await?.success());
        Ok(())
    });
}

#[test]
fn kill_ends_a_child_and_reaps_it() {
    run(|| async {
        let mut child = Command::new("sleep").arg("100").spawn()?;
        let pid = child.id().expect("running");
        assert_eq!(child.try_wait()?, None);
        timeout(PATIENCE, child.kill()).await??;
        assert!(gone(pid), "reaped by kill");
        assert_eq!(child.id(), None);
        assert_eq!(child.try_wait()?.and_then(|s| s.signal()), Some(9));
        // Killing it again is harmless.
        child.start_kill()?;
        assert_eq!(child.wait().await?.signal(), Some(9));

        let mut child = Command::new("sleep").arg("100").spawn()?;
        child.start_kill()?;
        assert_eq!(timeout(PATIENCE, child.wait()).await??.signal(), Some(9));
        Ok(())
    });
}

#[test]
fn a_timeout_around_wait_leaves_the_child_to_wait_for_again() {
    run(|| async {
        let start = Instant::now();
        let mut child = Command::new("sleep").arg("1").spawn()?;
        let short = timeout(Duration::from_millis(50), child.wait()).await;
        assert!(short.is_err());
        assert_eq!(child.try_wait()?, None, "still running");
        // Waiting again after the cancelled wait sees the exit.
        assert!(timeout(PATIENCE, child.wait()).await??.success());
        assert!(start.elapsed() >= Duration::from_secs(1));

        // A child that outlives its timeout, killed by kill_on_drop.
        let mut cmd = Command::new("sleep");
        let late = cmd.arg("100").kill_on_drop(true).status();
        assert!(timeout(Duration::from_millis(50), late).await.is_err());
        Ok(())
    });
}

#[test]
fn kill_on_drop_kills_and_reaps() {
    run(|| async {
        let child = Command::new("sleep")
            .arg("100")
            .kill_on_drop(true)
            .spawn()?;
        let pid = child.id().expect("running");
        drop(child);
        until_gone(pid).await;
        // A dropped `output` future does the same.
        let output = Command::new("sleep").arg("100").kill_on_drop(true).output();
        drop(output); // spawned already: killed now, reaped by the runtime
        settle().await?; // every reaper task is done
        Ok(())
    });
}

#[test]
fn a_child_dropped_while_running_is_reaped_when_it_exits() {
    run(|| async {
        let child = Command::new("sleep").arg("0.2").spawn()?;
        let pid = child.id().expect("running");
        drop(child);
        assert!(!gone(pid), "not killed: it runs on");
        until_gone(pid).await;
        Ok(())
    });
}

#[test]
fn a_child_that_outlives_its_runtime_is_reaped_by_the_next_spawn() {
    watchdog(60, || {
        let _serial = exclusive();
        let pid = runtime::block_on(async {
            let child = Command::new("sleep").arg("0.2").spawn()?;
            io::Result::Ok(child.id().expect("running"))
        })
        .unwrap();
        // Its runtime is gone; it exits meanwhile and is a zombie...
        std::thread::sleep(Duration::from_millis(400));
        assert!(!gone(pid), "nobody could reap it yet");
        // ...until a spawn in another runtime takes it over.
        runtime::block_on(async {
            Command::new("true").status().await?;
            until_gone(pid).await;
            io::Result::Ok(())
        })
        .unwrap();
    });
}

#[test]
fn two_hundred_children_at_once_on_one_thread() {
    run(|| async {
        settle().await?;
        let (fds, threads_before) = (open_fds(), threads());
        let start = Instant::now();
        let statuses = runtime::join_all((0..200).map(|i| async move {
            let mut child = Command::new("sh")
                .arg("-c")
                .arg(format!("exit {}", i % 3))
                .spawn()?;
            let peak = threads();
            let status = timeout(PATIENCE, child.wait()).await??;
            io::Result::Ok((status.code(), peak))
        }))
        .await;
        let mut peak = 0;
        for (i, result) in statuses.into_iter().enumerate() {
            let (code, threads) = result?;
            assert_eq!(code, Some(i as i32 % 3));
            peak = peak.max(threads);
        }
        // No thread per child (the harness may start a few of its own).
        assert!(
            peak <= threads_before + 4,
            "{peak} threads, {threads_before} before"
        );
        assert_eq!(open_fds(), fds, "every pidfd or listener is closed");
        assert_eq!(runtime::stats().tasks, 0, "nothing left to reap");
        println!("200 children in {:?}", start.elapsed());
        Ok(())
    });
}

#[test]
fn a_missing_program_is_not_found_and_named() {
    run(|| async {
        settle().await?;
        let fds = open_fds();
        let err = Command::new("nosuchprog-runtime-test").spawn().unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
        assert_eq!(
            err.to_string(),
            "cannot run `nosuchprog-runtime-test`: No such file or directory (os error 2)"
        );
        let err = Command::new("/no/such/dir/prog")
            .output()
            .await
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
        assert!(
            err.to_string()
                .starts_with("cannot run `/no/such/dir/prog`: "),
            "{err}"
        );
        assert_eq!(open_fds(), fds, "nothing leaked");
        Ok(())
    });
}

#[test]
fn a_directory_or_a_plain_file_as_the_program_is_a_clear_error() {
    run(|| async {
        let dir = TempDir::new("process");
        let err = Command::new(dir.path()).spawn().unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::IsADirectory);
        let expected = format!("cannot run `{}`: it is a directory", dir.path().display());
        assert_eq!(err.to_string(), expected);

        let file = dir.join("not-executable");
        std::fs::write(&file, "echo hi\n")?;
        let err = Command::new(&file).status().await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::PermissionDenied);
        assert!(err.to_string().contains("Permission denied"), "{err}");
        Ok(())
    });
}

#[test]
fn spawn_outside_a_runtime_is_an_error_and_starts_nothing() {
    watchdog(60, || {
        let _serial = exclusive();
        let err = Command::new("true").spawn().unwrap_err();
        assert!(err.to_string().contains("inside a runtime"), "{err}");
    });
}

#[test]
fn the_exit_watch_is_a_pidfd_unless_sigchld_is_forced() {
    run(|| async {
        settle().await?;
        let before = pidfds();
        let mut child = Command::new("sleep")
            .arg("100")
            .kill_on_drop(true)
            .spawn()?;
        let forced = std::env::var_os("RUNTIME_PROCESS_SIGCHLD").is_some_and(|v| v == "1");
        assert_eq!(pidfds(), before + usize::from(!forced));
        child.kill().await?;
        Ok(())
    });
}

#[test]
fn the_suite_passes_on_the_sigchld_path() {
    if std::env::var_os("RUNTIME_PROCESS_SIGCHLD").is_some() {
        return; // already the run on that path
    }
    #[cfg(not(feature = "signal"))]
    return; // no SIGCHLD path to test
    #[cfg(feature = "signal")]
    watchdog(120, || {
        // Its pipes would disturb the other tests' descriptor counts.
        let _serial = exclusive();
        let exe = std::env::current_exe().expect("this test binary");
        let output = std::process::Command::new(exe)
            .env("RUNTIME_PROCESS_SIGCHLD", "1")
            .args(["--skip", "the_suite_passes_on_the_sigchld_path"])
            .output()
            .expect("run this binary again");
        let report = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "on the SIGCHLD path:\n{report}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(report.contains("test result: ok"), "{report}");
    });
}

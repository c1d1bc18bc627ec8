//! The installed program, `hfetch` (`cargo install --path .`): the same
//! fetch as `examples/fetch.rs`, naming itself `hfetch` in its usage, and
//! able to print its shell completions and its manual page. Cargo builds
//! the binary for this test (`CARGO_BIN_EXE_hfetch`).

use std::process::{Command, Output};

fn hfetch(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hfetch"))
        .args(args)
        .output()
        .expect("running hfetch")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn help_and_version_name_hfetch() {
    let help = hfetch(&["--help"]);
    assert!(help.status.success());
    assert!(
        stdout(&help).contains("Usage: hfetch [OPTIONS] [URL]..."),
        "{}",
        stdout(&help)
    );
    assert!(stdout(&help).contains("--no-keep-alive"));
    let version = hfetch(&["--version"]);
    assert_eq!(
        stdout(&version).trim(),
        format!("hfetch {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn completions_for_each_shell() {
    for (shell, marker) in [
        ("bash", "_hfetch()"),
        ("zsh", "#compdef hfetch"),
        ("fish", "complete -c hfetch"),
    ] {
        let output = hfetch(&["--completions", shell]);
        assert!(output.status.success(), "{shell}");
        let script = stdout(&output);
        assert!(script.contains(marker), "{shell}: {script:.300}");
        assert!(
            script.contains("no-keep-alive"),
            "{shell} completes the flags"
        );
    }
    let bad = hfetch(&["--completions", "tcsh"]);
    assert_eq!(
        bad.status.code(),
        Some(2),
        "an unknown shell is a usage error"
    );
}

#[test]
fn manual_page_is_roff() {
    let output = hfetch(&["--man"]);
    assert!(output.status.success());
    let page = stdout(&output);
    assert!(page.contains(".TH hfetch 1"), "{page:.300}");
    assert!(page.contains("concurrency"), "the options are documented");
}

#[test]
fn completions_stand_alone() {
    let output = hfetch(&["--completions", "bash", "http://127.0.0.1:9/"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot be used with"));
}

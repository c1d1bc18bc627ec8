//! `fetch`: fetch many URLs at once — one task per URL, each with its own
//! deadline — and print a line for each as it completes; save the bodies,
//! read URL lists, retry, report JSON lines, show progress.
//!
//! ```text
//! cargo run --release --example fetch                  # demo: an embedded server, no network needed
//! cargo run --release --example fetch -- --timeout 5 http://127.0.0.1:8080/ http://[::1]:8080/a
//! cargo run --release --example fetch -- -o big.iso http://127.0.0.1:8080/big.iso
//! cargo run --release --example fetch -- -i urls.txt --concurrency 20 --output bodies/ --json
//! cargo run --release --example fetch -- --help
//! ```
//!
//! With no URL it starts the crate's demo HTTP/1.0 server on 127.0.0.1 in
//! this same thread and fetches a handful of its pages concurrently; one of
//! them answers after 3 s and, with the demo's 1 s timeout, fails — so you
//! see concurrency and timeouts at work. Exit status: 0 when every URL gave a
//! complete response (any status code, unless `--fail`), 1 otherwise, 2 for
//! bad arguments.
//!
//! The program itself lives in the `handroll` library, one concept per
//! module: [`handroll::fetch`] (the command line, URL sources, per-host
//! limits, retries, sinks, the report and the progress line).

fn main() -> std::process::ExitCode {
    handroll::fetch::main()
}

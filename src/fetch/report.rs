//! [`Report`]: what `fetch` prints — a line per URL as it completes (human
//! text, or with `--json` one JSON object per line) and a summary at the end
//! with the total bytes, the overall rate, the p50/p99 latency, and how many
//! connections carried how many requests (the clients' [`ClientStats`],
//! summed over the cores: reuse made visible).
//!
//! Lines go to stdout, or to stderr when stdout carries a body (`-o -`). A
//! reader that closes stdout early (`fetch ... | head -1`) ends the
//! printing, not the program. A bad line of `--input` is reported on stderr
//! with its line number.

use std::io::{self, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use http_client::{ClientStats, TlsInfo};
use indicatif::ProgressBar;
use serde_json::json;

use super::latency::Latencies;
use super::source::{Entry, Origin};

/// How one URL ended.
#[derive(Debug)]
pub(crate) struct Outcome {
    /// The URL's entry (its index, text and origin).
    pub(crate) entry: Entry,
    /// The status of the last response received, if any.
    pub(crate) status: Option<u16>,
    /// Body bytes of the last attempt.
    pub(crate) bytes: u64,
    /// From the first attempt's start to the end.
    pub(crate) elapsed: Duration,
    /// Attempts made (0 when the URL was never requested).
    pub(crate) attempts: u32,
    /// Each failed attempt's error, in order.
    pub(crate) errors: Vec<String>,
    /// Whether the URL counts as failed.
    pub(crate) failed: bool,
    /// The file the body was saved to.
    pub(crate) file: Option<PathBuf>,
    /// Whether to report nothing (stdout was closed under the body).
    pub(crate) quiet: bool,
    /// The TLS session of the complete response, for an `https://` URL.
    pub(crate) tls: Option<TlsInfo>,
    /// The last response received came over a reused connection (false
    /// when no response came).
    pub(crate) reused: bool,
    /// With `-C`: the bytes the partial file held before this run added
    /// the rest (`None` when the download was not resumed).
    pub(crate) resumed_from: Option<u64>,
}

impl Outcome {
    /// A new, not yet attempted outcome for `entry`.
    pub(crate) fn new(entry: Entry) -> Outcome {
        Outcome {
            entry,
            status: None,
            bytes: 0,
            elapsed: Duration::ZERO,
            attempts: 0,
            errors: Vec::new(),
            failed: false,
            file: None,
            quiet: false,
            tls: None,
            reused: false,
            resumed_from: None,
        }
    }

    /// The final error, when failed.
    pub(crate) fn error(&self) -> Option<&str> {
        self.failed
            .then(|| self.errors.last().map(String::as_str))
            .flatten()
    }
}

/// What the clients' connections did, summed over the cores.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Connections {
    /// TCP connections opened.
    pub(crate) opened: u64,
    /// Requests sent on them: one per connection opened, plus one per
    /// reuse (redirects and retries included).
    pub(crate) requests: u64,
    /// TLS handshakes that verified a certificate chain.
    pub(crate) tls_full: u64,
    /// TLS handshakes that resumed an earlier session.
    pub(crate) tls_resumed: u64,
}

impl Connections {
    /// Adds one client's counts.
    pub(crate) fn add(&mut self, stats: &ClientStats) {
        self.opened += stats.connections_opened;
        self.requests += stats.connections_opened + stats.reused;
        self.tls_full += stats.tls_full_handshakes;
        self.tls_resumed += stats.tls_resumed_handshakes;
    }
}

/// The running tally and the printer.
#[derive(Debug)]
pub(crate) struct Report {
    json: bool,
    /// `--tls-info`: each line tells the URL's TLS session.
    tls_info: bool,
    /// Human lines go to stderr (stdout carries a body).
    to_stderr: bool,
    /// The name of `--input`, for bad-line messages.
    input_name: String,
    /// stdout was closed by its reader: print nothing more there.
    stdout_closed: bool,
    /// A body's reader closed stdout (`-o -`): end without a word.
    silenced: bool,
    /// Whether stdout is a terminal (then it may share the progress bar's).
    stdout_is_terminal: bool,
    /// Drawn on stderr; lines are printed with it suspended.
    progress: Option<ProgressBar>,
    start: Instant,
    urls: u64,
    complete: u64,
    failed: u64,
    bytes: u64,
    latencies: Latencies,
    connections: Connections,
}

impl Report {
    /// An empty report; `to_stderr` when stdout carries a body.
    pub(crate) fn new(
        json: bool,
        tls_info: bool,
        to_stderr: bool,
        input_name: Option<&str>,
    ) -> Report {
        Report {
            json,
            tls_info,
            to_stderr,
            input_name: input_name.unwrap_or("input").to_owned(),
            stdout_closed: false,
            silenced: false,
            stdout_is_terminal: io::IsTerminal::is_terminal(&io::stdout()),
            progress: None,
            start: Instant::now(),
            urls: 0,
            complete: 0,
            failed: 0,
            bytes: 0,
            latencies: Latencies::default(),
            connections: Connections::default(),
        }
    }

    /// Prints lines around this progress bar.
    pub(crate) fn set_progress(&mut self, bar: Option<ProgressBar>) {
        self.progress = bar;
    }

    /// Adds a client's connection counts (one client per core), for the
    /// summary.
    pub(crate) fn add_client_stats(&mut self, stats: &ClientStats) {
        self.connections.add(stats);
    }

    /// Whether every URL so far gave a complete response.
    pub(crate) fn all_complete(&self) -> bool {
        self.failed == 0
    }

    /// Counts `outcome` and prints its line.
    pub(crate) fn record(&mut self, outcome: &Outcome) {
        self.urls += 1;
        if outcome.failed {
            self.failed += 1;
        } else {
            self.complete += 1;
            self.bytes += outcome.bytes;
        }
        if outcome.attempts > 0 {
            self.latencies.record(outcome.elapsed);
        }
        if outcome.quiet {
            self.silenced = true;
            return;
        }
        let bad_line = match outcome.entry.origin {
            Origin::Line(line) if outcome.attempts == 0 => Some(line),
            _ => None,
        };
        if self.json {
            let line = self.json_line(outcome, bad_line);
            self.print(false, &line);
        } else if let Some(line) = bad_line {
            let text = format!(
                "fetch: {}:{line}: {}",
                self.input_name,
                outcome.error().unwrap_or("bad line")
            );
            self.print(true, &text);
        } else {
            let mut text = human_line(outcome);
            if let Some(tls) = outcome.tls.as_ref().filter(|_| self.tls_info) {
                text.push(' ');
                text.push_str(&tls_text(tls));
            }
            self.print(self.to_stderr, &text);
        }
    }

    fn json_line(&self, outcome: &Outcome, bad_line: Option<usize>) -> String {
        let mut object = json!({
            "url": shown_url(&outcome.entry.url),
            "index": outcome.entry.index,
            "status": outcome.status,
            "bytes": outcome.bytes,
            "ms": millis(outcome.elapsed),
            "attempts": outcome.attempts,
            "error": outcome.error(),
            "file": outcome.file.as_ref().map(|f| f.display().to_string()),
            "errors": outcome.errors,
            "reused": outcome.reused,
            "resumed_from": outcome.resumed_from,
        });
        if let Some(map) = object.as_object_mut() {
            if let Some(line) = bad_line {
                map.insert("line".into(), line.into());
            }
            if self.tls_info {
                let tls = outcome.tls.as_ref().map(|tls| {
                    json!({
                        "protocol": tls.protocol,
                        "cipher_suite": tls.cipher_suite,
                        "subject": tls.subject,
                        "issuer": tls.issuer,
                    })
                });
                map.insert("tls".into(), tls.into());
            }
        }
        object.to_string()
    }

    /// The `--json` summary object, as of now.
    fn json_summary(&self) -> String {
        let elapsed = self.start.elapsed();
        let rate = self.bytes as f64 / elapsed.as_secs_f64().max(1e-9);
        json!({
            "summary": true,
            "urls": self.urls,
            "complete": self.complete,
            "failed": self.failed,
            "bytes": self.bytes,
            "ms": millis(elapsed),
            "bytes_per_sec": rate.round(),
            "p50_ms": self.latencies.percentile(50.0).map(millis),
            "p99_ms": self.latencies.percentile(99.0).map(millis),
            "requests": self.connections.requests,
            "connections": self.connections.opened,
            "tls_handshakes": {
                "full": self.connections.tls_full,
                "resumed": self.connections.tls_resumed,
            },
        })
        .to_string()
    }

    /// Prints the summary (unless a closed stdout silenced the report).
    pub(crate) fn finish(&mut self) {
        if self.silenced {
            return;
        }
        if self.json {
            let summary = self.json_summary();
            self.print(false, &summary);
            return;
        }
        let elapsed = self.start.elapsed();
        let rate = self.bytes as f64 / elapsed.as_secs_f64().max(1e-9);
        let p50 = self.latencies.percentile(50.0);
        let p99 = self.latencies.percentile(99.0);
        let mut text = format!(
            "{} URL{} in {:.1} ms: {} complete, {} failed, {} body bytes ({}, {}/s)",
            self.urls,
            if self.urls == 1 { "" } else { "s" },
            millis(elapsed),
            self.complete,
            self.failed,
            self.bytes,
            human_bytes(self.bytes as f64),
            human_bytes(rate),
        );
        if let (Some(p50), Some(p99)) = (p50, p99) {
            text.push_str(&format!(
                ", latency p50 {:.1} ms, p99 {:.1} ms",
                millis(p50),
                millis(p99)
            ));
        }
        if let Some(connections) = connections_text(&self.connections) {
            text.push_str("; ");
            text.push_str(&connections);
        }
        let to_stderr = self.to_stderr;
        if !to_stderr {
            self.print(false, "");
        }
        self.print(to_stderr, &text);
    }

    /// Prints `line` on stderr or stdout, around the progress bar.
    fn print(&mut self, stderr: bool, line: &str) {
        if !stderr && self.stdout_closed {
            return;
        }
        let write = || {
            if stderr {
                writeln!(io::stderr().lock(), "{line}")
            } else {
                writeln!(io::stdout().lock(), "{line}")
            }
        };
        // The bar is cleared and redrawn around a line only where the two
        // share a screen: a line to stderr, or to a stdout that is a
        // terminal too (not a line per URL into a file).
        let shares_screen = stderr || self.stdout_is_terminal;
        let result = match &self.progress {
            Some(bar) if shares_screen => bar.suspend(write),
            _ => write(),
        };
        if result.is_err() && !stderr {
            // A closed or failing stdout: the reader is gone, and the exit
            // status still tells the outcome.
            self.stdout_closed = true;
        }
    }
}

/// `URL STATUS N bytes X ms`, or `URL error: ... (X ms)`, plus earlier
/// attempts' errors when retried.
pub(crate) fn human_line(outcome: &Outcome) -> String {
    let url = shown_url(&outcome.entry.url);
    let ms = millis(outcome.elapsed);
    let mut line = match (outcome.error(), outcome.status) {
        (Some(error), _) => format!("{url} error: {error} ({ms:.1} ms"),
        (None, Some(status)) => {
            let resumed = match outcome.resumed_from {
                Some(from) => format!(" (resumed after {from} bytes)"),
                None => String::new(),
            };
            format!("{url} {status} {} bytes {ms:.1} ms{resumed}", outcome.bytes)
        }
        (None, None) => format!("{url} complete {ms:.1} ms"),
    };
    let earlier = if outcome.failed {
        &outcome.errors[..outcome.errors.len().saturating_sub(1)]
    } else {
        &outcome.errors[..]
    };
    if !earlier.is_empty() {
        line.push_str(&format!(
            "{}{} attempts; earlier: {}",
            if outcome.failed { "; " } else { " (" },
            outcome.attempts,
            earlier.join("; ")
        ));
        if !outcome.failed {
            line.push(')');
        }
    }
    if outcome.failed {
        line.push(')');
    }
    line
}

/// `2000 requests over 50 connections (TLS: 50 full handshakes, 0
/// resumed)`, the summary's account of reuse; the TLS part only when there
/// was a TLS handshake, and nothing when no request was sent.
pub(crate) fn connections_text(c: &Connections) -> Option<String> {
    if c.requests == 0 && c.opened == 0 {
        return None;
    }
    let plural = |n: u64, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let mut text = format!(
        "{} over {}",
        plural(c.requests, "request"),
        plural(c.opened, "connection")
    );
    if c.tls_full + c.tls_resumed > 0 {
        text.push_str(&format!(
            " (TLS: {}, {} resumed)",
            plural(c.tls_full, "full handshake"),
            c.tls_resumed
        ));
    }
    Some(text)
}

/// `[TLSv1.3 TLS13_AES_256_GCM_SHA384 subject: CN=localhost]`, the
/// `--tls-info` part of a human line.
pub(crate) fn tls_text(tls: &TlsInfo) -> String {
    format!(
        "[{} {} subject: {}]",
        tls.protocol, tls.cipher_suite, tls.subject
    )
}

/// The URL as the report shows it: without a password it may carry
/// (`http://user:secret@host/` reads `http://user@host/`, as the client's
/// `Url` prints it); a line that is no URL is shown as it was given.
pub(crate) fn shown_url(text: &str) -> String {
    match http_client::Url::parse(text) {
        Ok(url) if url.password().is_some() => url.to_string(),
        _ => text.to_owned(),
    }
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// `812 B`, `1.5 KiB`, `3.2 MiB`, `1.1 GiB`.
pub(crate) fn human_bytes(bytes: f64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{value:.0} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_password_is_never_shown() {
        assert_eq!(
            super::shown_url("http://ada:s3cret@127.0.0.1:8080/x"),
            "http://ada@127.0.0.1:8080/x"
        );
        assert_eq!(super::shown_url("http://127.0.0.1/"), "http://127.0.0.1/");
        assert_eq!(super::shown_url("not a url"), "not a url");
    }

    use super::*;

    fn outcome() -> Outcome {
        Outcome::new(Entry {
            index: 1,
            url: "http://a/".into(),
            origin: Origin::Arg,
            bad_line: None,
        })
    }

    #[test]
    fn lines_for_success_failure_and_retries() {
        let mut o = outcome();
        o.status = Some(200);
        o.bytes = 13;
        o.attempts = 1;
        o.elapsed = Duration::from_millis(5);
        assert_eq!(human_line(&o), "http://a/ 200 13 bytes 5.0 ms");
        o.attempts = 2;
        o.errors.push("server answered 503".into());
        assert_eq!(
            human_line(&o),
            "http://a/ 200 13 bytes 5.0 ms (2 attempts; earlier: server answered 503)"
        );
        o.failed = true;
        o.errors.push("connect: refused".into());
        assert_eq!(
            human_line(&o),
            "http://a/ error: connect: refused (5.0 ms; 2 attempts; earlier: server answered 503)"
        );
        o.errors.remove(0);
        o.attempts = 1;
        assert_eq!(human_line(&o), "http://a/ error: connect: refused (5.0 ms)");
    }

    #[test]
    fn connections_say_how_many_requests_each_carried() {
        let mut c = Connections::default();
        assert_eq!(connections_text(&c), None, "no request, no words");
        c.add(&stats(1, 0, 0, 0));
        assert_eq!(connections_text(&c).unwrap(), "1 request over 1 connection");
        c.add(&stats(49, 1950, 0, 0));
        assert_eq!(
            c,
            Connections {
                opened: 50,
                requests: 2000,
                tls_full: 0,
                tls_resumed: 0
            }
        );
        assert_eq!(
            connections_text(&c).unwrap(),
            "2000 requests over 50 connections"
        );
        c.add(&stats(3, 0, 1, 2));
        assert_eq!(
            connections_text(&c).unwrap(),
            "2003 requests over 53 connections (TLS: 1 full handshake, 2 resumed)"
        );
    }

    /// A client's stats (`ClientStats` is non-exhaustive: built from the
    /// default).
    fn stats(opened: u64, reused: u64, full: u64, resumed: u64) -> ClientStats {
        let mut stats = ClientStats::default();
        stats.connections_opened = opened;
        stats.reused = reused;
        stats.tls_full_handshakes = full;
        stats.tls_resumed_handshakes = resumed;
        stats
    }

    #[test]
    fn json_lines_tell_reuse_and_the_summary_the_connections() {
        let mut report = Report::new(true, false, false, None);
        let mut o = outcome();
        o.status = Some(200);
        o.attempts = 1;
        o.reused = true;
        let line: serde_json::Value = serde_json::from_str(&report.json_line(&o, None)).unwrap();
        assert_eq!(line["reused"], true, "{line}");
        o.reused = false;
        let line: serde_json::Value = serde_json::from_str(&report.json_line(&o, None)).unwrap();
        assert_eq!(line["reused"], false, "{line}");
        report.add_client_stats(&stats(2, 18, 2, 0));
        report.add_client_stats(&stats(1, 0, 0, 1));
        let summary: serde_json::Value = serde_json::from_str(&report.json_summary()).unwrap();
        assert_eq!(summary["connections"], 3, "{summary}");
        assert_eq!(summary["requests"], 21, "{summary}");
        assert_eq!(summary["tls_handshakes"]["full"], 2, "{summary}");
        assert_eq!(summary["tls_handshakes"]["resumed"], 1, "{summary}");
    }

    #[test]
    fn byte_sizes_read_well() {
        assert_eq!(human_bytes(812.0), "812 B");
        assert_eq!(human_bytes(1536.0), "1.5 KiB");
        assert_eq!(human_bytes(3.0 * 1024.0 * 1024.0), "3.0 MiB");
    }
}

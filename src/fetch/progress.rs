//! [`Progress`]: the live line on stderr — done, failed and in-flight URLs,
//! bytes received and the current rate — or, for a single download whose
//! `Content-Length` is known, a bar with its ETA (drawn by `indicatif`).
//!
//! The downloads only bump [`Counters`] (relaxed atomic adds: nothing else
//! in the hot path); a thread of its own reads them ten times a second and
//! redraws. It is shown when stderr is a terminal, or always with
//! `--progress` (then drawn with plain ANSI codes whatever stderr is).

use std::io::{self, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle, TermLike};

use super::report::human_bytes;

/// How often the line is redrawn.
pub(crate) const REFRESH: Duration = Duration::from_millis(100);

/// `length` when no `Content-Length` is known.
const UNKNOWN: u64 = u64::MAX;

/// What the downloads tell the progress line.
#[derive(Debug)]
pub(crate) struct Counters {
    /// URLs finished with a complete response.
    pub(crate) done: AtomicU64,
    /// URLs finished with a failure.
    pub(crate) failed: AtomicU64,
    /// Attempts under way.
    pub(crate) in_flight: AtomicU64,
    /// Body bytes received, all URLs together.
    pub(crate) bytes: AtomicU64,
    /// The single download's `Content-Length`, or [`UNKNOWN`].
    length: AtomicU64,
}

impl Default for Counters {
    fn default() -> Counters {
        Counters {
            done: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            in_flight: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            length: AtomicU64::new(UNKNOWN),
        }
    }
}

impl Counters {
    /// Adds `n` received bytes.
    pub(crate) fn add_bytes(&self, n: usize) {
        self.bytes.fetch_add(n as u64, Relaxed);
    }

    /// Sets the single download's expected body length.
    pub(crate) fn set_length(&self, length: Option<u64>) {
        self.length.store(length.unwrap_or(UNKNOWN), Relaxed);
    }
}

/// The progress line and the thread that redraws it.
#[derive(Debug)]
pub(crate) struct Progress {
    bar: ProgressBar,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Progress {
    /// Starts drawing on stderr. `single`: one URL in all, so a bar with
    /// an ETA is drawn once its length is known.
    pub(crate) fn start(counters: Arc<Counters>, single: bool) -> Progress {
        let target = if io::IsTerminal::is_terminal(&io::stderr()) {
            ProgressDrawTarget::stderr_with_hz(10)
        } else {
            ProgressDrawTarget::term_like_with_hz(Box::new(PlainStderr), 10)
        };
        let bar = ProgressBar::with_draw_target(None, target);
        bar.set_style(ProgressStyle::with_template("{msg}").expect("a valid template"));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (bar, stop) = (bar.clone(), stop.clone());
            thread::Builder::new()
                .name("fetch-progress".into())
                .spawn(move || redraw(&bar, &counters, &stop, single))
                .ok() // no thread, no progress line: the downloads go on
        };
        Progress { bar, stop, thread }
    }

    /// The bar, to print lines around it ([`ProgressBar::suspend`]).
    pub(crate) fn bar(&self) -> ProgressBar {
        self.bar.clone()
    }

    /// Stops the thread and clears the line.
    pub(crate) fn finish(mut self) {
        self.stop.store(true, Relaxed);
        if let Some(thread) = self.thread.take() {
            thread.thread().unpark();
            // A panic in the drawing thread has already been printed.
            let _ = thread.join();
        }
        self.bar.finish_and_clear();
    }
}

/// The drawing thread: reads the counters every [`REFRESH`].
fn redraw(bar: &ProgressBar, counters: &Counters, stop: &AtomicBool, single: bool) {
    let mut last = (Instant::now(), 0u64);
    let mut rate = 0.0;
    let mut is_bar = false;
    while !stop.load(Relaxed) {
        let bytes = counters.bytes.load(Relaxed);
        let length = counters.length.load(Relaxed);
        if single && length != UNKNOWN {
            if !is_bar {
                is_bar = true;
                bar.set_length(length);
                bar.set_style(
                    ProgressStyle::with_template(
                        "{wide_bar} {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} ETA {eta}",
                    )
                    .expect("a valid template"),
                );
            }
            bar.set_position(bytes);
        } else {
            let now = Instant::now();
            let seconds = now.duration_since(last.0).as_secs_f64();
            if seconds > 0.0 {
                let current = bytes.saturating_sub(last.1) as f64 / seconds;
                rate = if rate == 0.0 {
                    current
                } else {
                    0.7 * rate + 0.3 * current
                };
                last = (now, bytes);
            }
            bar.set_message(format!(
                "{} done, {} failed, {} in flight, {} received, {}/s",
                counters.done.load(Relaxed),
                counters.failed.load(Relaxed),
                counters.in_flight.load(Relaxed),
                human_bytes(bytes as f64),
                human_bytes(rate),
            ));
        }
        thread::park_timeout(REFRESH);
    }
}

/// stderr drawn with plain ANSI codes, for `--progress` when stderr is not
/// a terminal (indicatif's own terminal target would stay hidden).
#[derive(Debug)]
struct PlainStderr;

impl TermLike for PlainStderr {
    fn width(&self) -> u16 {
        100
    }

    fn move_cursor_up(&self, n: usize) -> io::Result<()> {
        if n > 0 {
            write!(io::stderr(), "\x1b[{n}A")?;
        }
        Ok(())
    }

    fn move_cursor_down(&self, n: usize) -> io::Result<()> {
        if n > 0 {
            write!(io::stderr(), "\x1b[{n}B")?;
        }
        Ok(())
    }

    fn move_cursor_right(&self, n: usize) -> io::Result<()> {
        if n > 0 {
            write!(io::stderr(), "\x1b[{n}C")?;
        }
        Ok(())
    }

    fn move_cursor_left(&self, n: usize) -> io::Result<()> {
        if n > 0 {
            write!(io::stderr(), "\x1b[{n}D")?;
        }
        Ok(())
    }

    fn write_line(&self, s: &str) -> io::Result<()> {
        writeln!(io::stderr(), "{s}")
    }

    fn write_str(&self, s: &str) -> io::Result<()> {
        io::stderr().write_all(s.as_bytes())
    }

    fn clear_line(&self) -> io::Result<()> {
        io::stderr().write_all(b"\r\x1b[2K")
    }

    fn flush(&self) -> io::Result<()> {
        io::stderr().flush()
    }
}

//! Pictures of a runtime trace: [`trace_log`], a log to read step by step,
//! and [`trace_svg`], a timeline with one row per task and one for the
//! reactor.
//!
//! Both read the events that [`runtime::trace`] records (build the runtime
//! with `Runtime::builder().trace(true)`, run it, then call
//! `Runtime::take_trace`). The `trace_fetch` example writes both for a
//! handful of concurrent fetches from the [`DemoServer`](crate::DemoServer).

//!
//! `model.rs` turns the events into one lane per task and a list of parks;
//! `render.rs` draws them; `log.rs` writes the step-by-step log.

mod log;
mod model;
mod render;
#[cfg(test)]
mod tests;

use std::time::Duration;

use runtime::trace::{MAIN_TASK, TraceKind, WakeCause};

pub use log::trace_log;
pub use render::trace_svg;

/// The CSS class of a wake cause (`None`: not woken).
fn cause_class(cause: Option<WakeCause>) -> &'static str {
    match cause {
        None => "none",
        Some(WakeCause::Socket(_)) => "socket",
        Some(WakeCause::Timer) => "timer",
        Some(WakeCause::Task(_)) => "task",
        Some(WakeCause::Remote) => "remote",
        Some(_) => "runtime",
    }
}

/// A short label for a wait's cause: `socket #3`, `timer`, `task 5`.
fn short_cause(cause: WakeCause) -> String {
    match cause {
        WakeCause::Remote => "a thread".to_string(),
        other => other.to_string(),
    }
}

/// `main` for the `block_on` future, `task N` otherwise.
fn task_label(id: u64) -> String {
    if id == MAIN_TASK {
        "main".to_string()
    } else {
        format!("task {id}")
    }
}

/// The task an event is about, if any.
fn subject(kind: &TraceKind) -> Option<u64> {
    match *kind {
        TraceKind::Spawn { task }
        | TraceKind::PollStart { task }
        | TraceKind::PollEnd { task, .. }
        | TraceKind::Wake { task, .. } => Some(task),
        _ => None,
    }
}

/// A step between grid lines giving about 8 of them: 1, 2 or 5 times a
/// power of ten, in ms.
fn tick_step(end: f64) -> f64 {
    let raw = end / 8.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|&step| step >= raw)
        .unwrap_or(10.0 * magnitude)
}

/// `t` ms with at most 3 significant decimals and no trailing zeros.
fn round_ms(t: f64) -> String {
    let text = format!("{t:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// `d` in milliseconds (one division, so that whole microseconds convert
/// exactly to the nearest `f64`).
fn ms(d: Duration) -> f64 {
    d.as_nanos() as f64 / 1e6
}

/// At most `max` characters of `text`, ending with `…` when cut.
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(max - 1).collect();
    cut.push('…');
    cut
}

/// `text` made safe for XML text and attribute values: markup characters
/// become entities, and control characters that XML 1.0 forbids become
/// U+FFFD.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

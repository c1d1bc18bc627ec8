//! The step-by-step log of a trace.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;

use runtime::trace::{TraceEvent, TraceKind};

use super::*;

/// A readable log of `events`: one line per event (its `Display`), with a
/// header before each turn of the event loop.
///
/// Before each park the log names the tasks that are waiting; events that
/// happen while a task is being polled (a spawn, a wake by that task) are
/// indented under its `poll` line; lines about a task found in `names` end
/// with `# name`.
///
/// # Examples
///
/// ```
/// use std::collections::HashMap;
///
/// let rt = runtime::Runtime::builder().trace(true).build()?;
/// let task = rt.spawn(async { runtime::yield_now().await });
/// let names = HashMap::from([(task.id(), "yielder".to_string())]);
/// rt.block_on(task)?;
/// let log = handroll::trace_log(&rt.take_trace(), &names);
/// assert!(log.contains("spawn task 1"));
/// assert!(log.contains("task 1 -> Ready"));
/// assert!(log.contains("# yielder"));
/// # Ok::<_, Box<dyn std::error::Error>>(())
/// ```
pub fn trace_log(events: &[TraceEvent], names: &HashMap<u64, String>) -> String {
    let end = events.last().map_or(0.0, |e| ms(e.at));
    let mut out = format!(
        "# runtime trace: {} events over {end:.3} ms\n\
         # Each '== park' block is one turn of the event loop: the executor has\n\
         # polled every runnable task, and the reactor waits in epoll_wait until a\n\
         # socket is ready or a timer is due; the wakes that follow queue tasks\n\
         # for the next '-- run'.\n",
        events.len()
    );
    for (id, name) in names.iter().collect::<BTreeMap<_, _>>() {
        let _ = writeln!(out, "#   {} = {name}", task_label(*id));
    }
    // Tasks seen and not finished: at a park, exactly the waiting ones.
    let mut alive = BTreeSet::new();
    let mut polling = false;
    let mut parks = 0;
    let mut after_park = false;
    for event in events {
        match event.kind {
            TraceKind::ParkStart {
                timeout: Some(Duration::ZERO),
            } => {
                out.push_str("\n-- check for I/O without blocking\n");
                after_park = true;
            }
            TraceKind::ParkStart { .. } => {
                parks += 1;
                let waiting: Vec<_> = alive.iter().map(|&t| task_label(t)).collect();
                let _ = writeln!(
                    out,
                    "\n== park {parks}: nothing to run; waiting: {}",
                    waiting.join(", ")
                );
                after_park = true;
            }
            TraceKind::PollStart { .. } if after_park => {
                out.push_str("-- run the woken tasks\n");
                after_park = false;
            }
            _ => {}
        }
        let line = event.to_string();
        // `Display` starts with the time (`   12.345ms  `); indent what follows.
        let (time, what) = line.split_at(line.find("ms  ").map_or(0, |i| i + 4));
        let nested = polling && !matches!(event.kind, TraceKind::PollEnd { .. });
        let mut line = format!("{time}{}{what}", if nested { "    " } else { "" });
        if let Some(name) = subject(&event.kind).and_then(|t| names.get(&t)) {
            let pad = 56usize.saturating_sub(line.chars().count());
            let _ = write!(line, "{:pad$}  # {name}", "");
        }
        out.push_str(&line);
        out.push('\n');
        match event.kind {
            TraceKind::Spawn { task } => {
                alive.insert(task);
            }
            TraceKind::PollStart { task } => {
                alive.insert(task);
                polling = true;
            }
            TraceKind::PollEnd { task, ready } => {
                polling = false;
                if ready {
                    alive.remove(&task);
                }
            }
            _ => {}
        }
    }
    out
}

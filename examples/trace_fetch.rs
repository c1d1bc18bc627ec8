//! `trace_fetch`: watch the event loop work. Fetches five pages from the
//! embedded demo server at once, one task each, on a runtime with tracing
//! on, then writes what the runtime did as a readable log and as a timeline.
//!
//! ```text
//! cargo run --example trace_fetch            # writes ./trace.log and ./trace.svg
//! cargo run --example trace_fetch -- out/    # writes out/trace.log and out/trace.svg
//! ```
//!
//! Open `trace.svg` in a browser (hover over a bar for its times). Each task
//! has a row: dark bars are polls, colored lines are waits (blue for a
//! socket, orange for a timer, green for another task). The fast pages
//! finish within the first milliseconds, `/slow/150` waits on the server's
//! timer, and `/slow/2000` waits on its own 300 ms timeout and fails. The
//! reactor's row shows the thread parked in `epoll_wait` whenever every task
//! is waiting. The demo server's tasks (its accept loop, one task per
//! connection) run on the same thread, so they have rows too.
//!
//! The timeout is expected: the program exits with status 0 once both files
//! are written, 1 if it cannot write them.

use std::collections::HashMap;
use std::error::Error;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use handroll::DemoServer;
use http_client::Client;
use runtime::Runtime;
use runtime::trace::{TraceEvent, TraceKind};

/// The pages fetched, and the deadline for each whole request.
const PAGES: [&str; 5] = [
    "/hello",
    "/bytes/100000",
    "/redirect/1",
    "/slow/150",
    "/slow/2000",
];
const TIMEOUT: Duration = Duration::from_millis(300);

fn main() -> ExitCode {
    let dir = std::env::args_os()
        .nth(1)
        .map_or_else(|| PathBuf::from("."), PathBuf::from);
    match run(&dir) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("trace_fetch: {e}");
            ExitCode::from(1)
        }
    }
}

fn run(dir: &Path) -> Result<(), Box<dyn Error>> {
    let rt = Runtime::builder().trace(true).build()?;
    let mut names = rt.block_on(fetch_all())?;
    let events = rt.take_trace();
    name_server_tasks(&events, &mut names);

    std::fs::create_dir_all(dir)?;
    let (log_path, svg_path) = (dir.join("trace.log"), dir.join("trace.svg"));
    let title = format!(
        "{} concurrent fetches from the demo server, {} ms timeout",
        PAGES.len(),
        TIMEOUT.as_millis()
    );
    std::fs::write(&log_path, handroll::trace_log(&events, &names))
        .map_err(|e| format!("cannot write {}: {e}", log_path.display()))?;
    std::fs::write(&svg_path, handroll::trace_svg(&events, &names, &title))
        .map_err(|e| format!("cannot write {}: {e}", svg_path.display()))?;
    println!("\n{} trace events", events.len());
    println!("log:      {}", log_path.display());
    println!("timeline: {}", svg_path.display());
    Ok(())
}

/// Starts the demo server, fetches every page in its own task and prints a
/// line per page. Returns the task names: `GET /page` by task id.
async fn fetch_all() -> Result<HashMap<u64, String>, Box<dyn Error>> {
    // The client first: building it (its TLS roots) is the slow part of the
    // set-up, and the timeline's magnified start begins at the first spawn.
    let client = Client::builder().total_timeout(TIMEOUT).build();
    // Then the server, so its accept loop is the first task spawned.
    let server = DemoServer::start()?;
    let mut names = HashMap::new();
    let mut tasks = Vec::new();
    for page in PAGES {
        let (client, url) = (client.clone(), server.url(page));
        let task = runtime::spawn(async move {
            let started = Instant::now();
            (client.get(url).await, started.elapsed())
        });
        names.insert(task.id(), format!("GET {page}"));
        tasks.push((task.id(), page, task));
    }
    println!("fetching {} pages from {}:", PAGES.len(), server.url("/"));
    for (id, page, task) in tasks {
        let (result, took) = task.await?;
        let took = took.as_secs_f64() * 1e3;
        match result {
            Ok(response) => println!(
                "  task {id}  GET {page:<14} {} {:>6} bytes  {took:6.1} ms",
                response.status(),
                response.body().len()
            ),
            Err(e) => println!("  task {id}  GET {page:<14} error: {e} ({took:.1} ms)"),
        }
    }
    Ok(names)
}

/// Names the demo server's tasks, which the trace tells apart by who
/// spawned them: main spawned the accept loop, the accept loop spawned one
/// task per connection.
fn name_server_tasks(events: &[TraceEvent], names: &mut HashMap<u64, String>) {
    let mut polling = None;
    let mut accept_loop = None;
    let mut connections = 0;
    for event in events {
        match event.kind {
            TraceKind::PollStart { task } => polling = Some(task),
            TraceKind::PollEnd { .. } => polling = None,
            TraceKind::Spawn { task } if !names.contains_key(&task) => {
                if polling.is_some() && polling == accept_loop {
                    connections += 1;
                    names.insert(task, format!("server: connection {connections}"));
                } else if accept_loop.is_none() {
                    accept_loop = Some(task);
                    names.insert(task, "server: accept loop".to_string());
                }
            }
            _ => {}
        }
    }
    names.insert(runtime::trace::MAIN_TASK, "awaits the fetches".into());
}

//! `fetch`, the main program: fetch many URLs at once on one thread and
//! save or count their bodies, like curl, wget or `xargs curl` would — the
//! code behind `examples/fetch.rs`.
//!
//! ```text
//!  cli ──► UrlSource (args, then -i lines, read lazily)
//!            │ next URL, once a --concurrency permit is free
//!            ▼
//!   one task per URL: HostLimits (--per-host) ─► download: attempts + RetryPolicy
//!            │                                     │ head, then body chunks
//!            │                                     ▼
//!            │                                   Sink (count | DIR/.i.part → DIR/i | file | stdout;
//!            │                                         writes on a helper thread)
//!            ▼
//!   Report (human lines | JSON lines, summary with p50/p99)   Progress (stderr, own thread)
//! ```
//!
//! Memory depends on `--concurrency`, not on the number of URLs: the fetch
//! loop takes a permit before it reads the next URL, so at most that many
//! tasks exist, and each holds at most two write buffers of its body.
//!
//! With `--cores N` (the private `cores` module) the same loop runs on N
//! runtimes, one per thread, each with its share of `--concurrency`; this
//! thread reads the URLs, deals them out (in turn, or by host with
//! `--per-host`) and prints the outcomes as they come back.
//!
//! Connections are reused: each core's [`Client`] keeps a pool of idle
//! ones, so a list of URLs on one host costs one TCP (and TLS) handshake
//! per concurrent connection, not one per URL. `--no-keep-alive` builds
//! the clients without a pool (one connection per request). The summary
//! tells how many requests went over how many connections, from each
//! client's [`ClientStats`](http_client::ClientStats), summed.
//!
//! On real networks: `--proxy`/`--noproxy` choose the clients' proxies
//! (the private `proxy` module), `--compressed` and `--user` shape each
//! request, `--limit-rate` is one `RateLimit` (a token bucket) shared by
//! every core's downloads, `--shard K/N` filters the `UrlSource`, and
//! `-C` resumes the `.part` files each download leaves with its validator
//! beside it (the `resume` module).
//!
//! `https://` URLs go through the client's rustls, verified against the
//! built-in roots, `$SSL_CERT_FILE` and `--cacert`; `-k` turns verification
//! off (with one warning), and `--tls-info` reports each session. The demo
//! (no URL) serves one page over HTTPS too, from a second [`DemoServer`]
//! whose certificate is made at start-up and trusted for that run only.
//!
//! Exit status: 0 when every URL gave a complete response (any status
//! code, unless `--fail`), 1 otherwise, 2 for bad arguments.

mod body;
mod cli;
mod cores;
mod docs;
mod download;
mod latency;
mod limits;
mod progress;
mod proxy;
mod rate;
mod report;
mod resume;
mod retry;
mod shard;
mod sink;
mod source;

use std::cell::{Cell, RefCell};
use std::io::IsTerminal;
use std::process::ExitCode;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::task::{Poll, Waker};
use std::time::Duration;

use http_client::Client;

use runtime::sync::{Semaphore, mpsc};

use crate::DemoServer;
use cli::{Cli, Destination, Options};
use limits::HostLimits;
use progress::{Counters, Progress};
use rate::RateLimit;
use report::{Outcome, Report};
use retry::RetryPolicy;
use source::{Entry, UrlSource};

/// The demo server's pages fetched when no URL is given.
const DEMO_PAGES: [&str; 6] = [
    "/hello",
    "/bytes/1048576",
    "/redirect/2",
    "/status/404",
    "/slow/3000",
    "/slow/200",
];

/// The page fetched over HTTPS in the demo, from a second server whose
/// certificate is made at start-up and trusted for that run only.
const DEMO_HTTPS_PAGE: &str = "/hello";

/// Runs `fetch` on the process's arguments and returns its exit status.
///
/// Usage errors print clap's message and exit the process with status 2
/// (and `--help` or `--version` with 0) before anything is fetched.
///
/// # Examples
///
/// The whole of `examples/fetch.rs`:
///
/// ```no_run
/// fn main() -> std::process::ExitCode {
///     handroll::fetch::main()
/// }
/// ```
pub fn main() -> ExitCode {
    let cli = Cli::parse_args();
    if let Some(status) = docs::print_if_asked(&cli) {
        return status;
    }
    let options = match cli.into_options() {
        Ok(options) => options,
        Err(error) => error.exit(),
    };
    match runtime::block_on(run(options)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(message) => {
            eprintln!("fetch: {message}");
            ExitCode::from(2)
        }
    }
}

/// What every download task of one core shares.
#[derive(Debug)]
struct Shared {
    client: Client,
    options: Arc<Options>,
    /// Shared by all cores, so `--per-host` holds across them.
    hosts: HostLimits,
    retry: RetryPolicy,
    counters: Arc<Counters>,
    /// `--limit-rate`, shared by all cores.
    rate: Option<Arc<RateLimit>>,
    /// Exactly one URL in all: the progress line may show a bar.
    single: bool,
}

/// What all cores share; each builds its [`Shared`] from it.
#[derive(Debug, Clone)]
struct Common {
    options: Arc<Options>,
    hosts: HostLimits,
    counters: Arc<Counters>,
    rate: Option<Arc<RateLimit>>,
    single: bool,
}

impl Common {
    /// A core's own client and retry policy (neither is shared between
    /// threads) around the shared settings.
    fn shared(&self) -> Result<Shared, String> {
        let cli = &self.options.cli;
        Ok(Shared {
            client: build_client(&self.options)?,
            options: self.options.clone(),
            hosts: self.hosts.clone(),
            retry: RetryPolicy::new(cli.retry, cli.retry_delay),
            counters: self.counters.clone(),
            rate: self.rate.clone(),
            single: self.single,
        })
    }
}

/// Fetches every URL; true if all gave a complete response. `Err` for a
/// problem found before any fetch (an input file that cannot be opened).
async fn run(mut options: Options) -> Result<bool, String> {
    let mut _demo = None; // keeps the demo servers running until we return
    if options.cli.urls.is_empty() && options.cli.input.is_none() {
        let server =
            DemoServer::start().map_err(|e| format!("cannot start the demo server: {e}"))?;
        let https = DemoServer::start_https()
            .map_err(|e| format!("cannot start the demo HTTPS server: {e}"))?;
        // Like most real servers, so the summary shows connections reused
        // (a redirect's next hop may go over a page's finished connection).
        server.set_keep_alive(true);
        https.set_keep_alive(true);
        println!(
            "no URL given: fetching from the embedded demo server at http://{}",
            server.addr()
        );
        println!(
            "and over HTTPS at https://{}, whose certificate was made just now and is trusted for this run only",
            https.addr()
        );
        println!("(/slow/3000 answers after 3 s, past the demo's 1 s timeout)\n");
        options.cli.urls = DEMO_PAGES.iter().map(|p| server.url(p)).collect();
        options.cli.urls.push(https.url(DEMO_HTTPS_PAGE));
        options.cli.timeout.get_or_insert(Duration::from_secs(1));
        // The demo's certificate is a root for this run, beside --cacert.
        let pem = https.certificate_pem().unwrap_or_default().as_bytes();
        options
            .cacert_pem
            .get_or_insert_with(Vec::new)
            .extend_from_slice(pem);
        _demo = Some((server, https));
    }
    if options.cli.insecure {
        eprintln!(
            "fetch: warning: --insecure: server certificates are not verified; \
             the connections are encrypted, but anyone on the path can impersonate the server"
        );
    }
    let single = options.cli.input.is_none() && options.cli.urls.len() == 1;
    let mut source = UrlSource::new(
        std::mem::take(&mut options.cli.urls),
        options.cli.input.as_deref(),
    )
    .map_err(|e| e.to_string())?;
    source.set_shard(options.cli.shard);
    let counters = Arc::new(Counters::default());
    // On stderr, so --json's stdout stays clean with it.
    let show_progress =
        !options.cli.quiet && (options.cli.progress || std::io::stderr().is_terminal());
    let progress = show_progress.then(|| Progress::start(counters.clone(), single));
    let mut report = Report::new(
        options.cli.json,
        options.cli.tls_info,
        options.destination == Destination::Stdout,
        source.input_name(),
    );
    report.set_progress(progress.as_ref().map(Progress::bar));
    let report = Rc::new(RefCell::new(report));

    let common = Common {
        hosts: HostLimits::new(options.cli.per_host),
        counters,
        rate: options
            .cli
            .limit_rate
            .map(|rate| Arc::new(RateLimit::new(rate))),
        single,
        options: Arc::new(options),
    };
    let concurrency = common.options.concurrency;
    let cores = cores::count(common.options.cli.cores, concurrency);
    if cores == 1 {
        let shared = Rc::new(common.shared()?);
        fetch_all(
            &mut source,
            shared.clone(),
            concurrency,
            Recorder::Report(report.clone()),
        )
        .await?;
        report.borrow_mut().add_client_stats(&shared.client.stats());
    } else {
        cores::fetch_on_cores(cores, &mut source, &common, &report).await?;
    }
    if let Some(progress) = progress {
        progress.finish();
    }
    let mut report = report.borrow_mut();
    report.set_progress(None);
    let mut all_complete = report.all_complete();
    if let Some(error) = source.error() {
        eprintln!("fetch: {error}");
        all_complete = false;
    }
    report.finish();
    Ok(all_complete)
}

/// The fetch loop of one core: a permit, then the next entry, then a task
/// that downloads it and records its outcome; returns when `entries` is
/// spent and every task has finished. `concurrency` 0 means no limit.
async fn fetch_all(
    entries: &mut impl Entries,
    shared: Rc<Shared>,
    concurrency: usize,
    recorder: Recorder,
) -> Result<(), String> {
    let limit = Arc::new(Semaphore::new(match concurrency {
        0 => Semaphore::MAX_PERMITS,
        n => n.min(Semaphore::MAX_PERMITS),
    }));
    let tasks = TaskCount::default();
    loop {
        // The permit first, then the URL: the list is read only as fast as
        // the downloads finish.
        let permit = limit
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| "the concurrency limit was closed".to_owned())?;
        let Some(entry) = entries.next_entry().await else {
            break;
        };
        let (shared, recorder, task) = (shared.clone(), recorder.clone(), tasks.enter());
        drop(runtime::spawn(async move {
            let outcome = download::download(entry, &shared).await;
            let counter = if outcome.failed {
                &shared.counters.failed
            } else {
                &shared.counters.done
            };
            counter.fetch_add(1, Relaxed);
            recorder.record(outcome).await;
            drop((permit, task));
        }));
    }
    tasks.all_done().await;
    Ok(())
}

/// Where a core's loop gets its URLs: the [`UrlSource`] itself, or (with
/// `--cores`) the channel its share is dealt into.
trait Entries {
    /// The next entry, or `None` when there is no more.
    async fn next_entry(&mut self) -> Option<Entry>;
}

impl Entries for UrlSource {
    async fn next_entry(&mut self) -> Option<Entry> {
        self.next().await
    }
}

impl Entries for mpsc::Receiver<Entry> {
    async fn next_entry(&mut self) -> Option<Entry> {
        self.recv().await
    }
}

/// Where a download's outcome goes: printed at once, or (with `--cores`)
/// sent to the thread that prints.
#[derive(Debug, Clone)]
enum Recorder {
    Report(Rc<RefCell<Report>>),
    Send(mpsc::Sender<cores::FromCore>),
}

impl Recorder {
    async fn record(&self, outcome: Outcome) {
        match self {
            Recorder::Report(report) => report.borrow_mut().record(&outcome),
            Recorder::Send(results) => {
                // The receiver lives until every core has finished, so
                // this fails only if the printing thread is gone already,
                // and then there is nobody to tell.
                let _ = results.send(cores::FromCore::Outcome(outcome)).await;
            }
        }
    }
}

/// The client the options ask for.
///
/// # Errors
///
/// A `--cacert` file that holds no usable certificate (already checked by
/// [`Cli::into_options`], so only a demo certificate could fail here).
fn build_client(options: &Options) -> Result<Client, String> {
    let cli = &options.cli;
    let mut builder = Client::builder().max_body_bytes(options.max_body_bytes);
    match cli.timeout {
        Some(t) => builder = builder.total_timeout(t),
        // Saved bodies have no size limit by default, so no deadline
        // either (as curl and wget): a large or rate-limited download
        // takes what it takes; the idle timeout still ends a stall.
        None if options.destination != Destination::Discard => {
            builder = builder.total_timeout(Duration::MAX);
        }
        None => {}
    }
    if let Some(t) = cli.connect_timeout {
        builder = builder.connect_timeout(t);
    }
    if let Some(t) = cli.read_timeout {
        builder = builder.idle_timeout(t);
    }
    if let Some(n) = cli.max_redirects {
        builder = builder.max_redirects(n);
    }
    if cli.no_keep_alive {
        // No pool: each request opens its own connection and asks for
        // `Connection: close`.
        builder = builder.pool_max_idle_per_host(0);
    }
    if cli.compressed {
        builder = builder.gzip(true).deflate(true);
    }
    builder = options.proxies.apply(builder);
    if let Some(pem) = &options.cacert_pem {
        // Checked when the options were made (and the demo's own is good).
        builder = match builder.add_root_certificate(pem) {
            Ok(builder) => builder,
            Err(error) => return Err(format!("--cacert: {error}")),
        };
    }
    Ok(builder.danger_accept_invalid_certs(cli.insecure).build())
}

/// Counts the download tasks still running, so the loop can wait for the
/// last one without keeping a handle per URL.
#[derive(Debug, Default, Clone)]
struct TaskCount {
    inner: Rc<TaskCountInner>,
}

#[derive(Debug, Default)]
struct TaskCountInner {
    running: Cell<usize>,
    /// The task waiting in [`TaskCount::all_done`].
    waiter: RefCell<Option<Waker>>,
}

/// One running task; counted until dropped.
#[derive(Debug)]
struct TaskGuard(TaskCount);

impl TaskCount {
    fn enter(&self) -> TaskGuard {
        self.inner.running.set(self.inner.running.get() + 1);
        TaskGuard(self.clone())
    }

    /// Waits until no task is running.
    async fn all_done(&self) {
        runtime::poll_fn(|cx| {
            if self.inner.running.get() == 0 {
                Poll::Ready(())
            } else {
                *self.inner.waiter.borrow_mut() = Some(cx.waker().clone());
                Poll::Pending
            }
        })
        .await
    }
}

impl Drop for TaskGuard {
    fn drop(&mut self) {
        let inner = &self.0.inner;
        inner.running.set(inner.running.get() - 1);
        if inner.running.get() == 0
            && let Some(waker) = inner.waiter.borrow_mut().take()
        {
            waker.wake();
        }
    }
}

//! `fetch`: fetch many URLs at once — one task per URL, each with its own
//! deadline — and print a line for each as it completes.
//!
//! ```text
//! cargo run --release --example fetch                  # demo: an embedded server, no network needed
//! cargo run --release --example fetch -- --timeout 5 http://127.0.0.1:8080/ http://[::1]:8080/a
//! cargo run --release --example fetch -- --help
//! ```
//!
//! With no URL it starts the crate's demo HTTP/1.0 server on 127.0.0.1 in
//! this same thread and fetches a handful of its pages concurrently; one of
//! them answers after 3 s and, with the demo's 1 s timeout, fails — so you
//! see concurrency and timeouts at work. Exit status: 0 when every URL gave a
//! complete response (any status code), 1 otherwise, 2 for bad arguments.

use std::path::PathBuf;
use std::process::ExitCode;
use std::rc::Rc;
use std::time::{Duration, Instant};

use handroll::{DemoServer, Semaphore};
use http_client::{Client, Method, Request, Response, Url};

const USAGE: &str = "\
usage: fetch [OPTIONS] [URL...]

Fetches every URL concurrently (HTTP/1.0, http:// only) and prints one line
per URL as it completes, then a summary. With no URL, fetches pages from an
embedded demo server.

options:
  --timeout SECS          deadline for each whole request (default 60; demo: 1)
  --connect-timeout SECS  deadline for resolving and connecting (default 10)
  --read-timeout SECS     longest wait for the next byte (default 30)
  --max-bytes N           largest body accepted, in bytes (default 16777216)
  --concurrency N         most requests in flight at once (default: all)
  --method M              request method (default GET, or POST with --data)
  --header 'Name: value'  extra request header (repeatable)
  --data STRING           request body
  --max-redirects N       redirects to follow for GET/HEAD (default 5; 0: none)
  --output DIR            write the body of the i-th URL to DIR/i
  -h, --help              show this help

exit status: 0 if every URL gave a complete response, 1 if not, 2 for bad arguments
";

/// What the command line asked for.
#[derive(Default)]
struct Options {
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    read_timeout: Option<Duration>,
    max_bytes: Option<u64>,
    concurrency: usize,
    method: Option<Method>,
    headers: Vec<(String, String)>,
    data: Option<String>,
    max_redirects: Option<u32>,
    output: Option<PathBuf>,
    urls: Vec<String>,
}

fn main() -> ExitCode {
    let options = match parse_args(std::env::args().skip(1)) {
        Ok(Some(options)) => options,
        Ok(None) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("fetch: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match runtime::block_on(run(options)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(message) => {
            eprintln!("fetch: {message}");
            ExitCode::from(1)
        }
    }
}

/// Fetches every URL; true if all gave a complete response.
async fn run(mut options: Options) -> Result<bool, String> {
    let mut _demo = None; // keeps the demo server running until we return
    if options.urls.is_empty() {
        let server =
            DemoServer::start().map_err(|e| format!("cannot start the demo server: {e}"))?;
        println!(
            "no URL given: fetching from the embedded demo server at http://{}",
            server.addr()
        );
        println!("(/slow/3000 answers after 3 s, past the demo's 1 s timeout)\n");
        let pages = [
            "/hello",
            "/bytes/1048576",
            "/redirect/2",
            "/status/404",
            "/slow/3000",
            "/slow/200",
        ];
        options.urls = pages.iter().map(|p| server.url(p)).collect();
        options.timeout.get_or_insert(Duration::from_secs(1));
        _demo = Some(server);
    }

    let client = Rc::new(build_client(&options));
    let options = Rc::new(options);
    let limit = Semaphore::new(options.concurrency);
    let start = Instant::now();
    // One task per URL; the semaphore caps how many are past `acquire`.
    let tasks: Vec<_> = (0..options.urls.len())
        .map(|i| runtime::spawn(fetch_one(i, client.clone(), options.clone(), limit.clone())))
        .collect();
    let outcomes: Vec<Option<usize>> = runtime::join_all(tasks)
        .await
        .into_iter()
        .map(|joined| joined.unwrap_or(None))
        .collect();

    let complete = outcomes.iter().flatten().count();
    let bytes: usize = outcomes.iter().flatten().sum();
    println!(
        "\n{} URLs in {:.1} ms: {complete} complete, {} failed, {bytes} body bytes",
        outcomes.len(),
        ms(start),
        outcomes.len() - complete,
    );
    Ok(complete == outcomes.len())
}

fn build_client(options: &Options) -> Client {
    let mut builder = Client::builder();
    if let Some(t) = options.timeout {
        builder = builder.total_timeout(t);
    }
    if let Some(t) = options.connect_timeout {
        builder = builder.connect_timeout(t);
    }
    if let Some(t) = options.read_timeout {
        builder = builder.idle_timeout(t);
    }
    if let Some(n) = options.max_bytes {
        builder = builder.max_body_bytes(n);
    }
    if let Some(n) = options.max_redirects {
        builder = builder.max_redirects(n);
    }
    builder.build()
}

/// Fetches the `i`-th URL and prints its line; the body size if complete.
async fn fetch_one(
    i: usize,
    client: Rc<Client>,
    options: Rc<Options>,
    limit: Semaphore,
) -> Option<usize> {
    let _permit = limit.acquire().await;
    let url = &options.urls[i];
    let started = Instant::now();
    let result = match request_for(url, &options) {
        Ok(request) => client.send(request).await.map_err(|e| e.to_string()),
        Err(e) => Err(e),
    };
    let result = match (result, &options.output) {
        (Ok(response), Some(dir)) => save(dir.join((i + 1).to_string()), response).await,
        (result, _) => result,
    };
    match result {
        Ok(response) => {
            let size = response.body().len();
            println!(
                "{url} {} {size} bytes {:.1} ms",
                response.status(),
                ms(started)
            );
            Some(size)
        }
        Err(message) => {
            println!("{url} error: {message} ({:.1} ms)", ms(started));
            None
        }
    }
}

fn request_for(url: &str, options: &Options) -> Result<Request, String> {
    let url = Url::parse(url).map_err(|e| format!("invalid URL: {e}"))?;
    let method = match (&options.method, &options.data) {
        (Some(m), _) => m.clone(),
        (None, Some(_)) => Method::POST,
        (None, None) => Method::GET,
    };
    let mut request = Request::new(method, url);
    for (name, value) in &options.headers {
        request = request.header(name, value).map_err(|e| e.to_string())?;
    }
    if let Some(data) = &options.data {
        request = request.body(data.as_bytes());
    }
    Ok(request)
}

/// Writes the body to `path` on a helper thread (file I/O blocks).
async fn save(path: PathBuf, response: Response) -> Result<Response, String> {
    runtime::spawn_blocking(move || match std::fs::write(&path, response.body()) {
        Ok(()) => Ok(response),
        Err(e) => Err(format!("cannot write {}: {e}", path.display())),
    })
    .await
    .map_err(|e| e.to_string())?
}

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}

/// `Ok(None)` for `--help`; `Err` with a message for bad arguments.
fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Option<Options>, String> {
    let mut o = Options::default();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "-h" | "--help" => return Ok(None),
            "--timeout" => o.timeout = Some(seconds("--timeout", &value("--timeout")?)?),
            "--connect-timeout" => {
                o.connect_timeout =
                    Some(seconds("--connect-timeout", &value("--connect-timeout")?)?)
            }
            "--read-timeout" => {
                o.read_timeout = Some(seconds("--read-timeout", &value("--read-timeout")?)?)
            }
            "--max-bytes" => o.max_bytes = Some(number("--max-bytes", &value("--max-bytes")?)?),
            "--concurrency" => o.concurrency = number("--concurrency", &value("--concurrency")?)?,
            "--max-redirects" => {
                o.max_redirects = Some(number("--max-redirects", &value("--max-redirects")?)?)
            }
            "--method" => {
                let m = value("--method")?;
                o.method = Some(Method::new(&m).map_err(|e| format!("--method {m:?}: {e}"))?);
            }
            "--header" => {
                let h = value("--header")?;
                let (name, v) = h
                    .split_once(':')
                    .ok_or(format!("--header {h:?}: expected 'Name: value'"))?;
                let (name, v) = (name.trim().to_owned(), v.trim().to_owned());
                // Validate now, so a bad header is a usage error, not N failures.
                let probe = Request::get(Url::parse("http://localhost/").expect("valid URL"));
                probe
                    .header(&name, &v)
                    .map_err(|e| format!("--header {h:?}: {e}"))?;
                o.headers.push((name, v));
            }
            "--data" => o.data = Some(value("--data")?),
            "--output" => o.output = Some(PathBuf::from(value("--output")?)),
            "--" => o.urls.extend(args.by_ref()),
            flag if flag.starts_with('-') && flag.len() > 1 => {
                return Err(format!("unknown option {flag}"));
            }
            url => o.urls.push(url.to_owned()),
        }
    }
    if let Some(dir) = &o.output {
        std::fs::create_dir_all(dir).map_err(|e| format!("--output {}: {e}", dir.display()))?;
    }
    Ok(Some(o))
}

fn seconds(flag: &str, text: &str) -> Result<Duration, String> {
    text.parse::<f64>()
        .ok()
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .ok_or(format!("{flag} {text:?}: expected a number of seconds"))
}

fn number<T: std::str::FromStr>(flag: &str, text: &str) -> Result<T, String> {
    text.parse()
        .map_err(|_| format!("{flag} {text:?}: expected a whole number"))
}

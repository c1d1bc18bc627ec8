//! [`download`]: one URL from start to end — the request, the per-host
//! slot, each attempt (the response head, then the body chunk by chunk into
//! its [`Sink`]), the retries with their backoff, and the [`Outcome`] that
//! the report prints.

use std::path::PathBuf;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Instant;

use http_client::{Error, Method, Request, TlsInfo, Url};

use super::Shared;
use super::body::Download;
use super::cli::Destination;
use super::report::Outcome;
use super::resume::{self, Resumption, Validator};
use super::retry::{is_retryable, is_retryable_status};
use super::sink::{Sink, SinkError, Start, part_path};
use super::source::Entry;

/// Why one attempt failed.
struct Failure {
    message: String,
    /// Worth another attempt (a connect error, a timeout, a 5xx).
    retryable: bool,
    /// The response's status, when one came.
    status: Option<u16>,
    /// That response came over a reused (kept-alive) connection.
    reused: bool,
    /// stdout was closed under the body: end quietly.
    closed_stdout: bool,
}

impl Failure {
    fn new(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            retryable: false,
            status: None,
            reused: false,
            closed_stdout: false,
        }
    }
}

/// A complete response, as one attempt saw it.
struct Success {
    status: u16,
    /// Body bytes written.
    bytes: u64,
    /// The file written, if any.
    file: Option<PathBuf>,
    /// The TLS session's parameters, for an `https://` response.
    tls: Option<TlsInfo>,
    /// It came over a reused (kept-alive) connection.
    reused: bool,
    /// The bytes a `.part` held before this response added to it.
    resumed_from: Option<u64>,
}

/// Fetches `entry`, retrying as the options allow.
pub(crate) async fn download(entry: Entry, shared: &Shared) -> Outcome {
    let started = Instant::now();
    let mut outcome = Outcome::new(entry);
    if let Some(why) = &outcome.entry.bad_line {
        outcome.errors.push(why.clone());
        outcome.failed = true;
        return outcome;
    }
    let request = match request_for(&outcome.entry.url, shared) {
        Ok(request) => request,
        Err(message) => {
            outcome.errors.push(message);
            outcome.failed = true;
            return outcome;
        }
    };
    let _host = shared.hosts.acquire(&request.url().authority()).await;
    loop {
        outcome.attempts += 1;
        let last = !shared.retry.may_retry(request.method(), outcome.attempts);
        shared.counters.in_flight.fetch_add(1, Relaxed);
        let result = attempt(&request, outcome.entry.index, last, shared).await;
        shared.counters.in_flight.fetch_sub(1, Relaxed);
        match result {
            Ok(success) => {
                outcome.status = Some(success.status);
                outcome.bytes = success.bytes;
                outcome.file = success.file;
                outcome.tls = success.tls;
                outcome.reused = success.reused;
                outcome.resumed_from = success.resumed_from;
                break;
            }
            Err(failure) => {
                outcome.status = failure.status.or(outcome.status);
                if failure.status.is_some() {
                    // Like the status: about the last response received.
                    outcome.reused = failure.reused;
                }
                outcome.errors.push(failure.message);
                if failure.retryable && !last {
                    runtime::time::sleep(shared.retry.delay(outcome.attempts)).await;
                    continue;
                }
                outcome.failed = true;
                outcome.quiet = failure.closed_stdout;
                break;
            }
        }
    }
    outcome.elapsed = started.elapsed();
    outcome
}

/// One attempt: the status, the body bytes, the file written, the TLS
/// session. With `-C`, it first looks for a partial file to resume (or a
/// finished one to check), and asks again without `Range` (once) if the
/// answer does not fit it.
async fn attempt(
    request: &Request,
    index: usize,
    last: bool,
    shared: &Shared,
) -> Result<Success, Failure> {
    let path = match &shared.options.destination {
        Destination::File(path) => Some(path.clone()),
        Destination::Dir(dir) => Some(dir.join(index.to_string())),
        Destination::Discard | Destination::Stdout => None,
    };
    let resuming = shared.options.cli.resume && request.method() == &Method::GET;
    let url = request.url().to_string();
    let mut partial = match &path {
        Some(path) if resuming => {
            let part = part_path(path);
            match resume::find(&part, &url).await {
                Some(partial) => Some(partial),
                None => resume::finished(path, &part).await,
            }
        }
        _ => None,
    };
    loop {
        let asked = match &partial {
            Some(partial) => {
                let ranged = request.clone().header("Range", partial.range());
                match &partial.validator {
                    Some(validator) => ranged.and_then(|r| r.header("If-Range", validator.value())),
                    None => ranged,
                }
                .map_err(|e| Failure::new(e.to_string()))?
            }
            None => request.clone(),
        };
        let download = Download::start(&shared.client, asked)
            .await
            .map_err(|e| Failure {
                retryable: is_retryable(&e),
                ..Failure::new(client_error(&e))
            })?;
        let how = match &partial {
            Some(partial) => resume::judge(
                partial.len,
                download.status(),
                download.header("content-range"),
            ),
            None => Resumption::Replace,
        };
        if let Some(finished) = partial.as_ref().filter(|p| p.validator.is_none()) {
            match how {
                // Whole on the server too: the file stays as it is.
                Resumption::Complete => {
                    return Ok(Success {
                        status: download.status(),
                        bytes: 0,
                        file: path,
                        tls: download.tls_info().cloned(),
                        reused: download.reused(),
                        resumed_from: Some(finished.len),
                    });
                }
                // More bytes, but no validator to prove they continue
                // ours: fetch it whole.
                Resumption::Append => {
                    partial = None;
                    continue;
                }
                Resumption::Replace | Resumption::StartOver => {}
            }
        }
        if how == Resumption::StartOver {
            // Not the range asked for: the .part cannot be trusted.
            partial = None;
            continue;
        }
        let from = partial
            .as_ref()
            .map(|p| p.len)
            .filter(|_| how != Resumption::Replace);
        return receive(download, how, from, path, &url, last, shared).await;
    }
}

/// The rest of an attempt, once its response head is in: checks the
/// status, then streams the body to its sink.
async fn receive(
    mut download: Download,
    how: Resumption,
    resumed_from: Option<u64>,
    path: Option<PathBuf>,
    url: &str,
    last: bool,
    shared: &Shared,
) -> Result<Success, Failure> {
    let status = download.status();
    let tls = download.tls_info().cloned();
    let reused = download.reused();
    let with_status = |message: String| Failure {
        status: Some(status),
        reused,
        ..Failure::new(message)
    };
    let complete = how == Resumption::Complete;
    if is_retryable_status(status) && !last {
        return Err(Failure {
            retryable: true,
            ..with_status(format!("server answered {status} {}", download.reason()))
        });
    }
    if shared.options.cli.fail && status >= 400 && !complete {
        return Err(with_status(format!(
            "server answered {status} {} (a failure with --fail)",
            download.reason()
        )));
    }
    if shared.single {
        shared.counters.set_length(download.content_length());
    }
    let mut sink = match (&shared.options.destination, path) {
        (Destination::Stdout, _) => Sink::stdout().map_err(sink_failure)?,
        (_, Some(path)) => {
            let start = match how {
                Resumption::Append | Resumption::Complete => Start::Append,
                Resumption::Replace | Resumption::StartOver => {
                    let validator = Validator::from_response(
                        download.header("etag"),
                        download.header("last-modified"),
                    );
                    Start::New(validator.map(|v| resume::record(url, &v)))
                }
            };
            Sink::file(path, start).await.map_err(sink_failure)?
        }
        (_, None) => Sink::discard(),
    };
    // A 416 for a complete .part has a body that is not the file's.
    if !complete {
        loop {
            let chunk = match download.chunk().await {
                Ok(Some(chunk)) => chunk,
                Ok(None) => break,
                Err(e) => {
                    let failure = Failure {
                        // Bytes on stdout cannot be taken back.
                        retryable: is_retryable(&e) && !sink.is_irrevocable(),
                        ..with_status(client_error(&e))
                    };
                    // With -C, what came is kept for the next run to resume.
                    sink.abort(shared.options.cli.resume).await;
                    return Err(failure);
                }
            };
            let len = chunk.len();
            shared.counters.add_bytes(len);
            if let Err(e) = sink.write(chunk).await {
                sink.abort(false).await;
                return Err(Failure {
                    status: Some(status),
                    reused,
                    ..sink_failure(e)
                });
            }
            if let Some(rate) = &shared.rate {
                rate.take(len).await;
            }
        }
    }
    let file = sink.path().map(|p| p.to_owned());
    let bytes = sink.finish().await.map_err(sink_failure)?;
    Ok(Success {
        status,
        bytes,
        file,
        tls,
        reused,
        resumed_from,
    })
}

fn sink_failure(error: SinkError) -> Failure {
    Failure {
        closed_stdout: matches!(error, SinkError::ClosedStdout),
        ..Failure::new(error.to_string())
    }
}

/// The client's message, with this program's flag where the library names
/// its own remedy: `--max-bytes` for a body limit, `--cacert` for an
/// unknown issuer (the library says `ClientBuilder::add_root_certificate`).
fn client_error(error: &Error) -> String {
    if let Error::UnknownIssuer { .. } = error {
        return "certificate issued by an unknown authority (self-signed?); pass --cacert".into();
    }
    match error.body_limit() {
        Some(_) => format!("{error} (raise it with --max-bytes)"),
        None => error.to_string(),
    }
}

/// The request for `url` with the method, headers and body asked for.
fn request_for(url: &str, shared: &Shared) -> Result<Request, String> {
    let cli = &shared.options.cli;
    let url = Url::parse(url).map_err(|e| format!("invalid URL: {e}"))?;
    let method = match (&cli.method, &cli.data) {
        (Some(m), _) => m.clone(),
        (None, Some(_)) => Method::POST,
        (None, None) => Method::GET,
    };
    let mut request = Request::new(method, url);
    for (name, value) in &cli.header {
        request = request.header(name, value).map_err(|e| e.to_string())?;
    }
    if let Some(user) = &cli.user {
        // curl's -u: USER:PASSWORD, or USER alone (no password).
        let (user, password) = match user.split_once(':') {
            Some((user, password)) => (user, Some(password)),
            None => (user.as_str(), None),
        };
        request = request.basic_auth(user, password);
    }
    if let Some(data) = &cli.data {
        request = request.body(data.as_bytes());
    }
    Ok(request)
}

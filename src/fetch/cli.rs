//! The command line: [`Cli`], declared once with `clap`'s derive so that its
//! doc comments become `--help`, and [`Options`], the checked settings the
//! rest of [`fetch`](super) runs on.
//!
//! clap handles the usage errors (unknown flags with a suggestion, missing
//! or malformed values) and exits with status 2; [`Cli::into_options`] adds
//! the checks that need the file system or several flags at once, which are
//! usage errors too.

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::error::ErrorKind;
use clap::{CommandFactory, FromArgMatches, Parser};
use http_client::{Method, Request, Url};

use super::proxy::Proxies;
use super::shard::Shard;

/// Most requests in flight when URLs come from `--input` and no
/// `--concurrency` is given: a list may be millions of lines long.
pub(crate) const INPUT_CONCURRENCY: usize = 100;

/// Fetches every URL concurrently (HTTP/1.0, http:// and https://) and
/// prints one line per URL as it completes, then a summary with the total
/// bytes, the overall rate and the p50/p99 latency. With no URL (and no --input), it
/// fetches pages from an embedded demo server.
#[derive(Debug, Parser)]
#[command(
    name = "fetch",
    version,
    args_override_self = true,
    after_help = "Any status code is a complete response (a 404 too) unless --fail is given.\n\
                  An option given twice takes its last value (--timeout 10 --timeout 30 is 30), \
                  except --header, which adds one each time.\n\
                  Proxies: http_proxy, HTTPS_PROXY, ALL_PROXY and NO_PROXY are read as curl reads them \
                  (uppercase HTTP_PROXY is ignored); --proxy and --noproxy override them.\n\
                  Exit status: 0 if every URL gave a complete response, 1 if not, 2 for bad arguments."
)]
pub(crate) struct Cli {
    /// Deadline for each whole request, body included, in seconds
    /// [default: 60, but none for bodies saved with -o or --output (large
    /// or rate-limited downloads; --read-timeout still ends a stall);
    /// demo: 1]
    #[arg(long, value_name = "SECS", value_parser = seconds, allow_negative_numbers = true)]
    pub(crate) timeout: Option<Duration>,

    /// Deadline for resolving and connecting, in seconds [default: 10]
    #[arg(long, value_name = "SECS", value_parser = seconds, allow_negative_numbers = true)]
    pub(crate) connect_timeout: Option<Duration>,

    /// Longest wait for the next byte, in seconds [default: 30]
    #[arg(long, value_name = "SECS", value_parser = seconds, allow_negative_numbers = true)]
    pub(crate) read_timeout: Option<Duration>,

    /// Largest body accepted, in bytes; 0 = no limit. Bodies saved with
    /// --output or -o have no limit unless this sets one; other bodies are
    /// limited to 16 MiB by default
    #[arg(long, value_name = "N")]
    pub(crate) max_bytes: Option<u64>,

    /// Most requests in flight at once; 0 = unlimited [default: unlimited
    /// for URL arguments, 100 with --input]
    #[arg(long, value_name = "N")]
    pub(crate) concurrency: Option<usize>,

    /// Most connections to one host:port at a time, idle kept-alive ones
    /// included; 0 = unlimited. With --cores, all URLs of one host go to
    /// one core, because each core keeps its own idle connections: dealt
    /// in turn, a host's idle connection on one core plus a new one on
    /// another could exceed N
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub(crate) per_host: usize,

    /// Threads, each with its own runtime and connection pool; URLs are
    /// dealt to them in turn (by host with --per-host) and each gets its
    /// share of --concurrency (--per-host holds across all of them); 0 =
    /// one per CPU
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub(crate) cores: usize,

    /// One connection per URL, closed after its response. By default a
    /// connection is kept open and reused for the next URL on the same
    /// host:port (one TCP and TLS handshake per concurrent connection),
    /// until it has been idle 30 s or the server closes it
    #[arg(long)]
    pub(crate) no_keep_alive: bool,

    /// Retries after a connect error, a timeout or a 5xx status (GET and
    /// HEAD only), with exponential backoff and jitter
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub(crate) retry: u32,

    /// Base delay before the first retry, doubled for each next one, in
    /// seconds
    #[arg(long, value_name = "SECS", value_parser = seconds, default_value = "1", allow_negative_numbers = true)]
    pub(crate) retry_delay: Duration,

    /// Request method [default: GET, or POST with --data]
    #[arg(long, value_name = "M", value_parser = method)]
    pub(crate) method: Option<Method>,

    /// Extra request header (repeatable)
    #[arg(long, value_name = "'Name: value'", value_parser = header)]
    pub(crate) header: Vec<(String, String)>,

    /// Request body
    #[arg(long, value_name = "STRING")]
    pub(crate) data: Option<String>,

    /// Redirects to follow for GET and HEAD; 0 = none [default: 5]
    #[arg(long, value_name = "N")]
    pub(crate) max_redirects: Option<u32>,

    /// Stream the body of the i-th URL to DIR/i (through DIR/.i.part,
    /// renamed when complete)
    #[arg(long, value_name = "DIR", conflicts_with = "output_file")]
    pub(crate) output: Option<PathBuf>,

    /// Stream the body of the one URL to FILE; - = stdout (the report then
    /// goes to stderr)
    #[arg(short = 'o', long, value_name = "FILE", conflicts_with = "input")]
    pub(crate) output_file: Option<PathBuf>,

    /// Read URLs from FILE, one per line (- = stdin), after the URL
    /// arguments; blank lines and # comments are skipped
    #[arg(short = 'i', long, value_name = "FILE")]
    pub(crate) input: Option<PathBuf>,

    /// Count an HTTP status >= 400 as a failure (and save no body for it)
    #[arg(short = 'f', long)]
    pub(crate) fail: bool,

    /// One JSON object per URL per line on stdout, then a summary object,
    /// instead of the human lines
    #[arg(long)]
    pub(crate) json: bool,

    /// Show the progress line on stderr even when it is not a terminal
    #[arg(long, conflicts_with = "quiet")]
    pub(crate) progress: bool,

    /// No progress line
    #[arg(short = 'q', long)]
    pub(crate) quiet: bool,

    /// Send every request through the HTTP proxy URL
    /// (`[http://][user:password@]host[:port]`, port 1080 if none; https://
    /// URLs through a CONNECT tunnel), instead of the environment's
    /// proxies; "" = no proxy at all
    #[arg(short = 'x', long, value_name = "URL")]
    pub(crate) proxy: Option<String>,

    /// Reach these hosts directly, not through a proxy: a comma list of
    /// host names (with the names under them), IP addresses, CIDR ranges
    /// and `*`, each with an optional :port; replaces $NO_PROXY
    #[arg(long, value_name = "LIST")]
    pub(crate) noproxy: Option<String>,

    /// Ask for a compressed body (Accept-Encoding: gzip, deflate) and
    /// decode it; --max-bytes then limits the decoded size
    #[arg(long, conflicts_with = "resume")]
    pub(crate) compressed: bool,

    /// Send HTTP Basic credentials (USER, or USER:PASSWORD), replacing the
    /// URL's own; like them, never sent to another host after a redirect
    /// and never printed
    #[arg(short = 'u', long, value_name = "USER[:PASSWORD]")]
    pub(crate) user: Option<String>,

    /// Resume the partial files (.FILE.part, DIR/.i.part) that an earlier
    /// run left, asking for the rest with Range and If-Range (a file that
    /// changed on the server is fetched whole, never spliced); a partial
    /// file is kept after a network failure, for the next run. A file an
    /// earlier run finished is left as it is if the server answers 416 for
    /// exactly its size
    #[arg(short = 'C', long = "continue", id = "resume")]
    pub(crate) resume: bool,

    /// Cap the whole run's receive rate (all URLs together) at RATE bytes
    /// per second; k, M, G count in 1024s (500k, 2M)
    #[arg(long, value_name = "RATE", value_parser = super::rate::parse_rate)]
    pub(crate) limit_rate: Option<u64>,

    /// Fetch only the URLs whose index i (from 1, in arguments then
    /// --input) has i % N == K, keeping that index in --output and --json:
    /// N runs with 0/N .. N-1/N share one list
    #[arg(long, value_name = "K/N", value_parser = super::shard::parse_shard)]
    pub(crate) shard: Option<Shard>,

    /// Trust the CA certificates in FILE (PEM) for https:// URLs, besides
    /// the built-in roots and $SSL_CERT_FILE
    #[arg(long, value_name = "FILE")]
    pub(crate) cacert: Option<PathBuf>,

    /// Accept any server certificate (expired, self-signed, for another
    /// name): encrypted, but not authenticated
    #[arg(short = 'k', long)]
    pub(crate) insecure: bool,

    /// Print each https:// URL's TLS version, cipher suite and certificate
    /// subject (with --json: a "tls" object)
    #[arg(long)]
    pub(crate) tls_info: bool,

    /// Print a completion script for SHELL (bash, zsh, fish, elvish,
    /// powershell) on stdout and exit
    #[arg(long, value_name = "SHELL", exclusive = true)]
    pub(crate) completions: Option<clap_complete::Shell>,

    /// Print the manual page (roff, for `man -l -`) on stdout and exit
    #[arg(long, exclusive = true)]
    pub(crate) man: bool,

    /// The URLs to fetch
    #[arg(value_name = "URL")]
    pub(crate) urls: Vec<String>,
}

/// Where bodies go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Destination {
    /// Counted and dropped.
    Discard,
    /// `DIR/i` for the i-th URL.
    Dir(PathBuf),
    /// One file.
    File(PathBuf),
    /// Standard output.
    Stdout,
}

/// Checked settings, from [`Cli::into_options`].
#[derive(Debug)]
pub(crate) struct Options {
    /// The parsed command line.
    pub(crate) cli: Cli,
    /// Where bodies go.
    pub(crate) destination: Destination,
    /// Most requests in flight; `0` = unlimited.
    pub(crate) concurrency: usize,
    /// The body limit handed to the client; `0` = none.
    pub(crate) max_body_bytes: u64,
    /// The certificates of `--cacert`, checked, as PEM; `None` without it.
    pub(crate) cacert_pem: Option<Vec<u8>>,
    /// The proxies, from `--proxy`, `--noproxy` and the environment.
    pub(crate) proxies: Proxies,
}

impl Cli {
    /// Parses the process's arguments; prints usage and exits with status 2
    /// on a usage error (0 for `--help` and `--version`).
    /// The usage lines and completions name the program as it was
    /// invoked: `hfetch` when installed, `fetch` as the example.
    pub(crate) fn parse_args() -> Cli {
        let matches = Cli::command_named(&program_name()).get_matches();
        Cli::from_arg_matches(&matches).unwrap_or_else(|error| error.exit())
    }

    /// The clap command, under `name`.
    pub(crate) fn command_named(name: &str) -> clap::Command {
        Cli::command()
            .name(name.to_owned())
            .bin_name(name.to_owned())
    }

    /// Checks what clap cannot, then settles the defaults.
    ///
    /// # Errors
    ///
    /// A clap error of the usage kind (exit status 2): `-o` with more than
    /// one URL, a `--output` directory that cannot be created or written,
    /// or a `--cacert` file that cannot be read or holds no usable
    /// certificate.
    pub(crate) fn into_options(self) -> Result<Options, clap::Error> {
        let cacert_pem = match &self.cacert {
            Some(file) => Some(
                read_cacert(file).map_err(|message| usage(ErrorKind::ValueValidation, message))?,
            ),
            None => None,
        };
        let proxies = Proxies::choose(self.proxy.as_deref(), self.noproxy.as_deref(), |name| {
            std::env::var(name).ok()
        })
        .map_err(|message| usage(ErrorKind::ValueValidation, message))?;
        let destination = match (&self.output, &self.output_file) {
            (Some(dir), _) => {
                writable_dir(dir).map_err(|message| usage(ErrorKind::ValueValidation, message))?;
                Destination::Dir(dir.clone())
            }
            (None, Some(file)) => {
                if self.urls.len() != 1 {
                    return Err(usage(
                        ErrorKind::ArgumentConflict,
                        format!(
                            "-o/--output-file takes exactly one URL, got {} (use --output DIR for several)",
                            self.urls.len()
                        ),
                    ));
                }
                if file == Path::new("-") {
                    if self.json {
                        return Err(usage(
                            ErrorKind::ArgumentConflict,
                            "--json and -o - both want stdout",
                        ));
                    }
                    Destination::Stdout
                } else {
                    let parent = file.parent().filter(|p| !p.as_os_str().is_empty());
                    if parent.is_some_and(|p| !p.is_dir()) {
                        return Err(usage(
                            ErrorKind::ValueValidation,
                            format!("-o {}: no such directory", file.display()),
                        ));
                    }
                    Destination::File(file.clone())
                }
            }
            (None, None) => Destination::Discard,
        };
        if self.resume && !matches!(destination, Destination::Dir(_) | Destination::File(_)) {
            return Err(usage(
                ErrorKind::MissingRequiredArgument,
                "-C/--continue resumes files: it needs -o FILE or --output DIR",
            ));
        }
        let concurrency = match (self.concurrency, &self.input) {
            (Some(n), _) => n,
            (None, Some(_)) => INPUT_CONCURRENCY,
            (None, None) => 0,
        };
        let streamed = destination != Destination::Discard;
        let max_body_bytes = match self.max_bytes {
            Some(n) => n,
            None if streamed => 0,
            None => http_client::Limits::default().max_body_bytes,
        };
        Ok(Options {
            cli: self,
            destination,
            concurrency,
            max_body_bytes,
            cacert_pem,
            proxies,
        })
    }
}

/// A usage error in clap's format, so that it reads (and exits) like the
/// ones clap finds itself.
fn usage(kind: ErrorKind, message: impl std::fmt::Display) -> clap::Error {
    Cli::command_named(&program_name()).error(kind, message)
}

/// The name this process was started as (`hfetch`, `fetch`), for usage
/// lines; `fetch` if the system does not say.
pub(crate) fn program_name() -> String {
    std::env::args_os()
        .next()
        .as_deref()
        .map(std::path::Path::new)
        .and_then(|path| path.file_stem())
        .and_then(|stem| stem.to_str())
        .filter(|stem| !stem.is_empty())
        .unwrap_or("fetch")
        .to_owned()
}

/// Creates `dir` if needed and proves it writable with a probe file.
fn writable_dir(dir: &Path) -> Result<(), String> {
    let shown = dir.display();
    std::fs::create_dir_all(dir).map_err(|e| format!("--output {shown}: {e}"))?;
    let probe = dir.join(format!(".fetch-probe-{}", std::process::id()));
    std::fs::File::create(&probe)
        .map_err(|e| format!("--output {shown}: cannot write there: {e}"))?;
    // The probe proved the point; a leftover would only be untidy.
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

/// The contents of a `--cacert` file, checked by the client's own parser
/// now, so that a bad file is one usage error rather than one TLS failure
/// per URL.
fn read_cacert(file: &Path) -> Result<Vec<u8>, String> {
    let shown = file.display();
    let pem = std::fs::read(file).map_err(|e| format!("--cacert {shown}: {e}"))?;
    // Only the check is wanted here: the client is built later.
    let checked = http_client::Client::builder().add_root_certificate(&pem);
    match checked {
        Ok(_) => Ok(pem),
        // "no PEM certificate ... found", "invalid certificate ...": the
        // file's own name replaces the library's "PEM data".
        Err(http_client::Error::RootCertificates { source, .. }) => {
            Err(format!("--cacert {shown}: {source}"))
        }
        Err(other) => Err(format!("--cacert {shown}: {other}")),
    }
}

/// A non-negative number of seconds.
fn seconds(text: &str) -> Result<Duration, String> {
    text.parse::<f64>()
        .ok()
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .ok_or_else(|| "expected a number of seconds".to_owned())
}

/// A request method token.
fn method(text: &str) -> Result<Method, String> {
    Method::new(text).map_err(|e| e.to_string())
}

/// `Name: value`, checked now so that a bad header is one usage error, not
/// one failure per URL.
fn header(text: &str) -> Result<(String, String), String> {
    let (name, value) = text
        .split_once(':')
        .ok_or_else(|| "expected 'Name: value'".to_owned())?;
    let (name, value) = (name.trim().to_owned(), value.trim().to_owned());
    let probe = Request::get(Url::parse("http://localhost/").map_err(|e| e.to_string())?);
    probe.header(&name, &value).map_err(|e| e.to_string())?;
    Ok((name, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Options, clap::Error> {
        Cli::try_parse_from(std::iter::once("fetch").chain(args.iter().copied()))?.into_options()
    }

    #[test]
    fn defaults_follow_the_destination() {
        let o = parse(&["http://a/"]).unwrap();
        assert_eq!(o.destination, Destination::Discard);
        assert_eq!(o.max_body_bytes, 16 << 20);
        assert_eq!(o.concurrency, 0);
        let o = parse(&["-o", "-", "http://a/"]).unwrap();
        assert_eq!(o.destination, Destination::Stdout);
        assert_eq!(o.max_body_bytes, 0, "streamed bodies have no default limit");
        let o = parse(&["-i", "-"]).unwrap();
        assert_eq!(o.concurrency, INPUT_CONCURRENCY);
        let o = parse(&["--max-bytes", "0", "--concurrency", "0", "-i", "-"]).unwrap();
        assert_eq!((o.max_body_bytes, o.concurrency), (0, 0));
    }

    #[test]
    fn usage_errors_are_clap_errors_with_exit_status_2() {
        for args in [
            &["--timeout", "abc"][..],
            &["--timeout", "-1"],
            &["--concurrenc", "2"],
            &["--header", "nocolon"],
            &["--method", "GE T"],
            &["-o", "x", "http://a/", "http://b/"],
            &["-o", "-", "--json", "http://a/"],
            &["--output", "d", "-o", "f", "http://a/"],
            &["--progress", "--quiet"],
            &["--limit-rate", "0", "http://a/"],
            &["--limit-rate", "fast", "http://a/"],
            &["--shard", "3/2", "http://a/"],
            &["--shard", "1", "http://a/"],
            &["--proxy", "socks5://p:1080", "http://a/"],
            &["--proxy", "http://p:1", "--noproxy", "a b", "http://a/"],
            &["-C", "http://a/"],
            &["-C", "-o", "-", "http://a/"],
            &["-C", "--compressed", "-o", "f", "http://a/"],
        ] {
            let error = parse(args).unwrap_err();
            assert_eq!(error.exit_code(), 2, "{args:?}: {error}");
        }
        let error = parse(&["--concurrenc", "2"]).unwrap_err().to_string();
        assert!(error.contains("--concurrency"), "a suggestion: {error}");
    }

    #[test]
    fn headers_are_trimmed_and_checked() {
        assert_eq!(
            header("Accept:  */* ").unwrap(),
            ("Accept".to_owned(), "*/*".to_owned())
        );
        assert!(header("Bad Name: x").is_err());
    }

    #[test]
    fn an_option_given_twice_takes_the_last_value() {
        let o = parse(&[
            "--timeout",
            "10",
            "--timeout",
            "30",
            "--json",
            "--json",
            "http://a/",
        ])
        .unwrap();
        assert_eq!(o.cli.timeout, Some(Duration::from_secs(30)));
        assert!(o.cli.json);
        let o = parse(&[
            "--limit-rate",
            "1k",
            "--limit-rate",
            "2k",
            "-u",
            "a:1",
            "-u",
            "b:2",
            "http://a/",
        ])
        .unwrap();
        assert_eq!(
            (o.cli.limit_rate, o.cli.user.as_deref()),
            (Some(2048), Some("b:2"))
        );
        let o = parse(&["--header", "A: 1", "--header", "B: 2", "http://a/"]).unwrap();
        assert_eq!(o.cli.header.len(), 2, "--header adds");
    }
}

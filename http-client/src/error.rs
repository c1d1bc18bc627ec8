//! [`Error`]: the client's one error type. Each variant names the layer that
//! failed — the URL, the request, name resolution, connecting, the TLS
//! handshake and the server's certificate, a timeout, socket I/O, the
//! server's response, redirects — and its message names the address, the
//! phase and the limit involved, so a failed fetch explains itself in one
//! line.
//!
//! The TLS variants exist with the `tls` feature (on by default); the TLS
//! messages are in `error/tls.rs`.
//!
//! Pure layers have their own error types ([`UrlError`], [`RequestError`],
//! [`ParseError`]); this type wraps them with the context only the caller
//! knows, such as which server sent the bad bytes.

#[cfg(feature = "tls")]
mod certificate;
mod proxy;
#[cfg(feature = "tls")]
mod tls;

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;
#[cfg(feature = "tls")]
use std::time::SystemTime;

#[cfg(feature = "tls")]
pub use self::certificate::CertificateProblem;
#[cfg(feature = "tls")]
pub(crate) use self::tls::handshake_error;
use crate::display::{Compact, IoMessage, escape};
use crate::{DecodeError, ParseError, ParsePhase, RequestError, Url, UrlError};

/// A `Result` whose error is this crate's [`Error`].
///
/// # Examples
///
/// ```
/// fn target(text: &str) -> http_client::Result<String> {
///     Ok(http_client::Url::parse(text)?.path_and_query().to_owned())
/// }
/// assert_eq!(target("http://example.com/a?b")?, "/a?b");
/// # Ok::<(), http_client::Error>(())
/// ```
pub type Result<T> = std::result::Result<T, Error>;

/// Everything that can go wrong fetching a URL.
///
/// Messages are lowercase with no trailing period, and include the wrapped
/// cause, which [`source`](std::error::Error::source) also returns.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use http_client::{Error, ParsePhase, TimeoutPhase};
///
/// let error = Error::Timeout {
///     phase: TimeoutPhase::Idle(ParsePhase::Body),
///     authority: "127.0.0.1:8080".into(),
///     after: Duration::from_secs(5),
/// };
/// assert!(error.is_timeout());
/// assert_eq!(error.to_string(), "no data from 127.0.0.1:8080 for 5s while reading the body");
///
/// let error: Error = http_client::Url::parse("ftp://example.com/").unwrap_err().into();
/// assert_eq!(
///     error.to_string(),
///     r#"invalid URL: scheme "ftp" is not supported (only http:// and https://)"#,
/// );
/// ```
#[non_exhaustive]
#[derive(Debug)]
pub enum Error {
    /// The URL cannot be fetched: `invalid URL: ...`.
    InvalidUrl(UrlError),
    /// The request cannot be sent as built: `invalid request: ...`.
    InvalidRequest(String),
    /// Name resolution failed: `could not resolve example.invalid: ...`.
    Resolve {
        /// The host name looked up.
        host: String,
        /// The resolver's error.
        source: io::Error,
    },
    /// Name resolution succeeded with no address: `example.com resolved to no addresses`.
    NoAddresses {
        /// The host name looked up.
        host: String,
    },
    /// Connecting to a host's one address failed:
    /// `connect to 127.0.0.1:9: connection refused`.
    Connect {
        /// The address tried.
        addr: SocketAddr,
        /// Why it failed.
        source: io::Error,
    },
    /// A host has several addresses, and connecting to each one failed
    /// (they were raced, Happy Eyeballs style; see
    /// [`ClientBuilder::happy_eyeballs_delay`](crate::ClientBuilder::happy_eyeballs_delay)):
    /// `connect to localhost:8080 failed on every address: [::1]:8080:
    /// connection refused; 127.0.0.1:8080: connection refused`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io;
    /// use http_client::Error;
    ///
    /// let refused = || io::Error::from(io::ErrorKind::ConnectionRefused);
    /// let error = Error::AllAddressesFailed {
    ///     authority: "localhost:8080".into(),
    ///     attempts: vec![("[::1]:8080".parse()?, refused()), ("127.0.0.1:8080".parse()?, refused())],
    /// };
    /// assert!(error.is_connect());
    /// assert_eq!(
    ///     error.to_string(),
    ///     "connect to localhost:8080 failed on every address: \
    ///      [::1]:8080: connection refused; 127.0.0.1:8080: connection refused",
    /// );
    /// # Ok::<(), std::net::AddrParseError>(())
    /// ```
    AllAddressesFailed {
        /// The host and port of the URL, as `host:port`.
        authority: String,
        /// Each address tried, in the order tried, with its own error.
        attempts: Vec<(SocketAddr, io::Error)>,
    },
    /// A deadline passed; see [`TimeoutPhase`] for the messages.
    Timeout {
        /// Which deadline.
        phase: TimeoutPhase,
        /// The peer, as `host:port`.
        authority: String,
        /// The deadline's duration.
        after: Duration,
    },
    /// Sending or receiving failed:
    /// `reading response from 127.0.0.1:8080: connection reset by peer`.
    Io {
        /// Sending the request or receiving the response.
        phase: IoPhase,
        /// The peer, as `host:port`.
        authority: String,
        /// The socket error.
        source: io::Error,
    },
    /// The server's bytes are not a valid response:
    /// `bad response from 127.0.0.1:8080: body truncated: got 10 of 100 bytes`.
    Response {
        /// The peer, as `host:port`.
        authority: String,
        /// What is wrong with the response.
        source: ParseError,
    },
    /// A compressed body (`Content-Encoding: gzip` or `deflate`, decoded
    /// because the client asked for it with
    /// [`ClientBuilder::gzip`](crate::ClientBuilder::gzip) or `deflate`)
    /// could not be decoded, or decodes to more than the body limit:
    /// `bad gzip body from 127.0.0.1:8080: the decoded body exceeds the
    /// 16 MiB limit (...)`.
    Decode {
        /// The peer, as `host:port`.
        authority: String,
        /// What is wrong with it.
        source: crate::DecodeError,
    },
    /// Redirects went on past the limit:
    /// `too many redirects (more than 5), last location http://...`.
    TooManyRedirects {
        /// The most redirects allowed.
        limit: u32,
        /// The location the last redirect pointed to.
        last: Url,
    },
    /// A redirect that cannot be followed (no or invalid `Location`, a
    /// scheme other than `http` and `https`):
    /// `refused to follow redirect to "...": ...`.
    RedirectRefused {
        /// The `Location` value, or an empty string when missing.
        location: String,
        /// Why it was refused.
        reason: String,
    },
    /// A request that is not idempotent (a `POST`, say) went out on a
    /// connection reused from the pool, and the server had closed that
    /// connection before answering — the race every HTTP client with a
    /// pool meets when a server's idle timeout runs out as a request
    /// arrives. Idempotent requests are sent again on a new connection by
    /// themselves; this one was not, since the server may have acted on
    /// it: `POST to 127.0.0.1:8080 went out on a reused connection that the
    /// server had closed (broken pipe); not sent again, since POST is not
    /// idempotent: retry it if it is safe to`.
    ReusedConnectionClosed {
        /// The request's method.
        method: crate::Method,
        /// The peer, as `host:port`.
        authority: String,
        /// The error the closed connection gave.
        source: Box<Error>,
    },
    /// A proxy setting cannot be used — a proxy URL of an unsupported
    /// scheme, with a path or a bad port, a bad `NO_PROXY` entry:
    /// `invalid proxy setting https_proxy: proxy scheme "socks5" is not
    /// supported (only http:// proxies)`. From the [`Proxy`](crate::Proxy)
    /// constructors at once; for the environment's settings, from each
    /// request they would apply to.
    InvalidProxy {
        /// Where the setting came from: an environment variable
        /// (`https_proxy`, `NO_PROXY`, ...) or a constructor
        /// (`Proxy::all`, `Proxy::no_proxy`, ...).
        origin: String,
        /// What is wrong with it.
        source: crate::ProxyError,
    },
    /// The proxy could not be reached — its name did not resolve, or no
    /// connection to it could be made:
    /// `cannot reach proxy 127.0.0.1:3128: connect to 127.0.0.1:3128: connection refused`.
    ProxyUnreachable {
        /// The proxy, as `host:port`.
        proxy: String,
        /// Why: [`Error::Resolve`], [`Error::NoAddresses`],
        /// [`Error::Connect`] or [`Error::AllAddressesFailed`].
        source: Box<Error>,
    },
    /// The proxy answered 407 Proxy Authentication Required:
    /// `proxy 127.0.0.1:3128 requires authentication (407): give the
    /// credentials in the proxy URL, http://user:password@host:port`, or,
    /// when credentials were sent, `proxy 127.0.0.1:3128 did not accept
    /// the credentials in the proxy URL (407)`.
    ProxyAuthentication {
        /// The proxy, as `host:port`.
        proxy: String,
        /// Whether the proxy URL had credentials (sent as
        /// `Proxy-Authorization: Basic`).
        sent_credentials: bool,
    },
    /// The proxy refused to open a `CONNECT` tunnel for an `https://` URL:
    /// `proxy 127.0.0.1:3128 refused a tunnel to example.com:443: 403 Forbidden`.
    ProxyRefused {
        /// The proxy, as `host:port`.
        proxy: String,
        /// The origin the tunnel was for, as `host:port`.
        target: String,
        /// The proxy's status code.
        status: u16,
        /// The proxy's reason phrase.
        reason: String,
    },
    /// An `https://` URL in a build without the `tls` feature:
    /// ``https support was not compiled in (feature `tls`)``.
    TlsNotCompiled,
    /// The server's certificate names other hosts than the one asked for:
    /// `certificate for wrong.example is not valid for localhost (use a
    /// name it is for, or give the server a certificate for localhost)`.
    #[cfg(feature = "tls")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tls")))]
    CertificateNameMismatch {
        /// The host the URL names (a DNS name or an IP address).
        host: String,
        /// The names the certificate is valid for (its subject alternative
        /// names), as DNS names and IP addresses.
        names: Vec<String>,
        /// The verifier's error.
        source: rustls::Error,
    },
    /// The server's certificate (or one in its chain) is past its
    /// `notAfter` date: `certificate expired on 2020-01-01 (it is
    /// 2026-12-07 here): the server needs a renewed certificate`.
    #[cfg(feature = "tls")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tls")))]
    CertificateExpired {
        /// The peer, as `host:port`.
        authority: String,
        /// When the certificate expired, when the verifier said.
        expired_on: Option<SystemTime>,
        /// The verifier's error.
        source: rustls::Error,
    },
    /// The server's certificate chain leads to no trusted root:
    /// `certificate issued by an unknown authority (self-signed?): trust
    /// its issuer with ClientBuilder::add_root_certificate or SSL_CERT_FILE
    /// (for testing only, danger_accept_invalid_certs skips verification)`.
    /// The message names the library's remedies,
    /// [`ClientBuilder::add_root_certificate`](crate::ClientBuilder::add_root_certificate)
    /// and [`danger_accept_invalid_certs`](crate::ClientBuilder::danger_accept_invalid_certs);
    /// a program matches this variant to name its own (`hfetch`'s
    /// `--cacert`).
    #[cfg(feature = "tls")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tls")))]
    UnknownIssuer {
        /// The peer, as `host:port`.
        authority: String,
        /// The verifier's error.
        source: rustls::Error,
    },
    /// The server's certificate cannot be accepted for another reason that
    /// has a fix of its own — a CA certificate used as the server's, a
    /// validity that starts in the future, a signature algorithm not
    /// accepted, a certificate not meant for servers, ...: see
    /// [`CertificateProblem`] for each, and its message for the fix.
    #[cfg(feature = "tls")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tls")))]
    InvalidCertificate {
        /// The peer, as `host:port`.
        authority: String,
        /// What is wrong with the certificate.
        problem: CertificateProblem,
        /// The verifier's error.
        source: rustls::Error,
    },
    /// The server answered the TLS `ClientHello` with something that is not
    /// TLS at all, typically plain HTTP on a port that was meant to be HTTPS:
    /// `TLS handshake with 127.0.0.1:8443 failed: the server does not speak TLS`.
    #[cfg(feature = "tls")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tls")))]
    NotTls {
        /// The peer, as `host:port`.
        authority: String,
        /// What rustls said about the bytes (an `io::Error` of kind
        /// `InvalidData` wrapping a `rustls::Error`), or the socket error
        /// or end of stream that followed them.
        source: io::Error,
    },
    /// The TLS handshake failed for another reason — the protocol, the
    /// peer's alert, another certificate problem, or the socket:
    /// `TLS handshake with 127.0.0.1:8443 failed: received fatal alert: HandshakeFailure`.
    #[cfg(feature = "tls")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tls")))]
    TlsHandshake {
        /// The peer, as `host:port`.
        authority: String,
        /// A `rustls::Error` wrapped in an `io::Error` of kind `InvalidData`,
        /// or the socket's own error.
        source: io::Error,
    },
    /// The TLS connection ended without the server's `close_notify` while
    /// the body had no declared length, so it cannot be told apart from a
    /// cut connection:
    /// `connection closed without TLS close_notify; the body may be truncated`.
    #[cfg(feature = "tls")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tls")))]
    TlsTruncated {
        /// The peer, as `host:port`.
        authority: String,
    },
    /// Root certificates could not be loaded:
    /// `could not load root certificates from SSL_CERT_FILE=/etc/ca.pem: no such file or directory`.
    #[cfg(feature = "tls")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tls")))]
    RootCertificates {
        /// Where they came from: `SSL_CERT_FILE=PATH`, or `PEM data` for
        /// [`ClientBuilder::add_root_certificate`](crate::ClientBuilder::add_root_certificate).
        origin: String,
        /// Why they could not be used.
        source: io::Error,
    },
}

/// Which deadline an [`Error::Timeout`] hit.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use http_client::{Error, TimeoutPhase};
///
/// let error = Error::Timeout {
///     phase: TimeoutPhase::Connect,
///     authority: "10.255.255.1:80".into(),
///     after: Duration::from_secs(2),
/// };
/// assert_eq!(error.to_string(), "connect to 10.255.255.1:80 timed out after 2s");
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimeoutPhase {
    /// The TCP connection was not established in time.
    Connect,
    /// The TCP connection was, but the TLS handshake did not finish within
    /// the connect timeout (which covers both).
    #[cfg(feature = "tls")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tls")))]
    Handshake,
    /// The proxy did not answer a `CONNECT` (the tunnel for an `https://`
    /// URL) within the connect timeout, which covers it; the error's
    /// `authority` is the proxy's:
    /// `proxy 127.0.0.1:3128 did not answer CONNECT within 10s`.
    Tunnel,
    /// Writing the request made no progress for the duration.
    Send,
    /// No byte arrived for the duration while in this part of the response.
    Idle(ParsePhase),
    /// The whole request did not complete in time.
    Total,
}

/// Which direction an [`Error::Io`] failed in.
///
/// # Examples
///
/// ```
/// use std::io;
/// use http_client::{Error, IoPhase};
///
/// let error = Error::Io {
///     phase: IoPhase::Sending,
///     authority: "example.com:80".into(),
///     source: io::Error::from(io::ErrorKind::BrokenPipe),
/// };
/// assert_eq!(error.to_string(), "sending the request to example.com:80: broken pipe");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IoPhase {
    /// Writing the request.
    Sending,
    /// Reading the response.
    Receiving,
}

impl Error {
    /// Whether a deadline expired: an [`Error::Timeout`], or a connect or I/O
    /// error whose cause is [`io::ErrorKind::TimedOut`] (an operating-system
    /// timeout).
    ///
    /// # Examples
    ///
    /// ```
    /// use http_client::Error;
    ///
    /// let error = Error::NoAddresses { host: "example.com".into() };
    /// assert!(!error.is_timeout());
    /// ```
    pub fn is_timeout(&self) -> bool {
        match self {
            Error::Timeout { .. } => true,
            Error::Connect { source, .. } | Error::Io { source, .. } => {
                source.kind() == io::ErrorKind::TimedOut
            }
            Error::AllAddressesFailed { attempts, .. } => attempts
                .iter()
                .all(|(_, source)| source.kind() == io::ErrorKind::TimedOut),
            Error::ProxyUnreachable { source, .. } => source.is_timeout(),
            #[cfg(feature = "tls")]
            Error::TlsHandshake { source, .. } => source.kind() == io::ErrorKind::TimedOut,
            _ => false,
        }
    }
}

impl Error {
    /// Whether no TCP connection could be made to the server (or the
    /// proxy): an [`Error::Connect`], an [`Error::AllAddressesFailed`], an
    /// [`Error::ProxyUnreachable`], or the connect timeout passing before
    /// the TCP handshake completed ([`TimeoutPhase::Connect`]). Nothing was
    /// sent, so any request may be tried again.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io;
    /// use http_client::Error;
    ///
    /// let error = Error::Connect {
    ///     addr: "127.0.0.1:9".parse()?,
    ///     source: io::Error::from(io::ErrorKind::ConnectionRefused),
    /// };
    /// assert!(error.is_connect());
    /// assert!(!Error::NoAddresses { host: "example.com".into() }.is_connect());
    /// # Ok::<(), std::net::AddrParseError>(())
    /// ```
    pub fn is_connect(&self) -> bool {
        matches!(
            self,
            Error::Connect { .. }
                | Error::AllAddressesFailed { .. }
                | Error::ProxyUnreachable { .. }
                | Error::Timeout {
                    phase: TimeoutPhase::Connect,
                    ..
                }
        )
    }

    /// The body limit the response crossed, in bytes, when this error is a
    /// [`ParseError::BodyTooLarge`] (or a [`DecodeError::TooLarge`]: the
    /// decoded body crossed it): for a message that says how to raise it.
    ///
    /// # Examples
    ///
    /// ```
    /// use http_client::{Error, ParseError};
    ///
    /// let error = Error::Response {
    ///     authority: "127.0.0.1:8080".into(),
    ///     source: ParseError::BodyTooLarge { limit: 16 << 20 },
    /// };
    /// assert_eq!(error.body_limit(), Some(16 << 20));
    /// assert_eq!(
    ///     format!("{error} (raise it with --max-bytes)"),
    ///     "bad response from 127.0.0.1:8080: body exceeds the 16 MiB limit (raise it with --max-bytes)",
    /// );
    /// ```
    pub fn body_limit(&self) -> Option<u64> {
        match self {
            Error::Response {
                source: ParseError::BodyTooLarge { limit },
                ..
            }
            | Error::Decode {
                source: DecodeError::TooLarge { limit, .. },
                ..
            } => Some(*limit),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidUrl(error) => write!(f, "invalid URL: {error}"),
            Error::InvalidRequest(reason) => write!(f, "invalid request: {reason}"),
            Error::Resolve { host, source } => {
                write!(f, "could not resolve {host}: {}", IoMessage(source))
            }
            Error::NoAddresses { host } => write!(f, "{host} resolved to no addresses"),
            Error::Connect { addr, source } => {
                write!(f, "connect to {addr}: {}", IoMessage(source))
            }
            Error::AllAddressesFailed {
                authority,
                attempts,
            } => {
                write!(f, "connect to {authority} failed on every address: ")?;
                for (i, (addr, source)) in attempts.iter().enumerate() {
                    let separator = if i == 0 { "" } else { "; " };
                    write!(f, "{separator}{addr}: {}", IoMessage(source))?;
                }
                Ok(())
            }
            Error::Timeout {
                phase,
                authority,
                after,
            } => {
                let after = Compact(*after);
                match phase {
                    TimeoutPhase::Connect => {
                        write!(f, "connect to {authority} timed out after {after}")
                    }
                    #[cfg(feature = "tls")]
                    TimeoutPhase::Handshake => write!(f, "no TLS handshake within {after}"),
                    TimeoutPhase::Tunnel => {
                        write!(f, "proxy {authority} did not answer CONNECT within {after}")
                    }
                    TimeoutPhase::Send => {
                        write!(
                            f,
                            "sending the request to {authority} made no progress for {after}"
                        )
                    }
                    TimeoutPhase::Idle(reading) => {
                        write!(f, "no data from {authority} for {after} while {reading}")
                    }
                    TimeoutPhase::Total => {
                        write!(f, "no complete response from {authority} within {after}")
                    }
                }
            }
            Error::Io {
                phase,
                authority,
                source,
            } => {
                let doing = match phase {
                    IoPhase::Sending => "sending the request to",
                    IoPhase::Receiving => "reading response from",
                };
                write!(f, "{doing} {authority}: {}", IoMessage(source))
            }
            Error::Decode { authority, source } => {
                let coding = match source {
                    DecodeError::Corrupt { coding, .. }
                    | DecodeError::Truncated { coding }
                    | DecodeError::TrailingBytes { coding }
                    | DecodeError::TooLarge { coding, .. } => coding,
                };
                write!(f, "bad {coding} body from {authority}: {source}")
            }
            Error::Response { authority, source } => {
                write!(f, "bad response from {authority}: {source}")
            }
            Error::TooManyRedirects { limit, last } => {
                write!(
                    f,
                    "too many redirects (more than {limit}), last location {last}"
                )
            }
            Error::RedirectRefused { location, reason } => {
                write!(
                    f,
                    "refused to follow redirect to \"{}\": {reason}",
                    escape(location.as_bytes())
                )
            }
            Error::ReusedConnectionClosed {
                method,
                authority,
                source,
            } => {
                let why = match &**source {
                    Error::Io { source, .. } => IoMessage(source).to_string(),
                    Error::Response { source, .. } => source.to_string(),
                    other => other.to_string(),
                };
                write!(
                    f,
                    "{method} to {authority} went out on a reused connection that the server \
                     had closed ({why}); not sent again, since {method} is not idempotent: \
                     retry it if it is safe to"
                )
            }
            Error::InvalidProxy { .. }
            | Error::ProxyUnreachable { .. }
            | Error::ProxyAuthentication { .. }
            | Error::ProxyRefused { .. } => proxy::fmt(self, f),
            Error::TlsNotCompiled => {
                f.write_str("https support was not compiled in (feature `tls`)")
            }
            #[cfg(feature = "tls")]
            tls => tls::fmt(tls, f),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::InvalidUrl(error) => Some(error),
            Error::Resolve { source, .. }
            | Error::Connect { source, .. }
            | Error::Io { source, .. } => Some(source),
            // The first address's: the one the resolver preferred.
            Error::AllAddressesFailed { attempts, .. } => attempts
                .first()
                .map(|(_, source)| source as &(dyn std::error::Error + 'static)),
            Error::Response { source, .. } => Some(source),
            Error::InvalidProxy { source, .. } => Some(source),
            Error::Decode { source, .. } => Some(source),
            Error::ProxyUnreachable { source, .. } => Some(&**source),
            Error::ReusedConnectionClosed { source, .. } => Some(&**source),
            #[cfg(feature = "tls")]
            Error::CertificateNameMismatch { source, .. }
            | Error::CertificateExpired { source, .. }
            | Error::UnknownIssuer { source, .. }
            | Error::InvalidCertificate { source, .. } => Some(source),
            // The wrapped `rustls::Error` itself, rather than the io::Error
            // around it, whose `source` would skip it.
            #[cfg(feature = "tls")]
            Error::NotTls { source, .. } | Error::TlsHandshake { source, .. } => {
                match source.get_ref() {
                    Some(inner) => Some(inner),
                    None => Some(source),
                }
            }
            #[cfg(feature = "tls")]
            Error::RootCertificates { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl From<UrlError> for Error {
    /// Wraps the error as [`Error::InvalidUrl`], so `Url::parse(..)?` works
    /// in functions returning [`Result`].
    fn from(error: UrlError) -> Error {
        Error::InvalidUrl(error)
    }
}

impl From<RequestError> for Error {
    /// Wraps the error's message as [`Error::InvalidRequest`].
    fn from(error: RequestError) -> Error {
        Error::InvalidRequest(error.to_string())
    }
}

#[cfg(test)]
mod tests;

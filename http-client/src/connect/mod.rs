//! [`connect`]: from a [`Url`] to an open [`Connection`] — the first of the
//! client's steps (`connect` → `Connection::send` → `Connection::read_head`
//! → `BodyStream`, or `Connection::read_to_end` for the whole response).
//!
//! The host name is resolved on a helper thread (`getaddrinfo` blocks;
//! `resolve.rs`, which also holds the caller's overrides), an address
//! literal is used as is, and the addresses race to connect as RFC 8305's
//! Happy Eyeballs has it (`happy_eyeballs.rs`): the families alternate, the
//! next attempt starts 250 ms after the previous one or as soon as one
//! fails, and the first to connect wins. For `https://` the TLS handshake
//! follows, on the winner only (`transport/`). One deadline bounds the
//! whole step, resolution, race and handshake included.

mod happy_eyeballs;
mod resolve;

pub(crate) use resolve::Overrides;

use std::cell::Cell;
use std::time::Duration;

use runtime::net::TcpStream;
use runtime::time::timeout;

use crate::proxy::{ProxyTarget, tunnel};
use crate::transport::{self, TlsSettings, Transport};
use crate::{Connection, Error, Result, Scheme, TimeoutPhase, Url};
use happy_eyeballs::{Race, interleave};

/// How long [`connect`] waits for name resolution, the TCP handshake and
/// (for `https://`) the TLS handshake together, unless told otherwise.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a connection attempt to one of a host's addresses has before
/// the attempt to the next one starts alongside it, unless told otherwise:
/// RFC 8305's recommended "Connection Attempt Delay" (see
/// [`ClientBuilder::happy_eyeballs_delay`](crate::ClientBuilder::happy_eyeballs_delay)).
///
/// # Examples
///
/// ```
/// assert_eq!(http_client::DEFAULT_HAPPY_EYEBALLS_DELAY.as_millis(), 250);
/// ```
pub const DEFAULT_HAPPY_EYEBALLS_DELAY: Duration = Duration::from_millis(250);

/// How a connection is made: the deadline, the pace of the address race,
/// and addresses given in place of the resolver's.
#[derive(Debug, Clone)]
pub(crate) struct ConnectSettings {
    /// Resolution, the race and the TLS handshake together.
    pub(crate) timeout: Duration,
    /// The Connection Attempt Delay of the race.
    pub(crate) happy_eyeballs_delay: Duration,
    /// `ClientBuilder::resolve`'s addresses.
    pub(crate) overrides: Overrides,
}

impl ConnectSettings {
    /// The defaults, with `timeout`.
    pub(crate) fn with_timeout(timeout: Duration) -> ConnectSettings {
        ConnectSettings {
            timeout,
            happy_eyeballs_delay: DEFAULT_HAPPY_EYEBALLS_DELAY,
            overrides: Overrides::default(),
        }
    }
}

/// Opens a connection to the URL's host and port, giving up after
/// [`DEFAULT_CONNECT_TIMEOUT`]. A host with several addresses (IPv6 and
/// IPv4, say) gets them raced, Happy Eyeballs style (RFC 8305), with
/// [`DEFAULT_HAPPY_EYEBALLS_DELAY`] between the starts; no proxy is used
/// (a [`Client`](crate::Client) uses them). For an `https://` URL the connection is a
/// TLS session, verified against the default roots (webpki-roots and
/// `SSL_CERT_FILE`); a [`Client`](crate::Client) can trust others. Since a
/// request follows, TLS 1.3's last handshake message (the client's
/// `Finished`) is held back and leaves in one segment with the request:
/// send soon after connecting.
///
/// # Errors
///
/// [`Error::Resolve`] or [`Error::NoAddresses`] if the name does not
/// resolve; if no address accepts, [`Error::Connect`] for a host with one
/// address (`connect to 127.0.0.1:9: connection refused`) and
/// [`Error::AllAddressesFailed`], listing each address with its error, for
/// a host with several; [`Error::Timeout`] with [`TimeoutPhase::Connect`]
/// past the deadline (an address that neither accepts nor refuses holds
/// the race until then, unless another one accepts).
/// For `https://`: the certificate and handshake errors of
/// `TlsStream::connect`, a timeout in the TLS handshake phase
/// (`no TLS handshake within 10s`), or [`Error::TlsNotCompiled`] in a
/// build without the `tls` feature.
///
/// # Cancellation
///
/// Dropping the future abandons the attempt and closes its socket (a name
/// lookup already running on a helper thread finishes there and is dropped).
///
/// # Examples
///
/// ```
/// use http_client::{Request, Url};
/// use runtime::net::TcpListener;
///
/// runtime::block_on(async {
///     # let listener = TcpListener::bind("127.0.0.1:0")?;
///     # let port = listener.local_addr()?.port();
///     # runtime::spawn(async move {
///     #     let (mut s, _) = listener.accept().await.unwrap();
///     #     let mut buf = [0; 1024];
///     #     let _ = s.read(&mut buf).await;
///     #     s.write_all(b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok").await.unwrap();
///     # });
///     let url = Url::parse(&format!("http://127.0.0.1:{port}/"))?;
///     let mut connection = http_client::connect(&url).await?;
///     connection.send(&Request::get(url)).await?;
///     let response = connection.read_to_end().await?;
///     assert_eq!(response.body(), b"ok");
///     Ok::<_, Box<dyn std::error::Error>>(())
/// })?;
/// # Ok::<_, Box<dyn std::error::Error>>(())
/// ```
pub async fn connect(url: &Url) -> Result<Connection> {
    connect_with_timeout(url, DEFAULT_CONNECT_TIMEOUT).await
}

/// [`connect`] with an explicit deadline for resolution and handshake
/// together (`Duration::MAX` waits as long as the kernel does).
///
/// # Errors
///
/// As for [`connect`].
pub async fn connect_with_timeout(url: &Url, limit: Duration) -> Result<Connection> {
    let settings = ConnectSettings::with_timeout(limit);
    connect_with(url, None, &settings, &TlsSettings::default_for_process()).await
}

/// [`connect_with_timeout`] with a client's settings, through `proxy` if
/// one is given.
pub(crate) async fn connect_with(
    url: &Url,
    proxy: Option<&ProxyTarget>,
    settings: &ConnectSettings,
    tls: &TlsSettings,
) -> Result<Connection> {
    transport::check(url, tls)?;
    let progress = Progress::default();
    match timeout(settings.timeout, open(url, proxy, settings, tls, &progress)).await {
        Ok(result) => result,
        Err(_elapsed) => Err(Error::Timeout {
            phase: progress.phase(),
            authority: match (proxy, progress.tunnelling.get()) {
                (Some(proxy), true) => proxy.authority(),
                (Some(proxy), false) => {
                    format!("{} via proxy {}", url.authority(), proxy.authority())
                }
                (None, _) => url.authority(),
            },
            after: settings.timeout,
        }),
    }
}

/// How far a connect got, for the message of a timeout.
#[derive(Debug, Default)]
struct Progress {
    /// The `CONNECT` to a proxy was sent.
    tunnelling: Cell<bool>,
    /// The TLS handshake began.
    handshaking: Cell<bool>,
}

impl Progress {
    /// The step the connect deadline interrupted.
    fn phase(&self) -> TimeoutPhase {
        #[cfg(feature = "tls")]
        if self.handshaking.get() {
            return TimeoutPhase::Handshake;
        }
        if self.tunnelling.get() {
            return TimeoutPhase::Tunnel;
        }
        TimeoutPhase::Connect
    }
}

async fn open(
    url: &Url,
    proxy: Option<&ProxyTarget>,
    settings: &ConnectSettings,
    tls: &TlsSettings,
    progress: &Progress,
) -> Result<Connection> {
    let tcp = match proxy {
        None => open_tcp(url, settings).await?,
        Some(proxy) => {
            let mut tcp = open_tcp(proxy.endpoint(), settings).await.map_err(|e| {
                Error::ProxyUnreachable {
                    proxy: proxy.authority(),
                    source: Box::new(e),
                }
            })?;
            if url.scheme() == Scheme::Http {
                // The proxy forwards each request: no tunnel, no TLS.
                return Ok(Connection::routed(Transport::Plain(tcp), url, Some(proxy)));
            }
            progress.tunnelling.set(true);
            tunnel::open(&mut tcp, url, proxy).await?;
            progress.tunnelling.set(false);
            tcp
        }
    };
    let transport = transport::establish(tcp, url, tls, &progress.handshaking).await?;
    Ok(Connection::routed(transport, url, proxy))
}

/// A TCP connection to one of the URL's addresses: the winner of their
/// race (`happy_eyeballs.rs`).
async fn open_tcp(url: &Url, settings: &ConnectSettings) -> Result<TcpStream> {
    let addrs = interleave(resolve::resolve(url, &settings.overrides).await?);
    if addrs.is_empty() {
        return Err(Error::NoAddresses {
            host: url.host().to_owned(),
        });
    }
    let mut failed = match Race::new(addrs, settings.happy_eyeballs_delay).await {
        Ok(stream) => return Ok(stream),
        Err(failed) => failed,
    };
    if failed.len() == 1 {
        let (addr, source) = failed.remove(0);
        return Err(Error::Connect { addr, source });
    }
    Err(Error::AllAddressesFailed {
        authority: url.authority(),
        attempts: failed,
    })
}

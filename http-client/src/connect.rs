//! [`connect`]: from a [`Url`] to an open [`Connection`] — the first of the
//! client's steps (`connect` → `Connection::send` → `Connection::read_head`
//! → `BodyStream`, or `Connection::read_to_end` for the whole response).
//!
//! The host name is resolved on a helper thread (`getaddrinfo` blocks), an
//! address literal is used as is, and each address is tried in turn until
//! one accepts; for `https://` the TLS handshake follows (`transport/`).
//! One deadline bounds the whole step, resolution and handshake included.

use std::cell::Cell;
use std::net::SocketAddr;
use std::time::Duration;

use runtime::net::{TcpStream, lookup_host};
use runtime::time::timeout;

use crate::transport::{self, TlsSettings};
use crate::{Connection, Error, Result, TimeoutPhase, Url};

/// How long [`connect`] waits for name resolution, the TCP handshake and
/// (for `https://`) the TLS handshake together, unless told otherwise.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Opens a connection to the URL's host and port, giving up after
/// [`DEFAULT_CONNECT_TIMEOUT`]. For an `https://` URL the connection is a
/// TLS session, verified against the default roots (webpki-roots and
/// `SSL_CERT_FILE`); a [`Client`](crate::Client) can trust others. Since a
/// request follows, TLS 1.3's last handshake message (the client's
/// `Finished`) is held back and leaves in one segment with the request:
/// send soon after connecting.
///
/// # Errors
///
/// [`Error::Resolve`] or [`Error::NoAddresses`] if the name does not
/// resolve, [`Error::Connect`] with the last address's error if none
/// accepts (`connect to 127.0.0.1:9: connection refused`), and
/// [`Error::Timeout`] with [`TimeoutPhase::Connect`] past the deadline.
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
    connect_with(url, limit, &TlsSettings::default_for_process()).await
}

/// [`connect_with_timeout`] with a client's TLS settings.
pub(crate) async fn connect_with(
    url: &Url,
    limit: Duration,
    tls: &TlsSettings,
) -> Result<Connection> {
    transport::check(url, tls)?;
    let handshaking = Cell::new(false);
    match timeout(limit, open(url, tls, &handshaking)).await {
        Ok(result) => result,
        Err(_elapsed) => Err(Error::Timeout {
            phase: phase(&handshaking),
            authority: url.authority(),
            after: limit,
        }),
    }
}

/// The step the connect deadline interrupted.
fn phase(handshaking: &Cell<bool>) -> TimeoutPhase {
    #[cfg(feature = "tls")]
    if handshaking.get() {
        return TimeoutPhase::Handshake;
    }
    let _ = handshaking;
    TimeoutPhase::Connect
}

async fn open(url: &Url, tls: &TlsSettings, handshaking: &Cell<bool>) -> Result<Connection> {
    let tcp = open_tcp(url).await?;
    let transport = transport::establish(tcp, url, tls, handshaking).await?;
    Ok(Connection::new(transport, url.authority()))
}

async fn open_tcp(url: &Url) -> Result<TcpStream> {
    let mut last_error = None;
    for addr in resolve(url).await? {
        match TcpStream::connect(addr).await {
            Ok(stream) => return Ok(stream),
            Err(source) => last_error = Some(Error::Connect { addr, source }),
        }
    }
    Err(last_error.unwrap_or_else(|| Error::NoAddresses {
        host: url.host().to_owned(),
    }))
}

/// The URL's addresses: the literal itself, or what the resolver returns.
async fn resolve(url: &Url) -> Result<Vec<SocketAddr>> {
    if let Some(ip) = url.ip() {
        return Ok(vec![SocketAddr::new(ip, url.port())]);
    }
    let name = format!("{}:{}", url.host(), url.port());
    lookup_host(&name).await.map_err(|source| Error::Resolve {
        host: url.host().to_owned(),
        source,
    })
}

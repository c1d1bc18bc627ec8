//! [`Client`]: the steps (`connect`, `send`, `read_head`, then the body)
//! wrapped with the timeouts, limits, redirect policy and TLS trust of a
//! builder, and the one-call [`get`] and [`get_streaming`].
//!
//! The total timeout covers the body too: a [`BodyStream`] from
//! [`Client::send_streaming`] carries the request's deadline, and each wait
//! for body bytes ends at it. The settings and their setters are
//! [`ClientBuilder`]'s, in `builder.rs`.

mod builder;

pub use builder::ClientBuilder;

use std::cell::RefCell;
use std::time::{Duration, Instant};

use runtime::time::timeout;

use crate::connect::{ConnectSettings, DEFAULT_CONNECT_TIMEOUT, connect_with};
use crate::connection::{Connection, DEFAULT_IDLE_TIMEOUT, ExchangeError};
use crate::decode::Accept;
use crate::pool::{Pool, PoolKey, PoolSettings};
use crate::proxy::{Proxies, ProxySource, ProxyTarget};
use crate::stream::Deadline;
#[cfg(feature = "tls")]
use crate::transport::TlsOptions;
use crate::transport::TlsSettings;
use crate::{
    BodyStream, ClientStats, Error, Limits, Method, Request, Response, Result, Scheme,
    TimeoutPhase, Url,
};

/// How long a whole request (connect, send, the complete response, and
/// every redirect) may take, unless told otherwise.
pub const DEFAULT_TOTAL_TIMEOUT: Duration = Duration::from_secs(60);
/// How many redirects `GET` and `HEAD` requests follow, unless told otherwise.
pub const DEFAULT_MAX_REDIRECTS: u32 = 5;
/// How long a connection stays idle in a client's pool, unless told
/// otherwise or the server says less (`Keep-Alive: timeout=N`): shorter
/// than the idle timeouts of common servers and load balancers (nginx 75 s,
/// many balancers 60 s), so the client usually closes first.
pub const DEFAULT_POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// How many idle connections a client keeps per host, unless told
/// otherwise: no limit (as reqwest and hyper), so a pool holds at most as
/// many as were ever in use at once, for at most the idle timeout.
pub const DEFAULT_POOL_MAX_IDLE_PER_HOST: usize = usize::MAX;

/// Fetches `url` with a default [`Client`] made for this one request (so
/// with no pool: the connection closes after the response). To fetch
/// several URLs, keep a [`Client`]: it reuses connections.
///
/// # Errors
///
/// See [`Client::send`].
///
/// # Examples
///
/// ```no_run
/// runtime::block_on(async {
///     let response = http_client::get("http://example.com/").await?;
///     println!("{} {}", response.status(), response.text_lossy());
///     Ok::<_, http_client::Error>(())
/// })?;
/// # Ok::<_, http_client::Error>(())
/// ```
pub async fn get(url: impl IntoUrl) -> Result<Response> {
    one_shot().get(url).await
}

/// The client of [`get`] and [`get_streaming`]: gone after one request, so
/// it keeps no pool and asks for `Connection: close`.
fn one_shot() -> Client {
    Client::builder().pool_max_idle_per_host(0).build()
}

/// Sends a `GET` for `url` with a default [`Client`] and returns the
/// response as soon as its head has arrived, the body unread.
///
/// The default client's limits apply (a body over 16 MiB fails); for
/// larger downloads, build a client with
/// [`max_body_bytes(0)`](ClientBuilder::max_body_bytes) (no limit) and a
/// [`total_timeout`](ClientBuilder::total_timeout) to match, and call
/// [`Client::send_streaming`].
///
/// # Errors
///
/// See [`Client::send_streaming`].
///
/// # Examples
///
/// ```no_run
/// runtime::block_on(async {
///     let mut body = http_client::get_streaming("http://example.com/").await?;
///     let mut bytes = 0;
///     while let Some(chunk) = body.chunk().await? {
///         bytes += chunk.len();
///     }
///     println!("{} ({bytes} bytes)", body.status());
///     Ok::<_, http_client::Error>(())
/// })?;
/// # Ok::<_, http_client::Error>(())
/// ```
pub async fn get_streaming(url: impl IntoUrl) -> Result<BodyStream> {
    one_shot()
        .send_streaming(Request::get(url.into_url()?))
        .await
}

/// Something that can name a URL: `&str`, `String` or [`Url`].
pub trait IntoUrl {
    /// Parses (or passes on) the URL.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidUrl`] if the text is not a supported URL.
    fn into_url(self) -> Result<Url>;
}

impl IntoUrl for Url {
    fn into_url(self) -> Result<Url> {
        Ok(self)
    }
}

impl IntoUrl for &Url {
    fn into_url(self) -> Result<Url> {
        Ok(self.clone())
    }
}

impl IntoUrl for &str {
    fn into_url(self) -> Result<Url> {
        Ok(Url::parse(self)?)
    }
}

impl IntoUrl for String {
    fn into_url(self) -> Result<Url> {
        self.as_str().into_url()
    }
}

impl IntoUrl for &String {
    fn into_url(self) -> Result<Url> {
        self.as_str().into_url()
    }
}

/// An HTTP/1.0 client for `http://` and `https://`: timeouts, limits, a
/// redirect policy and the certificates it trusts, applied to every request
/// it sends. Cheap to clone; share one between tasks.
///
/// | setting | default |
/// | --- | --- |
/// | [`connect_timeout`](ClientBuilder::connect_timeout): resolution + TCP and TLS handshakes | 10 s |
/// | [`happy_eyeballs_delay`](ClientBuilder::happy_eyeballs_delay): between attempts to a host's addresses | 250 ms |
/// | [`idle_timeout`](ClientBuilder::idle_timeout): no byte sent or received | 30 s |
/// | [`total_timeout`](ClientBuilder::total_timeout): the whole request | 60 s |
/// | [`limits`](ClientBuilder::limits): header bytes / header count / body bytes | 64 KiB / 100 / 16 MiB |
/// | [`max_redirects`](ClientBuilder::max_redirects) (`GET` and `HEAD` only; between `http` and `https` both ways) | 5 |
/// | [`pool_max_idle_per_host`](ClientBuilder::pool_max_idle_per_host): idle connections kept per host; 0 = no pool | no limit |
/// | [`pool_idle_timeout`](ClientBuilder::pool_idle_timeout): how long one stays idle | 30 s |
/// | trusted roots: webpki-roots, `SSL_CERT_FILE`, `add_root_certificate` | verified |
/// | [`proxy`](ClientBuilder::proxy), [`no_proxy`](ClientBuilder::no_proxy): the proxies requests go through | the environment's (`HTTPS_PROXY`, ...) |
/// | [`gzip`](ClientBuilder::gzip), [`deflate`](ClientBuilder::deflate): compressed bodies asked for and decoded | off |
///
/// The TLS configuration is built once, by [`ClientBuilder::build`], and
/// shared by every connection (and every client with the default settings);
/// it keeps the TLS sessions the servers offer, so a new connection to a
/// server seen before resumes its session and skips the certificate.
///
/// # Connections that last
///
/// A client keeps a pool of idle connections, keyed by scheme, host and
/// port: requests ask for `Connection: keep-alive` (the wire is still
/// HTTP/1.0), and a connection goes back to the pool when the response
/// allowed it (an HTTP/1.0 reply with `Connection: keep-alive`, an
/// HTTP/1.1 reply without `Connection: close`), its body was framed and
/// read to its end, nothing followed it, and no error or timeout happened.
/// The next request to the same place skips the TCP and TLS handshakes
/// ([`Response::reused`], [`Client::stats`]). The reactor watches idle
/// connections: one the server closes is closed here too, before anyone
/// picks it, and a `Keep-Alive: timeout=N` from the server is honoured by
/// letting go a little earlier.
///
/// A server may still close an idle connection just as a request goes out
/// on it. When that request met the closed connection before any byte of
/// a response, and its method is idempotent ([`Method::is_idempotent`]),
/// the client sends it once more on a new connection by itself; a `POST`
/// fails with [`Error::ReusedConnectionClosed`] instead, since the server
/// may have acted on it. A response cut off after it began is an error,
/// never retried.
///
/// The pool belongs to the client and its clones, on one thread: a
/// `Client` is not `Send`. With one runtime per core, build one client per
/// core (a [`ClientBuilder`] is `Send` and `Clone`), each with its own pool.
///
/// # Examples
///
/// ```no_run
/// use std::time::Duration;
/// use http_client::{Client, Request, Url};
///
/// runtime::block_on(async {
///     let client = Client::builder()
///         .total_timeout(Duration::from_secs(5))
///         .max_redirects(0)
///         .build();
///     let request = Request::get(Url::parse("http://example.com/")?).header("Accept", "text/html")?;
///     let response = client.send(request).await?;
///     println!("{}", response.status());
///     Ok::<_, Box<dyn std::error::Error>>(())
/// })?;
/// # Ok::<_, Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Client {
    config: Config,
    /// The proxy rules, the environment's read at `build`.
    proxies: Proxies,
    /// The TLS config every `https://` connection uses.
    tls: TlsSettings,
    /// Idle connections, shared by the clones.
    pool: Pool,
}

#[derive(Debug, Clone)]
pub(super) struct Config {
    /// The connect timeout, the Happy Eyeballs delay, resolve overrides.
    connect: ConnectSettings,
    idle_timeout: Duration,
    total_timeout: Duration,
    limits: Limits,
    max_redirects: u32,
    pool: PoolSettings,
    /// The content codings asked for and decoded (`gzip`, `deflate`).
    accept: Accept,
}

impl Default for Client {
    fn default() -> Client {
        Client::new()
    }
}

impl Client {
    /// A client with the default settings (see the table above).
    pub fn new() -> Client {
        Client::builder().build()
    }

    /// A builder, starting from the default settings.
    pub fn builder() -> ClientBuilder {
        ClientBuilder {
            config: Config {
                connect: ConnectSettings::with_timeout(DEFAULT_CONNECT_TIMEOUT),
                idle_timeout: DEFAULT_IDLE_TIMEOUT,
                total_timeout: DEFAULT_TOTAL_TIMEOUT,
                limits: Limits::default(),
                max_redirects: DEFAULT_MAX_REDIRECTS,
                pool: PoolSettings {
                    max_idle_per_host: DEFAULT_POOL_MAX_IDLE_PER_HOST,
                    idle_timeout: DEFAULT_POOL_IDLE_TIMEOUT,
                },
                accept: Accept::default(),
            },
            #[cfg(feature = "tls")]
            tls: TlsOptions::default(),
            proxies: ProxySource::Environment,
        }
    }

    /// What this client's connections have done so far: opened, reused,
    /// replayed, TLS handshakes full and resumed, idle now.
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime::net::TcpListener;
    ///
    /// runtime::block_on(async {
    ///     # let listener = TcpListener::bind("127.0.0.1:0")?;
    ///     # let port = listener.local_addr()?.port();
    ///     # runtime::spawn(async move {
    ///     #     let (mut s, _) = listener.accept().await.unwrap();
    ///     #     for _ in 0..3 {
    ///     #         let _ = s.read(&mut [0; 1024]).await;
    ///     #         s.write_all(b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok").await.unwrap();
    ///     #     }
    ///     #     let _ = s.read(&mut [0; 1]).await; // open until the client closes
    ///     # });
    ///     let client = http_client::Client::new();
    ///     for _ in 0..3 {
    ///         client.get(format!("http://127.0.0.1:{port}/")).await?;
    ///     }
    ///     let stats = client.stats();
    ///     assert_eq!((stats.connections_opened, stats.reused, stats.idle), (1, 2, 1));
    ///     Ok::<_, Box<dyn std::error::Error>>(())
    /// })?;
    /// # Ok::<_, Box<dyn std::error::Error>>(())
    /// ```
    pub fn stats(&self) -> ClientStats {
        self.pool.stats()
    }

    /// Sends a `GET` for `url`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidUrl`], then as for [`send`](Client::send).
    pub async fn get(&self, url: impl IntoUrl) -> Result<Response> {
        self.send(Request::get(url.into_url()?)).await
    }

    /// Connects, sends `request`, reads the whole response and follows
    /// redirects, all within the total timeout: [`send_streaming`], then
    /// [`BodyStream::read_to_end`].
    ///
    /// Any status code is a success here: a 404 is a complete response.
    ///
    /// # Errors
    ///
    /// Every [`Error`] variant but `InvalidUrl`: resolution, connection,
    /// I/O, a bad or over-limit response, a timeout naming its phase, or a
    /// redirect that cannot or may not be followed.
    ///
    /// # Cancellation
    ///
    /// Dropping the future closes the connection at once.
    ///
    /// [`send_streaming`]: Client::send_streaming
    pub async fn send(&self, request: Request) -> Result<Response> {
        self.send_streaming(request).await?.read_to_end().await
    }

    /// Connects, sends `request`, follows redirects and reads the final
    /// response's head; returns its body unread, as a [`BodyStream`].
    ///
    /// The total timeout still covers the whole exchange: the stream carries
    /// the deadline, so reading the body past it fails with
    /// [`TimeoutPhase::Total`]. The limits apply to the stream too, the body
    /// limit included (set it to 0 for no limit). The bodies of redirect
    /// responses are not read: their connections are closed.
    ///
    /// # Errors
    ///
    /// As for [`send`](Client::send), up to the head; errors in the body come
    /// from the stream.
    ///
    /// # Cancellation
    ///
    /// Dropping the future closes the connection at once.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use http_client::{Client, Request, Url};
    ///
    /// runtime::block_on(async {
    ///     let client = Client::builder()
    ///         .max_body_bytes(0) // no limit: the body is not kept
    ///         .total_timeout(Duration::from_secs(3600))
    ///         .build();
    ///     let url = Url::parse("http://example.com/big.iso")?;
    ///     let mut body = client.send_streaming(Request::get(url)).await?;
    ///     let mut sum = 0u64;
    ///     while let Some(chunk) = body.chunk().await? {
    ///         sum = chunk.iter().fold(sum, |s, &b| s.wrapping_add(u64::from(b)));
    ///     }
    ///     println!("{} {sum}", body.status());
    ///     Ok::<_, Box<dyn std::error::Error>>(())
    /// })?;
    /// # Ok::<_, Box<dyn std::error::Error>>(())
    /// ```
    pub async fn send_streaming(&self, request: Request) -> Result<BodyStream> {
        let total = self.config.total_timeout;
        let deadline = Instant::now()
            .checked_add(total)
            .map(|at| Deadline { at, total });
        // The server being talked to when the total deadline passes.
        let current = RefCell::new(request.url().authority());
        match timeout(total, self.follow(request, &current, deadline)).await {
            Ok(result) => result,
            Err(_elapsed) => Err(Error::Timeout {
                phase: TimeoutPhase::Total,
                authority: current.into_inner(),
                after: total,
            }),
        }
    }

    /// Sends `request`, then each redirect it leads to, within the limit.
    async fn follow(
        &self,
        mut request: Request,
        current: &RefCell<String>,
        deadline: Option<Deadline>,
    ) -> Result<BodyStream> {
        let followable = [Method::GET, Method::HEAD].contains(request.method());
        let mut followed = 0;
        loop {
            *current.borrow_mut() = request.url().authority();
            let response = self.fetch_once(&request, deadline).await?;
            if !followable || self.config.max_redirects == 0 || !is_redirect(response.status()) {
                return Ok(response);
            }
            let next = match redirect_target(request.url(), &response)? {
                Some(url) => url,
                None => return Ok(response), // a redirect status without a target
            };
            if followed == self.config.max_redirects {
                return Err(Error::TooManyRedirects {
                    limit: self.config.max_redirects,
                    last: next,
                });
            }
            followed += 1;
            request = request.redirected(next);
        }
    }

    /// One request, no redirects: its head and body stream. It goes out on
    /// a pooled connection if there is one; if that connection turns out
    /// to have been closed by the server (nothing came back), an
    /// idempotent request goes out once more on a new connection.
    async fn fetch_once(
        &self,
        request: &Request,
        deadline: Option<Deadline>,
    ) -> Result<BodyStream> {
        let proxy = self.proxies.route(request.url())?;
        let key = PoolKey::of(request.url(), proxy);
        let idempotent = request.method().is_idempotent();
        if let Some((transport, lease)) = self.pool.checkout(&key, !idempotent) {
            let connection =
                Connection::routed(transport, request.url(), proxy).with_lease(Some(lease), true);
            match self.exchange(connection, request, deadline).await {
                Ok(body) => return refuse_proxy_407(body, request, proxy),
                Err(ExchangeError {
                    error,
                    nothing_received: true,
                }) => {
                    if !idempotent {
                        return Err(Error::ReusedConnectionClosed {
                            method: request.method().clone(),
                            authority: request.url().authority(),
                            source: Box::new(error),
                        });
                    }
                    self.pool.count_replayed();
                }
                Err(failed) => return Err(failed.error),
            }
        }
        let connection = connect_with(request.url(), proxy, &self.config.connect, &self.tls)
            .await?
            .with_lease(self.pool.lease(key), false);
        self.pool.count_opened(connection.tls_resumed());
        let body = self
            .exchange(connection, request, deadline)
            .await
            .map_err(|failed| failed.error)?;
        refuse_proxy_407(body, request, proxy)
    }

    /// Sends `request` on `connection` with this client's timeouts and
    /// limits and reads the head of its response.
    async fn exchange(
        &self,
        mut connection: Connection,
        request: &Request,
        deadline: Option<Deadline>,
    ) -> std::result::Result<BodyStream, ExchangeError> {
        connection.set_idle_timeout(self.config.idle_timeout);
        connection.set_limits(self.config.limits);
        connection.set_accept(self.config.accept);
        if let Some(deadline) = deadline {
            connection.set_deadline(deadline);
        }
        connection.exchange(request).await
    }
}

/// A 407 from the proxy an `http://` request went through, as the error it
/// is (for `https://`, the tunnel's `CONNECT` gets it). Without a proxy, a
/// 407 is just a status the origin sent.
fn refuse_proxy_407(
    body: BodyStream,
    request: &Request,
    proxy: Option<&ProxyTarget>,
) -> Result<BodyStream> {
    match proxy {
        Some(proxy) if body.status() == 407 && request.url().scheme() == Scheme::Http => {
            Err(Error::ProxyAuthentication {
                proxy: proxy.authority(),
                sent_credentials: proxy.has_credentials(),
            })
        }
        _ => Ok(body),
    }
}

/// Whether `status` asks to follow `Location` (as [`Response::is_redirect`]).
fn is_redirect(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}

/// Where a redirect response points, resolved against the request URL.
fn redirect_target(base: &Url, response: &BodyStream) -> Result<Option<Url>> {
    let Some(location) = response.headers().get_str("location") else {
        return match response.header("location") {
            None => Ok(None),
            Some(raw) => Err(Error::RedirectRefused {
                location: String::from_utf8_lossy(raw).into_owned(),
                reason: "the Location header is not valid UTF-8".into(),
            }),
        };
    };
    base.join(location)
        .map(Some)
        .map_err(|e| Error::RedirectRefused {
            location: location.to_owned(),
            reason: e.to_string(),
        })
}

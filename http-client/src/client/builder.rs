//! [`ClientBuilder`]: a [`Client`]'s settings — timeouts, limits,
//! redirects, the pool, how to connect (Happy Eyeballs, resolve overrides),
//! proxies and TLS trust — each a method named as reqwest names it, and
//! `build`, which turns them into the client once.

use std::net::SocketAddr;
#[cfg(feature = "tls")]
use std::sync::Arc;
use std::time::Duration;

use super::{Client, Config};
use crate::pool::Pool;
use crate::proxy::ProxySource;
#[cfg(feature = "tls")]
use crate::transport::TlsOptions;
#[cfg(not(feature = "tls"))]
use crate::transport::TlsSettings;
#[cfg(feature = "tls")]
use crate::{Error, Result};
use crate::{Limits, Proxy};

/// Builds a [`Client`]; from [`Client::builder`].
#[derive(Debug, Clone)]
#[must_use = "call .build() to get the client"]
pub struct ClientBuilder {
    pub(super) config: Config,
    /// The environment's proxies, or those given.
    pub(super) proxies: ProxySource,
    #[cfg(feature = "tls")]
    pub(super) tls: TlsOptions,
}

impl ClientBuilder {
    /// Deadline for name resolution and the TCP handshake together, and
    /// for `https://` the TLS handshake too.
    pub fn connect_timeout(mut self, limit: Duration) -> Self {
        self.config.connect.timeout = limit;
        self
    }

    /// How long a connection attempt to one of a host's addresses runs
    /// before an attempt to the next address starts beside it (RFC 8305's
    /// "Connection Attempt Delay"; default 250 ms,
    /// [`DEFAULT_HAPPY_EYEBALLS_DELAY`](crate::DEFAULT_HAPPY_EYEBALLS_DELAY)).
    ///
    /// A name with an IPv6 and an IPv4 address whose IPv6 path drops
    /// packets would otherwise spend the whole connect timeout on the
    /// first address. Instead the addresses race, Happy Eyeballs style:
    /// the families alternate (starting with the resolver's first choice),
    /// each attempt starts this long after the previous one or at once when
    /// one fails, earlier attempts keep running, the first connection made
    /// wins and the others are closed. The TLS handshake runs on the winner
    /// only, and the [`connect_timeout`](ClientBuilder::connect_timeout)
    /// bounds the whole race. `Duration::ZERO` starts every attempt at
    /// once; `Duration::MAX` tries one address at a time.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let client = http_client::Client::builder()
    ///     .happy_eyeballs_delay(Duration::from_millis(100))
    ///     .build();
    /// # drop(client);
    /// ```
    pub fn happy_eyeballs_delay(mut self, delay: Duration) -> Self {
        self.config.connect.happy_eyeballs_delay = delay;
        self
    }

    /// Makes `host` resolve to `addr` for this client, without asking the
    /// resolver, as reqwest's method of this name and curl's `--resolve`.
    /// The port of `addr` is ignored: the URL's port is used. See
    /// [`resolve_to_addrs`](ClientBuilder::resolve_to_addrs) for several.
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
    ///     #     let _ = s.read(&mut [0; 1024]).await;
    ///     #     s.write_all(b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok").await.unwrap();
    ///     # });
    ///     // No such name in DNS: the client is told where it is.
    ///     let client = http_client::Client::builder()
    ///         .resolve("staging.example", "127.0.0.1:0".parse()?)
    ///         .build();
    ///     let response = client.get(format!("http://staging.example:{port}/")).await?;
    ///     assert_eq!(response.text()?, "ok");
    ///     Ok::<_, Box<dyn std::error::Error>>(())
    /// })?;
    /// # Ok::<_, Box<dyn std::error::Error>>(())
    /// ```
    pub fn resolve(self, host: &str, addr: SocketAddr) -> Self {
        self.resolve_to_addrs(host, &[addr])
    }

    /// Makes `host` (any case) resolve to `addrs`, in that order, without
    /// asking the resolver: they are raced as the resolver's addresses
    /// would be (see [`happy_eyeballs_delay`](ClientBuilder::happy_eyeballs_delay)).
    /// The ports of `addrs` are ignored: the URL's port is used. A later
    /// call for the same host replaces the addresses; an empty list makes
    /// the host fail with [`Error::NoAddresses`].
    ///
    /// # Examples
    ///
    /// ```
    /// let client = http_client::Client::builder()
    ///     .resolve_to_addrs("dual.example", &["[::1]:0".parse()?, "127.0.0.1:0".parse()?])
    ///     .build();
    /// # drop(client);
    /// # Ok::<(), std::net::AddrParseError>(())
    /// ```
    pub fn resolve_to_addrs(mut self, host: &str, addrs: &[SocketAddr]) -> Self {
        self.config.connect.overrides.insert(host, addrs);
        self
    }

    /// Sends requests through `proxy` (for the URLs it is for, except its
    /// no-proxy hosts), instead of the proxies the environment names. Call
    /// it again to add another: for each request, the first proxy that
    /// applies is used, and a request no proxy applies to goes directly.
    ///
    /// The environment (`http_proxy`, `HTTPS_PROXY`, `ALL_PROXY`,
    /// `NO_PROXY`, read as curl reads them; uppercase `HTTP_PROXY` is
    /// ignored on purpose) is used when this is never called and
    /// [`no_proxy`](ClientBuilder::no_proxy) is not either. See the
    /// `proxy` section of the crate docs for what goes over the wire.
    ///
    /// # Examples
    ///
    /// ```
    /// use http_client::{Client, Proxy};
    ///
    /// let client = Client::builder()
    ///     .proxy(Proxy::https("http://user:secret@proxy.example:3128")?)
    ///     .proxy(Proxy::http("http://plain-proxy.example:8080")?.no_proxy(".internal")?)
    ///     .build();
    /// # drop(client);
    /// # Ok::<(), http_client::Error>(())
    /// ```
    pub fn proxy(mut self, proxy: Proxy) -> Self {
        match &mut self.proxies {
            ProxySource::Given(proxies) => proxies.push(proxy),
            ProxySource::Environment => self.proxies = ProxySource::Given(vec![proxy]),
        }
        self
    }

    /// Uses no proxy: forgets those given so far with
    /// [`proxy`](ClientBuilder::proxy), and ignores the environment's
    /// (`http_proxy`, `HTTPS_PROXY`, ...). Every request goes directly.
    ///
    /// # Examples
    ///
    /// ```
    /// // Whatever the environment says, talk to the server itself.
    /// let client = http_client::Client::builder().no_proxy().build();
    /// # drop(client);
    /// ```
    pub fn no_proxy(mut self) -> Self {
        self.proxies = ProxySource::Given(Vec::new());
        self
    }

    /// Longest time without a byte received (or accepted for sending).
    pub fn idle_timeout(mut self, limit: Duration) -> Self {
        self.config.idle_timeout = limit;
        self
    }

    /// Deadline for the whole request, redirects included, so that a server
    /// trickling one byte at a time cannot hold a request forever.
    pub fn total_timeout(mut self, limit: Duration) -> Self {
        self.config.total_timeout = limit;
        self
    }

    /// Most idle connections the pool keeps per host (scheme, host and
    /// port); beyond it, the oldest idle one closes. 0 turns the pool off:
    /// every request then opens its own connection and asks for
    /// `Connection: close`, as HTTP/1.0 does. Default: no limit
    /// ([`DEFAULT_POOL_MAX_IDLE_PER_HOST`](crate::DEFAULT_POOL_MAX_IDLE_PER_HOST)).
    pub fn pool_max_idle_per_host(mut self, count: usize) -> Self {
        self.config.pool.max_idle_per_host = count;
        self
    }

    /// How long a connection may stay idle in the pool before it is
    /// closed (less if the server's `Keep-Alive: timeout=N` says so).
    /// Default 30 s ([`DEFAULT_POOL_IDLE_TIMEOUT`](crate::DEFAULT_POOL_IDLE_TIMEOUT)).
    pub fn pool_idle_timeout(mut self, limit: Duration) -> Self {
        self.config.pool.idle_timeout = limit;
        self
    }

    /// All response limits at once.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.config.limits = limits;
        self
    }

    /// Largest header section (status line included) accepted, in bytes.
    pub fn max_header_bytes(mut self, bytes: usize) -> Self {
        self.config.limits = self.config.limits.with_max_header_bytes(bytes);
        self
    }

    /// Most header fields accepted.
    pub fn max_headers(mut self, count: usize) -> Self {
        self.config.limits = self.config.limits.with_max_headers(count);
        self
    }

    /// Largest body accepted, in bytes, by [`Client::send`] and by the
    /// streams of [`Client::send_streaming`] alike; 0 means no limit (for a
    /// streamed body, whose memory is bounded by the stream's buffer). A
    /// declared `Content-Length` above it fails before the body is read.
    pub fn max_body_bytes(mut self, bytes: u64) -> Self {
        self.config.limits = self.config.limits.with_max_body_bytes(bytes);
        self
    }

    /// With `true`, asks for gzip-compressed bodies (`Accept-Encoding:
    /// gzip`, with `deflate` if that is on too) and decodes a response
    /// with `Content-Encoding: gzip` as its body streams: [`BodyStream::chunk`],
    /// its `AsyncRead` and [`Response::body`] give the decoded bytes. Off by
    /// default, as in reqwest (curl's `--compressed`).
    ///
    /// A decoded response loses its `Content-Encoding` and `Content-Length`
    /// headers (they describe the compressed bytes), so
    /// [`BodyStream::content_length`] is `None`; the body limit
    /// ([`max_body_bytes`](ClientBuilder::max_body_bytes)) bounds the
    /// decoded bytes as well as the compressed ones, so a decompression
    /// bomb stops there ([`Error::Decode`]), and memory stays one 32 KiB
    /// buffer more than for a plain body. A request that sets its own
    /// `Accept-Encoding` keeps it (its gzip answer is still decoded); a
    /// request with a `Range` header asks for nothing and decodes nothing,
    /// since a part of a compressed body cannot be decoded alone.
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
    ///     #     let mut request = [0; 1024];
    ///     #     let n = s.read(&mut request).await.unwrap();
    ///     #     assert!(String::from_utf8_lossy(&request[..n]).contains("Accept-Encoding: gzip\r\n"));
    ///     #     // "hello", gzipped.
    ///     #     let gz = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xcb\x48\xcd\xc9\xc9\x07\x00\x86\xa6\x10\x36\x05\x00\x00\x00";
    ///     #     s.write_all(b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 25\r\n\r\n").await.unwrap();
    ///     #     s.write_all(gz).await.unwrap();
    ///     # });
    ///     let client = http_client::Client::builder().gzip(true).build();
    ///     let response = client.get(format!("http://127.0.0.1:{port}/")).await?;
    ///     assert_eq!(response.text()?, "hello"); // sent as 25 gzipped bytes
    ///     assert_eq!(response.header("content-encoding"), None);
    ///     Ok::<_, Box<dyn std::error::Error>>(())
    /// })?;
    /// # Ok::<_, Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// [`BodyStream::chunk`]: crate::BodyStream::chunk
    /// [`BodyStream::content_length`]: crate::BodyStream::content_length
    /// [`Response::body`]: crate::Response::body
    /// [`Error::Decode`]: crate::Error::Decode
    #[cfg(feature = "gzip")]
    #[cfg_attr(docsrs, doc(cfg(feature = "gzip")))]
    pub fn gzip(mut self, enable: bool) -> Self {
        self.config.accept.gzip = enable;
        self
    }

    /// With `true`, asks for deflate-compressed bodies (`Accept-Encoding:
    /// deflate`, after `gzip` if that is on too) and decodes a response
    /// with `Content-Encoding: deflate` (zlib data, or raw deflate data as
    /// some servers send) as its body streams; as [`gzip`](ClientBuilder::gzip)
    /// in every other way. Off by default.
    ///
    /// # Examples
    ///
    /// ```
    /// // curl's --compressed: both codings.
    /// let client = http_client::Client::builder().gzip(true).deflate(true).build();
    /// # drop(client);
    /// ```
    #[cfg(feature = "gzip")]
    #[cfg_attr(docsrs, doc(cfg(feature = "gzip")))]
    pub fn deflate(mut self, enable: bool) -> Self {
        self.config.accept.deflate = enable;
        self
    }

    /// How many redirects `GET` and `HEAD` follow; 0 returns 3xx responses
    /// as they are. Credentials (the URL's, `Authorization`, `Cookie`)
    /// follow a redirect only to the same scheme, host and port.
    pub fn max_redirects(mut self, count: u32) -> Self {
        self.config.max_redirects = count;
        self
    }

    /// Trusts the certificates in `pem` (one or more `-----BEGIN
    /// CERTIFICATE-----` blocks; other blocks are skipped) as roots, besides
    /// webpki-roots and `SSL_CERT_FILE`: for a private CA, or a self-signed
    /// server. The `fetch` example's `--cacert FILE` is this.
    ///
    /// # Errors
    ///
    /// [`Error::RootCertificates`] if `pem` holds no certificate, a
    /// malformed one, or one that cannot serve as a root.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// let pem = std::fs::read("my-ca.pem")?;
    /// let client = http_client::Client::builder().add_root_certificate(&pem)?.build();
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg(feature = "tls")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tls")))]
    pub fn add_root_certificate(mut self, pem: &[u8]) -> Result<Self> {
        let failed = |source| Error::RootCertificates {
            origin: "PEM data".into(),
            source,
        };
        let certificates = crate::transport::config::parse_pem_certificates(pem).map_err(failed)?;
        crate::transport::config::check_roots(&certificates).map_err(failed)?;
        self.tls.extra_roots.extend(certificates);
        Ok(self)
    }

    /// Uses `config` for every `https://` connection, as it is: its roots,
    /// verifier, protocol versions, ALPN and client certificate. It takes
    /// precedence over [`add_root_certificate`](ClientBuilder::add_root_certificate)
    /// and [`danger_accept_invalid_certs`](ClientBuilder::danger_accept_invalid_certs).
    #[cfg(feature = "tls")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tls")))]
    pub fn tls_config(mut self, config: Arc<rustls::ClientConfig>) -> Self {
        self.tls.config = Some(config);
        self
    }

    /// With `true`, accepts **any** server certificate — expired,
    /// self-signed, for another name — so the connection is encrypted but
    /// the server is not authenticated, and anyone in the middle can read
    /// and change everything. For testing against a server whose
    /// certificate you cannot fix; the `fetch` example's `-k, --insecure`.
    ///
    /// The handshake's signatures are still verified. This is the only way
    /// to turn verification off.
    #[cfg(feature = "tls")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tls")))]
    pub fn danger_accept_invalid_certs(mut self, accept: bool) -> Self {
        self.tls.accept_invalid_certs = accept;
        self
    }

    /// The client. This builds its TLS configuration, once: a failure to
    /// load the roots named by `SSL_CERT_FILE` is reported by each
    /// `https://` request (`Error::RootCertificates`), while `http://`
    /// requests work. Unless [`proxy`](ClientBuilder::proxy) or
    /// [`no_proxy`](ClientBuilder::no_proxy) was called, it reads the
    /// proxy variables of the environment now; one that does not parse
    /// is reported by each request it would apply to
    /// ([`Error::InvalidProxy`]).
    pub fn build(self) -> Client {
        #[cfg(feature = "tls")]
        let tls = self.tls.build();
        #[cfg(not(feature = "tls"))]
        let tls = TlsSettings::default_for_process();
        Client {
            proxies: self.proxies.build(),
            pool: Pool::new(self.config.pool),
            config: self.config,
            tls,
        }
    }
}

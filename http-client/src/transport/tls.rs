//! [`TlsStream`]: TLS over the runtime's non-blocking [`TcpStream`], with
//! rustls doing the protocol and this file doing the I/O.
//!
//! # Driving a sans-I/O protocol over a non-blocking socket
//!
//! rustls never touches a socket. A [`rustls::ClientConnection`] is a state
//! machine with two byte queues and four questions:
//!
//! ```text
//!              plaintext side                        ciphertext side
//!   writer().write(request) ──► ┌──────────────────┐ ──► write_tls(socket)  wants_write()?
//!                               │ ClientConnection │
//!   reader().read(buf) ◄─────── └──────────────────┘ ◄── read_tls(socket)   wants_read()?
//!                                        ▲
//!                              process_new_packets(): decrypt what read_tls
//!                              buffered, verify, queue replies
//! ```
//!
//! Whoever owns the socket moves ciphertext between it and the state
//! machine. Here is that dance with no socket at all — a client and a
//! server session, and one `Vec` as the network between them:
//!
//! ```
//! use std::io::{Read, Write};
//! use std::sync::Arc;
//! use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
//!
//! // A certificate for "localhost", trusted by the client.
//! let key = rcgen::KeyPair::generate()?;
//! let cert = rcgen::CertificateParams::new(vec!["localhost".to_owned()])?.self_signed(&key)?;
//! let provider = http_client::transport::crypto_provider();
//! let mut roots = rustls::RootCertStore::empty();
//! roots.add(cert.der().clone())?;
//! let client_config = rustls::ClientConfig::builder_with_provider(provider.clone())
//!     .with_safe_default_protocol_versions()?
//!     .with_root_certificates(roots)
//!     .with_no_client_auth();
//! let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
//! let server_config = rustls::ServerConfig::builder_with_provider(provider)
//!     .with_safe_default_protocol_versions()?
//!     .with_no_client_auth()
//!     .with_single_cert(vec![cert.der().clone()], key)?;
//! let name = ServerName::try_from("localhost")?;
//! let mut client = rustls::ClientConnection::new(Arc::new(client_config), name)?;
//! let mut server = rustls::ServerConnection::new(Arc::new(server_config))?;
//!
//! // Plaintext written before the handshake waits inside the session.
//! client.writer().write_all(b"GET / HTTP/1.0\r\n\r\n")?;
//! let mut wire = Vec::new();
//! let mut request = Vec::new();
//! for _turn in 0..5 {
//!     // Client to server: every record it wants sent, then processed.
//!     while client.wants_write() {
//!         client.write_tls(&mut wire)?;
//!     }
//!     let mut incoming = &wire[..];
//!     while !incoming.is_empty() {
//!         server.read_tls(&mut incoming)?;
//!         server.process_new_packets()?;
//!     }
//!     wire.clear();
//!     // Server to client, the same way.
//!     while server.wants_write() {
//!         server.write_tls(&mut wire)?;
//!     }
//!     let mut incoming = &wire[..];
//!     while !incoming.is_empty() {
//!         client.read_tls(&mut incoming)?;
//!         client.process_new_packets()?;
//!     }
//!     wire.clear();
//!     // Whatever the server decrypted so far.
//!     let mut buf = [0; 64];
//!     while let Ok(n) = server.reader().read(&mut buf) {
//!         if n == 0 {
//!             break;
//!         }
//!         request.extend_from_slice(&buf[..n]);
//!     }
//! }
//! assert!(!client.is_handshaking());
//! assert_eq!(request, b"GET / HTTP/1.0\r\n\r\n");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Between two sessions in memory every call succeeds at once. With a
//! blocking socket the loops are the same; with our non-blocking
//! one every move can stop at `WouldBlock`, and the rule that makes it work
//! is: **a `WouldBlock` from the socket becomes `Poll::Pending`, and the
//! socket has then stored the task's waker for that direction.** The
//! adapter `SyncIo` does exactly that translation, so rustls' `io::Read`
//! and `io::Write` calls can run inside a `poll_*` function:
//!
//! ```text
//!   rustls ──read_tls(&mut SyncIo)──► SyncIo::read ──► TcpStream::poll_read(cx)
//!                                                        Ready(n)  → Ok(n)
//!                                                        Pending   → Err(WouldBlock)
//! ```
//!
//! Each operation is then a loop that either makes progress or returns:
//!
//! - **Handshake** (`handshake.rs`): send what rustls queued (the
//!   `ClientHello`), read the server's flight, `process_new_packets`, repeat
//!   until `is_handshaking()` is false. A write that blocks waits for
//!   writability; a read that blocks waits for readability.
//! - **Read** ([`poll_read`](TlsStream::poll_read)): hand out plaintext
//!   rustls already decrypted; if there is none, first flush anything rustls
//!   wants to send — *a TLS read can need a write* (a key update, an alert)
//!   — then read ciphertext, process it, and look again.
//! - **Write** ([`poll_write`](TlsStream::poll_write)): first push out the
//!   ciphertext already queued (so the queue is bounded and the caller feels
//!   the socket's back-pressure), then hand rustls the plaintext, which it
//!   encrypts into new records, and start sending those.
//! - **Close** ([`poll_close`](TlsStream::poll_close)): queue a
//!   `close_notify` alert, flush it, then shut the TCP write half.
//!
//! Both directions can wait at once: a read that first flushes registers
//! the task for writability *and* readability, and whichever comes first
//! wakes it. Nothing is lost by returning `Pending` midway, because rustls
//! keeps every byte it has accepted.
//!
//! # Truncation
//!
//! TLS protects the end of a stream too: a server ends cleanly by sending
//! `close_notify` before closing. A TCP close without it may be an attacker
//! cutting the connection, so [`poll_read`](TlsStream::poll_read) reports it
//! as an error of kind [`io::ErrorKind::UnexpectedEof`], not as the end of
//! the stream (`Ok(0)`, which only a `close_notify` gives). The HTTP layer
//! then decides: a body framed by `Content-Length` or chunks is judged by
//! its framing, and only a body that ends at the close fails (with
//! [`Error::TlsTruncated`](crate::Error::TlsTruncated)).

use std::fmt;
use std::future::poll_fn;
use std::io::{self, Read as _, Write as _};
use std::net::Shutdown;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker, ready};

use runtime::net::TcpStream;
use rustls::pki_types::CertificateDer;
use rustls::{ClientConfig, ClientConnection};

use super::handshake::Handshake;
use crate::Url;

/// The message of the error [`TlsStream::poll_read`] returns when the
/// server closes the connection without `close_notify`.
const NO_CLOSE_NOTIFY: &str = "connection closed without TLS close_notify";

/// A client-side TLS session over a [`TcpStream`], after its handshake.
///
/// Get one from [`TlsStream::connect`]; [`crate::connect`] does that for an
/// `https://` URL. Reads and writes work like the plain stream's:
/// [`poll_read`](TlsStream::poll_read) and [`poll_write`](TlsStream::poll_write)
/// for hand-written futures, [`read`](TlsStream::read),
/// [`write_all`](TlsStream::write_all), [`flush`](TlsStream::flush) and
/// [`close`](TlsStream::close) as `async` methods, and with the
/// `futures-io` feature (on by default) `futures_io::AsyncRead` and
/// `AsyncWrite`. See the [module documentation](self) for how it drives
/// rustls.
///
/// Dropping the stream sends `close_notify` if the socket takes it at once,
/// then closes the socket.
///
/// # Examples
///
/// ```no_run
/// use std::sync::Arc;
/// use http_client::{TlsStream, Url};
/// use runtime::net::TcpStream;
///
/// // A config of your own: here webpki-roots and the `ring` provider.
/// let mut roots = rustls::RootCertStore::empty();
/// roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
/// let provider = http_client::transport::crypto_provider();
/// let config = rustls::ClientConfig::builder_with_provider(provider)
///     .with_safe_default_protocol_versions()?
///     .with_root_certificates(roots)
///     .with_no_client_auth();
/// let config = Arc::new(config);
///
/// runtime::block_on(async {
///     let url = Url::parse("https://example.com/")?;
///     let tcp = TcpStream::connect_host("example.com:443").await?;
///     let mut tls = TlsStream::connect(tcp, &url, config).await?;
///     tls.write_all(b"GET / HTTP/1.0\r\nHost: example.com\r\n\r\n").await?;
///     let mut buf = [0; 1024];
///     let n = tls.read(&mut buf).await?;
///     println!("{}", String::from_utf8_lossy(&buf[..n]));
///     tls.close().await?;
///     Ok::<_, Box<dyn std::error::Error>>(())
/// })?;
/// # Ok::<_, Box<dyn std::error::Error>>(())
/// ```
pub struct TlsStream {
    tcp: TcpStream,
    tls: ClientConnection,
    /// `close_notify` has been queued; it is never queued twice.
    closing: bool,
    /// The handshake's last flight is still queued: the next write joins
    /// it, and both leave in one `sendmsg` (see `handshake.rs`).
    first_write_joins_queue: bool,
}

impl TlsStream {
    /// Starts a TLS session with the server at the other end of `tcp`,
    /// verifying that its certificate is valid for `url`'s host (SNI is
    /// sent for a name; an IP literal is checked against the certificate's
    /// IP addresses). The future completes once the handshake has.
    ///
    /// # Errors
    ///
    /// The future fails with the [`Error`](crate::Error) that says what
    /// went wrong: [`CertificateNameMismatch`](crate::Error::CertificateNameMismatch),
    /// [`CertificateExpired`](crate::Error::CertificateExpired),
    /// [`UnknownIssuer`](crate::Error::UnknownIssuer),
    /// [`NotTls`](crate::Error::NotTls) for a server that answers with
    /// something other than TLS, and
    /// [`TlsHandshake`](crate::Error::TlsHandshake) for anything else.
    /// It has no deadline of its own: wrap it in `runtime::time::timeout`.
    ///
    /// # Cancellation
    ///
    /// Dropping the future closes the socket mid-handshake.
    pub fn connect(tcp: TcpStream, url: &Url, config: Arc<ClientConfig>) -> Handshake {
        Handshake::new(tcp, url, config, false)
    }

    /// [`connect`](TlsStream::connect) for a caller that writes at once: the
    /// handshake's last flight (TLS 1.3's client `Finished`) is left queued
    /// and goes out with that first write, in one segment.
    pub(crate) fn connect_then_write(
        tcp: TcpStream,
        url: &Url,
        config: Arc<ClientConfig>,
    ) -> Handshake {
        Handshake::new(tcp, url, config, true)
    }

    /// Called by the handshake that leaves its last flight queued.
    pub(super) fn defer_queued_to_first_write(&mut self) {
        self.first_write_joins_queue = self.tls.wants_write();
    }

    pub(super) fn new(tcp: TcpStream, tls: ClientConnection) -> TlsStream {
        TlsStream {
            tcp,
            tls,
            closing: false,
            first_write_joins_queue: false,
        }
    }

    /// Reads decrypted bytes into `buf`; `Ok(0)` means the server sent
    /// `close_notify` (the end of the stream) or `buf` is empty. The shape of
    /// `futures::io::AsyncRead::poll_read`.
    ///
    /// # Errors
    ///
    /// [`io::ErrorKind::UnexpectedEof`] if the server closed the TCP
    /// connection without `close_notify`; [`io::ErrorKind::InvalidData`]
    /// wrapping a [`rustls::Error`] if its records are corrupt or it sent a
    /// fatal alert; the socket's own errors.
    pub fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        loop {
            match this.tls.reader().read(buf) {
                Ok(n) => return Poll::Ready(Ok(n)),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                    return Poll::Ready(Err(io::Error::new(e.kind(), NO_CLOSE_NOTIFY)));
                }
                Err(e) => return Poll::Ready(Err(e)),
            }
            // No plaintext yet. Anything rustls wants sent first (a reply
            // to a key update, an alert) goes out now; if the socket is
            // full, reading can still go ahead, and the write waker will
            // bring us back.
            if let Poll::Ready(Err(e)) = this.poll_send_tls(cx) {
                return Poll::Ready(Err(e));
            }
            // Read one batch of ciphertext and decrypt it. At the end of
            // the stream rustls notes the close; the `read` above then says
            // whether it was clean.
            ready!(this.poll_recv_tls(cx, None))?;
        }
    }

    /// Encrypts some of `buf` for sending; returns how many bytes it took.
    /// The shape of `futures::io::AsyncWrite::poll_write`.
    ///
    /// The bytes may still sit in the session's send queue when this
    /// returns: [`poll_flush`](TlsStream::poll_flush) (or the next write,
    /// read or close) sends them.
    ///
    /// # Errors
    ///
    /// The socket's errors (`BrokenPipe`, `ConnectionReset`), or `WriteZero`
    /// once [`close`](TlsStream::close) has begun.
    pub fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.closing {
            return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
        }
        // Earlier records go first, so the queue stays bounded by what one
        // call adds and a slow server slows the caller down; only the
        // handshake's deferred last flight waits to leave with this write.
        if !std::mem::take(&mut this.first_write_joins_queue) {
            ready!(this.poll_send_tls(cx))?;
        }
        let n = this.tls.writer().write(buf)?;
        // Start sending at once; a full socket finishes it later.
        if let Poll::Ready(Err(e)) = this.poll_send_tls(cx) {
            return Poll::Ready(Err(e));
        }
        Poll::Ready(Ok(n))
    }

    /// Sends every encrypted byte still queued. The shape of
    /// `futures::io::AsyncWrite::poll_flush`.
    ///
    /// # Errors
    ///
    /// The socket's errors.
    pub fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().poll_send_tls(cx)
    }

    /// Sends `close_notify`, flushes it, and shuts the TCP write half, so
    /// the server reads a clean end of stream. Reading stays possible. The
    /// shape of `futures::io::AsyncWrite::poll_close`.
    ///
    /// # Errors
    ///
    /// The socket's errors.
    pub fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if !this.closing {
            this.tls.send_close_notify();
            this.closing = true;
        }
        ready!(this.poll_send_tls(cx))?;
        match this.tcp.shutdown(Shutdown::Write) {
            // The server may have closed first; the close is done either way.
            Err(e) if e.kind() != io::ErrorKind::NotConnected => Poll::Ready(Err(e)),
            _ => Poll::Ready(Ok(())),
        }
    }

    /// Reads decrypted bytes into `buf`; see [`poll_read`](TlsStream::poll_read).
    ///
    /// # Errors
    ///
    /// As for [`poll_read`](TlsStream::poll_read).
    ///
    /// # Cancellation
    ///
    /// Dropping the future loses nothing: ciphertext already read stays in
    /// the session, decrypted or not.
    pub async fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        poll_fn(|cx| Pin::new(&mut *self).poll_read(cx, buf)).await
    }

    /// Writes all of `buf` and flushes it to the socket.
    ///
    /// # Errors
    ///
    /// As for [`poll_write`](TlsStream::poll_write).
    ///
    /// # Cancellation
    ///
    /// Dropping the future midway leaves an unknown prefix of `buf` sent.
    pub async fn write_all(&mut self, mut buf: &[u8]) -> io::Result<()> {
        while !buf.is_empty() {
            let n = poll_fn(|cx| Pin::new(&mut *self).poll_write(cx, buf)).await?;
            if n == 0 {
                return Err(io::ErrorKind::WriteZero.into());
            }
            buf = &buf[n..];
        }
        self.flush().await
    }

    /// Sends every encrypted byte still queued; see
    /// [`poll_flush`](TlsStream::poll_flush).
    ///
    /// # Errors
    ///
    /// The socket's errors.
    pub async fn flush(&mut self) -> io::Result<()> {
        poll_fn(|cx| Pin::new(&mut *self).poll_flush(cx)).await
    }

    /// Ends the session cleanly; see [`poll_close`](TlsStream::poll_close).
    ///
    /// # Errors
    ///
    /// The socket's errors.
    pub async fn close(&mut self) -> io::Result<()> {
        poll_fn(|cx| Pin::new(&mut *self).poll_close(cx)).await
    }

    /// The TCP connection underneath, for its addresses and options.
    pub fn get_ref(&self) -> &TcpStream {
        &self.tcp
    }

    /// The rustls session: the negotiated protocol version and cipher
    /// suite, the server's certificates, ALPN.
    pub fn session(&self) -> &ClientConnection {
        &self.tls
    }

    /// The server's certificate chain, leaf first.
    pub fn peer_certificates(&self) -> &[CertificateDer<'static>] {
        self.tls.peer_certificates().unwrap_or_default()
    }

    /// The negotiated protocol version and cipher suite, and the server
    /// certificate's subject and issuer, as text.
    pub fn info(&self) -> super::TlsInfo {
        super::TlsInfo::of(&self.tls)
    }

    /// Writes queued ciphertext until none is left (`Ready(Ok)`) or the
    /// socket is full (`Pending`, with the write waker stored).
    pub(super) fn poll_send_tls(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.tls.wants_write() {
            let mut socket = SyncIo {
                tcp: &mut self.tcp,
                cx,
                first_byte: None,
            };
            match self.tls.write_tls(&mut socket) {
                Ok(0) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Poll::Pending,
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
        Poll::Ready(Ok(()))
    }

    /// Reads one batch of ciphertext and processes it; `Ready(Ok(0))` at
    /// the end of the stream. If `first_byte` is given and still `None`, the
    /// first byte read is recorded there, for telling a server that speaks
    /// no TLS at all.
    ///
    /// A protocol error is returned as `InvalidData` wrapping the
    /// `rustls::Error`, after one try at sending the alert rustls queued.
    pub(super) fn poll_recv_tls(
        &mut self,
        cx: &mut Context<'_>,
        first_byte: Option<&mut Option<u8>>,
    ) -> Poll<io::Result<usize>> {
        let mut socket = SyncIo {
            tcp: &mut self.tcp,
            cx,
            first_byte,
        };
        let n = match self.tls.read_tls(&mut socket) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Poll::Pending,
            Err(e) => return Poll::Ready(Err(e)),
        };
        if let Err(error) = self.tls.process_new_packets() {
            // Tell the server why (best effort: the error matters more).
            let _ = self.poll_send_tls(cx);
            return Poll::Ready(Err(io::Error::new(io::ErrorKind::InvalidData, error)));
        }
        Poll::Ready(Ok(n))
    }

    /// Whether the session can carry another request on a kept-alive
    /// connection: nothing decrypted is left unread, the server has not
    /// sent `close_notify`, and nothing is queued to send.
    pub(crate) fn is_reusable(&mut self) -> bool {
        if self.closing || self.first_write_joins_queue || self.tls.wants_write() {
            return false;
        }
        // No new bytes are given: this only reports the session's state.
        match self.tls.process_new_packets() {
            Ok(state) => state.plaintext_bytes_to_read() == 0 && !state.peer_has_closed(),
            Err(_) => false,
        }
    }

    /// Whether the handshake resumed an earlier session (no certificate
    /// was sent or verified).
    pub(crate) fn is_resumed(&self) -> bool {
        self.tls.handshake_kind() == Some(rustls::HandshakeKind::Resumed)
    }

    /// Whether the handshake is still going on.
    pub(super) fn is_handshaking(&self) -> bool {
        self.tls.is_handshaking()
    }
}

impl Drop for TlsStream {
    /// Says goodbye with `close_notify` if the socket takes it right away;
    /// never waits.
    fn drop(&mut self) {
        if self.closing || self.tls.is_handshaking() {
            return;
        }
        self.tls.send_close_notify();
        let mut cx = Context::from_waker(Waker::noop());
        // Best effort: a full or broken socket just closes without it.
        let _ = self.poll_send_tls(&mut cx);
    }
}

impl fmt::Debug for TlsStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsStream")
            .field("tcp", &self.tcp)
            .field("protocol", &self.tls.protocol_version())
            .field(
                "cipher_suite",
                &self.tls.negotiated_cipher_suite().map(|s| s.suite()),
            )
            .field("closing", &self.closing)
            .finish()
    }
}

/// The non-blocking socket as the blocking `io::Read` and `io::Write`
/// rustls asks for: `Pending` becomes `WouldBlock`, with the task's waker
/// stored for that direction by the socket itself.
struct SyncIo<'a, 'b, 'c> {
    tcp: &'a mut TcpStream,
    cx: &'a mut Context<'b>,
    /// Where to record the first byte read, if anyone is asking.
    first_byte: Option<&'c mut Option<u8>>,
}

impl io::Read for SyncIo<'_, '_, '_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match Pin::new(&mut *self.tcp).poll_read(self.cx, buf) {
            Poll::Ready(Ok(n)) => {
                if n > 0
                    && let Some(first) = self.first_byte.as_deref_mut()
                {
                    first.get_or_insert(buf[0]);
                }
                Ok(n)
            }
            Poll::Ready(Err(e)) => Err(e),
            Poll::Pending => Err(io::ErrorKind::WouldBlock.into()),
        }
    }
}

impl io::Write for SyncIo<'_, '_, '_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match Pin::new(&mut *self.tcp).poll_write(self.cx, buf) {
            Poll::Ready(result) => result,
            Poll::Pending => Err(io::ErrorKind::WouldBlock.into()),
        }
    }

    /// rustls hands `write_tls` every queued record at once (a handshake
    /// flight is several): one `sendmsg` for them all, not one `send` per
    /// record as the default `write_vectored` would make.
    #[cfg(feature = "futures-io")]
    fn write_vectored(&mut self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        let tcp = Pin::new(&mut *self.tcp);
        match futures_io::AsyncWrite::poll_write_vectored(tcp, self.cx, bufs) {
            Poll::Ready(result) => result,
            Poll::Pending => Err(io::ErrorKind::WouldBlock.into()),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(()) // the kernel sends what it was given
    }
}

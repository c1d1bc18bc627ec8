//! What a [`Connection`](crate::Connection) talks through: the TCP stream
//! itself for `http://`, or a `TlsStream` (module `tls`) over it for
//! `https://` (with the `tls` feature, on by default).
//!
//! The HTTP code above sees one `Transport` with the calls it needs —
//! `poll_read`, `poll_write`, `poll_flush` — and never which
//! kind it has, except for one question only TLS can answer: whether the
//! server ended the stream cleanly (see the `tls` module on truncation).
//!
//! ```text
//!  Connection ──► Transport::Plain(TcpStream)
//!             └─► Transport::Tls(TlsStream) ──► rustls::ClientConnection (sans-I/O)
//!                                           └─► TcpStream
//! ```

#[cfg(feature = "tls")]
pub(crate) mod config;
#[cfg(all(feature = "tls", feature = "futures-io"))]
mod futures_io;
#[cfg(feature = "tls")]
mod handshake;
#[cfg(feature = "tls")]
mod info;
#[cfg(feature = "tls")]
mod insecure;
#[cfg(feature = "tls")]
#[cfg_attr(docsrs, doc(cfg(feature = "tls")))]
pub mod tls;

use std::cell::Cell;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};

use runtime::net::TcpStream;

#[cfg(feature = "tls")]
#[cfg_attr(docsrs, doc(cfg(feature = "tls")))]
pub use config::crypto_provider;
#[cfg(feature = "tls")]
pub(crate) use config::{TlsOptions, TlsSettings};
#[cfg(feature = "tls")]
#[cfg_attr(docsrs, doc(cfg(feature = "tls")))]
pub use handshake::Handshake;
#[cfg(feature = "tls")]
#[cfg_attr(docsrs, doc(cfg(feature = "tls")))]
pub use info::TlsInfo;

use crate::{Result, Scheme, Url};

/// A build without the `tls` feature has no TLS settings.
#[cfg(not(feature = "tls"))]
#[derive(Debug, Clone, Default)]
pub(crate) struct TlsSettings;

#[cfg(not(feature = "tls"))]
impl TlsSettings {
    pub(crate) fn default_for_process() -> TlsSettings {
        TlsSettings
    }
}

/// Fails early, before any name lookup, for an `https://` URL that cannot
/// be served: a build without TLS, or a client whose roots did not load.
pub(crate) fn check(url: &Url, tls: &TlsSettings) -> Result<()> {
    match url.scheme() {
        Scheme::Http => Ok(()),
        #[cfg(feature = "tls")]
        Scheme::Https => tls.config().map(drop),
        #[cfg(not(feature = "tls"))]
        Scheme::Https => {
            let _ = tls;
            Err(crate::Error::TlsNotCompiled)
        }
    }
}

/// The transport for `url` over the connected `tcp`: the socket itself for
/// `http://`, a TLS session after its handshake for `https://`.
/// `handshaking` is set when the handshake starts, so that a deadline that
/// passes can say which step it interrupted.
///
/// # Errors
///
/// As for [`tls::TlsStream::connect`]; [`Error::TlsNotCompiled`] without
/// the `tls` feature.
pub(crate) async fn establish(
    tcp: TcpStream,
    url: &Url,
    tls: &TlsSettings,
    handshaking: &Cell<bool>,
) -> Result<Transport> {
    if url.scheme() == Scheme::Http {
        return Ok(Transport::Plain(tcp));
    }
    #[cfg(feature = "tls")]
    {
        let config = tls.config()?;
        handshaking.set(true);
        // A request is written right after: TLS 1.3's Finished goes with it.
        let stream = tls::TlsStream::connect_then_write(tcp, url, config).await?;
        Ok(Transport::Tls(Box::new(stream)))
    }
    #[cfg(not(feature = "tls"))]
    {
        let _ = (tls, handshaking);
        Err(crate::Error::TlsNotCompiled)
    }
}

/// A connection's byte stream: plain TCP or TLS over TCP.
#[derive(Debug)]
pub(crate) enum Transport {
    /// `http://`: bytes go to the socket as they are.
    Plain(TcpStream),
    /// `https://`: bytes go through a TLS session (boxed: a rustls session
    /// is about a kilobyte, and most of the time this is plain).
    #[cfg(feature = "tls")]
    Tls(Box<tls::TlsStream>),
}

impl Transport {
    /// Reads some bytes; `Ok(0)` at the end of the stream. Over TLS, an end
    /// without `close_notify` is an `UnexpectedEof` error instead.
    pub(crate) fn poll_read(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        match self {
            Transport::Plain(tcp) => Pin::new(tcp).poll_read(cx, buf),
            #[cfg(feature = "tls")]
            Transport::Tls(tls) => Pin::new(&mut **tls).poll_read(cx, buf),
        }
    }

    /// Writes some of `buf`; returns how much it took.
    pub(crate) fn poll_write(
        &mut self,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self {
            Transport::Plain(tcp) => Pin::new(tcp).poll_write(cx, buf),
            #[cfg(feature = "tls")]
            Transport::Tls(tls) => Pin::new(&mut **tls).poll_write(cx, buf),
        }
    }

    /// Sends whatever writes left queued (nothing, for plain TCP).
    pub(crate) fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self {
            Transport::Plain(_) => {
                let _ = cx;
                Poll::Ready(Ok(()))
            }
            #[cfg(feature = "tls")]
            Transport::Tls(tls) => Pin::new(&mut **tls).poll_flush(cx),
        }
    }

    /// Whether the stream can carry another request: for TLS, the session
    /// holds no unread plaintext, has not seen `close_notify`, and has
    /// nothing left to send (plain TCP has no such state; the pool checks
    /// the socket itself).
    pub(crate) fn is_reusable(&mut self) -> bool {
        match self {
            Transport::Plain(_) => true,
            #[cfg(feature = "tls")]
            Transport::Tls(tls) => tls.is_reusable(),
        }
    }

    /// For TLS: whether the handshake resumed an earlier session; `None`
    /// for plain TCP.
    pub(crate) fn tls_resumed(&self) -> Option<bool> {
        match self {
            Transport::Plain(_) => None,
            #[cfg(feature = "tls")]
            Transport::Tls(tls) => Some(tls.is_resumed()),
        }
    }

    /// The TCP socket underneath.
    pub(crate) fn tcp(&self) -> &TcpStream {
        match self {
            Transport::Plain(tcp) => tcp,
            #[cfg(feature = "tls")]
            Transport::Tls(tls) => tls.get_ref(),
        }
    }

    /// The server's address.
    pub(crate) fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.tcp().peer_addr()
    }

    /// The TLS session, if this is one.
    #[cfg(feature = "tls")]
    pub(crate) fn tls(&self) -> Option<&tls::TlsStream> {
        match self {
            Transport::Plain(_) => None,
            Transport::Tls(tls) => Some(tls),
        }
    }
}

//! [`Handshake`]: the future of [`TlsStream::connect`] — send the
//! `ClientHello`, read the server's flight, let rustls verify it, and repeat
//! until the session is established; then hand over the [`TlsStream`].
//!
//! It records the first byte the server sends: a TLS record starts with a
//! content type from 20 to 24, so anything else (an `H` from `HTTP/1.1 400`)
//! means the server does not speak TLS at all, the most common mistake of
//! all (`https://` to a plain HTTP port), and gets a message of its own.

use std::fmt;
use std::future::Future;
use std::io;
use std::ops::RangeInclusive;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use runtime::net::TcpStream;
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection};

use super::tls::TlsStream;
use crate::error::handshake_error;
use crate::{Error, Result, Url};

/// The content types a TLS record can start with: `change_cipher_spec`
/// (20), `alert`, `handshake`, `application_data`, `heartbeat` (24).
const TLS_CONTENT_TYPES: RangeInclusive<u8> = 20..=24;

/// The future returned by [`TlsStream::connect`]: the TLS handshake.
///
/// # Cancellation
///
/// Dropping it closes the socket mid-handshake.
#[must_use = "futures do nothing unless awaited"]
pub struct Handshake {
    /// The session being established; taken when the future completes.
    stream: Option<TlsStream>,
    /// Why it could not even start (an unusable server name or config).
    failed: Option<Error>,
    /// `host:port`, for error messages.
    authority: String,
    /// The first byte the server sent, once it has sent one.
    first_byte: Option<u8>,
}

impl Handshake {
    pub(super) fn new(tcp: TcpStream, url: &Url, config: Arc<ClientConfig>) -> Handshake {
        let authority = url.authority();
        let (stream, failed) = match start(url, config) {
            Ok(tls) => (Some(TlsStream::new(tcp, tls)), None),
            Err(source) => {
                let error = Error::TlsHandshake {
                    authority: authority.clone(),
                    source,
                };
                (None, Some(error))
            }
        };
        Handshake {
            stream,
            failed,
            authority,
            first_byte: None,
        }
    }
}

/// The session for `url`'s host: a DNS name is sent as SNI and checked
/// against the certificate's DNS names; an IP literal is checked against
/// its IP addresses (and, as the RFC says, not sent as SNI).
fn start(url: &Url, config: Arc<ClientConfig>) -> io::Result<ClientConnection> {
    let name = ServerName::try_from(url.host().to_owned()).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{:?} is not a valid DNS name for TLS", url.host()),
        )
    })?;
    ClientConnection::new(config, name)
        .map_err(|error| io::Error::new(io::ErrorKind::InvalidData, error))
}

/// Runs the handshake until it is done (`Ready(Ok)`), fails, or waits.
/// Each turn sends what rustls queued, then reads and processes one batch
/// of the server's bytes; every turn makes progress or returns.
fn drive(
    stream: &mut TlsStream,
    first_byte: &mut Option<u8>,
    cx: &mut Context<'_>,
) -> Poll<io::Result<()>> {
    loop {
        ready!(stream.poll_send_tls(cx))?;
        if !stream.is_handshaking() {
            return Poll::Ready(Ok(()));
        }
        if ready!(stream.poll_recv_tls(cx, Some(&mut *first_byte)))? == 0 {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the server closed the connection",
            )));
        }
    }
}

impl Future for Handshake {
    type Output = Result<TlsStream>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<TlsStream>> {
        let this = self.get_mut();
        if let Some(error) = this.failed.take() {
            return Poll::Ready(Err(error));
        }
        let Some(mut stream) = this.stream.take() else {
            panic!("Handshake polled after completion");
        };
        match drive(&mut stream, &mut this.first_byte, cx) {
            Poll::Pending => {
                this.stream = Some(stream);
                Poll::Pending
            }
            Poll::Ready(Ok(())) => Poll::Ready(Ok(stream)),
            Poll::Ready(Err(source)) => {
                let spoke_tls = this
                    .first_byte
                    .is_none_or(|byte| TLS_CONTENT_TYPES.contains(&byte));
                Poll::Ready(Err(handshake_error(&this.authority, source, spoke_tls)))
            }
        }
    }
}

impl fmt::Debug for Handshake {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handshake")
            .field("authority", &self.authority)
            .field("stream", &self.stream)
            .field("failed", &self.failed)
            .finish()
    }
}

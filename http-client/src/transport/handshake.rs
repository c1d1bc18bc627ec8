//! [`Handshake`]: the future of [`TlsStream::connect`] — send the
//! `ClientHello`, read the server's flight, let rustls verify it, and repeat
//! until the session is established; then hand over the [`TlsStream`].
//!
//! When a request follows at once (the client's own connections), the
//! handshake ends as soon as rustls can send application data, leaving its
//! last flight queued: in TLS 1.3 that is the client's `Finished`, which
//! then leaves in the same `sendmsg`, and the same TCP segment, as the
//! request instead of one of its own ([`TlsStream::connect`] itself, for
//! callers whose first write may be late, sends it before completing).
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
    /// Complete with the last flight still queued, for the first write.
    defer_last_flight: bool,
}

impl Handshake {
    pub(super) fn new(
        tcp: TcpStream,
        url: &Url,
        config: Arc<ClientConfig>,
        defer_last_flight: bool,
    ) -> Handshake {
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
            defer_last_flight,
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
/// of the server's bytes; every turn makes progress or returns. With
/// `defer_last_flight`, it is done as soon as rustls may send data, and
/// what it queued last is left for the stream's first write.
fn drive(
    stream: &mut TlsStream,
    first_byte: &mut Option<u8>,
    defer_last_flight: bool,
    cx: &mut Context<'_>,
) -> Poll<io::Result<()>> {
    loop {
        if defer_last_flight && !stream.is_handshaking() {
            stream.defer_queued_to_first_write();
            return Poll::Ready(Ok(()));
        }
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
        match drive(
            &mut stream,
            &mut this.first_byte,
            this.defer_last_flight,
            cx,
        ) {
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

// The integration tests' TLS server (rustls over std sockets, on threads).
#[cfg(test)]
#[path = "../../tests/util/tls.rs"]
#[allow(unreachable_pub)]
mod test_server;

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use runtime::time::timeout;
    use rustls::RootCertStore;

    use super::test_server::{TlsServer, TlsStep, pki, server_config};
    use super::*;
    use crate::transport::config::parse_pem_certificates;

    const RESPONSE: &str = "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok";

    fn trusting_the_test_ca() -> Arc<ClientConfig> {
        let mut roots = RootCertStore::empty();
        for certificate in parse_pem_certificates(pki().ca_pem.as_bytes()).unwrap() {
            roots.add(certificate).unwrap();
        }
        let provider = crate::transport::crypto_provider();
        let config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        Arc::new(config)
    }

    /// Handshakes with a server (TLS 1.3, or 1.2 only), deferring the last
    /// flight or not; returns whether records were still queued when the
    /// handshake completed, and the response to a request written after.
    fn exchange(tls12_only: bool, defer_last_flight: bool) -> (bool, Vec<u8>) {
        let config = server_config(&pki().localhost, tls12_only);
        let server = TlsServer::start(config, 1, |_| {
            vec![TlsStep::write(RESPONSE), TlsStep::CloseNotify]
        });
        let url = Url::parse(&server.url("/")).unwrap();
        let outcome = runtime::block_on(async move {
            let exchange = async {
                let addr = std::net::SocketAddr::from(([127, 0, 0, 1], url.port()));
                let tcp = TcpStream::connect(addr).await?;
                let handshake =
                    Handshake::new(tcp, &url, trusting_the_test_ca(), defer_last_flight);
                let mut stream = handshake.await.expect("handshake");
                let queued = stream.session().wants_write();
                stream.write_all(b"GET / HTTP/1.0\r\n\r\n").await?;
                stream.flush().await?;
                let mut response = Vec::new();
                let mut buf = [0; 1024];
                loop {
                    match stream.read(&mut buf).await? {
                        0 => break,
                        n => response.extend_from_slice(&buf[..n]),
                    }
                }
                io::Result::Ok((queued, response))
            };
            timeout(Duration::from_secs(10), exchange).await
        });
        let seen = server.finish(Duration::from_secs(5));
        assert_eq!(seen.len(), 1);
        assert!(seen[0].handshake_done, "the server completed its handshake");
        outcome
            .expect("no exchange within 10 s")
            .expect("the exchange")
    }

    #[test]
    fn tls13_finished_waits_for_the_first_write_when_deferred() {
        let (queued, response) = exchange(false, true);
        assert!(queued, "the client Finished should wait for the request");
        assert_eq!(response, RESPONSE.as_bytes());
    }

    #[test]
    fn connect_sends_everything_before_completing() {
        for tls12_only in [false, true] {
            let (queued, response) = exchange(tls12_only, false);
            assert!(!queued, "records left queued (TLS 1.2 only: {tls12_only})");
            assert_eq!(response, RESPONSE.as_bytes());
        }
    }

    #[test]
    fn tls12_has_no_last_flight_to_defer() {
        // The server speaks last in a TLS 1.2 handshake: nothing is left.
        let (queued, response) = exchange(true, true);
        assert!(!queued);
        assert_eq!(response, RESPONSE.as_bytes());
    }
}

//! The demo server's HTTPS side: a certificate for `localhost` and
//! 127.0.0.1 made at start-up ([`DemoCertificate`]), and
//! [`TlsServerStream`], a rustls `ServerConnection` driven over the
//! runtime's [`TcpStream`] — the server-side mirror of the client's
//! `TlsStream`, small because the demo server only ever reads one request
//! and writes one response.
//!
//! rustls does no I/O of its own: bytes from the socket go in with
//! `read_tls` and are decrypted by `process_new_packets`; what rustls wants
//! to send (handshake messages, encrypted records, alerts) comes out of
//! `write_tls`. This file is that loop, with the socket's `read` and
//! `write_all` awaited in between.

use std::io::{self, Read as _, Write as _};
use std::sync::Arc;

use rcgen::{CertificateParams, DnType, KeyPair};
use runtime::net::TcpStream;
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::{ServerConfig, ServerConnection};

/// A self-signed certificate for `localhost` and 127.0.0.1, made fresh for
/// one run, and the server configuration that presents it.
#[derive(Debug, Clone)]
pub(crate) struct DemoCertificate {
    /// The certificate in PEM: a client trusts the demo by adding it as a
    /// root (`ClientBuilder::add_root_certificate`).
    pub(crate) pem: String,
    /// The rustls server configuration with the certificate and its key.
    pub(crate) config: Arc<ServerConfig>,
}

impl DemoCertificate {
    /// Generates a key pair and a certificate (ECDSA P-256, via `ring`).
    ///
    /// # Errors
    ///
    /// If key generation or signing fails (the system's random source is
    /// unavailable).
    pub(crate) fn generate() -> io::Result<DemoCertificate> {
        let key = KeyPair::generate().map_err(io::Error::other)?;
        let mut params = CertificateParams::new(vec!["localhost".into(), "127.0.0.1".into()])
            .map_err(io::Error::other)?;
        params
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        params
            .distinguished_name
            .push(DnType::OrganizationName, "handroll demo");
        let cert = params.self_signed(&key).map_err(io::Error::other)?;
        let provider = http_client::transport::crypto_provider();
        let private = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        let config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(io::Error::other)?
            .with_no_client_auth()
            .with_single_cert(vec![cert.der().clone()], private)
            .map_err(io::Error::other)?;
        Ok(DemoCertificate {
            pem: cert.pem(),
            config: Arc::new(config),
        })
    }
}

/// The server end of a TLS connection over a runtime [`TcpStream`].
#[derive(Debug)]
pub(crate) struct TlsServerStream {
    tcp: TcpStream,
    tls: ServerConnection,
    /// The socket said end of stream: no more records will come.
    eof: bool,
}

impl TlsServerStream {
    /// Runs the handshake on `tcp` with `config`.
    ///
    /// # Errors
    ///
    /// A socket error, a TLS error (the client refused the certificate, or
    /// does not speak TLS), or `UnexpectedEof` if the client leaves midway.
    pub(crate) async fn accept(
        tcp: TcpStream,
        config: Arc<ServerConfig>,
    ) -> io::Result<TlsServerStream> {
        let tls = ServerConnection::new(config).map_err(io::Error::other)?;
        let mut stream = TlsServerStream {
            tcp,
            tls,
            eof: false,
        };
        while stream.tls.is_handshaking() {
            stream.flush().await?;
            if stream.tls.wants_read() && stream.fill().await? == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
        }
        stream.flush().await?;
        Ok(stream)
    }

    /// Reads decrypted bytes into `buf`; 0 at the end (the client's
    /// `close_notify`, or a bare close, which the demo does not mind).
    ///
    /// # Errors
    ///
    /// A socket or TLS error.
    pub(crate) async fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            match self.tls.reader().read(buf) {
                Ok(n) => return Ok(n),
                // No plaintext yet: more records are needed.
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    if self.eof || self.fill().await? == 0 {
                        return Ok(0);
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(0),
                Err(e) => return Err(e),
            }
        }
    }

    /// Encrypts and sends all of `data`.
    ///
    /// # Errors
    ///
    /// A socket error.
    pub(crate) async fn write_all(&mut self, mut data: &[u8]) -> io::Result<()> {
        while !data.is_empty() {
            // rustls takes what fits its buffer; flushing makes room again.
            let taken = self.tls.writer().write(data)?;
            self.flush().await?;
            if taken == 0 {
                return Err(io::ErrorKind::WriteZero.into());
            }
            data = &data[taken..];
        }
        Ok(())
    }

    /// Sends `close_notify`, so the client knows the body is complete.
    ///
    /// # Errors
    ///
    /// A socket error.
    pub(crate) async fn close(&mut self) -> io::Result<()> {
        self.tls.send_close_notify();
        self.flush().await
    }

    /// Reads from the socket into rustls and processes what came; also
    /// sends anything that produced (a handshake reply, an alert).
    /// Returns the bytes read from the socket, 0 at its end.
    async fn fill(&mut self) -> io::Result<usize> {
        let mut buf = [0u8; 16 * 1024];
        let n = self.tcp.read(&mut buf).await?;
        if n == 0 {
            self.eof = true;
            return Ok(0);
        }
        let mut incoming = &buf[..n];
        while !incoming.is_empty() {
            self.tls.read_tls(&mut incoming)?;
            if let Err(error) = self.tls.process_new_packets() {
                // Tell the client why (the alert rustls queued), then fail.
                let _ = self.flush().await;
                return Err(io::Error::new(io::ErrorKind::InvalidData, error));
            }
        }
        self.flush().await?;
        Ok(n)
    }

    /// Writes everything rustls has to send.
    async fn flush(&mut self) -> io::Result<()> {
        while self.tls.wants_write() {
            let mut out = Vec::new();
            self.tls.write_tls(&mut out)?;
            self.tcp.write_all(&out).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_certificate_is_pem_and_names_localhost() {
        let cert = DemoCertificate::generate().unwrap();
        assert!(cert.pem.starts_with("-----BEGIN CERTIFICATE-----"));
        let client = http_client::Client::builder().add_root_certificate(cert.pem.as_bytes());
        assert!(client.is_ok(), "usable as a root");
    }
}

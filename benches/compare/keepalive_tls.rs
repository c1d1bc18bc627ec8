//! `fetch-tls-1k-keepalive`'s peer: hyper-util's pooled legacy `Client`
//! over tokio-rustls, on tokio current_thread. hyper-util has no TLS
//! connector of its own, so [`TlsConnector`] is one: `TcpStream::connect`
//! to the URI's IP address, then `tokio_rustls::TlsConnector::connect`
//! with the bench's `ClientConfig` (the one ours gets too), wrapped for
//! hyper. Ours is [`crate::keepalive::fetch_ours`] with an `https://` URL.

use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::task::{Context, Poll};

use hyper::Uri;
use hyper::rt::{Read, ReadBufCursor, Write};
use hyper_util::client::legacy::connect::{Connected, Connection};
use hyper_util::rt::TokioIo;
use rustls::ClientConfig;
use rustls::pki_types::ServerName;
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

use crate::keepalive::{Counted, Run, fetch_hyper_with};

/// Connects `https://IP:PORT` URIs over TLS with one rustls config.
#[derive(Clone)]
pub struct TlsConnector(tokio_rustls::TlsConnector);

impl TlsConnector {
    /// A connector that makes every handshake with `config`.
    pub fn new(config: Arc<ClientConfig>) -> TlsConnector {
        TlsConnector(tokio_rustls::TlsConnector::from(config))
    }
}

impl tower_service::Service<Uri> for TlsConnector {
    type Response = TlsConnection;
    type Error = io::Error;
    // Boxed: the legacy client wants an `Unpin` future, and an async
    // block's is not. One allocation per connection, not per request.
    type Future = Pin<Box<dyn Future<Output = io::Result<TlsConnection>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        let connector = self.0.clone();
        Box::pin(async move {
            // The bench only ever connects to an IP address (the
            // certificate names 127.0.0.1): no resolver.
            let invalid = |what| io::Error::new(io::ErrorKind::InvalidInput, what);
            let ip: IpAddr = uri
                .host()
                .and_then(|h| h.parse().ok())
                .ok_or_else(|| invalid("the URI's host is not an IP address"))?;
            let port = uri.port_u16().unwrap_or(443);
            let tcp = TcpStream::connect(SocketAddr::new(ip, port)).await?;
            let tls = connector
                .connect(ServerName::IpAddress(ip.into()), tcp)
                .await?;
            Ok(TlsConnection(TokioIo::new(tls)))
        })
    }
}

/// A TLS connection as hyper reads and writes it. A type of our own
/// because the legacy client also wants it to implement `Connection`,
/// which hyper-util provides for `TokioIo` of a plain `TcpStream` only.
pub struct TlsConnection(TokioIo<TlsStream<TcpStream>>);

impl Connection for TlsConnection {
    fn connected(&self) -> Connected {
        Connected::new()
    }
}

impl Read for TlsConnection {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl Write for TlsConnection {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.0.is_write_vectored()
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write_vectored(cx, bufs)
    }
}

/// The peer: `requests` GETs of `https://{addr}{path}` by `workers` tasks
/// sharing one hyper-util legacy `Client` over [`TlsConnector`] with
/// `config`. Its `connections` are the TLS connections made (each a full
/// handshake: the bench's config turns resumption off).
///
/// # Panics
///
/// If a request fails or a body has the wrong length.
pub fn fetch_hyper(
    addr: SocketAddr,
    path: &str,
    config: Arc<ClientConfig>,
    body_len: usize,
    requests: u64,
    workers: u64,
) -> Run {
    let uri: Uri = format!("https://{addr}{path}").parse().expect("URI");
    let opened = Arc::new(AtomicU64::new(0));
    let connector = Counted::new(TlsConnector::new(config), opened.clone());
    fetch_hyper_with(uri, connector, opened, body_len, requests, workers)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keepalive::fetch_ours;
    use crate::server::{self, HttpPeer};
    use crate::tls::client_config;

    /// Both clients fetch over kept-alive TLS connections (skipped without
    /// nginx); ours makes one handshake per connection it opens.
    #[test]
    fn both_clients_keep_alive_over_tls() {
        let peer = HttpPeer::start();
        let Some(tls) = peer.tls.clone() else {
            eprintln!("nginx is not installed: no HTTPS peer to test against");
            return;
        };
        let config = client_config(&tls.ca_pem);
        let (path, len, (n, k)) = (server::PATH, server::BODY_LEN, (40, 4));
        let url = format!("https://{}{path}", tls.addr);
        let ours = fetch_ours(&url, Some(config.clone()), len, n, k);
        assert!(ours.rate > 0.0 && ours.connections <= k);
        assert_eq!(ours.tls_handshakes, Some(ours.connections));
        let hyper = fetch_hyper(tls.addr, path, config, len, n, k);
        assert!(hyper.rate > 0.0 && hyper.connections >= 1);
    }
}

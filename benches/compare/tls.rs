//! `fetch-tls-1k`: HTTPS GETs of a 1 KiB file from the local nginx, a
//! fresh connection and a full handshake each, by this project's client
//! ([`fetch_ours`]: `http_client::Client` on our runtime) and by hyper's
//! client connection API (http1) over tokio-rustls on tokio's
//! current-thread runtime ([`fetch_hyper`]).
//!
//! Both sides get the same [`client_config`]: one `rustls::ClientConfig`
//! with the `ring` provider (the only rustls in this workspace), nginx's CA
//! as the one root, and session resumption off, so that no connection can
//! skip the full handshake (nginx has its session cache and tickets off
//! too). Both connect to 127.0.0.1, so neither resolves a name, and the
//! certificate is checked against the address.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use rustls::client::Resumption;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, RootCertStore};

use crate::measure::thread_cpu;
use crate::rt::{Rt, Tokio};
use crate::workloads::share;

/// A CA and a leaf it signed for `localhost` and 127.0.0.1, in PEM.
#[derive(Debug, Clone)]
pub struct Certificates {
    /// The CA's certificate: the client's one root.
    pub ca_pem: String,
    /// The leaf certificate nginx presents.
    pub leaf_pem: String,
    /// The leaf's private key (PKCS #8).
    pub key_pem: String,
}

impl Certificates {
    /// Fresh certificates (ECDSA P-256, through ring).
    ///
    /// # Panics
    ///
    /// If rcgen cannot generate a key (no random source).
    pub fn generate() -> Certificates {
        let ca_key = KeyPair::generate().expect("CA key");
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "handroll bench CA");
        let ca_cert = ca_params.self_signed(&ca_key).expect("CA certificate");
        let ca = Issuer::new(ca_params, ca_key);
        let key = KeyPair::generate().expect("leaf key");
        let mut params = CertificateParams::new(vec!["localhost".into(), "127.0.0.1".into()])
            .expect("leaf params");
        params
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        let leaf = params.signed_by(&key, &ca).expect("leaf certificate");
        Certificates {
            ca_pem: ca_cert.pem(),
            leaf_pem: leaf.pem(),
            key_pem: key.serialize_pem(),
        }
    }
}

/// The config both clients use: ring, `ca_pem` as the only root, no
/// session resumption.
///
/// # Panics
///
/// If `ca_pem` holds no usable certificate.
pub fn client_config(ca_pem: &str) -> Arc<ClientConfig> {
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
        roots.add(cert.expect("a PEM certificate")).expect("a root");
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.resumption = Resumption::disabled();
    Arc::new(config)
}

/// Turns the elapsed time and the CPU used into (requests per second,
/// client CPU µs per request).
fn rates(requests: u64, elapsed: std::time::Duration, cpu: std::time::Duration) -> (f64, f64) {
    (
        requests as f64 / elapsed.as_secs_f64(),
        cpu.as_secs_f64() * 1e6 / requests as f64,
    )
}

/// Ours: `requests` GETs of `https://ADDR{path}` through one
/// `http_client::Client` with `config`, `in_flight` at a time, on our
/// runtime. Returns (requests per second, client CPU µs per request).
///
/// # Panics
///
/// If a request fails or a body has the wrong length.
pub fn fetch_ours(
    addr: SocketAddr,
    path: &str,
    config: Arc<ClientConfig>,
    body_len: usize,
    requests: u64,
    in_flight: u64,
) -> (f64, f64) {
    let client = http_client::Client::builder().tls_config(config).build();
    let url = http_client::Url::parse(&format!("https://{addr}{path}")).expect("URL");
    let cpu_before = thread_cpu();
    let elapsed = runtime::block_on(async move {
        let start = Instant::now();
        let workers: Vec<_> = (0..in_flight)
            .map(|w| {
                let (client, url) = (client.clone(), url.clone());
                runtime::spawn(async move {
                    for _ in 0..share(requests, in_flight, w) {
                        let request = http_client::Request::get(url.clone());
                        let response = client.send(request).await.expect("HTTPS GET");
                        assert_eq!(response.status(), 200, "unexpected status");
                        assert_eq!(response.body().len(), body_len, "wrong body length");
                    }
                })
            })
            .collect();
        for worker in workers {
            worker.await.expect("a worker panicked");
        }
        start.elapsed()
    });
    rates(requests, elapsed, thread_cpu() - cpu_before)
}

/// The peer: the same GETs with hyper's `client::conn::http1` over
/// tokio-rustls, each on a fresh connection driven by a task of its own,
/// on tokio's current-thread runtime. Returns (requests per second, client
/// CPU µs per request).
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
    in_flight: u64,
) -> (f64, f64) {
    let connector = tokio_rustls::TlsConnector::from(config);
    let path: Arc<str> = path.into();
    let cpu_before = thread_cpu();
    let elapsed = Tokio::block_on(async move {
        let start = Instant::now();
        let workers: Vec<_> = (0..in_flight)
            .map(|w| {
                let (connector, path) = (connector.clone(), path.clone());
                tokio::task::spawn_local(async move {
                    for _ in 0..share(requests, in_flight, w) {
                        let len = hyper_once(addr, &path, &connector).await;
                        assert_eq!(len, body_len, "wrong body length");
                    }
                })
            })
            .collect();
        for worker in workers {
            worker.await.expect("a worker panicked");
        }
        start.elapsed()
    });
    rates(requests, elapsed, thread_cpu() - cpu_before)
}

/// One hyper GET on a fresh TLS connection; returns the body length once
/// the connection is closed.
async fn hyper_once(addr: SocketAddr, path: &str, connector: &tokio_rustls::TlsConnector) -> usize {
    let name = ServerName::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST).into());
    let tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let tls = connector.connect(name, tcp).await.expect("TLS handshake");
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
        .await
        .expect("HTTP handshake");
    let driver = tokio::task::spawn_local(connection);
    let request = hyper::Request::get(path)
        .header(hyper::header::HOST, addr.to_string())
        .header(hyper::header::CONNECTION, "close")
        .body(Empty::<Bytes>::new())
        .expect("request");
    let response = sender.send_request(request).await.expect("response");
    assert_eq!(response.status(), 200, "unexpected status");
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    drop(sender);
    driver
        .await
        .expect("the connection task")
        .expect("the connection");
    body.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::{self, HttpPeer};

    /// Both clients fetch from nginx's HTTPS ports (skipped without nginx).
    #[test]
    fn both_clients_fetch_over_tls() {
        let peer = HttpPeer::start();
        let Some(tls) = peer.tls.clone() else {
            eprintln!("nginx is not installed: no HTTPS peer to test against");
            return;
        };
        let config = client_config(&tls.ca_pem);
        let (path, len) = (server::PATH, server::BODY_LEN);
        // TLS 1.3 (and 1.2) on one port, TLS 1.2 only on the other.
        for addr in [tls.addr, tls.tls12_addr] {
            let (rate, cpu) = fetch_ours(addr, path, config.clone(), len, 20, 4);
            assert!(rate > 0.0 && cpu > 0.0);
            let (rate, cpu) = fetch_hyper(addr, path, config.clone(), len, 20, 4);
            assert!(rate > 0.0 && cpu > 0.0);
        }
    }
}

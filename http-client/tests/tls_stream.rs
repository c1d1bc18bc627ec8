//! `TlsStream` on its own, below HTTP: `TlsStream::connect` over a runtime
//! `TcpStream` with a caller's rustls config, then the stream's own
//! `write_all`/`read`/`close`, and the `futures_io` traits; a server's
//! `close_notify` reads as the end of the stream (`Ok(0)`), a bare close as
//! `UnexpectedEof` — so no reader can mistake a cut for the end.

#![cfg(feature = "tls")]

#[path = "util/tls.rs"]
mod tls;
mod util;

use std::io;
use std::sync::Arc;

use http_client::{TlsStream, Url};
use runtime::net::TcpStream;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use tls::{TlsServer, TlsStep, pki};
use util::run;

/// A rustls config trusting only the test CA.
fn config() -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    for certificate in CertificateDer::pem_slice_iter(pki().ca_pem.as_bytes()) {
        roots.add(certificate.unwrap()).unwrap();
    }
    let provider = http_client::transport::crypto_provider();
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    Arc::new(config)
}

async fn open(server: &TlsServer) -> TlsStream {
    let url = Url::parse(&server.url("/")).unwrap();
    let addr = format!("127.0.0.1:{}", server.port()).parse().unwrap();
    let tcp = TcpStream::connect(addr).await.expect("tcp");
    TlsStream::connect(tcp, &url, config())
        .await
        .expect("a handshake")
}

/// Reads until the end or an error, in small reads.
async fn read_all(tls: &mut TlsStream) -> (Vec<u8>, io::Result<()>) {
    let mut out = Vec::new();
    let mut buf = [0; 7];
    loop {
        match tls.read(&mut buf).await {
            Ok(0) => return (out, Ok(())),
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) => return (out, Err(e)),
        }
    }
}

#[test]
fn close_notify_is_the_end_and_a_bare_close_is_not() {
    let clean = TlsServer::once(
        &pki().localhost,
        vec![
            TlsStep::write("hello, "),
            TlsStep::write("world"),
            TlsStep::CloseNotify,
        ],
    );
    let cut = TlsServer::once(
        &pki().localhost,
        vec![TlsStep::write("cut he"), TlsStep::Cut],
    );
    let ((clean_bytes, clean_end), (cut_bytes, cut_end)) = run(move || async move {
        let mut tls = open(&clean).await;
        tls.write_all(b"GET / HTTP/1.0\r\n\r\n").await.unwrap();
        let clean_result = read_all(&mut tls).await;
        tls.close().await.unwrap();
        let mut tls = open(&cut).await;
        assert!(tls.session().protocol_version().is_some());
        assert_eq!(tls.peer_certificates().len(), 1);
        tls.write_all(b"GET / HTTP/1.0\r\n\r\n").await.unwrap();
        let cut_result = read_all(&mut tls).await;
        (clean_result, cut_result)
    });
    assert_eq!(clean_bytes, b"hello, world");
    assert!(clean_end.is_ok(), "{clean_end:?}");
    assert_eq!(cut_bytes, b"cut he");
    let error = cut_end.expect_err("a cut is not an end");
    assert_eq!(error.kind(), io::ErrorKind::UnexpectedEof);
    assert_eq!(
        error.to_string(),
        "connection closed without TLS close_notify"
    );
}

#[cfg(feature = "futures-io")]
#[test]
fn a_tls_stream_is_futures_io() {
    use futures_lite::{AsyncReadExt, AsyncWriteExt};

    let server = TlsServer::once(
        &pki().localhost,
        vec![TlsStep::write("through futures-io"), TlsStep::CloseNotify],
    );
    let (reply, server_saw_close_notify) = run(move || async move {
        let mut tls = open(&server).await;
        AsyncWriteExt::write_all(&mut tls, b"GET /io HTTP/1.0\r\n\r\n")
            .await
            .unwrap();
        AsyncWriteExt::flush(&mut tls).await.unwrap();
        let mut reply = Vec::new();
        AsyncReadExt::read_to_end(&mut tls, &mut reply)
            .await
            .unwrap();
        AsyncWriteExt::close(&mut tls).await.unwrap();
        let seen = server.finish(std::time::Duration::from_secs(5));
        (reply, seen[0].client_close_notify)
    });
    assert_eq!(reply, b"through futures-io");
    assert!(server_saw_close_notify);
}

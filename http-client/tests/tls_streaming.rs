//! Streaming bodies over TLS: `Client::send_streaming` hands out a chunked
//! body chunk by chunk and a large one through the stream's fixed buffer,
//! byte for byte, and through `futures_io::AsyncRead`; a body that ends at
//! a close without `close_notify` gives its bytes, then the truncation
//! error — the stream never reports a clean end it cannot vouch for.

#![cfg(feature = "tls")]

#[path = "util/tls.rs"]
mod tls;
mod util;

use http_client::{BodyStream, Client, Error, Request, Url};
use tls::{TlsServer, TlsStep, pki};
use util::{run, trusting_client};

async fn stream(client: &Client, url: &str) -> http_client::Result<BodyStream> {
    client
        .send_streaming(Request::get(Url::parse(url).unwrap()))
        .await
}

/// Every chunk until the end or the first error: the bytes, and the error.
async fn drain(mut body: BodyStream) -> (Vec<u8>, Option<Error>) {
    let mut bytes = Vec::new();
    loop {
        match body.chunk().await {
            Ok(Some(chunk)) => bytes.extend_from_slice(chunk),
            Ok(None) => return (bytes, None),
            Err(error) => return (bytes, Some(error)),
        }
    }
}

#[test]
fn chunked_and_large_bodies_stream_over_tls() {
    const LARGE: usize = 1 << 20;
    let large = util::pseudo_random(LARGE, 7);
    let for_server = large.clone();
    let server = tls::TlsServer::start(
        tls::server_config(&pki().localhost, false),
        2,
        move |target| match target {
            "/chunked" => vec![
                TlsStep::write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"),
                TlsStep::write("5\r\nhello\r\n"),
                TlsStep::write("7\r\n, world\r\n0\r\n\r\n"),
                TlsStep::CloseNotify,
            ],
            _ => vec![
                TlsStep::write(format!(
                    "HTTP/1.0 200 OK\r\nContent-Length: {LARGE}\r\n\r\n"
                )),
                TlsStep::Write(for_server.clone()),
                TlsStep::CloseNotify,
            ],
        },
    );
    let (chunked, large_url) = (server.url("/chunked"), server.url("/large"));
    let (chunked, streamed) = run(move || async move {
        let client = trusting_client(&pki().ca_pem);
        let chunked = drain(stream(&client, &chunked).await.expect("a head")).await;
        let body = stream(&client, &large_url).await.expect("a head");
        assert_eq!(body.content_length(), Some(LARGE as u64));
        assert_eq!(body.tls_info().expect("TLS info").subject, "CN=localhost");
        (chunked, drain(body).await)
    });
    assert_eq!(chunked.0, b"hello, world");
    assert!(chunked.1.is_none(), "{:?}", chunked.1);
    assert!(streamed.1.is_none(), "{:?}", streamed.1);
    assert!(streamed.0 == large, "the streamed bytes differ");
}

#[cfg(feature = "futures-io")]
#[test]
fn a_tls_body_is_an_async_read() {
    let server = TlsServer::once(
        &pki().localhost,
        vec![
            TlsStep::write("HTTP/1.0 200 OK\r\nContent-Length: 11\r\n\r\nhello world"),
            TlsStep::CloseNotify,
        ],
    );
    let url = server.url("/");
    let copied = run(move || async move {
        let body = stream(&trusting_client(&pki().ca_pem), &url)
            .await
            .expect("a head");
        let mut sink = Vec::new();
        futures_lite::io::copy(body, &mut sink)
            .await
            .expect("copied");
        sink
    });
    assert_eq!(copied, b"hello world");
}

#[test]
fn a_cut_close_delimited_stream_ends_in_the_truncation_error() {
    let server = TlsServer::once(
        &pki().localhost,
        vec![
            TlsStep::write("HTTP/1.0 200 OK\r\n\r\nsome of the body"),
            TlsStep::Cut,
        ],
    );
    let url = server.url("/");
    let (bytes, error) = run(move || async move {
        drain(
            stream(&trusting_client(&pki().ca_pem), &url)
                .await
                .expect("a head"),
        )
        .await
    });
    // What arrived is handed out; the end is not taken as the body's end.
    assert_eq!(bytes, b"some of the body");
    let error = error.expect("no clean end");
    assert!(matches!(error, Error::TlsTruncated { .. }), "{error:?}");
}

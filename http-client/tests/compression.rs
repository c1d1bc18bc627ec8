//! Compressed bodies as a user of `ClientBuilder::gzip` and `deflate` meets
//! them: the client asks for the codings it decodes, and a gzip or deflate
//! body comes out decoded — whole, chunk by chunk, and through `AsyncRead`
//! — without the headers that describe the encoding; a client that did not
//! ask gets the bytes as sent; a corrupt or truncated stream, or one that
//! decodes past the body limit, is an error that says so; a request for a
//! byte range asks for no coding; and a connection whose compressed body
//! was read to its end carries the next request.
//!
//! The decompression bomb, which measures the process's peak memory, is
//! alone in `decompression_bomb.rs`.

#![cfg(feature = "gzip")]

mod util;

use std::time::Duration;

use http_client::{DecodeError, Error, Request, Url};
use util::encode::{gzip, raw_deflate, zlib};
use util::keepalive_server::{KeepAliveServer, Reply, chunked, request_header, response};
use util::{ScriptedServer, Step, both, client, pooled_client, run};

/// A text body that compresses well: 300 KB, several read buffers.
fn page() -> Vec<u8> {
    (0..300_000u32)
        .map(|i| b"<p>compressible text</p>\n"[(i % 25) as usize])
        .collect()
}

/// `HTTP/1.1 200` with `Content-Encoding: coding` and `body`, by length.
fn encoded(coding: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: {coding}\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

/// The request head a one-connection server saw.
fn request_head(server: ScriptedServer) -> String {
    let seen = server.finish(Duration::from_secs(2));
    String::from_utf8_lossy(seen[0].request.head()).into_owned()
}

#[test]
fn a_gzip_body_comes_out_decoded_both_ways() {
    both(|path| {
        let body = page();
        let wire = gzip(&body);
        assert!(wire.len() < body.len() / 20, "{} bytes", wire.len());
        let server = ScriptedServer::once(vec![Step::Write(encoded("gzip", &wire))]);
        let url = server.url("/page");
        let fetched = run(move || async move { path.get(&client().gzip(true).build(), url).await })
            .expect("decoded");
        assert!(
            fetched.body() == body.as_slice(),
            "the decoded body differs"
        );
        assert_eq!(fetched.header("content-encoding"), None);
        assert_eq!(fetched.header("content-length"), None);
        assert_eq!(fetched.header("content-type"), Some(&b"text/html"[..]));
        let head = request_head(server);
        assert!(head.contains("\r\nAccept-Encoding: gzip\r\n"), "{head}");
    });
}

#[test]
fn a_deflate_body_decodes_whether_zlib_or_raw_and_chunked() {
    let body = page();
    for (name, wire) in [("zlib", zlib(&body)), ("raw", raw_deflate(&body))] {
        let response = chunked(
            "Content-Encoding: deflate\r\n",
            &wire,
            &[1000, 7, 20_000],
            "",
        );
        let server = ScriptedServer::once(vec![Step::Write(response)]);
        let url = server.url("/");
        let response =
            run(move || async move { client().gzip(true).deflate(true).build().get(url).await })
                .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(
            response.body() == body.as_slice(),
            "{name}: the body differs"
        );
        let head = request_head(server);
        assert!(
            head.contains("\r\nAccept-Encoding: gzip, deflate\r\n"),
            "{head}"
        );
    }
}

#[test]
fn a_stream_hands_out_decoded_chunks_with_no_length() {
    let body = page();
    let server = ScriptedServer::once(vec![Step::Write(encoded("gzip", &gzip(&body)))]);
    let url = server.url("/");
    let (received, largest, length, capacity) = run(move || async move {
        let client = client().gzip(true).build();
        let mut stream = client
            .send_streaming(Request::get(Url::parse(&url).unwrap()))
            .await
            .unwrap();
        let (length, capacity) = (stream.content_length(), stream.buffer_capacity());
        let (mut received, mut largest) = (Vec::new(), 0);
        while let Some(chunk) = stream.chunk().await.unwrap() {
            largest = largest.max(chunk.len());
            received.extend_from_slice(chunk);
        }
        (received, largest, length, capacity)
    });
    assert_eq!(length, None, "the decoded length is unknown in advance");
    assert!(received == body, "the decoded body differs");
    assert!(
        largest <= capacity,
        "a chunk of {largest} from a {capacity}-byte buffer"
    );
}

#[cfg(feature = "futures-io")]
#[test]
fn async_read_gives_the_decoded_bytes() {
    let body = page();
    let server = ScriptedServer::once(vec![Step::Write(encoded("gzip", &gzip(&body)))]);
    let url = server.url("/");
    let copied = run(move || async move {
        let client = client().gzip(true).build();
        let stream = client
            .send_streaming(Request::get(Url::parse(&url).unwrap()))
            .await
            .unwrap();
        let mut sink = Vec::new();
        futures_lite::io::copy(stream, &mut sink).await.unwrap();
        sink
    });
    assert!(copied == body, "the copied body differs");
}

#[test]
fn a_client_that_did_not_ask_gets_the_bytes_as_sent() {
    let wire = gzip(b"left alone");
    let server = ScriptedServer::once(vec![Step::Write(encoded("gzip", &wire))]);
    let url = server.url("/");
    let response = run(move || async move { client().build().get(url).await }).unwrap();
    assert_eq!(response.body(), wire.as_slice());
    assert_eq!(response.header("content-encoding"), Some(&b"gzip"[..]));
    let head = request_head(server);
    assert!(
        !head.to_ascii_lowercase().contains("accept-encoding"),
        "{head}"
    );
}

#[test]
fn a_range_request_asks_for_no_coding_and_decodes_nothing() {
    let wire = gzip(b"a part");
    let server = ScriptedServer::once(vec![Step::Write(encoded("gzip", &wire))]);
    let url = server.url("/");
    let response = run(move || async move {
        let request = Request::get(Url::parse(&url)?).header("Range", "bytes=0-")?;
        let response = client().gzip(true).build().send(request).await?;
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>(response)
    })
    .unwrap();
    assert_eq!(response.body(), wire.as_slice());
    let head = request_head(server);
    assert!(!head.contains("Accept-Encoding"), "{head}");
}

#[test]
fn corrupt_and_truncated_streams_are_errors_that_say_so() {
    let good = gzip(&page());
    let mut bad_crc = good.clone();
    let n = bad_crc.len();
    bad_crc[n - 6] ^= 0x55;
    let cut = good[..good.len() / 2].to_vec();
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (
            b"plain text, labelled gzip".to_vec(),
            "corrupt gzip data: not a gzip stream (it does not start with 1f 8b)",
        ),
        (
            bad_crc,
            "corrupt gzip data: the CRC-32 of the decoded data is",
        ),
        (cut, "the body ends inside its gzip stream: it is truncated"),
        (
            [good.clone(), b"trailing".to_vec()].concat(),
            "bytes follow the end of the gzip stream",
        ),
    ];
    both(|path| {
        for (wire, want) in &cases {
            let server = ScriptedServer::once(vec![Step::Write(encoded("gzip", wire))]);
            let (url, addr) = (server.url("/"), server.addr());
            let error =
                run(move || async move { path.get(&client().gzip(true).build(), url).await })
                    .expect_err("a bad stream");
            assert!(matches!(error, Error::Decode { .. }), "{error:?}");
            let message = error.to_string();
            let prefix = format!("bad gzip body from {addr}: {want}");
            assert!(message.starts_with(&prefix), "{message}\nwant {prefix}");
        }
    });
}

#[test]
fn the_body_limit_bounds_the_decoded_size() {
    // 2 MiB of zeros in about 2 KiB: far under the limit on the wire.
    let wire = gzip(&vec![0; 2 << 20]);
    both(|path| {
        let server = ScriptedServer::once(vec![Step::Write(encoded("gzip", &wire))]);
        let url = server.url("/");
        let error = run(move || async move {
            let client = client().gzip(true).max_body_bytes(1 << 20).build();
            path.get(&client, url).await
        })
        .expect_err("over the limit once decoded");
        assert!(
            matches!(
                error,
                Error::Decode {
                    source: DecodeError::TooLarge { limit: 1048576, .. },
                    ..
                }
            ),
            "{error:?}"
        );
        assert_eq!(error.body_limit(), Some(1 << 20));
        assert!(error.to_string().ends_with(
            "the decoded body exceeds the 1 MiB limit (a small compressed body can expand enormously)"
        ));
    });
}

#[test]
fn a_connection_whose_compressed_body_was_read_carries_the_next_request() {
    // Made here: the server's threads have small stacks, and the
    // compressor (unoptimised, in a test build) wants a large one.
    let bodies: Vec<Vec<u8>> = (0..3)
        .map(|nth| gzip(format!("response {nth}").as_bytes()))
        .collect();
    let server = KeepAliveServer::start(move |_, nth, request| {
        assert_eq!(request_header(request, "accept-encoding"), Some("gzip"));
        let fields = "Content-Encoding: gzip\r\n";
        Reply::keep(response("HTTP/1.1 200 OK", fields, &bodies[nth]))
    });
    let url = server.url("/");
    let (bodies, stats) = run(move || async move {
        let client = pooled_client().gzip(true).build();
        let mut bodies = Vec::new();
        for _ in 0..3 {
            let response = client.get(&url).await.unwrap();
            bodies.push((response.reused(), response.text().unwrap().to_owned()));
        }
        (bodies, client.stats())
    });
    assert_eq!(
        bodies,
        [
            (false, "response 0".to_owned()),
            (true, "response 1".to_owned()),
            (true, "response 2".to_owned()),
        ]
    );
    assert_eq!((stats.connections_opened, stats.reused), (1, 2));
    assert_eq!(server.accepted(), 1);
}

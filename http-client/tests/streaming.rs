//! Streamed bodies over real sockets: a `BodyStream` yields the same body,
//! chunk by chunk, as `read_to_end` and as the pure parser, however the
//! server's bytes are cut (a property test over `Content-Length`, chunked
//! and close-delimited responses); `futures_lite::io::copy` writes it to a
//! sink, and it reads as an `AsyncBufRead` and `AsyncRead` (with the
//! `futures-io` feature); the stream carries the client's total deadline and body limit
//! (0 = none); and a body cut short fails from the last `chunk()`.

mod util;

use std::time::Duration;

use http_client::{
    Client, Error, Limits, ParseError, Request, ResponseParser, Status, TimeoutPhase, Url,
};
use proptest::prelude::*;
use proptest::sample::{Index, select};
use util::paths::collect;
use util::{ScriptedServer, Step, client, pseudo_random, run, split_at_cuts, timed};

/// How a generated response delimits its body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    ContentLength,
    Chunked,
    Close,
}

/// A valid response on the wire, and how the server ends the connection.
#[derive(Debug, Clone)]
struct Case {
    wire: Vec<u8>,
    /// Hold the connection open after the message (framed bodies only).
    hold: bool,
}

prop_compose! {
    fn case()(
        status in select(vec![200u16, 206, 404, 500]),
        fields in prop::collection::vec(("X-[A-Za-z]{1,8}", "[!-~]{1,12}"), 0..4),
        // Up to three read buffers of body, so chunks cross buffer refills.
        len in prop_oneof![0usize..2000, 0usize..200_000],
        seed in any::<u64>(),
        framing in select(vec![Framing::ContentLength, Framing::Chunked, Framing::Close]),
        chunk in 1usize..100_000,
        hold in any::<bool>(),
    ) -> Case {
        let body = pseudo_random(len, seed);
        let mut wire = format!("HTTP/1.1 {status} Reason\r\n").into_bytes();
        for (name, value) in &fields {
            wire.extend(format!("{name}: {value}\r\n").bytes());
        }
        match framing {
            Framing::ContentLength => wire.extend(format!("Content-Length: {len}\r\n\r\n").bytes()),
            Framing::Chunked => wire.extend(b"Transfer-Encoding: chunked\r\n\r\n"),
            Framing::Close => wire.extend(b"\r\n"),
        }
        match framing {
            Framing::Chunked => {
                for piece in body.chunks(chunk) {
                    wire.extend(format!("{:x}\r\n", piece.len()).bytes());
                    wire.extend(piece);
                    wire.extend(b"\r\n");
                }
                wire.extend(b"0\r\n\r\n");
            }
            _ => wire.extend(&body),
        }
        let framed = framing != Framing::Close;
        if framed {
            wire.extend(b"JUNK AFTER THE MESSAGE");
        }
        Case { wire, hold: framed && hold }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    /// The concatenated chunks, the `read_to_end` body, the bytes
    /// `futures_lite::io::copy` writes, and the pure parser's body agree,
    /// with the same head, however the server's writes are cut.
    #[test]
    fn chunks_concatenate_to_the_whole_body(
        case in case(),
        cuts in prop::collection::vec(any::<Index>(), 0..16),
    ) {
        let pieces: Vec<Vec<u8>> = split_at_cuts(&case.wire, &cuts)
            .into_iter()
            .map(<[u8]>::to_vec)
            .collect();
        let mut steps = Vec::new();
        for piece in &pieces {
            steps.push(Step::Write(piece.clone()));
            steps.push(Step::Sleep(Duration::from_millis(1)));
        }
        steps.push(if case.hold { Step::Hold } else { Step::Close });
        let server = ScriptedServer::start(3, move |_| steps.clone());
        let url = server.url("/");
        let (whole, chunked, copied) = run(move || async move {
            let client = client().max_body_bytes(0).build();
            let whole = client.get(&url).await.expect("read whole");
            let stream = send_streaming(&client, &url).await;
            let chunked = collect(stream).await.expect("read chunk by chunk");
            let copied = copy(send_streaming(&client, &url).await).await;
            (whole, chunked, copied)
        });
        let mut parser = ResponseParser::new(false, Limits::default().with_max_body_bytes(0));
        let mut parsed = None;
        for piece in &pieces {
            if let Status::Complete(response) = parser.feed(piece).expect("valid") {
                parsed = Some(response);
                break;
            }
        }
        let parsed = match parsed {
            Some(response) => response,
            None => parser.finish().expect("complete at the close"),
        };
        prop_assert!(chunked == whole, "chunks {:?} vs whole {:?}", chunked, whole);
        prop_assert!(chunked == parsed, "chunks {:?} vs parser {:?}", chunked, parsed);
        if let Some(copied) = copied {
            prop_assert!(copied == parsed.body(), "copy wrote {} bytes of {}", copied.len(), parsed.body().len());
        }
    }
}

/// What `futures_lite::io::copy` writes of `stream` into a `Vec`, as a user
/// would write it to a file.
#[cfg(feature = "futures-io")]
async fn copy(stream: http_client::BodyStream) -> Option<Vec<u8>> {
    let mut sink = Vec::new();
    let copied = futures_lite::io::copy(stream, &mut sink)
        .await
        .expect("copied");
    assert_eq!(copied, sink.len() as u64);
    Some(sink)
}

/// Without the `futures-io` feature there is no `AsyncRead` to copy from.
#[cfg(not(feature = "futures-io"))]
async fn copy(_stream: http_client::BodyStream) -> Option<Vec<u8>> {
    None
}

/// `client.send_streaming` of a `GET` for `url`, which must succeed.
async fn send_streaming(client: &Client, url: &str) -> http_client::BodyStream {
    let request = Request::get(Url::parse(url).expect("a URL"));
    client.send_streaming(request).await.expect("a head")
}

#[test]
fn a_short_body_fails_from_the_last_chunk() {
    let server = ScriptedServer::once(vec![
        Step::write("HTTP/1.0 200 OK\r\nContent-Length: 10\r\n\r\nabc"),
        Step::Sleep(Duration::from_millis(20)),
        Step::write("def"),
        Step::Close,
    ]);
    let url = server.url("/");
    let (pieces, error, again) = run(move || async move {
        let mut stream = send_streaming(&client().build(), &url).await;
        assert_eq!(stream.content_length(), Some(10));
        let mut pieces = Vec::new();
        let error = loop {
            match stream.chunk().await {
                Ok(Some(chunk)) => pieces.push(chunk.to_vec()),
                Ok(None) => panic!("a truncated body ended quietly"),
                Err(error) => break error,
            }
        };
        let again = stream.chunk().await.map(|chunk| chunk.map(<[u8]>::to_vec));
        (pieces, error, again)
    });
    assert_eq!(pieces.concat(), b"abcdef");
    let truncated = ParseError::Truncated {
        expected: 10,
        received: 6,
    };
    assert!(
        matches!(&error, Error::Response { source, .. } if *source == truncated),
        "{error:?}"
    );
    let again = again.expect_err("the error is repeated");
    assert_eq!(again.to_string(), error.to_string());
}

#[test]
fn the_total_deadline_covers_the_streamed_body() {
    // The head comes at once; the body trickles a byte every 50 ms, so the
    // 1 s idle timeout never fires: only the total deadline ends it, long
    // after `send_streaming` has returned.
    let server = ScriptedServer::once(vec![
        Step::write("HTTP/1.0 200 OK\r\n\r\n"),
        Step::TrickleForever {
            byte: b'a',
            delay: Duration::from_millis(50),
        },
    ]);
    let authority = format!("127.0.0.1:{}", server.port());
    let url = server.url("/");
    let total = Duration::from_millis(600);
    let (result, elapsed) = run(move || async move {
        let client = client()
            .idle_timeout(Duration::from_secs(1))
            .total_timeout(total)
            .build();
        timed(async {
            let mut stream = send_streaming(&client, &url).await;
            let mut received = 0;
            while let Some(chunk) = stream.chunk().await? {
                received += chunk.len();
            }
            Ok::<_, Error>(received)
        })
        .await
    });
    let error = result.expect_err("the trickle never ends");
    assert!(
        matches!(
            error,
            Error::Timeout {
                phase: TimeoutPhase::Total,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        format!("no complete response from {authority} within 600ms")
    );
    assert!(elapsed >= total, "fired early: {elapsed:?}");
    assert!(
        elapsed < total + Duration::from_millis(1500),
        "fired late: {elapsed:?}"
    );
}

#[test]
fn the_body_limit_applies_to_the_stream_and_zero_lifts_it() {
    const BODY: usize = 300 * 1024;
    let wire = [
        format!("HTTP/1.0 200 OK\r\nContent-Length: {BODY}\r\n\r\n").into_bytes(),
        pseudo_random(BODY, 3),
    ]
    .concat();
    let server = ScriptedServer::start(2, move |_| vec![Step::Write(wire.clone()), Step::Hold]);
    let url = server.url("/");
    let (limited, unlimited) = run(move || async move {
        let limited = client().max_body_bytes(BODY as u64 - 1).build();
        let request = Request::get(Url::parse(&url).unwrap());
        let limited = limited.send_streaming(request.clone()).await.map(|_| ());
        let unlimited = client().max_body_bytes(0).build();
        let stream = unlimited.send_streaming(request).await.expect("no limit");
        (limited, collect(stream).await.expect("the whole body"))
    });
    let error = limited.expect_err("one byte over the limit");
    assert_eq!(error.body_limit(), Some(BODY as u64 - 1));
    assert!(
        unlimited.body() == pseudo_random(BODY, 3),
        "the body differs"
    );
}

#[cfg(feature = "futures-io")]
#[test]
fn the_stream_is_an_async_buf_read_and_async_read() {
    use futures_lite::io::{AsyncBufReadExt, AsyncReadExt};

    let server = ScriptedServer::start(2, |request| {
        if request.target() == "/lines" {
            vec![
                Step::write(
                    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\none\ntw\r\n",
                ),
                Step::Sleep(Duration::from_millis(10)),
                Step::write("6\r\no\nthre\r\n2\r\ne\n\r\n0\r\n\r\n"),
                Step::Hold,
            ]
        } else {
            vec![
                Step::write("HTTP/1.0 200 OK\r\nContent-Length: 100\r\n\r\nonly this"),
                Step::Close,
            ]
        }
    });
    let (lines, short) = (server.url("/lines"), server.url("/short"));
    let (lines, (read, error)) = run(move || async move {
        let client = client().build();
        // AsyncBufRead: lines straddle the chunks.
        let mut stream = send_streaming(&client, &lines).await;
        let mut lines = Vec::new();
        let mut line = String::new();
        while stream.read_line(&mut line).await.expect("a line") > 0 {
            lines.push(std::mem::take(&mut line));
        }
        // AsyncRead: a short body is an error, carrying the client's. (The
        // trait's `read_to_end`, not the stream's own.)
        let mut stream = send_streaming(&client, &short).await;
        let mut body = Vec::new();
        let read = AsyncReadExt::read_to_end(&mut stream, &mut body).await;
        let error = read.expect_err("truncated");
        (lines, (body, error))
    });
    assert_eq!(lines, ["one\n", "two\n", "three\n"]);
    assert_eq!(read, b"only this");
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidData);
    let inner = error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<Error>())
        .expect("the client's error inside");
    assert!(
        inner
            .to_string()
            .ends_with("body truncated: got 9 of 100 bytes"),
        "{inner}"
    );
}

#[test]
fn content_length_is_what_the_stream_will_yield() {
    // (request method, response head, expected content_length)
    let cases: Vec<(bool, &str, Option<u64>)> = vec![
        (
            false,
            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
            Some(5),
        ),
        (
            true,
            "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n",
            Some(0),
        ),
        (
            false,
            "HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n",
            Some(0),
        ),
        (
            false,
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            None,
        ),
        (false, "HTTP/1.0 200 OK\r\n\r\n", None),
    ];
    let scripts = cases
        .iter()
        .map(|(_, wire, _)| vec![Step::write(wire), Step::Close])
        .collect();
    let server = util::case_server(scripts);
    let base = server.url("/case/");
    let heads: Vec<bool> = cases.iter().map(|(head, ..)| *head).collect();
    let lengths = run(move || async move {
        let client = client().build();
        let mut lengths = Vec::new();
        for (i, head) in heads.into_iter().enumerate() {
            let url = Url::parse(&format!("{base}{i}")).unwrap();
            let request = if head {
                Request::head(url)
            } else {
                Request::get(url)
            };
            let stream = client.send_streaming(request).await.expect("a head");
            let length = stream.content_length();
            let body = collect(stream).await.expect("a body").into_body();
            lengths.push((length, body.len() as u64));
        }
        lengths
    });
    for (i, ((_, _, want), (got, received))) in cases.iter().zip(lengths).enumerate() {
        assert_eq!(got, *want, "case {i}");
        if let Some(length) = got {
            assert_eq!(
                received, length,
                "case {i}: the stream yields its content_length"
            );
        }
    }
}

//! Body framing over real sockets: the client stops reading exactly when the
//! response's framing says it is complete (`Content-Length`, the last chunk,
//! no body for `HEAD`/204/304), reads to the close otherwise, and skips
//! interim 1xx responses — whether the body is read whole or streamed chunk
//! by chunk (every test runs through both paths). The server is
//! `util::ScriptedServer`, playing raw bytes; what happens when those bytes are wrong is in `broken_responses.rs`.

mod util;

use std::time::Duration;

use http_client::{Request, Url};
use util::{ScriptedServer, Step, both, case_server, client, fetch_each, run, timed};

/// A server that answers and then keeps the socket open should not be able
/// to delay a response whose framing is complete: every "at once" below is
/// measured against this.
const AT_ONCE: Duration = Duration::from_secs(2);

#[test]
fn content_length_completes_without_waiting_for_the_close() {
    both(|path| {
        let server = ScriptedServer::once(vec![
            Step::write(
                "HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhelloEXTRA BYTES AFTER THE BODY",
            ),
            Step::Sleep(Duration::from_millis(20)),
            Step::write("MORE JUNK"),
            Step::Hold, // the socket stays open for up to 20 s
        ]);
        let url = Url::parse(&server.url("/")).unwrap();
        let (response, elapsed) = run(move || async move {
            // The three steps by hand; `timeout` bounds them as a client would.
            let exchange = async {
                let mut connection = http_client::connect(&url).await?;
                connection.set_idle_timeout(Duration::from_secs(5));
                connection.send(&Request::get(url)).await?;
                path.read(connection).await
            };
            timed(runtime::time::timeout(Duration::from_secs(10), exchange)).await
        });
        let response = response
            .expect("finished in time")
            .expect("a complete response");
        assert_eq!(
            response.body(),
            b"hello",
            "bytes after the body are discarded"
        );
        assert!(
            elapsed < AT_ONCE,
            "took {elapsed:?} while the server held the socket"
        );
        eprintln!("content-length response with the socket held open: {elapsed:?}");
        // Completing the response closes the connection: the holding server sees it.
        let seen = server.finish(Duration::from_secs(5));
        assert!(
            seen[0].client_closed,
            "the client did not close the connection"
        );
    });
}

#[test]
fn close_delimited_body_ends_at_end_of_stream() {
    both(|path| {
        let big = util::pseudo_random(300 * 1024, 1);
        let cases = vec![
            // Pieces with pauses between them, then a normal close.
            vec![
                Step::write("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n"),
                Step::Sleep(Duration::from_millis(30)),
                Step::write("first piece, "),
                Step::Sleep(Duration::from_millis(30)),
                Step::write("second piece"),
                Step::Close,
            ],
            // A half-close ends the body even though the socket stays open.
            vec![
                Step::Write([&b"HTTP/1.0 200 OK\r\n\r\n"[..], &big].concat()),
                Step::ShutdownWrite,
                Step::Hold,
            ],
            // An empty close-delimited body.
            vec![
                Step::write("HTTP/1.0 200 OK\r\nServer: x\r\n\r\n"),
                Step::Close,
            ],
        ];
        let server = case_server(cases);
        let urls: Vec<String> = (0..3).map(|i| server.url(&format!("/case/{i}"))).collect();
        let bodies: Vec<Vec<u8>> = fetch_each(path, client(), urls)
            .into_iter()
            .map(|(result, _)| result.expect("a body").into_body())
            .collect();
        assert_eq!(bodies[0], b"first piece, second piece");
        assert!(bodies[1] == big, "300 KiB close-delimited body differs");
        assert_eq!(bodies[2], b"");
    });
}

#[test]
fn bodiless_responses_complete_at_once() {
    both(|path| {
        // Each server holds the socket open after the head: waiting for the
        // declared body (or the close) would take 20 s.
        let cases = vec![
            // HEAD: the Content-Length describes the GET body, none follows.
            vec![
                Step::write("HTTP/1.0 200 OK\r\nContent-Length: 1000\r\n\r\n"),
                Step::Hold,
            ],
            // HEAD without any length: no body either.
            vec![Step::write("HTTP/1.0 200 OK\r\n\r\n"), Step::Hold],
            // 204 with stray framing headers.
            vec![
                Step::write(
                    "HTTP/1.1 204 No Content\r\nContent-Length: 10\r\nTransfer-Encoding: chunked\r\n\r\n",
                ),
                Step::Hold,
            ],
            // 304 with the Content-Length of the cached representation.
            vec![
                Step::write(
                    "HTTP/1.1 304 Not Modified\r\nContent-Length: 20\r\nETag: \"x\"\r\n\r\n",
                ),
                Step::Hold,
            ],
        ];
        let server = case_server(cases);
        let base = server.url("/case/");
        let results = run(move || async move {
            let client = client().build();
            let mut results = Vec::new();
            for i in 0..4 {
                let url = Url::parse(&format!("{base}{i}")).unwrap();
                let request = if i < 2 {
                    Request::head(url)
                } else {
                    Request::get(url)
                };
                results.push(timed(path.send(&client, request)).await);
            }
            results
        });
        let statuses = [200, 200, 204, 304];
        for (i, (result, elapsed)) in results.into_iter().enumerate() {
            let response = result.unwrap_or_else(|e| panic!("case {i}: {e}"));
            assert_eq!(response.status(), statuses[i], "case {i}");
            assert_eq!(response.body(), b"", "case {i}");
            assert!(elapsed < AT_ONCE, "case {i} took {elapsed:?}");
            eprintln!("bodiless case {i}: {elapsed:?}");
        }
        let seen = server.finish(Duration::from_secs(5));
        assert_eq!(seen[0].request.method(), "HEAD");
        assert!(
            seen.iter().all(|s| s.client_closed),
            "every connection closed"
        );
    });
}

#[test]
fn interim_responses_are_skipped() {
    both(|path| {
        let server = ScriptedServer::once(vec![
            Step::write("HTTP/1.1 100 Continue\r\n\r\n"),
            Step::Sleep(Duration::from_millis(30)),
            Step::write("HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"),
            Step::Sleep(Duration::from_millis(30)),
            Step::write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Final: yes\r\n\r\nfinal"),
            Step::Hold,
        ]);
        let url = server.url("/");
        let (result, elapsed) =
            run(move || async move { timed(path.get(&client().build(), url)).await });
        let response = result.expect("the final response");
        assert_eq!(response.status(), 200);
        assert_eq!(response.body(), b"final");
        assert_eq!(response.header("x-final"), Some(&b"yes"[..]));
        assert_eq!(response.header("link"), None, "interim headers are dropped");
        assert!(elapsed < AT_ONCE, "took {elapsed:?}");
    });
}

#[test]
fn chunked_body_is_decoded() {
    both(|path| {
        let wire = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: Expires\r\n\r\n\
                5;name=value\r\nhello\r\n\
                1 ; quoted=\"a;b\"\r\n,\r\n\
                7\r\n world!\r\n\
                0;last\r\nExpires: never\r\nX-Trailer: 1\r\n\r\n";
        let (head, body) = wire.split_at(wire.find("5;").unwrap());
        let server = ScriptedServer::once(vec![
            Step::write(head),
            // The framing arrives a byte at a time, then the socket stays open:
            // the client must stop at the final empty line.
            Step::Trickle {
                bytes: body.as_bytes().to_vec(),
                delay: Duration::from_millis(1),
            },
            Step::write("GARBAGE AFTER THE MESSAGE"),
            Step::Hold,
        ]);
        let url = server.url("/chunked");
        let (result, elapsed) =
            run(move || async move { timed(path.get(&client().build(), url)).await });
        let response = result.expect("a decoded response");
        assert_eq!(response.text().unwrap(), "hello, world!");
        assert_eq!(response.header("x-trailer"), None, "trailers are discarded");
        assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");
    });
}

//! Broken responses over real sockets: a server that hangs up early (inside
//! the head, inside a `Content-Length` or chunked body, or before sending
//! anything), malformed chunked framing, an unsupported transfer coding,
//! invalid or conflicting `Content-Length` values, and a reset connection.
//! Each fails at once with an error that says precisely what is wrong, and
//! never returns raw or partial bytes as a body — whether the body is read
//! whole or streamed chunk by chunk (every test runs through both paths).

mod util;

use std::time::Duration;

use http_client::{Error, IoPhase, ParseError};
use util::{Path, ScriptedServer, Step, both, case_server, client, fetch_each, run, timed};

/// Every case is decided by bytes already sent (the servers hold the socket
/// open afterwards where that matters): an answer later than this means the
/// client waited.
const AT_ONCE: Duration = Duration::from_secs(2);

#[test]
fn early_close_is_reported_precisely() {
    both(|path| {
        // (script, the expected parse error)
        let cases: Vec<(Vec<Step>, ParseError)> = vec![
            (
                vec![
                    Step::write("HTTP/1.0 200 OK\r\nContent-Length: 10\r\n\r\nabc"),
                    Step::Close,
                ],
                ParseError::Truncated {
                    expected: 10,
                    received: 3,
                },
            ),
            (
                vec![Step::write("HTTP/1.0 200 OK\r\nContent-Le"), Step::Close],
                ParseError::ClosedInHeaders,
            ),
            (
                vec![Step::write("HTTP/1.0 20"), Step::Close],
                ParseError::ClosedInHeaders,
            ),
            (vec![Step::Close], ParseError::EmptyResponse),
            (
                vec![
                    Step::write(
                        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nd",
                    ),
                    Step::Close,
                ],
                ParseError::ChunkedTruncated { received: 4 },
            ),
        ];
        let (scripts, expected): (Vec<_>, Vec<_>) = cases.into_iter().unzip();
        let count = expected.len();
        let server = case_server(scripts);
        let authority = format!("127.0.0.1:{}", server.port());
        let base = server.url("/case/");
        let urls = (0..count).map(|i| format!("{base}{i}")).collect();
        let results = fetch_each(path, client(), urls);
        let messages = [
            "body truncated: got 3 of 10 bytes",
            "connection closed while reading headers",
            "connection closed while reading headers",
            "empty response: the server closed the connection without sending anything",
            "chunked body truncated: the connection closed after 4 bytes, before the last chunk",
        ];
        for (i, (result, elapsed)) in results.into_iter().enumerate() {
            let error = result.expect_err("an early close must fail");
            match &error {
                Error::Response { source, .. } => assert_eq!(source, &expected[i], "case {i}"),
                other => panic!("case {i}: expected a response error, got {other:?}"),
            }
            assert_eq!(
                error.to_string(),
                format!("bad response from {authority}: {}", messages[i]),
                "case {i}"
            );
            assert!(elapsed < AT_ONCE, "case {i} took {elapsed:?}");
        }
    });
}

#[test]
fn malformed_chunked_bodies_fail_clearly() {
    both(|path| {
        let chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
        // (body bytes after the head, the expected message); the server holds
        // the socket open afterwards, so each error must come from the bytes.
        let cases = [
            (
                "zz\r\nabc\r\n0\r\n\r\n",
                "invalid chunk size line: the chunk size is not a hex number",
            ),
            (
                "0x3\r\nabc\r\n0\r\n\r\n",
                "invalid chunk size line: the chunk size is not a hex number",
            ),
            (
                "-3\r\nabc\r\n0\r\n\r\n",
                "invalid chunk size line: the chunk size is not a hex number",
            ),
            (
                "\r\nabc\r\n0\r\n\r\n",
                "invalid chunk size line: missing chunk size",
            ),
            (
                "3\r\nabcdef\r\n0\r\n\r\n",
                "invalid chunked body: chunk data not followed by CRLF",
            ),
            (
                "3\rabc\r\n0\r\n\r\n",
                "invalid chunk size line: a CR must be followed by LF",
            ),
            (
                "10000000000000000\r\n",
                "invalid chunk size line: the chunk size has more than 16 hex digits",
            ),
            (
                "3\r\nabc\r\n0\r\nBad\rTrailer\r\n\r\n",
                "invalid trailer section: a CR must be followed by LF",
            ),
        ];
        let mut scripts: Vec<Vec<Step>> = cases
            .iter()
            .map(|(body, _)| vec![Step::write(format!("{chunked}{body}")), Step::Hold])
            .collect();
        // A coding the client cannot undo is refused, never returned raw.
        scripts.push(vec![
            Step::write(
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
            ),
            Step::Hold,
        ]);
        let mut messages: Vec<&str> = cases.iter().map(|(_, message)| *message).collect();
        messages.push(r#"unsupported transfer coding "gzip, chunked" (only chunked is supported)"#);
        expect_response_errors(path, scripts, &messages);
    });
}

#[test]
fn invalid_and_conflicting_content_length_are_rejected() {
    both(|path| {
        let cases = [
            ("Content-Length: +5\r\n", r#"invalid Content-Length "+5""#),
            ("Content-Length: -1\r\n", r#"invalid Content-Length "-1""#),
            ("Content-Length: 5x\r\n", r#"invalid Content-Length "5x""#),
            ("Content-Length: 0x5\r\n", r#"invalid Content-Length "0x5""#),
            ("Content-Length: \r\n", r#"invalid Content-Length """#),
            ("Content-Length: 1 2\r\n", r#"invalid Content-Length "1 2""#),
            (
                "Content-Length: 99999999999999999999\r\n",
                r#"invalid Content-Length "99999999999999999999""#,
            ),
            (
                "Content-Length: 5, 6\r\n",
                "conflicting Content-Length values 5 and 6",
            ),
            (
                "Content-Length: 5\r\nContent-Length: 6\r\n",
                "conflicting Content-Length values 5 and 6",
            ),
        ];
        let scripts = cases
            .iter()
            .map(|(fields, _)| {
                vec![
                    Step::write(format!("HTTP/1.1 200 OK\r\n{fields}\r\nhello")),
                    Step::Hold,
                ]
            })
            .collect();
        let messages: Vec<&str> = cases.iter().map(|(_, message)| *message).collect();
        expect_response_errors(path, scripts, &messages);

        // Repeated but agreeing values are one length.
        let server = ScriptedServer::once(vec![
            Step::write(
                "HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\ncontent-length: 5\r\n\r\nhello",
            ),
            Step::Hold,
        ]);
        let url = server.url("/");
        let response = run(move || async move { path.get(&client().build(), url).await });
        assert_eq!(response.expect("agreeing lengths").body(), b"hello");
    });
}

#[test]
fn reset_mid_body_is_an_io_error() {
    both(|path| {
        let server = ScriptedServer::unread(vec![
            Step::write("HTTP/1.0 200 OK\r\nContent-Length: 100\r\n\r\n0123456789"),
            Step::Sleep(Duration::from_millis(50)),
            Step::Reset,
        ]);
        let authority = format!("127.0.0.1:{}", server.port());
        let url = server.url("/");
        let (result, elapsed) =
            run(move || async move { timed(path.get(&client().build(), url)).await });
        let error = result.expect_err("a reset connection fails");
        assert!(
            matches!(
                error,
                Error::Io {
                    phase: IoPhase::Receiving,
                    ..
                }
            ),
            "{error:?}"
        );
        assert_eq!(
            error.to_string(),
            format!("reading response from {authority}: connection reset by peer")
        );
        assert!(elapsed < AT_ONCE, "took {elapsed:?}");
    });
}

/// Serves `scripts` as `/case/{i}` and checks that fetching each through
/// `path` fails at once with `bad response from ADDR: {messages[i]}`.
fn expect_response_errors(path: Path, scripts: Vec<Vec<Step>>, messages: &[&str]) {
    assert_eq!(scripts.len(), messages.len());
    let server = case_server(scripts);
    let authority = format!("127.0.0.1:{}", server.port());
    let base = server.url("/case/");
    let count = messages.len();
    let urls = (0..count).map(|i| format!("{base}{i}")).collect();
    let results = fetch_each(path, client(), urls);
    for (i, (result, elapsed)) in results.into_iter().enumerate() {
        let error = match result {
            Ok(response) => panic!(
                "case {i}: expected {:?}, got a response with body {:?}",
                messages[i],
                util::show(response.body(), 80)
            ),
            Err(error) => error,
        };
        assert!(
            matches!(error, Error::Response { .. }),
            "case {i}: {error:?}"
        );
        assert_eq!(
            error.to_string(),
            format!("bad response from {authority}: {}", messages[i]),
            "case {i}"
        );
        assert!(elapsed < AT_ONCE, "case {i} took {elapsed:?}");
    }
}

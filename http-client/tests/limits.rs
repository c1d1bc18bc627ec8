//! Response limits over real sockets: the header section's size, the number
//! of header fields, and the body's size (declared, chunked or
//! close-delimited). A limit is enforced the moment it is crossed — never at
//! a timeout, never after buffering the excess — so a server that streams
//! forever costs a bounded amount of memory and time.

mod util;

use std::time::Duration;

use http_client::{Error, ParseError};
use util::{ScriptedServer, Step, both, client, run, timed};

/// The servers below hold the socket open (or keep sending) after the bytes
/// that decide the case: an answer later than this means the client waited.
const AT_ONCE: Duration = Duration::from_secs(2);

#[test]
fn header_section_over_the_limit_fails_as_soon_as_it_crosses() {
    both(|path| {
        // A head of exactly 1 KiB is accepted.
        let line = "HTTP/1.1 200 OK\r\n";
        let end = "Content-Length: 2\r\n\r\n";
        let filler = 1024 - line.len() - end.len() - "X-Fill: \r\n".len();
        let exact = format!("{line}X-Fill: {}\r\n{end}ok", "f".repeat(filler));
        assert_eq!(exact.len(), 1024 + 2);
        let server = ScriptedServer::once(vec![Step::write(exact), Step::Hold]);
        let url = server.url("/");
        let response = run(move || async move {
            path.get(&client().max_header_bytes(1024).build(), url)
                .await
        });
        assert_eq!(response.expect("a 1 KiB head").body(), b"ok");

        // A head that never ends: header lines forever.
        let server = ScriptedServer::once(vec![
            Step::write(line),
            Step::Flood(b"X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n".to_vec()),
        ]);
        let url = server.url("/");
        let (result, elapsed) = run(move || async move {
            timed(path.get(&client().max_header_bytes(1024).build(), url)).await
        });
        let error = result.expect_err("an endless head must fail");
        expect_parse_error(&error, &ParseError::HeadersTooLarge { limit: 1024 });
        assert!(
            error
                .to_string()
                .ends_with(": header section exceeds the 1 KiB limit")
        );
        assert!(elapsed < AT_ONCE, "took {elapsed:?}");
        let seen = server.finish(Duration::from_secs(5));
        assert!(
            seen[0].client_closed,
            "the client hung up on the endless head"
        );
        eprintln!(
            "endless head: failed after {elapsed:?}; the server wrote {} bytes",
            seen[0].written
        );
    });
}

#[test]
fn more_fields_than_the_limit_fail() {
    both(|path| {
        let head = |fields: usize| {
            let mut head = String::from("HTTP/1.1 200 OK\r\n");
            for i in 1..fields {
                head.push_str(&format!("X-Field-{i}: {i}\r\n"));
            }
            head + "Content-Length: 2\r\n\r\nok"
        };
        let server = ScriptedServer::start(2, move |request| {
            let fields = if request.target() == "/ten" { 10 } else { 11 };
            vec![Step::write(head(fields)), Step::Hold]
        });
        let (ten, eleven) = (server.url("/ten"), server.url("/eleven"));
        let (ten, (eleven, elapsed)) = run(move || async move {
            let client = client().max_headers(10).build();
            (
                path.get(&client, ten).await,
                timed(path.get(&client, eleven)).await,
            )
        });
        assert_eq!(ten.expect("10 fields are allowed").headers().len(), 10);
        let error = eleven.expect_err("11 fields are too many");
        expect_parse_error(&error, &ParseError::TooManyHeaders { limit: 10 });
        assert!(error.to_string().ends_with(": more than 10 header fields"));
        assert!(elapsed < AT_ONCE, "took {elapsed:?}");
    });
}

#[test]
fn declared_length_over_the_limit_fails_before_the_body() {
    both(|path| {
        // Only the head is sent, then the server stalls: the client must decide
        // from the head alone, not wait for a body or a timeout.
        let server = ScriptedServer::start(2, |request| {
            let length = if request.target() == "/fits" {
                1000
            } else {
                1001
            };
            let mut steps = vec![Step::write(format!(
                "HTTP/1.0 200 OK\r\nContent-Length: {length}\r\n\r\n"
            ))];
            if length == 1000 {
                steps.push(Step::Write(vec![b'x'; 1000]));
            }
            steps.push(Step::Hold);
            steps
        });
        let (fits, over) = (server.url("/fits"), server.url("/over"));
        let (fits, (over, elapsed)) = run(move || async move {
            let client = client()
                .max_body_bytes(1000)
                .idle_timeout(Duration::from_secs(10))
                .build();
            (
                path.get(&client, fits).await,
                timed(path.get(&client, over)).await,
            )
        });
        assert_eq!(fits.expect("exactly the limit").body().len(), 1000);
        let error = over.expect_err("one byte over the limit");
        expect_parse_error(&error, &ParseError::BodyTooLarge { limit: 1000 });
        assert!(
            error
                .to_string()
                .ends_with(": body exceeds the 1000 B limit")
        );
        assert!(
            elapsed < AT_ONCE,
            "took {elapsed:?}: it waited for the body"
        );
        eprintln!("declared length over the limit: failed after {elapsed:?}");
    });
}

#[test]
fn close_delimited_body_fails_the_moment_it_crosses_the_limit() {
    both(|path| {
        const LIMIT: usize = 64 * 1024;
        let head = "HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n";
        let server = ScriptedServer::start(2, move |request| match request.target() {
            // Exactly the limit, then the close: accepted.
            "/exact" => vec![
                Step::write(head),
                Step::Write(util::pseudo_random(LIMIT, 7)),
                Step::Close,
            ],
            // One byte more, then a stall: refused at once.
            _ => vec![
                Step::write(head),
                Step::Write(vec![b'x'; LIMIT + 1]),
                Step::Hold,
            ],
        });
        let (exact, over) = (server.url("/exact"), server.url("/over"));
        let (exact, (over, elapsed)) = run(move || async move {
            let client = client().max_body_bytes(LIMIT as u64).build();
            (
                path.get(&client, exact).await,
                timed(path.get(&client, over)).await,
            )
        });
        assert!(exact.expect("exactly the limit").into_body() == util::pseudo_random(LIMIT, 7));
        let error = over.expect_err("one byte over the limit");
        expect_parse_error(
            &error,
            &ParseError::BodyTooLarge {
                limit: LIMIT as u64,
            },
        );
        assert!(
            error
                .to_string()
                .ends_with(": body exceeds the 64 KiB limit")
        );
        assert!(
            elapsed < AT_ONCE,
            "took {elapsed:?}: it waited for the close"
        );
    });
}

#[test]
fn endless_body_fails_promptly_with_bounded_memory() {
    both(|path| {
        const LIMIT: u64 = 1 << 20;
        let server = ScriptedServer::once(vec![
            Step::write("HTTP/1.0 200 OK\r\n\r\n"),
            Step::Flood(vec![b'z'; 64 * 1024]),
        ]);
        let url = server.url("/endless");
        let (result, elapsed) = run(move || async move {
            timed(path.get(&client().max_body_bytes(LIMIT).build(), url)).await
        });
        let error = result.expect_err("an endless body must fail");
        expect_parse_error(&error, &ParseError::BodyTooLarge { limit: LIMIT });
        assert!(elapsed < AT_ONCE, "took {elapsed:?}");
        // The client stopped reading and closed: the server could only push the
        // limit plus what the socket buffers hold, not an unbounded stream.
        let seen = server.finish(Duration::from_secs(5));
        assert!(seen[0].client_closed, "the client hung up");
        assert!(
            seen[0].written < 64 << 20,
            "the server wrote {} bytes before the client hung up",
            seen[0].written
        );
        eprintln!(
            "endless body, 1 MiB limit: failed after {elapsed:?}; the server wrote {} bytes",
            seen[0].written
        );
    });
}

#[test]
fn chunked_body_over_the_limit_fails_before_the_chunk_data() {
    both(|path| {
        // Two chunks fit exactly; a third chunk's size line crosses the limit,
        // and no data follows: the size alone must decide.
        let server = ScriptedServer::once(vec![
            Step::write(
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\
             200\r\n",
            ),
            Step::Write(vec![b'a'; 512]),
            Step::write("\r\n200\r\n"),
            Step::Write(vec![b'b'; 512]),
            Step::write("\r\n1\r\n"),
            Step::Hold,
        ]);
        let url = server.url("/");
        let (result, elapsed) = run(move || async move {
            timed(path.get(&client().max_body_bytes(1024).build(), url)).await
        });
        let error = result.expect_err("the third chunk crosses the limit");
        expect_parse_error(&error, &ParseError::BodyTooLarge { limit: 1024 });
        assert!(elapsed < AT_ONCE, "took {elapsed:?}");
    });
}

/// Checks that `error` is a response error carrying `expected`.
#[track_caller]
fn expect_parse_error(error: &Error, expected: &ParseError) {
    match error {
        Error::Response { source, .. } => assert_eq!(source, expected, "{error}"),
        other => panic!("expected {expected:?}, got {other:?}"),
    }
}

//! End-to-end table tests of [`ResponseParser`]: every framing rule, interim
//! responses, limits and end-of-stream errors, each input fed whole and then
//! one byte at a time (both must agree).

use std::mem::discriminant;

use super::*;
use crate::Version;

/// What a test expects from parsing an input.
#[derive(Debug, Clone, PartialEq)]
enum Want {
    /// A response with this status and body.
    Done(u16, &'static [u8]),
    /// Still waiting for bytes.
    Partial,
    /// This error.
    Fail(ParseError),
}
use Want::*;

/// Parses `input` with `limits`, fed whole and byte by byte, then finishes if
/// `eof`. Both feedings must agree; returns the outcome.
fn run(
    input: &[u8],
    is_head: bool,
    eof: bool,
    limits: Limits,
) -> Result<Status<Response>, ParseError> {
    let feed = |pieces: &mut dyn Iterator<Item = &[u8]>| {
        let mut parser = ResponseParser::new(is_head, limits);
        for piece in pieces {
            if let Status::Complete(response) = parser.feed(piece)? {
                return Ok(Status::Complete(response));
            }
        }
        if eof {
            parser.finish().map(Status::Complete)
        } else {
            Ok(Status::Partial)
        }
    };
    let whole = feed(&mut std::iter::once(input));
    let shown = String::from_utf8_lossy(input);
    match (&whole, feed(&mut input.chunks(1))) {
        // An early rejection quotes only the bytes that had arrived, so
        // errors need only agree on their kind.
        (Err(a), Err(b)) => assert_eq!(discriminant(a), discriminant(&b), "{shown:?} byte by byte"),
        (a, b) => assert_eq!(a, &b, "{shown:?} byte by byte"),
    }
    assert_eq!(whole, parse_response(input, is_head, eof, &limits));
    whole
}

fn check(cases: &[(&[u8], bool, bool, Want)], limits: Limits) {
    for (input, is_head, eof, want) in cases {
        let got = match run(input, *is_head, *eof, limits) {
            Ok(Status::Complete(response)) => match want {
                Done(status, body) if response.status() == *status && response.body() == *body => {
                    continue;
                }
                _ => format!("{response:?} with body {:?}", response.text_lossy()),
            },
            Ok(Status::Partial) if *want == Partial => continue,
            Ok(Status::Partial) => "Partial".to_owned(),
            Err(error) if *want == Fail(error.clone()) => continue,
            Err(error) => format!("error: {error}"),
        };
        panic!(
            "{:?} (head={is_head}, eof={eof}): want {want:?}, got {got}",
            String::from_utf8_lossy(input)
        );
    }
}

#[test]
fn frames_bodies() {
    let cases: &[(&[u8], bool, bool, Want)] = &[
        // Content-Length: complete without waiting for close; extra bytes dropped.
        (b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", false, false, Done(200, b"hello")),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello world", false, false, Done(200, b"hello")),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", false, false, Done(200, b"")),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel", false, false, Partial),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\nhello", false, false, Done(200, b"hello")),
        // Close-delimited: complete only at EOF.
        (b"HTTP/1.0 200 OK\r\n\r\nhello", false, false, Partial),
        (b"HTTP/1.0 200 OK\r\n\r\nhello", false, true, Done(200, b"hello")),
        (b"HTTP/1.0 200 OK\r\n\r\n", false, true, Done(200, b"")),
        (b"HTTP/1.0 200 OK\n\nhello", false, true, Done(200, b"hello")),
        // Chunked: decoded, never the raw framing; wins over Content-Length.
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", false, false, Done(200, b"hello")),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", false, false, Done(200, b"hello")),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n0\r\nT: 1\r\n\r\nleftover", false, false, Done(200, b"hello")),
        (b"HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n", false, true, Done(200, b"hello")),
        // No body for HEAD, 204, 304: complete at the end of the head.
        (b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", true, false, Done(200, b"")),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", true, false, Done(200, b"")),
        (b"HTTP/1.1 200 OK\r\n\r\n", true, false, Done(200, b"")),
        (b"HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nhello", false, false, Done(204, b"")),
        (b"HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n", false, false, Done(304, b"")),
        (b"HTTP/1.1 304 Not Modified\r\n\r\n", false, false, Done(304, b"")),
    ];
    check(cases, Limits::default());
}

#[test]
fn skips_interim_responses() {
    let cases: &[(&[u8], bool, bool, Want)] = &[
        (b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", false, false, Done(200, b"ok")),
        (
            b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 100 Continue\n\nHTTP/1.1 204 No Content\r\n\r\n",
            false,
            false,
            Done(204, b""),
        ),
        (b"HTTP/1.1 100 Continue\r\n\r\n", false, false, Partial),
        (b"HTTP/1.1 100 Continue\r\n\r\n", false, true, Fail(ParseError::ClosedInHeaders)),
        (b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n", true, false, Done(200, b"")),
        (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n", false, false, Fail(ParseError::SwitchingProtocols)),
        (b"HTTP/1.1 100 Continue\r\n\r\nICY 200 OK\r\n\r\n", false, false, Fail(ParseError::InvalidStatusLine("ICY 200 OK".into()))),
    ];
    check(cases, Limits::default());
}

#[test]
fn interim_headers_are_discarded() {
    let input =
        b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.0 200 OK\r\nA: 1\r\n\r\n";
    let Ok(Status::Complete(response)) = run(input, false, true, Limits::default()) else {
        panic!()
    };
    let names: Vec<&str> = response.headers().iter().map(|(name, _)| name).collect();
    assert_eq!(names, ["A"]);
    assert_eq!(response.version(), Version::Http10);
}

#[test]
fn reports_bad_heads() {
    use ParseError::*;
    #[rustfmt::skip]
    let cases: &[(&[u8], bool, bool, Want)] = &[
        (b"", false, true, Fail(EmptyResponse)),
        (b"", false, false, Partial),
        (b"HTTP/1.1 200 OK\r\nA: b", false, true, Fail(ClosedInHeaders)),
        (b"HTTP/1.1 20", false, true, Fail(ClosedInHeaders)),
        (b"ICY 200 OK\r\n\r\n", false, false, Fail(InvalidStatusLine("ICY 200 OK".into()))),
        (b"ICY", false, false, Fail(InvalidStatusLine("ICY".into()))),
        (b"<html>hello</html>", false, false, Fail(InvalidStatusLine("<html>hello</html>".into()))),
        (b"HTTP/2 200\r\n\r\n", false, false, Fail(UnsupportedVersion("HTTP/2".into()))),
        (b"HTTP/1.1 200\r\n\r\n", true, false, Done(200, b"")),
        (b"HTTP/1.1 200 \r\n\r\n", true, false, Done(200, b"")),
        (b"HTTP/1.1 200 OK\rX: y\r\n\r\n", false, false, Fail(InvalidStatusLine("HTTP/1.1 200 OK\\rX: y".into()))),
        (b"\r\nHTTP/1.1 200 OK\r\n\r\n", false, false, Fail(InvalidStatusLine("".into()))),
        (
            b"HTTP/1.1 200 OK\r\nX : y\r\n\r\n",
            false,
            false,
            Fail(InvalidHeader {
                line: "X : y".into(),
                reason: "the field name is not a token (no whitespace before the colon)",
            }),
        ),
        (b"HTTP/1.1 200 OK\r\nX: a\0b\r\n\r\n", false, false, Fail(InvalidHeader { line: "X: a\\x00b".into(), reason: "NUL byte" })),
        (
            b"HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n",
            false,
            false,
            Fail(InvalidHeader {
                line: "X: a\\rb".into(),
                reason: "bare CR (a CR must be followed by LF)",
            }),
        ),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
            false,
            false,
            Fail(UnsupportedTransferCoding("gzip, chunked".into())),
        ),
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
            false,
            false,
            Fail(ConflictingContentLength {
                first: 5,
                second: 6,
            }),
        ),
        (b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", false, false, Fail(InvalidContentLength("-1".into()))),
    ];
    check(cases, Limits::default());
}

#[test]
fn reports_bad_bodies() {
    use ParseError::*;
    #[rustfmt::skip]
    let cases: &[(&[u8], bool, bool, Want)] = &[
        (b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789", false, true, Fail(Truncated { expected: 100, received: 10 })),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n", false, true, Fail(Truncated { expected: 1, received: 0 })),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel", false, true, Fail(ChunkedTruncated { received: 3 })),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", false, true, Fail(ChunkedTruncated { received: 0 })),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            false,
            false,
            Fail(InvalidChunkSize {
                reason: "the chunk size is not a hex number",
            }),
        ),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc", false, false, Fail(InvalidChunkDelimiter)),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2 \r\nab\r\n0\r\n\r\n",
            false,
            false,
            Fail(InvalidChunkSize { reason: "whitespace after the chunk size must be followed by ;" }),
        ),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;a=b c\r\nab\r\n0\r\n\r\n",
            false,
            false,
            Fail(InvalidChunkExtension { reason: "whitespace after a value must be followed by ;" }),
        ),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2 ; a = \"b\\\"\" ; c\r\nab\r\n0\r\n\r\n",
            false,
            false,
            Done(200, b"ab"),
        ),
    ];
    check(cases, Limits::default());
}

#[test]
fn enforces_limits_exactly() {
    use ParseError::*;
    let head = b"HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\n\r\n"; // 31 bytes, 2 fields
    assert_eq!(head.len(), 31);
    let base = Limits::default();
    // (input, is_head, limits, expected); every input is followed by EOF.
    #[rustfmt::skip]
    let cases: &[(&[u8], bool, Limits, Want)] = &[
        (head, true, base.with_max_header_bytes(31), Done(200, b"")),
        (head, true, base.with_max_header_bytes(30), Fail(HeadersTooLarge { limit: 30 })),
        (head, true, base.with_max_headers(2), Done(200, b"")),
        (head, true, base.with_max_headers(1), Fail(TooManyHeaders { limit: 1 })),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nabcd", false, base.with_max_body_bytes(4), Done(200, b"abcd")),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", false, base.with_max_body_bytes(4), Fail(BodyTooLarge { limit: 4 })),
        (b"HTTP/1.0 200 OK\r\n\r\nabcd", false, base.with_max_body_bytes(4), Done(200, b"abcd")),
        (b"HTTP/1.0 200 OK\r\n\r\nabcde", false, base.with_max_body_bytes(4), Fail(BodyTooLarge { limit: 4 })),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n0\r\n\r\n",
            false,
            base.with_max_body_bytes(4),
            Done(200, b"abcd"),
        ),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n1\r\n",
            false,
            base.with_max_body_bytes(4),
            Fail(BodyTooLarge { limit: 4 }),
        ),
    ];
    for (input, is_head, limits, want) in cases {
        check(&[(input, *is_head, true, want.clone())], *limits);
    }
}

#[test]
fn each_interim_head_has_its_own_limit() {
    let input = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n\r\n"; // heads of 25 and 19 bytes
    check(
        &[(input, true, false, Done(200, b""))],
        Limits::default().with_max_header_bytes(25),
    );
}

#[test]
fn tracks_the_phase() {
    let mut parser = ResponseParser::new(false, Limits::default());
    #[rustfmt::skip]
    let steps: &[(&[u8], ParsePhase)] = &[
        (b"", ParsePhase::Waiting),
        (b"HTTP/1.1 100 Cont", ParsePhase::StatusLine),
        (b"inue\r\n", ParsePhase::Headers),
        (b"\r\n", ParsePhase::StatusLine),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n", ParsePhase::Body),
        (b"o", ParsePhase::Body),
        (b"k", ParsePhase::Complete),
    ];
    for (bytes, phase) in steps {
        let _ = parser.feed(bytes).unwrap();
        assert_eq!(parser.phase(), *phase, "after {bytes:?}");
    }
    assert_eq!(parser.bytes_received(), 65);
    assert_eq!(parser.feed(b"x"), Err(ParseError::AlreadyComplete));
    assert_eq!(parser.finish(), Err(ParseError::AlreadyComplete));
}

#[test]
fn errors_are_sticky() {
    let mut parser = ResponseParser::new(false, Limits::default());
    let error = ParseError::InvalidContentLength("x".into());
    assert_eq!(
        parser.feed(b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n"),
        Err(error.clone())
    );
    assert_eq!(parser.phase(), ParsePhase::Headers);
    assert_eq!(parser.feed(b"more"), Err(error.clone()));
    assert_eq!(parser.finish(), Err(error));
    let debug = format!("{parser:?}");
    assert!(debug.contains("phase: Headers"), "{debug}");
}

#[test]
fn trickled_heads_cost_linear_time() {
    // 60 KiB of headers, one byte per feed: quadratic rescanning would take
    // billions of steps; the resumable scan takes about 60 thousand.
    let mut input = b"HTTP/1.1 200 OK\r\n".to_vec();
    while input.len() < 60 * 1024 {
        input.extend_from_slice(b"X-Filler: abcdefghijklmnopqrstuvwxyz\r\n");
    }
    input.extend_from_slice(b"\r\n");
    let limits = Limits::default().with_max_headers(10_000);
    let mut parser = ResponseParser::new(true, limits);
    let started = std::time::Instant::now();
    let mut done = false;
    for byte in input.chunks(1) {
        done = matches!(parser.feed(byte).unwrap(), Status::Complete(_));
    }
    assert!(done);
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}

#[test]
fn large_bodies_are_copied_once_into_a_reserved_vec() {
    let body = vec![b'x'; 10 << 20];
    let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len());
    let mut parser = ResponseParser::new(false, Limits::default());
    assert_eq!(parser.feed(head.as_bytes()), Ok(Status::Partial));
    let mut last = Status::Partial;
    for piece in body.chunks(64 * 1024) {
        last = parser.feed(piece).unwrap();
    }
    let Status::Complete(response) = last else {
        panic!("incomplete")
    };
    let body_out = response.into_body();
    assert_eq!(body_out.len(), body.len());
    assert_eq!(
        body_out.capacity(),
        body.len(),
        "reserved once, never regrown"
    );
}

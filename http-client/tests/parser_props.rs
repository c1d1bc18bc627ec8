//! Property tests of the pure protocol layer:
//!
//! - a valid response, whatever its framing, parses to the same [`Response`]
//!   whether it arrives whole, in random pieces or one byte at a time;
//! - arbitrary bytes, fed in arbitrary pieces, never panic and never yield
//!   more than the limits allow;
//! - [`Url::parse`] and [`Url::join`] never panic, and what they produce
//!   prints to text that parses back to the same URL.
//!
//! Case counts are modest so the suite runs in seconds; nothing here touches
//! the network.

mod util;

use http_client::{Limits, ParseError, Response, ResponseParser, Status, Url, parse_response};
use proptest::prelude::*;
use proptest::sample::Index;
use util::split_at_cuts;

/// How a generated response delimits its body.
#[derive(Debug, Clone, Copy)]
enum Framing {
    ContentLength,
    Chunked,
    Close,
}

/// A generated valid response and what parsing it must give.
#[derive(Debug, Clone)]
struct Generated {
    /// The bytes on the wire, possibly followed by junk after the message.
    wire: Vec<u8>,
    /// Where the message ends in `wire` (for a close-delimited body, the end).
    message_len: usize,
    framing: Framing,
    status: u16,
    reason: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

fn framing() -> impl Strategy<Value = Framing> {
    prop_oneof![
        Just(Framing::ContentLength),
        Just(Framing::Chunked),
        Just(Framing::Close)
    ]
}

prop_compose! {
    fn valid_response()(
        version in prop::sample::select(vec!["HTTP/1.0", "HTTP/1.1"]),
        status in prop::sample::select(vec![200u16, 201, 203, 206, 301, 302, 307, 400, 404, 418, 500, 503, 999]),
        reason in "[A-Za-z][A-Za-z ]{0,12}|",
        headers in prop::collection::vec(("X-[A-Za-z0-9-]{1,10}", "[!-~]([ -~]{0,18}[!-~])?"), 0..8),
        body in prop::collection::vec(any::<u8>(), 0..2048),
        framing in framing(),
        chunk_sizes in prop::collection::vec(1usize..300, 1..20),
        lf_only in any::<bool>(),
        interim in any::<bool>(),
        extensions in any::<bool>(),
        trailer in any::<bool>(),
        junk in prop::collection::vec(any::<u8>(), 0..64),
    ) -> Generated {
        let eol: &[u8] = if lf_only { b"\n" } else { b"\r\n" };
        let mut wire = Vec::new();
        if interim {
            wire.extend_from_slice(b"HTTP/1.1 100 Continue");
            wire.extend_from_slice(eol);
            wire.extend_from_slice(b"X-Interim: dropped");
            wire.extend_from_slice(eol);
            wire.extend_from_slice(eol);
        }
        wire.extend_from_slice(format!("{version} {status}").as_bytes());
        if !reason.is_empty() {
            wire.extend_from_slice(format!(" {reason}").as_bytes());
        }
        wire.extend_from_slice(eol);
        for (name, value) in &headers {
            wire.extend_from_slice(format!("{name}: {value}").as_bytes());
            wire.extend_from_slice(eol);
        }
        match framing {
            Framing::ContentLength => wire.extend_from_slice(format!("Content-Length: {}", body.len()).as_bytes()),
            Framing::Chunked => wire.extend_from_slice(b"Transfer-Encoding: chunked"),
            Framing::Close => {}
        }
        if !matches!(framing, Framing::Close) {
            wire.extend_from_slice(eol);
        }
        wire.extend_from_slice(eol);
        match framing {
            Framing::ContentLength | Framing::Close => wire.extend_from_slice(&body),
            Framing::Chunked => {
                let mut rest = &body[..];
                for &size in chunk_sizes.iter().cycle() {
                    if rest.is_empty() {
                        break;
                    }
                    let (chunk, tail) = rest.split_at(size.min(rest.len()));
                    wire.extend_from_slice(format!("{:x}", chunk.len()).as_bytes());
                    if extensions {
                        wire.extend_from_slice(b";name=\"v;x\"");
                    }
                    wire.extend_from_slice(eol);
                    wire.extend_from_slice(chunk);
                    wire.extend_from_slice(eol);
                    rest = tail;
                }
                wire.push(b'0');
                wire.extend_from_slice(eol);
                if trailer {
                    wire.extend_from_slice(b"Expires: never");
                    wire.extend_from_slice(eol);
                }
                wire.extend_from_slice(eol);
            }
        }
        let message_len = wire.len();
        if !matches!(framing, Framing::Close) {
            wire.extend_from_slice(&junk);
        }
        Generated { wire, message_len, framing, status, reason, headers, body }
    }
}

/// Feeds `pieces` to a fresh parser, finishing at the end. Also returns how
/// many bytes had been fed when the response completed.
fn feed_all(pieces: &[&[u8]], limits: Limits) -> (Result<Response, ParseError>, usize) {
    let mut parser = ResponseParser::new(false, limits);
    let mut fed = 0;
    for piece in pieces {
        fed += piece.len();
        match parser.feed(piece) {
            Ok(Status::Complete(response)) => return (Ok(response), fed),
            Ok(Status::Partial) => {}
            Err(error) => return (Err(error), fed),
        }
    }
    (parser.finish(), fed)
}

fn check_expected(response: &Response, want: &Generated) -> Result<(), TestCaseError> {
    prop_assert_eq!(response.status(), want.status);
    prop_assert_eq!(response.reason(), want.reason.as_str());
    prop_assert_eq!(response.body(), &want.body[..]);
    prop_assert!(response.headers().get("x-interim").is_none());
    let custom: Vec<(&str, &[u8])> = response
        .headers()
        .iter()
        .filter(|(name, _)| name.starts_with("X-"))
        .collect();
    let expected: Vec<(&str, &[u8])> = want
        .headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_bytes()))
        .collect();
    prop_assert_eq!(custom, expected);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// (a) Splitting never changes the result, and a framed response
    /// completes exactly on the piece holding its last byte.
    #[test]
    fn splitting_does_not_change_the_response(
        generated in valid_response(),
        cuts in prop::collection::vec(prop::collection::vec(any::<Index>(), 0..12), 3),
    ) {
        let limits = Limits::default();
        let close = matches!(generated.framing, Framing::Close);
        let whole = match parse_response(&generated.wire, false, close, &limits) {
            Ok(Status::Complete(response)) => response,
            other => return Err(TestCaseError::fail(format!("{other:?}"))),
        };
        check_expected(&whole, &generated)?;

        let bytes: Vec<&[u8]> = generated.wire.chunks(1).collect();
        let mut splits: Vec<Vec<&[u8]>> = cuts.iter().map(|cuts| split_at_cuts(&generated.wire, cuts)).collect();
        splits.push(bytes);
        for pieces in splits {
            let (result, fed) = feed_all(&pieces, limits);
            prop_assert_eq!(result.as_ref(), Ok(&whole));
            if !close {
                // Completed on the piece containing the message's last byte.
                let piece_len = pieces.iter().scan(0, |end, p| { *end += p.len(); Some(*end) })
                    .find(|&end| end >= generated.message_len);
                prop_assert_eq!(Some(fed), piece_len);
            }
        }
    }

    /// (b) Arbitrary bytes, alone or after a plausible head, fed in arbitrary
    /// pieces: no panic, and nothing beyond the limits.
    #[test]
    fn arbitrary_bytes_stay_within_limits(
        prefix in prop::sample::select(vec![
            &b""[..],
            b"HTTP/1.1 200 OK\r\n",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: 600\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n",
            b"HTTP/1.0 200 OK\r\n\r\n",
            b"HTTP/1.1 100 Continue\r\n\r\n",
        ]),
        tail in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..2048),
            prop::collection::vec(prop::sample::select(b"0123456789abcdefAF;= \t\r\n:xHTP/1.".to_vec()), 0..2048),
        ],
        cuts in prop::collection::vec(any::<Index>(), 0..16),
        is_head in any::<bool>(),
    ) {
        let limits = Limits::default().with_max_header_bytes(256).with_max_headers(8).with_max_body_bytes(512);
        let input = [prefix, &tail[..]].concat();
        let mut parser = ResponseParser::new(is_head, limits);
        let mut outcome = None;
        for piece in split_at_cuts(&input, &cuts) {
            match parser.feed(piece) {
                Ok(Status::Partial) => {}
                done => { outcome = Some(done); break; }
            }
        }
        let outcome = outcome.unwrap_or_else(|| parser.finish().map(Status::Complete));
        if let Ok(Status::Complete(response)) = outcome {
            prop_assert!(response.body().len() <= 512);
            prop_assert!(response.headers().len() <= 8);
            prop_assert!((200..=999).contains(&response.status()));
        }
        // Whatever happened, the parser is finished with this response.
        prop_assert!(parser.finish().is_err());
    }

    /// (c) `Url::parse` never panics; a parsed URL round-trips through its text.
    #[test]
    fn url_parse_never_panics(
        text in prop_oneof![
            any::<String>(),
            "(http|HTTP|https|ftp)?(://)?[a-zA-Z0-9:/?#@.%_\\[\\] -]{0,40}",
            "http://(\\[[0-9a-fA-F:.]{0,20}\\]|[a-z0-9.]{0,12})(:[0-9]{0,6})?(/[a-z./]{0,12})?(\\?[a-z=&]{0,8})?",
        ],
    ) {
        if let Ok(url) = Url::parse(&text) {
            prop_assert!(url.path_and_query().starts_with('/'));
            prop_assert_eq!(Url::parse(&url.to_string()), Ok(url));
        }
    }

    /// (c) `Url::join` never panics; a joined URL round-trips through its text.
    #[test]
    fn url_join_never_panics(
        base in prop::sample::select(vec!["http://h/", "http://h/a/b/c?q", "http://[::1]:81/x/", "http://1.2.3.4/..//a"]),
        location in prop_oneof![
            any::<String>(),
            "(http:|https:|//)?[a-z0-9./?#:;=%-]{0,30}",
            "(\\.\\./|\\./|/|\\.\\.|\\.|[a-z]{1,3}/?){0,8}(\\?[a-z]{0,4})?",
        ],
    ) {
        let base = Url::parse(base).unwrap();
        if let Ok(url) = base.join(&location) {
            prop_assert!(url.path_and_query().starts_with('/'));
            prop_assert_eq!(Url::parse(&url.to_string()), Ok(url));
        }
    }
}

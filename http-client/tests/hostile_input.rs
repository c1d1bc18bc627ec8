//! Hostile responses: valid responses, generated, then *mutated* — truncated
//! at every kind of position, a byte replaced by a bad one (NUL, CR, LF,
//! 0xFF, space, colon, tab), a huge `Content-Length` or chunk size, a header
//! line repeated (with the same or another value), the version flipped —
//! and fed
//!
//! (a) to the pure parser, in random pieces and whole: no panic, nothing
//!     beyond the limits, the same outcome however the bytes are split, and
//!     for the mutations whose outcome is known, that outcome (a truncated
//!     framed response is never accepted, an unsupported version or an
//!     over-limit length is refused);
//! (b) to the whole client over real sockets — reading each body whole and
//!     chunk by chunk — from a std-thread server that
//!     sends the bytes then closes or holds the connection open, with tight
//!     limits and deadlines: every fetch ends within the total timeout, with
//!     a body within the limit or a typed error, and agrees with what the
//!     pure parser says about the same bytes.
//!
//! Case counts are modest (a few seconds in all).

mod util;

use std::time::Duration;

use http_client::{
    Client, Error, Limits, ParseError, Response, ResponseParser, Status, TimeoutPhase,
};
use proptest::prelude::*;
use proptest::sample::{Index, select};
use util::{Path, Step, case_server, split_at_cuts, timed, watchdog};

/// Tight limits, which the generated responses sometimes exceed.
const LIMITS: Limits = Limits::new()
    .with_max_header_bytes(1024)
    .with_max_headers(12)
    .with_max_body_bytes(4096);

/// Bytes that do not belong where the mutation puts them.
const BAD_BYTES: [u8; 7] = [0, b'\r', b'\n', 0xff, b' ', b':', b'\t'];

/// How a generated response delimits its body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    ContentLength,
    Chunked,
    Close,
}

/// A valid response and where its parts are.
#[derive(Debug, Clone)]
struct Valid {
    wire: Vec<u8>,
    framing: Framing,
    /// End of the head (just past the empty line).
    head_end: usize,
}

prop_compose! {
    fn valid()(
        version in select(vec!["HTTP/1.0", "HTTP/1.1"]),
        status in select(vec![200u16, 203, 206, 299, 404, 500]),
        fields in prop::collection::vec(("X-[A-Za-z0-9-]{1,8}", "[!-~]([ -~]{0,12}[!-~])?"), 0..6),
        body in prop::collection::vec(any::<u8>(), 0..6000),
        framing in select(vec![Framing::ContentLength, Framing::Chunked, Framing::Close]),
        chunk in 1usize..2000,
    ) -> Valid {
        let mut fields: Vec<String> = fields.into_iter().map(|(n, v)| format!("{n}: {v}")).collect();
        match framing {
            Framing::ContentLength => fields.push(format!("Content-Length: {}", body.len())),
            Framing::Chunked => fields.push("Transfer-Encoding: chunked".into()),
            Framing::Close => {}
        }
        let mut wire = format!("{version} {status} Reason\r\n").into_bytes();
        for field in &fields {
            wire.extend(field.bytes());
            wire.extend(b"\r\n");
        }
        wire.extend(b"\r\n");
        let head_end = wire.len();
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
        Valid { wire, framing, head_end }
    }
}

/// Where a truncation cuts.
#[derive(Debug, Clone, Copy)]
enum Cut {
    /// Inside the status line.
    StatusLine,
    /// Inside the header fields.
    Fields,
    /// Within a byte of the end of the head.
    HeadEnd,
    /// Inside the body.
    Body,
    /// Anywhere but the very end.
    Anywhere,
}

#[derive(Debug, Clone)]
enum Mutation {
    Truncate(Cut, Index),
    ReplaceByte(Index, u8),
    HugeContentLength(&'static str),
    HugeChunkSize(&'static str),
    /// Repeat a header line, with its own value or another.
    DuplicateField(Index, Option<&'static str>),
    FlipVersion(&'static str),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let cut = select(vec![
        Cut::StatusLine,
        Cut::Fields,
        Cut::HeadEnd,
        Cut::Body,
        Cut::Anywhere,
    ]);
    prop_oneof![
        (cut, any::<Index>()).prop_map(|(cut, at)| Mutation::Truncate(cut, at)),
        (any::<Index>(), select(BAD_BYTES.to_vec()))
            .prop_map(|(at, b)| Mutation::ReplaceByte(at, b)),
        select(vec![
            "4097",
            "4294967296",
            "18446744073709551615",
            "18446744073709551616",
            "99999999999999999999999999",
        ])
        .prop_map(Mutation::HugeContentLength),
        select(vec![
            "1001",
            "ffffffff",
            "7fffffffffffffff",
            "ffffffffffffffff",
            "10000000000000000",
            "00000000000000000000000000001",
        ])
        .prop_map(Mutation::HugeChunkSize),
        (
            any::<Index>(),
            select(vec![
                None,
                Some("0"),
                Some("1, 2"),
                Some("chunked"),
                Some("gzip")
            ])
        )
            .prop_map(|(at, value)| Mutation::DuplicateField(at, value)),
        select(vec![
            "HTTP/1.0",
            "HTTP/1.1",
            "HTTP/2.0",
            "HTTP/0.9",
            "HTTP/1.2",
            "http/1.1",
            "HTTP/1.10",
            "HTTP/1."
        ])
        .prop_map(Mutation::FlipVersion),
    ]
}

/// Where the parts of (possibly already mutated) response bytes are, found
/// by scanning them: the end of the status line, the end of the head (just
/// past the first empty line), and the header lines in between. Bytes with
/// no empty line are all head.
struct Layout {
    status_end: usize,
    head_end: usize,
    fields: Vec<Vec<u8>>,
}

fn layout(wire: &[u8]) -> Layout {
    let status_end = wire
        .iter()
        .position(|&b| b == b'\n')
        .map_or(wire.len(), |i| i + 1);
    let head_end = wire
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(wire.len(), |i| i + 4)
        .max(status_end);
    let fields = wire[status_end..head_end]
        .split(|&b| b == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line).to_vec())
        .filter(|line| !line.is_empty())
        .collect();
    Layout {
        status_end,
        head_end,
        fields,
    }
}

/// Applies `mutation` to `wire`; returns the new bytes and, for a
/// truncation, where it cut.
fn apply(wire: &[u8], mutation: &Mutation) -> (Vec<u8>, Option<usize>) {
    let parts = layout(wire);
    let in_range =
        |at: &Index, from: usize, to: usize| (from + at.index((to - from).max(1))).min(wire.len());
    match mutation {
        Mutation::Truncate(cut, at) => {
            let end = match cut {
                Cut::StatusLine => in_range(at, 0, parts.status_end),
                Cut::Fields => in_range(at, parts.status_end, parts.head_end),
                Cut::HeadEnd => parts.head_end.saturating_sub(1 + at.index(2)),
                Cut::Body => in_range(at, parts.head_end, wire.len()),
                Cut::Anywhere => at.index(wire.len().max(1)).min(wire.len()),
            };
            (wire[..end].to_vec(), Some(end))
        }
        Mutation::ReplaceByte(at, byte) => {
            let mut wire = wire.to_vec();
            if !wire.is_empty() {
                let i = at.index(wire.len());
                wire[i] = *byte;
            }
            (wire, None)
        }
        Mutation::HugeContentLength(value) => {
            let field = format!("Content-Length: {value}").into_bytes();
            let wire = rebuild(wire, &parts, |fields| {
                match fields.iter().position(|f| f.starts_with(b"Content-Length")) {
                    Some(i) => fields[i] = field,
                    None => fields.push(field),
                }
            });
            (wire, None)
        }
        Mutation::HugeChunkSize(size) => {
            let chunked = parts
                .fields
                .iter()
                .any(|f| f == b"Transfer-Encoding: chunked");
            if !chunked {
                return (wire.to_vec(), None);
            }
            // The first chunk-size line starts right after the head.
            let body = &wire[parts.head_end..];
            let line_end = body.iter().position(|&b| b == b'\r').unwrap_or(0);
            let wire = [&wire[..parts.head_end], size.as_bytes(), &body[line_end..]].concat();
            (wire, None)
        }
        Mutation::DuplicateField(at, value) => {
            if parts.fields.is_empty() {
                return (wire.to_vec(), None);
            }
            let i = at.index(parts.fields.len());
            let wire = rebuild(wire, &parts, |fields| {
                let copy = match value {
                    None => fields[i].clone(),
                    Some(value) => {
                        let name = fields[i].split(|&b| b == b':').next().unwrap_or_default();
                        [name, b": ", value.as_bytes()].concat()
                    }
                };
                fields.insert(i + 1, copy);
            });
            (wire, None)
        }
        Mutation::FlipVersion(version) => {
            let space = wire.iter().position(|&b| b == b' ').unwrap_or(0);
            ([version.as_bytes(), &wire[space..]].concat(), None)
        }
    }
}

/// `wire` with its header lines changed by `edit`.
fn rebuild(wire: &[u8], parts: &Layout, edit: impl FnOnce(&mut Vec<Vec<u8>>)) -> Vec<u8> {
    let mut fields = parts.fields.clone();
    edit(&mut fields);
    let mut out = wire[..parts.status_end].to_vec();
    for field in fields {
        out.extend(field);
        out.extend(b"\r\n");
    }
    out.extend(b"\r\n");
    out.extend(&wire[parts.head_end..]);
    out
}

/// What the parser makes of `pieces`: a response, an error, or (when `eof`
/// is false) `None` for "still waiting".
fn parse(pieces: &[&[u8]], is_head: bool, eof: bool) -> Option<Result<Response, ParseError>> {
    let mut parser = ResponseParser::new(is_head, LIMITS);
    for piece in pieces {
        match parser.feed(piece) {
            Ok(Status::Partial) => {}
            Ok(Status::Complete(response)) => return Some(Ok(response)),
            Err(error) => return Some(Err(error)),
        }
    }
    eof.then(|| parser.finish())
}

/// The same response, or the same kind of error (the quoted excerpt in an
/// error may differ with how much had arrived).
fn same_outcome(a: &Result<Response, ParseError>, b: &Result<Response, ParseError>) -> bool {
    match (a, b) {
        (Ok(a), Ok(b)) => a == b,
        (Err(a), Err(b)) => std::mem::discriminant(a) == std::mem::discriminant(b),
        _ => false,
    }
}

/// What every outcome must respect.
fn within_limits(
    outcome: &Result<Response, ParseError>,
    is_head: bool,
) -> Result<(), TestCaseError> {
    if let Ok(response) = outcome {
        prop_assert!(response.body().len() as u64 <= LIMITS.max_body_bytes);
        prop_assert!(response.headers().len() <= LIMITS.max_headers);
        prop_assert!(!is_head || response.body().is_empty());
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// (a) The pure parser on mutated responses, split and whole.
    #[test]
    fn mutated_responses_through_the_parser(
        valid in valid(),
        mutations in prop::collection::vec(mutation(), 1..=3),
        cuts in prop::collection::vec(any::<Index>(), 0..12),
        is_head in any::<bool>(),
    ) {
        let mut wire = valid.wire.clone();
        let mut truncated_at = None;
        for mutation in &mutations {
            let cut;
            (wire, cut) = apply(&wire, mutation);
            truncated_at = truncated_at.or(cut);
        }
        let whole = parse(&[&wire], is_head, true).expect("eof always decides");
        let pieces = split_at_cuts(&wire, &cuts);
        let pieced = parse(&pieces, is_head, true).expect("eof always decides");
        within_limits(&whole, is_head)?;
        within_limits(&pieced, is_head)?;
        prop_assert!(same_outcome(&whole, &pieced), "whole: {:?}\npieces: {:?}", whole, pieced);

        // Outcomes known in advance, for a single mutation.
        if mutations.len() == 1 {
            match (&mutations[0], truncated_at) {
                (Mutation::Truncate(..), Some(end)) if end < valid.head_end => {
                    // A head cut short is never a response.
                    prop_assert!(
                        matches!(whole, Err(ParseError::EmptyResponse | ParseError::ClosedInHeaders)),
                        "{:?}", whole
                    );
                }
                (Mutation::Truncate(..), Some(end)) if !is_head && end < valid.wire.len() => {
                    match valid.framing {
                        // Cut right after the last chunk's line, only the
                        // empty trailer section is missing: the parser
                        // tolerates that (documented in `chunked.rs`), and
                        // the body is the whole body.
                        Framing::Chunked if end == valid.wire.len() - 2 => {
                            let full = parse(&[&valid.wire], false, true).expect("eof decides");
                            prop_assert!(same_outcome(&whole, &full), "{:?} vs {:?}", whole, full);
                        }
                        // Any other framed body cut short is never accepted.
                        Framing::ContentLength | Framing::Chunked => prop_assert!(
                            whole.is_err(), "accepted a truncated {:?} body", valid.framing
                        ),
                        // A close-delimited one is what arrived, or too large.
                        Framing::Close => match &whole {
                            Ok(response) => prop_assert_eq!(response.body(), &wire[valid.head_end..]),
                            Err(error) => prop_assert!(
                                matches!(error, ParseError::BodyTooLarge { .. }), "{:?}", error
                            ),
                        },
                    }
                }
                (Mutation::HugeContentLength(_), _) if !is_head && valid.framing != Framing::Chunked => {
                    prop_assert!(
                        matches!(whole, Err(ParseError::BodyTooLarge { .. } | ParseError::InvalidContentLength(_))),
                        "{:?}", whole
                    );
                }
                (Mutation::HugeChunkSize(_), _) if !is_head && valid.framing == Framing::Chunked => {
                    prop_assert!(whole.is_err(), "accepted a huge chunk: {:?}", whole);
                }
                (Mutation::FlipVersion(version), _) if !["HTTP/1.0", "HTTP/1.1"].contains(version) => {
                    prop_assert!(
                        matches!(whole, Err(ParseError::UnsupportedVersion(_) | ParseError::InvalidStatusLine(_))),
                        "{:?}", whole
                    );
                }
                _ => {}
            }
        }
    }
}

/// The client's deadlines for the socket cases.
const IDLE: Duration = Duration::from_millis(300);
const TOTAL: Duration = Duration::from_millis(800);
/// Slack allowed past the total deadline on a loaded machine.
const LATE: Duration = Duration::from_millis(1500);
/// Socket cases per proptest case, fetched concurrently.
const BATCH: usize = 24;

proptest! {
    // 4 batches of 24 cases, each read both ways: 192 fetches over real sockets.
    #![proptest_config(ProptestConfig::with_cases(4))]

    /// (b) The whole client over real sockets agrees with the parser, within
    /// its limits and its total deadline, whether the body is read whole or
    /// chunk by chunk.
    #[test]
    fn mutated_responses_through_the_client(
        cases in prop::collection::vec((valid(), mutation(), any::<bool>()), BATCH),
    ) {
        let cases: Vec<(Vec<u8>, bool)> = cases
            .iter()
            .map(|(valid, mutation, hold)| (apply(&valid.wire, mutation).0, *hold))
            .collect();
        // Each case twice: `/case/{i}` is read whole, `/case/{BATCH + i}`
        // chunk by chunk.
        let scripts = cases
            .iter()
            .chain(&cases)
            .map(|(wire, hold)| {
                let end = if *hold { Step::Hold } else { Step::Close };
                vec![Step::Write(wire.clone()), end]
            })
            .collect();
        let server = case_server(scripts);
        let base = server.url("/case/");
        let results = watchdog(Duration::from_secs(30), move || {
            runtime::block_on(async move {
                // One connection per case (each plays its own script):
                // no pool, so no request lands on another case's connection.
                let client = Client::builder()
                    .pool_max_idle_per_host(0)
                    .connect_timeout(Duration::from_secs(2))
                    .idle_timeout(IDLE)
                    .total_timeout(TOTAL)
                    .limits(LIMITS)
                    .max_redirects(0)
                    .build();
                let tasks: Vec<_> = Path::BOTH
                    .iter()
                    .flat_map(|&path| std::iter::repeat_n(path, BATCH))
                    .enumerate()
                    .map(|(i, path)| {
                        let (client, url) = (client.clone(), format!("{base}{i}"));
                        runtime::spawn(async move { timed(path.get(&client, url)).await })
                    })
                    .collect();
                let results = runtime::join_all(tasks).await;
                let stats = runtime::stats();
                assert_eq!((stats.sources, stats.timers, stats.tasks), (0, 0, 0), "leaked");
                results
            })
        });
        drop(server);
        let paths = Path::BOTH.iter().flat_map(|&path| std::iter::repeat_n(path, BATCH));
        let cases = cases.iter().cycle();
        for (i, ((joined, path), (wire, hold))) in results.into_iter().zip(paths).zip(cases).enumerate() {
            let i = format!("{} through {path:?}", i % BATCH);
            let (result, elapsed) = joined.expect("the fetch task ran");
            prop_assert!(elapsed < TOTAL + LATE, "case {}: took {:?}", i, elapsed);
            // What the parser says about the same bytes (with the end of the
            // stream unless the server holds the connection open).
            let expected = parse(&[wire], false, !hold);
            match (&result, &expected) {
                (Ok(response), Some(Ok(want))) => {
                    prop_assert!(response.body().len() as u64 <= LIMITS.max_body_bytes);
                    prop_assert_eq!(response, want, "case {}", i);
                }
                (Err(Error::Response { source, .. }), Some(Err(want))) => prop_assert_eq!(
                    std::mem::discriminant(source), std::mem::discriminant(want),
                    "case {}: {} vs {}", i, source, want
                ),
                // Bytes that leave the response incomplete on an open
                // connection: only a deadline ends it.
                (Err(Error::Timeout { phase, .. }), None) => prop_assert!(
                    matches!(phase, TimeoutPhase::Idle(_) | TimeoutPhase::Total), "case {}: {:?}", i, phase
                ),
                (got, want) => prop_assert!(
                    false, "case {}: client gave {:?}, parser says {:?}\nbytes: {}",
                    i, got, want, util::show(wire, 200)
                ),
            }
        }
    }
}

//! Fuzz target: arbitrary bytes through `http_client::ResponseParser`, fed in
//! pieces whose sizes the fuzzer chooses, then `finish()`.
//!
//! Input layout:
//!
//! ```text
//!  byte 0        bit 0: is_head; bits 1-2: max_header_bytes; bits 3-4:
//!                max_body_bytes; bits 5-6: max_headers (see LIMITS below)
//!  byte 1        n = byte % 8: how many split-size bytes follow
//!  bytes 2..2+n  piece sizes, used in turn (cycling): (b & 0x3f) + 1, or the
//!                whole rest when b >= 0xc0
//!  the rest      the bytes "received from the server"
//! ```
//!
//! Asserted, beyond "no panic, no hang, no huge allocation": a complete
//! response keeps within the limits (body <= max_body_bytes, fields <=
//! max_headers, no body for HEAD); the outcome does not depend on how the
//! bytes were split (the same response, or the same kind of error, as
//! feeding them in one piece); and a parser that has returned a response or an error stays
//! finished.

#![no_main]

use http_client::{Limits, ParseError, Response, ResponseParser, Status};
use libfuzzer_sys::fuzz_target;

const HEADER_BYTES: [usize; 4] = [16, 256, 4096, 64 * 1024];
const BODY_BYTES: [u64; 4] = [0, 16, 1024, 1 << 20];
const HEADERS: [usize; 4] = [0, 1, 8, 100];

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let Some((&count, rest)) = rest.split_first() else {
        return;
    };
    let count = usize::from(count % 8).min(rest.len());
    let (sizes, input) = rest.split_at(count);
    let is_head = flags & 1 == 1;
    let limits = Limits::default()
        .with_max_header_bytes(HEADER_BYTES[usize::from(flags >> 1) & 3])
        .with_max_body_bytes(BODY_BYTES[usize::from(flags >> 3) & 3])
        .with_max_headers(HEADERS[usize::from(flags >> 5) & 3]);

    let pieces = split(input, sizes);
    let (split_outcome, mut parser) = parse(&pieces, is_head, limits);
    if let Ok(response) = &split_outcome {
        assert!(response.body().len() as u64 <= limits.max_body_bytes);
        assert!(response.headers().len() <= limits.max_headers);
        assert!((200..=999).contains(&response.status()));
        if is_head {
            assert!(response.body().is_empty(), "a HEAD response has no body");
        }
    }
    // Done either way: later calls repeat the error or say it is complete.
    match &split_outcome {
        Ok(_) => {
            assert_eq!(parser.finish().unwrap_err(), ParseError::AlreadyComplete);
            assert_eq!(parser.feed(b"x").unwrap_err(), ParseError::AlreadyComplete);
        }
        Err(error) => {
            assert_eq!(&parser.finish().unwrap_err(), error);
            assert_eq!(&parser.feed(b"x").unwrap_err(), error);
        }
    }
    assert!(parser.bytes_received() <= input.len() as u64);

    // How the bytes were cut into reads must not matter: the same response,
    // or the same kind of error (its quoted excerpt may be shorter when an
    // early piece already showed the response to be invalid).
    let (whole_outcome, _) = parse(&[input], is_head, limits);
    match (&split_outcome, &whole_outcome) {
        (Ok(split), Ok(whole)) => assert_eq!(split, whole),
        (Err(split), Err(whole)) => assert_eq!(
            std::mem::discriminant(split),
            std::mem::discriminant(whole),
            "{split:?} in {} pieces, {whole:?} whole",
            pieces.len()
        ),
        (split, whole) => panic!("{split:?} in {} pieces, {whole:?} whole", pieces.len()),
    }
});

/// Cuts `input` into pieces of the sizes `sizes` gives, in turn.
fn split<'a>(mut input: &'a [u8], sizes: &[u8]) -> Vec<&'a [u8]> {
    let mut pieces = Vec::new();
    let mut turn = 0;
    while !input.is_empty() {
        let size = match sizes.get(turn % sizes.len().max(1)) {
            None => input.len(),
            Some(&b) if b >= 0xc0 => input.len(),
            Some(&b) => usize::from(b & 0x3f) + 1,
        };
        let (piece, rest) = input.split_at(size.min(input.len()));
        pieces.push(piece);
        input = rest;
        turn += 1;
    }
    pieces
}

/// Feeds `pieces` in turn, stopping at a response or an error, and calls
/// `finish` if the input ran out first.
fn parse(
    pieces: &[&[u8]],
    is_head: bool,
    limits: Limits,
) -> (Result<Response, ParseError>, ResponseParser) {
    let mut parser = ResponseParser::new(is_head, limits);
    for piece in pieces {
        match parser.feed(piece) {
            Ok(Status::Partial) => {}
            Ok(Status::Complete(response)) => return (Ok(response), parser),
            Err(error) => return (Err(error), parser),
        }
    }
    let outcome = parser.finish();
    (outcome, parser)
}

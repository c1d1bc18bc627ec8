//! `Content-Encoding: deflate`, and the inflater both codings share.
//!
//! HTTP's "deflate" is the zlib format (RFC 1950: a two-byte header, the
//! deflate data, an Adler-32 checksum), but some servers have always sent
//! raw deflate data (RFC 1951) under that name, and browsers and curl
//! accept both; so does this decoder, telling them apart by the first two
//! bytes (a zlib header names method 8 and is a multiple of 31, which raw
//! deflate's first bytes almost never are).

use flate2::{Decompress, FlushDecompress, Status};

use super::DecodeError;

const CODING: &str = "deflate";

/// Inflates from `input` into `out` as far as either allows: returns the
/// bytes consumed and produced, and whether the deflate stream ended.
pub(super) fn inflate(
    inflater: &mut Decompress,
    input: &[u8],
    out: &mut [u8],
    coding: &'static str,
) -> Result<(usize, usize, bool), DecodeError> {
    let (before_in, before_out) = (inflater.total_in(), inflater.total_out());
    let status = inflater
        .decompress(input, out, FlushDecompress::None)
        .map_err(|_| DecodeError::Corrupt {
            coding,
            reason: "invalid compressed data".to_owned(),
        })?;
    let consumed = (inflater.total_in() - before_in) as usize;
    let produced = (inflater.total_out() - before_out) as usize;
    Ok((consumed, produced, status == Status::StreamEnd))
}

/// Where a deflate body is.
#[derive(Debug)]
enum State {
    /// Nothing seen; or the first byte, kept until the second tells zlib
    /// from raw deflate.
    Start(Option<u8>),
    /// Inflating.
    Body,
    /// The stream ended; nothing may follow.
    Ended,
}

/// A decoder for one `deflate` body.
pub(super) struct Deflate {
    state: State,
    /// Set up for zlib or raw data once the first bytes are known.
    inflater: Decompress,
}

impl Deflate {
    pub(super) fn new() -> Deflate {
        Deflate {
            state: State::Start(None),
            inflater: Decompress::new(true),
        }
    }

    /// Decodes from `input` into `out`; returns the bytes consumed and
    /// produced.
    pub(super) fn decode(
        &mut self,
        input: &[u8],
        out: &mut [u8],
    ) -> Result<(usize, usize), DecodeError> {
        match self.state {
            State::Start(first) => {
                let (a, b, kept) = match (first, input) {
                    (_, []) => return Ok((0, 0)),
                    (None, [a]) => {
                        self.state = State::Start(Some(*a));
                        return Ok((1, 0));
                    }
                    (None, [a, b, ..]) => (*a, *b, false),
                    (Some(a), [b, ..]) => (a, *b, true),
                };
                let zlib =
                    a & 0x0f == 8 && a >> 4 <= 7 && (u16::from(a) << 8 | u16::from(b)) % 31 == 0;
                self.inflater.reset(zlib);
                self.state = State::Body;
                if kept {
                    // The kept byte goes in first, on its own: one byte
                    // of a stream's start decodes to nothing.
                    inflate(&mut self.inflater, &[a], out, CODING)?;
                }
                self.decode(input, out)
            }
            State::Body => {
                let (consumed, produced, ended) = inflate(&mut self.inflater, input, out, CODING)?;
                if ended {
                    self.state = State::Ended;
                }
                Ok((consumed, produced))
            }
            State::Ended if input.is_empty() => Ok((0, 0)),
            State::Ended => Err(DecodeError::TrailingBytes { coding: CODING }),
        }
    }

    /// The body ended: complete if the stream did (or the body was empty).
    pub(super) fn finish(&self) -> Result<(), DecodeError> {
        match self.state {
            State::Ended | State::Start(None) => Ok(()),
            _ => Err(DecodeError::Truncated { coding: CODING }),
        }
    }
}

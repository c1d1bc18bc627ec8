//! [`BodyReader`]: the body collected whole, for the pure
//! [`ResponseParser`](crate::ResponseParser). It runs the one body decoder
//! (`decoder.rs`) over each read and appends the runs of body bytes it finds
//! to the response's `Vec` — the only copy a body byte makes on this path.

use super::ParseError;
use super::decoder::{BodyDecoder, Decoded};

/// How much to reserve up front for a body of `expected` bytes under the
/// body limit `max_body` (0 = none), so that a large body never
/// reallocates. A declared length is within a set limit (`framing.rs`
/// checked); with no limit, only the first 16 MiB are reserved, so that a
/// length the server merely claims cannot make us allocate it. If the
/// allocator refuses, growing as bytes arrive still works.
pub(crate) fn reserve_for(expected: u64, max_body: u64) -> usize {
    let cap = if max_body == 0 { 16 << 20 } else { max_body };
    usize::try_from(expected.min(cap)).unwrap_or(usize::MAX)
}

/// Collects one response body.
#[derive(Debug)]
pub(super) struct BodyReader {
    decoder: BodyDecoder,
    /// The body so far; never longer than the body limit.
    body: Vec<u8>,
}

impl BodyReader {
    /// A reader for the body `decoder` decodes.
    pub(super) fn new(decoder: BodyDecoder) -> BodyReader {
        let mut body = Vec::new();
        if let Some(expected) = decoder.length() {
            let _ = body.try_reserve_exact(reserve_for(expected, decoder.max_body()));
        }
        BodyReader { decoder, body }
    }

    /// Takes body bytes from `bytes`. Returns whether the body is complete;
    /// bytes after its end are ignored.
    pub(super) fn push(&mut self, mut bytes: &[u8]) -> Result<bool, ParseError> {
        while !bytes.is_empty() && !self.decoder.is_done() {
            let Decoded { consumed, data } = self.decoder.decode(bytes)?;
            self.body.extend_from_slice(&bytes[data]);
            bytes = &bytes[consumed..];
        }
        Ok(self.decoder.is_done())
    }

    /// The connection closed: complete for a close-delimited body, an error
    /// for a length or chunked body that has not ended.
    pub(super) fn finish(&mut self) -> Result<(), ParseError> {
        self.decoder.finish()
    }

    /// The body collected so far.
    pub(super) fn into_body(self) -> Vec<u8> {
        self.body
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Limits;
    use crate::parse::framing::Framing;

    fn reader(framing: Framing, limits: &Limits) -> BodyReader {
        BodyReader::new(BodyDecoder::new(framing, limits))
    }

    #[test]
    fn collects_across_reads_and_ignores_extra_bytes() {
        let mut reader = reader(Framing::Length(5), &Limits::default());
        assert_eq!(reader.push(b"hel"), Ok(false));
        assert_eq!(reader.push(b"lo, extra"), Ok(true));
        assert_eq!(reader.into_body(), b"hello");
    }

    #[test]
    fn reserves_a_known_length() {
        let known = reader(Framing::Length(1 << 20), &Limits::default());
        assert!(known.body.capacity() >= 1 << 20);
        let claimed = reader(
            Framing::Length(1 << 40),
            &Limits::default().with_max_body_bytes(0),
        );
        assert!(
            claimed.body.capacity() < 1 << 30,
            "reserved what the server claimed"
        );
    }
}

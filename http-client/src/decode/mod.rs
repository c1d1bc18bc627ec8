//! Compressed bodies: `Content-Encoding: gzip` and `deflate`, asked for
//! with `Accept-Encoding` when a client is built with
//! [`gzip(true)`](crate::ClientBuilder::gzip) or
//! [`deflate(true)`](crate::ClientBuilder::deflate), and decoded as the body
//! streams — a layer between the framing decoder and the caller:
//!
//! ```text
//!  socket ─► wire buffer ─► framing (length / chunks / close) ─► raw body slices
//!                                                                    │ ContentDecoder::feed
//!                                              gzip.rs / deflate.rs  ▼
//!                                              32 KiB output buffer ─► chunk() / AsyncRead
//! ```
//!
//! Memory stays flat whatever the body expands to: the decoder writes into
//! one output buffer of [`OUTPUT_BUFFER`] bytes, takes more input only
//! when the caller has taken that output, and counts what it produced
//! against [`Limits::max_body_bytes`](crate::Limits::max_body_bytes), so a
//! decompression bomb stops at the limit. The framing is of the encoded
//! bytes, so a connection whose body was read to the end goes back to the
//! pool as any other; a response is decoded only when the client asked for
//! its coding, and then loses its `Content-Encoding` and `Content-Length`
//! headers (they describe the bytes on the wire, not the body handed out),
//! as reqwest does.
//!
//! Without the `gzip` feature there is no decoder: the client never asks
//! for a coding, and bodies are handed out as they arrive.

#[cfg(feature = "gzip")]
mod deflate;
mod error;
#[cfg(feature = "gzip")]
mod gzip;
#[cfg(all(test, feature = "gzip"))]
mod tests;

pub use error::DecodeError;

/// The codings a client asks for and decodes (`ClientBuilder::gzip`,
/// `ClientBuilder::deflate`); none by default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Accept {
    pub(crate) gzip: bool,
    pub(crate) deflate: bool,
}

impl Accept {
    /// The `Accept-Encoding` value to send, if any coding is accepted.
    pub(crate) fn header_value(self) -> Option<&'static str> {
        match (self.gzip, self.deflate) {
            (true, true) => Some("gzip, deflate"),
            (true, false) => Some("gzip"),
            (false, true) => Some("deflate"),
            (false, false) => None,
        }
    }
}

/// The size of a decoder's output buffer: the longest slice a decoded
/// body hands out at once.
pub(crate) const OUTPUT_BUFFER: usize = 32 * 1024;

#[cfg(feature = "gzip")]
mod decoder;

#[cfg(feature = "gzip")]
pub(crate) use decoder::ContentDecoder;
#[cfg(not(feature = "gzip"))]
pub(crate) use never::ContentDecoder;

/// Without the `gzip` feature no body is decoded: the decoder type has no
/// value, so the body stream's code reads the same either way.
#[cfg(not(feature = "gzip"))]
mod never {
    use super::{Accept, DecodeError};
    use crate::Headers;

    #[derive(Debug)]
    pub(crate) enum ContentDecoder {}

    impl ContentDecoder {
        pub(crate) fn for_response(_: Accept, _: &mut Headers, _: u64) -> Option<ContentDecoder> {
            None
        }

        pub(crate) fn ready(&self) -> &[u8] {
            match *self {}
        }

        pub(crate) fn take(&mut self) -> &[u8] {
            match *self {}
        }

        #[cfg(feature = "futures-io")]
        pub(crate) fn consume(&mut self, _: usize) {
            match *self {}
        }

        pub(crate) fn feed(&mut self, _: &[u8]) -> Result<usize, DecodeError> {
            match *self {}
        }

        pub(crate) fn finish(&self) -> Result<(), DecodeError> {
            match *self {}
        }

        pub(crate) fn produced(&self) -> u64 {
            match *self {}
        }
    }
}

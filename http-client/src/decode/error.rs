//! [`DecodeError`]: why a `Content-Encoding: gzip` or `deflate` body could
//! not be decoded — a corrupt stream, one cut short, bytes after its end,
//! or more decoded bytes than the body limit allows (a decompression bomb
//! stops here). Wrapped with the server's address by
//! [`Error::Decode`](crate::Error::Decode). Only a build with the `gzip`
//! feature decodes bodies, so only it meets these.

use std::fmt;

use crate::display::Size;

/// Why a compressed body could not be decoded.
///
/// # Examples
///
/// ```
/// use http_client::DecodeError;
///
/// let error = DecodeError::TooLarge { coding: "gzip", limit: 16 << 20 };
/// assert_eq!(
///     error.to_string(),
///     "the decoded body exceeds the 16 MiB limit (a small compressed body can expand enormously)",
/// );
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// The bytes are not a valid stream of the coding: a bad gzip header,
    /// invalid deflate data, a checksum or length that does not match.
    Corrupt {
        /// `gzip` or `deflate`.
        coding: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The body ended inside the compressed stream.
    Truncated {
        /// `gzip` or `deflate`.
        coding: &'static str,
    },
    /// Bytes followed the end of the compressed stream.
    TrailingBytes {
        /// `gzip` or `deflate`.
        coding: &'static str,
    },
    /// The decoded body is larger than
    /// [`Limits::max_body_bytes`](crate::Limits::max_body_bytes).
    TooLarge {
        /// `gzip` or `deflate`.
        coding: &'static str,
        /// The limit, in bytes.
        limit: u64,
    },
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Corrupt { coding, reason } => write!(f, "corrupt {coding} data: {reason}"),
            DecodeError::Truncated { coding } => {
                write!(
                    f,
                    "the body ends inside its {coding} stream: it is truncated"
                )
            }
            DecodeError::TrailingBytes { coding } => {
                write!(f, "bytes follow the end of the {coding} stream")
            }
            DecodeError::TooLarge { limit, .. } => write!(
                f,
                "the decoded body exceeds the {} limit (a small compressed body can expand enormously)",
                Size(*limit)
            ),
        }
    }
}

impl std::error::Error for DecodeError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages() {
        #[rustfmt::skip]
        let cases = [
            (DecodeError::Corrupt { coding: "gzip", reason: "not a gzip stream (bad magic bytes)".into() }, "corrupt gzip data: not a gzip stream (bad magic bytes)"),
            (DecodeError::Truncated { coding: "deflate" }, "the body ends inside its deflate stream: it is truncated"),
            (DecodeError::TrailingBytes { coding: "gzip" }, "bytes follow the end of the gzip stream"),
            (DecodeError::TooLarge { coding: "gzip", limit: 1 << 20 }, "the decoded body exceeds the 1 MiB limit (a small compressed body can expand enormously)"),
        ];
        for (error, want) in cases {
            assert_eq!(error.to_string(), want);
        }
    }
}

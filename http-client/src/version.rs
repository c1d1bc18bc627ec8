//! [`Version`]: the HTTP version a server answered with. The response parser
//! accepts exactly these two; anything else is
//! [`ParseError::UnsupportedVersion`](crate::ParseError::UnsupportedVersion).

use std::fmt;

/// The protocol version on a response's status line.
///
/// This client sends HTTP/1.0; servers may answer with either version.
///
/// # Examples
///
/// ```
/// use http_client::Version;
///
/// assert_eq!(Version::Http11.to_string(), "HTTP/1.1");
/// assert!(Version::Http10 < Version::Http11);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Version {
    /// `HTTP/1.0`.
    Http10,
    /// `HTTP/1.1`.
    Http11,
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Version::Http10 => "HTTP/1.0",
            Version::Http11 => "HTTP/1.1",
        })
    }
}

//! [`UrlError`]: why a string is not an `http://` or `https://` URL this
//! client can fetch.
//! Returned by [`Url::parse`](crate::Url::parse) and
//! [`Url::join`](crate::Url::join); wrapped by
//! [`Error::InvalidUrl`](crate::Error::InvalidUrl).

use std::fmt;

/// Why a URL (or a redirect `Location`) was rejected.
///
/// Each message names the offending part and says what is accepted.
///
/// # Examples
///
/// ```
/// use http_client::{Url, UrlError};
///
/// let error = Url::parse("ftp://example.com/").unwrap_err();
/// assert_eq!(error, UrlError::UnsupportedScheme("ftp".into()));
/// assert_eq!(error.to_string(), r#"scheme "ftp" is not supported (only http:// and https://)"#);
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UrlError {
    /// The text does not start with `scheme://`.
    MissingScheme,
    /// A scheme other than `http` and `https`, lowercased (`ftp`, `ws`, ...).
    UnsupportedScheme(String),
    /// Nothing between `http://` (or `https://`) and the port, path or query.
    EmptyHost,
    /// The host has characters outside letters, digits, `-`, `.` and `_`,
    /// looks numeric but is not a dotted IPv4 address, or is an IPv6
    /// address without brackets.
    InvalidHost(String),
    /// The text inside `[...]` is not an IPv6 address.
    InvalidIpv6(String),
    /// A `[` that opens an IPv6 host is never closed.
    UnclosedBracket,
    /// The port is empty, not all digits, zero, or above 65535.
    InvalidPort(String),
    /// No longer returned: URLs may carry credentials (`user@host`) since
    /// they are sent as `Authorization: Basic`. Kept so that code matching
    /// on it still compiles.
    UserInfo,
    /// The credentials before the host (`user:password@`) are malformed:
    /// an empty user name, a `%` not followed by two hex digits, or bytes
    /// that are not UTF-8 once percent-decoded.
    InvalidUserInfo(&'static str),
    /// A space or control character, which must be percent-encoded.
    InvalidCharacter {
        /// The character found.
        ch: char,
        /// Its byte offset in the input.
        index: usize,
    },
}

impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UrlError::MissingScheme => {
                f.write_str("missing scheme: the URL must start with http:// or https://")
            }
            UrlError::UnsupportedScheme(scheme) => {
                write!(
                    f,
                    "scheme {scheme:?} is not supported (only http:// and https://)"
                )
            }
            UrlError::EmptyHost => {
                f.write_str("empty host: expected a name or an address after the scheme's //")
            }
            UrlError::InvalidHost(host) => write!(
                f,
                "invalid host {host:?}: expected a name (letters, digits, '-', '.', '_'), \
                 an IPv4 address or a bracketed IPv6 address like [::1]"
            ),
            UrlError::InvalidIpv6(text) => {
                write!(f, "invalid IPv6 address {:?}", format!("[{text}]"))
            }
            UrlError::UnclosedBracket => {
                f.write_str("unclosed '[' in the host: IPv6 addresses are written like [::1]")
            }
            UrlError::InvalidPort(port) => {
                write!(
                    f,
                    "invalid port {port:?}: expected a number from 1 to 65535"
                )
            }
            UrlError::UserInfo => {
                f.write_str("credentials in URLs (\"user@host\") are not supported")
            }
            UrlError::InvalidUserInfo(reason) => {
                write!(f, "invalid credentials before the host: {reason}")
            }
            UrlError::InvalidCharacter { ch, index } => write!(
                f,
                "invalid character {ch:?} at byte {index}: \
                 spaces and control characters must be percent-encoded"
            ),
        }
    }
}

impl std::error::Error for UrlError {}

#[cfg(test)]
mod tests {
    use super::UrlError;

    #[test]
    fn messages() {
        #[rustfmt::skip]
        let cases = [
            (UrlError::MissingScheme, "missing scheme: the URL must start with http:// or https://"),
            (UrlError::UnsupportedScheme("ftp".into()), r#"scheme "ftp" is not supported (only http:// and https://)"#),
            (UrlError::EmptyHost, "empty host: expected a name or an address after the scheme's //"),
            (
                UrlError::InvalidHost("a b".into()),
                r#"invalid host "a b": expected a name (letters, digits, '-', '.', '_'), an IPv4 address or a bracketed IPv6 address like [::1]"#,
            ),
            (UrlError::InvalidIpv6("::g".into()), r#"invalid IPv6 address "[::g]""#),
            (UrlError::UnclosedBracket, "unclosed '[' in the host: IPv6 addresses are written like [::1]"),
            (UrlError::InvalidPort("99999".into()), r#"invalid port "99999": expected a number from 1 to 65535"#),
            (UrlError::UserInfo, r#"credentials in URLs ("user@host") are not supported"#),
            (UrlError::InvalidUserInfo("empty user name"), "invalid credentials before the host: empty user name"),
            (
                UrlError::InvalidCharacter { ch: ' ', index: 11 },
                "invalid character ' ' at byte 11: spaces and control characters must be percent-encoded",
            ),
        ];
        for (error, want) in cases {
            assert_eq!(error.to_string(), want);
        }
    }
}

//! [`ProxyError`]: why a proxy setting — a proxy URL, or a `NO_PROXY`
//! list — cannot be used. Returned (inside
//! [`Error::InvalidProxy`](crate::Error::InvalidProxy)) by the [`Proxy`]
//! constructors at once, and for the environment's settings by each request
//! that would go through them.
//!
//! A proxy URL can hold a password, so no message quotes one; an entry of
//! a `NO_PROXY` list, which holds none, is quoted.
//!
//! [`Proxy`]: crate::Proxy

use std::fmt;

use crate::UrlError;

/// Why a proxy setting was rejected.
///
/// # Examples
///
/// ```
/// use http_client::{Error, Proxy, ProxyError};
///
/// let Err(Error::InvalidProxy { source, .. }) = Proxy::all("socks5://127.0.0.1:1080") else {
///     panic!("socks5 is not supported");
/// };
/// assert_eq!(source, ProxyError::UnsupportedScheme("socks5".into()));
/// assert_eq!(
///     source.to_string(),
///     r#"proxy scheme "socks5" is not supported (only http:// proxies)"#,
/// );
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProxyError {
    /// The proxy URL's host, port or credentials are malformed.
    InvalidUrl(UrlError),
    /// A proxy scheme other than `http` (`https`, `socks5`, ...), lowercased.
    UnsupportedScheme(String),
    /// The proxy URL has a path, query or fragment: a proxy is a host and
    /// a port (`http://[user:password@]host[:port]`), nothing more.
    HasPath,
    /// An entry of a `NO_PROXY` list is not a host name, an IP address, a
    /// CIDR range or `*` (each with an optional `:port`).
    InvalidNoProxy {
        /// The entry, as written.
        entry: String,
        /// What is wrong with it.
        reason: &'static str,
    },
}

impl fmt::Display for ProxyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProxyError::InvalidUrl(error) => write!(f, "invalid proxy URL: {error}"),
            ProxyError::UnsupportedScheme(scheme) => write!(
                f,
                "proxy scheme {scheme:?} is not supported (only http:// proxies)"
            ),
            ProxyError::HasPath => f.write_str(
                "a proxy URL is a host and a port (http://[user:password@]host[:port]), \
                 with no path or query",
            ),
            ProxyError::InvalidNoProxy { entry, reason } => {
                write!(f, "invalid no-proxy entry {entry:?}: {reason}")
            }
        }
    }
}

impl std::error::Error for ProxyError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ProxyError::InvalidUrl(error) => Some(error),
            _ => None,
        }
    }
}

impl From<UrlError> for ProxyError {
    fn from(error: UrlError) -> ProxyError {
        ProxyError::InvalidUrl(error)
    }
}

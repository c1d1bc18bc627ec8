//! [`Scheme`]: the two schemes a [`Url`](crate::Url) can have, `http` and
//! `https`, and what each implies: the default port, and whether the
//! connection is wrapped in TLS (`transport/tls.rs`).

use std::fmt;

/// A URL's scheme: plain `http`, or `https` (HTTP inside TLS).
///
/// # Examples
///
/// ```
/// use http_client::{Scheme, Url};
///
/// let url = Url::parse("https://example.com/")?;
/// assert_eq!(url.scheme(), Scheme::Https);
/// assert_eq!(url.scheme().as_str(), "https");
/// assert_eq!(url.port(), Scheme::Https.default_port());
/// # Ok::<(), http_client::UrlError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// `http://`: the request goes over the TCP connection as it is; port 80.
    Http,
    /// `https://`: the request goes inside a TLS session; port 443.
    Https,
}

impl Scheme {
    /// The scheme's name, lowercase, without `://`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(http_client::Scheme::Http.as_str(), "http");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }

    /// The port a URL of this scheme uses when it names none: 80 or 443.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(http_client::Scheme::Https.default_port(), 443);
    /// ```
    pub fn default_port(self) -> u16 {
        match self {
            Scheme::Http => 80,
            Scheme::Https => 443,
        }
    }

    /// The scheme named `name`, in any case; `None` for any other scheme.
    pub(crate) fn from_name(name: &str) -> Option<Scheme> {
        if name.eq_ignore_ascii_case("http") {
            Some(Scheme::Http)
        } else if name.eq_ignore_ascii_case("https") {
            Some(Scheme::Https)
        } else {
            None
        }
    }
}

impl fmt::Display for Scheme {
    /// The name, as [`as_str`](Scheme::as_str) gives it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

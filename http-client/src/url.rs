//! [`Url`]: an `http://` or `https://` URL, parsed, validated and normalized
//! into the things a request needs — how to connect (the [`Scheme`]: plain
//! TCP or TLS), where to connect (host and port), what to put in the `Host`
//! header, and the request target (path and query).
//!
//! Parsing lives here; resolving a redirect `Location` against a URL lives in
//! `url/join.rs`, the scheme in `url/scheme.rs`, and the error type in
//! `url/error.rs`. [`Request`](crate::Request)
//! reads a `Url` when it encodes the request line.
//!
//! Only the subset of RFC 3986 an HTTP/1.0 client fetches is accepted:
//! `http[s]://host[:port][/path][?query][#fragment]`. Anything else fails with a
//! [`UrlError`] that says what is wrong rather than guessing.

mod error;
mod join;
mod scheme;
mod userinfo;

pub use error::UrlError;
pub use scheme::Scheme;
pub(crate) use userinfo::{Credentials, split_userinfo};

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

/// An absolute `http://` or `https://` URL.
///
/// Normalization on parse:
/// - the scheme and a registered host name are lowercased;
/// - the scheme's default port (80, or 443 for `https`) is omitted when printed;
/// - an empty path becomes `/`;
/// - the fragment (`#...`) is dropped, since it is never sent;
/// - non-ASCII characters in the path and query are percent-encoded as UTF-8.
///
/// The path is otherwise kept as written: `.` and `..` segments are only
/// resolved by [`Url::join`], as RFC 3986 §5.2 does for references.
///
/// # Examples
///
/// ```
/// use http_client::Url;
///
/// let url = Url::parse("HTTP://Example.COM:8080/search?q=rust#results")?;
/// assert_eq!(url.host(), "example.com");
/// assert_eq!(url.port(), 8080);
/// assert_eq!(url.path_and_query(), "/search?q=rust");
/// assert_eq!(url.to_string(), "http://example.com:8080/search?q=rust");
/// # Ok::<(), http_client::UrlError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Url {
    /// `http` or `https`: whether the connection is wrapped in TLS.
    scheme: Scheme,
    /// A lowercased registered name, a dotted IPv4 address, or an IPv6
    /// address in canonical form without brackets.
    host: String,
    /// `Some` exactly when `host` is an IP literal.
    ip: Option<IpAddr>,
    /// The port to connect to; the scheme's default when the URL names none.
    port: u16,
    /// The request target: starts with `/`, has no fragment, and is ASCII
    /// without spaces or control characters.
    path_and_query: String,
    /// `user[:password]@` before the host, percent-decoded: sent as
    /// `Authorization: Basic`. Display and `Debug` show the user only.
    /// Boxed: most URLs have none, and a `Url` travels inside errors.
    credentials: Option<Box<Credentials>>,
}

impl Url {
    /// Parses an absolute `http://` or `https://` URL.
    ///
    /// Accepted hosts are registered names (letters, digits, `-`, `.`, `_`),
    /// dotted IPv4 addresses and bracketed IPv6 addresses (`[::1]`). A host
    /// made only of digits and dots must be a valid IPv4 address.
    ///
    /// # Errors
    ///
    /// Returns a [`UrlError`] for a missing scheme or one other than `http`
    /// and `https`, an empty or
    /// invalid host, an invalid port (empty, non-digits, 0 or above 65535),
    /// malformed credentials (an empty user name, a bad `%` escape), an
    /// unclosed `[`, or any space or control character.
    ///
    /// # Credentials
    ///
    /// `http://user:password@host/` is accepted: the user name and password
    /// (percent-decoded: write `@` as `%40`, `/` as `%2F`) go to the server
    /// as `Authorization: Basic` (see [`Request`](crate::Request)). The URL
    /// never prints its password: [`Display`](std::fmt::Display) and
    /// `Debug` show `http://user@host/`, so error messages and logs that
    /// name the URL do not leak it.
    ///
    /// # Examples
    ///
    /// ```
    /// use http_client::{Url, UrlError};
    ///
    /// let url = Url::parse("http://[::1]:8080/x")?;
    /// assert_eq!(url.host(), "::1");
    /// assert_eq!(url.host_header(), "[::1]:8080");
    ///
    /// let url = Url::parse("https://example.com/")?;
    /// assert_eq!((url.port(), url.host_header()), (443, "example.com".to_owned()));
    ///
    /// assert_eq!(Url::parse("http://example.com:0/"), Err(UrlError::InvalidPort("0".into())));
    /// # Ok::<(), UrlError>(())
    /// ```
    pub fn parse(input: &str) -> Result<Url, UrlError> {
        check_characters(input)?;
        let (scheme, rest) = match split_scheme(input) {
            Some((scheme, rest)) if rest.starts_with("//") => match Scheme::from_name(scheme) {
                Some(scheme) => (scheme, &rest[2..]),
                None => return Err(UrlError::UnsupportedScheme(scheme.to_ascii_lowercase())),
            },
            _ => return Err(UrlError::MissingScheme),
        };
        let rest = rest.split('#').next().unwrap_or_default();
        let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, target) = rest.split_at(authority_end);
        let (credentials, host_port) = split_userinfo(authority)?;
        let (host, ip, port) = parse_authority(host_port, scheme.default_port())?;
        let mut path_and_query = String::with_capacity(target.len() + 1);
        if !target.starts_with('/') {
            path_and_query.push('/');
        }
        push_encoded(&mut path_and_query, target);
        Ok(Url {
            scheme,
            host,
            ip,
            port,
            path_and_query,
            credentials: credentials.map(Box::new),
        })
    }

    /// `http` or `https`.
    ///
    /// # Examples
    ///
    /// ```
    /// use http_client::{Scheme, Url};
    ///
    /// assert_eq!(Url::parse("HTTPS://example.com/")?.scheme(), Scheme::Https);
    /// assert_eq!(Url::parse("http://example.com/")?.scheme(), Scheme::Http);
    /// # Ok::<(), http_client::UrlError>(())
    /// ```
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The host without brackets: `example.com`, `127.0.0.1` or `::1`.
    ///
    /// # Examples
    ///
    /// ```
    /// let url = http_client::Url::parse("http://[2001:DB8::1]/")?;
    /// assert_eq!(url.host(), "2001:db8::1");
    /// # Ok::<(), http_client::UrlError>(())
    /// ```
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The port to connect to: the one in the URL, else the scheme's default
    /// (80 for `http`, 443 for `https`).
    ///
    /// # Examples
    ///
    /// ```
    /// let url = http_client::Url::parse("http://example.com/")?;
    /// assert_eq!(url.port(), 80);
    /// assert_eq!(http_client::Url::parse("https://example.com/")?.port(), 443);
    /// # Ok::<(), http_client::UrlError>(())
    /// ```
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The request target sent on the request line; always starts with `/`.
    ///
    /// # Examples
    ///
    /// ```
    /// let url = http_client::Url::parse("http://example.com?q=1")?;
    /// assert_eq!(url.path_and_query(), "/?q=1");
    /// # Ok::<(), http_client::UrlError>(())
    /// ```
    pub fn path_and_query(&self) -> &str {
        &self.path_and_query
    }

    /// The `Host` header value: the host, in brackets for IPv6, followed by
    /// `:port` unless the port is the scheme's default (80, or 443 for
    /// `https`).
    ///
    /// # Examples
    ///
    /// ```
    /// use http_client::Url;
    ///
    /// assert_eq!(Url::parse("http://example.com:80/")?.host_header(), "example.com");
    /// assert_eq!(Url::parse("http://example.com:8080/")?.host_header(), "example.com:8080");
    /// assert_eq!(Url::parse("http://[::1]:8080/")?.host_header(), "[::1]:8080");
    /// assert_eq!(Url::parse("https://example.com:443/")?.host_header(), "example.com");
    /// assert_eq!(Url::parse("https://example.com:80/")?.host_header(), "example.com:80");
    /// # Ok::<(), http_client::UrlError>(())
    /// ```
    pub fn host_header(&self) -> String {
        HostPort {
            url: self,
            always_port: false,
        }
        .to_string()
    }

    /// `host:port` with the port always present (and brackets for IPv6), for
    /// naming the peer in error messages.
    ///
    /// # Examples
    ///
    /// ```
    /// let url = http_client::Url::parse("http://example.com/")?;
    /// assert_eq!(url.authority(), "example.com:80");
    /// # Ok::<(), http_client::UrlError>(())
    /// ```
    pub fn authority(&self) -> String {
        HostPort {
            url: self,
            always_port: true,
        }
        .to_string()
    }

    /// The address when the host is an IP literal, so no name lookup is needed.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::net::{IpAddr, Ipv4Addr};
    /// use http_client::Url;
    ///
    /// let url = Url::parse("http://127.0.0.1:8080/")?;
    /// assert_eq!(url.ip(), Some(IpAddr::V4(Ipv4Addr::LOCALHOST)));
    /// assert_eq!(Url::parse("http://localhost/")?.ip(), None);
    /// # Ok::<(), http_client::UrlError>(())
    /// ```
    pub fn ip(&self) -> Option<IpAddr> {
        self.ip
    }

    /// `http://host:port/`, for a host already parsed and normalized by
    /// [`parse_authority`]: where a proxy is reached.
    pub(crate) fn endpoint(host: String, ip: Option<IpAddr>, port: u16) -> Url {
        Url {
            scheme: Scheme::Http,
            host,
            ip,
            port,
            path_and_query: "/".to_owned(),
            credentials: None,
        }
    }

    /// The user name of the URL's credentials (`user` in
    /// `http://user:password@host/`), percent-decoded; empty when it has
    /// none.
    ///
    /// # Examples
    ///
    /// ```
    /// use http_client::Url;
    ///
    /// let url = Url::parse("https://me%40corp:s3cret@example.com/")?;
    /// assert_eq!((url.username(), url.password()), ("me@corp", Some("s3cret")));
    /// assert_eq!(url.to_string(), "https://me%40corp@example.com/"); // never the password
    /// assert_eq!(Url::parse("http://example.com/")?.username(), "");
    /// # Ok::<(), http_client::UrlError>(())
    /// ```
    pub fn username(&self) -> &str {
        self.credentials.as_ref().map_or("", |c| &c.user)
    }

    /// The password of the URL's credentials, percent-decoded, if it has
    /// one (`http://user@host/` has none). It is never part of the URL's
    /// text.
    ///
    /// # Examples
    ///
    /// ```
    /// let url = http_client::Url::parse("http://user:p%3Ass@example.com/")?;
    /// assert_eq!(url.password(), Some("p:ss"));
    /// assert!(!format!("{url} {url:?}").contains("p:ss"));
    /// # Ok::<(), http_client::UrlError>(())
    /// ```
    pub fn password(&self) -> Option<&str> {
        self.credentials.as_ref()?.password.as_deref()
    }

    /// The URL's credentials, for `Authorization: Basic`.
    pub(crate) fn credentials(&self) -> Option<&Credentials> {
        self.credentials.as_deref()
    }

    /// Whether `other` has the same scheme, host and port: the origin that
    /// credentials may be sent to (curl's rule after a redirect).
    pub(crate) fn same_origin(&self, other: &Url) -> bool {
        (self.scheme, &self.host, self.port) == (other.scheme, &other.host, other.port)
    }

    /// This URL with `credentials` (for a redirect to the same origin).
    pub(crate) fn with_credentials(mut self, credentials: Option<Credentials>) -> Url {
        self.credentials = credentials.map(Box::new);
        self
    }

    /// The request target in absolute form (RFC 9112 §3.2.2), as a request
    /// to a proxy names it: `http://host[:port]/path?query`.
    pub(crate) fn absolute_form(&self) -> String {
        format!(
            "{}://{}{}",
            self.scheme,
            self.host_header(),
            self.path_and_query
        )
    }
}

/// Formats the host (bracketed for IPv6) and the port when needed.
struct HostPort<'a> {
    url: &'a Url,
    always_port: bool,
}

impl fmt::Display for HostPort<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Url {
            scheme,
            host,
            ip,
            port,
            ..
        } = self.url;
        if matches!(ip, Some(IpAddr::V6(_))) {
            write!(f, "[{host}]")?;
        } else {
            f.write_str(host)?;
        }
        if self.always_port || *port != scheme.default_port() {
            write!(f, ":{port}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Url {
    /// The normalized URL: `scheme://[user@]host[:port]/path?query` —
    /// never the password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let host = HostPort {
            url: self,
            always_port: false,
        };
        write!(f, "{}://", self.scheme)?;
        if let Some(credentials) = &self.credentials {
            write!(f, "{}@", credentials.shown_user())?;
        }
        write!(f, "{host}{}", self.path_and_query)
    }
}

impl fmt::Debug for Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Url").field(&self.to_string()).finish()
    }
}

impl FromStr for Url {
    type Err = UrlError;

    /// Same as [`Url::parse`].
    fn from_str(s: &str) -> Result<Url, UrlError> {
        Url::parse(s)
    }
}

/// Rejects spaces and control characters anywhere: they cannot appear in a
/// request line, and silently encoding them would hide a caller's bug.
fn check_characters(input: &str) -> Result<(), UrlError> {
    match input
        .char_indices()
        .find(|&(_, c)| c == ' ' || c.is_control())
    {
        Some((index, ch)) => Err(UrlError::InvalidCharacter { ch, index }),
        None => Ok(()),
    }
}

/// Splits `scheme:rest` when the text before the first `:` is a valid
/// scheme (`ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )`).
fn split_scheme(input: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = input.split_once(':')?;
    let mut bytes = scheme.bytes();
    let valid = bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    valid.then_some((scheme, rest))
}

/// Parses `host[:port]` into the normalized host, its IP when literal, and
/// the port (`default_port` when none is given).
pub(crate) fn parse_authority(
    authority: &str,
    default_port: u16,
) -> Result<(String, Option<IpAddr>, u16), UrlError> {
    if authority.contains('@') {
        return Err(UrlError::UserInfo);
    }
    if let Some(inside) = authority.strip_prefix('[') {
        let (literal, after) = inside.split_once(']').ok_or(UrlError::UnclosedBracket)?;
        let addr: Ipv6Addr = literal
            .parse()
            .map_err(|_| UrlError::InvalidIpv6(literal.to_owned()))?;
        let port = match after.strip_prefix(':') {
            Some(port) => parse_port(port)?,
            None if after.is_empty() => default_port,
            None => return Err(UrlError::InvalidHost(authority.to_owned())),
        };
        return Ok((addr.to_string(), Some(IpAddr::V6(addr)), port));
    }
    let (host, port) = match authority.split_once(':') {
        // Two colons: most likely an IPv6 address without its brackets.
        Some((_, port)) if port.contains(':') => {
            return Err(UrlError::InvalidHost(authority.to_owned()));
        }
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    };
    if host.is_empty() {
        return Err(UrlError::EmptyHost);
    }
    let port = port.map_or(Ok(default_port), parse_port)?;
    let name_chars = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_');
    if !host.bytes().all(name_chars) {
        return Err(UrlError::InvalidHost(host.to_owned()));
    }
    if host.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        // Numeric hosts are addresses, never names: `1.2.3` or `01.2.3.4`
        // would mean different things to different resolvers.
        let addr: Ipv4Addr = host
            .parse()
            .map_err(|_| UrlError::InvalidHost(host.to_owned()))?;
        return Ok((addr.to_string(), Some(IpAddr::V4(addr)), port));
    }
    Ok((host.to_ascii_lowercase(), None, port))
}

/// Parses a port: 1 to 5 digits, 1..=65535.
fn parse_port(text: &str) -> Result<u16, UrlError> {
    let invalid = || UrlError::InvalidPort(text.to_owned());
    if text.is_empty() || text.len() > 5 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    match text.parse::<u16>() {
        Ok(0) | Err(_) => Err(invalid()),
        Ok(port) => Ok(port),
    }
}

/// Appends `text`, percent-encoding every non-ASCII byte.
fn push_encoded(out: &mut String, text: &str) {
    for ch in text.chars() {
        if ch.is_ascii() {
            out.push(ch);
        } else {
            let mut buf = [0; 4];
            for byte in ch.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{byte:02X}"));
            }
        }
    }
}

#[cfg(test)]
mod tests;

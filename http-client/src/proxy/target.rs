//! [`ProxyTarget`]: a proxy URL, parsed — where the proxy listens and the
//! credentials it is sent (`Proxy-Authorization: Basic`), written as curl
//! takes it: `[http://][user:password@]host[:port][/]`.
//!
//! Without a scheme the proxy is an HTTP proxy; without a port it listens
//! on 1080, curl's default (reqwest would take 80: write the port to be
//! sure). Only `http://` proxies are spoken to: the request (or the
//! `CONNECT` for an `https://` URL) goes to the proxy in plain text.

use std::fmt;

use super::ProxyError;
use crate::Url;
use crate::url::{Credentials, parse_authority, split_userinfo};

/// The port of a proxy URL that names none, as curl has it.
pub(crate) const DEFAULT_PROXY_PORT: u16 = 1080;

/// A proxy to go through.
#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) struct ProxyTarget {
    /// `http://host:port/`: where to connect.
    endpoint: Url,
    /// From the URL's userinfo, percent-decoded.
    credentials: Option<Credentials>,
}

impl ProxyTarget {
    /// Parses a proxy URL.
    ///
    /// # Errors
    ///
    /// [`ProxyError::UnsupportedScheme`] for a scheme other than `http`,
    /// [`ProxyError::HasPath`] for a path or query, and
    /// [`ProxyError::InvalidUrl`] for a bad host, port or userinfo.
    pub(crate) fn parse(text: &str) -> Result<ProxyTarget, ProxyError> {
        let text = text.trim();
        let rest = match text.split_once("://") {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") => rest,
            Some((scheme, _)) => {
                return Err(ProxyError::UnsupportedScheme(scheme.to_ascii_lowercase()));
            }
            None => text,
        };
        if let Some((index, ch)) = rest
            .char_indices()
            .find(|&(_, c)| c == ' ' || c.is_control())
        {
            return Err(crate::UrlError::InvalidCharacter { ch, index }.into());
        }
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, path) = rest.split_at(end);
        if !path.is_empty() && path != "/" {
            return Err(ProxyError::HasPath);
        }
        let (credentials, host_port) = split_userinfo(authority)?;
        let (host, ip, port) = parse_authority(host_port, DEFAULT_PROXY_PORT)?;
        Ok(ProxyTarget {
            endpoint: Url::endpoint(host, ip, port),
            credentials,
        })
    }

    /// Where the proxy listens, as a URL to connect to.
    pub(crate) fn endpoint(&self) -> &Url {
        &self.endpoint
    }

    /// `host:port` of the proxy, for messages.
    pub(crate) fn authority(&self) -> String {
        self.endpoint.authority()
    }

    /// The `Proxy-Authorization` value, when the URL had credentials.
    pub(crate) fn authorization(&self) -> Option<String> {
        self.credentials.as_ref().map(Credentials::header_value)
    }

    /// Whether the URL had credentials.
    pub(crate) fn has_credentials(&self) -> bool {
        self.credentials.is_some()
    }
}

impl fmt::Debug for ProxyTarget {
    /// The proxy's address and user, never its password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProxyTarget")
            .field("authority", &self.authority())
            .field("credentials", &self.credentials)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::UrlError;

    #[test]
    fn parses_proxy_urls_as_curl_writes_them() {
        #[rustfmt::skip]
        let cases = [
            ("http://proxy.example:3128", "proxy.example:3128", None),
            ("http://proxy.example:3128/", "proxy.example:3128", None),
            ("HTTP://Proxy.Example", "proxy.example:1080", None),
            ("proxy.example:8080", "proxy.example:8080", None),
            ("127.0.0.1:3128", "127.0.0.1:3128", None),
            (" http://[::1]:3128 ", "[::1]:3128", None),
            ("http://me:s%40cret@proxy:3128", "proxy:3128", Some("Basic bWU6c0BjcmV0")),
            ("me@proxy:3128", "proxy:3128", Some("Basic bWU6")),
        ];
        for (text, authority, authorization) in cases {
            let proxy = ProxyTarget::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(proxy.authority(), authority, "{text}");
            assert_eq!(proxy.authorization().as_deref(), authorization, "{text}");
        }
    }

    #[test]
    fn rejects_what_it_cannot_use() {
        #[rustfmt::skip]
        let cases = [
            ("socks5://127.0.0.1:1080", ProxyError::UnsupportedScheme("socks5".into())),
            ("https://proxy:443", ProxyError::UnsupportedScheme("https".into())),
            ("http://proxy:3128/path", ProxyError::HasPath),
            ("http://proxy:3128?x", ProxyError::HasPath),
            ("http://proxy:99999", ProxyError::InvalidUrl(UrlError::InvalidPort("99999".into()))),
            ("http://", ProxyError::InvalidUrl(UrlError::EmptyHost)),
            ("", ProxyError::InvalidUrl(UrlError::EmptyHost)),
            ("http://:pw@proxy", ProxyError::InvalidUrl(UrlError::InvalidUserInfo("empty user name"))),
            ("http://pro xy", ProxyError::InvalidUrl(UrlError::InvalidCharacter { ch: ' ', index: 3 })),
        ];
        for (text, want) in cases {
            assert_eq!(ProxyTarget::parse(text), Err(want), "{text:?}");
        }
    }

    #[test]
    fn debug_hides_the_password() {
        let proxy = ProxyTarget::parse("http://me:secret@proxy:3128").unwrap();
        let shown = format!("{proxy:?}");
        assert!(!shown.contains("secret"), "{shown}");
        assert!(
            shown.contains("proxy:3128") && shown.contains("me"),
            "{shown}"
        );
    }
}

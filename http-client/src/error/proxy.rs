//! The proxy half of [`Error`]: the messages of its proxy variants, each
//! naming the proxy by its address (never its credentials) and saying what
//! to do: fix the setting, give credentials, or ask the proxy's owner.

use std::fmt;

use super::Error;

/// Writes the message of a proxy variant of `error`.
pub(super) fn fmt(error: &Error, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match error {
        Error::InvalidProxy { origin, source } => {
            write!(f, "invalid proxy setting {origin}: {source}")
        }
        Error::ProxyUnreachable { proxy, source } => {
            write!(f, "cannot reach proxy {proxy}: {source}")
        }
        Error::ProxyAuthentication {
            proxy,
            sent_credentials: false,
        } => write!(
            f,
            "proxy {proxy} requires authentication (407): give the credentials in the \
             proxy URL, http://user:password@host:port"
        ),
        Error::ProxyAuthentication {
            proxy,
            sent_credentials: true,
        } => write!(
            f,
            "proxy {proxy} did not accept the credentials in the proxy URL (407)"
        ),
        Error::ProxyRefused {
            proxy,
            target,
            status,
            reason,
        } => {
            write!(f, "proxy {proxy} refused a tunnel to {target}: {status}")?;
            if !reason.is_empty() {
                write!(f, " {reason}")?;
            }
            Ok(())
        }
        // The caller matches every other variant itself.
        other => write!(f, "{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ProxyError;

    #[test]
    fn messages() {
        #[rustfmt::skip]
        let cases = [
            (
                Error::InvalidProxy { origin: "https_proxy".into(), source: ProxyError::UnsupportedScheme("socks5".into()) },
                r#"invalid proxy setting https_proxy: proxy scheme "socks5" is not supported (only http:// proxies)"#,
            ),
            (
                Error::ProxyUnreachable {
                    proxy: "proxy.invalid:3128".into(),
                    source: Box::new(Error::NoAddresses { host: "proxy.invalid".into() }),
                },
                "cannot reach proxy proxy.invalid:3128: proxy.invalid resolved to no addresses",
            ),
            (
                Error::ProxyAuthentication { proxy: "127.0.0.1:3128".into(), sent_credentials: false },
                "proxy 127.0.0.1:3128 requires authentication (407): give the credentials in the proxy URL, http://user:password@host:port",
            ),
            (
                Error::ProxyAuthentication { proxy: "127.0.0.1:3128".into(), sent_credentials: true },
                "proxy 127.0.0.1:3128 did not accept the credentials in the proxy URL (407)",
            ),
            (
                Error::ProxyRefused { proxy: "[::1]:3128".into(), target: "example.com:443".into(), status: 403, reason: "Forbidden".into() },
                "proxy [::1]:3128 refused a tunnel to example.com:443: 403 Forbidden",
            ),
            (
                Error::ProxyRefused { proxy: "p:1".into(), target: "h:443".into(), status: 502, reason: String::new() },
                "proxy p:1 refused a tunnel to h:443: 502",
            ),
        ];
        for (error, want) in cases {
            assert_eq!(error.to_string(), want);
        }
    }
}

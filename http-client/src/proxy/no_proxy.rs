//! [`NoProxy`]: the hosts a proxy is not used for — the `NO_PROXY`
//! environment variable's list, or [`Proxy::no_proxy`](crate::Proxy::no_proxy)'s
//! — read as curl (7.86 and later) reads it, with the CIDR ranges and ports
//! other tools accept too.
//!
//! A comma-separated list; spaces around entries are ignored. Each entry:
//!
//! | entry | matches |
//! | --- | --- |
//! | `*` | every host: no proxy at all |
//! | `example.com`, `.example.com`, `*.example.com` | `example.com` and every name under it (`www.example.com`), not `badexample.com` |
//! | `192.168.1.7`, `::1`, `[::1]` | that IP address, written as such in the URL (no name is resolved) |
//! | `10.0.0.0/8`, `fd00::/8` | the IP addresses in the range |
//! | any of these with `:port` (`example.com:8080`, `[::1]:443`) | only URLs with that port |
//!
//! Names compare without case and without a trailing dot. Anything else
//! (a space inside an entry, a prefix longer than the address, a port that
//! is not a number) is an error naming the entry, not a silent mismatch.

use std::net::IpAddr;

use super::ProxyError;
use crate::Url;

/// A parsed no-proxy list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct NoProxy {
    entries: Vec<Entry>,
}

/// One entry: what it matches, and the port it is limited to.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    pattern: Pattern,
    port: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Pattern {
    /// `*`.
    Any,
    /// A name and the names under it, lowercase, without leading or
    /// trailing dots.
    Domain(String),
    /// An address, or the addresses whose first `prefix` bits are its.
    Network { addr: IpAddr, prefix: u8 },
}

impl NoProxy {
    /// Parses a comma-separated list.
    ///
    /// # Errors
    ///
    /// [`ProxyError::InvalidNoProxy`] naming the first bad entry.
    pub(crate) fn parse(list: &str) -> Result<NoProxy, ProxyError> {
        let entries = list
            .split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(|entry| {
                parse_entry(entry).map_err(|reason| ProxyError::InvalidNoProxy {
                    entry: entry.to_owned(),
                    reason,
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(NoProxy { entries })
    }

    /// Whether `url` is to be fetched without the proxy.
    pub(crate) fn matches(&self, url: &Url) -> bool {
        let host = url.host().trim_end_matches('.');
        self.entries.iter().any(|entry| {
            entry.port.is_none_or(|port| port == url.port())
                && match &entry.pattern {
                    Pattern::Any => true,
                    Pattern::Domain(domain) => {
                        url.ip().is_none()
                            && (host == domain
                                || host
                                    .strip_suffix(domain.as_str())
                                    .is_some_and(|head| head.ends_with('.')))
                    }
                    Pattern::Network { addr, prefix } => {
                        url.ip().is_some_and(|ip| in_network(ip, *addr, *prefix))
                    }
                }
        })
    }
}

/// One entry, trimmed and non-empty.
fn parse_entry(entry: &str) -> Result<Entry, &'static str> {
    let (body, port) = split_port(entry)?;
    let pattern = if body == "*" {
        Pattern::Any
    } else if let Some((addr, prefix)) = body.split_once('/') {
        let addr: IpAddr = unbracket(addr)
            .parse()
            .map_err(|_| "a CIDR range must start with an IP address")?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = prefix
            .parse::<u8>()
            .ok()
            .filter(|&p| p <= max)
            .ok_or("the prefix length must be a number up to 32 (IPv4) or 128 (IPv6)")?;
        Pattern::Network { addr, prefix }
    } else if let Ok(addr) = unbracket(body).parse::<IpAddr>() {
        let prefix = if addr.is_ipv4() { 32 } else { 128 };
        Pattern::Network { addr, prefix }
    } else {
        let name = body.strip_prefix("*.").unwrap_or(body);
        let name = name.trim_start_matches('.').trim_end_matches('.');
        let valid = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_');
        if name.is_empty() || !name.bytes().all(valid) {
            return Err("not a host name, an IP address, a CIDR range or *");
        }
        Pattern::Domain(name.to_ascii_lowercase())
    };
    Ok(Entry { pattern, port })
}

/// Splits a trailing `:port` off an entry. A bare IPv6 address (more than
/// one `:`, no brackets) has none.
fn split_port(entry: &str) -> Result<(&str, Option<u16>), &'static str> {
    let port_after = if entry.starts_with('[') {
        entry.find("]:").map(|at| at + 1)
    } else if entry.matches(':').count() == 1 {
        entry.find(':')
    } else {
        None
    };
    let Some(at) = port_after else {
        return Ok((entry, None));
    };
    let port = &entry[at + 1..];
    let valid = !port.is_empty() && port.len() <= 5 && port.bytes().all(|b| b.is_ascii_digit());
    match port.parse::<u16>() {
        Ok(port) if valid && port != 0 => Ok((&entry[..at], Some(port))),
        _ => Err("the port must be a number from 1 to 65535"),
    }
}

/// `text` without the brackets of `[v6]`.
fn unbracket(text: &str) -> &str {
    text.strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .unwrap_or(text)
}

/// Whether `ip` shares its first `prefix` bits with `network`.
fn in_network(ip: IpAddr, network: IpAddr, prefix: u8) -> bool {
    let bits = |ip: IpAddr| match ip {
        IpAddr::V4(v4) => (u128::from(v4.to_bits()) << 96, 32),
        IpAddr::V6(v6) => (v6.to_bits(), 128),
    };
    let ((ip, family), (network, network_family)) = (bits(ip), bits(network));
    if family != network_family {
        return false;
    }
    let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
    ip & mask == network & mask
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(list: &str, url: &str) -> bool {
        NoProxy::parse(list)
            .unwrap()
            .matches(&Url::parse(url).unwrap())
    }

    #[test]
    fn matches_as_curl_does() {
        #[rustfmt::skip]
        let cases = [
            ("", "http://example.com/", false),
            ("*", "http://example.com/", true),
            ("*", "http://[::1]:8080/", true),
            ("example.com", "http://example.com/", true),
            ("example.com", "http://www.example.com/", true),
            ("example.com", "http://a.b.example.com/", true),
            ("example.com", "http://badexample.com/", false),
            ("example.com", "http://example.com.evil/", false),
            (".example.com", "http://example.com/", true),
            (".example.com", "http://www.example.com/", true),
            ("*.example.com", "http://www.example.com/", true),
            ("Example.COM.", "http://www.example.com./", true),
            ("localhost, .internal", "http://db.internal/", true),
            ("localhost,.internal", "http://localhost:8080/", true),
            ("example.com:8080", "http://example.com:8080/", true),
            ("example.com:8080", "http://example.com/", false),
            ("127.0.0.1", "http://127.0.0.1:9/", true),
            ("127.0.0.1", "http://127.0.0.2/", false),
            ("127.0.0.1", "http://localhost/", false),
            ("127.0.0.1:81", "http://127.0.0.1:81/", true),
            ("127.0.0.1:81", "http://127.0.0.1:82/", false),
            ("10.0.0.0/8", "http://10.1.2.3/", true),
            ("10.0.0.0/8", "http://11.0.0.1/", false),
            ("192.168.1.0/24", "http://192.168.1.255/", true),
            ("192.168.1.0/24", "http://192.168.2.1/", false),
            ("0.0.0.0/0", "http://8.8.8.8/", true),
            ("0.0.0.0/0", "http://[::1]/", false),
            ("::1", "http://[::1]/", true),
            ("[::1]", "http://[::1]/", true),
            ("[::1]:8080", "http://[::1]:8080/", true),
            ("[::1]:8080", "http://[::1]:8081/", false),
            ("fd00::/8", "http://[fd12::1]/", true),
            ("fd00::/8", "http://[fe80::1]/", false),
            ("::/0", "http://127.0.0.1/", false),
            ("10.0.0.0/8", "http://ten.example/", false),
        ];
        for (list, url, want) in cases {
            assert_eq!(matches(list, url), want, "{list:?} {url}");
        }
    }

    #[test]
    fn names_the_bad_entry() {
        #[rustfmt::skip]
        let cases = [
            ("a b", "not a host name, an IP address, a CIDR range or *"),
            ("ok.example, bad/host", "a CIDR range must start with an IP address"),
            ("10.0.0.0/33", "the prefix length must be a number up to 32 (IPv4) or 128 (IPv6)"),
            ("::/129", "the prefix length must be a number up to 32 (IPv4) or 128 (IPv6)"),
            ("10.0.0.0/x", "the prefix length must be a number up to 32 (IPv4) or 128 (IPv6)"),
            ("host:0", "the port must be a number from 1 to 65535"),
            ("host:99999", "the port must be a number from 1 to 65535"),
            ("host:", "the port must be a number from 1 to 65535"),
            ("[::1]:x", "the port must be a number from 1 to 65535"),
            ("..", "not a host name, an IP address, a CIDR range or *"),
            ("*x", "not a host name, an IP address, a CIDR range or *"),
            ("h\u{e9}", "not a host name, an IP address, a CIDR range or *"),
        ];
        for (list, reason) in cases {
            let entry = list.rsplit(',').next().unwrap().trim();
            assert_eq!(
                NoProxy::parse(list),
                Err(ProxyError::InvalidNoProxy {
                    entry: entry.into(),
                    reason
                }),
                "{list:?}"
            );
        }
    }
}

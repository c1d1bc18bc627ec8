//! Whether a response leaves its connection fit for another request: the
//! rule a pooled connection must pass before it goes back to the pool,
//! written as a pure function of the response head, so every case is a row
//! in a table test.
//!
//! The wire stays HTTP/1.0. A request from a pooled client says
//! `Connection: keep-alive`; the server agrees, or not:
//!
//! | reply | persistent when |
//! | --- | --- |
//! | `HTTP/1.0` | it says `Connection: keep-alive` (and not `close`) |
//! | `HTTP/1.1` | it does not say `Connection: close` |
//!
//! and only when the body is framed (a `Content-Length`, chunks, or no body
//! at all): a body that ends at the close leaves nothing to reuse. A
//! `Keep-Alive: timeout=N, max=M` field (RFC 2068 §19.7.1.1, still sent by
//! Apache, Node and others) says how long the server keeps the connection
//! and how many more requests it takes; the pool expires the connection a
//! little before the server would (see [`KeepAlive::expires_after`]), and
//! `max=0` or `timeout=0` means no reuse.

use std::time::Duration;

use crate::{Headers, Version};

/// The server's terms for reusing a connection, from its response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct KeepAlive {
    /// `Keep-Alive: timeout=N`: the server closes after N idle seconds.
    pub(crate) timeout: Option<Duration>,
    /// `Keep-Alive: max=M`: the server takes M more requests.
    pub(crate) max: Option<u32>,
}

impl KeepAlive {
    /// How long the connection may stay idle on our side: the server's
    /// timeout less a margin (half of it, at most one second), so that we
    /// stop using it before the server's close can cross our next request.
    /// `None` when the server named no timeout.
    pub(crate) fn expires_after(&self) -> Option<Duration> {
        let timeout = self.timeout?;
        let margin = (timeout / 2).min(Duration::from_secs(1));
        Some(timeout - margin)
    }
}

/// The server's terms if the connection may carry another request after
/// this response's body; `None` if it must close. `framed` says the body
/// ends by its framing rather than at the close.
pub(crate) fn keep_alive(version: Version, headers: &Headers, framed: bool) -> Option<KeepAlive> {
    if !framed {
        return None;
    }
    let tokens = || {
        headers
            .get_all("connection")
            .flat_map(|value| value.split(|&b| b == b','))
            .map(|token| token.trim_ascii())
    };
    if tokens().any(|t| t.eq_ignore_ascii_case(b"close")) {
        return None;
    }
    if version == Version::Http10 && !tokens().any(|t| t.eq_ignore_ascii_case(b"keep-alive")) {
        return None;
    }
    let terms = headers
        .get_all("keep-alive")
        .fold(KeepAlive::default(), parse_terms);
    if terms.timeout == Some(Duration::ZERO) || terms.max == Some(0) {
        return None;
    }
    Some(terms)
}

/// Adds the `timeout` and `max` parameters of one `Keep-Alive` value to
/// `terms`; anything else (or a value that is not a number) is ignored,
/// as the field is advisory.
fn parse_terms(mut terms: KeepAlive, value: &[u8]) -> KeepAlive {
    for param in value.split(|&b| b == b',') {
        let Some((name, number)) = std::str::from_utf8(param)
            .ok()
            .and_then(|p| p.split_once('='))
        else {
            continue;
        };
        let number = number.trim().trim_matches('"');
        match name.trim().to_ascii_lowercase().as_str() {
            "timeout" => {
                if let Ok(secs) = number.parse::<u64>() {
                    terms.timeout = Some(Duration::from_secs(secs));
                }
            }
            "max" => {
                if let Ok(max) = number.parse::<u32>() {
                    terms.max = Some(max);
                }
            }
            _ => {}
        }
    }
    terms
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(fields: &[(&str, &str)]) -> Headers {
        let mut headers = Headers::default();
        for (name, value) in fields {
            headers.append((*name).to_owned(), value.as_bytes().to_vec());
        }
        headers
    }

    /// A reply's version, header fields and framing, and the terms expected.
    type Case = (
        Version,
        &'static [(&'static str, &'static str)],
        bool,
        Option<KeepAlive>,
    );

    #[test]
    fn who_may_keep_the_connection() {
        use Version::{Http10, Http11};
        let secs = |s| Some(Duration::from_secs(s));
        #[rustfmt::skip]
        let table: &[Case] = &[
            (Http11, &[], true, Some(KeepAlive::default())),
            (Http11, &[], false, None), // close-delimited body
            (Http11, &[("Connection", "close")], true, None),
            (Http11, &[("Connection", "Keep-Alive, CLOSE")], true, None),
            (Http11, &[("Connection", "upgrade"), ("Connection", "close")], true, None),
            (Http10, &[], true, None),
            (Http10, &[("Connection", "keep-alive")], true, Some(KeepAlive::default())),
            (Http10, &[("Connection", " Keep-Alive ")], true, Some(KeepAlive::default())),
            (Http10, &[("Connection", "keep-alive")], false, None),
            (Http11, &[("Keep-Alive", "timeout=5, max=100")], true, Some(KeepAlive { timeout: secs(5), max: Some(100) })),
            (Http10, &[("Connection", "keep-alive"), ("Keep-Alive", "timeout=1")], true, Some(KeepAlive { timeout: secs(1), max: None })),
            (Http11, &[("Keep-Alive", "max=0")], true, None),
            (Http11, &[("Keep-Alive", "timeout=0")], true, None),
            (Http11, &[("Keep-Alive", "timeout=abc, max=-1, foo=2")], true, Some(KeepAlive::default())),
            (Http11, &[("Keep-Alive", "TIMEOUT=\"7\"")], true, Some(KeepAlive { timeout: secs(7), max: None })),
        ];
        for (version, fields, framed, expected) in table {
            assert_eq!(
                keep_alive(*version, &headers(fields), *framed),
                *expected,
                "{version:?} {fields:?} framed={framed}"
            );
        }
    }

    #[test]
    fn the_pool_lets_go_before_the_server_does() {
        let after = |secs| {
            KeepAlive {
                timeout: Some(Duration::from_secs(secs)),
                max: None,
            }
            .expires_after()
        };
        assert_eq!(after(1), Some(Duration::from_millis(500)));
        assert_eq!(after(5), Some(Duration::from_secs(4)));
        assert_eq!(after(75), Some(Duration::from_secs(74)));
        assert_eq!(KeepAlive::default().expires_after(), None);
    }
}

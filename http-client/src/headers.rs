//! [`Headers`]: header fields in arrival order with case-insensitive lookup.
//! The response parser fills one per response; [`Request`](crate::Request)
//! keeps the caller's fields in one.
//!
//! Values are bytes, not strings: RFC 9110 allows obs-text (bytes 0x80-0xFF,
//! historically Latin-1) in field values, and a client should not fail a whole
//! response over one header it may never read. [`Headers::get_str`] gives the
//! text when it is UTF-8.

use std::fmt;

/// An ordered multimap of header fields.
///
/// Names keep the case they arrived in; lookups ignore ASCII case. Repeated
/// fields stay separate entries, in order.
///
/// # Examples
///
/// ```
/// use http_client::{Limits, Status, parse_response};
///
/// let input = b"HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\nContent-Length: 0\r\n\r\n";
/// let Status::Complete(response) = parse_response(input, false, false, &Limits::default())? else {
///     panic!("incomplete");
/// };
/// let headers = response.headers();
/// assert_eq!(headers.len(), 3);
/// assert_eq!(headers.get("SET-COOKIE"), Some(&b"a=1"[..]));
/// assert_eq!(headers.get_all("set-cookie").collect::<Vec<_>>(), [b"a=1", b"b=2"]);
/// # Ok::<(), http_client::ParseError>(())
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Headers {
    /// `(name, value)` in arrival order; names are tokens, values have
    /// surrounding whitespace trimmed and contain no CR, LF or NUL.
    fields: Vec<(String, Vec<u8>)>,
}

impl Headers {
    /// An empty set of headers.
    ///
    /// # Examples
    ///
    /// ```
    /// let headers = http_client::Headers::new();
    /// assert!(headers.is_empty());
    /// ```
    pub fn new() -> Headers {
        Headers::default()
    }

    /// The value of the first field named `name` (ASCII case-insensitive).
    ///
    /// # Examples
    ///
    /// ```
    /// # use http_client::{Limits, Status, parse_response};
    /// # let input = b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n";
    /// # let Status::Complete(response) = parse_response(input, true, false, &Limits::default())? else { panic!() };
    /// // `response` was parsed from "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n".
    /// assert_eq!(response.headers().get("content-type"), Some(&b"text/plain"[..]));
    /// assert_eq!(response.headers().get("x-missing"), None);
    /// # Ok::<(), http_client::ParseError>(())
    /// ```
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.get_all(name).next()
    }

    /// The values of every field named `name`, in arrival order.
    ///
    /// # Examples
    ///
    /// ```
    /// # use http_client::{Limits, Status, parse_response};
    /// # let input = b"HTTP/1.0 200 OK\r\nVia: a\r\nVia: b\r\n\r\n";
    /// # let Status::Complete(response) = parse_response(input, true, false, &Limits::default())? else { panic!() };
    /// // `response` has the fields "Via: a" and "Via: b".
    /// let vias: Vec<&[u8]> = response.headers().get_all("via").collect();
    /// assert_eq!(vias, [b"a", b"b"]);
    /// # Ok::<(), http_client::ParseError>(())
    /// ```
    pub fn get_all(&self, name: &str) -> impl Iterator<Item = &[u8]> {
        self.fields
            .iter()
            .filter(move |(field, _)| field.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_slice())
    }

    /// The first value named `name` as text, or `None` when it is missing or
    /// not UTF-8.
    ///
    /// # Examples
    ///
    /// ```
    /// # use http_client::{Limits, Status, parse_response};
    /// # let input = b"HTTP/1.0 200 OK\r\nServer: demo\r\nX-Latin: caf\xe9\r\n\r\n";
    /// # let Status::Complete(response) = parse_response(input, true, false, &Limits::default())? else { panic!() };
    /// // `response` has "Server: demo" and a Latin-1 "X-Latin: caf\xe9".
    /// assert_eq!(response.headers().get_str("server"), Some("demo"));
    /// assert_eq!(response.headers().get_str("x-latin"), None);
    /// assert_eq!(response.headers().get("x-latin"), Some(&b"caf\xe9"[..]));
    /// # Ok::<(), http_client::ParseError>(())
    /// ```
    pub fn get_str(&self, name: &str) -> Option<&str> {
        std::str::from_utf8(self.get(name)?).ok()
    }

    /// Whether a field named `name` is present.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!http_client::Headers::new().contains("host"));
    /// ```
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Every field as `(name, value)`, in arrival order.
    ///
    /// # Examples
    ///
    /// ```
    /// # use http_client::{Limits, Status, parse_response};
    /// # let input = b"HTTP/1.0 200 OK\r\nA: 1\r\nB: 2\r\n\r\n";
    /// # let Status::Complete(response) = parse_response(input, true, false, &Limits::default())? else { panic!() };
    /// // `response` has "A: 1" then "B: 2".
    /// let names: Vec<&str> = response.headers().iter().map(|(name, _)| name).collect();
    /// assert_eq!(names, ["A", "B"]);
    /// # Ok::<(), http_client::ParseError>(())
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.fields
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_slice()))
    }

    /// The number of fields, counting repeats.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(http_client::Headers::new().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Whether there are no fields.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(http_client::Headers::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// Adds a field. The caller has validated `name` and `value`.
    pub(crate) fn append(&mut self, name: String, value: Vec<u8>) {
        self.fields.push((name, value));
    }

    /// Removes every field named `name` (any case): a decoded body's
    /// `Content-Encoding`, a request's `Authorization` replaced.
    pub(crate) fn remove_all(&mut self, name: &str) {
        self.fields.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    }

    /// The last field's value, for unfolding an obs-fold continuation line.
    pub(crate) fn last_value_mut(&mut self) -> Option<&mut Vec<u8>> {
        self.fields.last_mut().map(|(_, value)| value)
    }
}

impl fmt::Debug for Headers {
    /// Values print as lossy UTF-8 so a dump stays readable.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(
                self.fields
                    .iter()
                    .map(|(name, value)| (name, String::from_utf8_lossy(value))),
            )
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::Headers;

    fn sample() -> Headers {
        let mut headers = Headers::new();
        for (name, value) in [
            ("Content-Type", &b"text/html"[..]),
            ("Set-Cookie", b"a=1"),
            ("X-Latin", b"caf\xe9"),
            ("set-cookie", b"b=2"),
        ] {
            headers.append(name.into(), value.into());
        }
        headers
    }

    #[test]
    fn lookups_ignore_case() {
        let headers = sample();
        // (name, first value, count, first value as text)
        type Case<'a> = (&'a str, Option<&'a [u8]>, usize, Option<&'a str>);
        let cases: [Case<'_>; 5] = [
            ("content-type", Some(b"text/html"), 1, Some("text/html")),
            ("CONTENT-TYPE", Some(b"text/html"), 1, Some("text/html")),
            ("Set-Cookie", Some(b"a=1"), 2, Some("a=1")),
            ("x-latin", Some(b"caf\xe9"), 1, None),
            ("missing", None, 0, None),
        ];
        for (name, first, count, text) in cases {
            assert_eq!(headers.get(name), first, "{name}");
            assert_eq!(headers.get_all(name).count(), count, "{name}");
            assert_eq!(headers.get_str(name), text, "{name}");
            assert_eq!(headers.contains(name), first.is_some(), "{name}");
        }
    }

    #[test]
    fn keeps_arrival_order_and_case() {
        let headers = sample();
        let names: Vec<&str> = headers.iter().map(|(name, _)| name).collect();
        assert_eq!(
            names,
            ["Content-Type", "Set-Cookie", "X-Latin", "set-cookie"]
        );
        assert_eq!((headers.len(), headers.is_empty()), (4, false));
        let cookies: Vec<&[u8]> = headers.get_all("set-cookie").collect();
        assert_eq!(cookies, [b"a=1", b"b=2"]);
    }

    #[test]
    fn debug_is_readable() {
        let mut headers = Headers::new();
        headers.append("A".into(), b"x\xff".to_vec());
        assert_eq!(format!("{headers:?}"), "{\"A\": \"x\u{fffd}\"}");
    }
}

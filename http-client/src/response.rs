//! [`Response`]: a complete HTTP response — status, headers and the decoded
//! body. Built only by the response parser (`parse/`) and by
//! [`BodyStream::read_to_end`](crate::BodyStream::read_to_end), both of which
//! have already removed any chunked framing.

use std::borrow::Cow;
use std::fmt;

use crate::{Headers, Version};

/// A complete response.
///
/// # Examples
///
/// ```
/// use http_client::{Limits, Status, parse_response};
///
/// let input = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello";
/// let Status::Complete(response) = parse_response(input, false, false, &Limits::default())? else {
///     panic!("incomplete");
/// };
/// assert_eq!(response.status(), 200);
/// assert_eq!(response.header("content-type"), Some(&b"text/plain"[..]));
/// assert_eq!(response.text()?, "hello");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Response {
    version: Version,
    /// Three digits, 200..=999 (interim 1xx responses are skipped by the parser).
    status: u16,
    /// The reason phrase, lossily decoded; may be empty.
    reason: String,
    headers: Headers,
    /// The body with any transfer coding removed; empty for `HEAD`, 204 and 304.
    body: Vec<u8>,
    /// What the TLS session negotiated, for a response that came over one.
    #[cfg(feature = "tls")]
    tls_info: Option<crate::TlsInfo>,
    /// It came over a connection taken from a client's pool.
    reused: bool,
}

impl Response {
    /// Assembles a response; only the parser and the body stream call this.
    pub(crate) fn new(
        version: Version,
        status: u16,
        reason: String,
        headers: Headers,
        body: Vec<u8>,
    ) -> Response {
        Response {
            version,
            status,
            reason,
            headers,
            body,
            #[cfg(feature = "tls")]
            tls_info: None,
            reused: false,
        }
    }

    /// The response, noting whether its connection was reused.
    pub(crate) fn with_reused(mut self, reused: bool) -> Response {
        self.reused = reused;
        self
    }

    /// Whether the response came over a connection that had carried an
    /// earlier response, taken from a [`Client`](crate::Client)'s pool (no
    /// TCP or TLS handshake was needed); false for a response parsed from
    /// bytes. See [`BodyStream::reused`](crate::BodyStream::reused).
    ///
    /// # Examples
    ///
    /// ```
    /// use http_client::{Limits, Status, parse_response};
    ///
    /// let input = b"HTTP/1.1 204 No Content\r\n\r\n";
    /// let Status::Complete(response) = parse_response(input, false, false, &Limits::default())? else {
    ///     panic!("complete");
    /// };
    /// assert!(!response.reused());
    /// # Ok::<(), http_client::ParseError>(())
    /// ```
    pub fn reused(&self) -> bool {
        self.reused
    }

    /// The response with the TLS session it came over.
    #[cfg(feature = "tls")]
    pub(crate) fn with_tls_info(mut self, tls_info: Option<crate::TlsInfo>) -> Response {
        self.tls_info = tls_info;
        self
    }

    /// For a response that came over TLS (`https://`): the protocol
    /// version, cipher suite and server certificate's names; `None` for
    /// plain HTTP and for a response parsed from bytes.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// runtime::block_on(async {
    ///     let response = http_client::get("https://example.com/").await?;
    ///     let tls = response.tls_info().expect("an https:// response");
    ///     println!("{} {} subject {}", tls.protocol, tls.cipher_suite, tls.subject);
    ///     Ok::<_, http_client::Error>(())
    /// })?;
    /// # Ok::<_, http_client::Error>(())
    /// ```
    #[cfg(feature = "tls")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tls")))]
    pub fn tls_info(&self) -> Option<&crate::TlsInfo> {
        self.tls_info.as_ref()
    }

    /// The version on the status line.
    ///
    /// # Examples
    ///
    /// ```
    /// # use http_client::{Limits, Status, Version, parse_response};
    /// # let Status::Complete(response) = parse_response(b"HTTP/1.0 200 OK\r\n\r\n", false, true, &Limits::default())? else { panic!() };
    /// // `response` was parsed from "HTTP/1.0 200 OK\r\n\r\n".
    /// assert_eq!(response.version(), Version::Http10);
    /// # Ok::<(), http_client::ParseError>(())
    /// ```
    pub fn version(&self) -> Version {
        self.version
    }

    /// The status code.
    ///
    /// # Examples
    ///
    /// ```
    /// # use http_client::{Limits, Status, parse_response};
    /// # let Status::Complete(response) = parse_response(b"HTTP/1.1 404 Not Found\r\n\r\n", true, false, &Limits::default())? else { panic!() };
    /// // `response` was parsed from "HTTP/1.1 404 Not Found\r\n\r\n".
    /// assert_eq!(response.status(), 404);
    /// # Ok::<(), http_client::ParseError>(())
    /// ```
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The reason phrase (invalid UTF-8 replaced by U+FFFD); may be empty.
    ///
    /// # Examples
    ///
    /// ```
    /// # use http_client::{Limits, Status, parse_response};
    /// # let Status::Complete(response) = parse_response(b"HTTP/1.1 404 Not Found\r\n\r\n", true, false, &Limits::default())? else { panic!() };
    /// // `response` was parsed from "HTTP/1.1 404 Not Found\r\n\r\n".
    /// assert_eq!(response.reason(), "Not Found");
    /// # Ok::<(), http_client::ParseError>(())
    /// ```
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// All header fields.
    ///
    /// # Examples
    ///
    /// ```
    /// # use http_client::{Limits, Status, parse_response};
    /// # let Status::Complete(response) = parse_response(b"HTTP/1.1 204 No Content\r\nA: 1\r\n\r\n", false, false, &Limits::default())? else { panic!() };
    /// // `response` was parsed from "HTTP/1.1 204 No Content\r\nA: 1\r\n\r\n".
    /// assert_eq!(response.headers().len(), 1);
    /// # Ok::<(), http_client::ParseError>(())
    /// ```
    pub fn headers(&self) -> &Headers {
        &self.headers
    }

    /// The first value of header `name` (ASCII case-insensitive).
    ///
    /// # Examples
    ///
    /// ```
    /// # use http_client::{Limits, Status, parse_response};
    /// # let Status::Complete(response) = parse_response(b"HTTP/1.1 204 No Content\r\nETag: \"x\"\r\n\r\n", false, false, &Limits::default())? else { panic!() };
    /// // `response` was parsed from "HTTP/1.1 204 No Content\r\nETag: \"x\"\r\n\r\n".
    /// assert_eq!(response.header("etag"), Some(&b"\"x\""[..]));
    /// # Ok::<(), http_client::ParseError>(())
    /// ```
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers.get(name)
    }

    /// The body, decoded from any chunked framing.
    ///
    /// # Examples
    ///
    /// ```
    /// # use http_client::{Limits, Status, parse_response};
    /// # let input = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n";
    /// # let Status::Complete(response) = parse_response(input, false, false, &Limits::default())? else { panic!() };
    /// // `response` had the chunked body "3\r\nabc\r\n0\r\n\r\n".
    /// assert_eq!(response.body(), b"abc");
    /// # Ok::<(), http_client::ParseError>(())
    /// ```
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The body, taken by value without a copy.
    ///
    /// # Examples
    ///
    /// ```
    /// # use http_client::{Limits, Status, parse_response};
    /// # let Status::Complete(response) = parse_response(b"HTTP/1.0 200 OK\r\n\r\nbytes", false, true, &Limits::default())? else { panic!() };
    /// // `response` was parsed from "HTTP/1.0 200 OK\r\n\r\nbytes" then end of stream.
    /// let body: Vec<u8> = response.into_body();
    /// assert_eq!(body, b"bytes");
    /// # Ok::<(), http_client::ParseError>(())
    /// ```
    pub fn into_body(self) -> Vec<u8> {
        self.body
    }

    /// The body as UTF-8 text.
    ///
    /// # Errors
    ///
    /// The [`Utf8Error`](std::str::Utf8Error) when the body is not UTF-8; see
    /// [`Response::text_lossy`] for a version that cannot fail.
    ///
    /// # Examples
    ///
    /// ```
    /// # use http_client::{Limits, Status, parse_response};
    /// # let Status::Complete(response) = parse_response(b"HTTP/1.0 200 OK\r\n\r\nh\xc3\xa9", false, true, &Limits::default())? else { panic!() };
    /// // `response` has the body "h\xc3\xa9".
    /// assert_eq!(response.text()?, "hé");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn text(&self) -> Result<&str, std::str::Utf8Error> {
        std::str::from_utf8(&self.body)
    }

    /// The body as text, with invalid UTF-8 replaced by U+FFFD.
    ///
    /// # Examples
    ///
    /// ```
    /// # use http_client::{Limits, Status, parse_response};
    /// # let Status::Complete(response) = parse_response(b"HTTP/1.0 200 OK\r\n\r\ncaf\xe9", false, true, &Limits::default())? else { panic!() };
    /// // `response` has the Latin-1 body "caf\xe9".
    /// assert_eq!(response.text_lossy(), "caf\u{fffd}");
    /// # Ok::<(), http_client::ParseError>(())
    /// ```
    pub fn text_lossy(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }

    /// Whether the status is 2xx.
    ///
    /// # Examples
    ///
    /// ```
    /// # use http_client::{Limits, Status, parse_response};
    /// # let Status::Complete(response) = parse_response(b"HTTP/1.1 204 No Content\r\n\r\n", false, false, &Limits::default())? else { panic!() };
    /// // `response` was parsed from "HTTP/1.1 204 No Content\r\n\r\n".
    /// assert!(response.is_success());
    /// # Ok::<(), http_client::ParseError>(())
    /// ```
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// Whether the status asks to follow `Location`: 301, 302, 303, 307 or 308.
    /// (300 Multiple Choices and 304 Not Modified are not redirects to follow.)
    ///
    /// # Examples
    ///
    /// ```
    /// # use http_client::{Limits, Status, parse_response};
    /// # let input = b"HTTP/1.1 301 Moved Permanently\r\nLocation: /new\r\nContent-Length: 0\r\n\r\n";
    /// # let Status::Complete(response) = parse_response(input, false, false, &Limits::default())? else { panic!() };
    /// // `response` is a 301 with "Location: /new".
    /// assert!(response.is_redirect());
    /// # Ok::<(), http_client::ParseError>(())
    /// ```
    pub fn is_redirect(&self) -> bool {
        matches!(self.status, 301 | 302 | 303 | 307 | 308)
    }

    /// The `Location` header as text, if present and UTF-8; resolve it with
    /// [`Url::join`](crate::Url::join).
    ///
    /// # Examples
    ///
    /// ```
    /// # use http_client::{Limits, Status, parse_response};
    /// # let input = b"HTTP/1.1 302 Found\r\nLocation: /new\r\nContent-Length: 0\r\n\r\n";
    /// # let Status::Complete(response) = parse_response(input, false, false, &Limits::default())? else { panic!() };
    /// use http_client::Url;
    ///
    /// // `response` is a 302 with "Location: /new".
    /// let base = Url::parse("http://example.com/old")?;
    /// let next = base.join(response.location().ok_or("no Location")?)?;
    /// assert_eq!(next.to_string(), "http://example.com/new");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn location(&self) -> Option<&str> {
        self.headers.get_str("location")
    }
}

impl fmt::Debug for Response {
    /// Shows the body's length rather than its bytes, which may be megabytes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("version", &self.version)
            .field("status", &self.status)
            .field("reason", &self.reason)
            .field("headers", &self.headers)
            .field("body", &format_args!("{} bytes", self.body.len()))
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, headers: &[(&str, &[u8])], body: &[u8]) -> Response {
        let mut fields = Headers::new();
        for &(name, value) in headers {
            fields.append(name.into(), value.into());
        }
        Response::new(Version::Http11, status, String::new(), fields, body.into())
    }

    #[test]
    fn classifies_statuses() {
        // (status, is_success, is_redirect)
        let cases = [
            (200, true, false),
            (204, true, false),
            (299, true, false),
            (300, false, false),
            (301, false, true),
            (302, false, true),
            (303, false, true),
            (304, false, false),
            (307, false, true),
            (308, false, true),
            (404, false, false),
            (999, false, false),
        ];
        for (status, success, redirect) in cases {
            let r = response(status, &[], b"");
            assert_eq!(
                (r.is_success(), r.is_redirect()),
                (success, redirect),
                "{status}"
            );
        }
    }

    #[test]
    fn reads_location_and_text() {
        let r = response(302, &[("LOCATION", b"/a")], b"caf\xe9");
        assert_eq!(r.location(), Some("/a"));
        assert!(r.text().is_err());
        assert_eq!(r.text_lossy(), "caf\u{fffd}");
        assert_eq!(
            response(302, &[("Location", b"\xff")], b"").location(),
            None
        );
        assert!(format!("{r:?}").contains("body: 4 bytes"));
        assert_eq!(r.into_body(), b"caf\xe9");
    }
}

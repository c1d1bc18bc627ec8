//! [`Request`]: what to send — method, [`Url`], headers and an optional body —
//! and its encoding as HTTP/1.0 bytes. Validation happens as the request is
//! built (`request/error.rs`), so [`Request::encode`] is infallible and no
//! caller-supplied text can split a line.

mod error;

pub use error::RequestError;

use std::fmt;

use crate::proxy::Forward;
use crate::token::is_token;
use crate::{Headers, Method, Url};

/// Headers the client always writes itself; setting them by hand is refused
/// so the request can never carry two conflicting copies.
const RESERVED: [&str; 3] = ["Content-Length", "Connection", "Transfer-Encoding"];

/// An HTTP/1.0 request, built in a chain and encoded to bytes.
///
/// # Header rules
///
/// - The client writes `Host` (from the URL), `Content-Length` (when there
///   is a body) and `Connection: close` — or `Connection: keep-alive` when
///   a pooled [`Client`](crate::Client) sends it (its default).
/// - A `Host` header set by hand **replaces** the one derived from the URL
///   (useful to reach a virtual host by IP address); setting it twice keeps
///   the last value.
/// - `Content-Length`, `Connection` and `Transfer-Encoding` set by hand are
///   refused with [`RequestError::ReservedHeader`]: the body is always sent
///   whole with its length, never chunked, and whether the connection stays
///   open is the client's business.
/// - Other headers are sent in the order they were added, repeats included.
///
/// # Examples
///
/// ```
/// use http_client::{Request, Url};
///
/// let request = Request::get(Url::parse("http://example.com/hello")?)
///     .header("Accept", "text/plain")?;
/// assert_eq!(
///     request.encode(),
///     b"GET /hello HTTP/1.0\r\nHost: example.com\r\nAccept: text/plain\r\nConnection: close\r\n\r\n",
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Request {
    /// The request method; `HEAD` tells the parser no body follows.
    method: Method,
    /// Where to connect and what to ask for.
    url: Url,
    /// A `Host` value set by hand, replacing [`Url::host_header`].
    host: Option<Vec<u8>>,
    /// Caller headers in order: validated, and never a reserved name or `Host`.
    headers: Headers,
    /// The body; `Some` (even empty) means `Content-Length` is sent.
    body: Option<Vec<u8>>,
}

impl Request {
    /// A request with `method` for `url`, no extra headers and no body.
    ///
    /// # Examples
    ///
    /// ```
    /// use http_client::{Method, Request, Url};
    ///
    /// let request = Request::new(Method::new("PURGE")?, Url::parse("http://cache.local/x")?);
    /// assert!(request.encode().starts_with(b"PURGE /x HTTP/1.0\r\n"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(method: Method, url: Url) -> Request {
        Request {
            method,
            url,
            host: None,
            headers: Headers::new(),
            body: None,
        }
    }

    /// The same request aimed at `url`, for following a redirect. A `Host`
    /// set by hand is kept only while the redirect stays on the same
    /// authority (it named a virtual host there, not elsewhere).
    ///
    /// Credentials (`Authorization`, `Proxy-Authorization`, `Cookie`) are
    /// likewise sent only to the server they were meant for (RFC 9110
    /// §15.4): a redirect to another authority drops them.
    pub(crate) fn redirected(&self, url: Url) -> Request {
        const CREDENTIALS: [&str; 3] = ["authorization", "proxy-authorization", "cookie"];
        let same_authority = url.authority() == self.url.authority();
        let mut headers = Headers::new();
        for (name, value) in self.headers.iter() {
            let credential = CREDENTIALS.iter().any(|c| name.eq_ignore_ascii_case(c));
            if same_authority || !credential {
                headers.append(name.to_owned(), value.to_vec());
            }
        }
        Request {
            method: self.method.clone(),
            host: self.host.clone().filter(|_| same_authority),
            headers,
            body: self.body.clone(),
            url,
        }
    }

    /// A `GET` request for `url`.
    ///
    /// # Examples
    ///
    /// ```
    /// use http_client::{Method, Request, Url};
    ///
    /// let request = Request::get(Url::parse("http://example.com/")?);
    /// assert_eq!(request.method(), &Method::GET);
    /// # Ok::<(), http_client::UrlError>(())
    /// ```
    pub fn get(url: Url) -> Request {
        Request::new(Method::GET, url)
    }

    /// A `HEAD` request for `url`: the response will have headers only.
    ///
    /// # Examples
    ///
    /// ```
    /// use http_client::{Request, Url};
    ///
    /// let request = Request::head(Url::parse("http://example.com/")?);
    /// assert!(request.method().is_head());
    /// # Ok::<(), http_client::UrlError>(())
    /// ```
    pub fn head(url: Url) -> Request {
        Request::new(Method::HEAD, url)
    }

    /// Adds a header (see [Header rules](Request#header-rules)).
    ///
    /// # Errors
    ///
    /// - [`RequestError::InvalidHeaderName`] when `name` is not a token
    ///   (empty, or containing spaces, `:` or control characters);
    /// - [`RequestError::InvalidHeaderValue`] when `value` contains CR, LF or
    ///   NUL, which could inject extra header lines;
    /// - [`RequestError::ReservedHeader`] for `Content-Length`, `Connection`
    ///   and `Transfer-Encoding` (any case).
    ///
    /// # Examples
    ///
    /// ```
    /// use http_client::{Request, RequestError, Url};
    ///
    /// let request = Request::get(Url::parse("http://10.0.0.7/")?).header("Host", "example.com")?;
    /// assert!(request.encode().starts_with(b"GET / HTTP/1.0\r\nHost: example.com\r\n"));
    ///
    /// let refused = request.header("connection", "keep-alive").unwrap_err();
    /// assert_eq!(refused, RequestError::ReservedHeader("connection".into()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn header(mut self, name: &str, value: impl AsRef<[u8]>) -> Result<Request, RequestError> {
        let value = value.as_ref();
        if !is_token(name.as_bytes()) {
            return Err(RequestError::InvalidHeaderName(name.to_owned()));
        }
        if value.iter().any(|b| matches!(b, b'\r' | b'\n' | b'\0')) {
            return Err(RequestError::InvalidHeaderValue {
                name: name.to_owned(),
            });
        }
        if RESERVED
            .iter()
            .any(|reserved| reserved.eq_ignore_ascii_case(name))
        {
            return Err(RequestError::ReservedHeader(name.to_owned()));
        }
        if name.eq_ignore_ascii_case("host") {
            self.host = Some(value.to_vec());
        } else {
            self.headers.append(name.to_owned(), value.to_vec());
        }
        Ok(self)
    }

    /// Sets the body, sent with its `Content-Length` (also when empty).
    ///
    /// # Examples
    ///
    /// ```
    /// use http_client::{Method, Request, Url};
    ///
    /// let request = Request::new(Method::POST, Url::parse("http://example.com/form")?).body("a=1");
    /// assert!(request.encode().ends_with(b"Content-Length: 3\r\nConnection: close\r\n\r\na=1"));
    /// # Ok::<(), http_client::UrlError>(())
    /// ```
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Request {
        self.body = Some(body.into());
        self
    }

    /// The method.
    ///
    /// # Examples
    ///
    /// ```
    /// use http_client::{Method, Request, Url};
    ///
    /// let request = Request::new(Method::PUT, Url::parse("http://example.com/")?);
    /// assert_eq!(request.method(), &Method::PUT);
    /// # Ok::<(), http_client::UrlError>(())
    /// ```
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The URL: where to connect and what to ask for.
    ///
    /// # Examples
    ///
    /// ```
    /// use http_client::{Request, Url};
    ///
    /// let request = Request::get(Url::parse("http://example.com:8080/")?);
    /// assert_eq!(request.url().authority(), "example.com:8080");
    /// # Ok::<(), http_client::UrlError>(())
    /// ```
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The headers added by hand, except `Host` (see
    /// [Header rules](Request#header-rules)).
    ///
    /// # Examples
    ///
    /// ```
    /// use http_client::{Request, Url};
    ///
    /// let request = Request::get(Url::parse("http://example.com/")?).header("Accept", "*/*")?;
    /// assert_eq!(request.headers().get_str("accept"), Some("*/*"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn headers(&self) -> &Headers {
        &self.headers
    }

    /// The body, if one was set.
    ///
    /// # Examples
    ///
    /// ```
    /// use http_client::{Method, Request, Url};
    ///
    /// let request = Request::new(Method::POST, Url::parse("http://example.com/")?);
    /// assert_eq!(request.body_bytes(), None);
    /// assert_eq!(request.body("x").body_bytes(), Some(&b"x"[..]));
    /// # Ok::<(), http_client::UrlError>(())
    /// ```
    pub fn body_bytes(&self) -> Option<&[u8]> {
        self.body.as_deref()
    }

    /// The whole request as sent: head, then body.
    ///
    /// ```text
    /// METHOD SP path-and-query SP HTTP/1.0 CRLF
    /// Host: host[:port] CRLF
    /// (caller headers, in order) CRLF
    /// Content-Length: N CRLF        (only with a body)
    /// Connection: close CRLF
    /// CRLF
    /// body
    /// ```
    ///
    /// # Examples
    ///
    /// ```
    /// use http_client::{Method, Request, Url};
    ///
    /// let request = Request::new(Method::POST, Url::parse("http://[::1]:8080/api?v=2")?)
    ///     .header("Content-Type", "application/json")?
    ///     .body(r#"{"a":1}"#);
    /// assert_eq!(
    ///     request.encode(),
    ///     b"POST /api?v=2 HTTP/1.0\r\nHost: [::1]:8080\r\nContent-Type: application/json\r\n\
    ///       Content-Length: 7\r\nConnection: close\r\n\r\n{\"a\":1}",
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn encode(&self) -> Vec<u8> {
        self.encode_for(false, None, None)
    }

    /// The head only (request line, headers and the empty line), for callers
    /// that write a large body separately instead of copying it.
    ///
    /// # Examples
    ///
    /// ```
    /// use http_client::{Method, Request, Url};
    ///
    /// let request = Request::new(Method::PUT, Url::parse("http://example.com/f")?).body(vec![0; 1 << 20]);
    /// let head = request.encode_head();
    /// assert!(head.ends_with(b"Content-Length: 1048576\r\nConnection: close\r\n\r\n"));
    /// assert_eq!(head.len() + (1 << 20), request.encode().len());
    /// # Ok::<(), http_client::UrlError>(())
    /// ```
    pub fn encode_head(&self) -> Vec<u8> {
        self.encode_head_for(false, None, None)
    }

    /// [`encode`](Request::encode), asking the server to keep the
    /// connection open (`Connection: keep-alive`) when `keep_alive`, in a
    /// proxy's form when `forward`, and for a coding (see
    /// [`encode_head_for`](Request::encode_head_for)).
    pub(crate) fn encode_for(
        &self,
        keep_alive: bool,
        forward: Option<&Forward>,
        accept_encoding: Option<&str>,
    ) -> Vec<u8> {
        let mut out = self.encode_head_for(keep_alive, forward, accept_encoding);
        out.extend_from_slice(self.body.as_deref().unwrap_or_default());
        out
    }

    /// [`encode_head`](Request::encode_head), with `Connection: keep-alive`
    /// instead of `close` when `keep_alive`. With `forward` (a request to
    /// an `http://` URL through a proxy), the request line carries the
    /// whole URL (`GET http://host/path HTTP/1.0`, RFC 9112 §3.2.2's
    /// absolute form) and the proxy's credentials follow the caller's
    /// headers, unless the caller set `Proxy-Authorization` itself. With
    /// `accept_encoding` (a client that decodes compressed bodies), that
    /// `Accept-Encoding` follows too, unless the caller set one.
    pub(crate) fn encode_head_for(
        &self,
        keep_alive: bool,
        forward: Option<&Forward>,
        accept_encoding: Option<&str>,
    ) -> Vec<u8> {
        let fields: usize = self
            .headers
            .iter()
            .map(|(n, v)| n.len() + v.len() + 4)
            .sum();
        let body_len = self.body.as_ref().map_or(0, Vec::len);
        let mut out = Vec::with_capacity(128 + self.url.path_and_query().len() + fields + body_len);
        out.extend_from_slice(self.method.as_str().as_bytes());
        out.push(b' ');
        match forward {
            Some(_) => out.extend_from_slice(self.url.absolute_form().as_bytes()),
            None => out.extend_from_slice(self.url.path_and_query().as_bytes()),
        }
        out.extend_from_slice(b" HTTP/1.0\r\nHost: ");
        match &self.host {
            Some(host) => out.extend_from_slice(host),
            None => out.extend_from_slice(self.url.host_header().as_bytes()),
        }
        out.extend_from_slice(b"\r\n");
        for (name, value) in self.headers.iter() {
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(value);
            out.extend_from_slice(b"\r\n");
        }
        if let Some(coding) = accept_encoding
            && !self.headers.contains("accept-encoding")
        {
            out.extend_from_slice(b"Accept-Encoding: ");
            out.extend_from_slice(coding.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        if let Some(authorization) = forward.and_then(|f| f.authorization.as_deref())
            && self.headers.get("proxy-authorization").is_none()
        {
            out.extend_from_slice(b"Proxy-Authorization: ");
            out.extend_from_slice(authorization.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        if self.body.is_some() {
            out.extend_from_slice(format!("Content-Length: {body_len}\r\n").as_bytes());
        }
        out.extend_from_slice(if keep_alive {
            b"Connection: keep-alive\r\n\r\n"
        } else {
            b"Connection: close\r\n\r\n"
        });
        out
    }
}

impl fmt::Debug for Request {
    /// Shows the body's length rather than its bytes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("host", &self.host.as_deref().map(String::from_utf8_lossy))
            .field("headers", &self.headers)
            .field(
                "body",
                &self
                    .body
                    .as_ref()
                    .map(|body| format!("{} bytes", body.len())),
            )
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    #[test]
    fn encodes_exact_bytes() {
        #[rustfmt::skip]
        let cases: Vec<(Request, &[u8])> = vec![
            (Request::get(url("http://example.com")), b"GET / HTTP/1.0\r\nHost: example.com\r\nConnection: close\r\n\r\n"),
            (
                Request::head(url("http://example.com:8080/a?b=c#frag")),
                b"HEAD /a?b=c HTTP/1.0\r\nHost: example.com:8080\r\nConnection: close\r\n\r\n",
            ),
            (Request::get(url("http://[::1]/")), b"GET / HTTP/1.0\r\nHost: [::1]\r\nConnection: close\r\n\r\n"),
            (
                Request::new(Method::POST, url("http://h/")).body(Vec::new()),
                b"POST / HTTP/1.0\r\nHost: h\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            ),
            (
                Request::new(Method::PUT, url("http://h/f")).body("hello"),
                b"PUT /f HTTP/1.0\r\nHost: h\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello",
            ),
            (
                Request::get(url("http://h/"))
                    .header("B", "2")
                    .and_then(|r| r.header("A", "1"))
                    .and_then(|r| r.header("b", b"caf\xe9"))
                    .unwrap(),
                b"GET / HTTP/1.0\r\nHost: h\r\nB: 2\r\nA: 1\r\nb: caf\xe9\r\nConnection: close\r\n\r\n",
            ),
            (
                Request::get(url("http://10.0.0.1:81/"))
                    .header("X", "")
                    .and_then(|r| r.header("host", "a.example"))
                    .and_then(|r| r.header("HOST", "b.example"))
                    .unwrap(),
                b"GET / HTTP/1.0\r\nHost: b.example\r\nX: \r\nConnection: close\r\n\r\n",
            ),
        ];
        for (request, want) in cases {
            assert_eq!(
                String::from_utf8_lossy(&request.encode()),
                String::from_utf8_lossy(want),
                "{request:?}"
            );
        }
    }

    #[test]
    fn rejects_unsafe_headers() {
        #[rustfmt::skip]
        let cases = [
            ("", "x", RequestError::InvalidHeaderName("".into())),
            ("X Y", "x", RequestError::InvalidHeaderName("X Y".into())),
            ("X:", "x", RequestError::InvalidHeaderName("X:".into())),
            ("X\r\nY", "x", RequestError::InvalidHeaderName("X\r\nY".into())),
            ("X", "a\r\nB: c", RequestError::InvalidHeaderValue { name: "X".into() }),
            ("X", "a\nb", RequestError::InvalidHeaderValue { name: "X".into() }),
            ("X", "a\rb", RequestError::InvalidHeaderValue { name: "X".into() }),
            ("X", "a\0b", RequestError::InvalidHeaderValue { name: "X".into() }),
            ("Host", "h\r\n", RequestError::InvalidHeaderValue { name: "Host".into() }),
            ("content-length", "5", RequestError::ReservedHeader("content-length".into())),
            ("Connection", "keep-alive", RequestError::ReservedHeader("Connection".into())),
            ("TRANSFER-ENCODING", "chunked", RequestError::ReservedHeader("TRANSFER-ENCODING".into())),
        ];
        for (name, value, want) in cases {
            let result = Request::get(url("http://h/")).header(name, value);
            assert_eq!(result.unwrap_err(), want, "{name:?}: {value:?}");
        }
    }

    #[test]
    fn a_request_through_a_proxy_names_the_whole_url() {
        let forward = Forward {
            authorization: Some("Basic dTpw".into()),
        };
        let request = Request::get(url("http://[::1]:8080/a?b"))
            .header("Accept", "*/*")
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&request.encode_for(true, Some(&forward), None)),
            "GET http://[::1]:8080/a?b HTTP/1.0\r\nHost: [::1]:8080\r\nAccept: */*\r\n\
             Proxy-Authorization: Basic dTpw\r\nConnection: keep-alive\r\n\r\n"
        );
        // The caller's own Proxy-Authorization is the only one.
        let own = request.header("Proxy-Authorization", "Bearer x").unwrap();
        let head =
            String::from_utf8_lossy(&own.encode_for(false, Some(&forward), None)).into_owned();
        assert_eq!(head.matches("Proxy-Authorization").count(), 1, "{head}");
        assert!(head.starts_with("GET http://[::1]:8080/a?b HTTP/1.0\r\n"));
        let direct = Request::get(url("http://h/x")).encode_for(
            false,
            Some(&Forward {
                authorization: None,
            }),
            None,
        );
        assert!(direct.starts_with(b"GET http://h/x HTTP/1.0\r\nHost: h\r\nConnection: close"));
    }

    #[test]
    fn a_decoding_client_asks_for_its_codings_unless_the_caller_did() {
        let request = Request::get(url("http://h/")).header("X", "1").unwrap();
        assert_eq!(
            String::from_utf8_lossy(&request.encode_for(false, None, Some("gzip, deflate"))),
            "GET / HTTP/1.0\r\nHost: h\r\nX: 1\r\nAccept-Encoding: gzip, deflate\r\nConnection: close\r\n\r\n"
        );
        let own = request.header("accept-encoding", "br").unwrap();
        let head = String::from_utf8_lossy(&own.encode_for(false, None, Some("gzip"))).into_owned();
        assert!(
            head.contains("accept-encoding: br\r\n") && !head.contains("gzip"),
            "{head}"
        );
    }

    #[test]
    fn debug_hides_the_body() {
        let request = Request::new(Method::POST, url("http://h/")).body(vec![7; 100]);
        assert!(format!("{request:?}").contains("\"100 bytes\""));
    }
}

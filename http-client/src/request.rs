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
    /// Credentials (`Authorization`, `Proxy-Authorization`, `Cookie`, and
    /// the URL's own `user:password@`) are sent only to the origin they
    /// were meant for, as curl has it: the same scheme, host and port. A
    /// redirect anywhere else drops them (RFC 9110 §15.4); one to the same
    /// origin keeps them, even when the `Location` names no user.
    pub(crate) fn redirected(&self, url: Url) -> Request {
        const CREDENTIALS: [&str; 3] = ["authorization", "proxy-authorization", "cookie"];
        let same_authority = url.authority() == self.url.authority();
        let same_origin = url.same_origin(&self.url);
        let mut headers = Headers::new();
        for (name, value) in self.headers.iter() {
            let credential = CREDENTIALS.iter().any(|c| name.eq_ignore_ascii_case(c));
            if same_origin || !credential {
                headers.append(name.to_owned(), value.to_vec());
            }
        }
        let url = match (same_origin, url.credentials()) {
            (true, None) => url.with_credentials(self.url.credentials().cloned()),
            (true, Some(_)) => url,
            (false, _) => url.with_credentials(None),
        };
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

    /// Sets HTTP Basic credentials (RFC 7617): `Authorization: Basic`
    /// followed by `user:password` in base64 (`user:` without a password),
    /// replacing any `Authorization` set before and the credentials of the
    /// URL, as reqwest's method of this name does. The user name must not
    /// contain `:` (the scheme cannot carry it). After a redirect, the
    /// header is sent only to the same scheme, host and port.
    ///
    /// The value is never printed: the request's `Debug` shows
    /// `Authorization: "***"`.
    ///
    /// # Examples
    ///
    /// ```
    /// use http_client::{Request, Url};
    ///
    /// let request = Request::get(Url::parse("http://example.com/private")?)
    ///     .basic_auth("Aladdin", Some("open sesame"));
    /// assert_eq!(request.headers().get_str("authorization"), Some("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="));
    /// assert!(!format!("{request:?}").contains("QWxh"));
    ///
    /// let token_only = Request::get(Url::parse("http://example.com/")?).basic_auth("token", None::<&str>);
    /// assert_eq!(token_only.headers().get_str("authorization"), Some("Basic dG9rZW46"));
    /// # Ok::<(), http_client::UrlError>(())
    /// ```
    pub fn basic_auth(
        mut self,
        user: impl fmt::Display,
        password: Option<impl fmt::Display>,
    ) -> Request {
        let password = password.map(|p| p.to_string());
        let value = crate::basic::header_value(&user.to_string(), password.as_deref());
        self.headers.remove_all("authorization");
        self.headers
            .append("Authorization".to_owned(), value.into_bytes());
        self
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
        if let Some(credentials) = self.url.credentials()
            && !self.headers.contains("authorization")
        {
            out.extend_from_slice(b"Authorization: ");
            out.extend_from_slice(credentials.header_value().as_bytes());
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
    /// Shows the body's length rather than its bytes, and `***` for the
    /// values of credential headers (the URL shows no password either).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("host", &self.host.as_deref().map(String::from_utf8_lossy))
            .field("headers", &Redacted(&self.headers))
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

/// Headers for `Debug`, with the values of those that carry credentials
/// replaced by `***`.
struct Redacted<'a>(&'a Headers);

impl fmt::Debug for Redacted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const SECRET: [&str; 3] = ["authorization", "proxy-authorization", "cookie"];
        let mut map = f.debug_map();
        for (name, value) in self.0.iter() {
            if SECRET.iter().any(|s| name.eq_ignore_ascii_case(s)) {
                map.entry(&name, &"***");
            } else {
                map.entry(&name, &String::from_utf8_lossy(value));
            }
        }
        map.finish()
    }
}

#[cfg(test)]
mod tests;

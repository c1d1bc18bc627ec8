//! [`RequestError`]: why a [`Request`](crate::Request) or
//! [`Method`](crate::Method) could not be built. Converted into
//! [`Error::InvalidRequest`](crate::Error::InvalidRequest) by `?`.

use std::fmt;

/// A method or header that cannot be sent safely.
///
/// Validation happens when the request is built, so encoding never fails and
/// no caller-supplied text can inject a line into the request.
///
/// # Examples
///
/// ```
/// use http_client::{Request, RequestError, Url};
///
/// let request = Request::get(Url::parse("http://example.com/")?);
/// let error = request.header("X-Id", "1\r\nEvil: yes").unwrap_err();
/// assert_eq!(error, RequestError::InvalidHeaderValue { name: "X-Id".into() });
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestError {
    /// The method is not a token.
    InvalidMethod(String),
    /// The header name is not a token.
    InvalidHeaderName(String),
    /// The header value contains CR, LF or NUL.
    InvalidHeaderValue {
        /// The header's name.
        name: String,
    },
    /// `Content-Length`, `Connection` or `Transfer-Encoding`, which the
    /// client writes itself.
    ReservedHeader(String),
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestError::InvalidMethod(method) => write!(
                f,
                "invalid method {method:?}: use letters, digits and !#$%&'*+-.^_`|~"
            ),
            RequestError::InvalidHeaderName(name) => write!(
                f,
                "invalid header name {name:?}: use letters, digits and !#$%&'*+-.^_`|~"
            ),
            RequestError::InvalidHeaderValue { name } => write!(
                f,
                "invalid value for header {name:?}: CR, LF and NUL are not allowed"
            ),
            RequestError::ReservedHeader(name) => write!(
                f,
                "header {name:?} is set by the client and cannot be set by hand"
            ),
        }
    }
}

impl std::error::Error for RequestError {}

#[cfg(test)]
mod tests {
    use super::RequestError;

    #[test]
    fn messages() {
        #[rustfmt::skip]
        let cases = [
            (RequestError::InvalidMethod("GE T".into()), r#"invalid method "GE T": use letters, digits and !#$%&'*+-.^_`|~"#),
            (RequestError::InvalidHeaderName("X Y".into()), r#"invalid header name "X Y": use letters, digits and !#$%&'*+-.^_`|~"#),
            (RequestError::InvalidHeaderValue { name: "X-A".into() }, r#"invalid value for header "X-A": CR, LF and NUL are not allowed"#),
            (RequestError::ReservedHeader("Connection".into()), r#"header "Connection" is set by the client and cannot be set by hand"#),
        ];
        for (error, want) in cases {
            assert_eq!(error.to_string(), want);
        }
    }
}

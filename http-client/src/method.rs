//! [`Method`]: the request method, any RFC 9110 token. [`Request`](crate::Request)
//! writes it first on the request line; the response parser asks
//! [`Method::is_head`] whether a body follows.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use crate::RequestError;
use crate::token::is_token;

/// An HTTP request method such as `GET` or `PURGE`.
///
/// Methods are case-sensitive tokens (RFC 9110 §9.1): `get` is a different
/// method from `GET`, and nothing is uppercased for you. The common methods
/// are constants; any other valid token is accepted by [`Method::new`].
///
/// # Examples
///
/// ```
/// use http_client::Method;
///
/// let purge = Method::new("PURGE")?;
/// assert_eq!(purge.as_str(), "PURGE");
/// assert_eq!(Method::GET.to_string(), "GET");
/// assert!(Method::new("GE T").is_err());
/// # Ok::<(), http_client::RequestError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Method(Cow<'static, str>);

impl Method {
    /// `GET`: fetch a representation.
    pub const GET: Method = Method(Cow::Borrowed("GET"));
    /// `HEAD`: like `GET`, but the response has no body.
    pub const HEAD: Method = Method(Cow::Borrowed("HEAD"));
    /// `POST`: send data for the resource to process.
    pub const POST: Method = Method(Cow::Borrowed("POST"));
    /// `PUT`: replace the resource with the request body.
    pub const PUT: Method = Method(Cow::Borrowed("PUT"));
    /// `DELETE`: remove the resource.
    pub const DELETE: Method = Method(Cow::Borrowed("DELETE"));

    /// A method from its token.
    ///
    /// # Errors
    ///
    /// [`RequestError::InvalidMethod`] when `token` is empty or has a character
    /// outside letters, digits and ``!#$%&'*+-.^_`|~``.
    ///
    /// # Examples
    ///
    /// ```
    /// use http_client::Method;
    ///
    /// assert_eq!(Method::new("GET")?, Method::GET);
    /// assert!(Method::new("").is_err());
    /// # Ok::<(), http_client::RequestError>(())
    /// ```
    pub fn new(token: &str) -> Result<Method, RequestError> {
        if is_token(token.as_bytes()) {
            Ok(Method(Cow::Owned(token.to_owned())))
        } else {
            Err(RequestError::InvalidMethod(token.to_owned()))
        }
    }

    /// The method's token, as sent.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(http_client::Method::DELETE.as_str(), "DELETE");
    /// ```
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this is `HEAD`, whose response never has a body whatever its
    /// headers say.
    ///
    /// # Examples
    ///
    /// ```
    /// use http_client::Method;
    ///
    /// assert!(Method::HEAD.is_head());
    /// assert!(!Method::new("head")?.is_head());
    /// # Ok::<(), http_client::RequestError>(())
    /// ```
    pub fn is_head(&self) -> bool {
        self.as_str() == "HEAD"
    }

    /// Whether sending the request twice has the same effect as sending it
    /// once (RFC 9110 §9.2.2): `GET`, `HEAD`, `PUT`, `DELETE`, `OPTIONS`
    /// and `TRACE`. A [`Client`](crate::Client) sends only these again by
    /// itself when the pooled connection they went out on turns out to
    /// have been closed by the server.
    ///
    /// # Examples
    ///
    /// ```
    /// use http_client::Method;
    ///
    /// assert!(Method::GET.is_idempotent() && Method::PUT.is_idempotent());
    /// assert!(!Method::POST.is_idempotent());
    /// assert!(!Method::new("PATCH")?.is_idempotent());
    /// # Ok::<(), http_client::RequestError>(())
    /// ```
    pub fn is_idempotent(&self) -> bool {
        matches!(
            self.as_str(),
            "GET" | "HEAD" | "PUT" | "DELETE" | "OPTIONS" | "TRACE"
        )
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Method {
    type Err = RequestError;

    /// Same as [`Method::new`].
    fn from_str(s: &str) -> Result<Method, RequestError> {
        Method::new(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_methods() {
        #[rustfmt::skip]
        let cases = [
            ("GET", Ok(Method::GET)),
            ("HEAD", Ok(Method::HEAD)),
            ("POST", Ok(Method::POST)),
            ("PUT", Ok(Method::PUT)),
            ("DELETE", Ok(Method::DELETE)),
            ("", Err(RequestError::InvalidMethod(String::new()))),
            ("GET ", Err(RequestError::InvalidMethod("GET ".into()))),
            ("GET\r\n", Err(RequestError::InvalidMethod("GET\r\n".into()))),
            ("G(E)T", Err(RequestError::InvalidMethod("G(E)T".into()))),
        ];
        for (input, want) in cases {
            assert_eq!(input.parse::<Method>(), want, "{input:?}");
        }
        let purge = Method::new("PURGE").unwrap();
        assert_eq!((purge.as_str(), purge.is_head()), ("PURGE", false));
    }
}

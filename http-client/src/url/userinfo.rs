//! The userinfo of a URL's authority (`user:password@host`), split off and
//! percent-decoded into [`Credentials`], which never print their password.
//!
//! The userinfo ends at the authority's last `@` (as browsers and curl
//! read `http://a@b@host/`), and the user name at its first `:`, so a
//! password may hold `:` as it is; `@`, `/`, `?` and `#` must be
//! percent-encoded (`%40` for `@`).

use std::fmt;

use super::UrlError;

/// A user name and password, percent-decoded, for HTTP Basic
/// authentication. `Debug` shows the user and hides the password.
#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) struct Credentials {
    pub(crate) user: String,
    pub(crate) password: Option<String>,
}

impl Credentials {
    /// The `Basic ...` header value for these credentials.
    pub(crate) fn header_value(&self) -> String {
        crate::basic::header_value(&self.user, self.password.as_deref())
    }

    /// The user name as a URL writes it: percent-encoded but for the
    /// characters a userinfo may hold as they are (RFC 3986's unreserved
    /// and sub-delims).
    pub(crate) fn shown_user(&self) -> String {
        let mut out = String::with_capacity(self.user.len());
        for byte in self.user.bytes() {
            let plain = byte.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=".contains(&byte);
            if plain {
                out.push(char::from(byte));
            } else {
                out.push_str(&format!("%{byte:02X}"));
            }
        }
        out
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .finish()
    }
}

/// Splits `authority` into its credentials, if it has a userinfo, and the
/// `host[:port]` after it.
///
/// # Errors
///
/// [`UrlError::InvalidUserInfo`] for an empty user name, a bad
/// percent-escape, or bytes that are not UTF-8 once decoded.
pub(crate) fn split_userinfo(authority: &str) -> Result<(Option<Credentials>, &str), UrlError> {
    let Some((userinfo, host_port)) = authority.rsplit_once('@') else {
        return Ok((None, authority));
    };
    let (user, password) = match userinfo.split_once(':') {
        Some((user, password)) => (user, Some(password)),
        None => (userinfo, None),
    };
    if user.is_empty() {
        return Err(UrlError::InvalidUserInfo("empty user name"));
    }
    let credentials = Credentials {
        user: percent_decode(user)?,
        password: password.map(percent_decode).transpose()?,
    };
    Ok((Some(credentials), host_port))
}

/// `text` with each `%XX` replaced by the byte it encodes.
fn percent_decode(text: &str) -> Result<String, UrlError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or(UrlError::InvalidUserInfo(
                    "a % not followed by two hex digits",
                ))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| UrlError::InvalidUserInfo("not UTF-8 once percent-decoded"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds(user: &str, password: Option<&str>) -> Option<Credentials> {
        Some(Credentials {
            user: user.into(),
            password: password.map(Into::into),
        })
    }

    #[test]
    fn splits_and_decodes() {
        #[rustfmt::skip]
        let cases = [
            ("host", (None, "host")),
            ("host:80", (None, "host:80")),
            ("user@host", (creds("user", None), "host")),
            ("user:@host", (creds("user", Some("")), "host")),
            ("user:pass@host:8080", (creds("user", Some("pass")), "host:8080")),
            ("us%65r:p%40ss:w%3Ard@[::1]:80", (creds("user", Some("p@ss:w:rd")), "[::1]:80")),
            ("a@b@host", (creds("a@b", None), "host")),
            ("caf%C3%A9:x@h", (creds("caf\u{e9}", Some("x")), "h")),
        ];
        for (input, want) in cases {
            assert_eq!(split_userinfo(input).unwrap(), want, "{input:?}");
        }
    }

    #[test]
    fn rejects_bad_userinfo() {
        #[rustfmt::skip]
        let cases = [
            ("@host", "empty user name"),
            (":pass@host", "empty user name"),
            ("u%zz@host", "a % not followed by two hex digits"),
            ("u%4@host", "a % not followed by two hex digits"),
            ("u%ff@host", "not UTF-8 once percent-decoded"),
        ];
        for (input, reason) in cases {
            assert_eq!(
                split_userinfo(input),
                Err(UrlError::InvalidUserInfo(reason)),
                "{input:?}"
            );
        }
    }

    #[test]
    fn debug_hides_the_password() {
        let shown = format!("{:?}", creds("me", Some("secret")).unwrap());
        assert_eq!(
            shown,
            r#"Credentials { user: "me", password: Some("***") }"#
        );
    }
}

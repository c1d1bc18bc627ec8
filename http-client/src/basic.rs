//! HTTP Basic credentials (RFC 7617): `user:password` in base64 (RFC 4648
//! §4, the standard alphabet with `=` padding), the value of an
//! `Authorization` or `Proxy-Authorization` header.
//!
//! Thirty lines of encoder rather than a dependency: this is the only
//! base64 the crate needs, it only encodes, and the RFC's test vectors
//! check it below.

/// The standard base64 alphabet (RFC 4648 §4).
const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// `bytes` in base64, padded with `=`.
pub(crate) fn base64(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for group in bytes.chunks(3) {
        // Three bytes are four 6-bit digits; a short group is padded.
        let b = [
            group[0],
            *group.get(1).unwrap_or(&0),
            *group.get(2).unwrap_or(&0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if i <= group.len() {
                out.push(char::from(ALPHABET[(n >> shift & 0x3f) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The header value `Basic base64(user:password)`; without a password,
/// `user:` (curl's habit for a user given alone).
pub(crate) fn header_value(user: &str, password: Option<&str>) -> String {
    let pair = format!("{user}:{}", password.unwrap_or_default());
    format!("Basic {}", base64(pair.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_4648_test_vectors() {
        #[rustfmt::skip]
        let cases = [
            ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy"),
        ];
        for (input, want) in cases {
            assert_eq!(base64(input.as_bytes()), want, "{input:?}");
        }
        assert_eq!(base64(&[0xfb, 0xff, 0xbf]), "+/+/");
        assert_eq!(base64(&[0; 4]), "AAAAAA==");
    }

    #[test]
    fn basic_header_values() {
        // RFC 7617 §2's example.
        assert_eq!(
            header_value("Aladdin", Some("open sesame")),
            "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        );
        assert_eq!(header_value("user", None), "Basic dXNlcjo=");
        // RFC 7617 §2.1: UTF-8.
        assert_eq!(
            header_value("test", Some("123\u{a3}")),
            "Basic dGVzdDoxMjPCow=="
        );
    }
}

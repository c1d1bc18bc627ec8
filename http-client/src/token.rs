//! The `token` grammar of RFC 9110 §5.6.2, shared by [`Method`](crate::Method),
//! request header names and the response parser's field names.
//!
//! A token is one or more `tchar`: ASCII letters, digits and
//! ``!#$%&'*+-.^_`|~``. No whitespace, no separators, no control bytes, so a
//! token can never smuggle a CR or LF into the bytes we send.

/// Whether `byte` is a `tchar`.
pub(crate) fn is_tchar(byte: u8) -> bool {
    byte.is_ascii_alphanumeric()
        || matches!(
            byte,
            b'!' | b'#'
                | b'$'
                | b'%'
                | b'&'
                | b'\''
                | b'*'
                | b'+'
                | b'-'
                | b'.'
                | b'^'
                | b'_'
                | b'`'
                | b'|'
                | b'~'
        )
}

/// Whether `bytes` is a non-empty token.
pub(crate) fn is_token(bytes: &[u8]) -> bool {
    !bytes.is_empty() && bytes.iter().all(|&b| is_tchar(b))
}

#[cfg(test)]
mod tests {
    use super::is_token;

    #[test]
    fn tokens() {
        let cases: &[(&[u8], bool)] = &[
            (b"GET", true),
            (b"X-Custom_1", true),
            (b"!#$%&'*+-.^_`|~", true),
            (b"", false),
            (b"GE T", false),
            (b"X:Y", false),
            (b"A\r\nB", false),
            (b"caf\xc3\xa9", false),
            (b"(x)", false),
        ];
        for &(input, want) in cases {
            assert_eq!(is_token(input), want, "{input:?}");
        }
    }
}

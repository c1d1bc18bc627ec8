//! Body framing: how the end of the body is found, decided from the request
//! method, the status and the header fields, in RFC 9112 §6.3's order:
//!
//! 1. a response to `HEAD`, any 1xx, 204 and 304 have no body, whatever the
//!    headers say;
//! 2. else `Transfer-Encoding`, which must be exactly `chunked` (we cannot
//!    undo `gzip` or any other coding). It wins over `Content-Length` when
//!    both are present, as §6.3 rule 3 requires: a server sending both is
//!    either confused or attempting request smuggling, and the chunked
//!    framing is the one that is self-delimiting;
//! 3. else `Content-Length`, a decimal number; repeated fields and lists
//!    (`5, 5`) must all agree;
//! 4. else the body runs until the server closes the connection.
//!
//! `decoder.rs` then decodes the body as framed here.

use super::ParseError;
use super::decoder::over_limit;
use super::head::{Head, trim_ows};
use crate::Limits;
use crate::display::escape;

/// How the body of a response is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Framing {
    /// Exactly this many bytes (0 for bodiless responses).
    Length(u64),
    /// The chunked transfer coding.
    Chunked,
    /// Everything until the server closes the connection.
    Close,
}

/// Decides the framing of `head`'s body.
///
/// Fails on an unsupported transfer coding, an invalid or conflicting
/// `Content-Length`, or a `Content-Length` above the body limit (before any
/// body byte is read; a limit of 0 means none).
pub(super) fn framing(
    head: &Head,
    is_head_request: bool,
    limits: &Limits,
) -> Result<Framing, ParseError> {
    if is_head_request || (100..200).contains(&head.status) || matches!(head.status, 204 | 304) {
        return Ok(Framing::Length(0));
    }
    if head.headers.contains("transfer-encoding") {
        return transfer_coding(head);
    }
    match content_length(head)? {
        Some(length) if over_limit(limits.max_body_bytes, length) => {
            Err(ParseError::BodyTooLarge {
                limit: limits.max_body_bytes,
            })
        }
        Some(length) => Ok(Framing::Length(length)),
        None => Ok(Framing::Close),
    }
}

/// Accepts exactly one coding, `chunked` (any case), across all
/// `Transfer-Encoding` fields; empty list members are ignored.
fn transfer_coding(head: &Head) -> Result<Framing, ParseError> {
    let fields = || head.headers.get_all("transfer-encoding");
    let mut codings = fields()
        .flat_map(|value| value.split(|&b| b == b','))
        .map(trim_ows)
        .filter(|coding| !coding.is_empty());
    match (codings.next(), codings.next()) {
        (Some(coding), None) if coding.eq_ignore_ascii_case(b"chunked") => Ok(Framing::Chunked),
        _ => {
            let all = fields().collect::<Vec<_>>().join(&b", "[..]);
            Err(ParseError::UnsupportedTransferCoding(escape(&all)))
        }
    }
}

/// The `Content-Length`, if any: every member of every field must be the same
/// plain decimal number.
fn content_length(head: &Head) -> Result<Option<u64>, ParseError> {
    let mut length = None;
    for value in head.headers.get_all("content-length") {
        for member in value.split(|&b| b == b',') {
            let n = parse_decimal(trim_ows(member))
                .ok_or_else(|| ParseError::InvalidContentLength(escape(value)))?;
            match length {
                Some(first) if first != n => {
                    return Err(ParseError::ConflictingContentLength { first, second: n });
                }
                _ => length = Some(n),
            }
        }
    }
    Ok(length)
}

/// One or more ASCII digits, without sign or overflow.
fn parse_decimal(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() {
        return None;
    }
    digits.iter().try_fold(0u64, |n, &d| {
        let digit = d.is_ascii_digit().then(|| u64::from(d - b'0'))?;
        n.checked_mul(10)?.checked_add(digit)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Headers, Version};

    fn head(status: u16, fields: &[(&str, &str)]) -> Head {
        let mut headers = Headers::new();
        for &(name, value) in fields {
            headers.append(name.into(), value.into());
        }
        Head {
            version: Version::Http11,
            status,
            reason: String::new(),
            headers,
        }
    }

    #[test]
    fn chooses_the_framing() {
        use Framing::*;
        let te = ("Transfer-Encoding", "chunked");
        let cl = ("Content-Length", "10");
        // (is_head_request, status, fields, expected)
        type Case<'a> = (
            bool,
            u16,
            &'a [(&'a str, &'a str)],
            Result<Framing, ParseError>,
        );
        #[rustfmt::skip]
        let cases: &[Case<'_>] = &[
            (true, 200, &[cl], Ok(Length(0))),
            (true, 200, &[te], Ok(Length(0))),
            (false, 204, &[cl], Ok(Length(0))),
            (false, 304, &[te], Ok(Length(0))),
            (false, 103, &[cl], Ok(Length(0))),
            (false, 200, &[], Ok(Close)),
            (false, 200, &[cl], Ok(Length(10))),
            (false, 200, &[te], Ok(Chunked)),
            (false, 200, &[cl, te], Ok(Chunked)),
            (false, 200, &[te, cl], Ok(Chunked)),
            (false, 200, &[("transfer-encoding", "CHUNKED")], Ok(Chunked)),
            (false, 200, &[("Transfer-Encoding", " , chunked ,")], Ok(Chunked)),
            (false, 200, &[("Content-Length", "0")], Ok(Length(0))),
            (false, 200, &[("Content-Length", "5, 5"), ("content-length", "5")], Ok(Length(5))),
            (false, 200, &[("Content-Length", "007")], Ok(Length(7))),
            (false, 200, &[("Content-Length", "16777216")], Ok(Length(16 << 20))),
        ];
        for (is_head, status, fields, want) in cases {
            assert_eq!(
                &framing(&head(*status, fields), *is_head, &Limits::default()),
                want,
                "{status} {fields:?}"
            );
        }
    }

    #[test]
    fn rejects_bad_framing_headers() {
        use ParseError::*;
        #[rustfmt::skip]
        let cases: &[(&[(&str, &str)], ParseError)] = &[
            (&[("Transfer-Encoding", "gzip, chunked")], UnsupportedTransferCoding("gzip, chunked".into())),
            (&[("Transfer-Encoding", "gzip"), ("Transfer-Encoding", "chunked")], UnsupportedTransferCoding("gzip, chunked".into())),
            (&[("Transfer-Encoding", "chunked, chunked")], UnsupportedTransferCoding("chunked, chunked".into())),
            (&[("Transfer-Encoding", "chunked, gzip")], UnsupportedTransferCoding("chunked, gzip".into())),
            (&[("Transfer-Encoding", "identity")], UnsupportedTransferCoding("identity".into())),
            (&[("Transfer-Encoding", "")], UnsupportedTransferCoding("".into())),
            (&[("Content-Length", "+5")], InvalidContentLength("+5".into())),
            (&[("Content-Length", "-5")], InvalidContentLength("-5".into())),
            (&[("Content-Length", "5x")], InvalidContentLength("5x".into())),
            (&[("Content-Length", "0x10")], InvalidContentLength("0x10".into())),
            (&[("Content-Length", "")], InvalidContentLength("".into())),
            (&[("Content-Length", "5,")], InvalidContentLength("5,".into())),
            (&[("Content-Length", "5 5")], InvalidContentLength("5 5".into())),
            (&[("Content-Length", "1.5")], InvalidContentLength("1.5".into())),
            (&[("Content-Length", "18446744073709551616")], InvalidContentLength("18446744073709551616".into())),
            (&[("Content-Length", "5, 6")], ConflictingContentLength { first: 5, second: 6 }),
            (&[("Content-Length", "5"), ("Content-Length", "6")], ConflictingContentLength { first: 5, second: 6 }),
            (&[("Content-Length", "16777217")], BodyTooLarge { limit: 16 << 20 }),
            (&[("Content-Length", "18446744073709551615")], BodyTooLarge { limit: 16 << 20 }),
        ];
        for (fields, want) in cases {
            assert_eq!(
                framing(&head(200, fields), false, &Limits::default()).as_ref(),
                Err(want),
                "{fields:?}"
            );
        }
    }

    #[test]
    fn a_zero_body_limit_is_no_limit() {
        let huge = head(200, &[("Content-Length", "18446744073709551615")]);
        let none = Limits::default().with_max_body_bytes(0);
        assert_eq!(framing(&huge, false, &none), Ok(Framing::Length(u64::MAX)));
    }

    #[test]
    fn parses_decimals() {
        let cases: &[(&[u8], Option<u64>)] = &[
            (b"0", Some(0)),
            (b"18446744073709551615", Some(u64::MAX)),
            (b"18446744073709551616", None),
            (b"", None),
            (b" 1", None),
            (b"1a", None),
        ];
        for &(input, want) in cases {
            assert_eq!(parse_decimal(input), want, "{input:?}");
        }
    }
}

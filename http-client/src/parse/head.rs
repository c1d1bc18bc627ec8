//! The response head: finding where it ends in a stream of reads
//! ([`HeadReader`]) and parsing the status line and header fields
//! ([`parse_head`]). `head_parser.rs` drives both; `framing.rs` reads the result to
//! decide how the body is delimited.
//!
//! Lines end in CRLF or a bare LF (RFC 9112 §2.2 lets recipients accept LF);
//! a CR anywhere else is an error, because recipients that disagree about
//! where a line ends are how response splitting works.

use super::ParseError;
use crate::display::escape;
use crate::token::is_token;
use crate::{Headers, Limits, Version};

/// A parsed status line and header section.
#[derive(Debug)]
pub(crate) struct Head {
    pub(crate) version: Version,
    pub(crate) status: u16,
    pub(crate) reason: String,
    pub(crate) headers: Headers,
}

/// Buffers one response head until its empty line arrives.
///
/// The search for the end resumes where the last one stopped, so a server
/// trickling a byte at a time costs O(n) in total, not O(n²).
#[derive(Debug, Default)]
pub(super) struct HeadReader {
    /// The head so far: never more than `max_header_bytes`, and never any
    /// byte past the head's final LF (those belong to the body).
    buf: Vec<u8>,
    /// Where the current, unfinished line starts in `buf`; every LF before it
    /// has been seen. Zero while the status line is still arriving.
    line_start: usize,
}

impl HeadReader {
    /// Takes bytes from the start of `bytes` until the head is complete.
    /// Returns `Some(n)` when the head ended after the first `n` bytes (the
    /// rest is body), or `None` when all of `bytes` was buffered.
    pub(super) fn push(
        &mut self,
        bytes: &[u8],
        max_head: usize,
    ) -> Result<Option<usize>, ParseError> {
        // Scanning stops at the limit, so a huge read is never copied whole.
        let room = max_head.saturating_sub(self.buf.len());
        let window = &bytes[..bytes.len().min(room)];
        let mut from = 0;
        while let Some(offset) = window[from..].iter().position(|&b| b == b'\n') {
            let lf = from + offset;
            let line_len = self.buf.len() + lf - self.line_start;
            let empty =
                line_len == 0 || (line_len == 1 && self.byte_at(self.line_start, window) == b'\r');
            if empty {
                self.buf.extend_from_slice(&window[..=lf]);
                return Ok(Some(lf + 1));
            }
            self.line_start = self.buf.len() + lf + 1;
            from = lf + 1;
        }
        self.buf.extend_from_slice(window);
        self.check_start()?;
        if self.buf.len() >= max_head && !bytes.is_empty() {
            // Full, and no empty line: the head cannot end within the limit.
            return Err(ParseError::HeadersTooLarge { limit: max_head });
        }
        Ok(None)
    }

    /// The buffered head; complete once `push` returned `Some`.
    pub(super) fn bytes(&self) -> &[u8] {
        &self.buf
    }

    /// Forgets an interim (1xx) head so the next one can be read.
    pub(super) fn clear(&mut self) {
        self.buf.clear();
        self.line_start = 0;
    }

    /// Whether the status line is still arriving.
    pub(super) fn in_status_line(&self) -> bool {
        self.line_start == 0
    }

    /// Byte `at` of the stream formed by `buf` followed by `window`.
    fn byte_at(&self, at: usize, window: &[u8]) -> u8 {
        match at.checked_sub(self.buf.len()) {
            None => self.buf[at],
            Some(at) => window[at],
        }
    }

    /// Fails fast when the response cannot start with `HTTP/` — an HTTP/0.9
    /// body, a TLS alert, a binary HTTP/2 frame — instead of waiting for an
    /// empty line that may never come.
    ///
    /// Once the status line is whole it is checked at once too, so that
    /// `HTTP/2 200` or a bad status code fails without waiting for the rest.
    fn check_start(&self) -> Result<(), ParseError> {
        let first = self.buf.split(|&b| b == b'\n').next().unwrap_or_default();
        let first = first.strip_suffix(b"\r").unwrap_or(first);
        let n = self.buf.len().min(5);
        if self.buf[..n] != b"HTTP/"[..n] {
            return Err(ParseError::InvalidStatusLine(escape(first)));
        }
        if !self.in_status_line() {
            parse_status_line(first)?;
        }
        Ok(())
    }
}

/// Parses a complete head: status line, header fields, empty line.
pub(super) fn parse_head(head: &[u8], limits: &Limits) -> Result<Head, ParseError> {
    let mut lines = head
        .split(|&b| b == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line));
    let (version, status, reason) = parse_status_line(lines.next().unwrap_or_default())?;
    let mut headers = Headers::new();
    for line in lines.take_while(|line| !line.is_empty()) {
        parse_field_line(line, &mut headers, limits.max_headers)?;
    }
    Ok(Head {
        version,
        status,
        reason,
        headers,
    })
}

/// `HTTP-version SP 3DIGIT [SP reason-phrase]` (RFC 9112 §4); the reason may
/// be empty and the space before it missing.
fn parse_status_line(line: &[u8]) -> Result<(Version, u16, String), ParseError> {
    let invalid = || ParseError::InvalidStatusLine(escape(line));
    if line.contains(&b'\r') {
        return Err(invalid());
    }
    let (version, rest) = match line.iter().position(|&b| b == b' ') {
        Some(at) => (&line[..at], Some(&line[at + 1..])),
        None => (line, None),
    };
    if !version.starts_with(b"HTTP/") {
        return Err(invalid());
    }
    let version = match version {
        b"HTTP/1.0" => Version::Http10,
        b"HTTP/1.1" => Version::Http11,
        other => return Err(ParseError::UnsupportedVersion(escape(other))),
    };
    let rest = rest.ok_or_else(invalid)?;
    let code = rest
        .get(..3)
        .filter(|code| code.iter().all(u8::is_ascii_digit))
        .ok_or_else(invalid)?;
    let reason = match rest.get(3) {
        None => &[][..],
        Some(b' ') => &rest[4..],
        Some(_) => return Err(invalid()),
    };
    let status = code.iter().fold(0, |n, &d| n * 10 + u16::from(d - b'0'));
    if status < 100 {
        return Err(invalid());
    }
    Ok((
        version,
        status,
        String::from_utf8_lossy(reason).into_owned(),
    ))
}

/// One header line: `name: value`, or an obs-fold continuation of the
/// previous value (a line starting with SP or HTAB), unfolded into one SP.
fn parse_field_line(
    line: &[u8],
    headers: &mut Headers,
    max_headers: usize,
) -> Result<(), ParseError> {
    let invalid = |reason| ParseError::InvalidHeader {
        line: escape(line),
        reason,
    };
    if line.contains(&b'\r') {
        return Err(invalid("bare CR (a CR must be followed by LF)"));
    }
    if line.contains(&0) {
        return Err(invalid("NUL byte"));
    }
    if matches!(line.first(), Some(b' ' | b'\t')) {
        let value = headers
            .last_value_mut()
            .ok_or_else(|| invalid("continuation line without a preceding field"))?;
        let more = trim_ows(line);
        if !more.is_empty() {
            if !value.is_empty() {
                value.push(b' ');
            }
            value.extend_from_slice(more);
        }
        return Ok(());
    }
    let colon = line
        .iter()
        .position(|&b| b == b':')
        .ok_or_else(|| invalid("missing colon"))?;
    let name = &line[..colon];
    if name.is_empty() {
        return Err(invalid("empty field name"));
    }
    if !is_token(name) {
        return Err(invalid(
            "the field name is not a token (no whitespace before the colon)",
        ));
    }
    if headers.len() >= max_headers {
        return Err(ParseError::TooManyHeaders { limit: max_headers });
    }
    // A token is ASCII, so this is lossless.
    let name = name.iter().map(|&b| char::from(b)).collect();
    headers.append(name, trim_ows(&line[colon + 1..]).to_vec());
    Ok(())
}

/// `bytes` without leading and trailing spaces and tabs (RFC 9110 OWS).
pub(super) fn trim_ows(bytes: &[u8]) -> &[u8] {
    let is_ows = |b: &u8| matches!(b, b' ' | b'\t');
    let start = bytes.iter().position(|b| !is_ows(b)).unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !is_ows(b))
        .map_or(start, |at| at + 1);
    &bytes[start..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_end_across_reads() {
        // (reads, expected Some(n) on the read that completes the head)
        let cases: &[(&[&[u8]], Option<usize>)] = &[
            (&[b"HTTP/1.0 200 OK\r\n\r\nbody"], Some(19)),
            (&[b"HTTP/1.0 200 OK\n\nbody"], Some(17)),
            (&[b"HTTP/1.0 200 OK\r\nA: b\n\r\n"], Some(24)),
            (&[b"HTTP/1.0 200 OK\r", b"\n", b"\r", b"\nx"], Some(1)),
            (&[b"HTTP/1.0 200 OK\r\n", b"\r\n"], Some(2)),
            (&[b"HTTP/1.0 200 OK\r\nA: \r\r\n"], None),
            (&[b"HTTP/1.0 200 OK\r\n"], None),
        ];
        for &(reads, want) in cases {
            let mut reader = HeadReader::default();
            let mut last = None;
            for read in reads {
                last = reader.push(read, 1024).unwrap();
            }
            assert_eq!(last, want, "{reads:?}");
        }
    }

    #[test]
    fn enforces_the_head_limit() {
        let head = b"HTTP/1.0 200 OK\r\nA: b\r\n\r\n"; // 25 bytes
        for (limit, ok) in [(25, true), (24, false), (0, false)] {
            let mut whole = HeadReader::default();
            assert_eq!(whole.push(head, limit).is_ok(), ok, "limit {limit}");
            let mut trickle = HeadReader::default();
            let result: Result<Vec<_>, _> =
                head.chunks(1).map(|b| trickle.push(b, limit)).collect();
            assert_eq!(result.is_ok(), ok, "limit {limit}, byte by byte");
        }
    }

    #[test]
    fn rejects_a_bad_start_early() {
        let cases: &[(&[u8], bool)] = &[
            (b"H", true),
            (b"HTTP/", true),
            (b"HTTP/1.1 200", true),
            (b"http/", false),
            (b"<html>", false),
            (b"\x16\x03\x01", false),
        ];
        for &(input, ok) in cases {
            let mut reader = HeadReader::default();
            assert_eq!(reader.push(input, 1024).is_ok(), ok, "{input:?}");
        }
    }

    #[test]
    fn parses_status_lines() {
        use Version::*;
        type Case<'a> = (&'a [u8], Result<(Version, u16, &'a str), ParseError>);
        #[rustfmt::skip]
        let cases: &[Case<'_>] = &[
            (b"HTTP/1.1 200 OK", Ok((Http11, 200, "OK"))),
            (b"HTTP/1.0 404 Not Found", Ok((Http10, 404, "Not Found"))),
            (b"HTTP/1.1 200", Ok((Http11, 200, ""))),
            (b"HTTP/1.1 200 ", Ok((Http11, 200, ""))),
            (b"HTTP/1.1 999 x  y", Ok((Http11, 999, "x  y"))),
            (b"HTTP/1.1 100 Continue", Ok((Http11, 100, "Continue"))),
            (b"HTTP/1.1 200 caf\xe9", Ok((Http11, 200, "caf\u{fffd}"))),
            (b"HTTP/2 200", Err(ParseError::UnsupportedVersion("HTTP/2".into()))),
            (b"HTTP/1.2 200 OK", Err(ParseError::UnsupportedVersion("HTTP/1.2".into()))),
            (b"HTTP/0.9 200 OK", Err(ParseError::UnsupportedVersion("HTTP/0.9".into()))),
            (b"ICY 200 OK", Err(ParseError::InvalidStatusLine("ICY 200 OK".into()))),
            (b"", Err(ParseError::InvalidStatusLine("".into()))),
            (b"HTTP/1.1", Err(ParseError::InvalidStatusLine("HTTP/1.1".into()))),
            (b"HTTP/1.1 ", Err(ParseError::InvalidStatusLine("HTTP/1.1 ".into()))),
            (b"HTTP/1.1 20 OK", Err(ParseError::InvalidStatusLine("HTTP/1.1 20 OK".into()))),
            (b"HTTP/1.1 2000 OK", Err(ParseError::InvalidStatusLine("HTTP/1.1 2000 OK".into()))),
            (b"HTTP/1.1 099 OK", Err(ParseError::InvalidStatusLine("HTTP/1.1 099 OK".into()))),
            (b"HTTP/1.1 2x0 OK", Err(ParseError::InvalidStatusLine("HTTP/1.1 2x0 OK".into()))),
            (b"HTTP/1.1  200 OK", Err(ParseError::InvalidStatusLine("HTTP/1.1  200 OK".into()))),
            (b"HTTP/1.1 200\tOK", Err(ParseError::InvalidStatusLine("HTTP/1.1 200\\tOK".into()))),
            (b"HTTP/1.1 200 O\rK", Err(ParseError::InvalidStatusLine("HTTP/1.1 200 O\\rK".into()))),
        ];
        for (line, want) in cases {
            let got = parse_status_line(line);
            let got = got
                .as_ref()
                .map(|(v, s, r)| (*v, *s, r.as_str()))
                .map_err(Clone::clone);
            assert_eq!(&got, want, "{:?}", String::from_utf8_lossy(line));
        }
    }

    #[test]
    fn parses_field_lines() {
        // (lines after the status line, expected fields or the error reason)
        type Fields<'a> = &'a [(&'a str, &'a [u8])];
        #[rustfmt::skip]
        let cases: &[(&[u8], Result<Fields<'_>, &str>)] = &[
            (b"A: b\r\n", Ok(&[("A", b"b")])),
            (b"A:b\r\n", Ok(&[("A", b"b")])),
            (b"A: \t b c \t\r\n", Ok(&[("A", b"b c")])),
            (b"A:\r\n", Ok(&[("A", b"")])),
            (b"A: x\xe9\xff\r\n", Ok(&[("A", b"x\xe9\xff")])),
            (b"A: b\r\nA: c\n", Ok(&[("A", b"b"), ("A", b"c")])),
            (b"A: b\r\n  c\r\n\td \r\n", Ok(&[("A", b"b c d")])),
            (b"A:\r\n c\r\n", Ok(&[("A", b"c")])),
            (b"A: b\r\n \r\nB: 1\r\n", Ok(&[("A", b"b"), ("B", b"1")])),
            (b"A: b:c\r\n", Ok(&[("A", b"b:c")])),
            (b" A: b\r\n", Err("continuation line without a preceding field")),
            (b"A b\r\n", Err("missing colon")),
            (b": b\r\n", Err("empty field name")),
            (b"A : b\r\n", Err("the field name is not a token (no whitespace before the colon)")),
            (b"A(x): b\r\n", Err("the field name is not a token (no whitespace before the colon)")),
            (b"A: b\0c\r\n", Err("NUL byte")),
            (b"A: b\rc\r\n", Err("bare CR (a CR must be followed by LF)")),
            (b"A: b\r\r\n", Err("bare CR (a CR must be followed by LF)")),
        ];
        for &(fields, ref want) in cases {
            let head = [&b"HTTP/1.1 200 OK\r\n"[..], fields, b"\r\n"].concat();
            let got = parse_head(&head, &Limits::default());
            let shown = String::from_utf8_lossy(fields);
            match (got, want) {
                (Ok(head), Ok(want)) => {
                    let got: Vec<(&str, &[u8])> = head.headers.iter().collect();
                    assert_eq!(&got, want, "{shown:?}");
                }
                (Err(ParseError::InvalidHeader { reason, .. }), Err(want)) => {
                    assert_eq!(reason, *want, "{shown:?}")
                }
                (got, _) => panic!("{shown:?}: unexpected {got:?}"),
            }
        }
    }

    #[test]
    fn enforces_the_field_count() {
        let head = b"HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\n  folded\r\n\r\n";
        for (max, ok) in [(2, true), (3, true), (1, false), (0, false)] {
            let got = parse_head(head, &Limits::default().with_max_headers(max));
            match got {
                Ok(head) => assert!(ok && head.headers.len() == 2, "max {max}"),
                Err(error) => assert_eq!(
                    (ok, error),
                    (false, ParseError::TooManyHeaders { limit: max })
                ),
            }
        }
    }

    #[test]
    fn trims_ows() {
        let cases: &[(&[u8], &[u8])] = &[
            (b"", b""),
            (b" \t ", b""),
            (b" a b\t", b"a b"),
            (b"a", b"a"),
        ];
        for &(input, want) in cases {
            assert_eq!(trim_ows(input), want);
        }
    }
}

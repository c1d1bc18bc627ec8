//! [`SizeLine`]: one chunk-size line of a chunked body, read byte by byte
//! exactly as RFC 9112 §7.1.1 writes it (extensions are checked, then
//! discarded):
//!
//! ```text
//! chunk-size [ chunk-ext ] CRLF
//!
//! chunk-size     = 1*HEXDIG
//! chunk-ext      = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
//! chunk-ext-name = token
//! chunk-ext-val  = token / quoted-string
//! quoted-string  = DQUOTE *( qdtext / quoted-pair ) DQUOTE
//! BWS            = *( SP / HTAB )
//! ```
//!
//! So whitespace appears only around `;` and `=`: `3 \r\n` (space before
//! the line end) and ` 3\r\n` are refused, as are a `;` with no name after
//! it, a name or value that is not a token, a quoted string left open, and
//! any junk in or after the size. As for every line of the response, a
//! bare LF ends the line too (RFC 9112 §2.2 lets a recipient accept it);
//! a CR must be followed by LF. The line's length is bounded by the caller
//! (`chunked.rs`).

use super::ParseError;
use crate::token::is_tchar;

/// Where the reader is in the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// In the size's hex digits; `any` says whether one arrived.
    Size { any: bool },
    /// Whitespace after the size: only `;` may follow.
    SizeBws,
    /// After a `;`: whitespace, then an extension name.
    NameStart,
    /// In an extension name.
    Name,
    /// Whitespace after a name: `;` or `=` must follow.
    AfterName,
    /// After a `=`: whitespace, then a token or a quoted string.
    ValueStart,
    /// In a token value.
    Token,
    /// Inside a quoted string.
    Quoted,
    /// After a `\` inside a quoted string.
    Escape,
    /// Just after a closing quote.
    AfterQuoted,
    /// Whitespace after a value: `;` must follow.
    AfterValue,
    /// A CR arrived: the LF must follow.
    Cr,
}

/// What a byte did to the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Line {
    /// More of it is needed.
    More,
    /// It ended; the chunk's size.
    Done(u64),
}

/// A chunk-size line being read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct SizeLine {
    size: u64,
    /// Hex digits of the size so far, leading zeros included.
    digits: u8,
    state: State,
}

impl SizeLine {
    pub(super) fn new() -> SizeLine {
        SizeLine {
            size: 0,
            digits: 0,
            state: State::Size { any: false },
        }
    }

    /// Takes the next byte of the line.
    ///
    /// # Errors
    ///
    /// [`ParseError::InvalidChunkSize`] for a bad size or line end,
    /// [`ParseError::InvalidChunkExtension`] for a bad extension.
    pub(super) fn push(&mut self, byte: u8) -> Result<Line, ParseError> {
        use State::*;
        let size_error = |reason| Err(ParseError::InvalidChunkSize { reason });
        let ext_error = |reason| Err(ParseError::InvalidChunkExtension { reason });
        let blank = matches!(byte, b' ' | b'\t');
        self.state = match (self.state, byte) {
            (Size { .. }, b) if b.is_ascii_hexdigit() => {
                // Leading zeros count too: a size line of endless zeros is
                // as good a smuggling vehicle as an endless number
                // (httparse and hyper stop at 16 digits as well).
                if self.digits == MAX_SIZE_DIGITS {
                    return size_error("the chunk size has more than 16 hex digits");
                }
                self.digits += 1;
                self.size = push_hex_digit(self.size, b)?;
                Size { any: true }
            }
            (Size { any: false }, b'\r' | b'\n') => return size_error("missing chunk size"),
            (Size { any: false }, _) => return size_error("the chunk size is not a hex number"),
            (Size { .. }, _) if blank => SizeBws,
            (Size { .. } | SizeBws | Name | AfterName | Token | AfterQuoted | AfterValue, b';') => {
                NameStart
            }
            (Size { .. } | Name | Token | AfterQuoted, b'\r') => Cr,
            (Size { .. } | Name | Token | AfterQuoted | Cr, b'\n') => {
                return Ok(Line::Done(self.size));
            }
            (Size { .. }, _) => return size_error("the chunk size is not a hex number"),
            (SizeBws, _) if blank => SizeBws,
            (SizeBws, _) => {
                return size_error("whitespace after the chunk size must be followed by ;");
            }
            (NameStart, _) if blank => NameStart,
            (NameStart | Name, b) if is_tchar(b) => Name,
            (NameStart, _) => return ext_error("a ; must be followed by a name (a token)"),
            (Name | AfterName, _) if blank => AfterName,
            (Name | AfterName, b'=') => ValueStart,
            (Name, _) => return ext_error("the name is not a token"),
            (AfterName, _) => {
                return ext_error("whitespace after a name must be followed by ; or =");
            }
            (ValueStart, _) if blank => ValueStart,
            (ValueStart, b'"') => Quoted,
            (ValueStart | Token, b) if is_tchar(b) => Token,
            (ValueStart, _) => {
                return ext_error("an = must be followed by a token or a quoted string");
            }
            (Token | AfterQuoted | AfterValue, _) if blank => AfterValue,
            (Token, _) => return ext_error("the value is not a token"),
            (AfterValue, _) => return ext_error("whitespace after a value must be followed by ;"),
            (Quoted, b'"') => AfterQuoted,
            (Quoted, b'\\') => Escape,
            (Quoted, b'\r' | b'\n') => return ext_error("unclosed quoted string"),
            (Quoted, b) if is_qdtext(b) => Quoted,
            (Quoted, _) => return ext_error("a control character in a quoted string"),
            (Escape, b) if blank || b.is_ascii_graphic() || b >= 0x80 => Quoted,
            (Escape, _) => {
                return ext_error("a \\ in a quoted string must escape a visible character");
            }
            (AfterQuoted, _) => {
                return ext_error("a quoted value must be followed by ; or the line end");
            }
            (Cr, _) => return size_error("a CR must be followed by LF"),
        };
        Ok(Line::More)
    }
}

/// `qdtext`: any byte but controls (HTAB allowed), `"` and `\`.
fn is_qdtext(byte: u8) -> bool {
    matches!(byte, b'\t' | b' ' | 0x21 | 0x23..=0x5b | 0x5d..=0x7e | 0x80..=0xff)
}

/// The most hex digits a chunk size may have, leading zeros included: 16
/// is every `u64`.
const MAX_SIZE_DIGITS: u8 = 16;

/// `size * 16 + digit`, failing on overflow.
fn push_hex_digit(size: u64, digit: u8) -> Result<u64, ParseError> {
    let value = char::from(digit).to_digit(16).map(u64::from);
    value
        .and_then(|value| size.checked_mul(16)?.checked_add(value))
        .ok_or(ParseError::InvalidChunkSize {
            reason: "the chunk size overflows 64 bits",
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads `line` whole: its size, the error, or `None` if it did not end.
    fn read(line: &[u8]) -> Result<Option<u64>, ParseError> {
        let mut reader = SizeLine::new();
        for &byte in line {
            if let Line::Done(size) = reader.push(byte)? {
                return Ok(Some(size));
            }
        }
        Ok(None)
    }

    #[test]
    fn accepts_the_grammar() {
        #[rustfmt::skip]
        let cases: &[(&[u8], u64)] = &[
            (b"0\r\n", 0),
            (b"000\r\n", 0),
            (b"a\r\n", 10),
            (b"Ff\n", 255),
            (b"ffffffffffffffff\r\n", u64::MAX),
            (b"3;x\r\n", 3),
            (b"3;x=y\r\n", 3),
            (b"3 ;x\r\n", 3),
            (b"3\t; \tx\r\n", 3),
            (b"3;x =y\r\n", 3),
            (b"3;x= y\r\n", 3),
            (b"3;x = y ;z\r\n", 3),
            (b"3;a=1;b;c=\"q\"\r\n", 3),
            (b"3;x=\"a b;c=d\"\r\n", 3),
            (b"3;x=\"\"\r\n", 3),
            (b"3;x=\"a\\\"b\\\\c\"\r\n", 3),
            (b"3;x=\"caf\xc3\xa9\"\r\n", 3),
            (b"3;x=\"q\" ;y\r\n", 3),
            (b"3;!#$%&'*+-.^_`|~=!#$%&'*+-.^_`|~\r\n", 3),
        ];
        for (line, size) in cases {
            assert_eq!(
                read(line),
                Ok(Some(*size)),
                "{:?}",
                String::from_utf8_lossy(line)
            );
        }
    }

    /// Every way a size line is refused, one rule per row.
    #[test]
    fn refuses_everything_else() {
        let size = |reason| ParseError::InvalidChunkSize { reason };
        let ext = |reason| ParseError::InvalidChunkExtension { reason };
        #[rustfmt::skip]
        let cases: &[(&[u8], ParseError)] = &[
            // The size: hex digits, nothing before or inside them.
            (b"\r\n", size("missing chunk size")),
            (b"\n", size("missing chunk size")),
            (b";x\r\n", size("the chunk size is not a hex number")),
            (b" 3\r\n", size("the chunk size is not a hex number")),
            (b"\t3\r\n", size("the chunk size is not a hex number")),
            (b"+3\r\n", size("the chunk size is not a hex number")),
            (b"-1\r\n", size("the chunk size is not a hex number")),
            (b"g\r\n", size("the chunk size is not a hex number")),
            (b"0x10\r\n", size("the chunk size is not a hex number")),
            (b"3g\r\n", size("the chunk size is not a hex number")),
            (b"3,4\r\n", size("the chunk size is not a hex number")),
            (b"10000000000000000\r\n", size("the chunk size has more than 16 hex digits")),
            (b"00000000000000000000000000001\r\n", size("the chunk size has more than 16 hex digits")),
            // Whitespace after the size only before a `;`.
            (b"3 \r\n", size("whitespace after the chunk size must be followed by ;")),
            (b"3\t\r\n", size("whitespace after the chunk size must be followed by ;")),
            (b"1 2\r\n", size("whitespace after the chunk size must be followed by ;")),
            (b"3 x\r\n", size("whitespace after the chunk size must be followed by ;")),
            // A name, a token, after each `;`.
            (b"3;\r\n", ext("a ; must be followed by a name (a token)")),
            (b"3; \r\n", ext("a ; must be followed by a name (a token)")),
            (b"3;;x\r\n", ext("a ; must be followed by a name (a token)")),
            (b"3;=y\r\n", ext("a ; must be followed by a name (a token)")),
            (b"3;\"x\"\r\n", ext("a ; must be followed by a name (a token)")),
            (b"3;x@y\r\n", ext("the name is not a token")),
            (b"3;x\"\r\n", ext("the name is not a token")),
            (b"3;x y\r\n", ext("whitespace after a name must be followed by ; or =")),
            (b"3;x \r\n", ext("whitespace after a name must be followed by ; or =")),
            // A value, a token or a quoted string, after each `=`.
            (b"3;x=\r\n", ext("an = must be followed by a token or a quoted string")),
            (b"3;x= \r\n", ext("an = must be followed by a token or a quoted string")),
            (b"3;x==y\r\n", ext("an = must be followed by a token or a quoted string")),
            (b"3;x=a@b\r\n", ext("the value is not a token")),
            (b"3;x=a=b\r\n", ext("the value is not a token")),
            (b"3;x=a b\r\n", ext("whitespace after a value must be followed by ;")),
            (b"3;x=a \r\n", ext("whitespace after a value must be followed by ;")),
            // Quoted strings closed, with visible characters escaped.
            (b"3;x=\"open\r\n", ext("unclosed quoted string")),
            (b"3;x=\"open\n", ext("unclosed quoted string")),
            (b"3;x=\"a\\\r\n", ext("a \\ in a quoted string must escape a visible character")),
            (b"3;x=\"a\x01b\"\r\n", ext("a control character in a quoted string")),
            (b"3;x=\"a\x7fb\"\r\n", ext("a control character in a quoted string")),
            (b"3;x=\"q\"y\r\n", ext("a quoted value must be followed by ; or the line end")),
            (b"3;x=\"q\"\"r\"\r\n", ext("a quoted value must be followed by ; or the line end")),
            (b"3;x=\"q\" \r\n", ext("whitespace after a value must be followed by ;")),
            // The line end.
            (b"3\rx", size("a CR must be followed by LF")),
            (b"3;x\r\r\n", size("a CR must be followed by LF")),
        ];
        for (line, want) in cases {
            assert_eq!(
                read(line).as_ref(),
                Err(want),
                "{:?}",
                String::from_utf8_lossy(line)
            );
        }
    }

    #[test]
    fn waits_for_the_line_end() {
        assert_eq!(read(b"3;x=\"a"), Ok(None));
        assert_eq!(read(b"3\r"), Ok(None));
        assert_eq!(read(b""), Ok(None));
    }
}

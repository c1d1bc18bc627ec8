//! Formatting helpers shared by the error types: byte sizes in human units,
//! compact durations, escaped excerpts of what a server sent, and `io::Error`
//! text without the `(os error N)` noise.
//!
//! Error messages in this crate are read by people debugging a failed fetch,
//! so limits print as `64 KiB`, timeouts as `1.5s`, and bytes from the wire as
//! short, printable excerpts that cannot garble a terminal.

use std::fmt;
use std::io;
use std::time::Duration;

/// The longest excerpt of server bytes quoted in an error message.
const EXCERPT_LEN: usize = 40;

/// A byte count printed in the largest binary unit that divides it exactly:
/// `16 MiB`, `64 KiB`, `100 B`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Size(pub(crate) u64);

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const UNITS: [(u64, &str); 3] = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
        let n = self.0;
        for (unit, name) in UNITS {
            if n != 0 && n.is_multiple_of(unit) {
                return write!(f, "{} {name}", n / unit);
            }
        }
        write!(f, "{n} B")
    }
}

/// A duration printed compactly in its largest whole unit, with at most three
/// decimals: `5s`, `1.5s`, `250ms`, `10µs`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Compact(pub(crate) Duration);

impl fmt::Display for Compact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let nanos = self.0.as_nanos();
        let (unit, suffix) = match nanos {
            0 => return f.write_str("0s"),
            n if n >= 1_000_000_000 => (1_000_000_000, "s"),
            n if n >= 1_000_000 => (1_000_000, "ms"),
            n if n >= 1_000 => (1_000, "µs"),
            _ => (1, "ns"),
        };
        let mut whole = nanos / unit;
        // Thousandths of the unit, rounded to nearest.
        let mut frac = ((nanos % unit) * 1000 + unit / 2) / unit;
        if frac == 1000 {
            whole += 1;
            frac = 0;
        }
        if frac == 0 {
            return write!(f, "{whole}{suffix}");
        }
        let digits = format!("{frac:03}");
        write!(f, "{whole}.{}{suffix}", digits.trim_end_matches('0'))
    }
}

/// The first bytes of `bytes` as printable ASCII, for quoting inside `"…"`:
/// quotes and backslashes are escaped, other non-printables become `\xNN`, and
/// an excerpt cut short ends in `...`.
pub(crate) fn escape(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().min(EXCERPT_LEN) + 3);
    for &b in bytes.iter().take(EXCERPT_LEN) {
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\t' => out.push_str("\\t"),
            b'\r' => out.push_str("\\r"),
            b'\n' => out.push_str("\\n"),
            0x20..=0x7e => out.push(char::from(b)),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    if bytes.len() > EXCERPT_LEN {
        out.push_str("...");
    }
    out
}

/// An `io::Error` as the end of a lowercase sentence: `connection refused`
/// rather than `Connection refused (os error 111)`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct IoMessage<'a>(pub(crate) &'a io::Error);

impl fmt::Display for IoMessage<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = self.0.to_string();
        if self.0.raw_os_error().is_some()
            && text.ends_with(')')
            && let Some(at) = text.rfind(" (os error ")
        {
            text.truncate(at);
        }
        let mut chars = text.chars();
        match (chars.next(), chars.next()) {
            // Lowercase a sentence's capital, but keep acronyms such as `DNS`.
            (Some(first), second)
                if first.is_uppercase() && !second.is_some_and(char::is_uppercase) =>
            {
                f.write_str(&first.to_lowercase().collect::<String>())?;
                f.write_str(&text[first.len_utf8()..])
            }
            _ => f.write_str(&text),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        let cases = [
            (0, "0 B"),
            (1, "1 B"),
            (100, "100 B"),
            (1024, "1 KiB"),
            (64 * 1024, "64 KiB"),
            (1536, "1536 B"),
            (16 << 20, "16 MiB"),
            ((16 << 20) + 1024, "16385 KiB"),
            (2 << 30, "2 GiB"),
        ];
        for (n, want) in cases {
            assert_eq!(Size(n).to_string(), want);
        }
    }

    #[test]
    fn durations() {
        let cases = [
            (Duration::ZERO, "0s"),
            (Duration::from_secs(5), "5s"),
            (Duration::from_millis(1500), "1.5s"),
            (Duration::from_millis(1250), "1.25s"),
            (Duration::from_millis(250), "250ms"),
            (Duration::from_micros(2500), "2.5ms"),
            (Duration::from_micros(10), "10µs"),
            (Duration::from_nanos(7), "7ns"),
            (Duration::from_nanos(1_999_999_999), "2s"),
            (Duration::from_secs(90), "90s"),
        ];
        for (d, want) in cases {
            assert_eq!(Compact(d).to_string(), want, "{d:?}");
        }
    }

    #[test]
    fn escapes() {
        let cases: &[(&[u8], &str)] = &[
            (b"ICY 200 OK", "ICY 200 OK"),
            (b"a\"b\\c", "a\\\"b\\\\c"),
            (b"\x00\x7f\xff\r\n\t", "\\x00\\x7f\\xff\\r\\n\\t"),
            (&[b'x'; 41], "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx..."),
            (&[b'x'; 40], "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
        ];
        for &(input, want) in cases {
            assert_eq!(escape(input), want);
        }
    }

    #[test]
    fn io_messages() {
        #[rustfmt::skip]
        let cases = [
            (io::Error::from(io::ErrorKind::ConnectionRefused), "connection refused"),
            (io::Error::other("DNS lookup failed"), "DNS lookup failed"),
            (io::Error::other("Name or service not known"), "name or service not known"),
            (io::Error::other(""), ""),
        ];
        for (error, want) in cases {
            assert_eq!(IoMessage(&error).to_string(), want);
        }
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn os_errors_drop_the_code() {
        let error = io::Error::from_raw_os_error(111);
        assert_eq!(IoMessage(&error).to_string(), "connection refused");
        let error = io::Error::from_raw_os_error(104);
        assert_eq!(IoMessage(&error).to_string(), "connection reset by peer");
    }
}

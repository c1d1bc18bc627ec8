//! The TLS half of [`Error`]: the messages of its TLS variants, and how a
//! failed handshake becomes one of them — the certificate's name, its dates
//! and its issuer each get a variant of their own, because each has its own
//! fix (use the right host, renew the certificate, trust the issuer), and
//! everything else is a [`Error::TlsHandshake`] carrying rustls' own words.
//!
//! rustls reports certificate problems as [`rustls::CertificateError`]s
//! inside [`rustls::Error::InvalidCertificate`]; the `...Context` variants
//! carry the names and dates used here.

use std::fmt;
use std::io;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rustls::CertificateError;

use super::Error;
use crate::display::IoMessage;

/// Writes the message of a TLS variant of `error`.
pub(super) fn fmt(error: &Error, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match error {
        Error::CertificateNameMismatch { host, names, .. } => {
            if names.is_empty() {
                write!(f, "certificate with no names is not valid for {host}")
            } else {
                write!(
                    f,
                    "certificate for {} is not valid for {host}",
                    names.join(", ")
                )
            }
        }
        Error::CertificateExpired { expired_on, .. } => match expired_on {
            Some(when) => write!(f, "certificate expired on {}", Date(*when)),
            None => f.write_str("certificate expired"),
        },
        Error::UnknownIssuer { .. } => {
            f.write_str("certificate issued by an unknown authority (self-signed?); pass --cacert")
        }
        Error::NotTls { authority, .. } => write!(
            f,
            "TLS handshake with {authority} failed: the server does not speak TLS"
        ),
        Error::TlsHandshake { authority, source } => {
            write!(
                f,
                "TLS handshake with {authority} failed: {}",
                IoMessage(source)
            )
        }
        Error::TlsTruncated { .. } => {
            f.write_str("connection closed without TLS close_notify; the body may be truncated")
        }
        Error::RootCertificates { origin, source } => write!(
            f,
            "could not load root certificates from {origin}: {}",
            IoMessage(source)
        ),
        // The caller matches every other variant itself.
        other => write!(f, "{other:?}"),
    }
}

/// Turns a failed handshake into the variant that says what to do about it.
///
/// `source` is what the handshake failed with: an `io::Error` wrapping a
/// `rustls::Error` (kind `InvalidData`), or the socket's own error.
/// `spoke_tls` is false when the first byte the server sent cannot start a
/// TLS record, which makes any failure a [`Error::NotTls`].
pub(crate) fn handshake_error(authority: &str, source: io::Error, spoke_tls: bool) -> Error {
    let authority = authority.to_owned();
    if !spoke_tls {
        return Error::NotTls { authority, source };
    }
    let is_rustls = source
        .get_ref()
        .is_some_and(|inner| inner.is::<rustls::Error>());
    if !is_rustls {
        // A socket error keeps its OS error code this way.
        return Error::TlsHandshake { authority, source };
    }
    let kind = source.kind();
    match source
        .into_inner()
        .map(|inner| inner.downcast::<rustls::Error>())
    {
        Some(Ok(tls)) => {
            certificate_error(&authority, *tls).unwrap_or_else(|tls| Error::TlsHandshake {
                authority,
                source: io::Error::new(kind, tls),
            })
        }
        // Not reached (the inner error was just checked), but harmless.
        Some(Err(other)) => Error::TlsHandshake {
            authority,
            source: io::Error::new(kind, other),
        },
        None => Error::TlsHandshake {
            authority,
            source: kind.into(),
        },
    }
}

/// The variant for a certificate error with a fix of its own, or the
/// error back when it has none.
fn certificate_error(authority: &str, error: rustls::Error) -> Result<Error, rustls::Error> {
    let rustls::Error::InvalidCertificate(certificate) = &error else {
        return Err(error);
    };
    match certificate {
        CertificateError::NotValidForNameContext {
            expected,
            presented,
        } => Ok(Error::CertificateNameMismatch {
            host: expected.to_str().into_owned(),
            names: presented.iter().map(|name| presented_name(name)).collect(),
            source: error,
        }),
        CertificateError::NotValidForName => Ok(Error::CertificateNameMismatch {
            host: authority_host(authority).to_owned(),
            names: Vec::new(),
            source: error,
        }),
        CertificateError::ExpiredContext { not_after, .. } => Ok(Error::CertificateExpired {
            authority: authority.to_owned(),
            expired_on: Some(UNIX_EPOCH + Duration::from_secs(not_after.as_secs())),
            source: error,
        }),
        CertificateError::Expired => Ok(Error::CertificateExpired {
            authority: authority.to_owned(),
            expired_on: None,
            source: error,
        }),
        CertificateError::UnknownIssuer => Ok(Error::UnknownIssuer {
            authority: authority.to_owned(),
            source: error,
        }),
        _ => Err(error),
    }
}

/// A name as webpki presents it (`DnsName("example.com")`,
/// `IpAddress(127.0.0.1)`), without the wrapping.
fn presented_name(name: &str) -> String {
    let unwrapped = name
        .strip_prefix("DnsName(\"")
        .and_then(|rest| rest.strip_suffix("\")"))
        .or_else(|| {
            name.strip_prefix("IpAddress(")
                .and_then(|rest| rest.strip_suffix(')'))
        });
    unwrapped.unwrap_or(name).to_owned()
}

/// The host part of `host:port` (`[::1]:443` gives `::1`).
fn authority_host(authority: &str) -> &str {
    let host = authority
        .rsplit_once(':')
        .map_or(authority, |(host, _port)| host);
    host.trim_start_matches('[').trim_end_matches(']')
}

/// A UTC calendar date, `YYYY-MM-DD`.
struct Date(SystemTime);

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = match self.0.duration_since(UNIX_EPOCH) {
            Ok(since) => (since.as_secs() / 86_400) as i64,
            Err(before) => -(before.duration().as_secs().div_ceil(86_400) as i64),
        };
        let (year, month, day) = civil_from_days(days);
        write!(f, "{year:04}-{month:02}-{day:02}")
    }
}

/// The proleptic Gregorian date `days` after 1970-01-01, by Howard
/// Hinnant's `civil_from_days`: shift to eras of 400 years starting on
/// March 1st, where every month but February has a fixed place.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153; // 0 = March
    let day = (day_of_year - (153 * month_index + 2) / 5 + 1) as u32;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use rustls::pki_types::{ServerName, UnixTime};

    use super::*;

    fn rustls_io(error: rustls::Error) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, error)
    }

    #[test]
    fn dates() {
        #[rustfmt::skip]
        let cases = [
            (0, "1970-01-01"),
            (1_577_836_800, "2020-01-01"),
            (1_582_934_400, "2020-02-29"),
            (951_782_400, "2000-02-29"),
            (4_107_542_399, "2100-02-28"),
            (253_402_300_799, "9999-12-31"),
        ];
        for (secs, want) in cases {
            let date = Date(UNIX_EPOCH + Duration::from_secs(secs));
            assert_eq!(date.to_string(), want, "{secs}");
        }
        assert_eq!(
            Date(UNIX_EPOCH - Duration::from_secs(1)).to_string(),
            "1969-12-31"
        );
    }

    #[test]
    fn classifies_certificate_errors() {
        let name = rustls::Error::InvalidCertificate(CertificateError::NotValidForNameContext {
            expected: ServerName::try_from("localhost").unwrap(),
            presented: vec![r#"DnsName("wrong.example")"#.into()],
        });
        let two_names =
            rustls::Error::InvalidCertificate(CertificateError::NotValidForNameContext {
                expected: ServerName::try_from("127.0.0.2").unwrap(),
                presented: vec![
                    r#"DnsName("a.example")"#.into(),
                    "IpAddress(127.0.0.1)".into(),
                ],
            });
        let expired = rustls::Error::InvalidCertificate(CertificateError::ExpiredContext {
            time: UnixTime::since_unix_epoch(Duration::from_secs(1_700_000_000)),
            not_after: UnixTime::since_unix_epoch(Duration::from_secs(1_577_836_800)),
        });
        let unknown = rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer);
        let revoked = rustls::Error::InvalidCertificate(CertificateError::Revoked);
        let alert = rustls::Error::AlertReceived(rustls::AlertDescription::HandshakeFailure);
        #[rustfmt::skip]
        let cases = [
            (name, "certificate for wrong.example is not valid for localhost"),
            (two_names, "certificate for a.example, 127.0.0.1 is not valid for 127.0.0.2"),
            (expired, "certificate expired on 2020-01-01"),
            (unknown, "certificate issued by an unknown authority (self-signed?); pass --cacert"),
            (revoked, "TLS handshake with localhost:8443 failed: invalid peer certificate: Revoked"),
            (alert, "TLS handshake with localhost:8443 failed: received fatal alert: HandshakeFailure"),
        ];
        for (tls, want) in cases {
            let error = handshake_error("localhost:8443", rustls_io(tls), true);
            assert_eq!(error.to_string(), want);
            // The rustls error is the source.
            let source = error.source().expect("a source");
            assert!(source.is::<rustls::Error>(), "{error:?}");
        }
    }

    #[test]
    fn not_tls_and_socket_errors() {
        let garbage = rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType);
        let error = handshake_error("127.0.0.1:8443", rustls_io(garbage), false);
        assert!(matches!(error, Error::NotTls { .. }), "{error:?}");
        assert_eq!(
            error.to_string(),
            "TLS handshake with 127.0.0.1:8443 failed: the server does not speak TLS"
        );
        let reset = io::Error::from(io::ErrorKind::ConnectionReset);
        let error = handshake_error("[::1]:443", reset, true);
        assert_eq!(
            error.to_string(),
            "TLS handshake with [::1]:443 failed: connection reset"
        );
    }

    #[test]
    fn name_mismatch_without_context_names_the_host() {
        let bare = rustls::Error::InvalidCertificate(CertificateError::NotValidForName);
        let error = handshake_error("[::1]:443", rustls_io(bare), true);
        assert_eq!(
            error.to_string(),
            "certificate with no names is not valid for ::1"
        );
    }

    #[test]
    fn other_messages() {
        let truncated = Error::TlsTruncated {
            authority: "h:443".into(),
        };
        assert_eq!(
            truncated.to_string(),
            "connection closed without TLS close_notify; the body may be truncated"
        );
        let roots = Error::RootCertificates {
            origin: "SSL_CERT_FILE=/nonexistent.pem".into(),
            source: io::Error::from_raw_os_error(2),
        };
        assert_eq!(
            roots.to_string(),
            "could not load root certificates from SSL_CERT_FILE=/nonexistent.pem: no such file or directory"
        );
    }
}

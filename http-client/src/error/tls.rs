//! The TLS half of [`Error`]: the messages of its TLS variants, and how a
//! failed handshake becomes one of them. Each certificate problem says
//! what to do about it: the name a certificate is not for (use one of its
//! names), its dates (renew it, check the clock), an unknown issuer (trust
//! it), and the rarer ones of [`CertificateProblem`] (a CA certificate
//! used as the server's, an algorithm not accepted, ...); anything else is
//! a [`Error::TlsHandshake`] carrying rustls' own words. The rustls error
//! is always the `source`.
//!
//! rustls reports certificate problems as [`rustls::CertificateError`]s
//! inside [`rustls::Error::InvalidCertificate`]; the `...Context` variants
//! carry the names and dates used here, and `Other` carries the verifier's
//! own error (`webpki::Error`) for the problems rustls has no variant for.

use std::fmt;
use std::io;

use rustls::{CertificateError, OtherError};

use super::Error;
use super::certificate::{Date, algorithm_name};
use crate::CertificateProblem;
use crate::display::IoMessage;

/// Writes the message of a TLS variant of `error`.
pub(super) fn fmt(error: &Error, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match error {
        Error::CertificateNameMismatch { host, names, .. } => {
            if names.is_empty() {
                write!(f, "certificate with no names is not valid for {host}")?;
            } else {
                let names = names.join(", ");
                write!(f, "certificate for {names} is not valid for {host}")?;
            }
            write!(
                f,
                " (use a name it is for, or give the server a certificate for {host})"
            )
        }
        Error::CertificateExpired {
            expired_on, source, ..
        } => {
            match expired_on {
                Some(when) => write!(f, "certificate expired on {}", Date(*when))?,
                None => f.write_str("certificate expired")?,
            }
            if let rustls::Error::InvalidCertificate(CertificateError::ExpiredContext {
                time,
                ..
            }) = source
            {
                write!(f, " (it is {} here)", Date(Date::from_unix(time.as_secs())))?;
            }
            f.write_str(": the server needs a renewed certificate")
        }
        Error::UnknownIssuer { .. } => f.write_str(
            "certificate issued by an unknown authority (self-signed?): trust its issuer \
             with ClientBuilder::add_root_certificate or SSL_CERT_FILE (for testing only, \
             danger_accept_invalid_certs skips verification)",
        ),
        Error::InvalidCertificate { problem, .. } => write!(f, "{problem}"),
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
            expired_on: Some(Date::from_unix(not_after.as_secs())),
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
        other => match problem(other) {
            Some(problem) => Ok(Error::InvalidCertificate {
                authority: authority.to_owned(),
                problem,
                source: error,
            }),
            None => Err(error),
        },
    }
}

/// The [`CertificateProblem`] a certificate error is, if it is one with a
/// fix to tell.
fn problem(error: &CertificateError) -> Option<CertificateProblem> {
    #[allow(deprecated)] // rustls 0.23 still reports some without context
    let problem = match error {
        CertificateError::NotValidYetContext { time, not_before } => {
            CertificateProblem::NotValidYet {
                valid_from: Some(Date::from_unix(not_before.as_secs())),
                now: Some(Date::from_unix(time.as_secs())),
            }
        }
        CertificateError::NotValidYet => CertificateProblem::NotValidYet {
            valid_from: None,
            now: None,
        },
        CertificateError::UnsupportedSignatureAlgorithmContext {
            signature_algorithm_id,
            ..
        }
        | CertificateError::UnsupportedSignatureAlgorithmForPublicKeyContext {
            signature_algorithm_id,
            ..
        } => CertificateProblem::UnsupportedSignatureAlgorithm {
            algorithm: algorithm_name(signature_algorithm_id),
        },
        CertificateError::UnsupportedSignatureAlgorithm => {
            CertificateProblem::UnsupportedSignatureAlgorithm { algorithm: None }
        }
        CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
            CertificateProblem::NotForServers
        }
        CertificateError::BadSignature => CertificateProblem::BadSignature,
        CertificateError::Revoked => CertificateProblem::Revoked,
        CertificateError::BadEncoding => CertificateProblem::Malformed,
        CertificateError::Other(OtherError(inner)) => {
            match inner.downcast_ref::<webpki::Error>()? {
                webpki::Error::CaUsedAsEndEntity => CertificateProblem::CaUsedAsEndEntity,
                _ => return None,
            }
        }
        _ => return None,
    };
    Some(problem)
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

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use std::time::Duration;

    use rustls::pki_types::{ServerName, UnixTime};

    use super::*;

    fn rustls_io(error: rustls::Error) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, error)
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
        let invalid = rustls::Error::InvalidCertificate;
        let unknown = invalid(CertificateError::UnknownIssuer);
        let revoked = invalid(CertificateError::Revoked);
        let not_yet = invalid(CertificateError::NotValidYetContext {
            time: UnixTime::since_unix_epoch(Duration::from_secs(1_796_601_600)),
            not_before: UnixTime::since_unix_epoch(Duration::from_secs(4_102_444_800)),
        });
        let ca = invalid(CertificateError::Other(OtherError(std::sync::Arc::new(
            webpki::Error::CaUsedAsEndEntity,
        ))));
        let sha1 = invalid(CertificateError::UnsupportedSignatureAlgorithmContext {
            signature_algorithm_id: vec![
                0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x05,
            ],
            supported_algorithms: Vec::new(),
        });
        let purpose = invalid(CertificateError::InvalidPurpose);
        let critical = invalid(CertificateError::UnhandledCriticalExtension);
        let other_webpki = invalid(CertificateError::Other(OtherError(std::sync::Arc::new(
            webpki::Error::EndEntityUsedAsCa,
        ))));
        let alert = rustls::Error::AlertReceived(rustls::AlertDescription::HandshakeFailure);
        #[rustfmt::skip]
        let cases = [
            (name, "certificate for wrong.example is not valid for localhost (use a name it is for, or give the server a certificate for localhost)"),
            (two_names, "certificate for a.example, 127.0.0.1 is not valid for 127.0.0.2 (use a name it is for, or give the server a certificate for 127.0.0.2)"),
            (expired, "certificate expired on 2020-01-01 (it is 2023-11-14 here): the server needs a renewed certificate"),
            (unknown, "certificate issued by an unknown authority (self-signed?): trust its issuer with ClientBuilder::add_root_certificate or SSL_CERT_FILE (for testing only, danger_accept_invalid_certs skips verification)"),
            (revoked, "the server's certificate has been revoked by its issuer"),
            (not_yet, "certificate is not valid yet: valid from 2100-01-01 (it is 2026-12-07 here); check this machine's clock, or the certificate's start date"),
            (ca, &CertificateProblem::CaUsedAsEndEntity.to_string()),
            (sha1, "certificate signed with an algorithm this client does not accept (sha1WithRSAEncryption): re-issue it signed with one it accepts (by default ECDSA P-256 or P-384, Ed25519, or RSA with SHA-256 or better)"),
            (purpose, "certificate is not for TLS servers (its extended key usage lacks serverAuth): re-issue it with extendedKeyUsage = serverAuth"),
            (critical, "TLS handshake with localhost:8443 failed: invalid peer certificate: UnhandledCriticalExtension"),
            (other_webpki, "TLS handshake with localhost:8443 failed: invalid peer certificate: Other(OtherError(EndEntityUsedAsCa))"),
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
            "certificate with no names is not valid for ::1 \
             (use a name it is for, or give the server a certificate for ::1)"
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

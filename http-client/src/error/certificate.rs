//! [`CertificateProblem`]: what is wrong with a server's certificate when
//! it is none of the common three (a name it is not for, an expired one, an
//! unknown issuer, which have variants of their own in [`Error`]), each
//! with a message that says what to do; and the calendar dates the
//! messages print.
//!
//! [`Error`]: crate::Error

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Why the server's certificate was refused, for
/// [`Error::InvalidCertificate`](crate::Error::InvalidCertificate).
///
/// # Examples
///
/// ```
/// use http_client::CertificateProblem;
///
/// let problem = CertificateProblem::NotForServers;
/// assert!(problem.to_string().starts_with("certificate is not for TLS servers"));
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertificateProblem {
    /// The server presents a CA certificate (`basicConstraints: CA:TRUE`,
    /// as `openssl req -x509` makes by default) as its own.
    CaUsedAsEndEntity,
    /// The certificate's validity starts in the future.
    NotValidYet {
        /// Its `notBefore`, when the verifier said.
        valid_from: Option<SystemTime>,
        /// The time it was checked at.
        now: Option<SystemTime>,
    },
    /// The certificate, or one in its chain, is signed with an algorithm
    /// this client does not verify (SHA-1, ECDSA P-521, Ed448, ...).
    UnsupportedSignatureAlgorithm {
        /// The algorithm's name, when it is a known one.
        algorithm: Option<&'static str>,
    },
    /// The certificate's extended key usage does not include TLS server
    /// authentication (`serverAuth`).
    NotForServers,
    /// A signature in the chain does not verify with its issuer's key.
    BadSignature,
    /// The issuer revoked the certificate.
    Revoked,
    /// The certificate is not valid DER.
    Malformed,
}

impl fmt::Display for CertificateProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CertificateProblem::CaUsedAsEndEntity => f.write_str(
                "the server's certificate is a CA certificate, not a server (leaf) \
                 certificate: give the server a leaf certificate signed by that CA, or for \
                 local testing a self-signed leaf (openssl req -x509 -newkey ec -pkeyopt \
                 ec_paramgen_curve:P-256 -nodes -keyout key.pem -out cert.pem -days 365 \
                 -subj /CN=HOST -addext subjectAltName=DNS:HOST \
                 -addext basicConstraints=critical,CA:FALSE)",
            ),
            CertificateProblem::NotValidYet { valid_from, now } => {
                f.write_str("certificate is not valid yet")?;
                if let Some(from) = valid_from {
                    write!(f, ": valid from {}", Date(*from))?;
                }
                if let Some(now) = now {
                    write!(f, " (it is {} here)", Date(*now))?;
                }
                f.write_str("; check this machine's clock, or the certificate's start date")
            }
            CertificateProblem::UnsupportedSignatureAlgorithm { algorithm } => {
                f.write_str("certificate signed with an algorithm this client does not accept")?;
                if let Some(algorithm) = algorithm {
                    write!(f, " ({algorithm})")?;
                }
                f.write_str(
                    ": re-issue it signed with one it accepts (by default ECDSA P-256 or \
                     P-384, Ed25519, or RSA with SHA-256 or better)",
                )
            }
            CertificateProblem::NotForServers => f.write_str(
                "certificate is not for TLS servers (its extended key usage lacks serverAuth): \
                 re-issue it with extendedKeyUsage = serverAuth",
            ),
            CertificateProblem::BadSignature => f.write_str(
                "a signature in the server's certificate chain does not verify with its \
                 issuer's key: the server sends the wrong chain, or it was altered",
            ),
            CertificateProblem::Revoked => {
                f.write_str("the server's certificate has been revoked by its issuer")
            }
            CertificateProblem::Malformed => {
                f.write_str("the server's certificate is malformed (not valid DER)")
            }
        }
    }
}

/// The name of a signature algorithm from its DER `AlgorithmIdentifier`
/// (contents), for the algorithms a certificate may still carry.
pub(super) fn algorithm_name(id: &[u8]) -> Option<&'static str> {
    // Object identifiers, DER-encoded (tag, length, value).
    #[rustfmt::skip]
    const KNOWN: [(&[u8], &str); 14] = [
        (&[0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x04], "md5WithRSAEncryption"),
        (&[0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x05], "sha1WithRSAEncryption"),
        (&[0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a], "RSASSA-PSS"),
        (&[0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b], "sha256WithRSAEncryption"),
        (&[0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c], "sha384WithRSAEncryption"),
        (&[0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d], "sha512WithRSAEncryption"),
        (&[0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0e], "sha224WithRSAEncryption"),
        (&[0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x01], "ecdsa-with-SHA1"),
        (&[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x01], "ecdsa-with-SHA224"),
        (&[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02], "ecdsa-with-SHA256"),
        (&[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03], "ecdsa-with-SHA384"),
        (&[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04], "ecdsa-with-SHA512"),
        (&[0x06, 0x03, 0x2b, 0x65, 0x70], "Ed25519"),
        (&[0x06, 0x03, 0x2b, 0x65, 0x71], "Ed448"),
    ];
    KNOWN
        .iter()
        .find(|(oid, _)| id.starts_with(oid))
        .map(|(_, name)| *name)
}

/// A UTC calendar date, `YYYY-MM-DD`.
pub(super) struct Date(pub(super) SystemTime);

impl Date {
    /// The time `secs` seconds after the Unix epoch.
    pub(super) fn from_unix(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }
}

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
    use super::*;

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
            assert_eq!(Date(Date::from_unix(secs)).to_string(), want, "{secs}");
        }
        assert_eq!(
            Date(UNIX_EPOCH - Duration::from_secs(1)).to_string(),
            "1969-12-31"
        );
    }

    #[test]
    fn names_signature_algorithms() {
        let sha1_rsa = [
            0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x05, 0x05, 0x00,
        ];
        assert_eq!(algorithm_name(&sha1_rsa), Some("sha1WithRSAEncryption"));
        assert_eq!(
            algorithm_name(&[0x06, 0x03, 0x2b, 0x65, 0x70]),
            Some("Ed25519")
        );
        assert_eq!(algorithm_name(&[0x06, 0x01, 0x00]), None);
        assert_eq!(algorithm_name(&[]), None);
    }

    #[test]
    fn messages_say_what_to_do() {
        let not_yet = CertificateProblem::NotValidYet {
            valid_from: Some(Date::from_unix(4_102_444_800)),
            now: Some(Date::from_unix(1_796_601_600)),
        };
        assert_eq!(
            not_yet.to_string(),
            "certificate is not valid yet: valid from 2100-01-01 (it is 2026-12-07 here); \
             check this machine's clock, or the certificate's start date"
        );
        let algorithm = CertificateProblem::UnsupportedSignatureAlgorithm {
            algorithm: Some("sha1WithRSAEncryption"),
        };
        assert_eq!(
            algorithm.to_string(),
            "certificate signed with an algorithm this client does not accept \
             (sha1WithRSAEncryption): re-issue it signed with one it accepts (by default ECDSA \
             P-256 or P-384, Ed25519, or RSA with SHA-256 or better)"
        );
        let ca = CertificateProblem::CaUsedAsEndEntity.to_string();
        assert!(ca.contains("basicConstraints=critical,CA:FALSE"), "{ca}");
    }
}

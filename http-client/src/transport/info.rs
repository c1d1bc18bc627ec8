//! [`TlsInfo`]: what a TLS session negotiated and whom it talks to — the
//! protocol version, the cipher suite, and the server certificate's subject
//! and issuer — kept as text when the handshake is done, for the `fetch`
//! example's `--tls-info` and for logs.
//!
//! rustls hands out the certificate only as DER bytes, and the subject is
//! a few levels down in it, so this file has a small reader of just that
//! part of X.509 (RFC 5280 §4.1): `Certificate → tbsCertificate → issuer,
//! subject`, each a sequence of attribute sets printed as
//! `CN=localhost, O=Example`. Anything it does not understand prints as
//! `?`: the certificate was already verified by webpki, and this is only a
//! description.

use std::fmt::Write as _;

use rustls::ClientConnection;

/// The negotiated parameters of a TLS session, and the server's names.
///
/// # Examples
///
/// ```no_run
/// runtime::block_on(async {
///     let body = http_client::get_streaming("https://example.com/").await?;
///     if let Some(tls) = body.tls_info() {
///         println!("{} {} {}", tls.protocol, tls.cipher_suite, tls.subject);
///     }
///     Ok::<_, http_client::Error>(())
/// })?;
/// # Ok::<_, http_client::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct TlsInfo {
    /// `TLSv1.3` or `TLSv1.2`.
    pub protocol: String,
    /// The cipher suite, as the IANA registry names it:
    /// `TLS13_AES_256_GCM_SHA384`.
    pub cipher_suite: String,
    /// The leaf certificate's subject: `CN=example.com, O=Example`.
    pub subject: String,
    /// The leaf certificate's issuer, in the same form.
    pub issuer: String,
}

impl TlsInfo {
    /// The info of an established session.
    pub(crate) fn of(session: &ClientConnection) -> TlsInfo {
        let protocol = match session.protocol_version() {
            Some(rustls::ProtocolVersion::TLSv1_3) => "TLSv1.3".to_owned(),
            Some(rustls::ProtocolVersion::TLSv1_2) => "TLSv1.2".to_owned(),
            Some(other) => format!("{other:?}"),
            None => "?".to_owned(),
        };
        let cipher_suite = session
            .negotiated_cipher_suite()
            .map(|suite| {
                let suite = suite.suite();
                suite
                    .as_str()
                    .map_or_else(|| format!("{suite:?}"), str::to_owned)
            })
            .unwrap_or_else(|| "?".to_owned());
        let leaf = session.peer_certificates().and_then(|chain| chain.first());
        let (subject, issuer) = leaf
            .and_then(|der| issuer_and_subject(der))
            .map(|(issuer, subject)| (format_name(subject), format_name(issuer)))
            .unwrap_or_else(|| ("?".to_owned(), "?".to_owned()));
        TlsInfo {
            protocol,
            cipher_suite,
            subject,
            issuer,
        }
    }
}

/// One DER element: its tag, its contents, and what follows it.
fn element(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        // Long form: the low bits say how many length bytes follow.
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 || rest.len() < count {
            return None;
        }
        let len = rest[..count]
            .iter()
            .fold(0usize, |len, &b| (len << 8) | usize::from(b));
        (len, &rest[count..])
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
const OID: u8 = 0x06;
/// `[0] EXPLICIT Version`, present from X.509 v2 on.
const VERSION: u8 = 0xa0;

/// The issuer and subject `Name`s (still DER) of a certificate.
fn issuer_and_subject(certificate: &[u8]) -> Option<(&[u8], &[u8])> {
    let (SEQUENCE, certificate, _) = element(certificate)? else {
        return None;
    };
    let (SEQUENCE, tbs, _) = element(certificate)? else {
        return None;
    };
    let mut rest = tbs;
    let (tag, _, after) = element(rest)?;
    if tag == VERSION {
        rest = after;
    }
    let (_serial, _, rest) = element(rest)?;
    let (_signature, _, rest) = element(rest)?;
    let (SEQUENCE, issuer, rest) = element(rest)? else {
        return None;
    };
    let (_validity, _, rest) = element(rest)?;
    let (SEQUENCE, subject, _) = element(rest)? else {
        return None;
    };
    Some((issuer, subject))
}

/// A `Name` as `CN=..., O=...`, in the certificate's order.
fn format_name(mut name: &[u8]) -> String {
    let mut out = String::new();
    while !name.is_empty() {
        let Some((SET, mut set, rest)) = element(name) else {
            out.push_str(if out.is_empty() { "?" } else { ", ?" });
            break;
        };
        name = rest;
        while !set.is_empty() {
            let Some((SEQUENCE, attribute, rest)) = element(set) else {
                break;
            };
            set = rest;
            if !out.is_empty() {
                out.push_str(", ");
            }
            match element(attribute) {
                Some((OID, oid, value)) => {
                    let _ = write!(out, "{}={}", attribute_name(oid), string_value(value));
                }
                _ => out.push('?'),
            }
        }
    }
    out
}

/// The short name of an attribute type (RFC 4514 §3), or its dotted OID.
fn attribute_name(oid: &[u8]) -> String {
    match oid {
        [0x55, 0x04, 0x03] => "CN".into(),
        [0x55, 0x04, 0x06] => "C".into(),
        [0x55, 0x04, 0x07] => "L".into(),
        [0x55, 0x04, 0x08] => "ST".into(),
        [0x55, 0x04, 0x0a] => "O".into(),
        [0x55, 0x04, 0x0b] => "OU".into(),
        _ => dotted(oid),
    }
}

/// An OID in dotted form: `2.5.4.97`.
fn dotted(oid: &[u8]) -> String {
    let Some((&first, rest)) = oid.split_first() else {
        return "?".into();
    };
    let mut out = format!("{}.{}", first / 40, first % 40);
    let mut arc: u64 = 0;
    for &byte in rest {
        arc = (arc << 7) | u64::from(byte & 0x7f);
        if byte & 0x80 == 0 {
            let _ = write!(out, ".{arc}");
            arc = 0;
        }
    }
    out
}

/// An attribute value: the directory string types as text, anything else
/// as `#` and hex, as RFC 4514 does.
fn string_value(value: &[u8]) -> String {
    match element(value) {
        // UTF8String, PrintableString, TeletexString, IA5String.
        Some((0x0c | 0x13 | 0x14 | 0x16, text, _)) => String::from_utf8_lossy(text).into_owned(),
        // BMPString: UTF-16 big-endian.
        Some((0x1e, text, _)) => {
            let units: Vec<u16> = text
                .chunks_exact(2)
                .map(|pair| u16::from_be_bytes([pair[0], pair[1]]))
                .collect();
            String::from_utf16_lossy(&units)
        }
        _ => value.iter().fold("#".to_owned(), |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        }),
    }
}

#[cfg(test)]
mod tests {
    use rcgen::{CertificateParams, DnType, KeyPair};

    use super::*;

    #[test]
    fn reads_the_subject_and_issuer_of_a_certificate() {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        params
            .distinguished_name
            .push(DnType::OrganizationName, "Hand Roll");
        params.distinguished_name.push(DnType::CountryName, "NZ");
        let certificate = params.self_signed(&key).unwrap();
        let (issuer, subject) = issuer_and_subject(certificate.der()).expect("a certificate");
        let subject = format_name(subject);
        assert!(subject.contains("CN=localhost"), "{subject}");
        assert!(subject.contains("O=Hand Roll"), "{subject}");
        assert!(subject.contains("C=NZ"), "{subject}");
        assert_eq!(format_name(issuer), subject, "self-signed");
    }

    #[test]
    fn garbage_is_not_a_certificate() {
        for bytes in [
            &b""[..],
            b"\x30",
            b"\x30\x85\x01\x02\x03\x04\x05",
            b"\x30\x02\x30\x00",
        ] {
            assert_eq!(issuer_and_subject(bytes), None, "{bytes:?}");
        }
        assert_eq!(format_name(b"\x31\x03\x30\x01"), "?");
        assert_eq!(format_name(b"\x04\x00"), "?");
    }

    #[test]
    fn oids_and_values() {
        assert_eq!(dotted(&[0x55, 0x04, 0x61]), "2.5.4.97");
        assert_eq!(
            dotted(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d]),
            "1.2.840.113549"
        );
        assert_eq!(string_value(b"\x0c\x02hi"), "hi");
        assert_eq!(string_value(b"\x1e\x04\x00h\x00i"), "hi");
        assert_eq!(string_value(b"\x02\x01\x05"), "#020105");
    }
}

//! Where a client's TLS settings become one [`rustls::ClientConfig`]: the
//! trust roots (webpki-roots, the PEM bundle named by `SSL_CERT_FILE`, and
//! roots the caller adds), or the caller's own config, or — only when asked
//! by name — no verification at all (`insecure.rs`).
//!
//! A `ClientConfig` is costly to build (every root certificate is parsed)
//! and cheap to share (`Arc`), so it is built once per
//! [`Client`](crate::Client) when the client is built, and a client with the
//! default settings shares one built once per process.

use std::env;
use std::fmt;
use std::fs;
use std::io;
use std::sync::{Arc, OnceLock};

use rustls::crypto::CryptoProvider;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use rustls::{ClientConfig, RootCertStore};

use super::insecure::AcceptAnyCertificate;
use crate::display::IoMessage;
use crate::{Error, Result};

/// The environment variable naming a PEM bundle of extra roots, as
/// OpenSSL, curl and Python read it.
const SSL_CERT_FILE: &str = "SSL_CERT_FILE";

/// What a [`ClientBuilder`](crate::ClientBuilder) was told about TLS.
#[derive(Debug, Clone, Default)]
pub(crate) struct TlsOptions {
    /// Roots added with `add_root_certificate`, already parsed.
    pub(crate) extra_roots: Vec<CertificateDer<'static>>,
    /// A whole config from `tls_config`, used as it is.
    pub(crate) config: Option<Arc<ClientConfig>>,
    /// `danger_accept_invalid_certs(true)`.
    pub(crate) accept_invalid_certs: bool,
}

impl TlsOptions {
    /// The settings these options give: the caller's config if there is
    /// one, else a config of our own.
    pub(crate) fn build(&self) -> TlsSettings {
        if let Some(config) = &self.config {
            return TlsSettings(Ok(config.clone()));
        }
        if self.accept_invalid_certs {
            return TlsSettings(
                insecure_config().map_err(|e| Failure::new("the crypto provider", &e)),
            );
        }
        if self.extra_roots.is_empty() {
            return TlsSettings::default_for_process();
        }
        TlsSettings(verified_config(&self.extra_roots))
    }
}

/// A built `ClientConfig`, or why none could be built (reported by every
/// `https://` request, since building a client cannot fail).
#[derive(Clone)]
pub(crate) struct TlsSettings(std::result::Result<Arc<ClientConfig>, Failure>);

impl TlsSettings {
    /// The config of a client with the default settings, built on first use.
    pub(crate) fn default_for_process() -> TlsSettings {
        static DEFAULT: OnceLock<TlsSettings> = OnceLock::new();
        DEFAULT
            .get_or_init(|| TlsSettings(verified_config(&[])))
            .clone()
    }

    /// The config to connect with.
    pub(crate) fn config(&self) -> Result<Arc<ClientConfig>> {
        match &self.0 {
            Ok(config) => Ok(config.clone()),
            Err(failure) => Err(Error::RootCertificates {
                origin: failure.origin.clone(),
                source: io::Error::new(failure.kind, failure.message.clone()),
            }),
        }
    }
}

impl fmt::Debug for TlsSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Ok(config) => f
                .debug_struct("TlsSettings")
                .field("alpn_protocols", &config.alpn_protocols)
                .finish_non_exhaustive(),
            Err(failure) => f.debug_tuple("TlsSettings").field(failure).finish(),
        }
    }
}

/// Why the roots could not be loaded, kept as text so that clones of the
/// client can each report it.
#[derive(Debug, Clone)]
struct Failure {
    origin: String,
    kind: io::ErrorKind,
    message: String,
}

impl Failure {
    fn new(origin: &str, error: &io::Error) -> Failure {
        Failure {
            origin: origin.to_owned(),
            kind: error.kind(),
            message: IoMessage(error).to_string(),
        }
    }
}

/// The crypto provider every connection of this crate uses: rustls'
/// `ring` provider, named explicitly so that another crate in the build
/// enabling rustls' `aws-lc-rs` cannot make the choice ambiguous. Build
/// your own [`ClientConfig`] with it for
/// [`ClientBuilder::tls_config`](crate::ClientBuilder::tls_config) to keep
/// the same algorithms.
///
/// Since rustls 0.23.48, `ring`'s provider is marked deprecated because
/// `ring` has no post-quantum key exchange (`X25519MLKEM768`), which
/// rustls' `aws-lc-rs` provider has. We keep `ring` knowingly: `aws-lc-rs`
/// compiles a large C library (with cmake on some platforms), while
/// `ring` builds with a C compiler alone, and the key exchange it offers
/// (X25519, P-256, P-384) is what most servers negotiate today. This is
/// the one place that names it, so the choice is made (and can be changed)
/// here.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
///
/// let config = rustls::ClientConfig::builder_with_provider(http_client::transport::crypto_provider())
///     .with_safe_default_protocol_versions()?
///     .with_root_certificates(rustls::RootCertStore::empty())
///     .with_no_client_auth();
/// let client = http_client::Client::builder().tls_config(Arc::new(config)).build();
/// # drop(client);
/// # Ok::<(), rustls::Error>(())
/// ```
pub fn crypto_provider() -> Arc<CryptoProvider> {
    // Deprecated for its lack of post-quantum key exchange; see above.
    #[allow(deprecated)]
    let provider = rustls::crypto::ring::default_provider();
    Arc::new(provider)
}

fn provider() -> Arc<CryptoProvider> {
    crypto_provider()
}

/// A verifying config trusting webpki-roots, `SSL_CERT_FILE` and `extra`.
fn verified_config(
    extra: &[CertificateDer<'static>],
) -> std::result::Result<Arc<ClientConfig>, Failure> {
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(path) = env::var_os(SSL_CERT_FILE).filter(|path| !path.is_empty()) {
        let origin = format!("{SSL_CERT_FILE}={}", path.to_string_lossy());
        let certificates = fs::read(&path)
            .and_then(|pem| parse_pem_certificates(&pem))
            .map_err(|e| Failure::new(&origin, &e))?;
        // System bundles can hold a certificate webpki cannot parse; that
        // one is skipped, as OpenSSL would, but a bundle of none is an error.
        let (added, _ignored) = roots.add_parsable_certificates(certificates);
        if added == 0 {
            let error = io::Error::new(
                io::ErrorKind::InvalidData,
                "none of its certificates can be used as a root",
            );
            return Err(Failure::new(&origin, &error));
        }
    }
    for certificate in extra {
        // Checked when added to the builder (`check_roots`).
        let _ = roots.add(certificate.clone());
    }
    let config = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| Failure::new("the crypto provider", &invalid_data(e)))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// A config that accepts any certificate (see `insecure.rs`).
fn insecure_config() -> io::Result<Arc<ClientConfig>> {
    let provider = provider();
    let config = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(invalid_data)?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate::new(provider)))
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// Every certificate in a PEM text (other blocks, such as keys, are
/// skipped).
///
/// # Errors
///
/// `InvalidData` if a certificate block is malformed or there is none.
pub(crate) fn parse_pem_certificates(pem: &[u8]) -> io::Result<Vec<CertificateDer<'static>>> {
    let certificates = CertificateDer::pem_slice_iter(pem)
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("bad PEM: {e}")))?;
    if certificates.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "no PEM certificate (-----BEGIN CERTIFICATE-----) found",
        ));
    }
    Ok(certificates)
}

/// Checks that each certificate can serve as a trust root.
///
/// # Errors
///
/// `InvalidData` naming the first that cannot.
pub(crate) fn check_roots(certificates: &[CertificateDer<'static>]) -> io::Result<()> {
    let mut store = RootCertStore::empty();
    for (index, certificate) in certificates.iter().enumerate() {
        store.add(certificate.clone()).map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("certificate {} cannot be a root: {e}", index + 1),
            )
        })?;
    }
    Ok(())
}

fn invalid_data(error: rustls::Error) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_errors() {
        let none = parse_pem_certificates(b"just text\n").unwrap_err();
        assert_eq!(
            none.to_string(),
            "no PEM certificate (-----BEGIN CERTIFICATE-----) found"
        );
        let broken = b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n";
        let error = parse_pem_certificates(broken).unwrap_err();
        assert!(error.to_string().starts_with("bad PEM: "), "{error}");
        let garbage = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        let certificates = parse_pem_certificates(garbage).unwrap();
        let error = check_roots(&certificates).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("certificate 1 cannot be a root: "),
            "{error}"
        );
    }

    #[test]
    fn the_default_config_is_shared() {
        let (a, b) = (
            TlsSettings::default_for_process(),
            TlsSettings::default_for_process(),
        );
        assert!(Arc::ptr_eq(&a.config().unwrap(), &b.config().unwrap()));
        let insecure = TlsOptions {
            accept_invalid_certs: true,
            ..TlsOptions::default()
        };
        assert!(!Arc::ptr_eq(
            &a.config().unwrap(),
            &insecure.build().config().unwrap()
        ));
    }
}

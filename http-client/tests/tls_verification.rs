//! Certificate verification, on by default: a certificate for another name,
//! an expired one, and one from an unknown issuer (self-signed, or signed by
//! a CA the client was not given) each end in their own typed error with
//! the message the user acts on, with the rustls error as its source; the
//! server sees the handshake fail. So do the rarer ones, each a
//! `CertificateProblem` whose message says what to do: a CA certificate
//! presented as the server's (what `openssl req -x509` makes by default),
//! a certificate not valid yet, one for TLS clients only, and one signed
//! with an algorithm the client does not accept.
//! `danger_accept_invalid_certs(true)`, and only it, lets the first three
//! through. Bad PEM for `add_root_certificate` is refused when it is
//! added.

#![cfg(feature = "tls")]

#[path = "util/tls.rs"]
mod tls;
mod util;

use std::error::Error as _;
use std::time::Duration;

use http_client::{CertificateProblem, Client, ClientBuilder, Error};
use tls::{Leaf, TlsServer, TlsStep, pki};
use util::{client, run};

fn ok() -> Vec<TlsStep> {
    vec![
        TlsStep::write("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"),
        TlsStep::CloseNotify,
    ]
}

fn trusting() -> ClientBuilder {
    client()
        .add_root_certificate(pki().ca_pem.as_bytes())
        .expect("the test CA")
}

/// Fetches `https://localhost:PORT/` from a server presenting `leaf`.
fn fetch(leaf: &Leaf, builder: ClientBuilder) -> (http_client::Result<String>, bool) {
    let server = TlsServer::once(leaf, ok());
    let url = server.url("/");
    let result = run(move || async move {
        let response = builder.build().get(url).await?;
        Ok(response.text().unwrap().to_owned())
    });
    let seen = server.finish(Duration::from_secs(5));
    let handshake_done = seen.first().is_some_and(|s| s.handshake_done);
    (result, handshake_done)
}

fn assert_rustls_source(error: &Error) {
    let source = error.source().expect("a source");
    assert!(source.is::<rustls::Error>(), "{error:?}");
}

#[test]
fn a_certificate_for_another_name_is_refused() {
    let (result, handshake_done) = fetch(&pki().wrong_name, trusting());
    let error = result.expect_err("wrong name");
    assert!(
        matches!(&error, Error::CertificateNameMismatch { host, names, .. }
            if host == "localhost" && names == &["wrong.example"]),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "certificate for wrong.example is not valid for localhost \
         (use a name it is for, or give the server a certificate for localhost)"
    );
    assert_rustls_source(&error);
    assert!(!handshake_done);
}

#[test]
fn an_ip_address_is_checked_against_the_certificate_addresses() {
    // The wrong-name leaf has no IP address: asking for 127.0.0.1 fails.
    let server = TlsServer::once(&pki().wrong_name, ok());
    let url = server.ip_url("/");
    let error = run(move || async move { trusting().build().get(url).await })
        .expect_err("no IP address in the certificate");
    assert_eq!(
        error.to_string(),
        "certificate for wrong.example is not valid for 127.0.0.1 \
         (use a name it is for, or give the server a certificate for 127.0.0.1)"
    );
}

#[test]
fn an_expired_certificate_is_refused() {
    let (result, handshake_done) = fetch(&pki().expired, trusting());
    let error = result.expect_err("expired");
    assert!(
        matches!(error, Error::CertificateExpired { .. }),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.starts_with("certificate expired on 2020-01-01 (it is 20")
            && message.ends_with(" here): the server needs a renewed certificate"),
        "{message}"
    );
    assert_rustls_source(&error);
    assert!(!handshake_done);
}

#[test]
fn an_unknown_issuer_is_refused() {
    let message = "certificate issued by an unknown authority (self-signed?): trust its issuer \
                   with ClientBuilder::add_root_certificate or SSL_CERT_FILE (for testing only, \
                   danger_accept_invalid_certs skips verification)";
    // Self-signed, with the CA trusted; signed by the CA, with only the
    // default roots.
    for (leaf, builder) in [
        (&pki().self_signed, trusting()),
        (&pki().localhost, client()),
    ] {
        let (result, handshake_done) = fetch(leaf, builder);
        let error = result.expect_err("unknown issuer");
        assert!(matches!(error, Error::UnknownIssuer { .. }), "{error:?}");
        assert_eq!(error.to_string(), message);
        assert_rustls_source(&error);
        assert!(!handshake_done);
    }
}

/// The problem a refused certificate is, with the message's start.
fn refused(leaf: &Leaf, builder: ClientBuilder) -> (CertificateProblem, String) {
    let (result, handshake_done) = fetch(leaf, builder);
    let error = result.expect_err("refused");
    assert!(!handshake_done);
    assert_rustls_source(&error);
    let message = error.to_string();
    match error {
        Error::InvalidCertificate { problem, .. } => (problem, message),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_ca_certificate_presented_as_the_servers_says_how_to_make_a_leaf() {
    // Trusted, so that only its being a CA is wrong.
    let builder = client()
        .add_root_certificate(pki().ca_as_server.pem.as_bytes())
        .unwrap();
    let (problem, message) = refused(&pki().ca_as_server, builder);
    assert_eq!(problem, CertificateProblem::CaUsedAsEndEntity);
    assert!(
        message.starts_with(
            "the server's certificate is a CA certificate, not a server (leaf) certificate: \
             give the server a leaf certificate signed by that CA, or for local testing a \
             self-signed leaf (openssl req -x509 "
        ) && message.contains("-addext basicConstraints=critical,CA:FALSE"),
        "{message}"
    );
}

#[test]
fn a_certificate_not_valid_yet_names_its_start_date() {
    let (problem, message) = refused(&pki().not_yet_valid, trusting());
    assert!(
        matches!(
            problem,
            CertificateProblem::NotValidYet {
                valid_from: Some(_),
                now: Some(_)
            }
        ),
        "{problem:?}"
    );
    assert!(
        message.starts_with("certificate is not valid yet: valid from 2099-01-01 (it is 20")
            && message
                .ends_with(" here); check this machine's clock, or the certificate's start date"),
        "{message}"
    );
}

#[test]
fn a_certificate_for_clients_only_is_not_for_servers() {
    let (problem, message) = refused(&pki().client_only, trusting());
    assert_eq!(problem, CertificateProblem::NotForServers);
    assert_eq!(
        message,
        "certificate is not for TLS servers (its extended key usage lacks serverAuth): \
         re-issue it with extendedKeyUsage = serverAuth"
    );
}

#[test]
fn a_signature_algorithm_the_client_does_not_accept_is_named() {
    use std::sync::Arc;

    use rustls::crypto::WebPkiSupportedAlgorithms;
    use rustls::pki_types::alg_id;
    use rustls::pki_types::pem::PemObject;

    // A client whose provider verifies no Ed25519 signatures, facing a
    // leaf its Ed25519 CA signed (the leaf's own key, which signs the
    // handshake, is ECDSA).
    let mut provider = (*http_client::transport::crypto_provider()).clone();
    let all = provider.signature_verification_algorithms;
    let kept: Vec<_> = all
        .all
        .iter()
        .copied()
        .filter(|alg| alg.signature_alg_id() != alg_id::ED25519)
        .collect();
    let mapping: Vec<_> = all
        .mapping
        .iter()
        .copied()
        .filter(|(scheme, _)| *scheme != rustls::SignatureScheme::ED25519)
        .collect();
    provider.signature_verification_algorithms = WebPkiSupportedAlgorithms {
        all: Vec::leak(kept),
        mapping: Vec::leak(mapping),
    };
    let mut roots = rustls::RootCertStore::empty();
    for certificate in
        rustls::pki_types::CertificateDer::pem_slice_iter(pki().ed25519_ca_pem.as_bytes())
    {
        roots.add(certificate.unwrap()).unwrap();
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(provider))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let (problem, message) = refused(&pki().ed25519_signed, client().tls_config(Arc::new(config)));
    assert_eq!(
        problem,
        CertificateProblem::UnsupportedSignatureAlgorithm {
            algorithm: Some("Ed25519")
        }
    );
    assert_eq!(
        message,
        "certificate signed with an algorithm this client does not accept (Ed25519): \
         re-issue it signed with one it accepts (by default ECDSA P-256 or P-384, Ed25519, or RSA with SHA-256 or better)"
    );
}

#[test]
fn a_self_signed_certificate_is_trusted_when_added() {
    let builder = client()
        .add_root_certificate(pki().self_signed.pem.as_bytes())
        .expect("the self-signed certificate");
    let (result, handshake_done) = fetch(&pki().self_signed, builder);
    assert_eq!(result.expect("trusted"), "ok");
    assert!(handshake_done);
}

#[test]
fn danger_accept_invalid_certs_accepts_all_three() {
    for leaf in [&pki().wrong_name, &pki().expired, &pki().self_signed] {
        let (result, handshake_done) = fetch(leaf, client().danger_accept_invalid_certs(true));
        assert_eq!(result.expect("accepted"), "ok");
        assert!(handshake_done);
    }
    // And `false` is verification as usual.
    let (result, _) = fetch(
        &pki().self_signed,
        client().danger_accept_invalid_certs(false),
    );
    assert!(
        matches!(result, Err(Error::UnknownIssuer { .. })),
        "{result:?}"
    );
}

#[test]
fn a_caller_config_is_used_as_it_is() {
    // A config trusting nothing at all: even the CA's leaf is unknown.
    let provider = http_client::transport::crypto_provider();
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(rustls::RootCertStore::empty())
        .with_no_client_auth();
    let builder = trusting().tls_config(std::sync::Arc::new(config));
    let (result, _) = fetch(&pki().localhost, builder);
    assert!(
        matches!(result, Err(Error::UnknownIssuer { .. })),
        "{result:?}"
    );
}

#[test]
fn bad_pem_is_refused_when_added() {
    let cases: [(&[u8], &str); 3] = [
        (
            b"not a certificate",
            "could not load root certificates from PEM data: no PEM certificate (-----BEGIN CERTIFICATE-----) found",
        ),
        (
            b"-----BEGIN CERTIFICATE-----\n%%%%\n-----END CERTIFICATE-----\n",
            "could not load root certificates from PEM data: bad PEM: ",
        ),
        (
            b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
            "could not load root certificates from PEM data: certificate 1 cannot be a root: ",
        ),
    ];
    for (pem, want) in cases {
        let error = Client::builder()
            .add_root_certificate(pem)
            .expect_err("bad PEM");
        assert!(matches!(error, Error::RootCertificates { .. }), "{error:?}");
        assert!(error.to_string().starts_with(want), "{error}");
    }
}

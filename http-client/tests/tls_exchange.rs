//! HTTPS that works: against an in-test rustls server whose certificate is
//! signed by a CA the client was given, a `GET` by name (SNI sent) and by
//! IP address (IP certificate, no SNI) returns the body; TLS 1.2 works as
//! well as 1.3; a large body crosses many TLS records byte for byte; the
//! client says goodbye with `close_notify`; `connect`/`send`/`read_to_end`
//! work on a TLS connection; redirects go https → http → https; and a
//! response tells what its TLS session negotiated (`tls_info`).

#![cfg(feature = "tls")]

#[path = "util/tls.rs"]
mod tls;
mod util;

use std::sync::Arc;
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::Duration;

use http_client::{Request, Scheme, Url};
use tls::{TlsServer, TlsStep, pki, server_config};
use util::{ScriptedServer, Step, run, trusting_client};

fn ok(body: &str) -> Vec<TlsStep> {
    let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len());
    vec![TlsStep::write(head + body), TlsStep::CloseNotify]
}

#[test]
fn get_by_name_and_by_address() {
    let server = TlsServer::start(server_config(&pki().localhost, false), 2, |target| {
        ok(&format!("hello from {target}"))
    });
    let urls = [server.url("/name"), server.ip_url("/ip")];
    let port = server.port();
    let results = run(move || async move {
        let client = trusting_client(&pki().ca_pem);
        let mut results = Vec::new();
        for url in urls {
            results.push(client.get(url).await);
        }
        results
    });
    let responses: Vec<_> = results
        .into_iter()
        .map(|r| r.expect("a verified response"))
        .collect();
    let bodies: Vec<&str> = responses.iter().map(|r| r.text().unwrap()).collect();
    assert_eq!(bodies, ["hello from /name", "hello from /ip"]);
    let info = responses[0].tls_info().expect("TLS info");
    assert_eq!(info.protocol, "TLSv1.3");
    assert!(info.cipher_suite.starts_with("TLS13_"), "{info:?}");
    assert_eq!(info.subject, "CN=localhost");
    assert_eq!(info.issuer, "CN=handroll test CA");
    let seen = server.finish(Duration::from_secs(5));
    assert_eq!(seen.len(), 2);
    assert!(seen.iter().all(|s| s.handshake_done), "{seen:?}");
    // SNI for a name, none for an address (RFC 6066 §3).
    assert_eq!(seen[0].sni.as_deref(), Some("localhost"));
    assert_eq!(seen[1].sni, None);
    assert!(
        seen[0]
            .request
            .contains(&format!("\r\nHost: localhost:{port}\r\n")),
        "{:?}",
        seen[0].request
    );
}

#[test]
fn tls_1_2_works_too() {
    let server = TlsServer::start(server_config(&pki().localhost, true), 1, |_| ok("twelve"));
    let url = server.url("/");
    let response = run(move || async move { trusting_client(&pki().ca_pem).get(url).await });
    let response = response.expect("a TLS 1.2 response");
    assert_eq!(response.text().unwrap(), "twelve");
    let info = response.tls_info().expect("TLS info");
    assert_eq!(info.protocol, "TLSv1.2");
    assert!(info.cipher_suite.starts_with("TLS_ECDHE_"), "{info:?}");
    let seen = server.finish(Duration::from_secs(5));
    assert_eq!(seen[0].protocol, Some(rustls::ProtocolVersion::TLSv1_2));
}

#[test]
fn a_large_body_across_many_records_arrives_byte_for_byte() {
    const LEN: usize = 4 << 20;
    let body = util::pseudo_random(LEN, 13);
    let expected = body.clone();
    let server = TlsServer::once(
        &pki().localhost,
        vec![
            TlsStep::write(format!("HTTP/1.0 200 OK\r\nContent-Length: {LEN}\r\n\r\n")),
            // 16 KiB records at most: this is hundreds of them, written in
            // pieces of odd sizes.
            TlsStep::Write(body[..12_345].to_vec()),
            TlsStep::Write(body[12_345..LEN / 2].to_vec()),
            TlsStep::Write(body[LEN / 2..].to_vec()),
            TlsStep::CloseNotify,
        ],
    );
    let url = server.url("/large");
    let response = run(move || async move { trusting_client(&pki().ca_pem).get(url).await })
        .expect("the large body");
    assert_eq!(response.body().len(), LEN);
    assert!(response.body() == expected.as_slice(), "the bytes differ");
}

#[test]
fn a_clean_close_ends_the_body_and_the_client_closes_cleanly_too() {
    // Close-delimited, ended by the server's close_notify: complete.
    let server = TlsServer::once(
        &pki().localhost,
        vec![
            TlsStep::write("HTTP/1.0 200 OK\r\n\r\nuntil the end"),
            TlsStep::Sleep(Duration::from_millis(20)),
            TlsStep::write(", then close_notify"),
            TlsStep::CloseNotify,
        ],
    );
    let url = Url::parse(&server.url("/steps")).unwrap();
    assert_eq!(url.scheme(), Scheme::Https);
    let body = run(move || async move {
        let response = trusting_client(&pki().ca_pem).send(Request::get(url)).await;
        response.expect("a response").text().unwrap().to_owned()
    });
    assert_eq!(body, "until the end, then close_notify");
    let seen = server.finish(Duration::from_secs(5));
    assert_eq!(seen[0].protocol, Some(rustls::ProtocolVersion::TLSv1_3));
    assert!(seen[0].client_closed, "{seen:?}");
    assert!(
        seen[0].client_close_notify,
        "the client closed without close_notify"
    );
}

#[test]
fn connect_send_read_to_end_on_a_tls_connection() {
    // `connect` trusts only the default roots (webpki-roots and
    // SSL_CERT_FILE), which do not know the test CA: the three steps run
    // as far as the certificate check. (tls_roots.rs runs them to the end
    // with SSL_CERT_FILE naming the test CA.)
    let server = TlsServer::once(&pki().localhost, ok("unused"));
    let url = Url::parse(&server.url("/")).unwrap();
    let error = run(move || async move { http_client::connect(&url).await.map(drop) })
        .expect_err("an unknown issuer");
    assert!(
        matches!(error, http_client::Error::UnknownIssuer { .. }),
        "{error:?}"
    );
}

#[test]
fn redirects_go_from_https_to_http_and_back() {
    // https://localhost:A/start → http://127.0.0.1:B/middle → https://localhost:A/end
    let https_port = Arc::new(AtomicU16::new(0));
    let for_http = https_port.clone();
    let http = ScriptedServer::start(1, move |_| {
        let port = for_http.load(Ordering::SeqCst);
        vec![Step::write(format!(
            "HTTP/1.0 302 Found\r\nLocation: https://localhost:{port}/end\r\nContent-Length: 0\r\n\r\n"
        ))]
    });
    let http_port = http.port();
    let https = TlsServer::start(server_config(&pki().localhost, false), 2, move |target| {
        match target {
            "/start" => vec![
                TlsStep::write(format!(
                    "HTTP/1.0 301 Moved\r\nLocation: http://127.0.0.1:{http_port}/middle\r\nContent-Length: 0\r\n\r\n"
                )),
                TlsStep::CloseNotify,
            ],
            _ => ok("the end"),
        }
    });
    https_port.store(https.port(), Ordering::SeqCst);
    let url = https.url("/start");
    let response = run(move || async move { trusting_client(&pki().ca_pem).get(url).await })
        .expect("three hops, two schemes");
    assert_eq!(response.text().unwrap(), "the end");
    assert!(response.tls_info().is_some(), "the last hop was https");
    let seen = https.finish(Duration::from_secs(5));
    let targets: Vec<&str> = seen
        .iter()
        .map(|s| s.request.split(' ').nth(1).unwrap_or(""))
        .collect();
    assert_eq!(targets, ["/start", "/end"]);
    assert_eq!(
        http.finish(Duration::from_secs(5))[0].request.target(),
        "/middle"
    );
}

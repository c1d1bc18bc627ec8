//! Against tinyproxy, a real HTTP proxy: started as a child process with a
//! generated config (foreground, every file in a temporary directory, a
//! free port), it carries `http://` requests (the origin sees tinyproxy's
//! `Via`), opens `CONNECT` tunnels for `https://` ones (TLS with the origin
//! inside: SNI and certificate for `localhost`), and, with `BasicAuth`,
//! answers 407 without credentials, 401 to wrong ones (its own habit), and
//! lets requests through with the right ones.
//!
//! The tests need tinyproxy (Debian: `apt-get install tinyproxy`), so they
//! are `#[ignore]`d: `cargo test` lists them as ignored rather than passing
//! them unrun, and `cargo test -- --include-ignored` (as in CI) runs them,
//! failing with a clear message if tinyproxy is not installed.

#![cfg(feature = "tls")]

#[path = "util/tls.rs"]
mod tls;
mod util;

use std::time::Duration;

use http_client::{Error, Proxy};
use tls::{TlsServer, TlsStep, pki};
use util::process::TempDir;
use util::script::Received;
use util::{ScriptedServer, Step, client, pooled_client, watchdog};

const LIMIT: Duration = Duration::from_secs(60);

fn ok(body: &str) -> Vec<Step> {
    vec![Step::write(format!(
        "HTTP/1.0 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    ))]
}

/// What the origin saw: the request line and the `Via` header.
fn line_and_via(request: &Received) -> (String, Option<String>) {
    let head = String::from_utf8_lossy(request.head()).into_owned();
    let line = head.lines().next().unwrap_or_default().to_owned();
    let via = head
        .lines()
        .find_map(|l| l.strip_prefix("Via: ").map(str::to_owned));
    (line, via)
}

#[test]
#[ignore = "needs tinyproxy"]
fn tinyproxy_carries_http_and_tunnels_https() {
    let binary = util::tinyproxy::binary();
    watchdog(LIMIT, move || {
        let tmp = TempDir::new("tinyproxy");
        let proxy = util::tinyproxy::start(&binary, tmp.path(), "");
        let origin = ScriptedServer::start(4, |request| ok(&format!("plain {}", request.target())));
        let tls_origin = TlsServer::once(
            &pki().localhost,
            vec![
                TlsStep::write("HTTP/1.0 200 OK\r\nContent-Length: 6\r\n\r\nsecure"),
                TlsStep::CloseNotify,
            ],
        );
        let (plain_url, tls_url) = (origin.url("/a?b"), tls_origin.url("/s"));
        let proxy_url = proxy.url();
        let ca = pki().ca_pem.clone();
        let (plain, again, secure) = runtime::block_on(async move {
            let client = client()
                .add_root_certificate(ca.as_bytes())?
                .proxy(Proxy::all(&proxy_url)?)
                .build();
            let plain = client.get(&plain_url).await?.text()?.to_owned();
            let again = client.get(&plain_url).await?.text()?.to_owned();
            let secure = client.get(&tls_url).await?.text()?.to_owned();
            // With the pool on (`Connection: keep-alive` to the proxy),
            // whether or not tinyproxy keeps the connection.
            let pooled = pooled_client().proxy(Proxy::http(&proxy_url)?).build();
            for _ in 0..2 {
                assert_eq!(pooled.get(&plain_url).await?.text()?, "plain /a?b");
            }
            Ok::<_, Box<dyn std::error::Error>>((plain, again, secure))
        })
        .unwrap_or_else(|e| panic!("{e}; tinyproxy log:\n{}", proxy.log()));
        assert_eq!(
            (plain.as_str(), again.as_str()),
            ("plain /a?b", "plain /a?b")
        );
        assert_eq!(secure, "secure");
        for seen in origin.finish(Duration::from_secs(2)) {
            let (line, via) = line_and_via(&seen.request);
            assert!(line.starts_with("GET /a?b HTTP/1."), "{line}");
            assert!(
                via.is_some_and(|v| v.contains("tinyproxy")),
                "no Via from tinyproxy"
            );
        }
        let tls_seen = tls_origin.finish(Duration::from_secs(2));
        assert!(tls_seen[0].handshake_done);
        assert_eq!(tls_seen[0].sni.as_deref(), Some("localhost"));
        let log = proxy.log();
        assert!(
            log.contains("CONNECT"),
            "tinyproxy logged no CONNECT:\n{log}"
        );
    });
}

#[test]
#[ignore = "needs tinyproxy"]
fn tinyproxy_with_basic_auth_wants_the_credentials_of_the_proxy_url() {
    let binary = util::tinyproxy::binary();
    watchdog(LIMIT, move || {
        let tmp = TempDir::new("tinyproxy-auth");
        let proxy = util::tinyproxy::start(&binary, tmp.path(), "BasicAuth me s3cret");
        let origin = ScriptedServer::start(1, |_| ok("let in"));
        let tls_origin = TlsServer::once(
            &pki().localhost,
            vec![
                TlsStep::write("HTTP/1.0 200 OK\r\nContent-Length: 6\r\n\r\nlet in"),
                TlsStep::CloseNotify,
            ],
        );
        let (plain_url, tls_url) = (origin.url("/"), tls_origin.url("/"));
        let addr = proxy.addr;
        let ca = pki().ca_pem.clone();
        let outcomes = runtime::block_on(async move {
            let mut outcomes = Vec::new();
            for credentials in ["", "me:wrong@", "me:s3cret@"] {
                let client = client()
                    .add_root_certificate(ca.as_bytes())
                    .unwrap()
                    .proxy(Proxy::all(&format!("http://{credentials}{addr}")).unwrap())
                    .build();
                for url in [&plain_url, &tls_url] {
                    outcomes.push(match client.get(url).await {
                        Ok(response) => Ok((response.status(), response.text_lossy().into_owned())),
                        Err(error) => Err(error),
                    });
                }
            }
            outcomes
        });
        let [
            none_http,
            none_https,
            wrong_http,
            wrong_https,
            right_http,
            right_https,
        ] = <[_; 6]>::try_from(outcomes).unwrap();
        for (outcome, sent) in [(none_http, false), (none_https, false), (wrong_https, true)] {
            let error = outcome.expect_err("no entry without the right credentials");
            assert!(
                matches!(&error, Error::ProxyAuthentication { proxy, sent_credentials } if *proxy == addr.to_string() && *sent_credentials == sent),
                "{error:?}"
            );
        }
        // tinyproxy answers wrong credentials with a 401 of its own (RFC
        // 9110 says 407); to an `http://` request, a 401 could as well be
        // the origin's, so it stays a response.
        let (status, page) = wrong_http.expect("tinyproxy's 401 page");
        assert_eq!(status, 401);
        assert!(page.contains("tinyproxy"), "{page}");
        assert_eq!(right_http.expect("http with credentials").1, "let in");
        assert_eq!(right_https.expect("https with credentials").1, "let in");
    });
}

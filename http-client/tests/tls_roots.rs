//! `SSL_CERT_FILE`: the PEM bundle it names is trusted besides
//! webpki-roots, by `connect` and by every client; a bundle that cannot be
//! loaded fails each `https://` request with a message naming the variable
//! and the file, while `http://` requests still work.
//!
//! The variable is read once per process, so each case runs its fetches in
//! a child process: the same test binary, running the same test (`--exact`)
//! with the variable set, which the test sees and takes as its cue to be
//! the child. No separate test exists only to be run by another.

#![cfg(feature = "tls")]

#[path = "util/tls.rs"]
mod tls;
mod util;

use std::env;

use http_client::{Request, Url};
use tls::{TlsServer, TlsStep, pki};
use util::process::{TempDir, run_test_in_child};
use util::{ScriptedServer, Step};

/// The URLs the child fetches, `;`-separated.
const URLS: &str = "TLS_ROOTS_CHILD_URLS";

/// Runs test `test` again in a new process with `SSL_CERT_FILE=cert_file`
/// and the URLs to fetch; returns its output, failing if it fails.
fn run_child(test: &str, cert_file: &str, urls: &[String]) -> String {
    run_test_in_child(test, |command| {
        command
            .env("SSL_CERT_FILE", cert_file)
            .env(URLS, urls.join(";"));
    })
}

/// In a child (the URLs are set): fetches each URL with `connect`, `send`
/// and `read_to_end`, prints one line per URL (`OK <body>` or `ERR
/// <error>`) and returns true. In the parent, returns false at once.
fn ran_as_child() -> bool {
    let Ok(urls) = env::var(URLS) else {
        return false;
    };
    let lines = runtime::block_on(async move {
        let mut lines = Vec::new();
        for url in urls.split(';') {
            let url = Url::parse(url).unwrap();
            let result = async {
                let mut connection = http_client::connect(&url).await?;
                connection.send(&Request::get(url.clone())).await?;
                connection.read_to_end().await
            };
            lines.push(match result.await {
                Ok(response) => format!("OK {}", response.text_lossy()),
                Err(error) => format!("ERR {error}"),
            });
        }
        lines
    });
    // After the harness's "test NAME ... " on a line of its own.
    println!();
    for line in lines {
        println!("{line}");
    }
    true
}

#[test]
fn ssl_cert_file_adds_roots_for_connect() {
    if ran_as_child() {
        return;
    }
    let dir = TempDir::new("ssl-cert-file");
    let bundle = dir.path().join("bundle.pem");
    // A bundle as systems ship them: text around the certificates.
    std::fs::write(&bundle, format!("# test CA\n{}\n", pki().ca_pem)).unwrap();
    let server = TlsServer::once(
        &pki().localhost,
        vec![
            TlsStep::write("HTTP/1.0 200 OK\r\nContent-Length: 7\r\n\r\ntrusted"),
            TlsStep::CloseNotify,
        ],
    );
    let stdout = run_child(
        "ssl_cert_file_adds_roots_for_connect",
        bundle.to_str().unwrap(),
        &[server.url("/")],
    );
    assert!(stdout.contains("\nOK trusted\n"), "{stdout}");
}

#[test]
fn an_unreadable_ssl_cert_file_fails_https_only() {
    if ran_as_child() {
        return;
    }
    let dir = TempDir::new("ssl-cert-file");
    let missing = dir.path().join("missing.pem");
    let http = ScriptedServer::once(vec![Step::write(
        "HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nplain",
    )]);
    let urls = [http.url("/"), "https://127.0.0.1:9/".to_owned()];
    let stdout = run_child(
        "an_unreadable_ssl_cert_file_fails_https_only",
        missing.to_str().unwrap(),
        &urls,
    );
    assert!(stdout.contains("\nOK plain\n"), "{stdout}");
    let want = format!(
        "\nERR could not load root certificates from SSL_CERT_FILE={}: no such file or directory\n",
        missing.display()
    );
    assert!(stdout.contains(&want), "{stdout}");
}

//! HTTPS servers that misbehave, each ending in the right typed error or
//! the right bytes, never a hang: plain HTTP on the TLS port, a server
//! that never answers the `ClientHello` (the connect timeout covers the
//! handshake), one that closes mid-handshake, and the ends of a body — cut
//! without `close_notify` when the body ends at the close (truncation), cut
//! short of its `Content-Length` (judged by the length), and cut right
//! after a complete `Content-Length` body (complete). Also the fuzz
//! target's property on a fixed set of inputs: garbage as the server's
//! first flight is an error, never a connection and never a hang.

#![cfg(feature = "tls")]

#[path = "util/tls.rs"]
mod tls;
mod util;

use std::time::Duration;

use http_client::{Error, ParseError, TimeoutPhase};
use tls::{TlsServer, TlsStep, pki};
use util::{ScriptedServer, Step, client, run, timed, trusting_client};

fn get(url: String) -> http_client::Result<http_client::Response> {
    run(move || async move { trusting_client(&pki().ca_pem).get(url).await })
}

#[test]
fn plain_http_on_the_tls_port() {
    // An HTTP server answers the ClientHello with a 400, as nginx does.
    let server = ScriptedServer::unread(vec![
        Step::write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"),
        Step::Hold,
    ]);
    let port = server.port();
    let error = get(format!("https://127.0.0.1:{port}/")).expect_err("not TLS");
    assert!(matches!(error, Error::NotTls { .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        format!("TLS handshake with 127.0.0.1:{port} failed: the server does not speak TLS")
    );
}

#[test]
fn a_server_that_never_answers_the_client_hello_times_out() {
    let server = ScriptedServer::unread(vec![Step::Hold]);
    let url = format!("https://127.0.0.1:{}/", server.port());
    let (result, took) = run(move || async move {
        let client = client().connect_timeout(Duration::from_millis(300)).build();
        timed(client.get(url)).await
    });
    let error = result.expect_err("a stalled handshake");
    assert!(
        matches!(
            error,
            Error::Timeout {
                phase: TimeoutPhase::Handshake,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.is_timeout());
    assert_eq!(error.to_string(), "no TLS handshake within 300ms");
    assert!(took >= Duration::from_millis(300), "early: {took:?}");
}

#[test]
fn a_server_that_closes_mid_handshake() {
    let server = ScriptedServer::unread(vec![Step::Sleep(Duration::from_millis(50)), Step::Close]);
    let port = server.port();
    let error = get(format!("https://127.0.0.1:{port}/")).expect_err("no handshake");
    assert!(matches!(error, Error::TlsHandshake { .. }), "{error:?}");
    let message = error.to_string();
    let prefix = format!("TLS handshake with 127.0.0.1:{port} failed: ");
    // A close with the ClientHello unread is a reset on Linux; either is
    // the server going away.
    assert!(
        message == format!("{prefix}the server closed the connection")
            || message == format!("{prefix}connection reset by peer"),
        "{message}"
    );
}

#[test]
fn a_body_that_ends_at_a_close_without_close_notify_is_truncated() {
    let server = TlsServer::once(
        &pki().localhost,
        vec![
            TlsStep::write("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nthe first half"),
            TlsStep::Cut,
        ],
    );
    let error = get(server.url("/")).expect_err("truncated");
    assert!(matches!(error, Error::TlsTruncated { .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        "connection closed without TLS close_notify; the body may be truncated"
    );
}

#[test]
fn a_content_length_body_cut_short_is_judged_by_its_length() {
    let server = TlsServer::once(
        &pki().localhost,
        vec![
            TlsStep::write("HTTP/1.0 200 OK\r\nContent-Length: 100\r\n\r\n0123456789"),
            TlsStep::Cut,
        ],
    );
    let error = get(server.url("/")).expect_err("short body");
    assert!(
        matches!(
            error,
            Error::Response {
                source: ParseError::Truncated {
                    expected: 100,
                    received: 10
                },
                ..
            }
        ),
        "{error:?}"
    );
}

#[test]
fn a_complete_content_length_body_needs_no_close_notify() {
    let server = TlsServer::once(
        &pki().localhost,
        vec![
            TlsStep::write("HTTP/1.0 200 OK\r\nContent-Length: 8\r\n\r\ncomplete"),
            TlsStep::Cut,
        ],
    );
    let response = get(server.url("/")).expect("complete by its length");
    assert_eq!(response.text().unwrap(), "complete");
}

#[test]
fn a_chunked_body_cut_before_its_end_is_an_error() {
    let server = TlsServer::once(
        &pki().localhost,
        vec![
            TlsStep::write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"),
            TlsStep::Cut,
        ],
    );
    let error = get(server.url("/")).expect_err("no last chunk");
    assert!(matches!(error, Error::Response { .. }), "{error:?}");
}

#[test]
fn garbage_first_flights_are_errors_not_hangs() {
    // TLS-looking record headers with junk behind them, then random bytes.
    let mut flights: Vec<Vec<u8>> = vec![
        vec![0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28], // a fatal alert
        vec![
            0x16, 0x03, 0x03, 0x00, 0x30, 0x02, 0x00, 0x00, 0x2c, 0x03, 0x03,
        ],
        vec![0x16, 0x03, 0x03, 0xff, 0xff, 0x00, 0x00],
        vec![0x17, 0x03, 0x03, 0x00, 0x05, 1, 2, 3, 4, 5],
        vec![0x16],
        Vec::new(),
    ];
    for seed in 0..24 {
        let mut flight = util::pseudo_random(1 + seed as usize * 37, seed);
        if seed % 2 == 0 {
            flight[0] = 0x16; // a handshake record, so rustls reads further
        }
        flights.push(flight);
    }
    for (i, flight) in flights.into_iter().enumerate() {
        let server = ScriptedServer::unread(vec![
            Step::Sleep(Duration::from_millis(5)),
            Step::Write(flight.clone()),
            Step::ShutdownWrite,
            Step::Hold,
        ]);
        let url =
            http_client::Url::parse(&format!("https://127.0.0.1:{}/", server.port())).unwrap();
        let result = run(move || async move {
            http_client::connect_with_timeout(&url, Duration::from_secs(5))
                .await
                .map(drop)
        });
        match result {
            Ok(()) => panic!("flight {i} ({flight:02x?}) gave a connection"),
            Err(error) => assert!(
                !error.is_timeout(),
                "flight {i} ({flight:02x?}) hung: {error}"
            ),
        }
    }
}

#[test]
fn plain_http_responses_have_no_tls_info() {
    let server = ScriptedServer::once(vec![Step::write(
        "HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nplain",
    )]);
    let response = get(server.url("/")).expect("plain http");
    assert_eq!(response.text().unwrap(), "plain");
    assert_eq!(response.tls_info(), None);
}

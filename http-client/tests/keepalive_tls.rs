//! The keep-alive pool over `https://`, where a handshake is what reuse
//! saves: ten `GET`s cost one TLS handshake; a connection the pool cannot
//! reuse (the server said `Connection: close`, the pool is off, the server
//! closed or reset it) is replaced by one that *resumes* the session — the
//! client counts it (`tls_resumed_handshakes`) and the server confirms it
//! (rustls `ServerConnection::handshake_kind`), in TLS 1.3 (tickets) and
//! TLS 1.2 (session ids) — and the replay rules hold over TLS as over TCP.
//!
//! The server is `util::keepalive_server` with each connection wrapped in
//! a rustls `ServerConnection` (the certificates and server config are
//! `util/tls.rs`); it records each connection's handshake kind and
//! protocol after the first request.

#![cfg(feature = "tls")]

#[path = "util/tls.rs"]
mod tls;
mod util;

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use http_client::{Client, ClientStats, Error, Method, Request, Url};
use rustls::{ServerConnection, StreamOwned};
use tls::{pki, server_config};
use util::keepalive_server::{
    KeepAliveServer, Reply, ServerStream, Then, idle_becomes, ok11, response,
};
use util::pooled_client;
use util::run;
use util::script::Received;

/// How long the client may take to notice a closed idle connection.
const NOTICE: Duration = Duration::from_secs(2);

/// A rustls server connection over a std socket, as the keep-alive server
/// serves it.
struct TlsConn(StreamOwned<ServerConnection, TcpStream>);

impl Read for TlsConn {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }
}

impl Write for TlsConn {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

impl ServerStream for TlsConn {
    fn tcp(&self) -> &TcpStream {
        &self.0.sock
    }

    /// `"Full TLSv1_3"`, `"Resumed TLSv1_2"`, ...
    fn note(&self) -> Option<String> {
        let kind = self.0.conn.handshake_kind()?;
        let version = self.0.conn.protocol_version()?;
        Some(format!("{kind:?} {version:?}"))
    }

    fn close_notify(&mut self) {
        self.0.conn.send_close_notify();
        let _ = self.0.flush(); // the client may be gone already
    }

    /// The reply and `close_notify` in one flush; the TCP stays open.
    fn write_and_half_close(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.0.conn.writer().write_all(bytes)?;
        self.0.conn.send_close_notify();
        self.0.flush()
    }
}

/// A keep-alive server speaking TLS (1.2 only when `tls12`) with the test
/// CA's `localhost` certificate.
fn tls_server(
    tls12: bool,
    replies: impl Fn(usize, usize, &Received) -> Reply + Send + Sync + 'static,
) -> KeepAliveServer {
    let config = server_config(&pki().localhost, tls12);
    KeepAliveServer::builder()
        .wrap(move |tcp| {
            let conn = ServerConnection::new(config.clone()).map_err(io::Error::other)?;
            Ok(Box::new(TlsConn(StreamOwned::new(conn, tcp))))
        })
        .start(replies)
        .expect("binding 127.0.0.1:0")
}

/// `https://localhost:PORT/`.
fn base(server: &KeepAliveServer) -> String {
    format!("https://localhost:{}/", server.port())
}

/// A pooled client that trusts the test CA.
fn pooled_trusting() -> http_client::ClientBuilder {
    pooled_client()
        .add_root_certificate(pki().ca_pem.as_bytes())
        .expect("the test CA")
}

fn tag(conn: usize, nth: usize, request: &Received) -> String {
    format!("conn {conn} req {nth} {}", request.target())
}

type Outcome = Result<(bool, String), String>;

async fn get(client: &Client, url: String) -> Outcome {
    client
        .get(url)
        .await
        .map(|r| (r.reused(), r.text_lossy().into_owned()))
        .map_err(|e| e.to_string())
}

/// `(connections_opened, reused, replayed, tls_full, tls_resumed)`.
fn counts(stats: &ClientStats) -> (u64, u64, u64, u64, u64) {
    (
        stats.connections_opened,
        stats.reused,
        stats.replayed,
        stats.tls_full_handshakes,
        stats.tls_resumed_handshakes,
    )
}

/// The handshake notes the server recorded, one per connection.
fn notes(server: &KeepAliveServer) -> Vec<String> {
    server
        .conns()
        .into_iter()
        .map(|c| c.note.unwrap_or_else(|| "(no request)".into()))
        .collect()
}

/// "Every request paid a TLS handshake": ten `GET`s over `https://` to a
/// server that keeps the connection open cost one connection and one full
/// handshake; nine ride on it.
#[test]
fn ten_https_gets_cost_one_handshake() {
    let server = tls_server(false, |conn, nth, req| {
        Reply::keep(ok11(tag(conn, nth, req)))
    });
    let base = base(&server);
    let (outcomes, stats) = run(move || async move {
        let client = pooled_trusting().build();
        let mut outcomes = Vec::new();
        for i in 0..10 {
            outcomes.push(get(&client, format!("{base}{i}")).await);
        }
        (outcomes, client.stats())
    });
    let expected: Vec<Outcome> = (0..10)
        .map(|i| Ok((i > 0, format!("conn 0 req {i} /{i}"))))
        .collect();
    assert_eq!(outcomes, expected);
    assert_eq!(counts(&stats), (1, 9, 0, 1, 0), "{stats:?}");
    assert_eq!(notes(&server), ["Full TLSv1_3"]);
}

/// "Reconnecting costs a full handshake every time": when a connection
/// cannot be reused — the server answers `Connection: close`, or the
/// client keeps no pool — the next connection to the same server resumes
/// the TLS session (no certificate sent or verified). The client counts
/// one full handshake and then resumed ones; the server agrees. In TLS 1.3
/// (tickets) and TLS 1.2 (session ids).
#[test]
fn new_connections_resume_the_session() {
    for tls12 in [false, true] {
        for pool in [true, false] {
            let case = format!("tls12={tls12} pool={pool}");
            let server = tls_server(tls12, move |conn, nth, req| {
                let fields = if pool { "Connection: close\r\n" } else { "" };
                Reply::keep(response("HTTP/1.1 200 OK", fields, tag(conn, nth, req)))
            });
            let base = base(&server);
            let (outcomes, stats) = run(move || async move {
                let builder = pooled_trusting();
                let client = if pool {
                    builder.build()
                } else {
                    builder.pool_max_idle_per_host(0).build()
                };
                let mut outcomes = Vec::new();
                for i in 0..3 {
                    outcomes.push(get(&client, format!("{base}{i}")).await);
                }
                (outcomes, client.stats())
            });
            let expected: Vec<Outcome> = (0..3)
                .map(|i| Ok((false, format!("conn {i} req 0 /{i}"))))
                .collect();
            assert_eq!(outcomes, expected, "{case}");
            assert_eq!(counts(&stats), (3, 0, 0, 1, 2), "{case}: {stats:?}");
            let version = if tls12 { "TLSv1_2" } else { "TLSv1_3" };
            assert_eq!(
                notes(&server),
                [
                    format!("Full {version}"),
                    format!("Resumed {version}"),
                    format!("Resumed {version}"),
                ],
                "{case}"
            );
        }
    }
}

/// "After a pause, https requests failed": the server ends an idle
/// connection with `close_notify` 50 ms after the response. The pool
/// drops it before anyone picks it, and the next request opens a new
/// connection that resumes the session.
#[test]
fn an_idle_tls_connection_the_server_closes_is_dropped_and_the_next_resumes() {
    let server = tls_server(false, |conn, nth, req| {
        Reply::close_after(ok11(tag(conn, nth, req)), Duration::from_millis(50))
    });
    let base = base(&server);
    let (first, dropped, second, stats) = run(move || async move {
        let client = pooled_trusting().build();
        let first = get(&client, format!("{base}a")).await;
        let dropped = idle_becomes(&client, 0, NOTICE).await;
        let second = get(&client, format!("{base}b")).await;
        (first, dropped, second, client.stats())
    });
    assert_eq!(first, Ok((false, "conn 0 req 0 /a".to_owned())));
    assert!(dropped, "the closed idle TLS connection stayed in the pool");
    assert_eq!(second, Ok((false, "conn 1 req 0 /b".to_owned())));
    assert_eq!(counts(&stats), (2, 0, 0, 1, 1), "{stats:?}");
    assert_eq!(notes(&server), ["Full TLSv1_3", "Resumed TLSv1_3"]);
}

/// "The second https request always failed after a replay": a server
/// that ends its side with `close_notify` right behind the response but
/// leaves the TCP connection open (no FIN, so the socket never looks
/// closed). The TLS session has seen the end: the connection is not
/// pooled, and the next request opens a new (resumed) connection, with no
/// request sent into the closed session and no replay.
#[test]
fn a_close_notify_behind_the_response_keeps_the_connection_out() {
    let server = tls_server(false, |conn, nth, req| {
        let bytes = ok11(tag(conn, nth, req));
        if conn == 0 {
            Reply::then(bytes, Then::HalfClose)
        } else {
            Reply::keep(bytes)
        }
    });
    let base = base(&server);
    let (first, dropped, second, stats) = run(move || async move {
        let client = pooled_trusting().build();
        let first = get(&client, format!("{base}a")).await;
        let dropped = idle_becomes(&client, 0, NOTICE).await;
        let second = get(&client, format!("{base}b")).await;
        (first, dropped, second, client.stats())
    });
    assert_eq!(first, Ok((false, "conn 0 req 0 /a".to_owned())));
    assert!(
        dropped,
        "a connection whose TLS session had ended stayed in the pool"
    );
    assert_eq!(second, Ok((false, "conn 1 req 0 /b".to_owned())));
    assert_eq!(counts(&stats), (2, 0, 0, 1, 1), "{stats:?}");
}

/// A TLS server that ends every connection with `close_notify` right
/// after a persistent-looking response: whether the client reads the
/// `close_notify` with the response, notices it while idle, or meets it
/// on the next request, every `GET` succeeds, and every reuse that met it
/// was replayed on a resumed connection.
#[test]
fn a_tls_server_closing_after_each_response_costs_no_errors() {
    let server = tls_server(false, |conn, nth, req| {
        Reply::close(ok11(tag(conn, nth, req)))
    });
    let base = base(&server);
    let (outcomes, stats) = run(move || async move {
        let client = pooled_trusting().build();
        let mut outcomes = Vec::new();
        for i in 0..10 {
            outcomes.push(
                get(&client, format!("{base}{i}"))
                    .await
                    .map(|(_, body)| body),
            );
        }
        (outcomes, client.stats())
    });
    for (i, outcome) in outcomes.iter().enumerate() {
        let body = outcome.as_ref().unwrap_or_else(|e| panic!("GET /{i}: {e}"));
        assert!(body.ends_with(&format!("req 0 /{i}")), "{i}: {body}");
    }
    eprintln!("TLS server closing after each response: {stats:?}");
    assert_eq!(stats.connections_opened, 10, "{stats:?}");
    assert_eq!(stats.reused, stats.replayed, "{stats:?}");
    assert_eq!(
        (stats.tls_full_handshakes, stats.tls_resumed_handshakes),
        (1, 9),
        "{stats:?}"
    );
    assert_eq!(server.log().len(), 10, "each request read once");
}

/// Over TLS as over TCP: a reused connection the server resets when the
/// next request arrives sends a `GET` again (on a resumed connection) and
/// fails a `POST` with `ReusedConnectionClosed`, sent once.
#[test]
fn a_reset_reused_tls_connection_replays_a_get_but_not_a_post() {
    for method in [Method::GET, Method::POST] {
        let post = method == Method::POST;
        let server = tls_server(false, |conn, nth, req| {
            if (conn, nth) == (0, 1) {
                Reply::reset([])
            } else {
                Reply::keep(ok11(tag(conn, nth, req)))
            }
        });
        let base = base(&server);
        let (second, stats) = run(move || async move {
            let client = pooled_trusting().build();
            get(&client, format!("{base}first")).await.unwrap();
            let mut request = Request::new(method, Url::parse(&format!("{base}second")).unwrap());
            if post {
                request = request.body("1 pizza");
            }
            let second = match client.send(request).await {
                Ok(r) => Ok((r.reused(), r.text_lossy().into_owned())),
                Err(e @ Error::ReusedConnectionClosed { .. }) => {
                    Err(format!("ReusedConnectionClosed: {e}"))
                }
                Err(e) => Err(format!("another error: {e}")),
            };
            (second, client.stats())
        });
        assert_eq!(server.times_seen("/second"), if post { 1 } else { 2 });
        if post {
            let message = second.expect_err("a POST is not replayed");
            assert!(message.starts_with("ReusedConnectionClosed: "), "{message}");
            assert!(
                message.contains("reused") && message.contains("POST"),
                "{message}"
            );
            assert_eq!(counts(&stats), (1, 1, 0, 1, 0), "{stats:?}");
        } else {
            assert_eq!(second, Ok((false, "conn 1 req 0 /second".to_owned())));
            assert_eq!(counts(&stats), (2, 1, 1, 1, 1), "{stats:?}");
        }
    }
}

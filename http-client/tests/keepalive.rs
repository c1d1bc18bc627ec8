//! The keep-alive pool of a `Client`, told as the failures a user would
//! meet if it went wrong: a list of URLs on one host that still costs a
//! handshake each; a response read from the wrong connection (the stray
//! bytes of an earlier one, another host's answer); a `GET` that fails
//! because the server's idle timeout closed the connection it picked; a
//! `POST` charged twice; a connection kept past the server's
//! `Keep-Alive: timeout`; a body dropped halfway that leaves a poisoned
//! connection in the pool.
//!
//! The server is `util::keepalive_server`: plain threads that read request
//! after request on each connection and answer each as the test says —
//! keep reading, close, close later, reset, send stray bytes — and record
//! which connection carried which request, so every test checks both what
//! the client reported (`Response::reused`, `Client::stats`) and what the
//! server saw (connections accepted, how many times a request arrived).
//! Each test bounds itself (`util::run`'s watchdog, bounded waits), and
//! each can fail: where a rule forbids reuse, the server keeps the
//! connection open, so a wrong reuse would show as one connection too few.
//!
//! The fd-count soak is alone in `keepalive_soak.rs`, TLS in
//! `keepalive_tls.rs`, the random sequences in `keepalive_props.rs`.

mod util;

use std::sync::Arc;
use std::time::Duration;

use http_client::{Client, ClientStats, Error, Method, ParseError, Request, Url};
use util::keepalive_server::{
    KeepAliveServer, Reply, Then, chunked, idle_becomes, ok10_keep_alive, ok11, request_header,
    response,
};
use util::script::Received;
use util::{both, pooled_client, pseudo_random, run};

/// How long the client may take to notice that the server closed (or
/// reset, or wrote to) an idle connection: the reactor wakes the pool at
/// once, so this is only slack for a loaded machine.
const NOTICE: Duration = Duration::from_secs(2);
/// How long the server waits for the client to close a connection.
const GRACE: Duration = Duration::from_secs(5);

/// The body the tests' servers answer with: which connection, which
/// request on it, and the target, so a response read off the wrong
/// connection or for the wrong request shows.
fn tag(conn: usize, nth: usize, request: &Received) -> String {
    format!("conn {conn} req {nth} {}", request.target())
}

/// A `GET`'s outcome as the tests compare it: whether it was reused, and
/// the body as text; the error as text.
type Outcome = Result<(bool, String), String>;

async fn get(client: &Client, url: String) -> Outcome {
    client
        .get(url)
        .await
        .map(|r| (r.reused(), r.text_lossy().into_owned()))
        .map_err(|e| e.to_string())
}

async fn send(client: &Client, method: Method, url: String, body: Option<&str>) -> Outcome {
    let mut request = Request::new(method, Url::parse(&url).unwrap());
    if let Some(body) = body {
        request = request.body(body);
    }
    client
        .send(request)
        .await
        .map(|r| (r.reused(), r.text_lossy().into_owned()))
        .map_err(|e| e.to_string())
}

/// `(connections_opened, reused, replayed)`.
fn counts(stats: &ClientStats) -> (u64, u64, u64) {
    (stats.connections_opened, stats.reused, stats.replayed)
}

// ---------------------------------------------------------------------------
// 1. Reuse happens.

/// "I fetched ten URLs from one server and paid ten handshakes": with a
/// server that keeps connections open, ten sequential `GET`s go over one
/// connection, the first not reused and the other nine reused, and every
/// request asks for `Connection: keep-alive`.
#[test]
fn ten_gets_share_one_connection() {
    type Make = fn(&str) -> Vec<u8>;
    let cases: [(&str, Make); 3] = [
        ("HTTP/1.1 with a Content-Length", |body| ok11(body)),
        ("HTTP/1.0 with Connection: keep-alive", |body| {
            ok10_keep_alive(body)
        }),
        (
            "HTTP/1.0 with Connection: Keep-Alive and Keep-Alive terms",
            |body| {
                response(
                    "HTTP/1.0 200 OK",
                    "Connection: Keep-Alive\r\nKeep-Alive: timeout=30, max=100\r\n",
                    body,
                )
            },
        ),
    ];
    for (name, make) in cases {
        let server =
            KeepAliveServer::start(move |conn, nth, req| Reply::keep(make(&tag(conn, nth, req))));
        let base = server.url("/item/");
        let (outcomes, stats) = run(move || async move {
            let client = pooled_client().build();
            let mut outcomes = Vec::new();
            for i in 0..10 {
                outcomes.push(get(&client, format!("{base}{i}")).await);
            }
            (outcomes, client.stats())
        });
        let expected: Vec<Outcome> = (0..10)
            .map(|i| Ok((i > 0, format!("conn 0 req {i} /item/{i}"))))
            .collect();
        assert_eq!(outcomes, expected, "{name}");
        assert_eq!(counts(&stats), (1, 9, 0), "{name}: {stats:?}");
        assert_eq!(stats.idle, 1, "{name}: the connection is back in the pool");
        assert_eq!(server.accepted(), 1, "{name}");
        let log = server.log();
        assert_eq!(log.len(), 10, "{name}");
        for logged in &log {
            assert_eq!(
                request_header(&logged.request, "connection"),
                Some("keep-alive"),
                "{name}: {}",
                util::show(logged.request.head(), 300)
            );
        }
    }
}

// ---------------------------------------------------------------------------
// 2. Responses that forbid reuse.

/// "The second response was garbage": a connection whose response did not
/// allow another request must not carry one. The server keeps each
/// connection open after a framed response, so a client that reused it
/// anyway would show one connection instead of two.
#[test]
fn responses_that_forbid_reuse_are_not_reused() {
    type Make = fn(&str) -> Vec<u8>;
    let cases: [(&str, Make, Then); 5] = [
        (
            "HTTP/1.0 without Connection: keep-alive",
            |body| response("HTTP/1.0 200 OK", "", body),
            Then::Keep,
        ),
        (
            "HTTP/1.1 with Connection: close",
            |body| response("HTTP/1.1 200 OK", "Connection: close\r\n", body),
            Then::Keep,
        ),
        (
            "HTTP/1.1 with Connection: keep-alive, close",
            |body| response("HTTP/1.1 200 OK", "Connection: keep-alive, close\r\n", body),
            Then::Keep,
        ),
        (
            "HTTP/1.1 with a close-delimited body",
            |body| format!("HTTP/1.1 200 OK\r\n\r\n{body}").into_bytes(),
            Then::Close,
        ),
        (
            "HTTP/1.0 keep-alive with a close-delimited body",
            |body| format!("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\n{body}").into_bytes(),
            Then::Close,
        ),
    ];
    for (name, make, then) in cases {
        let keeps = matches!(then, Then::Keep);
        let server = KeepAliveServer::start(move |conn, nth, req| {
            Reply::then(make(&tag(conn, nth, req)), then.clone())
        });
        let base = server.url("/");
        let (outcomes, stats) = run(move || async move {
            let client = pooled_client().build();
            let first = get(&client, format!("{base}a")).await;
            let second = get(&client, format!("{base}b")).await;
            (vec![first, second], client.stats())
        });
        assert_eq!(
            outcomes,
            [
                Ok((false, "conn 0 req 0 /a".to_owned())),
                Ok((false, "conn 1 req 0 /b".to_owned())),
            ],
            "{name}"
        );
        assert_eq!(counts(&stats), (2, 0, 0), "{name}: {stats:?}");
        assert_eq!(stats.idle, 0, "{name}: nothing kept");
        if keeps {
            // The client, not the server, ended the first connection.
            assert!(
                server.wait_for(GRACE, |c| c[0].client_closed),
                "{name}: the client left the first connection open: {:?}",
                server.conns()
            );
        }
        assert_eq!(server.accepted(), 2, "{name}");
    }
}

// ---------------------------------------------------------------------------
// 3. The server's idle timeout.

/// "Every other request failed with 'connection closed'": a server that
/// closes each connection right after a persistent-looking response (its
/// keep-alive timeout is zero, or it is shutting down). Whether the client
/// sees the close before it picks the connection or only when the request
/// goes out on it, every `GET` succeeds; each reused pick that failed was
/// replayed, and the server read each request exactly once.
#[test]
fn a_server_that_closes_after_each_response_costs_no_errors() {
    let server = KeepAliveServer::start(|conn, nth, req| Reply::close(ok11(tag(conn, nth, req))));
    let base = server.url("/item/");
    let (outcomes, stats) = run(move || async move {
        let client = pooled_client().build();
        let mut outcomes = Vec::new();
        for i in 0..20 {
            outcomes.push(
                get(&client, format!("{base}{i}"))
                    .await
                    .map(|(_, body)| body),
            );
        }
        (outcomes, client.stats())
    });
    for (i, outcome) in outcomes.iter().enumerate() {
        let body = outcome
            .as_ref()
            .unwrap_or_else(|e| panic!("GET /item/{i}: {e}"));
        assert!(body.ends_with(&format!("req 0 /item/{i}")), "{i}: {body}");
    }
    eprintln!("server closing after each response: {stats:?}");
    assert_eq!(stats.connections_opened, 20, "{stats:?}");
    assert_eq!(
        stats.reused, stats.replayed,
        "every reuse met a closed connection and was replayed: {stats:?}"
    );
    assert_eq!(server.accepted(), 20);
    let log = server.log();
    assert_eq!(log.len(), 20, "each request read once");
    assert!(log.iter().all(|l| l.nth == 0));
}

/// "The first request after a pause always failed": the server closes an
/// idle connection 50 ms after the response, while it sits in the pool.
/// The pool must notice (the reactor wakes it) and drop the connection
/// before anyone picks it: `idle` falls to 0 by itself, and the next
/// request opens a new connection without needing a replay.
#[test]
fn an_idle_connection_the_server_closes_is_dropped_before_use() {
    let server = KeepAliveServer::start(|conn, nth, req| {
        Reply::close_after(ok11(tag(conn, nth, req)), Duration::from_millis(50))
    });
    let base = server.url("/item/");
    let (outcomes, dropped, stats) = run(move || async move {
        let client = pooled_client().build();
        let (mut outcomes, mut dropped) = (Vec::new(), Vec::new());
        for i in 0..5 {
            outcomes.push(get(&client, format!("{base}{i}")).await);
            dropped.push(idle_becomes(&client, 0, NOTICE).await);
        }
        (outcomes, dropped, client.stats())
    });
    let expected: Vec<Outcome> = (0..5)
        .map(|i| Ok((false, format!("conn {i} req 0 /item/{i}"))))
        .collect();
    assert_eq!(outcomes, expected);
    assert_eq!(
        dropped, [true; 5],
        "the closed idle connection stayed in the pool"
    );
    assert_eq!(counts(&stats), (5, 0, 0), "{stats:?}");
    assert_eq!(server.accepted(), 5);
}

/// A close that is already there when the body ends (the server closed
/// right after the response, and the program read the body a little
/// later): the connection is not pooled at all — `idle` is 0 as soon as
/// the body is read — and the next request opens a new connection without
/// a replay.
#[test]
fn a_close_that_arrives_before_the_body_is_read_keeps_the_connection_out() {
    let server = KeepAliveServer::start(|conn, nth, req| Reply::close(ok11(tag(conn, nth, req))));
    let base = server.url("/");
    let (first, idle, second, stats) = run(move || async move {
        let client = pooled_client().build();
        let url = Url::parse(&format!("{base}a")).unwrap();
        let stream = client.send_streaming(Request::get(url)).await.unwrap();
        runtime::time::sleep(Duration::from_millis(50)).await; // the FIN comes meanwhile
        let first = stream
            .read_to_end()
            .await
            .map(|r| r.text_lossy().into_owned());
        let idle = client.stats().idle;
        let second = get(&client, format!("{base}b")).await;
        (first, idle, second, client.stats())
    });
    assert_eq!(
        first.map_err(|e| e.to_string()),
        Ok("conn 0 req 0 /a".to_owned())
    );
    assert_eq!(idle, 0, "a connection the server had closed was pooled");
    assert_eq!(second, Ok((false, "conn 1 req 0 /b".to_owned())));
    assert_eq!(counts(&stats), (2, 0, 0), "{stats:?}");
}

/// "Under load, a few requests a minute failed": the server's close and
/// the client's next request cross, at every offset around 0-5 ms. Every
/// `GET` succeeds; a request that met the close was sent once more on a
/// new connection, and since the server never answers twice on one
/// connection, every reuse must have been such a replay.
#[test]
fn a_close_racing_the_next_request_is_replayed_not_reported() {
    const REQUESTS: usize = 40;
    let server = KeepAliveServer::start(|conn, nth, req| {
        let delay = Duration::from_micros((conn as u64 % 6) * 1000);
        Reply::close_after(ok11(tag(conn, nth, req)), delay)
    });
    let base = server.url("/item/");
    let (outcomes, stats) = run(move || async move {
        let client = pooled_client().build();
        let mut outcomes = Vec::new();
        for i in 0..REQUESTS {
            let pause = Duration::from_micros((i as u64 % 7) * 800);
            runtime::time::sleep(pause).await;
            outcomes.push(
                get(&client, format!("{base}{i}"))
                    .await
                    .map(|(_, body)| body),
            );
        }
        (outcomes, client.stats())
    });
    for (i, outcome) in outcomes.iter().enumerate() {
        let body = outcome
            .as_ref()
            .unwrap_or_else(|e| panic!("GET /item/{i}: {e}"));
        assert!(body.ends_with(&format!("req 0 /item/{i}")), "{i}: {body}");
    }
    eprintln!("close racing the next request: {stats:?}");
    assert_eq!(stats.connections_opened, REQUESTS as u64, "{stats:?}");
    assert_eq!(stats.reused, stats.replayed, "{stats:?}");
    assert_eq!(server.accepted(), REQUESTS);
    assert_eq!(server.log().len(), REQUESTS, "each request read once");
}

// ---------------------------------------------------------------------------
// 4 and 16. Resets, and which methods are sent again.

/// "A reset idle connection broke my next request": the server resets a
/// connection 50 ms after the response, while it is idle; the pool drops
/// it, and the next request is fine on a new connection.
#[test]
fn a_reset_while_idle_costs_no_errors() {
    let server = KeepAliveServer::start(|conn, nth, req| {
        Reply::reset_after(ok11(tag(conn, nth, req)), Duration::from_millis(50))
    });
    let base = server.url("/item/");
    let (outcomes, dropped, stats) = run(move || async move {
        let client = pooled_client().build();
        let (mut outcomes, mut dropped) = (Vec::new(), Vec::new());
        for i in 0..5 {
            outcomes.push(get(&client, format!("{base}{i}")).await);
            dropped.push(idle_becomes(&client, 0, NOTICE).await);
        }
        (outcomes, dropped, client.stats())
    });
    let expected: Vec<Outcome> = (0..5)
        .map(|i| Ok((false, format!("conn {i} req 0 /item/{i}"))))
        .collect();
    assert_eq!(outcomes, expected);
    assert_eq!(dropped, [true; 5], "the reset idle connection stayed");
    assert_eq!(counts(&stats), (5, 0, 0), "{stats:?}");
}

/// The reply of the replay tests' server: the first request on the first
/// connection is answered and kept; what the second meets is `second`;
/// any other request on any connection is answered (HEAD without a body).
fn replay_server(second: fn() -> Reply) -> KeepAliveServer {
    KeepAliveServer::start(move |conn, nth, req| {
        if (conn, nth) == (0, 1) {
            return second();
        }
        let mut bytes = ok11(tag(conn, nth, req));
        if req.method() == "HEAD" {
            let head_end = bytes.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
            bytes.truncate(head_end);
        }
        Reply::keep(bytes)
    })
}

/// "My POST was charged twice" / "my GET failed for no reason": the server
/// resets a reused connection when the second request arrives, after
/// reading it. Idempotent methods are sent once more, on a new connection,
/// and succeed (the server saw them twice, which they allow); `POST` and
/// `PATCH` are not sent again: they fail with `ReusedConnectionClosed`,
/// whose message says what happened, and the server saw them once.
#[test]
fn idempotent_methods_are_replayed_and_others_are_not() {
    let methods = ["GET", "HEAD", "PUT", "DELETE", "OPTIONS", "POST", "PATCH"];
    for name in methods {
        let method = Method::new(name).unwrap();
        let idempotent = method.is_idempotent();
        let server = replay_server(|| Reply::reset([]));
        let base = server.url("/");
        let (first, second, after, stats) = run(move || async move {
            let client = pooled_client().build();
            let first = get(&client, format!("{base}first")).await;
            let mut request = Request::new(method, Url::parse(&format!("{base}second")).unwrap());
            if ["PUT", "POST", "PATCH"].contains(&name) {
                request = request.body("payload");
            }
            let second = match client.send(request).await {
                Ok(r) => Ok((r.reused(), r.text_lossy().into_owned())),
                Err(Error::ReusedConnectionClosed {
                    method, authority, ..
                }) => Err(format!("ReusedConnectionClosed {method} {authority}")),
                Err(other) => Err(format!("another error: {other}")),
            };
            let after = get(&client, format!("{base}after")).await;
            (first, second, after, client.stats())
        });
        assert_eq!(
            first,
            Ok((false, "conn 0 req 0 /first".to_owned())),
            "{name}"
        );
        let authority = server.addr().to_string();
        if idempotent {
            let body = if name == "HEAD" {
                String::new()
            } else {
                "conn 1 req 0 /second".to_owned()
            };
            assert_eq!(
                second,
                Ok((false, body)),
                "{name}: replayed on a new connection"
            );
            assert_eq!(counts(&stats).2, 1, "{name}: {stats:?}");
            assert_eq!(
                server.times_seen("/second"),
                2,
                "{name}: once per connection"
            );
            assert_eq!(
                after,
                Ok((true, "conn 1 req 1 /after".to_owned())),
                "{name}"
            );
        } else {
            assert_eq!(
                second,
                Err(format!("ReusedConnectionClosed {name} {authority}")),
                "{name}"
            );
            assert_eq!(counts(&stats).2, 0, "{name}: {stats:?}");
            assert_eq!(server.times_seen("/second"), 1, "{name}: sent once");
            assert_eq!(
                after,
                Ok((false, "conn 1 req 0 /after".to_owned())),
                "{name}"
            );
        }
        assert_eq!(server.targets_on(0), ["/first", "/second"], "{name}");
    }
}

/// The message of a `POST` that met a reset reused connection says it was
/// reused and closed by the server, and names the method, so the user
/// knows why it was not retried.
#[test]
fn a_post_on_a_reset_reused_connection_says_why_it_was_not_sent_again() {
    let server = replay_server(|| Reply::reset([]));
    let base = server.url("/");
    let message = run(move || async move {
        let client = pooled_client().build();
        get(&client, format!("{base}first")).await.unwrap();
        send(
            &client,
            Method::POST,
            format!("{base}order"),
            Some("1 pizza"),
        )
        .await
    });
    let message = message.expect_err("the POST must fail");
    assert!(message.contains("reused"), "{message}");
    assert!(message.contains("POST"), "{message}");
    assert!(message.contains("closed"), "{message}");
    assert_eq!(server.times_seen("/order"), 1);
    assert_eq!(server.accepted(), 1, "no new connection for the POST");
}

/// The classic race: the server's idle timeout fires just as the next
/// request arrives, so it resets the connection without reading it. A
/// `GET` goes out again and succeeds; a `POST` fails with
/// `ReusedConnectionClosed` and is not sent on a new connection.
#[test]
fn a_request_that_meets_the_servers_idle_close_is_replayed_only_if_idempotent() {
    for method in [Method::GET, Method::POST] {
        let server = KeepAliveServer::start(|conn, nth, req| {
            let bytes = ok11(tag(conn, nth, req));
            if conn == 0 {
                Reply::then(bytes, Then::AbortOnNext)
            } else {
                Reply::keep(bytes)
            }
        });
        let base = server.url("/");
        let post = method == Method::POST;
        let (second, stats) = run(move || async move {
            let client = pooled_client().build();
            get(&client, format!("{base}first")).await.unwrap();
            let body = post.then_some("1 pizza");
            let second = send(&client, method, format!("{base}second"), body).await;
            (second, client.stats())
        });
        if post {
            let message = second.expect_err("a POST is not replayed");
            assert!(
                message.contains("reused") && message.contains("POST"),
                "{message}"
            );
            assert_eq!(server.accepted(), 1, "not sent on a new connection");
            assert_eq!(counts(&stats), (1, 1, 0), "{stats:?}");
        } else {
            assert_eq!(second, Ok((false, "conn 1 req 0 /second".to_owned())));
            assert_eq!(counts(&stats), (2, 1, 1), "{stats:?}");
        }
        // The reset connection never had the request read.
        assert_eq!(server.targets_on(0), ["/first"]);
    }
}

/// "A request was sent three times": a replay happens once. When the new
/// connection fails too, the request fails; the server saw it twice.
#[test]
fn a_replay_is_sent_once() {
    for method in [Method::GET, Method::PUT] {
        let server = KeepAliveServer::start(|conn, nth, req| match (conn, nth) {
            (0, 0) => Reply::keep(ok11(tag(conn, nth, req))),
            _ => Reply::reset([]),
        });
        let base = server.url("/");
        let name = method.to_string();
        let (second, stats) = run(move || async move {
            let client = pooled_client().build();
            get(&client, format!("{base}first")).await.unwrap();
            let second = send(&client, method, format!("{base}second"), Some("x")).await;
            (second, client.stats())
        });
        let error = second.expect_err("both connections reset");
        assert!(
            !error.contains("reused"),
            "{name}: the replay's own error: {error}"
        );
        assert_eq!(counts(&stats), (2, 1, 1), "{name}: {stats:?}");
        assert_eq!(server.times_seen("/second"), 2, "{name}");
        assert_eq!(server.accepted(), 2, "{name}");
    }
}

// ---------------------------------------------------------------------------
// 5. Stray bytes.

/// "The second response had the first one's junk": bytes after a body,
/// in the same write (here a whole fake response), mean the connection is
/// out of step: it is closed, and the next request gets its own response
/// on a new connection.
#[test]
fn bytes_after_the_body_keep_the_connection_out_of_the_pool() {
    both(|path| {
        let server = KeepAliveServer::start(|conn, nth, req| {
            let mut bytes = ok11(tag(conn, nth, req));
            if (conn, nth) == (0, 0) {
                bytes.extend(ok11("STRAY RESPONSE"));
            }
            Reply::keep(bytes)
        });
        let base = server.url("/");
        let (bodies, stats) = run(move || async move {
            let client = pooled_client().build();
            let mut bodies = Vec::new();
            for target in ["a", "b"] {
                let fetched = path.get(&client, format!("{base}{target}")).await;
                bodies.push(
                    fetched
                        .map(|f| f.text().unwrap().to_owned())
                        .map_err(|e| e.to_string()),
                );
            }
            (bodies, client.stats())
        });
        assert_eq!(
            bodies,
            [
                Ok("conn 0 req 0 /a".to_owned()),
                Ok("conn 1 req 0 /b".to_owned())
            ]
        );
        assert_eq!(counts(&stats), (2, 0, 0), "{stats:?}");
        assert!(
            server.wait_for(GRACE, |c| c[0].client_closed),
            "the client kept the out-of-step connection open"
        );
    });
}

/// Stray bytes that arrive later, while the connection is idle, make the
/// pool drop it before anyone picks it.
#[test]
fn stray_bytes_while_idle_drop_the_connection() {
    let server = KeepAliveServer::start(|conn, nth, req| {
        let bytes = ok11(tag(conn, nth, req));
        if (conn, nth) == (0, 0) {
            Reply::stray_after(bytes, Duration::from_millis(50), ok11("STRAY RESPONSE"))
        } else {
            Reply::keep(bytes)
        }
    });
    let base = server.url("/");
    let (first, dropped, second, stats) = run(move || async move {
        let client = pooled_client().build();
        let first = get(&client, format!("{base}a")).await;
        let dropped = idle_becomes(&client, 0, NOTICE).await;
        let second = get(&client, format!("{base}b")).await;
        (first, dropped, second, client.stats())
    });
    assert_eq!(first, Ok((false, "conn 0 req 0 /a".to_owned())));
    assert!(
        dropped,
        "the connection that received stray bytes stayed idle"
    );
    assert_eq!(second, Ok((false, "conn 1 req 0 /b".to_owned())));
    assert_eq!(counts(&stats), (2, 0, 0), "{stats:?}");
}

// ---------------------------------------------------------------------------
// 6. A response cut off after it began.

/// "A half-downloaded file was fetched twice" (or, worse, silently
/// accepted): on a reused connection, a response that started and was
/// cut (in the head, in a `Content-Length` body, in a chunked body) is an
/// error, never replayed — the server saw the request once — and the
/// requests after it succeed on a new connection.
#[test]
fn a_response_cut_short_on_a_reused_connection_fails_and_is_not_retried() {
    type Check = fn(&Error) -> bool;
    let cases: [(&str, &[u8], Check); 3] = [
        ("in the head", b"HTTP/1.1 200 OK\r\nContent-Le", |e| {
            matches!(
                e,
                Error::Response {
                    source: ParseError::ClosedInHeaders,
                    ..
                }
            )
        }),
        (
            "in a Content-Length body",
            b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789",
            |e| {
                matches!(
                    e,
                    Error::Response {
                        source: ParseError::Truncated {
                            expected: 100,
                            received: 10
                        },
                        ..
                    }
                )
            },
        ),
        (
            "in a chunked body",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\na\r\n0123456789\r\n",
            |e| {
                matches!(
                    e,
                    Error::Response {
                        source: ParseError::ChunkedTruncated { .. },
                        ..
                    }
                )
            },
        ),
    ];
    for (name, cut, check) in cases {
        both(|path| {
            let server = KeepAliveServer::start(move |conn, nth, req| {
                if (conn, nth) == (0, 1) {
                    Reply::close(cut)
                } else {
                    Reply::keep(ok11(tag(conn, nth, req)))
                }
            });
            let base = server.url("/");
            let (outcomes, stats) = run(move || async move {
                let client = pooled_client().build();
                let mut outcomes = Vec::new();
                for target in ["1", "2", "3", "4"] {
                    let fetched = path.get(&client, format!("{base}{target}")).await;
                    outcomes.push(fetched.map(|f| f.text().unwrap().to_owned()).map_err(|e| {
                        let ok = check(&e);
                        (ok, e.to_string())
                    }));
                }
                (outcomes, client.stats())
            });
            assert_eq!(outcomes[0], Ok("conn 0 req 0 /1".to_owned()), "{name}");
            match &outcomes[1] {
                Err((true, _)) => {}
                other => panic!("{name}: the cut response gave {other:?}"),
            }
            assert_eq!(outcomes[2], Ok("conn 1 req 0 /3".to_owned()), "{name}");
            assert_eq!(outcomes[3], Ok("conn 1 req 1 /4".to_owned()), "{name}");
            assert_eq!(server.times_seen("/2"), 1, "{name}: not retried");
            assert_eq!(counts(&stats), (2, 2, 0), "{name}: {stats:?}");
        });
    }
}

// ---------------------------------------------------------------------------
// 7. Chunked bodies.

/// Chunked `HTTP/1.1` responses, with and without trailers, end by their
/// framing and leave the connection reusable: one connection, every body
/// byte for byte.
#[test]
fn chunked_bodies_with_trailers_keep_the_connection() {
    let body = |i: usize| pseudo_random(100 + i * 997, i as u64);
    let server = KeepAliveServer::start(move |_, nth, _| {
        let trailers = match nth % 3 {
            0 => "",
            1 => "Expires: never\r\n",
            _ => "X-Checksum: 1234\r\nX-More: yes\r\n",
        };
        Reply::keep(chunked("", &body(nth), &[1, 17, 300, 4096], trailers))
    });
    let base = server.url("/");
    let (bodies, stats) = run(move || async move {
        let client = pooled_client().build();
        let mut bodies = Vec::new();
        for i in 0..6 {
            let response = client.get(format!("{base}{i}")).await.unwrap();
            bodies.push((response.reused(), response.into_body()));
        }
        (bodies, client.stats())
    });
    for (i, (reused, got)) in bodies.into_iter().enumerate() {
        assert_eq!(reused, i > 0, "response {i}");
        assert!(
            got == body(i),
            "response {i}: wrong body ({} bytes)",
            got.len()
        );
    }
    assert_eq!(counts(&stats), (1, 5, 0), "{stats:?}");
    assert_eq!(server.accepted(), 1);
}

// ---------------------------------------------------------------------------
// 8. Several hosts.

/// Three servers: two on the same port at 127.0.0.1 and 127.0.0.2 (keys
/// that differ only by host), one on another port of 127.0.0.1 (only by
/// port). The first two share a port, so binding can race another test
/// for it: retried a few times.
fn three_servers() -> Vec<(&'static str, KeepAliveServer)> {
    let make = |name: &'static str| {
        move |conn: usize, nth: usize, req: &Received| {
            let host = request_header(req, "host").unwrap_or("(none)").to_owned();
            Reply::keep(ok11(format!(
                "{name} got Host {host}: {}",
                tag(conn, nth, req)
            )))
        }
    };
    for _ in 0..20 {
        let a = KeepAliveServer::start(make("A"));
        let same_port = std::net::SocketAddr::from(([127, 0, 0, 2], a.port()));
        let Ok(b) = KeepAliveServer::builder().addr(same_port).start(make("B")) else {
            continue;
        };
        let c = KeepAliveServer::start(make("C"));
        return vec![("A", a), ("B", b), ("C", c)];
    }
    panic!("could not bind 127.0.0.2 on the port of 127.0.0.1");
}

/// "I got another site's page": requests to three places, interleaved, go
/// each over its own place's connection — every request a server received
/// names that server in its `Host`, every body comes from the server the
/// URL names — and 30 requests cost 3 connections.
#[test]
fn three_hosts_interleaved_never_share_a_connection() {
    let servers = three_servers();
    let urls: Vec<(&str, String)> = servers
        .iter()
        .map(|(name, server)| (*name, server.url("/")))
        .collect();
    let plan: Vec<(&str, String)> = (0..30)
        .map(|i| {
            let (name, base) = &urls[i % 3];
            (*name, format!("{base}{i}"))
        })
        .collect();
    let requests = plan.clone();
    let (outcomes, stats) = run(move || async move {
        let client = pooled_client().build();
        let mut outcomes = Vec::new();
        for (_, url) in requests {
            outcomes.push(get(&client, url).await);
        }
        (outcomes, client.stats())
    });
    for (i, ((name, url), outcome)) in plan.iter().zip(&outcomes).enumerate() {
        let authority = Url::parse(url).unwrap().authority();
        let expected = format!("{name} got Host {authority}: conn 0 req {} /{i}", i / 3);
        assert_eq!(outcome, &Ok((i >= 3, expected)), "request {i}");
    }
    assert_eq!(counts(&stats), (3, 27, 0), "{stats:?}");
    assert_eq!(stats.idle, 3);
    for (name, server) in &servers {
        assert_eq!(server.accepted(), 1, "server {name}");
        let own = server.addr().to_string();
        for logged in server.log() {
            assert_eq!(
                request_header(&logged.request, "host"),
                Some(own.as_str()),
                "server {name} received another host's request"
            );
        }
    }
}

// ---------------------------------------------------------------------------
// 9 and 10. The server's `Keep-Alive` terms, and the client's own timeout.

/// "Requests after a quiet second failed": a server that says
/// `Keep-Alive: timeout=1` closes idle connections after 1 s, so the pool
/// lets go earlier (after 0.5 s): still idle after 0.3 s, gone after
/// 0.7 s. After 0.7 s idle the next request opens
/// a new connection (the server, which keeps the first open, sees two),
/// and the pool has closed the old one itself. With `timeout=5` the same
/// pause reuses it, so the test tells the two apart.
#[test]
fn keep_alive_timeout_is_honoured() {
    for (terms, reused) in [("timeout=1", false), ("timeout=5", true)] {
        let fields = format!("Keep-Alive: {terms}\r\n");
        let server = KeepAliveServer::start(move |conn, nth, req| {
            Reply::keep(response("HTTP/1.1 200 OK", &fields, tag(conn, nth, req)))
        });
        let base = server.url("/");
        let (first, idle_early, idle_after, second, stats) = run(move || async move {
            let client = pooled_client().build();
            let first = get(&client, format!("{base}a")).await;
            runtime::time::sleep(Duration::from_millis(300)).await;
            let idle_early = client.stats().idle;
            runtime::time::sleep(Duration::from_millis(400)).await;
            let idle_after = client.stats().idle;
            let second = get(&client, format!("{base}b")).await;
            (first, idle_early, idle_after, second, client.stats())
        });
        assert_eq!(first, Ok((false, "conn 0 req 0 /a".to_owned())), "{terms}");
        assert_eq!(idle_early, 1, "{terms}: let go before 0.3 s");
        let conn = if reused { 0 } else { 1 };
        assert_eq!(
            second,
            Ok((reused, format!("conn {conn} req {} /b", 1 - conn))),
            "{terms}"
        );
        assert_eq!(idle_after, usize::from(reused), "{terms}: idle after 0.7 s");
        assert_eq!(server.accepted(), 1 + conn, "{terms}");
        assert_eq!(stats.reused, u64::from(reused), "{terms}: {stats:?}");
        if !reused {
            assert!(
                server.wait_for(GRACE, |c| c[0].client_closed),
                "{terms}: the expired connection was left open"
            );
        }
    }
}

/// "The server's connection table filled with connections we had
/// abandoned": the client's own `pool_idle_timeout` closes an idle
/// connection when it runs out — also one that has carried a request since
/// it was first pooled — without waiting for the next request: the pool
/// shows it gone and the server sees the client close it. A later request
/// opens a new connection.
#[test]
fn pool_idle_timeout_is_honoured() {
    let server = Arc::new(KeepAliveServer::start(|conn, nth, req| {
        Reply::keep(ok11(tag(conn, nth, req)))
    }));
    let base = server.url("/");
    let watched = server.clone();
    let (outcomes, idle_after, closed_after, stats) = run(move || async move {
        let client = pooled_client()
            .pool_idle_timeout(Duration::from_millis(200))
            .build();
        let first = get(&client, format!("{base}a")).await;
        let quick = get(&client, format!("{base}b")).await;
        runtime::time::sleep(Duration::from_millis(400)).await;
        let idle_after = client.stats().idle;
        let closed_after = watched.conns()[0].client_closed;
        let late = get(&client, format!("{base}c")).await;
        (
            vec![first, quick, late],
            idle_after,
            closed_after,
            client.stats(),
        )
    });
    assert_eq!(
        outcomes,
        [
            Ok((false, "conn 0 req 0 /a".to_owned())),
            Ok((true, "conn 0 req 1 /b".to_owned())),
            Ok((false, "conn 1 req 0 /c".to_owned())),
        ]
    );
    assert_eq!(counts(&stats), (2, 1, 0), "{stats:?}");
    assert_eq!(
        (idle_after, closed_after),
        (0, true),
        "(idle, closed) 200 ms after the idle timeout ran out"
    );
}

/// The same with two hosts: one idles on the default 30 s, the other says
/// `Keep-Alive: timeout=1`. The second is let go after 0.5 s (closed, the
/// server sees it), the first is kept and reused.
#[test]
fn a_short_keep_alive_timeout_is_honoured_while_another_host_idles() {
    let long = Arc::new(KeepAliveServer::start(|conn, nth, req| {
        Reply::keep(ok11(tag(conn, nth, req)))
    }));
    let short = Arc::new(KeepAliveServer::start(|conn, nth, req| {
        let fields = "Keep-Alive: timeout=1\r\n";
        Reply::keep(response("HTTP/1.1 200 OK", fields, tag(conn, nth, req)))
    }));
    let (long_base, short_base) = (long.url("/"), short.url("/"));
    let (watch_long, watch_short) = (long.clone(), short.clone());
    let (idle_after, closed_after, outcomes) = run(move || async move {
        let client = pooled_client().build();
        get(&client, format!("{long_base}a")).await.unwrap();
        get(&client, format!("{short_base}a")).await.unwrap();
        runtime::time::sleep(Duration::from_millis(800)).await;
        let idle_after = client.stats().idle;
        let closed_after = (
            watch_long.conns()[0].client_closed,
            watch_short.conns()[0].client_closed,
        );
        let outcomes = vec![
            get(&client, format!("{long_base}b")).await,
            get(&client, format!("{short_base}b")).await,
        ];
        (idle_after, closed_after, outcomes)
    });
    assert_eq!(
        outcomes,
        [
            Ok((true, "conn 0 req 1 /b".to_owned())),
            Ok((false, "conn 1 req 0 /b".to_owned())),
        ]
    );
    assert_eq!(
        (idle_after, closed_after),
        (1, (false, true)),
        "(idle, (long closed, short closed)) 0.3 s after the short one's time ran out"
    );
}

/// `Keep-Alive: max=0` (no more requests) and `timeout=0` forbid reuse,
/// in HTTP/1.1 and in an HTTP/1.0 keep-alive reply; the server keeps the
/// connection open, so a wrong reuse would show.
#[test]
fn max_zero_or_timeout_zero_forbid_reuse() {
    for status_line in ["HTTP/1.1 200 OK", "HTTP/1.0 200 OK"] {
        for terms in ["max=0", "timeout=0", "timeout=0, max=0", "timeout=5, max=0"] {
            let fields = format!("Connection: keep-alive\r\nKeep-Alive: {terms}\r\n");
            let server = KeepAliveServer::start(move |conn, nth, req| {
                Reply::keep(response(status_line, &fields, tag(conn, nth, req)))
            });
            let base = server.url("/");
            let (outcomes, stats) = run(move || async move {
                let client = pooled_client().build();
                let first = get(&client, format!("{base}a")).await;
                let second = get(&client, format!("{base}b")).await;
                (vec![first, second], client.stats())
            });
            let case = format!("{status_line} Keep-Alive: {terms}");
            assert_eq!(
                outcomes,
                [
                    Ok((false, "conn 0 req 0 /a".to_owned())),
                    Ok((false, "conn 1 req 0 /b".to_owned())),
                ],
                "{case}"
            );
            assert_eq!(counts(&stats), (2, 0, 0), "{case}: {stats:?}");
            assert_eq!(server.accepted(), 2, "{case}");
        }
    }
}

/// A server counting down `max` (as Apache does): `max=2`, `max=1`, then
/// `max=0` — three requests on the first connection, the fourth on a new
/// one.
#[test]
fn a_countdown_of_max_ends_reuse() {
    let server = KeepAliveServer::start(|conn, nth, req| {
        let fields = format!(
            "Keep-Alive: timeout=30, max={}\r\n",
            2usize.saturating_sub(nth)
        );
        Reply::keep(response("HTTP/1.1 200 OK", &fields, tag(conn, nth, req)))
    });
    let base = server.url("/");
    let (outcomes, stats) = run(move || async move {
        let client = pooled_client().build();
        let mut outcomes = Vec::new();
        for i in 0..4 {
            outcomes.push(get(&client, format!("{base}{i}")).await);
        }
        (outcomes, client.stats())
    });
    assert_eq!(
        outcomes,
        [
            Ok((false, "conn 0 req 0 /0".to_owned())),
            Ok((true, "conn 0 req 1 /1".to_owned())),
            Ok((true, "conn 0 req 2 /2".to_owned())),
            Ok((false, "conn 1 req 0 /3".to_owned())),
        ]
    );
    assert_eq!(counts(&stats), (2, 2, 0), "{stats:?}");
}

// ---------------------------------------------------------------------------
// 11. A body stream dropped early.

/// "After I stopped reading a download, the next request got the rest of
/// it": a `BodyStream` dropped before its end closes its connection (the
/// server sees the client close), and the next request opens a new one.
/// Dropped after one chunk of a large body, and with a small body still
/// unread in the buffer; a stream read to its end, the control, returns
/// the connection.
#[test]
fn a_body_stream_dropped_early_closes_its_connection() {
    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Read {
        OneChunk,
        Nothing,
        ToTheEnd,
    }
    for (how, size) in [
        (Read::OneChunk, 512 * 1024),
        (Read::Nothing, 11),
        (Read::ToTheEnd, 11),
    ] {
        let body = pseudo_random(size, 7);
        let server = KeepAliveServer::start(move |conn, nth, req| {
            if (conn, nth) == (0, 0) {
                Reply::keep(ok11(&body))
            } else {
                Reply::keep(ok11(tag(conn, nth, req)))
            }
        });
        let base = server.url("/");
        let (idle, second, stats) = run(move || async move {
            let client = pooled_client().build();
            let request = Request::get(Url::parse(&format!("{base}download")).unwrap());
            let mut stream = client.send_streaming(request).await.unwrap();
            match how {
                Read::OneChunk => {
                    let chunk = stream.chunk().await.unwrap().expect("a first chunk");
                    assert!(!chunk.is_empty());
                }
                Read::Nothing => {}
                Read::ToTheEnd => while stream.chunk().await.unwrap().is_some() {},
            }
            drop(stream);
            let idle = client.stats().idle;
            let second = get(&client, format!("{base}next")).await;
            (idle, second, client.stats())
        });
        if how == Read::ToTheEnd {
            assert_eq!(idle, 1, "{how:?}");
            assert_eq!(
                second,
                Ok((true, "conn 0 req 1 /next".to_owned())),
                "{how:?}"
            );
            assert_eq!(counts(&stats), (1, 1, 0), "{how:?}: {stats:?}");
        } else {
            assert_eq!(idle, 0, "{how:?}: a half-read connection was pooled");
            assert_eq!(
                second,
                Ok((false, "conn 1 req 0 /next".to_owned())),
                "{how:?}"
            );
            assert_eq!(counts(&stats), (2, 0, 0), "{how:?}: {stats:?}");
            assert!(
                server.wait_for(GRACE, |c| c[0].client_closed || c[0].finished),
                "{how:?}: the dropped stream's connection stayed open"
            );
        }
    }
}

// ---------------------------------------------------------------------------
// 12. Concurrency.

/// The body for `/t/{task}/{j}`: its own length and bytes.
fn task_body(task: usize, j: usize) -> Vec<u8> {
    let n = task * 20 + j;
    pseudo_random(50 + n % 700, n as u64)
}

/// "Under concurrency, responses got mixed up": 50 tasks × 20 `GET`s on
/// one pooled client. Every body is its own request's; no more
/// connections than tasks (a connection is shared only in turn); every
/// request went once, and the client and server agree on the counts.
#[test]
fn fifty_tasks_share_the_pool_without_mixing_responses() {
    const TASKS: usize = 50;
    const EACH: usize = 20;
    let server = KeepAliveServer::start(|_, _, req| {
        let mut parts = req.target().trim_start_matches("/t/").split('/');
        let task = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
        let j = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
        Reply::keep(ok11(task_body(task, j)))
    });
    let base = server.url("/t/");
    let (results, stats) = run(move || async move {
        let client = pooled_client().build();
        let tasks: Vec<_> = (0..TASKS)
            .map(|task| {
                let (client, base) = (client.clone(), base.clone());
                runtime::spawn(async move {
                    let mut wrong = Vec::new();
                    for j in 0..EACH {
                        match client.get(format!("{base}{task}/{j}")).await {
                            Ok(r) if r.body() == task_body(task, j) => {}
                            Ok(r) => wrong.push(format!("{task}/{j}: {} bytes", r.body().len())),
                            Err(e) => wrong.push(format!("{task}/{j}: {e}")),
                        }
                    }
                    wrong
                })
            })
            .collect();
        let results = runtime::join_all(tasks).await;
        (results, client.stats())
    });
    let wrong: Vec<String> = results
        .into_iter()
        .flat_map(|joined| joined.expect("the task ran"))
        .collect();
    assert!(wrong.is_empty(), "{wrong:?}");
    eprintln!("{TASKS} tasks x {EACH} GETs: {stats:?}");
    let total = (TASKS * EACH) as u64;
    assert!(stats.connections_opened <= TASKS as u64, "{stats:?}");
    assert_eq!(stats.connections_opened + stats.reused, total, "{stats:?}");
    assert_eq!(stats.replayed, 0, "{stats:?}");
    assert_eq!(server.accepted() as u64, stats.connections_opened);
    assert_eq!(server.log().len() as u64, total);
}

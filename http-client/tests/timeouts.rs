//! Deadlines over real sockets, each with its own error and message: the
//! connect timeout (a listener whose accept queue is full), the idle timeout
//! in each phase of the response (and while sending), and the total timeout
//! that a server trickling one byte at a time cannot stretch. Also a refused
//! connection, which must fail at once rather than at a deadline.
//!
//! Timing checks are strict on "never early" and loose on "not too late".

mod util;

use std::net::{TcpListener as StdListener, TcpStream as StdStream};
use std::time::Duration;

use http_client::{Error, ParsePhase, Request, TimeoutPhase, Url};
use runtime::net::TcpListener;
use util::{ScriptedServer, Step, both, client, run, timed};

/// Slack allowed past a deadline on a loaded machine.
const LATE: Duration = Duration::from_millis(1500);

#[test]
fn connect_times_out_on_a_full_accept_queue() {
    both(|path| {
        let (result, elapsed, addr) = run(move || async move {
            // Backlog 0 queues one connection; with it taken and never accepted,
            // the kernel drops further SYNs, so a connect hangs in SYN_SENT.
            let listener = TcpListener::bind_with_backlog("127.0.0.1:0".parse().unwrap(), 0)
                .expect("binding a listener");
            let addr = listener.local_addr().unwrap();
            let mut queued = Vec::new();
            let full = (0..8).any(|_| {
                match StdStream::connect_timeout(&addr, Duration::from_millis(200)) {
                    Ok(stream) => {
                        queued.push(stream);
                        false
                    }
                    Err(_) => true, // timed out: the queue is full
                }
            });
            assert!(full, "8 connections fit in a backlog-0 accept queue");
            let client = client().connect_timeout(Duration::from_millis(300)).build();
            let (result, elapsed) = timed(path.get(&client, format!("http://{addr}/"))).await;
            drop(listener);
            (result, elapsed, addr)
        });
        let error = result.expect_err("nobody accepts");
        assert!(
            matches!(
                error,
                Error::Timeout {
                    phase: TimeoutPhase::Connect,
                    ..
                }
            ),
            "{error:?}"
        );
        assert!(error.is_timeout());
        assert_eq!(
            error.to_string(),
            format!("connect to {addr} timed out after 300ms")
        );
        assert_within(elapsed, Duration::from_millis(300));
        eprintln!("connect timeout 300ms: fired after {elapsed:?}");
    });
}

#[test]
fn refused_connection_fails_at_once() {
    both(|path| {
        // A port that was just free: bind, read it, release it.
        let port = StdListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let (result, elapsed) = run(move || async move {
            timed(path.get(&client().build(), format!("http://127.0.0.1:{port}/x"))).await
        });
        let error = result.expect_err("nothing listens there");
        assert!(matches!(error, Error::Connect { .. }), "{error:?}");
        assert!(!error.is_timeout());
        assert_eq!(
            error.to_string(),
            format!("connect to 127.0.0.1:{port}: connection refused")
        );
        assert!(elapsed < Duration::from_secs(2), "took {elapsed:?}");
    });
}

#[test]
fn idle_timeout_names_the_phase() {
    both(|path| {
        let idle = Duration::from_millis(300);
        // (what the server sends before it stalls, the phase, the message's end)
        let cases = [
            (&b""[..], ParsePhase::Waiting, "waiting for the response"),
            (
                b"HTTP/1.1 2",
                ParsePhase::StatusLine,
                "reading the status line",
            ),
            (
                b"HTTP/1.1 200 OK\r\nContent-Type: te",
                ParsePhase::Headers,
                "reading headers",
            ),
            (
                b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc",
                ParsePhase::Body,
                "reading the body",
            ),
        ];
        let scripts: Vec<Vec<Step>> = cases
            .iter()
            .map(|(sent, ..)| vec![Step::write(sent), Step::Hold])
            .collect();
        let server = util::case_server(scripts);
        let authority = format!("127.0.0.1:{}", server.port());
        let base = server.url("/case/");
        // Concurrently: four idle timeouts in the time of one.
        let results = run(move || async move {
            let client = client().idle_timeout(idle).build();
            let tasks: Vec<_> = (0..4)
                .map(|i| {
                    let (client, url) = (client.clone(), format!("{base}{i}"));
                    runtime::spawn(async move { timed(path.get(&client, url)).await })
                })
                .collect();
            runtime::join_all(tasks).await
        });
        for (i, joined) in results.into_iter().enumerate() {
            let (result, elapsed) = joined.expect("the task ran");
            let (_, phase, doing) = cases[i];
            let error = result.expect_err("the server stalls");
            match &error {
                Error::Timeout {
                    phase: TimeoutPhase::Idle(got),
                    after,
                    ..
                } => assert_eq!((*got, *after), (phase, idle), "case {i}"),
                other => panic!("case {i}: expected an idle timeout, got {other:?}"),
            }
            assert_eq!(
                error.to_string(),
                format!("no data from {authority} for 300ms while {doing}")
            );
            assert_within(elapsed, idle);
            eprintln!("idle timeout while {doing}: fired after {elapsed:?}");
        }
    });
}

#[test]
fn a_trickling_server_cannot_outlast_the_total_timeout() {
    both(|path| {
        // One byte every 50 ms keeps the 1 s idle timeout from ever firing;
        // only the 500 ms total deadline can end these requests.
        let delay = Duration::from_millis(50);
        let server = ScriptedServer::start(2, move |request| {
            let head = if request.target() == "/in-headers" {
                "HTTP/1.0 200 OK\r\nX-Slow: "
            } else {
                "HTTP/1.0 200 OK\r\n\r\n"
            };
            vec![
                Step::write(head),
                Step::TrickleForever { byte: b'a', delay },
            ]
        });
        let authority = format!("127.0.0.1:{}", server.port());
        let urls = [server.url("/in-body"), server.url("/in-headers")];
        let total = Duration::from_millis(500);
        let results = run(move || async move {
            let client = client()
                .idle_timeout(Duration::from_secs(1))
                .total_timeout(total)
                .build();
            let mut results = Vec::new();
            for url in urls {
                results.push(timed(path.get(&client, url)).await);
            }
            results
        });
        for (result, elapsed) in results {
            let error = result.expect_err("the trickle never ends");
            assert!(
                matches!(
                    error,
                    Error::Timeout {
                        phase: TimeoutPhase::Total,
                        ..
                    }
                ),
                "{error:?}"
            );
            assert_eq!(
                error.to_string(),
                format!("no complete response from {authority} within 500ms")
            );
            assert_within(elapsed, total);
            eprintln!("total timeout 500ms against a trickler: fired after {elapsed:?}");
        }
        let seen = server.finish(Duration::from_secs(5));
        assert!(seen.iter().all(|s| s.written > 3), "the server did trickle");
    });
}

#[test]
fn endless_interim_responses_are_ended_by_the_total_timeout() {
    both(|path| {
        // Each `100 Continue` is a complete, valid head within every limit, so
        // only the total deadline can end a server that never stops sending them.
        let interim = b"HTTP/1.1 100 Continue\r\n\r\n".repeat(2048);
        let server = ScriptedServer::once(vec![Step::Flood(interim)]);
        let authority = format!("127.0.0.1:{}", server.port());
        let url = server.url("/");
        let total = Duration::from_millis(500);
        let (result, elapsed) = run(move || async move {
            timed(path.get(&client().total_timeout(total).build(), url)).await
        });
        eprintln!("endless 100 Continue, total timeout 500ms: {result:?} after {elapsed:?}");
        let error = result.expect_err("the interim responses never end");
        assert_eq!(
            error.to_string(),
            format!("no complete response from {authority} within 500ms")
        );
        assert_within(elapsed, total);
    });
}

#[test]
fn a_server_that_reads_nothing_stalls_the_send() {
    both(|path| {
        // The server never reads: once the socket buffers are full, a 32 MiB
        // body cannot make progress, and the idle timeout ends the send.
        let server = ScriptedServer::unread(vec![Step::Sleep(Duration::from_secs(20))]);
        let authority = format!("127.0.0.1:{}", server.port());
        let url = Url::parse(&server.url("/upload")).unwrap();
        let idle = Duration::from_millis(300);
        let (result, elapsed) = run(move || async move {
            let request = Request::new(http_client::Method::PUT, url).body(vec![0; 32 << 20]);
            timed(path.send(&client().idle_timeout(idle).build(), request)).await
        });
        let error = result.expect_err("the body cannot be sent");
        assert!(
            matches!(
                error,
                Error::Timeout {
                    phase: TimeoutPhase::Send,
                    ..
                }
            ),
            "{error:?}"
        );
        assert_eq!(
            error.to_string(),
            format!("sending the request to {authority} made no progress for 300ms")
        );
        assert_within(elapsed, idle);
    });
}

#[test]
fn disabled_deadlines_wait_without_overflowing() {
    both(|path| {
        // `Duration::MAX` means "no deadline": it must not overflow an `Instant`.
        let server = ScriptedServer::once(vec![
            Step::Sleep(Duration::from_millis(100)),
            Step::write("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"),
        ]);
        let url = server.url("/");
        let result = run(move || async move {
            let client = http_client::Client::builder()
                .connect_timeout(Duration::MAX)
                .idle_timeout(Duration::MAX)
                .total_timeout(Duration::MAX)
                .build();
            // The test bounds what the client no longer does.
            runtime::time::timeout(Duration::from_secs(10), path.get(&client, url)).await
        });
        let response = result.expect("finished in time").expect("a response");
        assert_eq!(response.body(), b"ok");
    });
}

/// A deadline of `limit` fired: never early, and not much late.
#[track_caller]
fn assert_within(elapsed: Duration, limit: Duration) {
    assert!(elapsed >= limit, "fired early: {elapsed:?} < {limit:?}");
    assert!(
        elapsed < limit + LATE,
        "fired late: {elapsed:?} for {limit:?}"
    );
}

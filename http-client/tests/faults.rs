//! Every way a server can fail the client, all at once, beside good fetches:
//! a scripted std-thread server for each fault (accepts and never answers,
//! stalls inside the headers, trickles a byte at a time, resets mid-body,
//! closes mid-headers and mid-body, sends an endless body or an endless
//! header section, accepts and closes at once), a refused port and a
//! listener whose accept queue is full, fired together with two waves of
//! good fetches from a well-behaved server.
//!
//! Each fault must end in its own error within its own deadline (near the
//! deadline for a timeout, well before any deadline for a failure the bytes
//! already decide), every good fetch must complete correctly and promptly
//! (the faulty connections cost it nothing), and afterwards the runtime's
//! sources, timers and tasks and the process's descriptors are back where
//! they started.
//!
//! Every test runs twice: reading bodies whole, then chunk by chunk.
//!
//! This binary counts `/proc/self/fd`, so its tests run one at a time.
//! Run with `--nocapture` to see the table of outcomes.

mod util;

use std::net::SocketAddr;
use std::time::Duration;

use http_client::{Client, Error, IoPhase, ParseError, ParsePhase, TimeoutPhase};
use util::sockets::{exclusive, full_backlog_listener, open_fds};
use util::{Fetched, ScriptedServer, Step, both, case_server, pseudo_random, timed, watchdog};

/// The client's deadlines. The immediate failures below must come well
/// before the shortest of them, so that waiting for one would show.
const CONNECT: Duration = Duration::from_millis(1500);
const IDLE: Duration = Duration::from_millis(1500);
const TOTAL: Duration = Duration::from_secs(3);
/// The client's limits.
const MAX_HEADER_BYTES: usize = 8 * 1024;
const MAX_BODY_BYTES: u64 = 256 * 1024;

/// A failure decided by bytes already received (or by the kernel) comes
/// within this, which is shorter than any deadline.
const AT_ONCE: Duration = Duration::from_secs(1);
/// Slack allowed past a deadline on a loaded machine.
const LATE: Duration = Duration::from_millis(1500);
/// A good fetch (a 40-70 KiB body from loopback) completes within this of
/// its start, faults or not; shorter than any deadline of the faults.
const GOOD_WITHIN: Duration = Duration::from_secs(1);
/// Good fetches per wave; the second wave starts while the faults stall.
const GOOD_PER_WAVE: usize = 8;
/// The whole test, under its watchdog.
const TEST_LIMIT: Duration = Duration::from_secs(60);

/// Where a fault's request goes.
enum Target {
    /// A connection of the scripted fault server (which reads the request
    /// first) playing these steps.
    Script(Vec<Step>),
    /// A server that plays these steps without reading the request.
    Unread(Vec<Step>),
    /// A port nothing listens on.
    Refused,
    /// A listener whose accept queue is full.
    FullBacklog,
}

/// When a fault's error must come.
#[derive(Debug, Clone, Copy)]
enum Timing {
    /// Well before any deadline.
    AtOnce,
    /// At this deadline: never before it, not much after.
    Deadline(Duration),
}

/// One fault: what the server does and the error the client must return.
struct Fault {
    name: &'static str,
    target: Target,
    timing: Timing,
    /// The error variant expected, for the table.
    expected: &'static str,
    /// Whether an error is the expected one (variant, phase, limit).
    check: fn(&Error) -> bool,
    /// The exact message, after `{authority}` is filled in; `None` where the
    /// kernel may decide between two outcomes.
    message: Option<&'static str>,
}

fn faults() -> Vec<Fault> {
    let body_of_1000 = |sent: usize| {
        let mut bytes = b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n".to_vec();
        bytes.extend(std::iter::repeat_n(b'b', sent));
        bytes
    };
    let chunk = [b"4000\r\n".to_vec(), vec![b'c'; 0x4000], b"\r\n".to_vec()].concat();
    vec![
        Fault {
            name: "accepts, reads the request, never answers",
            target: Target::Script(vec![Step::Hold]),
            timing: Timing::Deadline(IDLE),
            expected: "Timeout Idle(Waiting)",
            check: |e| is_timeout(e, TimeoutPhase::Idle(ParsePhase::Waiting)),
            message: Some("no data from {authority} for 1.5s while waiting for the response"),
        },
        Fault {
            name: "answers part of the headers, then stalls",
            target: Target::Script(vec![
                Step::write("HTTP/1.1 200 OK\r\nContent-Type: text/pl"),
                Step::Hold,
            ]),
            timing: Timing::Deadline(IDLE),
            expected: "Timeout Idle(Headers)",
            check: |e| is_timeout(e, TimeoutPhase::Idle(ParsePhase::Headers)),
            message: Some("no data from {authority} for 1.5s while reading headers"),
        },
        Fault {
            name: "trickles the headers a byte every 50 ms",
            target: Target::Script(vec![
                Step::write("HTTP/1.1 200 OK\r\nX-Slow: "),
                Step::TrickleForever {
                    byte: b'a',
                    delay: Duration::from_millis(50),
                },
            ]),
            timing: Timing::Deadline(TOTAL),
            expected: "Timeout Total",
            check: |e| is_timeout(e, TimeoutPhase::Total),
            message: Some("no complete response from {authority} within 3s"),
        },
        Fault {
            name: "resets mid-body (SO_LINGER 0)",
            target: Target::Script(vec![
                Step::Write(body_of_1000(100)),
                Step::Sleep(Duration::from_millis(50)),
                Step::Abort,
            ]),
            timing: Timing::AtOnce,
            expected: "Io Receiving (reset)",
            check: |e| {
                matches!(e, Error::Io { phase: IoPhase::Receiving, source, .. }
                    if source.kind() == std::io::ErrorKind::ConnectionReset)
            },
            message: Some("reading response from {authority}: connection reset by peer"),
        },
        Fault {
            name: "closes mid-headers",
            target: Target::Script(vec![
                Step::write("HTTP/1.1 200 OK\r\nServer: fau"),
                Step::Close,
            ]),
            timing: Timing::AtOnce,
            expected: "Response ClosedInHeaders",
            check: |e| is_parse_error(e, &ParseError::ClosedInHeaders),
            message: Some("bad response from {authority}: connection closed while reading headers"),
        },
        Fault {
            name: "closes mid-body",
            target: Target::Script(vec![Step::Write(body_of_1000(100)), Step::Close]),
            timing: Timing::AtOnce,
            expected: "Response Truncated",
            check: |e| {
                is_parse_error(
                    e,
                    &ParseError::Truncated {
                        expected: 1000,
                        received: 100,
                    },
                )
            },
            message: Some("bad response from {authority}: body truncated: got 100 of 1000 bytes"),
        },
        Fault {
            name: "endless close-delimited body",
            target: Target::Script(vec![
                Step::write("HTTP/1.0 200 OK\r\n\r\n"),
                Step::Flood(vec![b'e'; 16 * 1024]),
            ]),
            timing: Timing::AtOnce,
            expected: "Response BodyTooLarge",
            check: |e| {
                is_parse_error(
                    e,
                    &ParseError::BodyTooLarge {
                        limit: MAX_BODY_BYTES,
                    },
                )
            },
            message: Some("bad response from {authority}: body exceeds the 256 KiB limit"),
        },
        Fault {
            name: "endless chunked body",
            target: Target::Script(vec![
                Step::write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"),
                Step::Flood(chunk),
            ]),
            timing: Timing::AtOnce,
            expected: "Response BodyTooLarge",
            check: |e| {
                is_parse_error(
                    e,
                    &ParseError::BodyTooLarge {
                        limit: MAX_BODY_BYTES,
                    },
                )
            },
            message: Some("bad response from {authority}: body exceeds the 256 KiB limit"),
        },
        Fault {
            name: "endless header section",
            target: Target::Script(vec![
                Step::write("HTTP/1.1 200 OK\r\n"),
                Step::Flood(b"X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n".to_vec()),
            ]),
            timing: Timing::AtOnce,
            expected: "Response HeadersTooLarge",
            check: |e| {
                is_parse_error(
                    e,
                    &ParseError::HeadersTooLarge {
                        limit: MAX_HEADER_BYTES,
                    },
                )
            },
            message: Some("bad response from {authority}: header section exceeds the 8 KiB limit"),
        },
        Fault {
            name: "accepts, reads the request, closes at once",
            target: Target::Script(vec![Step::Close]),
            timing: Timing::AtOnce,
            expected: "Response EmptyResponse",
            check: |e| is_parse_error(e, &ParseError::EmptyResponse),
            message: Some(
                "bad response from {authority}: empty response: the server closed the \
                 connection without sending anything",
            ),
        },
        Fault {
            name: "accepts and closes at once, request unread",
            target: Target::Unread(vec![Step::Close]),
            timing: Timing::AtOnce,
            // The kernel decides: a FIN read first is an empty response; the
            // RST for the unread (or late) request is a reset or broken pipe.
            expected: "EmptyResponse or Io (reset)",
            check: |e| match e {
                Error::Response { source, .. } => *source == ParseError::EmptyResponse,
                Error::Io { source, .. } => matches!(
                    source.kind(),
                    std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::BrokenPipe
                ),
                _ => false,
            },
            message: None,
        },
        Fault {
            name: "connection refused",
            target: Target::Refused,
            timing: Timing::AtOnce,
            expected: "Connect (refused)",
            check: |e| {
                matches!(e, Error::Connect { source, .. }
                    if source.kind() == std::io::ErrorKind::ConnectionRefused)
            },
            message: Some("connect to {authority}: connection refused"),
        },
        Fault {
            name: "accept queue full (SYN dropped)",
            target: Target::FullBacklog,
            timing: Timing::Deadline(CONNECT),
            expected: "Timeout Connect",
            check: |e| is_timeout(e, TimeoutPhase::Connect),
            message: Some("connect to {authority} timed out after 1.5s"),
        },
    ]
}

fn is_timeout(error: &Error, want: TimeoutPhase) -> bool {
    matches!(error, Error::Timeout { phase, .. } if *phase == want)
}

fn is_parse_error(error: &Error, want: &ParseError) -> bool {
    matches!(error, Error::Response { source, .. } if source == want)
}

fn client() -> Client {
    Client::builder()
        .connect_timeout(CONNECT)
        .idle_timeout(IDLE)
        .total_timeout(TOTAL)
        .max_header_bytes(MAX_HEADER_BYTES)
        .max_body_bytes(MAX_BODY_BYTES)
        .max_redirects(0)
        .build()
}

/// The good server: `/good/{i}` gets [`good_body`]`(i)`, framed by
/// `Content-Length`, chunked or by closing, in turn.
fn good_server(connections: usize) -> ScriptedServer {
    ScriptedServer::start(connections, |request| {
        let i: u64 = match request.target().strip_prefix("/good/") {
            Some(i) => i.parse().unwrap_or(0),
            None => return vec![Step::Close],
        };
        let body = good_body(i);
        let wire = match i % 3 {
            0 => {
                let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len());
                [head.into_bytes(), body].concat()
            }
            1 => {
                let mut wire = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
                for chunk in body.chunks(5000) {
                    wire.extend(format!("{:x}\r\n", chunk.len()).bytes());
                    wire.extend(chunk);
                    wire.extend(b"\r\n");
                }
                wire.extend(b"0\r\n\r\n");
                wire
            }
            _ => [b"HTTP/1.0 200 OK\r\n\r\n".to_vec(), body].concat(),
        };
        vec![Step::Write(wire)]
    })
}

fn good_body(i: u64) -> Vec<u8> {
    pseudo_random(40 * 1024 + 3000 * i as usize, i + 1)
}

/// A port on 127.0.0.1 that nothing listens on (it was free a moment ago).
fn refused_addr() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("binding 127.0.0.1:0");
    listener.local_addr().unwrap()
}

/// What one fault's fetch gave.
struct Outcome {
    result: http_client::Result<Fetched>,
    elapsed: Duration,
    authority: String,
}

#[test]
fn every_fault_at_once_beside_good_fetches_ends_in_its_error_and_leaks_nothing() {
    both(|path| {
        let _serial = exclusive();
        let fds_before = open_fds();
        let (outcomes, good) = watchdog(TEST_LIMIT, move || {
            let faults = faults();
            let scripts: Vec<Vec<Step>> = faults
                .iter()
                .map(|f| match &f.target {
                    Target::Script(steps) => steps.clone(),
                    _ => Vec::new(), // unused: no request is sent for this case
                })
                .collect();
            let unread_steps = faults
                .iter()
                .find_map(|f| match &f.target {
                    Target::Unread(steps) => Some(steps.clone()),
                    _ => None,
                })
                .expect("an unread case");
            // One connection slot per case; the slots of the cases that go
            // elsewhere stay unused, which stopping the server tolerates.
            let fault_server = case_server(scripts);
            let unread_server = ScriptedServer::unread(unread_steps);
            let good_server = good_server(2 * GOOD_PER_WAVE);
            let refused = refused_addr();

            let rt = runtime::Runtime::new().expect("a runtime");
            let (outcomes, good) = rt.block_on(async {
                let before = runtime::stats();
                let (backlog, queued) = full_backlog_listener();
                let backlog_addr = backlog.local_addr().unwrap();
                let client = client();
                let urls: Vec<String> = faults
                    .iter()
                    .enumerate()
                    .map(|(i, f)| match f.target {
                        Target::Script(_) => fault_server.url(&format!("/case/{i}")),
                        Target::Unread(_) => unread_server.url("/"),
                        Target::Refused => format!("http://{refused}/"),
                        Target::FullBacklog => format!("http://{backlog_addr}/"),
                    })
                    .collect();
                let fetch = |url: String| {
                    let client = client.clone();
                    runtime::spawn(async move { timed(path.get(&client, url)).await })
                };
                let good_url = |i: usize| good_server.url(&format!("/good/{i}"));

                // Everything at once: the faults and the first wave of good
                // fetches; the second wave while the faults stall.
                let fault_tasks: Vec<_> = urls.iter().cloned().map(fetch).collect();
                let wave1: Vec<_> = (0..GOOD_PER_WAVE).map(|i| fetch(good_url(i))).collect();
                runtime::time::sleep(IDLE / 2).await;
                assert!(
                    fault_tasks.iter().any(|t| !t.is_finished()),
                    "the second wave must run while faults are pending"
                );
                let wave2: Vec<_> = (GOOD_PER_WAVE..2 * GOOD_PER_WAVE)
                    .map(|i| fetch(good_url(i)))
                    .collect();

                let good = runtime::join_all(wave1.into_iter().chain(wave2)).await;
                let faulted = runtime::join_all(fault_tasks).await;
                drop((backlog, queued));
                // The client's pool may hold idle connections (and its
                // reaper task) while the client lives: they go with it.
                drop(client);
                runtime::yield_now().await; // the reaper sees the pool gone

                let after = runtime::stats();
                assert_eq!(after.tasks, before.tasks, "tasks leaked");
                assert_eq!(after.sources, before.sources, "reactor sources leaked");
                assert_eq!(after.timers, before.timers, "timers leaked");
                let outcomes: Vec<Outcome> = faulted
                    .into_iter()
                    .zip(&urls)
                    .map(|(joined, url)| {
                        let (result, elapsed) = joined.expect("the fetch task ran");
                        let authority = http_client::Url::parse(url).unwrap().authority();
                        Outcome {
                            result,
                            elapsed,
                            authority,
                        }
                    })
                    .collect();
                let good: Vec<_> = good
                    .into_iter()
                    .map(|joined| joined.expect("the fetch task ran"))
                    .collect();
                (outcomes, good)
            });
            drop(rt);
            // Every script has ended by now (the client hung up on each); stop
            // and join the servers' threads, closing their sockets.
            for server in [fault_server, unread_server, good_server] {
                server.finish(Duration::from_secs(5));
            }
            (outcomes, good)
        });

        print_table(&outcomes);
        let faults = faults();
        for (fault, outcome) in faults.iter().zip(&outcomes) {
            let name = fault.name;
            let error = match &outcome.result {
                Ok(response) => panic!("{name}: expected an error, got {response:?}"),
                Err(error) => error,
            };
            assert!(
                (fault.check)(error),
                "{name}: expected {}, got {error:?}",
                fault.expected
            );
            if let Some(message) = fault.message {
                let want = message.replace("{authority}", &outcome.authority);
                assert_eq!(error.to_string(), want, "{name}");
            }
            let elapsed = outcome.elapsed;
            match fault.timing {
                Timing::AtOnce => assert!(elapsed < AT_ONCE, "{name}: took {elapsed:?}"),
                Timing::Deadline(limit) => {
                    assert!(
                        elapsed >= limit,
                        "{name}: fired early: {elapsed:?} < {limit:?}"
                    );
                    assert!(elapsed < limit + LATE, "{name}: fired late: {elapsed:?}");
                }
            }
        }
        for (i, (result, elapsed)) in good.iter().enumerate() {
            let response = result
                .as_ref()
                .unwrap_or_else(|e| panic!("good fetch {i} failed: {e}"));
            assert_eq!(response.status(), 200, "good fetch {i}");
            assert!(
                response.body() == good_body(i as u64),
                "good fetch {i}: wrong body ({} bytes)",
                response.body().len()
            );
            assert!(
                *elapsed < GOOD_WITHIN,
                "good fetch {i} took {elapsed:?} beside the faults"
            );
        }
        let slowest = good.iter().map(|(_, elapsed)| *elapsed).max().unwrap();
        println!(
            "{} good fetches beside the faults: all complete and correct, the slowest in {slowest:?}",
            good.len()
        );
        assert_eq!(open_fds(), fds_before, "descriptors leaked");
    });
}

#[test]
fn connect_faults_fail_at_once_or_at_the_connect_deadline_and_leak_nothing() {
    both(|path| {
        let _serial = exclusive();
        let fds_before = open_fds();
        let (refused, full) = watchdog(TEST_LIMIT, move || {
            let refused = refused_addr();
            let rt = runtime::Runtime::new().expect("a runtime");
            let results = rt.block_on(async {
                let before = runtime::stats();
                let (backlog, queued) = full_backlog_listener();
                let backlog_addr = backlog.local_addr().unwrap();
                let client = client();
                let refused = timed(path.get(&client, format!("http://{refused}/"))).await;
                let full = timed(path.get(&client, format!("http://{backlog_addr}/"))).await;
                drop((backlog, queued));
                let after = runtime::stats();
                assert_eq!(after.tasks, before.tasks, "tasks leaked");
                assert_eq!(after.sources, before.sources, "reactor sources leaked");
                assert_eq!(after.timers, before.timers, "timers leaked");
                (refused, full)
            });
            drop(rt);
            results
        });
        let (result, elapsed) = refused;
        let error = result.expect_err("nothing listens there");
        println!("connection refused: {error} after {elapsed:?}");
        assert!(
            matches!(&error, Error::Connect { source, .. }
            if source.kind() == std::io::ErrorKind::ConnectionRefused),
            "{error:?}"
        );
        assert!(elapsed < AT_ONCE, "a refused connect took {elapsed:?}");

        let (result, elapsed) = full;
        let error = result.expect_err("nobody accepts");
        println!("full accept queue: {error} after {elapsed:?}");
        assert!(is_timeout(&error, TimeoutPhase::Connect), "{error:?}");
        assert!(elapsed >= CONNECT, "fired early: {elapsed:?}");
        assert!(elapsed < CONNECT + LATE, "fired late: {elapsed:?}");
        assert_eq!(open_fds(), fds_before, "descriptors leaked");
    });
}

fn print_table(outcomes: &[Outcome]) {
    let faults = faults();
    println!();
    println!(
        "| fault | expected | outcome (error message) | time | deadline |\n| --- | --- | --- | ---: | ---: |"
    );
    for (fault, outcome) in faults.iter().zip(outcomes) {
        let message = match &outcome.result {
            Ok(response) => format!("(no error: status {})", response.status()),
            Err(error) => error.to_string(),
        };
        let deadline = match fault.timing {
            Timing::AtOnce => "none".to_owned(),
            Timing::Deadline(limit) => format!("{limit:?}"),
        };
        let ms = outcome.elapsed.as_secs_f64() * 1000.0;
        println!(
            "| {} | {} | {message} | {ms:.1} ms | {deadline} |",
            fault.name, fault.expected
        );
    }
    println!();
}

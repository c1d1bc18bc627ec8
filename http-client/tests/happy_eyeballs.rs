//! Happy Eyeballs (RFC 8305) as a user on a dual-stack host meets it: a
//! name with an IPv6 and an IPv4 address, where the IPv6 path drops
//! packets, must not cost the whole connect timeout; a name whose every
//! address refuses must fail at once, saying what each address said; and
//! a slow first address must still win when the second refuses.
//!
//! "Drops packets" is a listener whose accept queue is full: the kernel
//! drops the SYNs of further connects, which then hang in `SYN_SENT` as
//! they would on a broken network (`util::sockets::full_backlog_listener_on`).
//! The name is given to the client with `ClientBuilder::resolve_to_addrs`,
//! so the order of the addresses is the test's, not the system resolver's.
//! Since the URL's port is used for every address, each test binds its
//! addresses on one port.
//!
//! The IPv6 tests need `::1`; without it they say so and pass. The same
//! race on two IPv4 loopback addresses runs everywhere.

mod util;

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener};
use std::time::Duration;

use http_client::Error;
use runtime::net::TcpListener as RuntimeListener;
use util::sockets::{SYN_SENT, full_backlog_listener_on, tcp_table, tcp6_table};
use util::{ScriptedServer, Step, client, run, timed};

const V6: IpAddr = IpAddr::V6(Ipv6Addr::LOCALHOST);
const V4: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
const V4_OTHER: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));
const NAME: &str = "dual.test";
const OK: &str = "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok";

/// Whether `::1` can be bound here; says so on stderr when it cannot.
fn ipv6_loopback() -> bool {
    match TcpListener::bind((Ipv6Addr::LOCALHOST, 0)) {
        Ok(_) => true,
        Err(error) => {
            eprintln!("skipped: ::1 is not available here ({error})");
            false
        }
    }
}

/// A listener on `dead` whose full accept queue drops SYNs, and a server
/// answering `OK` on `live`, on one port; retried if the port is taken on
/// `live`. Call inside a runtime; keep all three alive.
fn dead_and_live(
    dead: IpAddr,
    live: IpAddr,
) -> (RuntimeListener, Vec<std::net::TcpStream>, ScriptedServer) {
    for _ in 0..10 {
        let (listener, queued) = full_backlog_listener_on(SocketAddr::new(dead, 0))
            .unwrap_or_else(|e| panic!("binding {dead}: {e}"));
        let port = listener.local_addr().unwrap().port();
        let script = |_: &_| vec![Step::write(OK)];
        if let Ok(server) = ScriptedServer::bind(SocketAddr::new(live, port), 1, true, script) {
            return (listener, queued, server);
        }
    }
    panic!("no port free on both {dead} and {live}");
}

/// A port on which nothing listens on any of `ips` (a moment ago).
fn refusing_port(ips: &[IpAddr]) -> u16 {
    for _ in 0..10 {
        let port = TcpListener::bind((ips[0], 0))
            .and_then(|l| l.local_addr())
            .expect("binding port 0")
            .port();
        if ips.iter().all(|&ip| TcpListener::bind((ip, port)).is_ok()) {
            return port; // every listener above is closed again
        }
    }
    panic!("no port free on all of {ips:?}");
}

/// Sockets of this network namespace still trying to reach `addr`.
fn syn_sent_to(addr: SocketAddr) -> usize {
    let table = if addr.is_ipv6() {
        tcp6_table()
    } else {
        tcp_table()
    };
    table
        .iter()
        .filter(|entry| entry.remote == addr && entry.state == SYN_SENT)
        .count()
}

/// A dead first address costs the Connection Attempt Delay, not the
/// connect timeout; the attempt to it is closed once the second wins.
fn dead_first_address_loses(dead: IpAddr, live: IpAddr) {
    run(move || async move {
        let (listener, _queued, server) = dead_and_live(dead, live);
        let port = server.port();
        let dead_addr = SocketAddr::new(dead, port);
        let client = client()
            .connect_timeout(Duration::from_secs(5))
            .resolve_to_addrs(NAME, &[dead_addr, SocketAddr::new(live, port)])
            .build();
        let (result, took) = timed(client.get(format!("http://{NAME}:{port}/"))).await;
        let response = result.expect("the live address answers");
        assert_eq!(response.text().unwrap(), "ok");
        assert!(
            took >= Duration::from_millis(250),
            "the second attempt started before the delay: {took:?}"
        );
        assert!(
            took < Duration::from_secs(1),
            "the dead address held the connect: {took:?}"
        );
        assert_eq!(syn_sent_to(dead_addr), 0, "the losing attempt is closed");
        let seen = server.finish(Duration::from_secs(2));
        let head = String::from_utf8_lossy(seen[0].request.head()).into_owned();
        assert!(head.contains(&format!("Host: {NAME}:{port}\r\n")), "{head}");
        drop(listener);
    });
}

#[test]
fn an_ipv6_address_that_drops_syns_loses_to_ipv4_within_a_second() {
    if ipv6_loopback() {
        dead_first_address_loses(V6, V4);
    }
}

#[test]
fn a_dead_first_ipv4_address_loses_to_the_second_within_a_second() {
    dead_first_address_loses(V4, V4_OTHER);
}

/// The two ends of `happy_eyeballs_delay`: `ZERO` starts every attempt at
/// once (the live second address wins well before the default 250 ms),
/// `Duration::MAX` one at a time (the dead first address holds the whole
/// connect timeout, and the race fails).
#[test]
fn a_zero_delay_races_every_address_at_once_and_max_tries_one_at_a_time() {
    run(|| async {
        let (listener, _queued, server) = dead_and_live(V4, V4_OTHER);
        let port = server.port();
        let addrs = [SocketAddr::new(V4, port), SocketAddr::new(V4_OTHER, port)];
        let url = format!("http://{NAME}:{port}/");
        let at_once = client()
            .happy_eyeballs_delay(Duration::ZERO)
            .resolve_to_addrs(NAME, &addrs)
            .build();
        let (result, took) = timed(at_once.get(&url)).await;
        assert_eq!(
            result.expect("the live address answers").text().unwrap(),
            "ok"
        );
        assert!(
            took < Duration::from_millis(200),
            "not started at once: {took:?}"
        );

        let one_at_a_time = client()
            .happy_eyeballs_delay(Duration::MAX)
            .connect_timeout(Duration::from_millis(400))
            .resolve_to_addrs(NAME, &addrs)
            .build();
        let (result, took) = timed(one_at_a_time.get(&url)).await;
        let error = result.expect_err("the dead address holds the race");
        assert!(error.to_string().contains("timed out"), "{error}");
        assert!(took >= Duration::from_millis(400), "{took:?}");
        drop(listener);
    });
}

#[test]
fn the_connect_timeout_bounds_the_whole_race() {
    run(|| async {
        // Both addresses drop SYNs, on one port.
        let (first, _queued_first, second, _queued_second) = loop {
            let (first, queued) = full_backlog_listener_on(SocketAddr::new(V4, 0)).unwrap();
            let port = first.local_addr().unwrap().port();
            if let Ok((second, more)) = full_backlog_listener_on(SocketAddr::new(V4_OTHER, port)) {
                break (first, queued, second, more);
            }
        };
        let port = first.local_addr().unwrap().port();
        let limit = Duration::from_millis(600);
        let client = client()
            .connect_timeout(limit)
            .resolve_to_addrs(
                NAME,
                &[SocketAddr::new(V4, 0), SocketAddr::new(V4_OTHER, 0)],
            )
            .build();
        let (result, took) = timed(client.get(format!("http://{NAME}:{port}/"))).await;
        let error = result.expect_err("nothing answers");
        assert!(
            matches!(
                error,
                Error::Timeout {
                    phase: http_client::TimeoutPhase::Connect,
                    ..
                }
            ),
            "{error:?}"
        );
        assert_eq!(
            error.to_string(),
            format!("connect to {NAME}:{port} timed out after 600ms")
        );
        assert!(took >= limit, "early: {took:?}");
        assert!(took < limit + Duration::from_secs(1), "late: {took:?}");
        for ip in [V4, V4_OTHER] {
            assert_eq!(
                syn_sent_to(SocketAddr::new(ip, port)),
                0,
                "an attempt to {ip} lives on"
            );
        }
        drop((first, second));
    });
}

#[test]
fn refused_on_both_families_fails_at_once_with_both_errors() {
    if !ipv6_loopback() {
        return;
    }
    let port = refusing_port(&[V6, V4]);
    let (result, took) = run(move || async move {
        let client = client()
            .resolve_to_addrs(NAME, &[SocketAddr::new(V6, 0), SocketAddr::new(V4, 0)])
            .build();
        timed(client.get(format!("http://{NAME}:{port}/"))).await
    });
    let error = result.expect_err("nothing listens");
    assert!(
        took < Duration::from_millis(250),
        "a refusal starts the next attempt at once: {took:?}"
    );
    let Error::AllAddressesFailed {
        authority,
        attempts,
    } = &error
    else {
        panic!("{error:?}");
    };
    assert_eq!(authority, &format!("{NAME}:{port}"));
    let tried: Vec<(SocketAddr, io::ErrorKind)> =
        attempts.iter().map(|(a, e)| (*a, e.kind())).collect();
    assert_eq!(
        tried,
        [
            (SocketAddr::new(V6, port), io::ErrorKind::ConnectionRefused),
            (SocketAddr::new(V4, port), io::ErrorKind::ConnectionRefused),
        ]
    );
    assert!(error.is_connect() && !error.is_timeout());
    assert_eq!(
        error.to_string(),
        format!(
            "connect to {NAME}:{port} failed on every address: \
             [::1]:{port}: connection refused; 127.0.0.1:{port}: connection refused"
        )
    );
}

#[test]
fn one_refusing_address_keeps_the_single_address_message() {
    let port = refusing_port(&[V4]);
    let error = run(move || async move {
        let client = client().resolve(NAME, SocketAddr::new(V4, 0)).build();
        client.get(format!("http://{NAME}:{port}/")).await
    })
    .expect_err("nothing listens");
    assert!(matches!(error, Error::Connect { .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        format!("connect to 127.0.0.1:{port}: connection refused")
    );
}

#[test]
fn a_slow_first_address_still_wins_if_the_second_is_refused() {
    if !ipv6_loopback() {
        return;
    }
    run(|| async {
        // [::1] drops the first SYN (its queue is full) and takes the
        // kernel's retransmission a second later, once the queue has room;
        // nothing listens on 127.0.0.1 at that port.
        let (listener, queued, port) = loop {
            let (listener, queued) = full_backlog_listener_on(SocketAddr::new(V6, 0)).unwrap();
            let port = listener.local_addr().unwrap().port();
            if TcpListener::bind((V4, port)).is_ok() {
                break (listener, queued, port);
            }
        };
        let fillers: Vec<SocketAddr> = queued.iter().map(|s| s.local_addr().unwrap()).collect();
        let serve = runtime::spawn(async move {
            runtime::time::sleep(Duration::from_millis(400)).await;
            loop {
                let (mut stream, peer) = listener.accept().await.unwrap();
                if fillers.contains(&peer) {
                    continue; // the connections that filled the queue
                }
                let _ = stream.read(&mut [0; 1024]).await;
                stream.write_all(OK.as_bytes()).await.unwrap();
                return;
            }
        });
        let client = client()
            .connect_timeout(Duration::from_secs(5))
            .resolve_to_addrs(NAME, &[SocketAddr::new(V6, 0), SocketAddr::new(V4, 0)])
            .build();
        let (result, took) = timed(client.get(format!("http://{NAME}:{port}/"))).await;
        let response = result.expect("the slow address wins");
        assert_eq!(response.text().unwrap(), "ok");
        assert!(took >= Duration::from_millis(400), "{took:?}");
        serve.await.unwrap();
        drop(queued);
    });
}

//! TCP over 127.0.0.1 (and `[::1]` when the machine has IPv6): an echo
//! server with many clients, refused connects, large transfers, half-close,
//! addresses, options, `incoming()` and name resolution. Timeouts and
//! cancellation are in `tcp_cancel.rs`.

mod util;

use std::cell::Cell;
use std::io;
use std::net::{Shutdown, SocketAddr};
use std::pin::pin;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_core::Stream;
use runtime::net::{TcpListener, TcpStream};
use runtime::time::timeout;
use util::{XorShift, watchdog};

const LOCALHOST: &str = "127.0.0.1:0";

fn any_port() -> SocketAddr {
    LOCALHOST.parse().unwrap()
}

/// Echoes everything it reads on `conn` until the peer closes its side.
async fn echo(mut conn: TcpStream) -> io::Result<u64> {
    let mut buf = vec![0; 4096];
    let mut total = 0;
    loop {
        let n = conn.read(&mut buf).await?;
        if n == 0 {
            return Ok(total);
        }
        conn.write_all(&buf[..n]).await?;
        total += n as u64;
    }
}

/// Accepts connections forever, echoing each in its own task.
async fn echo_server(listener: TcpListener) -> io::Result<()> {
    loop {
        let (conn, _) = listener.accept().await?;
        drop(runtime::spawn(echo(conn)));
    }
}

/// A listener on a fresh port with an echo server behind it; returns the
/// address and the server task (abort it to stop).
fn spawn_echo_server() -> (SocketAddr, runtime::JoinHandle<io::Result<()>>) {
    let listener = TcpListener::bind(any_port()).unwrap();
    let addr = listener.local_addr().unwrap();
    (addr, runtime::spawn(echo_server(listener)))
}

/// A loopback port with nothing listening on it.
fn closed_port() -> SocketAddr {
    let listener = std::net::TcpListener::bind(LOCALHOST).unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    addr
}

/// `len` bytes that differ per `seed`.
fn pattern(seed: u64, len: usize) -> Vec<u8> {
    let mut rng = XorShift::new(seed + 1);
    (0..len).map(|_| rng.next_u64() as u8).collect()
}

#[test]
fn echo_server_serves_a_hundred_clients() {
    const CLIENTS: u64 = 100;
    watchdog(60, || {
        runtime::block_on(async {
            let (addr, server) = spawn_echo_server();
            let clients = (0..CLIENTS).map(|i| {
                runtime::spawn(async move {
                    let data = pattern(i, 2048 + 97 * i as usize);
                    let mut conn = TcpStream::connect(addr).await?;
                    for chunk in data.chunks(1000) {
                        conn.write_all(chunk).await?;
                        runtime::yield_now().await;
                    }
                    conn.shutdown(Shutdown::Write)?;
                    let mut echoed = Vec::new();
                    conn.read_to_end(&mut echoed).await?;
                    io::Result::Ok(echoed == data)
                })
            });
            let start = Instant::now();
            let results = timeout(Duration::from_secs(30), runtime::join_all(clients))
                .await
                .expect("the clients finished");
            for (i, r) in results.into_iter().enumerate() {
                assert!(
                    r.unwrap().expect("client I/O"),
                    "client {i} got a wrong echo"
                );
            }
            println!("{CLIENTS} echo clients done in {:?}", start.elapsed());
            server.abort();
        });
    });
}

#[test]
fn connect_to_a_closed_port_is_refused_promptly() {
    watchdog(10, || {
        runtime::block_on(async {
            let addr = closed_port();
            let start = Instant::now();
            let err = TcpStream::connect(addr)
                .await
                .expect_err("a connect to a closed port succeeded");
            let took = start.elapsed();
            println!("connect to a closed port failed in {took:?}: {err}");
            assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused);
            assert!(took < Duration::from_secs(2), "took {took:?}");
            assert_eq!(runtime::stats().sources, 0, "the failed socket was closed");
        });
    });
}

#[test]
fn read_to_end_and_write_all_move_several_mib() {
    const LEN: usize = 16 << 20;
    watchdog(60, || {
        runtime::block_on(async {
            let listener = TcpListener::bind(any_port()).unwrap();
            let addr = listener.local_addr().unwrap();
            let data = Arc::new(pattern(99, LEN));
            let server = runtime::spawn(async move {
                let (mut conn, _) = listener.accept().await?;
                let mut received = Vec::new();
                let n = conn.read_to_end(&mut received).await?;
                conn.write_all(&received).await?;
                io::Result::Ok((n, received))
            });
            let mut client = TcpStream::connect(addr).await.unwrap();
            // One plain write takes what fits in the socket buffers: a
            // partial write, so `write_all` has to wait for room.
            let first = client.write(&data).await.unwrap();
            println!("a {LEN}-byte write wrote {first} bytes");
            assert!(
                first > 0 && first < LEN,
                "expected a partial write, wrote {first}"
            );
            client.write_all(&data[first..]).await.unwrap();
            client.shutdown(Shutdown::Write).unwrap();
            let mut echoed = Vec::new();
            let n = client.read_to_end(&mut echoed).await.unwrap();
            let (server_n, received) = server.await.unwrap().unwrap();
            assert_eq!((server_n, n), (LEN, LEN));
            assert!(received == *data, "the server received corrupted data");
            assert!(echoed == *data, "the client received corrupted data");

            // `read_to_end` appends to what the buffer holds.
            let mut buf = b"prefix:".to_vec();
            let (a, b) = connected_pair().await;
            let writer = runtime::spawn(async move {
                let mut b = b;
                b.write_all(b"tail").await
            });
            let mut a = a;
            assert_eq!(a.read_to_end(&mut buf).await.unwrap(), 4);
            assert_eq!(buf, b"prefix:tail");
            writer.await.unwrap().unwrap();
        });
    });
}

/// Two ends of a loopback connection.
async fn connected_pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind(any_port()).unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (server, _) = listener.accept().await.unwrap();
    (client, server)
}

#[test]
fn shutdown_write_makes_the_peer_read_eof() {
    watchdog(10, || {
        runtime::block_on(async {
            let (mut client, mut server) = connected_pair().await;
            client.write_all(b"last words").await.unwrap();
            client.shutdown(Shutdown::Write).unwrap();
            let mut got = Vec::new();
            server.read_to_end(&mut got).await.unwrap();
            assert_eq!(got, b"last words");
            let mut buf = [0; 8];
            assert_eq!(server.read(&mut buf).await.unwrap(), 0, "EOF again");
            // Half-close: the other direction still works.
            server.write_all(b"reply").await.unwrap();
            drop(server);
            let mut reply = Vec::new();
            client.read_to_end(&mut reply).await.unwrap();
            assert_eq!(reply, b"reply");
            // Writing on a shut-down half fails.
            assert_eq!(
                client.write(b"x").await.unwrap_err().kind(),
                io::ErrorKind::BrokenPipe
            );
        });
    });
}

#[test]
fn addresses_and_nodelay() {
    watchdog(10, || {
        runtime::block_on(async {
            let listener = TcpListener::bind(any_port()).unwrap();
            let addr = listener.local_addr().unwrap();
            assert!(addr.ip().is_loopback());
            assert_ne!(addr.port(), 0);
            let client = TcpStream::connect(addr).await.unwrap();
            let (server, peer) = listener.accept().await.unwrap();
            assert_eq!(client.peer_addr().unwrap(), addr);
            assert_eq!(server.local_addr().unwrap(), addr);
            assert_eq!(server.peer_addr().unwrap(), client.local_addr().unwrap());
            assert_eq!(peer, client.local_addr().unwrap());
            client.set_nodelay(true).unwrap();
            assert!(client.nodelay().unwrap());
            client.set_nodelay(false).unwrap();
            assert!(!client.nodelay().unwrap());
            let shown = format!("{client:?}");
            assert!(shown.contains(&addr.to_string()), "{shown}");
        });
    });
}

#[test]
fn incoming_yields_each_connection() {
    watchdog(10, || {
        runtime::block_on(async {
            let listener = TcpListener::bind(any_port()).unwrap();
            let addr = listener.local_addr().unwrap();
            let clients = runtime::spawn(async move {
                let mut conns = Vec::new();
                for _ in 0..3 {
                    conns.push(TcpStream::connect(addr).await?);
                }
                io::Result::Ok(conns)
            });
            let mut incoming = pin!(listener.incoming());
            let mut peers = Vec::new();
            for _ in 0..3 {
                let next = runtime::poll_fn(|cx| incoming.as_mut().poll_next(cx)).await;
                let conn = next.expect("incoming never ends").expect("accept");
                peers.push(conn.peer_addr().unwrap());
            }
            let conns = clients.await.unwrap().unwrap();
            let mut locals: Vec<_> = conns.iter().map(|c| c.local_addr().unwrap()).collect();
            locals.sort();
            peers.sort();
            assert_eq!(peers, locals);
        });
    });
}

#[test]
fn lookup_host_resolves_localhost_and_literals() {
    watchdog(20, || {
        runtime::block_on(async {
            let addrs = runtime::net::lookup_host("localhost:80").await.unwrap();
            println!("localhost:80 resolves to {addrs:?}");
            assert!(!addrs.is_empty());
            assert!(addrs.iter().all(|a| a.ip().is_loopback() && a.port() == 80));

            let literal = runtime::net::lookup_host("127.0.0.1:8080").await.unwrap();
            assert_eq!(literal, ["127.0.0.1:8080".parse::<SocketAddr>().unwrap()]);
            let v6 = runtime::net::lookup_host("[::1]:8080").await.unwrap();
            assert_eq!(v6, ["[::1]:8080".parse::<SocketAddr>().unwrap()]);

            let err = runtime::net::lookup_host("no port here").await.unwrap_err();
            println!("resolving a name without a port: {err}");
        });
    });
}

#[test]
fn connect_host_connects_by_name() {
    watchdog(20, || {
        runtime::block_on(async {
            let (addr, server) = spawn_echo_server();
            let mut conn = TcpStream::connect_host(&format!("localhost:{}", addr.port()))
                .await
                .expect("connect to localhost");
            assert_eq!(conn.peer_addr().unwrap(), addr);
            conn.write_all(b"by name").await.unwrap();
            conn.shutdown(Shutdown::Write).unwrap();
            let mut echoed = Vec::new();
            conn.read_to_end(&mut echoed).await.unwrap();
            assert_eq!(echoed, b"by name");
            server.abort();

            let port = closed_port().port();
            let err = TcpStream::connect_host(&format!("localhost:{port}"))
                .await
                .unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused);
        });
    });
}

#[test]
fn ipv6_loopback_works_when_available() {
    watchdog(10, || {
        runtime::block_on(async {
            let listener = match TcpListener::bind("[::1]:0") {
                Ok(listener) => listener,
                Err(e) => {
                    println!("note: no IPv6 loopback on this machine ({e}); test skipped");
                    return;
                }
            };
            let addr = listener.local_addr().unwrap();
            assert!(addr.is_ipv6());
            let server = runtime::spawn(echo_server(listener));
            let mut conn = TcpStream::connect(addr).await.unwrap();
            assert!(conn.local_addr().unwrap().is_ipv6());
            conn.write_all(b"over v6").await.unwrap();
            conn.shutdown(Shutdown::Write).unwrap();
            let mut echoed = Vec::new();
            conn.read_to_end(&mut echoed).await.unwrap();
            assert_eq!(echoed, b"over v6");
            server.abort();
        });
    });
}

/// The last bytes and the FIN often arrive together, and an edge-triggered
/// poller reports them as one event. A short read must not be taken to mean
/// "drained": readiness is cleared only by `WouldBlock` (`io/stream.rs`),
/// so the read after the data finds the end of the stream at once.
#[test]
fn data_and_fin_in_one_edge_are_both_read() {
    watchdog(10, || {
        runtime::block_on(async {
            let listener = std::net::TcpListener::bind(LOCALHOST)?;
            let mut client = TcpStream::connect(listener.local_addr()?).await?;
            let (mut peer, _) = listener.accept()?; // a std socket: it writes at once
            // The peer writes and closes before the client first reads: the
            // next park reports both in one readable event.
            io::Write::write_all(&mut peer, b"hello")?;
            drop(peer);
            let mut buf = [0; 64];
            let n = client.read(&mut buf).await?;
            assert_eq!(&buf[..n], b"hello", "a short read: 5 of 64 bytes");
            let end = timeout(Duration::from_secs(1), client.read(&mut buf)).await;
            let end = end.expect("the read after a short read hung: the FIN came in the same edge");
            assert_eq!(end?, 0, "the end of the stream");
            io::Result::Ok(())
        })
        .unwrap();
    });
}

/// A task whose socket always has data never meets `WouldBlock`, so its
/// reads never return `Pending` by themselves; the budget (`coop.rs`,
/// [`runtime::BUDGET`] operations per poll) makes it yield, so that the
/// other tasks (and its own timeouts) run in between.
#[test]
fn a_reader_that_always_has_data_yields_after_its_budget() {
    watchdog(10, || {
        runtime::block_on(async {
            let listener = TcpListener::bind(any_port())?;
            let mut client = TcpStream::connect(listener.local_addr()?).await?;
            let (mut server, _) = listener.accept().await?;
            server.write_all(&[7; 1024]).await?;
            let mut byte = [0; 1];
            assert_eq!(client.read(&mut byte).await?, 1); // the data has arrived...
            runtime::time::sleep(Duration::from_millis(10)).await; // ...all of it
            let (stop, other_polls) = (Rc::new(Cell::new(false)), Rc::new(Cell::new(0)));
            let other = {
                let (stop, polls) = (stop.clone(), other_polls.clone());
                runtime::spawn(async move {
                    while !stop.get() {
                        polls.set(polls.get() + 1);
                        runtime::yield_now().await;
                    }
                })
            };
            runtime::yield_now().await; // `other` starts
            let before = other_polls.get();
            for _ in 1..1024 {
                assert_eq!(client.read(&mut byte).await?, 1); // 1,023 reads, each finds data
            }
            let meanwhile = other_polls.get() - before;
            stop.set(true);
            other.await.unwrap();
            println!("1,023 one-byte reads; another task ran {meanwhile} times in between");
            assert!(
                meanwhile >= 3,
                "1,023 reads ran in one poll: another task ran {meanwhile} times in between"
            );
            io::Result::Ok(())
        })
        .unwrap();
    });
}

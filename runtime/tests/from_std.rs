//! `from_std`: std sockets made elsewhere (another thread, a library)
//! handed to the runtime, put in non-blocking mode and registered.

mod util;

use std::io::{Read, Write};
use std::time::Duration;

use runtime::net::{TcpListener, TcpStream, UdpSocket, UnixStream};
use runtime::time::timeout;
use util::watchdog;

const LIMIT: Duration = Duration::from_secs(5);

#[test]
fn a_std_listener_and_stream_work_after_from_std() {
    watchdog(20, || {
        // Made before any runtime exists, blocking, as std makes them.
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = std_listener.local_addr().unwrap();
        let std_client = std::net::TcpStream::connect(addr).unwrap();
        runtime::block_on(async move {
            let base = runtime::stats().sources;
            let listener = TcpListener::from_std(std_listener).unwrap();
            let mut client = TcpStream::from_std(std_client).unwrap();
            assert_eq!(runtime::stats().sources, base + 2);
            // The connection queued before `from_std` is accepted.
            let (mut server, peer) = timeout(LIMIT, listener.accept()).await.unwrap().unwrap();
            assert_eq!(peer, client.local_addr().unwrap());
            // A read with nothing to read waits (the socket is non-blocking
            // now: a blocking read would hang the thread, and the watchdog).
            let mut buf = [0; 8];
            let idle = timeout(Duration::from_millis(30), client.read(&mut buf)).await;
            assert!(idle.is_err(), "read returned with nothing sent");
            server.write_all(b"hello").await.unwrap();
            let n = timeout(LIMIT, client.read(&mut buf))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(&buf[..n], b"hello");
        });
    });
}

#[test]
fn a_std_socket_from_another_thread() {
    watchdog(20, || {
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = std_listener.local_addr().unwrap();
        // A plain thread serves the other end, blocking.
        let peer = std::thread::spawn(move || {
            let (mut conn, _) = std_listener.accept().unwrap();
            let mut buf = [0; 4];
            conn.read_exact(&mut buf).unwrap();
            conn.write_all(&buf).unwrap();
        });
        let std_stream = std::net::TcpStream::connect(addr).unwrap();
        runtime::block_on(async move {
            let mut stream = TcpStream::from_std(std_stream).unwrap();
            stream.write_all(b"ping").await.unwrap();
            let mut echoed = Vec::new();
            timeout(LIMIT, stream.read_to_end(&mut echoed))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(echoed, b"ping");
        });
        peer.join().unwrap();
    });
}

#[test]
fn udp_and_unix_from_std() {
    watchdog(20, || {
        let std_udp = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let (std_a, std_b) = std::os::unix::net::UnixStream::pair().unwrap();
        runtime::block_on(async move {
            let udp = UdpSocket::from_std(std_udp).unwrap();
            let me = udp.local_addr().unwrap();
            udp.send_to(b"self", me).await.unwrap();
            let mut buf = [0; 8];
            let (n, from) = timeout(LIMIT, udp.recv_from(&mut buf))
                .await
                .unwrap()
                .unwrap();
            assert_eq!((&buf[..n], from), (&b"self"[..], me));
            let mut a = UnixStream::from_std(std_a).unwrap();
            let mut b = UnixStream::from_std(std_b).unwrap();
            a.write_all(b"x").await.unwrap();
            assert_eq!(timeout(LIMIT, b.read(&mut buf)).await.unwrap().unwrap(), 1);
        });
    });
}

#[test]
fn from_std_outside_a_runtime_is_an_error() {
    let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let err = TcpListener::from_std(std_listener).unwrap_err();
    assert!(err.to_string().contains("inside a runtime"), "{err}");
}

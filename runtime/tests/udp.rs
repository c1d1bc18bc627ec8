//! `UdpSocket`: datagrams to and from anyone, a connected pair, several
//! tasks receiving on one socket, and cancelled receives.

mod util;

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use runtime::net::UdpSocket;
use runtime::time::timeout;
use util::{CountingWaker, poll_once, watchdog};

const LIMIT: Duration = Duration::from_secs(5);

/// Awaits `future`, failing if the deadline passes first. The deadline is
/// checked *before* the future is polled, so a waiter whose waker was lost
/// cannot be rescued by the timer's wake-up.
async fn woken<F: std::future::Future>(future: F) -> F::Output {
    match runtime::select(runtime::time::sleep(LIMIT), future).await {
        runtime::Either::Left(()) => panic!("a waiter was never woken by its socket"),
        runtime::Either::Right(output) => output,
    }
}

#[test]
fn send_to_and_recv_from_carry_datagrams_both_ways() {
    watchdog(20, || {
        runtime::block_on(async {
            let a = UdpSocket::bind("127.0.0.1:0").unwrap();
            let b = UdpSocket::bind("127.0.0.1:0").unwrap();
            let (a_addr, b_addr) = (a.local_addr().unwrap(), b.local_addr().unwrap());
            assert_eq!(
                a.peer_addr().unwrap_err().kind(),
                io::ErrorKind::NotConnected
            );
            for i in 0..50u8 {
                a.send_to(&[i; 10], b_addr).await.unwrap();
                let mut buf = [0; 64];
                let (n, from) = timeout(LIMIT, b.recv_from(&mut buf))
                    .await
                    .unwrap()
                    .unwrap();
                assert_eq!((n, from, buf[0]), (10, a_addr, i));
                b.send_to(&buf[..n], from).await.unwrap();
                let (n, from) = timeout(LIMIT, a.recv_from(&mut buf))
                    .await
                    .unwrap()
                    .unwrap();
                assert_eq!((n, from), (10, b_addr));
            }
        });
    });
}

#[test]
fn connected_sockets_send_and_recv() {
    watchdog(20, || {
        runtime::block_on(async {
            let a = UdpSocket::bind("127.0.0.1:0").unwrap();
            let b = UdpSocket::bind("127.0.0.1:0").unwrap();
            a.connect(b.local_addr().unwrap()).unwrap();
            b.connect(a.local_addr().unwrap()).unwrap();
            assert_eq!(a.peer_addr().unwrap(), b.local_addr().unwrap());
            let receiving = async {
                let mut buf = [0; 8];
                let n = timeout(LIMIT, b.recv(&mut buf)).await.unwrap().unwrap();
                buf[..n].to_vec()
            };
            let (sent, got) = runtime::join(a.send(b"hello"), receiving).await;
            assert_eq!(sent.unwrap(), 5);
            assert_eq!(got, b"hello");
        });
    });
}

#[test]
fn a_datagram_longer_than_the_buffer_is_cut() {
    watchdog(20, || {
        runtime::block_on(async {
            let a = UdpSocket::bind("127.0.0.1:0").unwrap();
            let b = UdpSocket::bind("127.0.0.1:0").unwrap();
            a.send_to(&[7; 100], b.local_addr().unwrap()).await.unwrap();
            let mut small = [0; 10];
            let (n, _) = timeout(LIMIT, b.recv_from(&mut small))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(n, 10);
        });
    });
}

#[test]
fn two_tasks_receiving_on_one_socket_both_get_a_datagram() {
    watchdog(20, || {
        runtime::block_on(async {
            let server = std::rc::Rc::new(UdpSocket::bind("127.0.0.1:0").unwrap());
            let addr = server.local_addr().unwrap();
            let receivers: Vec<_> = (0..2)
                .map(|_| {
                    let server = server.clone();
                    runtime::spawn(async move {
                        let mut buf = [0; 8];
                        woken(server.recv_from(&mut buf)).await.map(|(n, _)| n)
                    })
                })
                .collect();
            // Both receivers are waiting before anything is sent.
            runtime::time::sleep(Duration::from_millis(20)).await;
            let client = UdpSocket::bind("127.0.0.1:0").unwrap();
            client.send_to(b"one", addr).await.unwrap();
            client.send_to(b"two", addr).await.unwrap();
            for r in receivers {
                assert_eq!(r.await.unwrap().unwrap(), 3);
            }
        });
    });
}

#[test]
fn dropped_recv_loses_no_datagram_and_leaves_no_waker() {
    watchdog(20, || {
        runtime::block_on(async {
            let a = UdpSocket::bind("127.0.0.1:0").unwrap();
            let b = UdpSocket::bind("127.0.0.1:0").unwrap();
            let waker = CountingWaker::new();
            let w = std::task::Waker::from(waker.clone());
            // Let the first park happen, then wait on an empty socket.
            runtime::yield_now().await;
            let mut buf = [0; 8];
            let mut recv = Box::pin(b.recv_from(&mut buf));
            assert!(poll_once(recv.as_mut(), &w).is_pending());
            drop(recv);
            drop(w);
            assert_eq!(Arc::strong_count(&waker), 1);
            a.send_to(b"kept", b.local_addr().unwrap()).await.unwrap();
            let mut buf = [0; 8];
            let (n, _) = timeout(LIMIT, b.recv_from(&mut buf))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(&buf[..n], b"kept");
        });
    });
}

#[test]
fn bind_accepts_every_to_socket_addrs_form() {
    watchdog(20, || {
        runtime::block_on(async {
            let literal = UdpSocket::bind("127.0.0.1:0").unwrap();
            let pair = UdpSocket::bind(("127.0.0.1", 0)).unwrap();
            let named = UdpSocket::bind(("localhost", 0)).unwrap();
            let addr = UdpSocket::bind(SocketAddr::from(([127, 0, 0, 1], 0))).unwrap();
            let string = UdpSocket::bind(String::from("127.0.0.1:0")).unwrap();
            for socket in [&literal, &pair, &named, &addr, &string] {
                assert!(socket.local_addr().unwrap().ip().is_loopback());
            }
            let taken = literal.local_addr().unwrap();
            let err = UdpSocket::bind(taken).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::AddrInUse);
            let err = UdpSocket::bind("not an address").unwrap_err();
            println!("bind(\"not an address\"): {err}");
        });
    });
}

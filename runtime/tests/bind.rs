//! `TcpListener::bind` takes anything `std::net::ToSocketAddrs` takes: a
//! string literal, a `(host, port)` pair with a name, a `SocketAddr`, a
//! slice of addresses; and reports what it cannot bind.

mod util;

use std::io;
use std::net::{Ipv4Addr, SocketAddr};

use runtime::net::{TcpListener, TcpStream};
use util::watchdog;

#[test]
fn every_to_socket_addrs_form_binds() {
    watchdog(20, || {
        runtime::block_on(async {
            let listeners = [
                TcpListener::bind("127.0.0.1:0").unwrap(),
                TcpListener::bind(("localhost", 0)).unwrap(),
                TcpListener::bind(("127.0.0.1", 0)).unwrap(),
                TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap(),
                TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).unwrap(),
                TcpListener::bind(String::from("127.0.0.1:0")).unwrap(),
                TcpListener::bind(&[SocketAddr::from(([127, 0, 0, 1], 0))][..]).unwrap(),
                TcpListener::bind_with_backlog("127.0.0.1:0", 8).unwrap(),
            ];
            for listener in &listeners {
                let addr = listener.local_addr().unwrap();
                assert!(addr.ip().is_loopback() && addr.port() != 0, "{addr}");
                let _client = TcpStream::connect(addr).await.unwrap();
                listener.accept().await.unwrap();
            }
        });
    });
}

#[test]
fn the_next_address_is_tried_when_one_fails() {
    watchdog(20, || {
        runtime::block_on(async {
            let taken = TcpListener::bind("127.0.0.1:0").unwrap();
            let busy = taken.local_addr().unwrap();
            let free = SocketAddr::from(([127, 0, 0, 1], 0));
            let listener = TcpListener::bind(&[busy, free][..]).unwrap();
            assert_ne!(listener.local_addr().unwrap(), busy);
        });
    });
}

#[test]
fn errors_say_what_went_wrong() {
    watchdog(20, || {
        runtime::block_on(async {
            let taken = TcpListener::bind("127.0.0.1:0").unwrap();
            let err = TcpListener::bind(taken.local_addr().unwrap()).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::AddrInUse);
            let err = TcpListener::bind("127.0.0.1").unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{err}");
            let none: &[SocketAddr] = &[];
            let err = TcpListener::bind(none).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{err}");
            assert!(err.to_string().contains("no socket addresses"), "{err}");
        });
    });
}

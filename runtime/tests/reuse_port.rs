//! `TcpListener::bind_reuse_port`: several listeners on one port (one per
//! core, in the per-core design), each accepting connections.

mod util;

use std::io;
use std::time::Duration;

use runtime::net::{TcpListener, TcpStream};
use runtime::time::timeout;
use util::watchdog;

#[test]
fn two_listeners_share_one_port() {
    watchdog(20, || {
        runtime::block_on(async {
            let first = TcpListener::bind_reuse_port("127.0.0.1:0").unwrap();
            let addr = first.local_addr().unwrap();
            let second = TcpListener::bind_reuse_port(addr).unwrap();
            assert_eq!(second.local_addr().unwrap(), addr);
            // Every connection lands on one of the two (the kernel picks by
            // a hash of the client's port): accept from whichever has it.
            let mut accepted = [0usize; 2];
            for _ in 0..20 {
                let _client = TcpStream::connect(addr).await.unwrap();
                let either = runtime::select(first.accept(), second.accept());
                match timeout(Duration::from_secs(5), either).await.unwrap() {
                    runtime::Either::Left(conn) => {
                        conn.unwrap();
                        accepted[0] += 1;
                    }
                    runtime::Either::Right(conn) => {
                        conn.unwrap();
                        accepted[1] += 1;
                    }
                }
            }
            println!("connections per listener: {accepted:?}");
            assert_eq!(accepted[0] + accepted[1], 20);
        });
    });
}

#[test]
fn a_plain_listener_keeps_its_port_to_itself() {
    watchdog(20, || {
        runtime::block_on(async {
            let plain = TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = plain.local_addr().unwrap();
            let err = TcpListener::bind_reuse_port(addr).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::AddrInUse);
            let shared = TcpListener::bind_reuse_port("127.0.0.1:0").unwrap();
            let err = TcpListener::bind(shared.local_addr().unwrap()).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::AddrInUse);
        });
    });
}

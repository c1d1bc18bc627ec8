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

/// Whether this kernel picks among `SO_REUSEPORT` listeners by
/// `SO_INCOMING_CPU` (Linux 6.1 and later).
fn kernel_steers_by_incoming_cpu() -> bool {
    let Ok(release) = std::fs::read_to_string("/proc/sys/kernel/osrelease") else {
        return false;
    };
    let mut numbers = release
        .split(|c: char| !c.is_ascii_digit())
        .map(|n| n.parse::<u32>().unwrap_or(0));
    let (major, minor) = (numbers.next().unwrap_or(0), numbers.next().unwrap_or(0));
    (major, minor) >= (6, 1)
}

/// On pinned cores, each core's `bind_reuse_port` listener, asking for its
/// CPU's connections, gets exactly the connections made from that core: a
/// loopback SYN is processed on the sender's CPU.
#[test]
fn pinned_cores_accept_the_connections_made_on_their_cpu() {
    const CLIENTS: usize = 20;
    let two_cpus = std::thread::available_parallelism().is_ok_and(|n| n.get() >= 2);
    if !two_cpus || !kernel_steers_by_incoming_cpu() {
        println!("skipped: needs 2 CPUs and Linux 6.1 or later");
        return;
    }
    watchdog(30, || {
        let first = std::sync::Mutex::new(None);
        let bound = std::sync::Barrier::new(2);
        let per_core = runtime::PerCore::new(2).pin_threads(true).run(|core| {
            let (first, bound) = (&first, &bound);
            async move {
                let cpu = runtime::pinned_cpu()?;
                // Both listeners exist before any connection is made (the
                // barrier runs before this core has a task to stall).
                let listener = if core == 0 {
                    let listener = TcpListener::bind_reuse_port("127.0.0.1:0").unwrap();
                    *first.lock().unwrap() = Some(listener.local_addr().unwrap());
                    bound.wait();
                    listener
                } else {
                    bound.wait();
                    TcpListener::bind_reuse_port(first.lock().unwrap().unwrap()).unwrap()
                };
                listener.set_incoming_cpu(cpu).unwrap();
                let addr = listener.local_addr().unwrap();
                let acceptor = runtime::spawn(async move {
                    let mut peers = Vec::new();
                    // Until this core's share arrived, or 3 s without one.
                    while peers.len() < CLIENTS {
                        match timeout(Duration::from_secs(3), listener.accept()).await {
                            Ok(conn) => peers.push(conn.unwrap().1.port()),
                            Err(_) => break,
                        }
                    }
                    peers
                });
                let mut clients = Vec::new();
                for _ in 0..CLIENTS {
                    clients.push(TcpStream::connect(addr).await.unwrap());
                }
                let mut mine: Vec<u16> = clients
                    .iter()
                    .map(|c| c.local_addr().unwrap().port())
                    .collect();
                let mut accepted = acceptor.await.unwrap();
                mine.sort_unstable();
                accepted.sort_unstable();
                Some((mine, accepted))
            }
        });
        for (core, result) in per_core.into_iter().enumerate() {
            let Some((mine, accepted)) = result else {
                println!("skipped: core {core} could not be pinned");
                return;
            };
            assert_eq!(
                accepted, mine,
                "core {core} accepted other connections than its own clients'"
            );
        }
    });
}

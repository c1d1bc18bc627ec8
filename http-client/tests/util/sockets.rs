//! What the process holds, read from `/proc`: its open descriptors, the
//! socket each one is, and the kernel's table of IPv4 TCP sockets (state and
//! queue sizes) — so the leak and cancellation tests can check that a
//! client's socket is really gone, and where a fetch was when it was dropped.
//! Also a listener whose full accept queue makes a connect hang.
//!
//! Counting descriptors is process-wide: the tests of a binary that does it
//! take [`exclusive`] so that no other test of the binary opens any meanwhile.

use std::collections::HashSet;
use std::fs;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6, TcpStream};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// TCP states, as `/proc/net/tcp` numbers them (`include/net/tcp_states.h`).
pub const SYN_SENT: u8 = 0x02;
pub const LISTEN: u8 = 0x0a;

/// Serializes the tests of one binary that count process-wide resources.
pub fn exclusive() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Open file descriptors of this process (not counting the one that reads
/// `/proc/self/fd`).
pub fn open_fds() -> usize {
    fs::read_dir("/proc/self/fd")
        .expect("reading /proc/self/fd")
        .count()
        - 1
}

/// What each open descriptor of this process refers to (`socket:[N]`,
/// `anon_inode:[eventpoll]`, a path), sorted: compare two of them to see
/// which descriptors were opened or closed in between.
pub fn fd_targets() -> Vec<String> {
    let mut targets: Vec<String> = fs::read_dir("/proc/self/fd")
        .expect("reading /proc/self/fd")
        .filter_map(|entry| fs::read_link(entry.ok()?.path()).ok())
        .map(|target| target.to_string_lossy().into_owned())
        .filter(|target| !target.starts_with("/proc/")) // the directory being read
        .collect();
    targets.sort();
    targets
}

/// The entries of `after` that are not in `before` (as multisets).
pub fn added(before: &[String], after: &[String]) -> Vec<String> {
    let mut left = before.to_vec();
    after
        .iter()
        .filter(|target| match left.iter().position(|t| t == *target) {
            Some(i) => {
                left.swap_remove(i);
                false
            }
            None => true,
        })
        .cloned()
        .collect()
}

/// `socket:[N]` for a socket inode, as [`fd_targets`] shows it.
pub fn socket_target(inode: u64) -> String {
    format!("socket:[{inode}]")
}

/// The inodes of the sockets this process has open (`socket:[N]` links in
/// `/proc/self/fd`).
pub fn socket_inodes() -> HashSet<u64> {
    fs::read_dir("/proc/self/fd")
        .expect("reading /proc/self/fd")
        .filter_map(|entry| fs::read_link(entry.ok()?.path()).ok())
        .filter_map(|target| {
            let target = target.to_str()?;
            target
                .strip_prefix("socket:[")?
                .strip_suffix(']')?
                .parse()
                .ok()
        })
        .collect()
}

/// One row of `/proc/net/tcp`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcpEntry {
    pub local: SocketAddr,
    pub remote: SocketAddr,
    /// The TCP state (see [`SYN_SENT`]).
    pub state: u8,
    /// Bytes in the send queue not yet acknowledged by the peer.
    pub tx_queue: u64,
    /// Bytes received and not yet read by the application.
    pub rx_queue: u64,
    /// The socket's inode; 0 once no descriptor refers to it (`TIME_WAIT`,
    /// or an orphan still sending its FIN).
    pub inode: u64,
}

/// Every IPv4 TCP socket of this network namespace.
pub fn tcp_table() -> Vec<TcpEntry> {
    let table = fs::read_to_string("/proc/net/tcp").expect("reading /proc/net/tcp");
    table.lines().skip(1).filter_map(parse_row).collect()
}

/// Every IPv6 TCP socket of this network namespace (`/proc/net/tcp6`;
/// empty where IPv6 is off).
pub fn tcp6_table() -> Vec<TcpEntry> {
    let table = fs::read_to_string("/proc/net/tcp6").unwrap_or_default();
    table.lines().skip(1).filter_map(parse_row).collect()
}

/// The IPv4 TCP sockets of this process (those with an open descriptor)
/// connected to `remote`.
pub fn own_sockets_to(remote: SocketAddr) -> Vec<TcpEntry> {
    let mine = socket_inodes();
    tcp_table()
        .into_iter()
        .filter(|entry| entry.remote == remote && mine.contains(&entry.inode))
        .collect()
}

/// `sl local rem st tx:rx tr:when retrnsmt uid timeout inode ...`
fn parse_row(line: &str) -> Option<TcpEntry> {
    let fields: Vec<&str> = line.split_whitespace().collect();
    let (tx, rx) = fields.get(4)?.split_once(':')?;
    Some(TcpEntry {
        local: parse_addr(fields.get(1)?)?,
        remote: parse_addr(fields.get(2)?)?,
        state: u8::from_str_radix(fields.get(3)?, 16).ok()?,
        tx_queue: u64::from_str_radix(tx, 16).ok()?,
        rx_queue: u64::from_str_radix(rx, 16).ok()?,
        inode: fields.get(9)?.parse().ok()?,
    })
}

/// `0100007F:1F90`: the address as the kernel's in-memory (network order)
/// word printed in hex, the port as a number in hex. An IPv6 address is
/// four such words.
fn parse_addr(text: &str) -> Option<SocketAddr> {
    let (ip, port) = text.split_once(':')?;
    let port = u16::from_str_radix(port, 16).ok()?;
    let word = |i: usize| u32::from_str_radix(ip.get(i * 8..i * 8 + 8)?, 16).ok();
    if ip.len() == 32 {
        let mut octets = [0; 16];
        for i in 0..4 {
            octets[i * 4..i * 4 + 4].copy_from_slice(&word(i)?.to_ne_bytes());
        }
        return Some(SocketAddr::V6(SocketAddrV6::new(
            Ipv6Addr::from(octets),
            port,
            0,
            0,
        )));
    }
    Some(SocketAddr::V4(SocketAddrV4::new(
        Ipv4Addr::from(word(0)?.to_ne_bytes()),
        port,
    )))
}

/// A runtime listener with backlog 0 whose accept queue is filled by a
/// connection nobody accepts, so that the kernel drops further SYNs and a
/// connect to it hangs in `SYN_SENT`. Returns the listener and the
/// connections that fill it (keep both alive). Call inside a runtime.
pub fn full_backlog_listener() -> (runtime::net::TcpListener, Vec<TcpStream>) {
    full_backlog_listener_on(SocketAddr::from(([127, 0, 0, 1], 0))).expect("binding a listener")
}

/// [`full_backlog_listener`] on `addr` (`[::1]:0`, or a given port);
/// the error if it cannot be bound.
pub fn full_backlog_listener_on(
    addr: SocketAddr,
) -> std::io::Result<(runtime::net::TcpListener, Vec<TcpStream>)> {
    let listener = runtime::net::TcpListener::bind_with_backlog(addr, 0)?;
    let addr = listener.local_addr().unwrap();
    let mut queued = Vec::new();
    let full =
        (0..8).any(
            |_| match TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
                Ok(stream) => {
                    queued.push(stream);
                    false
                }
                Err(_) => true, // timed out: the queue is full
            },
        );
    assert!(full, "8 connections fit in a backlog-0 accept queue");
    Ok((listener, queued))
}

//! [`lookup_host`]: name resolution off the event loop.
//!
//! `getaddrinfo` blocks, so it runs on a [`spawn_blocking`](crate::spawn_blocking)
//! thread; an address literal is parsed on the spot without any thread.

use std::io;
use std::net::{SocketAddr, ToSocketAddrs};

/// Resolves `"host:port"` (or `"[v6]:port"`) to socket addresses without
/// blocking the loop.
///
/// # Errors
///
/// The resolver's error (unknown host, no network), or an error if the
/// helper thread panicked.
///
/// # Panics
///
/// Panics when called outside a runtime, unless `host_port` is an address
/// literal.
///
/// # Examples
///
/// ```
/// runtime::block_on(async {
///     let addrs = runtime::net::lookup_host("localhost:80").await?;
///     assert!(addrs.iter().all(|a| a.ip().is_loopback()));
///     let literal = runtime::net::lookup_host("[::1]:8080").await?;
///     assert_eq!(literal, ["[::1]:8080".parse().unwrap()]);
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub async fn lookup_host(host_port: &str) -> io::Result<Vec<SocketAddr>> {
    if let Ok(addr) = host_port.parse::<SocketAddr>() {
        return Ok(vec![addr]);
    }
    let name = host_port.to_owned();
    match crate::spawn_blocking(move || name.to_socket_addrs().map(Iterator::collect)).await {
        Ok(result) => result,
        Err(e) => Err(io::Error::other(format!(
            "name resolution thread failed: {e}"
        ))),
    }
}

/// Runs `f` on each address `addrs` resolves to until one succeeds, as
/// std's `bind` and `connect` do; the last error otherwise.
pub(crate) fn each_addr<T>(
    addrs: impl ToSocketAddrs,
    mut f: impl FnMut(&SocketAddr) -> io::Result<T>,
) -> io::Result<T> {
    let mut last_error = None;
    for addr in addrs.to_socket_addrs()? {
        match f(&addr) {
            Ok(t) => return Ok(t),
            Err(e) => last_error = Some(e),
        }
    }
    Err(last_error.unwrap_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "the address resolved to no socket addresses",
        )
    }))
}

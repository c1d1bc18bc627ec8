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
/// The resolver's error (unknown host, no network); if the helper thread
/// panicked, an error of kind [`Other`](io::ErrorKind::Other) whose inner
/// error is the [`JoinError`](crate::JoinError) (see
/// [`io::Error::downcast`]).
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
    on_helper_thread(move || name.to_socket_addrs().map(Iterator::collect)).await
}

/// Runs the blocking `resolve` on a [`spawn_blocking`](crate::spawn_blocking)
/// thread. If it panics, the [`JoinError`](crate::JoinError) itself becomes
/// the `io::Error`'s inner error (kind `Other`), not its text, so a caller
/// can take it back with [`io::Error::downcast`].
async fn on_helper_thread<T: Send + 'static>(
    resolve: impl FnOnce() -> io::Result<T> + Send + 'static,
) -> io::Result<T> {
    crate::spawn_blocking(resolve).await?
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::JoinError;

    #[test]
    fn a_panicking_helper_thread_gives_a_typed_join_error() {
        let error = crate::block_on(on_helper_thread::<()>(|| panic!("resolver broke")))
            .expect_err("the helper panicked");
        assert_eq!(error.kind(), io::ErrorKind::Other);
        let join_error = error
            .downcast::<JoinError>()
            .expect("the JoinError itself, not its text");
        assert!(join_error.is_panic());
        assert_eq!(join_error.panic_message(), Some("resolver broke"));
    }

    #[test]
    fn the_helper_threads_result_passes_through() {
        let ok = crate::block_on(on_helper_thread(|| Ok(7)));
        assert_eq!(ok.ok(), Some(7));
        let not_found = crate::block_on(on_helper_thread::<()>(|| {
            Err(io::Error::from(io::ErrorKind::NotFound))
        }));
        assert_eq!(
            not_found.map_err(|e| e.kind()),
            Err(io::ErrorKind::NotFound)
        );
    }
}

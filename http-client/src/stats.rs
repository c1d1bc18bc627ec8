//! [`ClientStats`]: what a [`Client`](crate::Client)'s connections have
//! done so far — how many were opened, how many requests went over one
//! already open, how the TLS handshakes went — so a program can show that
//! reuse happens (`fetch` prints it in its summary) and a test can count it.

/// Counts of a [`Client`](crate::Client)'s connections, from
/// [`Client::stats`](crate::Client::stats). Counts start at 0 when the
/// client is built and are shared by its clones.
///
/// # Examples
///
/// ```
/// let client = http_client::Client::new();
/// let stats = client.stats();
/// assert_eq!((stats.connections_opened, stats.reused, stats.idle), (0, 0, 0));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClientStats {
    /// TCP connections opened (each costs a TCP handshake, and for
    /// `https://` a TLS one).
    pub connections_opened: u64,
    /// Requests sent over a connection taken from the pool (no handshake).
    pub reused: u64,
    /// Requests sent a second time, on a new connection, because the
    /// pooled connection they were sent on had been closed by the server
    /// before it answered (idempotent requests only).
    pub replayed: u64,
    /// TLS handshakes that verified the server's certificate chain.
    pub tls_full_handshakes: u64,
    /// TLS handshakes that resumed an earlier session (a TLS 1.3 ticket or
    /// a TLS 1.2 session id or ticket): no certificate sent or verified.
    pub tls_resumed_handshakes: u64,
    /// Connections idle in the pool right now.
    pub idle: usize,
}

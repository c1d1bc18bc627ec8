//! The `CONNECT` tunnel (RFC 9110 §9.3.6): how an `https://` request goes
//! through an HTTP proxy. On the connection to the proxy, the client asks
//!
//! ```text
//! CONNECT example.com:443 HTTP/1.1
//! Host: example.com:443
//! Proxy-Authorization: Basic ...        (if the proxy URL has credentials)
//!
//! ```
//!
//! and any 2xx answer turns the connection into a byte pipe to the origin,
//! in which the TLS handshake with the origin then runs (`connect/`). The
//! answer's head is read with the response head parser, as if to a `HEAD`
//! request (a 2xx to `CONNECT` has no body); nothing may follow it before
//! the client speaks, so a byte after the head is an error rather than the
//! start of the TLS stream. A 407 asks for credentials (as does a 401 to
//! credentials sent, tinyproxy's answer to wrong ones), anything else is a
//! refusal; both are errors naming the proxy.

use std::io;

use runtime::net::TcpStream;

use super::ProxyTarget;
use crate::parse::{HeadDone, HeadParser};
use crate::{Error, IoPhase, Limits, Result, Url};

/// The most bytes read at once while waiting for the proxy's answer.
const READ_SIZE: usize = 4096;

/// Asks the proxy at the other end of `tcp` for a tunnel to `origin`'s host
/// and port, and waits for its answer.
///
/// # Errors
///
/// [`Error::ProxyAuthentication`] for a 407, [`Error::ProxyRefused`] for
/// any other status but 2xx, [`Error::Response`] for an answer that is not
/// HTTP, [`Error::Io`] if the socket fails or the proxy sends bytes after
/// its answer. Each names the proxy's address.
///
/// # Cancellation
///
/// Dropping the future leaves the connection half-way; the caller drops it.
pub(crate) async fn open(tcp: &mut TcpStream, origin: &Url, proxy: &ProxyTarget) -> Result<()> {
    let target = origin.authority();
    let mut request = format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n");
    if let Some(authorization) = proxy.authorization() {
        request.push_str(&format!("Proxy-Authorization: {authorization}\r\n"));
    }
    request.push_str("\r\n");
    let io_error = |phase, source| Error::Io {
        phase,
        authority: proxy.authority(),
        source,
    };
    tcp.write_all(request.as_bytes())
        .await
        .map_err(|e| io_error(IoPhase::Sending, e))?;

    let mut parser = HeadParser::new(true, Limits::default());
    let mut buf = [0; READ_SIZE];
    let head = loop {
        let n = tcp
            .read(&mut buf)
            .await
            .map_err(|e| io_error(IoPhase::Receiving, e))?;
        let parsed = if n == 0 {
            Err(parser.closed())
        } else {
            parser.push(&buf[..n])
        };
        match parsed {
            Ok(None) => {}
            Ok(Some(HeadDone { used, head, .. })) => {
                if used < n && (200..300).contains(&head.status) {
                    let extra = io::Error::new(
                        io::ErrorKind::InvalidData,
                        "the proxy sent bytes after its answer to CONNECT",
                    );
                    return Err(io_error(IoPhase::Receiving, extra));
                }
                break head;
            }
            Err(source) => {
                return Err(Error::Response {
                    authority: proxy.authority(),
                    source,
                });
            }
        }
    };
    match head.status {
        200..=299 => Ok(()),
        // Some proxies (tinyproxy) answer 401 rather than 407 to wrong
        // credentials; to a CONNECT, only the proxy can have said it.
        407 => Err(Error::ProxyAuthentication {
            proxy: proxy.authority(),
            sent_credentials: proxy.has_credentials(),
        }),
        401 if proxy.has_credentials() => Err(Error::ProxyAuthentication {
            proxy: proxy.authority(),
            sent_credentials: true,
        }),
        status => Err(Error::ProxyRefused {
            proxy: proxy.authority(),
            target,
            status,
            reason: head.reason,
        }),
    }
}

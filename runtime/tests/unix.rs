//! Unix domain streams: connect and accept at a path, `pair`, `incoming`,
//! addresses, shutdown, errors, and a cancelled accept.

mod util;

use std::future::poll_fn;
use std::io;
use std::net::Shutdown;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use futures_core::Stream;
use runtime::net::{UnixListener, UnixStream};
use runtime::time::timeout;
use util::{CountingWaker, TempDir, poll_once, watchdog};

const LIMIT: Duration = Duration::from_secs(5);

async fn read_exact(stream: &mut UnixStream, buf: &mut [u8]) -> io::Result<()> {
    let mut got = 0;
    while got < buf.len() {
        let n = timeout(LIMIT, stream.read(&mut buf[got..])).await??;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        got += n;
    }
    Ok(())
}

#[test]
fn connect_accept_and_echo_at_a_path() {
    watchdog(20, || {
        let dir = TempDir::new("unix-echo");
        let path = dir.join("echo.sock");
        runtime::block_on(async {
            let listener = UnixListener::bind(&path).unwrap();
            assert_eq!(
                listener.local_addr().unwrap().as_pathname(),
                Some(path.as_path())
            );
            let server = runtime::spawn(async move {
                for _ in 0..3 {
                    let (mut conn, peer) = listener.accept().await?;
                    assert!(peer.is_unnamed());
                    drop(runtime::spawn(async move {
                        let mut buf = [0; 1024];
                        loop {
                            let n = conn.read(&mut buf).await?;
                            if n == 0 {
                                return io::Result::Ok(());
                            }
                            conn.write_all(&buf[..n]).await?;
                        }
                    }));
                }
                io::Result::Ok(())
            });
            for i in 0..3u8 {
                let mut client = timeout(LIMIT, UnixStream::connect(&path))
                    .await
                    .unwrap()
                    .unwrap();
                assert_eq!(
                    client.peer_addr().unwrap().as_pathname(),
                    Some(path.as_path())
                );
                // Small enough to sit in the socket buffers while the client
                // is still writing.
                let message = [i; 10_000];
                timeout(LIMIT, client.write_all(&message))
                    .await
                    .unwrap()
                    .unwrap();
                let mut echoed = vec![0; message.len()];
                read_exact(&mut client, &mut echoed).await.unwrap();
                assert!(echoed == message);
                client.shutdown(Shutdown::Write).unwrap();
                let mut rest = Vec::new();
                timeout(LIMIT, client.read_to_end(&mut rest))
                    .await
                    .unwrap()
                    .unwrap();
                assert!(rest.is_empty());
            }
            server.await.unwrap().unwrap();
        });
    });
}

#[test]
fn pair_is_connected_both_ways() {
    watchdog(20, || {
        runtime::block_on(async {
            let (mut a, mut b) = UnixStream::pair().unwrap();
            assert!(a.local_addr().unwrap().is_unnamed());
            a.write_all(b"ping").await.unwrap();
            let mut buf = [0; 4];
            read_exact(&mut b, &mut buf).await.unwrap();
            assert_eq!(&buf, b"ping");
            b.write_all(b"pong").await.unwrap();
            read_exact(&mut a, &mut buf).await.unwrap();
            assert_eq!(&buf, b"pong");
            drop(b);
            let mut rest = Vec::new();
            timeout(LIMIT, a.read_to_end(&mut rest))
                .await
                .unwrap()
                .unwrap();
            assert!(rest.is_empty());
            // Writing to a closed peer is an error, not a signal.
            let err = loop {
                match timeout(LIMIT, a.write(b"x")).await.unwrap() {
                    Ok(_) => continue,
                    Err(e) => break e,
                }
            };
            assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
        });
    });
}

#[test]
fn incoming_yields_each_connection() {
    watchdog(20, || {
        let dir = TempDir::new("unix-incoming");
        let path = dir.join("in.sock");
        runtime::block_on(async {
            let listener = UnixListener::bind(&path).unwrap();
            let mut clients = Vec::new();
            for _ in 0..3 {
                clients.push(UnixStream::connect(&path).await.unwrap());
            }
            let mut incoming = listener.incoming();
            for _ in 0..3 {
                let next = poll_fn(|cx| Pin::new(&mut incoming).poll_next(cx));
                let conn = timeout(LIMIT, next).await.unwrap().unwrap().unwrap();
                assert!(conn.peer_addr().unwrap().is_unnamed());
            }
        });
    });
}

#[test]
fn connect_errors_name_the_cause() {
    watchdog(20, || {
        let dir = TempDir::new("unix-errors");
        runtime::block_on(async {
            let missing = dir.join("nobody-here.sock");
            let err = UnixStream::connect(&missing).await.unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::NotFound);
            // A socket file whose listener is gone refuses.
            let stale = dir.join("stale.sock");
            drop(UnixListener::bind(&stale).unwrap());
            let err = UnixStream::connect(&stale).await.unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused);
            // Binding over the stale file is refused too.
            let err = UnixListener::bind(&stale).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::AddrInUse);
        });
    });
}

#[test]
fn dropped_accept_and_read_leave_no_waker() {
    watchdog(20, || {
        let dir = TempDir::new("unix-cancel");
        let path = dir.join("c.sock");
        runtime::block_on(async {
            let base = runtime::stats().sources;
            let listener = UnixListener::bind(&path).unwrap();
            let (mut a, _b) = UnixStream::pair().unwrap();
            let waker = CountingWaker::new();
            let w = std::task::Waker::from(waker.clone());
            let mut accept = Box::pin(listener.accept());
            assert!(poll_once(accept.as_mut(), &w).is_pending());
            let mut buf = [0; 4];
            let mut read = Box::pin(a.read(&mut buf));
            assert!(poll_once(read.as_mut(), &w).is_pending());
            drop((accept, read, w));
            assert_eq!(Arc::strong_count(&waker), 1);
            assert_eq!(waker.wakes(), 0);
            drop((listener, a, _b));
            assert_eq!(runtime::stats().sources, base);
        });
    });
}

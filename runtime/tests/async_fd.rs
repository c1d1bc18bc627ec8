//! `io::Async` over descriptors the runtime did not make: a pipe, a std
//! `UnixDatagram` pair; readiness futures that do not spin on a stale flag;
//! `into_inner` handing the descriptor back open; cancellation leaving no
//! waker behind.

mod util;

use std::io::{self, Read, Write};
use std::os::unix::net::UnixDatagram;
use std::sync::Arc;
use std::time::Duration;

use runtime::io::Async;
use runtime::time::timeout;
use util::{CountingWaker, poll_once, watchdog};

const LIMIT: Duration = Duration::from_secs(5);

#[test]
fn a_pipe_carries_bytes_between_two_tasks() {
    watchdog(20, || {
        runtime::block_on(async {
            let (reader, writer) = io::pipe().unwrap();
            let reader = Async::new(reader).unwrap();
            let writer = Async::new(writer).unwrap();
            // More than a pipe buffer (64 KiB), so the writer must wait for
            // the reader more than once.
            let data: Vec<u8> = (0..1_000_000u32).map(|i| (i % 251) as u8).collect();
            let expected = data.clone();
            let writing = runtime::spawn(async move {
                let mut rest = &data[..];
                while !rest.is_empty() {
                    let n = writer.write_with(|w| (&*w).write(rest)).await?;
                    rest = &rest[n..];
                }
                io::Result::Ok(())
            });
            let mut got = Vec::new();
            let mut buf = vec![0; 16 * 1024];
            loop {
                let read = reader.read_with(|r| (&*r).read(&mut buf));
                let n = timeout(LIMIT, read).await.expect("read timed out").unwrap();
                if n == 0 {
                    break;
                }
                got.extend_from_slice(&buf[..n]);
            }
            writing.await.unwrap().unwrap();
            assert_eq!(got.len(), expected.len());
            assert!(got == expected, "bytes arrived changed or out of order");
        });
    });
}

#[test]
fn datagrams_through_readable_and_writable() {
    watchdog(20, || {
        runtime::block_on(async {
            let (a, b) = UnixDatagram::pair().unwrap();
            let a = Async::new(a).unwrap();
            let b = Async::new(b).unwrap();
            for i in 0..100u8 {
                b.writable().await.unwrap();
                b.get_ref().send(&[i; 3]).unwrap();
                timeout(LIMIT, a.readable()).await.unwrap().unwrap();
                let mut buf = [0; 8];
                assert_eq!(a.get_ref().recv(&mut buf).unwrap(), 3);
                assert_eq!(&buf[..3], &[i; 3]);
            }
        });
    });
}

#[test]
fn readable_waits_again_after_the_data_is_taken_by_hand() {
    watchdog(20, || {
        runtime::block_on(async {
            let (a, b) = UnixDatagram::pair().unwrap();
            let a = Async::new(a).unwrap();
            b.send(b"one").unwrap();
            a.readable().await.unwrap();
            let mut buf = [0; 8];
            // The datagram is taken without `read_with`: the reactor's flag
            // is stale, and `readable` must not report it as readiness.
            assert_eq!(a.get_ref().recv(&mut buf).unwrap(), 3);
            let again = timeout(Duration::from_millis(50), a.readable()).await;
            assert!(again.is_err(), "readable() returned with nothing to read");
            // And it wakes for the next datagram.
            let sender = runtime::spawn(async move {
                runtime::time::sleep(Duration::from_millis(10)).await;
                b.send(b"two")
            });
            timeout(LIMIT, a.readable()).await.unwrap().unwrap();
            assert_eq!(a.get_ref().recv(&mut buf).unwrap(), 3);
            sender.await.unwrap().unwrap();
        });
    });
}

#[test]
fn into_inner_deregisters_and_returns_the_descriptor_open() {
    watchdog(20, || {
        runtime::block_on(async {
            let base = runtime::stats().sources;
            let (a, b) = UnixDatagram::pair().unwrap();
            let a = Async::new(a).unwrap();
            assert_eq!(runtime::stats().sources, base + 1);
            let a = a.into_inner();
            assert_eq!(runtime::stats().sources, base);
            // Still open, still non-blocking (documented).
            let mut buf = [0; 4];
            let err = a.recv(&mut buf).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
            b.send(b"ok").unwrap();
            assert_eq!(a.recv(&mut buf).unwrap(), 2);
            // Registering it again works.
            let a = Async::new(a).unwrap();
            assert_eq!(runtime::stats().sources, base + 1);
            drop(a);
            assert_eq!(runtime::stats().sources, base);
        });
    });
}

#[test]
fn dropped_waiting_futures_leave_no_waker() {
    watchdog(20, || {
        runtime::block_on(async {
            let (a, _b) = UnixDatagram::pair().unwrap();
            let a = Async::new(a).unwrap();
            let waker = CountingWaker::new();
            let w = std::task::Waker::from(waker.clone());
            // Let the first park report the socket writable (not readable).
            a.writable().await.unwrap();
            let mut readable = Box::pin(a.readable());
            assert!(poll_once(readable.as_mut(), &w).is_pending());
            let mut buf = [0; 4];
            let mut read = Box::pin(a.read_with(|s| s.recv(&mut buf)));
            assert!(poll_once(read.as_mut(), &w).is_pending());
            assert_eq!(Arc::strong_count(&waker), 4, "two stored clones");
            drop(readable);
            assert_eq!(
                Arc::strong_count(&waker),
                3,
                "the readable future's clone is gone"
            );
            drop(read);
            drop(w);
            assert_eq!(
                Arc::strong_count(&waker),
                1,
                "a dropped future left its waker"
            );
            assert_eq!(waker.wakes(), 0);
        });
    });
}

/// epoll refuses regular files (`EPERM`); `poll(2)` would call one always
/// ready. `Async::new` refuses them on every backend, says why and where
/// to go instead (`runtime::fs`), and leaves no source behind.
#[test]
fn a_regular_file_is_refused_on_every_backend() {
    watchdog(20, || {
        runtime::block_on(async {
            let base = runtime::stats().sources;
            let file = std::fs::File::open("/proc/self/stat").unwrap();
            let err = Async::new(file).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::PermissionDenied);
            assert!(err.to_string().contains("use runtime::fs"), "{err}");
            assert_eq!(runtime::stats().sources, base, "the refusal left a source");
        });
    });
}

#[test]
fn outside_a_runtime_is_an_error() {
    let (reader, _writer) = io::pipe().unwrap();
    let err = Async::new(reader).unwrap_err();
    assert!(err.to_string().contains("inside a runtime"), "{err}");
}

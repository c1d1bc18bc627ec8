//! Several tasks waiting on the same direction of one socket: each is woken
//! by the next event and none hangs, even when another waiter is cancelled.
//! (The reactor used to keep one waker per direction, and the second waiter
//! silently replaced the first.)

mod util;

use std::rc::Rc;
use std::time::Duration;

use runtime::net::{TcpListener, TcpStream};
use runtime::time::sleep;
use util::watchdog;

const LIMIT: Duration = Duration::from_secs(5);

/// Awaits `future`, failing if the deadline passes first. The deadline is
/// checked *before* the future is polled, so a waiter whose waker was lost
/// cannot be rescued by the timer's wake-up.
async fn woken<F: std::future::Future>(future: F) -> F::Output {
    match runtime::select(sleep(LIMIT), future).await {
        runtime::Either::Left(()) => panic!("a waiter was never woken by its socket"),
        runtime::Either::Right(output) => output,
    }
}

#[cfg(feature = "futures-io")]
#[test]
fn two_tasks_reading_one_shared_stream_both_get_data() {
    use futures_lite::io::AsyncReadExt;
    watchdog(20, || {
        runtime::block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let client = TcpStream::connect(listener.local_addr().unwrap())
                .await
                .unwrap();
            let (mut server, _) = listener.accept().await.unwrap();
            let client = Rc::new(client);
            let readers: Vec<_> = (0..2)
                .map(|_| {
                    let client = client.clone();
                    runtime::spawn(async move {
                        let mut buf = [0; 1];
                        let mut shared = &*client;
                        let read = shared.read(&mut buf);
                        woken(read).await
                    })
                })
                .collect();
            // Both readers wait before any byte is sent; the bytes come in
            // two events, one byte each.
            sleep(Duration::from_millis(20)).await;
            server.write_all(b"a").await.unwrap();
            sleep(Duration::from_millis(20)).await;
            server.write_all(b"b").await.unwrap();
            for reader in readers {
                assert_eq!(reader.await.unwrap().unwrap(), 1);
            }
        });
    });
}

#[test]
fn two_tasks_accepting_on_one_listener_both_get_a_connection() {
    watchdog(20, || {
        runtime::block_on(async {
            let listener = Rc::new(TcpListener::bind("127.0.0.1:0").unwrap());
            let addr = listener.local_addr().unwrap();
            let acceptors: Vec<_> = (0..2)
                .map(|_| {
                    let listener = listener.clone();
                    runtime::spawn(async move { woken(listener.accept()).await.map(|_| ()) })
                })
                .collect();
            sleep(Duration::from_millis(20)).await;
            let _first = TcpStream::connect(addr).await.unwrap();
            sleep(Duration::from_millis(20)).await;
            let _second = TcpStream::connect(addr).await.unwrap();
            for acceptor in acceptors {
                acceptor.await.unwrap().unwrap();
            }
        });
    });
}

#[test]
fn cancelling_one_waiter_keeps_the_other_waiting() {
    watchdog(20, || {
        runtime::block_on(async {
            let listener = Rc::new(TcpListener::bind("127.0.0.1:0").unwrap());
            let addr = listener.local_addr().unwrap();
            let spawn_acceptor = |listener: Rc<TcpListener>| {
                runtime::spawn(async move { woken(listener.accept()).await.map(|_| ()) })
            };
            // Either order of registration: the cancelled one first (its
            // waker inline) or second (in the overflow).
            for cancel_first in [true, false] {
                let a = spawn_acceptor(listener.clone());
                sleep(Duration::from_millis(10)).await;
                let b = spawn_acceptor(listener.clone());
                sleep(Duration::from_millis(10)).await;
                let (cancelled, kept) = if cancel_first { (a, b) } else { (b, a) };
                cancelled.abort();
                assert!(cancelled.await.unwrap_err().is_cancelled());
                let _client = TcpStream::connect(addr).await.unwrap();
                kept.await.unwrap().unwrap();
            }
        });
    });
}

#[test]
fn two_accepts_in_one_task_both_complete() {
    watchdog(20, || {
        runtime::block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = listener.local_addr().unwrap();
            let connect = async {
                sleep(Duration::from_millis(20)).await;
                let a = TcpStream::connect(addr).await.unwrap();
                let b = TcpStream::connect(addr).await.unwrap();
                (a, b)
            };
            let both = runtime::join(runtime::join(listener.accept(), listener.accept()), connect);
            let ((first, second), _clients) = woken(both).await;
            first.unwrap();
            second.unwrap();
        });
    });
}

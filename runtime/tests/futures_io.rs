//! futures-io interop: `futures_lite::io::BufReader::new(stream).lines()`
//! and `futures_lite::io::copy` over our `TcpStream` (and its halves, and
//! `&TcpStream`), `UnixStream` and `io::Async<pipe>`, unchanged; vectored
//! I/O; `close` as a write shutdown.

#![cfg(feature = "futures-io")]

mod util;

use std::io::{IoSlice, IoSliceMut};
use std::time::Duration;

use futures_lite::StreamExt;
use futures_lite::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use runtime::io::Async;
use runtime::net::{TcpListener, TcpStream, UnixStream};
use runtime::time::timeout;
use util::watchdog;

const LIMIT: Duration = Duration::from_secs(10);
const LINES: usize = 2_000;

fn script() -> Vec<String> {
    (0..LINES)
        .map(|i| format!("line {i}: {}", "x".repeat(i % 97)))
        .collect()
}

#[test]
fn tcp_lines_through_an_echo_made_of_copy() {
    watchdog(30, || {
        runtime::block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = listener.local_addr().unwrap();
            // The server: `copy` from the stream into the same stream, through
            // two shared references, then a write shutdown.
            let server = runtime::spawn(async move {
                let (conn, _) = listener.accept().await?;
                let copied = futures_lite::io::copy(&conn, &mut &conn).await?;
                (&conn).close().await?;
                std::io::Result::Ok(copied)
            });
            let client = TcpStream::connect(addr).await.unwrap();
            let (reader, mut writer) = client.into_split();
            let lines = script();
            let expected = lines.clone();
            let writing = runtime::spawn(async move {
                for line in &lines {
                    AsyncWriteExt::write_all(&mut writer, format!("{line}\n").as_bytes()).await?;
                }
                writer.close().await
            });
            let got: Vec<String> = timeout(LIMIT, BufReader::new(reader).lines().try_collect())
                .await
                .expect("the lines never ended")
                .unwrap();
            assert_eq!(got, expected);
            writing.await.unwrap().unwrap();
            let copied = server.await.unwrap().unwrap();
            let sent: usize = expected.iter().map(|l| l.len() + 1).sum();
            assert_eq!(copied, sent as u64);
        });
    });
}

#[test]
fn unix_lines_and_copy() {
    watchdog(30, || {
        runtime::block_on(async {
            let (ours, theirs) = UnixStream::pair().unwrap();
            let echo = runtime::spawn(async move {
                let copied = futures_lite::io::copy(&theirs, &mut &theirs).await?;
                (&theirs).close().await?;
                std::io::Result::Ok(copied)
            });
            let lines = script();
            let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
            let write = async {
                (&ours).write_all(text.as_bytes()).await?;
                (&ours).close().await
            };
            let read = BufReader::new(&ours)
                .lines()
                .try_collect::<_, _, Vec<String>>();
            let (wrote, got) = timeout(LIMIT, runtime::join(write, read)).await.unwrap();
            wrote.unwrap();
            assert_eq!(got.unwrap(), lines);
            assert_eq!(echo.await.unwrap().unwrap(), text.len() as u64);
        });
    });
}

#[test]
fn a_pipe_through_async_with_futures_lite() {
    watchdog(30, || {
        runtime::block_on(async {
            let (reader, writer) = std::io::pipe().unwrap();
            let reader = Async::new(reader).unwrap();
            let mut writer = Async::new(writer).unwrap();
            let data = vec![9u8; 300_000];
            let expected = data.len();
            let writing = runtime::spawn(async move {
                writer.write_all(&data).await?;
                writer.flush().await?;
                drop(writer); // closes the pipe: the reader sees EOF
                std::io::Result::Ok(())
            });
            let mut got = Vec::new();
            timeout(LIMIT, (&reader).read_to_end(&mut got))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(got.len(), expected);
            writing.await.unwrap().unwrap();
        });
    });
}

#[test]
fn vectored_reads_and_writes() {
    watchdog(30, || {
        runtime::block_on(async {
            let (mut a, mut b) = UnixStream::pair().unwrap();
            let parts = [
                IoSlice::new(b"head-"),
                IoSlice::new(b"body-"),
                IoSlice::new(b"tail"),
            ];
            let n = AsyncWriteExt::write_vectored(&mut a, &parts).await.unwrap();
            assert_eq!(n, 14, "a socketpair takes 14 bytes in one sendmsg");
            let (mut first, mut second) = ([0u8; 5], [0u8; 9]);
            let mut bufs = [IoSliceMut::new(&mut first), IoSliceMut::new(&mut second)];
            let n = timeout(LIMIT, AsyncReadExt::read_vectored(&mut b, &mut bufs))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(n, 14);
            assert_eq!(&first, b"head-");
            assert_eq!(&second, b"body-tail");
        });
    });
}

#[test]
fn close_shuts_down_the_write_side_only() {
    watchdog(30, || {
        runtime::block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let mut client = TcpStream::connect(listener.local_addr().unwrap())
                .await
                .unwrap();
            let (mut server, _) = listener.accept().await.unwrap();
            AsyncWriteExt::write_all(&mut client, b"bye").await.unwrap();
            client.close().await.unwrap();
            let mut got = Vec::new();
            timeout(LIMIT, server.read_to_end(&mut got))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(got, b"bye");
            // The client can still read what the server sends back.
            server.write_all(b"ok").await.unwrap();
            drop(server);
            let mut reply = String::new();
            timeout(LIMIT, AsyncReadExt::read_to_string(&mut client, &mut reply))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(reply, "ok");
        });
    });
}

#[test]
fn one_task_reads_while_another_writes_through_shared_references() {
    watchdog(30, || {
        runtime::block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = listener.local_addr().unwrap();
            let echo = runtime::spawn(async move {
                let (conn, _) = listener.accept().await?;
                futures_lite::io::copy(&conn, &mut &conn).await?;
                (&conn).close().await
            });
            let stream = std::rc::Rc::new(TcpStream::connect(addr).await.unwrap());
            let data = vec![3u8; 2_000_000];
            let expected = data.len();
            let writer = stream.clone();
            let writing = runtime::spawn(async move {
                let mut shared = &*writer;
                shared.write_all(&data).await?;
                shared.close().await
            });
            let mut got = Vec::new();
            let mut shared = &*stream;
            timeout(LIMIT, shared.read_to_end(&mut got))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(got.len(), expected);
            writing.await.unwrap().unwrap();
            echo.await.unwrap().unwrap();
        });
    });
}

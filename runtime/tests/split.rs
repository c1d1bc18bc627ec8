//! `TcpStream::split` and `into_split`: reading and writing at once from
//! two futures or two tasks, the write half's drop leaving the read half
//! working, and `reunite` with the right and the wrong halves.

mod util;

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use runtime::net::{TcpListener, TcpStream};
use runtime::time::timeout;
use util::watchdog;

const LIMIT: Duration = Duration::from_secs(10);

/// A connected pair: (client, server).
async fn pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (server, _) = listener.accept().await.unwrap();
    (client, server)
}

/// Echoes until the peer closes.
async fn echo(mut conn: TcpStream) -> io::Result<()> {
    let mut buf = [0; 8192];
    loop {
        let n = conn.read(&mut buf).await?;
        if n == 0 {
            return conn.shutdown(std::net::Shutdown::Write);
        }
        conn.write_all(&buf[..n]).await?;
    }
}

#[test]
fn owned_halves_read_and_write_from_two_tasks() {
    watchdog(30, || {
        runtime::block_on(async {
            let (client, server) = pair().await;
            let echoing = runtime::spawn(echo(server));
            let (mut reader, mut writer) = client.into_split();
            // Far more than the socket buffers hold: a writer that waited
            // for the reader (or the reverse) would deadlock here.
            let data: Vec<u8> = (0..4_000_000u32).map(|i| (i % 253) as u8).collect();
            let expected = data.clone();
            let writing = runtime::spawn(async move {
                for chunk in data.chunks(64 * 1024) {
                    writer.write_all(chunk).await?;
                }
                writer.shutdown()?;
                io::Result::Ok(writer)
            });
            let reading = runtime::spawn(async move {
                let mut got = Vec::new();
                reader.read_to_end(&mut got).await?;
                io::Result::Ok((reader, got))
            });
            let writer = timeout(LIMIT, writing).await.unwrap().unwrap().unwrap();
            let (reader, got) = timeout(LIMIT, reading).await.unwrap().unwrap().unwrap();
            assert_eq!(got.len(), expected.len());
            assert!(got == expected);
            echoing.await.unwrap().unwrap();
            let stream = reader.reunite(writer).expect("halves of one stream");
            assert!(stream.local_addr().is_ok());
        });
    });
}

#[test]
fn borrowed_halves_work_from_one_task() {
    watchdog(30, || {
        runtime::block_on(async {
            let (mut client, server) = pair().await;
            let echoing = runtime::spawn(echo(server));
            let (mut reader, mut writer) = client.split();
            let data = vec![5u8; 1_000_000];
            let write = async {
                writer.write_all(&data).await?;
                writer.shutdown()
            };
            let mut got = Vec::new();
            let (wrote, read) = timeout(LIMIT, runtime::join(write, reader.read_to_end(&mut got)))
                .await
                .unwrap();
            wrote.unwrap();
            assert_eq!(read.unwrap(), data.len());
            assert!(got == data);
            assert_eq!(reader.local_addr().unwrap(), writer.local_addr().unwrap());
            echoing.await.unwrap().unwrap();
        });
    });
}

#[test]
fn dropping_the_write_half_keeps_the_read_half_working() {
    watchdog(30, || {
        runtime::block_on(async {
            let (client, mut server) = pair().await;
            let (mut reader, writer) = client.into_split();
            drop(writer);
            // No FIN was sent: the server sees no end of stream...
            let mut buf = [0; 8];
            let r = timeout(Duration::from_millis(50), server.read(&mut buf)).await;
            assert!(r.is_err(), "dropping the write half shut the stream down");
            // ...and the read half still reads.
            server.write_all(b"still here").await.unwrap();
            server.shutdown(std::net::Shutdown::Write).unwrap();
            let mut got = Vec::new();
            timeout(LIMIT, reader.read_to_end(&mut got))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(got, b"still here");
            assert!(reader.local_addr().is_ok());
            // The socket closes with the last half: the server reads EOF.
            drop(reader);
            let mut rest = Vec::new();
            timeout(LIMIT, server.read_to_end(&mut rest))
                .await
                .unwrap()
                .unwrap();
            assert!(rest.is_empty());
        });
    });
}

#[test]
fn reunite_accepts_only_matching_halves() {
    watchdog(30, || {
        runtime::block_on(async {
            let (a, _a_peer) = pair().await;
            let (b, _b_peer) = pair().await;
            let (a_local, b_local): (SocketAddr, SocketAddr) =
                (a.local_addr().unwrap(), b.local_addr().unwrap());
            let (a_read, a_write) = a.into_split();
            let (b_read, b_write) = b.into_split();
            let err = a_read.reunite(b_write).unwrap_err();
            assert!(err.to_string().contains("not from the same TcpStream"));
            let runtime::net::ReuniteError(a_read, b_write) = err;
            let err = b_write.reunite(a_read).unwrap_err();
            let runtime::net::ReuniteError(a_read, b_write) = err;
            let a = a_read.reunite(a_write).unwrap();
            let b = b_write.reunite(b_read).unwrap();
            assert_eq!(a.local_addr().unwrap(), a_local);
            assert_eq!(b.local_addr().unwrap(), b_local);
        });
    });
}

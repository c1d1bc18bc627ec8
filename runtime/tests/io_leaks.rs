//! Nothing leaks from the newer descriptor types either: after hundreds of
//! rounds of `Async` pipes (dropped and `into_inner`ed), UDP exchanges, Unix
//! connections, split TCP streams (halves dropped in either order, or
//! reunited), and operations cancelled by timeouts, the open descriptors
//! and the runtime's sources, timers and tasks are back where they started.
//!
//! This counts `/proc/self/fd`, so it has a test binary of its own.

mod util;

use std::io::{self, Write};
use std::net::Shutdown;
use std::time::Duration;

use runtime::io::Async;
use runtime::net::{TcpListener, TcpStream, UdpSocket, UnixListener, UnixStream};
use runtime::time::timeout;
use util::{TempDir, open_fds, watchdog};

const ROUNDS: usize = 200;
const SHORT: Duration = Duration::from_millis(1);

async fn pipe_round(i: usize) -> io::Result<()> {
    let (reader, writer) = io::pipe()?;
    let reader = Async::new(reader)?;
    let writer = Async::new(writer)?;
    writer.write_with(|w| (&*w).write(b"x")).await?;
    let mut buf = [0; 4];
    reader
        .read_with(|r| io::Read::read(&mut &*r, &mut buf))
        .await?;
    // A read with nothing left, cut short by a timeout.
    let idle = timeout(
        SHORT,
        reader.read_with(|r| io::Read::read(&mut &*r, &mut buf)),
    )
    .await;
    assert!(idle.is_err());
    if i.is_multiple_of(2) {
        drop(reader.into_inner()); // closed after deregistering by hand
    }
    Ok(())
}

async fn udp_round() -> io::Result<()> {
    let a = UdpSocket::bind("127.0.0.1:0")?;
    let b = UdpSocket::bind("127.0.0.1:0")?;
    a.send_to(b"ping", b.local_addr()?).await?;
    let mut buf = [0; 8];
    b.recv_from(&mut buf).await?;
    let idle = timeout(SHORT, b.recv_from(&mut buf)).await;
    assert!(idle.is_err());
    Ok(())
}

async fn unix_round(listener: &UnixListener, path: &std::path::Path) -> io::Result<()> {
    let mut client = UnixStream::connect(path).await?;
    let (mut server, _) = listener.accept().await?;
    client.write_all(b"hi").await?;
    client.shutdown(Shutdown::Write)?;
    let mut got = Vec::new();
    server.read_to_end(&mut got).await?;
    assert_eq!(got, b"hi");
    let idle = timeout(SHORT, listener.accept()).await;
    assert!(idle.is_err());
    let (mut a, _b) = UnixStream::pair()?;
    let mut buf = [0; 4];
    assert!(timeout(SHORT, a.read(&mut buf)).await.is_err());
    Ok(())
}

async fn split_round(listener: &TcpListener, i: usize) -> io::Result<()> {
    let client = TcpStream::connect(listener.local_addr()?).await?;
    let (mut server, _) = listener.accept().await?;
    let (mut reader, mut writer) = client.into_split();
    writer.write_all(b"data").await?;
    let mut buf = [0; 4];
    let mut got = 0;
    while got < 4 {
        got += server.read(&mut buf[got..]).await?;
    }
    assert!(timeout(SHORT, reader.read(&mut buf)).await.is_err());
    match i % 3 {
        0 => drop((reader, writer)),
        1 => drop((writer, reader)),
        _ => drop(reader.reunite(writer).expect("one stream's halves")),
    }
    Ok(())
}

#[test]
fn hundreds_of_rounds_of_every_type_leak_nothing() {
    watchdog(120, || {
        let dir = TempDir::new("io-leaks");
        let fds_before = open_fds();
        let rt = runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let before = runtime::stats();
            let fds_in_runtime = open_fds();
            let path = dir.join("leaks.sock");
            let unix_listener = UnixListener::bind(&path).unwrap();
            let tcp_listener = TcpListener::bind("127.0.0.1:0").unwrap();
            for i in 0..ROUNDS {
                pipe_round(i).await.unwrap();
                udp_round().await.unwrap();
                unix_round(&unix_listener, &path).await.unwrap();
                split_round(&tcp_listener, i).await.unwrap();
            }
            // Tasks spawned and aborted mid-wait on each type.
            let (a, _b) = UnixStream::pair().unwrap();
            let a = std::rc::Rc::new(a);
            let udp = std::rc::Rc::new(UdpSocket::bind("127.0.0.1:0").unwrap());
            let mut tasks = Vec::new();
            for _ in 0..50 {
                // Through futures-io: an untracked waker, left in the source
                // until the source goes.
                #[cfg(feature = "futures-io")]
                {
                    let a = a.clone();
                    tasks.push(runtime::spawn(async move {
                        let mut buf = [0; 4];
                        let mut shared = &*a;
                        let _ = futures_lite::io::AsyncReadExt::read(&mut shared, &mut buf).await;
                    }));
                }
                let udp = udp.clone();
                tasks.push(runtime::spawn(async move {
                    let mut buf = [0; 4];
                    let _ = udp.recv_from(&mut buf).await;
                }));
            }
            runtime::time::sleep(Duration::from_millis(5)).await;
            for task in tasks {
                task.abort();
                assert!(task.await.unwrap_err().is_cancelled());
            }
            drop((a, _b, udp, unix_listener, tcp_listener));
            let after = runtime::stats();
            println!("before: {before:?}\nafter:  {after:?}");
            assert_eq!(after.tasks, before.tasks, "tasks leaked");
            assert_eq!(after.sources, before.sources, "reactor sources leaked");
            assert_eq!(after.timers, before.timers, "timers leaked");
            assert_eq!(open_fds(), fds_in_runtime, "descriptors left open");
        });
        drop(rt);
        assert_eq!(open_fds(), fds_before, "descriptors leaked");
    });
}

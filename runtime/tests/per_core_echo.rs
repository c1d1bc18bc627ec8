//! Two cores, one port: `per_core(2)` with a `bind_reuse_port` listener on
//! each, 200 echo clients (100 started on each core, each connection
//! landing on whichever listener the kernel picks), every echo checked,
//! no error, and both cores served some.

mod util;

use std::cell::Cell;
use std::io;
use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use runtime::net::{TcpListener, TcpStream};
use runtime::sync::{mpsc, oneshot};
use runtime::time::timeout;
use util::watchdog;

const CORES: usize = 2;
const CLIENTS_PER_CORE: usize = 100;
const MESSAGES: usize = 8;

/// One value per core, each taken once by its core.
struct Slots<T>(Mutex<Vec<Option<T>>>);

impl<T> Slots<T> {
    fn new(values: impl IntoIterator<Item = T>) -> Slots<T> {
        Slots(Mutex::new(values.into_iter().map(Some).collect()))
    }

    fn take(&self, i: usize) -> T {
        let mut slots = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        slots[i].take().expect("taken once")
    }
}

async fn serve(listener: TcpListener, served: Rc<Cell<usize>>) -> io::Result<()> {
    loop {
        let (mut conn, _) = listener.accept().await?;
        served.set(served.get() + 1);
        drop(runtime::spawn(async move {
            let mut buf = [0; 1024];
            loop {
                match conn.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) if conn.write_all(&buf[..n]).await.is_err() => return,
                    Ok(_) => {}
                }
            }
        }));
    }
}

/// Sends `MESSAGES` messages one at a time, each echoed before the next.
async fn client(addr: SocketAddr, id: usize) -> io::Result<()> {
    let mut conn = TcpStream::connect(addr).await?;
    for m in 0..MESSAGES {
        let message = format!("client {id:03} message {m}\n");
        conn.write_all(message.as_bytes()).await?;
        let mut echo = vec![0; message.len()];
        let mut got = 0;
        while got < echo.len() {
            match conn.read(&mut echo[got..]).await? {
                0 => return Err(io::Error::other(format!("client {id}: early end"))),
                n => got += n,
            }
        }
        if echo != message.as_bytes() {
            return Err(io::Error::other(format!("client {id}: wrong echo")));
        }
    }
    Ok(())
}

#[test]
fn two_cores_echo_200_clients_without_error() {
    watchdog(60, || {
        // Core 0 binds (port 0: any) and sends the address to core 1, which
        // binds the same port and answers "bound", so that no client
        // starts before both listeners exist. Then each core tells both
        // when its clients are done; a core stops serving once both are.
        let (addr_tx, addr_rx) = oneshot::channel::<SocketAddr>();
        let (bound_tx, bound_rx) = oneshot::channel::<()>();
        let (addr_tx, addr_rx) = (Slots::new([addr_tx]), Slots::new([addr_rx]));
        let (bound_tx, bound_rx) = (Slots::new([bound_tx]), Slots::new([bound_rx]));
        let (done_tx, done_rx): (Vec<_>, Vec<_>) = (0..CORES).map(|_| mpsc::channel(CORES)).unzip();
        let done_rx = Slots::new(done_rx);

        let results = runtime::per_core(CORES, |core| {
            let (addr_tx, addr_rx, bound_tx, bound_rx) = (&addr_tx, &addr_rx, &bound_tx, &bound_rx);
            let (done_tx, done_rx) = (&done_tx, &done_rx);
            async move {
                let listener = if core == 0 {
                    let listener = TcpListener::bind_reuse_port("127.0.0.1:0")?;
                    let addr = listener.local_addr()?;
                    addr_tx.take(0).send(addr).unwrap();
                    timeout(Duration::from_secs(10), bound_rx.take(0))
                        .await?
                        .map_err(io::Error::other)?;
                    listener
                } else {
                    let addr = timeout(Duration::from_secs(10), addr_rx.take(0))
                        .await?
                        .map_err(io::Error::other)?;
                    let listener = TcpListener::bind_reuse_port(addr)?;
                    bound_tx.take(0).send(()).unwrap();
                    listener
                };
                let addr = listener.local_addr()?;
                let served = Rc::new(Cell::new(0));
                let server = runtime::spawn(serve(listener, served.clone()));
                let ids = (0..CLIENTS_PER_CORE).map(|i| core * CLIENTS_PER_CORE + i);
                let clients = runtime::join_all(ids.map(|id| client(addr, id)));
                let results = timeout(Duration::from_secs(30), clients).await?;
                let errors: Vec<String> = results
                    .into_iter()
                    .filter_map(|r| r.err().map(|e| e.to_string()))
                    .collect();
                for tx in done_tx {
                    tx.send(()).await.map_err(io::Error::other)?;
                }
                let mut done = done_rx.take(core);
                for _ in 0..CORES {
                    timeout(Duration::from_secs(30), done.recv()).await?;
                }
                server.abort();
                io::Result::Ok((served.get(), errors))
            }
        });
        let mut served = Vec::new();
        for (core, result) in results.into_iter().enumerate() {
            let (count, errors) = result.unwrap_or_else(|e| panic!("core {core}: {e}"));
            assert!(errors.is_empty(), "core {core}: {errors:?}");
            served.push(count);
        }
        println!("connections served per core: {served:?}");
        assert_eq!(served.iter().sum::<usize>(), CORES * CLIENTS_PER_CORE);
        assert!(
            served.iter().all(|&n| n > 0),
            "both listeners accept: {served:?}"
        );
    });
}

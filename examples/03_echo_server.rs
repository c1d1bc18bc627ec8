//! A TCP echo server: it accepts connections and runs one task per
//! connection, which writes back everything it reads until the client
//! closes. Thousands of idle connections cost a socket each, no thread.
//!
//! Run it with `cargo run --example 03_echo_server` (port 7878; give another
//! port as the first argument, or 0 for any free one), then type into
//! `nc 127.0.0.1 7878`. With `--demo`, as CI runs it, it connects a few
//! clients itself, checks their echoes, prints them and exits:
//! `cargo run --example 03_echo_server -- --demo` (on a free port).
//!
//! With `--cores N` it runs N runtimes, one per thread
//! ([`runtime::per_core`]), each accepting on its own listener bound to the
//! same port with `SO_REUSEPORT` ([`TcpListener::bind_reuse_port`]); the
//! kernel deals the connections out. Core 0 binds first (the port may be
//! 0, "any") and tells the others the address through
//! [`runtime::sync`] channels; with `--demo` it also runs the clients, 3
//! per core, and tells the other cores when to stop:
//! `cargo run --example 03_echo_server -- --demo --cores 2`.

use std::cell::Cell;
use std::io;
use std::net::{Ipv4Addr, Shutdown, SocketAddr};
use std::rc::Rc;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use runtime::net::{TcpListener, TcpStream};
use runtime::sync::{mpsc, oneshot};
use runtime::time::timeout;

/// Accepts connections forever, each echoed by its own task; counts them
/// in `served`.
async fn serve(listener: TcpListener, served: Rc<Cell<usize>>) -> io::Result<()> {
    loop {
        let (conn, peer) = listener.accept().await?;
        served.set(served.get() + 1);
        // Detached: the task runs on its own until its client leaves.
        drop(runtime::spawn(async move {
            match echo(conn).await {
                Ok(bytes) => println!("[server] {peer} left after {bytes} bytes"),
                Err(e) => println!("[server] {peer}: {e}"),
            }
        }));
    }
}

/// Writes back everything it reads, until end of stream.
async fn echo(mut conn: TcpStream) -> io::Result<u64> {
    let mut buf = [0; 4096];
    let mut total = 0;
    loop {
        let n = conn.read(&mut buf).await?;
        if n == 0 {
            return Ok(total);
        }
        conn.write_all(&buf[..n]).await?;
        total += n as u64;
    }
}

/// Sends one line, closes its sending half, and checks the echo.
async fn client(addr: SocketAddr, i: usize) -> io::Result<()> {
    let mut conn = TcpStream::connect(addr).await?;
    let line = format!("hello from client {i}\n");
    conn.write_all(line.as_bytes()).await?;
    conn.shutdown(Shutdown::Write)?;
    let mut reply = Vec::new();
    conn.read_to_end(&mut reply).await?;
    if reply != line.as_bytes() {
        return Err(io::Error::other(format!(
            "client {i}: wrong echo {reply:?}"
        )));
    }
    print!("[client {i}] echoed: {}", String::from_utf8_lossy(&reply));
    Ok(())
}

fn main() {
    if let Err(e) = run() {
        eprintln!("03_echo_server: {e}");
        std::process::exit(1);
    }
}

/// The command line: `[PORT] [--demo] [--cores N]`.
struct Args {
    port: u16,
    demo: bool,
    cores: usize,
}

fn parse_args() -> io::Result<Args> {
    let invalid = |message: String| io::Error::new(io::ErrorKind::InvalidInput, message);
    let mut args = std::env::args().skip(1);
    let (mut port, mut demo, mut cores) = (None, false, 1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--demo" => demo = true,
            "--cores" => {
                let n = args.next().unwrap_or_default();
                cores = n
                    .parse::<usize>()
                    .ok()
                    .filter(|&n| n > 0)
                    .ok_or_else(|| invalid(format!("--cores {n:?}: expected a number > 0")))?;
            }
            p if !p.starts_with("--") => {
                port = Some(
                    p.parse::<u16>()
                        .map_err(|e| invalid(format!("port {p:?}: {e}")))?,
                );
            }
            other => return Err(invalid(format!("unknown flag {other:?}"))),
        }
    }
    let port = port.unwrap_or(if demo { 0 } else { 7878 });
    Ok(Args { port, demo, cores })
}

fn run() -> io::Result<()> {
    let Args { port, demo, cores } = parse_args()?;
    if cores == 1 {
        return runtime::block_on(async move {
            let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))?;
            one_core(listener, demo, 3).await.map(drop)
        });
    }
    // What the cores tell each other: core 0 the address to the others,
    // each other core "bound" back to core 0, core 0 "stop" to each.
    let wiring = Wiring::new(cores);
    let results = runtime::per_core(cores, |core| {
        let wiring = &wiring;
        async move {
            if core == 0 {
                first_core(port, demo, cores, wiring).await
            } else {
                other_core(core, wiring).await
            }
        }
    });
    results.into_iter().collect()
}

/// Serves `listener`; with `demo`, runs `clients` clients against it (the
/// kernel may deal their connections to any core's listener) and returns
/// once all are echoed. Returns how many connections this core served.
async fn one_core(listener: TcpListener, demo: bool, clients: usize) -> io::Result<usize> {
    let addr = listener.local_addr()?;
    println!("echo server on {addr}; try: nc 127.0.0.1 {}", addr.port());
    let served = Rc::new(Cell::new(0));
    let server = runtime::spawn(serve(listener, served.clone()));
    if !demo {
        server.await??;
        return Ok(served.get());
    }
    let all = runtime::join_all((1..=clients).map(|i| client(addr, i)));
    for result in timeout(Duration::from_secs(10), all).await? {
        result?;
    }
    server.abort();
    println!("demo done: {clients} clients echoed");
    Ok(served.get())
}

/// Core 0: binds (learning the port when it is 0), hands the address to
/// the other cores, waits until they are bound too, then serves; in the
/// demo, runs the clients and then stops the other cores.
async fn first_core(port: u16, demo: bool, cores: usize, wiring: &Wiring) -> io::Result<()> {
    let listener = TcpListener::bind_reuse_port(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))?;
    let addr = listener.local_addr()?;
    for core in 1..cores {
        // A core that is gone already failed, and says so itself.
        let _ = take(&wiring.addr_tx, core).send(addr);
    }
    let mut bound = take(&wiring.bound_rx, 0);
    for _ in 1..cores {
        let waited = timeout(Duration::from_secs(10), bound.recv()).await;
        if !matches!(waited, Ok(Some(()))) {
            return Err(io::Error::other("another core could not bind its listener"));
        }
    }
    let served = one_core(listener, demo, 3 * cores).await;
    for core in 1..cores {
        let _ = take(&wiring.stop_tx, core).send(()); // as above
    }
    println!("[core 0] served {} connections", served?);
    Ok(())
}

/// Core `core` > 0: binds the address core 0 sent, says so, and serves
/// until core 0 says stop (the demo) or forever.
async fn other_core(core: usize, wiring: &Wiring) -> io::Result<()> {
    let addr = take(&wiring.addr_rx, core)
        .await
        .map_err(|_| io::Error::other("core 0 failed before binding"))?;
    let listener = TcpListener::bind_reuse_port(addr)?;
    let bound = take(&wiring.bound_tx, core);
    bound
        .send(())
        .await
        .map_err(|_| io::Error::other("core 0 is gone"))?;
    let served = Rc::new(Cell::new(0));
    let stop = take(&wiring.stop_rx, core);
    // Either the server fails, or core 0 says stop (or is gone).
    if let runtime::Either::Left(result) =
        runtime::select(serve(listener, served.clone()), stop).await
    {
        result?;
    }
    println!("[core {core}] served {} connections", served.get());
    Ok(())
}

/// The channel ends, one slot per core, each taken once by its core.
struct Wiring {
    addr_tx: Slots<oneshot::Sender<SocketAddr>>,
    addr_rx: Slots<oneshot::Receiver<SocketAddr>>,
    bound_tx: Slots<mpsc::Sender<()>>,
    bound_rx: Slots<mpsc::Receiver<()>>,
    stop_tx: Slots<oneshot::Sender<()>>,
    stop_rx: Slots<oneshot::Receiver<()>>,
}

type Slots<T> = Mutex<Vec<Option<T>>>;

impl Wiring {
    fn new(cores: usize) -> Wiring {
        let (addr_tx, addr_rx) = (0..cores)
            .map(|_| oneshot::channel())
            .unzip::<_, _, Vec<_>, Vec<_>>();
        let (stop_tx, stop_rx) = (0..cores)
            .map(|_| oneshot::channel())
            .unzip::<_, _, Vec<_>, Vec<_>>();
        let (bound, bound_rx) = mpsc::channel(cores);
        Wiring {
            addr_tx: slots(addr_tx),
            addr_rx: slots(addr_rx),
            bound_tx: slots((0..cores).map(|_| bound.clone()).collect()),
            bound_rx: slots(vec![bound_rx]),
            stop_tx: slots(stop_tx),
            stop_rx: slots(stop_rx),
        }
    }
}

/// One slot per value.
fn slots<T>(values: Vec<T>) -> Slots<T> {
    Mutex::new(values.into_iter().map(Some).collect())
}

/// Takes slot `i`: each is taken once, by the code of one core.
fn take<T>(slots: &Slots<T>, i: usize) -> T {
    let mut slots = slots.lock().unwrap_or_else(PoisonError::into_inner);
    slots[i].take().expect("each slot is taken once")
}

//! A TCP echo server: it accepts connections and runs one task per
//! connection, which writes back everything it reads until the client
//! closes. Thousands of idle connections cost a socket each, no thread.
//!
//! Run it with `cargo run --example 03_echo_server` (port 7878; give another
//! port as the first argument, or 0 for any free one), then type into
//! `nc 127.0.0.1 7878`. With `--demo`, as CI runs it, it connects a few
//! clients itself, checks their echoes, prints them and exits:
//! `cargo run --example 03_echo_server -- --demo` (on a free port).

use std::io;
use std::net::{Ipv4Addr, Shutdown, SocketAddr};
use std::time::Duration;

use runtime::net::{TcpListener, TcpStream};
use runtime::time::timeout;

/// Accepts connections forever, each echoed by its own task.
async fn serve(listener: TcpListener) -> io::Result<()> {
    loop {
        let (conn, peer) = listener.accept().await?;
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

fn run() -> io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let demo = args.iter().any(|a| a == "--demo");
    let port = match args.iter().find(|a| !a.starts_with("--")) {
        Some(p) => p
            .parse::<u16>()
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, format!("port {p:?}: {e}")))?,
        None if demo => 0,
        None => 7878,
    };
    runtime::block_on(async move {
        let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))?;
        let addr = listener.local_addr()?;
        println!("echo server on {addr}; try: nc 127.0.0.1 {}", addr.port());
        let server = runtime::spawn(serve(listener));
        if !demo {
            return server.await?;
        }
        let clients = runtime::join_all((1..=3).map(|i| client(addr, i)));
        for result in timeout(Duration::from_secs(10), clients).await? {
            result?;
        }
        server.abort();
        println!("demo done: 3 clients echoed");
        Ok(())
    })
}

//! The HTTP peer for `fetch-1k`: nginx from Debian's packages when it is
//! installed (started on a free loopback port with a config in a temp dir),
//! otherwise a small std-thread server, and the report says which. nginx
//! also serves HTTPS for `fetch-tls-1k` (TLS 1.3 and 1.2, so 1.3, as
//! nginx 1.23.4 and later offer by default; Debian's 1.22 would offer 1.2
//! only) and on a third port TLS 1.2 only for `fetch-tls12-1k`, with a
//! certificate made by rcgen ([`crate::tls::Certificates`]); the fallback
//! has no HTTPS.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// Size of the file fetched.
pub const BODY_LEN: usize = 1024;
/// Its path on the server.
pub const PATH: &str = "/1k.bin";

/// A running HTTP server; stopped on drop.
#[derive(Debug)]
pub struct HttpPeer {
    /// Where it listens.
    pub addr: SocketAddr,
    /// `nginx` or `std-threads`.
    pub kind: &'static str,
    /// nginx's HTTPS port and the CA that signed its certificate.
    pub tls: Option<TlsEndpoint>,
    nginx: Option<(Child, PathBuf)>,
}

impl HttpPeer {
    /// nginx if installed, else the fallback server.
    pub fn start() -> HttpPeer {
        match find_nginx() {
            Some(nginx) => start_nginx(&nginx).unwrap_or_else(|e| {
                eprintln!("nginx failed to start ({e}); using the std-thread server");
                start_fallback()
            }),
            None => start_fallback(),
        }
    }
}

/// Where nginx serves the same file over HTTPS.
#[derive(Debug, Clone)]
pub struct TlsEndpoint {
    /// The HTTPS port, on 127.0.0.1 (the certificate names the address),
    /// offering TLS 1.3 and 1.2.
    pub addr: SocketAddr,
    /// The port that offers TLS 1.2 only.
    pub tls12_addr: SocketAddr,
    /// The CA certificate (PEM) that signed nginx's certificate.
    pub ca_pem: String,
}

impl Drop for HttpPeer {
    fn drop(&mut self) {
        if let Some((child, dir)) = &mut self.nginx {
            let _ = child.kill();
            let _ = child.wait();
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

fn find_nginx() -> Option<PathBuf> {
    let candidates = ["/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx"];
    candidates.iter().map(PathBuf::from).find(|p| p.exists())
}

fn free_port() -> u16 {
    let probe = TcpListener::bind("127.0.0.1:0").expect("bind a probe port");
    probe.local_addr().expect("probe address").port()
}

fn start_nginx(binary: &PathBuf) -> std::io::Result<HttpPeer> {
    // One directory per server: several may run at once in one process
    // (the smoke tests), and each removes its own when dropped.
    static STARTED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = STARTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("handroll-bench-nginx-{}-{n}", std::process::id()));
    let www = dir.join("www");
    std::fs::create_dir_all(&www)?;
    std::fs::write(www.join(&PATH[1..]), body())?;
    let certificates = crate::tls::Certificates::generate();
    std::fs::write(dir.join("cert.pem"), &certificates.leaf_pem)?;
    std::fs::write(dir.join("key.pem"), &certificates.key_pem)?;
    let (port, tls_port, tls12_port) = (free_port(), free_port(), free_port());
    let d = dir.display();
    // HTTPS: no session cache and no tickets, so that every connection is
    // a full handshake whatever the client does. Keep-alive: nginx closes
    // a connection after 1,000 requests by default; the keep-alive rows
    // should count the clients' connections, not that limit, so it is
    // lifted (no effect on the rows that close after each request).
    let config = format!(
        "daemon off;\nmaster_process off;\nworker_processes 1;\npid {d}/nginx.pid;\n\
         error_log {d}/error.log;\nevents {{ worker_connections 4096; }}\n\
         http {{\n  access_log off;\n  keepalive_requests 1000000;\n  client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n\
         fastcgi_temp_path {d}/fastcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n\
         server {{ listen 127.0.0.1:{port} backlog=4096; root {d}/www; }}\n\
         server {{ listen 127.0.0.1:{tls_port} ssl backlog=4096; root {d}/www;\n\
         ssl_certificate {d}/cert.pem; ssl_certificate_key {d}/key.pem;\n\
         ssl_protocols TLSv1.2 TLSv1.3;\n\
         ssl_session_cache off; ssl_session_tickets off; }}\n\
         server {{ listen 127.0.0.1:{tls12_port} ssl backlog=4096; root {d}/www;\n\
         ssl_certificate {d}/cert.pem; ssl_certificate_key {d}/key.pem;\n\
         ssl_protocols TLSv1.2;\n\
         ssl_session_cache off; ssl_session_tickets off; }}\n}}\n"
    );
    std::fs::write(dir.join("nginx.conf"), config)?;
    let child = Command::new(binary)
        .arg("-p")
        .arg(&dir)
        .arg("-c")
        .arg(dir.join("nginx.conf"))
        .arg("-e")
        .arg(dir.join("error.log"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let tls_addr = SocketAddr::from(([127, 0, 0, 1], tls_port));
    let tls12_addr = SocketAddr::from(([127, 0, 0, 1], tls12_port));
    let peer = HttpPeer {
        addr,
        kind: "nginx",
        tls: Some(TlsEndpoint {
            addr: tls_addr,
            tls12_addr,
            ca_pem: certificates.ca_pem,
        }),
        nginx: Some((child, dir)),
    };
    wait_until_accepting(addr)?;
    wait_until_accepting(tls_addr)?;
    wait_until_accepting(tls12_addr)?;
    Ok(peer)
}

fn wait_until_accepting(addr: SocketAddr) -> std::io::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match TcpStream::connect(addr) {
            Ok(_) => return Ok(()),
            Err(e) if Instant::now() > deadline => return Err(e),
            Err(_) => thread::sleep(Duration::from_millis(20)),
        }
    }
}

fn body() -> Vec<u8> {
    (0..BODY_LEN).map(|i| b'a' + (i % 26) as u8).collect()
}

fn start_fallback() -> HttpPeer {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind the fallback server");
    let addr = listener.local_addr().expect("address");
    let mut response =
        format!("HTTP/1.0 200 OK\r\nContent-Length: {BODY_LEN}\r\n\r\n").into_bytes();
    response.extend(body());
    for _ in 0..2 {
        let listener = listener.try_clone().expect("clone listener");
        let response = response.clone();
        thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(mut conn) = conn else { continue };
                let mut buf = [0u8; 4096];
                let mut seen = Vec::new();
                while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                    match conn.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => seen.extend_from_slice(&buf[..n]),
                    }
                }
                let _ = conn.write_all(&response);
            }
        });
    }
    HttpPeer {
        addr,
        kind: "std-threads",
        tls: None,
        nginx: None,
    }
}

//! Real servers as child processes: nginx (from a generated config, one
//! foreground process, every file it writes under a temp dir) and python's
//! `http.server`, each killed when dropped; and [`require_program`], the
//! clear failure of an `#[ignore]`d test asked for without its program.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// The path of `program` on `PATH` or in the usual sbin directories.
pub fn find_program(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/usr/local/sbin"].map(PathBuf::from))
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// The path of `program`, or a clear failure: the tests that need it are
/// `#[ignore]`d, so reaching here means they were asked for.
pub fn require_program(program: &str, package: &str) -> PathBuf {
    find_program(program).unwrap_or_else(|| {
        panic!("this test needs {program}, which is not installed (apt-get install {package})")
    })
}

/// A server child process, killed when dropped.
pub struct ServerProcess {
    pub addr: SocketAddr,
    child: Child,
}

impl ServerProcess {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        // `kill` fails only if it already exited; `wait` reaps it.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `command` (made for a port) and waits until it accepts; tries
/// three ports in case one is taken in between.
fn start_server(what: &str, mut command: impl FnMut(u16) -> Command) -> ServerProcess {
    let mut failures = Vec::new();
    for _ in 0..3 {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let child = command(port)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {what}: {e}"));
        let mut server = ServerProcess { addr, child };
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(10) {
            if let Ok(Some(status)) = server.child.try_wait() {
                failures.push(format!("exited with {status}"));
                break;
            }
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return server;
            }
            thread::sleep(Duration::from_millis(25));
        }
        failures.push(format!("{addr}: not accepting after 10 s"));
    }
    panic!("{what} did not start: {failures:?}");
}

/// nginx serving `root`, one foreground process, every file it writes
/// under `tmp`.
pub fn start_nginx(tmp: &Path, root: &Path) -> ServerProcess {
    start_nginx_with(tmp, root, "")
}

/// nginx serving `root` over HTTPS, with the certificate and key (PEM)
/// already written to `tmp/cert.pem` and `tmp/key.pem`.
pub fn start_nginx_tls(tmp: &Path, root: &Path) -> ServerProcess {
    let t = tmp.display();
    let ssl = format!(
        " ssl;\n        ssl_certificate {t}/cert.pem;\n        ssl_certificate_key {t}/key.pem"
    );
    start_nginx_with(tmp, root, &ssl)
}

/// nginx with `listen` followed by `listen_extra` (` ssl; ...`).
fn start_nginx_with(tmp: &Path, root: &Path, listen_extra: &str) -> ServerProcess {
    let nginx = require_program("nginx", "nginx-light");
    let (tmp, root, listen_extra) = (tmp.to_owned(), root.to_owned(), listen_extra.to_owned());
    start_server("nginx", move |port| {
        let t = tmp.display();
        let conf = tmp.join("nginx.conf");
        let config = format!(
            "daemon off;
master_process off;
worker_processes 1;
pid {t}/nginx.pid;
error_log {t}/error.log;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    client_body_temp_path {t}/client_body;
    proxy_temp_path {t}/proxy;
    fastcgi_temp_path {t}/fastcgi;
    uwsgi_temp_path {t}/uwsgi;
    scgi_temp_path {t}/scgi;
    default_type application/octet-stream;
    server {{
        listen 127.0.0.1:{port}{listen_extra};
        root {root};
    }}
}}
",
            root = root.display()
        );
        std::fs::write(&conf, config).expect("writing nginx.conf");
        let mut command = Command::new(&nginx);
        command
            .arg("-p")
            .arg(&tmp)
            .arg("-c")
            .arg(&conf)
            .arg("-e")
            .arg(tmp.join("error.log"));
        command
    })
}

/// python's `http.server` serving `root`.
pub fn start_python(root: &Path) -> ServerProcess {
    let python = require_program("python3", "python3");
    let root = root.to_owned();
    start_server("python3 -m http.server", move |port| {
        let mut command = Command::new(&python);
        command
            .args(["-m", "http.server", "--bind", "127.0.0.1"])
            .arg(port.to_string())
            .arg("--directory")
            .arg(&root);
        command
    })
}

/// tinyproxy (a real HTTP proxy) in the foreground, its config and log in
/// `tmp`, allowing 127.0.0.1 and `CONNECT` to any port (no `ConnectPort`
/// line); the log is `tmp/tinyproxy.log`.
pub fn start_tinyproxy(tmp: &Path) -> ServerProcess {
    let tinyproxy = require_program("tinyproxy", "tinyproxy");
    let tmp = tmp.to_owned();
    start_server("tinyproxy", move |port| {
        let conf = tmp.join("tinyproxy.conf");
        let lines = [
            format!("Port {port}"),
            "Listen 127.0.0.1".to_owned(),
            "Allow 127.0.0.1".to_owned(),
            "LogLevel Connect".to_owned(),
            format!("LogFile \"{}\"", tmp.join("tinyproxy.log").display()),
            format!("PidFile \"{}\"", tmp.join("tinyproxy.pid").display()),
        ];
        std::fs::write(&conf, lines.join("\n") + "\n").expect("writing tinyproxy.conf");
        let mut command = Command::new(&tinyproxy);
        command.arg("-d").arg("-c").arg(&conf);
        command
    })
}

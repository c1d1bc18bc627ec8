//! tinyproxy as a child process for the real-proxy tests (`tinyproxy.rs`):
//! found on the usual paths, started in the foreground (`-d`, so the child
//! is tinyproxy itself and killing it stops it) from a config written to a
//! temporary directory, on a free port of 127.0.0.1, its log (stderr) kept
//! in that directory for failure messages, and waited for until it accepts.

use std::fs::{self, File};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use super::process::{ChildGuard, find_program, free_port, read_log, wait_until_accepts};

/// The tinyproxy binary, or a panic that says how to install it.
pub fn binary() -> PathBuf {
    find_program("tinyproxy", &["/usr/bin", "/usr/sbin", "/usr/local/bin"]).expect(
        "tinyproxy is not installed (on PATH, /usr/bin or /usr/sbin): install it \
         (Debian: apt-get install tinyproxy), or run without --include-ignored",
    )
}

/// A running tinyproxy: its address and log; killed when dropped.
pub struct Tinyproxy {
    pub addr: SocketAddr,
    log: PathBuf,
    _child: ChildGuard,
}

impl Tinyproxy {
    /// `http://127.0.0.1:PORT`, the proxy URL.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// What tinyproxy has logged so far.
    pub fn log(&self) -> String {
        read_log(&self.log)
    }
}

/// Starts `tinyproxy` with its files in `tmp`, on a free port of
/// 127.0.0.1, allowing clients from 127.0.0.1 and tunnels to any port;
/// `extra` is added to the config (`BasicAuth user password`, say).
/// Retries with other ports, up to 3 times, if one was taken meanwhile.
pub fn start(tinyproxy: &Path, tmp: &Path, extra: &str) -> Tinyproxy {
    let conf = tmp.join("tinyproxy.conf");
    let log = tmp.join("tinyproxy.log");
    let mut failures = Vec::new();
    for _ in 0..3 {
        let port = free_port();
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        // No `ConnectPort` line: CONNECT to every port is allowed.
        let config = format!(
            "Port {port}\nListen 127.0.0.1\nTimeout 30\nMaxClients 50\nAllow 127.0.0.1\n\
             LogLevel Info\nPidFile \"{}\"\n{extra}\n",
            tmp.join("tinyproxy.pid").display()
        );
        fs::write(&conf, config).unwrap();
        let child = Command::new(tinyproxy)
            .arg("-d")
            .arg("-c")
            .arg(&conf)
            .stdin(Stdio::null())
            .stdout(File::create(&log).unwrap())
            .stderr(File::options().append(true).open(&log).unwrap())
            .spawn()
            .expect("starting tinyproxy");
        let mut child = ChildGuard::new(child);
        match wait_until_accepts(addr, &mut child, Duration::from_secs(10)) {
            Ok(after) => {
                eprintln!("tinyproxy on {addr} accepted after {after:?}");
                return Tinyproxy {
                    addr,
                    log,
                    _child: child,
                };
            }
            Err(e) => failures.push(format!("{e}; log: {}", read_log(&log))),
        }
    }
    panic!("tinyproxy did not start: {failures:#?}");
}

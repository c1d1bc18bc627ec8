//! nginx as a child process for the real-server tests (`nginx.rs`,
//! `nginx_tls.rs`): found on the usual paths, started from a generated
//! config in a temporary directory (one foreground process, `master_process
//! off`, so the child is nginx itself and killing it stops everything; pid,
//! logs and temp paths all under that directory, so it runs without root
//! and without `/var/lib/nginx`), and waited for until each port accepts.

use std::fs;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use super::process::{ChildGuard, find_program, free_port, read_log, wait_until_accepts};

/// The nginx binary, or a panic that says how to install it.
pub fn binary() -> PathBuf {
    find_program("nginx", &["/usr/sbin", "/usr/local/sbin"]).expect(
        "nginx is not installed (on PATH, /usr/sbin or /usr/local/sbin): install it \
         (Debian: apt-get install nginx-light), or run without --include-ignored",
    )
}

/// A full config: the process and temp-path settings every test shares,
/// then `http` (directives and `server` blocks) inside the `http` block.
fn config(tmp: &Path, http: &str) -> String {
    let t = tmp.display();
    format!(
        "daemon off;
master_process off;
worker_processes 1;
pid {t}/nginx.pid;
error_log {t}/error.log info;
events {{
    worker_connections 1024;
}}
http {{
    client_body_temp_path {t}/client_body;
    proxy_temp_path {t}/proxy;
    fastcgi_temp_path {t}/fastcgi;
    uwsgi_temp_path {t}/uwsgi;
    scgi_temp_path {t}/scgi;
    default_type application/octet-stream;
{http}
}}
"
    )
}

/// Starts `nginx` with every file under `tmp`, on `N` free ports given to
/// `http` (which returns the `http` block's contents for them); returns
/// the ports' addresses once each accepts. Retries with other ports, up
/// to 3 times, if one was taken in the meantime.
pub fn start<const N: usize>(
    nginx: &Path,
    tmp: &Path,
    http: impl Fn([u16; N]) -> String,
) -> ([SocketAddr; N], ChildGuard) {
    let conf = tmp.join("nginx.conf");
    let error_log = tmp.join("error.log");
    let mut failures = Vec::new();
    for _ in 0..3 {
        let ports: [u16; N] = std::array::from_fn(|_| free_port());
        let addrs = ports.map(|port| SocketAddr::from(([127, 0, 0, 1], port)));
        fs::write(&conf, config(tmp, &http(ports))).unwrap();
        let child = Command::new(nginx)
            .arg("-p")
            .arg(tmp)
            .arg("-c")
            .arg(&conf)
            .arg("-e")
            .arg(&error_log)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting nginx");
        let mut child = ChildGuard::new(child);
        let started = addrs.iter().try_fold(Duration::ZERO, |_, &addr| {
            wait_until_accepts(addr, &mut child, Duration::from_secs(10))
        });
        match started {
            Ok(after) => {
                eprintln!("nginx on {addrs:?} accepted after {after:?}");
                return (addrs, child);
            }
            Err(e) => failures.push(format!("{e}; log: {}", read_log(&error_log))),
        }
    }
    panic!("nginx did not start: {failures:#?}");
}

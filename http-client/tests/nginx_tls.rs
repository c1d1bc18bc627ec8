//! Against nginx with `ssl`: one nginx child process (as in `nginx.rs`)
//! listening for HTTPS on one port and plain HTTP on another, with a
//! certificate for `localhost`/127.0.0.1 made by rcgen and written to the
//! temporary config directory. 200 concurrent HTTPS fetches of a 1 KiB file
//! and one of a 10 MiB file arrive byte for byte (the large one also chunk
//! by chunk), nginx sees our SNI, and `https://` to the plain port fails
//! with "the server does not speak TLS".
//!
//! Needs nginx (Debian: `apt-get install nginx-light`, which has the ssl
//! module), so it is `#[ignore]`d; `cargo test -- --include-ignored` runs
//! it, failing with a clear message if nginx is not installed.

#![cfg(feature = "tls")]

#[path = "util/tls.rs"]
mod tls;
mod util;

use std::fs;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use http_client::{Error, Request, Url, Version};
use tls::pki;
use util::process::{ChildGuard, TempDir, find_program, free_port, wait_until_accepts};
use util::{client, watchdog};

const SMALL: usize = 1024;
const LARGE: usize = 10 << 20;
const CONCURRENT: usize = 200;

#[test]
#[ignore = "needs nginx-light"]
fn nginx_serves_https_to_the_client() {
    let nginx = find_program("nginx", &["/usr/sbin", "/usr/local/sbin"]).expect(
        "nginx is not installed (on PATH, /usr/sbin or /usr/local/sbin): install it \
         (Debian: apt-get install nginx-light), or run without --include-ignored",
    );
    watchdog(Duration::from_secs(120), move || {
        let tmp = TempDir::new("nginx-tls");
        let root = tmp.path().join("www");
        fs::create_dir_all(&root).unwrap();
        fs::write(root.join("small.bin"), util::pseudo_random(SMALL, 3)).unwrap();
        fs::write(root.join("large.bin"), util::pseudo_random(LARGE, 4)).unwrap();
        fs::write(tmp.path().join("cert.pem"), &pki().localhost.pem).unwrap();
        fs::write(tmp.path().join("key.pem"), &pki().localhost.key_pem).unwrap();
        let (https, http, _nginx) = start_nginx(&nginx, tmp.path(), &root);
        fetch_from(https, http, &tmp.path().join("access.log"));
    });
}

/// One foreground nginx process, every file under `tmp`; HTTPS on
/// `https_port` (logging the SNI name), plain HTTP on `http_port`.
fn config(tmp: &Path, root: &Path, https_port: u16, http_port: u16) -> String {
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
    log_format sni '$ssl_server_name $ssl_protocol $request';
    access_log {t}/access.log sni;
    client_body_temp_path {t}/client_body;
    proxy_temp_path {t}/proxy;
    fastcgi_temp_path {t}/fastcgi;
    uwsgi_temp_path {t}/uwsgi;
    scgi_temp_path {t}/scgi;
    default_type application/octet-stream;
    server {{
        listen 127.0.0.1:{https_port} ssl;
        ssl_certificate {t}/cert.pem;
        ssl_certificate_key {t}/key.pem;
        root {root};
    }}
    server {{
        listen 127.0.0.1:{http_port};
        root {root};
    }}
}}
",
        root = root.display()
    )
}

/// Starts nginx on two free ports; retries with others if one was taken
/// in the meantime.
fn start_nginx(nginx: &Path, tmp: &Path, root: &Path) -> (SocketAddr, SocketAddr, ChildGuard) {
    let conf = tmp.join("nginx.conf");
    let error_log = tmp.join("error.log");
    let mut failures = Vec::new();
    for _ in 0..3 {
        let (https_port, http_port) = (free_port(), free_port());
        let https = SocketAddr::from(([127, 0, 0, 1], https_port));
        let http = SocketAddr::from(([127, 0, 0, 1], http_port));
        fs::write(&conf, config(tmp, root, https_port, http_port)).unwrap();
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
        let started = wait_until_accepts(https, &mut child, Duration::from_secs(10))
            .and_then(|_| wait_until_accepts(http, &mut child, Duration::from_secs(10)));
        match started {
            Ok(after) => {
                eprintln!("nginx on {https} (ssl) and {http} accepted after {after:?}");
                return (https, http, child);
            }
            Err(e) => failures.push(format!("{e}; log: {}", util::process::read_log(&error_log))),
        }
    }
    panic!("nginx did not start: {failures:#?}");
}

fn fetch_from(https: SocketAddr, http: SocketAddr, access_log: &Path) {
    let base = format!("https://localhost:{}", https.port());
    let plain = format!("https://127.0.0.1:{}/small.bin", http.port());
    let (small, large, streamed, not_tls) = runtime::block_on(async move {
        let client = client()
            .total_timeout(Duration::from_secs(60))
            .add_root_certificate(pki().ca_pem.as_bytes())
            .expect("the test CA")
            .build();
        let tasks: Vec<_> = (0..CONCURRENT)
            .map(|_| {
                let (client, url) = (client.clone(), format!("{base}/small.bin"));
                runtime::spawn(async move { client.get(url).await })
            })
            .collect();
        let small = runtime::join_all(tasks).await;
        let large = client.get(format!("{base}/large.bin")).await;
        let url = Url::parse(&format!("{base}/large.bin")).unwrap();
        let streamed = match client.send_streaming(Request::get(url)).await {
            Ok(stream) => util::paths::collect(stream).await,
            Err(error) => Err(error),
        };
        let not_tls = client.get(plain).await;
        (small, large, streamed, not_tls)
    });

    let want = util::pseudo_random(SMALL, 3);
    for (i, joined) in small.into_iter().enumerate() {
        let response = joined
            .expect("the task ran")
            .unwrap_or_else(|e| panic!("small.bin #{i}: {e}"));
        assert_eq!(
            (response.status(), response.version()),
            (200, Version::Http11)
        );
        assert!(response.body() == want, "small.bin #{i} differs");
    }

    let response = large.expect("large.bin");
    assert_eq!(response.status(), 200);
    assert!(
        response.body() == util::pseudo_random(LARGE, 4),
        "large.bin differs ({} bytes)",
        response.body().len()
    );
    let streamed = streamed.expect("large.bin chunk by chunk");
    assert!(streamed == response, "large.bin streamed differs");

    let error = not_tls.expect_err("plain HTTP on the port");
    assert!(matches!(error, Error::NotTls { .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        format!("TLS handshake with {http} failed: the server does not speak TLS",)
    );

    // nginx saw our SNI on every request.
    let log = fs::read_to_string(access_log).unwrap_or_default();
    let https_lines: Vec<&str> = log.lines().filter(|l| l.contains("GET /")).collect();
    assert!(
        https_lines
            .iter()
            .filter(|l| l.starts_with("localhost TLSv1."))
            .count()
            >= CONCURRENT + 2,
        "access log:\n{}",
        util::show(log.as_bytes(), 2000)
    );
}

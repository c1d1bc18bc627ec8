//! Against nginx with `ssl`: one nginx child process (as in `nginx.rs`)
//! listening for HTTPS on one port and plain HTTP on another, with a
//! certificate for `localhost`/127.0.0.1 made by rcgen and written to the
//! temporary config directory. 200 concurrent HTTPS fetches of a 1 KiB file
//! and one of a 10 MiB file arrive byte for byte (the large one also chunk
//! by chunk), nginx sees our SNI, and `https://` to the plain port fails
//! with "the server does not speak TLS". The client pools connections: the
//! large file comes over a connection the small ones opened (no handshake),
//! and a second burst larger than the pool opens new connections that
//! resume the TLS sessions of the first (nginx logs `r` for them).
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
use std::time::Duration;

use http_client::{Error, Request, Url, Version};
use tls::pki;
use util::process::{ChildGuard, TempDir};
use util::{pooled_client, watchdog};

const SMALL: usize = 1024;
const LARGE: usize = 10 << 20;
const CONCURRENT: usize = 200;
/// The second burst: more than the pool holds, so some connections are new.
const SECOND_BURST: usize = 250;

#[test]
#[ignore = "needs nginx-light"]
fn nginx_serves_https_to_the_client() {
    let nginx = util::nginx::binary();
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

/// nginx serving `root` over HTTPS (logging the SNI name) on one free
/// port and over plain HTTP on another: (https, http).
fn start_nginx(nginx: &Path, tmp: &Path, root: &Path) -> (SocketAddr, SocketAddr, ChildGuard) {
    let t = tmp.display();
    let ([https, http], child) = util::nginx::start(nginx, tmp, |[https_port, http_port]| {
        format!(
            "    log_format sni '$ssl_server_name $ssl_protocol $ssl_session_reused $connection_requests $request';
    access_log {t}/access.log sni;
    server {{
        listen 127.0.0.1:{https_port} ssl;
        ssl_certificate {t}/cert.pem;
        ssl_certificate_key {t}/key.pem;
        root {root};
    }}
    server {{
        listen 127.0.0.1:{http_port};
        root {root};
    }}",
            root = root.display()
        )
    });
    (https, http, child)
}

fn fetch_from(https: SocketAddr, http: SocketAddr, access_log: &Path) {
    let base = format!("https://localhost:{}", https.port());
    let plain = format!("https://127.0.0.1:{}/small.bin", http.port());
    let (small, large, streamed, not_tls, second, stats) = runtime::block_on(async move {
        let client = pooled_client()
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
        let tasks: Vec<_> = (0..SECOND_BURST)
            .map(|_| {
                let (client, url) = (client.clone(), format!("{base}/small.bin"));
                runtime::spawn(async move { client.get(url).await })
            })
            .collect();
        let second = runtime::join_all(tasks).await;
        (small, large, streamed, not_tls, second, client.stats())
    });

    // The first burst opens its connections with full handshakes; the large
    // file reuses one; of the second burst, what the pool cannot serve
    // opens new connections, which resume the sessions nginx gave us.
    assert!(
        stats.connections_opened <= (SECOND_BURST + 1) as u64,
        "{stats:?}"
    );
    assert!(stats.reused >= 2 + CONCURRENT as u64 / 2, "{stats:?}");
    assert!(stats.tls_resumed_handshakes >= 1, "{stats:?}");
    assert_eq!(
        stats.tls_full_handshakes + stats.tls_resumed_handshakes,
        stats.connections_opened,
        "{stats:?}"
    );
    for (i, joined) in second.into_iter().enumerate() {
        let response = joined.expect("the task ran");
        let response = response.unwrap_or_else(|e| panic!("second burst #{i}: {e}"));
        assert!(response.body() == util::pseudo_random(SMALL, 3), "#{i}");
    }

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
    // nginx saw resumed sessions (`r`) and connections that carried more
    // than one request.
    let fields = |l: &&str| l.split(' ').map(str::to_owned).collect::<Vec<_>>();
    assert!(
        https_lines.iter().map(fields).any(|f| f[2] == "r"),
        "no resumed session in the log"
    );
    assert!(
        https_lines
            .iter()
            .map(fields)
            .any(|f| f[3].parse::<u32>().unwrap_or(0) >= 2),
        "no connection carried two requests"
    );
}

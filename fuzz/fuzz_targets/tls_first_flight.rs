//! Fuzz target: arbitrary bytes as a server's answer to the client's TLS
//! `ClientHello`.
//!
//! Each input runs one real handshake over loopback: a server task on the
//! same runtime accepts the connection, reads the `ClientHello`, writes the
//! input, and closes its sending side. Whatever the bytes, `connect` to the
//! `https://` URL must end in an error — not a panic, and not the connect
//! timeout (the server has closed, so waiting longer is a hang) — and never
//! in a verified connection (no bytes can forge one).

#![no_main]

use std::net::Shutdown;
use std::time::Duration;

use http_client::{Error, Url};
use libfuzzer_sys::fuzz_target;
use runtime::net::TcpListener;

fuzz_target!(|data: &[u8]| {
    let flight = data.to_vec();
    runtime::block_on(async move {
        let listener = TcpListener::bind("127.0.0.1:0".parse().unwrap()).expect("bind");
        let port = listener.local_addr().expect("local address").port();
        let server = runtime::spawn(async move {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let mut hello = [0; 4096];
            let _ = socket.read(&mut hello).await;
            let _ = socket.write_all(&flight).await;
            let _ = socket.shutdown(Shutdown::Write);
            // Drain until the client closes, so that its unread bytes do
            // not turn the close into a reset.
            while let Ok(n) = socket.read(&mut hello).await {
                if n == 0 {
                    break;
                }
            }
        });
        let url = Url::parse(&format!("https://127.0.0.1:{port}/")).unwrap();
        let result = http_client::connect_with_timeout(&url, Duration::from_secs(5)).await;
        match result {
            Ok(_) => panic!("a verified TLS connection from fuzz bytes"),
            Err(error @ Error::Timeout { .. }) => panic!("hung until the timeout: {error}"),
            Err(error) => {
                // Every error explains itself.
                assert!(!error.to_string().is_empty());
            }
        }
        let _ = server.await;
    });
});

//! A decompression bomb: a gzip body of about 1 MiB on the wire that would
//! decode to 1 GiB of zeros (deflate's best ratio is about 1:1000). A
//! client that decodes it must stop at its body limit with an error that
//! says so, having held one buffer's worth of decoded bytes at a time: the
//! process's peak resident memory (`VmHWM`) rises by far less than the
//! limit, let alone the gigabyte.
//!
//! The bomb is built here: one megabyte of zeros compressed and flushed
//! (`Sync`, so the block ends on a byte), then the block that encodes the
//! next megabyte of zeros — which, given a window of zeros, encodes any
//! megabyte of zeros — repeated 1023 times.
//!
//! Alone in its binary, so no other test's allocations blur the peak.

#![cfg(feature = "gzip")]

mod util;

use flate2::{Compress, Compression, FlushCompress};
use http_client::{DecodeError, Error, Request, Url};
use util::{ScriptedServer, Step, client, peak_rss, run};

const MIB: usize = 1 << 20;
/// The client's limit: the default, 16 MiB.
const LIMIT: u64 = 16 << 20;
/// The most the peak may rise while the bomb goes off.
const MAX_GROWTH: u64 = 8 << 20;

/// The gzip stream of 1 GiB of zeros, but for its trailer (the client
/// stops long before it).
fn bomb() -> Vec<u8> {
    let zeros = vec![0; MIB];
    let mut compress = Compress::new(Compression::best(), false);
    let mut block = |out: &mut Vec<u8>| {
        let before = compress.total_in();
        compress
            .compress_vec(&zeros, out, FlushCompress::Sync)
            .expect("compressing zeros");
        assert_eq!(compress.total_in() - before, MIB as u64, "all input taken");
    };
    let (mut first, mut next) = (Vec::with_capacity(64 << 10), Vec::with_capacity(64 << 10));
    block(&mut first);
    block(&mut next);
    let mut stream = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3];
    stream.extend_from_slice(&first);
    for _ in 1..1024 {
        stream.extend_from_slice(&next);
    }
    stream
}

#[test]
fn a_gzip_bomb_stops_at_the_body_limit_with_flat_memory() {
    let bomb = bomb();
    let wire = bomb.len();
    assert!(wire < 2 * MIB, "the bomb is {wire} bytes on the wire");
    let mut response = format!(
        "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\n\r\n",
        wire + 8
    )
    .into_bytes();
    response.extend_from_slice(&bomb);
    drop(bomb);
    let server = ScriptedServer::once(vec![Step::Write(response)]);
    let url = server.url("/bomb");
    let peak_before = peak_rss();
    let (error, decoded, capacity) = run(move || async move {
        let client = client().gzip(true).build(); // the default 16 MiB limit
        let request = Request::get(Url::parse(&url).unwrap());
        let mut stream = client.send_streaming(request).await.expect("a head");
        let capacity = stream.buffer_capacity();
        let mut decoded = 0u64;
        let error = loop {
            match stream.chunk().await {
                Ok(Some(chunk)) => {
                    assert!(chunk.iter().all(|&b| b == 0), "not zeros");
                    assert!(chunk.len() <= capacity);
                    decoded += chunk.len() as u64;
                }
                Ok(None) => panic!("the bomb ended after {decoded} bytes"),
                Err(error) => break error,
            }
        };
        (error, decoded, capacity)
    });
    let growth = peak_rss().saturating_sub(peak_before);
    println!(
        "{wire} bytes on the wire; stopped after {decoded} decoded bytes \
         (buffer {capacity}); peak RSS rose by {} KiB: {error}",
        growth / 1024
    );
    assert!(
        matches!(
            error,
            Error::Decode {
                source: DecodeError::TooLarge { limit: LIMIT, .. },
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(error.body_limit(), Some(LIMIT));
    assert!(
        decoded <= LIMIT && decoded > LIMIT - MIB as u64,
        "{decoded}"
    );
    assert!(
        growth < MAX_GROWTH,
        "the peak resident memory rose by {growth} bytes while decoding a bomb"
    );
}

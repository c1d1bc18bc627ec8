//! Memory per stream is the stream's buffer, whatever the server sends: a
//! 50 MB body read chunk by chunk never yields a chunk longer than the
//! buffer, the buffer never grows, and the process's peak resident memory
//! (`VmHWM` in `/proc/self/status`) rises by far less than the body.
//!
//! Alone in its binary, so no other test's allocations blur the peak.

mod util;

use http_client::Request;
use util::{ScriptedServer, Step, client, peak_rss, run};

/// The body: 50 MB.
const BODY: u64 = 50_000_000;
/// What the server repeats to make it (an odd length, so that pieces of it
/// straddle the client's reads at every offset).
const PATTERN_LEN: usize = 65_521;
/// The most the peak may rise while the body streams through.
const MAX_GROWTH: u64 = 16 << 20;

#[test]
fn a_50_mb_body_streams_through_one_buffer() {
    let pattern: Vec<u8> = (0..PATTERN_LEN).map(|i| (i % 251) as u8).collect();
    let expected = pattern.clone();
    // The server repeats the pattern until the client hangs up, which it
    // does once the `Content-Length` is complete.
    let server = ScriptedServer::once(vec![
        Step::write(format!("HTTP/1.1 200 OK\r\nContent-Length: {BODY}\r\n\r\n")),
        Step::Flood(pattern),
    ]);
    let url = server.url("/large");
    let peak_before = peak_rss();
    let (received, chunks, largest, capacity) = run(move || async move {
        let client = client().max_body_bytes(0).build();
        let request = Request::get(http_client::Url::parse(&url).unwrap());
        let mut stream = client.send_streaming(request).await.expect("a head");
        assert_eq!(stream.content_length(), Some(BODY));
        let capacity = stream.buffer_capacity();
        let (mut received, mut chunks, mut largest) = (0u64, 0u64, 0);
        let mut first = None;
        while let Some(chunk) = stream.chunk().await.expect("a chunk") {
            first.get_or_insert(chunk.len());
            assert!(chunk.len() <= capacity, "a chunk of {} bytes", chunk.len());
            let mut at = (received % PATTERN_LEN as u64) as usize;
            let mut rest = chunk;
            while !rest.is_empty() {
                let n = rest.len().min(PATTERN_LEN - at);
                assert!(
                    rest[..n] == expected[at..at + n],
                    "the body differs after {received} bytes"
                );
                (rest, at) = (&rest[n..], 0);
            }
            received += chunk.len() as u64;
            chunks += 1;
            largest = largest.max(chunk.len());
        }
        assert_eq!(stream.buffer_capacity(), capacity, "the capacity changed");
        // The buffer starts small (the head and the first body bytes fit
        // in 16 KiB) and grows once the server sends more than that.
        assert!(first.unwrap() <= 16 * 1024, "first chunk {first:?}");
        assert!(largest > 16 * 1024, "the buffer never grew: {largest}");
        (received, chunks, largest, capacity)
    });
    let growth = peak_rss().saturating_sub(peak_before);
    println!(
        "{received} bytes in {chunks} chunks (largest {largest}, buffer {capacity}); \
         peak RSS rose by {} KiB",
        growth / 1024
    );
    assert_eq!(received, BODY);
    assert!(
        growth < MAX_GROWTH,
        "the peak resident memory rose by {growth} bytes for a streamed body"
    );
}

//! Compressed bodies for the decoding tests, made with flate2's encoders:
//! gzip, zlib (HTTP's `deflate`) and raw deflate (what some servers send
//! as `deflate`). Shared by the decoder's unit tests (`src/decode/tests.rs`
//! includes this file) and the integration tests (`compression.rs`).

use std::io::Write;

use flate2::Compression;
use flate2::write::{DeflateEncoder, GzEncoder, ZlibEncoder};

/// `data`, gzip-coded.
pub(crate) fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

/// `data`, zlib-coded (`Content-Encoding: deflate` as RFC 9110 means it).
pub(crate) fn zlib(data: &[u8]) -> Vec<u8> {
    let mut encoder = ZlibEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

/// `data` as a raw deflate stream (no zlib header).
pub(crate) fn raw_deflate(data: &[u8]) -> Vec<u8> {
    let mut encoder = DeflateEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

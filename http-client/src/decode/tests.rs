//! Table tests of the content decoders: every input fed whole and then one
//! byte at a time (both must agree), valid streams of each shape, and each
//! way a stream can be corrupt, cut short or too large.

#[path = "../../tests/util/encode.rs"]
mod encode;

use encode::{gzip, raw_deflate, zlib};

use super::{Accept, ContentDecoder, DecodeError};
use crate::Headers;

/// A decoder for `coding`, with a body limit.
fn decoder(coding: &str, max_body: u64) -> ContentDecoder {
    let mut headers = Headers::new();
    headers.append("Content-Encoding".into(), coding.as_bytes().to_vec());
    headers.append("Content-Length".into(), b"10".to_vec());
    let accept = Accept {
        gzip: true,
        deflate: true,
    };
    let decoder = ContentDecoder::for_response(accept, &mut headers, max_body).expect("a decoder");
    assert!(headers.is_empty(), "the encoding's headers are removed");
    decoder
}

/// Decodes `input` fed in `pieces` of at most `piece` bytes, then ends it.
fn decode_in(
    coding: &str,
    input: &[u8],
    piece: usize,
    max_body: u64,
) -> Result<Vec<u8>, DecodeError> {
    let mut decoder = decoder(coding, max_body);
    let mut out = Vec::new();
    for mut chunk in input.chunks(piece) {
        while !chunk.is_empty() {
            let used = decoder.feed(chunk)?;
            out.extend_from_slice(decoder.take());
            chunk = &chunk[used..];
        }
    }
    loop {
        decoder.feed(&[])?;
        let more = decoder.take();
        if more.is_empty() {
            break;
        }
        out.extend_from_slice(more);
    }
    decoder.finish()?;
    Ok(out)
}

/// Decodes whole and byte by byte; both must agree.
fn decode(coding: &str, input: &[u8], max_body: u64) -> Result<Vec<u8>, DecodeError> {
    let whole = decode_in(coding, input, input.len().max(1), max_body);
    assert_eq!(whole, decode_in(coding, input, 1, max_body), "byte by byte");
    whole
}

/// `len` bytes that compress somewhat, but not to nothing.
fn text(len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| b"the quick brown fox "[i % 20] ^ (i / 997) as u8)
        .collect()
}

#[test]
fn decodes_valid_streams() {
    let big = text(200_000);
    let cases: Vec<(&str, Vec<u8>, Vec<u8>)> = vec![
        ("gzip", Vec::new(), Vec::new()),
        ("gzip", gzip(b""), Vec::new()),
        ("gzip", gzip(b"hello"), b"hello".to_vec()),
        ("x-gzip", gzip(b"hello"), b"hello".to_vec()),
        ("GZIP", gzip(&big), big.clone()),
        (
            "gzip",
            [gzip(b"two "), gzip(b"members")].concat(),
            b"two members".to_vec(),
        ),
        ("deflate", Vec::new(), Vec::new()),
        ("deflate", zlib(b"hello"), b"hello".to_vec()),
        ("deflate", zlib(&big), big.clone()),
        ("deflate", raw_deflate(b"hello"), b"hello".to_vec()),
        ("deflate", raw_deflate(&big), big.clone()),
    ];
    for (coding, input, want) in cases {
        assert_eq!(
            decode(coding, &input, 0),
            Ok(want),
            "{coding} {} bytes",
            input.len()
        );
    }
}

#[test]
fn reads_every_optional_header_field() {
    // FEXTRA, FNAME, FCOMMENT and FHCRC, with its CRC-16.
    let plain = gzip(b"fields");
    let mut header = vec![0x1f, 0x8b, 8, 0x02 | 0x04 | 0x08 | 0x10, 0, 0, 0, 0, 0, 3];
    header.extend_from_slice(&[3, 0, b'a', b'b', b'c']);
    header.extend_from_slice(b"name.txt\0a comment\0");
    let mut crc = flate2::Crc::new();
    crc.update(&header);
    header.extend_from_slice(&(crc.sum() as u16).to_le_bytes());
    let stream = [&header[..], &plain[10..]].concat();
    assert_eq!(decode("gzip", &stream, 0), Ok(b"fields".to_vec()));
    let mut wrong = stream.clone();
    wrong[header.len() - 1] ^= 1;
    assert_eq!(
        decode("gzip", &wrong, 0),
        Err(corrupt("gzip", "the header's CRC-16 does not match"))
    );
}

fn corrupt(coding: &'static str, reason: &str) -> DecodeError {
    DecodeError::Corrupt {
        coding,
        reason: reason.to_owned(),
    }
}

#[test]
fn rejects_corrupt_streams() {
    let good = gzip(b"hello");
    let n = good.len();
    let with = |at: usize, byte: u8| {
        let mut bad = good.clone();
        bad[at] = byte;
        bad
    };
    let crc_off = {
        let mut bad = good.clone();
        bad[n - 8] ^= 0xff;
        bad
    };
    let cases: Vec<(&str, Vec<u8>, DecodeError)> = vec![
        (
            "gzip",
            b"hello".to_vec(),
            corrupt("gzip", "not a gzip stream (it does not start with 1f 8b)"),
        ),
        (
            "gzip",
            with(1, 0x8c),
            corrupt("gzip", "not a gzip stream (it does not start with 1f 8b)"),
        ),
        (
            "gzip",
            with(2, 7),
            corrupt(
                "gzip",
                "unknown compression method (only 8, deflate, exists)",
            ),
        ),
        (
            "gzip",
            with(3, 0x20),
            corrupt("gzip", "reserved header flags are set"),
        ),
        (
            "gzip",
            with(10, 0xff),
            corrupt("gzip", "invalid compressed data"),
        ),
        (
            "gzip",
            with(n - 1, 1),
            corrupt(
                "gzip",
                "the length of the decoded data differs from the stream's",
            ),
        ),
        (
            "gzip",
            [&good[..], b"junk"].concat(),
            DecodeError::TrailingBytes { coding: "gzip" },
        ),
        (
            "gzip",
            [&good[..], &[0][..]].concat(),
            DecodeError::TrailingBytes { coding: "gzip" },
        ),
        (
            "deflate",
            [zlib(b"x"), b"more".to_vec()].concat(),
            DecodeError::TrailingBytes { coding: "deflate" },
        ),
        (
            "deflate",
            vec![0xff; 20],
            corrupt("deflate", "invalid compressed data"),
        ),
    ];
    for (coding, input, want) in cases {
        assert_eq!(
            decode(coding, &input, 0),
            Err(want),
            "{coding} {input:02x?}"
        );
    }
    let error = decode("gzip", &crc_off, 0).unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("corrupt gzip data: the CRC-32 of the decoded data is "),
        "{error}"
    );
}

#[test]
fn a_stream_cut_anywhere_is_truncated() {
    for (coding, stream) in [("gzip", gzip(&text(3000))), ("deflate", zlib(&text(3000)))] {
        for cut in 1..stream.len() {
            let got = decode_in(coding, &stream[..cut], 7, 0);
            assert_eq!(
                got,
                Err(DecodeError::Truncated {
                    coding: if coding == "gzip" { "gzip" } else { "deflate" }
                }),
                "{coding} cut at {cut}"
            );
        }
    }
}

#[test]
fn the_body_limit_bounds_the_decoded_bytes() {
    let zeros = gzip(&vec![0; 1 << 20]); // 1 MiB in about 1 KiB
    assert!(zeros.len() < 4096, "{}", zeros.len());
    assert_eq!(
        decode("gzip", &zeros, 1 << 20).map(|b| b.len()),
        Ok(1 << 20)
    );
    assert_eq!(
        decode("gzip", &zeros, (1 << 20) - 1),
        Err(DecodeError::TooLarge {
            coding: "gzip",
            limit: (1 << 20) - 1
        })
    );
}

#[test]
fn only_an_accepted_single_coding_is_decoded() {
    let case = |values: &[&str], accept: Accept| {
        let mut headers = Headers::new();
        for value in values {
            headers.append("Content-Encoding".into(), value.as_bytes().to_vec());
        }
        ContentDecoder::for_response(accept, &mut headers, 0).is_some()
    };
    let both = Accept {
        gzip: true,
        deflate: true,
    };
    let gzip_only = Accept {
        gzip: true,
        deflate: false,
    };
    assert!(case(&["gzip"], both));
    assert!(case(&[" Deflate "], both));
    assert!(!case(&["deflate"], gzip_only));
    assert!(!case(&["gzip"], Accept::default()));
    assert!(!case(&["br"], both));
    assert!(!case(&["identity"], both));
    assert!(!case(&["gzip, gzip"], both));
    assert!(!case(&["gzip", "gzip"], both));
    assert!(!case(&[], both));
    assert_eq!(both.header_value(), Some("gzip, deflate"));
    assert_eq!(Accept::default().header_value(), None);
}

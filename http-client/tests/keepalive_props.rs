//! Property test of the keep-alive pool against random servers: a random
//! sequence of responses — HTTP/1.0 or 1.1; with `Connection: keep-alive`,
//! `keep-alive` and `Keep-Alive` terms, `close`, `Keep-Alive: max=0`, or
//! nothing; framed by `Content-Length`, chunks (with or without trailers),
//! no body at all (204/304), or the close — served over connections that
//! the server keeps open whenever it may (and, at random, even when it
//! said it would not) must come out of a pooled client exactly as a
//! client without a pool gets them, read whole or chunk by chunk, and
//! never hang. The pooled client must also reuse exactly when the rules
//! allow: the next request goes over the same connection if and only if
//! the previous response was persistent, so the client's counts and the
//! server's connections are predicted by the sequence.
//!
//! A wrong reuse would hand the next request a connection the server
//! considers finished (it may still answer, since it lingers, but the
//! counts differ); a missed one costs a connection and shows the same way.
//!
//! 32 cases of up to 8 requests, over loopback, each under its own
//! watchdog.

mod util;

use std::sync::Arc;
use std::time::Duration;

use http_client::Request;
use proptest::prelude::*;
use util::keepalive_server::{KeepAliveServer, Reply, chunked};
use util::{Path, client, pooled_client, watchdog};

/// What the response says about the connection.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Persist {
    /// No `Connection` field.
    Nothing,
    /// `Connection: keep-alive`.
    KeepAlive,
    /// `Connection: keep-alive` and `Keep-Alive: timeout=30, max=50`.
    KeepAliveTerms,
    /// `Connection: close`.
    Close,
    /// `Connection: keep-alive` and `Keep-Alive: max=0`.
    MaxZero,
}

/// How the body ends.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Framing {
    Length,
    /// HTTP/1.1 only.
    Chunked {
        trailers: bool,
    },
    /// A 204 or 304 with no framing fields.
    NoBody,
    /// The server closes after the body.
    Close,
}

#[derive(Debug, Clone)]
struct Generated {
    http11: bool,
    status: u16,
    persist: Persist,
    framing: Framing,
    body: Vec<u8>,
    chunk_sizes: Vec<usize>,
    /// For a response that does not allow reuse: the server keeps the
    /// connection open anyway (reading on), rather than closing it.
    lingers: bool,
}

impl Generated {
    /// Whether the rules let the connection carry another request.
    fn persistent(&self) -> bool {
        let framed = self.framing != Framing::Close;
        let agreed = match self.persist {
            Persist::Close | Persist::MaxZero => false,
            Persist::KeepAlive | Persist::KeepAliveTerms => true,
            Persist::Nothing => self.http11,
        };
        framed && agreed
    }

    fn wire(&self) -> Vec<u8> {
        let version = if self.http11 { "HTTP/1.1" } else { "HTTP/1.0" };
        let mut fields = match self.persist {
            Persist::Nothing => String::new(),
            Persist::KeepAlive => "Connection: keep-alive\r\n".into(),
            Persist::KeepAliveTerms => {
                "Connection: keep-alive\r\nKeep-Alive: timeout=30, max=50\r\n".into()
            }
            Persist::Close => "Connection: close\r\n".into(),
            Persist::MaxZero => "Connection: keep-alive\r\nKeep-Alive: max=0\r\n".into(),
        };
        fields.push_str("X-Case: generated\r\n");
        let status_line = format!("{version} {} Whatever", self.status);
        match self.framing {
            Framing::Length => {
                let mut out = format!(
                    "{status_line}\r\n{fields}Content-Length: {}\r\n\r\n",
                    self.body.len()
                )
                .into_bytes();
                out.extend_from_slice(&self.body);
                out
            }
            Framing::Chunked { trailers } => {
                let trailers = if trailers { "Expires: never\r\n" } else { "" };
                let mut out = chunked(&fields, &self.body, &self.chunk_sizes, trailers);
                // `chunked` writes a 200 status line: put ours in.
                let line_end = out.windows(2).position(|w| w == b"\r\n").unwrap();
                out.splice(..line_end, status_line.bytes());
                out
            }
            Framing::NoBody => format!("{status_line}\r\n{fields}\r\n").into_bytes(),
            Framing::Close => {
                let mut out = format!("{status_line}\r\n{fields}\r\n").into_bytes();
                out.extend_from_slice(&self.body);
                out
            }
        }
    }

    fn reply(&self) -> Reply {
        let wire = self.wire();
        if self.framing == Framing::Close || (!self.persistent() && !self.lingers) {
            Reply::close(wire)
        } else {
            Reply::keep(wire)
        }
    }

    /// The status and body a client must return.
    fn expected(&self) -> (u16, Vec<u8>) {
        let body = if self.framing == Framing::NoBody {
            Vec::new()
        } else {
            self.body.clone()
        };
        (self.status, body)
    }
}

fn persist() -> impl Strategy<Value = Persist> {
    prop::sample::select(vec![
        Persist::Nothing,
        Persist::KeepAlive,
        Persist::KeepAliveTerms,
        Persist::Close,
        Persist::MaxZero,
    ])
}

prop_compose! {
    fn generated()(
        http11 in any::<bool>(),
        persist in persist(),
        kind in 0..4u8,
        trailers in any::<bool>(),
        status in prop::sample::select(vec![200u16, 201, 404, 500]),
        no_body_status in prop::sample::select(vec![204u16, 304]),
        body in prop::collection::vec(any::<u8>(), 0..3000),
        chunk_sizes in prop::collection::vec(1usize..700, 1..6),
        lingers in any::<bool>(),
    ) -> Generated {
        let framing = match kind {
            0 => Framing::Length,
            1 if http11 => Framing::Chunked { trailers },
            1 => Framing::Length,
            2 => Framing::NoBody,
            _ => Framing::Close,
        };
        let status = if framing == Framing::NoBody { no_body_status } else { status };
        Generated { http11, status, persist, framing, body, chunk_sizes, lingers }
    }
}

/// One client's results: per request, `(status, body)` or the error, and
/// whether it was reused; then `(connections_opened, reused, replayed)`.
type Results = (Vec<Result<((u16, Vec<u8>), bool), String>>, (u64, u64, u64));

/// Fetches `/r/0`, `/r/1`, ... in turn from a fresh server answering
/// `responses`, with a pooled client or not, each read whole or by chunks
/// as `paths` says. Returns the results and the connections the server
/// accepted.
fn fetch_all(responses: &Arc<Vec<Generated>>, paths: &[bool], pooled: bool) -> (Results, usize) {
    let for_server = responses.clone();
    let server = KeepAliveServer::start(move |_, _, req| {
        let index = req
            .target()
            .strip_prefix("/r/")
            .and_then(|i| i.parse().ok());
        match index.and_then(|i: usize| for_server.get(i)) {
            Some(response) => response.reply(),
            None => Reply::hang_up(),
        }
    });
    let base = server.url("/r/");
    let paths: Vec<Path> = paths
        .iter()
        .map(|&chunks| if chunks { Path::Chunks } else { Path::Whole })
        .collect();
    let results = watchdog(Duration::from_secs(20), move || {
        runtime::block_on(async move {
            let builder = if pooled { pooled_client() } else { client() };
            let client = builder.build();
            let mut results = Vec::new();
            for (i, path) in paths.into_iter().enumerate() {
                let request = Request::get(http_client::Url::parse(&format!("{base}{i}")).unwrap());
                // `Fetched` has no `reused`: streamed, ask the stream.
                let outcome = match path {
                    Path::Whole => client
                        .send(request)
                        .await
                        .map(|r| ((r.status(), r.body().to_vec()), r.reused())),
                    Path::Chunks => match client.send_streaming(request).await {
                        Ok(stream) => {
                            let reused = stream.reused();
                            util::paths::collect(stream)
                                .await
                                .map(|f| ((f.status(), f.into_body()), reused))
                        }
                        Err(e) => Err(e),
                    },
                };
                results.push(outcome.map_err(|e| e.to_string()));
            }
            let stats = client.stats();
            (
                results,
                (stats.connections_opened, stats.reused, stats.replayed),
            )
        })
    });
    (results, server.accepted())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn a_pooled_client_gets_what_an_unpooled_one_gets(
        responses in prop::collection::vec(generated(), 1..9),
        chunks in prop::collection::vec(any::<bool>(), 8),
    ) {
        let paths = &chunks[..responses.len()];
        let responses = Arc::new(responses);
        let (unpooled, _) = fetch_all(&responses, paths, false);
        let (pooled, accepted) = fetch_all(&responses, paths, true);

        let expected: Vec<(u16, Vec<u8>)> = responses.iter().map(Generated::expected).collect();
        let strip = |results: &Results| -> Vec<Result<(u16, Vec<u8>), String>> {
            results.0.iter().map(|r| r.clone().map(|(got, _)| got)).collect()
        };
        let expected_ok: Vec<Result<(u16, Vec<u8>), String>> =
            expected.into_iter().map(Ok).collect();
        prop_assert_eq!(strip(&unpooled), expected_ok.clone(), "without a pool");
        prop_assert_eq!(strip(&pooled), expected_ok, "with a pool");

        // Reuse exactly when the previous response allowed it.
        let reused: Vec<bool> = pooled.0.iter().map(|r| r.as_ref().is_ok_and(|(_, reused)| *reused)).collect();
        let allowed: Vec<bool> = (0..responses.len())
            .map(|i| i > 0 && responses[i - 1].persistent())
            .collect();
        prop_assert_eq!(&reused, &allowed, "reused() per request");
        let reuses = allowed.iter().filter(|&&r| r).count() as u64;
        let connections = responses.len() as u64 - reuses;
        prop_assert_eq!(pooled.1, (connections, reuses, 0), "(opened, reused, replayed)");
        prop_assert_eq!(accepted as u64, connections, "connections the server accepted");
        prop_assert!(unpooled.0.iter().all(|r| r.as_ref().is_ok_and(|(_, reused)| !reused)));
    }
}

//! The request on the wire: the scripted server captures the bytes each
//! request arrives as, and the tests compare them exactly — request line
//! (method, path and query, `HTTP/1.0`), `Host` with the port (bracketed for
//! IPv6), extra headers in order, `Content-Length` with the body, and
//! `Connection: close` — and check that a 1 MiB body arrives intact.

mod util;

use std::net::SocketAddr;
use std::time::Duration;

use http_client::{Method, Request, Url};
use util::{ScriptedServer, Step, client, run};

/// A short answer, so each request's exchange completes.
fn ok() -> Vec<Step> {
    vec![Step::write(
        "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok",
    )]
}

#[test]
fn requests_are_encoded_exactly() {
    let server = ScriptedServer::start(8, |_| ok());
    let port = server.port();
    let base = server.url("");
    let requests: Vec<Request> = vec![
        Request::get(Url::parse(&format!("{base}/path?q=1&r=two#fragment")).unwrap())
            .header("Accept", "text/plain")
            .and_then(|r| r.header("X-Custom", "a, b"))
            .and_then(|r| r.header("x-custom", b"caf\xe9"))
            .unwrap(),
        Request::head(Url::parse(&format!("{base}/")).unwrap()),
        Request::new(Method::POST, Url::parse(&format!("{base}/submit")).unwrap())
            .header("Content-Type", "application/x-www-form-urlencoded")
            .unwrap()
            .body("name=value"),
        Request::new(Method::PUT, Url::parse(&format!("{base}/empty")).unwrap()).body(""),
        Request::new(
            Method::DELETE,
            Url::parse(&format!("{base}/item/7")).unwrap(),
        ),
        Request::new(
            Method::new("PATCH").unwrap(),
            Url::parse(&format!("{base}/caf\u{e9}?q=\u{e9}")).unwrap(),
        ),
        Request::get(Url::parse(&base).unwrap())
            .header("Host", "virtual.example")
            .unwrap(),
    ];
    let expected: Vec<String> = vec![
        // `\u{e9}` stands for the one raw Latin-1 byte 0xE9 (see below).
        format!(
            "GET /path?q=1&r=two HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\nAccept: text/plain\r\n\
             X-Custom: a, b\r\nx-custom: caf\u{e9}\r\nConnection: close\r\n\r\n"
        ),
        format!("HEAD / HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"),
        format!(
            "POST /submit HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 10\r\n\
             Connection: close\r\n\r\nname=value"
        ),
        format!(
            "PUT /empty HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\n\
             Connection: close\r\n\r\n"
        ),
        format!("DELETE /item/7 HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"),
        format!(
            "PATCH /caf%C3%A9?q=%C3%A9 HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\
             Connection: close\r\n\r\n"
        ),
        "GET / HTTP/1.0\r\nHost: virtual.example\r\nConnection: close\r\n\r\n".to_owned(),
        // The one-call `get`, with the default client.
        format!("GET /plain HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"),
    ];
    let plain = server.url("/plain");
    let results = run(move || async move {
        let client = client().build();
        let mut results = Vec::new();
        for request in requests {
            results.push(client.send(request).await.map(|r| r.status()));
        }
        // `get` has no deadline of its own here: bound it.
        let get = runtime::time::timeout(Duration::from_secs(10), http_client::get(plain));
        results.push(get.await.expect("get finished in time").map(|r| r.status()));
        results
    });
    for (i, result) in results.into_iter().enumerate() {
        assert_eq!(result.unwrap_or_else(|e| panic!("request {i}: {e}")), 200);
    }
    let seen = server.finish(Duration::from_secs(2));
    assert_eq!(seen.len(), expected.len());
    for (i, (seen, want)) in seen.iter().zip(&expected).enumerate() {
        // Every char of `want` below U+0100 is one byte on the wire.
        let want: Vec<u8> = want.chars().map(|c| u8::try_from(c).unwrap()).collect();
        let got = &seen.request.raw;
        assert_eq!(util::show(got, 500), util::show(&want, 500), "request {i}");
    }
}

#[test]
fn ipv6_host_is_bracketed() {
    let addr: SocketAddr = "[::1]:0".parse().unwrap();
    let server = match ScriptedServer::bind(addr, 1, true, |_| ok()) {
        Ok(server) => server,
        Err(e) => {
            println!("skipped: IPv6 loopback [::1] is not available ({e})");
            return;
        }
    };
    let port = server.port();
    let url = server.url("/v6?x=y");
    assert_eq!(url, format!("http://[::1]:{port}/v6?x=y"));
    let response = run(move || async move { client().build().get(url).await });
    assert_eq!(response.expect("a response over IPv6").body(), b"ok");
    let seen = server.finish(Duration::from_secs(2));
    assert_eq!(
        String::from_utf8_lossy(&seen[0].request.raw),
        format!("GET /v6?x=y HTTP/1.0\r\nHost: [::1]:{port}\r\nConnection: close\r\n\r\n")
    );
}

#[test]
fn a_large_body_arrives_intact() {
    const SIZE: usize = 1 << 20;
    // The server echoes the body it received, so both directions are checked.
    let server = ScriptedServer::start(1, |request| {
        let body = request.body().to_vec();
        vec![
            Step::write(format!(
                "HTTP/1.0 200 OK\r\nContent-Length: {}\r\n\r\n",
                body.len()
            )),
            Step::Write(body),
        ]
    });
    let port = server.port();
    let url = Url::parse(&server.url("/upload")).unwrap();
    let body = util::pseudo_random(SIZE, 42);
    let sent = body.clone();
    let echoed = run(move || async move {
        let request = Request::new(Method::POST, url).body(sent);
        client().build().send(request).await.map(|r| r.into_body())
    });
    let echoed = echoed.expect("the upload succeeds");
    assert!(echoed == body, "the echoed body differs");
    let seen = server.finish(Duration::from_secs(2));
    let request = &seen[0].request;
    assert_eq!(
        String::from_utf8_lossy(request.head()),
        format!(
            "POST /upload HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\nContent-Length: {SIZE}\r\n\
             Connection: close\r\n\r\n"
        )
    );
    assert!(request.body() == body, "the received body differs");
}

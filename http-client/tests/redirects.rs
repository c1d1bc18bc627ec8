//! Redirects over real sockets: 301, 302, 303, 307 and 308 are followed for
//! `GET` and `HEAD` with relative and absolute `Location`s (also to another
//! server), never for `POST`; `max_redirects(0)` returns the 3xx itself; a
//! loop ends in `TooManyRedirects` after exactly the allowed hops; a target
//! the client cannot fetch is refused; and the total timeout spans every hop.

mod util;

use std::time::Duration;

use http_client::{Error, Method, Request, TimeoutPhase, Url};
use util::script::Received;
use util::{ScriptedServer, Step, client, run, timed};

const CODES: [u16; 5] = [301, 302, 303, 307, 308];

/// The server the redirect tests talk to:
///
/// - `/s/CODE/abs` and `/s/CODE/rel`: a CODE redirect to `/target?from=CODE`,
///   as an absolute URL (built from the request's `Host`) or an absolute path;
/// - `/s/CODE/dir/here`: a CODE redirect to `../target?from=dir` (relative path);
/// - `/loop`: a 302 to itself;
/// - `/ftp`: a 301 to `ftp://example.com/`;
/// - `/none`: a 302 without `Location`;
/// - `/target...`: 200, naming the method and target it received.
fn redirect_server(connections: usize) -> ScriptedServer {
    ScriptedServer::start(connections, |request| {
        let target = request.target();
        let redirect = |code: &str, location: &str| {
            let response = format!(
                "HTTP/1.0 {code} Moved\r\nLocation: {location}\r\nContent-Length: 9\r\n\r\nredirect\n"
            );
            vec![Step::write(response)]
        };
        let parts: Vec<&str> = target.split('/').collect();
        match parts.as_slice() {
            ["", "s", code, "abs"] => {
                let host = host(request);
                redirect(code, &format!("http://{host}/target?from={code}"))
            }
            ["", "s", code, "rel"] => redirect(code, &format!("/target?from={code}")),
            ["", "s", code, "dir", "here"] => redirect(code, "../target?from=dir"),
            ["", "loop"] => redirect("302", "/loop"),
            ["", "ftp"] => redirect("301", "ftp://example.com/"),
            ["", "none"] => vec![Step::write(
                "HTTP/1.0 302 Found\r\nContent-Length: 2\r\n\r\nno",
            )],
            _ if target.starts_with("/target") || target.starts_with("/s/") => {
                let body = format!("{} {target}", request.method());
                vec![Step::write(format!(
                    "HTTP/1.0 200 OK\r\nX-Method: {}\r\nContent-Length: {}\r\n\r\n{body}",
                    request.method(),
                    body.len()
                ))]
            }
            _ => vec![Step::write("HTTP/1.0 404 Not Found\r\n\r\n")],
        }
    })
}

/// The request's `Host` header value.
fn host(request: &Received) -> String {
    String::from_utf8_lossy(request.head())
        .lines()
        .find_map(|line| line.strip_prefix("Host: ").map(str::to_owned))
        .unwrap_or_default()
}

#[test]
fn get_and_head_follow_every_redirect_status() {
    let server = redirect_server(CODES.len() * 3 * 2 * 2);
    let base = server.url("");
    let results = run(move || async move {
        let client = client().build();
        let mut results = Vec::new();
        for code in CODES {
            for kind in ["abs", "rel", "dir/here"] {
                for method in [Method::GET, Method::HEAD] {
                    let url = Url::parse(&format!("{base}/s/{code}/{kind}")).unwrap();
                    let result = client.send(Request::new(method.clone(), url)).await;
                    results.push((code, kind, method, result));
                }
            }
        }
        results
    });
    for (code, kind, method, result) in results {
        let case = format!("{method:?} {code} {kind}");
        let response = result.unwrap_or_else(|e| panic!("{case}: {e}"));
        assert_eq!(response.status(), 200, "{case}");
        // The method is kept on every hop (303 included: HEAD stays HEAD,
        // GET stays GET).
        assert_eq!(
            response.header("x-method"),
            Some(method.as_str().as_bytes()),
            "{case}"
        );
        let want = match kind {
            "dir/here" => format!("GET /s/{code}/target?from=dir"),
            _ => format!("GET /target?from={code}"),
        };
        if method == Method::HEAD {
            assert_eq!(response.body(), b"", "{case}");
        } else {
            assert_eq!(response.text().unwrap(), want, "{case}");
        }
    }
    let seen = server.finish(Duration::from_secs(2));
    assert_eq!(seen.len(), CODES.len() * 3 * 2 * 2, "one request per hop");
}

#[test]
fn absolute_location_on_another_server() {
    let second = ScriptedServer::once(vec![Step::write(
        "HTTP/1.0 200 OK\r\nContent-Length: 6\r\n\r\nsecond",
    )]);
    let location = second.url("/landing?x=1");
    let first = ScriptedServer::once(vec![Step::write(format!(
        "HTTP/1.0 307 Temporary Redirect\r\nLocation: {location}\r\n\r\n"
    ))]);
    let url = first.url("/start");
    let response = run(move || async move { client().build().get(url).await });
    assert_eq!(response.expect("followed").body(), b"second");
    let want = format!(
        "GET /landing?x=1 HTTP/1.0\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n",
        second.port()
    );
    let seen = second.finish(Duration::from_secs(2));
    let head = String::from_utf8_lossy(seen[0].request.head()).into_owned();
    assert_eq!(head, want, "the second request names the second server");
}

#[test]
fn a_host_override_is_kept_only_on_the_same_server() {
    // `/same` redirects to a path on the same server, which redirects to the
    // second server: the caller's `Host` goes with the first hop only.
    let second = ScriptedServer::once(vec![Step::write(
        "HTTP/1.0 200 OK\r\nContent-Length: 4\r\n\r\ndone",
    )]);
    let elsewhere = second.url("/there");
    let first = ScriptedServer::start(2, move |request| {
        let location = match request.target() {
            "/same" => "/next".to_owned(),
            _ => elsewhere.clone(),
        };
        vec![Step::write(format!(
            "HTTP/1.0 302 Found\r\nLocation: {location}\r\n\r\n"
        ))]
    });
    let url = Url::parse(&first.url("/same")).unwrap();
    let response = run(move || async move {
        let request = Request::get(url).header("Host", "virtual.example").unwrap();
        client().build().send(request).await
    });
    assert_eq!(response.expect("followed twice").body(), b"done");
    let hosts: Vec<String> = first
        .finish(Duration::from_secs(2))
        .iter()
        .chain(&second.finish(Duration::from_secs(2)))
        .map(|seen| host(&seen.request))
        .collect();
    assert_eq!(hosts[..2], ["virtual.example", "virtual.example"]);
    assert!(hosts[2].starts_with("127.0.0.1:"), "{hosts:?}");
}

#[test]

fn credentials_are_not_forwarded_to_another_server() {
    // RFC 9110 §15.4: a client following a redirect should consider removing
    // fields with security implications, such as Authorization and Cookie;
    // curl, Go and python-requests drop them when the host changes.
    let second = ScriptedServer::once(vec![Step::write(
        "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok",
    )]);
    let first = ScriptedServer::once(vec![Step::write(format!(
        "HTTP/1.0 302 Found\r\nLocation: {}\r\n\r\n",
        second.url("/elsewhere")
    ))]);
    let url = Url::parse(&first.url("/private")).unwrap();
    let response = run(move || async move {
        let request = Request::get(url)
            .header("Authorization", "Bearer secret-token")
            .and_then(|r| r.header("Cookie", "session=secret"))
            .and_then(|r| r.header("Accept", "text/plain"))
            .unwrap();
        client().build().send(request).await
    });
    assert_eq!(response.expect("followed").body(), b"ok");
    let seen = second.finish(Duration::from_secs(2));
    let head = String::from_utf8_lossy(seen[0].request.head()).into_owned();
    assert!(head.contains("\r\nAccept: text/plain\r\n"), "{head}");
    assert!(
        !head.contains("secret"),
        "credentials sent to another server:\n{head}"
    );
}

#[test]
fn post_is_not_redirected() {
    let server = redirect_server(CODES.len());
    let base = server.url("");
    let results = run(move || async move {
        let client = client().build();
        let mut results = Vec::new();
        for code in CODES {
            let url = Url::parse(&format!("{base}/s/{code}/rel")).unwrap();
            let request = Request::new(Method::POST, url).body("data");
            results.push((code, client.send(request).await));
        }
        results
    });
    for (code, result) in results {
        let response = result.unwrap_or_else(|e| panic!("POST {code}: {e}"));
        assert_eq!(response.status(), code);
        assert_eq!(
            response.location(),
            Some(format!("/target?from={code}").as_str())
        );
        assert_eq!(response.body(), b"redirect\n");
    }
    let seen = server.finish(Duration::from_secs(2));
    assert_eq!(seen.len(), CODES.len(), "no request followed a redirect");
    assert!(
        seen.iter()
            .all(|s| s.request.method() == "POST" && s.request.body() == b"data")
    );
}

#[test]
fn max_redirects_zero_returns_the_redirect() {
    let server = redirect_server(CODES.len());
    let base = server.url("");
    let results = run(move || async move {
        let client = client().max_redirects(0).build();
        let mut results = Vec::new();
        for code in CODES {
            results.push((code, client.get(format!("{base}/s/{code}/abs")).await));
        }
        results
    });
    for (code, result) in results {
        let response = result.unwrap_or_else(|e| panic!("{code}: {e}"));
        assert_eq!(response.status(), code);
        assert!(response.is_redirect());
        assert_eq!(response.body(), b"redirect\n");
    }
    assert_eq!(server.finish(Duration::from_secs(2)).len(), CODES.len());
}

#[test]
fn a_redirect_loop_stops_at_the_limit() {
    for limit in [5, 2] {
        let server = redirect_server(limit as usize + 2);
        let url = server.url("/loop");
        let result = run(move || async move {
            let builder = client();
            // The default limit is 5; set it only for the other case.
            let builder = if limit == 5 {
                builder
            } else {
                builder.max_redirects(limit)
            };
            builder.build().get(url).await
        });
        let error = result.expect_err("a loop never ends by itself");
        assert!(
            matches!(error, Error::TooManyRedirects { limit: l, .. } if l == limit),
            "{error:?}"
        );
        assert_eq!(
            error.to_string(),
            format!(
                "too many redirects (more than {limit}), last location {}",
                server.url("/loop")
            )
        );
        let seen = server.finish(Duration::from_secs(2));
        assert_eq!(
            seen.len(),
            limit as usize + 1,
            "the first request and {limit} hops"
        );
    }
}

#[test]
fn unfollowable_redirects() {
    let server = redirect_server(2);
    let (ftp, none) = (server.url("/ftp"), server.url("/none"));
    let (ftp, none) = run(move || async move {
        let client = client().build();
        (client.get(ftp).await, client.get(none).await)
    });
    let error = ftp.expect_err("ftp:// cannot be fetched");
    assert!(matches!(error, Error::RedirectRefused { .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        r#"refused to follow redirect to "ftp://example.com/": scheme "ftp" is not supported (only http:// and https://)"#
    );
    // A redirect status without a Location is returned as it is.
    let response = none.expect("a 302 without Location");
    assert_eq!((response.status(), response.body()), (302, &b"no"[..]));
}

#[test]
fn the_total_timeout_names_the_server_it_waited_for() {
    let silent = ScriptedServer::once(vec![Step::Hold]);
    let silent_authority = format!("127.0.0.1:{}", silent.port());
    let first = ScriptedServer::once(vec![Step::write(format!(
        "HTTP/1.0 301 Moved Permanently\r\nLocation: {}\r\n\r\n",
        silent.url("/")
    ))]);
    let url = first.url("/");
    let result = run(move || async move {
        client()
            .total_timeout(Duration::from_millis(300))
            .build()
            .get(url)
            .await
    });
    let error = result.expect_err("the second server never answers");
    assert_eq!(
        error.to_string(),
        format!("no complete response from {silent_authority} within 300ms")
    );
}

#[test]
fn the_total_timeout_spans_every_hop() {
    // Each hop answers after 200 ms: no single request is slow, but four
    // hops cannot fit in 500 ms.
    let server = ScriptedServer::start(4, |request| {
        let hop: u32 = request
            .target()
            .trim_start_matches("/hop/")
            .parse()
            .unwrap_or(0);
        vec![
            Step::Sleep(Duration::from_millis(200)),
            Step::write(format!(
                "HTTP/1.0 302 Found\r\nLocation: /hop/{}\r\n\r\n",
                hop + 1
            )),
        ]
    });
    let url = server.url("/hop/0");
    let total = Duration::from_millis(500);
    let (result, elapsed) =
        run(move || async move { timed(client().total_timeout(total).build().get(url)).await });
    let error = result.expect_err("the chain is too slow");
    assert!(
        matches!(
            error,
            Error::Timeout {
                phase: TimeoutPhase::Total,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(elapsed >= total, "fired early: {elapsed:?}");
    assert!(
        elapsed < total + Duration::from_millis(1500),
        "fired late: {elapsed:?}"
    );
    assert!(
        server.finish(Duration::from_secs(2)).len() >= 3,
        "it did follow"
    );
}

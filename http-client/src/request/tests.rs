//! Table tests of [`Request`]: the exact bytes it encodes (directly, for a
//! proxy, with a client's additions), the headers it refuses, and what a
//! redirect keeps of it — credentials only for the same origin.

use super::*;

fn url(text: &str) -> Url {
    Url::parse(text).unwrap()
}

#[test]
fn encodes_exact_bytes() {
    #[rustfmt::skip]
    let cases: Vec<(Request, &[u8])> = vec![
        (Request::get(url("http://example.com")), b"GET / HTTP/1.0\r\nHost: example.com\r\nConnection: close\r\n\r\n"),
        (
            Request::head(url("http://example.com:8080/a?b=c#frag")),
            b"HEAD /a?b=c HTTP/1.0\r\nHost: example.com:8080\r\nConnection: close\r\n\r\n",
        ),
        (Request::get(url("http://[::1]/")), b"GET / HTTP/1.0\r\nHost: [::1]\r\nConnection: close\r\n\r\n"),
        (
            Request::new(Method::POST, url("http://h/")).body(Vec::new()),
            b"POST / HTTP/1.0\r\nHost: h\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        ),
        (
            Request::new(Method::PUT, url("http://h/f")).body("hello"),
            b"PUT /f HTTP/1.0\r\nHost: h\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello",
        ),
        (
            Request::get(url("http://h/"))
                .header("B", "2")
                .and_then(|r| r.header("A", "1"))
                .and_then(|r| r.header("b", b"caf\xe9"))
                .unwrap(),
            b"GET / HTTP/1.0\r\nHost: h\r\nB: 2\r\nA: 1\r\nb: caf\xe9\r\nConnection: close\r\n\r\n",
        ),
        (
            Request::get(url("http://10.0.0.1:81/"))
                .header("X", "")
                .and_then(|r| r.header("host", "a.example"))
                .and_then(|r| r.header("HOST", "b.example"))
                .unwrap(),
            b"GET / HTTP/1.0\r\nHost: b.example\r\nX: \r\nConnection: close\r\n\r\n",
        ),
    ];
    for (request, want) in cases {
        assert_eq!(
            String::from_utf8_lossy(&request.encode()),
            String::from_utf8_lossy(want),
            "{request:?}"
        );
    }
}

#[test]
fn rejects_unsafe_headers() {
    #[rustfmt::skip]
    let cases = [
        ("", "x", RequestError::InvalidHeaderName("".into())),
        ("X Y", "x", RequestError::InvalidHeaderName("X Y".into())),
        ("X:", "x", RequestError::InvalidHeaderName("X:".into())),
        ("X\r\nY", "x", RequestError::InvalidHeaderName("X\r\nY".into())),
        ("X", "a\r\nB: c", RequestError::InvalidHeaderValue { name: "X".into() }),
        ("X", "a\nb", RequestError::InvalidHeaderValue { name: "X".into() }),
        ("X", "a\rb", RequestError::InvalidHeaderValue { name: "X".into() }),
        ("X", "a\0b", RequestError::InvalidHeaderValue { name: "X".into() }),
        ("Host", "h\r\n", RequestError::InvalidHeaderValue { name: "Host".into() }),
        ("content-length", "5", RequestError::ReservedHeader("content-length".into())),
        ("Connection", "keep-alive", RequestError::ReservedHeader("Connection".into())),
        ("TRANSFER-ENCODING", "chunked", RequestError::ReservedHeader("TRANSFER-ENCODING".into())),
    ];
    for (name, value, want) in cases {
        let result = Request::get(url("http://h/")).header(name, value);
        assert_eq!(result.unwrap_err(), want, "{name:?}: {value:?}");
    }
}

#[test]
fn a_request_through_a_proxy_names_the_whole_url() {
    let forward = Forward {
        authorization: Some("Basic dTpw".into()),
    };
    let request = Request::get(url("http://[::1]:8080/a?b"))
        .header("Accept", "*/*")
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&request.encode_for(true, Some(&forward), None)),
        "GET http://[::1]:8080/a?b HTTP/1.0\r\nHost: [::1]:8080\r\nAccept: */*\r\n\
         Proxy-Authorization: Basic dTpw\r\nConnection: keep-alive\r\n\r\n"
    );
    // The caller's own Proxy-Authorization is the only one.
    let own = request.header("Proxy-Authorization", "Bearer x").unwrap();
    let head = String::from_utf8_lossy(&own.encode_for(false, Some(&forward), None)).into_owned();
    assert_eq!(head.matches("Proxy-Authorization").count(), 1, "{head}");
    assert!(head.starts_with("GET http://[::1]:8080/a?b HTTP/1.0\r\n"));
    let direct = Request::get(url("http://h/x")).encode_for(
        false,
        Some(&Forward {
            authorization: None,
        }),
        None,
    );
    assert!(direct.starts_with(b"GET http://h/x HTTP/1.0\r\nHost: h\r\nConnection: close"));
}

#[test]
fn a_decoding_client_asks_for_its_codings_unless_the_caller_did() {
    let request = Request::get(url("http://h/")).header("X", "1").unwrap();
    assert_eq!(
        String::from_utf8_lossy(&request.encode_for(false, None, Some("gzip, deflate"))),
        "GET / HTTP/1.0\r\nHost: h\r\nX: 1\r\nAccept-Encoding: gzip, deflate\r\nConnection: close\r\n\r\n"
    );
    let own = request.header("accept-encoding", "br").unwrap();
    let head = String::from_utf8_lossy(&own.encode_for(false, None, Some("gzip"))).into_owned();
    assert!(
        head.contains("accept-encoding: br\r\n") && !head.contains("gzip"),
        "{head}"
    );
}

#[test]
fn debug_hides_the_body() {
    let request = Request::new(Method::POST, url("http://h/")).body(vec![7; 100]);
    assert!(format!("{request:?}").contains("\"100 bytes\""));
}

#[test]
fn url_credentials_become_basic_authorization() {
    let request = Request::get(url("http://me:p%40ss@h/"));
    let encoded = String::from_utf8_lossy(&request.encode()).into_owned();
    assert_eq!(
        encoded,
        "GET / HTTP/1.0\r\nHost: h\r\nAuthorization: Basic bWU6cEBzcw==\r\nConnection: close\r\n\r\n"
    );
    // An Authorization set by the caller (or basic_auth) wins.
    let own = request.basic_auth("other", Some("x"));
    let encoded = String::from_utf8_lossy(&own.encode()).into_owned();
    assert_eq!(encoded.matches("Authorization").count(), 1, "{encoded}");
    assert!(
        encoded.contains("Authorization: Basic b3RoZXI6eA==\r\n"),
        "{encoded}"
    );
    // basic_auth twice: the last one.
    let twice = Request::get(url("http://h/"))
        .basic_auth("a", Some("1"))
        .basic_auth("b", None::<&str>);
    assert_eq!(twice.headers().get_all("authorization").count(), 1);
    assert_eq!(twice.headers().get_str("authorization"), Some("Basic Yjo="));
}

#[test]
fn a_redirect_keeps_credentials_for_the_same_origin_only() {
    // (from, to, credentials kept)
    #[rustfmt::skip]
    let cases = [
        ("http://u:p@h/a", "http://h/b", true),
        ("http://u:p@h/a", "http://h:80/b", true),
        ("http://u:p@h:8080/a", "http://h:8080/b", true),
        ("http://u:p@h/a", "http://h:8080/b", false),
        ("http://u:p@h/a", "https://h/b", false),
        ("https://u:p@h/a", "http://h:443/b", false),
        ("http://u:p@h/a", "http://other/b", false),
        ("http://u:p@h/a", "http://sub.h/b", false),
    ];
    for (from, to, kept) in cases {
        let by_url = Request::get(url(from)).redirected(url(to));
        let by_header = Request::get(url(&from.replace("u:p@", "")))
            .basic_auth("u", Some("p"))
            .header("Cookie", "c=1")
            .unwrap()
            .redirected(url(to));
        for request in [by_url, by_header] {
            let encoded = String::from_utf8_lossy(&request.encode()).into_owned();
            assert_eq!(
                encoded.contains("Authorization: Basic dTpw"),
                kept,
                "{from} -> {to}: {encoded}"
            );
            assert_eq!(
                request.url().password().is_some(),
                kept && request.headers().is_empty(),
                "{from} -> {to}"
            );
            if request.headers().contains("cookie") {
                assert!(kept, "{from} -> {to}: the cookie went along");
            }
        }
    }
    // A Location with its own credentials for the same origin uses them.
    let own = Request::get(url("http://u:p@h/a")).redirected(url("http://v:q@h/b"));
    assert_eq!(own.url().username(), "v");
}

#[test]
fn debug_never_shows_credentials() {
    let request = Request::get(url("http://me:secret@h/"))
        .basic_auth("me", Some("secret"))
        .header("Cookie", "session=secret")
        .unwrap()
        .header("Proxy-Authorization", "Basic c2VjcmV0")
        .unwrap()
        .header("Accept", "*/*")
        .unwrap();
    let shown = format!("{request:?}");
    assert!(
        !shown.contains("secret") && !shown.contains("c2VjcmV0") && !shown.contains("bWU6"),
        "{shown}"
    );
    assert!(
        shown.contains(r#""Authorization": "***""#) && shown.contains(r#""Accept": "*/*""#),
        "{shown}"
    );
    assert!(shown.contains("http://me@h/"), "{shown}");
}

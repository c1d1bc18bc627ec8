//! The response head over real sockets: which status lines are accepted
//! (HTTP/1.0 and HTTP/1.1) and which are rejected (other versions, garbage,
//! binary HTTP/2 frames, at once rather than at a timeout), and how header
//! fields are read: obs-fold unfolded, NUL and bare CR rejected, names
//! case-insensitive, repeated fields kept.

mod util;

use std::time::Duration;

use http_client::{Error, Version};
use util::{Path, ScriptedServer, Step, both, case_server, client, fetch_each, run};

/// Every case below is decided by bytes already sent; the server then holds
/// the socket open, so an answer later than this means the client waited.
const AT_ONCE: Duration = Duration::from_secs(2);

#[test]
fn http_1_0_and_1_1_status_lines_are_accepted() {
    both(|path| {
        // (status line, version, status, reason)
        let cases = [
            ("HTTP/1.1 200 OK", Version::Http11, 200, "OK"),
            ("HTTP/1.0 200 OK", Version::Http10, 200, "OK"),
            ("HTTP/1.1 404 Not Found", Version::Http11, 404, "Not Found"),
            ("HTTP/1.0 500", Version::Http10, 500, ""),
            (
                "HTTP/1.1 299 Custom  Reason",
                Version::Http11,
                299,
                "Custom  Reason",
            ),
        ];
        let scripts = cases
            .iter()
            .map(|(line, ..)| {
                vec![
                    Step::write(format!("{line}\r\nContent-Length: 2\r\n\r\nok")),
                    Step::Hold,
                ]
            })
            .collect();
        let server = case_server(scripts);
        let base = server.url("/case/");
        let urls = (0..cases.len()).map(|i| format!("{base}{i}")).collect();
        let results = fetch_each(path, client(), urls);
        for (i, (result, elapsed)) in results.into_iter().enumerate() {
            let (line, version, status, reason) = cases[i];
            let response = result.unwrap_or_else(|e| panic!("{line:?}: {e}"));
            assert_eq!(
                (response.version(), response.status(), response.reason()),
                (version, status, reason),
                "{line:?}"
            );
            assert_eq!(response.body(), b"ok");
            assert!(elapsed < AT_ONCE, "{line:?} took {elapsed:?}");
        }
    });
}

#[test]
fn other_versions_and_garbage_are_rejected_at_once() {
    both(|path| {
        // (what the server sends before holding the socket open, the message)
        let cases: [(&[u8], &str); 7] = [
            (
                b"HTTP/2 200\r\ncontent-length: 2\r\n\r\nok",
                r#"unsupported HTTP version "HTTP/2" (expected HTTP/1.0 or HTTP/1.1)"#,
            ),
            (
                b"HTTP/2.0 200 OK\r\n\r\n",
                r#"unsupported HTTP version "HTTP/2.0" (expected HTTP/1.0 or HTTP/1.1)"#,
            ),
            (
                b"HTTP/0.9 200 OK\r\n\r\n",
                r#"unsupported HTTP version "HTTP/0.9" (expected HTTP/1.0 or HTTP/1.1)"#,
            ),
            // Garbage fails on its first bytes, without waiting for an empty line.
            (
                b"<html>hello</html>\n",
                r#"invalid status line: "<html>hello</html>""#,
            ),
            (b"ICY 200 OK", r#"invalid status line: "ICY 200 OK""#),
            // What an HTTP/2-only server sends: a binary SETTINGS frame.
            (
                b"\x00\x00\x00\x04\x00\x00\x00\x00\x00",
                r#"invalid status line: "\x00\x00\x00\x04\x00\x00\x00\x00\x00""#,
            ),
            (
                b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n",
                "unexpected 101 switching protocols: this client never asks to upgrade",
            ),
        ];
        expect_errors_at_once(path, &cases);
    });
}

#[test]
fn a_rejected_status_line_is_quoted_without_its_line_ending() {
    both(|path| {
        // The same line, once with the whole head in one write (rejected by
        // `parse_status_line`, which strips the CR) and once alone (rejected early
        // by `check_start`, which splits on LF only and keeps the CR).
        let cases: [(&[u8], &str); 2] = [
            (
                b"ICY 200 OK\r\n\r\n",
                r#"invalid status line: "ICY 200 OK""#,
            ),
            (b"ICY 200 OK\r\n", r#"invalid status line: "ICY 200 OK""#),
        ];
        expect_errors_at_once(path, &cases);
    });
}

#[test]
fn obs_fold_is_unfolded() {
    both(|path| {
        let server = ScriptedServer::once(vec![
            Step::write(
                "HTTP/1.1 200 OK\r\nX-Folded: first\r\n   second\r\n\tthird \r\nX-After: 1\r\n\
             Content-Length: 2\r\n\r\nok",
            ),
            Step::Hold,
        ]);
        let url = server.url("/");
        let response = run(move || async move { path.get(&client().build(), url).await });
        let response = response.expect("a folded header is valid");
        assert_eq!(
            response.header("x-folded"),
            Some(&b"first second third"[..])
        );
        assert_eq!(response.header("x-after"), Some(&b"1"[..]));
        assert_eq!(response.headers().len(), 3, "a continuation is not a field");
    });
}

#[test]
fn nul_and_bare_cr_in_headers_are_rejected() {
    both(|path| {
        let cases: [(&[u8], &str); 4] = [
            (
                b"HTTP/1.1 200 OK\r\nX-Bad: a\0b\r\nContent-Length: 0\r\n\r\n",
                r#"invalid header line "X-Bad: a\x00b": NUL byte"#,
            ),
            (
                b"HTTP/1.1 200 OK\r\nX-Bad: a\rSet-Cookie: x\r\nContent-Length: 0\r\n\r\n",
                r#"invalid header line "X-Bad: a\rSet-Cookie: x": bare CR (a CR must be followed by LF)"#,
            ),
            (
                b"HTTP/1.1 200 OK\r\nNo-Colon\r\n\r\n",
                r#"invalid header line "No-Colon": missing colon"#,
            ),
            (
                b"HTTP/1.1 200 OK\r\n folded-first: x\r\n\r\n",
                r#"invalid header line " folded-first: x": continuation line without a preceding field"#,
            ),
        ];
        expect_errors_at_once(path, &cases);
    });
}

#[test]
fn header_names_are_case_insensitive_and_repeats_are_kept() {
    both(|path| {
        let server = ScriptedServer::once(vec![
            Step::write(
                "HTTP/1.0 200 OK\r\nSet-Cookie: a=1\r\nSET-COOKIE: b=2\r\ncontent-TYPE: text/plain\r\n\
             X-Latin1: caf\u{e9}\r\nContent-Length: 0\r\n\r\n",
            ),
            Step::Hold,
        ]);
        let url = server.url("/");
        let response =
            run(move || async move { path.get(&client().build(), url).await }).expect("valid");
        let cookies: Vec<&[u8]> = response.headers().get_all("set-cookie").collect();
        assert_eq!(cookies, [&b"a=1"[..], b"b=2"]);
        assert_eq!(
            response.headers().get_str("Content-Type"),
            Some("text/plain")
        );
        assert_eq!(response.header("x-latin1"), Some("caf\u{e9}".as_bytes()));
    });
}

/// Serves each case's bytes (then holds the socket open) and checks that
/// the fetch fails at once with `bad response from ADDR: MESSAGE`.
fn expect_errors_at_once(path: Path, cases: &[(&[u8], &str)]) {
    let scripts = cases
        .iter()
        .map(|(bytes, _)| vec![Step::write(bytes), Step::Hold])
        .collect();
    let server = case_server(scripts);
    let authority = format!("127.0.0.1:{}", server.port());
    let base = server.url("/case/");
    let count = cases.len();
    let urls = (0..count).map(|i| format!("{base}{i}")).collect();
    let results = fetch_each(path, client(), urls);
    for (i, (result, elapsed)) in results.into_iter().enumerate() {
        let (sent, message) = cases[i];
        let shown = util::show(sent, 60);
        let error = match result {
            Ok(response) => panic!("{shown}: accepted as {response:?}"),
            Err(error) => error,
        };
        assert!(
            matches!(error, Error::Response { .. }),
            "{shown}: {error:?}"
        );
        assert_eq!(
            error.to_string(),
            format!("bad response from {authority}: {message}"),
            "{shown}"
        );
        assert!(elapsed < AT_ONCE, "{shown}: took {elapsed:?}");
    }
}

//! `--retry N` with `--retry-delay`: a 503 then a 200 succeeds on the second
//! attempt with the first error kept; a refused connection is tried N+1
//! times with growing waits; a POST, a 404 and a bad body are not retried.

mod fetch_util;

use std::time::Duration;

use fetch_util::{Fetch, Scripted, Step, closed_port_url, reply, watchdog};

const LIMIT: Duration = Duration::from_secs(60);

#[test]
fn a_503_then_a_200_succeeds_on_the_second_attempt() {
    watchdog(LIMIT, || {
        let server = Scripted::start(|n, _| match n {
            0 => reply(503, b"busy"),
            _ => reply(200, b"done"),
        });
        let url = server.url("/flaky");
        let run = Fetch::new(&["--retry", "2", "--retry-delay", "0.05", "--json", &url]).run();
        assert_eq!(run.code, 0, "{run}");
        let lines = run.json_lines();
        let line = &lines[0];
        assert_eq!(line["status"], 200, "{line}");
        assert_eq!(line["attempts"], 2, "{line}");
        assert_eq!(line["error"], serde_json::Value::Null, "{line}");
        assert_eq!(line["errors"][0], "server answered 503 Scripted", "{line}");
        assert_eq!(server.connections(), 2);

        // The human line tells the same story.
        let server = Scripted::start(|n, _| match n {
            0 => reply(503, b"busy"),
            _ => reply(200, b"done"),
        });
        let url = server.url("/flaky");
        let run = Fetch::new(&["--retry", "1", "--retry-delay", "0", &url]).run();
        assert_eq!(run.code, 0, "{run}");
        assert!(
            run.line_for(&url)
                .ends_with(" ms (2 attempts; earlier: server answered 503 Scripted)"),
            "{run}"
        );
    });
}

#[test]
fn without_retry_a_503_is_a_complete_response() {
    watchdog(LIMIT, || {
        let server = Scripted::start(|_, _| reply(503, b"busy"));
        let url = server.url("/busy");
        let run = Fetch::new(&[&url]).run();
        assert_eq!(run.code, 0, "{run}");
        assert!(run.line_for(&url).contains(" 503 4 bytes "), "{run}");
        // Retries exhausted: still the last response, as without --retry.
        let run = Fetch::new(&["--retry", "2", "--retry-delay", "0", &url]).run();
        assert_eq!(run.code, 0, "{run}");
        assert_eq!(server.connections(), 4);
    });
}

#[test]
fn refused_connections_are_retried_with_backoff() {
    watchdog(LIMIT, || {
        let closed = closed_port_url();
        let run = Fetch::new(&["--retry", "3", "--retry-delay", "0.1", "--json", &closed]).run();
        assert_eq!(run.code, 1, "{run}");
        let line = &run.json_lines()[0];
        assert_eq!(line["attempts"], 4, "{line}");
        let errors = line["errors"].as_array().unwrap();
        assert_eq!(errors.len(), 4, "each attempt's error is kept: {line}");
        assert!(
            errors
                .iter()
                .all(|e| e.as_str().unwrap().contains("connection refused"))
        );
        assert_eq!(line["error"], errors[3]);
        // Waits of at least 0.05 + 0.1 + 0.2 s (half of 0.1, 0.2, 0.4).
        let ms = line["ms"].as_f64().unwrap();
        assert!(ms >= 350.0, "{ms} ms");
    });
}

#[test]
fn unsafe_methods_client_errors_and_bad_bodies_are_not_retried() {
    watchdog(LIMIT, || {
        let server = Scripted::start(|_, path| match path {
            "/missing" => reply(404, b"no"),
            "/short" => vec![Step::Send(
                b"HTTP/1.0 200 OK\r\nContent-Length: 10\r\n\r\nabc".to_vec(),
            )],
            _ => reply(503, b"busy"),
        });
        let args = ["--retry", "3", "--retry-delay", "0"];
        let post = server.url("/post");
        let run = Fetch::new(&[&args[..], &["--data", "x", &post]].concat()).run();
        assert!(run.line_for(&post).contains(" 503 4 bytes "), "{run}");
        assert_eq!(server.connections(), 1, "a POST is sent once");

        let missing = server.url("/missing");
        let run = Fetch::new(&[&args[..], &["--fail", &missing]].concat()).run();
        assert_eq!(run.code, 1, "{run}");
        assert_eq!(server.connections(), 2, "a 404 is not retried");

        let short = server.url("/short");
        let run = Fetch::new(&[&args[..], &[short.as_str()]].concat()).run();
        assert_eq!(run.code, 1, "{run}");
        assert!(run.line_for(&short).contains("truncated"), "{run}");
        assert_eq!(server.connections(), 3, "a bad body is not retried");
    });
}

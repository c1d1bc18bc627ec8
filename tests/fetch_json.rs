//! `--json`: one JSON object per URL per line on stdout (`url`, `index`,
//! `status`, `bytes`, `ms`, `attempts`, `error`, `file`, `reused`), then a
//! summary object (with the connections the requests went over), and no
//! human lines — parsed back with serde_json. Reuse itself is tested in
//! `fetch_keep_alive.rs`.

mod fetch_util;

use std::time::Duration;

use fetch_util::{Fetch, TempDir, closed_port_url, demo, watchdog};
use serde_json::Value;

const LIMIT: Duration = Duration::from_secs(60);

#[test]
fn one_object_per_url_then_a_summary() {
    watchdog(LIMIT, || {
        let demo = demo();
        let dir = TempDir::new("json");
        let out = dir.path().join("bodies");
        let (hello, missing, closed) = (
            demo.url("/hello"),
            demo.url("/status/404"),
            closed_port_url(),
        );
        let run = Fetch::new(&[
            "--json",
            "--output",
            out.to_str().unwrap(),
            &hello,
            &missing,
            &closed,
            "nonsense",
        ])
        .run();
        assert_eq!(run.code, 1, "{run}");
        assert_eq!(run.stderr, "", "nothing human anywhere\n{run}");
        let lines = run.json_lines();
        assert_eq!(lines.len(), 5, "{run}");
        let by_url = |url: &str| -> &Value {
            lines
                .iter()
                .find(|l| l["url"] == url)
                .unwrap_or_else(|| panic!("no object for {url}\n{run}"))
        };
        for line in &lines[..4] {
            for key in [
                "url", "index", "status", "bytes", "ms", "attempts", "error", "file", "reused",
            ] {
                assert!(line.get(key).is_some(), "{key} missing in {line}");
            }
        }
        let ok = by_url(&hello);
        assert_eq!(ok["index"], 1);
        assert_eq!(ok["status"], 200);
        assert_eq!(ok["bytes"], 13);
        assert_eq!(ok["attempts"], 1);
        assert_eq!(ok["error"], Value::Null);
        assert_eq!(ok["file"], out.join("1").to_str().unwrap());
        assert!(ok["ms"].as_f64().unwrap() > 0.0);

        let not_found = by_url(&missing);
        assert_eq!(
            (not_found["index"].clone(), not_found["status"].clone()),
            (2.into(), 404.into())
        );
        assert_eq!(not_found["error"], Value::Null, "a 404 is complete");

        let refused = by_url(&closed);
        assert_eq!(refused["index"], 3);
        assert_eq!(refused["status"], Value::Null);
        assert_eq!(refused["file"], Value::Null);
        assert_eq!(refused["reused"], false, "no response, no reuse");
        assert!(
            refused["error"]
                .as_str()
                .unwrap()
                .contains("connection refused"),
            "{refused}"
        );

        let invalid = by_url("nonsense");
        assert_eq!(invalid["attempts"], 0);
        assert!(
            invalid["error"]
                .as_str()
                .unwrap()
                .starts_with("invalid URL: ")
        );

        let summary = &lines[4];
        assert_eq!(summary["summary"], true, "{summary}");
        assert_eq!(summary["urls"], 4);
        assert_eq!(summary["complete"], 2);
        assert_eq!(summary["failed"], 2);
        assert_eq!(summary["bytes"], 13 + 11);
        for key in ["ms", "bytes_per_sec", "p50_ms", "p99_ms"] {
            assert!(summary[key].as_f64().is_some(), "{key} in {summary}");
        }
        // This demo server closes after each response: one connection per
        // request, and no TLS.
        assert_eq!(summary["connections"], 2, "{summary}");
        assert_eq!(summary["requests"], 2, "{summary}");
        assert_eq!(summary["tls_handshakes"]["full"], 0, "{summary}");
        assert_eq!(summary["tls_handshakes"]["resumed"], 0, "{summary}");
    });
}

#[test]
fn bad_input_lines_carry_their_line_number() {
    watchdog(LIMIT, || {
        let run = Fetch::new(&["--json", "-i", "-"])
            .stdin(b"# comment\nhttp://[::1\n".to_vec())
            .run();
        assert_eq!(run.code, 1, "{run}");
        let lines = run.json_lines();
        assert_eq!(lines[0]["line"], 2, "{run}");
        assert_eq!(lines[0]["index"], 1, "{run}");
        assert!(
            lines[0]["error"]
                .as_str()
                .unwrap()
                .starts_with("invalid URL: ")
        );
        assert_eq!(lines[1]["failed"], 1);
    });
}

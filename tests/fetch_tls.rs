//! `fetch` with `https://` URLs, against the demo server's HTTPS side on a
//! thread of its own (a self-signed certificate for `localhost` and
//! 127.0.0.1, made when it starts): `--cacert FILE` trusts it, without it
//! the URL fails with the unknown-authority message (exit 1, and not
//! retried), `-k` accepts
//! it with one warning however many URLs, `--tls-info` adds the session to
//! each human line and a `tls` object to each `--json` line, and a
//! `--cacert` file that is missing or holds no certificate is a usage
//! error (exit 2).

mod fetch_util;

use std::time::Duration;

use fetch_util::{Fetch, Run, ServerThread, TempDir, demo, watchdog};
use serde_json::Value;

const LIMIT: Duration = Duration::from_secs(60);

/// The unknown-authority message, word for word as the issue has it.
const UNKNOWN_AUTHORITY: &str =
    "certificate issued by an unknown authority (self-signed?); pass --cacert";

/// The demo's HTTPS server, and its certificate written to a file.
fn https_demo(dir: &TempDir) -> (ServerThread, String) {
    let server = ServerThread::start_https().expect("starting the HTTPS demo server");
    let pem = server
        .certificate_pem()
        .expect("an HTTPS server")
        .to_owned();
    let file = dir.path().join("demo.pem");
    std::fs::write(&file, pem).unwrap();
    (server, file.to_str().unwrap().to_owned())
}

fn warnings(run: &Run) -> usize {
    run.stderr.matches("warning: --insecure").count()
}

#[test]
fn cacert_trusts_the_server_and_without_it_the_issuer_is_unknown() {
    watchdog(LIMIT, || {
        let dir = TempDir::new("tls-cacert");
        let (server, cacert) = https_demo(&dir);
        let (hello, bytes) = (server.url("/hello"), server.url("/bytes/100000"));
        assert!(hello.starts_with("https://127.0.0.1:"), "{hello}");

        let run = Fetch::new(&["--cacert", &cacert, &hello, &bytes]).run();
        assert_eq!(run.code, 0, "{run}");
        assert!(run.line_for(&hello).contains(" 200 13 bytes "), "{run}");
        assert!(run.line_for(&bytes).contains(" 200 100000 bytes "), "{run}");
        assert_eq!(warnings(&run), 0, "{run}");
        assert!(
            !run.line_for(&hello).contains("[TLS"),
            "no --tls-info\n{run}"
        );

        // --retry does not retry it: another try meets the same certificate.
        let run = Fetch::new(&["--retry", "2", "--retry-delay", "0", &hello]).run();
        assert_eq!(run.code, 1, "{run}");
        let line = run.line_for(&hello);
        assert!(
            line.starts_with(&format!("{hello} error: {UNKNOWN_AUTHORITY} (")),
            "{line:?}\n{run}"
        );
        assert!(!line.contains("attempts"), "one attempt: {line:?}");
    });
}

#[test]
fn insecure_accepts_any_certificate_and_warns_once() {
    watchdog(LIMIT, || {
        let dir = TempDir::new("tls-insecure");
        let (server, _) = https_demo(&dir);
        let urls = [
            server.url("/hello"),
            server.url("/bytes/10"),
            server.url("/"),
        ];
        for flag in ["-k", "--insecure"] {
            let args = [&[flag][..], &urls.each_ref().map(String::as_str)].concat();
            let run = Fetch::new(&args).run();
            assert_eq!(run.code, 0, "{run}");
            assert!(run.line_for(&urls[0]).contains(" 200 13 bytes "), "{run}");
            assert_eq!(warnings(&run), 1, "one warning for three URLs\n{run}");
            assert!(
                run.stderr.contains("certificates are not verified"),
                "{run}"
            );
        }
    });
}

#[test]
fn tls_info_tells_the_session_of_each_https_url() {
    watchdog(LIMIT, || {
        let dir = TempDir::new("tls-info");
        let (server, cacert) = https_demo(&dir);
        let plain = demo();
        let (secure, clear) = (server.url("/hello"), plain.url("/hello"));

        let run = Fetch::new(&["--tls-info", "--cacert", &cacert, &secure, &clear]).run();
        assert_eq!(run.code, 0, "{run}");
        let line = run.line_for(&secure);
        let info = line
            .split_once(" ms [")
            .map(|(_, info)| info)
            .unwrap_or_else(|| panic!("TLS info after the time: {line:?}"));
        let (protocol, rest) = info.split_once(' ').unwrap();
        let (suite, subject) = rest.split_once(' ').unwrap();
        assert_eq!(protocol, "TLSv1.3", "{line:?}");
        assert!(suite.starts_with("TLS13_"), "{line:?}");
        assert_eq!(
            subject, "subject: CN=localhost, O=handroll demo]",
            "{line:?}"
        );
        assert!(
            !run.line_for(&clear).contains('['),
            "plain HTTP has none\n{run}"
        );

        // --json: a "tls" object, null for plain HTTP.
        let run = Fetch::new(&["--json", "--tls-info", "--cacert", &cacert, &secure, &clear]).run();
        assert_eq!(run.code, 0, "{run}");
        let lines = run.json_lines();
        let by_url = |url: &str| -> &Value {
            lines
                .iter()
                .find(|l| l["url"] == url)
                .unwrap_or_else(|| panic!("no object for {url}\n{run}"))
        };
        let tls = &by_url(&secure)["tls"];
        assert_eq!(tls["protocol"], "TLSv1.3", "{tls}");
        assert!(
            tls["cipher_suite"].as_str().unwrap().starts_with("TLS13_"),
            "{tls}"
        );
        assert_eq!(tls["subject"], "CN=localhost, O=handroll demo", "{tls}");
        assert_eq!(tls["issuer"], tls["subject"], "self-signed: {tls}");
        assert_eq!(by_url(&clear)["tls"], Value::Null);
        assert_eq!(by_url(&clear)["status"], 200);

        // Without --tls-info the JSON lines stay as they were.
        let run = Fetch::new(&["--json", "--cacert", &cacert, &secure]).run();
        assert_eq!(run.code, 0, "{run}");
        assert!(run.json_lines()[0].get("tls").is_none(), "{run}");
    });
}

#[test]
fn a_bad_cacert_file_is_a_usage_error() {
    watchdog(LIMIT, || {
        let dir = TempDir::new("tls-bad-cacert");
        let missing = dir.path().join("missing.pem");
        let garbage = dir.path().join("garbage.pem");
        std::fs::write(&garbage, "not a certificate\n").unwrap();
        let cases = [
            (missing, "No such file or directory"),
            (
                garbage,
                "no PEM certificate (-----BEGIN CERTIFICATE-----) found",
            ),
        ];
        for (file, message) in cases {
            let file = file.to_str().unwrap();
            let run = Fetch::new(&["--cacert", file, "https://127.0.0.1:1/"]).run();
            assert_eq!(run.code, 2, "{run}");
            assert!(
                run.stderr
                    .contains(&format!("error: --cacert {file}: {message}")),
                "{run}"
            );
            assert_eq!(run.stdout_text(), "", "nothing fetched\n{run}");
        }
    });
}

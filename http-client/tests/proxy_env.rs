//! The proxies the environment names, as a user of curl would expect them
//! to act: `http_proxy` for `http://` URLs, `HTTPS_PROXY` for `https://`,
//! `ALL_PROXY` for both, `NO_PROXY` for the hosts to reach directly, and
//! uppercase `HTTP_PROXY` ignored (httpoxy). A bad setting fails the
//! requests it covers, naming the variable; `ClientBuilder::no_proxy`
//! ignores them all.
//!
//! A process's environment is shared by its threads, so no test sets a
//! variable in its own process: each case runs its fetches in a child
//! process — the same test binary running the same test (`--exact`), with
//! the variables set — which the test sees and takes as its cue to be the
//! child (as `tls_roots.rs` does). The parsing rules themselves are unit
//! tests of the crate (`proxy/env.rs`, `proxy/no_proxy.rs`), with the
//! environment passed in as a function.

mod util;

use std::env;
use std::time::Duration;

use util::process::run_test_in_child;
use util::{ScriptedServer, Step};

/// The URLs the child fetches, `;`-separated.
const URLS: &str = "PROXY_ENV_CHILD_URLS";
/// Set (to anything) for a child whose client calls `no_proxy()`.
const NO_PROXY_CALL: &str = "PROXY_ENV_CHILD_NO_PROXY_CALL";
/// Every variable a proxy can come from, cleared in each child first.
const PROXY_VARS: [&str; 8] = [
    "http_proxy",
    "HTTP_PROXY",
    "https_proxy",
    "HTTPS_PROXY",
    "all_proxy",
    "ALL_PROXY",
    "no_proxy",
    "NO_PROXY",
];

/// Runs test `test` again in a new process with only the proxy variables
/// `vars` set, fetching `urls`; returns its output, failing if it fails.
fn run_child(test: &str, vars: &[(&str, String)], urls: &[String], no_proxy_call: bool) -> String {
    run_test_in_child(test, |command| {
        command.env(URLS, urls.join(";"));
        for name in PROXY_VARS {
            command.env_remove(name);
        }
        for (name, value) in vars {
            command.env(name, value);
        }
        if no_proxy_call {
            command.env(NO_PROXY_CALL, "1");
        }
    })
}

/// In a child (the URLs are set): fetches each URL with a client built as
/// a user would build it (reading the environment), prints one line per
/// URL (`OK <body>` or `ERR <error>`) and returns true. In the parent,
/// returns false at once.
fn ran_as_child() -> bool {
    let Ok(urls) = env::var(URLS) else {
        return false;
    };
    let no_proxy_call = env::var_os(NO_PROXY_CALL).is_some();
    let lines = runtime::block_on(async move {
        let mut builder = http_client::Client::builder()
            .connect_timeout(Duration::from_secs(2))
            .total_timeout(Duration::from_secs(5));
        if no_proxy_call {
            builder = builder.no_proxy();
        }
        let client = builder.build();
        let mut lines = Vec::new();
        for url in urls.split(';') {
            lines.push(match client.get(url).await {
                Ok(response) => format!("OK {}", response.text_lossy()),
                Err(error) => format!("ERR {error}"),
            });
        }
        lines
    });
    println!();
    for line in lines {
        println!("{line}");
    }
    true
}

/// A server answering one request with `body`.
fn answering(body: &str) -> ScriptedServer {
    ScriptedServer::once(vec![Step::write(format!(
        "HTTP/1.0 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    ))])
}

#[test]
fn http_proxy_carries_http_urls() {
    if ran_as_child() {
        return;
    }
    let proxy = answering("via proxy");
    let vars = [("http_proxy", format!("http://{}", proxy.addr()))];
    let stdout = run_child(
        "http_proxy_carries_http_urls",
        &vars,
        &["http://origin.invalid/x".into()],
        false,
    );
    assert!(stdout.contains("\nOK via proxy\n"), "{stdout}");
    let seen = proxy.finish(Duration::from_secs(2));
    let head = String::from_utf8_lossy(seen[0].request.head()).into_owned();
    assert!(
        head.starts_with("GET http://origin.invalid/x HTTP/1.0\r\n"),
        "{head}"
    );
}

#[test]
fn uppercase_http_proxy_is_ignored() {
    if ran_as_child() {
        return;
    }
    // A CGI program would get `HTTP_PROXY` from a request's `Proxy:` header.
    let origin = answering("direct");
    let vars = [("HTTP_PROXY", "http://127.0.0.1:9".to_owned())];
    let stdout = run_child(
        "uppercase_http_proxy_is_ignored",
        &vars,
        &[origin.url("/")],
        false,
    );
    assert!(stdout.contains("\nOK direct\n"), "{stdout}");
}

#[test]
fn all_proxy_covers_both_schemes_except_no_proxy_hosts() {
    if ran_as_child() {
        return;
    }
    let origin = answering("direct");
    let vars = [
        ("ALL_PROXY", "http://127.0.0.1:9".to_owned()),
        ("NO_PROXY", "localhost, 127.0.0.0/8".to_owned()),
    ];
    let urls = [
        origin.url("/"),
        "http://origin.invalid/".to_owned(),
        "https://origin.invalid/".to_owned(),
    ];
    let stdout = run_child(
        "all_proxy_covers_both_schemes_except_no_proxy_hosts",
        &vars,
        &urls,
        false,
    );
    let unreachable =
        "ERR cannot reach proxy 127.0.0.1:9: connect to 127.0.0.1:9: connection refused";
    let want = format!("\nOK direct\n{unreachable}\n{unreachable}\n");
    assert!(stdout.contains(&want), "{stdout}");
}

#[test]
fn https_proxy_carries_https_urls_only() {
    if ran_as_child() {
        return;
    }
    let proxy = ScriptedServer::once(vec![Step::write("HTTP/1.1 403 Forbidden\r\n\r\n")]);
    let origin = answering("direct");
    let vars = [("HTTPS_PROXY", format!("{}", proxy.addr()))];
    let urls = ["https://origin.invalid/".to_owned(), origin.url("/")];
    let stdout = run_child("https_proxy_carries_https_urls_only", &vars, &urls, false);
    let want = format!(
        "\nERR proxy {} refused a tunnel to origin.invalid:443: 403 Forbidden\nOK direct\n",
        proxy.addr()
    );
    assert!(stdout.contains(&want), "{stdout}");
}

#[test]
fn a_bad_proxy_variable_fails_the_requests_it_covers() {
    if ran_as_child() {
        return;
    }
    let origin = answering("direct");
    let vars = [(
        "https_proxy",
        "socks5://user:secret@127.0.0.1:1080".to_owned(),
    )];
    let urls = ["https://origin.invalid/".to_owned(), origin.url("/")];
    let stdout = run_child(
        "a_bad_proxy_variable_fails_the_requests_it_covers",
        &vars,
        &urls,
        false,
    );
    let want = "\nERR invalid proxy setting https_proxy: proxy scheme \"socks5\" is not supported \
                (only http:// proxies)\nOK direct\n";
    assert!(stdout.contains(want), "{stdout}");
    assert!(!stdout.contains("secret"), "{stdout}");
}

#[test]
fn no_proxy_on_the_builder_ignores_the_environment() {
    if ran_as_child() {
        return;
    }
    let origin = answering("direct");
    let vars = [
        ("http_proxy", "http://127.0.0.1:9".to_owned()),
        ("all_proxy", "http://127.0.0.1:9".to_owned()),
    ];
    let stdout = run_child(
        "no_proxy_on_the_builder_ignores_the_environment",
        &vars,
        &[origin.url("/")],
        true,
    );
    assert!(stdout.contains("\nOK direct\n"), "{stdout}");
}

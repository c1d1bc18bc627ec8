//! `fetch` on users' networks, flag by flag as a user meets them: a proxy
//! (`--proxy`, `--noproxy`, the environment), Basic credentials (`--user`),
//! compressed bodies (`--compressed`), one shard of a list (`--shard`),
//! and bad values for each (exit status 2 with a message). Servers are
//! scripted std servers on 127.0.0.1 that keep the request heads they get,
//! and one test goes through a real proxy, tinyproxy (`#[ignore]`d: needs
//! `apt-get install tinyproxy`; CI runs it), to the demo servers over
//! HTTP and, through a `CONNECT` tunnel, HTTPS.

mod fetch_util;

use std::path::Path;

use fetch_util::{
    Fetch, Scripted, ServerThread, Step, TempDir, demo, reply, reply_with, start_tinyproxy,
};

/// A server answering every request with `body`.
fn serving(body: &'static [u8]) -> Scripted {
    Scripted::start(move |_, _| reply(200, body))
}

/// `host:port` of a scripted server.
fn authority(server: &Scripted) -> String {
    server.url("").trim_start_matches("http://").to_owned()
}

#[test]
fn proxy_gets_the_absolute_form_and_its_own_credentials_only() {
    let proxy = serving(b"via proxy");
    let proxy_url = format!("http://alice:s3cret@{}", authority(&proxy));
    // A name that resolves nowhere: only the proxy can reach it.
    let url = "http://origin.invalid/page?q=1";
    let run = Fetch::new(&["--proxy", &proxy_url, "-o", "-", url]).run();
    assert_eq!(run.code, 0, "{run}");
    assert_eq!(run.stdout_text(), "via proxy");
    let heads = proxy.heads();
    assert_eq!(heads.len(), 1, "{heads:?}");
    assert!(
        heads[0].starts_with("GET http://origin.invalid/page?q=1 HTTP/1."),
        "{}",
        heads[0]
    );
    // "alice:s3cret" in Base64.
    assert!(
        heads[0].contains("Proxy-Authorization: Basic YWxpY2U6czNjcmV0\r\n"),
        "{}",
        heads[0]
    );
    assert!(!heads[0].contains("\r\nAuthorization:"), "{}", heads[0]);
    assert!(!format!("{run}").contains("s3cret"), "{run}");
}

#[test]
fn noproxy_and_an_empty_proxy_go_directly() {
    let proxy = serving(b"via proxy");
    let origin = serving(b"direct");
    let proxy_url = proxy.url("");
    let url = origin.url("/x");
    // --noproxy names the origin: direct, despite --proxy.
    let run = Fetch::new(&[
        "--proxy",
        &proxy_url,
        "--noproxy",
        "127.0.0.1",
        "-o",
        "-",
        &url,
    ])
    .run();
    assert_eq!(run.outcome(), (0, "direct".into()), "{run}");
    // --proxy "" beats the environment's http_proxy.
    let run = Fetch::new(&["--proxy", "", "-o", "-", &url])
        .env("http_proxy", &proxy_url)
        .run();
    assert_eq!(run.outcome(), (0, "direct".into()), "{run}");
    // --noproxy alone keeps the environment's proxy for other hosts ...
    let run = Fetch::new(&["--noproxy", "example.com", "-o", "-", &url])
        .env("http_proxy", &proxy_url)
        .env("no_proxy", "127.0.0.1")
        .run();
    assert_eq!(run.outcome(), (0, "via proxy".into()), "{run}");
    // ... and the environment alone is read as curl reads it.
    let run = Fetch::new(&["-o", "-", &url])
        .env("http_proxy", &proxy_url)
        .run();
    assert_eq!(run.outcome(), (0, "via proxy".into()), "{run}");
    let run = Fetch::new(&["-o", "-", &url])
        .env("HTTP_PROXY", &proxy_url)
        .run();
    assert_eq!(
        run.outcome(),
        (0, "direct".into()),
        "uppercase HTTP_PROXY is ignored (httpoxy)\n{run}"
    );
    assert_eq!(proxy.heads().len(), 2);
    assert_eq!(origin.heads().len(), 3);
}

#[test]
fn user_credentials_go_to_the_host_given_and_not_past_a_redirect() {
    let elsewhere = serving(b"moved here");
    let target = elsewhere.url("/there");
    let origin = Scripted::start(move |_, _| {
        vec![Step::Send(
            format!("HTTP/1.0 302 Found\r\nLocation: {target}\r\nContent-Length: 0\r\n\r\n")
                .into_bytes(),
        )]
    });
    let url = origin.url("/here");
    let run = Fetch::new(&["--user", "bob:pa55word", "-o", "-", &url]).run();
    assert_eq!(run.outcome(), (0, "moved here".into()), "{run}");
    // "bob:pa55word" in Base64.
    assert!(
        origin.heads()[0].contains("Authorization: Basic Ym9iOnBhNTV3b3Jk\r\n"),
        "{:?}",
        origin.heads()
    );
    assert!(
        !elsewhere.heads()[0].contains("Authorization"),
        "another host:port gets no credentials: {:?}",
        elsewhere.heads()
    );
    let run = Fetch::new(&["--user", "bob:pa55word", "--json", &url]).run();
    assert!(!format!("{run}").contains("pa55word"), "{run}");
}

/// "hello", gzipped.
const HELLO_GZ: &[u8] = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xcb\x48\xcd\xc9\xc9\x07\x00\x86\xa6\x10\x36\x05\x00\x00\x00";

/// A server that sends `body` gzip-coded if the request accepts gzip,
/// `plain` otherwise.
fn gzip_server(body: &'static [u8], plain: &'static [u8]) -> Scripted {
    Scripted::start_with_head(move |_, head| {
        if head
            .to_ascii_lowercase()
            .contains("\r\naccept-encoding: gzip, deflate\r\n")
        {
            reply_with(200, "Content-Encoding: gzip\r\n", body)
        } else {
            reply(200, plain)
        }
    })
}

#[test]
fn compressed_asks_for_gzip_and_saves_the_decoded_body() {
    let server = gzip_server(HELLO_GZ, b"not asked");
    let url = server.url("/");
    let run = Fetch::new(&["-o", "-", &url]).run();
    assert_eq!(
        run.stdout_text(),
        "not asked",
        "no Accept-Encoding by default"
    );
    let run = Fetch::new(&["--compressed", "-o", "-", &url]).run();
    assert_eq!(run.outcome(), (0, "hello".into()), "{run}");
}

#[test]
fn a_corrupt_gzip_body_fails_and_leaves_no_file() {
    let mut corrupt = HELLO_GZ.to_vec();
    corrupt[12] ^= 0xff; // inside the deflate data
    let corrupt: &'static [u8] = corrupt.leak();
    let server = gzip_server(corrupt, b"");
    let dir = TempDir::new("fetch-gzip-corrupt");
    let file = dir.path().join("out");
    let run = Fetch::new(&[
        "--compressed",
        "-o",
        file.to_str().unwrap(),
        &server.url("/"),
    ])
    .run();
    assert_eq!(run.code, 1, "{run}");
    assert!(
        run.stdout_text().contains("gzip"),
        "the error names the coding: {run}"
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "no file, no .part"
    );
}

#[test]
fn shards_split_a_list_keeping_the_global_indexes() {
    let server = serving(b"x");
    let list: String = (1..=7).map(|i| server.url(&format!("/{i}\n"))).collect();
    let dir = TempDir::new("fetch-shard");
    let mut seen = Vec::new();
    for k in 0..3 {
        let shard = format!("{k}/3");
        let run = Fetch::new(&[
            "--shard",
            &shard,
            "--json",
            "-i",
            "-",
            "--output",
            dir.path().to_str().unwrap(),
        ])
        .stdin(list.clone().into_bytes())
        .run();
        assert_eq!(run.code, 0, "{run}");
        let lines = run.json_lines();
        let (summary, urls) = lines.split_last().unwrap();
        for line in urls {
            let index = line["index"].as_u64().unwrap();
            assert_eq!(index % 3, k, "{line}");
            assert!(
                line["url"]
                    .as_str()
                    .unwrap()
                    .ends_with(&format!("/{index}")),
                "{line}"
            );
            seen.push(index);
        }
        assert_eq!(
            summary["urls"].as_u64(),
            Some(urls.len() as u64),
            "{summary}"
        );
    }
    seen.sort();
    assert_eq!(seen, (1..=7).collect::<Vec<u64>>(), "each URL fetched once");
    let mut files: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    assert_eq!(files, ["1", "2", "3", "4", "5", "6", "7"]);
}

#[test]
fn bad_values_exit_2_with_a_message_and_fetch_nothing() {
    let server = serving(b"x");
    let url = server.url("/");
    let dir = TempDir::new("fetch-bad-values");
    let out = dir.path().join("f");
    let out = out.to_str().unwrap();
    let cases: [(&[&str], &str); 8] = [
        (&["--limit-rate", "0"], "at least 1 byte per second"),
        (&["--limit-rate", "fast"], "like 500k, 2M"),
        (&["--shard", "3/2"], "K = 3 is not below N = 2"),
        (&["--shard", "x"], "expected K/N"),
        (
            &["--proxy", "http://u:secret@p:99999"],
            "--proxy: invalid proxy URL",
        ),
        (
            &["--proxy", "http://p:1", "--noproxy", "10.0.0.0/40"],
            "--noproxy: invalid no-proxy entry",
        ),
        (&["-C"], "-C/--continue resumes files"),
        (&["-C", "--compressed", "-o", out], "cannot be used with"),
    ];
    for (args, message) in cases {
        let args = [args, &[url.as_str()]].concat();
        let run = Fetch::new(&args).run();
        assert_eq!(run.code, 2, "{args:?}\n{run}");
        assert!(run.stderr.contains(message), "{args:?}: {message:?}\n{run}");
        assert!(!run.stderr.contains("secret"), "{run}");
    }
    assert!(server.heads().is_empty(), "nothing was fetched");
    assert!(!Path::new(out).exists());
}

#[test]
fn help_says_a_repeated_option_takes_its_last_value() {
    let run = Fetch::new(&["--help"]).run();
    assert_eq!(run.code, 0, "{run}");
    let help = run.stdout_text();
    for words in [
        "takes its last value",
        "--proxy",
        "--noproxy",
        "--compressed",
        "--user",
        "--continue",
        "--limit-rate",
        "--shard",
    ] {
        assert!(help.contains(words), "{words}: {help}");
    }
    let run = Fetch::new(&[
        "--timeout",
        "10",
        "--timeout",
        "30",
        "--quiet",
        "--quiet",
        "-o",
        "-",
        "--noproxy",
        "*",
        &serving(b"ok").url("/"),
    ])
    .run();
    assert_eq!(run.outcome(), (0, "ok".into()), "{run}");
}

#[test]
#[ignore = "needs tinyproxy"]
fn a_real_proxy_carries_http_and_tunnels_https() {
    let tmp = TempDir::new("fetch-tinyproxy");
    let proxy = start_tinyproxy(tmp.path());
    let plain = demo();
    let tls = ServerThread::start_https().expect("the HTTPS demo server");
    let cacert = tmp.path().join("demo.pem");
    std::fs::write(&cacert, tls.certificate_pem().unwrap()).unwrap();
    let mut urls: Vec<String> = (0..10)
        .map(|i| plain.url(&format!("/bytes/{}", 1000 + i)))
        .collect();
    urls.extend((0..3).map(|_| tls.url("/hello")));
    let proxy_url = proxy.url("");
    let args = [
        &[
            "--proxy",
            &proxy_url,
            "--cacert",
            cacert.to_str().unwrap(),
            "--json",
        ][..],
        &urls.iter().map(String::as_str).collect::<Vec<_>>(),
    ]
    .concat();
    let run = Fetch::new(&args).run();
    assert_eq!(run.code, 0, "{run}");
    let lines = run.json_lines();
    for line in &lines[..urls.len()] {
        assert_eq!(line["status"], 200, "{line}");
    }
    let bytes: u64 = lines[..urls.len()]
        .iter()
        .map(|l| l["bytes"].as_u64().unwrap())
        .sum();
    // /hello is 13 bytes.
    assert_eq!(
        bytes,
        (0..10).map(|i| 1000 + i).sum::<u64>() + 3 * 13,
        "{run}"
    );
    let log = std::fs::read_to_string(tmp.path().join("tinyproxy.log")).unwrap_or_default();
    let (host, port) = (plain.addr().ip(), plain.addr().port());
    assert!(
        log.contains(&format!("GET http://{host}:{port}/bytes/1000")),
        "the proxy fetched it:\n{log}"
    );
    assert!(
        log.contains(&format!("CONNECT {}", tls.addr())),
        "a tunnel for https:\n{log}"
    );
}

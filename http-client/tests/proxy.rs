//! Requests through a proxy, against scripted proxies: what goes over the
//! wire (the absolute-form request line, the `CONNECT`, the credentials),
//! TLS with the origin inside a tunnel (its certificate checked against the
//! origin's name, never the proxy's), and the ways a proxy says no or says
//! nothing — a 407, a refused `CONNECT`, a proxy that stalls — each an
//! error that names the proxy, within the timeout that covers it.
//!
//! The environment's proxies are in `proxy_env.rs`, a real proxy
//! (tinyproxy) in `tinyproxy.rs`.

#[cfg(feature = "tls")]
#[path = "util/tls.rs"]
mod tls;
mod util;

use std::time::Duration;

use http_client::{Client, Error, Proxy};
use util::keepalive_server::{KeepAliveServer, Reply, ok11};
use util::{ScriptedServer, Step, client, pooled_client, run};

const OK: &str = "HTTP/1.0 200 OK\r\nContent-Length: 9\r\n\r\nvia proxy";

/// A scripted proxy answering one connection with `steps`.
fn proxy_answering(steps: Vec<Step>) -> ScriptedServer {
    ScriptedServer::once(steps)
}

fn head_of(server: ScriptedServer) -> String {
    let seen = server.finish(Duration::from_secs(2));
    String::from_utf8_lossy(seen[0].request.head()).into_owned()
}

#[test]
fn an_http_request_goes_to_the_proxy_in_absolute_form_with_its_credentials() {
    let proxy = proxy_answering(vec![Step::write(OK)]);
    let proxy_url = format!("http://me:s%40cret@{}", proxy.addr());
    let response = run(move || async move {
        let client = client().proxy(Proxy::http(&proxy_url)?).build();
        // The origin's name resolves nowhere: only the proxy needs it.
        client.get("http://origin.invalid:8080/a?b=1").await
    })
    .expect("the proxy answers");
    assert_eq!(response.text().unwrap(), "via proxy");
    assert_eq!(
        head_of(proxy),
        "GET http://origin.invalid:8080/a?b=1 HTTP/1.0\r\nHost: origin.invalid:8080\r\n\
         Proxy-Authorization: Basic bWU6c0BjcmV0\r\nConnection: close\r\n\r\n"
    );
}

#[test]
fn a_proxy_for_http_only_leaves_https_alone_and_no_proxy_hosts_go_direct() {
    let origin = ScriptedServer::once(vec![Step::write(OK.replace("via proxy", "direct!!!"))]);
    let url = origin.url("/");
    let response = run(move || async move {
        // Nothing listens at the proxy's address: using it would fail.
        let proxy = Proxy::all("http://127.0.0.1:9")?.no_proxy("localhost, 127.0.0.0/8")?;
        client().proxy(proxy).build().get(url).await
    })
    .expect("direct");
    assert_eq!(response.text().unwrap(), "direct!!!");
}

#[test]
fn a_407_from_an_http_proxy_is_an_error_naming_it() {
    let proxy = proxy_answering(vec![Step::write(
        "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"corp\"\r\n\
         Content-Length: 0\r\n\r\n",
    )]);
    let addr = proxy.addr();
    let error = run(move || async move {
        let client = client()
            .proxy(Proxy::http(&format!("http://{addr}"))?)
            .build();
        client.get("http://origin.invalid/").await
    })
    .expect_err("407");
    assert!(
        matches!(&error, Error::ProxyAuthentication { proxy, sent_credentials: false } if *proxy == addr.to_string()),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        format!(
            "proxy {addr} requires authentication (407): give the credentials in the proxy URL, \
             http://user:password@host:port"
        )
    );
}

// `https://` URLs need the `tls` feature, even to fail at the proxy.
#[cfg(feature = "tls")]
#[test]
fn a_407_to_connect_is_an_error_naming_the_proxy() {
    let proxy = proxy_answering(vec![Step::write(
        "HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n",
    )]);
    let addr = proxy.addr();
    let error = run(move || async move {
        let client = client()
            .proxy(Proxy::https(&format!("http://me:wrong@{addr}"))?)
            .build();
        client.get("https://origin.invalid/").await
    })
    .expect_err("407");
    assert_eq!(
        error.to_string(),
        format!("proxy {addr} did not accept the credentials in the proxy URL (407)")
    );
    assert!(!format!("{error:?}").contains("wrong"), "{error:?}");
    assert_eq!(
        head_of(proxy),
        "CONNECT origin.invalid:443 HTTP/1.1\r\nHost: origin.invalid:443\r\n\
         Proxy-Authorization: Basic bWU6d3Jvbmc=\r\n\r\n"
    );
}

// `https://` URLs need the `tls` feature, even to fail at the proxy.
#[cfg(feature = "tls")]
#[test]
fn a_refused_connect_is_an_error_naming_the_proxy_and_the_target() {
    let proxy = proxy_answering(vec![Step::write(
        "HTTP/1.1 403 Forbidden\r\nContent-Type: text/html\r\nContent-Length: 9\r\n\r\nforbidden",
    )]);
    let addr = proxy.addr();
    let error = run(move || async move {
        let client = client().proxy(Proxy::all(&format!("{addr}"))?).build();
        client.get("https://[::1]:8443/").await
    })
    .expect_err("403");
    assert!(
        matches!(error, Error::ProxyRefused { status: 403, .. }),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        format!("proxy {addr} refused a tunnel to [::1]:8443: 403 Forbidden")
    );
}

// `https://` URLs need the `tls` feature, even to fail at the proxy.
#[cfg(feature = "tls")]
#[test]
fn a_proxy_that_stalls_on_connect_times_out_naming_it() {
    use http_client::TimeoutPhase;
    use util::timed;

    let proxy = proxy_answering(vec![Step::Hold]);
    let addr = proxy.addr();
    let (result, took) = run(move || async move {
        let client = client()
            .connect_timeout(Duration::from_millis(300))
            .proxy(Proxy::all(&format!("http://{addr}"))?)
            .build();
        Ok::<_, Error>(timed(client.get("https://origin.invalid/")).await)
    })
    .unwrap();
    let error = result.expect_err("a stalled proxy");
    assert!(
        matches!(&error, Error::Timeout { phase: TimeoutPhase::Tunnel, authority, .. } if *authority == addr.to_string()),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        format!("proxy {addr} did not answer CONNECT within 300ms")
    );
    assert!(took >= Duration::from_millis(300), "early: {took:?}");
    assert!(took < Duration::from_secs(3), "late: {took:?}");
}

#[test]
fn a_proxy_that_stalls_on_an_http_request_times_out_naming_it() {
    let proxy = proxy_answering(vec![Step::Hold]);
    let addr = proxy.addr();
    let error = run(move || async move {
        let client = client()
            .idle_timeout(Duration::from_millis(300))
            .proxy(Proxy::all(&format!("http://{addr}"))?)
            .build();
        client.get("http://origin.invalid/").await
    })
    .expect_err("a stalled proxy");
    assert!(error.is_timeout(), "{error:?}");
    assert_eq!(
        error.to_string(),
        format!(
            "no data from origin.invalid:80 via proxy {addr} for 300ms while waiting for the response"
        )
    );
}

#[test]
fn an_unreachable_proxy_names_itself() {
    let error = run(|| async {
        let client = client().proxy(Proxy::all("http://127.0.0.1:9")?).build();
        client.get("http://origin.invalid/").await
    })
    .expect_err("nothing listens on port 9");
    assert!(error.is_connect(), "{error:?}");
    assert_eq!(
        error.to_string(),
        "cannot reach proxy 127.0.0.1:9: connect to 127.0.0.1:9: connection refused"
    );
}

#[test]
fn requests_through_a_proxy_share_its_connection_per_origin() {
    let proxy =
        KeepAliveServer::start(|_, _, request| Reply::keep(ok11(request.target().as_bytes())));
    let proxy_url = proxy.url("");
    let (bodies, stats) = run(move || async move {
        let client = pooled_client().proxy(Proxy::http(&proxy_url)?).build();
        let mut bodies = Vec::new();
        for url in [
            "http://a.invalid/1",
            "http://a.invalid/2",
            "http://b.invalid/3",
        ] {
            bodies.push(client.get(url).await?.text()?.to_owned());
        }
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>((bodies, client.stats()))
    })
    .expect("through the proxy");
    assert_eq!(
        bodies,
        [
            "http://a.invalid/1",
            "http://a.invalid/2",
            "http://b.invalid/3"
        ]
    );
    // One connection per origin, each keyed by the proxy too.
    assert_eq!((stats.connections_opened, stats.reused), (2, 1));
    assert_eq!(proxy.accepted(), 2);
}

#[test]
fn a_bad_proxy_setting_is_refused_when_made() {
    #[rustfmt::skip]
    let cases = [
        (Proxy::all("socks5h://127.0.0.1:1080").map(drop), r#"invalid proxy setting Proxy::all: proxy scheme "socks5h" is not supported (only http:// proxies)"#),
        (Proxy::http("http://proxy:3128/path").map(drop), "invalid proxy setting Proxy::http: a proxy URL is a host and a port (http://[user:password@]host[:port]), with no path or query"),
        (Proxy::https("http://user:pw@proxy:0").map(drop), r#"invalid proxy setting Proxy::https: invalid proxy URL: invalid port "0": expected a number from 1 to 65535"#),
        (Proxy::all("p:1").and_then(|p| p.no_proxy("a,,b c")).map(drop), r#"invalid proxy setting Proxy::no_proxy: invalid no-proxy entry "b c": not a host name, an IP address, a CIDR range or *"#),
    ];
    for (result, want) in cases {
        assert_eq!(result.unwrap_err().to_string(), want);
    }
    // A client without proxies at all talks to the origin.
    drop(Client::builder().no_proxy().build());
}

/// TLS through a tunnel: the proxy sees a `CONNECT` for the origin's name,
/// and the certificate, for `wrong.example` only (not the proxy's
/// 127.0.0.1), is checked against that name and accepted.
#[cfg(feature = "tls")]
#[test]
fn tls_runs_with_the_origin_inside_the_tunnel() {
    use std::net::SocketAddr;
    use tls::{TlsServer, TlsStep, pki, server_config};
    use util::tunnel_proxy::TunnelProxy;

    let config = server_config(&pki().wrong_name, false);
    let server = TlsServer::start(config, 2, |_| {
        vec![
            TlsStep::write("HTTP/1.0 200 OK\r\nContent-Length: 6\r\n\r\nsecret"),
            TlsStep::CloseNotify,
        ]
    });
    let upstream = SocketAddr::from(([127, 0, 0, 1], server.port()));
    let proxy = TunnelProxy::start(upstream, 2);
    let proxy_url = proxy.url();
    let ca = pki().ca_pem.clone();
    let (good, mismatch) = run(move || async move {
        let client = client()
            .add_root_certificate(ca.as_bytes())?
            .proxy(Proxy::https(&proxy_url)?)
            .build();
        let good = client.get("https://wrong.example:443/").await;
        // The same certificate for a URL naming another host fails, though
        // the tunnel leads to the same server.
        let mismatch = client.get("https://right.example:443/").await;
        Ok::<_, Error>((good, mismatch))
    })
    .unwrap();
    assert_eq!(
        good.expect("verified against the origin").text().unwrap(),
        "secret"
    );
    let error = mismatch.expect_err("the name is checked");
    assert_eq!(
        error.to_string(),
        "certificate for wrong.example is not valid for right.example \
         (use a name it is for, or give the server a certificate for right.example)"
    );
    let heads = proxy.heads();
    assert_eq!(
        heads[0],
        "CONNECT wrong.example:443 HTTP/1.1\r\nHost: wrong.example:443\r\n\r\n"
    );
    assert!(
        heads[1].starts_with("CONNECT right.example:443 "),
        "{heads:?}"
    );
}

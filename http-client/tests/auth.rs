//! HTTP Basic credentials as a user meets them: from the URL
//! (`http://user:password@host/`) or `Request::basic_auth`, sent as
//! `Authorization: Basic`; kept across a redirect to the same scheme, host
//! and port and dropped on the way anywhere else (curl's rule); and never
//! printed — not in a URL's text, not in an error that names the URL.

mod util;

use std::time::Duration;

use http_client::{Error, Request, Url};
use util::script::Received;
use util::{ScriptedServer, Step, client, run};

const OK: &str = "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok";

fn authorization(request: &Received) -> Option<String> {
    util::keepalive_server::request_header(request, "authorization").map(str::to_owned)
}

/// A server that redirects `/start` to `location` and answers anything else.
fn redirecting(location: String, connections: usize) -> ScriptedServer {
    ScriptedServer::start(connections, move |request| {
        if request.target() == "/start" {
            vec![Step::write(format!(
                "HTTP/1.0 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\n\r\n"
            ))]
        } else {
            vec![Step::write(OK)]
        }
    })
}

#[test]
fn credentials_in_the_url_are_sent_as_basic_authorization() {
    let server = ScriptedServer::once(vec![Step::write(OK)]);
    let url = format!("http://alice:op%40en%20sesame@{}/", server.addr());
    run(move || async move { client().build().get(url).await }).expect("a response");
    let seen = server.finish(Duration::from_secs(2));
    // base64("alice:op@en sesame")
    assert_eq!(
        authorization(&seen[0].request).as_deref(),
        Some("Basic YWxpY2U6b3BAZW4gc2VzYW1l")
    );
}

#[test]
fn basic_auth_on_the_request() {
    let server = ScriptedServer::once(vec![Step::write(OK)]);
    let url = server.url("/");
    run(move || async move {
        let request = Request::get(Url::parse(&url)?).basic_auth("token", None::<&str>);
        client().build().send(request).await?;
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
    })
    .unwrap();
    let seen = server.finish(Duration::from_secs(2));
    assert_eq!(
        authorization(&seen[0].request).as_deref(),
        Some("Basic dG9rZW46")
    );
}

#[test]
fn a_redirect_to_the_same_origin_keeps_the_credentials() {
    let server = redirecting("/next".to_owned(), 2);
    let url = format!("http://u:p@{}/start", server.addr());
    run(move || async move { client().build().get(url).await }).expect("followed");
    let seen = server.finish(Duration::from_secs(2));
    let sent: Vec<Option<String>> = seen.iter().map(|s| authorization(&s.request)).collect();
    assert_eq!(sent, [Some("Basic dTpw".into()), Some("Basic dTpw".into())]);
}

#[test]
fn a_redirect_to_another_host_or_port_drops_the_credentials() {
    for other_host in [true, false] {
        let target = ScriptedServer::once(vec![Step::write(OK)]);
        // Another host name for the same machine, or another port.
        let location = if other_host {
            format!("http://localhost:{}/landed", target.port())
        } else {
            target.url("/landed")
        };
        let origin = redirecting(location, 1);
        let port = origin.port();
        let url = if other_host {
            format!("http://u:p@127.0.0.1:{port}/start")
        } else {
            format!("http://u:p@localhost:{port}/start")
        };
        let response = run(move || async move {
            let request = Request::get(Url::parse(&url)?).header("Cookie", "session=1")?;
            let response = client().build().send(request).await?;
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(response)
        })
        .expect("followed");
        assert_eq!(response.text().unwrap(), "ok");
        let first = origin.finish(Duration::from_secs(2));
        assert_eq!(
            authorization(&first[0].request).as_deref(),
            Some("Basic dTpw")
        );
        let landed = target.finish(Duration::from_secs(2));
        let head = String::from_utf8_lossy(landed[0].request.head()).into_owned();
        assert!(
            !head.contains("Authorization"),
            "credentials went along: {head}"
        );
        assert!(!head.contains("Cookie"), "the cookie went along: {head}");
    }
}

#[test]
fn errors_and_urls_never_show_the_password() {
    let url = Url::parse("http://user:hunter2@example.com/x").unwrap();
    assert_eq!(url.to_string(), "http://user@example.com/x");
    assert!(!format!("{url:?}").contains("hunter2"));
    // A redirect loop: the error names the last location.
    let server = ScriptedServer::start(3, |_| {
        vec![Step::write(
            "HTTP/1.0 302 Found\r\nLocation: /loop\r\nContent-Length: 0\r\n\r\n",
        )]
    });
    let url = format!("http://user:hunter2@{}/start", server.addr());
    let error = run(move || async move { client().max_redirects(2).build().get(url).await })
        .expect_err("a loop");
    assert!(matches!(error, Error::TooManyRedirects { .. }), "{error:?}");
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(
        error
            .to_string()
            .ends_with(&format!("last location http://user@{}/loop", server.addr())),
        "{error}"
    );
}

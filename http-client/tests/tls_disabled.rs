//! A build without the `tls` feature (`cargo test -p handroll-http
//! --no-default-features`): `https://` URLs still parse, and fetching one
//! fails at once, before any name lookup or connection, with a message
//! that says how to get TLS; `http://` works as always.

#![cfg(not(feature = "tls"))]

mod util;

use http_client::{Error, Scheme, Url};
use util::{ScriptedServer, Step, client, run};

#[test]
fn https_fails_with_a_message_naming_the_feature() {
    let url = Url::parse("https://127.0.0.1:9/").unwrap();
    assert_eq!(url.scheme(), Scheme::Https);
    let error = run(move || async move { http_client::connect(&url).await.map(drop) })
        .expect_err("no TLS in this build");
    assert!(matches!(error, Error::TlsNotCompiled), "{error:?}");
    assert_eq!(
        error.to_string(),
        "https support was not compiled in (feature `tls`)"
    );
}

#[test]
fn a_redirect_to_https_fails_the_same_way_and_http_still_works() {
    let server = ScriptedServer::start(2, |request| match request.target() {
        "/plain" => vec![Step::write(
            "HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nplain",
        )],
        _ => vec![Step::write(
            "HTTP/1.0 302 Found\r\nLocation: https://localhost:9/\r\nContent-Length: 0\r\n\r\n",
        )],
    });
    let (plain, redirect) = (server.url("/plain"), server.url("/redirect"));
    let (plain, redirect) = run(move || async move {
        let client = client().build();
        (client.get(plain).await, client.get(redirect).await)
    });
    assert_eq!(plain.expect("http works").text().unwrap(), "plain");
    assert!(
        matches!(redirect, Err(Error::TlsNotCompiled)),
        "{redirect:?}"
    );
}

//! Table tests of [`Url::parse`]: valid URLs and their parts, credentials
//! and how they print, authorities, and every rejection with its error.

use super::*;

#[test]
fn parses_valid_urls() {
    // (input, host, port, path_and_query, host_header, display)
    #[rustfmt::skip]
    let cases = [
        ("http://example.com", "example.com", 80, "/", "example.com", "http://example.com/"),
        ("HTTP://EXAMPLE.com/A", "example.com", 80, "/A", "example.com", "http://example.com/A"),
        ("http://example.com:8080/x?y=1", "example.com", 8080, "/x?y=1", "example.com:8080", "http://example.com:8080/x?y=1"),
        ("http://example.com:80/", "example.com", 80, "/", "example.com", "http://example.com/"),
        ("http://example.com?q", "example.com", 80, "/?q", "example.com", "http://example.com/?q"),
        ("http://example.com/p#frag", "example.com", 80, "/p", "example.com", "http://example.com/p"),
        ("http://example.com#frag", "example.com", 80, "/", "example.com", "http://example.com/"),
        ("http://my_host-1.local./", "my_host-1.local.", 80, "/", "my_host-1.local.", "http://my_host-1.local./"),
        ("http://127.0.0.1:9/", "127.0.0.1", 9, "/", "127.0.0.1:9", "http://127.0.0.1:9/"),
        ("http://[::1]:8080/x", "::1", 8080, "/x", "[::1]:8080", "http://[::1]:8080/x"),
        ("http://[::1]", "::1", 80, "/", "[::1]", "http://[::1]/"),
        ("http://[2001:DB8:0::1]/", "2001:db8::1", 80, "/", "[2001:db8::1]", "http://[2001:db8::1]/"),
        ("http://h/caf\u{e9}?q=\u{e9}", "h", 80, "/caf%C3%A9?q=%C3%A9", "h", "http://h/caf%C3%A9?q=%C3%A9"),
        ("http://h/a/../b/./c", "h", 80, "/a/../b/./c", "h", "http://h/a/../b/./c"),
        ("http://h:65535", "h", 65535, "/", "h:65535", "http://h:65535/"),
        ("http://h/%zz%20", "h", 80, "/%zz%20", "h", "http://h/%zz%20"),
        ("https://example.com", "example.com", 443, "/", "example.com", "https://example.com/"),
        ("HTTPS://example.com:443/x", "example.com", 443, "/x", "example.com", "https://example.com/x"),
        ("https://example.com:80/", "example.com", 80, "/", "example.com:80", "https://example.com:80/"),
        ("https://127.0.0.1:8443/", "127.0.0.1", 8443, "/", "127.0.0.1:8443", "https://127.0.0.1:8443/"),
        ("https://[::1]/", "::1", 443, "/", "[::1]", "https://[::1]/"),
    ];
    for (input, host, port, pq, host_header, display) in cases {
        let url = Url::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(url.host(), host, "{input}");
        assert_eq!(url.port(), port, "{input}");
        assert_eq!(url.path_and_query(), pq, "{input}");
        assert_eq!(url.host_header(), host_header, "{input}");
        assert_eq!(url.to_string(), display, "{input}");
        assert_eq!(Url::parse(display), Ok(url.clone()), "{input} round trip");
        assert_eq!(input.parse::<Url>(), Ok(url), "{input} FromStr");
    }
}

#[test]
fn keeps_credentials_and_never_shows_the_password() {
    #[rustfmt::skip]
    let cases = [
        ("http://user:secret@h/", "user", Some("secret"), "http://user@h/"),
        ("http://user@h:81/x", "user", None, "http://user@h:81/x"),
        ("http://user:@h/", "user", Some(""), "http://user@h/"),
        ("https://a%40b:p%2Fw%3Ad@[::1]/", "a@b", Some("p/w:d"), "https://a%40b@[::1]/"),
        ("http://caf%C3%A9:x@h/", "caf\u{e9}", Some("x"), "http://caf%C3%A9@h/"),
        ("http://h/", "", None, "http://h/"),
    ];
    for (input, user, password, display) in cases {
        let url = Url::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(
            (url.username(), url.password()),
            (user, password),
            "{input}"
        );
        assert_eq!(url.to_string(), display, "{input}");
        assert_eq!(format!("{url:?}"), format!("Url({display:?})"), "{input}");
        assert_eq!(url.authority(), Url::parse(display).unwrap().authority());
        // What is shown parses back to the same user, without a password.
        assert_eq!(Url::parse(display).unwrap().username(), user, "{input}");
    }
}

#[test]
fn authority_and_ip() {
    let cases = [
        ("http://example.com/", "example.com:80", None),
        ("http://10.0.0.1:81/", "10.0.0.1:81", Some("10.0.0.1")),
        ("http://[::1]/", "[::1]:80", Some("::1")),
        ("https://example.com/", "example.com:443", None),
    ];
    for (input, authority, ip) in cases {
        let url = Url::parse(input).unwrap();
        assert_eq!(url.authority(), authority);
        let https = input.starts_with("https");
        assert_eq!(
            url.scheme(),
            if https { Scheme::Https } else { Scheme::Http }
        );
        assert_eq!(url.ip(), ip.map(|ip| ip.parse().unwrap()));
    }
}

#[test]
fn rejects_invalid_urls() {
    use UrlError::*;
    #[rustfmt::skip]
    let cases = [
        ("", MissingScheme),
        ("example.com/x", MissingScheme),
        ("localhost:8080", MissingScheme),
        ("http:/x", MissingScheme),
        ("://x", MissingScheme),
        ("ftps://example.com/", UnsupportedScheme("ftps".into())),
        ("https:/x", MissingScheme),
        ("https://", EmptyHost),
        ("FTP://example.com/", UnsupportedScheme("ftp".into())),
        ("http://", EmptyHost),
        ("http:///x", EmptyHost),
        ("http://:80/", EmptyHost),
        ("http://?q", EmptyHost),
        ("http://h:/", InvalidPort("".into())),
        ("http://h:x/", InvalidPort("x".into())),
        ("http://h:+80/", InvalidPort("+80".into())),
        ("http://h:65536/", InvalidPort("65536".into())),
        ("http://h:0/", InvalidPort("0".into())),
        ("http://h:000080/", InvalidPort("000080".into())),
        ("http://@h/", InvalidUserInfo("empty user name")),
        ("http://u:%zz@h/", InvalidUserInfo("a % not followed by two hex digits")),
        ("http://h/a b", InvalidCharacter { ch: ' ', index: 10 }),
        (" http://h/", InvalidCharacter { ch: ' ', index: 0 }),
        ("http://h/\r\nX: y", InvalidCharacter { ch: '\r', index: 9 }),
        ("http://h/\x7f", InvalidCharacter { ch: '\x7f', index: 9 }),
        ("http://[::1/", UnclosedBracket),
        ("http://[::1", UnclosedBracket),
        ("http://[::g]/", InvalidIpv6("::g".into())),
        ("http://[1.2.3.4]/", InvalidIpv6("1.2.3.4".into())),
        ("http://[::1]x/", InvalidHost("[::1]x".into())),
        ("http://::1/", InvalidHost("::1".into())),
        ("http://a:b:c/", InvalidHost("a:b:c".into())),
        ("http://ex!ample.com/", InvalidHost("ex!ample.com".into())),
        ("http://caf\u{e9}.fr/", InvalidHost("caf\u{e9}.fr".into())),
        ("http://256.0.0.1/", InvalidHost("256.0.0.1".into())),
        ("http://1.2.3/", InvalidHost("1.2.3".into())),
        ("http://01.2.3.4/", InvalidHost("01.2.3.4".into())),
        ("http://h]/", InvalidHost("h]".into())),
    ];
    for (input, want) in cases {
        assert_eq!(Url::parse(input), Err(want), "{input:?}");
    }
}

#[test]
fn debug_shows_the_url() {
    let url = Url::parse("http://example.com/x").unwrap();
    assert_eq!(format!("{url:?}"), r#"Url("http://example.com/x")"#);
}

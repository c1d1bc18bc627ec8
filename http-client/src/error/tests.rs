//! Tests of [`Error`]'s messages (each variant's, in one table), its
//! sources and which errors are timeouts.

use std::error::Error as _;

use super::*;

fn timeout(phase: TimeoutPhase, authority: &str, after: Duration) -> Error {
    Error::Timeout {
        phase,
        authority: authority.into(),
        after,
    }
}

#[test]
fn messages() {
    let refused = || io::Error::from(io::ErrorKind::ConnectionRefused);
    #[rustfmt::skip]
    let cases = [
        (
            Error::InvalidUrl(UrlError::UnsupportedScheme("ftp".into())),
            r#"invalid URL: scheme "ftp" is not supported (only http:// and https://)"#,
        ),
        (Error::TlsNotCompiled, "https support was not compiled in (feature `tls`)"),
        (
            RequestError::InvalidHeaderName("X Y".into()).into(),
            r#"invalid request: invalid header name "X Y": use letters, digits and !#$%&'*+-.^_`|~"#,
        ),
        (
            Error::Resolve {
                host: "example.invalid".into(),
                source: io::Error::other("Name or service not known"),
            },
            "could not resolve example.invalid: name or service not known",
        ),
        (Error::NoAddresses { host: "example.com".into() }, "example.com resolved to no addresses"),
        (Error::Connect { addr: "127.0.0.1:9".parse().unwrap(), source: refused() }, "connect to 127.0.0.1:9: connection refused"),
        (Error::Connect { addr: "[::1]:9".parse().unwrap(), source: refused() }, "connect to [::1]:9: connection refused"),
        (timeout(TimeoutPhase::Connect, "10.255.255.1:80", Duration::from_secs(2)), "connect to 10.255.255.1:80 timed out after 2s"),
        (timeout(TimeoutPhase::Send, "h:80", Duration::from_millis(250)), "sending the request to h:80 made no progress for 250ms"),
        (
            timeout(
                TimeoutPhase::Idle(ParsePhase::Waiting),
                "127.0.0.1:8080",
                Duration::from_secs(5),
            ),
            "no data from 127.0.0.1:8080 for 5s while waiting for the response",
        ),
        (
            timeout(
                TimeoutPhase::Idle(ParsePhase::Headers),
                "127.0.0.1:8080",
                Duration::from_millis(1500),
            ),
            "no data from 127.0.0.1:8080 for 1.5s while reading headers",
        ),
        (
            timeout(
                TimeoutPhase::Total,
                "example.com:80",
                Duration::from_secs(30),
            ),
            "no complete response from example.com:80 within 30s",
        ),
        (
            Error::Io {
                phase: IoPhase::Receiving,
                authority: "127.0.0.1:8080".into(),
                source: io::Error::from(io::ErrorKind::ConnectionReset),
            },
            "reading response from 127.0.0.1:8080: connection reset",
        ),
        (
            Error::Response {
                authority: "127.0.0.1:8080".into(),
                source: ParseError::Truncated {
                    expected: 100,
                    received: 10,
                },
            },
            "bad response from 127.0.0.1:8080: body truncated: got 10 of 100 bytes",
        ),
        (
            Error::TooManyRedirects {
                limit: 5,
                last: Url::parse("http://example.com/loop").unwrap(),
            },
            "too many redirects (more than 5), last location http://example.com/loop",
        ),
        (
            Error::RedirectRefused {
                location: "ftp://example.com/".into(),
                reason: r#"scheme "ftp" is not supported (only http:// and https://)"#.into(),
            },
            r#"refused to follow redirect to "ftp://example.com/": scheme "ftp" is not supported (only http:// and https://)"#,
        ),
    ];
    for (error, want) in cases {
        assert_eq!(error.to_string(), want);
    }
}

#[cfg(target_os = "linux")]
#[test]
fn os_errors_read_naturally() {
    let error = Error::Io {
        phase: IoPhase::Receiving,
        authority: "127.0.0.1:8080".into(),
        source: io::Error::from_raw_os_error(104),
    };
    assert_eq!(
        error.to_string(),
        "reading response from 127.0.0.1:8080: connection reset by peer"
    );
    let error = Error::Connect {
        addr: "127.0.0.1:9".parse().unwrap(),
        source: io::Error::from_raw_os_error(111),
    };
    assert_eq!(
        error.to_string(),
        "connect to 127.0.0.1:9: connection refused"
    );
}

#[test]
fn sources_and_timeouts() {
    let timed_out = || io::Error::from(io::ErrorKind::TimedOut);
    let addr: SocketAddr = "127.0.0.1:9".parse().unwrap();
    // (error, has a source, is a timeout)
    #[rustfmt::skip]
    let cases = [
        (Error::InvalidUrl(UrlError::EmptyHost), true, false),
        (Error::InvalidRequest("x".into()), false, false),
        (Error::Resolve { host: "h".into(), source: io::Error::other("x") }, true, false),
        (Error::NoAddresses { host: "h".into() }, false, false),
        (Error::Connect { addr, source: timed_out() }, true, true),
        (Error::AllAddressesFailed { authority: "h:9".into(), attempts: vec![(addr, timed_out()), (addr, timed_out())] }, true, true),
        (Error::AllAddressesFailed { authority: "h:9".into(), attempts: vec![(addr, timed_out()), (addr, io::Error::other("x"))] }, true, false),
        (timeout(TimeoutPhase::Total, "h:80", Duration::from_secs(1)), false, true),
        (Error::Io { phase: IoPhase::Sending, authority: "h:80".into(), source: timed_out() }, true, true),
        (Error::Response { authority: "h:80".into(), source: ParseError::EmptyResponse }, true, false),
        (Error::RedirectRefused { location: String::new(), reason: "missing Location".into() }, false, false),
    ];
    for (error, has_source, is_timeout) in cases {
        assert_eq!(
            (error.source().is_some(), error.is_timeout()),
            (has_source, is_timeout),
            "{error:?}"
        );
    }
}

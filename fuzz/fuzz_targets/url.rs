//! Fuzz target: `Url::parse` and `Url::join` on arbitrary text.
//!
//! The input is split at its first newline: the part before is parsed as a
//! base URL (or, if it is not one, `http://example.com/a/b?q` is the base),
//! the part after is both parsed on its own and joined to the base. Beyond
//! "no panic": whatever parses or joins has a path starting with `/` and
//! prints to text that parses back to the same URL.

#![no_main]

use http_client::Url;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (first, second) = text.split_once('\n').unwrap_or((text, text));
    let base = match Url::parse(first) {
        Ok(url) => {
            check(&url);
            url
        }
        Err(_) => Url::parse("http://example.com/a/b?q").unwrap(),
    };
    if let Ok(url) = Url::parse(second) {
        check(&url);
    }
    if let Ok(joined) = base.join(second) {
        check(&joined);
    }
});

/// A URL is normalized and round-trips through its text.
fn check(url: &Url) {
    assert!(url.path_and_query().starts_with('/'), "{url:?}");
    let text = url.to_string();
    assert_eq!(Url::parse(&text).as_ref(), Ok(url), "{text}");
}

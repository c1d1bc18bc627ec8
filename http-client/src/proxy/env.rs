//! The proxies the environment names, read as curl reads them:
//!
//! | variable | for |
//! | --- | --- |
//! | `http_proxy` (lowercase only) | `http://` URLs |
//! | `https_proxy`, else `HTTPS_PROXY` | `https://` URLs |
//! | `all_proxy`, else `ALL_PROXY` | both, when the one above is unset |
//! | `no_proxy`, else `NO_PROXY` | hosts to reach directly (`no_proxy.rs`) |
//!
//! Uppercase `HTTP_PROXY` is **ignored**, as curl ignores it: a CGI
//! program gets each request header `Foo` as the variable `HTTP_FOO`, so a
//! request carrying a `Proxy:` header would set `HTTP_PROXY` and route the
//! program's own outgoing requests through the sender's proxy (the
//! "httpoxy" hole, CVE-2016-5385 and its siblings). An empty variable
//! counts as unset.
//!
//! The variables are read through a function, so that tests pass values
//! in without touching the process's environment (which other threads may
//! read at the same moment).

use super::{Intercept, Rule};

/// The environment's proxy rules, `var` giving each variable's value:
/// the scheme's own proxy first, then the one for all schemes, each
/// skipping the hosts of the no-proxy list.
pub(crate) fn rules(var: impl Fn(&str) -> Option<String>) -> Vec<Rule> {
    let first_set = |names: &[&'static str]| {
        names.iter().find_map(|&name| {
            var(name)
                .filter(|value| !value.trim().is_empty())
                .map(|value| (name, value))
        })
    };
    let no_proxy = first_set(&["no_proxy", "NO_PROXY"]);
    [
        (Intercept::Http, first_set(&["http_proxy"])),
        (Intercept::Https, first_set(&["https_proxy", "HTTPS_PROXY"])),
        (Intercept::All, first_set(&["all_proxy", "ALL_PROXY"])),
    ]
    .into_iter()
    .filter_map(|(intercept, proxy)| {
        let (name, url) = proxy?;
        Some(Rule::new(intercept, name, &url, no_proxy.as_ref()))
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::super::Proxies;
    use super::*;
    use crate::Url;

    /// Variables and their values.
    type Vars = [(&'static str, &'static str)];
    /// The proxy a URL goes through, as `host:port`, or the error's text.
    type Routed = Result<Option<String>, String>;

    /// The proxy `vars` route `url` through.
    fn route(vars: &Vars, url: &str) -> Routed {
        let lookup = |name: &str| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        };
        let proxies = Proxies::from_rules(rules(lookup));
        match proxies.route(&Url::parse(url).unwrap()) {
            Ok(target) => Ok(target.map(|t| t.authority())),
            Err(error) => Err(error.to_string()),
        }
    }

    fn via(proxy: &str) -> Routed {
        Ok(Some(proxy.to_owned()))
    }

    #[test]
    fn reads_the_variables_as_curl_does() {
        let direct = Ok(None);
        #[rustfmt::skip]
        let cases: &[(&Vars, &str, Routed)] = &[
            (&[], "http://example.com/", direct.clone()),
            (&[("http_proxy", "http://p:1")], "http://example.com/", via("p:1")),
            (&[("http_proxy", "http://p:1")], "https://example.com/", direct.clone()),
            // httpoxy: uppercase HTTP_PROXY is never read.
            (&[("HTTP_PROXY", "http://evil:1")], "http://example.com/", direct.clone()),
            (&[("https_proxy", "p:2")], "https://example.com/", via("p:2")),
            (&[("HTTPS_PROXY", "p:3")], "https://example.com/", via("p:3")),
            (&[("https_proxy", "p:2"), ("HTTPS_PROXY", "p:3")], "https://example.com/", via("p:2")),
            (&[("all_proxy", "p:4")], "http://example.com/", via("p:4")),
            (&[("ALL_PROXY", "p:5")], "https://example.com/", via("p:5")),
            (&[("all_proxy", "p:4"), ("ALL_PROXY", "p:5")], "https://example.com/", via("p:4")),
            (&[("http_proxy", "p:1"), ("all_proxy", "p:4")], "http://example.com/", via("p:1")),
            (&[("http_proxy", "p:1"), ("all_proxy", "p:4")], "https://example.com/", via("p:4")),
            (&[("http_proxy", ""), ("all_proxy", "p:4")], "http://example.com/", via("p:4")),
            (&[("all_proxy", "p:4"), ("no_proxy", "example.com")], "http://www.example.com/", direct.clone()),
            (&[("all_proxy", "p:4"), ("NO_PROXY", "*")], "https://x.test/", direct.clone()),
            (&[("all_proxy", "p:4"), ("no_proxy", "a.test"), ("NO_PROXY", "*")], "https://x.test/", via("p:4")),
            (&[("all_proxy", "p:4"), ("no_proxy", "10.0.0.0/8")], "http://10.9.8.7:81/", direct.clone()),
            (&[("all_proxy", "p:4"), ("no_proxy", "10.0.0.0/8")], "http://11.0.0.1/", via("p:4")),
        ];
        for (vars, url, want) in cases {
            assert_eq!(&route(vars, url), want, "{vars:?} {url}");
        }
    }

    #[test]
    fn a_bad_setting_fails_the_requests_that_would_use_it() {
        let socks = [("https_proxy", "socks5://p:1")];
        assert_eq!(
            route(&socks, "https://example.com/"),
            Err(r#"invalid proxy setting https_proxy: proxy scheme "socks5" is not supported (only http:// proxies)"#.into())
        );
        assert_eq!(route(&socks, "http://example.com/"), Ok(None));
        let garbage = [("all_proxy", "p:4"), ("NO_PROXY", "ok.test, not a host")];
        assert_eq!(
            route(&garbage, "http://example.com/"),
            Err(r#"invalid proxy setting NO_PROXY: invalid no-proxy entry "not a host": not a host name, an IP address, a CIDR range or *"#.into())
        );
        // The password of a bad proxy URL is not repeated.
        let bad = [("http_proxy", "http://me:secret@p:99999")];
        let error = route(&bad, "http://example.com/").unwrap_err();
        assert!(!error.contains("secret"), "{error}");
    }
}

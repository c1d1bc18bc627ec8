//! Which proxies `fetch`'s clients use: `--proxy`, `--noproxy` and the
//! environment, combined as curl combines them.
//!
//! | given | proxies used |
//! | --- | --- |
//! | neither flag | the environment's (`http_proxy`, `HTTPS_PROXY`, `ALL_PROXY`, `NO_PROXY`: the client reads them) |
//! | `--proxy URL` | `URL` for every scheme, except the hosts of `--noproxy`, else of `NO_PROXY` |
//! | `--proxy ""` | none: every request goes directly |
//! | `--noproxy LIST` | the environment's proxies, except the hosts of `LIST` instead of `NO_PROXY` |
//!
//! Both flags are checked when the options are made, so a malformed proxy
//! URL or no-proxy list is one usage error (exit status 2), not one
//! failure per URL. The environment's own values are the client's to
//! check: a malformed `https_proxy` fails each request it applies to, with
//! the variable named.

use http_client::{ClientBuilder, Proxy};

/// `Proxy::http`, `Proxy::https` or `Proxy::all`.
type ProxyFor = fn(&str) -> http_client::Result<Proxy>;

/// The client's proxy setting, decided from the flags.
#[derive(Debug, Clone)]
pub(crate) enum Proxies {
    /// Neither flag: the client reads the environment itself.
    Environment,
    /// These proxies, in order (none: every request goes directly).
    Given(Vec<Proxy>),
}

impl Proxies {
    /// Decides from `--proxy` and `--noproxy`, `var` giving the
    /// environment's variables (a function, so tests need not touch the
    /// process's environment).
    ///
    /// # Errors
    ///
    /// A message naming the flag, for a proxy URL or list that does not
    /// parse (never showing the proxy's password).
    pub(crate) fn choose(
        proxy: Option<&str>,
        noproxy: Option<&str>,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Proxies, String> {
        let first_set = |names: &[&str]| {
            names
                .iter()
                .find_map(|name| var(name).filter(|v| !v.trim().is_empty()))
        };
        // The list that applies: the flag's, else the environment's.
        let list = noproxy
            .map(|list| (list.to_owned(), "--noproxy"))
            .or_else(|| first_set(&["no_proxy", "NO_PROXY"]).map(|list| (list, "no_proxy")));
        let except = |proxy: Proxy| match &list {
            Some((list, origin)) => proxy
                .no_proxy(list)
                .map_err(|e| format!("{origin}: {}", reason(&e))),
            None => Ok(proxy),
        };
        match (proxy, noproxy) {
            (Some(url), _) if url.trim().is_empty() => Ok(Proxies::Given(Vec::new())),
            (Some(url), _) => {
                let proxy = Proxy::all(url).map_err(|e| format!("--proxy: {}", reason(&e)))?;
                Ok(Proxies::Given(vec![except(proxy)?]))
            }
            (None, Some(_)) => {
                // The environment's proxies, as the client would read
                // them (lowercase `http_proxy` only: see its docs), each
                // with --noproxy's list.
                let env: [(ProxyFor, &[&str], &str); 3] = [
                    (Proxy::http, &["http_proxy"], "http_proxy"),
                    (Proxy::https, &["https_proxy", "HTTPS_PROXY"], "https_proxy"),
                    (Proxy::all, &["all_proxy", "ALL_PROXY"], "all_proxy"),
                ];
                let mut proxies = Vec::new();
                for (make, names, shown) in env {
                    if let Some(url) = first_set(names) {
                        let proxy = make(&url).map_err(|e| format!("{shown}: {}", reason(&e)))?;
                        proxies.push(except(proxy)?);
                    }
                }
                Ok(Proxies::Given(proxies))
            }
            (None, None) => Ok(Proxies::Environment),
        }
    }

    /// `builder` with this setting.
    pub(crate) fn apply(&self, builder: ClientBuilder) -> ClientBuilder {
        match self {
            Proxies::Environment => builder,
            Proxies::Given(proxies) => proxies
                .iter()
                .fold(builder.no_proxy(), |b, p| b.proxy(p.clone())),
        }
    }
}

/// The library's reason without its "invalid proxy setting Proxy::all:"
/// preamble, which names the library's call rather than the flag.
fn reason(error: &http_client::Error) -> String {
    match std::error::Error::source(error) {
        Some(source) => source.to_string(),
        None => error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn choose(
        proxy: Option<&str>,
        noproxy: Option<&str>,
        vars: &[(&str, &str)],
    ) -> Result<Proxies, String> {
        Proxies::choose(proxy, noproxy, |name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        })
    }

    fn count(proxies: Proxies) -> Option<usize> {
        match proxies {
            Proxies::Environment => None,
            Proxies::Given(list) => Some(list.len()),
        }
    }

    #[test]
    fn the_flags_override_the_environment_as_curl_does() {
        let env = [
            ("https_proxy", "http://p:3128"),
            ("http_proxy", "http://q:3128"),
        ];
        assert_eq!(count(choose(None, None, &env).unwrap()), None);
        assert_eq!(
            count(choose(Some("http://x:1"), None, &env).unwrap()),
            Some(1)
        );
        assert_eq!(count(choose(Some(""), None, &env).unwrap()), Some(0));
        assert_eq!(count(choose(None, Some("*"), &env).unwrap()), Some(2));
        assert_eq!(
            count(choose(None, Some("a.example"), &[]).unwrap()),
            Some(0)
        );
    }

    #[test]
    fn bad_values_name_the_flag_and_hide_the_password() {
        let error = choose(Some("socks5://u:secret@h:1"), None, &[]).unwrap_err();
        assert!(
            error.starts_with("--proxy: proxy scheme \"socks5\""),
            "{error}"
        );
        assert!(!error.contains("secret"), "{error}");
        let error = choose(Some("http://h:1/path"), None, &[]).unwrap_err();
        assert!(
            error.starts_with("--proxy: a proxy URL is a host and a port"),
            "{error}"
        );
        let error = choose(Some("http://h:1"), Some("10.0.0.0/99"), &[]).unwrap_err();
        assert!(
            error.starts_with("--noproxy: invalid no-proxy entry \"10.0.0.0/99\""),
            "{error}"
        );
        let error = choose(Some("http://h:1"), None, &[("NO_PROXY", "a b")]).unwrap_err();
        assert!(
            error.starts_with("no_proxy: invalid no-proxy entry"),
            "{error}"
        );
        let error = choose(None, Some("x"), &[("http_proxy", "ftp://u:secret@h")]).unwrap_err();
        assert!(error.starts_with("http_proxy: proxy scheme"), "{error}");
        assert!(!error.contains("secret"), "{error}");
    }
}

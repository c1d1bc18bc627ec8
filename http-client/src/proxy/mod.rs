//! Proxies: [`Proxy`] settings, the environment's (`env.rs`), and how a
//! request goes through one.
//!
//! Companies route their traffic through HTTP proxies, named in the
//! environment (`http_proxy`, `HTTPS_PROXY`, `NO_PROXY`) or given to the
//! client ([`ClientBuilder::proxy`](crate::ClientBuilder::proxy)). A
//! [`Client`](crate::Client) reads the environment when it is built, as
//! curl and reqwest do, unless told otherwise. For each request it picks
//! the first proxy for the URL's scheme whose no-proxy list
//! (`no_proxy.rs`) does not name the URL's host, then:
//!
//! ```text
//!  http://example.com/a  ──TCP──► proxy:3128
//!                         "GET http://example.com/a HTTP/1.0"     absolute form (RFC 9112 §3.2.2),
//!                         "Host: example.com"                      the proxy fetches it
//!                         "Proxy-Authorization: Basic ..."         (if the proxy URL has credentials)
//!
//!  https://example.com/a ──TCP──► proxy:3128
//!                         "CONNECT example.com:443 HTTP/1.1"       a tunnel (tunnel.rs); a 2xx opens it,
//!                         "Proxy-Authorization: Basic ..."         a 407 asks for credentials
//!                         ◄── "HTTP/1.1 200 Connection established"
//!                         TLS with example.com inside the tunnel: the certificate is checked against
//!                         example.com, never the proxy; the proxy sees ciphertext only
//! ```
//!
//! The connect timeout covers the whole way to the origin: the TCP
//! handshake with the proxy, the `CONNECT` exchange and the TLS handshake;
//! the idle and total timeouts cover the rest as for any request. Pooled
//! connections are keyed by proxy as well as by origin, so a connection
//! made through one proxy is never used to reach the origin another way.
//! Only `http://` proxies are spoken to (no TLS to the proxy itself, no
//! SOCKS), and only Basic credentials are sent.

mod env;
mod error;
mod no_proxy;
mod target;
pub(crate) mod tunnel;

pub use error::ProxyError;
pub(crate) use target::ProxyTarget;

use std::fmt;
use std::sync::Arc;

use crate::{Error, Result, Scheme, Url};
use no_proxy::NoProxy;

/// Which URLs a proxy is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Intercept {
    Http,
    Https,
    All,
}

impl Intercept {
    fn covers(self, scheme: Scheme) -> bool {
        match self {
            Intercept::All => true,
            Intercept::Http => scheme == Scheme::Http,
            Intercept::Https => scheme == Scheme::Https,
        }
    }
}

/// One proxy rule: a proxy for the URLs of some scheme, except those of
/// its no-proxy list. A setting read from the environment that does not
/// parse is kept as its error, which every request the rule would apply
/// to reports (building a client cannot fail).
#[derive(Debug, Clone)]
pub(crate) struct Rule {
    intercept: Intercept,
    /// Where the proxy URL came from: `http_proxy`, `Proxy::all`, ...
    origin: &'static str,
    target: std::result::Result<ProxyTarget, ProxyError>,
    /// The hosts to reach directly, and where the list came from.
    no_proxy: std::result::Result<NoProxy, (&'static str, ProxyError)>,
}

impl Rule {
    /// A rule for the proxy URL `url`, read from `origin`, skipping the
    /// hosts of `no_proxy` (the variable it was read from and its value).
    fn new(
        intercept: Intercept,
        origin: &'static str,
        url: &str,
        no_proxy: Option<&(&'static str, String)>,
    ) -> Rule {
        let no_proxy = match no_proxy {
            None => Ok(NoProxy::default()),
            Some((name, list)) => NoProxy::parse(list).map_err(|e| (*name, e)),
        };
        Rule {
            intercept,
            origin,
            target: ProxyTarget::parse(url),
            no_proxy,
        }
    }
}

/// A proxy for a [`Client`](crate::Client)'s requests:
/// [`ClientBuilder::proxy`](crate::ClientBuilder::proxy) takes it.
///
/// The URL is `[http://][user:password@]host[:port]`: without a scheme the
/// proxy is an HTTP proxy, without a port it listens on 1080 (curl's
/// default). Credentials in it, percent-decoded, go to the proxy as
/// `Proxy-Authorization: Basic` (with every request to an `http://` URL,
/// with the `CONNECT` of an `https://` one), never to the origin; the
/// proxy's address and user name may appear in errors and `Debug`, its
/// password never does.
///
/// # Examples
///
/// ```
/// use http_client::{Client, Proxy};
///
/// let client = Client::builder()
///     .proxy(Proxy::all("http://proxy.corp.example:3128")?.no_proxy("localhost, .corp.example, 10.0.0.0/8")?)
///     .build();
/// # drop(client);
/// # Ok::<(), http_client::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Proxy {
    rule: Rule,
}

impl Proxy {
    /// A proxy for `http://` URLs only.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidProxy`] for a URL that is not
    /// `[http://][user:password@]host[:port][/]` (a `socks5://` or
    /// `https://` proxy, a path, a bad port, ...).
    ///
    /// # Examples
    ///
    /// ```
    /// let proxy = http_client::Proxy::http("http://127.0.0.1:3128")?;
    /// # drop(proxy);
    /// assert!(http_client::Proxy::http("http://127.0.0.1:3128/some/path").is_err());
    /// # Ok::<(), http_client::Error>(())
    /// ```
    pub fn http(url: &str) -> Result<Proxy> {
        Proxy::new(Intercept::Http, "Proxy::http", url)
    }

    /// A proxy for `https://` URLs only, through `CONNECT` tunnels.
    ///
    /// # Errors
    ///
    /// As for [`Proxy::http`].
    ///
    /// # Examples
    ///
    /// ```
    /// let proxy = http_client::Proxy::https("http://user:p%40ss@proxy.example:8080")?;
    /// # drop(proxy);
    /// # Ok::<(), http_client::Error>(())
    /// ```
    pub fn https(url: &str) -> Result<Proxy> {
        Proxy::new(Intercept::Https, "Proxy::https", url)
    }

    /// A proxy for every URL, `http://` and `https://`.
    ///
    /// # Errors
    ///
    /// As for [`Proxy::http`].
    ///
    /// # Examples
    ///
    /// ```
    /// let proxy = http_client::Proxy::all("proxy.example:3128")?; // http:// implied
    /// # drop(proxy);
    /// # Ok::<(), http_client::Error>(())
    /// ```
    pub fn all(url: &str) -> Result<Proxy> {
        Proxy::new(Intercept::All, "Proxy::all", url)
    }

    fn new(intercept: Intercept, origin: &'static str, url: &str) -> Result<Proxy> {
        let rule = Rule::new(intercept, origin, url, None);
        if let Err(source) = &rule.target {
            return Err(Error::InvalidProxy {
                origin: origin.to_owned(),
                source: source.clone(),
            });
        }
        Ok(Proxy { rule })
    }

    /// This proxy, except for the hosts in `list`, which are reached
    /// directly: a comma-separated list of host names (each with the names
    /// under it: `example.com` and `.example.com` both cover
    /// `www.example.com`), IP addresses, CIDR ranges (`10.0.0.0/8`), `*`
    /// for every host, each optionally with `:port` — the syntax of
    /// `NO_PROXY`. Replaces any list given before.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidProxy`] naming the first entry that is none of
    /// these.
    ///
    /// # Examples
    ///
    /// ```
    /// use http_client::Proxy;
    ///
    /// let proxy = Proxy::all("http://proxy:3128")?.no_proxy("localhost, 127.0.0.1, [::1], .internal:8080")?;
    /// # drop(proxy);
    /// let error = Proxy::all("http://proxy:3128")?.no_proxy("10.0.0.0/33").unwrap_err();
    /// assert_eq!(
    ///     error.to_string(),
    ///     r#"invalid proxy setting Proxy::no_proxy: invalid no-proxy entry "10.0.0.0/33": the prefix length must be a number up to 32 (IPv4) or 128 (IPv6)"#,
    /// );
    /// # Ok::<(), http_client::Error>(())
    /// ```
    pub fn no_proxy(mut self, list: &str) -> Result<Proxy> {
        let no_proxy = NoProxy::parse(list).map_err(|source| Error::InvalidProxy {
            origin: "Proxy::no_proxy".to_owned(),
            source,
        })?;
        self.rule.no_proxy = Ok(no_proxy);
        Ok(self)
    }
}

/// Where a [`ClientBuilder`](crate::ClientBuilder)'s proxies come from.
#[derive(Debug, Clone)]
pub(crate) enum ProxySource {
    /// The environment, read when the client is built (the default).
    Environment,
    /// These, in order; none at all after `ClientBuilder::no_proxy`.
    Given(Vec<Proxy>),
}

impl ProxySource {
    /// The rules, reading the environment now if it is the source.
    pub(crate) fn build(&self) -> Proxies {
        match self {
            ProxySource::Environment => {
                Proxies::from_rules(env::rules(|name| std::env::var(name).ok()))
            }
            ProxySource::Given(proxies) => {
                Proxies::from_rules(proxies.iter().map(|p| p.rule.clone()).collect())
            }
        }
    }
}

/// A client's proxy rules, in the order they are tried. Cheap to clone.
#[derive(Clone, Default)]
pub(crate) struct Proxies {
    rules: Arc<[Rule]>,
}

impl Proxies {
    pub(crate) fn from_rules(rules: Vec<Rule>) -> Proxies {
        Proxies {
            rules: rules.into(),
        }
    }

    /// The proxy to reach `url` through: the first rule for its scheme
    /// whose no-proxy list does not name its host; `None` to go directly.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidProxy`] when that rule's setting (its proxy URL or
    /// its no-proxy list, from the environment) does not parse.
    pub(crate) fn route(&self, url: &Url) -> Result<Option<&ProxyTarget>> {
        for rule in self.rules.iter() {
            if !rule.intercept.covers(url.scheme()) {
                continue;
            }
            let no_proxy =
                rule.no_proxy
                    .as_ref()
                    .map_err(|(origin, source)| Error::InvalidProxy {
                        origin: (*origin).to_owned(),
                        source: source.clone(),
                    })?;
            if no_proxy.matches(url) {
                continue;
            }
            return match &rule.target {
                Ok(target) => Ok(Some(target)),
                Err(source) => Err(Error::InvalidProxy {
                    origin: rule.origin.to_owned(),
                    source: source.clone(),
                }),
            };
        }
        Ok(None)
    }
}

impl fmt::Debug for Proxies {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.rules.iter()).finish()
    }
}

/// What a connection to an `http://` origin through a proxy needs for each
/// request: the absolute-form request line, and the proxy's credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Forward {
    /// The `Proxy-Authorization` value, if the proxy URL had credentials.
    pub(crate) authorization: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(proxies: Vec<Proxy>, url: &str) -> Option<String> {
        let proxies = ProxySource::Given(proxies).build();
        let url = Url::parse(url).unwrap();
        proxies.route(&url).unwrap().map(ProxyTarget::authority)
    }

    #[test]
    fn the_first_proxy_for_the_scheme_not_excluded_wins() {
        let http = || Proxy::http("h:1").unwrap();
        let https = || Proxy::https("s:2").unwrap();
        let all = || Proxy::all("a:3").unwrap();
        #[rustfmt::skip]
        let cases = [
            (vec![http()], "http://x/", Some("h:1")),
            (vec![http()], "https://x/", None),
            (vec![https()], "https://x/", Some("s:2")),
            (vec![http(), all()], "https://x/", Some("a:3")),
            (vec![all(), http()], "http://x/", Some("a:3")),
            (vec![http().no_proxy("x").unwrap(), all()], "http://x/", Some("a:3")),
            (vec![all().no_proxy("*").unwrap()], "http://x/", None),
            (vec![], "http://x/", None),
        ];
        for (proxies, url, want) in cases {
            let shown = format!("{proxies:?}");
            assert_eq!(route(proxies, url).as_deref(), want, "{shown} {url}");
        }
    }
}

//! A URL's addresses: the IP literal itself, the addresses the caller gave
//! for its host name ([`Overrides`], from
//! [`ClientBuilder::resolve`](crate::ClientBuilder::resolve)), or what the
//! system resolver returns (`getaddrinfo`, on a helper thread), in the
//! resolver's order; `happy_eyeballs.rs` races them.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use runtime::net::lookup_host;

use crate::{Error, Result, Url};

/// Host names with the addresses to use for them instead of asking the
/// resolver, as curl's `--resolve` and reqwest's `ClientBuilder::resolve`.
/// Cheap to clone (the map is shared).
#[derive(Debug, Clone, Default)]
pub(crate) struct Overrides(Arc<HashMap<String, Vec<IpAddr>>>);

impl Overrides {
    /// Makes `host` (any case) resolve to `addrs`, in that order; the
    /// ports are not kept: the URL's port is used.
    pub(crate) fn insert(&mut self, host: &str, addrs: &[SocketAddr]) {
        let ips = addrs.iter().map(SocketAddr::ip).collect();
        Arc::make_mut(&mut self.0).insert(host.to_ascii_lowercase(), ips);
    }

    /// The addresses given for `host`, if any.
    fn get(&self, host: &str) -> Option<&[IpAddr]> {
        self.0.get(host).map(Vec::as_slice)
    }
}

/// The URL's addresses, in the order the resolver (or the caller) gave
/// them, each with the URL's port.
pub(super) async fn resolve(url: &Url, overrides: &Overrides) -> Result<Vec<SocketAddr>> {
    if let Some(ip) = url.ip() {
        return Ok(vec![SocketAddr::new(ip, url.port())]);
    }
    if let Some(ips) = overrides.get(url.host()) {
        return Ok(ips
            .iter()
            .map(|&ip| SocketAddr::new(ip, url.port()))
            .collect());
    }
    let name = format!("{}:{}", url.host(), url.port());
    lookup_host(&name).await.map_err(|source| Error::Resolve {
        host: url.host().to_owned(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_replace_the_resolver_and_keep_the_urls_port() {
        let mut overrides = Overrides::default();
        let given: Vec<SocketAddr> =
            vec!["[::1]:1".parse().unwrap(), "127.0.0.1:0".parse().unwrap()];
        overrides.insert("Dual.Test", &given);
        let url = Url::parse("http://dual.test:8080/").unwrap();
        let addrs = runtime::block_on(resolve(&url, &overrides)).unwrap();
        let want: Vec<SocketAddr> = vec![
            "[::1]:8080".parse().unwrap(),
            "127.0.0.1:8080".parse().unwrap(),
        ];
        assert_eq!(addrs, want);
        // A literal is never looked up, overridden or not.
        let url = Url::parse("http://127.0.0.2:81/").unwrap();
        let addrs = runtime::block_on(resolve(&url, &overrides)).unwrap();
        assert_eq!(addrs, ["127.0.0.2:81".parse().unwrap()]);
    }
}

//! [`Url::join`]: resolving a redirect `Location` against the URL that was
//! fetched, following RFC 3986 §5.2 (reference resolution) and §5.2.4
//! (`remove_dot_segments`).

use super::{Scheme, Url, UrlError, check_characters, push_encoded, split_scheme};

impl Url {
    /// Resolves `location` (typically a redirect's `Location` header) against
    /// this URL, as RFC 3986 §5.2 does for a reference and a base.
    ///
    /// Accepted forms:
    /// - an absolute URL, `http://host/path` or `https://host/path` (a
    ///   redirect may switch scheme either way, as browsers and `curl -L` do);
    /// - a scheme-relative URL, `//host/path` (the scheme stays this URL's);
    /// - an absolute path, `/path?query`;
    /// - a relative path, `page` or `../up?query`, against the directory of
    ///   this URL's path;
    /// - a query only, `?query`, which keeps this URL's path;
    /// - an empty string, which is this URL itself.
    ///
    /// `.` and `..` segments of the resulting path are removed, the fragment is
    /// dropped, and non-ASCII characters are percent-encoded.
    ///
    /// # Errors
    ///
    /// [`UrlError::UnsupportedScheme`] for an absolute location of another
    /// scheme such as `ftp://...`, and any error of [`Url::parse`] for an
    /// invalid absolute or scheme-relative location.
    ///
    /// # Examples
    ///
    /// ```
    /// use http_client::{Url, UrlError};
    ///
    /// let base = Url::parse("http://example.com/docs/guide/intro?x=1")?;
    /// assert_eq!(base.join("setup")?.to_string(), "http://example.com/docs/guide/setup");
    /// assert_eq!(base.join("../api/")?.to_string(), "http://example.com/docs/api/");
    /// assert_eq!(base.join("/")?.to_string(), "http://example.com/");
    /// assert_eq!(base.join("?x=2")?.to_string(), "http://example.com/docs/guide/intro?x=2");
    /// assert_eq!(base.join("//cdn.example.com/a")?.to_string(), "http://cdn.example.com/a");
    /// assert_eq!(base.join("https://example.com/")?.to_string(), "https://example.com/");
    /// assert_eq!(
    ///     base.join("ftp://example.com/"),
    ///     Err(UrlError::UnsupportedScheme("ftp".into())),
    /// );
    /// # Ok::<(), UrlError>(())
    /// ```
    pub fn join(&self, location: &str) -> Result<Url, UrlError> {
        check_characters(location)?;
        if let Some((scheme, _)) = split_scheme(location) {
            if Scheme::from_name(scheme).is_none() {
                return Err(UrlError::UnsupportedScheme(scheme.to_ascii_lowercase()));
            }
            return Url::parse(location).map(Url::without_dot_segments);
        }
        if location.starts_with("//") {
            return Url::parse(&format!("{}:{location}", self.scheme))
                .map(Url::without_dot_segments);
        }
        let location = location.split('#').next().unwrap_or_default();
        let mut encoded = String::with_capacity(location.len());
        push_encoded(&mut encoded, location);
        let (path, query) = split_query(&encoded);
        let (base_path, base_query) = split_query(&self.path_and_query);
        let (path, query) = if path.is_empty() {
            (base_path.to_owned(), query.or(base_query))
        } else if path.starts_with('/') {
            (remove_dot_segments(path), query)
        } else {
            // Merge with the base's directory: everything up to its last '/'.
            let directory = base_path.rfind('/').map_or("/", |at| &base_path[..=at]);
            (remove_dot_segments(&format!("{directory}{path}")), query)
        };
        let mut path_and_query = path;
        if let Some(query) = query {
            path_and_query.push('?');
            path_and_query.push_str(query);
        }
        Ok(Url {
            path_and_query,
            ..self.clone()
        })
    }

    /// This URL with `.` and `..` segments removed from its path.
    fn without_dot_segments(mut self) -> Url {
        let (path, query) = split_query(&self.path_and_query);
        let mut path_and_query = remove_dot_segments(path);
        if let Some(query) = query {
            path_and_query.push('?');
            path_and_query.push_str(query);
        }
        self.path_and_query = path_and_query;
        self
    }
}

/// Splits `path?query` at the first `?`.
fn split_query(target: &str) -> (&str, Option<&str>) {
    match target.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (target, None),
    }
}

/// RFC 3986 §5.2.4: removes `.` and `..` segments from an absolute path. The
/// result always starts with `/`; `..` never climbs above the root.
fn remove_dot_segments(path: &str) -> String {
    let mut input = path;
    let mut output = String::with_capacity(path.len());
    // Every branch shortens `input`, so the loop ends.
    while !input.is_empty() {
        if let Some(rest) = input.strip_prefix("../") {
            input = rest;
        } else if let Some(rest) = input.strip_prefix("./") {
            input = rest;
        } else if input.starts_with("/./") {
            input = &input[2..];
        } else if input == "/." {
            input = "/";
        } else if input.starts_with("/../") {
            input = &input[3..];
            pop_segment(&mut output);
        } else if input == "/.." {
            input = "/";
            pop_segment(&mut output);
        } else if input == "." || input == ".." {
            input = "";
        } else {
            // Move the first segment, with its leading '/', to the output.
            let from = usize::from(input.starts_with('/'));
            let end = input[from..].find('/').map_or(input.len(), |at| at + from);
            output.push_str(&input[..end]);
            input = &input[end..];
        }
    }
    if !output.starts_with('/') {
        output.insert(0, '/');
    }
    output
}

/// Removes the last segment and its preceding `/` from `output`.
fn pop_segment(output: &mut String) {
    let at = output.rfind('/').unwrap_or(0);
    output.truncate(at);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removes_dot_segments() {
        let cases = [
            ("/", "/"),
            ("/a/b/c/./../../g", "/a/g"),
            ("/mid/content=5/../6", "/mid/6"),
            ("/a/b/..", "/a/"),
            ("/a/b/.", "/a/b/"),
            ("/..", "/"),
            ("/../../x", "/x"),
            ("/a//b/../c", "/a//c"),
            ("/a/.../b", "/a/.../b"),
            ("/a/..b/c", "/a/..b/c"),
            ("", "/"),
        ];
        for (input, want) in cases {
            assert_eq!(remove_dot_segments(input), want, "{input:?}");
        }
    }

    /// The normal and abnormal examples of RFC 3986 §5.4 that apply to http.
    #[test]
    fn resolves_rfc_3986_examples() {
        let base = Url::parse("http://a/b/c/d;p?q").unwrap();
        let cases = [
            ("g", "http://a/b/c/g"),
            ("./g", "http://a/b/c/g"),
            ("g/", "http://a/b/c/g/"),
            ("/g", "http://a/g"),
            ("//g", "http://g/"),
            ("?y", "http://a/b/c/d;p?y"),
            ("g?y", "http://a/b/c/g?y"),
            ("#s", "http://a/b/c/d;p?q"),
            ("g#s", "http://a/b/c/g"),
            (";x", "http://a/b/c/;x"),
            ("", "http://a/b/c/d;p?q"),
            (".", "http://a/b/c/"),
            ("./", "http://a/b/c/"),
            ("..", "http://a/b/"),
            ("../", "http://a/b/"),
            ("../g", "http://a/b/g"),
            ("../..", "http://a/"),
            ("../../g", "http://a/g"),
            ("../../../g", "http://a/g"),
            ("../../../../g", "http://a/g"),
            ("/./g", "http://a/g"),
            ("/../g", "http://a/g"),
            ("g.", "http://a/b/c/g."),
            (".g", "http://a/b/c/.g"),
            ("g..", "http://a/b/c/g.."),
            ("..g", "http://a/b/c/..g"),
            ("./../g", "http://a/b/g"),
            ("./g/.", "http://a/b/c/g/"),
            ("g/./h", "http://a/b/c/g/h"),
            ("g/../h", "http://a/b/c/h"),
            ("g;x=1/./y", "http://a/b/c/g;x=1/y"),
            ("g;x=1/../y", "http://a/b/c/y"),
            ("g?y/./x", "http://a/b/c/g?y/./x"),
            ("g#s/../x", "http://a/b/c/g"),
            ("http://a/b/../g", "http://a/g"),
            ("HTTP://Other:81/x?z", "http://other:81/x?z"),
            ("//[::1]:8080/p", "http://[::1]:8080/p"),
            ("https://a/b/../g", "https://a/g"),
            ("HTTPS://Other:443/x", "https://other/x"),
            ("caf\u{e9}", "http://a/b/c/caf%C3%A9"),
        ];
        for (location, want) in cases {
            let joined = base
                .join(location)
                .unwrap_or_else(|e| panic!("{location}: {e}"));
            assert_eq!(joined.to_string(), want, "{location:?}");
        }
    }

    #[test]
    fn keeps_the_base_host_and_port() {
        let base = Url::parse("http://[::1]:8080/dir/page").unwrap();
        let joined = base.join("other?x").unwrap();
        assert_eq!(joined.to_string(), "http://[::1]:8080/dir/other?x");
        assert_eq!(joined.ip(), base.ip());
    }

    #[test]
    fn keeps_the_base_scheme_for_relative_locations() {
        let base = Url::parse("https://example.com:8443/dir/page").unwrap();
        #[rustfmt::skip]
        let cases = [
            ("other", "https://example.com:8443/dir/other"),
            ("//cdn.example.com/a", "https://cdn.example.com/a"),
            ("http://example.com/plain", "http://example.com/plain"),
        ];
        for (location, want) in cases {
            assert_eq!(
                base.join(location).unwrap().to_string(),
                want,
                "{location:?}"
            );
        }
    }

    #[test]
    fn rejects_bad_locations() {
        use UrlError::*;
        let base = Url::parse("http://a/b").unwrap();
        #[rustfmt::skip]
        let cases = [
            ("wss://a/", UnsupportedScheme("wss".into())),
            ("ftp://a/", UnsupportedScheme("ftp".into())),
            ("mailto:x@y", UnsupportedScheme("mailto".into())),
            ("http:g", MissingScheme),
            ("//", EmptyHost),
            ("//@h/", InvalidUserInfo("empty user name")),
            ("/a b", InvalidCharacter { ch: ' ', index: 2 }),
            ("/a\r\nSet-Cookie: x", InvalidCharacter { ch: '\r', index: 2 }),
        ];
        for (location, want) in cases {
            assert_eq!(base.join(location), Err(want), "{location:?}");
        }
    }
}

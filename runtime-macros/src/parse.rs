//! Reading what the attributes are given, with `proc_macro` alone: the
//! function they are put on ([`Function`]) and the attributes' own
//! arguments ([`Args`]). Every error carries the span of the token it is about.

use proc_macro::{Delimiter, Group, Ident, Span, TokenStream, TokenTree};

/// A compile error to report at `span`.
pub(crate) struct Error {
    pub(crate) span: Span,
    pub(crate) message: String,
}

fn error<T>(span: Span, message: impl Into<String>) -> Result<T, Error> {
    Err(Error {
        span,
        message: message.into(),
    })
}

/// A function, cut where the expansion needs it:
/// `ATTRS VIS QUALIFIERS fn NAME (ARGS) RETURN { BODY }`.
pub(crate) struct Function {
    /// Its attributes (`#` and `[...]`, doc comments included), in order.
    pub(crate) attrs: Vec<TokenTree>,
    /// `pub`, `pub(crate)`, ... or nothing.
    pub(crate) vis: Vec<TokenTree>,
    /// `const`, `unsafe`, `extern "C"`: whatever came before `fn` but
    /// `async`, which the expansion drops.
    pub(crate) qualifiers: Vec<TokenTree>,
    /// Where `async` was, if it was.
    pub(crate) async_span: Option<Span>,
    pub(crate) fn_token: Ident,
    pub(crate) name: Ident,
    /// `(...)`: must be empty.
    pub(crate) args: Group,
    /// `-> TYPE` and a `where` clause, if any.
    pub(crate) ret: Vec<TokenTree>,
    /// `{ ... }`.
    pub(crate) body: Group,
}

impl Function {
    /// Cuts `item` into its parts.
    ///
    /// # Errors
    ///
    /// If `item` is not a function, or a generic one.
    pub(crate) fn parse(item: TokenStream, attribute: &str) -> Result<Function, Error> {
        let mut tokens = item.into_iter().peekable();
        let not_a_function = |span| {
            error(
                span,
                format!("{attribute} goes on an `async fn`, and this is not one"),
            )
        };

        let mut attrs = Vec::new();
        while let Some(TokenTree::Punct(p)) = tokens.peek()
            && p.as_char() == '#'
        {
            attrs.extend(tokens.next());
            match tokens.next() {
                Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Bracket => {
                    attrs.push(TokenTree::Group(g));
                }
                Some(other) => return not_a_function(other.span()),
                None => return not_a_function(Span::call_site()),
            }
        }

        let mut vis = Vec::new();
        if let Some(TokenTree::Ident(i)) = tokens.peek()
            && i.to_string() == "pub"
        {
            vis.extend(tokens.next());
            if let Some(TokenTree::Group(g)) = tokens.peek()
                && g.delimiter() == Delimiter::Parenthesis
            {
                vis.extend(tokens.next());
            }
        }

        let (mut qualifiers, mut async_span) = (Vec::new(), None);
        let fn_token = loop {
            match tokens.next() {
                Some(TokenTree::Ident(i)) => match i.to_string().as_str() {
                    "fn" => break i,
                    "async" => async_span = Some(i.span()),
                    "const" | "unsafe" | "extern" => qualifiers.push(TokenTree::Ident(i)),
                    _ => return not_a_function(i.span()),
                },
                // `extern "C"`'s ABI.
                Some(TokenTree::Literal(l)) if !qualifiers.is_empty() => {
                    qualifiers.push(TokenTree::Literal(l));
                }
                Some(other) => return not_a_function(other.span()),
                None => return not_a_function(Span::call_site()),
            }
        };

        let name = match tokens.next() {
            Some(TokenTree::Ident(name)) => name,
            Some(other) => return not_a_function(other.span()),
            None => return not_a_function(fn_token.span()),
        };
        let args = match tokens.next() {
            Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis => g,
            Some(TokenTree::Punct(p)) if p.as_char() == '<' => {
                return error(
                    p.span(),
                    format!("{attribute} cannot go on a generic function"),
                );
            }
            Some(other) => return not_a_function(other.span()),
            None => return not_a_function(name.span()),
        };

        let mut rest: Vec<TokenTree> = tokens.collect();
        let body = match rest.pop() {
            Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Brace => g,
            Some(other) => return not_a_function(other.span()),
            None => return not_a_function(args.span_close()),
        };
        Ok(Function {
            attrs,
            vis,
            qualifiers,
            async_span,
            fn_token,
            name,
            args,
            ret: rest,
            body,
        })
    }

    /// The span of a `#[test]` among the attributes, if there is one.
    pub(crate) fn test_attribute(&self) -> Option<Span> {
        self.attrs.iter().find_map(|tree| match tree {
            TokenTree::Group(g) => {
                let inner: Vec<TokenTree> = g.stream().into_iter().collect();
                match inner.as_slice() {
                    [TokenTree::Ident(i)] if i.to_string() == "test" => Some(g.span()),
                    _ => None,
                }
            }
            _ => None,
        })
    }
}

/// The arguments of an attribute: `timeout = "5s"` (`#[runtime::test]`
/// only) and `crate = "path"`, separated by commas, each at most once.
#[derive(Default)]
pub(crate) struct Args {
    /// The timeout in milliseconds, and as it was written (`5s`).
    pub(crate) timeout: Option<(u64, String)>,
    /// The path the expansion names the runtime by, when the crate is a
    /// dependency under another name (`crate = "rt"`).
    pub(crate) krate: Option<String>,
}

impl Args {
    /// Reads the arguments of `attribute`, which accepts the keys in
    /// `keys` (`"timeout"`, `"crate"`).
    ///
    /// # Errors
    ///
    /// At the offending token: an unknown argument, a missing `=` or
    /// value, a value that is not a duration (or a path) in quotes, a key
    /// given twice.
    pub(crate) fn parse(args: TokenStream, attribute: &str, keys: &[&str]) -> Result<Args, Error> {
        let accepted: Vec<&str> = keys
            .iter()
            .map(|key| match *key {
                "timeout" => "`timeout = \"5s\"` (or \"500ms\")",
                _ => "`crate = \"path\"`",
            })
            .collect();
        let expected = format!("{attribute} takes {}", accepted.join(" and "));
        let mut parsed = Args::default();
        let mut tokens = args.into_iter();
        while let Some(token) = tokens.next() {
            let key = match token {
                TokenTree::Ident(key) if keys.contains(&key.to_string().as_str()) => key,
                TokenTree::Ident(other) => {
                    return error(
                        other.span(),
                        format!("unknown argument `{other}`: {expected}"),
                    );
                }
                other => return error(other.span(), format!("unexpected `{other}`: {expected}")),
            };
            let name = key.to_string();
            let given = match name.as_str() {
                "timeout" => parsed.timeout.is_some(),
                _ => parsed.krate.is_some(),
            };
            if given {
                return error(key.span(), format!("`{name}` is given twice"));
            }
            let example = if name == "timeout" {
                "\"5s\""
            } else {
                "\"my_runtime\""
            };
            let equals = match tokens.next() {
                Some(TokenTree::Punct(p)) if p.as_char() == '=' => p,
                Some(other) => {
                    return error(
                        other.span(),
                        format!("expected `=` after `{name}`: `{name} = {example}`"),
                    );
                }
                None => {
                    return error(key.span(), format!("expected `= {example}` after `{name}`"));
                }
            };
            let value = match tokens.next() {
                Some(TokenTree::Literal(value)) => value,
                Some(other) => {
                    return error(
                        other.span(),
                        format!("expected a value in quotes after `=`, such as {example}"),
                    );
                }
                None => {
                    return error(
                        equals.span(),
                        format!("expected a value after `=`, such as {example}"),
                    );
                }
            };
            if name == "timeout" {
                parsed.timeout = Some(duration(&value.to_string(), value.span())?);
            } else {
                parsed.krate = Some(crate_path(&value.to_string(), value.span())?);
            }
            match tokens.next() {
                None => break,
                Some(TokenTree::Punct(p)) if p.as_char() == ',' => {}
                Some(other) => {
                    return error(other.span(), format!("unexpected `{other}`: {expected}"));
                }
            }
        }
        Ok(parsed)
    }

    /// How the expansion names the runtime: the `crate` given, else
    /// `::runtime`.
    pub(crate) fn runtime_path(&self) -> &str {
        self.krate.as_deref().unwrap_or("::runtime")
    }
}

/// A literal such as `"rt"` or `"::my::runtime"`: a path of identifiers,
/// returned without the quotes.
fn crate_path(literal: &str, span: Span) -> Result<String, Error> {
    let invalid = || {
        error(
            span,
            format!(
                "invalid crate path {literal}: expected the name the runtime is a dependency \
                 under, in quotes, such as \"my_runtime\" or \"::my_runtime\""
            ),
        )
    };
    let Some(text) = literal.strip_prefix('"').and_then(|t| t.strip_suffix('"')) else {
        return invalid();
    };
    let segments = text.strip_prefix("::").unwrap_or(text);
    let is_ident = |segment: &str| {
        let mut chars = segment.chars();
        matches!(chars.next(), Some(c) if c.is_alphabetic() || c == '_')
            && chars.all(|c| c.is_alphanumeric() || c == '_')
            && segment != "_"
    };
    if segments.split("::").all(is_ident) {
        Ok(text.to_owned())
    } else {
        invalid()
    }
}

/// A literal such as `"5s"` or `"500ms"`: its milliseconds, and its text
/// without the quotes.
fn duration(literal: &str, span: Span) -> Result<(u64, String), Error> {
    let invalid = || {
        error(
            span,
            format!(
                "invalid timeout {literal}: expected a whole number of ms or s in quotes, \
                 such as \"5s\" or \"500ms\""
            ),
        )
    };
    let Some(text) = literal.strip_prefix('"').and_then(|t| t.strip_suffix('"')) else {
        return invalid();
    };
    let (digits, unit) = match text.strip_suffix("ms") {
        Some(digits) => (digits, 1),
        None => match text.strip_suffix('s') {
            Some(digits) => (digits, 1000),
            None => return invalid(),
        },
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return invalid();
    }
    match digits.parse::<u64>().ok().and_then(|n| n.checked_mul(unit)) {
        Some(0) => error(
            span,
            format!("invalid timeout {literal}: it must be more than zero"),
        ),
        Some(ms) => Ok((ms, text.to_owned())),
        None => error(span, format!("invalid timeout {literal}: too large")),
    }
}

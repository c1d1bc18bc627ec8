//! Reading what the attributes are given, with `proc_macro` alone: the
//! function they are put on ([`Function`]) and `#[test]`'s arguments
//! ([`TestArgs`]). Every error carries the span of the token it is about.

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

/// `#[runtime::main]` takes no arguments.
///
/// # Errors
///
/// At the first token, if there is one.
pub(crate) fn no_args(args: TokenStream) -> Result<(), Error> {
    match args.into_iter().next() {
        None => Ok(()),
        Some(TokenTree::Ident(i)) => error(
            i.span(),
            format!("unknown argument `{i}`: #[runtime::main] takes no arguments"),
        ),
        Some(other) => error(other.span(), "#[runtime::main] takes no arguments"),
    }
}

/// The arguments of `#[runtime::test(...)]`.
#[derive(Default)]
pub(crate) struct TestArgs {
    /// The timeout in milliseconds, and as it was written (`5s`).
    pub(crate) timeout: Option<(u64, String)>,
}

impl TestArgs {
    /// Reads `timeout = "5s"` (or nothing).
    ///
    /// # Errors
    ///
    /// At the offending token: an unknown argument, a missing `=` or
    /// value, a value that is not a duration in quotes, `timeout` twice.
    pub(crate) fn parse(args: TokenStream) -> Result<TestArgs, Error> {
        const EXPECTED: &str = "#[runtime::test] takes `timeout = \"5s\"` (or \"500ms\")";
        let mut parsed = TestArgs::default();
        let mut tokens = args.into_iter();
        while let Some(token) = tokens.next() {
            let key = match token {
                TokenTree::Ident(key) if key.to_string() == "timeout" => key,
                TokenTree::Ident(other) => {
                    return error(
                        other.span(),
                        format!("unknown argument `{other}`: {EXPECTED}"),
                    );
                }
                other => return error(other.span(), format!("unexpected `{other}`: {EXPECTED}")),
            };
            if parsed.timeout.is_some() {
                return error(key.span(), "`timeout` is given twice");
            }
            let equals = match tokens.next() {
                Some(TokenTree::Punct(p)) if p.as_char() == '=' => p,
                Some(other) => {
                    return error(
                        other.span(),
                        "expected `=` after `timeout`: `timeout = \"5s\"`",
                    );
                }
                None => return error(key.span(), "expected `= \"5s\"` after `timeout`"),
            };
            parsed.timeout = Some(match tokens.next() {
                Some(TokenTree::Literal(value)) => duration(&value.to_string(), value.span())?,
                Some(other) => {
                    return error(
                        other.span(),
                        "expected a duration in quotes, such as \"5s\" or \"500ms\"",
                    );
                }
                None => {
                    return error(
                        equals.span(),
                        "expected a duration after `=`, such as \"5s\"",
                    );
                }
            });
            match tokens.next() {
                None => break,
                Some(TokenTree::Punct(p)) if p.as_char() == ',' => {}
                Some(other) => {
                    return error(other.span(), format!("unexpected `{other}`: {EXPECTED}"));
                }
            }
        }
        Ok(parsed)
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

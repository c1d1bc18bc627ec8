//! `#[main]` and `#[test]` for [handroll-runtime], which re-exports them
//! under its default feature `macros` as `#[runtime::main]` and
//! `#[runtime::test]`: depend on `handroll-runtime`, not on this crate.
//!
//! Each turns an `async fn` into a plain one that runs its body with
//! `runtime::block_on`, and nothing else:
//!
//! ```text
//!  #[runtime::main]                           fn main() -> io::Result<()> {
//!  async fn main() -> io::Result<()> {   ──►      let body = async { BODY };
//!      BODY                                       ::runtime::block_on(body)
//!  }                                          }
//!
//!  #[runtime::test(timeout = "5s")]           #[::core::prelude::v1::test]
//!  async fn works() {                    ──►  fn works() {
//!      BODY                                       let body = async { BODY };
//!  }                                              ::runtime::block_on(async {
//!                                                     match ::runtime::time::timeout(5000 ms, body).await {
//!                                                         Ok(output) => output,
//!                                                         Err(_) => panic!("test exceeded its timeout of 5s"),
//!                                                     }
//!                                                 })
//!                                             }
//! ```
//!
//! The expansion names `::runtime`: the crate must be a dependency under
//! its library name (`handroll-runtime`'s is `runtime`), or the attribute
//! says which name with `crate = "rt"`, as tokio's does.
//!
//! # Why `proc_macro` alone
//!
//! The macros accept one shape (an `async fn` with no arguments, and one
//! optional `timeout = "..."`), which a loop over `proc_macro`'s tokens
//! reads in some 250 lines (`parse.rs`). `syn` (with its `full` feature,
//! to parse a function) and `quote` would shorten that, but a cold build
//! of them and `proc-macro2` costs about as much as the rest of the
//! runtime's build. Measured on a busy 2-core machine, three cold `cargo
//! build -p handroll-runtime` each (debug; CPU time is user + system):
//!
//! | macros | CPU | wall |
//! | --- | ---: | ---: |
//! | none (`--no-default-features --features futures-io`) | 8.2–8.9 s | 13–19 s |
//! | these, `proc_macro` alone | 9.4–10.1 s | 15–19 s |
//! | the same macros on `syn` (`full`) + `quote` | 13.0–14.6 s | 23–29 s |
//!
//! [handroll-runtime]: https://crates.io/crates/handroll-runtime

#![warn(
    missing_docs,
    missing_debug_implementations,
    rust_2018_idioms,
    unreachable_pub
)]
#![forbid(unsafe_code)]

use proc_macro::{Delimiter, Group, Literal, Punct, Spacing, TokenStream, TokenTree};

mod parse;

use parse::{Args, Error, Function};

/// Runs an `async fn main` on a fresh runtime: the function becomes a
/// plain `fn main` whose body runs with `runtime::block_on` (and so with
/// the runtime dropped, its tasks with it, before `main` returns).
///
/// `main` may return what a plain `main` may (`()`, `Result<(), E>`
/// with `E: Debug`, ...). It takes no arguments; the attribute takes one,
/// `crate = "path"`, for a program that depends on the runtime under
/// another name than `runtime` (`#[rt::main(crate = "rt")]`).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// #[runtime::main]
/// async fn main() -> std::io::Result<()> {
///     let task = runtime::spawn(async { 6 * 7 });
///     runtime::time::sleep(Duration::from_millis(1)).await;
///     assert_eq!(task.await.unwrap(), 42);
///     Ok(())
/// }
/// ```
///
/// Under another name: in a program, the name the runtime has in
/// `Cargo.toml` (`rt = { package = "handroll-runtime", ... }`); here, an
/// alias:
///
/// ```
/// use runtime as rt;
///
/// #[rt::main(crate = "rt")]
/// async fn main() {
///     assert_eq!(rt::spawn(async { 1 }).await.unwrap(), 1);
/// }
/// ```
///
/// # Compile errors
///
/// Each points at the offending token. A `main` that is not `async`:
///
/// ```compile_fail
/// #[runtime::main]
/// fn main() {}
/// ```
///
/// Arguments:
///
/// ```compile_fail
/// #[runtime::main]
/// async fn main(args: Vec<String>) {}
/// ```
///
/// An argument to the attribute other than `crate` (tokio's `flavor` has
/// no meaning here), or a `crate` that is not a path in quotes:
///
/// ```compile_fail
/// #[runtime::main(flavor = "current_thread")]
/// async fn main() {}
/// ```
///
/// ```compile_fail
/// #[runtime::main(crate = "not a path")]
/// async fn main() {}
/// ```
///
/// ```compile_fail
/// #[runtime::main(crate = runtime)]
/// async fn main() {}
/// ```
#[proc_macro_attribute]
pub fn main(args: TokenStream, item: TokenStream) -> TokenStream {
    let expanded = Args::parse(args, "#[runtime::main]", &["crate"]).and_then(|args| {
        let function = Function::parse(item.clone(), "#[runtime::main]")?;
        check_async_without_args(&function, "#[runtime::main]")?;
        let run = parse_code(&format!("{}::block_on(body)", args.runtime_path()));
        Ok(output(function, TokenStream::new(), run))
    });
    // On an error, an `async fn main` left as it was would add "`main`
    // function is not allowed to be `async`": an empty `main` stands in
    // for it until the mistake is fixed.
    or_error(expanded, main_stub(&item).unwrap_or(item))
}

/// `fn main() {}`, if `item` is an `async fn main`.
fn main_stub(item: &TokenStream) -> Option<TokenStream> {
    let function = Function::parse(item.clone(), "").ok()?;
    (function.async_span.is_some() && function.name.to_string() == "main")
        .then(|| parse_code("fn main() {}"))
}

/// Runs an `async` test on a fresh runtime, optionally within a
/// `timeout`: the function becomes a `#[test]` whose body runs with
/// `runtime::block_on`.
///
/// With `timeout = "5s"` (a whole number of `s` or `ms`), a test still
/// running after that long fails with the panic message `test exceeded
/// its timeout of 5s` instead of hanging the suite. The timeout is
/// `runtime::time::timeout` around the body, so it fires when the body
/// next waits: a body that blocks its thread (a busy loop, a
/// `std::thread::sleep`) is not interrupted.
///
/// Other attributes stay (`#[should_panic]`, `#[ignore]`, doc comments);
/// the test returns what a plain test may (`()`, `Result<(), E>`). With
/// the runtime under another name, `crate = "rt"` says which, as for
/// [`main`](macro@main).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// #[runtime::test]
/// async fn sleeps() {
///     runtime::time::sleep(Duration::from_millis(1)).await;
/// }
///
/// #[runtime::test(timeout = "5s")]
/// async fn connects() -> std::io::Result<()> {
///     let listener = runtime::net::TcpListener::bind("127.0.0.1:0")?;
///     runtime::net::TcpStream::connect(listener.local_addr()?).await?;
///     Ok(())
/// }
/// ```
///
/// # Compile errors
///
/// Each points at the offending token. A test that is not `async`:
///
/// ```compile_fail
/// #[runtime::test]
/// fn works() {}
/// ```
///
/// Arguments:
///
/// ```compile_fail
/// #[runtime::test]
/// async fn works(n: u32) {}
/// ```
///
/// An unknown argument to the attribute:
///
/// ```compile_fail
/// #[runtime::test(flavor = "multi_thread")]
/// async fn works() {}
/// ```
///
/// A duration without its unit, or not in quotes:
///
/// ```compile_fail
/// #[runtime::test(timeout = "5")]
/// async fn works() {}
/// ```
///
/// ```compile_fail
/// #[runtime::test(timeout = 5)]
/// async fn works() {}
/// ```
///
/// `crate` given twice:
///
/// ```compile_fail
/// #[runtime::test(crate = "runtime", crate = "runtime")]
/// async fn works() {}
/// ```
///
/// A `#[test]` of its own (the attribute adds one):
///
/// ```compile_fail
/// #[runtime::test]
/// #[test]
/// async fn works() {}
/// ```
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    let expanded = Args::parse(args, "#[runtime::test]", &["timeout", "crate"]).and_then(|args| {
        let function = Function::parse(item.clone(), "#[runtime::test]")?;
        check_async_without_args(&function, "#[runtime::test]")?;
        if let Some(span) = function.test_attribute() {
            return Err(Error {
                span,
                message: "#[runtime::test] adds #[test] itself: remove this one".into(),
            });
        }
        let runtime = args.runtime_path();
        let run = match &args.timeout {
            None => parse_code(&format!("{runtime}::block_on(body)")),
            Some((ms, text)) => {
                let message = Literal::string(&format!("test exceeded its timeout of {text}"));
                parse_code(&format!(
                    "{runtime}::block_on(async {{
                        match {runtime}::time::timeout(
                            ::core::time::Duration::from_millis({ms}u64),
                            body,
                        ).await {{
                            ::core::result::Result::Ok(output) => output,
                            ::core::result::Result::Err(_) => ::core::panic!({message}),
                        }}
                    }})"
                ))
            }
        };
        let test = parse_code("#[::core::prelude::v1::test]");
        Ok(output(function, test, run))
    });
    // On an error, the function as it was (not a test, then): the one
    // mistake is reported once.
    or_error(expanded, item)
}

/// The expansion, or a `compile_error!` at the offending token followed
/// by `fallback`, so that one mistake is not reported again as others.
fn or_error(expanded: Result<TokenStream, Error>, fallback: TokenStream) -> TokenStream {
    match expanded {
        Ok(expanded) => expanded,
        Err(error) => {
            let mut out = compile_error(error);
            out.extend(fallback);
            out
        }
    }
}

/// The function must be `async` and take no arguments.
fn check_async_without_args(function: &Function, attribute: &str) -> Result<(), Error> {
    if function.async_span.is_none() {
        return Err(Error {
            span: function.fn_token.span(),
            message: format!("{attribute} needs an `async fn`: add `async` before `fn`"),
        });
    }
    if let Some(first) = function.args.stream().into_iter().next() {
        return Err(Error {
            span: first.span(),
            message: format!("a {attribute} function takes no arguments"),
        });
    }
    Ok(())
}

/// `ATTRS VIS QUALIFIERS fn NAME() RETURN { let body = async BODY; RUN }`,
/// with `extra_attrs` before the function's own.
fn output(function: Function, extra_attrs: TokenStream, run: TokenStream) -> TokenStream {
    let mut block = parse_code("let body = async");
    block.extend([TokenTree::Group(function.body)]);
    block.extend(parse_code(";"));
    block.extend(run);

    let mut out = extra_attrs;
    out.extend(function.attrs);
    out.extend(function.vis);
    out.extend(function.qualifiers);
    out.extend([
        TokenTree::Ident(function.fn_token),
        TokenTree::Ident(function.name),
        TokenTree::Group(Group::new(Delimiter::Parenthesis, TokenStream::new())),
    ]);
    out.extend(function.ret);
    out.extend([TokenTree::Group(Group::new(Delimiter::Brace, block))]);
    out
}

/// Code of ours, as tokens.
fn parse_code(code: &str) -> TokenStream {
    code.parse().expect("the macros' own code parses")
}

/// `::core::compile_error!("MESSAGE");`, every token at the error's span,
/// so that the compiler points there.
fn compile_error(error: Error) -> TokenStream {
    let span = error.span;
    let punct = |c, spacing| {
        let mut p = Punct::new(c, spacing);
        p.set_span(span);
        TokenTree::Punct(p)
    };
    let ident = |name| TokenTree::Ident(proc_macro::Ident::new(name, span));
    let mut message = Literal::string(&error.message);
    message.set_span(span);
    let mut args = Group::new(Delimiter::Parenthesis, TokenTree::Literal(message).into());
    args.set_span(span);
    [
        punct(':', Spacing::Joint),
        punct(':', Spacing::Alone),
        ident("core"),
        punct(':', Spacing::Joint),
        punct(':', Spacing::Alone),
        ident("compile_error"),
        punct('!', Spacing::Alone),
        TokenTree::Group(args),
        punct(';', Spacing::Alone),
    ]
    .into_iter()
    .collect()
}

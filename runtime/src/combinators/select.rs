//! [`select!`](crate::select!): wait for the first of *n* futures and run
//! that branch's code; [`race`](crate::race) and [`select`](fn@crate::select)
//! (in `race.rs`) remain the two-future functions.
//!
//! A `macro_rules!` macro, no proc-macro crate and no `unsafe`: each
//! branch's future is pinned on the stack with [`core::pin::pin!`] in its
//! own local, one [`poll_fn`](crate::poll_fn) polls them in order, and an
//! `if let` chain runs the winner's expression after the losers are gone.
//! The guide's chapter 1 shows the expansion
//! ([`select!`, expanded](crate::guide::ch1_a_future_polled_by_hand#select-expanded)).
//!
//! The macro works in three passes, all in the hidden `__select!`:
//!
//! * `@parse` reads the branches one by one (a pattern's tokens up to the
//!   `=`, then the future, then the expression) and gives each branch three
//!   locals named `__fut`, `__done` and `__out`. Each branch's names come
//!   from a different expansion of the macro, so hygiene keeps them apart:
//!   that is how a `macro_rules!` gets one fresh variable per branch.
//! * `@expand` writes the code (see the macro's docs).
//! * `@clean` copies a pattern without its `mut` and `ref` keywords, so that
//!   it can be tried against a *reference* to an output (to test whether it
//!   matches without moving the output; as tokio's macro does).

/// Waits for the first of several futures to finish, then runs that
/// branch's expression; the other futures are dropped.
///
/// ```text
/// runtime::select! {
///     pattern = future => expression,
///     ...
///     else => expression,   // optional, when every branch is disabled
/// }
/// ```
///
/// How it runs:
///
/// 1. Every `future` expression is evaluated, in order, and converted with
///    [`IntoFuture`](std::future::IntoFuture).
/// 2. Each time the macro is polled it polls the branches **in order**,
///    first to last, skipping disabled ones, and stops at the first that is
///    ready and whose output matches its `pattern`. Order is the only
///    priority: a branch that is always ready starves the ones after it
///    (tokio picks a random start unless told `biased;`; this macro is
///    always biased).
/// 3. **The losers are dropped**, then the winner's output is matched
///    against its `pattern` and its `expression` is evaluated: its value is
///    the macro's value. So the expression may borrow what the losing
///    futures borrowed, and `return`, `break`, `continue`, `?` and `.await`
///    in it act on the code around the macro, as in any `match` arm.
///
/// The macro must be used inside an `async` block or function (it awaits).
/// A branch's expression may be a block, with or without a comma after it.
/// All expressions have one type (the macro's).
///
/// # Patterns that do not match
///
/// A branch whose output does not match its `pattern` (say `Some(msg) =
/// rx.recv()` when `recv` yields `None`) is **disabled**, as in tokio: the
/// output is dropped and the macro goes on waiting for the other branches.
/// When every branch is disabled, the `else` branch's expression is the
/// value. Patterns are tried against a reference first (without their
/// `mut` and `ref` keywords) and matched by value only once chosen, so
/// `mut x` and `ref x` bindings work; a `&mut` pattern does not.
///
/// # Panics
///
/// When every branch is disabled and there is no `else` branch. (With
/// irrefutable patterns such as `x` or `_`, no branch is ever disabled.)
///
/// # Cancellation
///
/// Dropping the macro's future while it waits drops every branch's future.
/// A loser is dropped exactly as if a [`timeout`](crate::time::timeout)
/// had cancelled it: use branches whose futures are *cancel safe* (lose
/// nothing when dropped unfinished). A branch is polled only until the
/// macro has a winner: once a branch is chosen, no later branch is polled
/// in that round, so a receive that loses has not taken a message (if its
/// `recv` is cancel safe, the message is still in the channel).
///
/// # Examples
///
/// The first ready branch wins; its output is bound by the pattern:
///
/// ```
/// use std::time::Duration;
/// use runtime::time::sleep;
///
/// runtime::block_on(async {
///     let winner = runtime::select! {
///         _ = sleep(Duration::from_secs(3600)) => String::from("an hour"),
///         n = async { 7 } => format!("{n} at once"),
///         _ = sleep(Duration::from_millis(1)) => String::from("a millisecond"),
///     };
///     assert_eq!(winner, "7 at once");
/// });
/// ```
///
/// A loop that ends when a source runs dry, with `else`: a branch whose
/// output is `None` is disabled; when both are, `else` breaks the loop.
///
/// ```
/// runtime::block_on(async {
///     let mut evens = (0..6).step_by(2);
///     let mut odds = (1..4).step_by(2);
///     let mut seen = Vec::new();
///     loop {
///         runtime::select! {
///             Some(n) = async { evens.next() } => seen.push(n),
///             Some(n) = async { odds.next() } => seen.push(n),
///             else => break,
///         }
///     }
///     // The first branch is always ready until it runs dry: order is priority.
///     assert_eq!(seen, [0, 2, 4, 1, 3]);
/// });
/// ```
///
/// A timeout on one step, with `?` in a branch:
///
/// ```
/// use std::time::Duration;
/// use runtime::time::sleep;
///
/// async fn step() -> Result<u32, std::num::ParseIntError> {
///     runtime::select! {
///         n = async { "42".parse::<u32>() } => Ok(n? + 1),
///         () = sleep(Duration::from_secs(5)) => Ok(0),
///     }
/// }
/// assert_eq!(runtime::block_on(step())?, 43);
/// # Ok::<_, Box<dyn std::error::Error>>(())
/// ```
#[macro_export]
macro_rules! select {
    ($($branches:tt)*) => {
        $crate::__select!(@parse [] [] $($branches)*)
    };
}

/// The machinery of [`select!`]; not public API.
#[doc(hidden)]
#[macro_export]
macro_rules! __select {
    // ---- @parse [branches] [else] tokens...: one branch per step ----
    (@parse $branches:tt [] else => $body:block, $($rest:tt)*) => {
        $crate::__select!(@parse $branches [$body] $($rest)*)
    };
    (@parse $branches:tt [] else => $body:block $($rest:tt)*) => {
        $crate::__select!(@parse $branches [$body] $($rest)*)
    };
    (@parse $branches:tt [] else => $body:expr $(, $($rest:tt)*)?) => {
        $crate::__select!(@parse $branches [{ $body }] $($($rest)*)?)
    };
    (@parse $branches:tt [$($else:tt)+] else $($rest:tt)*) => {
        ::core::compile_error!("runtime::select! takes at most one `else` branch")
    };
    (@parse $branches:tt $else:tt) => {
        $crate::__select!(@expand $branches $else)
    };
    (@parse $branches:tt $else:tt $($rest:tt)+) => {
        $crate::__select!(@pattern $branches $else [] $($rest)+)
    };
    // ---- @pattern [branches] [else] [pattern so far] tokens...: up to `=` ----
    (@pattern [$($branches:tt)*] $else:tt [$($pat:tt)+] = $fut:expr => $body:block, $($rest:tt)*) => {
        $crate::__select!(@parse
            [$($branches)* { __fut __done __out [$($pat)+] ($fut) $body }] $else $($rest)*)
    };
    (@pattern [$($branches:tt)*] $else:tt [$($pat:tt)+] = $fut:expr => $body:block $($rest:tt)*) => {
        $crate::__select!(@parse
            [$($branches)* { __fut __done __out [$($pat)+] ($fut) $body }] $else $($rest)*)
    };
    (@pattern [$($branches:tt)*] $else:tt [$($pat:tt)+] = $fut:expr => $body:expr $(, $($rest:tt)*)?) => {
        $crate::__select!(@parse
            [$($branches)* { __fut __done __out [$($pat)+] ($fut) { $body } }] $else $($($rest)*)?)
    };
    (@pattern $branches:tt $else:tt [$($pat:tt)*] = $($rest:tt)*) => {
        ::core::compile_error!(
            "runtime::select! expects branches `pattern = future => expression,`"
        )
    };
    (@pattern $branches:tt $else:tt [$($pat:tt)*] $next:tt $($rest:tt)*) => {
        $crate::__select!(@pattern $branches $else [$($pat)* $next] $($rest)*)
    };
    (@pattern $branches:tt $else:tt [$($pat:tt)*]) => {
        ::core::compile_error!(
            "runtime::select! expects branches `pattern = future => expression,`"
        )
    };
    // ---- @expand: the code ----
    (@expand [] []) => {
        ::core::compile_error!("runtime::select! needs at least one branch")
    };
    (@expand [$({ $fut:ident $done:ident $out:ident [$($pat:tt)+] ($future:expr) $body:block })*]
        [$($else:block)?]) => {{
        // The winner's output, outside the block below so that it outlives
        // the losers.
        $(let mut $out = ::core::option::Option::None;)*
        {
            $(
                let mut $fut = ::core::pin::pin!(::core::future::IntoFuture::into_future($future));
                let mut $done = false;
            )*
            ::core::future::poll_fn(|cx| {
                $(
                    if !$done {
                        if let ::core::task::Poll::Ready(output) =
                            ::core::future::Future::poll($fut.as_mut(), cx)
                        {
                            // Finished either way: never poll it again.
                            $done = true;
                            #[allow(unused_variables, unreachable_patterns)]
                            let matches = match &output {
                                $crate::__select!(@clean [] [] $($pat)+) => true,
                                _ => false,
                            };
                            if matches {
                                $out = ::core::option::Option::Some(output);
                                return ::core::task::Poll::Ready(());
                            }
                        }
                    }
                )*
                if true $(&& $done)* {
                    ::core::task::Poll::Ready(()) // every branch disabled
                } else {
                    ::core::task::Poll::Pending
                }
            })
            .await;
        } // The losers are dropped here, before the winner's expression runs.
        $(
            if let ::core::option::Option::Some($($pat)+) = $out $body else
        )* {
            $crate::__select!(@else $($else)?)
        }
    }};
    (@else $else:block) => { $else };
    (@else) => {
        ::core::panic!("runtime::select!: every branch is disabled and there is no `else` branch")
    };
    // ---- @clean [stack] [done] tokens...: the pattern without `mut`/`ref` ----
    (@clean $stack:tt [$($done:tt)*] mut $($rest:tt)*) => {
        $crate::__select!(@clean $stack [$($done)*] $($rest)*)
    };
    (@clean $stack:tt [$($done:tt)*] ref $($rest:tt)*) => {
        $crate::__select!(@clean $stack [$($done)*] $($rest)*)
    };
    (@clean [$($stack:tt)*] $done:tt ($($inner:tt)*) $($rest:tt)*) => {
        $crate::__select!(@clean [(paren $done [$($rest)*]) $($stack)*] [] $($inner)*)
    };
    (@clean [$($stack:tt)*] $done:tt [$($inner:tt)*] $($rest:tt)*) => {
        $crate::__select!(@clean [(bracket $done [$($rest)*]) $($stack)*] [] $($inner)*)
    };
    (@clean [$($stack:tt)*] $done:tt {$($inner:tt)*} $($rest:tt)*) => {
        $crate::__select!(@clean [(brace $done [$($rest)*]) $($stack)*] [] $($inner)*)
    };
    (@clean $stack:tt [$($done:tt)*] $next:tt $($rest:tt)*) => {
        $crate::__select!(@clean $stack [$($done)* $next] $($rest)*)
    };
    // The end of a group: back to the tokens around it.
    (@clean [(paren [$($outer:tt)*] [$($rest:tt)*]) $($stack:tt)*] [$($done:tt)*]) => {
        $crate::__select!(@clean [$($stack)*] [$($outer)* ($($done)*)] $($rest)*)
    };
    (@clean [(bracket [$($outer:tt)*] [$($rest:tt)*]) $($stack:tt)*] [$($done:tt)*]) => {
        $crate::__select!(@clean [$($stack)*] [$($outer)* [$($done)*]] $($rest)*)
    };
    (@clean [(brace [$($outer:tt)*] [$($rest:tt)*]) $($stack:tt)*] [$($done:tt)*]) => {
        $crate::__select!(@clean [$($stack)*] [$($outer)* {$($done)*}] $($rest)*)
    };
    (@clean [] [$($done:tt)*]) => { $($done)* };
}

//! Shared pieces of the examples: the [`fetch`] program (the code behind
//! `examples/fetch.rs`) and the embedded [`DemoServer`] that it talks to
//! when given no URL. (Its `--concurrency` limit is the runtime's own
//! [`runtime::sync::Semaphore`].)
//!
//! The crates themselves are [`runtime`] and [`http_client`]; this package
//! only owns the runnable examples (`examples/`) built on them.

#![forbid(unsafe_code)]
#![warn(
    missing_docs,
    missing_debug_implementations,
    rust_2018_idioms,
    unreachable_pub
)]

mod demo_server;
mod demo_tls;
pub mod fetch;
pub mod load;
mod trace_svg;

pub use demo_server::DemoServer;
pub use trace_svg::{trace_log, trace_svg};

/// The README's Rust examples, compiled and run as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

//! `#[runtime::main]` and `#[runtime::test]` as a user writes them: tests
//! that await, return `Result` and use `?`, finish within their timeout or
//! fail with its message, and a `main` (under another name, so that it can
//! be called) that returns what its body does, and both under another
//! name (`crate = "rt"`). The compile errors are
//! `compile_fail` doctests in `runtime-macros/src/lib.rs`.

#![cfg(feature = "macros")]

mod util;

use std::cell::Cell;
use std::io;
use std::rc::Rc;
use std::time::{Duration, Instant};

use util::panic_text;

#[runtime::test]
async fn a_test_runs_inside_a_runtime() {
    // A task that is not `Send`: it runs on the test's own thread.
    let ran = Rc::new(Cell::new(false));
    let flag = ran.clone();
    runtime::spawn(async move { flag.set(true) }).await.unwrap();
    assert!(ran.get());
    assert_eq!(runtime::stats().tasks, 0);
}

#[runtime::test(timeout = "10s")]
async fn a_test_may_return_a_result_and_use_the_question_mark() -> io::Result<()> {
    let listener = runtime::net::TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let (_client, accepted) =
        runtime::join(runtime::net::TcpStream::connect(addr), listener.accept()).await;
    accepted?;
    Ok(())
}

#[runtime::test(timeout = "10s")]
async fn a_test_within_its_timeout_passes() {
    runtime::time::sleep(Duration::from_millis(5)).await;
}

#[runtime::test(timeout = "50ms")]
#[should_panic(expected = "test exceeded its timeout of 50ms")]
async fn a_test_past_its_timeout_fails_with_a_clear_message() {
    std::future::pending::<()>().await;
}

/// A program that depends on the runtime under another name says so with
/// `crate = "..."` (here the other name is an alias).
mod under_another_name {
    use runtime as rt;

    #[rt::test(crate = "rt", timeout = "10s")]
    async fn a_test_names_the_runtime_as_told() {
        assert_eq!(rt::spawn(async { 7 }).await.unwrap(), 7);
    }

    #[rt::test(timeout = "50ms", crate = "::runtime")]
    #[should_panic(expected = "test exceeded its timeout of 50ms")]
    async fn in_either_order_with_the_timeout() {
        std::future::pending::<()>().await;
    }

    #[rt::main(crate = "rt")]
    async fn renamed_main() -> u32 {
        rt::time::sleep(std::time::Duration::from_millis(1)).await;
        42
    }

    #[test]
    fn a_main_names_the_runtime_as_told() {
        assert_eq!(renamed_main(), 42);
    }
}

/// Called by `the_timeout_fires_on_time`, which times it.
#[runtime::test(timeout = "100ms")]
#[ignore = "run and timed by the_timeout_fires_on_time"]
#[should_panic(expected = "test exceeded its timeout of 100ms")]
async fn never_ends() {
    runtime::time::sleep(Duration::from_secs(3600)).await;
}

/// The timeout is measured from the test's start, and not much later.
#[test]
fn the_timeout_fires_on_time() {
    let start = Instant::now();
    let panic = std::panic::catch_unwind(never_ends).unwrap_err();
    let elapsed = start.elapsed();
    assert_eq!(panic_text(&*panic), "test exceeded its timeout of 100ms");
    assert!(
        elapsed >= Duration::from_millis(100),
        "{elapsed:?}: never early"
    );
    assert!(
        elapsed < Duration::from_secs(5),
        "{elapsed:?}: not much late"
    );
}

/// Documented, kept, and given a visibility: the attribute passes them on.
#[runtime::main]
pub(crate) async fn main_under_another_name() -> Result<u32, Box<dyn std::error::Error>> {
    let n: u32 = "7".parse()?;
    runtime::time::sleep(Duration::from_millis(1)).await;
    Ok(n * 6)
}

#[test]
fn main_runs_its_body_with_block_on_and_returns_its_output() {
    assert_eq!(main_under_another_name().unwrap(), 42);
    // Each call gets a runtime of its own, dropped before it returns.
    assert_eq!(main_under_another_name().unwrap(), 42);
}

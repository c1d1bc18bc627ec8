//! `hfetch`: the `fetch` program as an installed binary (`cargo install
//! --path .`, or `cargo install handroll-fetch` once published). The same
//! code as `examples/fetch.rs`, under a name that does not clash with
//! FreeBSD's `fetch(1)`; see the README.

fn main() -> std::process::ExitCode {
    handroll::fetch::main()
}

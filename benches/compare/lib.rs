//! Side-by-side benchmarks of this project's runtime against tokio
//! (current-thread) and smol, driven by `main.rs` (`cargo bench --bench
//! compare` in `benches/`, a workspace of its own). The workloads are
//! written once against the small [`rt::Rt`] trait, so only the runtime
//! differs.

#![warn(missing_docs, rust_2018_idioms)]

pub mod fs_copy;
pub mod keepalive;
pub mod keepalive_tls;
pub mod measure;
pub mod multi;
pub mod rt;
pub mod server;
pub mod sync_rt;
pub mod sync_workloads;
pub mod tls;
pub mod workloads;

#[cfg(test)]
mod tests {
    use super::*;
    use rt::{Ours, Smol, Tokio};
    use sync_rt::SyncRt;

    /// Every workload runs, tiny, on every runtime and gives a sane number.
    fn smoke<R: SyncRt>() {
        assert!(workloads::spawn::<R>(1000) > 0.0);
        assert!(workloads::yields::<R>(10, 10) > 0.0);
        assert!(workloads::pingpong::<R>(1000) > 0.0);
        assert!(sync_workloads::mpsc_pingpong::<R>(1000) > 0.0);
        assert!(sync_workloads::mpsc_throughput::<R>(1001, 16) > 0.0);
        assert!(sync_workloads::mutex::<R>(20, 30) > 0.0);
        assert!(sync_workloads::rwlock::<R>(20, 30) > 0.0);
        assert!(workloads::timers_wall::<R>(100, 1) >= 1.0);
        let (mean, p99) = workloads::timer_lateness::<R>(50, 2);
        assert!(mean >= 0.0 && p99 >= mean * 0.0);
        let (rate, p99) = workloads::echo::<R>(4, 20);
        assert!(rate > 0.0 && p99 > 0.0);
        let peer = server::HttpPeer::start();
        let (rate, cpu) = workloads::fetch::<R>(peer.addr, server::PATH, server::BODY_LEN, 50, 5);
        assert!(rate > 0.0 && cpu >= 0.0);
    }

    /// The two-core workloads run, tiny, on every runtime that has them.
    #[test]
    fn two_cores() {
        for (rate, p99) in [
            multi::echo_ours(4, 20),
            multi::echo_tokio(4, 20),
            multi::echo_smol(4, 20),
        ] {
            assert!(rate > 0.0 && p99 > 0.0);
        }
        let peer = server::HttpPeer::start();
        let (a, path, len) = (peer.addr, server::PATH, server::BODY_LEN);
        for (rate, cpu) in [
            multi::fetch_ours(a, path, len, 50, 6),
            multi::fetch_tokio(a, path, len, 50, 6),
        ] {
            assert!(rate > 0.0 && cpu > 0.0);
        }
    }

    /// The watch row runs, tiny, on the runtimes that have a watch channel.
    #[test]
    fn watch() {
        assert!(sync_workloads::watch::<Ours>(10, 50) > 0.0);
        assert!(sync_workloads::watch::<Tokio>(10, 50) > 0.0);
    }

    #[test]
    fn ours() {
        smoke::<Ours>();
    }

    #[test]
    fn tokio() {
        smoke::<Tokio>();
    }

    #[test]
    fn smol() {
        smoke::<Smol>();
    }
}

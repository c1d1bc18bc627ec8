//! `fs-copy`: one large file copied through a 256 KiB buffer by
//! `runtime::fs::File` (reads and writes on its blocking pool), against
//! `std::io::copy` and tokio's `fs` (its blocking pool) on the same copy,
//! plus std's own read/write loop through the same buffer for reference.
//!
//! `std::io::copy` between two files lets the kernel copy
//! (`copy_file_range`, or `sendfile`/`splice`): one copy of each byte,
//! none through user space. The loops, ours and tokio's included, copy
//! each byte twice more (kernel to buffer to kernel) and, for the async
//! ones, once more each way between the file's own buffer and the
//! caller's.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The copy buffer of the loops.
pub const BUF: usize = 256 * 1024;

/// The source and destination of the copies, removed when dropped.
#[derive(Debug)]
pub struct Files {
    /// The file copied: `size` bytes of a pattern.
    pub src: PathBuf,
    /// Where it is copied to (removed before each copy).
    pub dst: PathBuf,
    /// Its length.
    pub size: u64,
}

impl Files {
    /// Writes a source file of `size` bytes on tmpfs (`/dev/shm`) if it
    /// has room for both files and 1 GiB to spare, else in `fallback`.
    pub fn create(size: u64, fallback: &Path) -> io::Result<Files> {
        let shm = Path::new("/dev/shm");
        let room = rustix::fs::statvfs(shm)
            .map(|s| s.f_bavail.saturating_mul(s.f_frsize))
            .unwrap_or(0);
        let dir = if room > 2 * size + (1 << 30) {
            shm
        } else {
            fallback
        };
        let name = |what: &str| dir.join(format!("handroll-fs-copy-{}-{what}", std::process::id()));
        let files = Files {
            src: name("src"),
            dst: name("dst"),
            size,
        };
        let chunk: Vec<u8> = (0..1 << 20).map(|i| (i % 251) as u8).collect();
        let mut out = std::fs::File::create(&files.src)?;
        let mut left = size;
        while left > 0 {
            let n = left.min(chunk.len() as u64) as usize;
            out.write_all(&chunk[..n])?;
            left -= n as u64;
        }
        Ok(files)
    }

    /// The directory the files are in.
    pub fn dir(&self) -> &Path {
        self.src.parent().expect("a file in a directory")
    }

    /// Removes the destination (freeing its pages is no copy's cost),
    /// runs `copy`, checks the copy's length and returns its throughput
    /// in MB/s and the CPU time it took, all threads counted, in ms per
    /// GiB (the cost that decides the throughput on a busy machine).
    fn measure(&self, copy: impl FnOnce(&Path, &Path) -> io::Result<()>) -> Copied {
        let _ = std::fs::remove_file(&self.dst);
        let (start, cpu) = (Instant::now(), process_cpu());
        copy(&self.src, &self.dst).expect("the copy");
        let (seconds, cpu) = (start.elapsed().as_secs_f64(), process_cpu() - cpu);
        let copied = std::fs::metadata(&self.dst).expect("the copy").len();
        assert_eq!(copied, self.size, "the whole file was copied");
        let gib = self.size as f64 / f64::from(1 << 30);
        Copied {
            mb_per_s: self.size as f64 / seconds / 1e6,
            cpu_ms_per_gib: cpu.as_secs_f64() * 1e3 / gib,
        }
    }

    /// Ours: `runtime::fs::File`, `read` into a 256 KiB buffer and
    /// `write_all` it, then `flush` (the last write's end).
    pub fn copy_ours(&self) -> Copied {
        self.measure(|src, dst| {
            runtime::block_on(async {
                let mut src = runtime::fs::File::open(src).await?;
                let mut dst = runtime::fs::File::create(dst).await?;
                let mut buf = vec![0; BUF];
                loop {
                    let n = src.read(&mut buf).await?;
                    if n == 0 {
                        break;
                    }
                    dst.write_all(&buf[..n]).await?;
                }
                dst.flush().await
            })
        })
    }

    /// tokio: the same loop with `tokio::fs::File` on a current-thread
    /// runtime (its file calls go to tokio's blocking pool).
    pub fn copy_tokio(&self) -> Copied {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a tokio runtime");
        self.measure(|src, dst| {
            rt.block_on(async {
                let mut src = tokio::fs::File::open(src).await?;
                let mut dst = tokio::fs::File::create(dst).await?;
                let mut buf = vec![0; BUF];
                loop {
                    let n = src.read(&mut buf).await?;
                    if n == 0 {
                        break;
                    }
                    dst.write_all(&buf[..n]).await?;
                }
                dst.flush().await
            })
        })
    }

    /// std: `std::io::copy` between the two files (the kernel copies).
    pub fn copy_std(&self) -> Copied {
        self.measure(|src, dst| {
            let mut src = std::fs::File::open(src)?;
            let mut dst = std::fs::File::create(dst)?;
            std::io::copy(&mut src, &mut dst).map(drop)
        })
    }

    /// std's read/write loop through a 256 KiB buffer, on this thread: the
    /// loop the async copies run, without their thread hops.
    pub fn copy_std_loop(&self) -> Copied {
        self.measure(|src, dst| {
            let mut src = std::fs::File::open(src)?;
            let mut dst = std::fs::File::create(dst)?;
            let mut buf = vec![0; BUF];
            loop {
                let n = src.read(&mut buf)?;
                if n == 0 {
                    return Ok(());
                }
                dst.write_all(&buf[..n])?;
            }
        })
    }
}

/// One copy's measurements.
#[derive(Debug, Clone, Copy)]
pub struct Copied {
    /// Bytes copied per second, in millions.
    pub mb_per_s: f64,
    /// CPU time of the whole process (every thread: the caller's, the
    /// blocking pool's), in ms per GiB copied.
    pub cpu_ms_per_gib: f64,
}

/// CPU time of this process so far, every thread counted (those that
/// have exited too): `utime + stime` of `/proc/self/stat`, in clock
/// ticks (10 ms, usually: coarse for the `--quick` size).
fn process_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The fields after the parenthesised command name; utime and stime
    // are the 14th and 15th of the line.
    let after = stat.rfind(')').map_or("", |i| &stat[i + 2..]);
    let fields: Vec<u64> = after
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|f| f.parse().ok())
        .collect();
    let ticks: u64 = fields.iter().sum();
    Duration::from_secs_f64(ticks as f64 / rustix::param::clock_ticks_per_second() as f64)
}

impl Drop for Files {
    fn drop(&mut self) {
        // Best effort: a leftover file must not fail the bench.
        let _ = std::fs::remove_file(&self.src);
        let _ = std::fs::remove_file(&self.dst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every copy copies, and gives a throughput.
    #[test]
    fn each_copy_copies() {
        let files = Files::create(3 * BUF as u64 + 17, &std::env::temp_dir()).unwrap();
        for copied in [
            files.copy_ours(),
            files.copy_tokio(),
            files.copy_std(),
            files.copy_std_loop(),
        ] {
            assert!(copied.mb_per_s > 0.0 && copied.cpu_ms_per_gib >= 0.0);
        }
        assert_eq!(
            std::fs::read(&files.dst).unwrap(),
            std::fs::read(&files.src).unwrap()
        );
    }
}

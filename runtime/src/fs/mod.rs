//! Files and directories: `std::fs` run on the blocking pool, with the
//! names of `tokio::fs`.
//!
//! # Why files are not on the reactor
//!
//! The reactor waits for a descriptor to become *ready*, and a regular file
//! never becomes ready: it always is. epoll refuses to watch one (`EPERM`,
//! see [`io::Async::new`](crate::io::Async::new)); `poll(2)` and kqueue
//! report it ready at once. Readiness would not help anyway: a read from a
//! "ready" file still waits when its pages are not in the page cache (a
//! disk, a network file system), and a write waits when the kernel
//! throttles dirty pages. There is no `WouldBlock` for files.
//!
//! So every operation here is a std call run on a helper thread of the
//! blocking pool (the threads of [`spawn_blocking`](crate::spawn_blocking)),
//! and the task waits for its result, which arrives as a wake from that
//! thread. (Linux's io_uring can read files asynchronously; this runtime
//! does not use it.)
//!
//! # Buffers handed back and forth
//!
//! A [`File`] owns a buffer, and at any moment either holds it (idle) or
//! has lent it, with a clone of the descriptor, to the one operation in
//! flight on a helper thread, which hands it back with its result:
//!
//! ```text
//!  File { state: Idle(buf) } ──read──► Busy: a thread reads into buf ──► Idle(buf full)
//!        ▲                                                                 │ copy to the caller
//!        │                                                                 ▼
//!        └──── Idle(buf) ◄── the next call waits ◄── Busy: a thread writes buf,
//!                            for it here            ▲     then what was staged meanwhile
//!                                                   │
//!                    write: copy the caller's bytes ┘ into buf, hand it off, return at once;
//!                    while a write is in flight, copy them into a second, staging buffer
//! ```
//!
//! A write returns as soon as its bytes are in a buffer of the file's:
//! handed to a thread, or staged behind the write in flight, which takes
//! them when it is done with its own (on its thread: no trip back). The
//! next operation other than a write (or [`File::flush`]) waits for the
//! writes and reports their error, if any. A read fills the buffer with up
//! to as many bytes as the caller asked for and copies them out; bytes
//! left over serve the next read, and on a regular file read in order the
//! next read starts as soon as the caller has the bytes of the last
//! (reading ahead). This is how `tokio::fs` and async-fs work too (tokio
//! without the staging and the reading ahead); the price is a copy of the
//! bytes on each side and a thread hop per operation, so use large
//! buffers: copying a file through 256 KiB ones (the `fs-copy` benchmark)
//! runs about as fast as `std::io::copy`.
//!
//! # Errors name their path
//!
//! std's errors say what went wrong but not where (`No such file or
//! directory (os error 2)`); the errors here add the operation and the
//! path: `cannot open /etc/nope: No such file or directory (os error 2)`.
//! They keep std's [`io::ErrorKind`], and their
//! [`source`](std::error::Error::source) is std's error (with its
//! `raw_os_error`).
//!
//! # Panics
//!
//! Every operation panics if it is polled outside a runtime.
//!
//! # Example
//!
//! ```
//! use runtime::fs;
//!
//! runtime::block_on(async {
//!     let dir = std::env::temp_dir().join(format!("fs-doc-{}", std::process::id()));
//!     fs::create_dir_all(&dir).await?;
//!     fs::write(dir.join("greeting"), "hello").await?;
//!     assert_eq!(fs::read_to_string(dir.join("greeting")).await?, "hello");
//!
//!     let error = fs::read(dir.join("missing")).await.unwrap_err();
//!     assert_eq!(error.kind(), std::io::ErrorKind::NotFound);
//!     assert!(error.to_string().starts_with("cannot read /"), "{error}");
//!
//!     fs::remove_dir_all(&dir).await
//! })?;
//! # std::io::Result::Ok(())
//! ```

use std::error::Error;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use crate::blocking::BlockingResult;
use crate::context;

mod buf;
mod file;
#[cfg(feature = "futures-io")]
mod futures_io;
mod open_options;
mod ops;
mod read_dir;

pub use file::File;
pub use open_options::OpenOptions;
pub use ops::{
    copy, create_dir_all, metadata, read, read_to_string, remove_dir_all, remove_file, rename,
    write,
};
pub use read_dir::{DirEntry, ReadDir, read_dir};

/// Runs `f` on the current runtime's blocking pool. `what` names the caller
/// in the panic outside a runtime.
fn unblock<T, F>(what: &str, f: F) -> BlockingResult<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    context::current(what).blocking.run(f)
}

/// [`unblock`] for a file write, which must happen even if the runtime is
/// dropped before a thread takes it (see `blocking.rs`).
fn unblock_mandatory<T, F>(what: &str, f: F) -> BlockingResult<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    context::current(what).blocking.run_mandatory(f)
}

/// Runs `f`, which must run, on the current runtime's blocking pool
/// (whose drop waits for it), or here and now outside a runtime (where no
/// event loop waits on this thread).
fn run_mandatory(f: impl FnOnce() + Send + 'static) {
    match context::try_current() {
        Some(core) => drop(core.blocking.run_mandatory(f)),
        None => f(),
    }
}

/// std's error `source`, with what was being done and to which path: its
/// message is `cannot {op} {path}: {source}` (or `cannot {op} {path} to
/// {to}: {source}` for a rename or a copy).
#[derive(Debug)]
struct PathError {
    op: &'static str,
    path: PathBuf,
    to: Option<PathBuf>,
    source: io::Error,
}

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot {} {}", self.op, self.path.display())?;
        if let Some(to) = &self.to {
            write!(f, " to {}", to.display())?;
        }
        write!(f, ": {}", self.source)
    }
}

impl Error for PathError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&self.source)
    }
}

/// `source` as an error that names `op` and `path`, of the same kind.
fn path_error(op: &'static str, path: &Path, source: io::Error) -> io::Error {
    io::Error::new(
        source.kind(),
        PathError {
            op,
            path: path.to_owned(),
            to: None,
            source,
        },
    )
}

/// `source` as an error that names `op` and both paths.
fn two_path_error(op: &'static str, from: &Path, to: &Path, source: io::Error) -> io::Error {
    io::Error::new(
        source.kind(),
        PathError {
            op,
            path: from.to_owned(),
            to: Some(to.to_owned()),
            source,
        },
    )
}

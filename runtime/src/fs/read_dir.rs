//! [`read_dir`] and its [`ReadDir`] stream: a directory's entries fetched
//! on the blocking pool in batches of [`BATCH`], so that a directory of
//! 10,000 entries costs some 300 thread hops, not 10,000.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::fmt;
use std::fs::{FileType, Metadata};
use std::future::{Future, poll_fn};
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use futures_core::Stream;

use super::{path_error, unblock};
use crate::blocking::BlockingResult;

/// Entries fetched per trip to the blocking pool (as `tokio::fs`).
const BATCH: usize = 32;

/// Entries fetched, and the directory to go on with (`None` at its end).
type Batch = (VecDeque<io::Result<DirEntry>>, Option<std::fs::ReadDir>);

/// Opens a directory to list it: [`std::fs::read_dir`] on the blocking
/// pool. Entries come from the returned [`ReadDir`], a stream, in no
/// particular order, without `.` and `..`.
///
/// # Errors
///
/// If the directory cannot be opened: `cannot read directory PATH: REASON`.
///
/// # Examples
///
/// ```
/// use futures_lite::StreamExt;
///
/// runtime::block_on(async {
///     let dir = std::env::temp_dir().join(format!("read-dir-{}", std::process::id()));
///     runtime::fs::create_dir_all(&dir).await?;
///     runtime::fs::write(dir.join("a"), "").await?;
///     runtime::fs::write(dir.join("b"), "").await?;
///     let mut names = Vec::new();
///     let mut entries = runtime::fs::read_dir(&dir).await?;
///     while let Some(entry) = entries.next().await {
///         names.push(entry?.file_name());
///     }
///     names.sort();
///     assert_eq!(names, ["a", "b"]);
///     runtime::fs::remove_dir_all(&dir).await
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub async fn read_dir(path: impl AsRef<Path>) -> io::Result<ReadDir> {
    let path = path.as_ref().to_owned();
    let (opened, path) = unblock("runtime::fs::read_dir", move || {
        (std::fs::read_dir(&path), path)
    })
    .await;
    match opened {
        Ok(dir) => Ok(ReadDir {
            path,
            state: State::Idle(VecDeque::new(), Some(dir)),
        }),
        Err(e) => Err(path_error("read directory", &path, e)),
    }
}

/// The entries of a directory, from [`read_dir`]: a
/// [`Stream`](futures_core::Stream) of `io::Result<DirEntry>`, or
/// [`next_entry`](ReadDir::next_entry) in a loop.
///
/// Entries are fetched 32 at a time by a helper thread. An error reading
/// one entry is yielded in its place, naming the directory; the stream
/// goes on after it.
///
/// # Cancellation
///
/// A fetch that has started runs to its end; if the stream is dropped
/// meanwhile, its entries are dropped with it.
pub struct ReadDir {
    /// The directory, named in errors.
    path: PathBuf,
    state: State,
}

enum State {
    /// Entries fetched and not yet taken, and the directory to fetch more
    /// from (`None` once it has none).
    Idle(VecDeque<io::Result<DirEntry>>, Option<std::fs::ReadDir>),
    /// A helper thread fetching the next batch.
    Busy(BlockingResult<Batch>),
}

impl ReadDir {
    /// The next entry, or `None` after the last.
    ///
    /// # Errors
    ///
    /// If an entry cannot be read: `cannot read directory PATH: REASON`.
    ///
    /// # Cancellation
    ///
    /// No entry is lost: a batch that arrives after the future was
    /// dropped serves the next call.
    ///
    /// # Examples
    ///
    /// ```
    /// runtime::block_on(async {
    ///     let dir = std::env::temp_dir().join(format!("next-entry-{}", std::process::id()));
    ///     runtime::fs::create_dir_all(dir.join("sub")).await?;
    ///     let mut entries = runtime::fs::read_dir(&dir).await?;
    ///     let entry = entries.next_entry().await?.expect("one entry");
    ///     assert_eq!(entry.file_name(), "sub");
    ///     assert!(entry.file_type().await?.is_dir());
    ///     assert!(entries.next_entry().await?.is_none());
    ///     runtime::fs::remove_dir_all(&dir).await
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn next_entry(&mut self) -> io::Result<Option<DirEntry>> {
        poll_fn(|cx| self.poll_next_entry(cx)).await
    }

    /// Polls for the next entry: [`next_entry`](ReadDir::next_entry) for
    /// hand-written futures.
    ///
    /// # Errors
    ///
    /// If an entry cannot be read: `cannot read directory PATH: REASON`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    ///
    /// runtime::block_on(async {
    ///     let mut entries = runtime::fs::read_dir("/").await?;
    ///     let first = poll_fn(|cx| entries.poll_next_entry(cx)).await?;
    ///     assert!(first.is_some());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn poll_next_entry(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Option<DirEntry>>> {
        loop {
            match &mut self.state {
                State::Idle(entries, dir) => {
                    if let Some(entry) = entries.pop_front() {
                        return Poll::Ready(entry.map(Some));
                    }
                    let Some(dir) = dir.take() else {
                        return Poll::Ready(Ok(None));
                    };
                    let (mut entries, path) = (std::mem::take(entries), self.path.clone());
                    self.state = State::Busy(unblock("runtime::fs::ReadDir", move || {
                        let dir = fetch(dir, &mut entries, &path);
                        (entries, dir)
                    }));
                }
                State::Busy(fetching) => {
                    let (entries, dir) = ready!(Pin::new(fetching).poll(cx));
                    self.state = State::Idle(entries, dir);
                }
            }
        }
    }
}

/// On a helper thread: reads up to [`BATCH`] entries of `dir` into
/// `entries`; returns `dir` unless it has no more.
fn fetch(
    mut dir: std::fs::ReadDir,
    entries: &mut VecDeque<io::Result<DirEntry>>,
    path: &Path,
) -> Option<std::fs::ReadDir> {
    for _ in 0..BATCH {
        match dir.next()? {
            Ok(entry) => entries.push_back(Ok(DirEntry::new(entry))),
            Err(e) => entries.push_back(Err(path_error("read directory", path, e))),
        }
    }
    Some(dir)
}

impl Stream for ReadDir {
    type Item = io::Result<DirEntry>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_next_entry(cx).map(Result::transpose)
    }
}

impl fmt::Debug for ReadDir {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("ReadDir");
        s.field("path", &self.path);
        match &self.state {
            State::Idle(entries, dir) => s
                .field("fetched", &entries.len())
                .field("done", &dir.is_none()),
            State::Busy(_) => s.field("fetching", &true),
        };
        s.finish()
    }
}

/// One entry of a directory, from [`ReadDir`].
///
/// # Examples
///
/// ```
/// runtime::block_on(async {
///     let mut entries = runtime::fs::read_dir("/").await?;
///     while let Some(entry) = entries.next_entry().await? {
///         if entry.file_name() == "tmp" {
///             assert_eq!(entry.path(), std::path::Path::new("/tmp"));
///             assert!(entry.metadata().await?.is_dir());
///         }
///     }
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
#[derive(Debug, Clone)]
pub struct DirEntry {
    std: Arc<std::fs::DirEntry>,
    /// Read with the entry where the directory says (Linux's `d_type`):
    /// then `file_type` costs no trip to the pool.
    file_type: Option<FileType>,
}

impl DirEntry {
    fn new(std: std::fs::DirEntry) -> DirEntry {
        // Costs no system call where the directory records types; where
        // it must `stat`, we are on a helper thread anyway.
        let file_type = std.file_type().ok();
        DirEntry {
            std: Arc::new(std),
            file_type,
        }
    }

    /// The entry's full path: the directory's path joined with its name.
    ///
    /// # Examples
    ///
    /// ```
    /// runtime::block_on(async {
    ///     let entry = runtime::fs::read_dir("/").await?.next_entry().await?.expect("an entry");
    ///     assert!(entry.path().starts_with("/"));
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn path(&self) -> PathBuf {
        self.std.path()
    }

    /// The entry's name, without the directory.
    ///
    /// # Examples
    ///
    /// ```
    /// runtime::block_on(async {
    ///     let entry = runtime::fs::read_dir("/").await?.next_entry().await?.expect("an entry");
    ///     assert!(!entry.file_name().is_empty());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn file_name(&self) -> OsString {
        self.std.file_name()
    }

    /// The entry's metadata, not following a symbolic link, as
    /// [`std::fs::DirEntry::metadata`], on the blocking pool.
    ///
    /// # Errors
    ///
    /// If the entry is gone or cannot be inspected: `cannot read metadata
    /// of PATH: REASON`.
    ///
    /// # Examples
    ///
    /// ```
    /// runtime::block_on(async {
    ///     let entry = runtime::fs::read_dir("/").await?.next_entry().await?.expect("an entry");
    ///     let meta = entry.metadata().await?;
    ///     assert_eq!(meta.file_type(), entry.file_type().await?);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn metadata(&self) -> io::Result<Metadata> {
        let std = self.std.clone();
        unblock("runtime::fs::DirEntry::metadata", move || {
            std.metadata()
                .map_err(|e| path_error("read metadata of", &std.path(), e))
        })
        .await
    }

    /// The entry's type, not following a symbolic link. Usually known
    /// from the directory listing itself; otherwise read on the blocking
    /// pool.
    ///
    /// # Errors
    ///
    /// If the type must be read and the entry is gone: `cannot read
    /// metadata of PATH: REASON`.
    ///
    /// # Examples
    ///
    /// ```
    /// runtime::block_on(async {
    ///     let mut entries = runtime::fs::read_dir("/").await?;
    ///     let mut dirs = 0;
    ///     while let Some(entry) = entries.next_entry().await? {
    ///         dirs += usize::from(entry.file_type().await?.is_dir());
    ///     }
    ///     assert!(dirs > 0, "/ has subdirectories");
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn file_type(&self) -> io::Result<FileType> {
        if let Some(file_type) = self.file_type {
            return Ok(file_type);
        }
        Ok(self.metadata().await?.file_type())
    }
}

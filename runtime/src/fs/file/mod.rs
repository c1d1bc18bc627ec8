//! [`File`]: an open file whose operations run on the blocking pool, one at
//! a time: its public face. How an operation is started, staged behind a
//! write or waited for is `machine.rs`; the buffer lent to each is `Buf`
//! (`../buf.rs`); the `futures-io` traits are in `../futures_io.rs`, the
//! opening options in `../open_options.rs`.

use std::fmt;
use std::fs::Metadata;
use std::future::poll_fn;
use std::io::{self, SeekFrom};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::buf::Buf;
use super::{OpenOptions, unblock};

mod machine;

use machine::{State, lock};

/// An open file, read and written on the blocking pool.
///
/// Open one with [`File::open`], [`File::create`] or [`File::options`].
/// Every operation runs the std call on a helper thread (see the [module
/// docs](super) for why), one operation at a time. With the default
/// feature `futures-io` it implements `futures_io::AsyncRead`,
/// `AsyncWrite` and `AsyncSeek`.
///
/// A write returns as soon as its bytes are copied into a buffer of the
/// file's: handed to a helper thread, or, while a write is in flight,
/// staged behind it (up to 2 MiB), to be written by the same thread as
/// soon as it is done. The next operation on the file other than a write
/// (or [`flush`](File::flush)) waits for the writes, and fails with their
/// error if one failed (the bytes staged behind a failed write are
/// dropped with it). A read asks for as many bytes as the caller's buffer
/// holds (up to 2 MiB); bytes left over serve the next read. A file holds
/// two buffers at most, each as large as the largest write or read asked
/// of it (up to 2 MiB).
///
/// # Reading ahead
///
/// On a regular file read in order (each read got all it asked for),
/// the read that empties the file's buffer starts the next one at once,
/// twice the size the caller asks for (up to 2 MiB), so that reading a
/// file overlaps with what the caller does between reads (copying to
/// another file, say), with half as many trips to a helper thread as
/// reads. The descriptor's OS cursor is then ahead of the caller's
/// position; seeks, writes and [`set_len`](File::set_len) account for it.
/// A pipe or a terminal wrapped with [`from_std`](File::from_std) is never
/// read ahead: that could wait forever, or take input meant for another
/// reader.
///
/// # Dropping
///
/// Dropping a `File` closes it once the operation in flight, if any, is
/// done. A write that has returned is never lost: it completes on a
/// helper thread (staged bytes too), even if the runtime is dropped right
/// after (dropping the runtime waits for it; outside a runtime, the drop
/// writes the staged bytes itself). Its error is lost, though, as with std's
/// `BufWriter`: call [`flush`](File::flush) (or
/// [`sync_all`](File::sync_all), for durability) before dropping a file
/// whose writes must be known to have succeeded.
///
/// # Examples
///
/// ```
/// use runtime::fs::File;
///
/// runtime::block_on(async {
///     let path = std::env::temp_dir().join(format!("file-doc-{}", std::process::id()));
///     let mut file = File::create(&path).await?;
///     file.write_all(b"hello, file").await?;
///     file.flush().await?;
///
///     let mut file = File::open(&path).await?;
///     let mut buf = [0; 64];
///     let n = file.read(&mut buf).await?;
///     assert_eq!(&buf[..n], b"hello, file");
///     runtime::fs::remove_file(&path).await
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub struct File {
    /// The descriptor, shared with the operation in flight.
    std: Arc<std::fs::File>,
    /// The path it was opened with, named in its errors.
    path: PathBuf,
    /// Idle with the buffer, or busy with the operation that holds it.
    state: State,
    /// Bytes written while a write was in flight (at most [`MAX_BUF`]),
    /// shared with it: the write takes them as soon as it is done with its
    /// own, on its helper thread, without a trip back to this one. Empty
    /// when no write is in flight (once its result is taken).
    staged: Arc<Mutex<Buf>>,
    /// A regular file: a read that the caller took whole starts the next
    /// one at once (not a pipe or a terminal, where reading ahead could
    /// wait forever, or take input meant for someone else).
    read_ahead: bool,
    /// The last read got all it asked for: the next is read ahead when
    /// the caller has taken these bytes.
    in_order: bool,
}

impl File {
    pub(super) fn new(std: std::fs::File, path: PathBuf, read_ahead: bool) -> File {
        File {
            std: Arc::new(std),
            path,
            state: State::Idle(Buf::default()),
            staged: Arc::default(),
            read_ahead,
            in_order: false,
        }
    }

    /// Opens a file for reading, as [`std::fs::File::open`].
    ///
    /// A directory opens too (as with std, so that it can be synced); its
    /// reads fail with `IsADirectory`.
    ///
    /// # Errors
    ///
    /// If the file cannot be opened: `cannot open PATH: REASON`.
    ///
    /// # Examples
    ///
    /// ```
    /// runtime::block_on(async {
    ///     let error = runtime::fs::File::open("/no/such/file").await.unwrap_err();
    ///     assert_eq!(error.kind(), std::io::ErrorKind::NotFound);
    ///     assert!(error.to_string().starts_with("cannot open /no/such/file: "));
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn open(path: impl AsRef<Path>) -> io::Result<File> {
        let mut options = OpenOptions::new();
        options.read(true);
        options
            .open_as("runtime::fs::File::open", "open", path.as_ref())
            .await
    }

    /// Creates a file for writing, truncating it if it exists, as
    /// [`std::fs::File::create`].
    ///
    /// # Errors
    ///
    /// If the file cannot be created: `cannot create PATH: REASON`.
    ///
    /// # Examples
    ///
    /// ```
    /// runtime::block_on(async {
    ///     let path = std::env::temp_dir().join(format!("file-create-{}", std::process::id()));
    ///     let mut file = runtime::fs::File::create(&path).await?;
    ///     assert_eq!(file.metadata().await?.len(), 0);
    ///     runtime::fs::remove_file(&path).await
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn create(path: impl AsRef<Path>) -> io::Result<File> {
        let mut options = OpenOptions::new();
        options.write(true).create(true).truncate(true);
        options
            .open_as("runtime::fs::File::create", "create", path.as_ref())
            .await
    }

    /// Wraps a std file, or any descriptor held as one (a duplicate of
    /// stdout, say), to use it here. With no path to name, its errors name
    /// its descriptor: `cannot write fd 7: REASON`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::os::fd::AsFd;
    ///
    /// runtime::block_on(async {
    ///     let stdout = std::io::stdout().as_fd().try_clone_to_owned()?;
    ///     let mut out = runtime::fs::File::from_std(std::fs::File::from(stdout));
    ///     out.write_all(b"to stdout, from a helper thread\n").await?;
    ///     out.flush().await
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn from_std(std: std::fs::File) -> File {
        let name = format!("fd {}", std.as_raw_fd());
        // `fstat` does not wait for a disk: fine on this thread.
        let regular = std.metadata().is_ok_and(|m| m.is_file());
        File::new(std, PathBuf::from(name), regular)
    }

    /// Options to open a file with, as [`std::fs::File::options`].
    ///
    /// # Examples
    ///
    /// ```
    /// runtime::block_on(async {
    ///     let path = std::env::temp_dir().join(format!("file-options-{}", std::process::id()));
    ///     let mut log = runtime::fs::File::options().append(true).create(true).open(&path).await?;
    ///     log.write_all(b"one line\n").await?;
    ///     log.flush().await?;
    ///     runtime::fs::remove_file(&path).await
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn options() -> OpenOptions {
        OpenOptions::new()
    }

    /// Reads up to `buf.len()` bytes; `Ok(0)` at the end of the file (or
    /// for an empty `buf`).
    ///
    /// # Errors
    ///
    /// If the read fails (`cannot read PATH: REASON`), or if an earlier
    /// write failed (`cannot write PATH: REASON`).
    ///
    /// # Cancellation
    ///
    /// The read runs on its helper thread to its end; if the future is
    /// dropped first, its bytes are kept for the next read, so none is
    /// lost.
    ///
    /// # Examples
    ///
    /// ```
    /// runtime::block_on(async {
    ///     let path = std::env::temp_dir().join(format!("file-read-{}", std::process::id()));
    ///     runtime::fs::write(&path, "abc").await?;
    ///     let mut file = runtime::fs::File::open(&path).await?;
    ///     let mut two = [0; 2];
    ///     assert_eq!(file.read(&mut two).await?, 2);
    ///     assert_eq!(file.read(&mut two).await?, 1);
    ///     assert_eq!(file.read(&mut two).await?, 0);
    ///     runtime::fs::remove_file(&path).await
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        poll_fn(|cx| self.poll_read_inner(cx, buf)).await
    }

    /// Writes up to 2 MiB of `buf`, returning how many bytes it took. It
    /// returns once they are copied and handed to a helper thread, or
    /// staged behind the write in flight (then it waits only if 2 MiB are
    /// staged already).
    ///
    /// # Errors
    ///
    /// If an earlier write failed: `cannot write PATH: REASON` (a failed
    /// write is reported once, by an operation after it).
    ///
    /// # Cancellation
    ///
    /// If the future is dropped before it returns, none of `buf` was
    /// taken.
    ///
    /// # Examples
    ///
    /// ```
    /// runtime::block_on(async {
    ///     let path = std::env::temp_dir().join(format!("file-write-{}", std::process::id()));
    ///     let mut file = runtime::fs::File::create(&path).await?;
    ///     assert_eq!(file.write(b"abc").await?, 3);
    ///     file.flush().await?;
    ///     assert_eq!(std::fs::read(&path)?, b"abc");
    ///     runtime::fs::remove_file(&path).await
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        poll_fn(|cx| self.poll_write_inner(cx, buf)).await
    }

    /// Writes all of `buf`, in pieces of up to 2 MiB. It returns once the
    /// last piece is handed to a helper thread or staged:
    /// [`flush`](File::flush) to wait for it.
    ///
    /// # Errors
    ///
    /// If a write failed: `cannot write PATH: REASON`.
    ///
    /// # Cancellation
    ///
    /// If the future is dropped midway, a prefix of `buf` may have been
    /// written.
    ///
    /// # Examples
    ///
    /// ```
    /// runtime::block_on(async {
    ///     let path = std::env::temp_dir().join(format!("file-write-all-{}", std::process::id()));
    ///     let mut file = runtime::fs::File::create(&path).await?;
    ///     file.write_all(&vec![7; 5 << 20]).await?;
    ///     file.flush().await?;
    ///     assert_eq!(std::fs::metadata(&path)?.len(), 5 << 20);
    ///     runtime::fs::remove_file(&path).await
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn write_all(&mut self, mut buf: &[u8]) -> io::Result<()> {
        while !buf.is_empty() {
            let n = self.write(buf).await?;
            buf = &buf[n..];
        }
        Ok(())
    }

    /// Waits for the writes in flight and staged, if any; this is how a
    /// write's error is seen. It does not ask the OS to reach the disk: that is
    /// [`sync_all`](File::sync_all).
    ///
    /// # Errors
    ///
    /// If the write in flight failed: `cannot write PATH: REASON`.
    ///
    /// # Examples
    ///
    /// ```
    /// runtime::block_on(async {
    ///     let mut full = runtime::fs::File::options().write(true).open("/dev/full").await?;
    ///     full.write_all(b"no room").await?; // handed off
    ///     let error = full.flush().await.unwrap_err();
    ///     assert_eq!(error.to_string(), "cannot write /dev/full: No space left on device (os error 28)");
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn flush(&mut self) -> io::Result<()> {
        poll_fn(|cx| self.poll_flush_inner(cx)).await
    }

    /// Moves the cursor, as [`std::io::Seek::seek`]; returns the new
    /// position from the start. Bytes read ahead are accounted for, so
    /// `SeekFrom::Current` is relative to what the caller has read.
    ///
    /// # Errors
    ///
    /// If the seek fails (`cannot seek PATH: REASON`), or an earlier write
    /// failed.
    ///
    /// # Cancellation
    ///
    /// If the future is dropped before it returns, the cursor may or may
    /// not have moved.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::SeekFrom;
    ///
    /// runtime::block_on(async {
    ///     let path = std::env::temp_dir().join(format!("file-seek-{}", std::process::id()));
    ///     runtime::fs::write(&path, "0123456789").await?;
    ///     let mut file = runtime::fs::File::open(&path).await?;
    ///     assert_eq!(file.seek(SeekFrom::End(-3)).await?, 7);
    ///     let mut rest = [0; 8];
    ///     let n = file.read(&mut rest).await?;
    ///     assert_eq!(&rest[..n], b"789");
    ///     runtime::fs::remove_file(&path).await
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        poll_fn(|cx| self.poll_seek_inner(cx, pos)).await
    }

    /// Truncates or extends the file to `size` bytes, as
    /// [`std::fs::File::set_len`]; the cursor does not move.
    ///
    /// # Errors
    ///
    /// If the file is not open for writing or the call fails (`cannot set
    /// the length of PATH: REASON`), or an earlier write failed.
    ///
    /// # Cancellation
    ///
    /// If the future is dropped before it returns, the length may or may
    /// not have changed.
    ///
    /// # Examples
    ///
    /// ```
    /// runtime::block_on(async {
    ///     let path = std::env::temp_dir().join(format!("file-set-len-{}", std::process::id()));
    ///     let mut file = runtime::fs::File::create(&path).await?;
    ///     file.write_all(b"0123456789").await?;
    ///     file.set_len(4).await?;
    ///     assert_eq!(file.metadata().await?.len(), 4);
    ///     runtime::fs::remove_file(&path).await
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn set_len(&mut self, size: u64) -> io::Result<()> {
        poll_fn(|cx| self.poll_set_len(cx, size)).await
    }

    /// Waits for the write in flight, then asks the OS to put the file's
    /// data and metadata on the disk, as [`std::fs::File::sync_all`].
    ///
    /// # Errors
    ///
    /// If a write failed or the sync fails (`cannot sync PATH: REASON`).
    ///
    /// # Cancellation
    ///
    /// A sync that has started runs to its end.
    ///
    /// # Examples
    ///
    /// ```
    /// runtime::block_on(async {
    ///     let path = std::env::temp_dir().join(format!("file-sync-{}", std::process::id()));
    ///     let mut file = runtime::fs::File::create(&path).await?;
    ///     file.write_all(b"durable").await?;
    ///     file.sync_all().await?;
    ///     runtime::fs::remove_file(&path).await
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn sync_all(&mut self) -> io::Result<()> {
        self.flush().await?;
        let std = self.std.clone();
        let synced = unblock("runtime::fs::File::sync_all", move || std.sync_all()).await;
        synced.map_err(|e| self.error("sync", e))
    }

    /// Like [`sync_all`](File::sync_all), but the metadata only as far as
    /// needed to read the data back, as [`std::fs::File::sync_data`].
    ///
    /// # Errors
    ///
    /// If a write failed or the sync fails (`cannot sync PATH: REASON`).
    ///
    /// # Cancellation
    ///
    /// A sync that has started runs to its end.
    ///
    /// # Examples
    ///
    /// ```
    /// runtime::block_on(async {
    ///     let path = std::env::temp_dir().join(format!("file-sync-data-{}", std::process::id()));
    ///     let mut file = runtime::fs::File::create(&path).await?;
    ///     file.write_all(b"data").await?;
    ///     file.sync_data().await?;
    ///     runtime::fs::remove_file(&path).await
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn sync_data(&mut self) -> io::Result<()> {
        self.flush().await?;
        let std = self.std.clone();
        let synced = unblock("runtime::fs::File::sync_data", move || std.sync_data()).await;
        synced.map_err(|e| self.error("sync", e))
    }

    /// The file's metadata, after the write in flight (so its length
    /// counts every write that has returned).
    ///
    /// # Errors
    ///
    /// If a write failed, or the call fails (`cannot read metadata of PATH:
    /// REASON`).
    ///
    /// # Examples
    ///
    /// ```
    /// runtime::block_on(async {
    ///     let path = std::env::temp_dir().join(format!("file-metadata-{}", std::process::id()));
    ///     let mut file = runtime::fs::File::create(&path).await?;
    ///     file.write_all(b"12345").await?;
    ///     assert_eq!(file.metadata().await?.len(), 5);
    ///     runtime::fs::remove_file(&path).await
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn metadata(&mut self) -> io::Result<Metadata> {
        self.flush().await?;
        let std = self.std.clone();
        let metadata = unblock("runtime::fs::File::metadata", move || std.metadata()).await;
        metadata.map_err(|e| self.error("read metadata of", e))
    }
}

impl AsFd for File {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.std.as_fd()
    }
}

impl fmt::Debug for File {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("File");
        s.field("path", &self.path);
        match &self.state {
            State::Idle(buf) => s.field("read_ahead", &buf.len()),
            State::Busy { write, .. } => s.field("busy", &true).field("writing", write),
        };
        s.field("staged", &lock(&self.staged).len()).finish()
    }
}

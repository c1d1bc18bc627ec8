//! The whole-file and path functions of [`fs`](super): each is one std call
//! on the blocking pool (`unblock` in `mod.rs`), its error naming its path.

use std::fs::Metadata;
use std::io;
use std::path::Path;

use super::{path_error, two_path_error, unblock};

/// Runs `f(path)` on the blocking pool; its error names `op` and `path`.
async fn on_path<T, F>(what: &str, op: &'static str, path: &Path, f: F) -> io::Result<T>
where
    F: FnOnce(&Path) -> io::Result<T> + Send + 'static,
    T: Send + 'static,
{
    let path = path.to_owned();
    unblock(what, move || f(&path).map_err(|e| path_error(op, &path, e))).await
}

/// Runs `f(from, to)` on the blocking pool; its error names `op` and both.
async fn on_paths<T, F>(what: &str, op: &'static str, from: &Path, to: &Path, f: F) -> io::Result<T>
where
    F: FnOnce(&Path, &Path) -> io::Result<T> + Send + 'static,
    T: Send + 'static,
{
    let (from, to) = (from.to_owned(), to.to_owned());
    unblock(what, move || {
        f(&from, &to).map_err(|e| two_path_error(op, &from, &to, e))
    })
    .await
}

/// Reads a whole file: [`std::fs::read`] on the blocking pool.
///
/// # Errors
///
/// If the file cannot be opened or read; the error names the path.
///
/// # Examples
///
/// ```
/// runtime::block_on(async {
///     let path = std::env::temp_dir().join(format!("fs-read-{}", std::process::id()));
///     runtime::fs::write(&path, [1, 2, 3]).await?;
///     assert_eq!(runtime::fs::read(&path).await?, [1, 2, 3]);
///     runtime::fs::remove_file(&path).await
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub async fn read(path: impl AsRef<Path>) -> io::Result<Vec<u8>> {
    on_path("runtime::fs::read", "read", path.as_ref(), |p| {
        std::fs::read(p)
    })
    .await
}

/// Reads a whole file as UTF-8: [`std::fs::read_to_string`] on the
/// blocking pool.
///
/// # Errors
///
/// If the file cannot be opened or read, or is not UTF-8 (then of kind
/// `InvalidData`); the error names the path.
///
/// # Examples
///
/// ```
/// runtime::block_on(async {
///     let path = std::env::temp_dir().join(format!("fs-string-{}", std::process::id()));
///     runtime::fs::write(&path, "héllo").await?;
///     assert_eq!(runtime::fs::read_to_string(&path).await?, "héllo");
///     runtime::fs::remove_file(&path).await
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub async fn read_to_string(path: impl AsRef<Path>) -> io::Result<String> {
    on_path("runtime::fs::read_to_string", "read", path.as_ref(), |p| {
        std::fs::read_to_string(p)
    })
    .await
}

/// Creates or truncates a file and writes `contents` to it:
/// [`std::fs::write`] on the blocking pool. The bytes are copied first,
/// so that the helper thread owns them.
///
/// # Errors
///
/// If the file cannot be created or written; the error names the path.
///
/// # Cancellation
///
/// The write runs to its end even if the future is dropped.
///
/// # Examples
///
/// ```
/// runtime::block_on(async {
///     let path = std::env::temp_dir().join(format!("fs-write-{}", std::process::id()));
///     runtime::fs::write(&path, b"bytes").await?;
///     assert_eq!(std::fs::read(&path)?, b"bytes");
///     runtime::fs::remove_file(&path).await
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub async fn write(path: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> io::Result<()> {
    let contents = contents.as_ref().to_owned();
    on_path("runtime::fs::write", "write", path.as_ref(), move |p| {
        std::fs::write(p, contents)
    })
    .await
}

/// Creates a directory and any missing parents:
/// [`std::fs::create_dir_all`] on the blocking pool. A directory that
/// exists already is not an error.
///
/// # Errors
///
/// If a directory cannot be created (or a file is in the way); the error
/// names the path.
///
/// # Examples
///
/// ```
/// runtime::block_on(async {
///     let top = std::env::temp_dir().join(format!("fs-mkdir-{}", std::process::id()));
///     runtime::fs::create_dir_all(top.join("a/b/c")).await?;
///     assert!(top.join("a/b/c").is_dir());
///     runtime::fs::remove_dir_all(&top).await
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub async fn create_dir_all(path: impl AsRef<Path>) -> io::Result<()> {
    on_path(
        "runtime::fs::create_dir_all",
        "create directory",
        path.as_ref(),
        |p| std::fs::create_dir_all(p),
    )
    .await
}

/// Removes a file (or a symbolic link): [`std::fs::remove_file`] on the
/// blocking pool.
///
/// # Errors
///
/// If there is no such file, or it is a directory, or it cannot be
/// removed; the error names the path.
///
/// # Examples
///
/// ```
/// runtime::block_on(async {
///     let path = std::env::temp_dir().join(format!("fs-rm-{}", std::process::id()));
///     runtime::fs::write(&path, "").await?;
///     runtime::fs::remove_file(&path).await?;
///     let again = runtime::fs::remove_file(&path).await.unwrap_err();
///     assert_eq!(again.kind(), std::io::ErrorKind::NotFound);
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub async fn remove_file(path: impl AsRef<Path>) -> io::Result<()> {
    on_path("runtime::fs::remove_file", "remove", path.as_ref(), |p| {
        std::fs::remove_file(p)
    })
    .await
}

/// Removes a directory and everything in it: [`std::fs::remove_dir_all`]
/// on the blocking pool (one hop for the whole tree).
///
/// # Errors
///
/// If the directory does not exist or something in it cannot be removed;
/// the error names the directory.
///
/// # Examples
///
/// ```
/// runtime::block_on(async {
///     let top = std::env::temp_dir().join(format!("fs-rmdir-{}", std::process::id()));
///     runtime::fs::create_dir_all(top.join("sub")).await?;
///     runtime::fs::write(top.join("sub/file"), "x").await?;
///     runtime::fs::remove_dir_all(&top).await?;
///     assert!(!top.exists());
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub async fn remove_dir_all(path: impl AsRef<Path>) -> io::Result<()> {
    on_path(
        "runtime::fs::remove_dir_all",
        "remove directory",
        path.as_ref(),
        |p| std::fs::remove_dir_all(p),
    )
    .await
}

/// Renames a file or directory, replacing `to` if it is a file:
/// [`std::fs::rename`] on the blocking pool (atomic within one file
/// system).
///
/// # Errors
///
/// If `from` does not exist, `to` is on another file system, or the rename
/// is refused; the error names both paths.
///
/// # Examples
///
/// ```
/// runtime::block_on(async {
///     let dir = std::env::temp_dir();
///     let (a, b) = (dir.join(format!("fs-mv-a-{}", std::process::id())), dir.join(format!("fs-mv-b-{}", std::process::id())));
///     runtime::fs::write(&a, "moved").await?;
///     runtime::fs::rename(&a, &b).await?;
///     assert_eq!(runtime::fs::read_to_string(&b).await?, "moved");
///     runtime::fs::remove_file(&b).await
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub async fn rename(from: impl AsRef<Path>, to: impl AsRef<Path>) -> io::Result<()> {
    on_paths(
        "runtime::fs::rename",
        "rename",
        from.as_ref(),
        to.as_ref(),
        |from, to| std::fs::rename(from, to),
    )
    .await
}

/// Reads a path's metadata, following symbolic links:
/// [`std::fs::metadata`] on the blocking pool.
///
/// # Errors
///
/// If the path does not exist or cannot be inspected; the error names it.
///
/// # Examples
///
/// ```
/// runtime::block_on(async {
///     let meta = runtime::fs::metadata(std::env::temp_dir()).await?;
///     assert!(meta.is_dir());
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub async fn metadata(path: impl AsRef<Path>) -> io::Result<Metadata> {
    on_path(
        "runtime::fs::metadata",
        "read metadata of",
        path.as_ref(),
        |p| std::fs::metadata(p),
    )
    .await
}

/// Copies a file's contents and permissions to another, replacing it:
/// [`std::fs::copy`] on the blocking pool (in the kernel, with
/// `copy_file_range`, where it can). Returns the bytes copied.
///
/// # Errors
///
/// If `from` cannot be read or `to` cannot be written; the error names
/// both paths.
///
/// # Examples
///
/// ```
/// runtime::block_on(async {
///     let dir = std::env::temp_dir();
///     let (a, b) = (dir.join(format!("fs-cp-a-{}", std::process::id())), dir.join(format!("fs-cp-b-{}", std::process::id())));
///     runtime::fs::write(&a, "twice").await?;
///     assert_eq!(runtime::fs::copy(&a, &b).await?, 5);
///     assert_eq!(runtime::fs::read(&b).await?, b"twice");
///     runtime::fs::remove_file(&a).await?;
///     runtime::fs::remove_file(&b).await
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub async fn copy(from: impl AsRef<Path>, to: impl AsRef<Path>) -> io::Result<u64> {
    on_paths(
        "runtime::fs::copy",
        "copy",
        from.as_ref(),
        to.as_ref(),
        |from, to| std::fs::copy(from, to),
    )
    .await
}

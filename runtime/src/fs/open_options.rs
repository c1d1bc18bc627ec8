//! [`OpenOptions`]: std's builder for how to open a [`File`], whose `open`
//! runs on the blocking pool.

use std::io;
use std::path::Path;

use super::{File, path_error, unblock};

/// How to open a file: [`std::fs::OpenOptions`], with an async
/// [`open`](OpenOptions::open). The builder methods are std's.
///
/// # Examples
///
/// ```
/// use runtime::fs::OpenOptions;
///
/// runtime::block_on(async {
///     let path = std::env::temp_dir().join(format!("options-{}", std::process::id()));
///     let mut file = OpenOptions::new().write(true).create_new(true).open(&path).await?;
///     file.write_all(b"new").await?;
///     file.flush().await?;
///     let again = OpenOptions::new().write(true).create_new(true).open(&path).await.unwrap_err();
///     assert_eq!(again.kind(), std::io::ErrorKind::AlreadyExists);
///     runtime::fs::remove_file(&path).await
/// })?;
/// # std::io::Result::Ok(())
/// ```
#[derive(Debug, Clone)]
pub struct OpenOptions(std::fs::OpenOptions);

impl OpenOptions {
    /// Options with every flag off, as [`std::fs::OpenOptions::new`].
    ///
    /// # Examples
    ///
    /// ```
    /// let mut options = runtime::fs::OpenOptions::new();
    /// options.read(true);
    /// ```
    #[allow(clippy::new_without_default)] // as std's
    pub fn new() -> OpenOptions {
        OpenOptions(std::fs::OpenOptions::new())
    }

    /// Opens for reading.
    ///
    /// # Examples
    ///
    /// ```
    /// runtime::block_on(async {
    ///     let file = runtime::fs::OpenOptions::new().read(true).open("/dev/null").await?;
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn read(&mut self, read: bool) -> &mut OpenOptions {
        self.0.read(read);
        self
    }

    /// Opens for writing (from the start, over what is there).
    ///
    /// # Examples
    ///
    /// ```
    /// runtime::block_on(async {
    ///     let file = runtime::fs::OpenOptions::new().write(true).open("/dev/null").await?;
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn write(&mut self, write: bool) -> &mut OpenOptions {
        self.0.write(write);
        self
    }

    /// Opens for appending: every write goes to the end.
    ///
    /// # Examples
    ///
    /// ```
    /// runtime::block_on(async {
    ///     let path = std::env::temp_dir().join(format!("options-append-{}", std::process::id()));
    ///     runtime::fs::write(&path, "a").await?;
    ///     let mut file = runtime::fs::OpenOptions::new().append(true).open(&path).await?;
    ///     file.write_all(b"b").await?;
    ///     file.flush().await?;
    ///     assert_eq!(runtime::fs::read(&path).await?, b"ab");
    ///     runtime::fs::remove_file(&path).await
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn append(&mut self, append: bool) -> &mut OpenOptions {
        self.0.append(append);
        self
    }

    /// Truncates the file to nothing when it opens (needs `write`).
    ///
    /// # Examples
    ///
    /// ```
    /// runtime::block_on(async {
    ///     let path = std::env::temp_dir().join(format!("options-truncate-{}", std::process::id()));
    ///     runtime::fs::write(&path, "old").await?;
    ///     runtime::fs::OpenOptions::new().write(true).truncate(true).open(&path).await?;
    ///     assert!(runtime::fs::read(&path).await?.is_empty());
    ///     runtime::fs::remove_file(&path).await
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn truncate(&mut self, truncate: bool) -> &mut OpenOptions {
        self.0.truncate(truncate);
        self
    }

    /// Creates the file if it does not exist (needs `write` or `append`).
    ///
    /// # Examples
    ///
    /// ```
    /// runtime::block_on(async {
    ///     let path = std::env::temp_dir().join(format!("options-create-{}", std::process::id()));
    ///     runtime::fs::OpenOptions::new().write(true).create(true).open(&path).await?;
    ///     assert!(path.exists());
    ///     runtime::fs::remove_file(&path).await
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn create(&mut self, create: bool) -> &mut OpenOptions {
        self.0.create(create);
        self
    }

    /// Creates the file, failing with `AlreadyExists` if it exists
    /// (atomically: `O_EXCL`); `create` and `truncate` are then ignored.
    ///
    /// # Examples
    ///
    /// ```
    /// runtime::block_on(async {
    ///     let error = runtime::fs::OpenOptions::new()
    ///         .write(true)
    ///         .create_new(true)
    ///         .open(std::env::temp_dir())
    ///         .await
    ///         .unwrap_err();
    ///     assert_eq!(error.kind(), std::io::ErrorKind::AlreadyExists);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn create_new(&mut self, create_new: bool) -> &mut OpenOptions {
        self.0.create_new(create_new);
        self
    }

    /// The permission bits a created file gets (before the umask), as
    /// [`std::os::unix::fs::OpenOptionsExt::mode`]; `0o666` by default.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::os::unix::fs::PermissionsExt;
    ///
    /// runtime::block_on(async {
    ///     let path = std::env::temp_dir().join(format!("options-mode-{}", std::process::id()));
    ///     let mut options = runtime::fs::OpenOptions::new();
    ///     let file = options.write(true).create(true).mode(0o600).open(&path).await?;
    ///     assert_eq!(runtime::fs::metadata(&path).await?.permissions().mode() & 0o777, 0o600);
    ///     runtime::fs::remove_file(&path).await
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn mode(&mut self, mode: u32) -> &mut OpenOptions {
        std::os::unix::fs::OpenOptionsExt::mode(&mut self.0, mode);
        self
    }

    /// Extra `open(2)` flags, as
    /// [`std::os::unix::fs::OpenOptionsExt::custom_flags`].
    ///
    /// # Examples
    ///
    /// ```
    /// runtime::block_on(async {
    ///     const O_DSYNC: i32 = 0o10000; // Linux: each write waits for the disk
    ///     let mut options = runtime::fs::OpenOptions::new();
    ///     options.write(true).custom_flags(O_DSYNC);
    ///     options.open("/dev/null").await?;
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn custom_flags(&mut self, flags: i32) -> &mut OpenOptions {
        std::os::unix::fs::OpenOptionsExt::custom_flags(&mut self.0, flags);
        self
    }

    /// Opens `path` with these options, on the blocking pool.
    ///
    /// # Errors
    ///
    /// If the file cannot be opened: `cannot open PATH: REASON`, of std's
    /// kind (`NotFound`, `PermissionDenied`, `AlreadyExists`, ...).
    ///
    /// # Examples
    ///
    /// ```
    /// runtime::block_on(async {
    ///     let error = runtime::fs::OpenOptions::new().read(true).open("/no/such").await.unwrap_err();
    ///     assert!(error.to_string().starts_with("cannot open /no/such: "), "{error}");
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn open(&self, path: impl AsRef<Path>) -> io::Result<File> {
        self.open_as("runtime::fs::OpenOptions::open", "open", path.as_ref())
            .await
    }

    /// Opens `path`; an error says `cannot {op} {path}`.
    pub(super) async fn open_as(
        &self,
        what: &str,
        op: &'static str,
        path: &Path,
    ) -> io::Result<File> {
        let (options, path) = (self.0.clone(), path.to_owned());
        let (opened, path) = unblock(what, move || {
            let opened = options.open(&path).map(|file| {
                let regular = file.metadata().is_ok_and(|m| m.is_file());
                (file, regular)
            });
            (opened, path)
        })
        .await;
        match opened {
            Ok((file, regular)) => Ok(File::new(file, path, regular)),
            Err(e) => Err(path_error(op, &path, e)),
        }
    }
}

impl From<std::fs::OpenOptions> for OpenOptions {
    fn from(options: std::fs::OpenOptions) -> OpenOptions {
        OpenOptions(options)
    }
}

//! [`Sink`]: where one body goes — nowhere (counted only), a file written
//! through a temporary `.part` and renamed when complete, or stdout.
//!
//! Files and pipes block, and the runtime has one thread, so no write runs
//! on it: the sink writes through [`runtime::fs::File`], whose writes run
//! on the runtime's blocking pool. Chunks are gathered into a buffer of
//! [`BUFFER`] bytes, so that a full buffer costs one trip to a helper
//! thread; `File::write_all` returns once it is handed off, and the next
//! one fills while it is written. Two buffers per download at most (the
//! sink's and the file's), whatever its size.

use std::io;
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};

use runtime::fs::{self, File};

use super::resume::record_path;

/// Bytes gathered before a write is handed to a helper thread.
pub(crate) const BUFFER: usize = 256 * 1024;

/// What went wrong writing a body.
#[derive(Debug)]
pub(crate) enum SinkError {
    /// stdout was closed by its reader (`EPIPE`): stop, quietly.
    ClosedStdout,
    /// Any other write error, with a message naming the file.
    Write(String),
}

impl std::fmt::Display for SinkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SinkError::ClosedStdout => f.write_str("stdout was closed"),
            SinkError::Write(message) => f.write_str(message),
        }
    }
}

/// How a file sink begins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Start {
    /// A new `.part` (replacing any leftover), with the text of its
    /// validator record, if the response had a validator.
    New(Option<String>),
    /// After the bytes the `.part` holds (a resumed download).
    Append,
}

/// Where the bytes of one body are written.
#[derive(Debug, Clone)]
enum Target {
    /// A file: the temporary path written, and the final name.
    File { part: PathBuf, path: PathBuf },
    /// Standard output.
    Stdout,
}

/// The destination of one body.
#[derive(Debug)]
pub(crate) struct Sink {
    /// `None` counts the bytes and drops them.
    target: Option<Target>,
    /// The open `.part` file or a duplicate of stdout (`None` when
    /// discarding, and once the sink is done with it).
    file: Option<File>,
    /// Bytes gathered for the next write.
    buffer: Vec<u8>,
    /// Bytes handed to [`write`](Sink::write) so far.
    written: u64,
}

impl Sink {
    /// A sink that only counts.
    pub(crate) fn discard() -> Sink {
        Sink::with(None, None)
    }

    /// A sink that writes standard output, through a duplicate of its
    /// descriptor (which shares its offset and flags: `>>` still appends).
    ///
    /// # Errors
    ///
    /// If the descriptor cannot be duplicated (no descriptor left).
    pub(crate) fn stdout() -> Result<Sink, SinkError> {
        let fd = io::stdout()
            .as_fd()
            .try_clone_to_owned()
            .map_err(|e| SinkError::Write(format!("cannot write stdout: {e}")))?;
        let file = File::from_std(std::fs::File::from(fd));
        Ok(Sink::with(Some(Target::Stdout), Some(file)))
    }

    /// A sink that writes `path` through `.NAME.part` beside it, from
    /// its start or after the bytes a `.part` holds already.
    ///
    /// A new `.part` gets its validator record beside it (see the
    /// `resume` module), so that the download can be resumed if this run
    /// stops early; without a validator, a stale record is removed.
    ///
    /// # Errors
    ///
    /// If the `.part` file cannot be created or opened, or the record not
    /// written.
    pub(crate) async fn file(path: PathBuf, start: Start) -> Result<Sink, SinkError> {
        let part = part_path(&path);
        let record = record_path(&part);
        let write_error = |e: io::Error| SinkError::Write(e.to_string());
        let file = match start {
            Start::New(validator_record) => {
                let file = File::create(&part).await.map_err(write_error)?;
                match validator_record {
                    Some(text) => fs::write(&record, text).await.map_err(write_error)?,
                    // Gone already, most of the time.
                    None => drop(fs::remove_file(&record).await),
                }
                file
            }
            Start::Append => File::options()
                .append(true)
                .open(&part)
                .await
                .map_err(write_error)?,
        };
        Ok(Sink::with(Some(Target::File { part, path }), Some(file)))
    }

    fn with(target: Option<Target>, file: Option<File>) -> Sink {
        Sink {
            target,
            file,
            buffer: Vec::new(),
            written: 0,
        }
    }

    /// Whether bytes may already have left for good (stdout cannot be
    /// taken back, so a failed download there is not retried).
    pub(crate) fn is_irrevocable(&self) -> bool {
        matches!(self.target, Some(Target::Stdout)) && self.written > 0
    }

    /// The final path, for a file sink.
    pub(crate) fn path(&self) -> Option<&Path> {
        match &self.target {
            Some(Target::File { path, .. }) => Some(path),
            _ => None,
        }
    }

    /// Adds `data` to the body; may wait for the previous write.
    ///
    /// # Errors
    ///
    /// The error of a write handed off earlier.
    pub(crate) async fn write(&mut self, data: &[u8]) -> Result<(), SinkError> {
        self.written += data.len() as u64;
        if self.target.is_none() {
            return Ok(());
        }
        if self.buffer.capacity() == 0 {
            self.buffer.reserve_exact(BUFFER);
        }
        self.buffer.extend_from_slice(data);
        if self.buffer.len() >= BUFFER {
            self.hand_off().await?;
        }
        Ok(())
    }

    /// Hands the gathered bytes to the file (which waits for its write in
    /// flight first).
    async fn hand_off(&mut self) -> Result<(), SinkError> {
        if let Some(file) = &mut self.file
            && !self.buffer.is_empty()
        {
            let written = file.write_all(&self.buffer).await;
            self.buffer.clear();
            written.map_err(|e| self.error(e))?;
        }
        Ok(())
    }

    fn error(&self, e: io::Error) -> SinkError {
        match &self.target {
            Some(Target::Stdout) if e.kind() == io::ErrorKind::BrokenPipe => {
                SinkError::ClosedStdout
            }
            // The file's errors name its descriptor; say "stdout" instead,
            // with the OS's reason (the error's source).
            Some(Target::Stdout) => {
                let reason = std::error::Error::source(&e).map_or(e.to_string(), |s| s.to_string());
                SinkError::Write(format!("cannot write stdout: {reason}"))
            }
            // `cannot write PATH: REASON`, from runtime::fs.
            _ => SinkError::Write(e.to_string()),
        }
    }

    /// Writes what is left and, for a file, renames the `.part` to its
    /// final name. Returns the bytes written.
    ///
    /// # Errors
    ///
    /// A write or rename error; the `.part` file is removed then.
    pub(crate) async fn finish(mut self) -> Result<u64, SinkError> {
        if let Err(e) = self.complete().await {
            self.abort(false).await;
            return Err(e);
        }
        Ok(self.written)
    }

    async fn complete(&mut self) -> Result<(), SinkError> {
        self.hand_off().await?;
        if let Some(file) = &mut self.file {
            let flushed = file.flush().await;
            flushed.map_err(|e| self.error(e))?;
        }
        // Closed here: nothing is in flight after the flush. No fsync:
        // like curl, durability is the OS's job.
        self.file = None;
        if let Some(Target::File { part, path }) = &self.target {
            fs::rename(part, path)
                .await
                .map_err(|e| SinkError::Write(e.to_string()))?;
            // Its job is done; if it cannot go, a later -C finds no .part
            // beside it and ignores it.
            let _ = fs::remove_file(record_path(part)).await;
        }
        Ok(())
    }

    /// Gives up: closes the file (a write in flight finishes on its helper
    /// thread, its error no longer mattering) and removes the `.part` and
    /// its record, unless `keep` (`-C` after a network failure: the next
    /// run resumes them).
    pub(crate) async fn abort(mut self, keep: bool) {
        if keep {
            // The bytes received so far go to disk for the next run (a
            // failed write keeps a shorter prefix: still no hole).
            let _ = self.hand_off().await;
            if let Some(file) = &mut self.file {
                let _ = file.flush().await;
            }
        }
        self.file = None;
        if let Some(Target::File { part, .. }) = self.target.take()
            && !keep
        {
            // The file may never have been created (or be renamed
            // already); nothing else to do then.
            let _ = fs::remove_file(record_path(&part)).await;
            let _ = fs::remove_file(part).await;
        }
    }
}

/// `DIR/.NAME.part` for `DIR/NAME`.
pub(crate) fn part_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.part"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("fetch-sink-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_finished_file_replaces_its_part() {
        let dir = temp("finish");
        let path = dir.join("1");
        let data: Vec<u8> = (0..BUFFER * 3 + 17).map(|i| i as u8).collect();
        runtime::block_on(async {
            let mut sink = Sink::file(path.clone(), Start::New(None)).await.unwrap();
            assert!(part_path(&path).exists());
            for chunk in data.chunks(10_000) {
                sink.write(chunk).await.unwrap();
            }
            assert_eq!(sink.finish().await.unwrap(), data.len() as u64);
        });
        assert_eq!(std::fs::read(&path).unwrap(), data);
        assert!(!part_path(&path).exists());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn an_aborted_file_leaves_nothing() {
        let dir = temp("abort");
        let path = dir.join("2");
        runtime::block_on(async {
            let mut sink = Sink::file(path.clone(), Start::New(None)).await.unwrap();
            sink.write(&[1; BUFFER + 1]).await.unwrap();
            sink.abort(false).await;
        });
        assert!(!path.exists() && !part_path(&path).exists());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_kept_part_has_every_byte_received_and_its_record_and_resumes() {
        let dir = temp("keep");
        let path = dir.join("3");
        let part = part_path(&path);
        let first: Vec<u8> = (0..BUFFER + 100).map(|i| i as u8).collect();
        runtime::block_on(async {
            let mut sink = Sink::file(path.clone(), Start::New(Some("url x\netag \"v\"\n".into())))
                .await
                .unwrap();
            sink.write(&first).await.unwrap();
            sink.abort(true).await;
        });
        assert_eq!(
            std::fs::read(&part).unwrap(),
            first,
            "the buffered tail too"
        );
        assert!(record_path(&part).exists());
        runtime::block_on(async {
            let mut sink = Sink::file(path.clone(), Start::Append).await.unwrap();
            sink.write(b"rest").await.unwrap();
            assert_eq!(sink.finish().await.unwrap(), 4, "bytes of this run");
        });
        let mut whole = first.clone();
        whole.extend_from_slice(b"rest");
        assert_eq!(std::fs::read(&path).unwrap(), whole);
        assert!(!part.exists() && !record_path(&part).exists(), "both gone");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_new_part_without_a_validator_drops_a_stale_record() {
        let dir = temp("stale");
        let path = dir.join("4");
        let record = record_path(&part_path(&path));
        std::fs::write(&record, "url old\netag \"old\"\n").unwrap();
        runtime::block_on(async {
            let sink = Sink::file(path.clone(), Start::New(None)).await.unwrap();
            assert!(!record.exists());
            sink.abort(false).await;
        });
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_write_error_names_the_file() {
        // /dev/full accepts the open and fails every write with ENOSPC.
        if !Path::new("/dev/full").exists() {
            return;
        }
        runtime::block_on(async {
            let file = File::options().write(true).open("/dev/full").await.unwrap();
            let mut sink = Sink::with(
                Some(Target::File {
                    part: "/dev/full".into(),
                    path: "/nonexistent/never".into(),
                }),
                Some(file),
            );
            sink.write(&[0; BUFFER]).await.unwrap(); // handed off
            let error = sink.complete().await.unwrap_err().to_string();
            assert!(error.starts_with("cannot write /dev/full: "), "{error}");
        });
    }
}

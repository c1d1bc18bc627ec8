//! [`Sink`]: where one body goes — nowhere (counted only), a file written
//! through a temporary `.part` and renamed when complete, or stdout.
//!
//! Files and pipes block, and the runtime has one thread, so no write runs
//! on it: chunks are gathered into a buffer of [`BUFFER`] bytes, and a full
//! buffer goes to a helper thread ([`runtime::spawn_blocking`]) while the
//! next one fills — two buffers per download at most, whatever its size.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use runtime::JoinHandle;

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
    /// The open `.part` file.
    file: Option<Arc<File>>,
    /// Bytes waiting to be written.
    buffer: Vec<u8>,
    /// The write in progress; it gives back its (emptied) buffer.
    writing: Option<JoinHandle<io::Result<Vec<u8>>>>,
    /// Bytes handed to [`write`](Sink::write) so far.
    written: u64,
}

impl Sink {
    /// A sink that only counts.
    pub(crate) fn discard() -> Sink {
        Sink::with_target(None)
    }

    /// A sink that writes standard output.
    pub(crate) fn stdout() -> Sink {
        Sink::with_target(Some(Target::Stdout))
    }

    /// A sink that writes `path` through `.NAME.part` beside it.
    ///
    /// # Errors
    ///
    /// If the `.part` file cannot be created.
    pub(crate) async fn file(path: PathBuf) -> Result<Sink, SinkError> {
        let part = part_path(&path);
        let open = part.clone();
        let file = runtime::spawn_blocking(move || File::create(&open))
            .await
            .map_err(|e| SinkError::Write(e.to_string()))?
            .map_err(|e| SinkError::Write(format!("cannot create {}: {e}", part.display())))?;
        let mut sink = Sink::with_target(Some(Target::File { part, path }));
        sink.file = Some(Arc::new(file));
        Ok(sink)
    }

    fn with_target(target: Option<Target>) -> Sink {
        Sink {
            target,
            file: None,
            buffer: Vec::new(),
            writing: None,
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
            self.flush().await?;
        }
        Ok(())
    }

    /// Waits for the write in progress, then hands the buffer off.
    async fn flush(&mut self) -> Result<(), SinkError> {
        let spare = self.wait().await?;
        let full = std::mem::replace(&mut self.buffer, spare);
        if full.is_empty() {
            return Ok(());
        }
        let file = self.file.clone();
        self.writing = Some(runtime::spawn_blocking(move || {
            let mut full = full;
            match file {
                Some(file) => (&*file).write_all(&full)?,
                None => {
                    let mut out = io::stdout().lock();
                    out.write_all(&full)?;
                    out.flush()?;
                }
            }
            full.clear();
            Ok(full)
        }));
        Ok(())
    }

    /// Waits for the write in progress; its emptied buffer, or a new one.
    async fn wait(&mut self) -> Result<Vec<u8>, SinkError> {
        let Some(writing) = self.writing.take() else {
            return Ok(Vec::new());
        };
        match writing.await {
            Ok(Ok(buffer)) => Ok(buffer),
            Ok(Err(e)) => Err(self.error(e)),
            Err(e) => Err(SinkError::Write(format!("the writer thread failed: {e}"))),
        }
    }

    fn error(&self, e: io::Error) -> SinkError {
        match &self.target {
            Some(Target::Stdout) if e.kind() == io::ErrorKind::BrokenPipe => {
                SinkError::ClosedStdout
            }
            Some(Target::Stdout) => SinkError::Write(format!("writing stdout: {e}")),
            Some(Target::File { part, .. }) => {
                SinkError::Write(format!("writing {}: {e}", part.display()))
            }
            None => SinkError::Write(e.to_string()),
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
            self.abort().await;
            return Err(e);
        }
        Ok(self.written)
    }

    async fn complete(&mut self) -> Result<(), SinkError> {
        self.flush().await?;
        self.wait().await?;
        if let (Some(Target::File { part, path }), Some(file)) = (&self.target, self.file.take()) {
            let (part, path) = (part.clone(), path.clone());
            runtime::spawn_blocking(move || {
                drop(file); // no fsync: like curl, durability is the OS's job
                std::fs::rename(&part, &path)
                    .map_err(|e| format!("renaming {} to {}: {e}", part.display(), path.display()))
            })
            .await
            .map_err(|e| SinkError::Write(e.to_string()))?
            .map_err(SinkError::Write)?;
        }
        Ok(())
    }

    /// Gives up: waits for the write in progress and removes the `.part`.
    pub(crate) async fn abort(mut self) {
        // Its error no longer matters: the body is being thrown away.
        let _ = self.wait().await;
        if let Some(Target::File { part, .. }) = self.target.take() {
            self.file = None;
            // The file may never have been created; nothing else to do.
            let _ = runtime::spawn_blocking(move || std::fs::remove_file(part)).await;
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
            let mut sink = Sink::file(path.clone()).await.unwrap();
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
            let mut sink = Sink::file(path.clone()).await.unwrap();
            sink.write(&[1; BUFFER + 1]).await.unwrap();
            sink.abort().await;
        });
        assert!(!path.exists() && !part_path(&path).exists());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_write_error_names_the_file() {
        // /dev/full accepts the open and fails every write with ENOSPC.
        if !Path::new("/dev/full").exists() {
            return;
        }
        runtime::block_on(async {
            let file = File::options().write(true).open("/dev/full").unwrap();
            let mut sink = Sink::with_target(Some(Target::File {
                part: "/dev/full".into(),
                path: "/nonexistent/never".into(),
            }));
            sink.file = Some(Arc::new(file));
            sink.write(&[0; BUFFER]).await.unwrap(); // handed off
            let error = sink.complete().await.unwrap_err().to_string();
            assert!(error.starts_with("writing /dev/full: "), "{error}");
        });
    }
}

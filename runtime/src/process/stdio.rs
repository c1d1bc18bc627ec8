//! The pipes to a child: [`ChildStdin`], [`ChildStdout`], [`ChildStderr`],
//! each std's pipe in an [`Async`](crate::io::Async) (non-blocking,
//! registered with the reactor), with `read`/`write_all` of their own and,
//! with the default feature `futures-io`, the futures-io traits.

use std::fmt;
use std::io::{self, Write};
use std::os::fd::{AsFd, BorrowedFd};
#[cfg(feature = "futures-io")]
use std::pin::Pin;
#[cfg(feature = "futures-io")]
use std::task::{Context, Poll};

use crate::io::Async;

/// Reads of a growing buffer go through a chunk of this size.
const CHUNK: usize = 16 * 1024;

/// The child's standard input: a pipe it reads. Drop it to close the pipe,
/// so that the child reads the end of its input.
///
/// With the default feature `futures-io` it implements
/// `futures_io::AsyncWrite` (`poll_close` only flushes; dropping closes).
///
/// # Examples
///
/// ```
/// use std::process::Stdio;
/// use runtime::process::Command;
///
/// runtime::block_on(async {
///     let mut child = Command::new("wc").arg("-c")
///         .stdin(Stdio::piped()).stdout(Stdio::piped()).spawn()?;
///     let mut stdin = child.stdin.take().expect("piped");
///     stdin.write_all(&[b'x'; 100_000]).await?;
///     drop(stdin);
///     let output = child.wait_with_output().await?;
///     assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "100000");
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub struct ChildStdin {
    io: Async<std::process::ChildStdin>,
}

impl ChildStdin {
    /// Takes over std's pipe: makes it non-blocking and registers it with
    /// the current runtime.
    ///
    /// # Errors
    ///
    /// Outside a runtime, or if the pipe cannot be registered.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::process::Stdio;
    /// use runtime::process::ChildStdin;
    ///
    /// runtime::block_on(async {
    ///     let mut std_child = std::process::Command::new("cat")
    ///         .stdin(Stdio::piped()).stdout(Stdio::null()).spawn()?;
    ///     let mut stdin = ChildStdin::from_std(std_child.stdin.take().expect("piped"))?;
    ///     stdin.write_all(b"hi").await?;
    ///     drop(stdin);
    ///     std_child.wait()?; // std's own blocking wait, for brevity
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn from_std(inner: std::process::ChildStdin) -> io::Result<ChildStdin> {
        Ok(ChildStdin {
            io: Async::new(inner)?,
        })
    }

    /// Writes some of `buf`; returns how many bytes were written.
    ///
    /// # Errors
    ///
    /// `BrokenPipe` once the child has closed its standard input (or exited).
    ///
    /// # Cancel safety
    ///
    /// Dropping the future writes nothing and leaves no waker behind.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::process::Stdio;
    /// use runtime::process::Command;
    ///
    /// runtime::block_on(async {
    ///     let mut child = Command::new("cat").stdin(Stdio::piped()).stdout(Stdio::null()).spawn()?;
    ///     let n = child.stdin.as_mut().expect("piped").write(b"some").await?;
    ///     assert_eq!(n, 4);
    ///     drop(child.stdin.take());
    ///     child.wait().await?;
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.io.write_with(|mut pipe| pipe.write(buf)).await
    }

    /// Writes all of `buf`.
    ///
    /// # Errors
    ///
    /// As [`write`](ChildStdin::write).
    ///
    /// # Cancel safety
    ///
    /// Dropping the future midway leaves an unknown prefix of `buf` written.
    ///
    /// # Examples
    ///
    /// See [`ChildStdin`].
    pub async fn write_all(&mut self, mut buf: &[u8]) -> io::Result<()> {
        while !buf.is_empty() {
            match self.write(buf).await? {
                0 => return Err(io::ErrorKind::WriteZero.into()),
                n => buf = &buf[n..],
            }
        }
        Ok(())
    }
}

impl AsFd for ChildStdin {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.as_fd()
    }
}

impl fmt::Debug for ChildStdin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ChildStdin").field(&self.io.as_fd()).finish()
    }
}

#[cfg(feature = "futures-io")]
#[cfg_attr(docsrs, doc(cfg(feature = "futures-io")))]
impl futures_io::AsyncWrite for ChildStdin {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_close(cx)
    }
}

/// `ChildStdout` and `ChildStderr`: the same reading pipe under two names.
macro_rules! read_pipe {
    ($(#[$doc:meta])* $name:ident, $stream:literal) => {
        $(#[$doc])*
        pub struct $name {
            io: Async<std::process::$name>,
        }

        impl $name {
            #[doc = concat!("Takes over std's ", $stream, " pipe: makes it non-blocking and")]
            /// registers it with the current runtime.
            ///
            /// # Errors
            ///
            /// Outside a runtime, or if the pipe cannot be registered.
            ///
            /// # Examples
            ///
            /// ```
            /// use std::process::Stdio;
            #[doc = concat!("use runtime::process::", stringify!($name), ";")]
            ///
            /// runtime::block_on(async {
            ///     let mut std_child = std::process::Command::new("sh")
            ///         .args(["-c", "echo hi; echo hi >&2"])
            ///         .stdout(Stdio::piped()).stderr(Stdio::piped()).spawn()?;
            #[doc = concat!("    let pipe = std_child.", $stream, ".take().expect(\"piped\");")]
            #[doc = concat!("    let mut pipe = ", stringify!($name), "::from_std(pipe)?;")]
            ///     let mut got = Vec::new();
            ///     pipe.read_to_end(&mut got).await?;
            ///     assert_eq!(got, b"hi\n");
            ///     std_child.wait()?; // std's own blocking wait, for brevity
            ///     std::io::Result::Ok(())
            /// })?;
            /// # std::io::Result::Ok(())
            /// ```
            pub fn from_std(inner: std::process::$name) -> io::Result<$name> {
                Ok($name { io: Async::new(inner)? })
            }

            /// Reads some bytes into `buf`; `Ok(0)` once the child has
            /// closed its end (usually: exited).
            ///
            /// # Errors
            ///
            /// The read's error.
            ///
            /// # Cancel safety
            ///
            /// Dropping the future reads nothing and leaves no waker behind.
            ///
            /// # Examples
            ///
            /// ```
            /// use std::process::Stdio;
            /// use runtime::process::Command;
            ///
            /// runtime::block_on(async {
            ///     let mut child = Command::new("sh").args(["-c", "printf abc; printf abc >&2"])
            ///         .stdout(Stdio::piped()).stderr(Stdio::piped()).spawn()?;
            #[doc = concat!("    let pipe = child.", $stream, ".as_mut().expect(\"piped\");")]
            ///     let mut buf = [0; 8];
            ///     let n = pipe.read(&mut buf).await?;
            ///     assert!(n > 0 && b"abc".starts_with(&buf[..n]));
            ///     child.wait().await?;
            ///     std::io::Result::Ok(())
            /// })?;
            /// # std::io::Result::Ok(())
            /// ```
            pub async fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                self.io
                    .read_with(|pipe| Ok(rustix::io::read(pipe, &mut *buf)?))
                    .await
            }

            /// Reads until the child closes its end, appending to `buf`;
            /// returns the number of bytes read.
            ///
            /// # Errors
            ///
            /// The first read error; what was read before it stays in `buf`.
            ///
            /// # Cancel safety
            ///
            /// Dropping the future keeps what was appended so far.
            ///
            /// # Examples
            ///
            /// ```
            /// use std::process::Stdio;
            /// use runtime::process::Command;
            ///
            /// runtime::block_on(async {
            ///     let mut child = Command::new("sh").args(["-c", "seq 3; seq 3 >&2"])
            ///         .stdout(Stdio::piped()).stderr(Stdio::piped()).spawn()?;
            #[doc = concat!("    let pipe = child.", $stream, ".as_mut().expect(\"piped\");")]
            ///     let mut all = Vec::new();
            ///     assert_eq!(pipe.read_to_end(&mut all).await?, 6);
            ///     assert_eq!(all, b"1\n2\n3\n");
            ///     child.wait().await?;
            ///     std::io::Result::Ok(())
            /// })?;
            /// # std::io::Result::Ok(())
            /// ```
            pub async fn read_to_end(&mut self, buf: &mut Vec<u8>) -> io::Result<usize> {
                let start = buf.len();
                let mut chunk = vec![0; CHUNK];
                loop {
                    match self.read(&mut chunk).await? {
                        0 => return Ok(buf.len() - start),
                        n => buf.extend_from_slice(&chunk[..n]),
                    }
                }
            }
        }

        impl AsFd for $name {
            fn as_fd(&self) -> BorrowedFd<'_> {
                self.io.as_fd()
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_tuple(stringify!($name)).field(&self.io.as_fd()).finish()
            }
        }

        #[cfg(feature = "futures-io")]
        #[cfg_attr(docsrs, doc(cfg(feature = "futures-io")))]
        impl futures_io::AsyncRead for $name {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut [u8],
            ) -> Poll<io::Result<usize>> {
                Pin::new(&mut self.get_mut().io).poll_read(cx, buf)
            }
        }
    };
}

read_pipe!(
    /// The child's standard output: a pipe it writes.
    ///
    /// With the default feature `futures-io` it implements
    /// `futures_io::AsyncRead`, so `futures_lite::io::BufReader::lines`
    /// gives its lines as they come.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::process::Stdio;
    /// use runtime::process::Command;
    ///
    /// runtime::block_on(async {
    ///     let mut child = Command::new("echo").arg("hello").stdout(Stdio::piped()).spawn()?;
    ///     let mut out = Vec::new();
    ///     child.stdout.as_mut().expect("piped").read_to_end(&mut out).await?;
    ///     assert_eq!(out, b"hello\n");
    ///     assert!(child.wait().await?.success());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    ChildStdout,
    "stdout"
);

read_pipe!(
    /// The child's standard error: a pipe it writes. It reads as
    /// [`ChildStdout`] does.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::process::Stdio;
    /// use runtime::process::Command;
    ///
    /// runtime::block_on(async {
    ///     let mut child = Command::new("ls").arg("/no/such/dir").stderr(Stdio::piped()).spawn()?;
    ///     let mut err = Vec::new();
    ///     child.stderr.as_mut().expect("piped").read_to_end(&mut err).await?;
    ///     assert!(!err.is_empty());
    ///     assert!(!child.wait().await?.success());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    ChildStderr,
    "stderr"
);

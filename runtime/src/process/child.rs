//! [`Child`]: a running child process, its pipes, and [`Wait`], the
//! future that waits for its exit through an `exit::Watch` and reaps it.
//! A `Child` dropped before it was reaped goes to `orphan.rs`.

use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::process::{ExitStatus, Output};
use std::task::{Context, Poll, ready};

use rustix::process::Pid;

use super::exit::{Changed, Watch};
use super::orphan;
use super::stdio::{ChildStderr, ChildStdin, ChildStdout};

/// A child process started by [`Command::spawn`](super::Command::spawn).
///
/// Its pipes (where the command asked for `Stdio::piped()`) are the public
/// fields, for the taking. [`wait`](Child::wait) waits for it to exit and
/// reaps it; [`start_kill`](Child::start_kill) and [`kill`](Child::kill)
/// end it.
///
/// # Dropping
///
/// Dropping a `Child` does not end the process, as with std: it runs on,
/// and the runtime reaps it when it exits (see the [module
/// docs](super#no-zombies)), unless the command was made with
/// [`kill_on_drop(true)`](super::Command::kill_on_drop): then dropping it
/// sends `SIGKILL`, and the runtime reaps it.
///
/// # Examples
///
/// ```
/// use std::process::Stdio;
/// use runtime::process::Command;
///
/// runtime::block_on(async {
///     let mut child = Command::new("sh")
///         .args(["-c", "read line; echo \"got $line\""])
///         .stdin(Stdio::piped())
///         .stdout(Stdio::piped())
///         .spawn()?;
///     let mut stdin = child.stdin.take().expect("piped");
///     stdin.write_all(b"hello\n").await?;
///     drop(stdin); // end of file for the child
///     let output = child.wait_with_output().await?;
///     assert!(output.status.success());
///     assert_eq!(output.stdout, b"got hello\n");
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub struct Child {
    /// The child's standard input, if the command piped it.
    pub stdin: Option<ChildStdin>,
    /// The child's standard output, if the command piped it.
    pub stdout: Option<ChildStdout>,
    /// The child's standard error, if the command piped it.
    pub stderr: Option<ChildStderr>,
    process: Process,
    /// Wakes [`Wait`] when the child may have exited.
    watch: Watch,
    /// `SIGKILL` the child if this is dropped before it was reaped.
    kill_on_drop: bool,
}

/// The std handle and what we know of its exit.
#[derive(Debug)]
struct Process {
    std: std::process::Child,
    pid: Pid,
    /// Set once the child is reaped: it no longer exists, and its pid may
    /// belong to another process.
    status: Option<ExitStatus>,
}

impl Process {
    /// `waitpid(WNOHANG)` once; the status once it is known.
    fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        if self.status.is_none() {
            self.status = self.std.try_wait()?;
        }
        Ok(self.status)
    }
}

impl Child {
    pub(crate) fn new(
        mut std: std::process::Child,
        watch: Watch,
        kill_on_drop: bool,
    ) -> io::Result<Child> {
        let pid = Pid::from_child(&std);
        let stdin = std.stdin.take();
        let stdout = std.stdout.take();
        let stderr = std.stderr.take();
        // Until the pipes are registered, an error drops `child`, which
        // kills the process (nobody asked for it) and reaps it.
        let mut child = Child {
            stdin: None,
            stdout: None,
            stderr: None,
            process: Process {
                std,
                pid,
                status: None,
            },
            watch,
            kill_on_drop: true,
        };
        child.stdin = stdin.map(ChildStdin::from_std).transpose()?;
        child.stdout = stdout.map(ChildStdout::from_std).transpose()?;
        child.stderr = stderr.map(ChildStderr::from_std).transpose()?;
        child.kill_on_drop = kill_on_drop;
        Ok(child)
    }

    /// The child's process id, or `None` once it has been reaped (its pid
    /// may then belong to another process).
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime::process::Command;
    ///
    /// runtime::block_on(async {
    ///     let mut child = Command::new("true").spawn()?;
    ///     assert!(child.id().is_some());
    ///     child.wait().await?;
    ///     assert_eq!(child.id(), None);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn id(&self) -> Option<u32> {
        self.process.status.is_none().then(|| self.process.std.id())
    }

    /// Waits for the child to exit, reaps it, and returns its status. Once
    /// reaped, every later call returns the same status at once.
    ///
    /// The stdin pipe is left open: a child reading its input until the end
    /// waits for you to drop [`Child::stdin`] first.
    ///
    /// # Errors
    ///
    /// If `waitpid` fails (another part of the program reaped the child),
    /// or watching the exit fails.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future (a `timeout` that expired, another
    /// `select!` branch) leaves the child as it was, running or exited, and
    /// leaves no waker behind; wait again later, or kill it.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use runtime::process::Command;
    /// use runtime::time::timeout;
    ///
    /// runtime::block_on(async {
    ///     let mut child = Command::new("sleep").arg("10").spawn()?;
    ///     // Too slow: the timeout drops the `wait` future, not the child.
    ///     assert!(timeout(Duration::from_millis(50), child.wait()).await.is_err());
    ///     child.kill().await?;
    ///
    ///     let status = Command::new("sh").args(["-c", "exit 3"]).spawn()?.wait().await?;
    ///     assert_eq!(status.code(), Some(3));
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn wait(&mut self) -> Wait<'_> {
        Wait {
            process: &mut self.process,
            changed: self.watch.changed(),
        }
    }

    /// Reaps the child if it has exited, without waiting: its status, or
    /// `None` if it still runs.
    ///
    /// # Errors
    ///
    /// If `waitpid` fails (another part of the program reaped the child).
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime::process::Command;
    ///
    /// runtime::block_on(async {
    ///     let mut child = Command::new("sleep").arg("10").spawn()?;
    ///     assert_eq!(child.try_wait()?, None);
    ///     child.kill().await?;
    ///     assert!(child.try_wait()?.is_some());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        self.process.try_wait()
    }

    /// Sends `SIGKILL` to the child and returns without waiting for it to
    /// die: [`wait`](Child::wait) for it afterwards (or drop the `Child`,
    /// and the runtime reaps it). Does nothing if the child was already
    /// reaped.
    ///
    /// # Errors
    ///
    /// If `kill(2)` fails.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::os::unix::process::ExitStatusExt;
    /// use runtime::process::Command;
    ///
    /// runtime::block_on(async {
    ///     let mut child = Command::new("sleep").arg("10").spawn()?;
    ///     child.start_kill()?;
    ///     assert_eq!(child.wait().await?.signal(), Some(9));
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn start_kill(&mut self) -> io::Result<()> {
        // std sends nothing once it has reaped the child (its pid may be
        // another process's by then), and `Ok` for it.
        self.process.std.kill()
    }

    /// Sends `SIGKILL` to the child and waits until it is gone (reaped).
    ///
    /// # Errors
    ///
    /// As [`start_kill`](Child::start_kill) and [`wait`](Child::wait).
    ///
    /// # Cancel safety
    ///
    /// The signal is sent at the first poll; dropping the future after that
    /// leaves a dying child, which a later `wait` (or the drop of the
    /// `Child`) reaps.
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime::process::Command;
    ///
    /// runtime::block_on(async {
    ///     let mut child = Command::new("sleep").arg("10").spawn()?;
    ///     child.kill().await?;
    ///     assert!(!child.try_wait()?.expect("reaped").success());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn kill(&mut self) -> io::Result<()> {
        self.start_kill()?;
        self.wait().await?;
        Ok(())
    }

    /// Closes stdin, reads stdout and stderr to their ends (those that are
    /// piped; both at once, so a child filling one pipe never blocks on
    /// the other), then waits for the exit.
    ///
    /// # Errors
    ///
    /// A read error, or as [`wait`](Child::wait).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::process::Stdio;
    /// use runtime::process::Command;
    ///
    /// runtime::block_on(async {
    ///     let child = Command::new("sh")
    ///         .args(["-c", "echo out; echo err >&2"])
    ///         .stdout(Stdio::piped())
    ///         .stderr(Stdio::piped())
    ///         .spawn()?;
    ///     let output = child.wait_with_output().await?;
    ///     assert_eq!((&output.stdout[..], &output.stderr[..]), (&b"out\n"[..], &b"err\n"[..]));
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn wait_with_output(mut self) -> io::Result<Output> {
        drop(self.stdin.take());
        let (mut out, mut err) = (self.stdout.take(), self.stderr.take());
        let (stdout, stderr) = crate::join(
            async {
                let mut buf = Vec::new();
                if let Some(out) = &mut out {
                    out.read_to_end(&mut buf).await?;
                }
                io::Result::Ok(buf)
            },
            async {
                let mut buf = Vec::new();
                if let Some(err) = &mut err {
                    err.read_to_end(&mut buf).await?;
                }
                io::Result::Ok(buf)
            },
        )
        .await;
        let (stdout, stderr) = (stdout?, stderr?);
        let status = self.wait().await?;
        Ok(Output {
            status,
            stdout,
            stderr,
        })
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        if self.process.status.is_some() {
            return; // reaped: nothing is left of the process
        }
        if self.kill_on_drop {
            // The one place where dropping a value of this runtime acts on
            // the world outside the program: the user asked for it with
            // `kill_on_drop(true)`. An error means there is nothing left to
            // kill; reaping it below is what matters.
            let _ = self.process.std.kill();
        }
        orphan::adopt(self.process.pid);
    }
}

impl fmt::Debug for Child {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Child")
            .field("pid", &self.process.pid)
            .field("status", &self.process.status)
            .field("stdin", &self.stdin)
            .field("stdout", &self.stdout)
            .field("stderr", &self.stderr)
            .field("kill_on_drop", &self.kill_on_drop)
            .finish()
    }
}

/// The future returned by [`Child::wait`].
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct Wait<'a> {
    process: &'a mut Process,
    changed: Changed<'a>,
}

impl Future for Wait<'_> {
    type Output = io::Result<ExitStatus>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        // Check, then wait, then check again: an exit before the watch
        // existed is seen by the first check, one after it by the watch.
        // Twice at most per poll: a watch that kept saying "changed"
        // without the child being reapable would otherwise spin here.
        for _ in 0..2 {
            if let Some(status) = this.process.try_wait()? {
                return Poll::Ready(Ok(status));
            }
            ready!(Pin::new(&mut this.changed).poll(cx))?;
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

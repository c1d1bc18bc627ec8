//! [`Command`]: std's `Command` with `kill_on_drop`, spawning a [`Child`]
//! whose exit the runtime watches, and the `output`/`status` shortcuts.

use std::ffi::OsStr;
use std::future::Future;
use std::io;
use std::path::Path;
use std::process::{ExitStatus, Output, Stdio};

use super::child::Child;
use super::exit::Watch;
use super::orphan;
use crate::context;

/// A process to start: a program, its arguments, environment, working
/// directory and standard streams, as [`std::process::Command`] (whose
/// methods these are), plus [`kill_on_drop`](Command::kill_on_drop).
///
/// Starting it ([`spawn`](Command::spawn), [`output`](Command::output),
/// [`status`](Command::status)) must happen inside a runtime: the child's
/// pipes and its exit are watched by that runtime's reactor.
///
/// # Examples
///
/// ```
/// use runtime::process::Command;
///
/// runtime::block_on(async {
///     let output = Command::new("sh")
///         .arg("-c")
///         .arg("echo \"$GREETING, $0\"")
///         .arg("world")
///         .env("GREETING", "hello")
///         .output()
///         .await?;
///     assert!(output.status.success());
///     assert_eq!(output.stdout, b"hello, world\n");
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
#[derive(Debug)]
pub struct Command {
    std: std::process::Command,
    kill_on_drop: bool,
    /// Whether stdin, stdout and stderr were set through this `Command`:
    /// [`output`](Command::output) picks its own defaults for the others.
    stdio_set: [bool; 3],
}

impl Command {
    /// A command that runs `program`: a path, or a name looked up in
    /// `PATH`. By default it inherits this process's environment, working
    /// directory and standard streams.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut ls = runtime::process::Command::new("ls");
    /// ```
    pub fn new(program: impl AsRef<OsStr>) -> Command {
        Command::from(std::process::Command::new(program))
    }

    /// Adds one argument.
    ///
    /// # Examples
    ///
    /// ```
    /// runtime::process::Command::new("ls").arg("-l").arg("/tmp");
    /// ```
    pub fn arg(&mut self, arg: impl AsRef<OsStr>) -> &mut Command {
        self.std.arg(arg);
        self
    }

    /// Adds several arguments.
    ///
    /// # Examples
    ///
    /// ```
    /// runtime::process::Command::new("ls").args(["-l", "/tmp"]);
    /// ```
    pub fn args<I, S>(&mut self, args: I) -> &mut Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.std.args(args);
        self
    }

    /// Sets an environment variable for the child.
    ///
    /// # Examples
    ///
    /// ```
    /// runtime::process::Command::new("make").env("CC", "cc");
    /// ```
    pub fn env(&mut self, key: impl AsRef<OsStr>, val: impl AsRef<OsStr>) -> &mut Command {
        self.std.env(key, val);
        self
    }

    /// Sets several environment variables for the child.
    ///
    /// # Examples
    ///
    /// ```
    /// runtime::process::Command::new("make").envs([("CC", "cc"), ("LANG", "C")]);
    /// ```
    pub fn envs<I, K, V>(&mut self, vars: I) -> &mut Command
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        self.std.envs(vars);
        self
    }

    /// Removes an environment variable from the child's environment.
    ///
    /// # Examples
    ///
    /// ```
    /// runtime::process::Command::new("make").env_remove("MAKEFLAGS");
    /// ```
    pub fn env_remove(&mut self, key: impl AsRef<OsStr>) -> &mut Command {
        self.std.env_remove(key);
        self
    }

    /// Starts the child with an empty environment (then add what it needs
    /// with [`env`](Command::env)).
    ///
    /// # Examples
    ///
    /// ```
    /// runtime::process::Command::new("/usr/bin/env").env_clear().env("ONLY", "this");
    /// ```
    pub fn env_clear(&mut self) -> &mut Command {
        self.std.env_clear();
        self
    }

    /// Sets the child's working directory. Whether a relative program path
    /// (`./tool`) is then found from this directory or from the parent's
    /// varies by platform (std leaves it unspecified): prefer an absolute
    /// path.
    ///
    /// # Examples
    ///
    /// ```
    /// runtime::process::Command::new("ls").current_dir("/");
    /// ```
    pub fn current_dir(&mut self, dir: impl AsRef<Path>) -> &mut Command {
        self.std.current_dir(dir);
        self
    }

    /// Sets the child's standard input: `Stdio::piped()` gives
    /// [`Child::stdin`], `Stdio::null()` an empty input. Inherited by
    /// default ([`output`](Command::output): null).
    ///
    /// # Examples
    ///
    /// ```
    /// runtime::process::Command::new("cat").stdin(std::process::Stdio::piped());
    /// ```
    pub fn stdin(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        self.std.stdin(cfg);
        self.stdio_set[0] = true;
        self
    }

    /// Sets the child's standard output: `Stdio::piped()` gives
    /// [`Child::stdout`]. Inherited by default ([`output`](Command::output):
    /// piped).
    ///
    /// # Examples
    ///
    /// ```
    /// runtime::process::Command::new("ls").stdout(std::process::Stdio::piped());
    /// ```
    pub fn stdout(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        self.std.stdout(cfg);
        self.stdio_set[1] = true;
        self
    }

    /// Sets the child's standard error: `Stdio::piped()` gives
    /// [`Child::stderr`]. Inherited by default ([`output`](Command::output):
    /// piped).
    ///
    /// # Examples
    ///
    /// ```
    /// runtime::process::Command::new("ls").stderr(std::process::Stdio::null());
    /// ```
    pub fn stderr(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        self.std.stderr(cfg);
        self.stdio_set[2] = true;
        self
    }

    /// Whether dropping the [`Child`] (or the future of
    /// [`output`](Command::output) or [`status`](Command::status)) before
    /// the process was reaped kills it with `SIGKILL`. Off by default, as
    /// with std: a dropped child runs on (and is reaped when it exits).
    ///
    /// This is the one place where dropping a value of this runtime acts on
    /// the world outside the program; turn it on for children that must not
    /// outlive their task, such as one raced against a timeout.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use runtime::process::Command;
    /// use runtime::time::timeout;
    ///
    /// runtime::block_on(async {
    ///     let slow = Command::new("sleep").arg("10").kill_on_drop(true).status();
    ///     // The timeout drops the future, and with it the child: killed.
    ///     assert!(timeout(Duration::from_millis(50), slow).await.is_err());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn kill_on_drop(&mut self, kill_on_drop: bool) -> &mut Command {
        self.kill_on_drop = kill_on_drop;
        self
    }

    /// Starts the child in process group `pgroup`: `0` makes it the leader
    /// of a new group whose id is its pid, so that signalling the group
    /// (`kill(-pid)`, `rustix::process::kill_process_group`) also reaches
    /// the processes it starts, as a shell's `sh -c "a; b"` does. By
    /// default the child joins this process's group (and receives the
    /// terminal's ctrl-c with it; a child in a group of its own does not).
    ///
    /// # Examples
    ///
    /// ```
    /// use rustix::process::{Pid, Signal, kill_process_group};
    /// use runtime::process::Command;
    ///
    /// runtime::block_on(async {
    ///     // `sh` waits for `sleep`; killing only `sh` would leave `sleep`.
    ///     let mut child = Command::new("sh").args(["-c", "sleep 10; true"])
    ///         .process_group(0).spawn()?;
    ///     let group = Pid::from_raw(child.id().expect("running") as i32).expect("not 0");
    ///     kill_process_group(group, Signal::KILL)?;
    ///     assert!(!child.wait().await?.success());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn process_group(&mut self, pgroup: i32) -> &mut Command {
        std::os::unix::process::CommandExt::process_group(&mut self.std, pgroup);
        self
    }

    /// The std command inside, to read what was set.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut ls = runtime::process::Command::new("ls");
    /// ls.arg("-l");
    /// assert_eq!(ls.as_std().get_args().collect::<Vec<_>>(), ["-l"]);
    /// ```
    pub fn as_std(&self) -> &std::process::Command {
        &self.std
    }

    /// Starts the child. Its pipes and its exit are registered with the
    /// current runtime.
    ///
    /// # Errors
    ///
    /// If the program cannot be run: `NotFound` for a missing program
    /// (``"cannot run `nosuchprog`: No such file or directory (os error
    /// 2)"``), `IsADirectory` for a directory, `PermissionDenied` for a file
    /// that is not executable; every message names the program. Also an
    /// error outside a runtime, when out of file descriptors, or where the
    /// child's exit cannot be watched (see the [module docs](super)).
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime::process::Command;
    ///
    /// runtime::block_on(async {
    ///     let mut child = Command::new("true").spawn()?;
    ///     assert!(child.wait().await?.success());
    ///
    ///     let err = Command::new("nosuchprog").spawn().unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    ///     assert!(err.to_string().starts_with("cannot run `nosuchprog`: "));
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn spawn(&mut self) -> io::Result<Child> {
        if context::try_current().is_none() {
            return Err(io::Error::other(
                "runtime::process::Command::spawn must be called inside a runtime \
                 (inside runtime::block_on)",
            ));
        }
        // A moment when this runtime can take over the children that a
        // dropped runtime left behind (see `orphan.rs`).
        orphan::adopt_parked();
        let mut std = self.std.spawn().map_err(|e| spawn_error(&self.std, e))?;
        let watch = match Watch::new(rustix::process::Pid::from_child(&std)) {
            Ok(watch) => watch,
            Err(e) => {
                // Unwatched, nobody could reap it: end it, and reap it
                // with std's blocking wait, which a child just killed
                // does not make long.
                let _ = std.kill();
                let _ = std.wait();
                return Err(e);
            }
        };
        Child::new(std, watch, self.kill_on_drop)
    }

    /// Runs the command to its end and collects its exit status and
    /// everything it wrote. Unless set otherwise on this `Command`, stdin
    /// is `/dev/null` and stdout and stderr are piped (as with std's
    /// `output`; the command is left as it was).
    ///
    /// The child is spawned by this call; the returned future reads its
    /// output and waits for it, and does not borrow the `Command`.
    ///
    /// # Errors
    ///
    /// As [`spawn`](Command::spawn) and
    /// [`Child::wait_with_output`]. A non-zero exit is not an error: look
    /// at `output.status`.
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime::process::Command;
    ///
    /// runtime::block_on(async {
    ///     let output = Command::new("sh").args(["-c", "echo out; echo err >&2; exit 2"]).output().await?;
    ///     assert_eq!(output.status.code(), Some(2));
    ///     assert_eq!(output.stdout, b"out\n");
    ///     assert_eq!(output.stderr, b"err\n");
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn output(&mut self) -> impl Future<Output = io::Result<Output>> + use<> {
        let [stdin, stdout, stderr] = self.stdio_set;
        if !stdin {
            self.std.stdin(Stdio::null());
        }
        if !stdout {
            self.std.stdout(Stdio::piped());
        }
        if !stderr {
            self.std.stderr(Stdio::piped());
        }
        let child = self.spawn();
        // Back to std's defaults for `spawn`, which these were.
        if !stdin {
            self.std.stdin(Stdio::inherit());
        }
        if !stdout {
            self.std.stdout(Stdio::inherit());
        }
        if !stderr {
            self.std.stderr(Stdio::inherit());
        }
        async move { child?.wait_with_output().await }
    }

    /// Runs the command to its end and returns its exit status. The standard
    /// streams are inherited unless set otherwise; pipes set on the command
    /// are closed at once (nobody would read or write them).
    ///
    /// The child is spawned by this call; the returned future waits for it,
    /// and does not borrow the `Command`.
    ///
    /// # Errors
    ///
    /// As [`spawn`](Command::spawn) and [`Child::wait`]. A non-zero exit is
    /// not an error.
    ///
    /// # Examples
    ///
    /// ```
    /// use runtime::process::Command;
    ///
    /// runtime::block_on(async {
    ///     let status = Command::new("sh").args(["-c", "exit 7"]).status().await?;
    ///     assert_eq!(status.code(), Some(7));
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn status(&mut self) -> impl Future<Output = io::Result<ExitStatus>> + use<> {
        let child = self.spawn();
        async move {
            let mut child = child?;
            // A child writing to a pipe nobody reads would block forever.
            drop((child.stdin.take(), child.stdout.take(), child.stderr.take()));
            child.wait().await
        }
    }
}

impl From<std::process::Command> for Command {
    /// Wraps a std command; [`output`](Command::output) then treats its
    /// standard streams as not set (std cannot tell).
    fn from(std: std::process::Command) -> Command {
        Command {
            std,
            kill_on_drop: false,
            stdio_set: [false; 3],
        }
    }
}

/// A spawn error that names the program, and says "it is a directory"
/// where `execve` only says `EACCES`.
fn spawn_error(cmd: &std::process::Command, e: io::Error) -> io::Error {
    let program = Path::new(cmd.get_program());
    // Only a path with a slash is run as it is (the rest is looked up in
    // PATH). On Unix the child changes directory before `execve`.
    let is_path = program.as_os_str().as_encoded_bytes().contains(&b'/');
    let path = match cmd.get_current_dir() {
        Some(dir) if program.is_relative() => dir.join(program),
        _ => program.to_path_buf(),
    };
    if e.kind() == io::ErrorKind::PermissionDenied && is_path && path.is_dir() {
        return io::Error::new(
            io::ErrorKind::IsADirectory,
            format!("cannot run `{}`: it is a directory", program.display()),
        );
    }
    io::Error::new(e.kind(), format!("cannot run `{}`: {e}", program.display()))
}

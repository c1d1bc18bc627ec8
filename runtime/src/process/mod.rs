//! Child processes as futures: [`Command`] starts a [`Child`], whose pipes
//! are read and written without blocking and whose exit is awaited, with
//! no thread per child.
//!
//! ```
//! use std::process::Stdio;
//! use runtime::process::Command;
//!
//! runtime::block_on(async {
//!     // Run to the end, collecting what it wrote.
//!     let output = Command::new("echo").arg("hello").output().await?;
//!     assert_eq!(output.stdout, b"hello\n");
//!
//!     // Or talk to it while it runs.
//!     let mut child = Command::new("tr").arg("a-z").arg("A-Z")
//!         .stdin(Stdio::piped()).stdout(Stdio::piped()).spawn()?;
//!     let mut stdin = child.stdin.take().expect("piped");
//!     runtime::spawn(async move { stdin.write_all(b"shout\n").await });
//!     let output = child.wait_with_output().await?;
//!     assert_eq!(output.stdout, b"SHOUT\n");
//!     std::io::Result::Ok(())
//! })?;
//! # std::io::Result::Ok(())
//! ```
//!
//! The names and behaviour are std's and tokio's: `Command` has std's
//! builder methods (plus [`kill_on_drop`](Command::kill_on_drop)), spawning
//! is std's own `spawn` (a `fork`/`exec` that returns once the program is
//! running, or has failed to start), and the statuses and outputs are std's
//! `ExitStatus` and `Output`.
//!
//! # How an exit reaches a task: pidfd or SIGCHLD
//!
//! A process that exits stays a *zombie*, holding its pid and its exit
//! status, until its parent *reaps* it with `waitpid`. The question is
//! when to call it, without a thread blocked in `waitpid` per child and
//! without polling:
//!
//! ```text
//!  Linux 5.3+: pidfd_open(pid) ─► a descriptor registered with the reactor,
//!              readable once that child exits ─► wake the task in wait()
//!              ─► waitpid(pid, WNOHANG) reaps it ─► ExitStatus
//!  elsewhere:  SIGCHLD (any child exited) ─► runtime::signal's pipe byte
//!              ─► wake every waiting child's task ─► each: waitpid(its pid,
//!              WNOHANG); not mine yet ─► wait for the next SIGCHLD
//! ```
//!
//! The pidfd is exact (one descriptor per child, woken only by that
//! child), so it is used wherever the kernel has it; the choice is made
//! once, at the first spawn. The `SIGCHLD` path needs the `signal` feature
//! (on Linux, `process` works without it as long as pidfds do); it wakes
//! every waiting child on any child's exit, which is fine for a few
//! children. Setting the environment variable `RUNTIME_PROCESS_SIGCHLD=1`
//! before the first spawn forces it on Linux (the test suite runs both
//! ways). Neither path ever calls `waitpid(-1)`: a child is reaped only
//! through its own pid, so children that other code started are left to
//! it.
//!
//! # No zombies
//!
//! A child is reaped by [`Child::wait`] (or `try_wait`, `kill`,
//! `output`, `status`). A [`Child`] dropped before that, killed by
//! [`kill_on_drop`](Command::kill_on_drop) or left running, is handed to
//! a small detached task of the current runtime that watches it the same
//! way and reaps it when it exits: these tasks are the runtime's orphan
//! list, and they show in [`stats`](crate::stats)`().tasks`. A child that
//! no running runtime can watch (its `Child` was dropped outside a runtime,
//! or its runtime was dropped while the child still ran) goes on a
//! process-wide list that the next spawn, in any runtime, takes over. So a
//! child can stay a zombie only if it outlives its runtime and the program
//! starts no other child afterwards, until the program exits.
//!
//! # Pipes
//!
//! With `Stdio::piped()`, [`Child::stdin`], [`Child::stdout`] and
//! [`Child::stderr`] are std's pipes made non-blocking and registered with
//! the reactor (through [`io::Async`](crate::io::Async)): a read waits for
//! the child to write, not the thread. Each has `read`/`read_to_end` or
//! `write`/`write_all`, and with the default feature `futures-io` the
//! futures-io traits, so that `futures_lite::io::BufReader::lines` reads a
//! child's lines as they come.

mod child;
mod command;
mod exit;
mod orphan;
mod stdio;

pub use child::{Child, Wait};
pub use command::Command;
pub use stdio::{ChildStderr, ChildStdin, ChildStdout};

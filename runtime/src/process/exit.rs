//! [`Watch`]: how the runtime learns that a child may have exited, without
//! a thread per child: a pidfd registered with the reactor (Linux 5.3 and
//! later), or a `SIGCHLD` listener from `runtime::signal` elsewhere. The
//! choice is made once per process ([`mode`]); `child.rs` and `orphan.rs`
//! wait on a `Watch` and then reap with `waitpid(WNOHANG)`.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::OnceLock;
use std::task::{Context, Poll};

use rustix::process::Pid;

#[cfg(any(target_os = "linux", target_os = "android"))]
use crate::io::{Async, Readable};
#[cfg(feature = "signal")]
use crate::signal::unix::{Recv, Signal, SignalKind, signal};

/// Set to `1` to use the `SIGCHLD` path even where pidfds work (the tests
/// run the process suite both ways). Read once, at the first spawn.
#[cfg(all(feature = "signal", any(target_os = "linux", target_os = "android")))]
const FORCE_SIGCHLD: &str = "RUNTIME_PROCESS_SIGCHLD";

/// How this process watches its children.
#[derive(Debug, Clone, Copy)]
enum Mode {
    /// `pidfd_open(pid)`: a descriptor that becomes readable when that
    /// one child exits.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    Pidfd,
    /// One `SIGCHLD` listener per child: any child's exit wakes them all,
    /// and each checks its own child with `waitpid(WNOHANG)`.
    #[cfg(feature = "signal")]
    Sigchld,
}

/// The mode, chosen at the first spawn and kept: pidfds if the kernel has
/// them (probed on this process's own pid), else `SIGCHLD`.
fn mode() -> io::Result<Mode> {
    static MODE: OnceLock<Mode> = OnceLock::new();
    if let Some(&mode) = MODE.get() {
        return Ok(mode);
    }
    let mode = choose()?;
    Ok(*MODE.get_or_init(|| mode))
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn choose() -> io::Result<Mode> {
    use rustix::io::Errno;
    use rustix::process::{PidfdFlags, getpid, pidfd_open};

    #[cfg(feature = "signal")]
    if std::env::var_os(FORCE_SIGCHLD).is_some_and(|v| v == "1") {
        return Ok(Mode::Sigchld);
    }
    match pidfd_open(getpid(), PidfdFlags::empty()) {
        Ok(_probe) => Ok(Mode::Pidfd),
        // Out of descriptors or memory says nothing about the kernel: fail
        // this spawn, and probe again at the next.
        Err(e @ (Errno::MFILE | Errno::NFILE | Errno::NOMEM)) => Err(e.into()),
        // ENOSYS before Linux 5.3, EPERM or EACCES under a seccomp sandbox.
        #[cfg(feature = "signal")]
        Err(_) => Ok(Mode::Sigchld),
        #[cfg(not(feature = "signal"))]
        Err(e) => Err(io::Error::new(
            io::ErrorKind::Unsupported,
            format!(
                "cannot watch child processes: pidfd_open fails ({e}; it needs Linux 5.3 or \
                 later, outside a sandbox that forbids it), and the SIGCHLD fallback needs the \
                 runtime's `signal` feature"
            ),
        )),
    }
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn choose() -> io::Result<Mode> {
    Ok(Mode::Sigchld)
}

/// A child's exit notification, registered with the current runtime.
#[derive(Debug)]
pub(crate) enum Watch {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    Pidfd(Async<std::os::fd::OwnedFd>),
    #[cfg(feature = "signal")]
    Sigchld(Signal),
}

impl Watch {
    /// Starts watching child `pid`. The caller checks the child with
    /// `waitpid(WNOHANG)` *after* this returns and before each wait: an
    /// exit before the watch existed is seen by that check, and one after
    /// it by the watch.
    ///
    /// # Errors
    ///
    /// Outside a runtime, out of descriptors, or where neither way works.
    pub(crate) fn new(pid: Pid) -> io::Result<Watch> {
        match mode()? {
            #[cfg(any(target_os = "linux", target_os = "android"))]
            Mode::Pidfd => {
                let fd = rustix::process::pidfd_open(pid, rustix::process::PidfdFlags::NONBLOCK)?;
                // Not ready until the reactor says so: an exit that already
                // happened is seen by the caller's own check.
                Ok(Watch::Pidfd(Async::with_readiness(
                    fd,
                    false,
                    "runtime::process::Command::spawn",
                )?))
            }
            #[cfg(feature = "signal")]
            Mode::Sigchld => {
                let _ = pid; // any child's SIGCHLD wakes every watch
                Ok(Watch::Sigchld(signal(SignalKind::child())?))
            }
        }
    }

    /// A future that completes when the child may have changed state:
    /// check it with `waitpid(WNOHANG)`, and wait again if it has not
    /// exited. It may be polled again after it completed.
    pub(crate) fn changed(&mut self) -> Changed<'_> {
        match self {
            #[cfg(any(target_os = "linux", target_os = "android"))]
            Watch::Pidfd(fd) => Changed::Pidfd(fd.readable()),
            #[cfg(feature = "signal")]
            Watch::Sigchld(signal) => Changed::Sigchld(signal.recv()),
        }
    }
}

/// The future returned by [`Watch::changed`]. Dropping it leaves no waker
/// behind.
#[derive(Debug)]
pub(crate) enum Changed<'a> {
    /// Readable: the child has exited (a pidfd stays readable from then on).
    #[cfg(any(target_os = "linux", target_os = "android"))]
    Pidfd(Readable<'a>),
    /// A batch of `SIGCHLD`s: some child, maybe this one, changed state.
    #[cfg(feature = "signal")]
    Sigchld(Recv<'a>),
}

impl Future for Changed<'_> {
    type Output = io::Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            #[cfg(any(target_os = "linux", target_os = "android"))]
            Changed::Pidfd(readable) => Pin::new(readable).poll(cx),
            #[cfg(feature = "signal")]
            Changed::Sigchld(recv) => Pin::new(recv).poll(cx).map(|got| {
                got.ok_or_else(|| io::Error::other("the SIGCHLD listener's pipe failed"))
            }),
        }
    }
}

/// Reaps child `pid` if it has exited: `waitpid(pid, WNOHANG)`. Returns
/// whether there is nothing left to wait for (reaped now, or not our child
/// anymore). Never waits, and never reaps another child: the statuses of
/// children that `Child` values still own must stay for their `wait`.
pub(crate) fn try_reap(pid: Pid) -> bool {
    use rustix::process::{WaitOptions, waitpid};
    loop {
        match waitpid(Some(pid), WaitOptions::NOHANG) {
            Ok(Some(_)) => return true,
            Ok(None) => return false,
            Err(rustix::io::Errno::INTR) => {}
            // ECHILD: reaped by someone else (a `waitpid(-1)` elsewhere in
            // the program); nothing is left for us to reap.
            Err(_) => return true,
        }
    }
}

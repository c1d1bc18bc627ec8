//! Unix signals: [`signal`] makes a [`Signal`] listener for a
//! [`SignalKind`]; its pipe and handler action live in `action.rs`.

use std::fmt;
use std::future::Future;
use std::io::{self, PipeReader, Read};
use std::pin::Pin;
use std::task::{Context, Poll};

use rustix::process::Signal as Raw;

use super::action::Action;
use crate::io::{Async, ReadWith};
use crate::reactor::Direction;
use crate::sys;

/// Which signal to listen for: a named constructor, or any number with
/// [`SignalKind::from_raw`].
///
/// # Examples
///
/// ```
/// use runtime::signal::unix::SignalKind;
///
/// assert_eq!(SignalKind::terminate().as_raw_value(), 15);
/// assert_eq!(SignalKind::from_raw(15), SignalKind::terminate());
/// assert_eq!(format!("{:?}", SignalKind::hangup()), "SIGHUP");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SignalKind(i32);

impl SignalKind {
    /// Any signal number. [`signal`] checks it: a number the platform lacks,
    /// or a signal that cannot be caught, is an error there.
    pub const fn from_raw(signum: i32) -> SignalKind {
        SignalKind(signum)
    }

    /// The signal's number.
    pub const fn as_raw_value(&self) -> i32 {
        self.0
    }

    /// `SIGINT`: ctrl-c in a terminal.
    pub const fn interrupt() -> SignalKind {
        SignalKind(Raw::INT.as_raw())
    }

    /// `SIGTERM`: a polite request to stop (`kill`'s default, what service
    /// managers send first).
    pub const fn terminate() -> SignalKind {
        SignalKind(Raw::TERM.as_raw())
    }

    /// `SIGHUP`: the terminal went away; daemons take it as "reload".
    pub const fn hangup() -> SignalKind {
        SignalKind(Raw::HUP.as_raw())
    }

    /// `SIGQUIT`: ctrl-\ in a terminal.
    pub const fn quit() -> SignalKind {
        SignalKind(Raw::QUIT.as_raw())
    }

    /// `SIGUSR1`: no meaning but the one a program gives it.
    pub const fn user_defined1() -> SignalKind {
        SignalKind(Raw::USR1.as_raw())
    }

    /// `SIGUSR2`: no meaning but the one a program gives it.
    pub const fn user_defined2() -> SignalKind {
        SignalKind(Raw::USR2.as_raw())
    }

    /// `SIGCHLD`: a child process exited (or stopped, or continued).
    pub const fn child() -> SignalKind {
        SignalKind(Raw::CHILD.as_raw())
    }

    /// `SIGWINCH`: the terminal's window changed size.
    pub const fn window_change() -> SignalKind {
        SignalKind(Raw::WINCH.as_raw())
    }

    /// `SIGALRM`: a timer set with `alarm(2)` or `setitimer(2)` expired.
    pub const fn alarm() -> SignalKind {
        SignalKind(Raw::ALARM.as_raw())
    }

    /// `SIGPIPE`: a write to a pipe or socket nobody reads anymore.
    pub const fn pipe() -> SignalKind {
        SignalKind(Raw::PIPE.as_raw())
    }

    /// The signal's name (`"SIGTERM"`), if it has one here.
    fn name(self) -> Option<&'static str> {
        const NAMES: &[(Raw, &str)] = &[
            (Raw::HUP, "SIGHUP"),
            (Raw::INT, "SIGINT"),
            (Raw::QUIT, "SIGQUIT"),
            (Raw::ILL, "SIGILL"),
            (Raw::TRAP, "SIGTRAP"),
            (Raw::ABORT, "SIGABRT"),
            (Raw::BUS, "SIGBUS"),
            (Raw::FPE, "SIGFPE"),
            (Raw::KILL, "SIGKILL"),
            (Raw::USR1, "SIGUSR1"),
            (Raw::SEGV, "SIGSEGV"),
            (Raw::USR2, "SIGUSR2"),
            (Raw::PIPE, "SIGPIPE"),
            (Raw::ALARM, "SIGALRM"),
            (Raw::TERM, "SIGTERM"),
            (Raw::CHILD, "SIGCHLD"),
            (Raw::CONT, "SIGCONT"),
            (Raw::STOP, "SIGSTOP"),
            (Raw::TSTP, "SIGTSTP"),
            (Raw::TTIN, "SIGTTIN"),
            (Raw::TTOU, "SIGTTOU"),
            (Raw::URG, "SIGURG"),
            (Raw::XCPU, "SIGXCPU"),
            (Raw::XFSZ, "SIGXFSZ"),
            (Raw::VTALARM, "SIGVTALRM"),
            (Raw::PROF, "SIGPROF"),
            (Raw::WINCH, "SIGWINCH"),
            (Raw::IO, "SIGIO"),
            (Raw::SYS, "SIGSYS"),
        ];
        NAMES
            .iter()
            .find(|(raw, _)| raw.as_raw() == self.0)
            .map(|&(_, name)| name)
    }
}

impl From<i32> for SignalKind {
    fn from(signum: i32) -> SignalKind {
        SignalKind(signum)
    }
}

impl From<SignalKind> for i32 {
    fn from(kind: SignalKind) -> i32 {
        kind.0
    }
}

/// `SIGTERM`, or `signal 42` for a number without a name here.
impl fmt::Debug for SignalKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "signal {}", self.0),
        }
    }
}

/// Starts listening for `kind` on the current runtime: every delivery of
/// the signal to this process from now on makes [`Signal::recv`] return.
///
/// Several listeners, in one runtime or in several, may listen for the same
/// signal; each sees every delivery. See the [module docs](super) for how
/// a signal reaches the task, how deliveries coalesce, and what listening
/// changes for the whole process (the signal's default action is gone for
/// good).
///
/// # Errors
///
/// `InvalidInput` for a signal that cannot be caught (`"signal 9 (SIGKILL)
/// cannot be caught"`), one that reports a fault of the program itself
/// (`SIGSEGV`, `SIGILL`, `SIGFPE`), or a number the platform lacks. Also an
/// error outside a runtime, or when out of file descriptors. Nothing is
/// left behind on error.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use runtime::signal::unix::{SignalKind, signal};
/// use runtime::time::timeout;
///
/// runtime::block_on(async {
///     let mut usr1 = signal(SignalKind::user_defined1())?;
///     rustix::process::kill_process(rustix::process::getpid(), rustix::process::Signal::USR1)?;
///     let got = timeout(Duration::from_secs(5), usr1.recv()).await?;
///     assert_eq!(got, Some(()));
///
///     let err = signal(SignalKind::from_raw(9)).unwrap_err();
///     assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
///     assert_eq!(err.to_string(), "signal 9 (SIGKILL) cannot be caught");
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub fn signal(kind: SignalKind) -> io::Result<Signal> {
    let signum = kind.0;
    check(kind)?;
    let (reader, writer) = io::pipe()?;
    // The read end goes to the reactor first: outside a runtime this fails
    // before any handler is installed.
    sys::set_nonblocking(&reader)?;
    let pipe = Async::with_readiness(reader, false, "runtime::signal::unix::signal")?;
    // A handler must never block: a full pipe fails the write instead.
    sys::set_nonblocking(&writer)?;
    let action = Action::register(signum, writer).map_err(|e| match e.raw_os_error() {
        Some(code) if code == rustix::io::Errno::INVAL.raw_os_error() => io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "signal {signum} does not exist on this platform (or its C library reserves it)"
            ),
        ),
        _ => io::Error::new(e.kind(), format!("cannot listen for {kind:?}: {e}")),
    })?;
    Ok(Signal { action, kind, pipe })
}

/// Refuses what signal-hook-registry would panic on, and numbers that are
/// not signals at all.
fn check(kind: SignalKind) -> io::Result<()> {
    let signum = kind.0;
    let what = match kind.name() {
        Some(name) => format!("signal {signum} ({name})"),
        None => format!("signal {signum}"),
    };
    let reason = if signum <= 0 {
        "is not a signal number"
    } else if signum == Raw::KILL.as_raw() || signum == Raw::STOP.as_raw() {
        "cannot be caught"
    } else if signal_hook_registry::FORBIDDEN.contains(&signum) {
        "reports a fault of the program itself and cannot be listened for"
    } else {
        return Ok(());
    };
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("{what} {reason}"),
    ))
}

/// A listener for one signal, made by [`signal`]: [`recv`](Signal::recv)
/// waits for the next delivery.
///
/// Dropping it removes its handler action and closes its pipe; other
/// listeners for the same signal are not affected. Like every runtime type
/// it belongs to the runtime it was created in (it is not `Send`).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use runtime::signal::unix::{SignalKind, signal};
/// use runtime::time::timeout;
///
/// runtime::block_on(async {
///     let mut usr2 = signal(SignalKind::user_defined2())?;
///     let me = rustix::process::getpid();
///     for _ in 0..3 {
///         rustix::process::kill_process(me, rustix::process::Signal::USR2)?;
///     }
///     // Three deliveries before the first poll: one batch.
///     assert_eq!(timeout(Duration::from_secs(5), usr2.recv()).await?, Some(()));
///     assert!(timeout(Duration::from_millis(50), usr2.recv()).await.is_err());
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub struct Signal {
    /// Declared first, so dropped first: the action, which owns the pipe's
    /// write end, is unregistered (and the write end closed) before the
    /// read end goes.
    action: Action,
    kind: SignalKind,
    /// The pipe's read end, registered with the reactor.
    pipe: Async<PipeReader>,
}

impl Signal {
    /// Waits for the next delivery of the signal; see the [module
    /// docs](super#signals-coalesce) on how deliveries coalesce.
    ///
    /// Returns `Some(())` for each batch of deliveries. `None` would mean
    /// that no more can come (the pipe failed), which does not happen while
    /// the `Signal` lives; the `Option` matches tokio's `recv`.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if `recv` is a branch of `select!` and another branch
    /// completes first, no delivery is consumed; it makes the next `recv`
    /// return. The dropped future leaves no waker behind.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use runtime::signal::unix::{SignalKind, signal};
    ///
    /// runtime::block_on(async {
    ///     let mut winch = signal(SignalKind::window_change())?;
    ///     let (got, sent) = runtime::join(
    ///         runtime::time::timeout(Duration::from_secs(5), winch.recv()),
    ///         async {
    ///             runtime::time::sleep(Duration::from_millis(20)).await;
    ///             let me = rustix::process::getpid();
    ///             rustix::process::kill_process(me, rustix::process::Signal::WINCH)
    ///         },
    ///     )
    ///     .await;
    ///     sent?;
    ///     assert_eq!(got?, Some(()));
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn recv(&mut self) -> Recv<'_> {
        Recv {
            read: self
                .pipe
                .read_with(drain as fn(&PipeReader) -> io::Result<bool>),
        }
    }

    /// Polls for the next delivery (for hand-written futures and streams):
    /// `Ready(Some(()))` for a batch, as [`recv`](Signal::recv).
    ///
    /// The waker is stored with the listener and is not taken back if you
    /// stop polling (it goes when the `Signal` is dropped); prefer
    /// [`recv`](Signal::recv) in `async` code.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use std::time::Duration;
    /// use runtime::signal::unix::{SignalKind, signal};
    ///
    /// runtime::block_on(async {
    ///     let mut hup = signal(SignalKind::hangup())?;
    ///     rustix::process::kill_process(rustix::process::getpid(), rustix::process::Signal::HUP)?;
    ///     let got = runtime::time::timeout(
    ///         Duration::from_secs(5),
    ///         poll_fn(|cx| hup.poll_recv(cx)),
    ///     ).await?;
    ///     assert_eq!(got, Some(()));
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<()>> {
        self.pipe
            .poll_with(Direction::Read, cx, drain)
            .map(|got| got.ok().filter(|&some| some).map(|_| ()))
    }
}

impl fmt::Debug for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signal")
            .field("kind", &self.kind)
            .field("action", &self.action)
            .finish_non_exhaustive()
    }
}

/// Reads one batch of deliveries: `WouldBlock` if there is none (so the
/// caller waits), else every byte waiting in the pipe, so that deliveries
/// that arrived together end up in one `recv`. `Ok(false)`: end of file,
/// which cannot happen while the action (holding the write end) lives.
fn drain(mut pipe: &PipeReader) -> io::Result<bool> {
    let mut buf = [0; 64];
    if pipe.read(&mut buf)? == 0 {
        return Ok(false);
    }
    loop {
        match pipe.read(&mut buf) {
            Ok(0) => return Ok(true),
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            // `WouldBlock`: drained. Another error shows again on the next
            // read; this batch was received either way.
            Err(_) => return Ok(true),
        }
    }
}

/// The future returned by [`Signal::recv`].
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct Recv<'a> {
    read: ReadWith<'a, PipeReader, fn(&PipeReader) -> io::Result<bool>>,
}

impl Future for Recv<'_> {
    type Output = Option<()>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<()>> {
        Pin::new(&mut self.read)
            .poll(cx)
            .map(|got| got.ok().filter(|&some| some).map(|_| ()))
    }
}

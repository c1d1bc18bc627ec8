//! [`Runtime`] and the free functions that use the thread's current runtime:
//! [`block_on`], [`spawn`], [`spawn_blocking`] and [`stats`].
//!
//! A `Runtime` is an executor core (`executor/`) with its reactor
//! (`reactor/`). Nothing runs in the background: tasks make progress only
//! while some thread is inside [`Runtime::block_on`].

use std::future::Future;
use std::io;
use std::rc::Rc;

use crate::context;
use crate::executor::{Core, JoinHandle};
use crate::stats::Stats;

/// A single-threaded async runtime: an executor, an epoll reactor and timers.
///
/// Most programs call [`runtime::block_on`](block_on), which creates one for
/// the duration of the call. Create a `Runtime` yourself to spawn tasks
/// before running, to run several `block_on` calls on the same tasks, or to
/// read its [`stats`](Runtime::stats) afterwards.
///
/// # Examples
///
/// ```
/// let rt = runtime::Runtime::new()?;
/// let task = rt.spawn(async { 6 * 7 });
/// let answer = rt.block_on(task).unwrap();
/// assert_eq!(answer, 42);
/// # std::io::Result::Ok(())
/// ```
///
/// # Dropping
///
/// Dropping a `Runtime` drops every task it still holds, finished or not
/// (their sockets close and their timers are cancelled), wakes the join
/// handles that wait for them, and lets the `spawn_blocking` threads exit.
/// Blocking jobs not yet started are dropped, except file writes that
/// [`runtime::fs`](crate::fs) has already reported as written: the drop
/// waits until they are done.
pub struct Runtime {
    core: Rc<Core>,
    /// Tracing was turned on by `RUNTIME_TRACE`: print it when dropped.
    print_trace_on_drop: bool,
}

impl Runtime {
    /// Creates a runtime (one epoll instance, an eventfd and a timerfd).
    ///
    /// # Errors
    ///
    /// Fails if the operating system refuses to create those descriptors
    /// (for example when the process is out of file descriptors).
    pub fn new() -> io::Result<Runtime> {
        Runtime::builder().build()
    }

    /// A [`Builder`], to set options before creating the runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = runtime::Runtime::builder().trace(true).build()?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn builder() -> Builder {
        Builder { trace: None }
    }

    /// Takes the trace recorded so far (see [`trace`](crate::trace)); empty
    /// when tracing is off.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = runtime::Runtime::builder().trace(true).build()?;
    /// rt.block_on(async { runtime::yield_now().await });
    /// for event in rt.take_trace() {
    ///     println!("{event}");
    /// }
    /// # std::io::Result::Ok(())
    /// ```
    pub fn take_trace(&self) -> Vec<crate::trace::TraceEvent> {
        self.core
            .tracer
            .as_ref()
            .map(|t| t.take())
            .unwrap_or_default()
    }

    /// Runs `future` to completion on this thread, driving every task of this
    /// runtime meanwhile, and returns its output.
    ///
    /// # Panics
    ///
    /// Panics if called while a runtime is already running on this thread
    /// (inside another `block_on`); `.await` the future instead. A panic of
    /// `future` itself propagates out of `block_on`; a panic of a spawned task
    /// does not (it goes to that task's [`JoinHandle`]).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = runtime::Runtime::new()?;
    /// assert_eq!(rt.block_on(async { "done" }), "done");
    /// # std::io::Result::Ok(())
    /// ```
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.core.block_on(future)
    }

    /// Spawns a task on this runtime. It is first polled when a `block_on`
    /// of this runtime runs.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = runtime::Runtime::new()?;
    /// let handle = rt.spawn(async { "hi" });
    /// assert_eq!(rt.block_on(handle).unwrap(), "hi");
    /// # std::io::Result::Ok(())
    /// ```
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        self.core.spawn(future)
    }

    /// A snapshot of this runtime's counters.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = runtime::Runtime::new()?;
    /// rt.block_on(async {});
    /// assert_eq!(rt.stats().tasks, 0);
    /// assert!(rt.stats().polls >= 1);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn stats(&self) -> Stats {
        self.core.stats()
    }

    /// This runtime's [`Id`](crate::Id), as [`Id::current`](crate::Id::current)
    /// gives it inside.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = runtime::Runtime::new()?;
    /// assert_eq!(rt.block_on(async { runtime::Id::current() }), Some(rt.id()));
    /// # std::io::Result::Ok(())
    /// ```
    pub fn id(&self) -> crate::Id {
        self.core.unique_id()
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.core.shutdown();
        if self.print_trace_on_drop {
            for event in self.take_trace() {
                eprintln!("[runtime trace] {event}");
            }
        }
    }
}

/// Options for a [`Runtime`], from [`Runtime::builder`].
#[derive(Debug, Clone)]
#[must_use = "call .build() to create the runtime"]
pub struct Builder {
    trace: Option<bool>,
}

impl Builder {
    /// Records a [trace](crate::trace) of the event loop, to read with
    /// [`Runtime::take_trace`]. Without this call, tracing follows the
    /// `RUNTIME_TRACE` environment variable (`1` turns it on, and the trace
    /// is then printed to stderr when the runtime is dropped).
    pub fn trace(mut self, on: bool) -> Builder {
        self.trace = Some(on);
        self
    }

    /// Creates the runtime (one epoll instance, an eventfd and a timerfd).
    ///
    /// # Errors
    ///
    /// Fails if the operating system refuses to create those descriptors
    /// (for example when the process is out of file descriptors), or if more
    /// than 65,536 runtimes are alive at once.
    pub fn build(self) -> io::Result<Runtime> {
        let from_env = self.trace.is_none() && crate::trace::Tracer::enabled_by_env();
        Ok(Runtime {
            core: Rc::new(Core::new(self.trace.unwrap_or(from_env))?),
            print_trace_on_drop: from_env,
        })
    }
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("stats", &self.stats())
            .finish()
    }
}

/// Runs `future` to completion on a new runtime on this thread, driving every
/// task spawned inside it, then drops the runtime (and any task still alive).
///
/// # Panics
///
/// Panics if a runtime is already running on this thread (a nested
/// `block_on`), or if the runtime's epoll instance cannot be created (the
/// process is out of file descriptors); use [`Runtime::new`] to handle that
/// error instead.
///
/// # Examples
///
/// ```
/// let out = runtime::block_on(async {
///     let task = runtime::spawn(async { 20 });
///     task.await.unwrap() + 1
/// });
/// assert_eq!(out, 21);
/// ```
pub fn block_on<F: Future>(future: F) -> F::Output {
    let rt = Runtime::new().unwrap_or_else(|e| panic!("runtime::block_on: {e}"));
    rt.block_on(future)
}

/// Spawns a task on the current runtime and returns its [`JoinHandle`].
///
/// The future does not need to be `Send`: tasks stay on this thread, so they
/// may hold `Rc` and `RefCell`.
///
/// # Panics
///
/// Panics when called outside a runtime (not inside `block_on`).
///
/// # Examples
///
/// ```
/// use std::{cell::RefCell, rc::Rc};
///
/// runtime::block_on(async {
///     let log = Rc::new(RefCell::new(Vec::new()));
///     let l = log.clone();
///     runtime::spawn(async move { l.borrow_mut().push("task") }).await.unwrap();
///     assert_eq!(*log.borrow(), ["task"]);
/// });
/// ```
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    context::current("runtime::spawn").spawn(future)
}

/// Runs a blocking function on a helper thread and returns a [`JoinHandle`]
/// for its result, so that blocking work (a DNS lookup, a file read, a heavy
/// computation) never stalls the event loop.
///
/// Helper threads are started on demand, at most 16 per runtime; they exit
/// after 5 seconds without work, or once idle after the runtime is dropped.
/// The result arrives as a wake from the helper thread.
///
/// # Panics
///
/// Panics when called outside a runtime. A panic inside `f` does not
/// propagate: the handle yields a [`JoinError`](crate::JoinError) with
/// `is_panic()`.
///
/// # Cancellation
///
/// A blocking function cannot be interrupted: aborting the handle drops the
/// waiting task, but `f` runs to the end and its result is dropped.
///
/// # Examples
///
/// ```
/// runtime::block_on(async {
///     let n = runtime::spawn_blocking(|| {
///         std::thread::sleep(std::time::Duration::from_millis(10));
///         42
///     });
///     assert_eq!(n.await.unwrap(), 42);
/// });
/// ```
pub fn spawn_blocking<F, T>(f: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let core = context::current("runtime::spawn_blocking");
    let result = core.blocking.run(f);
    core.spawn(result)
}

/// A snapshot of the current runtime's counters (see [`Stats`]).
///
/// # Panics
///
/// Panics when called outside a runtime.
///
/// # Examples
///
/// ```
/// runtime::block_on(async {
///     assert_eq!(runtime::stats().sources, 0);
/// });
/// ```
pub fn stats() -> Stats {
    context::current("runtime::stats").stats()
}

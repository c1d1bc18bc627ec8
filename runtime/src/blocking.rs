//! A small pool of helper threads for work that must block, such as name
//! resolution (`getaddrinfo` has no non-blocking form).
//!
//! [`spawn_blocking`](crate::spawn_blocking) sends a job here. A thread takes
//! it, runs it, stores the result in a one-shot slot and wakes the task that
//! awaits it: a wake from another thread, which interrupts the reactor
//! through `Poller::notify` (see `remote.rs`). Threads are started on demand,
//! up to [`MAX_THREADS`], and exit after [`KEEP_ALIVE`] without work, or as
//! soon as they are idle once the runtime is dropped.
//!
//! Jobs queued when the runtime is dropped are discarded, except the
//! *mandatory* ones ([`BlockingPool::run_mandatory`]: the writes of
//! `runtime::fs::File`, whose caller was told "written" when the bytes were
//! handed over). Those still run, and dropping the runtime waits for them,
//! so that no byte a write accepted is lost because its program returned.

use std::any::Any;
use std::collections::VecDeque;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Wake, Waker};
use std::thread;
use std::time::Duration;

/// Most helper threads alive at once, per runtime.
pub const MAX_THREADS: usize = 16;
/// How long a helper thread waits for work before it exits.
pub const KEEP_ALIVE: Duration = Duration::from_secs(5);

/// A job for a helper thread.
struct Job {
    run: Box<dyn FnOnce() + Send + 'static>,
    /// Runs even if the runtime is dropped before a thread takes it, and
    /// the drop waits for it (see the module docs).
    mandatory: bool,
}

#[derive(Debug)]
pub(crate) struct BlockingPool {
    inner: Arc<PoolInner>,
}

#[derive(Debug, Default)]
struct PoolInner {
    state: Mutex<PoolState>,
    /// Signalled when a job is queued or the pool shuts down.
    work: Condvar,
    /// Signalled when the last mandatory job is done.
    mandatory_done: Condvar,
}

#[derive(Default)]
struct PoolState {
    queue: VecDeque<Job>,
    /// Threads alive.
    threads: usize,
    /// Threads waiting for a job.
    idle: usize,
    /// Mandatory jobs queued or running; `shutdown` waits for none.
    mandatory: usize,
    shutdown: bool,
}

impl std::fmt::Debug for PoolState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PoolState")
            .field("queued", &self.queue.len())
            .field("threads", &self.threads)
            .field("idle", &self.idle)
            .field("mandatory", &self.mandatory)
            .field("shutdown", &self.shutdown)
            .finish()
    }
}

impl PoolInner {
    fn lock(&self) -> MutexGuard<'_, PoolState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl BlockingPool {
    pub(crate) fn new() -> BlockingPool {
        BlockingPool {
            inner: Arc::new(PoolInner::default()),
        }
    }

    /// Runs `f` on a helper thread; the returned future yields its result,
    /// or resumes its panic.
    pub(crate) fn run<F, T>(&self, f: F) -> BlockingResult<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        self.run_job(f, false)
    }

    /// [`BlockingPool::run`] for a job that must not be lost: it runs even
    /// if the runtime is dropped first, and the drop waits for it.
    pub(crate) fn run_mandatory<F, T>(&self, f: F) -> BlockingResult<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        self.run_job(f, true)
    }

    fn run_job<F, T>(&self, f: F, mandatory: bool) -> BlockingResult<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let slot = Arc::new(Mutex::new(OneShot {
            result: None,
            waker: None,
        }));
        let sender = slot.clone();
        let run = Box::new(move || {
            let result = catch_unwind(AssertUnwindSafe(f));
            let waker = {
                let mut s = sender.lock().unwrap_or_else(PoisonError::into_inner);
                s.result = Some(result);
                s.waker.take()
            };
            if let Some(w) = waker {
                w.wake();
            }
        });
        self.submit(Job { run, mandatory });
        BlockingResult { slot }
    }

    fn submit(&self, job: Job) {
        let mut state = self.inner.lock();
        state.mandatory += usize::from(job.mandatory);
        state.queue.push_back(job);
        // An idle thread counts as idle until it wakes and takes the lock,
        // so compare against the queue: a burst of jobs must not all count
        // on the same sleeping thread.
        if state.queue.len() <= state.idle {
            self.inner.work.notify_one();
            return;
        }
        if state.threads >= MAX_THREADS {
            return; // a busy thread takes it when it is done
        }
        state.threads += 1;
        drop(state);
        let inner = self.inner.clone();
        let spawned = thread::Builder::new()
            .name("runtime-blocking".into())
            .spawn(move || worker(&inner));
        if let Err(e) = spawned {
            let mut state = self.inner.lock();
            state.threads -= 1;
            if state.threads == 0 {
                // No thread will ever run the queued jobs; run this one here
                // rather than lose it. This blocks the loop, but only when
                // the OS refuses to create threads at all.
                let job = state.queue.pop_back();
                drop(state);
                eprintln!("runtime: could not start a blocking thread ({e}); running inline");
                if let Some(job) = job {
                    self.inner.run(job);
                }
            }
        }
    }

    /// Threads currently alive.
    pub(crate) fn threads(&self) -> usize {
        self.inner.lock().threads
    }

    /// Discards the queued jobs but the mandatory ones, waits until those
    /// (and the mandatory jobs running) are done, and lets idle threads exit
    /// now; busy ones exit when their job ends.
    pub(crate) fn shutdown(&self) {
        let mut state = self.inner.lock();
        state.shutdown = true;
        state.queue.retain(|job| job.mandatory);
        self.inner.work.notify_all();
        // A mandatory job always has a thread to run it: `submit` started
        // one or woke one, and a thread leaves only when the queue is empty.
        while state.mandatory > 0 {
            state = self
                .inner
                .mandatory_done
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

impl PoolInner {
    /// Runs `job` (which catches its own panics) and counts it done.
    fn run(&self, job: Job) {
        (job.run)();
        if job.mandatory {
            let mut state = self.lock();
            state.mandatory -= 1;
            if state.mandatory == 0 {
                self.mandatory_done.notify_all();
            }
        }
    }
}

fn worker(inner: &PoolInner) {
    let mut state = inner.lock();
    loop {
        if let Some(job) = state.queue.pop_front() {
            drop(state);
            inner.run(job);
            state = inner.lock();
            continue;
        }
        if state.shutdown {
            break;
        }
        state.idle += 1;
        let (next, timeout) = inner
            .work
            .wait_timeout(state, KEEP_ALIVE)
            .unwrap_or_else(PoisonError::into_inner);
        state = next;
        state.idle -= 1;
        if timeout.timed_out() && state.queue.is_empty() {
            break;
        }
    }
    state.threads -= 1;
}

struct OneShot<T> {
    result: Option<thread::Result<T>>,
    waker: Option<Waker>,
}

/// The result of a blocking job, as a future.
pub(crate) struct BlockingResult<T> {
    slot: Arc<Mutex<OneShot<T>>>,
}

impl<T> Future for BlockingResult<T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let mut slot = self.slot.lock().unwrap_or_else(PoisonError::into_inner);
        match slot.result.take() {
            Some(Ok(value)) => Poll::Ready(value),
            Some(Err(payload)) => {
                drop(slot);
                resume_panic(payload)
            }
            None => {
                match &slot.waker {
                    Some(w) if w.will_wake(cx.waker()) => {}
                    _ => slot.waker = Some(cx.waker().clone()),
                }
                Poll::Pending
            }
        }
    }
}

impl<T> BlockingResult<T> {
    /// The result if the job is done, without leaving a waker: for a
    /// caller that will not wait for it now (and so wants no wake-up
    /// when it ends).
    pub(crate) fn try_take(&mut self) -> Option<T> {
        let mut slot = self.slot.lock().unwrap_or_else(PoisonError::into_inner);
        match slot.result.take() {
            Some(Ok(value)) => Some(value),
            Some(Err(payload)) => {
                drop(slot);
                resume_panic(payload)
            }
            None => None,
        }
    }

    /// Blocks this thread until the job is done: for a job on a helper
    /// thread that must follow another (which is ahead of it in the FIFO
    /// queue, so already taken by a thread: this cannot wait for a job
    /// that waits for a free thread).
    pub(crate) fn wait(mut self) -> T {
        struct Unpark(thread::Thread);
        impl Wake for Unpark {
            fn wake(self: Arc<Self>) {
                self.0.unpark();
            }
        }
        let waker = Waker::from(Arc::new(Unpark(thread::current())));
        let mut cx = Context::from_waker(&waker);
        loop {
            if let Poll::Ready(value) = Pin::new(&mut self).poll(&mut cx) {
                return value;
            }
            thread::park();
        }
    }
}

/// Re-raises a blocking job's panic inside the task that awaits it, so the
/// task's `JoinHandle` reports it as a panic with the original payload.
fn resume_panic(payload: Box<dyn Any + Send>) -> ! {
    resume_unwind(payload)
}

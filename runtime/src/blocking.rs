//! A small pool of helper threads for work that must block, such as name
//! resolution (`getaddrinfo` has no non-blocking form).
//!
//! [`spawn_blocking`](crate::spawn_blocking) sends a job here. A thread takes
//! it, runs it, stores the result in a one-shot slot and wakes the task that
//! awaits it: a wake from another thread, which interrupts the reactor
//! through `Poller::notify` (see `remote.rs`). Threads are started on demand,
//! up to [`MAX_THREADS`], and exit after [`KEEP_ALIVE`] without work, or as
//! soon as they are idle once the runtime is dropped.

use std::any::Any;
use std::collections::VecDeque;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::Duration;

/// Most helper threads alive at once, per runtime.
pub const MAX_THREADS: usize = 16;
/// How long a helper thread waits for work before it exits.
pub const KEEP_ALIVE: Duration = Duration::from_secs(5);

type Job = Box<dyn FnOnce() + Send + 'static>;

#[derive(Debug)]
pub(crate) struct BlockingPool {
    inner: Arc<PoolInner>,
}

#[derive(Debug, Default)]
struct PoolInner {
    state: Mutex<PoolState>,
    /// Signalled when a job is queued or the pool shuts down.
    work: Condvar,
}

#[derive(Default)]
struct PoolState {
    queue: VecDeque<Job>,
    /// Threads alive.
    threads: usize,
    /// Threads waiting for a job.
    idle: usize,
    shutdown: bool,
}

impl std::fmt::Debug for PoolState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PoolState")
            .field("queued", &self.queue.len())
            .field("threads", &self.threads)
            .field("idle", &self.idle)
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
        let slot = Arc::new(Mutex::new(OneShot {
            result: None,
            waker: None,
        }));
        let sender = slot.clone();
        self.submit(Box::new(move || {
            let result = catch_unwind(AssertUnwindSafe(f));
            let waker = {
                let mut s = sender.lock().unwrap_or_else(PoisonError::into_inner);
                s.result = Some(result);
                s.waker.take()
            };
            if let Some(w) = waker {
                w.wake();
            }
        }));
        BlockingResult { slot }
    }

    fn submit(&self, job: Job) {
        let mut state = self.inner.lock();
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
                    job();
                }
            }
        }
    }

    /// Threads currently alive.
    pub(crate) fn threads(&self) -> usize {
        self.inner.lock().threads
    }

    /// Lets idle threads exit now; busy ones exit when their job ends.
    pub(crate) fn shutdown(&self) {
        let mut state = self.inner.lock();
        state.shutdown = true;
        state.queue.clear();
        drop(state);
        self.inner.work.notify_all();
    }
}

fn worker(inner: &PoolInner) {
    let mut state = inner.lock();
    loop {
        if let Some(job) = state.queue.pop_front() {
            drop(state);
            job(); // a job catches its own panics
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

/// Re-raises a blocking job's panic inside the task that awaits it, so the
/// task's `JoinHandle` reports it as a panic with the original payload.
fn resume_panic(payload: Box<dyn Any + Send>) -> ! {
    resume_unwind(payload)
}

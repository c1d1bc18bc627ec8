//! A pipeline with backpressure: a producer, a bounded `mpsc` stage, four
//! workers and a result collector, with a `Semaphore` limiting how many
//! workers are inside the "expensive" step at once.
//!
//! ```text
//!  producer ──send().await──► [ mpsc::channel(8) ] ──► worker ×4 ──► collector
//!   (waits when the           (at most 8 jobs          │ (2 at a time in the
//!    queue is full)            queued: memory bound)   ▼  semaphore-guarded step)
//! ```
//!
//! The producer can make jobs far faster than the workers finish them, so
//! it spends most of its time waiting in `send`: that wait is the
//! backpressure, and it keeps the queue, and the memory, at 8 jobs however
//! many are made. The workers share the one receiver through an async
//! `Mutex` (`recv` while holding it: first come, first served), and at most
//! two of them run the slow step at a time, whatever the number of workers.
//! It ends with a summary and checks its own numbers (exit code 1 if one
//! is wrong).
//!
//! Run it with `cargo run --example 05_pipeline`; it takes well under a
//! second.

use std::cell::Cell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use runtime::sync::mpsc::{self, TrySendError};
use runtime::sync::{Mutex, Semaphore};
use runtime::time::sleep;

const JOBS: u64 = 400;
const QUEUE: usize = 8;
const WORKERS: usize = 4;
const SLOW_STEP_LIMIT: usize = 2;

/// What the program observes, to print and to check.
#[derive(Default)]
struct Gauges {
    /// Times the producer found the queue full and had to wait.
    producer_waits: Cell<u64>,
    /// The most jobs ever queued at once.
    peak_queued: Cell<usize>,
    /// Workers inside the slow step now, and the most at once.
    in_slow_step: Cell<usize>,
    peak_slow_step: Cell<usize>,
}

/// One job's result: which worker did it and the job's value squared.
struct Done {
    worker: usize,
    square: u64,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let start = Instant::now();
    let gauges = Rc::new(Gauges::default());
    let (summary, per_worker) = runtime::block_on(async {
        let (job_tx, job_rx) = mpsc::channel::<u64>(QUEUE);
        let (done_tx, mut done_rx) = mpsc::channel::<Done>(QUEUE);
        let job_rx = Arc::new(Mutex::new(job_rx));
        let slow_step = Arc::new(Semaphore::new(SLOW_STEP_LIMIT));

        let producer = runtime::spawn({
            let gauges = gauges.clone();
            async move {
                for job in 1..=JOBS {
                    // Try first, to count the times the queue pushed back.
                    if let Err(TrySendError::Full(job)) = job_tx.try_send(job) {
                        gauges.producer_waits.set(gauges.producer_waits.get() + 1);
                        job_tx.send(job).await?;
                    }
                    let queued = QUEUE - job_tx.capacity();
                    gauges.peak_queued.set(gauges.peak_queued.get().max(queued));
                }
                Ok::<_, mpsc::SendError<u64>>(())
                // Dropping `job_tx` here ends the workers' loops.
            }
        });

        let mut workers = Vec::new();
        for worker in 0..WORKERS {
            let (job_rx, done_tx) = (job_rx.clone(), done_tx.clone());
            let (slow_step, gauges) = (slow_step.clone(), gauges.clone());
            workers.push(runtime::spawn(async move {
                loop {
                    // The guard is dropped at the end of the statement: the
                    // next worker may take a job while this one works.
                    let Some(job) = job_rx.lock().await.recv().await else {
                        break;
                    };
                    let permit = slow_step.acquire().await.expect("never closed");
                    let inside = gauges.in_slow_step.get() + 1;
                    gauges.in_slow_step.set(inside);
                    gauges
                        .peak_slow_step
                        .set(gauges.peak_slow_step.get().max(inside));
                    if job % 20 == 0 {
                        sleep(Duration::from_millis(1)).await; // the slow part
                    } else {
                        runtime::yield_now().await;
                    }
                    gauges.in_slow_step.set(gauges.in_slow_step.get() - 1);
                    drop(permit);
                    let square = job * job;
                    if done_tx.send(Done { worker, square }).await.is_err() {
                        break;
                    }
                }
            }));
        }
        drop(done_tx); // the collector ends when every worker has

        let collector = runtime::spawn(async move {
            let (mut count, mut sum) = (0u64, 0u64);
            let mut per_worker = [0u64; WORKERS];
            while let Some(done) = done_rx.recv().await {
                count += 1;
                sum += done.square;
                per_worker[done.worker] += 1;
            }
            ((count, sum), per_worker)
        });

        producer.await??;
        for worker in workers {
            worker.await?;
        }
        Ok::<_, Box<dyn std::error::Error>>(collector.await?)
    })?;

    let (count, sum) = summary;
    let expected_sum: u64 = (1..=JOBS).map(|j| j * j).sum();
    println!(
        "pipeline: {count} jobs through a queue of {QUEUE} to {WORKERS} workers in {:.1?}",
        start.elapsed()
    );
    println!("  results: sum of squares {sum} (expected {expected_sum})");
    println!("  per worker: {per_worker:?}");
    println!(
        "  backpressure: the producer waited {} times; at most {} jobs were queued",
        gauges.producer_waits.get(),
        gauges.peak_queued.get()
    );
    println!(
        "  semaphore: at most {} workers in the slow step at once (limit {SLOW_STEP_LIMIT})",
        gauges.peak_slow_step.get()
    );

    let mut problems = Vec::new();
    if count != JOBS || sum != expected_sum {
        problems.push("a job was lost or duplicated");
    }
    if gauges.peak_queued.get() > QUEUE {
        problems.push("the queue grew past its capacity");
    }
    if gauges.producer_waits.get() == 0 {
        problems.push("the producer never felt backpressure");
    }
    if gauges.peak_slow_step.get() > SLOW_STEP_LIMIT {
        problems.push("the semaphore let too many workers in");
    }
    if problems.is_empty() {
        println!("ok");
        Ok(())
    } else {
        for p in &problems {
            eprintln!("error: {p}");
        }
        std::process::exit(1);
    }
}

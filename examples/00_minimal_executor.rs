//! The smallest complete executor, std only (no crate, not even this workspace's): `spawn` and
//! `block_on` around a run queue of task ids, with wakers made by `std::task::Wake`. Run it with
//! `cargo run --example 00_minimal_executor`. The real runtime (`runtime/`, see its `guide`) adds a
//! reactor parking in `epoll_wait` until a socket or timer is ready, timers, a slab of tasks whose
//! wakers allocate nothing, join handles, panics caught per task, and fairness under load.

use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::{cell::RefCell, collections::VecDeque, pin::Pin, rc::Rc, thread, time::Duration};

type Task = Pin<Box<dyn Future<Output = ()>>>;
struct TaskWaker(usize, Arc<Mutex<VecDeque<usize>>>, thread::Thread); // id, run queue, executor
impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.1.lock().unwrap().push_back(self.0); // queue the task's id...
        self.2.unpark(); // ...and end `block_on`'s park: we may be on another thread
    }
}
thread_local!(static SPAWNED: RefCell<Vec<Task>> = const { RefCell::new(Vec::new()) });
fn spawn(task: impl Future<Output = ()> + 'static) {
    SPAWNED.with_borrow_mut(|new| new.push(Box::pin(task)));
}
/// Runs `main` as task 0, and every task spawned, until task 0 leaves `main`'s output.
fn block_on<T: 'static>(main: impl Future<Output = T> + 'static) -> T {
    let output = Rc::new(RefCell::new(None));
    let out = output.clone();
    spawn(async move { *out.borrow_mut() = Some(main.await) });
    let (queue, mut tasks) = (Arc::new(Mutex::new(VecDeque::new())), Vec::new());
    while output.borrow().is_none() {
        for task in SPAWNED.with_borrow_mut(std::mem::take) {
            queue.lock().unwrap().push_back(tasks.len()); // queued for its first poll
            tasks.push(Some(task));
        }
        let Some(id) = queue.lock().unwrap().pop_front() else {
            println!("block_on: nothing to run, parking");
            thread::park(); // until a waker unparks us (at once if one did since the last park)
            continue;
        };
        let waker = Waker::from(Arc::new(TaskWaker(id, queue.clone(), thread::current())));
        let cx = &mut Context::from_waker(&waker);
        println!("block_on: run task {id}");
        // Poll it (unless it finished: a late wake), and drop it once it is ready.
        drop(tasks[id].take_if(|task| task.as_mut().poll(cx).is_ready()));
    }
    output.take().expect("task 0 has finished") // tasks still pending are dropped
}

/// A hand-written future: a one-shot channel that `send` (from any task or thread) wakes.
#[derive(Clone, Default)]
struct Channel(Arc<Mutex<(Option<&'static str>, Option<Waker>)>>);
impl Channel {
    fn send(&self, value: &'static str) {
        let (_, waker) = std::mem::replace(&mut *self.0.lock().unwrap(), (Some(value), None));
        waker.into_iter().for_each(Waker::wake); // wake the receiver, if it is waiting
    }
}
impl Future for Channel {
    type Output = &'static str;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<&'static str> {
        let mut slot = self.0.lock().unwrap();
        slot.1 = Some(cx.waker().clone()); // the contract: `Pending` only with a wake arranged
        slot.0.take().map_or(Poll::Pending, Poll::Ready)
    }
}

fn main() {
    let (inbox, from_thread) = (Channel::default(), Channel::default());
    let (outbox, to_main) = (inbox.clone(), from_thread.clone());
    let reply = block_on(async move {
        spawn(async move { println!("task 1: got {:?} from task 2", inbox.await) });
        spawn(async move { outbox.send("hi") });
        thread::spawn(move || {
            thread::sleep(Duration::from_millis(20));
            to_main.send("hello from a thread");
        });
        from_thread.await
    });
    println!("main: got {reply:?}");
}

//! The reactor in oneshot mode, forced on this machine's poller: the
//! re-arming that keeps a wake-up from being lost where the poller has no
//! edge mode (`mode.rs`). Real descriptors: a Unix socket pair.

use std::io::{ErrorKind, Read, Write};
use std::os::fd::AsFd;
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Wake, Waker};

use super::*;

/// A waker that counts its wakes.
struct Count(AtomicUsize);

impl Wake for Count {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn counter() -> (Arc<Count>, Waker) {
    let count = Arc::new(Count(AtomicUsize::new(0)));
    (count.clone(), Waker::from(count))
}

fn wakes(count: &Count) -> usize {
    count.0.load(Ordering::SeqCst)
}

fn oneshot_reactor() -> Reactor {
    let shared = Arc::new(Shared::new().unwrap());
    Reactor::with_mode(shared, None, Mode::Oneshot)
}

/// A non-blocking socket pair, the first end registered with `reactor`.
fn registered(reactor: &Reactor) -> (UnixStream, UnixStream, usize) {
    let (ours, peer) = UnixStream::pair().unwrap();
    ours.set_nonblocking(true).unwrap();
    // SAFETY: every test deregisters `ours` before dropping it.
    let key = unsafe { reactor.register(ours.as_fd(), false) }.unwrap();
    (ours, peer, key)
}

#[test]
fn a_reader_is_woken_and_rearmed_for_the_next_wait() {
    let reactor = oneshot_reactor();
    let (mut ours, mut peer, key) = registered(&reactor);
    let (count, waker) = counter();
    let mut cx = Context::from_waker(&waker);
    assert!(
        reactor
            .poll_ready(key, Direction::Read, &mut cx, None)
            .is_pending()
    );
    reactor.poll_events(false);
    assert_eq!(wakes(&count), 0, "nothing to read yet");

    peer.write_all(b"a").unwrap();
    reactor.poll_events(false);
    assert_eq!(wakes(&count), 1);
    assert!(
        reactor
            .poll_ready(key, Direction::Read, &mut cx, None)
            .is_ready()
    );
    let mut buf = [0; 8];
    assert_eq!(ours.read(&mut buf).unwrap(), 1);
    assert_eq!(
        ours.read(&mut buf).unwrap_err().kind(),
        ErrorKind::WouldBlock
    );
    reactor.clear_ready(key, Direction::Read);

    // The event disarmed the socket; waiting again must re-arm it.
    assert!(
        reactor
            .poll_ready(key, Direction::Read, &mut cx, None)
            .is_pending()
    );
    reactor.poll_events(false);
    assert_eq!(wakes(&count), 1, "still nothing new to read");
    peer.write_all(b"b").unwrap();
    reactor.poll_events(false);
    assert_eq!(wakes(&count), 2, "the second byte was not lost");
    reactor.deregister(ours.as_fd(), key);
}

#[test]
fn an_event_in_one_direction_rearms_the_other() {
    let reactor = oneshot_reactor();
    let (ours, mut peer, key) = registered(&reactor);
    let (read_count, read_waker) = counter();
    let (write_count, write_waker) = counter();
    let mut read_cx = Context::from_waker(&read_waker);
    let mut write_cx = Context::from_waker(&write_waker);
    assert!(
        reactor
            .poll_ready(key, Direction::Read, &mut read_cx, None)
            .is_pending()
    );
    assert!(
        reactor
            .poll_ready(key, Direction::Write, &mut write_cx, None)
            .is_pending()
    );
    // The socket is writable at once: that event disarms the whole socket.
    reactor.poll_events(false);
    assert_eq!((wakes(&read_count), wakes(&write_count)), (0, 1));
    // The reader still waits, so the socket was queued to be armed again.
    peer.write_all(b"x").unwrap();
    reactor.poll_events(false);
    assert_eq!((wakes(&read_count), wakes(&write_count)), (1, 1));
    reactor.deregister(ours.as_fd(), key);
}

#[test]
fn an_event_that_wakes_nobody_takes_the_socket_out_until_a_task_waits() {
    let reactor = oneshot_reactor();
    let (ours, peer, key) = registered(&reactor);
    drop(peer); // a hang-up, reported even with no interest armed
    reactor.poll_events(false);
    assert!(
        !reactor.sources.borrow()[key].arming.is_added(),
        "nobody waited: out of the poller, so it cannot report again and again"
    );
    let (count, waker) = counter();
    let mut cx = Context::from_waker(&waker);
    // The hang-up set both flags: a task would try its call, not wait.
    assert!(
        reactor
            .poll_ready(key, Direction::Read, &mut cx, None)
            .is_ready()
    );
    reactor.clear_ready(key, Direction::Read);
    assert!(
        reactor
            .poll_ready(key, Direction::Read, &mut cx, None)
            .is_pending()
    );
    reactor.poll_events(false);
    assert_eq!(wakes(&count), 1, "added back, and the hang-up reported");
    assert!(reactor.sources.borrow()[key].arming.is_added());
    reactor.deregister(ours.as_fd(), key);
}

#[test]
fn a_source_deregistered_while_queued_for_arming_is_skipped() {
    let reactor = oneshot_reactor();
    let (ours, mut peer, key) = registered(&reactor);
    let (count, waker) = counter();
    assert!(
        reactor
            .poll_ready(key, Direction::Read, &mut Context::from_waker(&waker), None)
            .is_pending()
    );
    reactor.deregister(ours.as_fd(), key);
    peer.write_all(b"x").unwrap();
    // A new socket in the same slab slot, with nobody waiting.
    let (other, _other_peer, other_key) = registered(&reactor);
    assert_eq!(other_key, key);
    reactor.poll_events(false);
    assert_eq!(wakes(&count), 0, "the old waker went with its source");
    assert_eq!(reactor.stats().sources, 1);
    reactor.deregister(other.as_fd(), other_key);
}

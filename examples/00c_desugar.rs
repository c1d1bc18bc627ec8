//! What `async` compiles to, written by hand: chapter 1's `async` block as an enum state machine
//! implementing `Future`; then a block that borrows one of its own locals across an `.await`,
//! whose state machine points into itself, which is why `poll` takes `Pin<&mut Self>`; then what
//! `pin_project!` (the `pin-project-lite` crate) writes for a future that wraps another. std only,
//! besides that macro. Run it with `cargo run --example 00c_desugar`; the guide's chapter 1,
//! *Pinning*, walks through it.

use std::marker::PhantomPinned;
use std::pin::{Pin, pin};
use std::ptr::NonNull;
use std::task::{Context, Poll, Waker, ready};

/// Chapter 1's countdown: `Pending` `remaining` times (waking itself), then `Ready("liftoff")`.
struct Countdown {
    remaining: u32,
}

impl Future for Countdown {
    type Output = &'static str;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<&'static str> {
        if self.remaining == 0 {
            return Poll::Ready("liftoff");
        }
        self.remaining -= 1;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

// 1. Chapter 1's block, by hand:
//
//     async {
//         let first = Countdown { remaining: 1 }.await;
//         let second = Countdown { remaining: 2 }.await;
//         format!("{first}, {second}")
//     }
//
// One variant per place the block can be suspended, holding what is alive there: the future it
// awaits, and the locals needed after it.
enum Both {
    Start,
    First(Countdown),
    Second {
        first: &'static str,
        countdown: Countdown,
    },
    Done,
}

impl Future for Both {
    type Output = String;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<String> {
        // `Both` holds no reference into itself, so it is `Unpin` and `Pin` derefs to `&mut`.
        loop {
            match &mut *self {
                Both::Start => *self = Both::First(Countdown { remaining: 1 }),
                Both::First(countdown) => {
                    // `.await`: poll what we await; `Pending` goes up unchanged (`ready!`).
                    let first = ready!(Pin::new(countdown).poll(cx));
                    let countdown = Countdown { remaining: 2 };
                    *self = Both::Second { first, countdown };
                }
                Both::Second { first, countdown } => {
                    let second = ready!(Pin::new(countdown).poll(cx));
                    let output = format!("{first}, {second}");
                    *self = Both::Done;
                    return Poll::Ready(output);
                }
                Both::Done => panic!("`async fn` resumed after completion"),
            }
        }
    }
}

/// Like a socket read into a caller's buffer: `Pending` twice, then fills `buf`.
struct Fill<'a> {
    buf: &'a mut [u8],
    remaining: u32,
}

impl Future for Fill<'_> {
    type Output = usize;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<usize> {
        if self.remaining > 0 {
            self.remaining -= 1;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        self.buf[..7].copy_from_slice(b"liftoff");
        Poll::Ready(7)
    }
}

// 2. A block that borrows its own local across an `.await`:
//
//     async {
//         let mut buf = [0u8; 16];
//         let n = Fill { buf: &mut buf, remaining: 2 }.await; // `stream.read(&mut buf).await`
//         String::from_utf8_lossy(&buf[..n]).into_owned()
//     }
//
// While it waits, the state holds `buf` *and* a `Fill` pointing at `buf`: a pointer into the
// state itself. Safe Rust has no lifetime for "my own field" (the guide shows the compiler
// refusing), so the state keeps a raw pointer, as the compiler's own state machines do.
enum ReadBuf {
    Start,
    Reading {
        buf: [u8; 16],
        /// Points at `buf`, just above. Valid only while this value stays where it is.
        fill: Option<Fill<'static>>,
        /// Makes `ReadBuf` `!Unpin`: once pinned, safe code can no longer move it.
        _pinned: PhantomPinned,
    },
    Done,
}

impl Future for ReadBuf {
    type Output = String;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<String> {
        // SAFETY: nothing below moves the value out of `this`: each state is replaced in place.
        let this = unsafe { self.get_unchecked_mut() };
        loop {
            match this {
                ReadBuf::Start => {
                    *this = ReadBuf::Reading {
                        buf: [0; 16],
                        fill: None,
                        _pinned: PhantomPinned,
                    };
                    let ReadBuf::Reading { buf, fill, .. } = this else {
                        unreachable!()
                    };
                    let at = NonNull::from(&mut buf[..]);
                    // SAFETY: `buf` is a field of this pinned value, so it stays at `at` until
                    // the value is dropped, and nothing touches `buf` while `fill` holds the
                    // pointer: the `'static` is a promise that `Pin` lets us keep.
                    let borrowed: &'static mut [u8] = unsafe { &mut *at.as_ptr() };
                    *fill = Some(Fill {
                        buf: borrowed,
                        remaining: 2,
                    });
                    println!(
                        "  ReadBuf: state at {:p}, buf at {:p}",
                        &raw const *this,
                        at.cast::<u8>()
                    );
                }
                ReadBuf::Reading {
                    fill: Some(reading),
                    ..
                } => {
                    println!(
                        "  ReadBuf: polled, Fill points at {:p}",
                        reading.buf.as_ptr()
                    );
                    let n = ready!(Pin::new(reading).poll(cx));
                    if let ReadBuf::Reading { fill, .. } = this {
                        *fill = None; // the borrow of `buf` ends...
                    }
                    let ReadBuf::Reading { buf, .. } = this else {
                        unreachable!()
                    };
                    let text = String::from_utf8_lossy(&buf[..n]).into_owned(); // ...before this
                    *this = ReadBuf::Done;
                    return Poll::Ready(text);
                }
                ReadBuf::Reading { fill: None, .. } => unreachable!("`Start` sets `fill`"),
                ReadBuf::Done => panic!("`async fn` resumed after completion"),
            }
        }
    }
}

// 3. A future that wraps another needs `Pin<&mut Inner>` to poll it: a *pinned projection*.
pin_project_lite::pin_project! {
    /// Counts the polls of the future it wraps.
    struct Counted<F> {
        #[pin]
        inner: F,
        polls: u32,
    }
}

impl<F: Future> Future for Counted<F> {
    type Output = (F::Output, u32);
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project(); // `inner: Pin<&mut F>`, `polls: &mut u32`
        *this.polls += 1;
        let output = ready!(this.inner.poll(cx));
        Poll::Ready((output, *this.polls))
    }
}

/// The same wrapper with the projection written out: what `pin_project!` generates, in short.
struct CountedByHand<F> {
    inner: F,
    polls: u32,
}

/// The projection: a pinned reference to each `#[pin]` field, a plain one to the others.
struct Projection<'a, F> {
    inner: Pin<&'a mut F>,
    polls: &'a mut u32,
}

impl<F> CountedByHand<F> {
    fn project(self: Pin<&mut Self>) -> Projection<'_, F> {
        // SAFETY: `inner` is treated as pinned whenever `self` is: we never move it, never hand
        // out `&mut F`, and the two impls below keep the other promises (no `Unpin` unless `F`
        // is, no moving `Drop`). `polls` is not pinned, so a plain `&mut` to it is fine.
        unsafe {
            let this = self.get_unchecked_mut();
            Projection {
                inner: Pin::new_unchecked(&mut this.inner),
                polls: &mut this.polls,
            }
        }
    }
}

// `Unpin` only if every pinned field is: moving the wrapper would move `inner` with it.
impl<F: Unpin> Unpin for CountedByHand<F> {}

// No `Drop` impl may move `inner` out (pin_project! refuses a `Drop` impl that could).

impl<F: Future> Future for CountedByHand<F> {
    type Output = (F::Output, u32);
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        *this.polls += 1;
        let output = ready!(this.inner.poll(cx));
        Poll::Ready((output, *this.polls))
    }
}

/// Chapter 1's spinning executor: polls until ready, returns the output and the number of polls.
fn run<F: Future>(future: F) -> (F::Output, u32) {
    let mut future = pin!(future); // pinned on the stack: it will not move again
    let mut cx = Context::from_waker(Waker::noop());
    let mut polls = 1;
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return (output, polls);
        }
        polls += 1;
    }
}

fn main() {
    println!("1. chapter 1's block, compiled and by hand:");
    let compiled = run(async {
        let first = Countdown { remaining: 1 }.await;
        let second = Countdown { remaining: 2 }.await;
        format!("{first}, {second}")
    });
    let by_hand = run(Both::Start);
    println!("  async block: {compiled:?}\n  Both:        {by_hand:?}");
    assert_eq!(compiled, by_hand);

    println!("2. a local borrowed across an .await, compiled and by hand:");
    let compiled = run(async {
        let mut buf = [0u8; 16];
        let n = Fill {
            buf: &mut buf,
            remaining: 2,
        }
        .await;
        String::from_utf8_lossy(&buf[..n]).into_owned()
    });
    let by_hand = run(ReadBuf::Start);
    println!("  async block: {compiled:?}\n  ReadBuf:     {by_hand:?}");
    assert_eq!(compiled, by_hand);

    println!("3. a wrapper's pinned projection, by pin_project! and by hand:");
    let (macro_made, hand_made) = (
        run(Counted {
            inner: ReadBuf::Start,
            polls: 0,
        })
        .0,
        run(CountedByHand {
            inner: ReadBuf::Start,
            polls: 0,
        })
        .0,
    );
    println!("  Counted:       {macro_made:?}\n  CountedByHand: {hand_made:?}");
    assert_eq!(macro_made, hand_made);
}

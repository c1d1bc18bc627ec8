//! Read buffers kept for reuse: when a stream's [`Wire`](super::wire::Wire)
//! is dropped, its buffer goes back to a small per-thread stock, and the
//! next response on this thread takes it from there — a full-size (64 KiB)
//! one if there is one, else a first-size (16 KiB) one.
//!
//! A fresh buffer costs an allocation and zeroing it (safe Rust reads only
//! into initialised memory): measured as `memset` in the benchmarks'
//! profiles — 0.25% of an HTTPS request's CPU time for 64 KiB, and 2.5–3.5%
//! of a pooled plain request's for 16 KiB, where nothing else is left to
//! cost much. A reused one costs neither; what it still holds from an
//! earlier response is never read, since a stream only looks at the bytes
//! its own reads put in. The stocks are bounded, so a burst of concurrent
//! responses leaves at most [`SPARE_FULL`] full-size and [`SPARE_FIRST`]
//! first-size buffers behind per thread (1.5 MiB).

use std::cell::RefCell;

use super::wire::{FIRST_READ_BUFFER, READ_BUFFER};

/// Most full-size buffers kept per thread once their streams are gone
/// (512 KiB).
const SPARE_FULL: usize = 8;

/// Most first-size buffers kept per thread (1 MiB): enough for the 50 or so
/// small responses in flight at once on a busy pooled client.
const SPARE_FIRST: usize = 64;

/// The two stocks: full-size and first-size buffers.
#[derive(Default)]
struct Stock {
    full: Vec<Box<[u8]>>,
    first: Vec<Box<[u8]>>,
}

thread_local! {
    static SPARE: RefCell<Stock> = RefCell::default();
}

/// A spare [`READ_BUFFER`]-byte buffer, if this thread has one.
pub(crate) fn take() -> Option<Box<[u8]>> {
    SPARE
        .try_with(|spare| spare.borrow_mut().full.pop())
        .ok()
        .flatten()
}

/// A spare buffer to start a response with: a full-size one if this thread
/// has one, else a [`FIRST_READ_BUFFER`]-byte one, else a new one of that
/// size.
pub(crate) fn take_first() -> Box<[u8]> {
    let spare = SPARE.try_with(|spare| {
        let mut spare = spare.borrow_mut();
        spare.full.pop().or_else(|| spare.first.pop())
    });
    spare
        .ok()
        .flatten()
        .unwrap_or_else(|| vec![0; FIRST_READ_BUFFER].into())
}

/// Gives `buf` back for reuse, unless its stock is full (then it is freed).
pub(crate) fn give_back(buf: Box<[u8]>) {
    // While the thread's locals are being destroyed, the buffer is freed.
    let _ = SPARE.try_with(|spare| {
        let mut spare = spare.borrow_mut();
        let (stock, most) = match buf.len() {
            READ_BUFFER => (&mut spare.full, SPARE_FULL),
            FIRST_READ_BUFFER => (&mut spare.first, SPARE_FIRST),
            _ => return,
        };
        if stock.len() < most {
            stock.push(buf);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_given_back_buffer_is_reused_and_the_stock_is_bounded() {
        std::thread::spawn(|| {
            assert!(take().is_none(), "no spare buffer yet");
            let first = vec![0; READ_BUFFER].into_boxed_slice();
            let address = first.as_ptr();
            give_back(first);
            let again = take().expect("the buffer given back");
            assert_eq!(again.as_ptr(), address, "the spare buffer is reused");
            give_back(again);
            let many: Vec<_> = (0..SPARE_FULL + 4)
                .map(|_| take().unwrap_or_else(|| vec![0; READ_BUFFER].into()))
                .collect();
            many.into_iter().for_each(give_back);
            assert_eq!(SPARE.with(|s| s.borrow().full.len()), SPARE_FULL);
            give_back(vec![0; 10].into_boxed_slice());
            assert_eq!(SPARE.with(|s| s.borrow().full.len()), SPARE_FULL);
        })
        .join()
        .unwrap();
    }

    #[test]
    fn first_size_buffers_are_reused_after_the_full_ones() {
        std::thread::spawn(|| {
            let small = take_first();
            assert_eq!(small.len(), FIRST_READ_BUFFER, "a new first-size buffer");
            let address = small.as_ptr();
            give_back(small);
            give_back(vec![0; READ_BUFFER].into_boxed_slice());
            assert_eq!(take_first().len(), READ_BUFFER, "a full-size spare first");
            let again = take_first();
            assert_eq!(again.as_ptr(), address, "then the first-size spare");
            let many: Vec<_> = (0..SPARE_FIRST + 4).map(|_| take_first()).collect();
            many.into_iter().for_each(give_back);
            assert_eq!(SPARE.with(|s| s.borrow().first.len()), SPARE_FIRST);
        })
        .join()
        .unwrap();
    }
}

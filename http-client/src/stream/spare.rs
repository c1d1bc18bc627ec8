//! Read buffers kept for reuse: a stream's full-size (64 KiB) buffer goes
//! back to a small per-thread stock when its [`Wire`](super::wire::Wire) is
//! dropped, and the next response on this thread takes it from there.
//! (A stream that never needed more than its first, small buffer frees it:
//! those are cheap to make.)
//!
//! A fresh buffer costs an allocation and zeroing 64 KiB (safe Rust reads
//! only into initialised memory): measured as `memset` in the
//! `fetch-tls-1k` benchmark's profile, 0.25% of an HTTPS request's CPU
//! time, and a larger share of a plain one's. A reused one costs
//! neither; what it still holds from an earlier response is never read,
//! since a stream only looks at the bytes its own reads put in. The stock
//! is bounded, so a burst of concurrent responses leaves at most
//! [`SPARE_BUFFERS`] buffers behind per thread.

use std::cell::RefCell;

use super::wire::READ_BUFFER;

/// Most buffers kept per thread once their streams are gone (512 KiB).
const SPARE_BUFFERS: usize = 8;

thread_local! {
    static SPARE: RefCell<Vec<Box<[u8]>>> = const { RefCell::new(Vec::new()) };
}

/// A spare [`READ_BUFFER`]-byte buffer, if this thread has one.
pub(crate) fn take() -> Option<Box<[u8]>> {
    SPARE
        .try_with(|spare| spare.borrow_mut().pop())
        .ok()
        .flatten()
}

/// Gives `buf` back for reuse, unless the stock is full (then it is freed).
pub(crate) fn give_back(buf: Box<[u8]>) {
    if buf.len() != READ_BUFFER {
        return;
    }
    // While the thread's locals are being destroyed, the buffer is freed.
    let _ = SPARE.try_with(|spare| {
        let mut spare = spare.borrow_mut();
        if spare.len() < SPARE_BUFFERS {
            spare.push(buf);
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
            let many: Vec<_> = (0..SPARE_BUFFERS + 4)
                .map(|_| take().unwrap_or_else(|| vec![0; READ_BUFFER].into()))
                .collect();
            many.into_iter().for_each(give_back);
            assert_eq!(SPARE.with(|s| s.borrow().len()), SPARE_BUFFERS);
            give_back(vec![0; 10].into_boxed_slice());
            assert_eq!(SPARE.with(|s| s.borrow().len()), SPARE_BUFFERS);
        })
        .join()
        .unwrap();
    }
}

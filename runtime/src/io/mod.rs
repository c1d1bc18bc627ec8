//! Readiness-based I/O on any descriptor: [`Async<T>`].
//!
//! Every descriptor the runtime waits on, its own sockets (`net`) and
//! yours, is registered here, once, edge-triggered, and waits the same
//! way: an operation is tried first and waits for the reactor only after
//! the kernel says `WouldBlock` (`registration.rs`). Several tasks may wait
//! on one descriptor in the same direction; each is woken by the next event.
//!
//! With the default feature `futures-io`, [`Async<T>`] implements
//! `futures_io::AsyncRead` / `AsyncWrite` where `T` (or `&T`) implements
//! `std::io::Read` / `Write`, as do the stream sockets of [`net`](crate::net).

mod async_fd;
#[cfg(feature = "futures-io")]
mod futures_io;
mod registration;
mod stream;

pub use async_fd::{Async, ReadWith, Readable, Writable, WriteWith};
pub(crate) use registration::Waiter;
pub(crate) use stream::StreamHandle;

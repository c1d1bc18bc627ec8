//! Multi-producer, single-consumer channels: many senders (tasks, threads),
//! one receiver, messages in order.
//!
//! ```
//! use runtime::sync::mpsc;
//!
//! runtime::block_on(async {
//!     // At most 16 messages in flight: a fast producer waits for the consumer.
//!     let (tx, mut rx) = mpsc::channel(16);
//!     for id in 0..3 {
//!         let tx = tx.clone();
//!         runtime::spawn(async move {
//!             for n in 0..100 {
//!                 tx.send((id, n)).await?;
//!             }
//!             Ok::<_, mpsc::SendError<(i32, i32)>>(())
//!         });
//!     }
//!     drop(tx); // `recv` returns `None` once the three clones are done.
//!     let mut count = 0;
//!     while let Some((_id, _n)) = rx.recv().await {
//!         count += 1;
//!     }
//!     assert_eq!(count, 300);
//! });
//! ```
//!
//! * [`channel`]: bounded; `send(..).await` waits while it is full
//!   (backpressure), and waiting senders are served in arrival order.
//! * [`unbounded_channel`]: `send` never waits; memory is the caller's
//!   concern.
//!
//! Both receivers are [`Stream`](futures_core::Stream)s. Every handle is
//! `Send + Sync` when `T: Send`, so a std thread or a
//! [`spawn_blocking`](crate::spawn_blocking) closure can feed a task
//! (`blocking_send`), and two runtimes on two threads can talk.
//!
//! How it works, one lock per operation, is told in `chan.rs` and in the
//! guide's [chapter 8](crate::guide::ch8_channels_and_locks).

mod bounded;
mod chan;
mod error;
mod unbounded;

pub use bounded::{Receiver, Recv, Send, Sender, channel};
pub use error::{SendError, TryRecvError, TrySendError};
pub use unbounded::{UnboundedReceiver, UnboundedSender, unbounded_channel};

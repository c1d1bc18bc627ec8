//! Small combinators: wait for two futures ([`join`]) or many ([`join_all`]),
//! take the first of two ([`race`], [`select`](fn@select)) or of many
//! ([`select!`](crate::select!)), build a future from a
//! closure ([`poll_fn`]) and give other tasks a turn ([`yield_now`]).
//!
//! They run their futures *inside* the calling task (no spawning): cheap,
//! and fine for a handful of futures. For many independent jobs, `spawn` each
//! and `join_all` the handles.

mod join;
mod join_all;
mod maybe_done;
mod race;
mod select;
mod yield_now;

pub use join::{Join, join};
pub use join_all::{JoinAll, join_all};
pub use race::{Either, Race, Select, race, select};
pub use std::future::{PollFn, poll_fn};
pub use yield_now::{YieldNow, yield_now};

//! [`TaskRef`]: a task's address, the one number every layer passes around.
//!
//! A leaf module (std only): the remote queue (`remote.rs`) holds these, the
//! executor (`executor/`) resolves them to slab slots, and a task's waker
//! (`executor/waker.rs`) is one of them packed into a pointer-sized word.

/// A task's address: its slab key and a tag (the low 16 bits of its unique
/// id, salted per runtime) that tells it from a later task in the same slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TaskRef {
    pub(crate) key: u32,
    pub(crate) tag: u16,
}

impl TaskRef {
    /// The slab key that stands for the future passed to `block_on`, which
    /// lives on the stack, not in the slab. Its tag changes with each
    /// `block_on` call (see `Core::block_on`).
    pub(crate) const MAIN_KEY: u32 = u32::MAX;

    /// Whether this is the `block_on` future.
    pub(crate) fn is_main(self) -> bool {
        self.key == Self::MAIN_KEY
    }
}

//! [`Action`]: one listener's entry in the process-wide signal handler
//! (signal-hook-registry): it writes a byte to the listener's pipe. The one
//! `unsafe` call of `signal/` is here.

use std::fmt;
use std::io::{self, PipeWriter};

use signal_hook_registry::SigId;

/// A registered handler action, which owns the write end of its listener's
/// pipe. Dropping it unregisters it, and signal-hook-registry drops the
/// action (closing the write end) once no handler is running it.
pub(super) struct Action {
    id: SigId,
    signum: i32,
}

impl Action {
    /// Registers an action for `signum` that writes one byte to `writer`.
    /// `writer` must be non-blocking, and `signum` must not be one of
    /// signal-hook-registry's `FORBIDDEN` signals (it panics on them).
    pub(super) fn register(signum: i32, writer: PipeWriter) -> io::Result<Action> {
        debug_assert!(!signal_hook_registry::FORBIDDEN.contains(&signum));
        let action = move || {
            // A full pipe fails with `WouldBlock`: a byte is already
            // waiting, which is all the reader needs (deliveries coalesce).
            // There is nothing else a handler could do about an error.
            let _ = rustix::io::write(&writer, &[1]);
        };
        // SAFETY: `register` runs `action` inside a signal handler, on any
        // thread, at any instruction. The action makes one `write(2)` of a
        // one-byte buffer on its stack to a descriptor it owns: `write` is
        // async-signal-safe, and the descriptor is non-blocking (our
        // caller's contract), so it never waits. It does not allocate, lock,
        // touch thread-locals or panic (`rustix::io::write` returns its
        // error, ignored above; the registry saves and restores `errno`
        // around actions). The registry drops the action, closing the
        // descriptor, only outside the handler, in `unregister`, once no
        // handler runs it. `signum` is not a forbidden signal (checked by
        // `signal::unix::check`), so `register` does not panic.
        let id = unsafe { signal_hook_registry::register(signum, action)? };
        Ok(Action { id, signum })
    }
}

impl Drop for Action {
    fn drop(&mut self) {
        // `false` would mean it was not registered, which cannot be: only
        // this `Drop` unregisters it.
        signal_hook_registry::unregister(self.id);
    }
}

impl fmt::Debug for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Action")
            .field("signum", &self.signum)
            .finish_non_exhaustive()
    }
}

//! How a [`File`]'s operations run: started on a helper thread with the
//! file's buffer (`start`), the next writes staged behind a write in flight
//! and taken by its thread (`start_write`), the buffer taken back
//! (`poll_done`, `done`), and the `poll_*_inner` methods the inherent
//! futures and the `futures-io` traits share.
//!
//! ```text
//!  Idle(buf) ──start──► Busy { job, write } ──poll_done──► done(op, buf) ──► Idle(buf)
//!                             │ write: true                   │ a write ended, bytes staged
//!                             ▼                               ▼ since its last look
//!                  poll_write: stage the bytes          start_write(their buffer)
//!                  (its thread writes them next)
//! ```

use std::future::Future;
use std::io::{self, Seek, SeekFrom};
use std::pin::Pin;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, ready};

use super::File;
use crate::blocking::BlockingResult;
use crate::fs::buf::{Buf, MAX_BUF};
use crate::fs::{path_error, run_mandatory, unblock, unblock_mandatory};

/// How many times the caller's read a read-ahead asks for.
const READ_AHEAD: usize = 2;

/// What a [`File`] is doing: nothing, holding its buffer, or one operation
/// on a helper thread, which holds it.
pub(super) enum State {
    /// No operation in flight. The buffer holds the bytes read ahead of the
    /// caller (the OS cursor is that far ahead), or nothing.
    Idle(Buf),
    /// An operation on a helper thread, which hands the buffer back.
    Busy {
        job: BlockingResult<(Op, Buf)>,
        /// It is a write: the next writes may be staged behind it.
        write: bool,
    },
}

/// What a helper thread did, handed back with the buffer.
pub(super) enum Op {
    /// Read into the buffer, asked for this many bytes (zero read: the
    /// end of the file).
    Read(usize, io::Result<()>),
    /// Wrote the buffer out (it comes back empty).
    Write(io::Result<()>),
    /// Moved the cursor, as asked by a seek to this position.
    Seek(SeekFrom, io::Result<u64>),
    /// Set the length to this.
    SetLen(u64, io::Result<()>),
}

impl File {
    /// `e`, naming `op` and this file's path.
    pub(super) fn error(&self, op: &'static str, e: io::Error) -> io::Error {
        path_error(op, &self.path, e)
    }

    /// The idle buffer.
    fn idle(&mut self) -> &mut Buf {
        match &mut self.state {
            State::Idle(buf) => buf,
            State::Busy { .. } => unreachable!("the file is idle here"),
        }
    }

    /// Lends the (idle) buffer and the descriptor to `job` on a helper
    /// thread. A `write` is mandatory: it runs even if the runtime is
    /// dropped first.
    fn start<F>(&mut self, what: &str, write: bool, job: F)
    where
        F: FnOnce(&std::fs::File, &mut Buf) -> Op + Send + 'static,
    {
        let mut buf = std::mem::take(self.idle());
        let std = self.std.clone();
        let task = move || (job(&std, &mut buf), buf);
        let job = if write {
            unblock_mandatory(what, task)
        } else {
            unblock(what, task)
        };
        self.state = State::Busy { job, write };
    }

    /// Writes the (idle) buffer's bytes, `behind` bytes back from the OS
    /// cursor (the bytes read ahead that the caller has not had), then the
    /// bytes staged meanwhile, until none are.
    fn start_write(&mut self, behind: usize) {
        let staged = self.staged.clone();
        self.start("runtime::fs::File::write", true, move |file, buf| {
            let mut written = rewind(file, behind).and_then(|()| buf.write_to(file));
            while written.is_ok() {
                let mut next = lock(&staged);
                if next.is_empty() {
                    break;
                }
                // Our emptied buffer becomes the staging area.
                std::mem::swap(buf, &mut next);
                drop(next);
                written = buf.write_to(file);
            }
            buf.discard(); // empty even if the rewind failed
            Op::Write(written)
        });
    }

    /// Waits for the operation in flight and takes its buffer back;
    /// `None` if the file was idle. A write that ends with bytes staged
    /// behind it starts theirs.
    fn poll_done(&mut self, cx: &mut Context<'_>) -> Poll<Option<Op>> {
        let State::Busy { job, .. } = &mut self.state else {
            return Poll::Ready(None);
        };
        let (op, buf) = ready!(Pin::new(job).poll(cx));
        Poll::Ready(Some(self.done(op, buf)))
    }

    /// Takes back the buffer of an operation that has ended.
    fn done(&mut self, op: Op, mut buf: Buf) -> Op {
        match &op {
            // Staged after the write had looked for more: write them now.
            Op::Write(Ok(())) => {
                let mut staged = lock(&self.staged);
                if !staged.is_empty() {
                    std::mem::swap(&mut buf, &mut staged);
                    drop(staged);
                    self.state = State::Idle(buf);
                    self.start_write(0);
                    return op;
                }
            }
            // They were to follow bytes that did not make it.
            Op::Write(Err(_)) => drop(lock(&self.staged).discard()),
            _ => {}
        }
        self.state = State::Idle(buf);
        op
    }

    pub(in crate::fs) fn poll_read_inner(
        &mut self,
        cx: &mut Context<'_>,
        dst: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        loop {
            match ready!(self.poll_done(cx)) {
                // Maybe started by a read that was dropped, or read
                // ahead: its bytes are the next ones all the same.
                Some(Op::Read(asked, Ok(()))) => {
                    // All it asked for: the file goes on, read in order.
                    self.in_order = asked > 0 && self.idle().len() == asked;
                    return Poll::Ready(Ok(self.take_read(dst)));
                }
                Some(Op::Read(_, Err(e))) => return Poll::Ready(Err(self.error("read", e))),
                Some(Op::Write(Err(e))) => return Poll::Ready(Err(self.error("write", e))),
                Some(_) => continue,
                None => {}
            }
            if !self.idle().is_empty() || dst.is_empty() {
                return Poll::Ready(Ok(self.take_read(dst)));
            }
            self.start_read(dst.len().min(MAX_BUF));
        }
    }

    /// Gives the caller bytes from the (idle) buffer. When that empties it
    /// and the file is read in order, whole, starts the next read at once,
    /// [`READ_AHEAD`] times as large as this caller asks for (up to
    /// [`MAX_BUF`]), while the caller works on these bytes: fewer trips to
    /// a helper thread, each overlapping the caller's work.
    fn take_read(&mut self, dst: &mut [u8]) -> usize {
        let buf = self.idle();
        let n = buf.copy_to(dst);
        if n > 0 && buf.is_empty() && self.in_order && self.read_ahead {
            self.start_read(dst.len().saturating_mul(READ_AHEAD).min(MAX_BUF));
        }
        n
    }

    /// Starts a read of up to `len` bytes into the (idle, empty) buffer.
    fn start_read(&mut self, len: usize) {
        self.start("runtime::fs::File::read", false, move |file, buf| {
            Op::Read(len, buf.read_from(file, len))
        });
    }

    pub(in crate::fs) fn poll_write_inner(
        &mut self,
        cx: &mut Context<'_>,
        src: &[u8],
    ) -> Poll<io::Result<usize>> {
        loop {
            // A write in flight: stage the bytes behind it, rather than
            // wait, while there is room. Its end is looked for without
            // leaving a waker: a wake-up per write, for a task that waits
            // for something else meanwhile, would cost a trip through the
            // reactor each.
            if let State::Busy { job, write: true } = &mut self.state {
                if let Some((op, buf)) = job.try_take() {
                    if let Op::Write(Err(e)) = self.done(op, buf) {
                        return Poll::Ready(Err(self.error("write", e)));
                    }
                    continue;
                }
                let n = lock(&self.staged).append(src, MAX_BUF);
                if n > 0 || src.is_empty() {
                    return Poll::Ready(Ok(n));
                }
                // Staging is full: wait for the write (its thread takes
                // what is staged before it ends).
                if let Some(Op::Write(Err(e))) = ready!(self.poll_done(cx)) {
                    return Poll::Ready(Err(self.error("write", e)));
                }
                continue;
            }
            match ready!(self.poll_done(cx)) {
                Some(Op::Write(Err(e))) => return Poll::Ready(Err(self.error("write", e))),
                Some(_) => continue,
                None => {}
            }
            if src.is_empty() {
                return Poll::Ready(Ok(0));
            }
            let buf = self.idle();
            // Bytes read ahead are the caller's to read still: write
            // where the caller is, not where the OS cursor went.
            let behind = buf.discard();
            let n = buf.copy_from(src, MAX_BUF);
            self.start_write(behind);
            return Poll::Ready(Ok(n));
        }
    }

    pub(in crate::fs) fn poll_flush_inner(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        loop {
            match ready!(self.poll_done(cx)) {
                Some(Op::Write(Err(e))) => return Poll::Ready(Err(self.error("write", e))),
                Some(_) => continue,
                None => return Poll::Ready(Ok(())),
            }
        }
    }

    pub(in crate::fs) fn poll_seek_inner(
        &mut self,
        cx: &mut Context<'_>,
        pos: SeekFrom,
    ) -> Poll<io::Result<u64>> {
        loop {
            match ready!(self.poll_done(cx)) {
                // Ours (or a dropped seek's to the same place: the same).
                Some(Op::Seek(asked, result)) if asked == pos => {
                    return Poll::Ready(result.map_err(|e| self.error("seek", e)));
                }
                Some(Op::Write(Err(e))) => return Poll::Ready(Err(self.error("write", e))),
                Some(_) => continue,
                None => {}
            }
            let behind = self.idle().discard();
            self.start("runtime::fs::File::seek", false, move |file, _| {
                let moved = match pos {
                    // Relative to the caller's position: `behind` back
                    // from the OS cursor.
                    SeekFrom::Current(n) => match n.checked_sub(behind as i64) {
                        Some(n) => (&*file).seek(SeekFrom::Current(n)),
                        None => rewind(file, behind).and_then(|()| (&*file).seek(pos)),
                    },
                    _ => (&*file).seek(pos),
                };
                Op::Seek(pos, moved)
            });
        }
    }

    pub(super) fn poll_set_len(&mut self, cx: &mut Context<'_>, size: u64) -> Poll<io::Result<()>> {
        loop {
            match ready!(self.poll_done(cx)) {
                Some(Op::SetLen(asked, result)) if asked == size => {
                    return Poll::Ready(result.map_err(|e| self.error("set the length of", e)));
                }
                Some(Op::Write(Err(e))) => return Poll::Ready(Err(self.error("write", e))),
                Some(_) => continue,
                None => {}
            }
            // Bytes read ahead may be cut off: read them again afterwards.
            let behind = self.idle().discard();
            self.start("runtime::fs::File::set_len", false, move |file, _| {
                Op::SetLen(size, rewind(file, behind).and_then(|()| file.set_len(size)))
            });
        }
    }
}

/// Moves the OS cursor `behind` bytes back, to the caller's position.
fn rewind(mut file: &std::fs::File, behind: usize) -> io::Result<()> {
    if behind > 0 {
        file.seek(SeekFrom::Current(-(behind as i64)))?;
    }
    Ok(())
}

impl Drop for File {
    fn drop(&mut self) {
        if lock(&self.staged).is_empty() {
            return; // a write in flight finishes on its own
        }
        // Bytes staged behind the write in flight, which may have ended
        // without them: a job that waits for it, then writes what is left
        // (not if it failed). Nobody hears of their errors.
        let State::Busy { job, .. } =
            std::mem::replace(&mut self.state, State::Idle(Buf::default()))
        else {
            unreachable!("bytes are staged only behind a write in flight")
        };
        let (std, staged) = (self.std.clone(), self.staged.clone());
        run_mandatory(move || {
            if let (Op::Write(Ok(())), _) = job.wait() {
                // Its error is lost: the file was dropped unflushed.
                let _ = lock(&staged).write_to(&std);
            }
        });
    }
}

/// The staging buffer (a panic while holding it cannot leave it
/// inconsistent: its fields change together).
pub(super) fn lock(staged: &Mutex<Buf>) -> MutexGuard<'_, Buf> {
    staged.lock().unwrap_or_else(PoisonError::into_inner)
}

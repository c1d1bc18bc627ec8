//! [`Buf`]: the one buffer a [`File`](super::File) owns, lent to the helper
//! thread that runs its operation and handed back with the result.

use std::io::{self, Read, Write};

/// The most bytes one blocking read or write moves (as `tokio::fs`): a
/// larger write is split, a larger read returns fewer bytes.
pub(super) const MAX_BUF: usize = 2 * 1024 * 1024;

/// Bytes on their way between a caller and the file.
///
/// `bytes[pos..end]` are the bytes in it: after a read, bytes the file's
/// cursor has passed that the caller has not taken yet; during a write,
/// bytes to write. `bytes` keeps its initialised length between uses, so
/// that filling it again costs no zeroing.
#[derive(Debug, Default)]
pub(super) struct Buf {
    bytes: Vec<u8>,
    pos: usize,
    end: usize,
}

impl Buf {
    /// Bytes read ahead of the caller (or waiting to be written).
    pub(super) fn len(&self) -> usize {
        self.end - self.pos
    }

    pub(super) fn is_empty(&self) -> bool {
        self.pos == self.end
    }

    /// Moves as many bytes as fit into `dst`; returns how many.
    pub(super) fn copy_to(&mut self, dst: &mut [u8]) -> usize {
        let n = self.len().min(dst.len());
        dst[..n].copy_from_slice(&self.bytes[self.pos..self.pos + n]);
        self.pos += n;
        n
    }

    /// Fills the (empty) buffer with up to `max` bytes of `src`; returns
    /// how many.
    pub(super) fn copy_from(&mut self, src: &[u8], max: usize) -> usize {
        debug_assert!(self.is_empty());
        let n = src.len().min(max);
        self.ensure(n);
        self.bytes[..n].copy_from_slice(&src[..n]);
        (self.pos, self.end) = (0, n);
        n
    }

    /// Adds up to `max - self.len()` bytes of `src` after the bytes in
    /// it; returns how many.
    pub(super) fn append(&mut self, src: &[u8], max: usize) -> usize {
        let n = src.len().min(max.saturating_sub(self.len()));
        self.ensure(self.end + n);
        self.bytes[self.end..self.end + n].copy_from_slice(&src[..n]);
        self.end += n;
        n
    }

    /// Forgets the bytes read ahead; returns how many, which is how far
    /// the file's cursor is ahead of the caller's position.
    pub(super) fn discard(&mut self) -> usize {
        let n = self.len();
        (self.pos, self.end) = (0, 0);
        n
    }

    /// On a helper thread: one read of up to `len` bytes from `file` into
    /// the (empty) buffer. Zero bytes means the end of the file.
    pub(super) fn read_from(&mut self, mut file: &std::fs::File, len: usize) -> io::Result<()> {
        debug_assert!(self.is_empty());
        self.ensure(len);
        loop {
            match file.read(&mut self.bytes[..len]) {
                Ok(n) => {
                    (self.pos, self.end) = (0, n);
                    return Ok(());
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// On a helper thread: writes all the buffer's bytes to `file`, and
    /// empties it (also on an error).
    pub(super) fn write_to(&mut self, mut file: &std::fs::File) -> io::Result<()> {
        let result = file.write_all(&self.bytes[self.pos..self.end]);
        (self.pos, self.end) = (0, 0);
        result
    }

    /// Makes `bytes[..n]` addressable, zeroing only what it has never held.
    fn ensure(&mut self, n: usize) {
        if self.bytes.len() < n {
            self.bytes.resize(n, 0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_copied_in_come_out_in_order_across_small_reads() {
        let mut buf = Buf::default();
        assert_eq!(buf.copy_from(b"hello world", 5), 5);
        let mut out = [0; 3];
        assert_eq!(buf.copy_to(&mut out), 3);
        assert_eq!(&out, b"hel");
        assert_eq!(buf.len(), 2);
        assert_eq!(buf.copy_to(&mut out), 2);
        assert_eq!(&out[..2], b"lo");
        assert!(buf.is_empty());
    }

    #[test]
    fn appended_bytes_follow_those_in_it_up_to_the_limit() {
        let mut buf = Buf::default();
        assert_eq!(buf.append(b"abc", 5), 3);
        assert_eq!(buf.append(b"defg", 5), 2);
        assert_eq!(buf.append(b"h", 5), 0);
        let mut out = [0; 8];
        assert_eq!(buf.copy_to(&mut out), 5);
        assert_eq!(&out[..5], b"abcde");
    }

    #[test]
    fn discard_says_how_far_ahead_the_cursor_is() {
        let mut buf = Buf::default();
        buf.copy_from(b"abcdef", 100);
        buf.copy_to(&mut [0; 2]);
        assert_eq!(buf.discard(), 4);
        assert!(buf.is_empty());
    }
}

//! `Content-Encoding: gzip`: the gzip file format (RFC 1952) around deflate
//! data, read byte by byte as it arrives, with no I/O of its own.
//!
//! ```text
//!  member:  1f 8b 08 FLG MTIME(4) XFL OS   [XLEN(2) extra] [name\0] [comment\0] [CRC16(2)]
//!           deflate data ...
//!           CRC32(4) ISIZE(4)                 of the decoded bytes, little-endian
//! ```
//!
//! A body may hold several members one after the other (as `cat a.gz b.gz`
//! makes, and `gzip -d` reads); their decoded bytes follow each other.
//! Anything else after a member is an error, as are a bad header, a
//! checksum or length that does not match, and a body that ends inside a
//! member. The deflate data itself is flate2's (`deflate.rs`'s `inflate`).

use flate2::{Crc, Decompress};

use super::DecodeError;
use super::deflate::inflate;

const CODING: &str = "gzip";

/// Header flags (RFC 1952 §2.3.1).
const FHCRC: u8 = 0x02;
const FEXTRA: u8 = 0x04;
const FNAME: u8 = 0x08;
const FCOMMENT: u8 = 0x10;
const RESERVED: u8 = 0xe0;

/// Where a gzip body is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before any member (`members == 0`) or between two.
    Between,
    /// In the ten fixed bytes of a header; `have` arrived.
    Fixed { have: usize },
    /// In the two bytes of the extra field's length.
    ExtraLength { have: usize, length: u16 },
    /// In the extra field; `left` bytes to skip.
    Extra { left: u16 },
    /// In the zero-terminated file name.
    Name,
    /// In the zero-terminated comment.
    Comment,
    /// In the header's own CRC-16; `have` bytes arrived.
    HeaderCrc { have: usize },
    /// In the deflate data.
    Body,
    /// In the eight bytes after the deflate data; `have` arrived.
    Trailer { have: usize },
}

/// A decoder for one `gzip` body.
pub(super) struct Gzip {
    state: State,
    /// The fixed header bytes, then the trailer's.
    bytes: [u8; 10],
    /// The header's flags.
    flags: u8,
    /// Of the header bytes (for FHCRC), then of the decoded bytes.
    crc: Crc,
    inflater: Decompress,
    /// Members decoded completely.
    members: usize,
}

impl Gzip {
    pub(super) fn new() -> Gzip {
        Gzip {
            state: State::Between,
            bytes: [0; 10],
            flags: 0,
            crc: Crc::new(),
            inflater: Decompress::new(false),
            members: 0,
        }
    }

    /// Decodes from `input` into `out`; returns the bytes consumed and
    /// produced. Stops when the input is used up or the output is full.
    pub(super) fn decode(
        &mut self,
        input: &[u8],
        out: &mut [u8],
    ) -> Result<(usize, usize), DecodeError> {
        if input.is_empty() && self.state == State::Body {
            // The end of the body: what the inflater still holds.
            let (_, produced, ended) = inflate(&mut self.inflater, input, out, CODING)?;
            self.crc.update(&out[..produced]);
            if ended {
                self.state = State::Trailer { have: 0 };
            }
            return Ok((0, produced));
        }
        let mut at = 0;
        while at < input.len() {
            if self.state == State::Body {
                let (consumed, produced, ended) =
                    inflate(&mut self.inflater, &input[at..], out, CODING)?;
                self.crc.update(&out[..produced]);
                at += consumed;
                if ended {
                    self.state = State::Trailer { have: 0 };
                }
                if produced > 0 || consumed == 0 {
                    return Ok((at, produced)); // the caller takes the output first
                }
                continue;
            }
            self.step(input[at])?;
            at += 1;
        }
        Ok((at, 0))
    }

    /// The body ended: complete if it ended between members (or held none).
    pub(super) fn finish(&self) -> Result<(), DecodeError> {
        match self.state {
            State::Between => Ok(()),
            _ => Err(DecodeError::Truncated { coding: CODING }),
        }
    }

    /// Takes one byte of a header or trailer.
    fn step(&mut self, byte: u8) -> Result<(), DecodeError> {
        let corrupt = |reason: &str| DecodeError::Corrupt {
            coding: CODING,
            reason: reason.to_owned(),
        };
        if !matches!(
            self.state,
            State::Between | State::HeaderCrc { .. } | State::Trailer { .. }
        ) {
            self.crc.update(&[byte]); // for FHCRC: the header bytes before it
        }
        self.state = match self.state {
            State::Between if byte == 0x1f => {
                self.crc.reset();
                self.crc.update(&[byte]);
                self.bytes[0] = byte;
                State::Fixed { have: 1 }
            }
            State::Between if self.members == 0 => {
                return Err(corrupt("not a gzip stream (it does not start with 1f 8b)"));
            }
            State::Between => return Err(DecodeError::TrailingBytes { coding: CODING }),
            State::Fixed { have } => {
                self.bytes[have] = byte;
                if have + 1 < 10 {
                    State::Fixed { have: have + 1 }
                } else {
                    self.after_fixed()?
                }
            }
            State::ExtraLength { have: 0, .. } => State::ExtraLength {
                have: 1,
                length: u16::from(byte),
            },
            State::ExtraLength { length, .. } => {
                let left = length | u16::from(byte) << 8;
                if left == 0 {
                    self.after_extra()
                } else {
                    State::Extra { left }
                }
            }
            State::Extra { left: 1 } => self.after_extra(),
            State::Extra { left } => State::Extra { left: left - 1 },
            State::Name if byte == 0 => self.after_name(),
            State::Comment if byte == 0 => self.after_comment(),
            state @ (State::Name | State::Comment) => state,
            State::HeaderCrc { have: 0 } => {
                self.bytes[0] = byte;
                State::HeaderCrc { have: 1 }
            }
            State::HeaderCrc { .. } => {
                // The low half of the CRC-32 of every header byte before it.
                let stated = u16::from_le_bytes([self.bytes[0], byte]);
                if u32::from(stated) != self.crc.sum() & 0xffff {
                    return Err(corrupt("the header's CRC-16 does not match"));
                }
                self.start_body()
            }
            State::Trailer { have } => {
                self.bytes[have] = byte;
                if have + 1 < 8 {
                    State::Trailer { have: have + 1 }
                } else {
                    self.check_trailer()?;
                    State::Between
                }
            }
            State::Body => unreachable!("decode inflates the body"),
        };
        Ok(())
    }

    /// The ten fixed bytes arrived: check them, go on by the flags.
    fn after_fixed(&mut self) -> Result<State, DecodeError> {
        let corrupt = |reason: &str| DecodeError::Corrupt {
            coding: CODING,
            reason: reason.to_owned(),
        };
        if self.bytes[1] != 0x8b {
            return Err(corrupt("not a gzip stream (it does not start with 1f 8b)"));
        }
        if self.bytes[2] != 8 {
            return Err(corrupt(
                "unknown compression method (only 8, deflate, exists)",
            ));
        }
        self.flags = self.bytes[3];
        if self.flags & RESERVED != 0 {
            return Err(corrupt("reserved header flags are set"));
        }
        Ok(if self.flags & FEXTRA != 0 {
            State::ExtraLength { have: 0, length: 0 }
        } else {
            self.after_extra()
        })
    }

    fn after_extra(&mut self) -> State {
        if self.flags & FNAME != 0 {
            State::Name
        } else {
            self.after_name()
        }
    }

    fn after_name(&mut self) -> State {
        if self.flags & FCOMMENT != 0 {
            State::Comment
        } else {
            self.after_comment()
        }
    }

    fn after_comment(&mut self) -> State {
        if self.flags & FHCRC != 0 {
            State::HeaderCrc { have: 0 }
        } else {
            self.start_body()
        }
    }

    /// The header is over: the deflate data follows.
    fn start_body(&mut self) -> State {
        self.crc.reset();
        self.inflater.reset(false);
        State::Body
    }

    /// The trailer arrived: the CRC-32 and length of the decoded bytes.
    fn check_trailer(&mut self) -> Result<(), DecodeError> {
        let word = |at: usize| u32::from_le_bytes(self.bytes[at..at + 4].try_into().unwrap());
        let (crc, size) = (word(0), word(4));
        if crc != self.crc.sum() {
            return Err(DecodeError::Corrupt {
                coding: CODING,
                reason: format!(
                    "the CRC-32 of the decoded data is {:08x}, the stream says {crc:08x}",
                    self.crc.sum()
                ),
            });
        }
        if size != self.crc.amount() {
            return Err(DecodeError::Corrupt {
                coding: CODING,
                reason: "the length of the decoded data differs from the stream's".to_owned(),
            });
        }
        self.members += 1;
        Ok(())
    }
}

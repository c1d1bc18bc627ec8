//! [`UrlSource`]: the URLs to fetch, in order — the command-line arguments
//! first, then the lines of `--input` — handed out one at a time, so that a
//! list of a million lines is never held in memory.
//!
//! The input is read on a helper thread ([`runtime::spawn_blocking`]: a
//! file or a pipe may block) a batch of lines at a time, and only when the
//! fetch loop asks for the next URL, which it does after a `--concurrency`
//! permit frees up. A batch stops early when the reader has no more bytes
//! buffered, so URLs trickling in through a pipe start at once.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use super::shard::Shard;

/// Most entries one read of the input returns.
const BATCH: usize = 256;
/// Longest line accepted; a longer one is a bad line, not a reason to
/// buffer gigabytes.
pub(crate) const MAX_LINE: usize = 64 * 1024;

/// Where an entry came from, for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Origin {
    /// A command-line argument.
    Arg,
    /// Line `line` (1-based) of the input.
    Line(usize),
}

/// One URL to fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    /// Its place among all entries, from 1: the `i` of `--output DIR/i`.
    pub(crate) index: usize,
    /// The text given, trimmed; not yet checked to be a URL.
    pub(crate) url: String,
    /// Where it came from.
    pub(crate) origin: Origin,
    /// Why the line cannot be a URL at all (too long, not UTF-8).
    pub(crate) bad_line: Option<String>,
}

/// The input's reader, its name, and its position.
#[derive(Debug)]
struct Input {
    name: String,
    reader: Option<LineReader>,
    /// Entries read but not handed out yet.
    pending: VecDeque<(usize, Result<String, String>)>,
}

/// Reads lines on the helper thread; moved there and back for each batch.
struct LineReader {
    reader: BufReader<Box<dyn Read + Send>>,
    /// Lines read so far.
    line: usize,
}

impl std::fmt::Debug for LineReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LineReader")
            .field("line", &self.line)
            .finish_non_exhaustive()
    }
}

/// The URLs to fetch: arguments, then input lines.
#[derive(Debug)]
pub(crate) struct UrlSource {
    args: std::vec::IntoIter<String>,
    input: Option<Input>,
    /// Entries handed out so far.
    count: usize,
    /// An error that ended the input early (e.g. an I/O error on stdin).
    error: Option<String>,
    /// `--shard`: only this run's entries are handed out.
    shard: Option<Shard>,
}

impl UrlSource {
    /// The URL arguments, followed by the lines of `input` when given (`-`
    /// is stdin).
    ///
    /// # Errors
    ///
    /// If the input file cannot be opened.
    pub(crate) fn new(args: Vec<String>, input: Option<&Path>) -> io::Result<UrlSource> {
        let input = match input {
            None => None,
            Some(path) => {
                let (name, reader): (String, Box<dyn Read + Send>) = if path == Path::new("-") {
                    ("stdin".to_owned(), Box::new(io::stdin()))
                } else {
                    let file = File::open(path).map_err(|e| {
                        io::Error::new(e.kind(), format!("--input {}: {e}", path.display()))
                    })?;
                    (path.display().to_string(), Box::new(file))
                };
                Some(Input {
                    name,
                    reader: Some(LineReader {
                        reader: BufReader::with_capacity(64 * 1024, reader),
                        line: 0,
                    }),
                    pending: VecDeque::new(),
                })
            }
        };
        Ok(UrlSource {
            args: args.into_iter(),
            input,
            count: 0,
            error: None,
            shard: None,
        })
    }

    /// The input's name (`stdin` or the path), for messages.
    pub(crate) fn input_name(&self) -> Option<&str> {
        self.input.as_ref().map(|i| i.name.as_str())
    }

    /// An error that cut the input short, once [`next`](Self::next) has
    /// returned `None`.
    pub(crate) fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    /// Hands out only the entries of `shard` (their indexes stay those of
    /// the whole list).
    pub(crate) fn set_shard(&mut self, shard: Option<Shard>) {
        self.shard = shard;
    }

    /// The next entry (of this run's shard), or `None` when both sources
    /// are spent.
    ///
    /// # Cancellation
    ///
    /// Dropping the future while a batch is being read loses that batch;
    /// the fetch loop never does.
    pub(crate) async fn next(&mut self) -> Option<Entry> {
        loop {
            let entry = self.next_of_all().await?;
            if self.shard.is_none_or(|shard| shard.contains(entry.index)) {
                return Some(entry);
            }
        }
    }

    /// The next entry of the whole list.
    async fn next_of_all(&mut self) -> Option<Entry> {
        let (url, origin, bad_line) = match self.args.next() {
            Some(arg) => (arg, Origin::Arg, None),
            None => {
                let input = self.input.as_mut()?;
                if input.pending.is_empty() {
                    let reader = input.reader.take()?;
                    let batch = runtime::spawn_blocking(move || reader.read_batch()).await;
                    match batch {
                        Ok((reader, entries, end)) => {
                            input.pending = entries;
                            if let Some(error) = end {
                                self.error = Some(format!("reading {}: {error}", input.name));
                            } else if !input.pending.is_empty() {
                                input.reader = Some(reader); // more may follow
                            }
                        }
                        Err(e) => self.error = Some(format!("reading {}: {e}", input.name)),
                    }
                }
                let (line, text) = input.pending.pop_front()?;
                match text {
                    Ok(url) => (url, Origin::Line(line), None),
                    Err(why) => (String::new(), Origin::Line(line), Some(why)),
                }
            }
        };
        self.count += 1;
        Some(Entry {
            index: self.count,
            url,
            origin,
            bad_line,
        })
    }
}

impl LineReader {
    /// Reads up to [`BATCH`] entries, stopping early once a line ends with
    /// nothing more buffered. Returns the reader, the entries (line number
    /// and text or why the line is unusable), and the error that ended
    /// the input, if any. An empty batch without error means end of input.
    #[allow(clippy::type_complexity)]
    fn read_batch(
        mut self,
    ) -> (
        LineReader,
        VecDeque<(usize, Result<String, String>)>,
        Option<io::Error>,
    ) {
        let mut entries = VecDeque::new();
        let mut raw = Vec::new();
        while entries.len() < BATCH {
            raw.clear();
            match read_line(&mut self.reader, &mut raw) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => return (self, entries, Some(e)),
            }
            self.line += 1;
            if raw.len() > MAX_LINE {
                entries.push_back((self.line, Err(format!("line longer than {MAX_LINE} bytes"))));
            } else {
                match std::str::from_utf8(&raw) {
                    Err(_) => entries.push_back((self.line, Err("not UTF-8 text".to_owned()))),
                    Ok(text) => {
                        let text = text.trim();
                        if !text.is_empty() && !text.starts_with('#') {
                            entries.push_back((self.line, Ok(text.to_owned())));
                        }
                    }
                }
            }
            if !entries.is_empty() && self.reader.buffer().is_empty() {
                break; // don't wait on a pipe for more when we have work
            }
        }
        (self, entries, None)
    }
}

/// Reads one line (without its `\n`) into `raw`, keeping at most
/// `MAX_LINE + 1` bytes of it; false at end of input.
fn read_line(reader: &mut impl BufRead, raw: &mut Vec<u8>) -> io::Result<bool> {
    let mut any = false;
    loop {
        let available = match reader.fill_buf() {
            Ok(buf) => buf,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok(any);
        }
        any = true;
        let (used, done) = match memchr_newline(available) {
            Some(i) => (i + 1, true),
            None => (available.len(), false),
        };
        let keep = used - usize::from(done);
        let room = (MAX_LINE + 1).saturating_sub(raw.len());
        raw.extend_from_slice(&available[..keep.min(room)]);
        reader.consume(used);
        if done {
            return Ok(true);
        }
    }
}

fn memchr_newline(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&b| b == b'\n')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(args: &[&str], input: &[u8]) -> Vec<Entry> {
        sharded_entries(args, input, None)
    }

    fn sharded_entries(args: &[&str], input: &[u8], shard: Option<&str>) -> Vec<Entry> {
        let dir = std::env::temp_dir().join(format!("fetch-source-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{}", input.len()));
        std::fs::write(&path, input).unwrap();
        let args = args.iter().map(|a| a.to_string()).collect();
        let mut source = UrlSource::new(args, Some(&path)).unwrap();
        source.set_shard(shard.map(|s| crate::fetch::shard::parse_shard(s).unwrap()));
        let all = runtime::block_on(async {
            let mut all = Vec::new();
            while let Some(entry) = source.next().await {
                all.push(entry);
            }
            all
        });
        let _ = std::fs::remove_file(&path);
        assert_eq!(source.error(), None);
        all
    }

    #[test]
    fn arguments_first_then_lines_skipping_blanks_and_comments() {
        let got = entries(
            &["http://a/"],
            b"# a list\n\n  http://b/  \r\n\xff\n#x\nhttp://c/",
        );
        let summary: Vec<_> = got
            .iter()
            .map(|e| {
                (
                    e.index,
                    e.url.as_str(),
                    e.origin.clone(),
                    e.bad_line.is_some(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                (1, "http://a/", Origin::Arg, false),
                (2, "http://b/", Origin::Line(3), false),
                (3, "", Origin::Line(4), true),
                (4, "http://c/", Origin::Line(6), false),
            ]
        );
    }

    #[test]
    fn a_huge_line_is_one_bad_entry() {
        let mut input = vec![b'x'; MAX_LINE * 3];
        input.extend_from_slice(b"\nhttp://d/\n");
        let got = entries(&[], &input);
        assert_eq!(got.len(), 2);
        assert!(got[0].bad_line.as_deref().unwrap().contains("longer than"));
        assert_eq!(
            (got[1].url.as_str(), &got[1].origin),
            ("http://d/", &Origin::Line(2))
        );
    }

    #[test]
    fn many_lines_come_in_batches() {
        let input: String = (0..1000).map(|i| format!("http://h/{i}\n")).collect();
        let got = entries(&[], input.as_bytes());
        assert_eq!(got.len(), 1000);
        assert_eq!(got[999].url, "http://h/999");
        assert_eq!(got[999].index, 1000);
    }

    #[test]
    fn a_shard_keeps_its_entries_with_their_global_indexes() {
        let input: String = (1..=10).map(|i| format!("http://h/{i}\n")).collect();
        let got = sharded_entries(&["http://arg/"], input.as_bytes(), Some("2/3"));
        let kept: Vec<(usize, &str)> = got.iter().map(|e| (e.index, e.url.as_str())).collect();
        assert_eq!(
            kept,
            [
                (2, "http://h/1"),
                (5, "http://h/4"),
                (8, "http://h/7"),
                (11, "http://h/10")
            ]
        );
    }
}

//! Resuming downloads (`-C`/`--continue`): what a partial file on disk
//! says, what to ask the server, and what to make of its answer.
//!
//! Every body streamed to `FILE` is written to `.FILE.part` first, and its
//! validator — the response's strong `ETag`, else its `Last-Modified` —
//! is recorded beside it in `.FILE.part.validator`, with the URL. A run
//! that stops before the end (killed, ctrl-c, or with `-C` a network
//! failure) leaves both; a later run with `-C` asks for the rest:
//!
//! ```text
//!  .FILE.part (N bytes) + .FILE.part.validator (url, etag "x")
//!        │
//!        ▼  GET  Range: bytes=N-   If-Range: "x"
//!  206, Content-Range: bytes N-…   → append to .FILE.part, then rename to FILE
//!  200 (the file changed: If-Range failed, or no ranges) → write it all from 0
//!  416, Content-Range: bytes */N   → the part was complete: rename it
//!  206 from another offset, 416 for another size → ask again without Range
//! ```
//!
//! `If-Range` makes the server send the whole new file rather than a range
//! of it when the file changed, so a changed file is never spliced onto an
//! old prefix. A file an earlier run finished (no `.part`, no record left)
//! is asked about with `Range: bytes=N-` alone: `416` for exactly `N`
//! bytes leaves it as it is (a list run again with `-C` skips what it
//! has), anything else fetches it whole again (a range is never appended
//! without a validator). A changed file of the very same size passes for
//! finished: the price of keeping no record once a file is complete. A partial file without a record (or with a weak `ETag`
//! only, which `If-Range` may not carry, or with a record for another URL)
//! is not resumed: it starts over.

use std::path::{Path, PathBuf};

use runtime::fs;

use super::report::shown_url;

/// What identifies one version of a resource: the `If-Range` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Validator {
    /// A strong entity tag, quotes included.
    ETag(String),
    /// An HTTP date.
    LastModified(String),
}

impl Validator {
    /// The response's validator: a strong `ETag`, else `Last-Modified`;
    /// `None` when it has neither (it cannot be resumed safely then).
    pub(crate) fn from_response(
        etag: Option<&[u8]>,
        last_modified: Option<&[u8]>,
    ) -> Option<Validator> {
        let text = |value: Option<&[u8]>| {
            value
                .and_then(|v| std::str::from_utf8(v).ok())
                .map(str::trim)
                .filter(|v| !v.is_empty() && !v.contains(['\r', '\n']))
                .map(str::to_owned)
        };
        // A weak tag (W/"…") cannot be used in If-Range (RFC 9110 §13.1.5).
        match text(etag).filter(|tag| tag.starts_with('"')) {
            Some(tag) => Some(Validator::ETag(tag)),
            None => text(last_modified).map(Validator::LastModified),
        }
    }

    /// The `If-Range` header's value.
    pub(crate) fn value(&self) -> &str {
        match self {
            Validator::ETag(value) | Validator::LastModified(value) => value,
        }
    }
}

/// `.NAME.part.validator`, beside `.NAME.part`.
pub(crate) fn record_path(part: &Path) -> PathBuf {
    let mut name = part.as_os_str().to_owned();
    name.push(".validator");
    PathBuf::from(name)
}

/// The record's text: the URL (without its password) and the validator.
pub(crate) fn record(url: &str, validator: &Validator) -> String {
    let (kind, value) = match validator {
        Validator::ETag(v) => ("etag", v),
        Validator::LastModified(v) => ("last-modified", v),
    };
    format!("url {}\n{kind} {value}\n", shown_url(url))
}

/// The validator a record holds, if it is for `url`.
fn read_record(text: &str, url: &str) -> Option<Validator> {
    let mut lines = text.lines();
    let recorded = lines.next()?.strip_prefix("url ")?;
    if recorded != shown_url(url) {
        return None;
    }
    let (kind, value) = lines.next()?.split_once(' ')?;
    match kind {
        "etag" => Some(Validator::ETag(value.to_owned())),
        "last-modified" => Some(Validator::LastModified(value.to_owned())),
        _ => None,
    }
}

/// A download to resume: a `.part` with its validator, or a file an
/// earlier run finished (no validator: it was removed with the `.part`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Partial {
    /// Bytes in the `.part` file (or the finished file).
    pub(crate) len: u64,
    /// The version they belong to; `None` for a finished file, which is
    /// asked about with `Range` alone: a 416 for exactly its size means it
    /// is whole, and any range is refused (nothing is ever appended
    /// without a validator).
    pub(crate) validator: Option<Validator>,
}

impl Partial {
    /// The `Range` header's value: the bytes from `len` on.
    pub(crate) fn range(&self) -> String {
        format!("bytes={}-", self.len)
    }
}

/// The partial download of `url` in `part`, if there is one to resume: a
/// non-empty `.part` and a record for the same URL beside it.
pub(crate) async fn find(part: &Path, url: &str) -> Option<Partial> {
    let len = fs::metadata(part).await.ok()?.len();
    if len == 0 {
        return None;
    }
    let text = fs::read_to_string(record_path(part)).await.ok()?;
    let validator = read_record(&text, url)?;
    Some(Partial {
        len,
        validator: Some(validator),
    })
}

/// The file at `path` that an earlier run finished, if there is one (not
/// empty) and no `.part` beside it (a `.part` of any kind means the last
/// run did not finish).
pub(crate) async fn finished(path: &Path, part: &Path) -> Option<Partial> {
    if fs::metadata(part).await.is_ok() {
        return None;
    }
    let len = fs::metadata(path).await.ok()?.len();
    (len > 0).then_some(Partial {
        len,
        validator: None,
    })
}

/// What to do with the response to a request for the bytes from `from` on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Resumption {
    /// The rest, as asked: append it to the `.part`.
    Append,
    /// Nothing is left (416 for exactly `from` bytes): the `.part` is the
    /// whole file.
    Complete,
    /// A whole body (200, or any other status): write it from byte 0.
    Replace,
    /// A range from somewhere else, or a 416 for a size the `.part` does
    /// not have: ask again, without `Range`.
    StartOver,
}

/// Judges the answer to `Range: bytes=from-` from its status and
/// `Content-Range`.
pub(crate) fn judge(from: u64, status: u16, content_range: Option<&[u8]>) -> Resumption {
    let range = content_range
        .and_then(|v| std::str::from_utf8(v).ok())
        .and_then(|v| v.trim().strip_prefix("bytes "));
    match status {
        206 => {
            let first = range
                .and_then(|r| r.split_once('-'))
                .and_then(|(first, _)| first.trim().parse::<u64>().ok());
            if first == Some(from) {
                Resumption::Append
            } else {
                Resumption::StartOver
            }
        }
        416 => {
            let size = range
                .and_then(|r| r.strip_prefix("*/"))
                .and_then(|size| size.trim().parse::<u64>().ok());
            if size == Some(from) {
                Resumption::Complete
            } else {
                Resumption::StartOver
            }
        }
        _ => Resumption::Replace,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_strong_etag_wins_and_a_weak_one_gives_way_to_the_date() {
        let date = b"Mon, 07 Dec 2026 08:00:00 GMT";
        assert_eq!(
            Validator::from_response(Some(b"\"abc\""), Some(date)),
            Some(Validator::ETag("\"abc\"".into()))
        );
        assert_eq!(
            Validator::from_response(Some(b"W/\"abc\""), Some(date)),
            Some(Validator::LastModified(
                String::from_utf8(date.to_vec()).unwrap()
            ))
        );
        assert_eq!(Validator::from_response(Some(b"W/\"abc\""), None), None);
        assert_eq!(Validator::from_response(None, None), None);
    }

    #[test]
    fn a_record_is_for_one_url_and_hides_its_password() {
        let tag = Validator::ETag("\"v1\"".into());
        let text = record("http://u:secret@h/f", &tag);
        assert!(!text.contains("secret"), "{text}");
        assert_eq!(read_record(&text, "http://u:secret@h/f"), Some(tag.clone()));
        assert_eq!(read_record(&text, "http://h/other"), None);
        let date = Validator::LastModified("Mon, 07 Dec 2026 08:00:00 GMT".into());
        assert_eq!(
            read_record(&record("http://h/", &date), "http://h/"),
            Some(date)
        );
        assert_eq!(read_record("garbage", "http://h/"), None);
        assert_eq!(
            record_path(Path::new("d/.f.part")),
            Path::new("d/.f.part.validator")
        );
    }

    #[test]
    fn answers_are_judged_by_status_and_content_range() {
        use Resumption::*;
        let cases: [(u16, Option<&str>, Resumption); 9] = [
            (206, Some("bytes 100-199/200"), Append),
            (206, Some("bytes 100-199/*"), Append),
            (206, Some("bytes 0-199/200"), StartOver),
            (206, None, StartOver),
            (416, Some("bytes */100"), Complete),
            (416, Some("bytes */50"), StartOver),
            (416, None, StartOver),
            (200, None, Replace),
            (404, None, Replace),
        ];
        for (status, range, want) in cases {
            assert_eq!(
                judge(100, status, range.map(str::as_bytes)),
                want,
                "{status} {range:?}"
            );
        }
    }

    #[test]
    fn only_a_non_empty_part_with_its_record_or_a_finished_file_is_found() {
        let dir = std::env::temp_dir().join(format!("fetch-resume-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let part = dir.join(".f.part");
        let url = "http://h/f";
        runtime::block_on(async {
            assert_eq!(find(&part, url).await, None, "nothing there");
            std::fs::write(&part, b"12345").unwrap();
            assert_eq!(find(&part, url).await, None, "no record");
            let tag = Validator::ETag("\"v\"".into());
            std::fs::write(record_path(&part), record(url, &tag)).unwrap();
            assert_eq!(
                find(&part, url).await,
                Some(Partial {
                    len: 5,
                    validator: Some(tag)
                })
            );
            let whole = dir.join("f");
            assert_eq!(finished(&whole, &part).await, None, "a .part is there");
            assert_eq!(find(&part, "http://h/g").await, None, "another URL");
            std::fs::write(&part, b"").unwrap();
            assert_eq!(find(&part, url).await, None, "empty");
            std::fs::remove_file(&part).unwrap();
            assert_eq!(finished(&whole, &part).await, None, "no file");
            std::fs::write(&whole, b"123").unwrap();
            assert_eq!(
                finished(&whole, &part).await,
                Some(Partial {
                    len: 3,
                    validator: None
                })
            );
        });
        std::fs::remove_dir_all(dir).unwrap();
    }
}

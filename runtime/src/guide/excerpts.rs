//! Keeps the guide's excerpts of the runtime's code true: a code block
//! after a line `<!-- excerpt: PATH -->` (PATH under `runtime/src/`) must be
//! that file's code, line for line (indentation aside), with `...` lines
//! standing for lines left out.

/// Every chapter, by file name.
const CHAPTERS: &[(&str, &str)] = &[
    ("ch1", include_str!("ch1_a_future_polled_by_hand.md")),
    ("ch2", include_str!("ch2_wakers_from_any_thread.md")),
    ("ch3", include_str!("ch3_run_queue_and_block_on.md")),
    ("ch4", include_str!("ch4_parking_on_epoll.md")),
    ("ch5", include_str!("ch5_timers_and_timeouts.md")),
    ("ch6", include_str!("ch6_non_blocking_connect.md")),
    (
        "ch7",
        include_str!("ch7_http_client_and_the_select_loop.md"),
    ),
    ("ch8", include_str!("ch8_channels_and_locks.md")),
    ("ch9", include_str!("ch9_one_runtime_per_core.md")),
];

/// The files an excerpt may quote.
const SOURCES: &[(&str, &str)] = &[
    ("executor/mod.rs", include_str!("../executor/mod.rs")),
    ("executor/slot.rs", include_str!("../executor/slot.rs")),
    ("io/registration.rs", include_str!("../io/registration.rs")),
    ("io/stream.rs", include_str!("../io/stream.rs")),
    ("reactor/mod.rs", include_str!("../reactor/mod.rs")),
];

/// The lines of `text`, trimmed, without the empty ones.
fn lines(text: &str) -> Vec<&str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect()
}

/// Where `part` first occurs as consecutive lines of `source` at or after
/// `from`; the index just past it.
fn find(source: &[&str], part: &[&str], from: usize) -> Option<usize> {
    (from..=source.len().checked_sub(part.len())?)
        .find(|&i| source[i..i + part.len()] == *part)
        .map(|i| i + part.len())
}

/// Each excerpt: (chapter, the file it quotes, its lines).
fn excerpts() -> Vec<(&'static str, &'static str, Vec<&'static str>)> {
    let mut found = Vec::new();
    for &(chapter, text) in CHAPTERS {
        let mut rest = text;
        while let Some(at) = rest.find("<!-- excerpt: ") {
            let (line, after) = rest[at + 14..]
                .split_once(" -->")
                .expect("a closed comment");
            let body = after
                .split_once("```text\n")
                .expect("a text block after it")
                .1;
            let (block, next) = body.split_once("\n```").expect("a closed block");
            found.push((chapter, line, lines(block)));
            rest = next;
        }
    }
    found
}

#[test]
fn every_excerpt_is_the_code_it_quotes() {
    let found = excerpts();
    assert!(
        found.len() >= 5,
        "the excerpts went missing: {}",
        found.len()
    );
    for (chapter, path, excerpt) in found {
        let source = SOURCES
            .iter()
            .find(|(name, _)| *name == path)
            .unwrap_or_else(|| panic!("{chapter}: add {path} to SOURCES"))
            .1;
        let source = lines(source);
        let mut at = 0;
        for part in excerpt.split(|line| *line == "...") {
            at = find(&source, part, at).unwrap_or_else(|| {
                panic!(
                    "{chapter}: this part of an excerpt is no longer in {path}, \
                     in this order:\n{}",
                    part.join("\n")
                )
            });
        }
    }
}

//! Tests of `handroll::trace_svg` and `handroll::trace_log` on real traces:
//! a small traced workload (sleeps, yields, a loopback socket, a blocking
//! job), and the `trace_fetch` example run as a program. The SVG is checked
//! with the small XML reader at the bottom of this file.

use std::collections::{BTreeSet, HashMap};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::thread;
use std::time::Duration;

use runtime::net::{TcpListener, TcpStream};

mod util;
use runtime::time::{sleep, timeout};
use runtime::trace::{TraceEvent, TraceKind};

/// Longest a run of the example may take (it needs about 0.3 s).
const CHILD_LIMIT: Duration = Duration::from_secs(60);
/// The pages the example fetches.
const PAGES: [&str; 5] = [
    "/hello",
    "/bytes/100000",
    "/redirect/1",
    "/slow/150",
    "/slow/2000",
];

/// The workload's trace and the names given to its tasks.
struct Traced {
    events: Vec<TraceEvent>,
    names: HashMap<u64, String>,
}

/// Runs four tasks on a traced runtime: one sleeps, one yields, one echoes
/// over a loopback socket to the main task, one waits for a blocking job.
fn traced_workload() -> Traced {
    let rt = runtime::Runtime::builder().trace(true).build().unwrap();
    let names = rt.block_on(async {
        let work = async {
            let mut names = HashMap::new();
            let sleeper = runtime::spawn(sleep(Duration::from_millis(20)));
            names.insert(sleeper.id(), "sleeps 20 ms".to_string());
            let yielder = runtime::spawn(async {
                for _ in 0..3 {
                    runtime::yield_now().await;
                }
            });
            names.insert(yielder.id(), "yields <3> times & ends".to_string());
            let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))?;
            let addr = listener.local_addr()?;
            let echo = runtime::spawn(async move {
                let (mut conn, _) = listener.accept().await?;
                let mut buf = [0; 64];
                let n = conn.read(&mut buf).await?;
                conn.write_all(&buf[..n]).await?;
                std::io::Result::Ok(())
            });
            names.insert(echo.id(), "echoes once".to_string());
            let blocking = runtime::spawn_blocking(|| thread::sleep(Duration::from_millis(5)));
            names.insert(blocking.id(), "blocking job".to_string());

            let mut conn = TcpStream::connect(addr).await?;
            conn.write_all(b"ping").await?;
            let mut reply = [0; 4];
            let mut got = 0;
            while got < 4 {
                got += conn.read(&mut reply[got..]).await?;
            }
            assert_eq!(&reply, b"ping");
            echo.await??;
            sleeper.await?;
            yielder.await?;
            blocking.await?;
            Ok::<_, Box<dyn std::error::Error>>(names)
        };
        timeout(Duration::from_secs(10), work)
            .await
            .expect("the workload finished within 10 s")
            .expect("the workload ran")
    });
    Traced {
        events: rt.take_trace(),
        names,
    }
}

/// Every task the trace mentions.
fn task_ids(events: &[TraceEvent]) -> BTreeSet<u64> {
    events
        .iter()
        .filter_map(|e| match e.kind {
            TraceKind::Spawn { task }
            | TraceKind::PollStart { task }
            | TraceKind::PollEnd { task, .. }
            | TraceKind::Wake { task, .. } => Some(task),
            _ => None,
        })
        .collect()
}

#[test]
fn svg_is_well_formed_with_one_svg_root() {
    let traced = traced_workload();
    let svg = handroll::trace_svg(&traced.events, &traced.names, "a <small> & \"traced\" run");
    let root = xml::parse(&svg).unwrap_or_else(|e| panic!("{e}\n{svg}"));
    assert_eq!(root.name, "svg");
    assert_eq!(root.attr("xmlns"), Some("http://www.w3.org/2000/svg"));
    let width: f64 = root.attr("width").unwrap().parse().unwrap();
    assert!((1000.0..=1400.0).contains(&width), "width {width}");
    assert!(root.text().contains("a <small> & \"traced\" run"));
}

#[test]
fn svg_has_one_row_per_task_and_a_reactor_row() {
    let traced = traced_workload();
    let svg = handroll::trace_svg(&traced.events, &traced.names, "rows");
    let root = xml::parse(&svg).unwrap();
    let rows = root.find_all(|e| e.attr("class") == Some("task-row"));
    let drawn: Vec<u64> = rows
        .iter()
        .map(|row| row.attr("data-task").unwrap().parse().unwrap())
        .collect();
    let expected = task_ids(&traced.events);
    assert_eq!(drawn.len(), expected.len(), "a row per task, once each");
    assert_eq!(drawn.into_iter().collect::<BTreeSet<_>>(), expected);
    let reactor = root.find_all(|e| e.attr("class") == Some("reactor-row"));
    assert_eq!(reactor.len(), 1);
    assert!(reactor[0].text().contains("reactor"));
    // Each named task's row carries its name, unescaped by the parser.
    for (id, name) in &traced.names {
        let row = rows
            .iter()
            .find(|r| r.attr("data-task") == Some(&id.to_string()))
            .unwrap();
        assert!(
            row.text().contains(name.as_str()),
            "{name:?}: {}",
            row.text()
        );
    }
}

#[test]
fn svg_shows_polls_waits_and_parks() {
    let traced = traced_workload();
    let svg = handroll::trace_svg(&traced.events, &traced.names, "marks");
    let root = xml::parse(&svg).unwrap();
    let count = |class: &str| root.find_all(|e| e.attr("class") == Some(class)).len();
    let polls = traced
        .events
        .iter()
        .filter(|e| matches!(e.kind, TraceKind::PollEnd { .. }))
        .count();
    // Every poll drawn in the whole run (a magnified start may repeat some).
    assert!(
        count("poll") > polls,
        "{} bars for {polls} polls",
        count("poll")
    );
    assert!(count("park") >= 2, "the sleep parks the reactor");
    assert!(count("wait timer") >= 1, "the sleeper waits for its timer");
    assert!(
        count("wait socket") >= 1,
        "the echo task waits for its socket"
    );
    assert!(
        count("wake remote") >= 1,
        "the blocking job wakes from its thread"
    );
    assert!(count("spawn") >= traced.names.len());
}

#[test]
fn log_has_every_spawn_and_final_poll() {
    let traced = traced_workload();
    let log = handroll::trace_log(&traced.events, &traced.names);
    let spawned: Vec<u64> = traced
        .events
        .iter()
        .filter_map(|e| match e.kind {
            TraceKind::Spawn { task } => Some(task),
            _ => None,
        })
        .collect();
    assert!(spawned.len() >= 4, "{spawned:?}");
    for id in spawned {
        let spawn = format!("spawn task {id}");
        let ready = format!("task {id} -> Ready");
        assert_eq!(
            log.matches(&format!("{spawn}\n")).count() + log.matches(&format!("{spawn} ")).count(),
            1,
            "{spawn}\n{log}"
        );
        assert_eq!(log.matches(&ready).count(), 1, "{ready}\n{log}");
    }
    assert_eq!(log.matches("main -> Ready").count(), 1, "{log}");
    assert!(
        log.contains("\n== park 1: nothing to run; waiting: "),
        "{log}"
    );
    for name in traced.names.values() {
        assert!(log.contains(&format!("# {name}\n")), "{name}\n{log}");
    }
    // One line per event, plus headers.
    let lines = log.lines().filter(|l| l.contains("ms  ")).count();
    assert_eq!(lines, traced.events.len());
}

#[test]
fn the_xml_reader_rejects_what_it_should() {
    for bad in [
        "<svg xmlns=\"x\"><g></svg>",
        "<svg xmlns=\"x\"><g></h></svg>",
        "<svg xmlns=x></svg>",
        "<svg xmlns=\"x\">a & b</svg>",
        "<svg xmlns=\"x\">a < b</svg>",
        "<svg xmlns=\"x\" a=\"1\" a=\"2\"/>",
        "<svg xmlns=\"x\"/><svg xmlns=\"x\"/>",
        "<svg xmlns=\"x\" a=\"<\"/>",
        "",
    ] {
        assert!(xml::parse(bad).is_err(), "accepted {bad:?}");
    }
    let ok = "<?xml version=\"1.0\"?>\n<svg xmlns=\"x\"><!-- c --><g a='1'>&lt;&#38;&#x41;</g><r/></svg>\n";
    let root = xml::parse(ok).unwrap();
    assert_eq!(root.text(), "<&A");
    assert_eq!(root.children.len(), 2);
}

#[test]
fn example_writes_a_log_and_a_timeline() {
    let dir = util::TempDir::new("trace-fetch");
    let run = util::run_bounded(
        Command::new(example_binary()).arg(dir.path()),
        CHILD_LIMIT,
        "trace_fetch",
    );
    assert!(run.status.success(), "{run}");
    let (log, svg) = (dir.path().join("trace.log"), dir.path().join("trace.svg"));
    assert!(run.stdout.contains(&log.display().to_string()), "{run}");
    assert!(run.stdout.contains(&svg.display().to_string()), "{run}");
    let log = std::fs::read_to_string(&log).expect("trace.log written");
    let svg = std::fs::read_to_string(&svg).expect("trace.svg written");
    assert!(log.starts_with("# runtime trace: "), "{log}");
    assert!(svg.len() < 200_000, "{} bytes", svg.len());
    let root = xml::parse(&svg).unwrap_or_else(|e| panic!("{e}\n{svg}"));
    let rows = root.find_all(|e| e.attr("class") == Some("task-row"));
    for page in PAGES {
        // The example prints `  task ID  GET /page ...` for each fetch.
        let line = run
            .stdout
            .lines()
            .find(|l| l.contains(&format!(" GET {page} ")))
            .unwrap_or_else(|| panic!("no line for {page}\n{run}"));
        let id = line.split_whitespace().nth(1).unwrap();
        let row: Vec<_> = rows
            .iter()
            .filter(|r| r.text().contains(&format!("GET {page}")))
            .collect();
        assert_eq!(row.len(), 1, "one row for GET {page}");
        assert_eq!(row[0].attr("data-task"), Some(id), "{line}");
    }
    assert!(run.stdout.contains("error: no complete response"), "{run}");
    assert_eq!(
        root.find_all(|e| e.attr("class") == Some("reactor-row"))
            .len(),
        1
    );
}

/// A small XML reader: enough to prove a document well-formed (one root,
/// balanced tags, quoted and unique attributes, only known entities, no raw
/// `<` or `&` in text) and to query what it holds.
mod xml {
    use std::collections::HashSet;

    /// An element: its name, attributes and children, and the text
    /// directly inside it (entities decoded).
    #[derive(Debug)]
    pub struct Element {
        pub name: String,
        pub attrs: Vec<(String, String)>,
        pub children: Vec<Element>,
        pub own_text: String,
    }

    impl Element {
        pub fn attr(&self, name: &str) -> Option<&str> {
            self.attrs
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        }

        /// All the text inside, in document order.
        pub fn text(&self) -> String {
            let mut out = self.own_text.clone();
            for child in &self.children {
                out.push_str(&child.text());
            }
            out
        }

        /// Every element at or below this one that matches.
        pub fn find_all(&self, matches: impl Fn(&Element) -> bool + Copy) -> Vec<&Element> {
            let mut found = Vec::new();
            if matches(self) {
                found.push(self);
            }
            for child in &self.children {
                found.extend(child.find_all(matches));
            }
            found
        }
    }

    /// Parses a whole document: an optional `<?xml ...?>` declaration,
    /// comments, and exactly one root element.
    pub fn parse(doc: &str) -> Result<Element, String> {
        let mut p = Parser { s: doc, i: 0 };
        p.misc()?;
        if p.s[p.i..].starts_with("<?xml") {
            p.i += p.s[p.i..].find("?>").ok_or("unterminated declaration")? + 2;
        }
        p.misc()?;
        let root = p.element()?;
        p.misc()?;
        if p.i != p.s.len() {
            return Err(format!("content after the root at byte {}", p.i));
        }
        Ok(root)
    }

    struct Parser<'a> {
        s: &'a str,
        i: usize,
    }

    impl<'a> Parser<'a> {
        fn rest(&self) -> &'a str {
            &self.s[self.i..]
        }

        /// Skips whitespace and comments.
        fn misc(&mut self) -> Result<(), String> {
            loop {
                let trimmed = self.rest().trim_start();
                self.i = self.s.len() - trimmed.len();
                if trimmed.starts_with("<!--") {
                    self.i += trimmed.find("-->").ok_or("unterminated comment")? + 3;
                } else {
                    return Ok(());
                }
            }
        }

        fn name(&mut self) -> Result<String, String> {
            let len = self
                .rest()
                .find(|c: char| !(c.is_alphanumeric() || "-_:.".contains(c)))
                .unwrap_or(self.rest().len());
            if len == 0 {
                return Err(format!("expected a name at byte {}", self.i));
            }
            let name = self.rest()[..len].to_string();
            self.i += len;
            Ok(name)
        }

        fn element(&mut self) -> Result<Element, String> {
            if !self.rest().starts_with('<') {
                return Err(format!("expected an element at byte {}", self.i));
            }
            self.i += 1;
            let name = self.name()?;
            let mut attrs = Vec::new();
            let mut seen = HashSet::new();
            loop {
                let trimmed = self.rest().trim_start();
                let skipped = self.rest().len() - trimmed.len();
                self.i += skipped;
                if let Some(after) = self.rest().strip_prefix("/>") {
                    self.i = self.s.len() - after.len();
                    return Ok(Element {
                        name,
                        attrs,
                        children: Vec::new(),
                        own_text: String::new(),
                    });
                }
                if self.rest().starts_with('>') {
                    self.i += 1;
                    break;
                }
                if skipped == 0 {
                    return Err(format!(
                        "expected a space before an attribute at byte {}",
                        self.i
                    ));
                }
                let attr = self.name()?;
                if !seen.insert(attr.clone()) {
                    return Err(format!("attribute {attr} twice in <{name}>"));
                }
                if !self.rest().starts_with('=') {
                    return Err(format!("attribute {attr} without a value"));
                }
                self.i += 1;
                let quote = self
                    .rest()
                    .chars()
                    .next()
                    .filter(|c| *c == '"' || *c == '\'');
                let quote = quote.ok_or(format!("attribute {attr} not quoted"))?;
                self.i += 1;
                let end = self.rest().find(quote).ok_or("unterminated attribute")?;
                let raw = &self.rest()[..end];
                if raw.contains('<') {
                    return Err(format!("raw < in attribute {attr}"));
                }
                attrs.push((attr, decode(raw)?));
                self.i += end + 1;
            }
            let mut children = Vec::new();
            let mut own_text = String::new();
            loop {
                let end = self
                    .rest()
                    .find('<')
                    .ok_or(format!("<{name}> never closed"))?;
                own_text.push_str(&decode(&self.rest()[..end])?);
                self.i += end;
                if let Some(after) = self.rest().strip_prefix("</") {
                    self.i = self.s.len() - after.len();
                    let closing = self.name()?;
                    if closing != name {
                        return Err(format!("<{name}> closed by </{closing}>"));
                    }
                    let trimmed = self.rest().trim_start();
                    self.i = self.s.len() - trimmed.len();
                    if !self.rest().starts_with('>') {
                        return Err(format!("bad closing tag </{closing}"));
                    }
                    self.i += 1;
                    return Ok(Element {
                        name,
                        attrs,
                        children,
                        own_text,
                    });
                } else if self.rest().starts_with("<!--") {
                    self.misc()?;
                } else {
                    children.push(self.element()?);
                }
            }
        }
    }

    /// Text with its entities decoded; a bare `&` or an unknown entity is an
    /// error.
    fn decode(raw: &str) -> Result<String, String> {
        let mut out = String::new();
        let mut rest = raw;
        while let Some(at) = rest.find('&') {
            out.push_str(&rest[..at]);
            let end = rest[at..].find(';').ok_or(format!("bare & in {raw:?}"))?;
            let entity = &rest[at + 1..at + end];
            let c = match entity {
                "amp" => '&',
                "lt" => '<',
                "gt" => '>',
                "quot" => '"',
                "apos" => '\'',
                _ => {
                    let code = if let Some(hex) = entity.strip_prefix("#x") {
                        u32::from_str_radix(hex, 16).ok()
                    } else if let Some(dec) = entity.strip_prefix('#') {
                        dec.parse().ok()
                    } else {
                        None
                    };
                    code.and_then(char::from_u32)
                        .ok_or(format!("unknown entity &{entity}; in {raw:?}"))?
                }
            };
            out.push(c);
            rest = &rest[at + end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

/// The `trace_fetch` example's binary, found (or built) once.
fn example_binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| util::example_binary("trace_fetch"))
}

//! Drawing the model as an SVG timeline: panels, rows, marks, legend.

use std::collections::HashMap;
use std::fmt::Write as _;

use runtime::trace::{MAIN_TASK, TraceEvent};

use super::model::*;
use super::*;

/// A timeline of `events` as a standalone SVG document, titled `title`.
///
/// One row per task (`<g class="task-row" data-task="ID">`), labelled
/// `task ID` (or `main` for the `block_on` future) and its name from
/// `names`, showing when it was spawned, polled (dark bars, at least 1.5 px
/// wide), waiting (a line colored by what woke it next: a socket, a timer,
/// another task, another thread), queued after a wake (a dotted line), and
/// finished. One row for the reactor (`<g class="reactor-row">`) shows each
/// park in `epoll_wait` as a bar with its count of socket events. A time
/// axis in milliseconds, a legend and `title` complete the picture; all text
/// is escaped. The width grows with the trace's duration, from about 1,000
/// to 1,400 px; time maps linearly to it.
///
/// When the trace opens with a burst of polls followed by a long wait (most
/// work done in the first milliseconds, then a long timer), a second panel
/// below repeats the rows (`zoom-task-row`, `zoom-reactor-row`) for just
/// that opening burst, magnified from the first spawn (what comes before it
/// is the `block_on` future setting up), and the whole run outlines it.
///
/// The document's root is `<svg class="trace">` and every style rule is
/// scoped to it, so the picture can be inlined in an HTML page (the
/// runtime's guide does) without restyling the page around it.
///
/// # Examples
///
/// ```
/// use std::collections::HashMap;
/// use std::time::Duration;
///
/// let rt = runtime::Runtime::builder().trace(true).build()?;
/// let task = rt.spawn(runtime::time::sleep(Duration::from_millis(5)));
/// let names = HashMap::from([(task.id(), "sleeps 5 ms".to_string())]);
/// rt.block_on(task)?;
/// let svg = handroll::trace_svg(&rt.take_trace(), &names, "one <sleep>");
/// assert!(svg.starts_with("<?xml"));
/// assert!(svg.contains("one &lt;sleep&gt;"));
/// assert_eq!(svg.matches(r#"class="task-row""#).count(), 2); // main and task 1
/// assert_eq!(svg.matches(r#"class="reactor-row""#).count(), 1);
/// # Ok::<_, Box<dyn std::error::Error>>(())
/// ```
pub fn trace_svg(events: &[TraceEvent], names: &HashMap<u64, String>, title: &str) -> String {
    let model = Model::build(events);
    let plot_w = (600.0 + 2.0 * model.end).clamp(760.0, 1120.0);
    let width = LABEL_W + plot_w + RIGHT;
    let rows = model.tasks.len() + 1;
    let whole = Panel {
        name: "whole",
        from: 0.0,
        until: model.end,
        plot_w,
        top: TOP,
        rows,
    };
    let zoom = model.zoom_until().map(|until| Panel {
        name: "zoom",
        from: model.zoom_from(until),
        until,
        top: whole.bottom() + PANEL_GAP,
        ..whole
    });
    let legend_y = zoom.as_ref().unwrap_or(&whole).bottom() + 28.0;
    let (legend, legend_h) = legend(legend_y, width);
    let height = legend_y + legend_h + 8.0;

    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<?xml version="1.0" encoding="UTF-8"?>
<svg class="trace" xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" style="max-width:100%;height:auto" font-family="Helvetica, Arial, sans-serif">
<style>{}</style>
<rect width="100%" height="100%" fill="white"/>
<text class="title" x="16" y="30">{}</text>
<text class="sub" x="16" y="50">{}</text>
"#,
        scoped(STYLE),
        esc(title),
        esc(&model.summary()),
    );
    whole.render(&mut svg, &model, names, "the whole run");
    if let Some(zoom) = &zoom {
        // Outline, on the whole run, the stretch magnified below.
        let _ = writeln!(
            svg,
            r#"<rect class="zoombox" x="{:.1}" y="{}" width="{:.1}" height="{:.1}"/>"#,
            whole.x(zoom.from),
            whole.top - 2.0,
            whole.x(zoom.until) - whole.x(zoom.from),
            whole.bottom() - whole.top + 4.0
        );
        let heading = if zoom.from > 0.0 {
            // From the first spawn (before it, `block_on`'s future sets up).
            format!(
                "{} to {} ms, magnified",
                round_ms(zoom.from),
                round_ms(zoom.until)
            )
        } else {
            format!("the first {} ms, magnified", round_ms(zoom.until))
        };
        zoom.render(&mut svg, &model, names, &heading);
    }
    svg.push_str(&legend);
    svg.push_str("</svg>\n");
    svg
}

/// Width of the label column, right margin, first row's top, row height,
/// space between the whole run and the magnified start.
pub(super) const LABEL_W: f64 = 250.0;
pub(super) const RIGHT: f64 = 30.0;
pub(super) const TOP: f64 = 84.0;
pub(super) const ROW_H: f64 = 30.0;
pub(super) const PANEL_GAP: f64 = 44.0;

/// One timeline: the trace from `from` to `until` ms across `plot_w` pixels,
/// its rows starting at `top`. The whole run has rows of class `task-row` and
/// `reactor-row`; the magnified start repeats them as `zoom-task-row` and
/// `zoom-reactor-row`.
#[derive(Debug)]
pub(super) struct Panel {
    pub(super) name: &'static str,
    pub(super) from: f64,
    pub(super) until: f64,
    pub(super) plot_w: f64,
    pub(super) top: f64,
    pub(super) rows: usize,
}

impl Panel {
    pub(super) fn x(&self, t: f64) -> f64 {
        LABEL_W + (t - self.from) / (self.until - self.from) * self.plot_w
    }

    pub(super) fn right(&self) -> f64 {
        LABEL_W + self.plot_w
    }

    pub(super) fn bottom(&self) -> f64 {
        self.top + self.rows as f64 * ROW_H
    }

    /// `task-row` or `zoom-task-row`.
    pub(super) fn class(&self, row: &str) -> String {
        match self.name {
            "whole" => row.to_string(),
            other => format!("{other}-{row}"),
        }
    }

    pub(super) fn render(
        &self,
        svg: &mut String,
        model: &Model,
        names: &HashMap<u64, String>,
        heading: &str,
    ) {
        let (top, bottom, width) = (self.top, self.bottom(), self.right() + RIGHT);
        // Marks past the plot's right edge are clipped (the magnified view).
        let _ = writeln!(
            svg,
            r#"<clipPath id="clip-{}"><rect x="{LABEL_W}" y="{top}" width="{:.1}" height="{:.1}"/></clipPath><text class="heading" x="12" y="{:.1}">{}</text>"#,
            self.name,
            self.plot_w + 6.0,
            bottom - top,
            top - 12.0,
            esc(heading)
        );
        // Stripes, then the parks as faint bands through every row, then the grid.
        for row in (0..self.rows).step_by(2) {
            let y = top + row as f64 * ROW_H;
            let _ = writeln!(
                svg,
                r#"<rect class="stripe" x="0" y="{y:.1}" width="{width:.0}" height="{ROW_H}"/>"#
            );
        }
        let _ = writeln!(svg, r#"<g clip-path="url(#clip-{})">"#, self.name);
        for park in model
            .parks
            .iter()
            .filter(|p| !p.is_check() && p.start <= self.until)
        {
            let _ = writeln!(
                svg,
                r#"<rect class="band" x="{:.1}" y="{top}" width="{:.1}" height="{:.1}"/>"#,
                self.x(park.start),
                (self.x(park.end) - self.x(park.start)).max(0.5),
                bottom - top
            );
        }
        svg.push_str("</g>\n");
        let step = tick_step(self.until - self.from);
        let decimals = (-step.log10()).ceil().max(0.0) as usize;
        let first = (self.from / step - 1e-9).ceil() as usize;
        for i in first..=(self.until / step + 1e-9).floor() as usize {
            let t = i as f64 * step;
            let _ = writeln!(
                svg,
                r#"<line class="grid" x1="{0:.1}" y1="{1}" x2="{0:.1}" y2="{bottom:.1}"/><text class="tick" x="{0:.1}" y="{2}">{t:.3$} ms</text>"#,
                self.x(t),
                top - 8.0,
                top - 12.0,
                decimals
            );
        }
        self.render_reactor(svg, model);
        for (row, (&id, lane)) in model.tasks.iter().enumerate() {
            let cy = top + (row + 1) as f64 * ROW_H + ROW_H / 2.0;
            lane.render(svg, id, names.get(&id), cy, self);
        }
    }

    /// The reactor's row: parks as bars, socket events and timers as ticks.
    pub(super) fn render_reactor(&self, svg: &mut String, model: &Model) {
        let cy = self.top + ROW_H / 2.0;
        let parked: f64 = model.parks.iter().map(|p| p.end - p.start).sum();
        let checks = model.parks.iter().filter(|p| p.is_check()).count();
        let _ = writeln!(
            svg,
            r#"<g class="{}"><text class="label" x="12" y="{:.1}">reactor</text><text class="sub" x="12" y="{:.1}">{} parks, {parked:.1} ms parked, {checks} checks</text><g clip-path="url(#clip-{})">"#,
            self.class("reactor-row"),
            cy - 2.0,
            cy + 11.0,
            model.parks.len() - checks,
            self.name
        );
        for park in model.parks.iter().filter(|p| p.start <= self.until) {
            let (x0, x1) = (self.x(park.start), self.x(park.end));
            if park.is_check() {
                let _ = writeln!(
                    svg,
                    r#"<line class="check" x1="{x0:.1}" y1="{:.1}" x2="{x0:.1}" y2="{:.1}"/>"#,
                    cy - 5.0,
                    cy + 5.0
                );
                continue;
            }
            let asked = match park.timeout {
                None => "no timeout".to_string(),
                Some(t) => format!("up to {:.3} ms (next timer)", ms(t)),
            };
            let _ = write!(
                svg,
                r#"<rect class="park" x="{x0:.1}" y="{:.1}" width="{:.1}" height="14"><title>epoll_wait {asked}: parked {:.3} ms, {} socket event(s)</title></rect>"#,
                cy - 7.0,
                (x1 - x0).max(1.5),
                park.end - park.start,
                park.events
            );
            let x0 = x0.max(LABEL_W); // a park begun before the panel: its visible part
            let visible = x1.min(self.right()) - x0;
            let text = match visible {
                w if w >= 150.0 => format!(
                    "parked {:.1} ms, {} socket event(s)",
                    park.end - park.start,
                    park.events
                ),
                w if w >= 60.0 => format!("park, {} ev", park.events),
                w if w >= 14.0 => park.events.to_string(),
                _ => String::new(),
            };
            if !text.is_empty() {
                let _ = write!(
                    svg,
                    r#"<text class="inbar" x="{:.1}" y="{:.1}">{text}</text>"#,
                    x0 + visible / 2.0,
                    cy + 3.5
                );
            }
            svg.push('\n');
        }
        for &(t, cause) in model.reactor_marks.iter().filter(|m| m.0 <= self.until) {
            let _ = writeln!(
                svg,
                r#"<line class="mark {}" x1="{2:.1}" y1="{1:.1}" x2="{2:.1}" y2="{3:.1}"/>"#,
                cause_class(Some(cause)),
                cy + 8.0,
                self.x(t),
                cy + 13.0
            );
        }
        svg.push_str("</g></g>\n");
    }
}

/// The stylesheet: one class per kind of mark, one color per wake cause.
pub(super) const STYLE: &str = "\
.title{font-size:18px;font-weight:bold;fill:#1b1f24}\
.sub{font-size:10.5px;fill:#5a6270}\
.label{font-size:12.5px;font-weight:bold;fill:#1b1f24}\
.name{font-weight:normal}\
.tick{font-size:10.5px;fill:#5a6270;text-anchor:middle}\
.stripe{fill:#f3f5f8}.band{fill:#dfe6f0;opacity:0.45}.grid{stroke:#d5dae1;stroke-width:1}\
.poll{fill:#26324a}.park{fill:#b9c6d8;stroke:#7d8da5;stroke-width:0.6}\
.inbar{font-size:10px;fill:#26324a;text-anchor:middle}\
.check{stroke:#7d8da5;stroke-width:1.2}\
.queued{stroke:#8a929e;stroke-width:1.2;stroke-dasharray:1.5 2}\
.wait{stroke-width:3}.none{stroke:#b4b9c0;stroke-dasharray:5 3}\
.why{font-size:10px;text-anchor:middle}\
.socket{stroke:#1f77b4;fill:#1f77b4}.timer{stroke:#e8830c;fill:#e8830c}\
.task{stroke:#2a9d3a;fill:#2a9d3a}.remote{stroke:#9467bd;fill:#9467bd}\
.runtime{stroke:#8c6d62;fill:#8c6d62}\
.why.none{fill:#8a929e;stroke:none}.why{stroke:none}\
.wake{stroke:white;stroke-width:1}\
.mark{stroke-width:2}\
.spawn{fill:white;stroke:#26324a;stroke-width:1.5}.end{fill:#26324a}\
.legend{font-size:11px;fill:#1b1f24}\
.heading{font-size:11.5px;font-style:italic;fill:#5a6270}\
.zoombox{fill:none;stroke:#5a6270;stroke-width:1;stroke-dasharray:3 2}";

/// `style` with every rule scoped to the picture's root (`.trace`).
pub(super) fn scoped(style: &str) -> String {
    style
        .split_inclusive('}')
        .map(|rule| format!(".trace {rule}"))
        .collect()
}

/// The legend's markup starting at `y`, wrapped to `width`, and its height.
pub(super) fn legend(y: f64, width: f64) -> (String, f64) {
    let line = |class: &str| format!(r#"<line class="{class}" x1="0" y1="0" x2="22" y2="0"/>"#);
    let items = [
        (
            r#"<rect class="poll" x="0" y="-6" width="14" height="12"/>"#.to_string(),
            "polled (running)",
        ),
        (line("queued"), "woken, in the run queue"),
        (line("wait socket"), "waiting; woken by a socket"),
        (line("wait timer"), "by a timer"),
        (line("wait task"), "by a task"),
        (line("wait remote"), "by another thread"),
        (line("wait runtime"), "by the runtime"),
        (line("wait none"), "still waiting at the end"),
        (
            r#"<circle class="spawn" cx="5" cy="0" r="4"/>"#.to_string(),
            "spawned",
        ),
        (
            r#"<rect class="end" x="1" y="-4" width="8" height="8"/>"#.to_string(),
            "finished (Ready)",
        ),
        (
            r#"<rect class="park" x="0" y="-6" width="22" height="12"/>"#.to_string(),
            "reactor parked in epoll_wait (socket events)",
        ),
        (
            r#"<line class="check" x1="4" y1="-5" x2="4" y2="5"/>"#.to_string(),
            "check for I/O without blocking",
        ),
    ];
    let mut out = String::new();
    let (mut cx, mut cy) = (16.0, y);
    for (mark, text) in items {
        // About 6 px per character at 11 px.
        let w = 30.0 + 6.0 * text.chars().count() as f64 + 18.0;
        if cx + w > width - RIGHT {
            (cx, cy) = (16.0, cy + 20.0);
        }
        let _ = writeln!(
            out,
            r#"<g transform="translate({cx:.0},{cy:.0})">{mark}<text class="legend" x="30" y="4">{}</text></g>"#,
            esc(text)
        );
        cx += w;
    }
    (out, cy - y + 12.0)
}

impl Lane {
    /// Draws this task's row of `panel`, centred on `cy`.
    pub(super) fn render(
        &self,
        svg: &mut String,
        id: u64,
        name: Option<&String>,
        cy: f64,
        panel: &Panel,
    ) {
        let label = task_label(id);
        let name = match name {
            Some(name) => shorten(name, 30),
            None if id == MAIN_TASK => "(the block_on future)".to_string(),
            None => String::new(),
        };
        let busy: f64 = self.polls.iter().map(|(a, b)| b - a).sum();
        let fate = match self.finished {
            Some(t) => format!("ready at {t:.1} ms"),
            None => "not finished".to_string(),
        };
        let parent = match self.parent {
            Some(p) => format!("spawned by {}; ", task_label(p)),
            None => String::new(),
        };
        let _ = writeln!(
            svg,
            r#"<g class="{}" data-task="{id}"><text class="label" x="12" y="{:.1}">{label} <tspan class="name">{}</tspan><title>{}</title></text><text class="sub" x="12" y="{:.1}">{} polls, {busy:.2} ms busy, {fate}</text><g clip-path="url(#clip-{})">"#,
            panel.class("task-row"),
            cy - 2.0,
            esc(&name),
            esc(&format!("{label}: {parent}{} polls", self.polls.len())),
            cy + 11.0,
            self.polls.len(),
            panel.name
        );
        // Only what starts inside the panel; the clip cuts what ends past it.
        let shown = |t: f64| t <= panel.until;
        let x = |t: f64| panel.x(t);
        for &(a, b) in self.queued.iter().filter(|q| shown(q.0)) {
            let _ = writeln!(
                svg,
                r#"<line class="queued" x1="{:.1}" y1="{cy:.1}" x2="{:.1}" y2="{cy:.1}"/>"#,
                x(a),
                x(b)
            );
        }
        for wait in self.waits.iter().filter(|w| shown(w.from)) {
            let (x0, x1) = (x(wait.from), x(wait.to));
            let class = cause_class(wait.cause);
            let why = match wait.cause {
                Some(cause) => format!("woken by {cause}"),
                None => "still waiting at the end of the trace".to_string(),
            };
            let _ = write!(
                svg,
                r#"<line class="wait {class}" x1="{x0:.1}" y1="{cy:.1}" x2="{x1:.1}" y2="{cy:.1}"><title>{label}: waiting {:.3} ms, {why}</title></line>"#,
                wait.to - wait.from
            );
            let short = match wait.cause {
                Some(cause) => format!("waits for {}", short_cause(cause)),
                None => "still waiting".to_string(),
            };
            // Labelled only where the text fits (about 5.5 px a character).
            let x0 = x0.max(LABEL_W);
            let visible = x1.min(panel.right()) - x0;
            if visible >= 12.0 + 5.5 * short.chars().count() as f64 {
                let _ = write!(
                    svg,
                    r#"<text class="why {class}" x="{:.1}" y="{:.1}">{}</text>"#,
                    x0 + visible / 2.0,
                    cy - 4.5,
                    esc(&short)
                );
            }
            svg.push('\n');
        }
        if let Some(t) = self.spawned.filter(|&t| shown(t)) {
            let _ = writeln!(
                svg,
                r#"<circle class="spawn" cx="{:.1}" cy="{cy:.1}" r="4"><title>{label} spawned at {t:.3} ms</title></circle>"#,
                x(t)
            );
        }
        for &(a, b) in self.polls.iter().filter(|p| shown(p.0)) {
            let _ = writeln!(
                svg,
                r#"<rect class="poll" x="{:.1}" y="{:.1}" width="{:.1}" height="14"><title>{label}: poll {a:.3} to {b:.3} ms ({:.0} µs)</title></rect>"#,
                x(a),
                cy - 7.0,
                (x(b) - x(a)).max(1.5),
                (b - a) * 1e3
            );
        }
        for &(t, cause) in self.wakes.iter().filter(|w| shown(w.0)) {
            let _ = writeln!(
                svg,
                r#"<circle class="wake {}" cx="{:.1}" cy="{cy:.1}" r="3"><title>{label} woken by {cause} at {t:.3} ms</title></circle>"#,
                cause_class(Some(cause)),
                x(t)
            );
        }
        if let Some(t) = self.finished.filter(|&t| shown(t)) {
            let _ = writeln!(
                svg,
                r#"<rect class="end" x="{:.1}" y="{:.1}" width="8" height="8"><title>{label} finished at {t:.3} ms</title></rect>"#,
                x(t) + 1.0,
                cy - 4.0
            );
        }
        svg.push_str("</g></g>\n");
    }
}

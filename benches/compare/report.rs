//! The report: one machine-readable line per measurement, the scaling
//! note for the two-core rows, and a Markdown table with the spread of
//! each runtime's samples.

use bench::measure::Summary;

/// The runtimes, in the order of every row's columns.
pub(crate) const RUNTIMES: [&str; 3] = ["ours", "tokio", "smol"];

/// Whether a bigger number is better.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Better {
    Lower,
    Higher,
}

/// One reported measurement: samples per runtime, in `RUNTIMES` order.
pub(crate) struct Row {
    pub(crate) name: &'static str,
    pub(crate) unit: &'static str,
    pub(crate) better: Better,
    pub(crate) samples: [Vec<f64>; 3],
}

impl Row {
    pub(crate) fn new(name: &'static str, unit: &'static str, better: Better) -> Row {
        Row {
            name,
            unit,
            better,
            samples: Default::default(),
        }
    }
}

/// The best peer's name and median (tokio or smol, whichever ran).
fn best_peer(row: &Row, s: &[Summary]) -> (&'static str, f64) {
    let peers = (1..3)
        .filter(|&i| !row.samples[i].is_empty())
        .map(|i| (RUNTIMES[i], s[i].median));
    match row.better {
        Better::Lower => peers.min_by(|a, b| a.1.total_cmp(&b.1)),
        Better::Higher => peers.max_by(|a, b| a.1.total_cmp(&b.1)),
    }
    .expect("at least one peer")
}

/// A median, or `-` for a runtime the row does not run.
fn cell(row: &Row, s: &[Summary], i: usize) -> String {
    if row.samples[i].is_empty() {
        "-".to_owned()
    } else {
        fmt(s[i].median)
    }
}

pub(crate) fn report(rows: &[Row]) {
    if rows.is_empty() {
        return; // only one-peer rows (fetch-tls-1k) were asked for
    }
    println!();
    let summaries: Vec<Vec<Summary>> = rows
        .iter()
        .map(|row| row.samples.iter().map(|v| Summary::of(v)).collect())
        .collect();
    let ratio = |row: &Row, s: &[Summary]| {
        let (best, best_value) = best_peer(row, s);
        let ratio = match row.better {
            Better::Lower => s[0].median / best_value,
            Better::Higher => best_value / s[0].median,
        };
        (best, ratio)
    };
    for (row, s) in rows.iter().zip(&summaries) {
        let (best, ratio) = ratio(row, s);
        println!(
            "{} {} ours={} tokio={} smol={} best_peer={best} ratio={ratio:.2}",
            row.name,
            row.unit,
            cell(row, s, 0),
            cell(row, s, 1),
            cell(row, s, 2)
        );
    }
    scaling(rows, &summaries);
    println!();
    println!("| workload | unit | ours | tokio | smol | ratio | spread ours / tokio / smol |");
    println!("| --- | --- | ---: | ---: | ---: | ---: | --- |");
    for (row, s) in rows.iter().zip(&summaries) {
        let (_, ratio) = ratio(row, s);
        let spread = |i: usize| {
            if row.samples[i].is_empty() {
                "-".to_owned()
            } else {
                format!("±{:.0}%", s[i].spread_pct() / 2.0)
            }
        };
        println!(
            "| {} | {} | {} | {} | {} | {ratio:.2} | {} / {} / {} |",
            row.name,
            row.unit,
            cell(row, s, 0),
            cell(row, s, 1),
            cell(row, s, 2),
            spread(0),
            spread(1),
            spread(2),
        );
    }
}

/// For each two-core throughput row run with its single-core row, how
/// many times the single-core figure each runtime reached (2.00 would be
/// perfect scaling; on a 2-vCPU machine that also hosts the load and the
/// HTTP peer, less is expected).
fn scaling(rows: &[Row], summaries: &[Vec<Summary>]) {
    let find = |name: &str| rows.iter().position(|r| r.name == name);
    for (multi, single) in [("echo-mt", "echo"), ("fetch-1k-mt", "fetch-1k")] {
        let (Some(m), Some(s)) = (find(multi), find(single)) else {
            continue;
        };
        let mut line = format!("# scaling {multi} / {single}:");
        for (i, rt) in RUNTIMES.iter().enumerate() {
            if !rows[m].samples[i].is_empty() && !rows[s].samples[i].is_empty() {
                let x = summaries[m][i].median / summaries[s][i].median;
                line.push_str(&format!(" {rt}={x:.2}x"));
            }
        }
        println!("{line}");
    }
}

/// Three significant digits, no exponent.
pub(crate) fn fmt(x: f64) -> String {
    if x >= 100.0 {
        format!("{x:.0}")
    } else if x >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

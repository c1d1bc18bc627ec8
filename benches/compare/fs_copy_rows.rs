//! The `fs-copy` rows: a file of 1 GiB (64 MiB with `--quick`) copied
//! through a 256 KiB buffer by `runtime::fs::File`, by `std::io::copy` and
//! by tokio's `fs`, alternating after a warm-up, with std's plain
//! read/write loop beside them for reference: MB/s, and the CPU time of
//! the whole process per GiB (on a busy machine, CPU time decides the
//! throughput). Its table has its own columns (`std` is not a runtime)
//! and a target: ours at least 90% of std's MB/s. The copies live in the
//! library (`fs_copy.rs`).

use bench::fs_copy::{Copied, Files};
use bench::measure::Summary;

use crate::Sizes;
use crate::report::fmt;

/// Target: ours' throughput over `std::io::copy`'s.
const TARGET: f64 = 0.9;

/// The columns, in order.
const COLUMNS: [&str; 4] = ["ours", "std", "tokio", "std-loop"];

/// Measures and prints the rows; the target check goes to `notes`.
pub(crate) fn run(sizes: &Sizes, notes: &mut Vec<String>) {
    // Beside the bench binary (in the target dir) when tmpfs is short.
    let exe = std::env::current_exe().expect("own path");
    let fallback = exe.parent().expect("a directory");
    let files = Files::create(sizes.fs_copy_bytes, fallback).expect("writing the source file");
    println!(
        "# fs-copy: {} MiB in {}, 256 KiB buffer; columns: ours = runtime::fs::File, std = \
         std::io::copy (the kernel copies: copy_file_range), tokio = tokio::fs::File \
         (current_thread), std-loop = std's read/write loop on one thread",
        sizes.fs_copy_bytes >> 20,
        files.dir().display()
    );
    let copy = |column: &str| -> Copied {
        match column {
            "ours" => files.copy_ours(),
            "std" => files.copy_std(),
            "tokio" => files.copy_tokio(),
            _ => files.copy_std_loop(),
        }
    };
    for column in COLUMNS {
        copy(column);
    }
    let mut rate: [Vec<f64>; 4] = Default::default();
    let mut cpu: [Vec<f64>; 4] = Default::default();
    for _ in 0..sizes.rounds {
        for (i, column) in COLUMNS.iter().enumerate() {
            let copied = copy(column);
            rate[i].push(copied.mb_per_s);
            cpu[i].push(copied.cpu_ms_per_gib);
        }
    }
    let rate: Vec<Summary> = rate.iter().map(|v| Summary::of(v)).collect();
    let cpu: Vec<Summary> = cpu.iter().map(|v| Summary::of(v)).collect();
    let ratio = rate[0].median / rate[1].median;
    println!();
    for (name, unit, s) in [("fs-copy", "MB/s", &rate), ("fs-copy-cpu", "ms/GiB", &cpu)] {
        println!(
            "{name} {unit} ours={} std={} tokio={} std-loop={} ours/std={:.2}",
            fmt(s[0].median),
            fmt(s[1].median),
            fmt(s[2].median),
            fmt(s[3].median),
            s[0].median / s[1].median
        );
    }
    println!();
    println!(
        "| workload | unit | ours | std | tokio | std-loop | ours / std | spread ours / std / tokio / std-loop |"
    );
    println!("| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |");
    for (name, unit, s) in [("fs-copy", "MB/s", &rate), ("fs-copy-cpu", "ms/GiB", &cpu)] {
        println!(
            "| {name} | {unit} | {} | {} | {} | {} | {:.2} | ±{:.0}% / ±{:.0}% / ±{:.0}% / ±{:.0}% |",
            fmt(s[0].median),
            fmt(s[1].median),
            fmt(s[2].median),
            fmt(s[3].median),
            s[0].median / s[1].median,
            s[0].spread_pct() / 2.0,
            s[1].spread_pct() / 2.0,
            s[2].spread_pct() / 2.0,
            s[3].spread_pct() / 2.0,
        );
    }
    let met = if ratio >= TARGET { "met" } else { "NOT met" };
    notes.push(format!(
        "# target fs-copy ours / std: {ratio:.2} (>= {TARGET:.2}): {met}; ours / tokio: {:.2}, \
         ours / std-loop: {:.2}",
        rate[0].median / rate[2].median,
        rate[0].median / rate[3].median
    ));
}

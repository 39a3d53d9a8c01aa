//! The README's figures, checked against what they describe, so that none
//! can go stale: the binary's size (the opening paragraph and the Size
//! section), the size budget (tests/binary.rs), the number of bad
//! invocations (tests/usage_errors.rs), and PID 1's peak resident memory
//! (the PID-1 footprint table and the opening paragraph), measured here the
//! way scripts/footprint measures it. Then the figures that come from a
//! benchmark run: every number of the Performance section and the footprint
//! table's rows against BENCHMARKS.md (through BENCHMARKS.tsv, which
//! scripts/bench-plot writes from it), and the footprint section's code
//! segment (from the binary's ELF headers) and peak (tests/init.rs's cap).
//! A figure that moves fails here until the README says the new one.

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const NOOK: &str = env!("CARGO_BIN_EXE_nook");

fn repo_file(name: &str) -> String {
    fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(name)).unwrap()
}

/// The number (digits and commas) right after the first `before` in
/// `text`, and right before `after`.
fn number_between(text: &str, before: &str, after: &str) -> u64 {
    let at = text.find(before).unwrap_or_else(|| panic!("README has no {before:?}")) + before.len();
    let rest = &text[at..];
    let end = rest.find(after).unwrap_or_else(|| panic!("README has no {after:?} after {before:?}"));
    let digits: String = rest[..end].chars().filter(|c| *c != ',').collect();
    digits.trim().parse().unwrap_or_else(|_| panic!("README: {:?} between {before:?} and {after:?} is no number", &rest[..end]))
}

#[test]
fn the_binary_s_size_is_the_readme_s() {
    let readme = repo_file("README.md");
    let intro = number_between(&readme, "The release binary is static and ", " bytes");
    let section = number_between(&readme, "`target/x86_64-unknown-linux-musl/release/nook`,\n", " bytes, static");
    assert_eq!(intro, section, "the opening paragraph and the Size section disagree");
    // The Size section's table of builds: each row's last cell is its size.
    let sizes: Vec<u64> = ["default", "init-only", "initramfs", "bwrap"]
        .iter()
        .map(|build| {
            let line = readme.lines().find(|l| l.starts_with(&format!("| {build} |"))).unwrap_or_else(|| panic!("README's Size has no row {build}"));
            let cell = line.trim_end_matches('|').rsplit('|').next().unwrap().trim().replace(',', "");
            cell.parse().unwrap_or_else(|_| panic!("README's row {build}: {cell:?} is no number"))
        })
        .collect();
    assert_eq!(sizes[0], intro, "the Size section's table and its first line disagree");
    // The build under test's row (Cargo.toml's features; another choice of
    // roles has none). Only the release build is the one described;
    // another toolchain may lay it out a little differently, so 1% either way.
    let roles = [cfg!(feature = "run"), cfg!(feature = "enter"), cfg!(feature = "mounts"), cfg!(feature = "boot"), cfg!(feature = "bwrap")];
    let described = match roles {
        [true, true, true, true, false] => Some(sizes[0]),
        [false, false, false, false, false] => Some(sizes[1]),
        [false, false, true, true, false] => Some(sizes[2]),
        [false, false, false, false, true] => Some(sizes[3]),
        _ => None,
    };
    if let (Some(want), false) = (described, cfg!(debug_assertions)) {
        let size = fs::metadata(NOOK).unwrap().len();
        assert!(size.abs_diff(want) * 100 <= want, "README says {want} bytes for this build; the binary is {size}");
    }
}

#[test]
fn the_budget_and_the_counts_are_the_tests_own() {
    let readme = repo_file("README.md");
    let binary = repo_file("tests/binary.rs");
    let budget = number_between(&binary, "const BUDGET: u64 = ", " * 1024;");
    assert_eq!(number_between(&readme, "`tests/binary.rs` keeps it within\n", " KiB"), budget);
    assert_eq!(number_between(&readme, "`binary.rs` (static, ", " KiB budget)"), budget);
    let usage = repo_file("tests/usage_errors.rs");
    let cases = number_between(&usage, "const CASES: usize = ", ";");
    assert_eq!(number_between(&readme, "`usage_errors.rs` (", " bad invocations)"), cases);
}

/// VmHWM of `nook init` as PID 1 under `unshare -Urpf --mount-proc`, while
/// its PROGRAM sleeps, in kB.
fn init_peak() -> u64 {
    let mut child = Command::new("unshare")
        .args(["-Urpf", "--mount-proc", NOOK, "init", "--", "/bin/sleep", "2"])
        .stdout(Stdio::null())
        .spawn()
        .expect("unshare(1) (util-linux)");
    let unshare = child.id();
    let start = Instant::now();
    let mut peak = None;
    while peak.is_none() && start.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(300));
        let children = fs::read_to_string(format!("/proc/{unshare}/task/{unshare}/children")).unwrap_or_default();
        let Some(init) = children.split_whitespace().next() else { continue };
        // Once nook init has started its PROGRAM: the sleep is its child.
        if fs::read_to_string(format!("/proc/{init}/task/{init}/children")).unwrap_or_default().trim().is_empty() {
            continue;
        }
        let status = fs::read_to_string(format!("/proc/{init}/status")).unwrap_or_default();
        peak = status.lines().find_map(|l| l.strip_prefix("VmHWM:")).and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok());
    }
    let _ = child.wait();
    peak.expect("nook init never started its PROGRAM under unshare -Urpf")
}

/// How far (kB) PID 1's measured peak may be from the README's figure: the
/// kernel's accounting moves by a page or two from run to run.
const PEAK_TOLERANCE_KB: u64 = 8;

#[test]
fn pid_1_s_memory_is_the_readme_s() {
    let readme = repo_file("README.md");
    assert_eq!(number_between(&readme, "and fails when it is more than ", " kB off this table"), PEAK_TOLERANCE_KB);
    let table = number_between(&readme, "| nook init (PID 1 under `unshare -Urpf`) | ", " kB |");
    let intro = number_between(&readme, "its peak resident memory is\n", " kB");
    assert_eq!(intro, table, "the opening paragraph and the footprint table disagree");
    // The figures are the default build's (the init-only build's PID 1 is
    // smaller: README, Size).
    if !cfg!(debug_assertions) && cfg!(all(feature = "run", feature = "enter", feature = "mounts")) {
        let measured = init_peak();
        assert!(measured.abs_diff(table) <= PEAK_TOLERANCE_KB, "README says {table} kB for nook init as PID 1; measured {measured} kB");
    }
}

// --- the figures from BENCHMARKS.md -------------------------------------------

/// A number of BENCHMARKS.md, from BENCHMARKS.tsv's `cell` lines: the value
/// in SECTION's table at ROW (its first cell) and COLUMN (its header).
/// scripts/bench-plot writes one for every number of every table, and
/// tests/scripts.rs (`committed_pictures_match_benchmarks_md`) fails when
/// BENCHMARKS.tsv is not what bench-plot makes of BENCHMARKS.md, so these
/// are the report's own figures.
fn bench_cell(tsv: &str, section: &str, row: &str, column: &str) -> f64 {
    let value = tsv
        .lines()
        .filter_map(|l| l.strip_prefix("cell\t"))
        .find_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f.len() == 4 && f[0] == section && f[1] == row && f[2] == column).then(|| f[3])
        })
        .unwrap_or_else(|| panic!("BENCHMARKS.tsv has no figure at {section:?} / {row:?} / {column:?}"));
    value.parse().unwrap()
}

/// The number (digits, thousands commas, a decimal point) that starts at
/// byte `at` of `text`: its value and how many decimals it is written with.
fn number_at(text: &str, at: usize) -> (f64, usize, usize) {
    let rest = &text[at..];
    let mut end = 0;
    for (i, c) in rest.char_indices() {
        let digit_follows = rest[i + 1..].starts_with(|d: char| d.is_ascii_digit());
        if c.is_ascii_digit() || ((c == ',' || c == '.') && i > 0 && digit_follows) {
            end = i + 1;
        } else {
            break;
        }
    }
    let written = &rest[..end];
    let decimals = written.find('.').map_or(0, |p| written.len() - p - 1);
    let value = written.replace(',', "").parse().unwrap_or_else(|_| panic!("README: no number at {:?}", &rest[..rest.len().min(40)]));
    (value, decimals, end)
}

/// What the README's Performance section says, number by number in the
/// order it writes them (numbers in `code` are names, not figures): a figure
/// of BENCHMARKS.md (section, row, column), or a size of a workload the
/// benchmarks run, written as such.
enum Said {
    Figure(&'static str, &'static str, &'static str),
    Workload(&'static str),
}
use Said::{Figure as F, Workload as W};

const LAUNCH: &str = "Launch latency";
const PROFILE: &str = "Launch profile";
const PARALLEL: &str = "Parallel launches";
const SCALING: &str = "Scaling with --bind";
const TABLE: &str = "Mount table";
const REAPING: &str = "Reaping";
const BOOT: &str = "Boot";

const PERFORMANCE: &[Said] = &[
    W("2"),
    // Launch.
    F(LAUNCH, "nook-init", "median ms"),
    F(LAUNCH, "nook-init / floor-init", "value"),
    F(LAUNCH, "nook-init / bwrap", "value"),
    F(LAUNCH, "nook-noinit / floor", "value"),
    F(LAUNCH, "nook-noinit / bwrap", "value"),
    F(LAUNCH, "the difference: nook's sealed copy and re-exec", "ms"),
    F(LAUNCH, "the same difference from the min ms column", "ms"),
    F(PROFILE, "nook-init", "before the exec of /bin/true"),
    F(PROFILE, "floor-init", "before the exec of /bin/true"),
    F(PROFILE, "nook-init / floor-init", "syscalls before exec"),
    F(PROFILE, "nook-init", "faults minus /bin/true's"),
    F(PROFILE, "floor-init", "faults minus /bin/true's"),
    F(PROFILE, "one system call (getppid), ns", "cost"),
    F(PROFILE, "first write to an anonymous page, ns", "cost"),
    F(PROFILE, "sealed copy: open, memfd_create, sendfile, F_ADD_SEALS, close, µs", "cost"),
    F(PROFILE, "fork + execveat of the sealed copy + wait, µs", "cost"),
    F(PROFILE, "fork + execve of the binary's file + wait, µs", "cost"),
    F(PROFILE, "nook-init", "umount2 median ms"),
    F(PROFILE, "floor-init", "umount2 median ms"),
    // Parallel launches.
    W("100"),
    W("2"),
    F(PARALLEL, "nook-init", "100 at once, per s"),
    F(PARALLEL, "bwrap", "100 at once, per s"),
    F(PARALLEL, "nook-init / bwrap", "value"),
    F(PARALLEL, "nook-noinit", "100 at once, per s"),
    F(PARALLEL, "nook-noinit / bwrap", "value"),
    F(PARALLEL, "floor", "100 at once, per s"),
    F(PARALLEL, "nook-noinit / floor", "value"),
    // Scaling.
    W("1000"),
    F(SCALING, "nook", "time(1000)/time(100)"),
    W("100"),
    F(SCALING, "bwrap", "time(1000)/time(100)"),
    // Mount table.
    W("10,000"),
    F(TABLE, "nook-tree (`nook mounts --all`)", "10,000 mounts"),
    F(TABLE, "findmnt-tree (`findmnt`)", "10,000 mounts"),
    F(TABLE, "nook-tree / findmnt-tree", "10,000"),
    F(TABLE, "nook-json (`nook mounts --all --json`)", "10,000 mounts"),
    F(TABLE, "findmnt-json (`findmnt -J`)", "10,000 mounts"),
    F(TABLE, "nook-json / findmnt-json", "10,000"),
    W("1,000"),
    W("10,000"),
    F(TABLE, "nook-tree (`nook mounts --all`)", "time(10,000)/time(1,000)"),
    F(TABLE, "findmnt-tree (`findmnt`)", "time(10,000)/time(1,000)"),
    // Reaping.
    W("10,000"),
    F(REAPING, "nook init", "drain 10,000"),
    F(REAPING, "tini-static", "drain 10,000"),
    F(REAPING, "catatonit", "drain 10,000"),
    F(REAPING, "nook init / tini-static", "drain 10,000"),
    F(REAPING, "nook init / catatonit", "drain 10,000"),
    W("1,000"),
    F(REAPING, "nook init", "drain 1,000"),
    F(REAPING, "nook init / tini-static", "drain 1,000"),
    F(REAPING, "nook init / catatonit", "drain 1,000"),
    // Boot.
    F(BOOT, "nook", "bytes"),
    F(BOOT, "debian", "bytes"),
    F(BOOT, "debian", "size / nook"),
    F(BOOT, "baseline", "bytes"),
    F(BOOT, "baseline", "size / nook"),
    F(BOOT, "nook", "/init to off s"),
    F(BOOT, "debian", "/init to off s"),
    F(BOOT, "debian", "/init to off / nook"),
    F(BOOT, "baseline", "/init to off s"),
    F(BOOT, "baseline", "/init to off / nook"),
    F(BOOT, "nook", "median s"),
    F(BOOT, "debian", "median s"),
    F(BOOT, "baseline", "median s"),
    // The pictures' captions.
    W("100"),
    W("10,000"),
    W("10,000"),
];

/// The numbers of `text` outside `code` spans, as written, with their
/// offsets: runs of digits (with thousands commas and a decimal point)
/// that no letter, digit, `_` or `-` precedes, and not the 1 of "PID 1" (a
/// name).
fn numbers_in(text: &str) -> Vec<(usize, &str)> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let (mut i, mut in_code) = (0, false);
    while i < bytes.len() {
        let c = bytes[i];
        if c == b'`' {
            in_code = !in_code;
        } else if !in_code && c.is_ascii_digit() && (i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_' || bytes[i - 1] == b'-'))
            && !text[..i].ends_with("PID ")
        {
            let (_, _, len) = number_at(text, i);
            found.push((i, &text[i..i + len]));
            i += len;
            continue;
        }
        i += 1;
    }
    found
}

/// Whether `written` (the README's) is `value` rounded to its own decimals.
fn rounds_to(written: &str, value: f64) -> bool {
    let (said, decimals, _) = number_at(written, 0);
    let unit = 10f64.powi(-(decimals as i32));
    (said - value).abs() <= unit / 2.0 + 1e-9
}

fn section<'a>(text: &'a str, heading: &str) -> &'a str {
    let start = text.find(heading).unwrap_or_else(|| panic!("README has no {heading:?}"));
    let body = &text[start + heading.len()..];
    let end = body.find("\n## ").unwrap_or(body.len());
    &body[..end]
}

/// Every number of the README's Performance section is a figure of
/// BENCHMARKS.md (or a workload's size), in the order of PERFORMANCE: a
/// new benchmark run that moves a figure, or a sentence that adds one,
/// fails here until the README and this list say it.
#[test]
fn the_performance_figures_are_benchmarks_md_s() {
    let readme = repo_file("README.md");
    let tsv = repo_file("BENCHMARKS.tsv");
    let performance = section(&readme, "\n## Performance\n");
    let said = numbers_in(performance);
    let mut wrong = Vec::new();
    for (i, &(at, written)) in said.iter().enumerate() {
        let context = performance[..at].chars().rev().take(30).collect::<Vec<_>>().into_iter().rev().collect::<String>().replace('\n', " ");
        let at = format!("after {context:?}");
        let Some(expected) = PERFORMANCE.get(i) else {
            wrong.push(format!("{written:?} ({at}): no figure of BENCHMARKS.md is listed for it in PERFORMANCE"));
            continue;
        };
        match *expected {
            W(size) => {
                if written != size {
                    wrong.push(format!("{written:?} ({at}): expected the workload size {size}"));
                }
            }
            F(sec, row, column) => {
                let value = bench_cell(&tsv, sec, row, column);
                if !rounds_to(written, value) {
                    wrong.push(format!("{written:?} ({at}): BENCHMARKS.md has {value} at {sec} / {row} / {column}"));
                }
            }
        }
    }
    if said.len() < PERFORMANCE.len() {
        wrong.push(format!("the section has {} numbers; PERFORMANCE lists {}", said.len(), PERFORMANCE.len()));
    }
    assert!(wrong.is_empty(), "README's Performance section and BENCHMARKS.md disagree:\n{}", wrong.join("\n"));
}

/// The PID-1 footprint table's rows are BENCHMARKS.md's (PID-1 memory, from
/// scripts/footprint): the peak RSS of each init and the size of its binary.
#[test]
fn the_footprint_table_is_benchmarks_md_s() {
    let readme = repo_file("README.md");
    let tsv = repo_file("BENCHMARKS.tsv");
    let bench = repo_file("BENCHMARKS.md");
    let footprint = section(&readme, "\n### PID-1 footprint\n");
    let runs = number_between(footprint, "median of ", " runs");
    assert_eq!(number_between(&bench, "(median of ", " runs;"), runs, "README and BENCHMARKS.md disagree on scripts/footprint's runs");
    let rows = [
        ("nook run --unshare-pid (PID 1)", "nook run --unshare-pid (PID 1)"),
        ("nook init (PID 1 under `unshare -Urpf`)", "nook init (PID 1 under unshare)"),
        ("nook init (subreaper)", "nook init (subreaper)"),
        ("tini-static", "tini-static"),
        ("catatonit", "catatonit"),
        ("dumb-init", "dumb-init"),
    ];
    let mut seen = 0;
    for line in footprint.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let Some(&(_, bench_row)) = rows.iter().find(|(label, _)| cells.get(1) == Some(label)) else { continue };
        seen += 1;
        let peak = cells[2].strip_suffix(" kB").unwrap_or_else(|| panic!("README footprint row {line:?}: no kB"));
        let value = bench_cell(&tsv, "PID-1 memory", bench_row, "VmHWM kB (median)");
        assert!(rounds_to(peak, value), "README footprint row {line:?}: BENCHMARKS.md has {value} kB");
        if !cells[3].is_empty() {
            let (size, _, _) = number_at(cells[3], 0);
            let value = bench_cell(&tsv, "PID-1 memory", bench_row, "binary kB");
            assert_eq!(size, value, "README footprint row {line:?}: BENCHMARKS.md has {value} KiB for the binary");
        }
    }
    assert_eq!(seen, rows.len(), "README's footprint table lacks a row of {rows:?}");
}

/// The footprint section's other figures: PID 1's code segment (its first
/// loadable, executable segment, in pages of 4 kB, read from the binary's
/// ELF program headers) and the peak that tests/init.rs holds it to.
#[test]
fn the_footprint_section_s_other_figures_are_checked() {
    let readme = repo_file("README.md");
    let footprint = section(&readme, "\n### PID-1 footprint\n");
    let code_kb = number_between(footprint, "Now the init maps ", " kB of code");
    let elf = fs::read(NOOK).unwrap();
    let word = |at: usize, n: usize| elf[at..at + n].iter().rev().fold(0u64, |v, b| v << 8 | u64::from(*b));
    let (phoff, phentsize, phnum) = (word(0x20, 8) as usize, word(0x36, 2) as usize, word(0x38, 2) as usize);
    let first_code = (0..phnum)
        .map(|i| phoff + i * phentsize)
        .find(|&h| word(h, 4) == 1 && word(h + 4, 4) & 1 != 0)
        .expect("an executable PT_LOAD");
    let (vaddr, memsz) = (word(first_code + 0x10, 8), word(first_code + 0x28, 8));
    let pages = (vaddr % 4096 + memsz).div_ceil(4096);
    // The default build's figure (the other builds' segments are smaller).
    if !cfg!(debug_assertions) && cfg!(all(feature = "run", feature = "enter", feature = "mounts")) {
        assert_eq!(pages * 4, code_kb, "README says PID 1 maps {code_kb} kB of code; its first code segment spans {pages} pages");
    }
    let cap = number_between(footprint, "the peak stays within ", " kB");
    let init = repo_file("tests/init.rs");
    assert_eq!(number_between(&init, "let peak_ok = peak <= ", " ||"), cap, "README and tests/init.rs disagree on the init's peak");
}

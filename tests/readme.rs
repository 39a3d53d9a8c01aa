//! The README's figures, checked against what they describe, so that none
//! can go stale: the binary's size (the opening paragraph and the Size
//! section), the size budget (tests/binary.rs), the number of bad
//! invocations (tests/usage_errors.rs), and PID 1's peak resident memory
//! (the PID-1 footprint table and the opening paragraph), measured here the
//! way scripts/footprint measures it.

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
    let sizes: Vec<u64> = ["default", "init-only", "initramfs"]
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
    let roles = [cfg!(feature = "run"), cfg!(feature = "enter"), cfg!(feature = "mounts"), cfg!(feature = "boot")];
    let described = match roles {
        [true, true, true, false] => Some(sizes[0]),
        [false, false, false, false] => Some(sizes[1]),
        [false, false, true, true] => Some(sizes[2]),
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

#[test]
fn pid_1_s_memory_is_the_readme_s() {
    let readme = repo_file("README.md");
    let table = number_between(&readme, "| nook init (PID 1 under `unshare -Urpf`) | ", " kB |");
    let intro = number_between(&readme, "its peak resident memory is\n", " kB");
    assert_eq!(intro, table, "the opening paragraph and the footprint table disagree");
    // The figures are the default build's (the init-only build's PID 1 is
    // smaller: README, Size).
    if !cfg!(debug_assertions) && cfg!(all(feature = "run", feature = "enter", feature = "mounts")) {
        let measured = init_peak();
        assert!(measured.abs_diff(table) <= 8, "README says {table} kB for nook init as PID 1; measured {measured} kB");
    }
}

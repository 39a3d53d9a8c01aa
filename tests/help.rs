//! `nook --help`: it lists every option of the parser's own tables (read
//! from src/, see common/options.rs) for the roles of the build under
//! test (Cargo.toml's features), each on a line of its own, so that
//! "see nook --help" at the end of a usage error always leads somewhere;
//! the personalities' letters (tini's, catatonit's) are named in their
//! paragraph; and every line fits an 80-column terminal.

#[path = "common/options.rs"]
mod options;

use options::{options_of, personality_options};
use std::collections::BTreeSet;
use std::process::Command;

/// Whether src/cli's file `path` holds options of a role this build has:
/// a role's own file only with its feature; run.rs's table, which enter
/// reads too, with run; the init's, tini's and mod.rs's in every build.
/// bwrap's (cli/bwrap.rs) are bubblewrap's, which `bwrap --help` lists,
/// never nook's: they count as neither.
fn built(path: &str) -> bool {
    let roles = [
        ("cli/run.rs", cfg!(feature = "run")),
        ("cli/sandbox.rs", cfg!(any(feature = "run", feature = "enter"))),
        ("cli/enter.rs", cfg!(feature = "enter")),
        ("cli/mounts.rs", cfg!(feature = "mounts")),
        ("cli/switch_root.rs", cfg!(feature = "switch-root")),
    ];
    roles.iter().find(|(file, _)| *file == path).is_none_or(|&(_, built)| built)
}

/// The options of this build's parser.
fn parser_options() -> BTreeSet<String> {
    let options = options_of(|path| path != "cli/bwrap.rs" && built(path));
    for known in ["--grace", "--help", "-h"] {
        assert!(options.contains(known), "no {known} among the parser's options {options:?}: has the table syntax changed?");
    }
    options
}

/// The options of the roles this build lacks: --help must not list them.
fn unbuilt_options() -> BTreeSet<String> {
    let ours = parser_options();
    options_of(|path| path != "cli/bwrap.rs" && !built(path)).into_iter().filter(|o| !ours.contains(o)).collect()
}

fn help() -> String {
    let bin = env!("CARGO_BIN_EXE_nook");
    let out = Command::new(bin).arg("--help").output().unwrap();
    assert!(out.status.success(), "nook --help: {:?}", out.status);
    assert!(out.stderr.is_empty(), "nook --help wrote to stderr: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("nook --help is not UTF-8")
}

/// The option each line of the help documents: its first word, on lines
/// indented by two spaces that start with `-`.
fn documented(text: &str) -> Vec<&str> {
    text.lines()
        .filter_map(|l| l.strip_prefix("  "))
        .filter(|l| l.starts_with('-'))
        .filter_map(|l| l.split_whitespace().next())
        .collect()
}

#[test]
fn every_option_of_the_parser_has_a_line_of_its_own() {
    let text = help();
    let lines = documented(&text);
    let usage: String = text.lines().take_while(|l| !l.is_empty()).collect::<Vec<_>>().join("\n");
    let personalities = personality_options();
    let missing: Vec<String> = parser_options()
        .into_iter()
        .filter(|o| !lines.contains(&o.as_str()))
        // tini's and catatonit's letters: named anywhere (their paragraph).
        .filter(|o| !(personalities.contains(o) && options::mentions(&text, o)))
        // --help and --version (and -h, -V) are in the usage lines.
        .filter(|o| !(options::mentions(&usage, o)))
        .collect();
    assert!(missing.is_empty(), "nook --help has no line for {missing:?}:\n{text}");
}

#[test]
fn each_option_is_listed_once() {
    let text = help();
    let mut lines = documented(&text);
    let all = lines.len();
    lines.sort();
    lines.dedup();
    assert_eq!(lines.len(), all, "an option has two lines in nook --help:\n{text}");
    // The init's eight and --pause, tini's and catatonit's named in a
    // paragraph; every role's in the default build.
    let least = if cfg!(feature = "run") { 60 } else { 9 };
    assert!(all >= least, "nook --help lists only {all} options:\n{text}");
}

#[test]
fn it_lists_no_option_of_a_role_not_built() {
    let text = help();
    let lines = documented(&text);
    let listed: Vec<String> = unbuilt_options().into_iter().filter(|o| lines.contains(&o.as_str())).collect();
    assert!(listed.is_empty(), "nook --help lists options of roles this build lacks: {listed:?}\n{text}");
    // And its usage lines name only the roles it has.
    let usage: String = text.lines().take_while(|l| !l.is_empty()).collect::<Vec<_>>().join("\n");
    for (role, feature) in [("nook [run]", cfg!(feature = "run")), ("nook enter", cfg!(feature = "enter")), ("nook mounts", cfg!(feature = "mounts")), ("nook switch-root", cfg!(feature = "switch-root")), ("nook boot", cfg!(feature = "boot"))] {
        assert_eq!(usage.contains(role), feature, "{role:?} in the usage lines: {}, in the build: {feature}\n{usage}", usage.contains(role));
    }
    assert!(usage.starts_with("usage: nook "), "{usage}");
    // nook as bwrap is named only in a build that has it.
    assert_eq!(text.contains("Called bwrap:"), cfg!(feature = "bwrap"), "{text}");
}

#[test]
fn it_fits_80_columns() {
    let text = help();
    for line in text.lines() {
        assert!(line.chars().count() <= 80, "longer than 80 columns: {line:?}");
        assert!(!line.contains('\t'), "a tab left in: {line:?}");
    }
    // Every option line has its description: at least one space between.
    for line in text.lines().filter(|l| l.starts_with("  -")) {
        let words: Vec<&str> = line.split_whitespace().collect();
        assert!(words.len() >= 2, "an option without a description: {line:?}");
    }
}

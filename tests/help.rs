//! `nook --help`: it lists every option of the parser's own tables (read
//! from src/, see common/options.rs), each on a line of its own, so that
//! "see nook --help" at the end of a usage error always leads somewhere;
//! the personalities' letters (tini's, catatonit's) are named in their
//! paragraph; and every line fits an 80-column terminal.

#[path = "common/options.rs"]
mod options;

use options::{parser_options, personality_options};
use std::process::Command;

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
    assert!(all > 60, "nook --help lists only {all} options:\n{text}");
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

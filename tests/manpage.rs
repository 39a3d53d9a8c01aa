//! docs/nook.1, the man page: it renders without a warning, with man-db's
//! man(1) and with groff's strictest checks, and it documents every option
//! and NOOK_* variable of the parser's own tables (read from src/, see
//! common/options.rs), every role, and the version that `nook --version`
//! reports (Cargo.toml's; CHANGELOG.md's newest entry is checked here too).
//! One-directional: the page may document options that the parser does
//! not take yet (the contract's), never the other way round.

#[path = "common/options.rs"]
mod options;

use options::{mentions, parser_options, repo};
use std::path::PathBuf;
use std::process::Command;

const PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

fn page() -> PathBuf {
    repo().join("docs/nook.1")
}

fn tool(name: &str, package: &str) {
    assert!(
        Command::new("sh").args(["-c", &format!("command -v {name}")]).env("PATH", PATH).output().unwrap().status.success(),
        "{name} is not installed: Debian's package {package} (scripts/test installs it)"
    );
}

/// `man -l docs/nook.1` at 80 columns: (the text, with overstrike and
/// escape sequences removed; what man said on stderr).
fn render() -> (String, String) {
    tool("man", "man-db");
    let out = Command::new("man")
        .args(["--warnings", "-l"])
        .arg(page())
        .env_clear()
        .env("PATH", PATH)
        .env("MANWIDTH", "80")
        .env("LC_ALL", "C.UTF-8")
        .env("MANPAGER", "cat")
        .output()
        .expect("run man");
    assert!(out.status.success(), "man -l docs/nook.1 failed: {}", String::from_utf8_lossy(&out.stderr));
    let raw = String::from_utf8_lossy(&out.stdout);
    let mut text = String::new();
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            // X BACKSPACE Y (bold, underline): keep Y.
            '\u{8}' => {
                text.pop();
            }
            // An SGR sequence: ESC [ ... m.
            '\u{1b}' => {
                for c in chars.by_ref() {
                    if c == 'm' {
                        break;
                    }
                }
            }
            c => text.push(c),
        }
    }
    (text, String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn renders_without_warnings() {
    let (text, warnings) = render();
    assert!(warnings.is_empty(), "MANWIDTH=80 man --warnings -l docs/nook.1 warned:\n{warnings}");
    assert!(text.contains("NAME") && text.contains("SYNOPSIS"), "man rendered no page:\n{text}");
    tool("groff", "groff-base");
    let out = Command::new("groff")
        .args(["-man", "-ww", "-z"])
        .arg(page())
        .env("PATH", PATH)
        .output()
        .expect("run groff");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && stderr.is_empty(), "groff -man -ww -z docs/nook.1:\n{stderr}");
}

#[test]
fn documents_every_parser_option() {
    let (text, _) = render();
    let missing: Vec<String> = parser_options().into_iter().filter(|o| !mentions(&text, o)).collect();
    assert!(missing.is_empty(), "docs/nook.1 does not document these options of the parser: {missing:?}");
}

#[test]
fn documents_every_nook_variable() {
    let (text, _) = render();
    let missing: Vec<String> = options::parser_words()
        .into_iter()
        .filter(|w| w.starts_with("NOOK_") && !mentions(&text, w))
        .collect();
    assert!(missing.is_empty(), "docs/nook.1 does not document these variables of the parser: {missing:?}");
}

#[test]
fn documents_every_role() {
    let (text, _) = render();
    let synopsis = text.split("DESCRIPTION").next().unwrap();
    for role in ["run", "init", "enter", "switch-root", "boot", "mounts", "--help", "--version"] {
        assert!(mentions(synopsis, role), "the SYNOPSIS of docs/nook.1 lacks {role}:\n{synopsis}");
    }
    for status in ["125", "126", "127", "128+N"] {
        assert!(text.contains(status), "EXIT STATUS lacks {status}");
    }
}

#[test]
fn states_the_version_nook_reports() {
    let source = std::fs::read_to_string(page()).unwrap();
    let th = source.lines().find(|l| l.starts_with(".TH ")).expect("a .TH line");
    let want = format!("\"nook {}\"", env!("CARGO_PKG_VERSION"));
    assert!(th.contains(&want), "docs/nook.1's {th:?} should name {want}, Cargo.toml's version");
}

/// CHANGELOG.md's newest entry is the version `nook --version` reports.
#[test]
fn changelog_starts_at_the_version_nook_reports() {
    let text = std::fs::read_to_string(repo().join("CHANGELOG.md")).expect("read CHANGELOG.md");
    let newest = text
        .lines()
        .filter_map(|l| l.strip_prefix("## "))
        .find(|h| h.starts_with(|c: char| c.is_ascii_digit()))
        .expect("CHANGELOG.md has a `## X.Y.Z` entry");
    let version = newest.split_whitespace().next().unwrap();
    assert_eq!(version, env!("CARGO_PKG_VERSION"), "CHANGELOG.md's newest entry ({newest:?}) is not Cargo.toml's version");
}

//! The options nook's parser knows, read from its source: every string
//! literal that starts with `-` inside a `words![...]` table, in every .rs
//! file under src/ (recursively, so that it keeps working as files move).
//! tests/manpage.rs and tests/completion.rs check that each of them is
//! documented, so that the parser and its documentation cannot drift
//! apart. (Included with `#[path]`: no nook is run, so it needs nothing of
//! the rest of tests/common.)

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// The repo's top directory.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = fs::read_dir(dir).unwrap_or_else(|e| panic!("read {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The string literals inside each `words![ ... ]` of `text`, and the
/// option letters of each `letters: b"..."` as `-X`.
fn table_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("words![") {
        rest = &rest[at + "words![".len()..];
        // A table ends at the first `]` outside a string literal.
        let mut chars = rest.char_indices();
        let mut end = rest.len();
        while let Some((i, c)) = chars.next() {
            match c {
                ']' => {
                    end = i;
                    break;
                }
                '"' => {
                    let mut literal = String::new();
                    let mut escaped = false;
                    for (_, c) in chars.by_ref() {
                        match (escaped, c) {
                            (false, '\\') => escaped = true,
                            (false, '"') => break,
                            _ => {
                                escaped = false;
                                literal.push(c);
                            }
                        }
                    }
                    words.push(literal);
                }
                _ => {}
            }
        }
        rest = &rest[end..];
    }
    // Option letters (src/cli/tini.rs's getopt tables, `letters: b"sgp..."`):
    // each one `-X`.
    let mut rest = text;
    while let Some(at) = rest.find("letters: b\"") {
        rest = &rest[at + "letters: b\"".len()..];
        let end = rest.find('"').expect("a letters: literal ends");
        words.extend(rest[..end].chars().map(|c| format!("-{c}")));
        rest = &rest[end..];
    }
    words
}

/// Every word of the parser's tables: options, NOOK_* variables, values.
#[allow(dead_code)] // tests/help.rs asks only for options_of
pub fn parser_words() -> BTreeSet<String> {
    // bwrap's own options (the bwrap personality, README "nook as bwrap")
    // are bubblewrap's, documented by its usage text, not nook's --help.
    let words = words_of(|path| path != "cli/bwrap.rs");
    assert!(words.contains("NOOK_ROOT"), "the extraction found no NOOK_ROOT in src/'s words! tables");
    words
}

/// The words of the tables in the files under src/ that `wanted` takes
/// (by their path from src/, e.g. `cli/run.rs`).
fn words_of(wanted: impl Fn(&str) -> bool) -> BTreeSet<String> {
    let mut files = Vec::new();
    rust_files(&repo().join("src"), &mut files);
    let mut words = BTreeSet::new();
    for file in files {
        let path = file.strip_prefix(repo().join("src")).unwrap().to_string_lossy().into_owned();
        if wanted(&path) {
            words.extend(table_words(&fs::read_to_string(&file).unwrap()));
        }
    }
    words
}

/// The options of the tables in src/cli's files that `wanted` takes (see
/// [`words_of`]): those of the roles a build has.
#[allow(dead_code)] // only tests/help.rs asks
pub fn options_of(wanted: impl Fn(&str) -> bool) -> BTreeSet<String> {
    words_of(|path| path.starts_with("cli/") && wanted(path)).into_iter().filter(|w| w.len() > 1 && w.starts_with('-')).collect()
}


/// Every option of the parser's tables (`--bind`, `-h`, ...), sorted.
#[allow(dead_code)] // tests/help.rs asks only for options_of
pub fn parser_options() -> BTreeSet<String> {
    let options: BTreeSet<String> =
        parser_words().into_iter().filter(|w| w.len() > 1 && w.starts_with('-')).collect();
    // A broken extraction must not make the docs tests pass vacuously.
    for known in ["--bind", "--unshare-net", "--grace", "--pid", "--help", "-h"] {
        assert!(
            options.contains(known),
            "the option extraction found no {known} in src/'s words! tables (found {options:?}): has the table syntax changed?"
        );
    }
    options
}

/// The options of the personalities' own tables (src/cli/tini.rs: tini's
/// and catatonit's single letters). `nook --help` names them in a
/// paragraph of their own rather than a line each: they are not nook's
/// options, and only mean something under another argv[0].
#[allow(dead_code)] // only tests/help.rs asks
pub fn personality_options() -> BTreeSet<String> {
    let text = fs::read_to_string(repo().join("src/cli/tini.rs")).expect("read src/cli/tini.rs");
    let options: BTreeSet<String> = table_words(&text).into_iter().filter(|w| w.starts_with('-')).collect();
    assert!(options.contains("-P") && options.contains("-e"), "no personality options found in src/cli/tini.rs: {options:?}");
    options
}

/// Whether `text` holds `option` as a word of its own: not followed by a
/// letter, digit or `-` (so `--bind` is not found in `--bind-try` alone),
/// nor preceded by one.
pub fn mentions(text: &str, option: &str) -> bool {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    text.match_indices(option).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + option.len()..].chars().next();
        !before.is_some_and(is_word) && !after.is_some_and(is_word)
    })
}

#[test]
fn mentions_needs_the_whole_option() {
    assert!(mentions("use --bind SRC DEST", "--bind"));
    assert!(mentions("(--bind)", "--bind"));
    assert!(!mentions("use --bind-try SRC DEST", "--bind"));
    assert!(!mentions("--ro-bind", "--bind"));
    assert!(!mentions("---bind", "--bind"));
}

#[test]
fn table_words_reads_literals_up_to_the_closing_bracket() {
    let src = r#"const T: Words<X> = words!["--a" => X::A, "-b" => X::B, "q\"x" => X::Q]; "--outside""#;
    assert_eq!(table_words(src), ["--a", "-b", "q\"x"]);
}

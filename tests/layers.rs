//! The layers of src/ keep one dependency direction:
//! base ← {kernel, plan} ← {cli, pid1, setup} ← role ← lib (lib.rs, main.rs,
//! fuzz.rs). Imports only point down: kernel and plan never import each
//! other, nor do cli, pid1 and setup; no role imports another; the files of
//! one folder (its mod.rs aside, which is the folder itself) import each
//! other without a cycle. Raw system calls live only in kernel/, and every
//! `unsafe` block says why it is sound. Unit-test modules (`tests.rs`) are
//! held to the same rules as the code they test.
//!
//! The graph is read from the source: every `crate::a::b` (and, in main.rs,
//! `nook::a::b`) path and every `super::b` path outside comments.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A source file: its module path (`["setup", "tree", "ops"]`; a folder's
/// mod.rs is the folder) and its text.
struct Source {
    file: String,
    module: Vec<String>,
    text: String,
}

fn rank(layer: &str) -> Option<u8> {
    Some(match layer {
        "base" => 0,
        "kernel" | "plan" => 1,
        "cli" | "pid1" | "setup" => 2,
        "role" => 3,
        "" => 4,
        _ => return None,
    })
}

/// The layer of a module: its first component, or "" for lib, main and fuzz.
fn layer(module: &[String]) -> &str {
    match module.first().map(String::as_str) {
        None | Some("fuzz") | Some("main") => "",
        Some(first) => first,
    }
}

fn sources(root: &Path) -> Vec<Source> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(root, &mut files);
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let rel = path.strip_prefix(root).unwrap().with_extension("");
            let mut module: Vec<String> = rel.iter().map(|c| c.to_string_lossy().into_owned()).collect();
            if module.last().is_some_and(|m| m == "mod" || m == "lib") {
                module.pop();
            }
            Source { file: format!("src/{}", path.strip_prefix(root).unwrap().display()), module, text: std::fs::read_to_string(&path).unwrap() }
        })
        .collect()
}

/// The text with comments and string literals blanked (lines kept).
fn code_only(text: &str) -> Vec<String> {
    text.lines()
        .map(|line| {
            let mut out = String::new();
            let mut in_string = false;
            let mut chars = line.chars().peekable();
            while let Some(c) = chars.next() {
                if in_string {
                    if c == '\\' {
                        chars.next();
                    } else if c == '"' {
                        in_string = false;
                    }
                    out.push(' ');
                } else if c == '/' && chars.peek() == Some(&'/') {
                    break;
                } else if c == '"' {
                    in_string = true;
                    out.push(' ');
                } else {
                    out.push(c);
                }
            }
            out
        })
        .collect()
}

/// The module paths a line names: `crate::a::b::c` gives [a, b, c].
fn paths_after(line: &str, prefix: &str) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    let mut rest = line;
    while let Some(at) = rest.find(prefix) {
        let before = rest[..at].chars().last();
        rest = &rest[at + prefix.len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let path: Vec<String> = rest
            .split("::")
            .map(|part| part.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect::<String>())
            .take_while(|part| !part.is_empty())
            .collect();
        found.push(path);
    }
    found
}

/// Every (line number, imported module path) of a source.
fn imports(source: &Source, modules: &BTreeSet<Vec<String>>) -> Vec<(usize, Vec<String>)> {
    let mut out = Vec::new();
    for (n, line) in code_only(&source.text).iter().enumerate() {
        let mut named: Vec<Vec<String>> = paths_after(line, "crate::");
        named.extend(paths_after(line, "nook::"));
        // `super::x` from a file is its folder's x (from a mod.rs: the parent's).
        for path in paths_after(line, "super::") {
            let mut parent = source.module.clone();
            parent.pop();
            parent.extend(path);
            named.push(parent);
        }
        // `use crate::a::{b, c}`: the longest prefix that names a module.
        for path in named {
            let module = (1..=path.len()).rev().map(|k| path[..k].to_vec()).find(|p| modules.contains(p));
            if let Some(module) = module {
                out.push((n + 1, module));
            }
        }
    }
    out
}

/// The first rule an import of `to` from `from` breaks, if any.
fn broken_rule(from: &[String], to: &[String]) -> Option<String> {
    let (a, b) = (layer(from), layer(to));
    let (Some(ra), Some(rb)) = (rank(a), rank(b)) else {
        return Some(format!("`{}` is in no layer (base, kernel, plan, cli, pid1, setup, role)", if rank(a).is_none() { a } else { b }));
    };
    if a == b {
        if a == "role" && from.get(1) != to.get(1) && to.len() > 1 && from.len() > 1 {
            return Some("a role imports another role".into());
        }
        return None;
    }
    if rb >= ra {
        return Some(format!("{a} may not import {b}: imports point down (base <- kernel, plan <- cli, pid1, setup <- role <- lib)"));
    }
    None
}

/// Cycles among the files of one folder (mod.rs aside): each as a path of files.
fn sibling_cycles(edges: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>) -> Vec<Vec<Vec<String>>> {
    let mut cycles = Vec::new();
    for start in edges.keys() {
        // Depth-first from start, along edges inside start's folder only.
        let mut stack = vec![(start.clone(), vec![start.clone()])];
        while let Some((node, path)) = stack.pop() {
            for next in edges.get(&node).into_iter().flatten() {
                if next == start {
                    let mut cycle = path.clone();
                    cycle.push(start.clone());
                    if path.iter().min() == Some(start) {
                        cycles.push(cycle);
                    }
                } else if !path.contains(next) && next > start {
                    let mut longer = path.clone();
                    longer.push(next.clone());
                    stack.push((next.clone(), longer));
                }
            }
        }
    }
    cycles
}

fn same_folder(a: &[String], b: &[String]) -> bool {
    a.len() == b.len() && a.len() > 1 && a[..a.len() - 1] == b[..b.len() - 1]
}

/// Every breach of the rules in a tree of sources, one line each.
fn check(sources: &[Source], require_safety: bool) -> Vec<String> {
    let modules: BTreeSet<Vec<String>> = sources.iter().map(|s| s.module.clone()).collect();
    let folders: BTreeSet<Vec<String>> =
        sources.iter().filter(|s| s.file.ends_with("mod.rs")).map(|s| s.module.clone()).collect();
    let mut breaches = Vec::new();
    let mut edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for source in sources {
        // Test modules (`tests.rs` and the like) obey the same rules as
        // the code they test: a test of setup/ builds its plans from plan/,
        // never through cli/.
        for (line, to) in imports(source, &modules) {
            if to == source.module || to.starts_with(&source.module) && !source.module.is_empty() {
                continue; // itself, or its own submodules
            }
            if let Some(rule) = broken_rule(&source.module, &to) {
                breaches.push(format!("{}:{line}: imports {}: {rule}", source.file, to.join("::")));
            }
            let file = |m: &Vec<String>| !folders.contains(m);
            if same_folder(&source.module, &to) && file(&source.module) && file(&to) {
                edges.entry(source.module.clone()).or_default().insert(to);
            }
        }
        let in_kernel = layer(&source.module) == "kernel";
        let code = code_only(&source.text);
        for (n, line) in code.iter().enumerate() {
            if !in_kernel && ["asm!", "syscall6", "__NR_"].iter().any(|raw| line.contains(raw)) {
                breaches.push(format!("{}:{}: a raw system call outside kernel/", source.file, n + 1));
            }
            if require_safety && line.contains("unsafe {") {
                let lines: Vec<&str> = source.text.lines().collect();
                let said = (n.saturating_sub(4)..=n).any(|k| lines[k].contains("SAFETY"));
                if !said {
                    breaches.push(format!("{}:{}: an unsafe block without a SAFETY comment just above", source.file, n + 1));
                }
            }
        }
    }
    for cycle in sibling_cycles(&edges) {
        let names: Vec<String> = cycle.iter().map(|m| m.join("::")).collect();
        breaches.push(format!("an import cycle between the files of one folder: {}", names.join(" -> ")));
    }
    breaches
}

#[test]
fn src_keeps_one_dependency_direction() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let sources = sources(&root);
    assert!(sources.len() > 30, "found only {} files under src/", sources.len());
    let breaches = check(&sources, true);
    assert!(breaches.is_empty(), "the layers are broken:\n{}", breaches.join("\n"));
}

/// The shared files that may name the `bwrap` feature, and how many lines
/// of each: a layer's `mod bwrap;` and the stand-in for it in builds
/// without the personality (constants and no-ops the shared code calls
/// unconditionally), the per-role lines every role has (its `Action`,
/// its dispatch, its "not in this build"), and bwrap's four `Op` variants
/// (nested in one variant of their own, they cost the bwrap build 190
/// bytes; flat, a build without them has none). Everything else bwrap does lives
/// in its own files (`bwrap.rs` in each layer): no role, nor any other
/// shared file, branches on the feature, so that a personality stays one
/// more file per layer (README, "Layout").
const BWRAP_CFG_LINES: &[(&str, usize)] = &[
    ("src/lib.rs", 1),
    ("src/base/out.rs", 2),
    ("src/base/mod.rs", 1),
    ("src/base/words.rs", 1),
    ("src/plan/mod.rs", 6),
    ("src/cli/mod.rs", 5),
    ("src/setup/mod.rs", 2),
    ("src/setup/tree/mod.rs", 2),
];

#[test]
fn bwrap_stays_in_its_own_files() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut breaches = Vec::new();
    for source in sources(&root) {
        if source.file.ends_with("/bwrap.rs") {
            continue;
        }
        let lines: Vec<usize> =
            source.text.lines().enumerate().filter(|(_, l)| l.contains("feature = \"bwrap\"")).map(|(n, _)| n + 1).collect();
        let allowed = BWRAP_CFG_LINES.iter().find(|(file, _)| *file == source.file).map_or(0, |(_, n)| *n);
        if lines.len() > allowed {
            breaches.push(format!("{}: lines {lines:?} name the bwrap feature ({allowed} may)", source.file));
        }
    }
    assert!(breaches.is_empty(), "bwrap's code belongs in its bwrap.rs files, behind hooks the shared code calls:\n{}", breaches.join("\n"));
}

fn fixture(files: &[(&str, &str)]) -> Vec<String> {
    let sources: Vec<Source> = files
        .iter()
        .map(|(file, text)| {
            let rel = Path::new(file).with_extension("");
            let mut module: Vec<String> = rel.iter().map(|c| c.to_string_lossy().into_owned()).collect();
            if module.last().is_some_and(|m| m == "mod" || m == "lib") {
                module.pop();
            }
            Source { file: format!("src/{file}"), module, text: text.to_string() }
        })
        .collect();
    check(&sources, true)
}

const GOOD: &[(&str, &str)] = &[
    ("lib.rs", "pub mod base; use crate::role::run::go;"),
    ("base/mod.rs", "pub mod text;"),
    ("base/text.rs", "// crate::role::x in a comment is no import\nfn t() { let s = \"crate::role::y\"; }"),
    ("kernel/mod.rs", "pub mod raw;"),
    ("kernel/raw.rs", "use crate::base::text;\n// SAFETY: test\nfn f() { unsafe { asm!() } }"),
    ("plan/mod.rs", "use crate::base::text::Buf;"),
    ("setup/mod.rs", "pub mod a; pub mod b;"),
    ("setup/a.rs", "use crate::kernel::raw; use super::b::x;"),
    ("setup/b.rs", "use crate::plan::Plan;"),
    ("role/mod.rs", "pub mod run;"),
    ("role/run.rs", "use crate::setup::{a, b}; use crate::pid1::x;"),
    ("pid1/mod.rs", ""),
    ("cli/mod.rs", "pub fn parse() {}"),
];

#[test]
fn the_checker_passes_a_good_tree() {
    assert_eq!(fixture(GOOD), Vec::<String>::new());
}

/// GOOD with one file replaced: the breach it must report.
fn with(file: &'static str, text: &'static str) -> Vec<String> {
    let mut files: Vec<(&str, &str)> = GOOD.iter().filter(|(f, _)| *f != file).copied().collect();
    files.push((file, text));
    fixture(&files)
}

#[test]
fn the_checker_names_each_breach() {
    let cases: &[(&str, &str, &str)] = &[
        ("base/text.rs", "use crate::kernel::raw;", "src/base/text.rs:1: imports kernel::raw: base may not import kernel"),
        ("plan/mod.rs", "fn f() { crate::kernel::raw::go() }", "plan may not import kernel"),
        ("kernel/raw.rs", "use crate::plan::Plan;", "kernel may not import plan"),
        ("setup/b.rs", "use crate::pid1::x;", "setup may not import pid1"),
        ("pid1/mod.rs", "use crate::role::run;", "pid1 may not import role"),
        ("setup/b.rs", "use super::a::y;", "an import cycle between the files of one folder: setup::a -> setup::b -> setup::a"),
        ("role/mod.rs", "pub mod run; pub mod init;", ""),
        ("setup/b.rs", "fn f() { unsafe { g() } }", "src/setup/b.rs:1: an unsafe block without a SAFETY comment"),
        ("setup/b.rs", "// SAFETY: no\nfn f() { unsafe { syscall6(1) } }", "src/setup/b.rs:2: a raw system call outside kernel/"),
        ("extra/mod.rs", "use crate::base::text;", "`extra` is in no layer"),
        ("setup/tests.rs", "use crate::cli::parse;", "src/setup/tests.rs:1: imports cli: setup may not import cli"),
        ("base/tests.rs", "use crate::kernel::record::Recorder;", "base may not import kernel"),
    ];
    for (file, text, needle) in cases {
        let breaches = with(file, text);
        if needle.is_empty() {
            continue;
        }
        assert!(breaches.iter().any(|b| b.contains(needle)), "{file} {text:?}: wanted {needle:?}, got {breaches:#?}");
    }
    // A role importing another role.
    let mut files: Vec<(&str, &str)> = GOOD.to_vec();
    files.push(("role/init.rs", "use crate::role::run::go;"));
    assert!(fixture(&files).iter().any(|b| b.contains("a role imports another role")), "{:#?}", fixture(&files));
}

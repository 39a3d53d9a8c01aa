#![cfg(all(feature = "mounts", feature = "run"))]
//! `nook mounts` (issue 16): the mount tree with propagation and peer
//! groups, read from inside containers nook built, as root and as
//! container-user.
//!
//! - one mount of each state (a shared mount and its peer, a slave, a
//!   shared slave, a private and an unbindable mount) shows its state, its
//!   place in the tree and its peer group, as the kernel's own mountinfo
//!   (read in the same namespace) says;
//! - mount points named with a space, a tab, a newline and a backslash are
//!   shown escaped in the tree and exact in the JSON;
//! - `--json` parses with python3 and matches the host's findmnt -J run in
//!   the same mount namespace, on the fields both print;
//! - `--pid` shows another process's namespace; a mount table larger than
//!   nook's buffer is a one-line error; `findmnt` as argv[0] is `nook mounts`.

#[macro_use]
mod common;

use common::*;
use std::collections::BTreeMap;
use std::fs;

/// Run inside a container whose /mnt is a tmpfs holding nook at /mnt/nook:
/// builds one mount of each state under /mnt/s, then prints
/// /proc/self/mountinfo, a marker line, and `nook mounts`.
const STATES_SH: &str = r#"set -eu
cd /mnt
mkdir s
mount -t tmpfs base s
cd s
mkdir shared peer slave both private unbindable refused
mount -t tmpfs shared-fs shared
mount --make-shared shared
mount -o bind shared peer
mount -o bind shared slave
mount --make-slave slave
mount -o bind slave both
mount --make-shared both
mount -t tmpfs private-fs private
mount -t tmpfs unbindable-fs unbindable
mount --make-unbindable unbindable
if mount -o bind unbindable refused 2>/dev/null; then echo "bind of unbindable worked"; exit 1; fi
cat /proc/self/mountinfo
echo =====
/mnt/nook mounts
"#;

/// mountinfo's lines by mount point: (id, parent id, optional fields).
fn kernel_view(mountinfo: &str) -> BTreeMap<String, (u32, u32, String)> {
    mountinfo
        .lines()
        .map(|line| {
            let f: Vec<&str> = line.split(' ').collect();
            let dash = f.iter().position(|&x| x == "-").unwrap();
            (f[4].to_string(), (f[0].parse().unwrap(), f[1].parse().unwrap(), f[6..dash].join(",")))
        })
        .collect()
}

/// The tree's rows, by target: (indent, propagation column).
fn rows(tree: &str) -> BTreeMap<String, (usize, String)> {
    tree.lines()
        .skip(1)
        .take_while(|l| !l.is_empty() && !l.starts_with('('))
        .map(|l| {
            let indent = l.len() - l.trim_start().len();
            let words: Vec<&str> = l.split_whitespace().collect();
            (words[0].to_string(), (indent, words.last().unwrap().to_string()))
        })
        .collect()
}

/// The rootfs, a PID namespace with its /proc (nook mounts reads it), and
/// nook itself at /mnt/nook in a tmpfs.
fn container_options() -> Vec<&'static str> {
    let w = world();
    vec!["--root", w.root(), "--unshare-pid", "--proc", "/proc", "--tmpfs", "/mnt", "--bind", w.nook_path(), "/mnt/nook"]
}

fn container(who: Who, script: &str) -> Out {
    let out = Run::nook(who, &[&container_options()[..], &["--", "/bin/sh", "-c", script]].concat()).run();
    out.ok();
    out
}

fn each_state_is_shown(who: Who) {
    let out = container(who, STATES_SH);
    let (mountinfo, tree) = out.stdout.split_once("=====\n").unwrap();
    let kernel = kernel_view(mountinfo);
    let shown = rows(tree);
    let state = |name: &str| kernel[&format!("/mnt/s/{name}")].2.clone();
    let group = |state: &str, tag: &str| -> u32 {
        state.split(',').find_map(|t| t.strip_prefix(tag)).unwrap_or_else(|| panic!("no {tag} in {state}\n{out}")).parse().unwrap()
    };
    // The kernel's own view first: the setup is what the test means.
    let g = group(&state("shared"), "shared:");
    assert_eq!(state("peer"), format!("shared:{g}"), "{out}");
    assert_eq!(state("slave"), format!("master:{g}"), "{out}");
    let both = group(&state("both"), "shared:");
    assert_eq!(state("both"), format!("shared:{both},master:{g}"), "{out}");
    assert_eq!(state("private"), "", "{out}");
    assert_eq!(state("unbindable"), "unbindable", "{out}");
    // Every mount the kernel lists is a row with its state (/proc aside,
    // the one pseudo filesystem here), indented one step below its parent.
    for (target, (_, parent, optional)) in kernel.iter().filter(|(t, _)| *t != "/proc") {
        let (indent, propagation) = shown.get(target).unwrap_or_else(|| panic!("{target} is not shown\n{out}"));
        let want = if optional.is_empty() { "private" } else { optional.as_str() };
        assert_eq!(propagation, want, "{target}\n{out}");
        if let Some((parent_target, _)) = kernel.iter().find(|(_, (id, _, _))| id == parent) {
            assert_eq!(*indent, shown[parent_target].0 + 2, "{target} under {parent_target}\n{out}");
        }
    }
    assert_eq!(shown.len(), kernel.len() - 1, "{out}");
    assert!(tree.contains("(1 pseudo filesystems not shown: nook mounts --all)"), "{out}");
    assert_eq!(shown["/mnt/s"].0, shown["/mnt"].0 + 2, "{out}");
    // The legend: each group with its peers and slaves, and where it
    // receives from.
    let legend = tree.split_once("Peer groups").map(|(_, l)| l).unwrap_or_else(|| panic!("no legend\n{out}"));
    for expect in [
        format!("\ngroup {g}\n  peer  /mnt/s/shared\n  peer  /mnt/s/peer\n  slave /mnt/s/slave\n  slave /mnt/s/both\n"),
        format!("\ngroup {both}, receives from group {g}\n  peer  /mnt/s/both\n"),
    ] {
        assert!(legend.contains(&expect), "want\n{expect}\n{out}");
    }
    assert_eq!(legend.matches("\ngroup ").count(), 2, "{out}");
    for line in tree.lines() {
        assert!(line.chars().count() <= 80, "{line:?} is wider than 80 columns");
    }
}

/// Mount points with a space, a tab, a newline and a backslash in their
/// names: escaped in the tree (one word each), exact in the JSON.
const ODD_SH: &str = r#"set -eu
cd /mnt
for name in "a b" "$(printf 't\tx')" "$(printf 'n\nx')" 'b\x'; do
    mkdir "$name"
    mount -t tmpfs "src $name" "$name"
done
/mnt/nook mounts
echo =====
/mnt/nook mounts --json
"#;

fn odd_names_are_unambiguous(who: Who) {
    let out = container(who, ODD_SH);
    let (tree, json) = out.stdout.split_once("=====\n").unwrap();
    let shown = rows(tree);
    for name in [r"/mnt/a\x20b", r"/mnt/t\x09x", r"/mnt/n\x0ax", r"/mnt/b\x5cx"] {
        assert!(shown.contains_key(name), "{name} missing\n{out}");
    }
    assert!(tree.contains(r"src\x20a\x20b"), "{out}");
    let targets = python(
        "import json,sys; t = json.load(sys.stdin)['filesystems'][0]\n\
         print(json.dumps(sorted(c['target'] + '|' + c['source'] for m in t['children'] if m['target'] == '/mnt' for c in m.get('children', []) if c['target'] != '/mnt/nook')))",
        json,
    );
    assert_eq!(
        targets.trim(),
        r#"["/mnt/a b|src a b", "/mnt/b\\x|src b\\x", "/mnt/n\nx|src n\nx", "/mnt/t\tx|src t\tx"]"#,
        "{out}"
    );
}

fn python(program: &str, input: &str) -> String {
    use std::io::Write;
    let mut child = std::process::Command::new("python3")
        .args(["-c", program])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3");
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "python3 failed: {}\ninput:\n{input}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// Without --root the container keeps the host's tree, findmnt included:
/// both run in the one mount namespace, after the same states are built.
const FINDMNT_SH: &str = r#"set -eu
nook=$1 d=$2
cd "$d"
mkdir shared peer slave private unbindable
mount -t tmpfs shared-fs shared
mount --make-shared shared
mount --bind shared peer
mount --bind shared slave
mount --make-slave slave
mount -t tmpfs -o ro private-fs private
mount -t tmpfs unbindable-fs unbindable
mount --make-unbindable unbindable
"$nook" mounts --json --all
echo =====
/usr/bin/findmnt -J -o TARGET,SOURCE,FSTYPE,OPTIONS,PROPAGATION
"#;

/// Compares two findmnt -J documents: the same tree (children in any
/// order: findmnt sorts them by mount id, nook keeps the kernel's order)
/// with the same five fields.
const COMPARE_PY: &str = r#"import json, sys
nook, findmnt = sys.stdin.read().split("=====\n")
def tree(fs):
    return sorted((f["target"], f["source"], f["fstype"], f["options"], f["propagation"], tree(f.get("children", []))) for f in fs)
a, b = tree(json.loads(nook)["filesystems"]), tree(json.loads(findmnt)["filesystems"])
def flat(t, out):
    for n in t:
        out.append(n[:5]); flat(n[5], out)
    return out
fa, fb = flat(a, []), flat(b, [])
for x in fa:
    if x not in fb: print("only nook:   ", x)
for x in fb:
    if x not in fa: print("only findmnt:", x)
print("same" if a == b else "differ", len(fa))
"#;

fn json_matches_findmnt(who: Who) {
    let d = scratch(who, "findmnt");
    let w = world();
    let out = Run::nook(who, &["--tmpfs", p(&d), "--", "/bin/sh", "-c", FINDMNT_SH, "sh", w.nook_path(), p(&d)]).run();
    out.ok();
    let verdict = python(COMPARE_PY, &out.stdout);
    assert!(verdict.starts_with("same "), "{verdict}\n{out}");
    let count: usize = verdict.trim().rsplit(' ').next().unwrap().parse().unwrap();
    assert!(count >= 6, "{verdict}");
}

/// `--pid` reads another process's mount namespace: a tmpfs mounted in an
/// `unshare -m` namespace is in it and not in nook's own.
const PID_SH: &str = r#"set -eu
nook=$1 d=$2
mkdir "$d/m"
mkfifo "$d/go"
unshare -Urm sh -c 'mount -t tmpfs nook-pid-probe "$1/m"; echo $$ > "$1/pid.new"; mv "$1/pid.new" "$1/pid"; read x < "$1/go"' sh "$d" &
while [ ! -s "$d/pid" ]; do sleep 0.05; done
"$nook" mounts --pid "$(cat "$d/pid")" --json
echo =====
"$nook" mounts --json
echo done > "$d/go"
wait
"#;

fn pid_reads_another_namespace(who: Who) {
    let d = scratch(who, "pid");
    let out = Run::sh(who, PID_SH, &[world().nook_path(), p(&d)]).run();
    out.ok();
    let (theirs, ours) = out.stdout.split_once("=====\n").unwrap();
    let probe = format!("{{\"target\": \"{}/m\", \"source\": \"nook-pid-probe\", \"fstype\": \"tmpfs\"", p(&d));
    assert!(theirs.contains(&probe), "{out}");
    assert!(!ours.contains("nook-pid-probe"), "{out}");
}

/// A mount table longer than nook's 1 MiB buffer: one line, exit 125;
/// one that fits is shown whole.
const BIG_SH: &str = r#"set -eu
count=$1
long=/mnt
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do
    long=$long/$(printf "%0250d" "$i")
done
mkdir -p "$long"
i=0
while [ "$i" -lt "$count" ]; do
    mkdir "$long/$i"
    mount -t tmpfs t "$long/$i"
    i=$((i + 1))
done
exec /mnt/nook mounts
"#;

fn oversized_table_is_an_error(who: Who) {
    let run = |count: &str| {
        Run::nook(
            who,
            &[&container_options()[..], &["--", "/bin/sh", "-c", BIG_SH, "sh", count]].concat(),
        )
        .run()
    };
    // 300 lines of some 3,850 bytes: 1.1 MiB.
    let out = run("300");
    out.usage_error()
        .stderr_has("nook: read /proc/self/mountinfo: File too large (EFBIG): more than 1 MiB of mount table");
    // 200 lines fit: each mount is a row.
    let out = run("200");
    out.ok();
    assert_eq!(out.stdout.lines().filter(|l| l.contains(" tmpfs    t ")).count(), 200, "{out}");
}

fn findmnt_personality(who: Who) {
    let w = world();
    let dir = scratch(Who::Root, "findmnt-link");
    let link = dir.join("findmnt");
    std::os::unix::fs::symlink(&w.nook, &link).unwrap();
    let link = p(&link).to_string();
    let inside = |args: &str| {
        let script = format!("{link} {args}; echo \"status $?\"; {} mounts {args}", w.nook_path());
        Run::nook(who, &["--", "/bin/sh", "-c", &script]).run()
    };
    for args in ["", "--json", "--all --json"] {
        let out = inside(args);
        out.ok();
        let (as_findmnt, as_nook) = out.stdout.split_once("status 0\n").unwrap_or_else(|| panic!("{out}"));
        assert_eq!(as_findmnt, as_nook, "findmnt {args}\n{out}");
        assert!(as_nook.starts_with(if args.is_empty() { "TARGET " } else { "{\"filesystems\": [" }), "{out}");
    }
    let out = Run::argv(who, vec![link.clone(), "-l".into()]).run();
    out.usage_error().stderr_has("nook: option -l: unknown mounts option");
    fs::remove_dir_all(&dir).unwrap();
}

both!(each_state_is_shown, odd_names_are_unambiguous, json_matches_findmnt, pid_reads_another_namespace, oversized_table_is_an_error, findmnt_personality);

/// docs/propagation.md is what scripts/propagation-doc gives now: every
/// command in it run again, its output compared (needs root).
#[test]
fn propagation_doc_is_current() {
    let script = format!("{}/scripts/propagation-doc", env!("CARGO_MANIFEST_DIR"));
    let out = Run::argv(Who::Root, vec![script, "--check".into(), "--nook".into(), world().nook_path().into()]).run();
    out.ok();
}

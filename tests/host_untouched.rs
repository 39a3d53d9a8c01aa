#![cfg(feature = "run")]
//! Issue 13, parts 1 and 2, and issue 12, part 5: nook leaves the host's
//! tree and `--root`'s tree as it found them, and does what it was asked.
//!
//! - A failing run changes no file: the host's top directory, a host
//!   directory the run names, and R are compared entry by entry (name,
//!   type, mode, owner, link target) before and after, for every mount
//!   operation, with and without --root.
//! - Without --root nook creates nothing in the host's tree, except inside a
//!   filesystem it mounted itself; a DEST of `/` is a usage error.
//! - A successful run leaves in R only the mount points it made.
//! - bwrap's behaviour where nook differed: `--perms --dir` on an existing
//!   directory, `--size` values tmpfs reads as no limit, `--dev /dev`
//!   without --root, PWD.
//! - A read-only host (`--root / --ro-root`, `--remount-ro /`) works in a
//!   user namespace and stays read-only; real root without one is warned.
//!
//! Every test runs as root and as container-user.

#[macro_use]
mod common;

use common::*;
use std::fs;
use std::os::unix::fs::{MetadataExt, symlink};
use std::path::Path;

/// One line per entry under `dir` (recursively; `dir` itself first): its
/// relative path, type, mode, owner and group, and a symlink's target.
fn snapshot(dir: &Path) -> Vec<String> {
    fn walk(dir: &Path, rel: &str, out: &mut Vec<String>) {
        let mut entries: Vec<_> = fs::read_dir(dir).unwrap().flatten().collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let name = format!("{rel}/{}", e.file_name().to_string_lossy());
            let path = e.path();
            out.push(entry(&path, &name));
            if fs::symlink_metadata(&path).unwrap().is_dir() {
                walk(&path, &name, out);
            }
        }
    }
    let mut out = vec![entry(dir, ".")];
    walk(dir, "", &mut out);
    out
}

fn entry(path: &Path, name: &str) -> String {
    let m = fs::symlink_metadata(path).unwrap_or_else(|e| panic!("lstat {}: {e}", path.display()));
    let kind = match m.file_type() {
        t if t.is_dir() => "dir",
        t if t.is_symlink() => "link",
        t if t.is_file() => "file",
        _ => "other",
    };
    let target = fs::read_link(path).map(|t| format!(" -> {}", t.display())).unwrap_or_default();
    format!("{name} {kind} {:o} {}:{}{target}", m.mode() & 0o7777, m.uid(), m.gid())
}

/// The host's top directory, one level: what nook as root would have
/// created a missing DEST in, without --root.
fn host_top() -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir("/")
        .unwrap()
        .flatten()
        .map(|e| entry(&e.path(), &e.file_name().to_string_lossy()))
        .collect();
    names.sort();
    names
}

/// A tree to compare: directories of several modes, a file, symlinks (one
/// to a directory, one dangling), owned by `who` so that it may create.
fn populated(who: Who, name: &str) -> std::path::PathBuf {
    let dir = scratch(who, name);
    for (sub, mode) in [("etc", 0o755), ("mnt", 0o700), ("srv", 0o2775), ("tmp", 0o1777)] {
        fs::create_dir(dir.join(sub)).unwrap();
        set_mode(&dir.join(sub), mode);
    }
    fs::write(dir.join("etc/file"), "x\n").unwrap();
    set_mode(&dir.join("etc/file"), 0o640);
    symlink("etc", dir.join("link")).unwrap();
    symlink("/nowhere/at/all", dir.join("dangling")).unwrap();
    let (uid, gid) = world().ids(who);
    host(&["chown", "-hR", &format!("{uid}:{gid}"), p(&dir)]);
    dir
}

/// A run that must fail as one nook line with exit 125 and leave `dirs`
/// and the host's top directory exactly as they were. `why` is what its
/// line must hold.
fn fails_leaving_all_as_it_was(who: Who, args: &[String], dirs: &[&Path], why: &str) {
    let before: Vec<Vec<String>> = dirs.iter().map(|d| snapshot(d)).collect();
    let top = host_top();
    let out = Run::nook(who, args).run();
    out.usage_error().stderr_has(why);
    for (dir, before) in dirs.iter().zip(before) {
        let after = snapshot(dir);
        let gone: Vec<_> = before.iter().filter(|l| !after.contains(l)).collect();
        let new: Vec<_> = after.iter().filter(|l| !before.contains(l)).collect();
        assert!(gone.is_empty() && new.is_empty(), "{} changed: lost {gone:#?}, gained {new:#?}\n{out}", dir.display());
    }
    assert_eq!(host_top(), top, "the host's / changed\n{out}");
}

fn w_nook() -> &'static str {
    world().nook_path()
}

/// Namespaces that every mount operation below is allowed in, as root and
/// unprivileged (--proc needs a PID namespace; --sys and --mqueue in a user
/// namespace their own network and IPC ones).
const NAMESPACES: [&str; 3] = ["--unshare-pid", "--unshare-net", "--unshare-ipc"];

/// The operations each failing run below carries out first: every mount
/// operation, each creating what it needs (nested, under /new).
fn operations() -> Vec<Vec<String>> {
    let marker = world().marker.display().to_string();
    let mut ops: Vec<Vec<&str>> = vec![
        vec!["--bind", "/etc", "/new/bind/dir"],
        vec!["--bind", &marker, "/new/bind/file"],
        vec!["--ro-bind", "/etc", "/new/ro-bind/dir"],
        vec!["--ro-bind", &marker, "/new/ro-bind/file"],
        vec!["--dev-bind", "/dev/null", "/new/dev-bind/null"],
        vec!["--bind-try", "/etc", "/new/try/dir"],
        vec!["--ro-bind-try", "/etc", "/new/ro-try/dir"],
        vec!["--dev-bind-try", "/dev/null", "/new/dev-try/null"],
        vec!["--size", "65536", "--perms", "0700", "--tmpfs", "/new/tmpfs", "--dir", "/new/tmpfs/inside"],
        vec!["--proc", "/new/proc"],
        vec!["--dev", "/new/dev"],
        vec!["--sys", "/new/sys"],
        vec!["--mqueue", "/new/mqueue"],
        vec!["--perms", "0700", "--dir", "/new/dir/a/b"],
        vec!["--symlink", "../somewhere", "/new/symlink/link"],
        vec!["--tmpfs", "/new/make", "--make-shared", "/new/make", "--make-slave", "/new/make"],
        vec!["--tmpfs", "/new/make2", "--make-private", "/new/make2", "--make-unbindable", "/new/make2"],
        vec!["--ro-root", "--dir", "/new/under-ro-root"],
        // Stacked on what it created, and inside an existing directory.
        vec!["--dir", "/new/stack", "--tmpfs", "/new/stack", "--tmpfs", "/new/stack", "--dir", "/mnt/new"],
        // Last: nothing can be created after it.
        vec!["--dir", "/new/remount", "--remount-ro", "/"],
    ];
    ops.iter_mut().map(|v| v.iter().map(|s| s.to_string()).collect()).collect()
}

/// With --root R, every mount operation, then a failing one: R is as it
/// was. Then failures of their own, before and after the pivot.
fn failed_runs_leave_the_root_as_it_was(who: Who) {
    let r = populated(who, "root");
    let root = p(&r).to_string();
    let base = [&NAMESPACES[..], &["--root", &root]].concat();
    let fail = ["--bind", "/nonexistent-nook-source", "/fail"];
    for op in operations() {
        let argv = args(&[&base[..], &op.iter().map(String::as_str).collect::<Vec<_>>(), &fail, &["--", "/bin/true"]].concat());
        fails_leaving_all_as_it_was(who, &argv, &[&r], "bind source /nonexistent-nook-source");
    }
    // All of them in one run.
    let all: Vec<String> = operations().into_iter().flatten().collect();
    let all: Vec<&str> = all.iter().map(String::as_str).collect();
    let argv = args(&[&base[..], &all, &fail, &["--", "/bin/true"]].concat());
    fails_leaving_all_as_it_was(who, &argv, &[&r], "bind source /nonexistent-nook-source");
    let own_failures: [(&[&str], &str); 4] = [
        // The operation that fails has created the parents of its DEST.
        (&["--dir", "/new/x/y", "--symlink", "t", "/new/x/y"], "create /new/x/y: File exists (EEXIST)\n"),
        (&["--dir", "/new/x/y", "--bind", "MARKER", "/new/x/y"], "bind mount on /new/x/y"),
        // After the pivot: the working directory, with the old root kept
        // on a directory nook created.
        (&["--dir", "/new/cd", "--keep-old-root", "/new/old", "--chdir", "/new/missing"], "chdir to /new/missing"),
        (&["--ro-root", "--bind", "/etc", "/new/e", "--chdir", "/new/missing"], "chdir to /new/missing"),
    ];
    let marker = world().marker.display().to_string();
    // A --cap-add of a capability nook lacks fails before anything is
    // made (only real root can be started with one missing: setpriv).
    if who == Who::Root {
        let argv = args(&[
            &["setpriv", "--bounding-set=-sys_nice", "--inh-caps=-sys_nice", w_nook()][..],
            &base[..],
            &["--dir", "/new/caps", "--cap-add", "CAP_SYS_NICE", "--", "/bin/true"],
        ]
        .concat());
        let before = snapshot(&r);
        Run::argv(who, argv).run().usage_error().stderr_has("--cap-add a capability nook does not hold");
        assert_eq!(snapshot(&r), before);
    }
    for (ops, why) in own_failures {
        let ops: Vec<&str> = ops.iter().map(|a| if *a == "MARKER" { marker.as_str() } else { a }).collect();
        let argv = args(&[&base[..], &ops, &["--", "/bin/true"]].concat());
        fails_leaving_all_as_it_was(who, &argv, &[&r], why);
    }
}

/// Without --root: a missing DEST is an error, for every operation, and
/// nothing is made on the host; as root, not in `/` either.
fn without_root_the_host_tree_is_never_written(who: Who) {
    let h = populated(who, "host");
    let hp = p(&h).to_string();
    let why = "without --root nook creates nothing on the host";
    for op in operations() {
        // Each DEST moved into the host directory; `--remount-ro /` and
        // `--ro-root` left out (they need no DEST, or --root).
        if op.iter().any(|a| a == "--ro-root") {
            continue;
        }
        let op: Vec<String> =
            op.iter().map(|a| if a.starts_with("/new") || a.starts_with("/mnt") { format!("{hp}{a}") } else { a.clone() }).collect();
        let op: Vec<&str> = op.iter().map(String::as_str).filter(|a| *a != "--remount-ro" && *a != "/").collect();
        let argv = args(&[&NAMESPACES[..], &op, &["--", "/bin/true"]].concat());
        fails_leaving_all_as_it_was(who, &argv, &[&h], why);
    }
    // Inside a tmpfs nook mounted it may create; the run fails later, and
    // the host directory is untouched all the same.
    let argv = args(&[
        "--tmpfs", &format!("{hp}/mnt"), "--dir", &format!("{hp}/mnt/a/b"), "--bind", "/nonexistent-nook-source", &format!("{hp}/etc"),
        "--", "/bin/true",
    ]);
    fails_leaving_all_as_it_was(who, &argv, &[&h], "bind source /nonexistent-nook-source");
    // Beside that tmpfs, not; nor through a symlink planted in it that
    // leads out.
    let argv = args(&["--tmpfs", &format!("{hp}/mnt"), "--dir", &format!("{hp}/mntx"), "--", "/bin/true"]);
    fails_leaving_all_as_it_was(who, &argv, &[&h], why);
    let argv = args(&[
        "--tmpfs", &format!("{hp}/mnt"), "--symlink", &hp, &format!("{hp}/mnt/out"), "--dir", &format!("{hp}/mnt/out/escaped"),
        "--", "/bin/true",
    ]);
    fails_leaving_all_as_it_was(who, &argv, &[&h], why);
    // The host's own root, by name: as root this created /DEST before.
    let probe = format!("/nook-host-untouched-{}", std::process::id());
    fails_leaving_all_as_it_was(who, &args(&["--bind", "/etc", &probe, "--", "/bin/true"]), &[&h], why);
    fails_leaving_all_as_it_was(who, &args(&["--dir", &format!("{probe}/a"), "--", "/bin/true"]), &[&h], why);
    assert!(!Path::new(&probe).exists());
}

/// A DEST of `/` (however spelled) is a usage error for every operation
/// that mounts or creates, before anything changes, with a hint naming
/// --root; with and without --root.
fn a_dest_of_the_root_is_a_usage_error(who: Who) {
    let r = populated(who, "root");
    let root = p(&r).to_string();
    let marker = world().marker.display().to_string();
    let ops: [&[&str]; 12] = [
        &["--bind", "/etc", "/"],
        &["--ro-bind", "/", "/"],
        &["--dev-bind", "/dev", "//"],
        &["--bind-try", "/etc", "/."],
        &["--ro-bind-try", &marker, "/.."],
        &["--tmpfs", "/"],
        &["--proc", "/"],
        &["--dev", "/"],
        &["--sys", "/./"],
        &["--mqueue", "/"],
        &["--dir", "/"],
        &["--symlink", "x", "/"],
    ];
    for op in ops {
        for with_root in [false, true] {
            let pre: &[&str] = if with_root { &["--root", &root] } else { &[] };
            let argv = args(&[&NAMESPACES[..], pre, &["--dir", "/new-before"], op, &["--", "/bin/true"]].concat());
            fails_leaving_all_as_it_was(who, &argv, &[&r], "cannot mount or create on / itself");
            let out = Run::nook(who, &argv).run();
            out.stderr_has(&format!("option {}:", op[0]))
                .stderr_has("the root is --root DIR's (read-only host: --root / --ro-root)");
        }
    }
}

/// After success only the mount points remain in R: the directories and
/// files nook mounted on, its symlinks and directories; nothing created
/// inside a tmpfs of its own.
fn success_leaves_only_the_mount_points(who: Who) {
    let r = populated(who, "root");
    let before = snapshot(&r);
    let bb = host_busybox();
    let argv = args(&[
        "--root", p(&r), "--ro-bind", bb, "/new/true", "--bind", "/etc", "/new/etc", "--dir", "/new/d", "--symlink", "x", "/new/l",
        "--tmpfs", "/new/t", "--dir", "/new/t/inside", "--", "/new/true",
    ]);
    Run::nook(who, &argv).run().ok();
    let after = snapshot(&r);
    let new: Vec<&String> = after.iter().filter(|l| !before.contains(l)).collect();
    let (uid, gid) = world().ids(who);
    let want: Vec<String> = [
        "/new dir 755".to_string(),
        "/new/d dir 755".into(),
        "/new/etc dir 755".into(),
        "/new/l link 777".into(),
        "/new/t dir 755".into(),
        "/new/true file 444".into(),
    ]
    .iter()
    .map(|l| {
        let (path, rest) = l.split_once(' ').unwrap();
        let link = if path == "/new/l" { " -> x" } else { "" };
        format!("{path} {rest} {uid}:{gid}{link}")
    })
    .collect();
    assert_eq!(new, want.iter().collect::<Vec<_>>(), "what a successful run left in R");
    assert!(!before.iter().any(|l| !after.contains(l)), "a successful run changed R's own entries");
}

/// `--dir` leaves an existing directory as it is (bwrap does): with
/// `--root /` its mode was changed on the host, unprivileged too.
fn dir_leaves_an_existing_directory_as_it_is(who: Who) {
    let s = scratch(who, "perms");
    let existing = s.join("e");
    fs::create_dir(&existing).unwrap();
    set_mode(&existing, 0o754);
    give(who, &existing);
    let new = s.join("n");
    let argv = args(&["--root", "/", "--perms", "0741", "--dir", p(&existing), "--perms", "0741", "--dir", p(&new), "--", "/bin/true"]);
    Run::nook(who, &argv).run().ok();
    assert_eq!(fs::metadata(&existing).unwrap().mode() & 0o7777, 0o754, "an existing --dir changed its mode");
    assert_eq!(fs::metadata(&new).unwrap().mode() & 0o7777, 0o741, "a new --dir has --perms' mode");
}

/// `--size` values that tmpfs would read as no limit (0 pages after
/// rounding up, or past what bwrap takes) are usage errors; the largest
/// that is not, is taken.
fn tmpfs_sizes_read_as_no_limit_are_refused(who: Who) {
    let w = world();
    for size in ["18446744073709551615", "18446744073709551614", "9223372036854775809", "9223372036854775808", "8589934592g", "0", "0k"] {
        let out = nook(who, &["--root", w.root(), "--size", size, "--tmpfs", "/mnt", "--", "/bin/true"]);
        out.usage_error().stderr_has("is not a size from 1 to 2^63-1 bytes");
    }
    let out = nook(who, &["--unshare-pid", "--root", w.root(), "--proc", "/proc", "--size", "9223372036854775807", "--tmpfs", "/mnt", "--", "/bin/sh", "-c", "grep ' /mnt ' /proc/self/mounts"]);
    // 2^63 - 1 bytes, rounded up to pages, in KiB.
    out.ok().stdout_has("size=9007199254740992k");
}

/// `--dev /dev` without --root binds the host's nodes, opened before the
/// tmpfs covers them.
fn dev_without_root(who: Who) {
    let out = nook(who, &["--dev", "/dev", "--", "/bin/sh", "-c", "echo hi > /dev/null && head -c 4 /dev/zero | wc -c && ls /dev"]);
    let lines = out.ok_lines();
    assert_eq!(lines[0], "4", "{out}");
    for node in ["null", "zero", "full", "random", "urandom", "tty", "pts", "shm", "ptmx", "fd"] {
        assert!(lines.iter().any(|l| l == node), "{node} missing from /dev\n{out}");
    }
    // Only nook's entries: the host's /dev is covered.
    assert!(!lines.iter().any(|l| l == "loop-control" || l == "kmsg"), "{out}");
}

/// PROGRAM's PWD is its working directory (--chdir's DIR, default /),
/// also after --clearenv and over --setenv PWD, as with bwrap, and through
/// the init of --unshare-pid.
fn pwd_is_the_working_directory(who: Who) {
    let w = world();
    let cases: [(&[&str], &str); 5] = [
        (&["--clearenv", "--chdir", "/etc"], "PWD=/etc\n"),
        (&["--clearenv"], "PWD=/\n"),
        (&["--chdir", "/etc", "--clearenv", "--setenv", "PWD", "/bogus"], "PWD=/etc\n"),
        (&["--unshare-pid", "--clearenv", "--chdir", "/bin"], "PWD=/bin\n"),
        (&["--unshare-pid", "--no-init", "--clearenv", "--chdir", "/bin"], "PWD=/bin\n"),
    ];
    for (opts, want) in cases {
        let argv = args(&[&["--root", w.root()], opts, &["--", "/bin/env"]].concat());
        Run::nook(who, &argv).env("PWD", "/caller").run().ok().stdout_is(want);
    }
    // Without --root, the same as bwrap side by side.
    for tool in ["nook", "bwrap"] {
        let prefix: Vec<&str> = if tool == "nook" { vec![w.nook_path()] } else { vec!["bwrap", "--bind", "/", "/"] };
        let argv = args(&[&prefix[..], &["--chdir", "/usr/../etc", "--clearenv", "/usr/bin/env"]].concat());
        Run::argv(who, argv).run().ok().stdout_is("PWD=/usr/../etc\n");
    }
}

/// The host's tree read-only, without --root's copy: `--ro-bind / /` is
/// refused with the way to do it instead, and `--root / --ro-root` and
/// `--remount-ro /` work in a user namespace (as root with
/// --unshare-user, and unprivileged), and the workload cannot undo them.
fn a_read_only_host_tree(who: Who) {
    let s = scratch(who, "ro-host");
    let userns: &[&str] = if who == Who::Root { &["--unshare-user"] } else { &[] };
    let out = nook(who, &[userns, &["--ro-bind", "/", "/", "--", "/bin/true"]].concat());
    out.usage_error().stderr_has("option --ro-bind: cannot mount or create on / itself").stderr_has("--root / --ro-root");
    let script = format!(
        "touch {0}/a 2>&1; mount -o remount,rw / 2>/dev/null && echo remounted; mount -o remount,bind,rw / 2>/dev/null && echo remounted; touch {0}/b 2>&1; echo done",
        p(&s)
    );
    for ro in [&["--root", "/", "--ro-root"][..], &["--remount-ro", "/"]] {
        let out = nook(who, &[userns, ro, &["--", "/bin/sh", "-c", &script]].concat());
        let lines = out.ok_lines();
        assert_eq!(lines.len(), 3, "{out}");
        assert!(lines[0].contains("Read-only file system"), "the host's tree is not read-only\n{out}");
        assert!(lines[1].contains("Read-only file system"), "the workload made it writable again\n{out}");
        assert_eq!(lines[2], "done");
        assert!(fs::read_dir(&s).unwrap().next().is_none(), "a file was written");
    }
}

const WARNING: &str = "nook: warning: no user namespace: the workload keeps CAP_SYS_ADMIN and can undo read-only; add --unshare-user or --cap-drop CAP_SYS_ADMIN\n";

/// Real root without a user namespace is warned, once, that its read-only
/// promise does not hold; not when CAP_SYS_ADMIN is dropped, nor in a user
/// namespace (where the mounts are locked).
fn real_root_is_warned_that_read_only_does_not_hold(who: Who) {
    let w = world();
    for ro in [&["--ro-bind", "/etc", "/mnt"][..], &["--ro-root"], &["--tmpfs", "/mnt", "--remount-ro", "/mnt"]] {
        for (extra, warned) in [
            (&[][..], who == Who::Root),
            (&["--cap-drop", "CAP_SYS_ADMIN"], false),
            (&["--cap-drop", "ALL"], false),
            (&["--cap-drop", "ALL", "--cap-add", "CAP_SYS_ADMIN"], who == Who::Root),
            (&["--unshare-user"], false),
        ] {
            let argv = args(&[&["--root", w.root()], ro, extra, &["--", "/bin/true"]].concat());
            let out = Run::nook(who, &argv).run();
            out.ok();
            assert_eq!(out.stderr, if warned { WARNING } else { "" }, "{out}");
        }
    }
    // A read-write run is not warned.
    let out = nook(who, &["--root", w.root(), "--bind", "/etc", "/mnt", "--", "/bin/true"]);
    assert_eq!(out.ok().stderr, "", "{out}");
}

/// Without --root, creating inside a tmpfs nook mounted works, through
/// parents it creates there too.
fn without_root_nook_creates_inside_its_own_tmpfs(who: Who) {
    let h = scratch(who, "host-tmpfs");
    let t = format!("{}/t", p(&h));
    fs::create_dir(&t).unwrap();
    give(who, Path::new(&t));
    let argv = args(&[
        "--tmpfs", &t, "--bind", "/etc", &format!("{t}/a/b"), "--symlink", "b", &format!("{t}/a/l"), "--dir", &format!("{t}/a/b/../c"),
        "--", "/bin/sh", "-c", &format!("cat {t}/a/l/hostname >/dev/null && ls {t} {t}/a"),
    ]);
    let out = Run::nook(who, &argv).run();
    assert_eq!(out.ok_lines(), ["/t:".replace("/t", &t), "a".into(), "".into(), format!("{t}/a:"), "b".into(), "c".into(), "l".into()], "{out}");
    assert!(fs::read_dir(&t).unwrap().next().is_none(), "the tmpfs leaked onto the host");
}

both!(
    failed_runs_leave_the_root_as_it_was,
    without_root_the_host_tree_is_never_written,
    a_dest_of_the_root_is_a_usage_error,
    success_leaves_only_the_mount_points,
    dir_leaves_an_existing_directory_as_it_is,
    tmpfs_sizes_read_as_no_limit_are_refused,
    dev_without_root,
    pwd_is_the_working_directory,
    a_read_only_host_tree,
    real_root_is_warned_that_read_only_does_not_hold,
    without_root_nook_creates_inside_its_own_tmpfs,
);

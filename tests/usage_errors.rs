//! Bad invocations of `nook run` (issue 2), extended to issue 5's catalogue of
//! malformed input: each must exit 125 with exactly one line on stderr
//! starting with "nook: ", print nothing on stdout, and leave the host's
//! mount table byte-identical. Plus the plan's limits that are not errors,
//! --help and --version.

#[macro_use]
mod common;

use common::*;

/// One bad invocation: what it is, argv after `nook`, extra environment, and
/// an errno name that must appear on the line (for a few setup failures).
struct Case {
    what: &'static str,
    args: Vec<String>,
    env: Vec<(&'static str, String)>,
    errno: Option<&'static str>,
}

fn case(what: &'static str, args: &[&str]) -> Case {
    Case {
        what,
        args: args.iter().map(|a| a.to_string()).collect(),
        env: Vec::new(),
        errno: None,
    }
}

impl Case {
    fn errno(mut self, name: &'static str) -> Case {
        self.errno = Some(name);
        self
    }
    fn env(mut self, key: &'static str, value: &str) -> Case {
        self.env.push((key, value.to_string()));
        self
    }
}

fn bad_invocations() -> Vec<Case> {
    let w = world();
    let r = w.root();
    let file = format!("{r}/etc/passwd");
    let t = "/bin/true";
    // PATH_MAX is 4096 with the NUL: 4096 bytes cannot name anything.
    let long = format!("/{}", "x".repeat(4095));
    let links = scratch(Who::Root, "links");
    std::os::unix::fs::symlink("b", links.join("a")).unwrap();
    std::os::unix::fs::symlink("a", links.join("b")).unwrap();
    std::os::unix::fs::symlink("nowhere", links.join("dangling")).unwrap();
    let loop_root = format!("{}/a", p(&links));
    let dangling = format!("{}/dangling", p(&links));
    vec![
        // Unknown things.
        case("unknown option", &["--bogus-option", "--", t]),
        case(
            "unknown option after a valid one",
            &["--root", r, "--frobnicate", "--", t],
        ),
        case("unknown role", &["bogus-role"]),
        case("empty role", &[""]),
        // Missing values.
        case("--bind with one argument", &["--bind", "/tmp"]),
        case("--root without a value", &["--root"]),
        case("--chdir without a value", &["--chdir"]),
        case("--tmpfs without a value", &["--tmpfs"]),
        case("--propagation without a value", &["--propagation"]),
        case("--setenv without a value", &["--setenv", "ONLYNAME"]),
        case("--unsetenv without a value", &["--unsetenv"]),
        case("--symlink without LINK", &["--symlink", "/bin/sh"]),
        // Relative or empty paths where absolute ones are required.
        case("relative --root", &["--root", "relative/dir", "--", t]),
        case("empty --root", &["--root", "", "--", t]),
        case(
            "relative --bind DEST",
            &["--bind", "/tmp", "relative", "--", t],
        ),
        case("empty --bind SRC", &["--bind", "", "/mnt", "--", t]),
        case("relative --tmpfs", &["--tmpfs", "tmp", "--", t]),
        case("relative --chdir", &["--chdir", "etc", "--", t]),
        case("empty --chdir", &["--chdir", "", "--", t]),
        case("relative --dir", &["--dir", "d", "--", t]),
        case(
            "relative --symlink LINK",
            &["--symlink", "/bin/sh", "link", "--", t],
        ),
        case("relative --remount-ro", &["--remount-ro", "mnt", "--", t]),
        case("relative --make-shared", &["--make-shared", "mnt", "--", t]),
        case(
            "relative --keep-old-root",
            &["--root", r, "--keep-old-root", "old", "--", t],
        ),
        // Values that do not parse.
        case("--propagation bogus", &["--propagation", "bogus", "--", t]),
        case(
            "--size without a following --tmpfs",
            &["--size", "1024", "--", t],
        ),
        case(
            "--perms without a following --tmpfs",
            &["--perms", "0700", "--", t],
        ),
        case("--size 12x", &["--size", "12x", "--tmpfs", "/mnt", "--", t]),
        case(
            "--perms 99z",
            &["--perms", "99z", "--tmpfs", "/mnt", "--", t],
        ),
        case(
            "--perms 0800 (not octal)",
            &["--perms", "0800", "--tmpfs", "/mnt", "--", t],
        ),
        case("--map-user abc", &["--map-user", "abc", "--", t]),
        case("--map-group -5", &["--map-group", "-5", "--", t]),
        case("--map-user 2^32", &["--map-user", "4294967296", "--", t]),
        case("--uid-map 1:2", &["--uid-map", "1:2", "--", t]),
        case("--gid-map a:b:c", &["--gid-map", "a:b:c", "--", t]),
        case("--uid-map 0:0:1:1", &["--uid-map", "0:0:1:1", "--", t]),
        case("--setgroups maybe", &["--setgroups", "maybe", "--", t]),
        // No program.
        case("no arguments at all", &[]),
        case("`--` and no program", &["--"]),
        case("options and no program", &["--root", r]),
        case("`run` and no program", &["run"]),
        // The environment is parsed like argv.
        case("NOOK_PROPAGATION=bogus", &["--", t]).env("NOOK_PROPAGATION", "bogus"),
        case("NOOK_ROOT relative", &["--", t]).env("NOOK_ROOT", "relative/dir"),
        case("NOOK_MOUNT_API=old", &["--", t]).env("NOOK_MOUNT_API", "old"),
        // Setup failures: still one line and 125, with the errno.
        case(
            "--root missing",
            &["--root", "/nonexistent-nook-root", "--", t],
        )
        .errno("ENOENT"),
        case("--root is a regular file", &["--root", &file, "--", t]).errno("ENOTDIR"),
        case(
            "--bind SRC missing",
            &["--bind", "/nonexistent-nook-src", "/mnt", "--", t],
        )
        .errno("ENOENT"),
        case(
            "--ro-bind SRC missing",
            &[
                "--root",
                r,
                "--ro-bind",
                "/nonexistent-nook-src",
                "/mnt",
                "--",
                t,
            ],
        )
        .errno("ENOENT"),
        case(
            "--chdir missing",
            &["--root", r, "--chdir", "/nonexistent-dir", "--", t],
        )
        .errno("ENOENT"),
        // Issue 5's catalogue (hardening): empty and overlong values, sheer
        // volume, duplicates, hostile roots, and the full-isolation options.
        case("empty --tmpfs", &["--tmpfs", "", "--", t]),
        case("empty --bind DEST", &["--bind", "/tmp", "", "--", t]),
        case("empty PROGRAM", &["--", ""]),
        case("--root longer than PATH_MAX", &["--root", &long, "--", t]).errno("ENAMETOOLONG"),
        case("--bind SRC longer than PATH_MAX", &["--bind", &long, "/mnt", "--", t]).errno("ENAMETOOLONG"),
        case("--tmpfs longer than PATH_MAX", &["--tmpfs", &long, "--", t]).errno("ENAMETOOLONG"),
        owned("10,000 `--dir /d` pairs (past the 2048-operation plan)", dirs(10_000)),
        owned("2049 mount operations", dirs(2049)),
        case("--chdir given twice", &["--chdir", "/", "--chdir", "/tmp", "--", t]),
        case("--root given twice", &["--root", r, "--root", r, "--", t]),
        case("--root is a symlink loop", &["--root", &loop_root, "--", t]).errno("ELOOP"),
        case("--root is a dangling symlink", &["--root", &dangling, "--", t]).errno("ENOENT"),
        case("--bind-try SRC fine, DEST relative", &["--bind-try", "/nonexistent", "rel", "--", t]),
        case("--dev-bind SRC missing", &["--dev-bind", "/nonexistent-nook-src", "/mnt", "--", t]).errno("ENOENT"),
        case("--uid-map 0:0:0 (empty range)", &["--uid-map", "0:0:0", "--", t]),
        case("--uid-map past 2^32", &["--uid-map", "4294967295:0:2", "--", t]),
        case("--uid-map ranges overlapping inside", &["--uid-map", "0:100000:10", "--uid-map", "5:200000:1", "--", t]),
        case("--gid-map ranges overlapping outside", &["--gid-map", "0:100000:10", "--gid-map", "20:100005:1", "--", t]),
        case("--map-user with --uid-map", &["--map-user", "5", "--uid-map", "0:0:1", "--", t]),
        case("--pdeathsig SIGBOGUS", &["--unshare-pid", "--pdeathsig", "SIGBOGUS", "--", t]),
        case("--pdeathsig 65", &["--unshare-pid", "--pdeathsig", "65", "--", t]),
        case("--pdeathsig without --unshare-pid", &["--pdeathsig", "TERM", "--", t]),
        case("--grace not a number", &["--unshare-pid", "--grace", "soon", "--", t]),
        case("--info-fd not open", &["--info-fd", "987", "--", t]).errno("EBADF"),
        case("--json-status-fd not open", &["--json-status-fd", "987", "--", t]).errno("EBADF"),
        case("--block-fd -1", &["--block-fd", "-1", "--", t]),
        case("--hostname without --unshare-uts", &["--hostname", "box", "--", t]),
        case("--hostname empty", &["--unshare-uts", "--hostname", "", "--", t]),
        case("--hostname of 65 bytes", &["--unshare-uts", "--hostname", &"h".repeat(65), "--", t]),
        case("--cap-drop CAP_BOGUS", &["--cap-drop", "CAP_BOGUS", "--", t]),
        case("--cap-add bogus", &["--cap-add", "bogus", "--", t]),
        case("--mqueue without --unshare-ipc", &["--mqueue", "/dev/mqueue", "--", t]).errno("EPERM"),
        case("--proc without --unshare-pid", &["--proc", "/proc", "--", t]).errno("EPERM"),
        case("--keep-old-root without --root", &["--keep-old-root", "/old", "--", t]),
        case("--setenv NAME with =", &["--setenv", "A=B", "c", "--", t]),
        case("--pid belongs to enter", &["--pid", "1", "--", t]),
        case("enter without --pid", &["enter", "--", t]),
        case("enter --pid 0", &["enter", "--pid", "0", "--", t]),
        case("enter --pid not a number", &["enter", "--pid", "12ab", "--", t]),
        case("enter with a run option", &["enter", "--pid", "1", "--root", "/", "--", t]),
        case("init with an unknown option", &["init", "--bogus", "--", t]),
        case("a future role", &["switch-root", "/new", "/sbin/init"]),
    ]
}

/// A case whose argv is built rather than written out.
fn owned(what: &'static str, args: Vec<String>) -> Case {
    Case { what, args, env: Vec::new(), errno: None }
}

/// `--dir /d` N times, then a PROGRAM: N mount operations.
fn dirs(n: usize) -> Vec<String> {
    let mut args: Vec<String> = (0..n).flat_map(|_| ["--dir".to_string(), "/d".to_string()]).collect();
    args.extend(["--".to_string(), "/bin/true".to_string()]);
    args
}

/// Run every bad invocation; report all that misbehave at once.
fn bad_invocations_fail_cleanly(who: Who) {
    let cases = bad_invocations();
    assert!(cases.len() >= 40, "issue 5 wants at least 40 cases");
    let mut failures = Vec::new();
    for c in &cases {
        let mut run = Run::nook(who, &c.args);
        for (k, v) in &c.env {
            run = run.env(k, v);
        }
        let out = run.run_collect();
        let mut problem = out.nook_failure_problem(NOOK_FAILED);
        if problem.is_none()
            && let Some(errno) = c.errno
                && !out.stderr.contains(errno) {
                    problem = Some(format!("stderr lacks {errno}"));
                }
        if let Some(problem) = problem {
            failures.push(format!("* {}: {problem}\n{out}", c.what));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} bad invocations misbehaved as {who}:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// The plan's edges that are not errors: exactly 2048 mount operations fit,
/// and PROGRAM may have 10,000 arguments.
fn capacity_is_not_an_error(who: Who) {
    let w = world();
    let mut ops = args(&["--root", w.root(), "--tmpfs", "/tmp"]);
    for i in 0..2047 {
        ops.extend(["--dir".to_string(), format!("/tmp/{i}")]);
    }
    ops.extend(args(&["--", "/bin/sh", "-c", "ls /tmp | wc -l"]));
    Run::nook(who, &ops).run().ok().stdout_is("2047\n");
    ten_thousand_program_args(who, &[]);
}

/// The same 10,000 arguments with --unshare-pid, where the init is
/// re-executed with PROGRAM's argv and must pass them all on.
fn ten_thousand_program_args_with_pid_namespace(who: Who) {
    ten_thousand_program_args(who, &["--unshare-pid"]);
}

fn ten_thousand_program_args(who: Who, extra: &[&str]) {
    let mut argv = args(&["--root", world().root()]);
    argv.extend(args(extra));
    argv.extend(args(&["--", "/bin/sh", "-c", "echo $# ${9999}", "sh"]));
    argv.extend((1..=10_000).map(|i| i.to_string()));
    Run::nook(who, &argv).run().ok().stdout_is("10000 9999\n");
}

fn args(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// Without privileges, a map outside the caller's subordinate ranges is a
/// setup failure (newuidmap refuses), reported in one line.
fn unprivileged_map_outside_subuid() {
    let w = world();
    let uid = w.uid;
    // Below the subordinate range, and not the caller's own uid.
    let foreign = if uid == 1 { 2 } else { 1 };
    let args = [
        "--uid-map",
        &format!("0:{uid}:1"),
        "--uid-map",
        &format!("1:{foreign}:1"),
        "--",
        "/bin/true",
    ];
    Run::nook(Who::User, &args).run().usage_error();
}

#[test]
fn unprivileged_map_outside_subuid_fails_cleanly() {
    unprivileged_map_outside_subuid();
}

/// Unprivileged, `--setgroups allow` cannot hold with a self-map (the kernel
/// and newgidmap deny setgroups then): nook refuses instead of running with
/// setgroups silently denied. With a --gid-map range from /etc/subgid it holds.
#[test]
fn unprivileged_setgroups_allow_holds_or_fails_cleanly() {
    let w = world();
    let out = Run::nook(Who::User, &["--setgroups", "allow", "--", "/bin/cat", "/proc/self/setgroups"]).run();
    out.usage_error();
    assert!(out.stderr.contains("--setgroups allow"), "{out}");
    let own = format!("0:{}:1", w.gid);
    let range = format!("1:{}:1000", w.subgid.0);
    let args = ["--gid-map", &own, "--gid-map", &range, "--setgroups", "allow", "--", "/bin/cat", "/proc/self/setgroups"];
    let out = Run::nook(Who::User, &args).run();
    out.ok();
    assert_eq!(out.stdout.trim(), "allow", "{out}");
}

/// A mount point missing from a rootfs the caller may not write: one line
/// with the C errno name and what to do, and nothing changed.
#[test]
fn unwritable_root_missing_dest_fails_cleanly() {
    let w = world();
    let out = Run::nook(Who::User, &["--root", w.root(), "--tmpfs", "/no-such-mount-point", "--", "/bin/true"]).run();
    out.usage_error();
    assert!(out.stderr.contains("(EACCES)"), "{out}");
    assert!(out.stderr.contains("create DEST in it first"), "{out}");
}

/// --version prints "nook VERSION ..." on one line.
fn version(who: Who) {
    let out = nook(who, &["--version"]);
    out.ok();
    let want = format!("nook {}", env!("CARGO_PKG_VERSION"));
    assert!(
        out.stdout.starts_with(&want),
        "want stdout to start with {want:?}\n{out}"
    );
    assert_eq!(
        out.stdout.matches('\n').count(),
        1,
        "one line expected\n{out}"
    );
    assert_eq!(out.stderr, "", "{out}");
}

/// --help prints the usage on stdout and exits 0.
fn help(who: Who) {
    let out = nook(who, &["--help"]);
    out.ok();
    assert_eq!(out.stderr, "", "{out}");
    for opt in ["--root", "--bind", "--tmpfs", "--propagation"] {
        assert!(
            out.stdout.contains(opt),
            "--help does not mention {opt}\n{out}"
        );
    }
}

both!(
    bad_invocations_fail_cleanly,
    capacity_is_not_an_error,
    ten_thousand_program_args_with_pid_namespace,
    version,
    help
);

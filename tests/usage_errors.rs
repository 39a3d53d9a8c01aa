//! Bad invocations of `nook run` (issue 2): each must exit 125 with exactly one
//! line on stderr starting with "nook: ", print nothing on stdout, and leave
//! the host's mount table byte-identical. Plus --help and --version.

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
    ]
}

/// Run every bad invocation; report all that misbehave at once.
fn bad_invocations_fail_cleanly(who: Who) {
    let cases = bad_invocations();
    assert!(cases.len() >= 20);
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

both!(bad_invocations_fail_cleanly, version, help);

//! Bad invocations of `nook run` (issue 2), extended to issue 5's catalogue of
//! malformed input: each must exit 125 with exactly one line on stderr
//! starting with "nook: ", print nothing on stdout, and leave the host's
//! mount table byte-identical. Plus the plan's limits that are not errors,
//! --help and --version.

#[macro_use]
mod common;

use common::*;

/// One bad invocation: what it is, argv after `nook`, extra environment, and
/// what the line must say (the step, the object and the errno: the first
/// part of the message, after "nook: ").
struct Case {
    what: &'static str,
    args: Vec<String>,
    env: Vec<(&'static str, String)>,
    says: String,
}

fn case(what: &'static str, args: &[&str]) -> Case {
    Case {
        what,
        args: args.iter().map(|a| a.to_string()).collect(),
        env: Vec::new(),
        says: String::new(),
    }
}

impl Case {
    fn says(mut self, needle: &str) -> Case {
        self.says = needle.to_string();
        self
    }
    fn env(mut self, key: &'static str, value: &str) -> Case {
        self.env.push((key, value.to_string()));
        self
    }
}

/// How many bad invocations the default build has: a case dropped by
/// mistake fails the test (SECURITY.md names the number).
const CASES: usize = 115;

/// Each group's cases: those of every build, and each role's (in a build
/// without the role, one case finds it refused instead).
const EVERY_BUILD: usize = 4;
const RUN: usize = 93;
const ENTER: usize = 4;
const MOUNTS: usize = 8;
const SWITCH_ROOT: usize = 5;
const BOOT: usize = 1;
const _: () = assert!(CASES == EVERY_BUILD + RUN + ENTER + MOUNTS + SWITCH_ROOT + 1, "the default build's groups");

/// How many bad invocations the build under test has.
fn expected_cases() -> usize {
    let group = |built: bool, n: usize| if built { n } else { 1 };
    EVERY_BUILD
        + group(cfg!(feature = "run"), RUN)
        + group(cfg!(feature = "enter"), ENTER)
        + group(cfg!(feature = "mounts"), MOUNTS)
        + group(cfg!(feature = "switch-root"), SWITCH_ROOT)
        + group(cfg!(feature = "boot"), BOOT)
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
    // Every build: nook init is in each.
    let mut cases = vec![
        case("unknown role", &["bogus-role"]).says("role bogus-role: unknown role"),
        case("empty role", &[""]).says("role : unknown role"),
        case("no arguments at all", &[]).says("usage PROGRAM: nothing to run"),
        case("init with an unknown option", &["init", "--bogus", "--", t]).says("option --bogus: unknown init option"),
    ];
    // Each role's, in the builds that have it (scripts/test runs this file
    // against the default, init-only and initramfs builds), and refused by
    // name, with the feature to build, in those that have not.
    if cfg!(feature = "run") {
        cases.extend(vec![
            // Unknown things.
            case("unknown option", &["--bogus-option", "--", t]).says("option --bogus-option: unknown option"),
            case(
                "unknown option after a valid one",
                &["--root", r, "--frobnicate", "--", t],
            ).says("option --frobnicate: unknown option"),
            case("a typo", &["--unshare-nett", "--", t]).says("option --unshare-nett: unknown option: did you mean --unshare-net?"),
            // Another role's option is no typo of itself: no "did you mean --force?".
            case("switch-root's option", &["--force", "--", t]).says("option --force: unknown option: see nook --help"),
            case("run's option to init", &["init", "--root", "/", "--", t]).says("option --root: unknown init option: see nook --help"),
            // --no-init: without a PID namespace PROGRAM is no PID 1, and
            // with it there is no init to carry out a PID-1 option.
            case("--no-init without --unshare-pid", &["--no-init", "--", t]).says("option --no-init: needs --unshare-pid"),
            case(
                "--no-init with a PID-1 option",
                &["--unshare-pid", "--no-init", "--remap-exit", "3", "--", t],
            ).says("option --remap-exit: conflicts with --no-init: there is no init to do it"),
            case("bwrap's --uid", &["--uid", "0", "--", t]).says("option --uid: unknown option: did you mean --map-user?"),
            case("unshare's -r", &["-r", "--", t]).says("option -r: unknown option: did you mean --map-root?"),
            case("--opt=value on an option without one", &["--ro-root=yes", "--", t]).says("option --ro-root=yes: takes no value"),
            case("-- as DEST", &["--bind", "/tmp", "--", t]).says("option --bind: missing DEST"),
            case("-- as VALUE", &["--setenv", "FOO", "--", t]).says("option --setenv: missing VALUE"),
            // Missing values.
            case("--bind with one argument", &["--bind", "/tmp"]).says("option --bind: missing DEST"),
            case("--root without a value", &["--root"]).says("option --root: missing DIR"),
            case("--chdir without a value", &["--chdir"]).says("option --chdir: missing DIR"),
            case("--tmpfs without a value", &["--tmpfs"]).says("option --tmpfs: missing DEST"),
            case("--propagation without a value", &["--propagation"]).says("option --propagation: missing MODE"),
            case("--setenv without a value", &["--setenv", "ONLYNAME"]).says("option --setenv: missing VALUE"),
            case("--unsetenv without a value", &["--unsetenv"]).says("option --unsetenv: missing VAR"),
            case("--symlink without LINK", &["--symlink", "/bin/sh"]).says("option --symlink: missing LINK"),
            // Relative or empty paths where absolute ones are required.
            case("relative --root", &["--root", "relative/dir", "--", t]).says("open root relative/dir: No such file or directory (ENOENT)"),
            case("empty --root", &["--root", "", "--", t]).says("option --root: empty path"),
            case(
                "relative --bind DEST",
                &["--bind", "/tmp", "relative", "--", t],
            ).says("option --bind: needs an absolute path"),
            case("empty --bind SRC", &["--bind", "", "/mnt", "--", t]).says("option --bind: empty path"),
            case("relative --tmpfs", &["--tmpfs", "tmp", "--", t]).says("option --tmpfs: needs an absolute path"),
            case("relative --chdir", &["--chdir", "etc", "--", t]).says("option --chdir: needs an absolute path"),
            case("empty --chdir", &["--chdir", "", "--", t]).says("option --chdir: empty path"),
            case("relative --dir", &["--dir", "d", "--", t]).says("option --dir: needs an absolute path"),
            case(
                "relative --symlink LINK",
                &["--symlink", "/bin/sh", "link", "--", t],
            ).says("option --symlink: needs an absolute path"),
            case("relative --remount-ro", &["--remount-ro", "mnt", "--", t]).says("option --remount-ro: needs an absolute path"),
            case("relative --make-shared", &["--make-shared", "mnt", "--", t]).says("option --make-shared: needs an absolute path"),
            case(
                "relative --keep-old-root",
                &["--root", r, "--keep-old-root", "old", "--", t],
            ).says("option --keep-old-root: needs an absolute path"),
            // Values that do not parse.
            case("--propagation bogus", &["--propagation", "bogus", "--", t]).says("option --propagation: bogus is not private, slave, shared or unchanged\n"),
            case(
                "--size without a following --tmpfs",
                &["--size", "1024", "--", t],
            ).says("option --size: is not followed by the operation it modifies"),
            case(
                "--perms without a following --tmpfs",
                &["--perms", "0700", "--", t],
            ).says("option --perms: is not followed by the operation it modifies"),
            case("--size 12x", &["--size", "12x", "--tmpfs", "/mnt", "--", t]).says("option --size: 12x is not a size from 1 to 2^63-1 bytes"),
            case(
                "--perms 99z",
                &["--perms", "99z", "--tmpfs", "/mnt", "--", t],
            ).says("option --perms: 99z is not an octal mode up to 7777"),
            case(
                "--perms 0800 (not octal)",
                &["--perms", "0800", "--tmpfs", "/mnt", "--", t],
            ).says("option --perms: 0800 is not an octal mode up to 7777"),
            case("--map-user abc", &["--map-user", "abc", "--", t]).says("option --map-user: abc is not a number in range"),
            case("--map-group -5", &["--map-group", "-5", "--", t]).says("option --map-group: -5 is not a number in range"),
            case("--map-user 2^32", &["--map-user", "4294967296", "--", t]).says("option --map-user: 4294967296 is not a number in range"),
            case("--uid-map 1:2", &["--uid-map", "1:2", "--", t]).says("option --uid-map: 1:2 is not IN:OUT:COUNT"),
            case("--gid-map a:b:c", &["--gid-map", "a:b:c", "--", t]).says("option --gid-map: a:b:c is not IN:OUT:COUNT"),
            case("--uid-map 0:0:1:1", &["--uid-map", "0:0:1:1", "--", t]).says("option --uid-map: 0:0:1:1 is not IN:OUT:COUNT"),
            case("--setgroups maybe", &["--setgroups", "maybe", "--", t]).says("option --setgroups: maybe is not allow or deny"),
            // No program.
            case("`--` and no program", &["--"]).says("usage PROGRAM: no program given"),
            case("options and no program", &["--root", r]).says("usage PROGRAM: no program given"),
            case("`run` and no program", &["run"]).says("usage PROGRAM: no program given"),
            // The environment is parsed like argv.
            case("NOOK_HOSTNAME without --unshare-uts", &["--", t]).env("NOOK_HOSTNAME", "h").says("environment NOOK_HOSTNAME: needs --unshare-uts"),
            case("NOOK_PROPAGATION=bogus", &["--", t]).env("NOOK_PROPAGATION", "bogus").says("environment NOOK_PROPAGATION: is not private, slave, shared or unchanged"),
            case("NOOK_ROOT relative", &["--", t]).env("NOOK_ROOT", "relative/dir").says("open root relative/dir: No such file or directory (ENOENT)"),
            case("NOOK_MOUNT_API=old", &["--", t]).env("NOOK_MOUNT_API", "old").says("environment NOOK_MOUNT_API: is not auto, new or legacy"),
            // Setup failures: still one line and 125, with the errno.
            case(
                "--root missing",
                &["--root", "/nonexistent-nook-root", "--", t],
            ).says("open root /nonexistent-nook-root: No such file or directory (ENOENT)"),
            case("--root is a regular file", &["--root", &file, "--", t]).says(&format!("open root {file}: Not a directory (ENOTDIR)")),
            case(
                "--bind SRC missing",
                &["--bind", "/nonexistent-nook-src", "/mnt", "--", t],
            ).says("bind source /nonexistent-nook-src: No such file or directory (ENOENT)"),
            case(
                "--ro-bind SRC missing",
                &["--root", r, "--ro-bind", "/nonexistent-nook-src", "/mnt", "--", t],
            ).says("bind source /nonexistent-nook-src: No such file or directory (ENOENT)"),
            case(
                "--chdir missing",
                &["--root", r, "--chdir", "/nonexistent-dir", "--", t],
            ).says("chdir to /nonexistent-dir: No such file or directory (ENOENT)"),
            // Issue 5's catalogue (hardening): empty and overlong values, sheer
            // volume, duplicates, hostile roots, and the full-isolation options.
            case("empty --tmpfs", &["--tmpfs", "", "--", t]).says("option --tmpfs: empty path"),
            case("empty --bind DEST", &["--bind", "/tmp", "", "--", t]).says("option --bind: empty path"),
            case("empty PROGRAM", &["--", ""]).says("usage PROGRAM: empty program name"),
            case("--root longer than PATH_MAX", &["--root", &long, "--", t]).says("option --root: File name too long (ENAMETOOLONG)"),
            case("--bind SRC longer than PATH_MAX", &["--bind", &long, "/mnt", "--", t]).says("option --bind: File name too long (ENAMETOOLONG)"),
            case("--tmpfs longer than PATH_MAX", &["--tmpfs", &long, "--", t]).says("option --tmpfs: File name too long (ENAMETOOLONG)"),
            owned("10,000 `--dir /d` pairs (past the 2048-operation plan)", dirs(10_000)).says("option --dir: more mount operations than nook holds (2048)"),
            owned("2049 mount operations", dirs(2049)).says("option --dir: more mount operations than nook holds (2048)"),
            case("--chdir given twice", &["--chdir", "/", "--chdir", "/tmp", "--", t]).says("option --chdir: given twice"),
            case("--root given twice", &["--root", r, "--root", r, "--", t]).says("option --root: given twice"),
            case("--root is a symlink loop", &["--root", &loop_root, "--", t]).says(&format!("open root {loop_root}: Too many levels of symbolic links (ELOOP)")),
            case("--root is a dangling symlink", &["--root", &dangling, "--", t]).says(&format!("open root {dangling}: No such file or directory (ENOENT)")),
            case("--bind-try SRC fine, DEST relative", &["--bind-try", "/nonexistent", "rel", "--", t]).says("option --bind-try: needs an absolute path"),
            case("--dev-bind SRC missing", &["--dev-bind", "/nonexistent-nook-src", "/mnt", "--", t]).says("bind source /nonexistent-nook-src: No such file or directory (ENOENT)"),
            case("--uid-map 0:0:0 (empty range)", &["--uid-map", "0:0:0", "--", t]).says("option --uid-map: 0:0:0 is not IN:OUT:COUNT"),
            case("--uid-map past 2^32", &["--uid-map", "4294967295:0:2", "--", t]).says("option --uid-map: 4294967295:0:2 is not IN:OUT:COUNT"),
            case("--uid-map ranges overlapping inside", &["--uid-map", "0:100000:10", "--uid-map", "5:200000:1", "--", t]).says("option --uid-map: 5:200000:1 overlaps an earlier range of the same map"),
            case("--gid-map ranges overlapping outside", &["--gid-map", "0:100000:10", "--gid-map", "20:100005:1", "--", t]).says("option --gid-map: 20:100005:1 overlaps an earlier range of the same map"),
            case("--map-user with --uid-map", &["--map-user", "5", "--uid-map", "0:0:1", "--", t]).says("option --map-user: conflicts with --uid-map"),
            case("--pdeathsig SIGBOGUS", &["--unshare-pid", "--pdeathsig", "SIGBOGUS", "--", t]).says("option --pdeathsig: SIGBOGUS is not a signal name or number"),
            case("--pdeathsig 65", &["--unshare-pid", "--pdeathsig", "65", "--", t]).says("option --pdeathsig: 65 is not a signal name or number"),
            case("--pdeathsig without --unshare-pid", &["--pdeathsig", "TERM", "--", t]).says("option --pdeathsig: needs --unshare-pid"),
            case("--grace not a number", &["--unshare-pid", "--grace", "soon", "--", t]).says("option --grace: soon is not a number in range"),
            case("--info-fd not open", &["--info-fd", "987", "--", t]).says("option --info-fd: Bad file descriptor (EBADF)"),
            case("--json-status-fd not open", &["--json-status-fd", "987", "--", t]).says("option --json-status-fd: Bad file descriptor (EBADF)"),
            case("--block-fd -1", &["--block-fd", "-1", "--", t]).says("option --block-fd: -1 is not a number in range"),
            case("--hostname without --unshare-uts", &["--hostname", "box", "--", t]).says("option --hostname: needs --unshare-uts"),
            case("--hostname empty", &["--unshare-uts", "--hostname", "", "--", t]).says("option --hostname: is not a host name of 1 to 64 bytes"),
            case("--hostname of 65 bytes", &["--unshare-uts", "--hostname", &"h".repeat(65), "--", t]).says(&format!("option --hostname: {} is not a host name of 1 to 64 bytes", "h".repeat(65))),
            case("--cap-drop CAP_BOGUS", &["--cap-drop", "CAP_BOGUS", "--", t]).says("option --cap-drop: CAP_BOGUS is not a capability name or ALL"),
            case("--cap-add bogus", &["--cap-add", "bogus", "--", t]).says("option --cap-add: bogus is not a capability name or ALL"),
            case("--mqueue without --unshare-ipc", &["--mqueue", "/dev/mqueue", "--", t]).says("mount mqueue on /dev/mqueue: Operation not permitted (EPERM)"),
            case("--proc without --unshare-pid", &["--proc", "/proc", "--", t]).says("mount proc on /proc: Operation not permitted (EPERM)"),
            case("--keep-old-root without --root", &["--keep-old-root", "/old", "--", t]).says("option --keep-old-root: needs --root"),
            case("--setenv NAME with =", &["--setenv", "A=B", "c", "--", t]).says("option --setenv: needs a variable name without ="),
            case("--pid belongs to enter", &["--pid", "1", "--", t]).says("option --pid: belongs to nook enter"),
        ]);
    } else {
        cases.push(case("run in a build without it", &["--root", "/", "--", t]).says("role run: not in this build: build nook with --features run"));
    }
    if cfg!(feature = "enter") {
        cases.extend([
            case("enter without --pid", &["enter", "--", t]).says("option --pid: is required"),
            case("enter --pid 0", &["enter", "--pid", "0", "--", t]).says("option --pid: 0 is not a process id"),
            case("enter --pid not a number", &["enter", "--pid", "12ab", "--", t]).says("option --pid: 12ab is not a process id"),
            case("enter with a run option", &["enter", "--pid", "1", "--root", "/", "--", t]).says("option --root: unknown enter option"),
        ]);
    } else {
        cases.push(case("enter in a build without it", &["enter", "--pid", "1", "--", t]).says("role enter: not in this build: build nook with --features enter"));
    }
    if cfg!(feature = "mounts") {
        cases.extend([
            case("mounts with an unknown option", &["mounts", "--tree"]).says("option --tree: unknown mounts option"),
            case("mounts --pid without a value", &["mounts", "--pid"]).says("option --pid: missing"),
            case("mounts --pid 0", &["mounts", "--pid", "0"]).says("option --pid: 0 is not a process id"),
            case("mounts --pid not a number", &["mounts", "--json", "--pid", "1x"]).says("option --pid: 1x is not a process id"),
            case("mounts --pid twice", &["mounts", "--pid", "1", "--pid", "1"]).says("option --pid: given twice"),
            case("mounts with an argument", &["mounts", "--all", "/proc"]).says("usage /proc: nook mounts takes no arguments"),
            case("mounts with a PROGRAM", &["mounts", "--", "/bin/true"]).says("usage /bin/true: nook mounts takes no arguments"),
            case("mounts --pid of no process", &["mounts", "--pid", "2147483647"]).says("read the mount table of process 2147483647: No such file or directory (ENOENT): no such process"),
        ]);
    } else {
        cases.push(case("mounts in a build without it", &["mounts"]).says("role mounts: not in this build: build nook with --features mounts"));
    }
    // The initramfs's roles (the initramfs build's).
    if cfg!(feature = "switch-root") {
        cases.extend([
            case("switch-root without NEWROOT", &["switch-root"]).says("usage NEWROOT: no new root given: nook switch-root [--force] NEWROOT [INIT [ARG...]]"),
            case("switch-root with an unknown option", &["switch-root", "--bogus", "/new"]).says("option --bogus: unknown switch-root option"),
            case("switch-root with an empty NEWROOT", &["switch-root", "--", ""]).says("option NEWROOT: empty path"),
            case("switch-root with an empty INIT", &["switch-root", "/new", ""]).says("option INIT: empty path"),
            case("switch-root not as PID 1", &["switch-root", "/new", "/sbin/init"]).says("switch-root to /new: refused: nook is not PID 1: --force switches anyway"),
        ]);
    } else {
        cases.push(case("switch-root in a build without it", &["switch-root", "/new", "/sbin/init"])
            .says("role switch-root: not in this build: build nook with --features initramfs"));
    }
    cases.push(match cfg!(feature = "boot") {
        true => case("boot not as PID 1", &["boot"]).says("boot (not PID 1): runs only as an initramfs's /init"),
        false => case("boot in a build without it", &["boot"]).says("role boot: not in this build: build nook with --features initramfs"),
    });
    cases
}

/// A case whose argv is built rather than written out.
fn owned(what: &'static str, args: Vec<String>) -> Case {
    Case { what, args, env: Vec::new(), says: String::new() }
}

/// `--dir /d` N times, then a PROGRAM: N mount operations.
fn dirs(n: usize) -> Vec<String> {
    let mut args: Vec<String> = (0..n).flat_map(|_| ["--dir".to_string(), "/d".to_string()]).collect();
    args.extend(["--".to_string(), "/bin/true".to_string()]);
    args
}

/// Run every bad invocation; report all that misbehave at once. Each must
/// fail with its own message, not merely with some usage error.
fn bad_invocations_fail_cleanly(who: Who) {
    let cases = bad_invocations();
    assert_eq!(cases.len(), expected_cases(), "the number of bad invocations changed: update CASES (or a group's count) and SECURITY.md");
    let mut failures = Vec::new();
    for c in &cases {
        assert!(!c.says.is_empty(), "{}: no needle for its message", c.what);
        let mut run = Run::nook(who, &c.args);
        for (k, v) in &c.env {
            run = run.env(k, v);
        }
        let out = run.run_collect();
        let mut problem = out.nook_failure_problem(NOOK_FAILED);
        if problem.is_none() && !out.stderr.starts_with(&format!("nook: {}", c.says)) {
            problem = Some(format!("stderr does not start with \"nook: {}\"", c.says));
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
#[cfg(feature = "run")]
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
#[cfg(feature = "run")]
fn ten_thousand_program_args_with_pid_namespace(who: Who) {
    ten_thousand_program_args(who, &["--unshare-pid"]);
}

#[cfg(feature = "run")]
fn ten_thousand_program_args(who: Who, extra: &[&str]) {
    let mut argv = args(&["--root", world().root()]);
    argv.extend(args(extra));
    argv.extend(args(&["--", "/bin/sh", "-c", "echo $# ${9999}", "sh"]));
    argv.extend((1..=10_000).map(|i| i.to_string()));
    Run::nook(who, &argv).run().ok().stdout_is("10000 9999\n");
}

/// Without privileges, a map outside the caller's subordinate ranges is a
/// setup failure (newuidmap refuses), reported in one line.
#[cfg(feature = "run")]
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
#[cfg(feature = "run")]
fn unprivileged_map_outside_subuid_fails_cleanly() {
    unprivileged_map_outside_subuid();
}

/// Unprivileged, `--setgroups allow` cannot hold with a self-map (the kernel
/// and newgidmap deny setgroups then): nook refuses instead of running with
/// setgroups silently denied. With a --gid-map range from /etc/subgid it holds.
#[test]
#[cfg(feature = "run")]
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
#[cfg(feature = "run")]
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
    let options: &[&str] = if cfg!(feature = "run") { &["--root", "--bind", "--tmpfs", "--propagation"] } else { &["--grace", "--signal-group"] };
    for opt in options {
        assert!(
            out.stdout.contains(opt),
            "--help does not mention {opt}\n{out}"
        );
    }
}

both!(
    bad_invocations_fail_cleanly,
    #[cfg(feature = "run")] capacity_is_not_an_error,
    #[cfg(feature = "run")] ten_thousand_program_args_with_pid_namespace,
    version,
    help
);

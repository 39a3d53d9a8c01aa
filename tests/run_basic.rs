#![cfg(feature = "run")]
//! `nook run` (issue 2), black-box against the built binary: the root, the
//! mount operations, propagation, the user namespace, the process and its exit
//! status. Every behaviour runs as root and as container-user (see `both!`),
//! and every run checks that the host's /proc/self/mountinfo did not change.

#[macro_use]
mod common;

use common::*;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

fn write(who: Who, path: &Path, text: &str) {
    fs::write(path, text).unwrap();
    set_mode(path, 0o644);
    give(who, path);
}

fn mkdir(who: Who, path: &Path) {
    fs::create_dir(path).unwrap();
    set_mode(path, 0o755);
    give(who, path);
}

/// The one-line argv these tests are written in (tests/common): words split
/// at white space, `{}` filled in order, a value kept as one word.
#[test]
fn argv_fills_the_template_in_order() {
    let got = argv("--root {} --bind {}/a /x \
                    -- /bin/sh -c {}", &["/r", "/s", "echo  'a b'"]);
    assert_eq!(got, ["--root", "/r", "--bind", "/s/a", "/x", "--", "/bin/sh", "-c", "echo  'a b'"]);
    assert_eq!(argv("--setenv E {}", &[""]), ["--setenv", "E", ""]);
    assert!(std::panic::catch_unwind(|| argv("{} {}", &["one"])).is_err(), "too few values must panic");
    assert!(std::panic::catch_unwind(|| argv("{}", &["one", "two"])).is_err(), "too many values must panic");
}

// ---------------------------------------------------------------- the root

/// `ls /` inside shows the rootfs's entries and none of the host's.
fn ls_root(who: Who) {
    let w = world();
    let out = nook(who, &["--root", w.root(), "--", "/bin/ls", "-A", "/"]);
    let mut got = out.ok_lines();
    got.sort();
    assert_eq!(
        got, w.rootfs_entries,
        "`ls -A /` inside must list exactly the rootfs\n{out}"
    );
    for host_only in ["usr", "var", "home", "work", "lib", "opt", "srv"] {
        if Path::new("/").join(host_only).exists() {
            assert!(
                !got.iter().any(|e| e == host_only),
                "host dir /{host_only} visible inside\n{out}"
            );
        }
    }
}

/// `run` may be spelled out.
fn explicit_run_role(who: Who) {
    let w = world();
    nook(who, &["run", "--root", w.root(), "--", "/bin/true"])
        .ok()
        .stdout_is("");
}

/// PROGRAM without a slash is looked up in the container's PATH.
fn program_found_through_path(who: Who) {
    let w = world();
    let out = nook(who, &["--root", w.root(), "--", "ls", "/"]);
    assert!(out.ok_lines().iter().any(|l| l == "bin"), "{out}");
}

/// With --root, none of the host's mounts exist inside: with only /proc bound
/// in, the container's mount table holds just / and /proc. And no host file is
/// reachable.
fn host_mounts_invisible_with_root(who: Who) {
    let w = world();
    let out = nook(who, &argv("--root {} --bind /proc /proc -- /bin/cat /proc/self/mountinfo", &[w.root()]));
    out.ok();
    let mps = mount_points(&out.stdout);
    assert_eq!(
        mps.iter().filter(|m| *m == "/").count(),
        1,
        "exactly one mount on / expected\n{out}"
    );
    assert!(
        mps.iter().any(|m| m == "/proc"),
        "/proc bind missing\n{out}"
    );
    let foreign: Vec<&String> = mps
        .iter()
        .filter(|m| *m != "/" && *m != "/proc" && !m.starts_with("/proc/"))
        .collect();
    assert!(
        foreign.is_empty(),
        "host mounts visible inside: {foreign:?}\n{out}"
    );

    let marker = p(&w.marker);
    let script = format!("ls -A /tmp; ls -A /mnt; ls -A /dev; test -e {marker} && echo LEAK; true");
    nook(who, &["--root", w.root(), "--", "/bin/sh", "-c", &script])
        .ok()
        .stdout_is("");
}

/// A host directory is visible only where it is bound, and a rw bind writes
/// through to the host.
fn bind_host_dir(who: Who) {
    let w = world();
    let s = scratch(who, "bind");
    write(who, &s.join("file"), "hello\n");
    let script = "cat /mnt/s/file && echo inside > /mnt/s/new";
    let out = nook(who, &argv("--root {} --tmpfs /mnt --bind {} /mnt/s -- /bin/sh -c {}", &[w.root(), p(&s), script]));
    out.ok().stdout_is("hello\n");
    assert_eq!(
        fs::read_to_string(s.join("new")).ok().as_deref(),
        Some("inside\n"),
        "write through --bind lost\n{out}"
    );

    let script = format!("test -e {}/file && echo LEAK; ls -A /mnt; true", p(&s));
    nook(who, &["--root", w.root(), "--", "/bin/sh", "-c", &script])
        .ok()
        .stdout_is("");
}

/// Over the host tree (no --root), a tmpfs from --tmpfs and one mounted by the
/// workload itself are invisible to the host, while the container runs and
/// after it exits.
fn inside_mounts_invisible_outside(who: Who) {
    let s = scratch(who, "inside");
    let (t, m) = (s.join("t"), s.join("m"));
    mkdir(who, &t);
    mkdir(who, &m);
    let script = format!(
        "set -e
mount -t tmpfs nook-it-inner {m}
echo a > {m}/f
echo b > {t}/f
grep -c nook-it-inner /proc/self/mountinfo
touch {s}/ready
read line
echo \"done $line\"
",
        m = p(&m),
        t = p(&t),
        s = p(&s)
    );
    let mut run = Run::nook(who, &["--tmpfs", p(&t), "--", "/bin/sh", "-c", &script]).spawn();
    if !run.wait_for(&s.join("ready"), Duration::from_secs(20)) {
        run.kill();
        let out = run.finish();
        panic!("the container never got ready\n{out}");
    }
    let during = mountinfo();
    let leaked = t.join("f").exists() || m.join("f").exists();
    if during != run.before || leaked {
        let diff = mountinfo_diff(&run.before, &during);
        run.kill();
        panic!(
            "while the container runs, the host sees its mounts (files leaked: {leaked}):\n{diff}"
        );
    }
    run.write_stdin(b"go\n");
    let out = run.finish();
    out.ok().stdout_is("1\ndone go\n");
    assert!(
        !t.join("f").exists() && !m.join("f").exists(),
        "files written inside tmpfs reached the host\n{out}"
    );
}

// ------------------------------------------------------------ mount operations

/// --ro-bind refuses writes; the host file is untouched.
fn ro_bind_refuses_writes(who: Who) {
    let w = world();
    let s = scratch(who, "robind");
    write(who, &s.join("file"), "orig\n");
    let script = "cat /mnt/s/file
if touch /mnt/s/new; then echo TOUCH-WORKED; fi
if echo more >> /mnt/s/file; then echo APPEND-WORKED; fi
if mkdir /mnt/s/d; then echo MKDIR-WORKED; fi
true";
    let out = nook(who, &argv("--root {} --tmpfs /mnt --ro-bind {} /mnt/s -- /bin/sh -c {}", &[w.root(), p(&s), script]));
    out.ok()
        .stdout_is("orig\n")
        .stderr_has("Read-only file system");
    assert_eq!(fs::read_to_string(s.join("file")).unwrap(), "orig\n");
    assert!(!s.join("new").exists() && !s.join("d").exists(), "{out}");
}

/// --dev-bind keeps a device usable.
fn dev_bind_device(who: Who) {
    let w = world();
    let script = "echo hi > /dev/null && cat /dev/null && echo null-ok";
    let out = nook(who, &argv("--root {} --tmpfs /dev --dev-bind /dev/null /dev/null -- /bin/sh -c {}", &[w.root(), script]));
    out.ok().stdout_is("null-ok\n");
}

/// The -try forms skip a missing SRC (creating nothing); the plain forms fail
/// with one line and 125.
fn bind_try_variants(who: Who) {
    let w = world();
    let s = scratch(who, "try");
    write(who, &s.join("file"), "present\n");
    let missing = "/nonexistent-nook-src";
    let out = nook(
        who,
        &argv(
            "--root {} --tmpfs /mnt --bind-try {}/a /mnt/a --ro-bind-try {}/b /mnt/b --dev-bind-try {}/c /mnt/c \
             --ro-bind-try {} /mnt/s -- /bin/sh -c {}",
            &[w.root(), missing, missing, missing, p(&s), "ls -A /mnt; cat /mnt/s/file"],
        ),
    );
    out.ok().stdout_is("s\npresent\n");
    for opt in ["--bind", "--ro-bind", "--dev-bind"] {
        nook(who, &argv("--root {} --tmpfs /mnt {} {}/a /mnt/a -- /bin/true", &[w.root(), opt, missing]))
            .usage_error()
            .stderr_has("ENOENT");
    }
}

/// --size limits the next --tmpfs only.
fn tmpfs_size(who: Who) {
    let w = world();
    let script = "yes nook | head -c 30000 > /mnt/small && echo small-ok
yes nook | head -c 300000 > /mnt/big && echo BIG-FIT
stat -c %s /mnt/big
yes nook | head -c 300000 > /tmp/big && echo unlimited-ok
true";
    let out = nook(who, &argv("--root {} --size 65536 --tmpfs /mnt --tmpfs /tmp -- /bin/sh -c {}", &[w.root(), script]));
    let lines = out.ok_lines();
    assert_eq!(
        lines.len(),
        3,
        "want small-ok, the size of the file that did not fit, unlimited-ok\n{out}"
    );
    assert_eq!(
        (lines[0].as_str(), lines[2].as_str()),
        ("small-ok", "unlimited-ok"),
        "{out}"
    );
    let big: u64 = lines[1]
        .parse()
        .unwrap_or_else(|_| panic!("no size of /mnt/big\n{out}"));
    assert!(big <= 65536, "--size 65536 tmpfs took {big} bytes\n{out}");
}

/// --perms sets the mode of the next --tmpfs.
fn tmpfs_perms(who: Who) {
    let w = world();
    let out = nook(
        who,
        &argv("--root {} --perms 0700 --tmpfs /mnt --perms 1777 --tmpfs /tmp --perms 750 --tmpfs /root -- /bin/stat -c %a /mnt /tmp /root", &[w.root()]),
    );
    out.ok().stdout_is("700\n1777\n750\n");
}

/// --dir makes a 0755 directory; --symlink makes absolute and relative links.
fn dir_and_symlink(who: Who) {
    let w = world();
    let script = "stat -c '%a %F' /mnt/d; readlink /mnt/abs; readlink /mnt/rel; /mnt/rel/sh -c 'echo via-rel'";
    let out = nook(
        who,
        &argv("--root {} --tmpfs /mnt --dir /mnt/d --symlink /bin/busybox /mnt/abs --symlink ../bin /mnt/rel -- /bin/sh -c {}", &[w.root(), script]),
    );
    out.ok()
        .stdout_is("755 directory\n/bin/busybox\n../bin\nvia-rel\n");
}

/// A missing DEST is created with the source's type: a file 0444, a directory
/// 0755 (seen once the bind is unmounted inside).
fn missing_dest_created(who: Who) {
    let w = world();
    let s = scratch(who, "dest");
    write(who, &s.join("f"), "data\n");
    mkdir(who, &s.join("d"));
    write(who, &s.join("d/inner"), "");
    let s = p(&s);
    let script = "cat /mnt/f; ls /mnt/d; umount /mnt/f && umount /mnt/d && stat -c '%a %F' /mnt/f /mnt/d";
    let out = nook(who, &argv("--root {} --tmpfs /mnt --bind {}/f /mnt/f --bind {}/d /mnt/d -- /bin/sh -c {}", &[w.root(), s, s, script]));
    out.ok()
        .stdout_is("data\ninner\n444 regular empty file\n755 directory\n");
}

/// Missing parents of DEST are created too (directories 0755).
fn missing_dest_parents_created(who: Who) {
    let w = world();
    let s = scratch(who, "parents");
    write(who, &s.join("f"), "deep\n");
    let script = "cat /mnt/a/b/f; umount /mnt/a/b/f && stat -c '%a %F' /mnt/a /mnt/a/b /mnt/a/b/f";
    let out = nook(who, &argv("--root {} --tmpfs /mnt --bind {}/f /mnt/a/b/f -- /bin/sh -c {}", &[w.root(), p(&s), script]));
    out.ok()
        .stdout_is("deep\n755 directory\n755 directory\n444 regular empty file\n");
}

/// --remount-ro makes a tmpfs and a bind read-only, and only them.
fn remount_ro(who: Who) {
    let w = world();
    let s = scratch(who, "remount");
    let script = "if touch /mnt/x; then echo MNT-WRITABLE; fi; touch /tmp/x && echo tmp-ok";
    let out = nook(who, &argv("--root {} --tmpfs /mnt --remount-ro /mnt --tmpfs /tmp -- /bin/sh -c {}", &[w.root(), script]));
    out.ok()
        .stdout_is("tmp-ok\n")
        .stderr_has("Read-only file system");

    let script = "if touch /mnt/s/x; then echo BIND-WRITABLE; fi; touch /mnt/y && echo mnt-ok";
    let out = nook(who, &argv("--root {} --tmpfs /mnt --bind {} /mnt/s --remount-ro /mnt/s -- /bin/sh -c {}", &[w.root(), p(&s), script]));
    out.ok()
        .stdout_is("mnt-ok\n")
        .stderr_has("Read-only file system");
    assert!(!s.join("x").exists(), "{out}");
}

/// Inside a user namespace, a read-only remount must keep the locked flags of
/// a mount inherited from a more privileged namespace (nosuid, nodev, noexec,
/// noatime here), or the kernel refuses it.
fn remount_ro_keeps_locked_flags(who: Who) {
    let w = world();
    let s = scratch(who, "locked");
    let d = s.join("m");
    mkdir(who, &d);
    let inner = format!(
        "if touch {d}/x; then echo WRITABLE; fi; grep ' {d} ' /proc/self/mountinfo | cut -d' ' -f6",
        d = p(&d)
    );
    // unshare -r denies setgroups, which a nested user namespace inherits
    // (nested_user_namespace checks nook's default there).
    let script = "set -e
mount -t tmpfs -o nosuid,nodev,noexec,noatime nook-it-locked \"$2\"
exec \"$1\" --unshare-user --setgroups deny --remount-ro \"$2\" -- /bin/sh -c \"$3\"";
    let unshare: &[&str] = match who {
        Who::Root => &["unshare", "-m"],
        Who::User => &["unshare", "-Urm"],
    };
    let mut argv: Vec<String> = unshare.iter().map(|a| a.to_string()).collect();
    for a in ["/bin/sh", "-c", script, "sh", w.nook_path(), p(&d), &inner] {
        argv.push(a.to_string());
    }
    let out = Run::argv(who, argv).run();
    out.ok().stderr_has("Read-only file system");
    let opts: Vec<&str> = out.stdout.trim().split(',').collect();
    for want in ["ro", "nosuid", "nodev", "noexec", "noatime"] {
        assert!(
            opts.contains(&want),
            "mount options {opts:?} lack {want}\n{out}"
        );
    }
}

/// --ro-root: / is read-only, a tmpfs mounted on it stays writable.
fn ro_root(who: Who) {
    let w = world();
    let probe = format!("nook-ro-probe-{who}");
    let script =
        format!("if touch /{probe}; then echo ROOT-WRITABLE; fi; touch /tmp/x && echo tmp-ok");
    let out = nook(who, &argv("--root {} --ro-root --tmpfs /tmp -- /bin/sh -c {}", &[w.root(), &script]));
    let leaked = w.rootfs.join(&probe);
    let polluted = leaked.exists();
    if polluted {
        let _ = fs::remove_file(&leaked);
    }
    out.ok()
        .stdout_is("tmp-ok\n")
        .stderr_has("Read-only file system");
    assert!(
        !polluted,
        "--ro-root let the workload write into the rootfs\n{out}"
    );
}

// ---------------------------------------------------------------- propagation

/// What the propagation scripts share (`$d` is their scratch dir).
///
/// `shared_m NAME SUB...`: a tmpfs NAME on $d/m, shared, holding the
/// directories SUB.
///
/// The ready/go handshake of a container with the shell that started it,
/// through PROGRAM's stdin and stdout (two fifos in $d), so that it works
/// with --root too: `start_container NOOK-ARGV... -- PROGRAM...` starts it
/// in the background, where PROGRAM prints `ready` and then reads a line;
/// the shell's `wait_ready` returns once `ready` came (and fails when nook
/// exited first), `go` sends the line, and `finish` copies the rest of
/// PROGRAM's stdout and returns nook's status. If the shell dies before `go`,
/// PROGRAM reads EOF and goes on: nothing hangs.
const PROPAGATION_FUNCTIONS: &str = r#"
shared_m() {
    mkdir -p "$d/m"
    mount -t tmpfs "$1" "$d/m"
    mount --make-shared "$d/m"
    shift
    for sub in "$@"; do mkdir "$d/m/$sub"; done
}
start_container() {
    mkfifo "$d/to-program" "$d/from-program"
    "$@" < "$d/to-program" > "$d/from-program" &
    container=$!
    # The same order as the background's redirections: no deadlock.
    exec 3> "$d/to-program" 4< "$d/from-program"
}
wait_ready() {
    line=
    read -r line <&4 || true
    if [ "$line" != ready ]; then
        echo "the container never got ready (it said \"$line\")" >&2
        exec 3>&-
        wait $container || exit $?
        exit 99
    fi
}
go() {
    echo go >&3
    exec 3>&-
}
finish() {
    cat <&4
    wait $container
}
"#;

/// Run by `unshare -m` (root) or `unshare -Urm` (container-user):
/// PROPAGATION.sh NOOK DIR [NOOK-OPTION...]. It makes DIR/m a shared tmpfs,
/// starts a container over the host tree, mounts DIR/m/sub once the
/// container is up, and then lets the container save its mountinfo to
/// DIR/inside.
const PROPAGATION_SH: &str = r#"set -eu
nook=$1 d=$2
shift 2
shared_m nook-it-prop sub
start_container "$nook" "$@" -- /bin/sh -c 'echo ready; read -r go; cat /proc/self/mountinfo > "$1/inside"' sh "$d"
wait_ready
mount -t tmpfs nook-it-late "$d/m/sub"
go
finish
"#;

/// `unshare -m` (as root) or `unshare -Urm` (as the user) running `sh
/// SCRIPT NOOK ARGS...`, with the nook options every caller needs there: a
/// user namespace below unshare's for the user, where shared mounts arrive
/// as slaves. (--setgroups deny: unshare -r denied setgroups already;
/// nested_user_namespace checks nook's default there.)
fn in_own_mount_namespace(who: Who, script: &Path, args: &[&str]) -> Vec<String> {
    let unshare = match who {
        Who::Root => "-m",
        Who::User => "-Urm",
    };
    let mut argv: Vec<String> = vec!["unshare".into(), unshare.into(), "/bin/sh".into(), p(script).into(), world().nook_path().into()];
    argv.extend(args.iter().map(|a| a.to_string()));
    if who == Who::User {
        argv.extend(["--unshare-user".into(), "--setgroups".into(), "deny".into()]);
    }
    argv
}

/// Writes SCRIPT (after [`PROPAGATION_FUNCTIONS`]) to a scratch dir of
/// `who`'s and runs it once per case, in a mount namespace of its own (see
/// [`in_own_mount_namespace`]), as `SCRIPT NOOK DIR/caseI EXTRA... OPTS...`. Returns each case whose run succeeded,
/// with its DIR/caseI and output; a failed run goes to `failures`.
fn each_case<'c, T>(
    who: Who,
    name: &str,
    script_text: &str,
    extra: &[&str],
    cases: &'c [(&'c [&'c str], T)],
    failures: &mut Vec<String>,
) -> Vec<(&'c [&'c str], &'c T, PathBuf, Out)> {
    let holder = scratch(who, name);
    let script = holder.join(format!("{name}.sh"));
    write(who, &script, &format!("{PROPAGATION_FUNCTIONS}{script_text}"));
    let mut done = Vec::new();
    for (i, (opts, want)) in cases.iter().enumerate() {
        let d = holder.join(format!("case{i}"));
        mkdir(who, &d);
        let mut args = vec![p(&d)];
        args.extend_from_slice(extra);
        let mut argv = in_own_mount_namespace(who, &script, &args);
        argv.extend(opts.iter().map(|o| o.to_string()));
        let out = Run::argv(who, argv).run();
        if out.code != 0 {
            failures.push(format!("{opts:?}: the run failed\n{out}"));
            continue;
        }
        done.push((*opts, want, d, out));
    }
    done
}

/// "visible" or "invisible".
fn visibility(seen: bool) -> &'static str {
    if seen { "visible" } else { "invisible" }
}

/// Each --propagation mode is observable: a mount made outside after the
/// container started shows up inside with shared, slave and unchanged, and not
/// with private (the default). The host's / is private, so the test makes a
/// shared mount of its own, in a mount namespace of its own.
fn propagation_modes(who: Who) {
    let cases: &[(&[&str], bool)] = &[
        (&["--propagation", "shared"], true),
        (&["--propagation", "slave"], true),
        (&["--propagation", "unchanged"], true),
        (&["--propagation", "private"], false),
        (&[], false),
    ];
    let mut failures = Vec::new();
    for (opts, visible, d, out) in each_case(who, "propagation", PROPAGATION_SH, &[], cases, &mut failures) {
        let inside = fs::read_to_string(d.join("inside")).unwrap_or_default();
        let m = format!("{}/m", p(&d));
        let sub = format!("{m}/sub");
        if mountinfo_line(&inside, &m).is_none() {
            failures.push(format!("{opts:?}: {m} missing inside\n{inside}\n{out}"));
            continue;
        }
        let seen = mountinfo_line(&inside, &sub).is_some();
        if seen != *visible {
            failures.push(format!(
                "{opts:?}: the mount made outside on {sub} is {} inside (expected {})\n{inside}\n{out}",
                visibility(seen),
                visibility(*visible),
            ));
        }
    }
    assert!(failures.is_empty(), "{} of {} propagation cases failed:\n{}", failures.len(), cases.len(), failures.join("\n"));
}

/// Run by `unshare -m` / `unshare -Urm`: PROPAGATION_ROOT.sh NOOK DIR ROOTFS
/// [NOOK-OPTION...]. The same experiment with --root: the rootfs is bound
/// under a shared tmpfs, and a tmpfs mounted on its /mnt after the container
/// is up (it said `ready`) must (shared, slave) or must not (private) show
/// inside, where PROGRAM lists /mnt once it is told `go`. With --root and
/// `shared`, pivot_root refuses shared mounts, so this checks that nook
/// still gets the container going and keeps the propagation.
const PROPAGATION_ROOT_SH: &str = r#"set -eu
nook=$1 d=$2 rootfs=$3
shift 3
shared_m nook-it-prop root
mount --rbind "$rootfs" "$d/m/root"
start_container "$nook" --root "$d/m/root" "$@" -- /bin/sh -c 'echo ready; read -r go; ls /mnt'
wait_ready
mount -t tmpfs nook-it-late "$d/m/root/mnt"
touch "$d/m/root/mnt/late-marker"
go
finish
"#;

/// --propagation with --root: a mount made on the host under the rootfs after
/// the container started is visible inside with shared and slave, and not
/// with private.
fn propagation_with_root(who: Who) {
    let cases: &[(&[&str], bool)] =
        &[(&["--propagation", "shared"], true), (&["--propagation", "slave"], true), (&["--propagation", "private"], false)];
    let mut failures = Vec::new();
    for (opts, visible, _, out) in each_case(who, "propagation-root", PROPAGATION_ROOT_SH, &[world().root()], cases, &mut failures) {
        let seen = out.stdout.contains("late-marker");
        if seen != *visible {
            failures.push(format!(
                "{opts:?}: the host's late mount under the rootfs is {} inside (expected {})\n{out}",
                visibility(seen),
                visibility(*visible),
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Run by `unshare -m` / `unshare -Urm`: PROPAGATION_OUT.sh NOOK DIR
/// [NOOK-OPTION...]. The other direction: DIR/m is a shared tmpfs of this
/// namespace (standing in for a host whose / is shared, as on systemd
/// machines; this one's is private, so leaks could not show). The
/// container, over the host tree, gets `--tmpfs DIR/m/by-nook` and mounts
/// DIR/m/by-workload itself; once it is ready, this shell prints the mount
/// points it sees under DIR/m, then lets the container end.
const PROPAGATION_OUT_SH: &str = r#"set -eu
nook=$1 d=$2
shift 2
shared_m nook-it-out by-nook by-workload
start_container "$nook" --tmpfs "$d/m/by-nook" "$@" -- /bin/sh -c '
    mount -t tmpfs nook-it-inner "$1/m/by-workload" && echo ready; read -r go' sh "$d"
wait_ready
cut -d' ' -f5 /proc/self/mountinfo | grep "^$d/m/" | sed 's/^/outside: /' || true
go
finish
"#;

/// Mounts made inside never reach the caller, unless asked for: with the
/// default (private) propagation, slave and private, neither nook's --tmpfs
/// nor the workload's own mount shows outside, in a tree that is shared with
/// the caller; with shared and unchanged they do (as root: a mount namespace
/// in the same user namespace is a peer). For container-user (and root with
/// --unshare-user) the kernel itself turns shared mounts into slaves when
/// it copies them into a less privileged mount namespace, so nothing shows
/// for any mode.
fn inside_mounts_do_not_leak_out(who: Who) {
    let root = who == Who::Root;
    let mut cases: Vec<(&[&str], bool)> = vec![
        (&[], false),
        (&["--propagation", "private"], false),
        (&["--propagation", "slave"], false),
        (&["--propagation", "shared"], root),
        (&["--propagation", "unchanged"], root),
    ];
    if root {
        // (container-user's runs have --unshare-user already.)
        cases.push((&["--unshare-user", "--propagation", "shared"], false));
    }
    let mut failures = Vec::new();
    for (opts, leaks, d, out) in each_case(who, "propagation-out", PROPAGATION_OUT_SH, &[], &cases, &mut failures) {
        let m = format!("{}/m", p(&d));
        let mut seen: Vec<String> = out.lines().iter().filter_map(|l| l.strip_prefix("outside: ").map(str::to_string)).collect();
        seen.sort();
        let want: Vec<String> = if *leaks { vec![format!("{m}/by-nook"), format!("{m}/by-workload")] } else { vec![] };
        if seen != want {
            failures.push(format!("{opts:?}: outside, the mounts under {m} are {seen:?} (expected {want:?})\n{out}"));
        }
    }
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), cases.len(), failures.join("\n"));
}

/// --make-shared/-slave/-private/-unbindable, in argv order, show in the
/// optional fields of /proc/self/mountinfo inside.
fn make_propagation_flags(who: Who) {
    let s = scratch(who, "make");
    for d in ["a", "b", "c", "d"] {
        mkdir(who, &s.join(d));
    }
    let path = |d: &str| format!("{}/{d}", p(&s));
    let (a, b, c, d) = (path("a"), path("b"), path("c"), path("d"));
    let out = nook(
        who,
        &argv(
            "--tmpfs {} --make-shared {} --bind {} {} --make-slave {} --tmpfs {} --make-unbindable {} \
             --tmpfs {} --make-shared {} --make-private {} -- /bin/cat /proc/self/mountinfo",
            &[&a, &a, &a, &b, &b, &c, &c, &d, &d, &d],
        ),
    );
    out.ok();
    let fields = |mp: &str| -> Vec<String> {
        optional_fields(
            mountinfo_line(&out.stdout, mp)
                .unwrap_or_else(|| panic!("{mp} not mounted inside\n{out}")),
        )
    };
    let fa = fields(&a);
    let group = fa
        .iter()
        .find_map(|f| f.strip_prefix("shared:"))
        .unwrap_or_else(|| panic!("--make-shared {a}: no shared:N in {fa:?}\n{out}"))
        .to_string();
    let fb = fields(&b);
    assert!(
        fb.contains(&format!("master:{group}")),
        "--make-slave {b}: want master:{group} in {fb:?}\n{out}"
    );
    assert!(
        !fb.iter().any(|f| f.starts_with("shared:")),
        "--make-slave {b} left it shared: {fb:?}\n{out}"
    );
    let fc = fields(&c);
    assert!(
        fc.iter().any(|f| f == "unbindable"),
        "--make-unbindable {c}: {fc:?}\n{out}"
    );
    let fd = fields(&d);
    assert!(
        fd.is_empty(),
        "--make-private {d} after --make-shared: still {fd:?}\n{out}"
    );
}

// ----------------------------------------------------------------- old root

/// --keep-old-root DIR keeps the host's tree at DIR; by default it is detached
/// and nothing of the host is reachable.
fn keep_old_root(who: Who) {
    let w = world();
    let marker = p(&w.marker);
    nook(who, &argv("--root {} --keep-old-root /mnt -- /bin/cat /mnt{}", &[w.root(), marker]))
        .ok()
        .stdout_is(MARKER_TEXT);
    let out = nook(who, &argv("--root {} --keep-old-root /mnt --bind /proc /proc -- /bin/cat /proc/self/mountinfo", &[w.root()]));
    out.ok();
    assert!(
        mount_points(&out.stdout).iter().any(|m| m == "/mnt"),
        "old root not mounted at /mnt\n{out}"
    );

    let script = format!(
        "ls -A /mnt; test -e /mnt{marker} && echo LEAK1; test -e {marker} && echo LEAK2; true"
    );
    nook(who, &["--root", w.root(), "--", "/bin/sh", "-c", &script])
        .ok()
        .stdout_is("");
}

// ------------------------------------------------------------ exit statuses

/// PROGRAM's own status; 126 not executable; 127 not found (one nook line).
fn exit_codes(who: Who) {
    let w = world();
    let r = w.root();
    for (prog, code) in [
        (&["/bin/true"][..], 0),
        (&["/bin/false"][..], 1),
        (&["/bin/sh", "-c", "exit 42"][..], 42),
        (&["/bin/sh", "-c", "exit 255"][..], 255),
    ] {
        let mut args = vec!["--root", r, "--"];
        args.extend_from_slice(prog);
        nook(who, &args).code(code);
    }
    // Exists but not executable.
    nook(who, &["--root", r, "--", "/etc/passwd"])
        .nook_failure(126)
        .stderr_has("EACCES");
    nook(who, &["--root", r, "--", "/etc"]).nook_failure(126);
    nook(
        who,
        &["--root", r, "--setenv", "PATH", "/etc:/bin", "--", "group"],
    )
    .nook_failure(126);
    // Not found.
    nook(who, &["--root", r, "--", "/nonexistent-program"])
        .nook_failure(127)
        .stderr_has("ENOENT");
    nook(who, &["--root", r, "--", "nonexistent-program"])
        .nook_failure(127)
        .stderr_has("ENOENT");
    nook(
        who,
        &["--root", r, "--setenv", "PATH", "/nonexistent", "--", "ls"],
    )
    .nook_failure(127);
    // Sanity: the same lookup with a PATH that has it works.
    nook(who, &argv("--root {} --setenv PATH /nonexistent:/bin -- true", &[r]))
        .ok();
}

// -------------------------------------------------------------- the process

/// --chdir; the default working directory is /.
fn chdir(who: Who) {
    let w = world();
    let staging = p(&w.staging);
    nook(
        who,
        &["--root", w.root(), "--chdir", "/etc", "--", "/bin/pwd"],
    )
    .ok()
    .stdout_is("/etc\n");
    Run::nook(who, &["--root", w.root(), "--", "/bin/pwd"])
        .cwd(staging)
        .run()
        .ok()
        .stdout_is("/\n");
    Run::nook(who, &["--", "/bin/pwd"])
        .cwd(staging)
        .run()
        .ok()
        .stdout_is("/\n");
    Run::nook(who, &["--chdir", staging, "--", "/bin/pwd"])
        .run()
        .ok()
        .stdout_is(&format!("{staging}\n"));
    // Past the 64 bytes of check_cwd's first getcwd (kernel/sys.rs), which
    // then reads the path again whole.
    let long = format!("{staging}/{}/{}", "a".repeat(40), "b".repeat(40));
    std::fs::create_dir_all(&long).unwrap();
    Run::nook(who, &["--chdir", &long, "--", "/bin/pwd"])
        .run()
        .ok()
        .stdout_is(&format!("{long}\n"));
    nook(who, &argv("--root {} --chdir /nonexistent-dir -- /bin/true", &[w.root()]))
        .usage_error()
        .stderr_has("ENOENT");
}

/// --setenv, --unsetenv and --clearenv shape the workload's environment.
fn environment(who: Who) {
    let w = world();
    let out = Run::nook(
        who,
        &argv("--root {} --setenv A 1 --unsetenv FOO --setenv BAR changed --setenv SP {} -- /bin/env", &[w.root(), "a b=c"]),
    )
    .env("FOO", "foo")
    .env("BAR", "bar")
    .run();
    let lines = out.ok_lines();
    for want in ["A=1", "BAR=changed", "SP=a b=c", &format!("PATH={PATH}")] {
        assert!(lines.iter().any(|l| l == want), "{want} missing\n{out}");
    }
    assert!(
        !lines.iter().any(|l| l.starts_with("FOO=")),
        "--unsetenv FOO ignored\n{out}"
    );

    Run::nook(who, &argv("--root {} --clearenv --setenv A 1 -- /bin/env", &[w.root()]))
        .env("FOO", "foo")
        .run()
        .ok()
        // PWD is set after the edits, as bwrap does.
        .stdout_is("A=1\nPWD=/\n");
}

/// NOOK_* variables never reach the workload.
fn nook_variables_stripped(who: Who) {
    let w = world();
    let out = Run::nook(who, &["--root", w.root(), "--", "/bin/env"])
        .env("NOOK_VERBOSE", "0")
        .env("NOOK_FOO", "1")
        .env("NOOK_", "x")
        .env("KEEP", "1")
        .run();
    let lines = out.ok_lines();
    assert!(
        !lines.iter().any(|l| l.starts_with("NOOK")),
        "NOOK_* leaked into the workload\n{out}"
    );
    assert!(lines.iter().any(|l| l == "KEEP=1"), "{out}");
    assert_eq!(out.stderr, "", "NOOK_VERBOSE=0 must be quiet\n{out}");
}

/// A NOOK_* variable PROGRAM is given with --setenv reaches it in every
/// mode: nook execs PROGRAM itself, as PID 1 (--no-init), or from the init
/// it re-executes, which must neither strip it nor read it as its own
/// (NOOK_GRACE=x would be its usage error, NOOK_VERBOSE=1 its trace). The
/// caller's own NOOK_* still never do.
fn setenv_nook_variables_reach_program(who: Who) {
    let w = world();
    let set = [("NOOK_IT_SET", "kept"), ("NOOK_GRACE", "x"), ("NOOK_VERBOSE", "1"), ("NOOK_INIT_FOREGROUND", "x"), ("NOOK_INIT_SIGMASK", "5")];
    for mode in [&[][..], &["--unshare-pid"], &["--unshare-pid", "--no-init"]] {
        let mut args: Vec<&str> = mode.to_vec();
        args.extend(["--root", w.root()]);
        for (k, v) in set {
            args.extend(["--setenv", k, v]);
        }
        args.extend(["--", "/bin/env"]);
        let out = Run::nook(who, &args).env("NOOK_IT_CALLER", "stripped").run();
        let nook: Vec<String> = out.ok_lines().into_iter().filter(|l| l.starts_with("NOOK")).collect();
        let want: Vec<String> = set.iter().map(|(k, v)| format!("{k}={v}")).collect();
        assert_eq!(nook, want, "{mode:?}: PROGRAM's NOOK_* variables must be those of --setenv\n{out}");
        assert_eq!(out.stderr, "", "{mode:?}: PROGRAM's NOOK_VERBOSE is not nook's\n{out}");
    }
}

/// NOOK_ROOT=R equals --root R; --root on argv wins.
fn nook_root_variable(who: Who) {
    let w = world();
    let out = Run::nook(who, &["--", "/bin/ls", "-A", "/"])
        .env("NOOK_ROOT", w.root())
        .run();
    let mut got = out.ok_lines();
    got.sort();
    assert_eq!(got, w.rootfs_entries, "NOOK_ROOT ignored\n{out}");

    let out = Run::nook(who, &["--root", w.root(), "--", "/bin/ls", "-A", "/"])
        .env("NOOK_ROOT", "/nonexistent-nook-root")
        .run();
    let mut got = out.ok_lines();
    got.sort();
    assert_eq!(
        got, w.rootfs_entries,
        "--root must win over NOOK_ROOT\n{out}"
    );
}

/// no_new_privs is always set.
fn no_new_privs(who: Who) {
    let w = world();
    nook(who, &["--", "/bin/grep", "NoNewPrivs", "/proc/self/status"])
        .ok()
        .stdout_is("NoNewPrivs:\t1\n");
    nook(who, &argv("--root {} --bind /proc /proc -- /bin/grep NoNewPrivs /proc/self/status", &[w.root()]))
        .ok()
        .stdout_is("NoNewPrivs:\t1\n");
}

// ----------------------------------------------------------- user namespace

/// container-user gets a user namespace without asking, mapped to root;
/// root keeps the host's unless --unshare-user.
fn user_namespace_default(who: Who) {
    let w = world();
    let (uid, gid) = w.ids(who);
    let maps = ["--", "/bin/cat", "/proc/self/uid_map", "/proc/self/gid_map"];
    let out = nook(who, &maps);
    let want: Vec<String> = match who {
        Who::Root => vec!["0 0 4294967295".into(), "0 0 4294967295".into()],
        Who::User => vec![format!("0 {uid} 1"), format!("0 {gid} 1")],
    };
    out.ok();
    assert_eq!(out.words_lines(), want, "{out}");

    let mut args = vec!["--unshare-user", "--map-root"];
    args.extend_from_slice(&maps);
    let out = nook(who, &args);
    out.ok();
    assert_eq!(
        out.words_lines(),
        vec![format!("0 {uid} 1"), format!("0 {gid} 1")],
        "{out}"
    );

    nook(who, &["--root", w.root(), "--", "/bin/id", "-u"])
        .ok()
        .stdout_is("0\n");
    nook(
        who,
        &["--root", w.root(), "--unshare-user", "--", "/bin/id", "-g"],
    )
    .ok()
    .stdout_is("0\n");
}

/// --map-user/--map-group map the caller to other ids inside.
fn map_user_group(who: Who) {
    let (uid, gid) = world().ids(who);
    let script = "id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map";
    let out = nook(who, &argv("--unshare-user --map-user 1234 --map-group 2345 -- /bin/sh -c {}", &[script]));
    out.ok();
    assert_eq!(
        out.words_lines(),
        vec![
            "1234".to_string(),
            "2345".into(),
            format!("1234 {uid} 1"),
            format!("2345 {gid} 1")
        ],
        "{out}"
    );
}

/// --uid-map/--gid-map, repeated: root writes them itself; container-user gets
/// them through newuidmap/newgidmap from its /etc/subuid and /etc/subgid range.
fn multi_range_maps(who: Who) {
    let w = world();
    let (uid, gid) = w.ids(who);
    let (su, sg) = match who {
        Who::Root => (100_000, 100_000),
        Who::User => (w.subuid.0, w.subgid.0),
    };
    let s = scratch(who, "maps");
    let (um0, um1, gm0, gm1) = (
        format!("0:{uid}:1"),
        format!("1:{su}:1000"),
        format!("0:{gid}:1"),
        format!("1:{sg}:1000"),
    );
    let script = format!(
        "cat /proc/self/uid_map /proc/self/gid_map; touch {s}/f && chown 7:8 {s}/f && stat -c '%u %g' {s}/f",
        s = p(&s)
    );
    let out = nook(
        who,
        &argv(
            "--unshare-user --uid-map {} --uid-map {} --gid-map {} --gid-map {} --tmpfs {} -- /bin/sh -c {}",
            &[&um0, &um1, &gm0, &gm1, p(&s), &script],
        ),
    );
    out.ok();
    assert_eq!(
        out.words_lines(),
        vec![
            format!("0 {uid} 1"),
            format!("1 {su} 1000"),
            format!("0 {gid} 1"),
            format!("1 {sg} 1000"),
            "7 8".into()
        ],
        "{out}"
    );
}

/// --setgroups deny shows in /proc/self/setgroups; an unprivileged caller's
/// default is deny.
fn setgroups(who: Who) {
    nook(who, &argv("--unshare-user --setgroups deny -- /bin/cat /proc/self/setgroups", &[]))
        .ok()
        .stdout_is("deny\n");
    match who {
        Who::User => {
            nook(who, &["--", "/bin/cat", "/proc/self/setgroups"])
                .ok()
                .stdout_is("deny\n");
        }
        Who::Root => {
            nook(who, &argv("--unshare-user --setgroups allow -- /bin/cat /proc/self/setgroups", &[]))
                .ok()
                .stdout_is("allow\n");
        }
    }
}

/// nook run from inside a user namespace of its own (here `unshare -Ur`,
/// which denies setgroups, as rootless container engines do) can make a nested
/// one with the defaults: the kernel forbids writing "allow" there, so nook's
/// default must not.
fn nested_user_namespace(who: Who) {
    let w = world();
    let script = "cat /proc/self/setgroups; id -u; cat /proc/self/uid_map";
    let out = Run::argv(who, argv("unshare -Urm {} --unshare-user -- /bin/sh -c {}", &[w.nook_path(), script])).run();
    out.ok();
    assert_eq!(out.words_lines(), vec!["deny", "0", "0 0 1"], "{out}");
}

both!(
    ls_root,
    explicit_run_role,
    program_found_through_path,
    host_mounts_invisible_with_root,
    bind_host_dir,
    inside_mounts_invisible_outside,
    ro_bind_refuses_writes,
    dev_bind_device,
    bind_try_variants,
    tmpfs_size,
    tmpfs_perms,
    dir_and_symlink,
    missing_dest_created,
    missing_dest_parents_created,
    remount_ro,
    remount_ro_keeps_locked_flags,
    ro_root,
    propagation_modes,
    propagation_with_root,
    inside_mounts_do_not_leak_out,
    make_propagation_flags,
    keep_old_root,
    exit_codes,
    chdir,
    environment,
    nook_variables_stripped,
    setenv_nook_variables_reach_program,
    nook_root_variable,
    no_new_privs,
    user_namespace_default,
    map_user_group,
    multi_range_maps,
    setgroups,
    nested_user_namespace,
);

#![cfg(feature = "run")]
//! Issue 5, part 1: where the new mount API is missing, nook mounts with
//! mount(2) on /proc/self/fd/N paths, and builds the same container.
//!
//! - the same plan through both APIs must give the same mount tree (every
//!   mountinfo field but the ids and peer-group numbers) and the same
//!   behaviour (what is writable, what refuses writes, devices);
//! - without NOOK_MOUNT_API, a kernel that answers ENOSYS for the new calls
//!   (simulated with strace's fault injection, as a seccomp filter would)
//!   gets the fallback, and the container still works.
//!
//! scripts/test also runs every integration test a second time with
//! NOOK_TEST_MOUNT_API=legacy, so every escape attempt is also tried against
//! the fallback.

#[macro_use]
mod common;

use common::*;
use std::process::Command;

/// The plan: a tmpfs to hold mount points (the shared rootfs is read-only
/// for container-user), a recursive read-only bind of a directory with a
/// submount, a read-write bind, a file bind, a remount, propagation, /proc,
/// /dev and /sys.
///
/// The probe prints mountinfo without the ids, device numbers (anonymous
/// filesystems get new ones each run) and peer-group numbers. One known
/// difference is folded away: mount(2) makes the superblock of a new sysfs
/// instance read-only as well, where fsmount's MOUNT_ATTR_RDONLY makes only
/// the mount so (the mount is read-only either way, and is checked).
fn plan() -> Vec<String> {
    let root = world().root();
    let marker = p(&world().marker);
    // The binds' source is the container's own /mnt/src, by its host path
    // (before the pivot, the root's host path leads into the new tree).
    argv(
        "--unshare-all --root {} --proc /proc --dev /dev --sys /sys \
         --size 4194304 --perms 0750 --tmpfs /mnt --dir /mnt/src --tmpfs /mnt/src/sub --perms 0711 --dir /mnt/src/d \
         --tmpfs /mnt/rw --make-shared /mnt/rw --tmpfs /mnt/ro-later --remount-ro /mnt/ro-later \
         --ro-bind /usr /mnt/usr --symlink /mnt/rw /mnt/link \
         --ro-bind {}/mnt/src /mnt/ro --bind {}/mnt/src /mnt/again --ro-bind {} /mnt/marker",
        &[root, root, root, marker],
    )
}

const PROBE: &str = r#"
sed -E 's/^[0-9]+ [0-9]+ [0-9]+:[0-9]+ //; s/(shared|master):[0-9]+/\1/g; s/ - sysfs sysfs ro$/ - sysfs sysfs rw/' /proc/self/mountinfo
try() { if "$@" 2>/dev/null; then echo "yes: $*"; else echo "no: $*"; fi; }
try touch /mnt/src/sub/f
try touch /mnt/ro/f
try touch /mnt/ro/sub/f
try touch /mnt/again/sub/g
try touch /mnt/ro-later/f
try touch /mnt/usr/f
try touch /mnt/link/f
try sh -c 'echo x > /mnt/marker'
try sh -c 'echo x > /dev/null'
try test -c /dev/pts/ptmx
try touch /sys/f
stat -c '%a %n' /mnt /mnt/src/d
"#;

/// The line NOOK_VERBOSE=1 prints when nook takes the mount(2) fallback.
const FALLBACK_TRACE: &str = "nook: + mount API mount(2) on /proc/self/fd/N\n";

/// The plan and the probe through `api` (new or legacy), traced: the trace
/// must show that the fallback ran exactly when it was asked for, or a
/// comparison of the two would compare one API with itself.
fn container(who: Who, api: &str) -> Out {
    let mut argv = plan();
    argv.extend(args(&["/bin/sh", "-c", PROBE]));
    let out = Run::nook(who, &argv).env("NOOK_MOUNT_API", api).env("NOOK_VERBOSE", "1").run();
    out.ok();
    assert_eq!(out.stderr.contains(FALLBACK_TRACE), api == "legacy", "NOOK_MOUNT_API={api}: the fallback's trace\n{out}");
    out
}

/// What scripts/test's second pass (NOOK_TEST_MOUNT_API=legacy) relies on:
/// every nook a test starts through `Run`, as root and through su, gets the
/// variable, and takes the fallback (the trace says so). In the first pass
/// the variable is unset, and nook must not be told anything.
fn the_test_pass_reaches_nook(who: Who) {
    let out = Run::nook(who, &["--root", world().root(), "--tmpfs", "/mnt", "--", "/bin/true"]).env("NOOK_VERBOSE", "1").run();
    out.ok();
    match std::env::var("NOOK_TEST_MOUNT_API").ok().as_deref() {
        Some("legacy") => assert!(out.stderr.contains(FALLBACK_TRACE), "the legacy pass did not reach nook\n{out}"),
        Some("new") => assert!(!out.stderr.contains(FALLBACK_TRACE), "{out}"),
        Some(other) => panic!("NOOK_TEST_MOUNT_API={other:?}: scripts/test sets only legacy"),
        None => assert!(!out.cmd.contains("NOOK_MOUNT_API"), "NOOK_MOUNT_API set without NOOK_TEST_MOUNT_API\n{out}"),
    }
}

fn same_tree_through_both_apis(who: Who) {
    let new = container(who, "new");
    let legacy = container(who, "legacy");
    assert_eq!(new.stdout, legacy.stdout, "mount(2) built another container than the new API\nnew API: {new}\nlegacy: {legacy}");
    // And the tree is the one promised, so "the same" is not "equally broken".
    for line in [
        "yes: touch /mnt/src/sub/f",
        "no: touch /mnt/ro/f",
        "no: touch /mnt/ro/sub/f",
        "yes: touch /mnt/again/sub/g",
        "no: touch /mnt/ro-later/f",
        "no: touch /mnt/usr/f",
        "yes: touch /mnt/link/f",
        "no: sh -c echo x > /mnt/marker",
        "yes: sh -c echo x > /dev/null",
        "yes: test -c /dev/pts/ptmx",
        "no: touch /sys/f",
        "750 /mnt",
        "711 /mnt/src/d",
    ] {
        assert!(legacy.stdout.lines().any(|l| l == line), "missing {line:?}\n{legacy}");
    }
    let info = &legacy.stdout;
    let opts = |mp: &str| mountinfo_fields(info, mp).unwrap_or_else(|| panic!("{mp} not mounted\n{legacy}"));
    assert!(opts("/mnt/ro/sub").0.starts_with("ro,nosuid,nodev"), "submount of a read-only bind\n{legacy}");
    assert!(opts("/mnt/again/sub").0.starts_with("rw,nosuid,nodev"), "{legacy}");
    assert!(opts("/proc").0.starts_with("rw,nosuid,nodev,noexec"), "{legacy}");
    assert!(opts("/sys").0.starts_with("ro,nosuid,nodev,noexec"), "{legacy}");
    assert!(opts("/dev/null").0.starts_with("rw,nosuid,noexec"), "{legacy}");
    assert!(opts("/mnt").1.contains("size=4096k") && opts("/mnt").1.contains("mode=750"), "{legacy}");
}

/// Propagation, in a tree without a read-only promise (the lock that such a
/// promise brings turns shared mounts private: see userns::lock_mounts).
fn same_propagation_through_both_apis(who: Who) {
    let run = |api: &str| {
        let argv = argv(
            "--unshare-all --root {} --proc /proc --tmpfs /mnt --tmpfs /mnt/s --make-shared /mnt/s \
             --tmpfs /mnt/u --make-unbindable /mnt/u --tmpfs /mnt/p --make-private /mnt/p /bin/sh -c {}",
            &[world().root(), PROBE.lines().nth(1).unwrap()],
        );
        let out = Run::nook(who, &argv).env("NOOK_MOUNT_API", api).env("NOOK_VERBOSE", "1").run();
        out.ok();
        assert_eq!(out.stderr.contains(FALLBACK_TRACE), api == "legacy", "NOOK_MOUNT_API={api}: the fallback's trace\n{out}");
        out
    };
    let (new, legacy) = (run("new"), run("legacy"));
    assert_eq!(new.stdout, legacy.stdout, "new API: {new}\nlegacy: {legacy}");
    let info = &legacy.stdout;
    let rest = |mp: &str| mountinfo_fields(info, mp).unwrap_or_else(|| panic!("{mp} not mounted\n{legacy}")).1;
    assert!(rest("/mnt/s").starts_with("shared "), "--make-shared\n{legacy}");
    assert!(rest("/mnt/u").starts_with("unbindable "), "--make-unbindable\n{legacy}");
    assert!(rest("/mnt/p").starts_with("- "), "--make-private\n{legacy}");
}

/// (per-mount options, the rest of the line) of the mountinfo line for `mp`
/// in the probe's output (ids and device cut: the mount point is field 2).
fn mountinfo_fields<'a>(info: &'a str, mp: &str) -> Option<(&'a str, &'a str)> {
    let line = info.lines().filter(|l| l.contains(" - ")).rfind(|l| l.split(' ').nth(1) == Some(mp))?;
    let mut fields = line.splitn(4, ' ');
    let (_, _, opts, rest) = (fields.next()?, fields.next()?, fields.next()?, fields.next()?);
    Some((opts, rest))
}

/// `strace ... -einject=CALLS:error=ENOSYS nook`: strace's fault injection
/// stands in for a kernel (or seccomp filter) without those calls.
fn nook_without(calls: &str) -> Vec<String> {
    assert!(which("strace"), "strace is needed (scripts/test installs it)");
    argv("strace -f -qq -o /dev/null -einject={}:error=ENOSYS {}", &[calls, world().nook_path()])
}

/// Without the new mount API (each of its calls answers ENOSYS), nook
/// chooses the fallback by itself and builds the same container.
fn falls_back_when_the_kernel_lacks_the_new_api(who: Who) {
    let mut argv = nook_without("open_tree,move_mount,fsopen,fsmount,mount_setattr");
    argv.extend(plan());
    argv.extend(args(&["/bin/sh", "-c", PROBE]));
    let out = Run::argv(who, argv).env("NOOK_VERBOSE", "1").run();
    out.ok();
    assert!(out.stderr.contains(FALLBACK_TRACE), "the fallback was not chosen\n{out}");
    let reference = container(who, "new");
    assert_eq!(out.stdout, reference.stdout, "the fallback built another container\n{out}\n{reference}");
}

/// The new API, when asked for on a kernel without it, fails in one line
/// naming the step (and the whole plan changed nothing on the host).
fn new_api_forced_without_it_fails_cleanly(who: Who) {
    let mut argv = nook_without("open_tree");
    argv.extend(plan());
    argv.push("/bin/true".into());
    let out = Run::argv(who, argv).env("NOOK_MOUNT_API", "new").run();
    assert_eq!(out.code, 125, "{out}");
    assert_eq!(out.stderr.lines().count(), 1, "{out}");
    assert!(out.stderr.starts_with("nook: bind root ") && out.stderr.contains("(ENOSYS)"), "{out}");
}

fn which(tool: &str) -> bool {
    Command::new("sh").args(["-c", &format!("command -v {tool}")]).env("PATH", PATH).output().map(|o| o.status.success()).unwrap_or(false)
}

both!(
    same_tree_through_both_apis,
    same_propagation_through_both_apis,
    falls_back_when_the_kernel_lacks_the_new_api,
    new_api_forced_without_it_fails_cleanly,
    the_test_pass_reaches_nook,
);

#![cfg(feature = "switch-root")]
//! `nook switch-root` on the host, as root and as container-user: its
//! refusals, each before anything changes, and a whole switch inside a
//! mount namespace of its own (`unshare`), from a tmpfs "initramfs" that it
//! empties without crossing into a mount, to a new root whose init runs.
//! (tests/boot.rs switches as PID 1 in a real initramfs.)

#[macro_use]
mod common;

use common::*;

fn unchanged(before: &[u8]) {
    let after = mountinfo();
    assert!(before == after, "a refused switch changed the mount table:\n{}", mountinfo_diff(before, &after));
}

/// Not PID 1 and no --force: refused, the tree untouched.
fn refused_unless_pid_1(who: Who) {
    let before = mountinfo();
    let out = nook(who, &["switch-root", "/proc", "/sbin/init"]);
    out.nook_failure(NOOK_FAILED)
        .stderr_has("nook: switch-root to /proc: refused: nook is not PID 1: --force switches anyway");
    unchanged(&before);
}

/// NEWROOT must be a mount point (other than /), checked before anything
/// changes, --force or not.
fn newroot_must_be_a_mount_point(who: Who) {
    let dir = scratch(who, "not-a-mount");
    let before = mountinfo();
    for newroot in [p(&dir), "/"] {
        let out = nook(who, &["switch-root", "--force", newroot, "/sbin/init"]);
        out.nook_failure(NOOK_FAILED).stderr_has(&format!(
            "nook: switch-root to {newroot}: is not a mount point (other than /): mount the new root there first"
        ));
    }
    let out = nook(who, &["switch-root", "--force", &format!("{}/missing", p(&dir))]);
    out.nook_failure(NOOK_FAILED).stderr_has("/missing: No such file or directory (ENOENT)");
    unchanged(&before);
}

/// INIT must exist inside NEWROOT, looked up as the new root will see it:
/// /proc is a mount point with no /sbin/init, though the host has one.
fn init_must_exist_inside_newroot(who: Who) {
    let before = mountinfo();
    let out = nook(who, &["switch-root", "--force", "/proc", "/sbin/init"]);
    out.nook_failure(NOOK_FAILED)
        .stderr_has("nook: find init /sbin/init: No such file or directory (ENOENT): INIT is looked up inside NEWROOT");
    unchanged(&before);
}

/// `body`, a shell script, run in a mount namespace of its own (with a
/// user namespace for container-user), with `$d` a scratch directory of
/// `who`'s called `name`, `$busybox` the host's static busybox and `$nook`
/// the binary under test.
fn in_own_mount_namespace(who: Who, name: &str, body: &str) -> Out {
    let dir = scratch(who, name);
    let unshare = if who == Who::Root { "unshare -m" } else { "unshare -Urm" };
    let script = format!(
        "set -eu\n{unshare} sh -eu -c '\nd=$1 busybox=$2 nook=$3\n{body}' sh \"{dir}\" \"{busybox}\" \"{nook}\"\n",
        dir = p(&dir),
        busybox = host_busybox(),
        nook = world().nook_path(),
    );
    Run::sh(who, &script, &[] as &[&str]).run()
}

/// The whole switch, in a mount namespace of its own: an old root on a
/// tmpfs (as an initramfs's is), NEWROOT a tmpfs inside it, and a third
/// tmpfs at /keep that the deletion must not enter. The new root's init
/// sees its own files as / and gets INIT's arguments; the old root keeps
/// only the mount point it could not delete.
fn switches_and_empties_the_old_root(who: Who) {
    let out = in_own_mount_namespace(
        who,
        "switch",
        r##"mkdir -p $d/old $d/view $d/keepview
mount -t tmpfs tmpfs $d/old
mkdir -p $d/old/bin $d/old/new $d/old/keep $d/old/lib/deep/er
cp $busybox $d/old/bin/busybox
cp $nook $d/old/nook
echo module > $d/old/lib/deep/er/file.ko
ln -s /nonexistent $d/old/dangling
mount -t tmpfs tmpfs $d/old/keep
echo kept > $d/old/keep/file
mount --bind $d/old/keep $d/keepview
mount -t tmpfs tmpfs $d/old/new
mkdir -p $d/old/new/bin $d/old/new/sbin
cp $busybox $d/old/new/bin/busybox
ln -s busybox $d/old/new/bin/sh
printf "#!/bin/sh\necho NEW-ROOT-INIT args=\$* root=\$(/bin/busybox ls /)\n" > $d/old/new/sbin/init
chmod 755 $d/old/new/sbin/init
mount --bind $d/old $d/view
chroot $d/old /nook switch-root --force /new /sbin/init one two
echo "OLD-ROOT $(ls -A $d/view | tr "\n" " ")"
echo "KEEP $(cat $d/keepview/file)"
"##,
    );
    out.ok()
        .stdout_has("NEW-ROOT-INIT args=one two root=bin sbin")
        .stdout_has("OLD-ROOT keep \n")
        .stdout_has("KEEP kept\n");
}

/// NEWROOT a bind mount of a directory on the old root's own filesystem
/// (`mount --bind /new /new`, as in a container): a mount point all the
/// same, though on the same device as its parent, and switch_root(8)
/// switches to it.
fn switches_to_a_bind_mount(who: Who) {
    let out = in_own_mount_namespace(
        who,
        "switch-bind",
        r##"mkdir -p $d/old
mount -t tmpfs tmpfs $d/old
mkdir -p $d/old/new/bin $d/old/new/sbin
cp $nook $d/old/nook
cp $busybox $d/old/new/bin/busybox
ln -s busybox $d/old/new/bin/sh
printf "#!/bin/sh\necho BIND-ROOT-INIT root=\$(/bin/busybox ls /)\n" > $d/old/new/sbin/init
chmod 755 $d/old/new/sbin/init
mount --bind $d/old/new $d/old/new
chroot $d/old /nook switch-root --force /new /sbin/init
"##,
    );
    out.ok().stdout_has("BIND-ROOT-INIT root=bin sbin");
}

both!(refused_unless_pid_1, newroot_must_be_a_mount_point, init_must_exist_inside_newroot, switches_and_empties_the_old_root, switches_to_a_bind_mount);

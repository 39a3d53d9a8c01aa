//! Nothing of the host is reachable from inside a container with --root.
//!
//! - The host's nook binary cannot be reached for writing through /proc/1/exe
//!   (runc's CVE-2019-5736): the init of `run --unshare-pid` re-executes from
//!   a sealed memfd copy.
//! - The old root is gone: not in mountinfo, not through /proc/1/root, not
//!   by walking `..` from `/`.
//!
//! Tried as root without a user namespace (the dangerous case: root inside is
//! real root) and as container-user.

#[macro_use]
mod common;

use common::*;
use std::fs;

fn digest(path: &std::path::Path) -> Vec<u8> {
    fs::read(path).unwrap()
}

fn proc_1_exe_is_not_writable(who: Who) {
    let w = world();
    let before = digest(&w.nook);
    let root = p(&w.rootfs);
    // Each attempt in a subshell: a failed redirection ends a shell.
    let script = "ls -l /proc/1/exe; \
                  if (echo tampered >> /proc/1/exe); then echo WROTE; fi; \
                  if (: > /proc/1/exe); then echo TRUNCATED; fi; \
                  if (exec 3<> /proc/1/exe); then echo OPENED-RW; fi; \
                  if cp /bin/busybox /proc/1/exe; then echo REPLACED; fi; \
                  exit 0";
    let out = nook(who, &["--unshare-pid", "--proc", "/proc", "--root", root, "--", "/bin/sh", "-c", script]);
    out.code(0);
    assert!(out.stdout.contains("memfd:nook"), "PID 1 should run from the sealed copy\n{out}");
    for word in ["WROTE", "TRUNCATED", "OPENED-RW", "REPLACED"] {
        assert!(!out.stdout.contains(word), "/proc/1/exe was writable ({word})\n{out}");
    }
    assert!(digest(&w.nook) == before, "the host's nook binary changed");
}

fn old_root_is_unreachable(who: Who) {
    let w = world();
    let root = p(&w.rootfs);
    let marker = p(&w.marker);
    // Everything PROGRAM can see of "/" three ways must be the rootfs's own
    // top directory; the host's marker file must be nowhere.
    let script = format!(
        "ls -A / | sort > /tmp/slash; ls -A /proc/1/root/ | sort > /tmp/proc1; \
         cd /../../..; ls -A | sort > /tmp/dotdot; \
         cmp -s /tmp/slash /tmp/proc1 && echo SAME-PROC1; cmp -s /tmp/slash /tmp/dotdot && echo SAME-DOTDOT; \
         test -e {marker} || test -e /proc/1/root{marker} || echo NO-MARKER; \
         cut -d' ' -f5 /proc/self/mountinfo"
    );
    let out = nook(who, &["--unshare-pid", "--proc", "/proc", "--tmpfs", "/tmp", "--root", root, "--", "/bin/sh", "-c", &script]);
    out.code(0);
    for word in ["SAME-PROC1", "SAME-DOTDOT", "NO-MARKER"] {
        assert!(out.stdout.contains(word), "missing {word}\n{out}");
    }
    let mounts: Vec<&str> = out.stdout.lines().filter(|l| l.starts_with('/')).collect();
    assert_eq!(mounts, ["/", "/proc", "/tmp"], "only the container's mounts may show\n{out}");
}

both!(proc_1_exe_is_not_writable, old_root_is_unreachable);

//! The host's nook binary cannot be reached for writing from inside through
//! /proc/1/exe (runc's CVE-2019-5736): the init of `run --unshare-pid`
//! re-executes from a sealed memfd copy. Tried as root without a user
//! namespace (the dangerous case: root inside is real root) and as
//! container-user.

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

both!(proc_1_exe_is_not_writable);

#![cfg(feature = "run")]
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

/// The write attempts fail for any file being executed (ETXTBSY): what
/// makes the copy safe once the init no longer runs it is its seals, which
/// the workload's own handle on /proc/1/exe must show (F_GET_SEALS).
fn proc_1_exe_is_not_writable(who: Who) {
    let w = world();
    let before = digest(&w.nook);
    let root = p(&w.rootfs);
    // Each attempt in a subshell: a failed redirection ends a shell.
    let script = format!(
        "ls -l /proc/1/exe; {}; \
         if (echo tampered >> /proc/1/exe); then echo WROTE; fi; \
         if (: > /proc/1/exe); then echo TRUNCATED; fi; \
         if (exec 3<> /proc/1/exe); then echo OPENED-RW; fi; \
         if cp /bin/busybox /proc/1/exe; then echo REPLACED; fi; \
         exit 0",
        helper::command("/mnt/helper", "seals /proc/1/exe")
    );
    let helper = ["--tmpfs", "/mnt", "--ro-bind", helper::bin(), "/mnt/helper"];
    let mut argv = vec!["--unshare-pid", "--proc", "/proc", "--root", root];
    argv.extend(helper);
    argv.extend(["--", "/bin/sh", "-c", &script]);
    let out = nook(who, &argv);
    out.code(0);
    assert!(out.stdout.contains("memfd:nook"), "PID 1 should run from the sealed copy\n{out}");
    assert!(helper::all_sealed(&out.stdout), "/proc/1/exe must carry F_SEAL_SEAL|SHRINK|GROW|WRITE\n{out}");
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

/// The init ignores SIGTTIN and SIGTTOU, as tini does, while PROGRAM gets
/// the dispositions nook inherited (here: not ignored). Checked on `nook
/// init` as a subreaper and on PID 1 of `run --unshare-pid`, from the host's
/// /proc while PROGRAM sleeps. Then PROGRAM is killed: the init passes its
/// death on (137), and the host's mount table is as before.
fn init_ignores_job_control_signals(who: Who) {
    const TTIN_TTOU: u64 = (1 << 20) | (1 << 21);
    let w = world();
    let root = p(&w.rootfs);
    let (tag1, tag2) = (Tag::new(), Tag::new());
    for (label, args, tag) in [
        ("nook init", vec!["init", "--", "/bin/sleep", &tag1.0], &tag1),
        ("run --unshare-pid", vec!["--unshare-pid", "--root", root, "--", "/bin/sleep", &tag2.0], &tag2),
    ] {
        let running = Run::nook(who, &args).spawn();
        let sleeper = wait_for_sleeper(tag);
        let init = parent_of(sleeper);
        let ignored = |pid: u32| {
            let status = fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
            let hex = status.lines().find_map(|l| l.strip_prefix("SigIgn:")).unwrap().trim().to_string();
            u64::from_str_radix(&hex, 16).unwrap()
        };
        let (init_ign, program_ign) = (ignored(init), ignored(sleeper));
        // Only PROGRAM: nook's own command line holds the tag too.
        let _ = std::process::Command::new("kill").args(["-9", &sleeper.to_string()]).env("PATH", PATH).status();
        let out = running.finish();
        assert_eq!(init_ign & TTIN_TTOU, TTIN_TTOU, "{label}: the init (pid {init}) should ignore TTIN and TTOU\n{out}");
        assert_eq!(program_ign & TTIN_TTOU, 0, "{label}: PROGRAM (pid {sleeper}) must not inherit the init's ignores\n{out}");
        out.code(128 + 9);
    }
}

/// The pid of the one `/bin/sleep TAG`.
fn wait_for_sleeper(tag: &Tag) -> u32 {
    let sleepers = || tag.matching(|cmdline| cmdline == format!("/bin/sleep\0{tag}\0"));
    if !until(SOON, || sleepers().len() == 1) {
        panic!("no single process `/bin/sleep {tag}` appeared: {:?}", sleepers());
    }
    sleepers()[0]
}

fn parent_of(pid: u32) -> u32 {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    after.split(' ').nth(1).unwrap().parse().unwrap()
}

both!(init_ignores_job_control_signals);

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

/// The init ignores SIGTTIN and SIGTTOU, as tini does, while PROGRAM gets
/// the dispositions nook inherited (here: not ignored). Checked on `nook
/// init` as a subreaper and on PID 1 of `run --unshare-pid`, from the host's
/// /proc while PROGRAM sleeps.
fn init_ignores_job_control_signals(who: Who) {
    const TTIN_TTOU: u64 = (1 << 20) | (1 << 21);
    let w = world();
    let root = p(&w.rootfs);
    // A tag per caller and case, so no sleeper of another test is found.
    let tag = |case: u32| format!("3.{}{}{case}", std::process::id(), who as u32);
    let (tag1, tag2) = (tag(1), tag(2));
    for (label, args, tag) in [
        ("nook init", vec!["init", "--", "/bin/sleep", &tag1], &tag1),
        ("run --unshare-pid", vec!["--unshare-pid", "--root", root, "--", "/bin/sleep", &tag2], &tag2),
    ] {
        let mut running = Run::nook(who, &args).spawn();
        let sleeper = wait_for_process(tag);
        let init = parent_of(sleeper);
        let ignored = |pid: u32| {
            let status = fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
            let hex = status.lines().find_map(|l| l.strip_prefix("SigIgn:")).unwrap().trim().to_string();
            u64::from_str_radix(&hex, 16).unwrap()
        };
        let (init_ign, program_ign) = (ignored(init), ignored(sleeper));
        // A subreaper with no grace leaves PROGRAM be: end it here.
        let _ = std::process::Command::new("kill").arg("-9").arg(sleeper.to_string()).status();
        running.kill();
        assert_eq!(init_ign & TTIN_TTOU, TTIN_TTOU, "{label}: the init (pid {init}) should ignore TTIN and TTOU");
        assert_eq!(program_ign & TTIN_TTOU, 0, "{label}: PROGRAM (pid {sleeper}) must not inherit the init's ignores");
    }
}

/// The pid of the one process whose command line contains `tag`.
fn wait_for_process(tag: &str) -> u32 {
    for _ in 0..200 {
        for entry in fs::read_dir("/proc").unwrap().flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
            let cmdline = fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            if cmdline.starts_with("/bin/sleep") && cmdline.contains(tag) {
                return pid;
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    panic!("no process with {tag} appeared");
}

fn parent_of(pid: u32) -> u32 {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    after.split(' ').nth(1).unwrap().parse().unwrap()
}

both!(init_ignores_job_control_signals);

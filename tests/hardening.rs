#![cfg(feature = "run")]
//! Issue 5 (hardening), parts 1-5: a hostile rootfs and a hostile workload try
//! to break each of nook's defences, as root and as container-user. Part 6,
//! the bad-input catalogue, lives in usage_errors.rs.
//!
//! Every test says why it would fail if its defence were absent. Every run
//! also checks that the host's /proc/self/mountinfo is byte-identical. Host
//! mounts that a test needs (part 5) are made in an `unshare -m` namespace of
//! their own, so parallel tests never see them.

#[macro_use]
mod common;

use common::*;
use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// A copy of the busybox rootfs in a scratch dir of `who`'s: the base of
/// every hostile rootfs here (the shared one must not be changed). Owned by
/// root until the test plants its links and calls [`own`].
fn rootfs_copy(who: Who, name: &str) -> PathBuf {
    let root = scratch(who, name).join("root");
    host(&["cp", "-a", world().root(), p(&root)]);
    root
}

/// chown -hR to `who` (after a test has planted its links).
fn own(who: Who, path: &Path) {
    let (uid, gid) = world().ids(who);
    host(&["chown", "-hR", &format!("{uid}:{gid}"), p(path)]);
}

/// Every path under `dir`, relative and sorted: a host directory that nook
/// must leave alone is compared before and after.
fn tree(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir).unwrap().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        out.push(name.clone());
        if e.file_type().unwrap().is_dir() {
            out.extend(tree(&e.path()).into_iter().map(|s| format!("{name}/{s}")));
        }
    }
    out.sort();
    out
}

fn sha(path: &Path) -> String {
    let out = Command::new("sha256sum").arg(path).output().unwrap();
    String::from_utf8(out.stdout).unwrap().split(' ').next().unwrap().to_string()
}

/// The mount options (field 6) of the mountinfo line for `mp`.
fn opts(mountinfo: &str, mp: &str, out: &Out) -> Vec<String> {
    let line = mountinfo_line(mountinfo, mp).unwrap_or_else(|| panic!("{mp} not mounted inside\n{out}"));
    line.split(' ').nth(5).unwrap().split(',').map(str::to_string).collect()
}

// ------------------------------------------------ part 1: symlinks in DEST

/// A rootfs full of symlinks that point out of it: `/etc -> H/etc` (H a host
/// directory that exists), `/up -> ../../..` (far above any root), `/abs ->
/// /`, and a relative chain `/c0 -> c1 -> ./c2 -> ../../../..H`. Used as DEST
/// of every kind of operation, each must land inside the root, at R/H/...:
/// the host's H stays empty and the inside mountinfo lists the mounts (a mount
/// placed outside the new root would vanish with the detached old root).
/// Without RESOLVE_IN_ROOT these DESTs resolve against the host's / and
/// create dir-up, dir-abs, link-chain, bound and ro-file in the host's H.
fn symlink_dests_land_inside(who: Who) {
    let hostdir = scratch(who, "host");
    fs::create_dir(hostdir.join("etc")).unwrap();
    own(who, &hostdir);
    let h = p(&hostdir);
    let before = tree(&hostdir);
    let src = scratch(who, "src");
    fs::write(src.join("marker"), "bound\n").unwrap();
    own(who, &src);

    let r = rootfs_copy(who, "links");
    fs::remove_dir_all(r.join("etc")).unwrap();
    symlink(hostdir.join("etc"), r.join("etc")).unwrap();
    fs::create_dir_all(r.join(&h[1..]).join("etc")).unwrap();
    symlink("../".repeat(16), r.join("up")).unwrap();
    symlink("/", r.join("abs")).unwrap();
    symlink("c1", r.join("c0")).unwrap();
    symlink("./c2", r.join("c1")).unwrap();
    symlink(format!("{}{}", "../".repeat(16), &h[1..]), r.join("c2")).unwrap();
    own(who, &r);

    let marker = format!("{}/marker", p(&src));
    let (up, abs) = (format!("/up{h}"), format!("/abs{h}"));
    let ops = [
        "--tmpfs", "/etc",
        "--dir", "/etc/in-tmpfs",
        "--dir", &format!("{up}/dir-up"),
        "--dir", &format!("{abs}/dir-abs"),
        "--symlink", "/nowhere", "/c0/link-chain",
        "--bind", p(&src), &format!("{up}/bound"),
        "--ro-bind", &marker, &format!("{abs}/ro-file"),
        "--tmpfs", "/c0/tmpfs-chain",
    ];
    let probe = format!("cut -d' ' -f5 /proc/self/mountinfo; echo ==; ls -A {h} {h}/etc; echo ==; cat {h}/bound/marker {h}/ro-file");
    let mut argv = vec!["--unshare-pid", "--proc", "/proc", "--root", p(&r)];
    argv.extend_from_slice(&ops);
    argv.extend_from_slice(&["--", "/bin/sh", "-c", &probe]);
    let out = nook(who, &argv);
    out.ok();
    let sections: Vec<&str> = out.stdout.split("==\n").collect();
    let mut mounts: Vec<&str> = sections[0].lines().collect();
    mounts.sort();
    let want = ["/", "/proc"].into_iter().map(String::from)
        .chain(["bound", "etc", "ro-file", "tmpfs-chain"].map(|m| format!("{h}/{m}")));
    assert_eq!(mounts, want.collect::<Vec<_>>(), "mounts inside\n{out}");
    assert_eq!(
        sections[1],
        format!("{h}:\nbound\ndir-abs\ndir-up\netc\nlink-chain\nro-file\ntmpfs-chain\n\n{h}/etc:\nin-tmpfs\n"),
        "{out}"
    );
    assert_eq!(sections[2], "bound\nbound\n", "{out}");
    assert_eq!(tree(&hostdir), before, "nook changed the host's {h}\n{out}");
    assert_eq!(fs::read_link(r.join(&h[1..]).join("link-chain")).unwrap(), Path::new("/nowhere"));
}

/// A `..` in a DEST (here through `/up -> ../../..`) while the host is busy:
/// a scoped openat2 answers EAGAIN when anything on the system was renamed or
/// mounted during the lookup, and nook must retry rather than fail. A thread
/// renames a file back and forth the whole time; without the retry most
/// setups fail with "open /up/tmp/a/b: ... (EAGAIN)" (206 of 300 measured).
fn dotdot_dests_survive_a_busy_host(who: Who) {
    let r = rootfs_copy(who, "dotdot");
    symlink("../".repeat(16), r.join("up")).unwrap();
    own(who, &r);
    /// Stops the renames when dropped, also when a run panics.
    struct Stop(Arc<AtomicBool>);
    impl Drop for Stop {
        fn drop(&mut self) {
            self.0.store(true, Ordering::Relaxed);
        }
    }
    let busy = scratch(Who::Root, "renames");
    let stop = Stop(Arc::new(AtomicBool::new(false)));
    let renamer = {
        let stop = stop.0.clone();
        let (a, b) = (busy.join("a"), busy.join("b"));
        fs::write(&a, "").unwrap();
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                fs::rename(&a, &b).unwrap();
                fs::rename(&b, &a).unwrap();
            }
        })
    };
    let argv = ["--root", p(&r), "--tmpfs", "/tmp", "--dir", "/up/tmp/a/b", "--", "/bin/test", "-d", "/tmp/a/b"];
    let outs: Vec<Out> = (0..20).map(|_| nook(who, &argv)).collect();
    drop(stop);
    renamer.join().unwrap();
    let failed: Vec<String> = outs.iter().filter(|o| o.code != 0).map(|o| o.to_string()).collect();
    assert!(failed.is_empty(), "{} of 20 setups failed while the host renamed:\n{}", failed.len(), failed.join("\n"));
}

/// Dangling links and magic links as DEST: each run must fail cleanly and
/// create nothing at the host path they name. `dangle -> H/planted` is the
/// O_CREAT case: without O_EXCL|O_NOFOLLOW, creating the file DEST of a
/// --ro-bind follows the link and makes H/planted on the host. `magic ->
/// /proc/self/root/H` and `cwd -> /proc/self/cwd` (nook started in H) go
/// through the procfs nook itself mounted; without RESOLVE_NO_MAGICLINKS (and
/// the scoping of RESOLVE_IN_ROOT) they lead to the host's / and cwd.
fn dangling_and_magic_dests_fail(who: Who) {
    let hostdir = scratch(who, "target");
    let h = p(&hostdir);
    let src = scratch(who, "src");
    let file = format!("{}/f", p(&src));
    fs::write(&file, "x\n").unwrap();
    let r = rootfs_copy(who, "dangling");
    symlink(format!("{h}/planted"), r.join("dangle")).unwrap();
    symlink(format!("/proc/self/root{h}"), r.join("magic")).unwrap();
    symlink("/proc/self/cwd", r.join("cwd")).unwrap();
    own(who, &r);
    let s = p(&src);
    let cases: &[&[&str]] = &[
        &["--ro-bind", &file, "/dangle"],
        &["--bind", s, "/dangle"],
        &["--dir", "/dangle"],
        &["--dir", "/dangle/sub"],
        &["--tmpfs", "/dangle"],
        &["--symlink", "/x", "/dangle/link"],
        &["--dir", "/magic/pwned"],
        &["--tmpfs", "/magic"],
        &["--ro-bind", &file, "/magic/pwned-file"],
        &["--symlink", "/x", "/magic/pwned-link"],
        &["--dir", "/cwd/pwned"],
        &["--bind", s, "/cwd"],
    ];
    let mut failures = Vec::new();
    for case in cases {
        let mut argv = vec!["--unshare-pid", "--proc", "/proc", "--root", p(&r)];
        argv.extend_from_slice(case);
        argv.extend_from_slice(&["--", "/bin/true"]);
        let out = Run::nook(who, &argv).cwd(h).run();
        if let Some(problem) = out.nook_failure_problem(NOOK_FAILED) {
            failures.push(format!("{case:?}: {problem}\n{out}"));
        }
        // The link is there but leads nowhere inside the root: EEXIST, and
        // the hint says why, since DEST itself looks missing.
        let dangles = case[case.len() - 1].starts_with("/dangle");
        let hint = format!("{}: File exists (EEXIST): a symlink on its way leads nowhere inside the root: nook creates nothing through it", case[case.len() - 1]);
        if dangles && !out.stderr.contains(&hint) {
            failures.push(format!("{case:?}: stderr lacks {hint:?}\n{out}"));
        }
        if !tree(&hostdir).is_empty() {
            failures.push(format!("{case:?} created {:?} in the host's {h}\n{out}", tree(&hostdir)));
            let _ = fs::remove_dir_all(&hostdir).and_then(|()| fs::create_dir(&hostdir));
            give(who, &hostdir);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// --------------------------------------------- part 2: fds and working dir

/// A wrapper passes fds 3, 5 and 9 (open on the marker) to nook, and starts it
/// in a host directory outside the root. PROGRAM's /proc/self/fd must list 0,
/// 1, 2 and the one `ls` opens for the listing: fds are handed out lowest
/// first, so any inherited fd would show as an extra entry (3 inherited makes
/// ls's own 4). The init's /proc/1/fd is 0-2 exactly. The control run (the
/// same wrapper, busybox ls without nook) proves the wrapper passes them.
fn fds_and_cwd_are_clean(who: Who) {
    let w = world();
    let r = w.root();
    let busybox = format!("{r}/bin/busybox");
    let elsewhere = scratch(who, "cwd");
    let wrapper = format!("exec 3<{m} 5<{m} 9<{m}; exec \"$@\"", m = p(&w.marker));
    let etc = dev_ino(&w.rootfs.join("etc"));
    let self_probe = "ls /proc/self/fd | tr '\\n' ' '; echo; pwd; readlink /proc/self/cwd; stat -L -c %d:%i /proc/self/cwd";
    let pid1_probe = format!("{self_probe}; ls /proc/1/fd | tr '\\n' ' '; echo; readlink /proc/1/cwd; readlink /proc/1/root");

    let out = Run::sh(who, &wrapper, &[busybox.as_str(), "ls", "/proc/self/fd"]).cwd(p(&elsewhere)).run();
    let fds = out.ok_lines();
    assert!(["3", "5", "9"].iter().all(|fd| fds.iter().any(|l| l == fd)), "control: the wrapper's fds\n{out}");

    let want_self = format!("0 1 2 3 \n/etc\n/etc\n{etc}\n");
    let cases: Vec<(Vec<&str>, &str, String)> = vec![
        (vec!["--root", r, "--bind", "/proc", "/proc"], self_probe, want_self.clone()),
        (vec!["--root", r, "--bind", "/proc", "/proc", "--new-session"], self_probe, want_self.clone()),
        (vec!["--root", r, "--unshare-pid", "--proc", "/proc"], &pid1_probe, format!("{want_self}0 1 2 \n/\n/\n")),
        (vec!["--root", r, "--unshare-pid", "--proc", "/proc", "--no-init"], self_probe, want_self.clone()),
    ];
    for (opts, probe, want) in cases {
        let mut argv = vec![w.nook_path()];
        argv.extend(opts);
        argv.extend(["--chdir", "/etc", "--", "/bin/sh", "-c", probe]);
        let out = Run::sh(who, &wrapper, &argv).cwd(p(&elsewhere)).run();
        out.ok().stdout_is(&want);
    }
    // Without --root: the host's tree, the same hygiene.
    let chdir = p(&elsewhere);
    let probe = "ls /proc/self/fd | tr '\\n' ' '; echo; pwd; readlink /proc/self/cwd";
    let argv = [w.nook_path(), "--setenv", "PATH", &format!("{r}/bin"), "--chdir", chdir, "--", &busybox, "sh", "-c", probe];
    Run::sh(who, &wrapper, &argv).run().ok().stdout_is(&format!("0 1 2 3 \n{chdir}\n{chdir}\n"));
}

// -------------------------------------------- part 3: the host's binary

/// With --unshare-pid, no process visible inside runs the host's nook: the
/// probe stats /proc/N/exe of every pid and prints the ones whose DEV:INO is
/// the host binary's. /proc/1/exe is the memfd, and the workload's own
/// handle on it carries every seal (F_GET_SEALS, from inside): a write
/// attempt alone would prove nothing, since the kernel refuses writes to any
/// file being executed (ETXTBSY), sealed or not. Writing through it fails;
/// the binary's hash stays. As root this runs without a user namespace: root
/// inside is real root. The control runs the same probe under `nook init` as
/// PID 1 of `unshare -Urpf` (what a runtime that starts the host's nook as
/// init would do): there it must find PID 1, a file with no seals (EINVAL),
/// which proves the probe sees the host binary when it is reachable.
fn host_binary_unreachable_from_pid_namespace(who: Who) {
    let w = world();
    let before = sha(&w.nook);
    let host = dev_ino(&w.nook);
    let probe = |helper: &str| {
        format!(
            "for d in /proc/[0-9]*; do [ \"$(stat -L -c %d:%i $d/exe 2>&1)\" = {host} ] && echo HOST-BINARY-AT $d; done; \
             ls -l /proc/1/exe; {seals}; \
             if (echo x >> /proc/1/exe); then echo WROTE; fi; \
             if (exec 3<> /proc/1/exe); then echo OPENED-RW; fi; \
             if (exec 3< /proc/1/exe; echo x >> /proc/self/fd/3); then echo WROTE-THROUGH-FD; fi; \
             true",
            seals = helper::command(helper, "seals /proc/1/exe")
        )
    };
    let argv = [
        "--unshare-pid", "--proc", "/proc", "--root", w.root(), "--tmpfs", "/mnt", "--ro-bind", helper::bin(), "/mnt/helper",
        "--", "/bin/sh", "-c", &probe("/mnt/helper"),
    ];
    let out = nook(who, &argv);
    out.ok().stdout_has("memfd:nook");
    for word in ["HOST-BINARY-AT", "WROTE", "OPENED-RW"] {
        assert!(!out.stdout.contains(word), "the host's nook is reachable ({word})\n{out}");
    }
    assert!(helper::all_sealed(&out.stdout), "/proc/1/exe must carry F_SEAL_SEAL|SHRINK|GROW|WRITE\n{out}");
    assert_eq!(sha(&w.nook), before, "the host's nook binary changed\n{out}");

    let control = args(&["unshare", "-Urpf", "--mount-proc", w.nook_path(), "init", "--", "/bin/sh", "-c", &probe(helper::bin())]);
    let out = Run::argv(who, control).run();
    out.ok().stdout_has("HOST-BINARY-AT /proc/1\n").stdout_has("seals-err fcntl 22\n");
    assert_eq!(sha(&w.nook), before);
}

/// Without --unshare-pid, nook forks a monitor for --new-session and for
/// --json-status-fd, which shares the container's PID namespace and runs the
/// host's binary. Here that binary is a copy OWNED BY the caller (so DAC would
/// allow the write) and the container sees the monitor through a bound host
/// /proc while its root hides the copy's path. The monitor is non-dumpable:
/// /proc/MONITOR/exe cannot even be opened for reading, so the CVE-2019-5736
/// trick (open it O_RDONLY, wait for the monitor to exit, reopen
/// /proc/self/fd/N for writing) has nothing to start from. The owner of a
/// dumpable process in the same user namespace passes ptrace_may_access: the
/// OPENED check fails without the defence.
///
/// Known open, and asserted below as the control: real root without a user
/// namespace and without a PID namespace is not defended (it holds
/// CAP_SYS_PTRACE over the host, which overrides non-dumpable).
fn monitor_binary_unreachable(who: Who) {
    let w = world();
    let dir = scratch(who, "monitor");
    let copy = dir.join("nook");
    fs::copy(&w.nook, &copy).unwrap();
    own(who, &dir);
    let before = sha(&copy);
    let probe = format!(
        "tr '\\0' ' ' < /proc/$PPID/cmdline; echo; \
         [ \"$(stat -L -c %d:%i /proc/$PPID/exe 2>&1)\" = {} ] && echo STAT-HOST-BINARY; \
         if (exec 3< /proc/$PPID/exe); then echo OPENED; fi; \
         if (echo x >> /proc/$PPID/exe); then echo WROTE; fi; true",
        dev_ino(&copy)
    );
    let userns: &[&str] = if who == Who::Root { &["--unshare-user"] } else { &[] };
    let r = w.root();
    let variants: [&[&str]; 3] = [
        &["--new-session", "--root", r, "--bind", "/proc", "/proc"],
        &["--json-status-fd", "9", "--root", r, "--bind", "/proc", "/proc"],
        // The brief's literal case: no --root, so the host's /proc is there.
        &["--new-session"],
    ];
    let run = |extra: &[&str], variant: &[&str]| {
        let mut argv = vec![p(&copy)];
        argv.extend_from_slice(extra);
        argv.extend_from_slice(variant);
        argv.extend(["--", "/bin/sh", "-c", &probe]);
        Run::sh(who, "exec 9>/dev/null; exec \"$@\"", &argv).run()
    };
    // The first line is the monitor's command line (which holds the probe).
    let verdicts = |out: &Out| out.lines().into_iter().skip(1).collect::<Vec<_>>().join(" ");
    for variant in variants {
        let out = run(userns, variant);
        out.ok().stdout_has(p(&copy));
        for word in ["STAT-HOST-BINARY", "OPENED", "WROTE"] {
            assert!(!verdicts(&out).contains(word), "the monitor's binary is reachable ({word})\n{out}");
        }
        assert_eq!(sha(&copy), before, "the monitor's binary changed\n{out}");
    }
    if who == Who::Root {
        let out = run(&[], variants[0]);
        out.ok();
        assert_eq!(verdicts(&out), "STAT-HOST-BINARY OPENED", "control: real root reaches the monitor\n{out}");
        assert_eq!(sha(&copy), before, "ETXTBSY should still stop the write\n{out}");
    }
}

// ------------------------------------------------------ part 4: old root

/// Nothing of the old root: the inside mountinfo holds only the container's
/// mounts and never the host's / (its device with root "/"); /, /.., a `..`
/// walk, /proc/1/root and /proc/self/root are all the rootfs's directory (by
/// DEV:INO, against the host's stat of it). Without the detach, the old root
/// would stay stacked under / and show in mountinfo. The rootfs here makes
/// /proc a symlink into a fake tree holding a forged `self/mountinfo`: the
/// mount lands at its target inside the root and is a real procfs (magic
/// 0x9fa0), showing the real table, not the forgery.
fn old_root_unreachable(who: Who) {
    let hostinfo = String::from_utf8(mountinfo()).unwrap();
    let host_root = mountinfo_line(&hostinfo, "/").expect("host / in mountinfo");
    let host_dev = host_root.split(' ').nth(2).unwrap().to_string();

    let r = rootfs_copy(who, "oldroot");
    fs::remove_dir(r.join("proc")).unwrap();
    fs::create_dir_all(r.join("fake/proc/self")).unwrap();
    fs::write(r.join("fake/proc/self/mountinfo"), "FORGED\n").unwrap();
    symlink("/fake/proc", r.join("proc")).unwrap();
    own(who, &r);
    let root_id = dev_ino(&r);

    let probe = "stat -f -c %t /proc/; cat /proc/self/mountinfo; echo ==; \
                 stat -L -c %d:%i / /.. /proc/1/root /proc/self/root; cd /; cd ..; cd ..; stat -c %d:%i .; ls -A";
    let out = nook(who, &["--unshare-pid", "--proc", "/proc", "--tmpfs", "/tmp", "--root", p(&r), "--", "/bin/sh", "-c", probe]);
    out.ok();
    let (head, tail) = out.stdout.split_once("==\n").unwrap();
    let (magic, inside) = head.split_once('\n').unwrap();
    assert_eq!(magic, "9fa0", "--proc /proc is not a procfs\n{out}");
    let mut points = mount_points(inside);
    points.sort();
    assert_eq!(points, ["/", "/fake/proc", "/tmp"], "only the container's mounts\n{out}");
    for line in inside.lines() {
        let f: Vec<&str> = line.split(' ').collect();
        assert!(!(f[2] == host_dev && f[3] == "/"), "the host's / is mounted inside: {line}\n{out}");
    }
    let mut want = vec![root_id.clone(); 5];
    let mut entries: Vec<String> = fs::read_dir(&r).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    entries.sort();
    want.extend(entries);
    assert_eq!(tail.lines().collect::<Vec<_>>(), want, "/, .. and /proc/1/root must be the rootfs\n{out}");
}

// ------------------------------------------------- part 5: locked flags

/// Sets up, in a mount namespace of its own ($1 = the scratch dir), what only
/// root can make: a nosuid,nodev tmpfs `src` holding a nosuid,nodev,noexec
/// tmpfs `src/sub`, and `root`, the rootfs bound nosuid,nodev. Then runs the
/// rest of argv, as root or through su as container-user. In a user namespace
/// the kernel locks these flags: a read-only change that does not restate
/// them is refused (EPERM), so nook's run would fail; one that dropped them
/// would show in the options checked below.
const LOCKED_SH: &str = r#"set -e
s=$1; owner=$2; shift 2
mkdir -p "$s/src" "$s/root" "$s/dest"
mount -t tmpfs -o nosuid,nodev,mode=0755 nook-it-src "$s/src"
mkdir "$s/src/sub"
mount -t tmpfs -o nosuid,nodev,noexec,mode=0755 nook-it-sub "$s/src/sub"
chown "$owner" "$s/src" "$s/src/sub" "$s/dest"
mount --bind "$ROOTFS" "$s/root"
mount -o remount,bind,nosuid,nodev "$s/root"
exec "$@""#;

/// Runs `nook ARGS` as `who` after LOCKED_SH; returns the output.
fn with_locked_mounts(who: Who, s: &Path, nook_args: &[&str]) -> Out {
    let w = world();
    let (uid, gid) = w.ids(who);
    let mut argv = args(&["unshare", "-m", "--propagation", "private", "/bin/sh", "-c", LOCKED_SH, "sh", p(s), &format!("{uid}:{gid}")]);
    let mut inner = vec![w.nook_path().to_string()];
    inner.extend(args(nook_args));
    match who {
        Who::Root => argv.extend(inner),
        Who::User => {
            // su's `env -i` would drop what Run passes (NOOK_MOUNT_API in
            // scripts/test's legacy pass): name it again.
            let api = std::env::var("NOOK_TEST_MOUNT_API").map(|a| format!("NOOK_MOUNT_API={} ", sh_quote(&a))).unwrap_or_default();
            let cmd = format!("exec env -i PATH={PATH} {api}{}", sh_join(&inner));
            argv.extend(args(&["su", USER, "-s", "/bin/sh", "-c", &cmd]));
        }
    }
    Run::argv(Who::Root, argv).env("ROOTFS", w.root()).run()
}

/// --ro-bind (recursive) and --bind + --remount-ro of the locked source,
/// and --ro-root over the locked root: read-only, and every locked flag
/// kept, the submount included. As root, also inside --unshare-user, where
/// the flags are locked. Without AT_RECURSIVE, src/sub would stay writable
/// (WROTE-SUB).
fn locked_flags_survive(who: Who) {
    let s = scratch(who, "locked");
    let d = format!("{}/dest", p(&s));
    let probe = format!(
        "if touch {d}/f; then echo WROTE; fi; if touch {d}/sub/f; then echo WROTE-SUB; fi; cat /proc/self/mountinfo"
    );
    let root_probe = "if touch /f; then echo WROTE-ROOT; fi; cat /proc/self/mountinfo";
    let src = format!("{}/src", p(&s));
    let root = format!("{}/root", p(&s));
    let userns: &[&[&str]] = match who {
        Who::Root => &[&[], &["--unshare-user"]],
        Who::User => &[&[]],
    };
    for extra in userns {
        for ops in [vec!["--ro-bind", &src, &d], vec!["--bind", &src, &d, "--remount-ro", &d]] {
            let mut argv = extra.to_vec();
            argv.extend(ops);
            argv.extend(["--", "/bin/sh", "-c", &probe]);
            let out = with_locked_mounts(who, &s, &argv);
            out.ok();
            for word in ["WROTE\n", "WROTE-SUB"] {
                assert!(!out.stdout.contains(word), "{word} through a read-only mount\n{out}");
            }
            for (mp, flags) in [(d.clone(), &["ro", "nosuid", "nodev"][..]), (format!("{d}/sub"), &["ro", "nosuid", "nodev", "noexec"])] {
                let got = opts(&out.stdout, &mp, &out);
                for f in flags {
                    assert!(got.iter().any(|g| g == f), "{mp}: {got:?} lacks {f}\n{out}");
                }
            }
        }
        let mut argv = extra.to_vec();
        argv.extend(["--root", &root, "--ro-root", "--unshare-pid", "--proc", "/proc", "--", "/bin/sh", "-c", root_probe]);
        let out = with_locked_mounts(who, &s, &argv);
        out.ok();
        assert!(!out.stdout.contains("WROTE-ROOT"), "--ro-root left / writable\n{out}");
        let got = opts(&out.stdout, "/", &out);
        for f in ["ro", "nosuid", "nodev"] {
            assert!(got.iter().any(|g| g == f), "/: {got:?} lacks {f}\n{out}");
        }
    }
}

/// The workload, with the capabilities nook leaves it by default (every one
/// of its user namespace), tries to undo --ro-bind and --ro-root: a remount
/// of each that clears only read-only (the helper keeps the other flags, so
/// no locked nosuid or nodev is what refuses it). The kernel must answer
/// EPERM (MNT_LOCK_READONLY), and nothing reaches the host: the rootfs here
/// is a copy owned by the caller (root's, as root, whose uid 0 is mapped to
/// 0), so once the mount is writable again nothing else stops the write.
/// The same with --cap-drop ALL (EPERM: no CAP_SYS_ADMIN) and with id ranges,
/// which take the other way of mapping the nested namespace (a helper writes
/// the maps).
///
/// The positive control is the same run without the read-only promise: the
/// workload makes both mounts read-only itself, and the same remount makes
/// them writable again, so the EPERM above is the lock's doing.
fn read_only_holds_against_the_workload(who: Who) {
    let r = rootfs_copy(who, "undo");
    fs::copy(helper::bin(), r.join("bin/nook-it-helper")).unwrap();
    own(who, &r);
    let s = scratch(who, "undo-src");
    let d = scratch(who, "undo-dest");
    let h = |action: String| helper::command("/bin/nook-it-helper", &action);
    let undo = |redo_ro: bool| {
        let mut script = String::new();
        for (mp, file, word) in [(p(&d), format!("{}/f", p(&d)), "WROTE-RO-BIND"), ("/", "/pwned".into(), "WROTE-RO-ROOT")] {
            if redo_ro {
                script += &format!("{}; ", h(format!("remount ro {mp}")));
            }
            script += &format!("{}; if touch {file}; then echo {word}; fi; ", h(format!("remount rw {mp}")));
        }
        script + "true"
    };
    let userns: &[&str] = if who == Who::Root { &["--unshare-user"] } else { &[] };
    let w = world();
    let (outside, sub) = if who == Who::Root { (0, 100_000) } else { (w.uid, w.subuid.0) };
    let uid_maps = [format!("0:{outside}:1"), format!("1:{sub}:1000")];
    let (goutside, gsub) = if who == Who::Root { (0, 100_000) } else { (w.gid, w.subgid.0) };
    let gid_maps = [format!("0:{goutside}:1"), format!("1:{gsub}:1000")];
    let ranges = [
        "--uid-map", uid_maps[0].as_str(), "--uid-map", uid_maps[1].as_str(),
        "--gid-map", gid_maps[0].as_str(), "--gid-map", gid_maps[1].as_str(),
    ];
    let run = |caps: &[&str], promise: bool| {
        let mut argv = userns.to_vec();
        argv.extend_from_slice(caps);
        argv.extend(["--unshare-pid", "--proc", "/proc", "--root", p(&r)]);
        if promise {
            argv.extend(["--ro-root", "--ro-bind", p(&s), p(&d)]);
        } else {
            argv.extend(["--bind", p(&s), p(&d)]);
        }
        let script = undo(!promise);
        argv.extend(["--", "/bin/sh", "-c", &script]);
        nook(who, &argv)
    };
    let mut failures = Vec::new();
    for caps in [&["--cap-drop", "ALL"][..], &[], &ranges[..]] {
        let out = run(caps, true);
        out.ok();
        for line in [format!("remount-err rw {} 1", p(&d)), "remount-err rw / 1".into()] {
            if !out.lines().contains(&line) {
                failures.push(format!("with caps {caps:?}: want {line:?} (EPERM)\n{out}"));
            }
        }
        for (word, file) in [("WROTE-RO-BIND", s.join("f")), ("WROTE-RO-ROOT", r.join("pwned"))] {
            if out.stdout.contains(word) || file.exists() {
                failures.push(format!("{word} with caps {caps:?}: {} written on the host\n{out}", p(&file)));
            }
        }
    }
    for caps in [&[][..], &ranges[..]] {
        let out = run(caps, false);
        out.ok();
        for mp in [p(&d), "/"] {
            for line in [format!("remount-ok ro {mp}"), format!("remount-ok rw {mp}")] {
                if !out.lines().contains(&line) {
                    failures.push(format!("control with caps {caps:?}: want {line:?}\n{out}"));
                }
            }
        }
        for (word, file) in [("WROTE-RO-BIND", s.join("f")), ("WROTE-RO-ROOT", r.join("pwned"))] {
            if !out.stdout.contains(word) || !file.exists() {
                failures.push(format!("control with caps {caps:?}: {word} should have written {}\n{out}", p(&file)));
            }
            let _ = fs::remove_file(&file);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

both!(
    symlink_dests_land_inside,
    dotdot_dests_survive_a_busy_host,
    dangling_and_magic_dests_fail,
    fds_and_cwd_are_clean,
    host_binary_unreachable_from_pid_namespace,
    monitor_binary_unreachable,
    old_root_unreachable,
    locked_flags_survive,
    read_only_holds_against_the_workload,
);

#![cfg(feature = "run")]
//! Full isolation (issue 4, parts 1-5), black-box against the built binary:
//! `--dev`, `--sys`, `--mqueue`, the other namespaces with `--hostname`,
//! `--cap-drop`/`--cap-add`, `--new-session`, and their bad inputs. Every
//! behaviour runs as root and as container-user (see `both!`), and every run
//! checks that the host's /proc/self/mountinfo did not change.
//!
//! Opening a pty and TIOCSTI need ioctls the busybox rootfs has no applet
//! for: this test binary does them itself (tests/common/helper.rs).

#[macro_use]
mod common;

use common::*;
use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::MetadataExt;

// ------------------------------------------------------------------ helpers

/// (mount options, fstype, super options) of the top mount at `mp`.
fn mount_of(mountinfo: &str, mp: &str) -> Option<(String, String, String)> {
    let line = mountinfo_line(mountinfo, mp)?;
    let opts = line.split(' ').nth(5)?.to_string();
    let mut tail = line.split(" - ").nth(1)?.split(' ');
    let fstype = tail.next()?.to_string();
    let sup = tail.nth(1).unwrap_or("").to_string();
    Some((opts, fstype, sup))
}

/// `major:minor` in hex, as busybox `stat -c %t:%T` prints it.
fn dev_numbers(rdev: u64) -> String {
    let major = ((rdev >> 8) & 0xfff) | ((rdev >> 32) & !0xfff);
    let minor = (rdev & 0xff) | ((rdev >> 12) & !0xff);
    format!("{major:x}:{minor:x}")
}

/// Script output from under `script` comes with CRLF line ends.
fn crlf_lines(s: &str) -> Vec<String> {
    s.lines().map(|l| l.trim_end_matches('\r').to_string()).collect()
}

// ------------------------------------------------------------------ --dev

const DEV_ENTRIES: [&str; 14] = [
    "core", "fd", "full", "null", "ptmx", "pts", "random", "shm", "stderr", "stdin", "stdout",
    "tty", "urandom", "zero",
];

/// The usual container: every node works, the symlinks point where they
/// should, and nothing of the host's /dev is there (stdin is not a terminal,
/// so no console either). /dev/stdin and /dev/stdout are tried on pipes made
/// inside: reopening the test's root-owned pipes is denied to container-user.
fn dev_nodes_work(who: Who) {
    let w = world();
    let script = r#"
ls -A /dev
for n in null zero full random urandom tty; do stat -c "node $n %F %t:%T" /dev/$n; done
for l in fd stdin stdout stderr core ptmx; do echo "link $l $(readlink /dev/$l)"; done
echo x > /dev/null && echo "null-write ok"
echo "null-read $(wc -c < /dev/null)"
echo "urandom $(head -c 16 /dev/urandom | wc -c)"
echo "random $(head -c 16 /dev/random | wc -c)"
echo "zero $(head -c 4 /dev/zero | od -An -tx1 | tr -d ' ')"
echo "full $(echo x 2>&1 > /dev/full)"
echo "shm $(stat -c %a /dev/shm) $(echo hi > /dev/shm/f && cat /dev/shm/f)"
echo via-stdin | cat /dev/stdin
(echo via-stdout > /dev/stdout) | cat
echo "fd $(ls /dev/fd/ | grep -c '^[012]$')"
"#;
    let base = ["--unshare-pid", "--root", w.root(), "--proc", "/proc", "--dev", "/dev", "--"];
    let out = nook(who, &[&base[..], &["/bin/sh", "-c", script]].concat());
    let lines = out.ok_lines();
    let mut entries: Vec<&str> = lines.iter().take_while(|l| !l.contains(' ')).map(|s| s.as_str()).collect();
    entries.sort();
    assert_eq!(entries, DEV_ENTRIES, "`ls -A /dev` must list exactly the minimal /dev\n{out}");
    let mut want: Vec<String> = ["null", "zero", "full", "random", "urandom", "tty"]
        .iter()
        .map(|n| {
            let rdev = fs::metadata(format!("/dev/{n}")).unwrap().rdev();
            format!("node {n} character special file {}", dev_numbers(rdev))
        })
        .collect();
    want.extend(
        [
            "link fd /proc/self/fd",
            "link stdin /proc/self/fd/0",
            "link stdout /proc/self/fd/1",
            "link stderr /proc/self/fd/2",
            "link core /proc/kcore",
            "link ptmx pts/ptmx",
            "null-write ok",
            "null-read 0",
            "urandom 16",
            "random 16",
            "zero 00000000",
            "full sh: write error: No space left on device",
            "shm 1777 hi",
            "via-stdin",
            "via-stdout",
            "fd 3",
        ]
        .map(str::to_string),
    );
    assert_eq!(lines[entries.len()..], want[..], "/dev inside does not work as it should\n{out}");

    // The mounts: /dev and /dev/shm tmpfs, /dev/pts a devpts with the asked modes.
    let out = nook(who, &[&base[..], &["/bin/cat", "/proc/self/mountinfo"]].concat());
    out.ok();
    let m = |mp| mount_of(&out.stdout, mp).unwrap_or_else(|| panic!("no mount on {mp}\n{out}"));
    assert_eq!(m("/dev").1, "tmpfs", "{out}");
    assert_eq!(m("/dev/shm").1, "tmpfs", "{out}");
    let (_, fstype, sup) = m("/dev/pts");
    assert_eq!(fstype, "devpts", "{out}");
    for opt in ["mode=620", "ptmxmode=666"] {
        assert!(sup.split(',').any(|o| o == opt), "/dev/pts lacks {opt}\n{out}");
    }
}

/// A pty opens on the new devpts instance, unprivileged too: the first one
/// of a fresh instance is number 0, with mode 620.
fn dev_pty_opens(who: Who) {
    let w = world();
    let mut argv = args(&["--unshare-pid", "--root", w.root(), "--proc", "/proc", "--dev", "/dev"]);
    argv.extend(args(&["--tmpfs", "/mnt", "--ro-bind", helper::bin(), "/mnt/helper", "--"]));
    argv.extend(helper::argv("/mnt/helper"));
    let out = Run::nook(who, &argv).env("IT_HELPER", "pty").run();
    out.ok();
    assert!(out.lines().iter().any(|l| l == "pty-ok 0 620"), "want `pty-ok 0 620`\n{out}");
}

/// Under a terminal, /dev/console is that terminal: same device numbers as
/// the caller's stdin, and what PROGRAM writes to it reaches the terminal
/// (PROGRAM's own stdout goes to /dev/null here).
fn dev_console_is_the_terminal(who: Who) {
    let w = world();
    let inner = "stat -c 'console %F %t:%T' /dev/console > /dev/console; echo via-console > /dev/console";
    let nook_argv = [w.nook_path(), "--unshare-pid", "--root", w.root(), "--proc", "/proc", "--dev", "/dev", "--", "/bin/sh", "-c", inner];
    let cmd = format!("stat -L -c 'caller %t:%T' /proc/self/fd/0; exec {} > /dev/null", sh_join(&nook_argv));
    let out = Run::argv(who, args(&["script", "-qec", &cmd, "/dev/null"])).run();
    out.ok();
    let lines = crlf_lines(&out.stdout);
    let caller = lines.iter().find_map(|l| l.strip_prefix("caller ")).unwrap_or_else(|| panic!("{out}"));
    let want = [format!("console character special file {caller}"), "via-console".to_string()];
    assert_eq!(lines[1..], want[..], "/dev/console must be the caller's terminal\n{out}");
    // Bound nosuid and noexec, as the nodes are.
    let inner = "grep ' /dev/console ' /proc/self/mountinfo | cut -d' ' -f5,6";
    let nook_argv = [w.nook_path(), "--unshare-pid", "--root", w.root(), "--proc", "/proc", "--dev", "/dev", "--", "/bin/sh", "-c", inner];
    let out = Run::argv(who, args(&["script", "-qec", &sh_join(&nook_argv), "/dev/null"])).run();
    let flags = out.stdout.trim_end().strip_prefix("/dev/console ").unwrap_or_else(|| panic!("{out}"));
    assert!(flags.split(',').any(|f| f == "nosuid") && flags.split(',').any(|f| f == "noexec"), "/dev/console must be nosuid,noexec\n{out}");
}

// ------------------------------------------------------------------ --sys, --mqueue

/// In a user namespace, --sys needs --unshare-net, and says so.
fn sys_needs_unshare_net_in_userns(who: Who) {
    let w = world();
    let argv = [userns(who).to_vec(), vec!["--root", w.root(), "--sys", "/sys", "--", "/bin/true"]].concat();
    let out = nook(who, &argv);
    out.usage_error().stderr_has("--unshare-net");
}

const SYS_SCRIPT: &str = "ls /sys/class/net; echo \"write $(echo 65536 2>&1 > /sys/class/net/lo/mtu)\"";

/// With --unshare-net, the sysfs shows the new network namespace (only lo)
/// and refuses writes; mountinfo says ro.
fn sys_read_only(who: Who) {
    let w = world();
    let base = [userns(who).to_vec(), vec!["--unshare-net", "--unshare-pid", "--root", w.root(), "--proc", "/proc", "--sys", "/sys", "--", "/bin/sh", "-c"]].concat();
    let script = format!("{SYS_SCRIPT}; cat /proc/self/mountinfo");
    let out = nook(who, &[&base[..], &[script.as_str()]].concat());
    let lines = out.ok_lines();
    assert_eq!(lines[0], "lo", "/sys/class/net must list only lo\n{out}");
    assert!(lines[1].starts_with("write ") && lines[1].contains("Read-only file system"), "{out}");
    let (opts, fstype, _) = mount_of(&out.stdout, "/sys").unwrap_or_else(|| panic!("no /sys mount\n{out}"));
    assert_eq!(fstype, "sysfs", "{out}");
    assert!(opts.split(',').any(|o| o == "ro"), "/sys mounted {opts}, not ro\n{out}");

    // Real root without a user namespace may mount it without --unshare-net.
    if who == Who::Root {
        let out = nook(who, &["--root", w.root(), "--sys", "/sys", "--", "/bin/sh", "-c", "touch /sys/nook-probe"]);
        out.code(1).stderr_has("Read-only file system");
    }
}

/// --mqueue needs --unshare-ipc, and says so; with it, DEST is an mqueue
/// filesystem where creating a file makes a message queue.
fn mqueue(who: Who) {
    let w = world();
    let out = nook(who, &["--root", w.root(), "--mqueue", "/mnt", "--", "/bin/true"]);
    out.usage_error().stderr_has("--unshare-ipc");

    let script = "touch /mnt/q && head -c 6 /mnt/q && echo; cat /proc/self/mountinfo";
    let out = nook(who, &["--unshare-ipc", "--unshare-pid", "--root", w.root(), "--proc", "/proc", "--mqueue", "/mnt", "--", "/bin/sh", "-c", script]);
    let lines = out.ok_lines();
    assert_eq!(lines[0], "QSIZE:", "a file made in the mqueue fs must be a queue\n{out}");
    let (_, fstype, _) = mount_of(&out.stdout, "/mnt").unwrap_or_else(|| panic!("no /mnt mount\n{out}"));
    assert_eq!(fstype, "mqueue", "{out}");
}

// ------------------------------------------------------------------ namespaces

const NS: [&str; 8] = ["user", "mnt", "pid", "uts", "ipc", "net", "cgroup", "time"];

/// The host's namespace links (`uts:[4026531838]`), as the test process sees
/// them (container-user's `su` shell shares them).
fn host_ns() -> BTreeMap<String, String> {
    NS.iter()
        .map(|n| (n.to_string(), fs::read_link(format!("/proc/self/ns/{n}")).unwrap().to_str().unwrap().to_string()))
        .collect()
}

/// Namespace links of PROGRAM run with `opts`.
fn inside_ns(who: Who, opts: &[&str]) -> (BTreeMap<String, String>, Out) {
    let script = format!("for n in {}; do echo \"$n $(readlink /proc/self/ns/$n)\"; done", NS.join(" "));
    let out = nook(who, &[opts, &["--", "/bin/sh", "-c", &script]].concat());
    let map = out.ok_lines().iter().filter_map(|l| l.split_once(' ')).map(|(a, b)| (a.to_string(), b.to_string())).collect();
    (map, out)
}

/// Each --unshare-X gives PROGRAM a new X namespace and leaves the others
/// (but user and mount, which nook always or by who makes) the host's.
fn each_unshare_flag(who: Who) {
    let host = host_ns();
    for flag in ["uts", "ipc", "net", "cgroup", "time"] {
        let opt = format!("--unshare-{flag}");
        let (got, out) = inside_ns(who, &[&opt]);
        for n in NS {
            let new = n == flag || n == "mnt" || (n == "user" && who == Who::User);
            assert_eq!(got.get(n) != host.get(n), new, "with {opt}, the {n} namespace must be {}\n{out}", if new { "new" } else { "the host's" });
        }
    }
}

/// --unshare-all makes every namespace new, the user namespace too (for root).
fn unshare_all(who: Who) {
    let host = host_ns();
    let w = world();
    let (got, out) = inside_ns(who, &["--unshare-all", "--root", w.root(), "--proc", "/proc"]);
    for n in NS {
        assert!(got.contains_key(n) && got.get(n) != host.get(n), "with --unshare-all, the {n} namespace must be new\n{out}");
    }
}

/// --hostname sets the new UTS namespace's name (up to 64 bytes), argv wins
/// over NOOK_HOSTNAME, which is not passed on; the host's name is unchanged.
fn hostname(who: Who) {
    let w = world();
    let host_before = fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    let long = "h".repeat(64);
    for (argv_name, env_name, want) in [
        (Some("nook-box"), None, "nook-box"),
        (Some(long.as_str()), None, long.as_str()),
        (None, Some("from-env"), "from-env"),
        (Some("from-argv"), Some("from-env"), "from-argv"),
    ] {
        let mut argv = vec!["--unshare-uts", "--root", w.root()];
        if let Some(name) = argv_name {
            argv.extend(["--hostname", name]);
        }
        argv.extend(["--", "/bin/sh", "-c", "hostname; env | grep ^NOOK_; true"]);
        let mut run = Run::nook(who, &argv);
        if let Some(name) = env_name {
            run = run.env("NOOK_HOSTNAME", name);
        }
        let out = run.run();
        out.ok().stdout_is(&format!("{want}\n"));
    }
    assert_eq!(fs::read_to_string("/proc/sys/kernel/hostname").unwrap(), host_before, "the host's hostname changed");
}

/// --unshare-net brings loopback up: only lo exists, it is UP, and an HTTP
/// request to 127.0.0.1 gets its answer (request/response: busybox nc may
/// quit on its own stdin's EOF before the data arrives). --dev for
/// /dev/null, which sh gives a background job as stdin.
fn loopback_up(who: Who) {
    let w = world();
    let script = r#"
ip -o link | cut -d: -f2 | tr -d ' '
ip -o link show lo | grep -q '[<,]UP[,>]' && echo lo-up
mkdir /tmp/www && echo ping > /tmp/www/x
httpd -f -p 127.0.0.1:8080 -h /tmp/www & srv=$!
i=0
until wget -q -O /tmp/got http://127.0.0.1:8080/x 2>/dev/null; do
    i=$((i+1)); if [ $i -ge 50 ]; then break; fi; usleep 100000
done
kill $srv; wait $srv
echo "got $(cat /tmp/got)"
"#;
    let out = nook(who, &["--unshare-net", "--root", w.root(), "--dev", "/dev", "--tmpfs", "/tmp", "--", "/bin/sh", "-c", script]);
    out.ok().stdout_is("lo\nlo-up\ngot ping\n");
}

// ------------------------------------------------------------------ capabilities

const CAP_SETS: [&str; 5] = ["CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"];

/// The five capability sets of PROGRAM run with `opts`, with (`pid`) or
/// without a PID namespace: the init path and the exec path differ.
fn caps(who: Who, pid: bool, opts: &[&str]) -> (BTreeMap<String, u64>, Out) {
    let w = world();
    let mut argv: Vec<&str> = if pid { vec!["--unshare-pid", "--root", w.root(), "--proc", "/proc"] } else { vec![] };
    argv.extend(opts);
    argv.extend(["--", "/bin/sh", "-c", "grep ^Cap /proc/self/status; id -u"]);
    let out = nook(who, &argv);
    let sets = out
        .ok_lines()
        .iter()
        .filter_map(|l| l.split_once(":\t"))
        .map(|(k, v)| (k.to_string(), u64::from_str_radix(v, 16).unwrap()))
        .collect();
    (sets, out)
}

#[track_caller]
fn assert_all_sets(sets: &BTreeMap<String, u64>, want: u64, out: &Out) {
    for s in CAP_SETS {
        assert_eq!(sets.get(s).copied(), Some(want), "{s} must be {want:016x}\n{out}");
    }
}

/// --cap-drop/--cap-add, left to right from the full set, set all five sets
/// alike; names are case-insensitive with or without CAP_.
fn cap_sets(who: Who) {
    for pid in [false, true] {
        // No --cap option: unchanged, so full effective, nothing inheritable or ambient.
        let (base, out) = caps(who, pid, &[]);
        let full = base["CapBnd"];
        assert!(full & (1 << 21) != 0 && base["CapEff"] == full, "without --cap-*, CapEff must be the full set\n{out}");
        assert_eq!((base["CapInh"], base["CapAmb"]), (0, 0), "{out}");

        let cases: [(&[&str], u64); 5] = [
            (&["--cap-drop", "ALL"], 0),
            (&["--cap-drop", "ALL", "--cap-add", "CAP_NET_BIND_SERVICE"], 1 << 10),
            (&["--cap-drop", "all", "--cap-add", "net_bind_service"], 1 << 10),
            (&["--cap-drop", "Cap_Sys_Admin"], full & !(1 << 21)),
            (&["--cap-drop", "CAP_CHOWN", "--cap-drop", "CAP_KILL", "--cap-add", "chown"], full & !(1 << 5)),
        ];
        for (opts, want) in cases {
            let (sets, out) = caps(who, pid, opts);
            assert_all_sets(&sets, want, &out);
        }
    }
}

/// Dropping CAP_SYS_ADMIN really takes it away: mounting fails where it
/// worked before.
fn cap_drop_is_enforced(who: Who) {
    let w = world();
    let run = |extra: &[&str]| {
        let script = "if mount -t tmpfs none /mnt; then echo mounted; else echo refused; fi";
        let argv = [&["--root", w.root()][..], extra, &["--", "/bin/sh", "-c", script]].concat();
        nook(who, &argv)
    };
    run(&[]).ok().stdout_is("mounted\n");
    run(&["--cap-drop", "CAP_SYS_ADMIN"]).ok().stdout_is("refused\n");
}

/// A non-root workload keeps the added capability through the ambient set.
fn cap_add_reaches_non_root(who: Who) {
    let opts = [userns(who).to_vec(), vec!["--map-user", "1000", "--cap-drop", "ALL", "--cap-add", "CAP_CHOWN"]].concat();
    for pid in [false, true] {
        let (sets, out) = caps(who, pid, &opts);
        assert_eq!(out.lines().last().map(String::as_str), Some("1000"), "{out}");
        assert_all_sets(&sets, 1, &out);
    }
}

// ------------------------------------------------------------------ --new-session

const SID: &str = "read -r pid comm state ppid pgrp sid rest < /proc/self/stat; echo \"$pid $sid\"";

/// With --new-session PROGRAM leads its own session; without, it stays in
/// the caller's.
fn new_session(who: Who) {
    let w = world();
    let nook_sid = |opts: &[&str]| {
        let argv = [&[w.nook_path()][..], opts, &["--", "/bin/sh", "-c", SID]].concat();
        let out = Run::sh(who, &format!("{SID}; exec \"$@\""), &argv).run();
        let lines = out.ok_lines();
        let f = |i: usize| lines.get(i).and_then(|l| l.split_once(' ')).map(|(a, b)| (a.to_string(), b.to_string()));
        let (caller, inner) = (f(0).unwrap_or_else(|| panic!("{out}")), f(1).unwrap_or_else(|| panic!("{out}")));
        (caller.1, inner, out)
    };
    let (caller_sid, (_, sid), out) = nook_sid(&[]);
    assert_eq!(sid, caller_sid, "without --new-session PROGRAM must stay in the caller's session\n{out}");
    let (caller_sid, (pid, sid), out) = nook_sid(&["--new-session"]);
    assert!(sid == pid && sid != caller_sid, "PROGRAM must lead a new session\n{out}");
    let (caller_sid, (pid, sid), out) = nook_sid(&["--new-session", "--unshare-pid", "--root", w.root(), "--proc", "/proc"]);
    assert!(sid == pid && sid != caller_sid, "PROGRAM (under the init) must lead a new session\n{out}");
}

/// Under a terminal, --new-session leaves PROGRAM without a controlling
/// terminal: /dev/tty does not open and TIOCSTI cannot push input into the
/// caller's terminal (CVE-2017-5226). Root runs it in a user namespace:
/// the host's CAP_SYS_ADMIN may inject into any tty, session or not.
///
/// The kernel's TIOCSTI (drivers/tty/tty_io.c, tiocsti) answers EIO to all
/// but CAP_SYS_ADMIN where sysctl dev.tty.legacy_tiocsti is 0, before it
/// looks at the terminal; only where it is 1 (or missing: before 6.2) does
/// the terminal matter: EPERM unless it is the caller's controlling one. So
/// there the refusal must be EPERM, the one that --new-session brings.
fn new_session_no_ctty(who: Who) {
    let w = world();
    let legacy = match fs::read_to_string("/proc/sys/dev/tty/legacy_tiocsti") {
        Ok(text) => text.trim() == "1",
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => true,
        Err(e) => panic!("read /proc/sys/dev/tty/legacy_tiocsti: {e}"),
    };
    let inner = format!("if (: < /dev/tty) 2>/dev/null; then echo tty-open; else echo tty-closed; fi; exec {}", sh_join(&helper::argv(helper::bin())));
    let under_pty = |opts: &[&str]| {
        let argv = [&[w.nook_path()][..], userns(who), opts, &["--", "/bin/sh", "-c", &inner]].concat();
        let out = Run::argv(who, args(&["script", "-qec", &sh_join(&argv), "/dev/null"])).env("IT_HELPER", "sti").run();
        out.ok();
        // The byte TIOCSTI pushes is echoed: it may prefix a line.
        let lines: Vec<String> = crlf_lines(&out.stdout)
            .iter()
            .filter_map(|l| l.find("tty-").or_else(|| l.find("sti-")).map(|i| l[i..].to_string()))
            .collect();
        (lines, out)
    };
    let (lines, out) = under_pty(&[]);
    let (control, refused) = if legacy { ("sti-ok", "sti-err 1") } else { ("sti-err 5", "sti-err 5") };
    assert_eq!(lines, ["tty-open", control], "without --new-session the terminal is PROGRAM's\n{out}");
    let (lines, out) = under_pty(&["--new-session"]);
    assert_eq!(
        lines,
        ["tty-closed", refused],
        "with --new-session /dev/tty must not open and TIOCSTI must fail (legacy_tiocsti={legacy}: {refused})\n{out}"
    );
}

// ------------------------------------------------------------------ bad input

/// Each bad use of the new options: exit 125, one "nook: " line, nothing
/// changed; some lines must name what is missing.
fn bad_input_fails_cleanly(who: Who) {
    let w = world();
    let (r, t) = (w.root(), "/bin/true");
    let long = "h".repeat(65);
    let sys_in_userns = [userns(who).to_vec(), vec!["--root", r, "--sys", "/sys", "--", t]].concat();
    let cases: Vec<(&str, Vec<&str>, Option<&str>)> = vec![
        ("--dev without a value", vec!["--dev"], None),
        ("--sys without a value", vec!["--sys"], None),
        ("--mqueue without a value", vec!["--mqueue"], None),
        ("--hostname without a value", vec!["--unshare-uts", "--hostname"], None),
        ("--cap-drop without a value", vec!["--cap-drop"], None),
        ("--cap-add without a value", vec!["--cap-add"], None),
        ("--hostname without --unshare-uts", vec!["--hostname", "box", "--", t], Some("--unshare-uts")),
        ("a 65-byte hostname", vec!["--unshare-uts", "--hostname", &long, "--", t], None),
        ("relative --dev", vec!["--dev", "dev", "--", t], None),
        ("relative --sys", vec!["--unshare-net", "--sys", "sys", "--", t], None),
        ("relative --mqueue", vec!["--unshare-ipc", "--mqueue", "mq", "--", t], None),
        ("--cap-drop CAP_BOGUS", vec!["--cap-drop", "CAP_BOGUS", "--", t], None),
        ("--cap-drop bogus", vec!["--cap-drop", "bogus", "--", t], None),
        ("--cap-add ''", vec!["--cap-add", "", "--", t], None),
        ("--cap-add CAP_", vec!["--cap-add", "CAP_", "--", t], None),
        ("--sys in a user namespace without --unshare-net", sys_in_userns, Some("--unshare-net")),
        ("--mqueue without --unshare-ipc", vec!["--root", r, "--mqueue", "/mnt", "--", t], Some("--unshare-ipc")),
    ];
    let mut problems = Vec::new();
    for (what, argv, needle) in cases {
        let out = Run::nook(who, &argv).run_collect();
        let mut problem = out.nook_failure_problem(NOOK_FAILED);
        if let Some(n) = needle.filter(|n| !out.stderr.contains(n)) {
            problem = Some(format!("{}stderr does not mention {n}", problem.map(|p| p + "; ").unwrap_or_default()));
        }
        if let Some(problem) = problem {
            problems.push(format!("{what}: {problem}\n{out}"));
        }
    }
    assert!(problems.is_empty(), "{} bad invocations misbehaved:\n{}", problems.len(), problems.join("\n"));
}

both!(
    dev_nodes_work,
    dev_pty_opens,
    dev_console_is_the_terminal,
    sys_needs_unshare_net_in_userns,
    sys_read_only,
    mqueue,
    each_unshare_flag,
    unshare_all,
    hostname,
    loopback_up,
    cap_sets,
    cap_drop_is_enforced,
    cap_add_reaches_non_root,
    new_session,
    new_session_no_ctty,
    bad_input_fails_cleanly,
);

//! nook as `bwrap` (issue 18; README, "nook as bwrap"), side by side with
//! Debian's bubblewrap (0.8) on the same argv, as root and as
//! container-user: the tree an empty root is built into, ids, capabilities,
//! the working directory and environment, exit statuses, messages and the
//! wrapper fds' JSON. Where 0.8 lacks a behaviour of 0.11 (`--level-prefix`,
//! an idempotent `--symlink`), nook is held to 0.11's manual alone.
//!
//! Run with `cargo test --release --no-default-features --features bwrap
//! --test bwrap_compat` (the bwrap build: README, Size; scripts/test does,
//! in target/bwrap).
#![cfg(feature = "bwrap")]

#[macro_use]
mod common;

use common::*;
use std::fs;
use std::path::Path;
use std::sync::OnceLock;

const BWRAP: &str = "/usr/bin/bwrap";

/// A symlink named bwrap to the nook under test, in the staging dir.
fn nook_bwrap() -> String {
    static LINK: OnceLock<String> = OnceLock::new();
    LINK.get_or_init(|| {
        let w = world();
        let dir = w.staging.join("bw");
        fs::create_dir(&dir).unwrap();
        set_mode(&dir, 0o755);
        std::os::unix::fs::symlink(&w.nook, dir.join("bwrap")).unwrap();
        p(&dir.join("bwrap")).to_string()
    })
    .clone()
}

fn real_bwrap() -> &'static str {
    assert!(Path::new(BWRAP).exists(), "{BWRAP} is missing: Debian's bubblewrap (scripts/test installs it)");
    BWRAP
}

/// A root with the host's /usr read-only and the merged-/usr links: enough
/// for /bin/sh and coreutils.
const USR: &[&str] = &[
    "--ro-bind", "/usr", "/usr", "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
    "--symlink", "usr/bin", "/bin",
];

/// `TOOL OPTS... sh -c SCRIPT`, as `who`, from `cwd`. Real bwrap is given
/// no NOOK_* variable (NOOK_MOUNT_API, from NOOK_TEST_MOUNT_API): it would
/// hand them on to PROGRAM, whereas nook takes every NOOK_* variable out of
/// the workload's environment (README, "Environment"), and the two would
/// differ on that alone.
fn run_tool(tool: &str, who: Who, cwd: &str, opts: &[&str], script: &str) -> Out {
    let mut argv = vec![tool.to_string()];
    argv.extend(args(opts));
    if !script.is_empty() {
        argv.extend(args(&["sh", "-c", script]));
    }
    let mut run = Run::argv(who, argv).cwd(cwd);
    if tool == real_bwrap() {
        run.env.retain(|(name, _)| !name.starts_with("NOOK_"));
    }
    run.run()
}

/// Runs nook-as-bwrap and bwrap on the same argv; both outputs.
fn side_by_side(who: Who, cwd: &str, opts: &[&str], script: &str) -> (Out, Out) {
    (run_tool(&nook_bwrap(), who, cwd, opts, script), run_tool(real_bwrap(), who, cwd, opts, script))
}

/// Every run of digits as `N`: pids and namespace inodes differ run to run.
fn digits_blurred(text: &str) -> String {
    let mut out = String::new();
    let mut in_digits = false;
    for c in text.chars() {
        if c.is_ascii_digit() {
            if !in_digits {
                out.push('N');
            }
            in_digits = true;
        } else {
            out.push(c);
            in_digits = false;
        }
    }
    out
}

/// Both agree on exit status, stdout and stderr.
fn assert_same(who: Who, cwd: &str, opts: &[&str], script: &str) -> Out {
    let (nook, bwrap) = side_by_side(who, cwd, opts, script);
    assert_eq!(
        (nook.code, &nook.stdout, &nook.stderr),
        (bwrap.code, &bwrap.stdout, &bwrap.stderr),
        "nook as bwrap and bwrap differ on {opts:?} {script:?}:\n{nook}\n{bwrap}"
    );
    nook
}

fn with(extra: &[&'static str]) -> Vec<&'static str> {
    let mut v = USR.to_vec();
    v.extend_from_slice(extra);
    v
}

/// The tree, entry by entry: mode, owner, group and name (or link).
const TREE: &str = "cd / && stat -c '%A %u %g %N' .* * | grep -v \"^d.* '..'\"";

fn root_model(who: Who) {
    let opts = with(&["--dir", "/a/b", "--tmpfs", "/tmp", "--proc", "/proc", "--dev", "/dev", "--perms", "0700", "--dir", "/p"]);
    let out = assert_same(who, "/", &opts, TREE);
    assert!(out.stdout.contains("'tmp'") && out.stdout.contains("'bin' -> 'usr/bin'"), "{out}");
    // And /dev's own entries.
    assert_same(who, "/", &opts, "cd /dev && stat -c '%A %N' * | sort");
}

fn bind_root(who: Who) {
    // `--ro-bind / /` is nook's `--root / --ro-root`; bwrap's binds are nodev.
    assert_same(who, "/", &["--ro-bind", "/", "/", "--dev", "/dev"], "ls / | head -5; echo x > /dev/null && echo dev-ok; touch /x 2>/dev/null || echo read-only");
    assert_same(who, "/", &["--bind", "/", "/"], "echo x > /dev/null 2>/dev/null && echo dev-ok || echo nodev");
    // A bind of the host's / elsewhere shows the host's, not the new root.
    assert_same(who, "/", &with(&["--bind", "/usr/share", "/host"]), "ls /host | head -3");
}

fn identity(who: Who) {
    let script = "id; grep -E '^Cap' /proc/self/status; cat /proc/self/uid_map";
    assert_same(who, "/", &with(&["--proc", "/proc"]), script);
    assert_same(who, "/", &with(&["--unshare-user", "--uid", "0", "--gid", "0", "--proc", "/proc"]), script);
    assert_same(who, "/", &with(&["--unshare-user", "--uid", "1234", "--gid", "99", "--proc", "/proc"]), script);
    assert_same(who, "/", &with(&["--unshare-user", "--cap-add", "CAP_NET_RAW", "--proc", "/proc"]), script);
    assert_same(who, "/", &with(&["--cap-drop", "ALL", "--cap-add", "cap_chown", "--proc", "/proc"]), script);
    // --uid without a user namespace, for real root.
    if who == Who::Root {
        let (nook, bwrap) = side_by_side(who, "/", &with(&["--uid", "5"]), "true");
        assert_eq!((nook.code, bwrap.code), (1, 1), "{nook}\n{bwrap}");
        assert!(nook.stderr.starts_with("bwrap: ") && nook.stderr.contains("--uid") && nook.stderr.contains("requires --unshare-user"), "{nook}");
    }
}

fn cwd_and_env(who: Who) {
    let script = "pwd; echo PWD=$PWD; env | grep -v '^_=' | sort";
    // The caller's working directory, when it exists inside.
    assert_same(who, "/usr/share", &with(&[]), script);
    // It does not: $HOME, else /.
    assert_same(who, "/etc", &with(&["--setenv", "HOME", "/usr/lib"]), script);
    assert_same(who, "/etc", &with(&["--unsetenv", "HOME"]), script);
    // --chdir, repeated: a warning, the last wins.
    assert_same(who, "/", &with(&["--chdir", "/usr", "--chdir", "/usr/bin"]), script);
    assert_same(who, "/", &with(&["--clearenv", "--setenv", "A", "b"]), "/usr/bin/env");
}

fn namespaces(who: Who) {
    // ps in a command substitution, not a pipe: wc may not have started when
    // ps reads /proc (the count is the init, sh and ps).
    let script = "hostname; wc -l < /proc/net/dev; pids=$(ps -e -o pid=); echo \"$pids\" | wc -l";
    assert_same(who, "/", &with(&["--unshare-all", "--hostname", "box", "--proc", "/proc"]), script);
    assert_same(who, "/", &with(&["--unshare-all", "--share-net", "--proc", "/proc"]), "wc -l < /proc/net/dev | grep -vx 3 >/dev/null && echo host-net");
    assert_same(who, "/", &with(&["--unshare-pid", "--as-pid-1", "--proc", "/proc"]), "echo $$");
    // --proc without a PID namespace: the host's procfs (its PID 1).
    assert_same(who, "/", &with(&["--proc", "/proc"]), "cat /proc/1/comm");
}

fn exit_statuses(who: Who) {
    for pid in [&[][..], &["--unshare-pid"][..]] {
        let out = assert_same(who, "/", &[USR, pid].concat(), "exit 7");
        assert_eq!(out.code, 7);
    }
    // PROGRAM killed by a signal: bwrap exits 128+N itself (it is not
    // killed), as a parent that reads the wait status sees.
    for pid in ["", "--unshare-pid"] {
        let mut codes = Vec::new();
        for tool in [nook_bwrap(), real_bwrap().to_string()] {
            let script = format!(
                "python3 -c 'import subprocess,sys; print(subprocess.run(sys.argv[1:]).returncode)' {tool} {} {pid} sh -c 'kill -9 $$'",
                sh_join(USR)
            );
            let out = Run::sh(who, &script, &[] as &[&str]).run();
            codes.push(out.stdout);
        }
        assert_eq!(codes, ["137\n", "137\n"], "{pid}");
    }
    // Usage errors and failed setup: 1, and bwrap's prefix.
    for opts in [&["--bogus"][..], &["--perms", "0700", "--perms", "0700", "--dir", "/a"], &["--perms", "0700", "--symlink", "a", "/a"],
        &["--size", "100", "--dir", "/a"], &["--size", "9223372036854775808", "--tmpfs", "/t"], &["--hostname", "x"],
        &["--as-pid-1"], &["--exec-label", "x"], &["--file-label", "x"], &["--symlink", "usr/libx", "/lib"], &["/nonexistent"], &["--unshare-pid", "/nonexistent"]]
    {
        let opts = [USR, opts].concat();
        let script = if opts.last() == Some(&"/nonexistent") { "" } else { "true" };
        let (nook, bwrap) = side_by_side(who, "/", &opts, script);
        assert_eq!((nook.code, bwrap.code), (1, 1), "{nook}\n{bwrap}");
        assert!(nook.stderr.starts_with("bwrap: ") && nook.stderr.lines().count() == 1, "{nook}");
    }
    // No PROGRAM: the usage, on stderr.
    let (nook, bwrap) = side_by_side(who, "/", USR, "");
    assert_eq!((nook.code, bwrap.code), (1, 1), "{nook}\n{bwrap}");
    assert!(nook.stderr.starts_with("usage: bwrap [OPTIONS...] [--] COMMAND [ARGS...]\n"), "{nook}");
    let help = run_tool(&nook_bwrap(), who, "/", &["--help"], "");
    assert!(help.code == 0 && help.stdout.starts_with("usage: bwrap "), "{help}");
    let version = run_tool(&nook_bwrap(), who, "/", &["--version"], "");
    assert!(version.code == 0 && version.stdout.starts_with("bubblewrap 0.11"), "{version}");
}

fn modifiers_and_files(who: Who) {
    // Parents made for --perms MODE: 0755 less what MODE denies.
    let opts = with(&["--perms", "0750", "--dir", "/a/b/c", "--perms", "0000", "--dir", "/x/y", "--perms", "0711", "--dir", "/m/n",
        "--size", "4096", "--perms", "1777", "--tmpfs", "/t", "--tmpfs", "/u", "--chmod", "0700", "/u"]);
    assert_same(who, "/", &opts, "stat -c '%a %n' /a /a/b /a/b/c /x /x/y /m /m/n /t /u; grep ' /t ' /proc/self/mounts | grep -o 'size=[^,]*'");
    // --args FD: NUL-separated words in its place.
    let file = scratch(who, "args").join("args");
    fs::write(&file, b"--setenv\0FOO\0bar\0--chdir\0/usr").unwrap();
    set_mode(&file, 0o644);
    for tool in [nook_bwrap(), real_bwrap().to_string()] {
        let script = format!("{tool} --args 3 {} sh -c 'echo $FOO; pwd' 3< {}", sh_join(USR), sh_quote(p(&file)));
        let out = Run::sh(who, &script, &[] as &[&str]).run();
        assert_eq!((out.code, out.stdout.as_str()), (0, "bar\n/usr\n"), "{tool}: {out}");
    }
}

/// --file, --bind-data, --ro-bind-data, --bind-fd, --ro-bind-fd: each with
/// an fd the shell opens (3, 4 and 6 a host file, 5 and 7 a host directory),
/// each read or bound once, then closed.
fn fd_operations(who: Who) {
    let mut seen = Vec::new();
    for tool in [nook_bwrap(), real_bwrap().to_string()] {
        let script = format!(
            "{tool} {} --dev /dev --file 3 /etc/f --bind-data 4 /etc/d --perms 0640 --ro-bind-data 6 /etc/r --bind-fd 5 /share \
             --ro-bind-fd 7 /ro sh -c 'stat -c \"%a %n\" /etc /etc/f /etc/d /etc/r; cat /etc/f /etc/d /etc/r; ls /share | head -2; \
             echo x > /etc/d && echo rw; echo x 2>/dev/null > /etc/r || echo ro; touch /ro/x 2>/dev/null || echo ro' \
             3< /etc/hostname 4< /etc/hostname 6< /etc/hostname 5< /usr/share 7< /usr/share; echo rc=$?",
            sh_join(USR)
        );
        let out = Run::sh(who, &script, &[] as &[&str]).run();
        seen.push(format!("{}{}", out.stdout, out.stderr));
    }
    assert_eq!(seen[0], seen[1], "nook as bwrap and bwrap differ on the fd operations");
    assert!(seen[0].contains("666 /etc/f\n600 /etc/d\n640 /etc/r\n") && seen[0].ends_with("rw\nro\nro\nrc=0\n"), "{}", seen[0]);
}

/// `--file FD DEST` over a DEST that exists: bwrap creat()s it, so the file
/// is truncated and written, its mode kept, through a symlink inside the
/// root too, and on a host bind; `--bind-data` and `--ro-bind-data` bind
/// over an existing file; a read-only DEST fails.
fn file_over_existing(who: Who) {
    let dir = scratch(who, "file");
    for (name, text) in [("one", "one\n"), ("two", "second file\n"), ("three", "third\n")] {
        fs::write(dir.join(name), text).unwrap();
        set_mode(&dir.join(name), 0o644);
    }
    let (host, host_file) = (dir.join("h"), dir.join("h").join("f"));
    fs::create_dir(&host).unwrap();
    give(who, &host);
    let input = |name: &str| sh_quote(p(&dir.join(name)));
    let mut seen = Vec::new();
    for tool in [nook_bwrap(), real_bwrap().to_string()] {
        fs::write(&host_file, "old old old\n").unwrap();
        set_mode(&host_file, 0o640);
        give(who, &host_file);
        let script = format!(
            "{tool} {} --dev /dev --bind {h} /d --dir /x --file 3 /x/a --file 4 /x/a --symlink a /x/l --file 5 /x/l --file 6 /d/f \
             --perms 0600 --file 7 /x/b --bind-data 9 /x/b --ro-bind-data 8 /d/f sh -c 'stat -c \"%a %s %n\" /x/a /x/b /d/f; \
             cat /x/a /x/b /d/f; echo x 2>/dev/null > /d/f || echo ro' 3< {one} 4< {two} 5< {one} 6< {one} 7< {one} 8< {three} 9< {two}; \
             echo rc=$?; stat -c '%a %s' {f}; cat {f}; \
             {tool} {} --ro-bind {h} /d --file 3 /d/f true 3< {one}; echo rc=$?",
            sh_join(USR),
            sh_join(USR),
            h = sh_quote(p(&host)),
            f = sh_quote(p(&host_file)),
            one = input("one"),
            two = input("two"),
            three = input("three"),
        );
        let out = Run::sh(who, &script, &[] as &[&str]).run();
        let first_line = out.stderr.lines().next().unwrap_or("").split(':').next().unwrap_or("").to_string();
        seen.push((out.stdout, first_line));
    }
    assert_eq!(seen[0], seen[1], "nook as bwrap and bwrap differ on --file over an existing DEST");
    assert_eq!(
        seen[0].0,
        "666 4 /x/a\n600 12 /x/b\n600 6 /d/f\none\nsecond file\nthird\nro\nrc=0\n640 4\none\nrc=1\n",
        "{:?}",
        seen[0]
    );
    assert_eq!(seen[0].1, "bwrap", "the read-only DEST's failure is bwrap's: {:?}", seen[0]);
}

/// `--proc DEST`, the host's procfs (no PID namespace) or its own: DEST's
/// sys, sysrq-trigger, irq and bus are bound read-only where this process
/// could write to them (for real root, irq and bus).
fn proc_covered(who: Who) {
    let script = "grep ' /p' /proc/self/mountinfo | cut -d' ' -f5,6";
    for pid in [&[][..], &["--unshare-pid"], &["--unshare-user"], &["--unshare-user", "--unshare-pid"]] {
        let out = assert_same(who, "/", &[USR, pid, &["--proc", "/proc", "--proc", "/p"]].concat(), script);
        if who == Who::Root && pid.is_empty() {
            assert!(out.stdout.contains("/p/irq ro,") && out.stdout.contains("/p/bus ro,"), "{out}");
        }
    }
}

/// Each new filesystem's source in the mount table (mount(8), findmnt and
/// df show it) is its type, as bwrap's mount(2) names it ("proc", "tmpfs",
/// "devpts", "mqueue"), not "none".
fn mount_sources(who: Who) {
    let script = "sed -nE 's|^[0-9]+ [0-9]+ [0-9:]+ [^ ]+ (/(proc\\|t\\|d\\|mq)[^ ]*) .* - ([^ ]+) ([^ ]+) .*|\\1 \\3 \\4|p' /proc/self/mountinfo";
    let out = assert_same(who, "/", &with(&["--unshare-pid", "--unshare-ipc", "--proc", "/proc", "--tmpfs", "/t", "--dev", "/d", "--mqueue", "/mq"]), script);
    assert!(out.stdout.contains("/proc proc proc\n") && out.stdout.contains("/t tmpfs tmpfs\n"), "{out}");
}

/// `--tmpfs /` is a tmpfs on bwrap's root, which then is the root (its
/// `--perms` and `--size` the root's), and `--dir /` leaves the root as it
/// is, as bwrap's; before any other operation, since nook does not cover
/// the ones made (bwrap's hides them), and other operations on `/` are
/// refused in bwrap's words (its options, not nook's `--root`).
fn root_tmpfs(who: Who) {
    // (bwrap's own root is /newroot of its tmpfs, nook's that tmpfs's /:
    // the table's root column only with `--tmpfs /`.)
    let listing = "stat -c '%a %u %F' /; ls /";
    let script = format!("{listing}; grep ' / / ' /proc/self/mountinfo | cut -d' ' -f4-");
    for (first, script) in [
        (&["--perms", "0700", "--size", "1048576", "--tmpfs", "/"][..], script.as_str()),
        (&["--tmpfs", "/"], &script),
        (&["--tmpfs", "/", "--dir", "//"], &script),
        (&["--perms", "0750", "--dir", "/"], listing),
        (&["--dir", "/."], listing),
    ] {
        let out = assert_same(who, "/", &[first, USR, &["--proc", "/proc"]].concat(), script);
        assert!(out.code == 0 && out.stdout.contains("\nusr\n"), "{first:?}: {out}");
        let mode = if first[1] == "0700" { "700 " } else { "755 " };
        assert!(out.stdout.starts_with(mode), "{first:?}: {out}");
        if first[1] == "0700" {
            assert!(out.stdout.contains("\n/ / ") && out.stdout.contains(" tmpfs tmpfs rw,size=1024k,mode=700"), "{out}");
        }
    }
    for (opts, says) in [
        (&["--dir", "/a", "--tmpfs", "/"][..], "option --tmpfs: replaces the root: nook takes it only before every other operation"),
        (&["--bind", "/usr", "/", "--tmpfs", "/."], "option --tmpfs: replaces the root"),
        (&["--proc", "/"], "option --proc: cannot mount or create on / itself: the root is bwrap's empty tmpfs (--tmpfs / for its --perms and --size) or --bind DIR /'s"),
        (&["--symlink", "usr/bin", "/"], "option --symlink: cannot mount or create on / itself: the root is bwrap's"),
    ] {
        let out = run_tool(&nook_bwrap(), who, "/", opts, "true");
        assert!(out.code == 1 && out.stderr.starts_with(&format!("bwrap: {says}")) && !out.stderr.contains("--root"), "{opts:?}: {out}");
    }
}

/// `--dev`'s mounts and their flags under a terminal (so with a console),
/// as bwrap's: its tmpfs nosuid and nodev, as every tmpfs of bwrap's, and
/// its binds of the nodes and the console nosuid.
fn dev_flags(who: Who) {
    let script = "grep ' /dev' /proc/self/mountinfo | cut -d' ' -f5,6";
    let nook = same_under_a_terminal(who, &with(&["--proc", "/proc", "--dev", "/dev", "sh", "-c", script]), "");
    assert!(nook.stdout.contains("/dev/console rw,nosuid,") && nook.stdout.contains("/dev rw,nosuid,nodev,"), "{nook}");
    // The console is stdout's terminal alone (bwrap's ttyname(1)): none
    // when stdout is a pipe, though stdin is a terminal.
    let nook = same_under_a_terminal(who, &with(&["--dev", "/dev", "sh", "-c", "test -e /dev/console && echo console || echo none"]), " | cat");
    assert!(nook.stdout.contains("none"), "{nook}");
}

/// nook as bwrap and bwrap, each run with `argv` on script(1)'s terminal
/// (its command line followed by `tail`), give the same status and
/// output: nook's run.
fn same_under_a_terminal(who: Who, argv: &[&str], tail: &str) -> Out {
    let mut seen: Vec<Out> = [nook_bwrap(), real_bwrap().to_string()]
        .into_iter()
        .map(|tool| {
            let mut command = vec![tool];
            command.extend(args(argv));
            let mut run = Run::argv(who, args(&["script", "-qec", &format!("{}{tail}", sh_join(&command)), "/dev/null"]));
            run.env.retain(|(name, _)| !name.starts_with("NOOK_"));
            run.run()
        })
        .collect();
    assert_eq!((seen[0].code, &seen[0].stdout), (seen[1].code, &seen[1].stdout), "nook as bwrap and bwrap differ:\n{}\n{}", seen[0], seen[1]);
    seen.swap_remove(0)
}

/// `--size` as bwrap's strtoull(…, 0): hex after 0x, octal after a 0,
/// else decimal; refused: 0, a sign or a space first, anything after the
/// digits, more than 2^64-1 (all "a non-zero number of bytes"), and more
/// than SIZE_MAX/2 ("limited to" it).
fn size_values(who: Who) {
    let script = "grep ' /t ' /proc/self/mountinfo | grep -o 'size=[^,]*'";
    for v in ["4096", "0x2000", "0X3000", "010000", "0x7fffffffffffffff", "0777777777777777777777"] {
        let out = assert_same(who, "/", &with(&["--proc", "/proc", "--size", v, "--tmpfs", "/t"]), script);
        assert!(out.code == 0 && out.stdout.starts_with("size="), "{v}: {out}");
    }
    let refusals = [
        ("0", "non-zero"), ("00", "non-zero"), ("0x", "non-zero"), ("08", "non-zero"), (" 4096", "non-zero"), ("+4096", "non-zero"),
        ("-1", "non-zero"), ("4096k", "non-zero"), ("1e3", "non-zero"), ("", "non-zero"), ("18446744073709551616", "non-zero"),
        ("9223372036854775808", "9223372036854775807"), ("18446744073709551615", "9223372036854775807"),
        ("0x8000000000000000", "9223372036854775807"), ("01000000000000000000000", "9223372036854775807"),
    ];
    for (v, says) in refusals {
        let (nook, bwrap) = side_by_side(who, "/", &with(&["--size", v, "--tmpfs", "/t"]), "true");
        assert_eq!((nook.code, bwrap.code), (1, 1), "{v:?}:\n{nook}\n{bwrap}");
        let limited = bwrap.stderr.contains("limited to");
        assert_eq!(limited, says != "non-zero", "{v:?}: {bwrap}");
        assert!(nook.stderr.starts_with("bwrap: ") && nook.stderr.lines().count() == 1 && nook.stderr.contains(says), "{v:?}: {nook}");
    }
    // Twice before one --tmpfs, even when the second value is bad.
    let (nook, bwrap) = side_by_side(who, "/", &with(&["--size", "4096", "--size", "x", "--tmpfs", "/t"]), "true");
    assert!(nook.code == 1 && bwrap.code == 1 && bwrap.stderr.contains("twice") && nook.stderr.contains("twice"), "{nook}\n{bwrap}");
}

/// Every capability set of PROGRAM (CapInh, CapPrm, CapEff, CapBnd,
/// CapAmb), with and without a user or PID namespace, `--cap-add`,
/// `--cap-drop` and `--uid`.
fn capability_sets(who: Who) {
    let script = "grep ^Cap /proc/self/status";
    let edits: &[&[&str]] = &[
        &[], &["--cap-add", "CAP_NET_RAW"], &["--cap-drop", "CAP_NET_RAW"], &["--cap-drop", "ALL", "--cap-add", "cap_chown"],
        &["--cap-drop", "ALL"], &["--unshare-user"], &["--unshare-user", "--cap-add", "CAP_NET_RAW"],
        &["--unshare-user", "--cap-drop", "CAP_NET_RAW"], &["--unshare-user", "--cap-drop", "ALL", "--cap-add", "cap_chown"],
        &["--unshare-user", "--uid", "5"], &["--unshare-user", "--uid", "5", "--cap-add", "cap_chown"],
    ];
    for pid in [&[][..], &["--unshare-pid"]] {
        for edit in edits {
            let out = assert_same(who, "/", &[USR, pid, &["--proc", "/proc"], edit].concat(), script);
            assert!(out.stdout.contains("CapInh:") && out.stdout.contains("CapAmb:"), "{out}");
        }
    }
}

/// Wrapper fds among 0, 1 and 2, which bwrap takes: its output goes
/// there, and PROGRAM starts without the fd (`echo` to a closed stdout
/// fails); `--sync-fd` is not PROGRAM's either, and `--info-fd 1` reaches
/// EOF while PROGRAM still runs.
fn stdio_wrapper_fds(who: Who) {
    let cases = [
        "--info-fd 1", "--json-status-fd 1", "--info-fd 2", "--json-status-fd 2", "--sync-fd 1", "--block-fd 0", "--sync-fd 0",
        "--unshare-pid --sync-fd 0", "--unshare-pid --json-status-fd 1", "--unshare-pid --info-fd 1 --block-fd 0", "--sync-fd 5",
        "--unshare-pid --sync-fd 5",
    ];
    let program = "echo hi; echo err >&2; for f in 0 1 2 5; do [ -e /proc/$$/fd/$f ] && echo fd $f open >&2; done; exit 3";
    for case in cases {
        let mut seen = Vec::new();
        for tool in [nook_bwrap(), real_bwrap().to_string()] {
            let fd5 = if case.contains(" 5") { "5>/dev/null" } else { "" };
            let script = format!("echo x | {tool} {} --proc /proc --unshare-net {case} sh -c {} {fd5}; echo rc=$?", sh_join(USR), sh_quote(program));
            let out = Run::sh(who, &script, &[] as &[&str]).run();
            seen.push((digits_blurred(&out.stdout), digits_blurred(&out.stderr)));
        }
        assert_eq!(seen[0], seen[1], "nook as bwrap and bwrap differ on {case}");
        assert!(seen[0].0.ends_with("rc=N\n"), "{case}: {:?}", seen[0]);
    }
    let mut seen = Vec::new();
    for tool in [nook_bwrap(), real_bwrap().to_string()] {
        let script = format!("{tool} {} --info-fd 1 sleep 3 | {{ timeout 2 cat > /dev/null && echo eof || echo no-eof; }}", sh_join(USR));
        seen.push(Run::sh(who, &script, &[] as &[&str]).run().stdout);
    }
    assert_eq!(seen, ["eof\n", "eof\n"], "--info-fd 1 reaches EOF only when the sandbox ends");
}

/// `--lock-file DEST`: a read lock (fcntl) on DEST while PROGRAM runs, none
/// after; seen from the host by a write lock that fails, then succeeds.
fn lock_file(who: Who) {
    let dir = scratch(who, "lock");
    let file = dir.join("lk");
    fs::write(&file, b"").unwrap();
    set_mode(&file, 0o666);
    for tool in [nook_bwrap(), real_bwrap().to_string()] {
        for pid in ["", "--unshare-pid"] {
            let mut argv = vec![tool.clone()];
            argv.extend(args(USR));
            argv.extend(args(&["--bind", p(&file), "/lk", "--lock-file", "/lk"]));
            if !pid.is_empty() {
                argv.push(pid.into());
            }
            argv.extend(args(&["sh", "-c", "read x"]));
            let mut running = Run::argv(who, argv).spawn();
            let try_lock = || write_lock_free(&file);
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
            while try_lock() && std::time::Instant::now() < deadline {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            assert!(!try_lock(), "{tool} {pid}: /lk is not locked while PROGRAM runs");
            running.write_stdin(b"go\n");
            let out = running.finish();
            assert_eq!(out.code, 0, "{out}");
            // The holder dies with PROGRAM, a moment after.
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
            while !try_lock() && std::time::Instant::now() < deadline {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            assert!(try_lock(), "{tool} {pid}: /lk is still locked after the sandbox ended");
        }
    }
}

/// Whether a write lock (fcntl F_SETLK, F_WRLCK, the whole file) on `file`
/// can be taken now, by another process (python's lockf), which lets go of
/// it at once.
fn write_lock_free(file: &Path) -> bool {
    let script = "import fcntl,sys\nf=open(sys.argv[1],'r+')\ntry:\n fcntl.lockf(f, fcntl.LOCK_EX|fcntl.LOCK_NB)\nexcept OSError:\n sys.exit(1)";
    std::process::Command::new("python3").args(["-c", script, p(file)]).status().unwrap().success()
}

fn fd_outputs(who: Who) {
    let dir = scratch(who, "fds");
    let mut seen = Vec::new();
    for tool in [nook_bwrap(), real_bwrap().to_string()] {
        let (i, j) = (dir.join("info"), dir.join("json"));
        let script = format!(
            "{tool} {} --unshare-pid --unshare-net --info-fd 3 --json-status-fd 4 sh -c 'exit 3' 3> {} 4> {}; echo rc=$?; cat {} {}",
            sh_join(USR), sh_quote(p(&i)), sh_quote(p(&j)), sh_quote(p(&i)), sh_quote(p(&j))
        );
        let out = Run::sh(who, &script, &[] as &[&str]).run();
        seen.push(digits_blurred(&out.stdout));
    }
    assert_eq!(seen[0], seen[1], "nook as bwrap's fd outputs differ from bwrap's");
    assert!(seen[0].contains("{\n    \"child-pid\": N,\n    \"mnt-namespace\": N,") && seen[0].ends_with("{ \"exit-code\": N }\n"), "{}", seen[0]);
}

/// `--disable-userns` (PROGRAM in a nested user namespace that may have
/// none below it) and `--assert-userns-disabled`.
fn userns_disabled(who: Who) {
    let script = "cat /proc/sys/user/max_user_namespaces; unshare -U true 2>/dev/null && echo made || echo refused; id; cat /proc/self/uid_map";
    let out = assert_same(who, "/", &with(&["--proc", "/proc", "--unshare-user", "--disable-userns"]), script);
    assert!(out.stdout.contains("refused"), "{out}");
    let out = assert_same(who, "/", &with(&["--proc", "/proc", "--unshare-user", "--disable-userns", "--assert-userns-disabled"]), script);
    assert!(out.stdout.contains("refused"), "{out}");
    // Without --unshare-user itself (even where it is implied), and an
    // assertion that does not hold: status 1.
    for opts in [&["--disable-userns"][..], &["--assert-userns-disabled"]] {
        let (nook, bwrap) = side_by_side(who, "/", &[USR, opts].concat(), "true");
        assert_eq!((nook.code, bwrap.code), (1, 1), "{nook}\n{bwrap}");
        assert!(nook.stderr.starts_with("bwrap: "), "{nook}");
    }
}

/// The overlays (0.11; Debian's 0.8 has none): the last `--overlay-src` is
/// the top layer; `--ro-overlay` is read-only, `--tmp-overlay` writes to a
/// tmpfs no one else sees, `--overlay` to RWSRC.
fn overlays(who: Who) {
    let dir = scratch(who, "overlay");
    for (name, file) in [("a", "A\n"), ("b", "B\n")] {
        fs::create_dir(dir.join(name)).unwrap();
        fs::write(dir.join(name).join("f"), file).unwrap();
    }
    fs::write(dir.join("a").join("only-a"), "a\n").unwrap();
    for name in ["up", "work"] {
        fs::create_dir(dir.join(name)).unwrap();
    }
    for entry in ["a", "b", "up", "work", "a/f", "b/f", "a/only-a"] {
        give(who, &dir.join(entry));
    }
    let (a, b) = (p(&dir.join("a")).to_string(), p(&dir.join("b")).to_string());
    let (up, work) = (p(&dir.join("up")).to_string(), p(&dir.join("work")).to_string());
    let tool = nook_bwrap();
    let out = run_tool(&tool, who, "/", &[USR, &["--overlay-src", &a, "--overlay-src", &b, "--ro-overlay", "/o"]].concat(), "cat /o/f /o/only-a; touch /o/x 2>/dev/null || echo ro");
    assert_eq!((out.code, out.stdout.as_str()), (0, "B\na\nro\n"), "{out}");
    let out = run_tool(&tool, who, "/", &[USR, &["--overlay-src", &a, "--tmp-overlay", "/o"]].concat(), "echo new > /o/n && cat /o/f /o/n");
    assert_eq!((out.code, out.stdout.as_str()), (0, "A\nnew\n"), "{out}");
    assert!(!dir.join("a").join("n").exists(), "--tmp-overlay wrote into its layer");
    let out = run_tool(&tool, who, "/", &[USR, &["--overlay-src", &a, "--overlay", &up, &work, "/o"]].concat(), "echo new > /o/n && cat /o/f");
    assert_eq!((out.code, out.stdout.as_str()), (0, "A\n"), "{out}");
    assert_eq!(fs::read_to_string(dir.join("up").join("n")).unwrap(), "new\n", "--overlay's writes are not in RWSRC");
    for opts in [&["--overlay-src", "/usr"][..], &["--overlay-src", "/usr", "--ro-overlay", "/o"], &["--tmp-overlay", "/o"]] {
        let out = run_tool(&tool, who, "/", &[USR, opts].concat(), "true");
        assert!(out.code == 1 && out.stderr.starts_with("bwrap: ") && out.stderr.contains("--overlay-src"), "{out}");
    }
}

/// `--userns FD` and `--pidns FD`: join a namespace held open by a
/// process of the caller's (`unshare`, sleeping), of that type only.
fn join_namespaces(who: Who) {
    let script = |ns: &str, opts: &str, inner: &str, tool: &str| {
        format!(
            "unshare {ns} sleep 30 > /dev/null 2>&1 & holder=$!; sleep 0.3; \
             {tool} {} {opts} sh -c '{inner}' 3< /proc/$(pgrep -n -P $holder sleep || echo $holder)/ns/{}; echo rc=$?; kill $holder",
            sh_join(USR),
            if ns.contains("--pid") { "pid" } else { "user" }
        )
    };
    let cases: &[(&str, &str, &str)] = &[
        ("--user --map-root-user", "--userns 3 --proc /proc", "id; cat /proc/self/uid_map"),
        ("--user --map-root-user", "--userns 3 --proc /proc --unshare-pid", "id; echo $$"),
    ];
    let mut cases = cases.to_vec();
    if who == Who::Root {
        // Only root may make the PID namespace to join.
        cases.push(("--pid --fork --kill-child", "--pidns 3 --proc /proc", "ps -e -o comm= | grep -c sleep"));
    }
    for (ns, opts, inner) in cases {
        let nook = Run::sh(who, &script(ns, opts, inner, &nook_bwrap()), &[] as &[&str]).run();
        let bwrap = Run::sh(who, &script(ns, opts, inner, real_bwrap()), &[] as &[&str]).run();
        assert_eq!((&nook.stdout, &nook.stderr), (&bwrap.stdout, &bwrap.stderr), "{ns} {opts}:\n{nook}\n{bwrap}");
        assert!(nook.stdout.ends_with("rc=0\n"), "{nook}");
    }
}

/// bwrap 0.11's behaviour, which Debian's 0.8 lacks.
fn newer_than_debian(who: Who) {
    // A symlink that is already there, the same: not an error.
    let out = run_tool(&nook_bwrap(), who, "/", &with(&["--symlink", "usr/lib", "/lib"]), "readlink /lib");
    assert_eq!((out.code, out.stdout.as_str()), (0, "usr/lib\n"), "{out}");
    let out = run_tool(&nook_bwrap(), who, "/", &with(&["--level-prefix", "--bogus"]), "true");
    assert!(out.code == 1 && out.stderr.starts_with("<3>bwrap: "), "{out}");
    // --argv0 VALUE: PROGRAM's argv[0] (sh -c's $0 without more words).
    for pid in [&[][..], &["--unshare-pid"][..]] {
        let out = run_tool(&nook_bwrap(), who, "/", &[USR, pid, &["--argv0", "hello"]].concat(), "echo $0 $#");
        assert_eq!((out.code, out.stdout.as_str()), (0, "hello 0\n"), "{out}");
    }
    let out = run_tool(&nook_bwrap(), who, "/", &with(&["--argv0", "a", "--argv0", "b"]), "true");
    assert!(out.code == 1 && out.stderr.contains("--argv0"), "{out}");
}

both!(root_model, bind_root, identity, cwd_and_env, namespaces, exit_statuses, modifiers_and_files, fd_operations, file_over_existing, proc_covered, mount_sources, root_tmpfs, dev_flags, size_values, capability_sets, stdio_wrapper_fds, lock_file, userns_disabled, overlays, join_namespaces, fd_outputs, newer_than_debian);

/// `unshare HOLDER sleep 30`, in the background, to hold the namespaces
/// that `--userns`, `--pidns` and `--userns2` join, then `BODY`, then kill
/// it. `$ns` is the pid of the sleep (PID 1 of a PID namespace HOLDER
/// makes). With `NESTED` the holder also starts `unshare --user NESTED
/// sleep 30` in its user namespace: `$nested`, in a user namespace below
/// `$ns`'s.
fn with_holder(holder: &str, nested: Option<&str>, body: &str) -> String {
    let (holding, ns) = match nested {
        None => ("sleep 30".to_string(), "pgrep -o -P $holder sleep"),
        Some(nested) => (format!("sh -c 'unshare --user {nested} sleep 30 & exec sleep 30'"), "pgrep -o -P $holder sleep >/dev/null && echo $holder"),
    };
    format!(
        "unshare {holder} {holding} > /dev/null 2>&1 & holder=$!; i=0; \
         while ! ns=$({ns}) && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done; \
         [ -z \"$ns\" ] && ns=$holder; nested=$(pgrep -n -P $holder sleep); \
         {body}; kill $holder $ns $nested 2>/dev/null"
    )
}

/// `--pidns FD` with `--unshare-pid`: the sandbox's PID namespace is a new
/// one whose parent (NS_GET_PARENT, from the host, on the pid
/// `--info-fd` names) is the joined one; PROGRAM is PID 2 of it.
fn pidns_nested(who: Who) {
    let dir = scratch(who, "pidns");
    let parent_of = "import os,fcntl,sys; f=os.open(sys.argv[1],os.O_RDONLY); \
        print('nested' if os.fstat(fcntl.ioctl(f,0xb702)).st_ino==os.stat(sys.argv[2]).st_ino else 'not nested')";
    // The holder's PID namespace: root's alone; container-user's with the
    // user namespace that owns it (joined with --userns), which setns needs.
    let mut cases = vec![("--user --map-root-user --pid --fork --kill-child", "--userns 3 --pidns 4")];
    if who == Who::Root {
        cases.push(("--pid --fork --kill-child", "--pidns 4"));
    }
    for (holder, opts) in cases {
        let mut seen = Vec::new();
        for tool in [nook_bwrap(), real_bwrap().to_string()] {
            let (info, go) = (dir.join("info"), dir.join("go"));
            let _ = (fs::remove_file(&info), fs::remove_file(&go));
            let body = format!(
                "mkfifo {i} {g}; {tool} {} {opts} --unshare-pid --proc /proc --info-fd 5 sh -c 'read x; echo $$; pids=$(ps -e -o pid=); echo \"$pids\" | wc -l' \
                 3< /proc/$ns/ns/user 4< /proc/$ns/ns/pid 5> {i} 0<> {g} & tool=$!; \
                 child=$(sed -n 's/.*\"child-pid\": \\([0-9]*\\).*/\\1/p' < {i}); \
                 python3 -c \"{parent_of}\" /proc/$child/ns/pid /proc/$ns/ns/pid; echo go > {g}; wait $tool; echo rc=$?",
                sh_join(USR), i = sh_quote(p(&info)), g = sh_quote(p(&go))
            );
            let out = Run::sh(who, &with_holder(holder, None, &body), &[] as &[&str]).run();
            seen.push(out);
        }
        assert_eq!((&seen[0].stdout, &seen[0].stderr), (&seen[1].stdout, &seen[1].stderr), "{opts}:\n{}\n{}", seen[0], seen[1]);
        // The init, sh and ps (a command substitution: wc after it).
        assert_eq!(seen[0].stdout, "nested\n2\n3\nrc=0\n", "{opts}: {}", seen[0]);
    }
}

/// `--userns-block-fd FD`: nook writes no id maps; the caller, told the
/// child's pid on `--info-fd`, writes them (/proc/PID/uid_map, setgroups,
/// gid_map) and then a byte to FD, and PROGRAM has the ids they give.
fn userns_block_fd(who: Who) {
    let dir = scratch(who, "ublock");
    for pid in ["", "--unshare-pid"] {
        let mut seen = Vec::new();
        for tool in [nook_bwrap(), real_bwrap().to_string()] {
            let (info, block) = (dir.join("info"), dir.join("block"));
            let _ = (fs::remove_file(&info), fs::remove_file(&block));
            let script = format!(
                "mkfifo {i} {b}; {tool} {} {pid} --unshare-user --proc /proc --info-fd 3 --userns-block-fd 4 \
                 sh -c 'id; cat /proc/self/uid_map /proc/self/gid_map; grep -E \"^Cap(Prm|Eff|Bnd)\" /proc/self/status' 3> {i} 4<> {b} & tool=$!; \
                 child=$(sed -n 's/.*\"child-pid\": \\([0-9]*\\).*/\\1/p' < {i}); \
                 echo maps before: $(cat /proc/$child/uid_map /proc/$child/gid_map | wc -l); \
                 echo \"0 $(id -u) 1\" > /proc/$child/uid_map; echo deny > /proc/$child/setgroups; \
                 echo \"0 $(id -g) 1\" > /proc/$child/gid_map; echo go > {b}; wait $tool; echo rc=$?",
                sh_join(USR), i = sh_quote(p(&info)), b = sh_quote(p(&block))
            );
            seen.push(Run::sh(who, &script, &[] as &[&str]).run());
        }
        assert_eq!((&seen[0].stdout, &seen[0].stderr), (&seen[1].stdout, &seen[1].stderr), "{pid}:\n{}\n{}", seen[0], seen[1]);
        // None before the caller's; then the caller's, 0 for its own ids.
        let (uid, gid) = world().ids(who);
        let maps = format!("maps before: 0\nuid=0 gid=0 groups=0\n{:>10} {uid:>10} {:>10}\n{:>10} {gid:>10} {:>10}\nCap", 0, 1, 0, 1);
        assert!(seen[0].stdout.starts_with(&maps) && seen[0].stdout.ends_with("rc=0\n"), "{}", seen[0]);
    }
    // It needs --unshare-user itself and --info-fd, and is not for
    // --disable-userns.
    for opts in ["--info-fd 3 --userns-block-fd 4", "--unshare-user --userns-block-fd 4", "--unshare-user --disable-userns --info-fd 3 --userns-block-fd 4"] {
        let [nook, bwrap] = [nook_bwrap(), real_bwrap().to_string()]
            .map(|tool| Run::sh(who, &format!("{tool} {} {opts} true 3> /dev/null 4< /dev/null", sh_join(USR)), &[] as &[&str]).run());
        assert_eq!((nook.code, bwrap.code), (1, 1), "{opts:?}\n{nook}\n{bwrap}");
        assert!(nook.stderr.starts_with("bwrap: ") && nook.stderr.contains("--userns-block-fd") && nook.stderr.lines().count() == 1, "{nook}");
    }
}

/// `--userns2 FD`: after the setup, PROGRAM joins FD's user namespace, a
/// descendant of the one `--userns` joined (or, for real root, of its own).
fn userns2(who: Who) {
    let mut cases = vec![("--map-root-user", "--userns 3 --userns2 4"), ("", "--userns 3 --userns2 4 --unshare-pid"), ("", "--userns2 4")];
    if who == Who::User {
        cases.push(("--map-root-user", "--userns2 4 --unshare-user"));
    }
    for (nested, opts) in cases {
        let mut seen = Vec::new();
        for tool in [nook_bwrap(), real_bwrap().to_string()] {
            let body = format!(
                "joined=$({tool} {} --proc /proc {opts} sh -c 'id; cat /proc/self/uid_map; readlink /proc/self/ns/user' \
                 3< /proc/$ns/ns/user 4< /proc/$nested/ns/user); echo rc=$?; \
                 echo \"$joined\" | head -n -1; [ \"$(echo \"$joined\" | tail -n 1)\" = \"$(readlink /proc/$nested/ns/user)\" ] && [ -n \"$joined\" ] && echo in-userns2",
                sh_join(USR)
            );
            seen.push(Run::sh(who, &with_holder("--user --map-root-user", Some(nested), &body), &[] as &[&str]).run());
        }
        assert_eq!(seen[0].stdout, seen[1].stdout, "{nested} {opts}:\n{}\n{}", seen[0], seen[1]);
        let joins = opts.contains("--userns ") || who == Who::Root;
        assert_eq!(seen[0].stdout.ends_with("in-userns2\n"), joins, "{opts}: {}", seen[0]);
    }
}

/// `--args FD` given more than once: each file's words are options of
/// their own (a word that is none ends the file, and bwrap ignores the
/// rest), a `--perms` before it may be the file's, FD is closed; inside a
/// file `--args` is refused.
fn args_files(who: Who) {
    let dir = scratch(who, "args");
    let files: [(&str, &[u8]); 4] = [
        ("a", b"--setenv\0A\0a\0"),
        ("b", b"--dir\0/made\0not-an-option\0--setenv\0C\0c"),
        ("nested", b"--setenv\0A\0a\0--args\x003\0"),
        ("short", b"--setenv\0A"),
    ];
    for (name, words) in files {
        fs::write(dir.join(name), words).unwrap();
        set_mode(&dir.join(name), 0o644);
    }
    fs::write(dir.join("many"), b"--setenv\0A\0a\0".repeat(3000)).unwrap();
    set_mode(&dir.join("many"), 0o644);
    let file = |name: &str| sh_quote(p(&dir.join(name)));
    let cases = [
        format!("--args 3 {} --perms 0700 --args 4 --proc /proc 3< {} 4< {}", sh_join(USR), file("a"), file("b")),
        format!("--args 3 {} 3< {}", sh_join(USR), file("nested")),
        format!("--args 3 {} 3< {}", sh_join(USR), file("short")),
        // bwrap's cap: 9000 words, the command line's and its files'.
        format!("--args 3 {} 3< {}", sh_join(USR), file("many")),
        format!("{} {}", "--setenv A a ".repeat(3000), sh_join(USR)),
    ];
    let script = "sh -c 'echo A=$A C=$C; stat -c \"%a %n\" /made; for fd in 3 4; do [ -e /proc/self/fd/$fd ] && echo fd $fd open; done; true'";
    for (opts, said) in cases.iter().zip(["", "not supported in arguments file", "--setenv", "9000", "9000"]) {
        let [nook, bwrap] = [nook_bwrap(), real_bwrap().to_string()]
            .map(|tool| Run::sh(who, &format!("{tool} {opts} {script}"), &[] as &[&str]).run());
        assert_eq!((nook.code, &nook.stdout), (bwrap.code, &bwrap.stdout), "{opts}:\n{nook}\n{bwrap}");
        if said.is_empty() {
            assert_eq!(nook.stdout, "A=a C=\n700 /made\n", "{nook}");
        } else {
            assert!(nook.code == 1 && nook.stderr.starts_with("bwrap: ") && nook.stderr.contains(said) && nook.stderr.lines().count() == 1, "{nook}");
        }
    }
}

/// The caller's fds: bwrap hands PROGRAM every fd left open that no option
/// took (a wrapper's socket or pipe), and closes those its options took
/// (`--info-fd`, `--json-status-fd`, `--file`, the data and fd binds,
/// `--block-fd`, `--sync-fd`, `--seccomp`, `--args`); nook as bwrap does
/// the same, with and without a PID namespace (its init between).
fn inherited_fds(who: Who) {
    let dir = scratch(who, "fds");
    // An allow-all classic BPF program: one `ret SECCOMP_RET_ALLOW`.
    fs::write(dir.join("allow"), [0x06, 0, 0, 0, 0, 0, 0xff, 0x7f]).unwrap();
    fs::write(dir.join("args"), b"--setenv\0A\0a\0").unwrap();
    fs::write(dir.join("data"), b"hello\n").unwrap();
    for f in ["allow", "args", "data"] {
        set_mode(&dir.join(f), 0o644);
    }
    let f = |name: &str| sh_quote(p(&dir.join(name)));
    // dash takes fds 0 to 9: the options' fds in two runs, 5 and 7 (and 9)
    // the caller's own.
    let runs = [
        ("--info-fd 3 --json-status-fd 4 --file 6 /f --ro-bind-data 8 /g --bind-fd 9 /h", &["5", "7"][..], &["4", "6", "8", "9"][..], format!("3> /dev/null 4> /dev/null 6< {d} 8< {d} 9< /usr/share", d = f("data"))),
        ("--sync-fd 3 --block-fd 4 --seccomp 6 --args 8 --lock-file /usr", &["5", "7", "9"][..], &["4", "6", "8"][..], format!("3< {d} 4< /dev/null 6< {} 8< {} 9< {d}", f("allow"), f("args"), d = f("data"))),
    ];
    for pid in ["", "--unshare-pid"] {
        for (opts, kept, taken, redirects) in &runs {
            let mut seen = Vec::new();
            for tool in [nook_bwrap(), real_bwrap().to_string()] {
                let out_file = dir.join("out");
                let _ = fs::remove_file(&out_file);
                let script = format!(
                    "{tool} {} --dev /dev --proc /proc {pid} {opts} \
                     sh -c 'ls /proc/self/fd | sort -n | tr \"\\n\" \" \"; echo; cat <&5; echo to-seven >&7' \
                     5< {data} 7> {out} {redirects}; echo rc=$?; cat {out}",
                    sh_join(USR), data = f("data"), out = sh_quote(p(&out_file))
                );
                let out = Run::sh(who, &script, &[] as &[&str]).run();
                seen.push(format!("{}{}", out.stdout, out.stderr));
            }
            assert_eq!(seen[0], seen[1], "{pid} {opts}: nook as bwrap and bwrap hand PROGRAM different fds");
            // (3 is ls's own, of /proc/self/fd, when no option kept it; the
            // test's shell may hold more, above 9.)
            let listed: Vec<&str> = seen[0].lines().next().unwrap_or("").split_whitespace().collect();
            assert!(kept.iter().all(|fd| listed.contains(fd)) && !taken.iter().any(|fd| listed.contains(fd)), "{pid} {opts}: {}", seen[0]);
            assert!(seen[0].contains("\nhello\nrc=0\nto-seven\n"), "{pid} {opts}: {}", seen[0]);
        }
    }
}

both!(pidns_nested, userns_block_fd, userns2, args_files, inherited_fds);
